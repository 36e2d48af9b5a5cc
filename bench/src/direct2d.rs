//! The SIMD 2D baseline: a direct `K×K` correlation, vectorised along x.
//!
//! The naive 2D filter ([`Naive2d`](crate::Naive2d)) is scalar, so
//! "sepconv against naive 2D" mixes two gains: doing `2K` multiply-adds a
//! sample instead of `K²` (separability) and doing 8 at once (SIMD). This
//! filter has the second and not the first, so "sepconv against SIMD 2D" is
//! the gain from separability alone.
//!
//! ```text
//! ring = kh source rows, each reflected vertically (Reflect101), padded
//!        horizontally by the same rule and converted to f32 once
//! for each output row y:
//!     bring row y − ay + kh − 1 into the ring (the oldest row leaves)
//!     for each block of 64 samples x (then blocks of 8, then single samples):
//!         acc[0..8] = 0                      // 8 vectors of 8 lanes
//!         for j in 0..kh, i in 0..kw:
//!             w = broadcast(k2d[j][i])
//!             acc[a] += w · ring[j][x + i·channels + 8a ..]   (FMA)
//!         out[y][x ..] = round/saturate(acc)
//! ```
//!
//! Interleaved channels need no special case: the taps of a sample are
//! `channels` samples apart in the padded row, and every lane is a sample.
//! Eight independent accumulators hide the FMA latency (two FMA units of four
//! cycles each). With AVX2+FMA (detected at run time) the inner loop is
//! `core::arch` intrinsics; elsewhere a portable loop over 8-lane arrays that
//! the compiler vectorises with the target's baseline (SSE2 on x86_64).
//! Results are f32 sums in a different order from the naive filter's, so
//! they agree within [`Direct2d::tolerance`] (u8: within 1).

#![deny(clippy::undocumented_unsafe_blocks)]

use std::ops::Range;

use crate::{reflect101, BenchSample, SampleType};

/// Lanes of one vector.
const LANES: usize = 8;
/// Vectors accumulated at once in the main loop.
const WIDE: usize = 8;

/// Which inner loop [`Direct2d`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direct2dIsa {
    /// AVX2 + FMA intrinsics (x86_64, detected at run time).
    Avx2Fma,
    /// Plain Rust over 8-lane arrays, vectorised by the compiler.
    Portable,
}

impl Direct2dIsa {
    /// The best this CPU runs.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Direct2dIsa::Avx2Fma;
        }
        Direct2dIsa::Portable
    }

    /// The name used in benchmark ids and the report (`avx2` or `portable`).
    pub fn name(self) -> &'static str {
        match self {
            Direct2dIsa::Avx2Fma => "avx2",
            Direct2dIsa::Portable => "portable",
        }
    }
}

/// Direct 2D correlation with the `K×K` outer-product kernel, vectorised;
/// `Reflect101` borders.
#[derive(Debug, Clone)]
pub struct Direct2d {
    weights: Vec<f32>,
    kw: usize,
    kh: usize,
    ax: usize,
    ay: usize,
    isa: Direct2dIsa,
}

impl Direct2d {
    /// The 2D kernel `column ⊗ row`, anchored at the centres (`len / 2`), on
    /// the best inner loop this CPU runs.
    pub fn new(row: &[f32], column: &[f32]) -> Self {
        let weights = column.iter().flat_map(|&c| row.iter().map(move |&r| c * r)).collect();
        Direct2d {
            weights,
            kw: row.len(),
            kh: column.len(),
            ax: row.len() / 2,
            ay: column.len() / 2,
            isa: Direct2dIsa::detect(),
        }
    }

    /// The same filter on `isa` (which must run on this CPU:
    /// [`Direct2dIsa::detect`] or `Portable`).
    ///
    /// # Panics
    ///
    /// If this CPU cannot run `isa`.
    pub fn with_isa(mut self, isa: Direct2dIsa) -> Self {
        assert!(isa == Direct2dIsa::Portable || Direct2dIsa::detect() == isa, "{isa:?} is not available");
        self.isa = isa;
        self
    }

    /// The inner loop in use.
    pub fn isa(&self) -> Direct2dIsa {
        self.isa
    }

    /// How far from the naive 2D filter this one may be: both sum `K²`
    /// products in f32 in different orders, so f32 results are within
    /// `2K²·ε·Σ|row|·Σ|col|·max|x|`; u8 results within 1.
    pub fn tolerance<S: BenchSample>(&self, row: &[f32], column: &[f32], max_abs_input: f32) -> f32 {
        match S::TYPE {
            SampleType::U8 => 1.0,
            SampleType::F32 => {
                let sum = |k: &[f32]| k.iter().map(|w| w.abs()).sum::<f32>();
                2.0 * self.weights.len() as f32 * f32::EPSILON * sum(row) * sum(column) * max_abs_input
            }
        }
    }

