//! The check that runs once before any timing: sepconv (or another filter) against the naive 2D result.

use std::ops::Range;

use crate::{BenchSample, Input, Naive2d, SampleType};

/// How far sepconv may be from the naive 2D result.
///
/// f32: both sides round; the bound is `(K² + kw + kh)·ε·Σ|row|·Σ|col|·max|x|`
/// (the naive filter's `K²` sums plus sepconv's two passes). u8: 1 (both are
/// within about ½ of the exact value; sepconv's recipe allows 1).
pub fn tolerance<S: BenchSample>(row: &[f32], column: &[f32], max_abs_input: f32) -> f32 {
    match S::TYPE {
        SampleType::U8 => 1.0,
        // Within 1, plus the f32 rounding of sums of values up to 65535.
        SampleType::U16 => 1.0 + tolerance::<f32>(row, column, max_abs_input),
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
/// [`Direct2d::tolerance`](crate::Direct2d::tolerance)).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Workload, WORKLOADS};

    #[test]
    fn every_workload_passes_its_check_on_a_small_image() {
        // The same shapes and kernels, shrunk, through sepconv's best backend.
        for w in WORKLOADS {
            let small = Workload { width: 97, height: 41, ..w };
            match w.sample {
                SampleType::F32 => check_small::<f32>(small),
                SampleType::U8 => check_small::<u8>(small),
                SampleType::U16 => check_small::<u16>(small),
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
}
