//! # sepconv-bench
//!
//! What the throughput report (`src/bin/report.rs`) and the criterion suite
//! (`benches/workloads.rs`) share:
//!
//! * [`WORKLOADS`]: the workloads of DESIGN.md (image size, channels, sample
//!   type, Gaussian taps with OpenCV's default σ, `Reflect101` borders);
//! * [`Input`]: a deterministic pseudo-random image for a workload;
//! * [`Naive2d`]: the baseline — a direct `K×K` 2D correlation in scalar f32,
//!   `K²` multiply-adds per sample where the separable filter needs `2K`;
//! * [`Direct2d`] (`direct2d`): the same `K×K` correlation vectorised (AVX2+FMA
//!   or portable), the honest 2D comparison: the gain from separability
//!   apart from the gain from SIMD;
//! * [`sample_band`]: the band of rows a slow 2D baseline is timed on;
//! * [`verify`]: the check that runs once before any timing (sepconv against
//!   the naive 2D result, on the top, middle and bottom rows of the image);
//! * [`separability`]: the separable-approximation trade-off (rank, error,
//!   speed against direct 2D) with SVG pictures of the kernels;
//! * [`SWEEP_TAPS`] and [`Workload::with_taps`]: the kernel-size sweep;
//! * `peers` (feature `peers`): libblur and imageproc on the same inputs;
//! * [`time_median`], [`memcpy`] and [`cpu_model`] for the report.
//!
//! The naive filter is a *different algorithm* from every sepconv backend, so
//! agreement means something; it is the baseline the ratios are quoted against.

use std::ops::Range;
use std::time::{Duration, Instant};

use sepconv::{Border, Borders, Kernel, Output, Plan, Sample, Shape};

pub mod depthwise;
pub mod direct2d;
#[cfg(feature = "peers")]
pub mod peers;
pub mod plot;
pub mod separability;

pub use direct2d::{Direct2d, Direct2dIsa};

/// The sample type of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleType {
    /// 32-bit float samples, f32 output.
    F32,
    /// 8-bit samples, u8 output (the fixed-point recipe).
    U8,
}

impl SampleType {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            SampleType::F32 => 4,
            SampleType::U8 => 1,
        }
    }
}

/// One benchmark case of DESIGN.md: an image size and a Gaussian of `taps`
/// taps (OpenCV's default σ for the size) in both directions, `Reflect101`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// The name used on the command line and in the JSON output.
    pub name: &'static str,
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Interleaved channels.
    pub channels: usize,
    /// Sample type of the input and the output.
    pub sample: SampleType,
    /// Kernel length, both directions.
    pub taps: usize,
}

/// The workloads of DESIGN.md, in its order.
pub const WORKLOADS: [Workload; 7] = [
    Workload { name: "f32-1080p-5", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 5 },
    Workload { name: "u8-1080p-5", width: 1920, height: 1080, channels: 1, sample: SampleType::U8, taps: 5 },
    Workload { name: "f32-4k-15", width: 3840, height: 2160, channels: 1, sample: SampleType::F32, taps: 15 },
    Workload { name: "u8-4k-15", width: 3840, height: 2160, channels: 1, sample: SampleType::U8, taps: 15 },
    Workload { name: "rgba8-1080p-9", width: 1920, height: 1080, channels: 4, sample: SampleType::U8, taps: 9 },
    Workload { name: "f32-1080p-31", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 31 },
    Workload { name: "f32-512-3", width: 512, height: 512, channels: 1, sample: SampleType::F32, taps: 3 },
];

/// The kernel sizes of the default sweep (criterion and report): odd, 3 to 63.
pub const SWEEP_TAPS: [usize; 9] = [3, 5, 7, 9, 15, 21, 31, 45, 63];

/// The images of the kernel-size sweep: 1080p, one channel, f32 and u8.
pub const SWEEP_IMAGES: [Workload; 2] = [
    Workload { name: "sweep-f32-1080p", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 3 },
    Workload { name: "sweep-u8-1080p", width: 1920, height: 1080, channels: 1, sample: SampleType::U8, taps: 3 },
];

impl Workload {
    /// The same image with a Gaussian of `taps` taps.
    pub fn with_taps(self, taps: usize) -> Workload {
        Workload { taps, ..self }
    }

    /// The workload called `name`, if any.
    pub fn by_name(name: &str) -> Option<Workload> {
        WORKLOADS.iter().copied().find(|w| w.name == name)
    }

    /// Pixels per image (the unit of every throughput figure).
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Samples per image (`pixels × channels`).
    pub fn samples(&self) -> usize {
        self.pixels() * self.channels
    }

