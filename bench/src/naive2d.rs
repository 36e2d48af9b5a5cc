//! The naive scalar 2D baseline, the `Filter2d` trait of the 2D baselines, and the row band they are timed on.

use std::ops::Range;
use std::time::{Duration, Instant};

use sepconv::Border;
use sepconv_testkit::border_index;

use crate::{BenchSample, Direct2d, Input};

/// `Reflect101` (`gfedcb|abcdefgh|gfedcba`) for any coordinate: the test
/// kit's border rule, written independently of sepconv's border code; an
/// axis of length 1 replicates. The 2D baselines call it per row and per
/// column of their index tables, not per sample.
pub(crate) fn reflect101(p: isize, len: usize) -> usize {
    border_index(Border::Reflect101, p, len).expect("Reflect101 maps every coordinate into the image")
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
