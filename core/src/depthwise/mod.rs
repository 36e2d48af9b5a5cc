//! Depthwise-separable convolution layers (MobileNet, Xception) for
//! inference: a `K_h × K_w` depthwise filter per channel, then a 1×1
//! pointwise convolution mixing `C_in` channels into `C_out`, in `f32` and in
//! int8 with TensorFlow Lite's quantisation — with no allocator.
//!
//! ## Semantics (TensorFlow Lite's `DEPTHWISE_CONV_2D` then `CONV_2D` 1×1)
//!
//! Tensors are HWC (NHWC with N = 1), contiguous, channel fastest. Depth
//! multiplier 1, no dilation. For output pixel `(oy, ox)`:
//!
//! ```text
//! mid[oy][ox][c] = act_dw( dw_bias[c] + Σ_{ky,kx} dw[ky][kx][c] · in[oy·s_y − pad_top + ky][ox·s_x − pad_left + kx][c] )
//! out[oy][ox][o] = act( pw_bias[o] + Σ_c pw[o][c] · mid[oy][ox][c] )
//! ```
//!
//! Taps outside the image contribute nothing (zero padding; for int8 the
//! input zero point, i.e. zero after centring). Weight layouts are TFLite's:
//! `dw` is `[K_h][K_w][C_in]` (its `[1, K_h, K_w, C_in]`), `pw` is
//! `[C_out][C_in]` (its `[C_out, 1, 1, C_in]`). Correlation (no kernel
//! flip), as every deep-learning framework.
//!
//! Output size and padding, per axis, as TFLite's `ComputeOutSize` and
//! `ComputePaddingWithOffset` (input `n`, kernel `k`, stride `s`):
//!
//! | padding | output `m` | `pad_before` |
//! |---|---|---|
//! | [`Padding::Same`] | `⌈n / s⌉` | `max(0, (m − 1)·s + k − n) / 2` (the odd pixel goes after) |
//! | [`Padding::Valid`] | `⌊(n − k) / s⌋ + 1` (needs `n ≥ k`) | 0 |
//!
//! Activations ([`Activation`]) clamp: none, `max(0, ·)`, `min(max(0, ·), 6)`.
//!
//! ## int8 (TFLite / CMSIS-NN)
//!
//! Real value `= scale · (q − zero_point)`. Input and outputs are int8 with a
//! scale and a zero point in `−128..=127`; weights are int8, symmetric
//! (zero point 0), with one scale per output channel (or one per tensor);
//! biases are int32 in units of `input_scale · weight_scale`. The depthwise
//! result is requantised to int8 with its own scale and zero point before
//! the pointwise convolution, as the two TFLite operators do:
//!
//! ```text
//! acc  = bias[c] + Σ w · (q_in − zp_in)                       (int32, exact)
//! q    = clamp(multiply_by_quantized_multiplier(acc, M_c, s_c) + zp_out, lo, hi)
//! ```
//!
//! with `(M_c, s_c) = quantize_multiplier(in_scale · w_scale[c] / out_scale)`
//! (computed in f64) and `[lo, hi]` the activation's quantised bounds
//! ([`quant::activation_bounds`]); see [`quant`] for the gemmlowp rounding.
//! Accumulators are proven not to overflow when the layer is built
//! (`|bias| + taps · 255 · 128 ≤ 2^31 − 1`, else [`Error::AccumulatorOverflow`]),
//! so int32 arithmetic is exact and every backend gives the same bits as
//! [`reference::separable_i8`].
//!
//! ## f32 error bound
//!
//! Computed in f32 (FMA where the backend has it), the depthwise result in
//! f32 before the pointwise. With `u = 2^-24` and `γ_n = n·u / (1 − n·u)`,
//! against the exact (f64) result, per channel `c` of the depthwise stage
//! (`T = K_h·K_w` taps):
//!
//! ```text
//! e_c   = γ_{2T+2} · (|dw_bias[c]| + Σ |dw|·|in|)
//! |Δout[o]| ≤ Σ_c |pw[o][c]|·e_c + γ_{2C_in+2} · (|pw_bias[o]| + Σ_c |pw[o][c]|·(|mid[c]| + e_c))
//! ```
//!
//! (each multiply-add rounds at most twice, the clamps are 1-Lipschitz).
//! [`reference::separable_f32`] returns the exact value and this bound for
//! every output; the tests hold every backend to it.
//!
//! ## Scratch and speed
//!
//! Output rows are made one at a time: a row of depthwise results
//! (`W_out × C_in`) stays in L1/L2 and feeds the pointwise stage, which is a
//! small matrix product vectorised over output channels (4 pixels × 2
//! vectors of accumulators). Scratch ([`SeparableF32::scratch_len`] `f32`s,
//! [`SeparableI8::scratch_len`] `i32`s) holds that row, the pointwise weights
//! repacked (transposed; int8: as i16 pairs for `pmaddwd`) and, for int8,
//! the per-channel multipliers and shifts:
//!
//! * f32: `W_out·C_in + C_in·C_out`;
//! * int8: `2·C_in + 2·C_out + ⌈C_in/2⌉·(C_out + W_out)`.
//!
//! Backends: f32 runs the same generic code on every [`Backend`] (scalar,
//! `wide`, AVX2+FMA, AVX-512). int8 runs scalar code on
//! [`Backend::Scalar`] and [`Backend::Portable`], and integer vector code
//! (`vpmovsx`/`vpmulld` depthwise, `vpmaddwd` pointwise, vector
//! requantisation) written once for 8 lanes (AVX2) and 16 (AVX-512F/BW);
//! all bit-identical.
//!
//! ## Example
//!
//! ```
//! use sepconv_core::depthwise::{Activation, F32Weights, LayerShape, Padding, SeparableF32};
//! use sepconv_core::Backend;
//!
//! // 4×4×2 input, 3×3 depthwise (stride 1, same), 2 → 3 pointwise.
//! let shape = LayerShape::new(4, 4, 2, 3, 3, 1, Padding::Same);
//! let dw = [1.0f32; 3 * 3 * 2];
//! let pw = [1.0f32, 0.0, 0.0, 1.0, 0.5, 0.5];
//! let layer = SeparableF32::new(shape, F32Weights {
//!     depthwise: &dw, depthwise_bias: &[0.0; 2], depthwise_activation: Activation::None,
//!     pointwise: &pw, pointwise_bias: &[0.0; 3], activation: Activation::Relu6,
//! })?;
//! let input = [0.5f32; 4 * 4 * 2];
//! let mut output = [0.0f32; 4 * 4 * 3];
//! let mut scratch = [0.0f32; 64];
//! assert!(layer.scratch_len() <= scratch.len());
//! layer.run(Backend::compiled(), &input, &mut output, &mut scratch)?;
//! assert_eq!(output[0], 2.0); // corner: 4 taps of 0.5
//! assert_eq!(output[5 * 3], 4.5); // interior: 9 taps of 0.5
//! # Ok::<(), sepconv_core::Error>(())
//! ```

