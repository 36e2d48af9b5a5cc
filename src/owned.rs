//! Owned images, and casts between pixel structs and sample slices.

use bytemuck::Pod;
use sepconv_core::{Error, ImageView, ImageViewMut, Result, Shape};

/// An owned, tightly packed image with interleaved channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Image<T> {
    data: Vec<T>,
    shape: Shape,
}

impl<T: Pod> Image<T> {
    /// A zeroed image ([`Error::OutOfMemory`] where the allocator refuses it).
    pub fn new(width: usize, height: usize, channels: usize) -> Result<Self> {
        let shape = Shape::new(width, height, channels)?;
        let len = shape.row_len().and_then(|r| r.checked_mul(height)).ok_or(Error::SizeOverflow)?;
        Ok(Image { data: filled(len, T::zeroed())?, shape })
    }

    /// An image over `data` (`width × height × channels` samples, row by row).
    pub fn from_vec(data: Vec<T>, width: usize, height: usize, channels: usize) -> Result<Self> {
        ImageView::new(&data, width, height, channels)?;
        let shape = Shape::new(width, height, channels)?;
        let len = width * height * channels;
        if data.len() != len {
            // Shorter was refused by `ImageView::new` above: this one is longer.
            return Err(Error::ShapeMismatch);
        }
        Ok(Image { data, shape })
    }

    /// An image from pixel structs (e.g. `[u8; 4]` or a `#[repr(C)]` RGBA
    /// struct that is `Pod`): channels = `size_of::<P>() / size_of::<T>()`.
    pub fn from_pixels<P: Pod>(pixels: &[P], width: usize, height: usize) -> Result<Self> {
        let samples: &[T] = bytemuck::try_cast_slice(pixels).map_err(|_| Error::InvalidChannels)?;
        let channels = core::mem::size_of::<P>() / core::mem::size_of::<T>();
        if channels * core::mem::size_of::<T>() != core::mem::size_of::<P>() {
            return Err(Error::InvalidChannels);
        }
        let mut data = with_capacity(samples.len())?;
        data.extend_from_slice(samples);
        Self::from_vec(data, width, height, channels)
    }

    /// The samples as pixel structs `P` (`size_of::<P>()` must be one pixel).
    pub fn as_pixels<P: Pod>(&self) -> Result<&[P]> {
        if core::mem::size_of::<P>() != core::mem::size_of::<T>() * self.shape.channels {
            return Err(Error::InvalidChannels);
        }
        bytemuck::try_cast_slice(&self.data).map_err(|_| Error::InvalidChannels)
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }
    /// Pixels per row.
    pub fn width(&self) -> usize {
        self.shape.width
    }
    /// Rows.
    pub fn height(&self) -> usize {
        self.shape.height
    }
    /// Interleaved channels per pixel.
    pub fn channels(&self) -> usize {
        self.shape.channels
    }
    /// The samples, row by row.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }
    /// The samples, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// The samples, by value.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// A borrowed view.
    pub fn view(&self) -> ImageView<'_, T> {
        let Shape { width, height, channels } = self.shape;
        // The shape was validated against `data` when the image was made.
        ImageView::new(&self.data, width, height, channels).unwrap_or_else(|_| unreachable!())
    }

    /// A borrowed mutable view.
    pub fn view_mut(&mut self) -> ImageViewMut<'_, T> {
        let Shape { width, height, channels } = self.shape;
        // The shape was validated against `data` when the image was made.
        ImageViewMut::new(&mut self.data, width, height, channels).unwrap_or_else(|_| unreachable!())
    }
}

/// An empty vector with room for `len` elements: where the allocator
/// refuses, [`Error::OutOfMemory`] (`Vec::with_capacity` and `vec!` abort
/// the process). Every buffer the facade sizes by an image goes through it.
pub(crate) fn with_capacity<T>(len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| Error::OutOfMemory { bytes: len.saturating_mul(core::mem::size_of::<T>()) })?;
    Ok(v)
}

/// `len` copies of `value`, allocated as [`with_capacity`].
pub(crate) fn filled<T: Clone>(len: usize, value: T) -> Result<Vec<T>> {
    let mut v = with_capacity(len)?;
    v.resize(len, value);
    Ok(v)
}
