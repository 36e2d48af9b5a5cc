//! Borrowed image views: width, height, 1–4 interleaved channels and a row
//! stride in elements, over a slice the caller owns.

use crate::error::{Error, Result};

/// The size of an image: width and height in pixels, interleaved channels per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Interleaved samples per pixel, 1 to 4.
    pub channels: usize,
}

impl Shape {
    /// A validated shape: non-zero sizes, 1–4 channels, `width × channels`
    /// and `× height` fit in `usize`.
    pub const fn new(width: usize, height: usize, channels: usize) -> Result<Self> {
        let shape = Shape { width, height, channels };
        match shape.validate() {
            Ok(()) => Ok(shape),
            Err(e) => Err(e),
        }
    }

    pub(crate) const fn validate(&self) -> Result<()> {
        if self.width == 0 || self.height == 0 {
            return Err(Error::ZeroSize);
        }
        if self.channels < 1 || self.channels > 4 {
            return Err(Error::InvalidChannels);
        }
        match self.row_len() {
            Some(r) if r.checked_mul(self.height).is_some() => Ok(()),
            _ => Err(Error::SizeOverflow),
        }
    }

    /// Samples in one row (`width × channels`), if that fits in `usize`.
    pub const fn row_len(&self) -> Option<usize> {
        self.width.checked_mul(self.channels)
    }

    /// Pixels in the image.
    pub const fn pixels(&self) -> usize {
        self.width.saturating_mul(self.height)
    }
}

/// Checks a layout and returns the minimum buffer length it needs.
fn required_len(shape: Shape, stride: usize) -> Result<usize> {
    shape.validate()?;
    let row_len = shape.row_len().ok_or(Error::SizeOverflow)?;
    if stride < row_len {
        return Err(Error::StrideTooSmall);
    }
    (shape.height - 1).checked_mul(stride).and_then(|n| n.checked_add(row_len)).ok_or(Error::SizeOverflow)
}

/// Validates `data` against a layout and trims it to the elements the view covers.
fn checked_layout(len: usize, shape: Shape, stride: usize) -> Result<usize> {
    let needed = required_len(shape, stride)?;
    if len < needed {
        return Err(Error::BufferTooShort { needed, actual: len });
    }
    Ok(needed)
}

/// Offset and bounds check of a sub-rectangle.
fn sub_rect(shape: Shape, stride: usize, x: usize, y: usize, width: usize, height: usize) -> Result<(usize, Shape)> {
    let sub = Shape::new(width, height, shape.channels)?;
    let fits = |start: usize, len: usize, total: usize| start.checked_add(len).is_some_and(|end| end <= total);
    if !fits(x, width, shape.width) || !fits(y, height, shape.height) {
        return Err(Error::ShapeMismatch);
    }
    // Cannot overflow: the point lies inside a buffer that was already validated.
    Ok((y * stride + x * shape.channels, sub))
}

/// A read-only view of an image with interleaved channels.
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a, T> {
    data: &'a [T],
    shape: Shape,
    stride: usize,
}

/// Two views are equal when they have the same shape and the same samples
/// (whatever their strides).
impl<T: Copy + PartialEq> PartialEq for ImageView<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.shape == other.shape && (0..self.shape.height).all(|y| self.row(y) == other.row(y))
    }
}

impl<'a, T: Copy> ImageView<'a, T> {
    /// A view of a tightly packed image (stride = `width × channels`).
    pub fn new(data: &'a [T], width: usize, height: usize, channels: usize) -> Result<Self> {
        let stride = width.checked_mul(channels).ok_or(Error::SizeOverflow)?;
        Self::with_stride(data, width, height, channels, stride)
    }

    /// A view whose rows start `stride` elements apart.
    pub fn with_stride(data: &'a [T], width: usize, height: usize, channels: usize, stride: usize) -> Result<Self> {
        let shape = Shape { width, height, channels };
        let len = checked_layout(data.len(), shape, stride)?;
        Ok(ImageView { data: &data[..len], shape, stride })
    }

    /// The image's shape.
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
    /// Elements from one row's start to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Row `y` (`width × channels` samples), or `None` past the last row.
    pub fn row(&self, y: usize) -> Option<&'a [T]> {
        (y < self.shape.height).then(|| self.row_unchecked_index(y))
    }

    /// Row `y`; `y` must be a valid row (checked by slicing).
    #[inline]
    pub(crate) fn row_unchecked_index(&self, y: usize) -> &'a [T] {
        let start = y * self.stride;
        &self.data[start..start + self.shape.width * self.shape.channels]
    }

    /// The sample at `(x, y, channel)`, or `None` outside the image.
    pub fn get(&self, x: usize, y: usize, channel: usize) -> Option<T> {
        if x >= self.shape.width || channel >= self.shape.channels {
            return None;
        }
        self.row(y).map(|r| r[x * self.shape.channels + channel])
    }

    /// A view of the rectangle at `(x, y)` of `width × height` pixels (a region of interest).
    pub fn sub_view(&self, x: usize, y: usize, width: usize, height: usize) -> Result<ImageView<'a, T>> {
        let (offset, shape) = sub_rect(self.shape, self.stride, x, y, width, height)?;
        ImageView::with_stride(&self.data[offset..], shape.width, shape.height, shape.channels, self.stride)
    }

    /// The underlying elements, from the first sample to the last.
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }
}

