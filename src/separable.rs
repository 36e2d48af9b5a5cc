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
//!   [`Plan`] on the best backend) summed into one f32 image, band by band;
//! * [`correlate_2d`]: the direct 2D correlation, same borders;
//! * [`Filter2d`]/[`filter_2d`]: any kernel, separated when that is within
//!   the caller's tolerance and cheaper, direct otherwise, saying which.
//!
//! The SVD is computed here, in f64, by one-sided Jacobi rotations (the
//! algorithm is stated at `Svd`, below): kernels are small (at most 256 × 256), Jacobi is short, and it
//! finds small singular values to high *relative* accuracy, which is what
//! deciding a rank needs. (`nalgebra` 0.35's `svd(true, true)` was the first
//! choice; it returns wrong factors for rank-deficient input, a box kernel
//! among them — the 5 × 5 matrix of ones gets σ₁ = 5.73 instead of 5 —
//! a known open upstream issue, dimforge/nalgebra#1172.)

use sepconv_core::{Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Result, Sample, Shape, MAX_TAPS};

use crate::{best_backend, Backend, Image};

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
    fn new(kernel: &Kernel2d) -> Self {
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
        let mut samples = Vec::with_capacity(width * height * channels);
        for y in 0..height {
            samples.extend(view.row(y).unwrap_or_default().iter().map(|&v| v as f32));
        }
        let image = Image::from_vec(samples, width, height, channels)?;
        f(&image.view())
    }
}

/// `Σ_k column_k ⊗ row_k` applied as `r` separable filters whose outputs
/// are summed into one f32 image.
///
/// Cost: `r·(rows + cols)` multiply-adds per output sample (against
/// `rows·cols` direct), plus `r − 1` additions. The image is processed in
/// bands of rows sized to stay in the cache: per band, term 0 filters into
/// the output, every other term into a band buffer that is added to it while
/// both are cached, so no full-image temporary and no extra full-image pass
/// is made. Each band re-filters the `rows − 1` source rows of its halo, so
/// bands are at least `4·(rows − 1)` high (≤ 25% extra row-pass work).
#[derive(Debug, Clone, PartialEq)]
pub struct SeparableSum {
    terms: Vec<(Vec<f32>, Vec<f32>)>,
}

/// Bytes of f32 output per band (the band and its buffer stay in L2).
const BAND_BYTES: usize = 128 << 10;

impl SeparableSum {
    /// A sum of `(column, row)` terms; all columns of one length, all rows of one length.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for no terms, [`Error::ShapeMismatch`] for
    /// terms of different sizes, and [`Kernel::new`]'s errors for each factor.
    pub fn new(terms: Vec<(Vec<f32>, Vec<f32>)>) -> Result<Self> {
        let Some((c0, r0)) = terms.first() else { return Err(Error::InvalidParameter) };
        for (c, r) in &terms {
            if c.len() != c0.len() || r.len() != r0.len() {
                return Err(Error::ShapeMismatch);
            }
            Kernel::new(c)?;
            Kernel::new(r)?;
        }
        Ok(SeparableSum { terms })
    }

    /// The number of terms `r`.
    pub fn rank(&self) -> usize {
        self.terms.len()
    }
    /// The terms, `(column, row)`.
    pub fn terms(&self) -> &[(Vec<f32>, Vec<f32>)] {
        &self.terms
    }
    /// Kernel rows (the column factors' length).
    pub fn rows(&self) -> usize {
        self.terms[0].0.len()
    }
    /// Kernel columns (the row factors' length).
    pub fn cols(&self) -> usize {
        self.terms[0].1.len()
    }
    /// The 2D kernel this sum applies, `Σ column ⊗ row` (f32 factors, f64 products).
    pub fn kernel(&self) -> Kernel2d {
        let (rows, cols) = (self.rows(), self.cols());
        let mut weights = vec![0.0f64; rows * cols];
        for (column, row) in &self.terms {
            for (j, &c) in column.iter().enumerate() {
                for (i, &r) in row.iter().enumerate() {
                    weights[j * cols + i] += c as f64 * r as f64;
                }
            }
        }
        Kernel2d { weights, rows, cols }
    }
    /// Multiply-adds per output sample, `r·(rows + cols)`.
    pub fn multiply_adds(&self) -> usize {
        self.rank() * (self.rows() + self.cols())
    }

