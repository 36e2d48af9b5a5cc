//! What the one-call filters read and return: [`Source`] (an image of one
//! sample type, and the same kind of image for other sample types),
//! [`Blurrable`] (what a blur returns), and the sample traits behind them.

use bytemuck::Pod;
use sepconv_core::{Backend, ImageView, ImageViewMut, Output, Plan, Result, Sample};

use crate::owned::Image;
use crate::threads::{filter_parallel, Threads};
use crate::{Options, Smoothing};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for i16 {}
    impl Sealed for u16 {}
    impl Sealed for f32 {}
}

#[cfg(feature = "image")]
use crate::image_crate::PixelTypes;

/// Nothing without the `image` feature (with it, the `image` pixel types of
/// each [`Element`]).
#[cfg(not(feature = "image"))]
#[doc(hidden)]
pub trait PixelTypes {}
#[cfg(not(feature = "image"))]
impl<T> PixelTypes for T {}

/// A sample type an image of the one-call filters holds: `u8`, `i16`,
/// `u16` and `f32` (with the `image` feature, each an `image::Primitive`). Sealed.
pub trait Element: Pod + Send + Sync + sealed::Sealed + PixelTypes {
    #[doc(hidden)]
    /// `v` rounded half up and saturated to this type (`f32`: `v`).
    fn from_f32_rounded(v: f32) -> Self;
    #[doc(hidden)]
    /// The value as `f32` (exact).
    fn into_f32(self) -> f32;
}

/// A sample type the one-call filters read: `u8`, `u16` and `f32`. Sealed.
pub trait SourceSample: Element + Sample + Sync + Output<Self> {
    /// What the derivative filters ([`sobel`](crate::sobel),
    /// [`scharr`](crate::scharr), [`laplacian`](crate::laplacian)) return
    /// for this sample type: `i16` for `u8` (OpenCV's `CV_16S`), `f32` for
    /// `u16` and `f32`.
    type Gradient: Element + Output<Self>;
    #[doc(hidden)]
    /// The value of an opaque alpha: 255 for u8, 65535 for u16, 1 for f32.
    const OPAQUE: f32;
    #[doc(hidden)]
    /// How many σ a Gaussian of unspecified size reaches on each side:
    /// 3 for u8, 4 otherwise (OpenCV's `GaussianBlur` with `ksize` 0).
    const GAUSSIAN_SIGMAS: f64;
    #[doc(hidden)]
    /// [`filter_parallel`](crate::filter_parallel) into an `f32` image (every
    /// sample type has that output).
    fn filter_f32(
        plan: &Plan<'_>,
        backend: Backend,
        src: &ImageView<'_, Self>,
        dst: &mut ImageViewMut<'_, f32>,
        threads: Threads,
    ) -> Result<()>;
}

impl Element for u8 {
    #[inline]
    fn from_f32_rounded(v: f32) -> Self {
        // `as` saturates (and maps NaN to 0).
        (v + 0.5).floor() as u8
    }
    #[inline]
    fn into_f32(self) -> f32 {
        self as f32
    }
}

impl Element for i16 {
    #[inline]
    fn from_f32_rounded(v: f32) -> Self {
        (v + 0.5).floor() as i16
    }
    #[inline]
    fn into_f32(self) -> f32 {
        self as f32
    }
}

impl Element for u16 {
    #[inline]
    fn from_f32_rounded(v: f32) -> Self {
        (v + 0.5).floor() as u16
    }
    #[inline]
    fn into_f32(self) -> f32 {
        self as f32
    }
}

impl Element for f32 {
    #[inline]
    fn from_f32_rounded(v: f32) -> Self {
        v
    }
    #[inline]
    fn into_f32(self) -> f32 {
        self
    }
}

