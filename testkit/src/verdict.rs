//! The errors constructors must return, modelled in `u128` (so that sizes up to `usize::MAX` cannot overflow the model).

use sepconv_core::depthwise::{LayerShape, Padding};
use sepconv_core::Error;

/// The error [`Shape::new`](sepconv_core::Shape::new) must give for `w × h × c`, computed in `u128`.
pub fn shape_verdict(w: usize, h: usize, c: usize) -> Result<(), Error> {
    if w == 0 || h == 0 {
        Err(Error::ZeroSize)
    } else if !(1..=4).contains(&c) {
        Err(Error::InvalidChannels)
    } else if (w as u128 * c as u128).checked_mul(h as u128).is_none_or(|n| n > usize::MAX as u128) {
        Err(Error::SizeOverflow)
    } else {
        Ok(())
    }
}

/// The verdict of [`ImageView::with_stride`](sepconv_core::ImageView::with_stride) on a buffer of `len` elements:
/// the length the view spans, or the error.
pub fn view_verdict(len: usize, w: usize, h: usize, c: usize, stride: usize) -> Result<usize, Error> {
    shape_verdict(w, h, c)?;
    let row = (w * c) as u128;
    if (stride as u128) < row {
        return Err(Error::StrideTooSmall);
    }
    let needed = (h as u128 - 1) * stride as u128 + row;
    if needed > usize::MAX as u128 {
        return Err(Error::SizeOverflow);
    }
    if (len as u128) < needed {
        return Err(Error::BufferTooShort { needed: needed as usize, actual: len });
    }
    Ok(needed as usize)
}

/// The sizes a depthwise layer's shape must give ([`layer_sizes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerSizes {
    /// `LayerShape::output_size`: (height, width).
    pub out: (usize, usize),
    /// `LayerShape::input_len` and `output_len`.
    pub input_len: usize,
    pub output_len: usize,
    /// The weight slices' lengths: `kh·kw·C` and `C·C_out`.
    pub depthwise_len: usize,
    pub pointwise_len: usize,
    /// The `scratch_len` of an f32 and of an int8 layer.
    pub scratch_f32: usize,
    pub scratch_i8: usize,
}

/// What a depthwise layer's shape must give, derived in `u128` from the
/// `sepconv_core::depthwise` docs: its sizes, or the error.
pub fn layer_sizes(s: &LayerShape) -> Result<LayerSizes, Error> {
    if [s.height, s.width, s.in_channels, s.out_channels].contains(&0) {
        return Err(Error::ZeroSize);
    }
    if s.kernel_height == 0 || s.kernel_width == 0 {
        return Err(Error::EmptyKernel);
    }
    if s.stride_y == 0 || s.stride_x == 0 {
        return Err(Error::InvalidStride);
    }
    // The output size, and the span `(m − 1)·s + k` the padding comes from.
    let axis = |n: usize, k: usize, stride: usize| {
        let (n, k, stride) = (n as u128, k as u128, stride as u128);
        let m = match s.padding {
            Padding::Same => n.div_ceil(stride),
            Padding::Valid if n < k => return Err(Error::EmptyOutput),
            Padding::Valid => (n - k) / stride + 1,
        };
        Ok((m, (m - 1) * stride + k))
    };
    let (out_h, span_y) = axis(s.height, s.kernel_height, s.stride_y)?;
    let (out_w, span_x) = axis(s.width, s.kernel_width, s.stride_x)?;
    let [h, w, c, c_out, kh, kw] =
        [s.height, s.width, s.in_channels, s.out_channels, s.kernel_height, s.kernel_width].map(|v| v as u128);
    let sizes = [
        span_y,
        span_x,
        product(&[h, w, c]),
        product(&[out_h, out_w, c_out]),
        product(&[kh, kw, c]),
        product(&[c, c_out]),
        product(&[out_w, c]).saturating_add(product(&[c, c_out])),
        product(&[2, c + c_out]).saturating_add(product(&[c.div_ceil(2), c_out + out_w])),
    ];
    if sizes.iter().any(|&v| v > usize::MAX as u128) {
        return Err(Error::SizeOverflow);
    }
    let [_, _, input_len, output_len, depthwise_len, pointwise_len, scratch_f32, scratch_i8] =
        sizes.map(|v| v as usize);
    let out = (out_h as usize, out_w as usize);
    Ok(LayerSizes { out, input_len, output_len, depthwise_len, pointwise_len, scratch_f32, scratch_i8 })
}

/// A product in `u128`, saturating: whatever passes `usize::MAX` on the
/// way ends past it.
pub fn product(factors: &[u128]) -> u128 {
    factors.iter().fold(1, |p, &v| p.saturating_mul(v))
}

/// `LengthMismatch` for the first `(expected, actual)` that differ.
pub fn lengths_verdict(lens: &[(usize, usize)]) -> Result<(), Error> {
    match lens.iter().find(|(expected, actual)| expected != actual) {
        Some(&(expected, actual)) => Err(Error::LengthMismatch { expected, actual }),
        None => Ok(()),
    }
}
