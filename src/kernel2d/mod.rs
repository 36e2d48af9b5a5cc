//! 2D kernels as sums of separable terms: factorisation, rank-r
//! approximation, and filters that use them.
//!
//! A `rows × cols` kernel `K` is a matrix. Its singular value decomposition
//! `K = Σ_k σ_k · u_k ⊗ v_k` (σ₁ ≥ σ₂ ≥ … ≥ 0, `u_k`, `v_k` orthonormal)
//! writes it as a sum of separable terms, largest first. Keeping `r` terms
//! gives the best rank-r approximation there is (Eckart–Young), with
//!
//! ```text
//! relative kernel error  e_r = ‖K − K_r‖_F / ‖K‖_F = √(Σ_{k>r} σ_k²) / √(Σ_k σ_k²)
//! output error           |out_r − out| ≤ ‖K − K_r‖_F · √(rows·cols) · max|x|   (Cauchy–Schwarz)
//! cost per output sample direct 2D: rows·cols multiply-adds; r terms: r·(rows + cols)
//! ```
//!
//! So a kernel is *separable* when `e_1` is within a tolerance (Gaussian,
//! box, Sobel: rank 1), a Laplacian of Gaussian is exactly rank 2, and a disk
//! or a random kernel needs many terms. Term `k` is stored as
//! `(column_k, row_k) = (√σ_k·u_k, √σ_k·v_k)`: both factors have the same
//! norm, and the sign is chosen so that the factor with the larger `|Σ|`
//! sums to a positive value (for a zero-sum pair, the largest entry of the
//! column is positive), so a Gaussian comes out with positive factors.
//!
//! * [`Kernel2d`]: the 2D weights (f64, row-major, anchored at the centre
//!   `(cols/2, rows/2)` as OpenCV's `filter2D`);
//! * [`Decomposition`]: singular values, `e_r` for every rank, the terms,
//!   [`separable`](Decomposition::separable) `(column, row)` within a
//!   tolerance, [`approximate`](Decomposition::approximate) to a rank;
//! * [`SeparableSum`]: `r` terms applied as `r` separable filters (each a
//!   [`Plan`](crate::Plan) on the best backend) summed into one f32 image, band by band;
//! * [`correlate_2d`]: the direct 2D correlation, same borders;
//! * [`Filter2d`]/[`filter_2d`]: any kernel, separated when that is within
//!   the caller's tolerance and cheaper, direct otherwise, saying which.
//!
//! The SVD is computed here, in f64, by one-sided Jacobi rotations (the
//! algorithm is stated at `Svd`, in `svd.rs`): kernels are small (at most 256 × 256), Jacobi is short, and it
//! finds small singular values to high *relative* accuracy, which is what
//! deciding a rank needs. (`nalgebra` 0.35's `svd(true, true)` was the first
//! choice; it returns wrong factors for rank-deficient input, a box kernel
//! among them — the 5 × 5 matrix of ones gets σ₁ = 5.73 instead of 5 —
//! a known open upstream issue, dimforge/nalgebra#1172.)
//!
//! One file a room: `svd` (the Jacobi SVD), `decomposition`
//! ([`Decomposition`]), `sum` ([`SeparableSum`]), `direct` ([`correlate_2d`])
//! and `filter` ([`Filter2d`], [`filter_2d`]: the choice between the two);
//! [`Kernel2d`] and the sample types the filters take ([`Source`]) here.

use sepconv_core::{Error, ImageView, Result, Sample, Shape, MAX_TAPS};

use crate::Image;

mod decomposition;
mod direct;
mod filter;
mod sum;
mod svd;

pub use decomposition::Decomposition;
pub use direct::correlate_2d;
pub use filter::{filter_2d, Filter2d, Filtered2d, Path2d};
pub use sum::SeparableSum;

/// The tolerance at which a kernel counts as *exactly* of lower rank for
/// f32 filtering: the f32 rounding of its weights alone moves it by up to
/// `2⁻²⁴ ≈ 6·10⁻⁸` relative (Frobenius). Tolerances below this are raised to
/// it by [`Filter2d`].
pub const EXACT: f64 = 1e-6;

/// A 2D correlation kernel: `rows × cols` weights, row-major, anchored at
/// `(cols/2, rows/2)`:
/// `out(x, y) = Σ_j Σ_i K[j][i] · in(x + i − cols/2, y + j − rows/2)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Kernel2d {
    weights: Vec<f64>,
    rows: usize,
    cols: usize,
}

