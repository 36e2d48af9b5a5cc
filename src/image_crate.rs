//! The `image` crate's types (feature `image`): `ImageBuffer`s of `Luma`,
//! `LumaA`, `Rgb` and `Rgba` pixels are [`Source`]s, read in place, their
//! channel count taken from the pixel type; a blur of a `DynamicImage` is a
//! `DynamicImage` of the same variant; [`Image`] converts to and from
//! `ImageBuffer` without copying the samples.
//!
//! ```
//! use image::{Rgba, RgbaImage};
//!
//! let img = RgbaImage::from_pixel(64, 48, Rgba([200, 100, 50, 255]));
//! let blurred: RgbaImage = sepconv::gaussian_blur(&img, 2.0)?;
//! assert_eq!(blurred, img); // a constant image stays constant
//! # Ok::<(), sepconv::Error>(())
//! ```

use core::ops::Deref;

use image::{DynamicImage, ImageBuffer, Luma, LumaA, Pixel, Rgb, Rgba};
use sepconv_core::{Error, ImageView, Result};

use crate::options::{Options, Smoothing};
use crate::owned::Image;
use crate::source::{Blurrable, Element, Source, SourceSample};

mod sealed {
    pub trait Sealed {}
}

/// The pixel types of the `image` crate whose buffers the filters take:
/// `Luma`, `LumaA`, `Rgb` and `Rgba` of an [`Element`]. Sealed.
pub trait PixelKind: Pixel + sealed::Sealed {
    /// The same kind of pixel with `D` samples.
    type With<D: Element>: PixelKind<Subpixel = D>;
}

/// The four pixel kinds of a sample type (a supertrait of [`Element`] with
/// the `image` feature: `image` bounds its pixels by traits it does not
/// export, so each sample type names its own).
#[doc(hidden)]
pub trait PixelTypes: image::Primitive {
    type Luma: PixelKind<Subpixel = Self>;
    type LumaA: PixelKind<Subpixel = Self>;
    type Rgb: PixelKind<Subpixel = Self>;
    type Rgba: PixelKind<Subpixel = Self>;
}

macro_rules! pixel_types {
    ($($t:ty),*) => {$(
        impl PixelTypes for $t {
            type Luma = Luma<$t>;
            type LumaA = LumaA<$t>;
            type Rgb = Rgb<$t>;
            type Rgba = Rgba<$t>;
        }
    )*};
}
pixel_types!(u8, i16, u16, f32);

macro_rules! pixel_kinds {
    ($($kind:ident),*) => {$(
        impl<T: Element> sealed::Sealed for $kind<T> where $kind<T>: Pixel<Subpixel = T> {}
        impl<T: Element> PixelKind for $kind<T> where $kind<T>: Pixel<Subpixel = T> {
            type With<D: Element> = <D as PixelTypes>::$kind;
        }
    )*};
}
pixel_kinds!(Luma, LumaA, Rgb, Rgba);

impl<P, C> Source for ImageBuffer<P, C>
where
    P: PixelKind<Subpixel: SourceSample>,
    C: Deref<Target = [P::Subpixel]>,
{
    type Sample = P::Subpixel;
    type With<D: Element> = ImageBuffer<P::With<D>, Vec<D>>;

    fn as_image_view(&self) -> Result<ImageView<'_, P::Subpixel>> {
        let (width, height) = self.dimensions();
        ImageView::new(self.as_raw(), width as usize, height as usize, P::CHANNEL_COUNT as usize)
    }

    fn with<D: Element>(image: Image<D>) -> Result<Self::With<D>> {
        image.try_into()
    }
}

impl<P: PixelKind<Subpixel: Element>> TryFrom<Image<P::Subpixel>> for ImageBuffer<P, Vec<P::Subpixel>> {
    type Error = Error;
    /// The image's samples as an `ImageBuffer` (no copy).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidChannels`] if the image's channels are not `P`'s;
    /// [`Error::SizeOverflow`] for a side above `u32::MAX`.
    fn try_from(image: Image<P::Subpixel>) -> Result<Self> {
        if image.channels() != P::CHANNEL_COUNT as usize {
            return Err(Error::InvalidChannels);
        }
        let side = |v: usize| u32::try_from(v).map_err(|_| Error::SizeOverflow);
        let (width, height) = (side(image.width())?, side(image.height())?);
        // The lengths agree: `Image` holds exactly width × height × channels samples.
        ImageBuffer::from_raw(width, height, image.into_vec()).ok_or(Error::ShapeMismatch)
    }
}

impl<P: PixelKind<Subpixel: Element>> TryFrom<ImageBuffer<P, Vec<P::Subpixel>>> for Image<P::Subpixel> {
    type Error = Error;
    /// The buffer's samples as an [`Image`] (no copy; a buffer longer than
    /// its pixels is cut to them).
    ///
    /// # Errors
    ///
    /// [`Error::ZeroSize`] for an empty buffer, which an [`Image`] cannot be.
    fn try_from(buffer: ImageBuffer<P, Vec<P::Subpixel>>) -> Result<Self> {
        let (width, height) = buffer.dimensions();
        let (width, height, channels) = (width as usize, height as usize, P::CHANNEL_COUNT as usize);
        let mut samples = buffer.into_raw();
        samples.truncate(width.saturating_mul(height).saturating_mul(channels));
        Image::from_vec(samples, width, height, channels)
    }
}

impl Blurrable for DynamicImage {
    type Blurred = DynamicImage;
    /// The blur of each variant's buffer, as that variant.
    ///
    /// # Errors
    ///
    /// The filter's errors; [`Error::UnsupportedSampleType`] for a variant
    /// the filters do not know (`DynamicImage` is `#[non_exhaustive]`).
    fn blur(&self, options: &Options, smoothing: &Smoothing<'_>) -> Result<DynamicImage> {
        use DynamicImage::*;
        Ok(match self {
            ImageLuma8(b) => ImageLuma8(b.blur(options, smoothing)?),
            ImageLumaA8(b) => ImageLumaA8(b.blur(options, smoothing)?),
            ImageRgb8(b) => ImageRgb8(b.blur(options, smoothing)?),
            ImageRgba8(b) => ImageRgba8(b.blur(options, smoothing)?),
            ImageLuma16(b) => ImageLuma16(b.blur(options, smoothing)?),
            ImageLumaA16(b) => ImageLumaA16(b.blur(options, smoothing)?),
            ImageRgb16(b) => ImageRgb16(b.blur(options, smoothing)?),
            ImageRgba16(b) => ImageRgba16(b.blur(options, smoothing)?),
            ImageRgb32F(b) => ImageRgb32F(b.blur(options, smoothing)?),
            ImageRgba32F(b) => ImageRgba32F(b.blur(options, smoothing)?),
            _ => return Err(Error::UnsupportedSampleType),
        })
    }
}
