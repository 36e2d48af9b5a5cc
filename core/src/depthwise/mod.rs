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
//! e_c   = γ_{2T+2} · (|dw_bias[c]| + Σ |dw|·|in|) + T · 2^-149
//! |Δout[o]| ≤ Σ_c |pw[o][c]|·e_c + γ_{2C_in+2} · (|pw_bias[o]| + Σ_c |pw[o][c]|·(|mid[c]| + e_c)) + C_in · 2^-149
//! ```
//!
//! (each multiply-add rounds at most twice, and one whose result underflows
//! also errs by up to `2^-150` absolute; the clamps are 1-Lipschitz). The
//! sums are unfolded, so every f32 input gives a finite output where these
//! magnitudes stay below `f32::MAX`.
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

mod f32;
mod geometry;
mod i8;
pub mod quant;
pub mod reference;

pub use geometry::{LayerShape, Padding};
pub use quant::Activation;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::simd::{Op, Simd};
use geometry::{F32Layer, Geometry, I8Row};

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
        let (mid, rest) = scratch.split_at_mut(g.out_w * g.c);
        let transposed = &mut rest[..g.c * g.c_out];
        for (o, row) in w.pointwise.chunks_exact(g.c).enumerate() {
            for (c, &v) in row.iter().enumerate() {
                transposed[c * g.c_out + o] = v;
            }
        }
        let layer = F32Layer {
            g,
            depthwise: w.depthwise,
            depthwise_bias: w.depthwise_bias,
            pointwise: transposed,
            pointwise_bias: w.pointwise_bias,
            clamps: (w.depthwise_activation.bounds_f32(), w.activation.bounds_f32()),
        };
        backend.run(RunF32 { layer: &layer, input, output, mid });
        Ok(())
    }
}

/// The f32 engine as an op.
struct RunF32<'a> {
    layer: &'a F32Layer<'a>,
    input: &'a [f32],
    output: &'a mut [f32],
    mid: &'a mut [f32],
}

impl Op for RunF32<'_> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        f32::run::<S::F32>(simd, self.layer, self.input, self.output, self.mid);
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
        let w = &self.weights;
        let pairs = g.pairs();
        let (dw_mult, rest) = scratch.split_at_mut(g.c);
        let (dw_shift, rest) = rest.split_at_mut(g.c);
        let (pw_mult, rest) = rest.split_at_mut(g.c_out);
        let (pw_shift, rest) = rest.split_at_mut(g.c_out);
        let (pw_pairs, mid) = rest.split_at_mut(pairs * g.c_out);
        // The layer checked the scale counts, so every channel has a multiplier.
        for ch in 0..g.c {
            (dw_mult[ch], dw_shift[ch]) = self.depthwise_multiplier(ch).unwrap_or_default();
        }
        for o in 0..g.c_out {
            (pw_mult[o], pw_shift[o]) = self.pointwise_multiplier(o).unwrap_or_default();
        }
        for (kp, dst) in pw_pairs.chunks_exact_mut(g.c_out).enumerate() {
            for (o, d) in dst.iter_mut().enumerate() {
                let row = &w.pointwise[o * g.c..(o + 1) * g.c];
                let hi = row.get(2 * kp + 1).map_or(0, |&v| v as i16);
                *d = crate::simd::pair(row[2 * kp] as i16, hi);
            }
        }
        let row = I8Row {
            g,
            input_zero: w.input.zero_point,
            dw: w.depthwise,
            dw_bias: w.depthwise_bias,
            dw_mult,
            dw_shift,
            mid_zero: w.depthwise_output.zero_point,
            dw_bounds: self.bounds[0],
            pw_pairs,
            pw_bias: w.pointwise_bias,
            pw_mult,
            pw_shift,
            out_zero: w.output.zero_point,
            pw_bounds: self.bounds[1],
        };
        backend.run(RunI8 { row: &row, input, output, mid });
        Ok(())
    }
}

/// The int8 engine as an op.
struct RunI8<'a> {
    row: &'a I8Row<'a>,
    input: &'a [i8],
    output: &'a mut [i8],
    mid: &'a mut [i32],
}

impl Op for RunI8<'_> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        i8::run::<S::I32>(simd, self.row, self.input, self.output, self.mid);
    }
}