    /// Filters output rows `rows` of the `width × height × channels` image
    /// `src` into `dst` (`rows.len()` rows, tightly packed), as
    /// [`Naive2d::run`](crate::Naive2d::run) does.
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
        let padded_len = (width + self.kw - 1) * channels;
        let xmap: Vec<usize> = (0..width + self.kw - 1)
            .flat_map(|p| {
                let x = reflect101(p as isize - self.ax as isize, width);
                (0..channels).map(move |c| x * channels + c)
            })
            .collect();
        // The ring: slot `v mod kh` holds virtual row `v` (before reflection).
        let mut ring: Vec<(isize, Vec<f32>)> = (0..self.kh).map(|_| (isize::MIN, vec![0.0; padded_len])).collect();
        for (out_row, y) in dst.chunks_exact_mut(stride).zip(rows) {
            let first = y as isize - self.ay as isize;
            for v in first..first + self.kh as isize {
                let slot = &mut ring[v.rem_euclid(self.kh as isize) as usize];
                if slot.0 != v {
                    let sy = reflect101(v, height);
                    let source = &src[sy * stride..(sy + 1) * stride];
                    for (p, &sx) in slot.1.iter_mut().zip(&xmap) {
                        *p = source[sx].to_f32();
                    }
                    slot.0 = v;
                }
            }
            let window: Vec<&[f32]> = (first..first + self.kh as isize)
                .map(|v| ring[v.rem_euclid(self.kh as isize) as usize].1.as_slice())
                .collect();
            self.row(&window, channels, out_row);
        }
    }

    /// One output row from the `kh` padded source rows of its window.
    fn row<S: BenchSample>(&self, window: &[&[f32]], channels: usize, out: &mut [S]) {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2Fma` is only set after detecting AVX2 and FMA on
            // this CPU (`detect`, checked again by `with_isa`).
            Direct2dIsa::Avx2Fma => unsafe { avx2::row(&self.weights, self.kw, window, channels, out) },
            _ => portable_row(&self.weights, self.kw, window, channels, out),
        }
    }
}

/// Stores `acc` (f32 sums) into `out`, rounded and saturated for u8.
#[inline(always)]
fn store<S: BenchSample>(acc: &[f32], out: &mut [S]) {
    for (o, &a) in out.iter_mut().zip(acc) {
        *o = S::from_f32(a);
    }
}

/// The portable inner loop: `A` vectors of 8 lanes at output sample `x`.
#[inline(always)]
fn portable_block<S: BenchSample, const A: usize>(
    weights: &[f32],
    kw: usize,
    window: &[&[f32]],
    channels: usize,
    x: usize,
    out: &mut [S],
) {
    let mut acc = [[0.0f32; LANES]; A];
    for (row, wrow) in window.iter().zip(weights.chunks_exact(kw)) {
        for (i, &w) in wrow.iter().enumerate() {
            let taps = &row[x + i * channels..][..A * LANES];
            for (acc, v) in acc.iter_mut().zip(taps.chunks_exact(LANES)) {
                for (a, &v) in acc.iter_mut().zip(v) {
                    *a += w * v;
                }
            }
        }
    }
    store(acc.as_flattened(), &mut out[x..x + A * LANES]);
}

fn portable_row<S: BenchSample>(weights: &[f32], kw: usize, window: &[&[f32]], channels: usize, out: &mut [S]) {
    let n = out.len();
    let mut x = 0;
    while x + WIDE * LANES <= n {
        portable_block::<S, WIDE>(weights, kw, window, channels, x, out);
        x += WIDE * LANES;
    }
    while x + LANES <= n {
        portable_block::<S, 1>(weights, kw, window, channels, x, out);
        x += LANES;
    }
    scalar_tail(weights, kw, window, channels, x, out);
}

/// Samples `x..` one at a time.
#[inline(always)]
fn scalar_tail<S: BenchSample>(
    weights: &[f32],
    kw: usize,
    window: &[&[f32]],
    channels: usize,
    from: usize,
    out: &mut [S],
) {
    for x in from..out.len() {
        let mut acc = 0.0f32;
        for (row, wrow) in window.iter().zip(weights.chunks_exact(kw)) {
            for (i, &w) in wrow.iter().enumerate() {
                acc += w * row[x + i * channels];
            }
        }
        out[x] = S::from_f32(acc);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{scalar_tail, store, BenchSample, LANES, WIDE};

    /// `A` vectors of 8 output samples from `x`.
    ///
    /// # Safety
    ///
    /// The CPU has AVX2 and FMA; every window row holds at least
    /// `x + A·8 + (kw − 1)·channels` samples.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn block<S: BenchSample, const A: usize>(
        weights: &[f32],
        kw: usize,
        window: &[&[f32]],
        channels: usize,
        x: usize,
        out: &mut [S],
    ) {
        let mut acc = [_mm256_setzero_ps(); A];
        for (row, wrow) in window.iter().zip(weights.chunks_exact(kw)) {
            let base = row.as_ptr().wrapping_add(x);
            for (i, &w) in wrow.iter().enumerate() {
                let w = _mm256_set1_ps(w);
                let p = base.wrapping_add(i * channels);
                for (a, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: `p + 8a + 8 ≤ row + x + (kw − 1)·channels + A·8`,
                    // inside the row by the caller's contract.
                    let v = unsafe { _mm256_loadu_ps(p.add(a * LANES)) };
                    *acc = _mm256_fmadd_ps(w, v, *acc);
                }
            }
        }
        let mut sums = [[0.0f32; LANES]; A];
        for (s, acc) in sums.iter_mut().zip(acc) {
            // SAFETY: `s` is 8 writable f32.
            unsafe { _mm256_storeu_ps(s.as_mut_ptr(), acc) };
        }
        store(sums.as_flattened(), &mut out[x..x + A * LANES]);
    }

    /// One output row (see the module header).
    ///
    /// # Safety
    ///
    /// The CPU has AVX2 and FMA. (Sizes are checked: every window row must
    /// hold `out.len() + (kw − 1)·channels` samples.)
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn row<S: BenchSample>(
        weights: &[f32],
        kw: usize,
        window: &[&[f32]],
        channels: usize,
        out: &mut [S],
    ) {
        let n = out.len();
        assert!(window.iter().all(|r| r.len() >= n + (kw - 1) * channels) && weights.len() == kw * window.len());
        let mut x = 0;
        while x + WIDE * LANES <= n {
            // SAFETY: AVX2+FMA by this function's contract; the rows are long
            // enough (asserted above, `x + 64 ≤ n`).
            unsafe { block::<S, WIDE>(weights, kw, window, channels, x, out) };
            x += WIDE * LANES;
        }
        while x + LANES <= n {
            // SAFETY: as above, with `x + 8 ≤ n`.
            unsafe { block::<S, 1>(weights, kw, window, channels, x, out) };
            x += LANES;
        }
        scalar_tail(weights, kw, window, channels, x, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Naive2d;

    fn compare<S: BenchSample>(isa: Direct2dIsa, (w, h, c): (usize, usize, usize), taps: usize) {
        let mut k = vec![0.0f32; taps];
        sepconv_core::generate::gaussian(taps, 0.0, &mut k).unwrap();
        let src: Vec<S> = (0..w * h * c).map(|i| S::from_random((i as u32).wrapping_mul(0x9E37_79B9))).collect();
        let (mut want, mut got) = (vec![S::default(); w * h * c], vec![S::default(); w * h * c]);
        Naive2d::new(&k, &k).run(&src, (w, h, c), 0..h, &mut want);
        let direct = Direct2d::new(&k, &k).with_isa(isa);
        // In two calls, so a band not starting at row 0 is covered.
        let split = h / 3;
        direct.run(&src, (w, h, c), 0..split, &mut got[..split * w * c]);
        direct.run(&src, (w, h, c), split..h, &mut got[split * w * c..]);
        let tolerance = direct.tolerance::<S>(&k, &k, 255.0);
        for (i, (g, e)) in got.iter().zip(&want).enumerate() {
            let diff = (g.to_f32() - e.to_f32()).abs();
            assert!(diff <= tolerance, "{isa:?} {w}x{h}x{c} {taps} taps at {i}: {g:?} vs {e:?}");
        }
    }

    #[test]
    fn matches_the_naive_filter_on_every_isa() {
        let mut isas = vec![Direct2dIsa::Portable];
        if Direct2dIsa::detect() != Direct2dIsa::Portable {
            isas.push(Direct2dIsa::detect());
        }
        for isa in isas {
            // Widths below one vector, between 8 and 64 samples, above 64 with tails;
            // images smaller than the kernel (the border rule repeats).
            for (dims, taps) in [((5, 4, 1), 7), ((37, 11, 1), 3), ((133, 19, 1), 9), ((70, 23, 4), 5), ((3, 2, 1), 15)]
            {
                compare::<f32>(isa, dims, taps);
                compare::<u8>(isa, dims, taps);
            }
        }
    }
}