impl Kernel2d {
    /// A kernel over `weights` (`rows × cols`, row by row; f32 or f64).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyKernel`] for a zero size, [`Error::KernelTooLong`] for a
    /// side above [`MAX_TAPS`], [`Error::ShapeMismatch`] if `weights` does not
    /// hold `rows × cols` values, [`Error::NonFiniteWeight`] for NaN or ±∞.
    pub fn new<T: Copy + Into<f64>>(weights: &[T], rows: usize, cols: usize) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(Error::EmptyKernel);
        }
        if rows > MAX_TAPS || cols > MAX_TAPS {
            return Err(Error::KernelTooLong);
        }
        if weights.len() != rows * cols {
            return Err(Error::ShapeMismatch);
        }
        let weights: Vec<f64> = weights.iter().map(|&w| w.into()).collect();
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::NonFiniteWeight);
        }
        Ok(Kernel2d { weights, rows, cols })
    }

    /// The kernel with weight `f(j, i)` in row `j`, column `i` (called row
    /// by row, left to right).
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(Error::EmptyKernel);
        }
        // Before `rows × cols` is computed or allocated: it may overflow.
        if rows > MAX_TAPS || cols > MAX_TAPS {
            return Err(Error::KernelTooLong);
        }
        let weights: Vec<f64> = (0..rows * cols).map(|k| f(k / cols, k % cols)).collect();
        Self::new(&weights, rows, cols)
    }

    /// The separable kernel `column ⊗ row` (`K[j][i] = column[j] · row[i]`, in f64).
    pub fn outer<T: Copy + Into<f64>>(column: &[T], row: &[T]) -> Result<Self> {
        Self::from_fn(column.len(), row.len(), |j, i| column[j].into() * row[i].into())
    }

    /// Rows (the vertical size).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (the horizontal size).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The weights, row by row.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    /// The weight in row `j`, column `i`.
    pub fn get(&self, j: usize, i: usize) -> Option<f64> {
        (j < self.rows && i < self.cols).then(|| self.weights[j * self.cols + i])
    }
    /// The weights rounded to f32, row by row.
    pub fn to_f32(&self) -> Vec<f32> {
        self.weights.iter().map(|&w| w as f32).collect()
    }
    /// The Frobenius norm `√(Σ K²)`.
    pub fn norm(&self) -> f64 {
        frobenius(&self.weights)
    }
    /// `self − other`, for kernels of one size.
    pub fn sub(&self, other: &Kernel2d) -> Result<Kernel2d> {
        if (self.rows, self.cols) != (other.rows, other.cols) {
            return Err(Error::ShapeMismatch);
        }
        let weights = self.weights.iter().zip(&other.weights).map(|(a, b)| a - b).collect();
        Ok(Kernel2d { weights, rows: self.rows, cols: self.cols })
    }
    /// Multiply-adds per output sample of the direct 2D correlation.
    pub fn multiply_adds(&self) -> usize {
        self.rows * self.cols
    }

    /// The singular value decomposition of the kernel.
    pub fn decompose(&self) -> Decomposition {
        Decomposition::new(self)
    }
}

/// `√(Σ v²)`, scaled so that it neither overflows nor underflows.
fn frobenius(v: &[f64]) -> f64 {
    let max = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return 0.0;
    }
    max * v.iter().map(|x| (x / max) * (x / max)).sum::<f64>().sqrt()
}

/// Sample types the 2D filters take: `f32` as is, `u8` converted to f32
/// first (one pass over the image; the filters then compute in f32).
pub trait Source: Sample + Into<f32> {
    #[doc(hidden)]
    /// Runs `f` on an f32 view of `view`'s samples.
    fn with_f32<R>(view: &ImageView<'_, Self>, f: impl FnOnce(&ImageView<'_, f32>) -> Result<R>) -> Result<R>;
}

impl Source for f32 {
    fn with_f32<R>(view: &ImageView<'_, f32>, f: impl FnOnce(&ImageView<'_, f32>) -> Result<R>) -> Result<R> {
        f(view)
    }
}

impl Source for u8 {
    fn with_f32<R>(view: &ImageView<'_, u8>, f: impl FnOnce(&ImageView<'_, f32>) -> Result<R>) -> Result<R> {
        let Shape { width, height, channels } = view.shape();
        let mut samples = crate::owned::with_capacity(width * height * channels)?;
        for y in 0..height {
            samples.extend(view.row(y).unwrap_or_default().iter().map(|&v| v as f32));
        }
        let image = Image::from_vec(samples, width, height, channels)?;
        f(&image.view())
    }
}
