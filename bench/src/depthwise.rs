//! Depthwise-separable against full convolution on MobileNet layers
//! (issue 9): what the report's depthwise section and
//! `benches/depthwise.rs` share.
//!
//! * [`LAYERS`]: MobileNet v1's `112×112×32 → 64` (3×3, stride 1) and
//!   `56×56×128 → 128` (3×3, stride 2), `same` padding;
//! * [`Problem`]: deterministic weights and inputs for a layer, f32 and int8,
//!   and the *equivalent* full `3×3×C_in×C_out` f32 weights
//!   (`dw[ky][kx][c] · pw[o][c]`) for the check;
//! * the full convolution three ways: [`full_naive_f32`] / [`full_naive_i8`]
//!   (TFLite's reference loop order: per output, taps, channels; OHWI
//!   weights), [`full_im2col_f32`] / [`full_im2col_i8`] (one output row of
//!   patches at a time, then a register-blocked GEMM of 4 pixels × 16
//!   output channels written here, compiled for AVX2 when the CPU has it),
//!   and [`full_im2col_sepconv_f32`] / [`full_im2col_sepconv_i8`] (the whole
//!   patch matrix, then sepconv's own pointwise kernel as the GEMM: a layer
//!   with a 1×1 identity depthwise stage and `K·K·C_in → C_out` pointwise
//!   weights — the same GEMM quality as the separable layer's, so the
//!   fairest full-convolution baseline here);
//! * [`report`]: checks every answer once, then times each variant and
//!   prints parameter and multiply-add ratios beside the measured speedups.
//!
//! The int8 full convolution has its own random int8 weights and the same
//! TFLite requantisation (it is a cost baseline, not numerically the
//! separable layer); its two implementations agree bit for bit.

use std::time::Duration;

use sepconv::depthwise::{
    quant, Activation, F32Weights, I8Weights, LayerShape, Padding, Quantization, SeparableF32, SeparableI8,
};
use sepconv::Backend;

use crate::time_median;

/// A named layer shape.
#[derive(Debug, Clone, Copy)]
pub struct MobileNetLayer {
    /// Name used in the report and as the criterion group.
    pub name: &'static str,
    /// The shape.
    pub shape: LayerShape,
}

/// The two MobileNet v1 layers of issue 9.
pub const LAYERS: [MobileNetLayer; 2] = [
    MobileNetLayer { name: "dw-112x112x32-64-s1", shape: LayerShape::new(112, 112, 32, 64, 3, 1, Padding::Same) },
    MobileNetLayer { name: "dw-56x56x128-128-s2", shape: LayerShape::new(56, 56, 128, 128, 3, 2, Padding::Same) },
];

/// Multiply-adds of the separable layer and of the full convolution.
pub fn multiply_adds(s: &LayerShape) -> (usize, usize) {
    let (h, w) = s.output_size().expect("valid layer");
    let taps = s.kernel_height * s.kernel_width;
    let px = h * w;
    (px * (taps * s.in_channels + s.in_channels * s.out_channels), px * taps * s.in_channels * s.out_channels)
}

/// xorshift64*: deterministic values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn f32(&mut self, r: f32) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * r
    }
    fn i8(&mut self) -> i8 {
        (self.next() >> 56) as u8 as i8
    }
}

/// Weights, inputs and the equivalent full-convolution weights of a layer.
pub struct Problem {
    /// The layer shape.
    pub shape: LayerShape,
    dw: Vec<f32>,
    dw_bias: Vec<f32>,
    pw: Vec<f32>,
    pw_bias: Vec<f32>,
    /// f32 input, HWC.
    pub input: Vec<f32>,
    /// Full-convolution weights `[o][ky][kx][c]` (OHWI) equivalent to the separable layer.
    full_ohwi: Vec<f32>,
    /// The same, `[ky][kx][c][o]` (HWIO: a `K·K·C_in × C_out` GEMM operand).
    full_hwio: Vec<f32>,
    full_bias: Vec<f32>,
    qdw: Vec<i8>,
    qdw_scales: Vec<f32>,
    qdw_bias: Vec<i32>,
    qpw: Vec<i8>,
    qpw_scales: Vec<f32>,
    qpw_bias: Vec<i32>,
    /// int8 input, HWC.
    pub qinput: Vec<i8>,
    /// int8 full-convolution weights, OHWI and HWIO (as i16).
    qfull_ohwi: Vec<i8>,
    qfull_hwio: Vec<i16>,
    qfull_bias: Vec<i32>,
    qfull_scales: Vec<f32>,
}

