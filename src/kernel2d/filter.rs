//! `Filter2d` and `filter_2d`: any 2D kernel, separated or direct, whichever its tolerance makes cheaper.

use sepconv_core::{Borders, ImageView, ImageViewMut, Result, Shape};

use super::{correlate_2d, Decomposition, Kernel2d, SeparableSum, Source, EXACT};
use crate::Image;

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
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a
    /// negative or NaN tolerance; the factors'
    /// [`Kernel::new`](crate::Kernel::new) errors (none for a finite kernel).
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
/// use sepconv::kernel2d::{filter_2d, Kernel2d, Path2d, EXACT};
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
