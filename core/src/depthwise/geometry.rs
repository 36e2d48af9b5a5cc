//! What the layer engines read: the validated shape ([`Geometry`]) and the
//! weights laid out for them ([`F32Layer`], [`I8Row`]). Below the engines
//! and the public layer types, so neither imports the other.

use crate::error::{Error, Result};

/// TFLite's padding schemes (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// Output `⌈n / s⌉`; zero padding split evenly, the odd pixel after.
    #[default]
    Same,
    /// Only positions where the kernel lies inside the input.
    Valid,
}

/// The geometry of a layer: input `height × width × in_channels`, a
/// `kernel_height × kernel_width` depthwise filter with strides and
/// padding, and `out_channels` pointwise outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerShape {
    /// Input rows.
    pub height: usize,
    /// Input columns.
    pub width: usize,
    /// Input (and depthwise) channels, `C_in`.
    pub in_channels: usize,
    /// Pointwise output channels, `C_out`.
    pub out_channels: usize,
    /// Depthwise kernel rows.
    pub kernel_height: usize,
    /// Depthwise kernel columns.
    pub kernel_width: usize,
    /// Vertical stride (≥ 1).
    pub stride_y: usize,
    /// Horizontal stride (≥ 1).
    pub stride_x: usize,
    /// Padding scheme.
    pub padding: Padding,
}

impl LayerShape {
    /// A layer with a square `kernel × kernel` filter and the same stride on both axes.
    pub const fn new(
        height: usize,
        width: usize,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: Padding,
    ) -> Self {
        LayerShape {
            height,
            width,
            in_channels,
            out_channels,
            kernel_height: kernel,
            kernel_width: kernel,
            stride_y: stride,
            stride_x: stride,
            padding,
        }
    }

    /// `(height, width)` of the output, or the error that makes the shape invalid.
    pub fn output_size(&self) -> Result<(usize, usize)> {
        let g = Geometry::new(self)?;
        Ok((g.out_h, g.out_w))
    }

    /// Input elements (`height · width · in_channels`).
    pub fn input_len(&self) -> Result<usize> {
        Ok(Geometry::new(self)?.input_len)
    }

    /// Output elements (`out_height · out_width · out_channels`).
    pub fn output_len(&self) -> Result<usize> {
        Ok(Geometry::new(self)?.output_len)
    }

    /// Depthwise-separable weights (`K_h·K_w·C_in + C_in·C_out`, biases not
    /// counted) against those of the equivalent full convolution
    /// (`K_h·K_w·C_in·C_out`); `None` if a count overflows `usize`.
    pub fn parameter_counts(&self) -> Option<(usize, usize)> {
        // `K_h·K_w` in u128, where it cannot overflow: an overflowing partial
        // product must not hide a `C_in` of 0.
        let taps = self.kernel_height as u128 * self.kernel_width as u128;
        let depthwise = usize::try_from(taps.checked_mul(self.in_channels as u128)?).ok()?;
        let pointwise = self.in_channels.checked_mul(self.out_channels)?;
        Some((depthwise.checked_add(pointwise)?, depthwise.checked_mul(self.out_channels)?))
    }
}

/// A validated shape with everything the engines need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub c_out: usize,
    pub kh: usize,
    pub kw: usize,
    pub sy: usize,
    pub sx: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub input_len: usize,
    pub output_len: usize,
}

/// TFLite's output size and leading padding on one axis.
fn axis(n: usize, k: usize, s: usize, padding: Padding) -> Result<(usize, usize)> {
    let out = match padding {
        Padding::Same => n.div_ceil(s),
        Padding::Valid => {
            if n < k {
                return Err(Error::EmptyOutput);
            }
            (n - k) / s + 1
        }
    };
    let span = (out - 1).checked_mul(s).and_then(|v| v.checked_add(k)).ok_or(Error::SizeOverflow)?;
    Ok((out, span.saturating_sub(n) / 2))
}

