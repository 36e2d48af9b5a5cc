//! The exact (f64) results of 2D correlations: separable (`col ⊗ row`) and direct.

use sepconv_core::{Borders, Region};

use crate::border_index;

/// A 2D correlation computed exactly: the full kernel `K` (`rows × cols`,
/// f64) summed against the border-extended image in f64,
///
/// ```text
/// out(x, y) = Σ_j Σ_i K[j][i] · in(x + i − ax, y + j − ay)
/// ```
///
/// For f32 weights and samples every product is exact and the sums of at
/// most `2^16` terms err by `≤ 2^16 · 2^-53` relative: far below any f32
/// bound of [`bound`](crate::bound).
#[derive(Debug, Clone)]
pub struct Oracle {
    /// Row by row: `weights[j * cols + i] = K[j][i]`.
    weights: Vec<f64>,
    rows: usize,
    cols: usize,
    /// `(ax, ay)`.
    anchor: (usize, usize),
}

impl Oracle {
    /// The separable filter `col ⊗ row`: `K[j][i] = col[j] · row[i]` (exact in
    /// f64), anchor `(row_anchor, col_anchor)`.
    pub fn separable(row: &[f32], row_anchor: usize, col: &[f32], col_anchor: usize) -> Self {
        assert!(row_anchor < row.len() && col_anchor < col.len());
        let weights = col.iter().flat_map(|&c| row.iter().map(move |&r| c as f64 * r as f64)).collect();
        Oracle { weights, rows: col.len(), cols: row.len(), anchor: (row_anchor, col_anchor) }
    }

    /// A direct 2D kernel of `rows × cols` weights (row by row), anchor
    /// `(cols / 2, rows / 2)` as `sepconv::kernel2d::correlate_2d`'s.
    pub fn direct(weights: &[f64], rows: usize, cols: usize) -> Self {
        assert!(rows >= 1 && cols >= 1 && weights.len() == rows * cols);
        Oracle { weights: weights.to_vec(), rows, cols, anchor: (cols / 2, rows / 2) }
    }

    /// The exact result of filtering a `width × height × channels` image
    /// read through `get(x, y, channel)`, packed `out_w × out_h × channels`
    /// ([`output_size`]). Outside the image the borders decide; a `Constant`
    /// vertical border makes whole rows outside the image constant, whatever
    /// the horizontal mode (the constant stands outside the image in 2D).
    pub fn filter(
        &self,
        borders: Borders,
        region: Region,
        (width, height, channels): (usize, usize, usize),
        get: &dyn Fn(usize, usize, usize) -> f64,
    ) -> Vec<f64> {
        let (ow, oh) = output_size(region, (width, height), (self.rows, self.cols));
        let (x0, y0) = match region {
            Region::Same => (-(self.anchor.0 as isize), -(self.anchor.1 as isize)),
            Region::Valid => (0, 0),
            Region::Window { x, y, .. } => (x as isize - self.anchor.0 as isize, y as isize - self.anchor.1 as isize),
        };
        // Per-axis lookup tables of the virtual coordinates' sources.
        let xs: Vec<Option<usize>> =
            (0..ow + self.cols).map(|k| border_index(borders.horizontal, x0 + k as isize, width)).collect();
        let ys: Vec<Option<usize>> =
            (0..oh + self.rows).map(|k| border_index(borders.vertical, y0 + k as isize, height)).collect();
        let hv = borders.horizontal.constant().unwrap_or(0.0) as f64;
        let vv = borders.vertical.constant().unwrap_or(0.0) as f64;
        let mut out = vec![0.0f64; ow * oh * channels];
        for y in 0..oh {
            for x in 0..ow {
                for c in 0..channels {
                    let mut acc = 0.0f64;
                    for (j, krow) in self.weights.chunks_exact(self.cols).enumerate() {
                        for (i, &k) in krow.iter().enumerate() {
                            let v = match ys[y + j] {
                                None => vv,
                                Some(sy) => match xs[x + i] {
                                    None => hv,
                                    Some(sx) => get(sx, sy, c),
                                },
                            };
                            acc += k * v;
                        }
                    }
                    out[(y * ow + x) * channels + c] = acc;
                }
            }
        }
        out
    }
}

/// The output size (width, height) of a `rows × cols` kernel on a
/// `width × height` image, by the contract's rule: the image's for
/// [`Region::Same`], `(width − cols + 1) × (height − rows + 1)` for
/// [`Region::Valid`] (0 where the kernel does not fit), the rectangle's for
/// [`Region::Window`].
pub fn output_size(region: Region, (width, height): (usize, usize), (rows, cols): (usize, usize)) -> (usize, usize) {
    match region {
        Region::Same => (width, height),
        Region::Valid => ((width + 1).saturating_sub(cols), (height + 1).saturating_sub(rows)),
        Region::Window { width, height, .. } => (width, height),
    }
}
