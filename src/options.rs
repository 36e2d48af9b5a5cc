//! The one-call filters and their settings: [`Options`] (borders, threads,
//! backend, a window, premultiplied alpha) with one method per filter; the
//! crate's free functions ([`gaussian_blur`](crate::gaussian_blur), …) are
//! these methods with the default options.

use sepconv_core::{
    Backend, Border, Borders, BoxFilter, Error, ImageView, Kernel, Output, Plan, Region, Result, MAX_TAPS,
};

use crate::alpha;
use crate::kernel::KernelBuf;
use crate::owned::{with_capacity, Image};
use crate::source::{Blurrable, Element, Source, SourceSample};
use crate::threads::{box_filter_parallel, filter_parallel, Threads};
use crate::{best_backend, generate};

/// Settings of the one-call filters, set by chained calls; the filters are
/// its methods.
///
/// | setting | default |
/// |---|---|
/// | [`border`](Self::border) / [`borders`](Self::borders) | [`Border::Reflect101`] on both axes |
/// | [`threads`](Self::threads) | [`Threads::Auto`]: every core, one for small images |
/// | [`backend`](Self::backend) | [`best_backend`] |
/// | [`window`](Self::window) | the whole image |
/// | [`premultiplied_alpha`](Self::premultiplied_alpha) | off |
///
/// ```
/// use sepconv::{Border, Image, Options, Threads};
///
/// let img = Image::<u8>::new(64, 48, 3)?;
/// let options = Options::new().border(Border::Replicate).threads(Threads::count(2));
/// let blurred = options.gaussian_blur(&img, 1.5)?;
/// let gradient = options.sobel(&img, 1, 0, 3)?; // Image<i16>
/// assert_eq!((blurred.shape(), gradient.shape()), (img.shape(), img.shape()));
/// # Ok::<(), sepconv::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Options {
    borders: Borders,
    threads: Threads,
    backend: Option<Backend>,
    window: Option<Region>,
    premultiplied_alpha: bool,
}

/// A blur, described apart from the sample type (a Gaussian's size from σ
/// depends on it). The argument of [`Blurrable`]'s method.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Smoothing<'k> {
    /// OpenCV's Gaussian: `size` taps (`None`: from σ) of standard deviation `sigma`.
    Gaussian { size: Option<usize>, sigma: f64 },
    /// A normalised box of `size` taps.
    Box { size: usize },
    /// Any kernels.
    Separable { row: Kernel<'k>, column: Kernel<'k> },
}

impl Options {
    /// The default options (the table above).
    pub fn new() -> Self {
        Options::default()
    }

    /// The same border mode on both axes.
    pub fn border(self, border: Border) -> Self {
        self.borders(Borders::uniform(border))
    }

    /// A border mode per axis.
    pub fn borders(mut self, borders: Borders) -> Self {
        self.borders = borders;
        self
    }

    /// How many threads a filter may use.
    pub fn threads(mut self, threads: Threads) -> Self {
        self.threads = threads;
        self
    }

    /// The backend to run on instead of [`best_backend`] (for tests and
    /// benchmarks: results do not depend on it, u8 ones bit for bit).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Filters only the rectangle `width × height` at `(x, y)`, reading the
    /// image's pixels around it where the kernel reaches them: the result is
    /// the rectangle cut from the whole filtered image, with borders applied
    /// at the image's edges only (OpenCV's default for a region of
    /// interest). Filtering a sub-view instead treats the sub-view's edges
    /// as the image's (OpenCV's `BORDER_ISOLATED`).
    ///
    /// ```
    /// use sepconv::{Image, Options};
    ///
    /// let img = Image::from_vec((0..64 * 48).map(|v| (v % 251) as u8).collect(), 64, 48, 1)?;
    /// let whole = sepconv::gaussian_blur(&img, 2.0)?;
    /// let part = Options::new().window(10, 5, 20, 8).gaussian_blur(&img, 2.0)?;
    /// assert_eq!(part.view(), whole.view().sub_view(10, 5, 20, 8)?);
    /// # Ok::<(), sepconv::Error>(())
    /// ```
    ///
    /// A window not inside the image is [`Error::WindowOutOfRange`] when a
    /// filter runs.
    pub fn window(mut self, x: usize, y: usize, width: usize, height: usize) -> Self {
        self.window = Some(Region::Window { x, y, width, height });
        self
    }