    /// Filters `src` into a new f32 image.
    pub fn filter<S: Source>(&self, src: &ImageView<'_, S>, borders: Borders) -> Result<Image<f32>> {
        let Shape { width, height, channels } = src.shape();
        let mut out = Image::new(width, height, channels)?;
        self.filter_into(src, &mut out.view_mut(), borders)?;
        Ok(out)
    }

    /// Filters `src` into `dst` (same shape), on the best backend.
    pub fn filter_into<S: Source>(
        &self,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, f32>,
        borders: Borders,
    ) -> Result<()> {
        self.filter_with(best_backend(), src, dst, borders)
    }

    /// Filters `src` into `dst` on `backend`.
    pub fn filter_with<S: Source>(
        &self,
        backend: Backend,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, f32>,
        borders: Borders,
    ) -> Result<()> {
        if src.shape() != dst.shape() {
            return Err(Error::ShapeMismatch);
        }
        S::with_f32(src, |src| self.run(backend, src, dst, borders))
    }

    fn run(
        &self,
        backend: Backend,
        src: &ImageView<'_, f32>,
        dst: &mut ImageViewMut<'_, f32>,
        borders: Borders,
    ) -> Result<()> {
        let shape = src.shape();
        let single = self.terms.len() == 1;
        let plans = self
            .terms
            .iter()
            .map(|(column, row)| {
                let plan = Plan::new(shape, Kernel::new(row)?, Kernel::new(column)?, borders)?;
                // Band outputs are read back at once: no non-temporal stores.
                Ok(if single { plan } else { plan.with_streaming(false) })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut scratch = vec![0.0f32; plans.iter().map(|p| p.scratch_len::<f32>()).max().unwrap_or(0)];
        if single {
            return plans[0].filter(backend, src, dst, &mut scratch);
        }

        let row_len = shape.width * shape.channels;
        let halo = self.rows() - 1;
        let band = (BAND_BYTES / (4 * row_len)).max(4 * halo).max(8).min(shape.height);
        let mut buffer = vec![0.0f32; band * row_len];
        let mut start = 0;
        while start < shape.height {
            let rows = start..(start + band).min(shape.height);
            let mut out = dst.sub_view_mut(0, rows.start, shape.width, rows.len())?;
            plans[0].filter_band(backend, src, &mut out, rows.clone(), &mut scratch)?;
            for plan in &plans[1..] {
                let mut term =
                    ImageViewMut::new(&mut buffer[..rows.len() * row_len], shape.width, rows.len(), shape.channels)?;
                plan.filter_band(backend, src, &mut term, rows.clone(), &mut scratch)?;
                for y in 0..rows.len() {
                    let sum = out.row_mut(y).unwrap_or_default();
                    for (o, t) in sum.iter_mut().zip(&buffer[y * row_len..(y + 1) * row_len]) {
                        *o += *t;
                    }
                }
            }
            start = rows.end;
        }
        Ok(())
    }
}

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
/// [`Error::InvalidBorderValue`] for a non-finite constant.
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
    S::with_f32(src, |src| {
        direct(kernel, src, dst, borders);
        Ok(())
    })
}

fn direct(kernel: &Kernel2d, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>, borders: Borders) {
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
    let mut padded = vec![0.0f32; (height + 1) * padded_len];
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
        let Some(out) = dst.row_mut(y) else { return };
        // Cannot fail: the weights are `rows × cols` and every padded line
        // holds `row_len + (cols − 1)·ch` samples.
        let _ = sepconv_core::direct2d::correlate_row(backend, &weights, cols, &lines, ch, &mut out[..row_len]);
    }
}

/// Which path a [`Filter2d`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path2d {
    /// A sum of `rank` separable filters ([`SeparableSum`]).
    Separable {
        /// The number of separable terms.
        rank: usize,
    },
    /// The direct 2D correlation ([`correlate_2d`]).
    Direct,
}