mod engine;
pub mod quant;
pub mod reference;
#[cfg(target_arch = "x86_64")]
mod x86_64;

use crate::backend::Backend;
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

/// A clamp applied to a stage's output (TFLite's fused activations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// No clamp (int8: the full `−128..=127`).
    #[default]
    None,
    /// `max(0, x)`.
    Relu,
    /// `min(max(0, x), 6)`.
    Relu6,
}

impl Activation {
    /// The clamp on a real value (NaN becomes 0 under ReLU/ReLU6, as in the engines).
    #[allow(clippy::manual_clamp)]
    pub fn apply_f64(self, x: f64) -> f64 {
        match self {
            Activation::None => x,
            Activation::Relu => x.max(0.0),
            Activation::Relu6 => x.max(0.0).min(6.0),
        }
    }

    /// `(lo, hi)` in f32: `x.max(lo).min(hi)` is the clamp.
    fn bounds_f32(self) -> (f32, f32) {
        match self {
            Activation::None => (f32::NEG_INFINITY, f32::INFINITY),
            Activation::Relu => (0.0, f32::INFINITY),
            Activation::Relu6 => (0.0, 6.0),
        }
    }
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
    fn new(s: &LayerShape) -> Result<Self> {
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

    fn scratch_f32(&self) -> Result<usize> {
        (self.out_w * self.c).checked_add(self.c * self.c_out).ok_or(Error::SizeOverflow)
    }

    /// `⌈C_in / 2⌉`: channel pairs for `pmaddwd`.
    pub(crate) fn pairs(&self) -> usize {
        self.c.div_ceil(2)
    }

    fn scratch_i8(&self) -> Result<usize> {
        let params = self.c.checked_add(self.c_out).and_then(|v| v.checked_mul(2));
        let rows = self.c_out.checked_add(self.out_w).and_then(|v| v.checked_mul(self.pairs()));
        params.zip(rows).and_then(|(a, b)| a.checked_add(b)).ok_or(Error::SizeOverflow)
    }

    /// The depthwise taps `[lo, hi)` inside the image on one axis, for the
    /// output whose first tap is at input coordinate `start − pad`.
    #[inline(always)]
    pub(crate) fn taps(start: usize, pad: usize, k: usize, n: usize) -> (usize, usize, usize) {
        // First input coordinate (may be negative): start − pad.
        let lo = pad.saturating_sub(start);
        let first = (start + lo) - pad; // ≥ 0
        let hi = k.min(n.saturating_sub(first) + lo);
        (lo, hi.max(lo), first)
    }
}

fn check_len(expected: usize, actual: usize) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::LengthMismatch { expected, actual })
    }
}

