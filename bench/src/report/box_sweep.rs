//! The box-filter sweep: the FIR engine against running sums against the one-call `box_blur` (and libblur's box blur) at every box size, the crossover, a plot.

use std::path::PathBuf;
use std::time::Instant;

use sepconv::{generate, Backend, BoxFilter, Image, ImageView, ImageViewMut, Plan, SourceSample, Threads};
use sepconv::{Kernel, BOX_RUNNING_SUMS};
use sepconv_testkit::bound;

use super::cli::{Options, SWEEP_BUDGET};
use super::{peers, progress, write_svg};
use crate::document::{Block, Column, Table};
use crate::plot::{Chart, Series, PALETTE};
use crate::{time_median, BenchSample, Input, SampleType, Workload};

/// The box sizes `n` (an `n × n` box) of the sweep.
const SIZES: [usize; 9] = [3, 5, 9, 15, 31, 49, 63, 127, 255];

/// The images: 1080p, one channel, f32 and u8 (their names seed the inputs
/// and name the plots).
pub(super) const IMAGES: [Workload; 2] = [
    Workload { name: "box-f32-1080p", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 3 },
    Workload { name: "box-u8-1080p", width: 1920, height: 1080, channels: 1, sample: SampleType::U8, taps: 3 },
];

/// The line under both images' tables.
pub(super) const NOTE: &str =
    "  FIR: `Plan` with n taps of 1/n (`generate::box_kernel`) in both directions, O(n) a pixel; \
     sums: `BoxFilter::filter`, running sums, O(1) a pixel; both with a reused scratch. box_blur: the one-call \
     `Options::box_blur` on one thread (it allocates its output each call; `ran` is the engine whose output it \
     reproduced bit for bit). All Reflect101, the chosen backend, one thread. Before timing, FIR and box_blur were \
     checked against the running sums on the whole image (u8: |Δ| ≤ 1; f32: the FIR's f32 rounding bound); \
     |FIR−sums| is the largest difference found. libblur (`--features peers`): its box_blur / box_blur_f32, \
     ThreadingPolicy::Single, which replicates edges instead of Reflect101.";

/// The sizes measured: [`SIZES`], with `--full` also every odd size up to
/// 63 (around the facade's switch) and 95, 191.
fn sizes(full: bool) -> Vec<usize> {
    let mut sizes = SIZES.to_vec();
    if full {
        sizes.extend((3..=63).step_by(2).chain([95, 191]));
        sizes.sort_unstable();
        sizes.dedup();
    }
    sizes
}

/// The `n` taps of `1/n` that `box_blur` runs on the FIR engine.
fn box_taps(n: usize) -> Result<Vec<f32>, String> {
    let mut taps = vec![0.0f32; n];
    generate::box_kernel(n, true, &mut taps).map_err(|e| format!("box kernel of {n} taps: {e}"))?;
    Ok(taps)
}

/// How far the FIR box may be from the running sums. u8, u16: 1 (the
/// running sums round the exact mean, the FIR recipe is within 1 of it).
/// f32: the FIR's bound against its own exact result
/// ([`bound::separable`]), plus `4·u·M` for the taps' sum `n·fl(1/n) ≠ 1`
/// (twice) and the running sums' final rounding, with one `u·M` to spare
/// (the running sums' f64 error is below `2^-29·u·M` for these sizes).
fn tolerance<S: BenchSample>(taps: &[f32], max_abs: f32) -> f32 {
    match S::TYPE {
        SampleType::U8 | SampleType::U16 => 1.0,
        SampleType::F32 => {
            let m = max_abs as f64;
            (bound::separable(taps, taps, m) + 4.0 * bound::U32 * m) as f32
        }
    }
}

/// The largest `|got − want|`, or where it first exceeds `tolerance` (NaN too).
fn max_diff<S: BenchSample>(got: &[S], want: &[S], width: usize, tolerance: f32) -> Result<f32, String> {
    let mut max = 0.0f32;
    for (i, (g, e)) in got.iter().zip(want).enumerate() {
        let diff = (g.to_f32() - e.to_f32()).abs();
        if diff.is_nan() || diff > tolerance {
            return Err(format!(
                "{g:?} vs {e:?} at x={} y={} (|diff| {diff} > tolerance {tolerance})",
                i % width,
                i / width
            ));
        }
        max = max.max(diff);
    }
    Ok(max)
}

/// sepconv's three ways to a box blur, on one input and box size, one
/// thread, set up once.
struct Engines<'a, S> {
    size: usize,
    backend: Backend,
    src: ImageView<'a, S>,
    plan: Plan<'a>,
    filter: BoxFilter,
    fir_scratch: Vec<f32>,
    sums_scratch: Vec<f32>,
    blur: sepconv::Options,
}