    /// Bytes per image: what memcpy copies.
    pub fn bytes(&self) -> usize {
        self.samples() * self.sample.size()
    }

    /// The image shape.
    pub fn shape(&self) -> Shape {
        Shape::new(self.width, self.height, self.channels).expect("workload shapes are valid")
    }

    /// The 1D Gaussian: OpenCV's `getGaussianKernel(taps, 0, CV_32F)`.
    pub fn kernel(&self) -> Vec<f32> {
        let mut taps = vec![0.0f32; self.taps];
        sepconv_core::generate::gaussian(self.taps, 0.0, &mut taps).expect("workload kernels are valid");
        taps
    }

    /// The σ of [`kernel`](Self::kernel) (for a table kernel: the σ OpenCV
    /// would have used without the table).
    pub fn sigma(&self) -> f64 {
        sepconv_core::generate::default_sigma(self.taps)
    }

    /// The borders of every workload.
    pub fn borders(&self) -> Borders {
        Borders::uniform(Border::Reflect101)
    }
}

/// A sample type the benchmarks run: generates inputs, runs the naive
/// baseline, and knows how closely sepconv must match it.
pub trait BenchSample: Sample + Output<Self> + Default + PartialEq + std::fmt::Debug + Send + Sync {
    /// The workload sample type this is.
    const TYPE: SampleType;
    /// A sample from 32 random bits.
    fn from_random(bits: u32) -> Self;
    /// The sample as f32 (the naive filter computes in f32).
    fn to_f32(self) -> f32;
    /// An f32 result stored as this type (rounded and saturated for u8).
    fn from_f32(v: f32) -> Self;
}

impl BenchSample for f32 {
    const TYPE: SampleType = SampleType::F32;
    fn from_random(bits: u32) -> Self {
        // 24 random bits scaled to [0, 255): image-like magnitudes.
        (bits >> 8) as f32 * (255.0 / (1u32 << 24) as f32)
    }
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(v: f32) -> Self {
        v
    }
}

impl BenchSample for u8 {
    const TYPE: SampleType = SampleType::U8;
    fn from_random(bits: u32) -> Self {
        (bits >> 24) as u8
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
    fn from_f32(v: f32) -> Self {
        // `as` saturates; +0.5 then truncation rounds non-negative values.
        (v + 0.5).max(0.0) as u8
    }
}

/// A deterministic pseudo-random image (xorshift64*, seeded from the
/// workload's name) and its kernel.
pub struct Input<S> {
    /// The workload.
    pub workload: Workload,
    /// The samples, `width × height × channels`, tightly packed.
    pub samples: Vec<S>,
    /// The 1D kernel, used for rows and columns.
    pub taps: Vec<f32>,
}

impl<S: BenchSample> Input<S> {
    /// The input of `workload`.
    ///
    /// # Panics
    ///
    /// If `S` is not the workload's sample type.
    pub fn new(workload: Workload) -> Self {
        assert_eq!(S::TYPE, workload.sample, "{}: wrong sample type", workload.name);
        let seed =
            workload.name.bytes().fold(0x9E37_79B9_7F4A_7C15u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01B3));
        let mut state = seed | 1;
        let samples = (0..workload.samples())
            .map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                S::from_random((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32)
            })
            .collect();
        Input { workload, samples, taps: workload.kernel() }
    }

    /// The kernel as a sepconv [`Kernel`] (anchored at its centre).
    pub fn kernel(&self) -> Kernel<'_> {
        Kernel::new(&self.taps).expect("workload kernels are valid")
    }

    /// The sepconv plan of this workload.
    pub fn plan(&self) -> Plan<'_> {
        Plan::new(self.workload.shape(), self.kernel(), self.kernel(), self.workload.borders())
            .expect("workload plans are valid")
    }
}

/// `Reflect101` (`gfedcb|abcdefgh|gfedcba`) for any coordinate, written
/// independently of sepconv's border code; an axis of length 1 replicates.
pub(crate) fn reflect101(p: isize, len: usize) -> usize {
    let n = len as isize;
    if n == 1 {
        return 0;
    }
    let period = 2 * n - 2;
    let m = p.rem_euclid(period);
    (if m < n { m } else { period - m }) as usize
}

/// The baseline: direct 2D correlation with the `K×K` outer-product kernel,
/// scalar, one f32 accumulator per output sample, `Reflect101` borders.
///
/// ```text
/// for each output sample (x, y, c):
///     acc = 0
///     for j in 0..kh, i in 0..kw:
///         acc += k2d[j][i] · in(reflect(x + i − ax), reflect(y + j − ay), c)
/// ```
///
/// Interior pixels read their source rows directly; only the columns near
/// the left and right edges go through the border map.
pub struct Naive2d {
    weights: Vec<f32>,
    kw: usize,
    kh: usize,
    ax: usize,
    ay: usize,
}