fn check_buffers(g: &Geometry, input: usize, output: usize, scratch: usize, scratch_needed: usize) -> Result<()> {
    if input < g.input_len {
        return Err(Error::BufferTooShort { needed: g.input_len, actual: input });
    }
    if output < g.output_len {
        return Err(Error::BufferTooShort { needed: g.output_len, actual: output });
    }
    if scratch < scratch_needed {
        return Err(Error::ScratchTooSmall { needed: scratch_needed, actual: scratch });
    }
    Ok(())
}

/// The weights of an f32 layer, borrowed (they may live in flash).
#[derive(Debug, Clone, Copy)]
pub struct F32Weights<'w> {
    /// Depthwise taps, `[K_h][K_w][C_in]`.
    pub depthwise: &'w [f32],
    /// Depthwise bias, `[C_in]`.
    pub depthwise_bias: &'w [f32],
    /// Clamp after the depthwise stage.
    pub depthwise_activation: Activation,
    /// Pointwise weights, `[C_out][C_in]`.
    pub pointwise: &'w [f32],
    /// Pointwise bias, `[C_out]`.
    pub pointwise_bias: &'w [f32],
    /// Clamp after the pointwise stage.
    pub activation: Activation,
}

/// A validated f32 depthwise-separable layer.
#[derive(Debug, Clone, Copy)]
pub struct SeparableF32<'w> {
    shape: LayerShape,
    pub(crate) geometry: Geometry,
    pub(crate) weights: F32Weights<'w>,
}

impl<'w> SeparableF32<'w> {
    /// Checks the shape and the weights: sizes, lengths of every slice,
    /// finite weights and biases.
    pub fn new(shape: LayerShape, weights: F32Weights<'w>) -> Result<Self> {
        let g = Geometry::new(&shape)?;
        check_len(g.kh * g.kw * g.c, weights.depthwise.len())?;
        check_len(g.c, weights.depthwise_bias.len())?;
        check_len(g.c * g.c_out, weights.pointwise.len())?;
        check_len(g.c_out, weights.pointwise_bias.len())?;
        let all = [weights.depthwise, weights.depthwise_bias, weights.pointwise, weights.pointwise_bias];
        if all.iter().any(|s| s.iter().any(|v| !v.is_finite())) {
            return Err(Error::NonFiniteWeight);
        }
        Ok(SeparableF32 { shape, geometry: g, weights })
    }

    /// The layer's shape.
    pub fn shape(&self) -> LayerShape {
        self.shape
    }

    /// The weights.
    pub fn weights(&self) -> &F32Weights<'w> {
        &self.weights
    }

    /// `(height, width)` of the output.
    pub fn output_size(&self) -> (usize, usize) {
        (self.geometry.out_h, self.geometry.out_w)
    }

    /// `f32`s of scratch [`run`](Self::run) needs: `W_out·C_in + C_in·C_out`.
    pub fn scratch_len(&self) -> usize {
        self.geometry.c * (self.geometry.out_w + self.geometry.c_out)
    }

    /// Runs the layer: `input` is `H × W × C_in`, `output` `H_out × W_out × C_out`
    /// (HWC; longer buffers are fine, only the first elements are used).
    pub fn run(&self, backend: Backend, input: &[f32], output: &mut [f32], scratch: &mut [f32]) -> Result<()> {
        let g = &self.geometry;
        check_buffers(g, input.len(), output.len(), scratch.len(), self.scratch_len())?;
        let (input, output) = (&input[..g.input_len], &mut output[..g.output_len]);
        let w = &self.weights;
        let acts = (w.depthwise_activation.bounds_f32(), w.activation.bounds_f32());
        match backend {
            Backend::Scalar => engine::run_f32::<f32>(g, w, acts, input, output, scratch),
            Backend::Portable => engine::run_f32::<wide::f32x8>(g, w, acts, input, output, scratch),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(_) => {
                // SAFETY: the token proves the CPU has AVX2 and FMA.
                unsafe { x86_64::f32_avx2(g, w, acts, input, output, scratch) }
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(_) => {
                // SAFETY: the token proves the CPU has AVX-512F/BW, AVX2 and FMA.
                unsafe { x86_64::f32_avx512(g, w, acts, input, output, scratch) }
            }
        }
        Ok(())
    }
}