/// Any 2D kernel, filtered the cheaper way its tolerance allows.
///
/// The kernel is decomposed; `r` is the smallest rank whose relative error
/// `e_r` is within the tolerance (raised to [`EXACT`] if below). The
/// predicted cost ratio is `rows·cols / (r·(rows + cols))`, direct 2D
/// multiply-adds over separable ones (`K/(2r)` for a `K×K` kernel). Above 1
/// the filter runs `r` separable terms, otherwise the direct 2D correlation
/// (exact, no approximation).
#[derive(Debug, Clone)]
pub struct Filter2d {
    kernel: Kernel2d,
    decomposition: Decomposition,
    rank: usize,
    sum: Option<SeparableSum>,
}

impl Filter2d {
    /// Chooses the path for `kernel` within `tolerance` (relative Frobenius error).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or NaN tolerance; the
    /// factors' [`Kernel::new`] errors (none for a finite kernel).
    pub fn new(kernel: Kernel2d, tolerance: f64) -> Result<Self> {
        let decomposition = kernel.decompose();
        // A negative (or NaN) tolerance is an error, as documented; only
        // non-negative ones below `EXACT` are raised to it.
        let tolerance = if tolerance >= 0.0 { tolerance.max(EXACT) } else { tolerance };
        let rank = decomposition.rank_within(tolerance)?.max(1);
        let separable = kernel.multiply_adds() > rank * (kernel.rows + kernel.cols);
        let sum = if separable { Some(decomposition.approximate(rank)?) } else { None };
        Ok(Filter2d { kernel, decomposition, rank, sum })
    }

    /// The path chosen.
    pub fn path(&self) -> Path2d {
        match self.sum {
            Some(_) => Path2d::Separable { rank: self.rank },
            None => Path2d::Direct,
        }
    }
    /// Direct multiply-adds per output sample over those of `r` separable
    /// terms: `rows·cols / (r·(rows + cols))` (> 1: separable is cheaper).
    pub fn cost_ratio(&self) -> f64 {
        self.kernel.multiply_adds() as f64 / (self.rank * (self.kernel.rows + self.kernel.cols)) as f64
    }
    /// The rank within the tolerance (the one used if separable).
    pub fn rank(&self) -> usize {
        self.rank
    }
    /// The relative kernel error of the chosen path (0 for direct).
    pub fn relative_error(&self) -> f64 {
        match self.sum {
            Some(_) => self.decomposition.relative_error(self.rank),
            None => 0.0,
        }
    }
    /// The kernel.
    pub fn kernel(&self) -> &Kernel2d {
        &self.kernel
    }
    /// Its decomposition.
    pub fn decomposition(&self) -> &Decomposition {
        &self.decomposition
    }

    /// Filters `src` into a new f32 image.
    pub fn filter<S: Source>(&self, src: &ImageView<'_, S>, borders: Borders) -> Result<Image<f32>> {
        let Shape { width, height, channels } = src.shape();
        let mut out = Image::new(width, height, channels)?;
        self.filter_into(src, &mut out.view_mut(), borders)?;
        Ok(out)
    }

    /// Filters `src` into `dst` (same shape).
    pub fn filter_into<S: Source>(
        &self,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, f32>,
        borders: Borders,
    ) -> Result<()> {
        match &self.sum {
            Some(sum) => sum.filter_into(src, dst, borders),
            None => correlate_2d(&self.kernel, src, dst, borders),
        }
    }
}

/// What [`filter_2d`] did.
#[derive(Debug, Clone)]
pub struct Filtered2d {
    /// The filtered image.
    pub image: Image<f32>,
    /// The path taken.
    pub path: Path2d,
    /// Direct over separable multiply-adds at the rank within tolerance
    /// ([`Filter2d::cost_ratio`]).
    pub cost_ratio: f64,
}

