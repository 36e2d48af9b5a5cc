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
//!     for each block of 8 vectors x (then single vectors, then an overlapping last one):
//!         acc[0..8] = 0
//!         for j in 0..kh, i in 0..kw:
//!             w = broadcast(k2d[j][i])
//!             acc[a] += w · ring[j][x + i·channels + lanes·a ..]   (FMA)
//!     out[y] = round/saturate(acc)
//! ```
//!
//! Interleaved channels need no special case: the taps of a sample are
//! `channels` samples apart in the padded row, and every lane is a sample.
//! Each output row is one call of the core's
//! [`correlate_row`](sepconv::direct2d::correlate_row), on a backend of
//! [`sepconv::available_backends`] (the best by default). Results are f32
//! sums in a different order from the naive filter's, so they agree within
//! [`Direct2d::tolerance`] (u8: within 1).

use std::ops::Range;

use sepconv::{best_backend, direct2d, Backend};

use crate::{reflect101, BenchSample, SampleType};

/// Direct 2D correlation with the `K×K` outer-product kernel, vectorised;
/// `Reflect101` borders.
#[derive(Debug, Clone)]
pub struct Direct2d {
    weights: Vec<f32>,
    kw: usize,
    kh: usize,
    ax: usize,
    ay: usize,
    backend: Backend,
}

impl Direct2d {
    /// The 2D kernel `column ⊗ row`, anchored at the centres (`len / 2`), on
    /// the best backend this CPU runs.
    pub fn new(row: &[f32], column: &[f32]) -> Self {
        let weights = column.iter().flat_map(|&c| row.iter().map(move |&r| c * r)).collect();
        Direct2d {
            weights,
            kw: row.len(),
            kh: column.len(),
            ax: row.len() / 2,
            ay: column.len() / 2,
            backend: best_backend(),
        }
    }

    /// The same filter on `backend`.
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How far from the naive 2D filter this one may be: both sum `K²`
    /// products in f32 in different orders, so f32 results are within
    /// `2K²·ε·Σ|row|·Σ|col|·max|x|`; u8 results within 1.
    pub fn tolerance<S: BenchSample>(&self, row: &[f32], column: &[f32], max_abs_input: f32) -> f32 {
        match S::TYPE {
            SampleType::U8 => 1.0,
            // Within 1, plus the f32 rounding of sums of values up to 65535.
            SampleType::U16 => 1.0 + self.tolerance::<f32>(row, column, max_abs_input),
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
        let mut sums = vec![0.0f32; stride];
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
            direct2d::correlate_row(self.backend, &self.weights, self.kw, &window, channels, &mut sums)
                .expect("padded rows of the kernel's window");
            for (o, &a) in out_row.iter_mut().zip(&sums) {
                *o = S::from_f32(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Naive2d;

    fn compare<S: BenchSample>(backend: Backend, (w, h, c): (usize, usize, usize), taps: usize) {
        let mut k = vec![0.0f32; taps];
        sepconv_core::generate::gaussian(taps, 0.0, &mut k).unwrap();
        let src: Vec<S> = (0..w * h * c).map(|i| S::from_random((i as u32).wrapping_mul(0x9E37_79B9))).collect();
        let (mut want, mut got) = (vec![S::default(); w * h * c], vec![S::default(); w * h * c]);
        Naive2d::new(&k, &k).run(&src, (w, h, c), 0..h, &mut want);
        let direct = Direct2d::new(&k, &k).with_backend(backend);
        // In two calls, so a band not starting at row 0 is covered.
        let split = h / 3;
        direct.run(&src, (w, h, c), 0..split, &mut got[..split * w * c]);
        direct.run(&src, (w, h, c), split..h, &mut got[split * w * c..]);
        let tolerance = direct.tolerance::<S>(&k, &k, 255.0);
        for (i, (g, e)) in got.iter().zip(&want).enumerate() {
            let diff = (g.to_f32() - e.to_f32()).abs();
            assert!(diff <= tolerance, "{} {w}x{h}x{c} {taps} taps at {i}: {g:?} vs {e:?}", backend.name());
        }
    }

    #[test]
    fn matches_the_naive_filter_on_every_backend() {
        for backend in sepconv::available_backends() {
            // Widths below one vector, between 8 and 64 samples, above 64 with tails;
            // images smaller than the kernel (the border rule repeats).
            for (dims, taps) in [((5, 4, 1), 7), ((37, 11, 1), 3), ((133, 19, 1), 9), ((70, 23, 4), 5), ((3, 2, 1), 15)]
            {
                compare::<f32>(backend, dims, taps);
                compare::<u8>(backend, dims, taps);
            }
        }
    }
}