const IN_Q: Quantization = Quantization::new(0.02, -5);
const MID_Q: Quantization = Quantization::new(0.05, -128);
const OUT_Q: Quantization = Quantization::new(0.1, 3);

impl Problem {
    /// Deterministic weights and inputs for `shape`.
    pub fn new(shape: LayerShape) -> Problem {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (k, ci, co) = (shape.kernel_height * shape.kernel_width, shape.in_channels, shape.out_channels);
        let mut v = |n: usize, r: f32| (0..n).map(|_| rng.f32(r)).collect::<Vec<f32>>();
        let (dw, dw_bias, pw, pw_bias) = (v(k * ci, 0.5), v(ci, 0.1), v(ci * co, 0.2), v(co, 0.1));
        let input = v(shape.input_len().expect("valid layer"), 1.0);
        let mut full_ohwi = vec![0.0; co * k * ci];
        let mut full_hwio = vec![0.0; co * k * ci];
        for o in 0..co {
            for t in 0..k {
                for c in 0..ci {
                    let w = dw[t * ci + c] * pw[o * ci + c];
                    full_ohwi[(o * k + t) * ci + c] = w;
                    full_hwio[(t * ci + c) * co + o] = w;
                }
            }
        }
        let full_bias =
            (0..co).map(|o| pw_bias[o] + (0..ci).map(|c| pw[o * ci + c] * dw_bias[c]).sum::<f32>()).collect();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut q = |n: usize| (0..n).map(|_| rng.i8()).collect::<Vec<i8>>();
        let (qdw, qpw, qinput, qfull_ohwi) =
            (q(k * ci), q(ci * co), q(shape.input_len().expect("valid")), q(co * k * ci));
        let mut qfull_hwio = vec![0i16; co * k * ci];
        for o in 0..co {
            for t in 0..k * ci {
                qfull_hwio[t * co + o] = qfull_ohwi[o * k * ci + t] as i16;
            }
        }
        // Scales that keep typical accumulators inside the int8 range.
        let scale = |terms: usize, in_scale: f32, out_scale: f32| out_scale / in_scale / (60.0 * (terms as f32).sqrt());
        let qdw_scales = (0..ci).map(|c| scale(k, IN_Q.scale, MID_Q.scale) * (1.0 + (c % 3) as f32 * 0.1)).collect();
        let qpw_scales = (0..co).map(|o| scale(ci, MID_Q.scale, OUT_Q.scale) * (1.0 + (o % 5) as f32 * 0.1)).collect();
        let qfull_scales = (0..co).map(|_| scale(k * ci, IN_Q.scale, OUT_Q.scale)).collect();
        Problem {
            shape,
            dw,
            dw_bias,
            pw,
            pw_bias,
            input,
            full_ohwi,
            full_hwio,
            full_bias,
            qdw,
            qdw_scales,
            qdw_bias: (0..ci as i32).map(|c| c * 37 - 500).collect(),
            qpw,
            qpw_scales,
            qpw_bias: (0..co as i32).map(|o| o * 53 - 1500).collect(),
            qinput,
            qfull_ohwi,
            qfull_hwio,
            qfull_bias: (0..co as i32).map(|o| o * 91 - 3000).collect(),
            qfull_scales,
        }
    }