    /// Blurs images with an alpha channel (2 or 4 channels, alpha last) as
    /// premultiplied colour: each colour is weighted by its pixel's alpha,
    /// so a transparent pixel's colour does not bleed into its neighbours
    /// (as GIMP, Photoshop and browsers blur). The colours are then divided
    /// by the blurred alpha (0 where it is 0). Applies to the blurs
    /// ([`gaussian_blur`](Self::gaussian_blur), [`box_blur`](Self::box_blur),
    /// [`separable`](Self::separable)); images without alpha, and images whose alpha is
    /// opaque everywhere, are blurred as without it, bit for bit. The
    /// premultiplied sums run in `f32`: each u8 colour is within 1 of
    /// `round(Σ w·a·c / Σ w·a)`, the exact premultiplied result.
    pub fn premultiplied_alpha(mut self, on: bool) -> Self {
        self.premultiplied_alpha = on;
        self
    }

    /// Blurs with OpenCV's Gaussian of standard deviation `sigma`, its size
    /// derived as `GaussianBlur` does for `ksize = 0`: `2·round(3σ) + 1` taps
    /// for u8 images, `2·round(4σ) + 1` for the others (at most
    /// [`MAX_TAPS`](crate::MAX_TAPS): σ up to about 42 for u8, 31 for f32).
    ///
    /// ```
    /// use sepconv::Image;
    ///
    /// let img = Image::<f32>::from_vec(vec![1.0; 20 * 10], 20, 10, 1)?;
    /// let out = sepconv::Options::new().gaussian_blur(&img, 2.5)?;
    /// assert!(out.as_slice().iter().all(|&v| (v - 1.0).abs() < 1e-5));
    /// # Ok::<(), sepconv::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSigma`] unless σ is finite and positive;
    /// [`Error::KernelTooLong`] for a σ whose kernel exceeds `MAX_TAPS`;
    /// the image's and the window's errors.
    pub fn gaussian_blur<I: Blurrable + ?Sized>(&self, image: &I, sigma: f64) -> Result<I::Blurred> {
        image.blur(self, &Smoothing::Gaussian { size: None, sigma })
    }

    /// Blurs with OpenCV's Gaussian of `size` taps (odd, as `GaussianBlur`
    /// requires) and standard deviation `sigma`; `sigma <= 0` takes OpenCV's
    /// default for the size, `0.3·((size − 1)/2 − 1) + 0.8`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKernelSize`] for an even `size`, [`Error::EmptyKernel`]
    /// for 0, [`Error::KernelTooLong`] above `MAX_TAPS`,
    /// [`Error::InvalidSigma`] for a NaN or infinite σ (the size is checked
    /// first); the image's errors.
    pub fn gaussian_blur_sized<I: Blurrable + ?Sized>(&self, image: &I, size: usize, sigma: f64) -> Result<I::Blurred> {
        if size == 0 {
            return Err(Error::EmptyKernel);
        }
        if size.is_multiple_of(2) {
            return Err(Error::InvalidKernelSize);
        }
        image.blur(self, &Smoothing::Gaussian { size: Some(size), sigma })
    }

    /// Blurs with a normalised `size × size` box (OpenCV's `blur`): the
    /// mean of the `size²` pixels around each one (anchor at the centre,
    /// `size / 2`), of any size. From 49 pixels on it runs as running sums
    /// ([`BoxFilter`]: the cost a pixel does not grow with the size, and u8
    /// and u16 results are the exact mean rounded half up); below, on the FIR
    /// engine (within 1 of the exact mean).
    ///
    /// ```
    /// use sepconv::Image;
    ///
    /// let img = Image::<u16>::from_vec((0..64 * 64).map(|v| v as u16).collect(), 64, 64, 1)?;
    /// let small = sepconv::box_blur(&img, 3)?;
    /// let huge = sepconv::box_blur(&img, 301)?; // wider than the image: the borders repeat
    /// assert_eq!((small.shape(), huge.shape()), (img.shape(), img.shape()));
    /// # Ok::<(), sepconv::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::EmptyKernel`] for 0, [`Error::KernelTooLong`] for a window
    /// above `2^32` pixels; the image's errors.
    pub fn box_blur<I: Blurrable + ?Sized>(&self, image: &I, size: usize) -> Result<I::Blurred> {
        image.blur(self, &Smoothing::Box { size })
    }