impl<'a, S: BenchSample + SourceSample> Engines<'a, S> {
    /// The engines for `input` (its taps: the box) of an `n × n` box, `n = input.taps.len()`.
    fn new(input: &'a Input<S>, backend: Backend) -> Result<Self, String> {
        let w = input.workload;
        let size = input.taps.len();
        let err = |what: &str, e: sepconv::Error| format!("{what} {size}×{size}: {e}");
        let src = ImageView::new(&input.samples, w.width, w.height, w.channels).map_err(|e| err("input view", e))?;
        let kernel = Kernel::new(&input.taps).map_err(|e| err("kernel", e))?;
        let plan = Plan::new(w.shape(), kernel, kernel, w.borders()).map_err(|e| err("Plan", e))?;
        let filter = BoxFilter::new(w.shape(), size, size, w.borders()).map_err(|e| err("BoxFilter", e))?;
        let blur = sepconv::Options::new().borders(w.borders()).threads(Threads::count(1)).backend(backend);
        Ok(Engines {
            size,
            backend,
            src,
            fir_scratch: vec![0.0; plan.scratch_len::<S>()],
            sums_scratch: vec![0.0; filter.scratch_len::<S>()],
            plan,
            filter,
            blur,
        })
    }

    fn dst<'o>(&self, out: &'o mut [S]) -> ImageViewMut<'o, S> {
        let s = self.src.shape();
        ImageViewMut::new(out, s.width, s.height, s.channels).expect("output view")
    }

    /// The FIR engine into `out`.
    fn fir(&mut self, out: &mut [S]) {
        let mut dst = self.dst(out);
        self.plan.filter(self.backend, &self.src, &mut dst, &mut self.fir_scratch).expect("FIR box");
    }

    /// The running sums into `out`.
    fn sums(&mut self, out: &mut [S]) {
        let mut dst = self.dst(out);
        self.filter.filter(self.backend, &self.src, &mut dst, &mut self.sums_scratch).expect("running sums");
    }

    /// The one-call box blur (a new image).
    fn box_blur(&self) -> Result<Image<S>, String> {
        self.blur.box_blur(&self.src, self.size).map_err(|e| format!("box_blur {0}×{0}: {e}", self.size))
    }

    /// Runs each engine once and checks FIR and box_blur against the
    /// running sums (within `tolerance`): the running sums' output, the
    /// largest `|FIR − sums|`, and whose output box_blur reproduced.
    fn check(&mut self, tolerance: f32) -> Result<Checked<S>, String> {
        let (n, width) = (self.size, self.src.shape().width * self.src.shape().channels);
        let samples = self.src.shape().width * self.src.shape().height * self.src.shape().channels;
        let (mut fir, mut sums) = (vec![S::default(); samples], vec![S::default(); samples]);
        self.fir(&mut fir);
        self.sums(&mut sums);
        let fir_vs_sums =
            max_diff(&fir, &sums, width, tolerance).map_err(|e| format!("{n}×{n}: FIR against running sums: {e}"))?;
        let blurred = self.box_blur()?;
        let blurred = blurred.as_slice();
        max_diff(blurred, &sums, width, tolerance)
            .map_err(|e| format!("{n}×{n}: box_blur against running sums: {e}"))?;
        let box_blur_ran = match (blurred == sums.as_slice(), blurred == fir.as_slice()) {
            (true, true) => "both",
            (true, false) => "sums",
            (false, true) => "FIR",
            (false, false) => "other",
        };
        Ok(Checked { sums, fir_vs_sums, box_blur_ran })
    }
}

/// What [`Engines::check`] found.
struct Checked<S> {
    sums: Vec<S>,
    fir_vs_sums: f32,
    box_blur_ran: &'static str,
}

/// One box size, measured: Mpix/s of each way.
struct Row {
    size: usize,
    fir: f64,
    sums: f64,
    box_blur: f64,
    /// `"FIR"`, `"sums"`, `"both"` or `"other"`: whose output box_blur's was.
    box_blur_ran: &'static str,
    /// The check: the largest `|FIR − running sums|`.
    fir_vs_sums: f32,
    /// In the order of `peers::BOX_NAMES`.
    peers: Vec<peers::BoxFigure>,
}

/// The box sweep on one image.
pub(super) struct BoxSweep {
    image: Workload,
    backend: &'static str,
    rows: Vec<Row>,
    plot: PathBuf,
}