/// An int8 tensor's quantisation: `real = scale · (q − zero_point)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantization {
    /// Finite and positive.
    pub scale: f32,
    /// In `−128..=127`.
    pub zero_point: i32,
}

impl Quantization {
    /// `scale` and `zero_point`.
    pub const fn new(scale: f32, zero_point: i32) -> Self {
        Quantization { scale, zero_point }
    }

    fn check(&self) -> Result<()> {
        check_scale(self.scale)?;
        if !(-128..=127).contains(&self.zero_point) {
            return Err(Error::InvalidZeroPoint);
        }
        Ok(())
    }
}

fn check_scale(s: f32) -> Result<()> {
    if s.is_finite() && s > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidScale)
    }
}

/// The weights and quantisation of an int8 layer (TFLite conventions),
/// borrowed.
#[derive(Debug, Clone, Copy)]
pub struct I8Weights<'w> {
    /// The input tensor's quantisation.
    pub input: Quantization,
    /// Depthwise taps, `[K_h][K_w][C_in]`, symmetric (zero point 0).
    pub depthwise: &'w [i8],
    /// Depthwise weight scales: `C_in` (per channel) or 1 (per tensor).
    pub depthwise_scales: &'w [f32],
    /// Depthwise bias, `[C_in]`, in units of `input.scale · depthwise_scales[c]`.
    pub depthwise_bias: &'w [i32],
    /// The depthwise output's (int8) quantisation.
    pub depthwise_output: Quantization,
    /// Clamp after the depthwise stage (as quantised bounds).
    pub depthwise_activation: Activation,
    /// Pointwise weights, `[C_out][C_in]`, symmetric.
    pub pointwise: &'w [i8],
    /// Pointwise weight scales: `C_out` (per channel) or 1 (per tensor).
    pub pointwise_scales: &'w [f32],
    /// Pointwise bias, `[C_out]`, in units of `depthwise_output.scale · pointwise_scales[o]`.
    pub pointwise_bias: &'w [i32],
    /// The output's quantisation.
    pub output: Quantization,
    /// Clamp after the pointwise stage (as quantised bounds).
    pub activation: Activation,
}

/// A validated int8 depthwise-separable layer.
#[derive(Debug, Clone, Copy)]
pub struct SeparableI8<'w> {
    shape: LayerShape,
    pub(crate) geometry: Geometry,
    pub(crate) weights: I8Weights<'w>,
    /// Quantised clamp bounds of the depthwise and pointwise stages.
    pub(crate) bounds: [(i32, i32); 2],
}

/// Channel `i`'s scale: per-tensor (one scale) or per-channel, if `i < n`.
fn per_channel(scales: &[f32], i: usize, n: usize) -> Option<f32> {
    if i >= n {
        return None;
    }
    scales.get(if scales.len() == 1 { 0 } else { i }).copied()
}

/// Largest `|x − zero_point| · |w|` of one int8 product.
const MAX_PRODUCT: i64 = 255 * 128;

fn check_accumulators(bias: &[i32], terms: usize) -> Result<()> {
    let max_bias = bias.iter().map(|b| (*b as i64).abs()).max().unwrap_or(0);
    let worst = (terms as i64).checked_mul(MAX_PRODUCT).and_then(|p| p.checked_add(max_bias));
    match worst {
        Some(v) if v <= i32::MAX as i64 => Ok(()),
        _ => Err(Error::AccumulatorOverflow),
    }
}

