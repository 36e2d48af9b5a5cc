//! `SeparableSum`: `r` separable filters run band by band and summed into one f32 image.

use sepconv_core::{Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Result, Shape};

use super::{Kernel2d, Source};
use crate::owned::filled;
use crate::{best_backend, Backend, Image};

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
        let mut scratch = filled(plans.iter().map(|p| p.scratch_len::<f32>()).max().unwrap_or(0), 0.0f32)?;
        if single {
            return plans[0].filter(backend, src, dst, &mut scratch);
        }

        let row_len = shape.width * shape.channels;
        let halo = self.rows() - 1;
        let band = (BAND_BYTES / (4 * row_len)).max(4 * halo).max(8).min(shape.height);
        let mut buffer = filled(band * row_len, 0.0f32)?;
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