    /// The f32 separable layer (no clamp after the depthwise stage, so it
    /// equals the full convolution; ReLU6 at the end).
    pub fn separable_f32(&self) -> SeparableF32<'_> {
        SeparableF32::new(
            self.shape,
            F32Weights {
                depthwise: &self.dw,
                depthwise_bias: &self.dw_bias,
                depthwise_activation: Activation::None,
                pointwise: &self.pw,
                pointwise_bias: &self.pw_bias,
                activation: Activation::Relu6,
            },
        )
        .expect("valid layer")
    }

    /// The int8 separable layer (ReLU6 after both stages, as MobileNet).
    pub fn separable_i8(&self) -> SeparableI8<'_> {
        SeparableI8::new(
            self.shape,
            I8Weights {
                input: IN_Q,
                depthwise: &self.qdw,
                depthwise_scales: &self.qdw_scales,
                depthwise_bias: &self.qdw_bias,
                depthwise_output: MID_Q,
                depthwise_activation: Activation::Relu6,
                pointwise: &self.qpw,
                pointwise_scales: &self.qpw_scales,
                pointwise_bias: &self.qpw_bias,
                output: OUT_Q,
                activation: Activation::Relu6,
            },
        )
        .expect("valid layer")
    }

    /// Output elements.
    pub fn output_len(&self) -> usize {
        self.shape.output_len().expect("valid layer")
    }
}

/// Output size, leading padding (TFLite `same`/`valid`).
fn geometry(s: &LayerShape) -> (usize, usize, usize, usize) {
    let (oh, ow) = s.output_size().expect("valid layer");
    let pad = |n: usize, k: usize, st: usize, o: usize| ((o - 1) * st + k).saturating_sub(n) / 2;
    (oh, ow, pad(s.height, s.kernel_height, s.stride_y, oh), pad(s.width, s.kernel_width, s.stride_x, ow))
}

/// The input coordinate of tap `k` of output `o`, if inside `0..n`.
#[inline(always)]
fn coord(o: usize, k: usize, stride: usize, pad: usize, n: usize) -> Option<usize> {
    (o * stride + k).checked_sub(pad).filter(|&v| v < n)
}

/// Full convolution, naive (TFLite's reference loop order), f32, ReLU6.
pub fn full_naive_f32(p: &Problem, out: &mut [f32]) {
    let s = &p.shape;
    let (oh, ow, pt, pl) = geometry(s);
    let (kh, kw, ci, co) = (s.kernel_height, s.kernel_width, s.in_channels, s.out_channels);
    for oy in 0..oh {
        for ox in 0..ow {
            for o in 0..co {
                let mut acc = p.full_bias[o];
                for ky in 0..kh {
                    let Some(iy) = coord(oy, ky, s.stride_y, pt, s.height) else { continue };
                    for kx in 0..kw {
                        let Some(ix) = coord(ox, kx, s.stride_x, pl, s.width) else { continue };
                        let x = &p.input[(iy * s.width + ix) * ci..][..ci];
                        let w = &p.full_ohwi[((o * kh + ky) * kw + kx) * ci..][..ci];
                        for c in 0..ci {
                            acc += x[c] * w[c];
                        }
                    }
                }
                out[(oy * ow + ox) * co + o] = acc.clamp(0.0, 6.0);
            }
        }
    }
}

/// Full convolution, naive, int8 (TFLite's reference int8 conv), ReLU6.
pub fn full_naive_i8(p: &Problem, out: &mut [i8]) {
    let s = &p.shape;
    let (oh, ow, pt, pl) = geometry(s);
    let (kh, kw, ci, co) = (s.kernel_height, s.kernel_width, s.in_channels, s.out_channels);
    let (mults, bounds) = full_i8_params(p);
    for oy in 0..oh {
        for ox in 0..ow {
            for o in 0..co {
                let mut acc = p.qfull_bias[o];
                for ky in 0..kh {
                    let Some(iy) = coord(oy, ky, s.stride_y, pt, s.height) else { continue };
                    for kx in 0..kw {
                        let Some(ix) = coord(ox, kx, s.stride_x, pl, s.width) else { continue };
                        let x = &p.qinput[(iy * s.width + ix) * ci..][..ci];
                        let w = &p.qfull_ohwi[((o * kh + ky) * kw + kx) * ci..][..ci];
                        for c in 0..ci {
                            acc += (x[c] as i32 - IN_Q.zero_point) * w[c] as i32;
                        }
                    }
                }
                out[(oy * ow + ox) * co + o] = requantize(acc, mults[o], bounds);
            }
        }
    }
}

