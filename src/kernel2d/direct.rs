//! `correlate_2d`: the direct 2D correlation, one output row at a time by the core's `correlate_row`.

use sepconv_core::{Borders, Error, ImageView, ImageViewMut, Result, Shape};

use super::{Kernel2d, Source};
use crate::best_backend;
use crate::owned::filled;

/// The direct 2D correlation of `src` with `kernel` (weights rounded to
/// f32, anchor `(cols/2, rows/2)`) into `dst`, with the separable filters'
/// border semantics (`Border::Constant` fills everything outside the image).
///
/// `rows·cols` multiply-adds per output sample, in f32, summed in the order
/// `j` (kernel row) then `i` (fused where the backend has FMA). Source rows
/// are extended by the border once; each output row is then computed by
/// [`sepconv_core::direct2d::correlate_row`] on the best backend.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] if `dst`'s shape is not `src`'s;
/// [`Error::InvalidBorderValue`] for a non-finite constant;
/// [`Error::OutOfMemory`] if the extended rows cannot be allocated (before
/// `dst` is written).
pub fn correlate_2d<S: Source>(
    kernel: &Kernel2d,
    src: &ImageView<'_, S>,
    dst: &mut ImageViewMut<'_, f32>,
    borders: Borders,
) -> Result<()> {
    if src.shape() != dst.shape() {
        return Err(Error::ShapeMismatch);
    }
    for b in [borders.horizontal, borders.vertical] {
        if b.constant().is_some_and(|v| !v.is_finite()) {
            return Err(Error::InvalidBorderValue);
        }
    }
    S::with_f32(src, |src| direct(kernel, src, dst, borders))
}

fn direct(
    kernel: &Kernel2d,
    src: &ImageView<'_, f32>,
    dst: &mut ImageViewMut<'_, f32>,
    borders: Borders,
) -> Result<()> {
    let Shape { width, height, channels: ch } = src.shape();
    let (rows, cols) = (kernel.rows, kernel.cols);
    let (ax, ay) = (cols / 2, rows / 2);
    let weights = kernel.to_f32();

    // Every source row extended horizontally by the border rule, once;
    // plus one row of the vertical constant for rows outside the image.
    let padded_len = (width + cols - 1) * ch;
    let h_const = borders.horizontal.constant().unwrap_or(0.0);
    let v_const = borders.vertical.constant().unwrap_or(0.0);
    let xs: Vec<Option<usize>> =
        (0..width + cols - 1).map(|p| borders.horizontal.map(p as isize - ax as isize, width)).collect();
    let mut padded = filled((height + 1) * padded_len, 0.0f32)?;
    for (y, line) in padded.chunks_exact_mut(padded_len).take(height).enumerate() {
        let source = src.row(y).unwrap_or_default();
        for (p, x) in xs.iter().enumerate() {
            for c in 0..ch {
                line[p * ch + c] = x.map_or(h_const, |x| source[x * ch + c]);
            }
        }
    }
    padded[height * padded_len..].fill(v_const);
    // `map` gives `None` only for a constant border outside the image.
    let line = |vy: isize| {
        let y = borders.vertical.map(vy, height).unwrap_or(height);
        &padded[y * padded_len..(y + 1) * padded_len]
    };

    let row_len = width * ch;
    let backend = best_backend();
    let mut lines: Vec<&[f32]> = Vec::with_capacity(rows);
    for y in 0..height {
        lines.clear();
        lines.extend((0..rows).map(|j| line(y as isize + j as isize - ay as isize)));
        let Some(out) = dst.row_mut(y) else { return Ok(()) };
        // Cannot fail: the weights are `rows × cols` and every padded line
        // holds `row_len + (cols − 1)·ch` samples.
        let _ = sepconv_core::direct2d::correlate_row(backend, &weights, cols, &lines, ch, &mut out[..row_len]);
    }
    Ok(())
}