/// `v` to `precision` digits, `—` where it is not a number.
fn or_dash(v: f64, precision: usize) -> String {
    if v.is_nan() {
        "—".to_string()
    } else {
        format!("{v:.precision$}")
    }
}

impl BoxSweep {
    /// The smallest size from which the running sums are faster than FIR at
    /// every larger size measured (`None`: FIR is faster at the largest).
    fn crossover(&self) -> Option<usize> {
        let faster = self.rows.iter().rev().take_while(|r| r.sums > r.fir).last();
        faster.map(|r| r.size)
    }

    /// The sizes at which the facade's switch (`BOX_RUNNING_SUMS`) runs the
    /// engine measured slower.
    fn misses(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| if r.size >= BOX_RUNNING_SUMS { r.fir > r.sums } else { r.sums > r.fir })
            .map(|r| format!("n = {}: sums {:.0}, FIR {:.0} Mpix/s", r.size, r.sums, r.fir))
            .collect()
    }

    fn kind(&self) -> &'static str {
        match self.image.sample {
            SampleType::F32 => "f32",
            SampleType::U8 => "u8",
            SampleType::U16 => "u16",
        }
    }

    /// The crossover against the facade's switch, as one line.
    fn crossover_line(&self) -> String {
        let crossover = match self.crossover() {
            Some(n) if n == self.rows[0].size => {
                format!("running sums are faster than FIR at every size measured (from n = {n})")
            }
            Some(n) => {
                let below = self.rows.iter().rev().find(|r| r.size < n).map_or(0, |r| r.size);
                format!("running sums overtake FIR at n = {n} (FIR faster at n = {below})")
            }
            None => format!(
                "FIR is faster than running sums at the largest size measured (n = {}): no crossover",
                self.rows.last().map_or(0, |r| r.size)
            ),
        };
        let misses = self.misses();
        let verdict = if misses.is_empty() {
            "matches (box_blur runs the faster engine at every size measured)".to_string()
        } else {
            format!("does not match: box_blur runs the slower engine at {}", misses.join("; "))
        };
        format!("  {}: {crossover}; box_blur switches at BOX_RUNNING_SUMS = {BOX_RUNNING_SUMS}: {verdict}", self.kind())
    }

    /// The sweep's table, its crossover and its plot.
    pub(super) fn blocks(&self) -> Vec<Block> {
        let image = self.image;
        let float = image.sample == SampleType::F32;
        let diff = |v: f32| if float { format!("{v:.1e}") } else { format!("{v:.0}") };
        let mut columns = vec![
            Column::right("n", 4),
            Column::right("FIR", 8),
            Column::right("sums", 8),
            Column::right("box_blur", 9),
            Column::left("ran", 5),
            Column::right("sums/FIR", 9).apart(),
            Column::right("|FIR−sums|", 10),
        ];
        columns.extend(peers::BOX_NAMES.iter().map(|p| Column::right(p, 10).apart()));
        let mut t = Table::new("", columns);
        for r in &self.rows {
            let mut cells = vec![
                r.size.to_string(),
                format!("{:.1}", r.fir),
                format!("{:.1}", r.sums),
                format!("{:.1}", r.box_blur),
                r.box_blur_ran.to_string(),
                format!("{:.2}×", r.sums / r.fir),
                diff(r.fir_vs_sums),
            ];
            cells.extend(r.peers.iter().map(|p| or_dash(p.mpix_s, 1)));
            t.row(cells);
        }
        let mut blocks = vec![
            Block::Blank,
            Block::Heading(
                3,
                format!(
                    "Box-filter sweep on {} ({}×{} {}, n×n box, Reflect101, one thread, backend {}): Mpix/s",
                    image.name,
                    image.width,
                    image.height,
                    self.kind(),
                    self.backend
                ),
            ),
            Block::Table(t),
            Block::Line(self.crossover_line()),
        ];
        for (p, name) in peers::BOX_NAMES.iter().enumerate() {
            let worst = |f: fn(&peers::BoxFigure) -> f32| {
                self.rows.iter().filter_map(|r| r.peers.get(p)).map(f).filter(|v| !v.is_nan()).fold(f32::NAN, f32::max)
            };
            let (interior, frame) = (worst(|b| b.interior), worst(|b| b.frame));
            let line = if interior.is_nan() {
                format!("  {name}: no box blur ran")
            } else {
                format!(
                    "  {name} against the running sums, largest over the sizes: |Δ| {} inside, {} within n/2 px \
                     of an edge (its borders differ)",
                    diff(interior),
                    diff(frame)
                )
            };
            blocks.push(Block::Line(line));
        }
        blocks.push(Block::Line(format!("  plot: {}", self.plot.display())));
        blocks
    }
}