impl SourceSample for u8 {
    type Gradient = i16;
    const OPAQUE: f32 = 255.0;
    const GAUSSIAN_SIGMAS: f64 = 3.0;
    fn filter_f32(
        plan: &Plan<'_>,
        backend: Backend,
        src: &ImageView<'_, u8>,
        dst: &mut ImageViewMut<'_, f32>,
        threads: Threads,
    ) -> Result<()> {
        filter_parallel(plan, backend, src, dst, threads)
    }
}

impl SourceSample for u16 {
    type Gradient = f32;
    const OPAQUE: f32 = 65535.0;
    const GAUSSIAN_SIGMAS: f64 = 4.0;
    fn filter_f32(
        plan: &Plan<'_>,
        backend: Backend,
        src: &ImageView<'_, u16>,
        dst: &mut ImageViewMut<'_, f32>,
        threads: Threads,
    ) -> Result<()> {
        filter_parallel(plan, backend, src, dst, threads)
    }
}

impl SourceSample for f32 {
    type Gradient = f32;
    const OPAQUE: f32 = 1.0;
    const GAUSSIAN_SIGMAS: f64 = 4.0;
    fn filter_f32(
        plan: &Plan<'_>,
        backend: Backend,
        src: &ImageView<'_, f32>,
        dst: &mut ImageViewMut<'_, f32>,
        threads: Threads,
    ) -> Result<()> {
        filter_parallel(plan, backend, src, dst, threads)
    }
}

/// An image the one-call filters read: [`Image`], [`ImageView`] and, with
/// the `image` feature, `image::ImageBuffer`s of `Luma`, `LumaA`, `Rgb` and
/// `Rgba` pixels. Its samples are read in place (no copy), and results come
/// back as the same kind of image ([`With`](Self::With)).
pub trait Source {
    /// The sample type: `u8`, `u16` or `f32`.
    type Sample: SourceSample;
    /// The same kind of image, holding `D` samples: an [`Image<D>`] for
    /// images and views, an `ImageBuffer` of the same pixel kind for
    /// `ImageBuffer`s.
    type With<D: Element>;
    /// The samples, borrowed.
    ///
    /// # Errors
    ///
    /// An image the core cannot view: zero width or height, more than 4
    /// channels, or a buffer shorter than its dimensions.
    fn as_image_view(&self) -> Result<ImageView<'_, Self::Sample>>;
    #[doc(hidden)]
    /// `image` (a filter's result, with this image's channels) as this kind of image.
    fn with<D: Element>(image: Image<D>) -> Result<Self::With<D>>;
}

/// An image a blur returns as the same type: every [`Source`] (a blur of an
/// `ImageBuffer<Rgba<u8>, _>` is an `ImageBuffer<Rgba<u8>, Vec<u8>>`) and,
/// with the `image` feature, `image::DynamicImage` (the same variant).
pub trait Blurrable {
    /// The blurred image's type.
    type Blurred;
    #[doc(hidden)]
    /// Applies `smoothing` with `options`.
    fn blur(&self, options: &Options, smoothing: &Smoothing) -> Result<Self::Blurred>;
}

impl<T: SourceSample> Source for Image<T> {
    type Sample = T;
    type With<D: Element> = Image<D>;
    fn as_image_view(&self) -> Result<ImageView<'_, T>> {
        Ok(self.view())
    }
    fn with<D: Element>(image: Image<D>) -> Result<Image<D>> {
        Ok(image)
    }
}

impl<T: SourceSample> Source for ImageView<'_, T> {
    type Sample = T;
    type With<D: Element> = Image<D>;
    fn as_image_view(&self) -> Result<ImageView<'_, T>> {
        Ok(*self)
    }
    fn with<D: Element>(image: Image<D>) -> Result<Image<D>> {
        Ok(image)
    }
}

impl<I: Source + ?Sized> Blurrable for I {
    type Blurred = I::With<I::Sample>;
    fn blur(&self, options: &Options, smoothing: &Smoothing<'_>) -> Result<Self::Blurred> {
        I::with(options.blur_view(&self.as_image_view()?, smoothing)?)
    }
}