/// Filters `src` with any 2D kernel: as a sum of separable terms when the
/// kernel is within `tolerance` of a low enough rank to be cheaper (see
/// [`Filter2d`]), else directly. Pass [`EXACT`] to separate only kernels
/// that are exactly separable (up to f32 rounding).
///
/// ```
/// use sepconv::separable::{filter_2d, Kernel2d, Path2d, EXACT};
/// use sepconv::{Borders, Image};
///
/// let sobel_x = Kernel2d::new(&[-1.0f32, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0], 3, 3)?;
/// let img = Image::<u8>::from_vec((0..64).map(|i| (i * 4) as u8).collect(), 8, 8, 1)?;
/// let out = filter_2d(&img.view(), &sobel_x, Borders::default(), EXACT)?;
/// assert_eq!(out.path, Path2d::Separable { rank: 1 });
/// assert_eq!(out.cost_ratio, 1.5); // 9 multiply-adds direct, 6 separable
/// assert!((out.image.as_slice()[8 * 3 + 4] - 8.0 * 4.0).abs() < 1e-4); // the ramp's x-derivative: 4 per pixel, ×8
/// # Ok::<(), sepconv::Error>(())
/// ```
pub fn filter_2d<S: Source>(
    src: &ImageView<'_, S>,
    kernel: &Kernel2d,
    borders: Borders,
    tolerance: f64,
) -> Result<Filtered2d> {
    let filter = Filter2d::new(kernel.clone(), tolerance)?;
    let image = filter.filter(src, borders)?;
    Ok(Filtered2d { image, path: filter.path(), cost_ratio: filter.cost_ratio() })
}

/// A thin singular value decomposition `K = Σ_k values[k] · left[k] ⊗ right[k]`,
/// values in descending order, by one-sided Jacobi rotations (Hestenes):
///
/// ```text
/// A = K (or Kᵀ when K is wider than tall, so that A has n = min(rows, cols) columns)
/// V = I (n × n)
/// sweep until no pair rotates (at most 60 sweeps):
///   for every column pair p < q:
///     α = a_p·a_p, β = a_q·a_q, γ = a_p·a_q
///     if |γ| > m·ε·√(αβ):                          (not yet orthogonal)
///       ζ = (β − α) / 2γ,  t = sign(ζ) / (|ζ| + √(1 + ζ²)),  c = 1/√(1 + t²),  s = c·t
///       (a_p, a_q) ← (c·a_p − s·a_q, s·a_p + c·a_q), the same for (v_p, v_q)
/// σ_j = ‖a_j‖, u_j = a_j / σ_j (0 if σ_j = 0); A = U Σ Vᵀ
/// ```
///
/// Each rotation makes one pair orthogonal exactly (in exact arithmetic);
/// the sweeps converge quadratically. The kernel is scaled to `max|K| = 1`
/// first, so no intermediate overflows whatever its magnitude.
struct Svd {
    values: Vec<f64>,
    /// Left singular vectors (length `rows`).
    left: Vec<Vec<f64>>,
    /// Right singular vectors (length `cols`).
    right: Vec<Vec<f64>>,
}