impl<'w> SeparableI8<'w> {
    /// Checks the shape, the length of every slice, every scale (finite and
    /// positive), every zero point (`−128..=127`), and that no int32
    /// accumulator can overflow.
    pub fn new(shape: LayerShape, weights: I8Weights<'w>) -> Result<Self> {
        let g = Geometry::new(&shape)?;
        let w = &weights;
        check_len(g.kh * g.kw * g.c, w.depthwise.len())?;
        check_len(g.c, w.depthwise_bias.len())?;
        if w.depthwise_scales.len() != 1 {
            check_len(g.c, w.depthwise_scales.len())?;
        }
        check_len(g.c * g.c_out, w.pointwise.len())?;
        check_len(g.c_out, w.pointwise_bias.len())?;
        if w.pointwise_scales.len() != 1 {
            check_len(g.c_out, w.pointwise_scales.len())?;
        }
        for q in [w.input, w.depthwise_output, w.output] {
            q.check()?;
        }
        for &s in w.depthwise_scales.iter().chain(w.pointwise_scales) {
            check_scale(s)?;
        }
        check_accumulators(w.depthwise_bias, g.kh * g.kw)?;
        check_accumulators(w.pointwise_bias, g.c)?;
        let bounds = [
            quant::activation_bounds(w.depthwise_activation, w.depthwise_output.scale, w.depthwise_output.zero_point),
            quant::activation_bounds(w.activation, w.output.scale, w.output.zero_point),
        ];
        Ok(SeparableI8 { shape, geometry: g, weights, bounds })
    }

    /// The layer's shape.
    pub fn shape(&self) -> LayerShape {
        self.shape
    }

    /// The weights and quantisation.
    pub fn weights(&self) -> &I8Weights<'w> {
        &self.weights
    }

    /// `(height, width)` of the output.
    pub fn output_size(&self) -> (usize, usize) {
        (self.geometry.out_h, self.geometry.out_w)
    }

    /// The quantised clamp bounds `(lo, hi)` of the depthwise and the pointwise stage.
    pub fn activation_bounds(&self) -> [(i32, i32); 2] {
        self.bounds
    }

    /// The Q31 multiplier and shift of depthwise channel `c`
    /// (`input.scale · depthwise_scales[c] / depthwise_output.scale`), if `c < C_in`.
    pub fn depthwise_multiplier(&self, c: usize) -> Option<(i32, i32)> {
        let w = &self.weights;
        let ws = per_channel(w.depthwise_scales, c, self.geometry.c)?;
        Some(quant::quantize_multiplier(w.input.scale as f64 * ws as f64 / w.depthwise_output.scale as f64))
    }

    /// The Q31 multiplier and shift of pointwise output channel `o`
    /// (`depthwise_output.scale · pointwise_scales[o] / output.scale`), if `o < C_out`.
    pub fn pointwise_multiplier(&self, o: usize) -> Option<(i32, i32)> {
        let w = &self.weights;
        let ws = per_channel(w.pointwise_scales, o, self.geometry.c_out)?;
        Some(quant::quantize_multiplier(w.depthwise_output.scale as f64 * ws as f64 / w.output.scale as f64))
    }

    /// `i32`s of scratch [`run`](Self::run) needs:
    /// `2·C_in + 2·C_out + ⌈C_in/2⌉·(C_out + W_out)`.
    pub fn scratch_len(&self) -> usize {
        let g = &self.geometry;
        2 * (g.c + g.c_out) + g.pairs() * (g.c_out + g.out_w)
    }

    /// Runs the layer: `input` is `H × W × C_in`, `output` `H_out × W_out × C_out`
    /// (HWC; longer buffers are fine, only the first elements are used).
    pub fn run(&self, backend: Backend, input: &[i8], output: &mut [i8], scratch: &mut [i32]) -> Result<()> {
        let g = &self.geometry;
        check_buffers(g, input.len(), output.len(), scratch.len(), self.scratch_len())?;
        let (input, output) = (&input[..g.input_len], &mut output[..g.output_len]);
        let scratch = &mut scratch[..self.scratch_len()];
        match backend {
            Backend::Scalar | Backend::Portable => engine::run_i8(&engine::ScalarI8, self, input, output, scratch),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(_) => {
                // SAFETY: the token proves the CPU has AVX2.
                unsafe { x86_64::i8_avx2(self, input, output, scratch) }
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(_) => {
                // SAFETY: the token proves the CPU has AVX-512F/BW and AVX2.
                unsafe { x86_64::i8_avx512(self, input, output, scratch) }
            }
        }
        Ok(())
    }
}