impl Naive2d {
    /// The 2D kernel `column ⊗ row`, anchored at the centres (`len / 2`).
    pub fn new(row: &[f32], column: &[f32]) -> Self {
        let weights = column.iter().flat_map(|&c| row.iter().map(move |&r| c * r)).collect();
        Naive2d { weights, kw: row.len(), kh: column.len(), ax: row.len() / 2, ay: column.len() / 2 }
    }

    /// Multiply-adds per output sample (`K²`).
    pub fn taps(&self) -> usize {
        self.weights.len()
    }

    /// Filters output rows `rows` of the `width × height × channels` image
    /// `src` into `dst` (`rows.len()` rows, tightly packed).
    ///
    /// # Panics
    ///
    /// If the buffers do not match the sizes.
    pub fn run<S: BenchSample>(
        &self,
        src: &[S],
        (width, height, channels): (usize, usize, usize),
        rows: Range<usize>,
        dst: &mut [S],
    ) {
        let stride = width * channels;
        assert!(src.len() >= stride * height && dst.len() >= stride * rows.len() && rows.end <= height);
        let xmap: Vec<usize> =
            (0..width + self.kw - 1).map(|p| reflect101(p as isize - self.ax as isize, width)).collect();
        // Interior: outputs whose taps all lie inside the row.
        let x_lo = self.ax.min(width);
        let x_hi = (width + self.ax + 1).saturating_sub(self.kw).max(x_lo);
        let mut src_rows: Vec<&[S]> = Vec::with_capacity(self.kh);
        for (out_row, y) in dst.chunks_exact_mut(stride).zip(rows) {
            src_rows.clear();
            src_rows.extend((0..self.kh).map(|j| {
                let sy = reflect101(y as isize + j as isize - self.ay as isize, height);
                &src[sy * stride..(sy + 1) * stride]
            }));
            for x in 0..width {
                let interior = (x_lo..x_hi).contains(&x);
                for c in 0..channels {
                    let mut acc = 0.0f32;
                    for (row, weights) in src_rows.iter().zip(self.weights.chunks_exact(self.kw)) {
                        if interior {
                            let start = (x - self.ax) * channels + c;
                            for (i, &w) in weights.iter().enumerate() {
                                acc += w * row[start + i * channels].to_f32();
                            }
                        } else {
                            for (i, &w) in weights.iter().enumerate() {
                                acc += w * row[xmap[x + i] * channels + c].to_f32();
                            }
                        }
                    }
                    out_row[x * channels + c] = S::from_f32(acc);
                }
            }
        }
    }
}

/// A direct 2D filter that computes any band of output rows on its own:
/// [`Naive2d`] and [`Direct2d`].
pub trait Filter2d {
    /// Filters output rows `rows` of the `width × height × channels` image
    /// `src` into `dst` (`rows.len()` rows, tightly packed).
    fn run_rows<S: BenchSample>(&self, src: &[S], dims: (usize, usize, usize), rows: Range<usize>, dst: &mut [S]);
}

impl Filter2d for Naive2d {
    fn run_rows<S: BenchSample>(&self, src: &[S], dims: (usize, usize, usize), rows: Range<usize>, dst: &mut [S]) {
        self.run(src, dims, rows, dst)
    }
}

impl Filter2d for Direct2d {
    fn run_rows<S: BenchSample>(&self, src: &[S], dims: (usize, usize, usize), rows: Range<usize>, dst: &mut [S]) {
        self.run(src, dims, rows, dst)
    }
}

/// The band of rows in the middle of `input`'s image on which `filter` takes
/// about `target` a run (calibrated on two rows; the whole image when it
/// fits). Slow 2D baselines are timed on it and their throughput quoted in
/// the band's pixels: filtering the whole image would take seconds to minutes.
pub fn sample_band<S: BenchSample>(filter: &impl Filter2d, input: &Input<S>, target: Duration) -> Range<usize> {
    let w = input.workload;
    let dims = (w.width, w.height, w.channels);
    let mid = w.height / 2;
    let calibration = mid.saturating_sub(1)..(mid + 1).min(w.height);
    let mut out = vec![S::default(); calibration.len() * w.width * w.channels];
    // Twice: the first run pays for page faults and cold caches.
    let mut per_row = f64::INFINITY;
    for _ in 0..2 {
        let start = Instant::now();
        filter.run_rows(&input.samples, dims, calibration.clone(), &mut out);
        per_row = per_row.min(start.elapsed().as_secs_f64() / calibration.len() as f64);
    }
    let rows = ((target.as_secs_f64() / per_row).ceil() as usize).clamp(1, w.height);
    let first = mid.saturating_sub(rows / 2).min(w.height - rows);
    first..first + rows
}