impl Svd {
    fn new(weights: &[f64], rows: usize, cols: usize) -> Svd {
        let max = weights.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        let transpose = cols > rows;
        let (m, n) = if transpose { (cols, rows) } else { (rows, cols) };
        let scale = if max > 0.0 { 1.0 / max } else { 0.0 };
        // Columns of A, and of V = I.
        let mut a: Vec<Vec<f64>> = (0..n)
            .map(|c| {
                (0..m).map(|r| if transpose { weights[c * cols + r] } else { weights[r * cols + c] } * scale).collect()
            })
            .collect();
        let mut v: Vec<Vec<f64>> = (0..n).map(|c| (0..n).map(|r| (r == c) as u8 as f64).collect()).collect();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let rotate = |cols: &mut [Vec<f64>], p: usize, q: usize, c: f64, s: f64| {
            let (left, right) = cols.split_at_mut(q);
            for (x, y) in left[p].iter_mut().zip(right[0].iter_mut()) {
                let (xp, yq) = (*x, *y);
                *x = c * xp - s * yq;
                *y = s * xp + c * yq;
            }
        };
        let tolerance = m as f64 * f64::EPSILON;
        for _sweep in 0..60 {
            let mut rotated = false;
            for p in 0..n {
                for q in p + 1..n {
                    let (alpha, beta, gamma) = (dot(&a[p], &a[p]), dot(&a[q], &a[q]), dot(&a[p], &a[q]));
                    if gamma == 0.0 || gamma.abs() <= tolerance * (alpha * beta).sqrt() {
                        continue;
                    }
                    rotated = true;
                    let zeta = (beta - alpha) / (2.0 * gamma);
                    let t = zeta.signum() / (zeta.abs() + zeta.hypot(1.0));
                    let c = 1.0 / t.hypot(1.0);
                    let s = c * t;
                    rotate(&mut a, p, q, c, s);
                    rotate(&mut v, p, q, c, s);
                }
            }
            if !rotated {
                break;
            }
        }

        let norms: Vec<f64> = a.iter().map(|col| frobenius(col)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
        let mut values = Vec::with_capacity(n);
        let (mut u_cols, mut v_cols) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for j in order {
            let sigma = norms[j];
            let u: Vec<f64> = a[j].iter().map(|&x| if sigma > 0.0 { x / sigma } else { 0.0 }).collect();
            values.push(sigma * max);
            u_cols.push(u);
            v_cols.push(v[j].clone());
        }
        let (left, right) = if transpose { (v_cols, u_cols) } else { (u_cols, v_cols) };
        Svd { values, left, right }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(weights: &[f64], rows: usize, cols: usize) -> Svd {
        let svd = Svd::new(weights, rows, cols);
        let n = rows.min(cols);
        assert_eq!((svd.values.len(), svd.left.len(), svd.right.len()), (n, n, n));
        assert!(svd.values.windows(2).all(|w| w[0] >= w[1]), "{:?}", svd.values);
        let norm = frobenius(weights);
        // K = U Σ Vᵀ.
        for r in 0..rows {
            for c in 0..cols {
                let back: f64 = (0..n).map(|k| svd.values[k] * svd.left[k][r] * svd.right[k][c]).sum();
                assert!((back - weights[r * cols + c]).abs() <= 1e-13 * norm, "{rows}×{cols} at ({r}, {c})");
            }
        }
        // Orthonormal vectors (for non-zero singular values).
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let live = svd.values.iter().filter(|&&s| s > 1e-12 * norm).count();
        for i in 0..live {
            for j in 0..live {
                let want = (i == j) as u8 as f64;
                assert!((dot(&svd.left[i], &svd.left[j]) - want).abs() < 1e-12);
                assert!((dot(&svd.right[i], &svd.right[j]) - want).abs() < 1e-12);
            }
        }
        svd
    }

    #[test]
    fn matrices_of_ones_are_rank_one() {
        // What nalgebra 0.35 gets wrong: σ₁ = √(rows·cols), the rest 0.
        for rows in 1..=12 {
            for cols in 1..=12 {
                let svd = check(&vec![1.0; rows * cols], rows, cols);
                assert!((svd.values[0] - ((rows * cols) as f64).sqrt()).abs() < 1e-13, "{rows}×{cols}");
                assert!(svd.values[1..].iter().all(|&s| s < 1e-14), "{rows}×{cols}: {:?}", svd.values);
            }
        }
    }

    #[test]
    fn known_singular_values() {
        // [[3 0] [4 5]]: KᵀK = [[25 20] [20 25]], eigenvalues 45 and 5.
        let svd = check(&[3.0, 0.0, 4.0, 5.0], 2, 2);
        assert!((svd.values[0] - 45f64.sqrt()).abs() < 1e-14 && (svd.values[1] - 5f64.sqrt()).abs() < 1e-14);
        // A diagonal matrix: its |entries|, sorted.
        let mut diag = vec![0.0; 16];
        for (i, d) in [2.0, -7.0, 0.5, 3.0].iter().enumerate() {
            diag[i * 5] = *d;
        }
        assert_eq!(check(&diag, 4, 4).values, [7.0, 3.0, 2.0, 0.5]);
        // The zero matrix.
        assert_eq!(check(&[0.0; 6], 2, 3).values, [0.0, 0.0]);
        // Graded entries: small singular values keep their relative accuracy.
        let graded = [1.0, 0.0, 0.0, 0.0, 1e-9, 0.0, 0.0, 0.0, 1e-150];
        let svd = check(&graded, 3, 3);
        assert!((svd.values[1] / 1e-9 - 1.0).abs() < 1e-14 && (svd.values[2] / 1e-150 - 1.0).abs() < 1e-14);
    }

    #[test]
    fn random_shapes() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for (rows, cols) in [(1, 1), (1, 7), (7, 1), (3, 3), (5, 9), (9, 5), (16, 16), (31, 4)] {
            let w: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
            let svd = check(&w, rows, cols);
            let sum_sq: f64 = svd.values.iter().map(|s| s * s).sum();
            assert!((sum_sq.sqrt() - frobenius(&w)).abs() < 1e-13 * frobenius(&w));
        }
    }
}