    /// Filters with `column ⊗ row` into the image's own sample type
    /// (rounded and saturated for u8), as OpenCV's `sepFilter2D` with
    /// `ddepth = -1`. For signed results keep a wider type with
    /// [`separable_as`](Self::separable_as).
    ///
    /// # Errors
    ///
    /// The plan's errors ([`Plan::new`]) and the image's.
    pub fn separable<I: Blurrable + ?Sized>(
        &self,
        image: &I,
        row: Kernel<'_>,
        column: Kernel<'_>,
    ) -> Result<I::Blurred> {
        image.blur(self, &Smoothing::Separable { row, column })
    }

    /// Filters with `column ⊗ row` into output samples `D` (the pairs of
    /// [`Output`]: `f32 → f32`, `u8 → u8`, `u8 → i16`, `u8 → f32`).
    ///
    /// ```
    /// use sepconv::{Image, Kernel};
    ///
    /// let img = Image::<u8>::from_vec((0..8 * 4).map(|v| v as u8).collect(), 8, 4, 1)?;
    /// let diff = [-1.0, 0.0, 1.0];
    /// let out: Image<f32> = sepconv::Options::new().separable_as(&img, Kernel::new(&diff)?, Kernel::new(&[1.0])?)?;
    /// assert_eq!(out.as_slice()[8 + 3], 2.0);
    /// # Ok::<(), sepconv::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The plan's errors ([`Plan::new`]) and the image's.
    pub fn separable_as<D: Element + Output<I::Sample>, I: Source + ?Sized>(
        &self,
        image: &I,
        row: Kernel<'_>,
        column: Kernel<'_>,
    ) -> Result<I::With<D>> {
        I::with(self.run::<_, D>(&image.as_image_view()?, row, column)?)
    }