/// How far sepconv may be from the naive 2D result.
///
/// f32: both sides round; the bound is `(K² + kw + kh)·ε·Σ|row|·Σ|col|·max|x|`
/// (the naive filter's `K²` sums plus sepconv's two passes). u8: 1 (both are
/// within about ½ of the exact value; sepconv's recipe allows 1).
pub fn tolerance<S: BenchSample>(row: &[f32], column: &[f32], max_abs_input: f32) -> f32 {
    match S::TYPE {
        SampleType::U8 => 1.0,
        SampleType::F32 => {
            let sum = |k: &[f32]| k.iter().map(|w| w.abs()).sum::<f32>();
            let n = (row.len() * column.len() + row.len() + column.len()) as f32;
            n * f32::EPSILON * sum(row) * sum(column) * max_abs_input
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Copy)]
pub struct Agreement {
    /// Largest `|sepconv − naive|` over the checked samples.
    pub max_diff: f32,
    /// The allowed difference.
    pub tolerance: f32,
    /// Rows checked (all columns of each).
    pub rows_checked: usize,
}

/// The row bands [`verify`] checks: the top and bottom rows that the
/// vertical border reaches, plus a few, and a band in the middle.
pub fn check_bands(height: usize, taps: usize) -> Vec<Range<usize>> {
    let edge = (taps + 8).min(height);
    let mid = height / 2;
    let mut bands = vec![0..edge, mid.saturating_sub(4).max(edge)..(mid + 4).min(height)];
    bands.push(height.saturating_sub(edge).max(bands[1].end)..height);
    bands.retain(|b| !b.is_empty());
    bands
}

/// Checks sepconv's full output `got` against the naive 2D filter on
/// [`check_bands`] (every column of those rows: left and right borders
/// included). Returns the agreement, or a description of the first mismatch.
pub fn verify<S: BenchSample>(input: &Input<S>, got: &[S]) -> Result<Agreement, String> {
    let max_abs = input.samples.iter().map(|v| v.to_f32().abs()).fold(0.0, f32::max);
    verify_within(input, got, tolerance::<S>(&input.taps, &input.taps, max_abs))
}

/// [`verify`] with another bound (for another filter than sepconv, e.g.
/// [`Direct2d::tolerance`]).
pub fn verify_within<S: BenchSample>(input: &Input<S>, got: &[S], tolerance: f32) -> Result<Agreement, String> {
    let w = input.workload;
    let naive = Naive2d::new(&input.taps, &input.taps);
    let stride = w.width * w.channels;
    let mut max_diff = 0.0f32;
    let mut rows_checked = 0;
    for band in check_bands(w.height, w.taps) {
        let mut want = vec![S::default(); band.len() * stride];
        naive.run(&input.samples, (w.width, w.height, w.channels), band.clone(), &mut want);
        let got = &got[band.start * stride..band.end * stride];
        for (i, (g, e)) in got.iter().zip(&want).enumerate() {
            let diff = (g.to_f32() - e.to_f32()).abs();
            // NaN fails too.
            if diff.is_nan() || diff > tolerance {
                let (y, x, c) = (band.start + i / stride, i % stride / w.channels, i % w.channels);
                return Err(format!(
                    "{}: {g:?} vs naive 2D {e:?} at x={x} y={y} channel {c} (|diff| {diff} > tolerance {tolerance})",
                    w.name
                ));
            }
            max_diff = max_diff.max(diff);
        }
        rows_checked += band.len();
    }
    Ok(Agreement { max_diff, tolerance, rows_checked })
}

/// Copies `src` into `dst`: the memory floor of a filter that reads its
/// input once and writes its output once.
#[inline(never)]
pub fn memcpy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(src);
    std::hint::black_box(dst);
}

/// A median timing.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The median of the timed repetitions.
    pub median: Duration,
    /// How many repetitions were timed (after one untimed warm-up).
    pub reps: usize,
}

impl Timing {
    /// Megapixels per second for `pixels` per repetition.
    pub fn mpix_s(&self, pixels: usize) -> f64 {
        pixels as f64 / self.median.as_secs_f64() / 1e6
    }
}