fn full_i8_params(p: &Problem) -> (Vec<(i32, i32)>, (i32, i32)) {
    let mults =
        p.qfull_scales.iter().map(|&w| quant::quantize_multiplier(IN_Q.scale as f64 * w as f64 / OUT_Q.scale as f64));
    (mults.collect(), quant::activation_bounds(Activation::Relu6, OUT_Q.scale, OUT_Q.zero_point))
}

#[inline(always)]
fn requantize(acc: i32, (m, shift): (i32, i32), (lo, hi): (i32, i32)) -> i8 {
    (quant::multiply_by_quantized_multiplier(acc, m, shift).wrapping_add(OUT_Q.zero_point)).clamp(lo, hi) as i8
}

/// Output channels per GEMM block and pixels per block.
const NB: usize = 16;
const PB: usize = 4;

/// One output row of im2col patches: `patches[ox][(ky·K_w + kx)·C_in + c]`,
/// `pad` where the tap is outside the image.
#[inline(always)]
fn im2col_row<T: Copy>(s: &LayerShape, input: &[T], oy: usize, pad: T, patches: &mut [T]) {
    let (_, ow, pt, pl) = geometry(s);
    let ci = s.in_channels;
    let row = s.kernel_height * s.kernel_width * ci;
    for ox in 0..ow {
        for ky in 0..s.kernel_height {
            for kx in 0..s.kernel_width {
                let dst = &mut patches[ox * row + (ky * s.kernel_width + kx) * ci..][..ci];
                match (coord(oy, ky, s.stride_y, pt, s.height), coord(ox, kx, s.stride_x, pl, s.width)) {
                    (Some(iy), Some(ix)) => dst.copy_from_slice(&input[(iy * s.width + ix) * ci..][..ci]),
                    _ => dst.fill(pad),
                }
            }
        }
    }
}

/// `acc[p][j] += a[p][k] · w[k][o + j]` over `k`, 4 pixels × 16 channels in
/// registers (always 4 pixels: the patch rows are padded to a multiple of 4).
#[inline(always)]
fn gemm_block<A, W, C>(a: &[A], lda: usize, w: &[W], ldw: usize, o: usize, acc: &mut [[C; NB]; PB])
where
    A: Copy + Into<C>,
    W: Copy + Into<C>,
    C: Copy + core::ops::Mul<Output = C> + core::ops::Add<Output = C>,
{
    let a = &a[..PB * lda];
    for k in 0..lda {
        let wk: &[W; NB] = w[k * ldw + o..][..NB].try_into().expect("NB weights");
        for p in 0..PB {
            let x: C = a[p * lda + k].into();
            for j in 0..NB {
                acc[p][j] = acc[p][j] + x * wk[j].into();
            }
        }
    }
}

#[inline(always)]
fn im2col_f32(p: &Problem, out: &mut [f32], patches: &mut [f32]) {
    let s = &p.shape;
    let (oh, ow, _, _) = geometry(s);
    let (co, lda) = (s.out_channels, s.kernel_height * s.kernel_width * s.in_channels);
    for oy in 0..oh {
        im2col_row(s, &p.input, oy, 0.0, patches);
        for px in (0..ow).step_by(PB) {
            let n = (ow - px).min(PB);
            for o in (0..co).step_by(NB) {
                let mut acc = [[0.0f32; NB]; PB];
                for row in acc.iter_mut() {
                    row.copy_from_slice(&p.full_bias[o..o + NB]);
                }
                gemm_block(&patches[px * lda..], lda, &p.full_hwio, co, o, &mut acc);
                for (q, row) in acc.iter().enumerate().take(n) {
                    for (j, v) in row.iter().enumerate() {
                        out[((oy * ow) + px + q) * co + o + j] = v.clamp(0.0, 6.0);
                    }
                }
            }
        }
    }
}