/// The box sweep on one image: FIR, running sums, box_blur (and the
/// peers) at every size, each checked first, the crossover, a plot (written
/// here).
pub(super) fn box_sweep<S: BenchSample + SourceSample + peers::Peer>(
    image: Workload,
    opts: &Options,
    started: Instant,
    subtitle: &str,
) -> Result<BoxSweep, String> {
    let sizes = sizes(opts.full);
    let budget = opts.budget(SWEEP_BUDGET);
    let mut input = Input::<S>::new(image);
    let max_abs = input.samples.iter().map(|&v| BenchSample::to_f32(v).abs()).fold(0.0, f32::max);
    let pixels = image.pixels();
    let mut rows = Vec::new();
    for &n in &sizes {
        progress(started, &format!("box sweep {}: {n}×{n}", image.name));
        // The box as the input's kernel (`workload.taps` also sets the frame
        // the peers' check keeps apart).
        input.workload = image.with_taps(n);
        input.taps = box_taps(n)?;
        let tolerance = tolerance::<S>(&input.taps, max_abs);
        let mut engines = Engines::new(&input, opts.backend)?;
        let checked = engines.check(tolerance).map_err(|e| format!("{}: {e}", image.name))?;
        let mut out = vec![S::default(); image.samples()];
        let fir = time_median(3, budget, || engines.fir(std::hint::black_box(&mut out))).mpix_s(pixels);
        let sums = time_median(3, budget, || engines.sums(std::hint::black_box(&mut out))).mpix_s(pixels);
        let box_blur = time_median(3, budget, || {
            std::hint::black_box(engines.box_blur().expect("box_blur"));
        })
        .mpix_s(pixels);
        let peers = peers::box_sweep(&input, n, &checked.sums, budget);
        rows.push(Row {
            size: n,
            fir,
            sums,
            box_blur,
            box_blur_ran: checked.box_blur_ran,
            fir_vs_sums: checked.fir_vs_sums,
            peers,
        });
    }
    let mut sweep = BoxSweep { image, backend: opts.backend.name(), rows, plot: PathBuf::new() };
    let crossover = sweep.crossover();
    let rows = &sweep.rows;
    let line = |name: String, color, dashed, value: fn(&Row) -> f64| Series {
        name,
        color,
        points: rows.iter().map(|r| (r.size as f64, value(r))).collect(),
        dashed,
    };
    let mut series = vec![
        line(format!("FIR ({})", opts.backend.name()), PALETTE[0], false, |r| r.fir),
        line(format!("running sums ({})", opts.backend.name()), PALETTE[1], false, |r| r.sums),
        line("box_blur (one call)".to_string(), PALETTE[2], true, |r| r.box_blur),
    ];
    for (p, name) in peers::BOX_NAMES.iter().enumerate() {
        series.push(Series {
            name: format!("{name} box blur"),
            color: PALETTE[3 + p],
            points: rows.iter().filter_map(|r| r.peers.get(p).map(|b| (r.size as f64, b.mpix_s))).collect(),
            dashed: false,
        });
    }
    let switch = (BOX_RUNNING_SUMS as f64, format!("box_blur: sums from n = {BOX_RUNNING_SUMS}"));
    let markers = match crossover {
        Some(n) if n == BOX_RUNNING_SUMS => vec![(n as f64, format!("crossover = box_blur's switch, n = {n}"))],
        Some(n) if n != sizes[0] => vec![(n as f64, format!("crossover n = {n}")), switch],
        _ => vec![switch],
    };
    let chart = Chart {
        title: format!("{}: box blur throughput against box size (one thread)", image.name),
        subtitle: subtitle.to_string(),
        x_label: "box size n (n×n, log)".to_string(),
        y_label: "Mpix/s (log)".to_string(),
        log_y: true,
        log_x: true,
        x_ticks: SIZES.iter().map(|&n| n as f64).collect(),
        series,
        markers,
    };
    sweep.plot = write_svg(&format!("{}.svg", image.name), &chart)?;
    Ok(sweep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(size: usize, fir: f64, sums: f64) -> Row {
        let peers = peers::BOX_NAMES
            .iter()
            .map(|_| peers::BoxFigure { mpix_s: f64::NAN, interior: f32::NAN, frame: f32::NAN })
            .collect();
        Row { size, fir, sums, box_blur: sums, box_blur_ran: "sums", fir_vs_sums: 0.0, peers }
    }

    fn sweep(rows: Vec<Row>) -> BoxSweep {
        BoxSweep { image: IMAGES[1], backend: "scalar", rows, plot: PathBuf::new() }
    }

    #[test]
    fn crossover_is_where_running_sums_stay_faster() {
        // Faster at 5 by noise, then slower again: the crossover is 31.
        let s = sweep(vec![row(3, 900.0, 300.0), row(5, 290.0, 300.0), row(15, 400.0, 300.0), row(31, 250.0, 300.0)]);
        assert_eq!(s.crossover(), Some(31));
        assert!(s.crossover_line().contains("overtake FIR at n = 31 (FIR faster at n = 15)"));
        assert_eq!(sweep(vec![row(3, 200.0, 300.0), row(5, 100.0, 300.0)]).crossover(), Some(3));
        assert_eq!(sweep(vec![row(3, 900.0, 300.0), row(5, 800.0, 300.0)]).crossover(), None);
    }

    #[test]
    fn the_verdict_compares_the_measurement_with_the_switch() {
        let below = BOX_RUNNING_SUMS - 2;
        let agree = sweep(vec![row(below, 400.0, 300.0), row(BOX_RUNNING_SUMS, 250.0, 300.0)]);
        assert!(agree.misses().is_empty());
        assert!(agree.crossover_line().contains(": matches"));
        let late = sweep(vec![row(below, 250.0, 300.0), row(BOX_RUNNING_SUMS, 200.0, 300.0)]);
        assert_eq!(late.misses().len(), 1);
        assert!(late.crossover_line().contains("does not match"), "{}", late.crossover_line());
        let early = sweep(vec![row(below, 400.0, 300.0), row(BOX_RUNNING_SUMS, 350.0, 300.0)]);
        assert!(early.crossover_line().contains(&format!("n = {BOX_RUNNING_SUMS}: sums 300, FIR 350")));
    }

    #[test]
    fn blocks_print_as_text_and_markdown() {
        let blocks = sweep(vec![row(3, 900.0, 300.0), row(255, 80.0, 160.0)]).blocks();
        let text = crate::document::text(&blocks);
        assert!(text.contains("Box-filter sweep on box-u8-1080p (1920×1080 u8"), "{text}");
        assert!(text.contains("  u8: running sums overtake FIR at n = 255 (FIR faster at n = 3)"), "{text}");
        let markdown = crate::document::markdown(&blocks);
        assert!(markdown.contains("| n | FIR | sums | box_blur | ran | sums/FIR | \\|FIR−sums\\|"), "{markdown}");
        assert!(markdown.contains("| 255 | 80.0 | 160.0 | 160.0 | sums | 2.00× | 0 |"), "{markdown}");
    }

    #[test]
    fn full_adds_sizes_around_the_switch() {
        assert_eq!(sizes(false), SIZES);
        let full = sizes(true);
        assert!(full.windows(2).all(|p| p[0] < p[1]));
        assert!(full.contains(&(BOX_RUNNING_SUMS - 2)) && full.contains(&255) && full.contains(&191));
    }

    /// The check passes on every backend (the tolerances hold), and
    /// box_blur's output is the engine the facade's switch picks.
    fn engines_agree<S: BenchSample + SourceSample>(sample: SampleType) {
        let image = Workload { name: "box-test", width: 97, height: 71, channels: 1, sample, taps: 3 };
        let mut input = Input::<S>::new(image);
        let max_abs = input.samples.iter().map(|&v| BenchSample::to_f32(v).abs()).fold(0.0, f32::max);
        for backend in sepconv::available_backends() {
            for n in [3, 5, 9, 15, 31, BOX_RUNNING_SUMS, 63] {
                input.workload = image.with_taps(n);
                input.taps = box_taps(n).unwrap();
                let tolerance = tolerance::<S>(&input.taps, max_abs);
                let checked = Engines::new(&input, backend).unwrap().check(tolerance).unwrap();
                let picked = if n >= BOX_RUNNING_SUMS { "sums" } else { "FIR" };
                assert!([picked, "both"].contains(&checked.box_blur_ran), "{n}: {}", checked.box_blur_ran);
            }
        }
    }

    #[test]
    fn engines_agree_u8() {
        engines_agree::<u8>(SampleType::U8);
    }

    #[test]
    fn engines_agree_f32() {
        engines_agree::<f32>(SampleType::F32);
    }

    #[test]
    fn a_wrong_answer_is_an_error() {
        let err = max_diff(&[1u8, 2, 5], &[1, 2, 3], 2, 1.0).unwrap_err();
        assert!(err.contains("x=0 y=1"), "{err}");
        assert_eq!(max_diff(&[1.0f32, 2.5], &[1.0, 2.0], 2, 1.0), Ok(0.5));
        assert!(max_diff(&[f32::NAN], &[0.0], 1, 1.0).is_err());
    }
}
