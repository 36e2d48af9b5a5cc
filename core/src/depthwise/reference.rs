//! Straightforward references for the depthwise-separable layers: the
//! oracle of the tests, a different algorithm from the engines.
//!
//! Every output is computed on its own, straight from the formulas of the
//! module docs: output size and padding recomputed here from TFLite's
//! definitions, every tap bounds-checked (taps outside the image skipped),
//! the depthwise value recomputed for each output channel, f64 (f32) or i64
//! (int8) accumulation. Slow — `O(C_out)` times the layer's work — and
//! obviously correct.

use super::quant::{activation_bounds, multiply_by_quantized_multiplier, quantize_multiplier};
use super::{LayerShape, Padding, SeparableF32, SeparableI8};
use crate::error::{Error, Result};

/// `(out, pad_before)` on one axis, from TFLite's `ComputeOutSize` and
/// `ComputePaddingWithOffset` (dilation 1).
fn tflite_axis(n: usize, k: usize, s: usize, padding: Padding) -> (usize, isize) {
    let out = match padding {
        Padding::Same => n.div_ceil(s),
        // TFLite's `(n + s − k) / s`, which overflows for strides near
        // `usize::MAX`; the layer checked `n ≥ k`.
        Padding::Valid => (n - k) / s + 1,
    };
    let total = ((out as isize - 1) * s as isize + k as isize - n as isize).max(0);
    (out, total / 2)
}

/// The input coordinate of tap `k` of output `o` on one axis, if inside.
fn coordinate(o: usize, k: usize, stride: usize, pad: isize, n: usize) -> Option<usize> {
    let p = (o * stride) as isize - pad + k as isize;
    (0..n as isize).contains(&p).then_some(p as usize)
}

/// Calls `f(tap_index, input_index)` for every tap of output pixel
/// `(oy, ox)` inside the image (indices of channel 0).
fn for_taps(s: &LayerShape, oy: usize, ox: usize, mut f: impl FnMut(usize, usize)) {
    let (_, pad_y) = tflite_axis(s.height, s.kernel_height, s.stride_y, s.padding);
    let (_, pad_x) = tflite_axis(s.width, s.kernel_width, s.stride_x, s.padding);
    for ky in 0..s.kernel_height {
        let Some(iy) = coordinate(oy, ky, s.stride_y, pad_y, s.height) else { continue };
        for kx in 0..s.kernel_width {
            let Some(ix) = coordinate(ox, kx, s.stride_x, pad_x, s.width) else { continue };
            f(ky * s.kernel_width + kx, (iy * s.width + ix) * s.in_channels);
        }
    }
}

fn output_dims(s: &LayerShape) -> (usize, usize) {
    let (out_h, _) = tflite_axis(s.height, s.kernel_height, s.stride_y, s.padding);
    let (out_w, _) = tflite_axis(s.width, s.kernel_width, s.stride_x, s.padding);
    (out_h, out_w)
}

/// The unit roundoff of f32.
const U: f64 = 1.0 / 16_777_216.0;

/// The spacing of f32's subnormals, `2^-149`: at least the absolute error of
/// one f32 multiply-add whose result underflows (`2^-150`), with room for
/// the relative errors of the operations after it.
const TINY: f64 = f32::from_bits(1) as f64;

/// `γ_n = n·u / (1 − n·u)` (Higham), for f32.
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * U;
    nu / (1.0 - nu)
}