    /// OpenCV's `Sobel`: the derivative of order `dx` along x and `dy`
    /// along y, with `ksize`-tap kernels (1, 3, 5, …, 31; 1 means no
    /// smoothing across the derivative: `[−1 0 1]` alone), unnormalised,
    /// into [`SourceSample::Gradient`] (`i16` for u8, as `CV_16S`; `f32`
    /// for f32). Positive where the image grows along the axis.
    ///
    /// ```
    /// use sepconv::Image;
    ///
    /// let ramp = Image::<u8>::from_vec((0..16 * 4).map(|i| (i % 16) as u8 * 10).collect(), 16, 4, 1)?;
    /// let gx = sepconv::sobel(&ramp, 1, 0, 3)?; // Image<i16>
    /// assert_eq!(gx.as_slice()[16 + 5], 80); // [−1 0 1] ⊗ [1 2 1] on a slope of 10
    /// # Ok::<(), sepconv::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKernelSize`] for an even `ksize` or one above 31;
    /// [`Error::InvalidParameter`] for `dx + dy == 0` or an order not below
    /// the kernel's length; the image's errors.
    pub fn sobel<I: Source + ?Sized>(
        &self,
        image: &I,
        dx: usize,
        dy: usize,
        ksize: usize,
    ) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
        if dx + dy == 0 {
            return Err(Error::InvalidParameter);
        }
        let ksize = i32::try_from(ksize).map_err(|_| Error::InvalidKernelSize)?;
        if ksize < 1 {
            return Err(Error::InvalidKernelSize);
        }
        self.derivative(image, KernelBuf::deriv(dx, ksize)?, KernelBuf::deriv(dy, ksize)?)
    }

    /// OpenCV's `Scharr`: the first derivative along x (`dx = 1, dy = 0`) or
    /// y (`dx = 0, dy = 1`) with the 3-tap Scharr kernels (`[−1 0 1]` and
    /// `[3 10 3]`), into [`SourceSample::Gradient`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `dx + dy == 1`; the image's errors.
    pub fn scharr<I: Source + ?Sized>(
        &self,
        image: &I,
        dx: usize,
        dy: usize,
    ) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
        if dx + dy != 1 {
            return Err(Error::InvalidParameter);
        }
        let scharr = generate::SCHARR;
        self.derivative(image, KernelBuf::deriv(dx, scharr)?, KernelBuf::deriv(dy, scharr)?)
    }

    /// OpenCV's `Laplacian`: `∂²/∂x² + ∂²/∂y²` as the sum of two Sobel
    /// filters of `ksize` taps (`ksize = 1`: the 3×3 kernel
    /// `[0 1 0; 1 −4 1; 0 1 0]`), into [`SourceSample::Gradient`]. The two
    /// terms are summed in `f32` and rounded once, so u8 images give
    /// OpenCV's `CV_16S` results exactly.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKernelSize`] for an even `ksize` or one above 31; the
    /// image's errors.
    pub fn laplacian<I: Source + ?Sized>(
        &self,
        image: &I,
        ksize: usize,
    ) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
        let ksize = i32::try_from(ksize).ok().filter(|&k| k >= 1).ok_or(Error::InvalidKernelSize)?;
        let (second, smooth) = (KernelBuf::deriv(2, ksize)?, KernelBuf::deriv(0, ksize)?);
        let src = image.as_image_view()?;
        let xx = self.run_f32(&src, second.kernel(), smooth.kernel())?;
        let yy = self.run_f32(&src, smooth.kernel(), second.kernel())?;
        let mut sum = with_capacity(xx.as_slice().len())?;
        sum.extend(
            xx.as_slice()
                .iter()
                .zip(yy.as_slice())
                .map(|(&a, &b)| <<I::Sample as SourceSample>::Gradient as Element>::from_f32_rounded(a + b)),
        );
        I::with(Image::from_vec(sum, xx.width(), xx.height(), xx.channels())?)
    }

    /// The derivative of a Gaussian of standard deviation `sigma`: order
    /// `dx` (0–2) along x and `dy` along y, each kernel
    /// [`generate::gaussian_derivative`] of `2·round(4σ) + 1` taps, into
    /// `f32` (a derivative of order 1 maps the ramp `x` to 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSigma`] unless σ is finite and positive,
    /// [`Error::InvalidParameter`] for an order above 2,
    /// [`Error::KernelTooLong`] for σ above about 31; the image's errors.
    pub fn gaussian_derivative<I: Source + ?Sized>(
        &self,
        image: &I,
        sigma: f64,
        dx: usize,
        dy: usize,
    ) -> Result<I::With<f32>> {
        let len = gaussian_len(sigma, <f32 as SourceSample>::GAUSSIAN_SIGMAS)?;
        let (row, column) =
            (KernelBuf::gaussian_derivative(len, sigma, dx)?, KernelBuf::gaussian_derivative(len, sigma, dy)?);
        I::with(self.run_f32(&image.as_image_view()?, row.kernel(), column.kernel())?)
    }

    /// A derivative filter into the gradient type.
    fn derivative<I: Source + ?Sized>(
        &self,
        image: &I,
        row: KernelBuf,
        column: KernelBuf,
    ) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
        I::with(self.run(&image.as_image_view()?, row.kernel(), column.kernel())?)
    }

    /// A blur of `src`, as the options say (premultiplied alpha included).
    pub(crate) fn blur_view<S: SourceSample>(
        &self,
        src: &ImageView<'_, S>,
        smoothing: &Smoothing<'_>,
    ) -> Result<Image<S>> {
        let owned;
        let how = match *smoothing {
            Smoothing::Gaussian { size, sigma } => {
                let len = match size {
                    Some(len) => len,
                    None => gaussian_len(sigma, S::GAUSSIAN_SIGMAS)?,
                };
                if !sigma.is_finite() {
                    return Err(Error::InvalidSigma);
                }
                owned = KernelBuf::gaussian(len, sigma)?;
                Blur::Fir(owned.kernel(), owned.kernel())
            }
            Smoothing::Box { size } if size >= BOX_RUNNING_SUMS => Blur::RunningSums(size),
            Smoothing::Box { size } => {
                owned = KernelBuf::box_average(size)?;
                Blur::Fir(owned.kernel(), owned.kernel())
            }
            Smoothing::Separable { row, column } => Blur::Fir(row, column),
        };
        if self.premultiplied_alpha && alpha::has_transparency(src) {
            return alpha::blur(src, |premultiplied| self.blur_with(premultiplied, &how));
        }
        self.blur_with(src, &how)
    }

    fn blur_with<S: SourceSample>(&self, src: &ImageView<'_, S>, how: &Blur<'_>) -> Result<Image<S>> {
        match *how {
            Blur::Fir(row, column) => self.run(src, row, column),
            Blur::RunningSums(size) => {
                let window = self.window.unwrap_or(Region::Same);
                let filter = BoxFilter::for_region(src.shape(), size, size, self.borders, window)?;
                let out = filter.output_shape();
                let mut dst = Image::<S>::new(out.width, out.height, out.channels)?;
                box_filter_parallel(&filter, self.chosen_backend(), src, &mut dst.view_mut(), self.threads)?;
                Ok(dst)
            }
        }
    }

    /// `column ⊗ row` over `src` into a new image of samples `D`.
    pub(crate) fn run<S: SourceSample, D: Element + Output<S>>(
        &self,
        src: &ImageView<'_, S>,
        row: Kernel<'_>,
        column: Kernel<'_>,
    ) -> Result<Image<D>> {
        let plan = self.plan(src, row, column)?;
        let out = plan.output_shape();
        let mut dst = Image::<D>::new(out.width, out.height, out.channels)?;
        filter_parallel(&plan, self.chosen_backend(), src, &mut dst.view_mut(), self.threads)?;
        Ok(dst)
    }

    /// As [`run`](Self::run), into `f32` (an output every sample type has).
    pub(crate) fn run_f32<S: SourceSample>(
        &self,
        src: &ImageView<'_, S>,
        row: Kernel<'_>,
        column: Kernel<'_>,
    ) -> Result<Image<f32>> {
        let plan = self.plan(src, row, column)?;
        let out = plan.output_shape();
        let mut dst = Image::<f32>::new(out.width, out.height, out.channels)?;
        S::filter_f32(&plan, self.chosen_backend(), src, &mut dst.view_mut(), self.threads)?;
        Ok(dst)
    }

    fn plan<'k, S: SourceSample>(
        &self,
        src: &ImageView<'_, S>,
        row: Kernel<'k>,
        column: Kernel<'k>,
    ) -> Result<Plan<'k>> {
        Plan::for_region(src.shape(), row, column, self.borders, self.window.unwrap_or(Region::Same))
    }

    fn chosen_backend(&self) -> Backend {
        self.backend.unwrap_or_else(best_backend)
    }
}

