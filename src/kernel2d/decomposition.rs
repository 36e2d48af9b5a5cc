//! A kernel's singular value decomposition as separable terms: ranks, errors, reconstructions, approximations.

use sepconv_core::{Error, Result};

use super::svd::Svd;
use super::{frobenius, Kernel2d, SeparableSum};

/// A kernel's singular value decomposition, as separable terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    rows: usize,
    cols: usize,
    singular_values: Vec<f64>,
    /// `(column_k, row_k)`, each `√σ_k` times a unit vector.
    terms: Vec<(Vec<f64>, Vec<f64>)>,
}

impl Decomposition {
    pub(super) fn new(kernel: &Kernel2d) -> Self {
        let (rows, cols) = (kernel.rows, kernel.cols);
        let svd = Svd::new(&kernel.weights, rows, cols);
        let mut terms = Vec::with_capacity(svd.values.len());
        for (k, &sigma) in svd.values.iter().enumerate() {
            let root = sigma.sqrt();
            let mut column: Vec<f64> = svd.left[k].iter().map(|&x| x * root).collect();
            let mut row: Vec<f64> = svd.right[k].iter().map(|&x| x * root).collect();
            if flip_sign(&column, &row) {
                column.iter_mut().for_each(|x| *x = -*x);
                row.iter_mut().for_each(|x| *x = -*x);
            }
            terms.push((column, row));
        }
        Decomposition { rows, cols, singular_values: svd.values, terms }
    }

    /// Rows of the kernel.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns of the kernel.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The singular values, largest first (`min(rows, cols)` of them).
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The relative kernel error of the best rank-`rank` approximation,
    /// `e_r = √(Σ_{k>r} σ_k²) / √(Σ_k σ_k²)` (0 for the zero kernel and for
    /// `rank ≥ min(rows, cols)`).
    pub fn relative_error(&self, rank: usize) -> f64 {
        let total = frobenius(&self.singular_values);
        if total == 0.0 || rank >= self.singular_values.len() {
            return 0.0;
        }
        frobenius(&self.singular_values[rank..]) / total
    }

    /// `e_r` for `r = 0, 1, …, min(rows, cols)` (the first is 1, the last 0).
    pub fn relative_errors(&self) -> Vec<f64> {
        (0..=self.singular_values.len()).map(|r| self.relative_error(r)).collect()
    }

    /// The smallest rank whose relative error is at most `tolerance`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or NaN tolerance.
    pub fn rank_within(&self, tolerance: f64) -> Result<usize> {
        if tolerance.is_nan() || tolerance < 0.0 {
            return Err(Error::InvalidParameter);
        }
        Ok((0..=self.singular_values.len()).find(|&r| self.relative_error(r) <= tolerance).unwrap_or(0))
    }

    /// Term `k` as `(column, row)` (largest singular value first), or `None`
    /// past the last.
    pub fn term(&self, k: usize) -> Option<(&[f64], &[f64])> {
        self.terms.get(k).map(|(c, r)| (&c[..], &r[..]))
    }

    /// The sum of the first `rank` terms (at most `min(rows, cols)`), in f64.
    pub fn reconstruct(&self, rank: usize) -> Kernel2d {
        let mut weights = vec![0.0f64; self.rows * self.cols];
        for (column, row) in self.terms.iter().take(rank) {
            for (j, &c) in column.iter().enumerate() {
                for (i, &r) in row.iter().enumerate() {
                    weights[j * self.cols + i] += c * r;
                }
            }
        }
        Kernel2d { weights, rows: self.rows, cols: self.cols }
    }

    /// `(column, row)` in f32 if the kernel is rank 1 within `tolerance`
    /// (relative Frobenius error of the rank-1 approximation), else `None`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or NaN tolerance.
    pub fn separable(&self, tolerance: f64) -> Result<Option<(Vec<f32>, Vec<f32>)>> {
        if self.rank_within(tolerance)? > 1 {
            return Ok(None);
        }
        let (column, row) = &self.terms[0];
        Ok(Some((to_f32(column), to_f32(row))))
    }

    /// The best rank-`rank` approximation as a filter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a rank of 0 or above `min(rows, cols)`.
    pub fn approximate(&self, rank: usize) -> Result<SeparableSum> {
        if rank == 0 || rank > self.terms.len() {
            return Err(Error::InvalidParameter);
        }
        SeparableSum::new(self.terms[..rank].iter().map(|(c, r)| (to_f32(c), to_f32(r))).collect())
    }

    /// The lowest-rank approximation within `tolerance` (at least one term).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or NaN tolerance.
    pub fn approximate_within(&self, tolerance: f64) -> Result<SeparableSum> {
        self.approximate(self.rank_within(tolerance)?.max(1))
    }

    /// A bound on `|out_r − out|` for inputs bounded by `max_abs_input`:
    /// `e_r · ‖K‖_F · √(rows·cols) · max|x|` (before f32 rounding).
    pub fn output_error_bound(&self, rank: usize, max_abs_input: f64) -> f64 {
        let norm = frobenius(&self.singular_values);
        self.relative_error(rank) * norm * ((self.rows * self.cols) as f64).sqrt() * max_abs_input
    }
}

/// Whether to negate a term so that its dominant factor sums positive.
fn flip_sign(column: &[f64], row: &[f64]) -> bool {
    let (sc, sr): (f64, f64) = (column.iter().sum(), row.iter().sum());
    let scale = frobenius(column).max(frobenius(row));
    let dominant = if sc.abs() >= sr.abs() { sc } else { sr };
    if dominant.abs() > 1e-9 * scale * (column.len() + row.len()) as f64 {
        return dominant < 0.0;
    }
    // Zero-sum factors: make the column's largest entry positive.
    let largest = column.iter().fold(0.0f64, |m, &x| if x.abs() > m.abs() { x } else { m });
    largest < 0.0
}

fn to_f32(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}
