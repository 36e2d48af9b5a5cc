//! The full convolution as im2col + GEMM: a blocked GEMM written here (AVX2 when present), or sepconv's pointwise kernel.

use sepconv::depthwise::{Activation, F32Weights, I8Weights, LayerShape, Padding, SeparableF32, SeparableI8};
use sepconv::{Backend, Op, Simd};

use super::naive::{full_i8_params, requantize};
use super::problem::{coord, geometry, Problem, IN_Q, OUT_Q};

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

/// The f32 baseline as an op: compiled for the backend's instructions, which
/// the compiler vectorises the plain loops with.
struct Im2colF32<'a> {
    p: &'a Problem,
    out: &'a mut [f32],
    patches: &'a mut [f32],
}

impl Op for Im2colF32<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, _: S) {
        im2col_f32(self.p, self.out, self.patches);
    }
}

/// The int8 baseline as an op (see [`Im2colF32`]).
struct Im2colI8<'a> {
    p: &'a Problem,
    out: &'a mut [i8],
    patches: &'a mut [i16],
    centred: &'a [i16],
}

impl Op for Im2colI8<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, _: S) {
        im2col_i8(self.p, self.out, self.patches, self.centred);
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

/// Full convolution, im2col + blocked GEMM, f32, compiled for `backend`.
/// `C_out` must be a multiple of 16.
pub fn full_im2col_f32(p: &Problem, backend: Backend, out: &mut [f32], scratch: &mut Im2colScratch) {
    assert!(p.shape.out_channels.is_multiple_of(NB));
    backend.run(Im2colF32 { p, out, patches: &mut scratch.patches_f32 });
}

/// Full convolution, im2col + blocked GEMM, int8 (i16 × i16 → i32),
/// compiled for `backend`. The centring `x − zp` is part of the timed work.
pub fn full_im2col_i8(p: &Problem, backend: Backend, out: &mut [i8], scratch: &mut Im2colScratch) {
    assert!(p.shape.out_channels.is_multiple_of(NB));
    for (c, &x) in scratch.centred.iter_mut().zip(&p.qinput) {
        *c = x as i16 - IN_Q.zero_point as i16;
    }
    backend.run(Im2colI8 { p, out, patches: &mut scratch.patches_i16, centred: &scratch.centred });
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