/// How a blur runs: the separable FIR engine, or running sums (a box).
enum Blur<'k> {
    Fir(Kernel<'k>, Kernel<'k>),
    RunningSums(usize),
}

/// Box blurs of this size and more run as running sums ([`BoxFilter`]),
/// whose cost does not grow with the size; smaller ones on the FIR engine.
/// Measured at 1920×1080, one thread: running sums ≈ 300 Mpix/s at any size,
/// the FIR engine 670 (u8) and 450 (f32) at 31 taps, 260 and 190 at 63.
/// Public with the `tuning` feature, for the benchmark report's box sweep.
pub const BOX_RUNNING_SUMS: usize = 49;

/// The length OpenCV's `GaussianBlur` gives a Gaussian of standard
/// deviation `sigma` when `ksize` is 0: `round(2·sigmas·σ + 1) | 1`, with
/// `sigmas` 3 for u8 images and 4 for the others (`smooth.dispatch.cpp`).
/// How `round` breaks ties does not matter: `| 1` maps both neighbours of
/// a half to the same odd length.
fn gaussian_len(sigma: f64, sigmas: f64) -> Result<usize> {
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(Error::InvalidSigma);
    }
    let len = (sigma * sigmas * 2.0 + 1.0).round();
    if len >= MAX_TAPS as f64 {
        return Err(Error::KernelTooLong);
    }
    Ok(len as usize | 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_lengths_are_opencvs() {
        // cvRound(σ·3·2 + 1) | 1 for u8, cvRound(σ·4·2 + 1) | 1 otherwise.
        for (sigma, u8_len, f32_len) in
            [(0.1, 3, 3), (0.5, 5, 5), (1.0, 7, 9), (1.5, 11, 13), (2.0, 13, 17), (0.25, 3, 3)]
        {
            assert_eq!(gaussian_len(sigma, 3.0), Ok(u8_len), "σ {sigma}");
            assert_eq!(gaussian_len(sigma, 4.0), Ok(f32_len), "σ {sigma}");
        }
        assert_eq!(gaussian_len(0.0, 3.0), Err(Error::InvalidSigma));
        assert_eq!(gaussian_len(-1.0, 3.0), Err(Error::InvalidSigma));
        assert_eq!(gaussian_len(f64::NAN, 3.0), Err(Error::InvalidSigma));
        assert_eq!(gaussian_len(f64::INFINITY, 3.0), Err(Error::InvalidSigma));
        assert_eq!(gaussian_len(42.4, 3.0), Ok(255));
        assert_eq!(gaussian_len(43.0, 3.0), Err(Error::KernelTooLong));
    }
}