impl Geometry {
    pub(crate) fn new(s: &LayerShape) -> Result<Self> {
        if s.height == 0 || s.width == 0 || s.in_channels == 0 || s.out_channels == 0 {
            return Err(Error::ZeroSize);
        }
        if s.kernel_height == 0 || s.kernel_width == 0 {
            return Err(Error::EmptyKernel);
        }
        if s.stride_y == 0 || s.stride_x == 0 {
            return Err(Error::InvalidStride);
        }
        let (out_h, pad_top) = axis(s.height, s.kernel_height, s.stride_y, s.padding)?;
        let (out_w, pad_left) = axis(s.width, s.kernel_width, s.stride_x, s.padding)?;
        let mul = |a: usize, b: usize| a.checked_mul(b).ok_or(Error::SizeOverflow);
        let input_len = mul(mul(s.height, s.width)?, s.in_channels)?;
        let output_len = mul(mul(out_h, out_w)?, s.out_channels)?;
        // Every scratch and weight size below is bounded by these products.
        let taps = mul(s.kernel_height, s.kernel_width)?;
        mul(taps, s.in_channels)?;
        mul(s.in_channels, s.out_channels)?;
        mul(out_w, s.in_channels)?;
        let g = Geometry {
            h: s.height,
            w: s.width,
            c: s.in_channels,
            c_out: s.out_channels,
            kh: s.kernel_height,
            kw: s.kernel_width,
            sy: s.stride_y,
            sx: s.stride_x,
            out_h,
            out_w,
            pad_top,
            pad_left,
            input_len,
            output_len,
        };
        g.scratch_f32()?;
        g.scratch_i8()?;
        Ok(g)
    }

    pub(crate) fn scratch_f32(&self) -> Result<usize> {
        (self.out_w * self.c).checked_add(self.c * self.c_out).ok_or(Error::SizeOverflow)
    }

    /// `⌈C_in / 2⌉`: channel pairs for `pmaddwd`.
    pub(crate) fn pairs(&self) -> usize {
        self.c.div_ceil(2)
    }

    pub(crate) fn scratch_i8(&self) -> Result<usize> {
        let params = self.c.checked_add(self.c_out).and_then(|v| v.checked_mul(2));
        let rows = self.c_out.checked_add(self.out_w).and_then(|v| v.checked_mul(self.pairs()));
        params.zip(rows).and_then(|(a, b)| a.checked_add(b)).ok_or(Error::SizeOverflow)
    }

    /// The depthwise taps `[lo, hi)` inside the image on one axis, for the
    /// output whose first tap is at input coordinate `start − pad`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn taps(start: usize, pad: usize, k: usize, n: usize) -> (usize, usize, usize) {
        // First input coordinate (may be negative): start − pad.
        let lo = pad.saturating_sub(start);
        let first = (start + lo) - pad; // ≥ 0
        let hi = k.min(n.saturating_sub(first) + lo);
        (lo, hi.max(lo), first)
    }
}

/// Everything the f32 engine reads. `pointwise` is transposed
/// (`[C_in][C_out]`), so output channels are contiguous.
pub(crate) struct F32Layer<'a> {
    pub g: &'a Geometry,
    pub depthwise: &'a [f32],
    pub depthwise_bias: &'a [f32],
    pub pointwise: &'a [f32],
    pub pointwise_bias: &'a [f32],
    /// Clamp bounds of the depthwise and the pointwise stage.
    pub clamps: ((f32, f32), (f32, f32)),
}

/// Everything the int8 inner loops read, laid out in the caller's scratch.
pub(crate) struct I8Row<'a> {
    pub g: &'a Geometry,
    pub input_zero: i32,
    pub dw: &'a [i8],
    pub dw_bias: &'a [i32],
    /// Q31 multipliers and shifts of the depthwise channels.
    pub dw_mult: &'a [i32],
    pub dw_shift: &'a [i32],
    pub mid_zero: i32,
    pub dw_bounds: (i32, i32),
    /// `[⌈C_in/2⌉][C_out]` pairs `(w[o][2k], w[o][2k+1])` as little-endian i16s.
    pub pw_pairs: &'a [i32],
    pub pw_bias: &'a [i32],
    pub pw_mult: &'a [i32],
    pub pw_shift: &'a [i32],
    pub out_zero: i32,
    pub pw_bounds: (i32, i32),
}