#[inline(always)]
fn im2col_i8(p: &Problem, out: &mut [i8], patches: &mut [i16], centred: &[i16]) {
    let s = &p.shape;
    let (oh, ow, _, _) = geometry(s);
    let (co, lda) = (s.out_channels, s.kernel_height * s.kernel_width * s.in_channels);
    let (mults, bounds) = full_i8_params(p);
    for oy in 0..oh {
        // Centred input (x − zp): padding is 0.
        im2col_row(s, centred, oy, 0i16, patches);
        for px in (0..ow).step_by(PB) {
            let n = (ow - px).min(PB);
            for o in (0..co).step_by(NB) {
                let mut acc = [[0i32; NB]; PB];
                for row in acc.iter_mut() {
                    row.copy_from_slice(&p.qfull_bias[o..o + NB]);
                }
                gemm_block(&patches[px * lda..], lda, &p.qfull_hwio, co, o, &mut acc);
                for (q, row) in acc.iter().enumerate().take(n) {
                    for (j, &v) in row.iter().enumerate() {
                        out[((oy * ow) + px + q) * co + o + j] = requantize(v, mults[o + j], bounds);
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn im2col_f32_avx2(p: &Problem, out: &mut [f32], patches: &mut [f32]) {
    im2col_f32(p, out, patches)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn im2col_i8_avx2(p: &Problem, out: &mut [i8], patches: &mut [i16], centred: &[i16]) {
    im2col_i8(p, out, patches, centred)
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Scratch of the im2col baselines: one row of patches (and the centred
/// int8 input); the whole patch matrix and the layer scratch for the
/// sepconv-GEMM variant.
pub struct Im2colScratch {
    patches_f32: Vec<f32>,
    patches_i16: Vec<i16>,
    centred: Vec<i16>,
    matrix_f32: Vec<f32>,
    matrix_i8: Vec<i8>,
    layer_f32: Vec<f32>,
    layer_i32: Vec<i32>,
    ones_f32: Vec<f32>,
    zeros_f32: Vec<f32>,
    ones_i8: Vec<i8>,
    zeros_i32: Vec<i32>,
}

impl Im2colScratch {
    /// Scratch for `p`.
    pub fn new(p: &Problem) -> Self {
        let s = &p.shape;
        let (_, ow, _, _) = geometry(s);
        let (oh, _, _, _) = geometry(s);
        let lda = s.kernel_height * s.kernel_width * s.in_channels;
        let row = ow.div_ceil(PB) * PB * lda;
        let mut scratch = Im2colScratch {
            patches_f32: vec![0.0; row],
            patches_i16: vec![0; row],
            centred: vec![0; p.qinput.len()],
            matrix_f32: vec![0.0; oh * ow * lda],
            matrix_i8: vec![0; oh * ow * lda],
            layer_f32: Vec::new(),
            layer_i32: Vec::new(),
            ones_f32: vec![1.0; lda],
            zeros_f32: vec![0.0; lda],
            ones_i8: vec![1; lda],
            zeros_i32: vec![0; lda],
        };
        let layer_f32 = im2col_layer_f32(p, &scratch).scratch_len();
        let layer_i32 = im2col_layer_i8(p, &scratch).scratch_len();
        (scratch.layer_f32, scratch.layer_i32) = (vec![0.0; layer_f32], vec![0; layer_i32]);
        scratch
    }
}

/// Full convolution, im2col + blocked GEMM, f32 (AVX2 when the CPU has it).
/// `C_out` must be a multiple of 16.
pub fn full_im2col_f32(p: &Problem, out: &mut [f32], scratch: &mut Im2colScratch) {
    assert!(p.shape.out_channels.is_multiple_of(NB));
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 and FMA were detected on this CPU just above.
        return unsafe { im2col_f32_avx2(p, out, &mut scratch.patches_f32) };
    }
    im2col_f32(p, out, &mut scratch.patches_f32)
}

/// Full convolution, im2col + blocked GEMM, int8 (i16 × i16 → i32; AVX2 when
/// the CPU has it). The centring `x − zp` is part of the timed work.
pub fn full_im2col_i8(p: &Problem, out: &mut [i8], scratch: &mut Im2colScratch) {
    assert!(p.shape.out_channels.is_multiple_of(NB));
    for (c, &x) in scratch.centred.iter_mut().zip(&p.qinput) {
        *c = x as i16 - IN_Q.zero_point as i16;
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 and FMA were detected on this CPU just above.
        return unsafe { im2col_i8_avx2(p, out, &mut scratch.patches_i16, &scratch.centred) };
    }
    im2col_i8(p, out, &mut scratch.patches_i16, &scratch.centred)
}

/// The full convolution as a layer over the patch matrix: an identity 1×1
/// depthwise stage, then `K·K·C_in → C_out` pointwise (OHWI weights), ReLU6.
fn im2col_layer_f32<'a>(p: &'a Problem, s: &'a Im2colScratch) -> SeparableF32<'a> {
    let (oh, ow, _, _) = geometry(&p.shape);
    let lda = s.ones_f32.len();
    SeparableF32::new(
        LayerShape::new(oh, ow, lda, p.shape.out_channels, 1, 1, Padding::Valid),
        F32Weights {
            depthwise: &s.ones_f32,
            depthwise_bias: &s.zeros_f32,
            depthwise_activation: Activation::None,
            pointwise: &p.full_ohwi,
            pointwise_bias: &p.full_bias,
            activation: Activation::Relu6,
        },
    )
    .expect("valid layer")
}

/// The int8 version: the depthwise stage's effective scale is exactly 1
/// (weights 1, scale 1, output quantised as the input), so it passes the
/// patches through unchanged and the pointwise stage is TFLite's int8 conv.
fn im2col_layer_i8<'a>(p: &'a Problem, s: &'a Im2colScratch) -> SeparableI8<'a> {
    let (oh, ow, _, _) = geometry(&p.shape);
    let lda = s.ones_i8.len();
    SeparableI8::new(
        LayerShape::new(oh, ow, lda, p.shape.out_channels, 1, 1, Padding::Valid),
        I8Weights {
            input: IN_Q,
            depthwise: &s.ones_i8,
            depthwise_scales: &[1.0],
            depthwise_bias: &s.zeros_i32,
            depthwise_output: IN_Q,
            depthwise_activation: Activation::None,
            pointwise: &p.qfull_ohwi,
            pointwise_scales: &p.qfull_scales,
            pointwise_bias: &p.qfull_bias,
            output: OUT_Q,
            activation: Activation::Relu6,
        },
    )
    .expect("valid layer")
}

/// Full convolution, im2col (whole matrix) + sepconv's pointwise kernel as the GEMM, f32.
pub fn full_im2col_sepconv_f32(p: &Problem, backend: Backend, out: &mut [f32], scratch: &mut Im2colScratch) {
    let (oh, ow, _, _) = geometry(&p.shape);
    let row = ow * scratch.ones_f32.len();
    let mut matrix = std::mem::take(&mut scratch.matrix_f32);
    for oy in 0..oh {
        im2col_row(&p.shape, &p.input, oy, 0.0, &mut matrix[oy * row..]);
    }
    let mut layer_scratch = std::mem::take(&mut scratch.layer_f32);
    im2col_layer_f32(p, scratch).run(backend, &matrix, out, &mut layer_scratch).expect("checked");
    (scratch.matrix_f32, scratch.layer_f32) = (matrix, layer_scratch);
}

/// Full convolution, im2col (whole matrix, padded with the input zero
/// point) + sepconv's int8 pointwise kernel as the GEMM.
pub fn full_im2col_sepconv_i8(p: &Problem, backend: Backend, out: &mut [i8], scratch: &mut Im2colScratch) {
    let (oh, ow, _, _) = geometry(&p.shape);
    let row = ow * scratch.ones_i8.len();
    let mut matrix = std::mem::take(&mut scratch.matrix_i8);
    for oy in 0..oh {
        im2col_row(&p.shape, &p.qinput, oy, IN_Q.zero_point as i8, &mut matrix[oy * row..]);
    }
    let mut layer_scratch = std::mem::take(&mut scratch.layer_i32);
    im2col_layer_i8(p, scratch).run(backend, &matrix, out, &mut layer_scratch).expect("checked");
    (scratch.matrix_i8, scratch.layer_i32) = (matrix, layer_scratch);
}

/// Checks, once: separable f32 on `backend` against the naive full
/// convolution (equivalent weights; within a bound relative to `Σ|w||x|`),
/// im2col f32 against naive f32, im2col int8 against naive int8 (bit for
/// bit), separable int8 on `backend` against the scalar backend (bit for bit).
pub fn verify(p: &Problem, backend: Backend) -> Result<(), String> {
    let n = p.output_len();
    let (mut naive, mut other) = (vec![0.0f32; n], vec![0.0f32; n]);
    full_naive_f32(p, &mut naive);
    let layer = p.separable_f32();
    let mut scratch = vec![0.0; layer.scratch_len()];
    layer.run(backend, &p.input, &mut other, &mut scratch).map_err(|e| e.to_string())?;
    // |x| ≤ 1, |w_full| ≤ 0.1, 9·C_in terms: f32 error ≪ 1e-3.
    let worst = naive.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    if worst > 1e-3 {
        return Err(format!("separable f32 ({}) differs from the full convolution by {worst}", backend.name()));
    }
    let mut scratch2 = Im2colScratch::new(p);
    full_im2col_f32(p, &mut other, &mut scratch2);
    let worst = naive.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    if worst > 1e-3 {
        return Err(format!("im2col f32 differs from naive by {worst}"));
    }
    full_im2col_sepconv_f32(p, backend, &mut other, &mut scratch2);
    let worst = naive.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    if worst > 1e-3 {
        return Err(format!("im2col + sepconv GEMM f32 differs from naive by {worst}"));
    }
    let (mut qa, mut qb) = (vec![0i8; n], vec![0i8; n]);
    full_naive_i8(p, &mut qa);
    full_im2col_i8(p, &mut qb, &mut scratch2);
    if qa != qb {
        return Err("im2col int8 differs from naive int8".into());
    }
    full_im2col_sepconv_i8(p, backend, &mut qb, &mut scratch2);
    if qa != qb {
        return Err("im2col + sepconv GEMM int8 differs from naive int8".into());
    }
    let q = p.separable_i8();
    let mut qs = vec![0i32; q.scratch_len()];
    q.run(backend, &p.qinput, &mut qa, &mut qs).map_err(|e| e.to_string())?;
    q.run(Backend::Scalar, &p.qinput, &mut qb, &mut qs).map_err(|e| e.to_string())?;
    if qa != qb {
        return Err(format!("separable int8 on {} differs from the scalar backend", backend.name()));
    }
    let distinct = qa.iter().collect::<std::collections::BTreeSet<_>>().len();
    if distinct < 8 {
        return Err(format!("separable int8 output is degenerate ({distinct} distinct values)"));
    }
    Ok(())
}

/// The report section: for each layer, the check, then medians of the
/// separable layer (best and scalar backends) and both full convolutions,
/// f32 and int8, with parameter and multiply-add ratios.
pub fn report(backend: Backend) -> Result<(), String> {
    println!("Depthwise-separable vs full convolution (MobileNet v1 layers, 3×3, same padding, one thread)");
    println!(
        "  separable = sepconv::depthwise ({} and scalar backends); full naive = TFLite reference loops; \
         full im2col+GEMM = one row of patches + 4×16 register-blocked GEMM ({}), written in the bench crate; \
         full im2col+sc = patch matrix + sepconv's pointwise kernel ({}) as the GEMM",
        backend.name(),
        if has_avx2() { "AVX2" } else { "baseline ISA" },
        backend.name()
    );
    let budget = Duration::from_millis(400);
    for layer in &LAYERS {
        let p = Problem::new(layer.shape);
        verify(&p, backend)?;
        let s = &layer.shape;
        let (oh, ow) = s.output_size().map_err(|e| e.to_string())?;
        let (sep_params, full_params) = s.parameter_counts().ok_or("parameter count overflows")?;
        let (sep_macs, full_macs) = multiply_adds(s);
        println!();
        println!(
            "  {}: {}×{}×{} → {}×{}×{}, stride {}",
            layer.name, s.height, s.width, s.in_channels, oh, ow, s.out_channels, s.stride_y
        );
        println!(
            "    parameters: separable {sep_params}, full {full_params} (full/separable {:.1}×); multiply-adds: separable {:.1} M, full {:.1} M ({:.1}×)",
            full_params as f64 / sep_params as f64,
            sep_macs as f64 / 1e6,
            full_macs as f64 / 1e6,
            full_macs as f64 / sep_macs as f64
        );
        println!(
            "    {:<6} {:<22} {:>10} {:>9} {:>12} {:>13}",
            "type", "variant", "median ms", "GMAC/s", "vs naive", "vs best full"
        );
        let n = p.output_len();
        let mut scratch2 = Im2colScratch::new(&p);
        // f32
        let (mut out, layer_f32) = (vec![0.0f32; n], p.separable_f32());
        let mut scratch = vec![0.0f32; layer_f32.scratch_len()];
        let naive = time_median(1, budget, || full_naive_f32(&p, &mut out)).median;
        let im2col = time_median(3, budget, || full_im2col_f32(&p, &mut out, &mut scratch2)).median;
        let fair = time_median(3, budget, || full_im2col_sepconv_f32(&p, backend, &mut out, &mut scratch2)).median;
        let mut rows = vec![
            ("full naive".to_string(), naive, full_macs),
            ("full im2col+GEMM".into(), im2col, full_macs),
            (format!("full im2col+sc {}", backend.name()), fair, full_macs),
        ];
        for b in [backend, Backend::Scalar] {
            let t = time_median(3, budget, || layer_f32.run(b, &p.input, &mut out, &mut scratch).expect("checked"));
            rows.push((format!("separable {}", b.name()), t.median, sep_macs));
        }
        print_rows("f32", &rows, naive, im2col.min(fair));
        // int8
        let (mut qout, layer_i8) = (vec![0i8; n], p.separable_i8());
        let mut qscratch = vec![0i32; layer_i8.scratch_len()];
        let naive = time_median(1, budget, || full_naive_i8(&p, &mut qout)).median;
        let im2col = time_median(3, budget, || full_im2col_i8(&p, &mut qout, &mut scratch2)).median;
        let fair = time_median(3, budget, || full_im2col_sepconv_i8(&p, backend, &mut qout, &mut scratch2)).median;
        let mut rows = vec![
            ("full naive".to_string(), naive, full_macs),
            ("full im2col+GEMM".into(), im2col, full_macs),
            (format!("full im2col+sc {}", backend.name()), fair, full_macs),
        ];
        for b in [backend, Backend::Scalar] {
            let t = time_median(3, budget, || layer_i8.run(b, &p.qinput, &mut qout, &mut qscratch).expect("checked"));
            rows.push((format!("separable {}", b.name()), t.median, sep_macs));
        }
        print_rows("int8", &rows, naive, im2col.min(fair));
    }
    println!(
        "  GMAC/s counts each variant's own multiply-adds; \"vs\" columns are speedups (time of the naive / of the fastest \
         full convolution, divided by this time). im2col+GEMM: the GEMM written in the bench crate; im2col+sc: the whole \
         patch matrix, then sepconv's pointwise kernel as the GEMM (a 1×1 identity depthwise stage, K·K·C_in → C_out)."
    );
    Ok(())
}

fn print_rows(kind: &str, rows: &[(String, Duration, usize)], naive: Duration, best_full: Duration) {
    for (name, t, macs) in rows {
        let secs = t.as_secs_f64();
        println!(
            "    {:<6} {:<22} {:>10.3} {:>9.2} {:>11.1}× {:>12.1}×",
            kind,
            name,
            secs * 1e3,
            *macs as f64 / secs / 1e9,
            naive.as_secs_f64() / secs,
            best_full.as_secs_f64() / secs
        );
    }
}