/// Runs `f` once to warm up (caches, page faults, frequency), then as many
/// times as fit in `budget` (at least `min_reps`, at most 1000), and returns
/// the median duration.
pub fn time_median(min_reps: usize, budget: Duration, mut f: impl FnMut()) -> Timing {
    let start = Instant::now();
    f();
    let warm_up = start.elapsed().as_secs_f64().max(1e-9);
    let reps = ((budget.as_secs_f64() / warm_up) as usize).clamp(min_reps.max(1), 1000);
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    Timing { median: times[reps / 2], reps }
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), as printed
/// there, or `"unknown"`: timing figures are quoted beside it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The CPU model from `/proc/cpuinfo` (`model name`, or the aarch64
/// equivalents), or `"unknown CPU"`.
pub fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    ["model name", "Model", "CPU part"]
        .iter()
        .find_map(|key| {
            info.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect101_matches_the_design_table() {
        // Left side of `abcdefgh` (0..8): `gfedcb|abcdefgh`.
        let left: Vec<usize> = (-6..0).map(|p| reflect101(p, 8)).collect();
        assert_eq!(left, [6, 5, 4, 3, 2, 1]);
        assert_eq!((8..11).map(|p| reflect101(p, 8)).collect::<Vec<_>>(), [6, 5, 4]);
        assert_eq!(reflect101(-5, 1), 0);
        // Wider than the image: the rule repeats (`cbabcb|abc|bab…`).
        assert_eq!((-4..0).map(|p| reflect101(p, 3)).collect::<Vec<_>>(), [0, 1, 2, 1]);
    }

    #[test]
    fn naive_matches_a_hand_computed_example() {
        // 3×2 image, 3-tap box row kernel, 1-tap column kernel, Reflect101.
        let src = [1.0f32, 2.0, 4.0, 8.0, 16.0, 32.0];
        let third = 1.0 / 3.0;
        let naive = Naive2d::new(&[third, third, third], &[1.0]);
        let mut dst = [0.0f32; 6];
        naive.run(&src, (3, 2, 1), 0..2, &mut dst);
        let want = [(2.0 + 1.0 + 2.0) / 3.0, 7.0 / 3.0, (2.0 + 4.0 + 2.0) / 3.0, 40.0 / 3.0, 56.0 / 3.0, 64.0 / 3.0];
        for (g, w) in dst.iter().zip(want) {
            assert!((g - w).abs() < 1e-5, "{dst:?}");
        }
    }

    #[test]
    fn every_workload_passes_its_check_on_a_small_image() {
        // The same shapes and kernels, shrunk, through sepconv's best backend.
        for w in WORKLOADS {
            let small = Workload { width: 97, height: 41, ..w };
            match w.sample {
                SampleType::F32 => check_small::<f32>(small),
                SampleType::U8 => check_small::<u8>(small),
            }
        }
    }

    fn check_small<S: BenchSample>(w: Workload) {
        let input = Input::<S>::new(w);
        let plan = input.plan();
        let mut out = vec![S::default(); w.samples()];
        let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];
        let src = sepconv::ImageView::new(&input.samples, w.width, w.height, w.channels).unwrap();
        let mut dst = sepconv::ImageViewMut::new(&mut out, w.width, w.height, w.channels).unwrap();
        plan.filter(sepconv::best_backend(), &src, &mut dst, &mut scratch).unwrap();
        let agreement = verify(&input, &out).unwrap();
        assert!(agreement.rows_checked > 0);
        // A wrong answer is caught.
        out[w.samples() / 2 + 3] = S::from_f32(300.0);
        assert!(verify(&input, &out).is_err());
    }

    #[test]
    fn workloads_follow_design() {
        assert_eq!(WORKLOADS.len(), 7);
        let w = Workload::by_name("rgba8-1080p-9").unwrap();
        assert_eq!((w.width, w.height, w.channels, w.taps, w.sample), (1920, 1080, 4, 9, SampleType::U8));
        assert_eq!(w.bytes(), 1920 * 1080 * 4);
        for w in WORKLOADS {
            let k = w.kernel();
            assert_eq!(k.len(), w.taps);
            assert!((k.iter().map(|&v| v as f64).sum::<f64>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn inputs_are_deterministic() {
        let w = Workload { width: 16, height: 4, ..WORKLOADS[0] };
        assert_eq!(Input::<f32>::new(w).samples, Input::<f32>::new(w).samples);
        let u = Workload { width: 16, height: 4, ..WORKLOADS[1] };
        let s = Input::<u8>::new(u).samples;
        assert!(s.iter().any(|&v| v > 200) && s.iter().any(|&v| v < 50));
    }
}
