//! Direct 2D correlation of one row: the path for kernels that are not
//! separable, and the SIMD 2D baseline the benchmarks compare with.

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::pass::direct2d;
use crate::simd::{Op, Simd};

/// One output row of a direct `kh × kw` correlation:
/// `out[x] = Σ_j Σ_i weights[j·kw + i] · rows[j][x + i·channels]`, summed in
/// that order in f32 (fused multiply-adds where the backend has them), for
/// the `kh = rows.len()` source rows of the output's window, each already
/// extended by the border rule (`out.len() + (kw − 1)·channels` samples).
///
/// ```
/// use sepconv_core::{direct2d, Backend};
///
/// // A 2×2 box over two rows of 4 samples, 1 channel: 3 outputs.
/// let (a, b) = ([1.0f32, 2.0, 3.0, 4.0], [5.0f32, 6.0, 7.0, 8.0]);
/// let mut out = [0.0f32; 3];
/// direct2d::correlate_row(Backend::compiled(), &[0.25; 4], 2, &[&a, &b], 1, &mut out)?;
/// assert_eq!(out, [3.5, 4.5, 5.5]);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::EmptyKernel`] if `kw` or `rows` is empty;
/// [`Error::LengthMismatch`] if `weights` does not hold `kh · kw` values;
/// [`Error::BufferTooShort`] if a row is shorter than the output needs.
pub fn correlate_row(
    backend: Backend,
    weights: &[f32],
    kw: usize,
    rows: &[&[f32]],
    channels: usize,
    out: &mut [f32],
) -> Result<()> {
    if kw == 0 || rows.is_empty() {
        return Err(Error::EmptyKernel);
    }
    let expected = kw.checked_mul(rows.len()).ok_or(Error::SizeOverflow)?;
    if weights.len() != expected {
        return Err(Error::LengthMismatch { expected, actual: weights.len() });
    }
    let needed = (kw - 1).checked_mul(channels).and_then(|p| p.checked_add(out.len())).ok_or(Error::SizeOverflow)?;
    if let Some(short) = rows.iter().find(|r| r.len() < needed) {
        return Err(Error::BufferTooShort { needed, actual: short.len() });
    }
    backend.run(Row { weights, kw, rows, channels, out });
    Ok(())
}

/// [`correlate_row`] as an op.
struct Row<'a> {
    weights: &'a [f32],
    kw: usize,
    rows: &'a [&'a [f32]],
    channels: usize,
    out: &'a mut [f32],
}

impl Op for Row<'_> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        direct2d::row::<S::F32>(simd, self.weights, self.kw, self.rows, self.channels, self.out);
    }
}