/// A mutable view of an image with interleaved channels.
#[derive(Debug)]
pub struct ImageViewMut<'a, T> {
    data: &'a mut [T],
    shape: Shape,
    stride: usize,
}

impl<'a, T: Copy> ImageViewMut<'a, T> {
    /// A mutable view of a tightly packed image.
    pub fn new(data: &'a mut [T], width: usize, height: usize, channels: usize) -> Result<Self> {
        let stride = width.checked_mul(channels).ok_or(Error::SizeOverflow)?;
        Self::with_stride(data, width, height, channels, stride)
    }

    /// A mutable view whose rows start `stride` elements apart.
    pub fn with_stride(data: &'a mut [T], width: usize, height: usize, channels: usize, stride: usize) -> Result<Self> {
        let shape = Shape { width, height, channels };
        let len = checked_layout(data.len(), shape, stride)?;
        Ok(ImageViewMut { data: &mut data[..len], shape, stride })
    }

    /// The image's shape.
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
    /// Elements from one row's start to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// A read-only view of the same pixels.
    pub fn as_view(&self) -> ImageView<'_, T> {
        ImageView { data: self.data, shape: self.shape, stride: self.stride }
    }

    /// Row `y`, or `None` past the last row.
    pub fn row_mut(&mut self, y: usize) -> Option<&mut [T]> {
        (y < self.shape.height).then(|| self.row_mut_unchecked_index(y))
    }

    #[inline]
    pub(crate) fn row_mut_unchecked_index(&mut self, y: usize) -> &mut [T] {
        let start = y * self.stride;
        &mut self.data[start..start + self.shape.width * self.shape.channels]
    }

    /// A mutable view of the rectangle at `(x, y)` (a region of interest).
    pub fn sub_view_mut(&mut self, x: usize, y: usize, width: usize, height: usize) -> Result<ImageViewMut<'_, T>> {
        let (offset, shape) = sub_rect(self.shape, self.stride, x, y, width, height)?;
        ImageViewMut::with_stride(&mut self.data[offset..], shape.width, shape.height, shape.channels, self.stride)
    }

    /// Splits the view into the rows before `y` and the rows from `y` on.
    /// `y` must lie in `1..height`.
    pub fn split_at_row(self, y: usize) -> Result<(ImageViewMut<'a, T>, ImageViewMut<'a, T>)> {
        if y == 0 || y >= self.shape.height {
            return Err(Error::BandOutOfRange);
        }
        let (a, b) = self.data.split_at_mut(y * self.stride);
        let top = ImageViewMut::with_stride(a, self.shape.width, y, self.shape.channels, self.stride)?;
        let bottom =
            ImageViewMut::with_stride(b, self.shape.width, self.shape.height - y, self.shape.channels, self.stride)?;
        Ok((top, bottom))
    }

    /// The underlying elements, from the first sample to the last.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.data
    }
}

impl<T: Copy> ImageViewMut<'_, T> {
    /// Rows `y .. y + rows` as one slice (from row `y`'s start to the last
    /// row's end) and the stride; the rows must exist.
    #[inline]
    pub(crate) fn row_block_mut(&mut self, y: usize, rows: usize) -> (&mut [T], usize) {
        let row_len = self.shape.width * self.shape.channels;
        let start = y * self.stride;
        (&mut self.data[start..start + (rows - 1) * self.stride + row_len], self.stride)
    }

    /// Row `y` for reading, through the mutable view (in-place filtering).
    #[inline]
    pub(crate) fn row_ref(&self, y: usize) -> &[T] {
        let start = y * self.stride;
        &self.data[start..start + self.shape.width * self.shape.channels]
    }
}

/// An image filtered in place: all of it, or a band of its rows with
/// packed copies of the source rows around the band that the band reads
/// ([`Plan::filter_band_in_place`](crate::Plan::filter_band_in_place)).
#[doc(hidden)]
pub struct InPlaceRows<'v, 'a, 'c, T> {
    /// The rows written (and read).
    pub(crate) image: &'v mut ImageViewMut<'a, T>,
    /// The image row that `image`'s first row is.
    pub(crate) first_row: usize,
    /// Source rows from `above.0` up to the band, packed.
    pub(crate) above: (usize, &'c [T]),
    /// Source rows from `below.0` (the row after the band) on, packed.
    pub(crate) below: (usize, &'c [T]),
}

impl<'v, 'a, T: Copy> InPlaceRows<'v, 'a, '_, T> {
    /// The whole image.
    pub(crate) fn whole(image: &'v mut ImageViewMut<'a, T>) -> Self {
        let end = image.height();
        InPlaceRows { image, first_row: 0, above: (0, &[]), below: (end, &[]) }
    }
}