/// The exact result of the f32 layer (accumulated in f64) and the error
/// bound of the module docs, for every output: `values[i]` and `bounds[i]`,
/// HWC. Both slices need `output_len` elements, `input` `input_len`.
pub fn separable_f32(layer: &SeparableF32<'_>, input: &[f32], values: &mut [f64], bounds: &mut [f64]) -> Result<()> {
    let s = layer.shape();
    let w = layer.weights();
    let (out_h, out_w) = output_dims(&s);
    let (c_in, c_out) = (s.in_channels, s.out_channels);
    let needed = out_h * out_w * c_out;
    if input.len() < s.height * s.width * c_in {
        return Err(Error::BufferTooShort { needed: s.height * s.width * c_in, actual: input.len() });
    }
    if values.len() < needed || bounds.len() < needed {
        return Err(Error::BufferTooShort { needed, actual: values.len().min(bounds.len()) });
    }
    let taps = s.kernel_height * s.kernel_width;
    let (gamma_dw, gamma_pw) = (gamma(2 * taps + 2), gamma(2 * c_in + 2));
    for oy in 0..out_h {
        for ox in 0..out_w {
            for o in 0..c_out {
                let mut sum = w.pointwise_bias[o] as f64;
                let mut propagated = 0.0; // Σ |pw|·e_c
                let mut magnitude = (w.pointwise_bias[o] as f64).abs(); // |b| + Σ |pw|·(|mid| + e_c)
                for c in 0..c_in {
                    let mut mid = w.depthwise_bias[c] as f64;
                    let mut abs = mid.abs();
                    for_taps(&s, oy, ox, |t, i| {
                        let p = w.depthwise[t * c_in + c] as f64 * input[i + c] as f64;
                        mid += p;
                        abs += p.abs();
                    });
                    let mid = w.depthwise_activation.apply_f64(mid);
                    let e = gamma_dw * abs + taps as f64 * TINY;
                    let pw = w.pointwise[o * c_in + c] as f64;
                    sum += pw * mid;
                    propagated += pw.abs() * e;
                    magnitude += pw.abs() * (mid.abs() + e);
                }
                let i = (oy * out_w + ox) * c_out + o;
                values[i] = w.activation.apply_f64(sum);
                // The f64 sums themselves: relative error far below 2^-40.
                bounds[i] = (propagated + gamma_pw * magnitude + c_in as f64 * TINY) * (1.0 + 1e-9);
            }
        }
    }
    Ok(())
}

/// The int8 layer, output by output, from TFLite's definitions: i64
/// accumulation, `QuantizeMultiplier` of the f64 effective scale,
/// `MultiplyByQuantizedMultiplier`, zero point, activation clamp, for the
/// depthwise stage and then the pointwise one. `output` needs `output_len`
/// elements, `input` `input_len`.
pub fn separable_i8(layer: &SeparableI8<'_>, input: &[i8], output: &mut [i8]) -> Result<()> {
    let s = layer.shape();
    let w = layer.weights();
    let (out_h, out_w) = output_dims(&s);
    let (c_in, c_out) = (s.in_channels, s.out_channels);
    if input.len() < s.height * s.width * c_in {
        return Err(Error::BufferTooShort { needed: s.height * s.width * c_in, actual: input.len() });
    }
    if output.len() < out_h * out_w * c_out {
        return Err(Error::BufferTooShort { needed: out_h * out_w * c_out, actual: output.len() });
    }
    let per = |scales: &[f32], i: usize| scales[if scales.len() == 1 { 0 } else { i }] as f64;
    let (mid_q, out_q) = (w.depthwise_output, w.output);
    let dw_range = activation_bounds(w.depthwise_activation, mid_q.scale, mid_q.zero_point);
    let pw_range = activation_bounds(w.activation, out_q.scale, out_q.zero_point);
    let requantize = |acc: i64, real_multiplier: f64, zero: i32, (lo, hi): (i32, i32)| -> Result<i32> {
        // The layer proved accumulators fit in i32 (never an error).
        let acc = i32::try_from(acc).map_err(|_| Error::AccumulatorOverflow)?;
        let (m, shift) = quantize_multiplier(real_multiplier);
        Ok(multiply_by_quantized_multiplier(acc, m, shift).wrapping_add(zero).max(lo).min(hi))
    };
    for oy in 0..out_h {
        for ox in 0..out_w {
            for o in 0..c_out {
                let mut acc = w.pointwise_bias[o] as i64;
                for c in 0..c_in {
                    let mut dw_acc = w.depthwise_bias[c] as i64;
                    for_taps(&s, oy, ox, |t, i| {
                        dw_acc += w.depthwise[t * c_in + c] as i64 * (input[i + c] as i64 - w.input.zero_point as i64);
                    });
                    let m = w.input.scale as f64 * per(w.depthwise_scales, c) / mid_q.scale as f64;
                    let mid = requantize(dw_acc, m, mid_q.zero_point, dw_range)?;
                    acc += w.pointwise[o * c_in + c] as i64 * (mid - mid_q.zero_point) as i64;
                }
                let m = mid_q.scale as f64 * per(w.pointwise_scales, o) / out_q.scale as f64;
                output[(oy * out_w + ox) * c_out + o] = requantize(acc, m, out_q.zero_point, pw_range)? as i8;
            }
        }
    }
    Ok(())
}
