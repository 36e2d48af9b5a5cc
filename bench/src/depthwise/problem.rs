//! A MobileNet layer's deterministic weights and inputs, f32 and int8, and the equivalent full-convolution weights.

use sepconv::depthwise::{Activation, F32Weights, I8Weights, LayerShape, Quantization, SeparableF32, SeparableI8};
use sepconv_testkit::XorShift;

/// Weights, inputs and the equivalent full-convolution weights of a layer.
pub struct Problem {
    /// The layer shape.
    pub shape: LayerShape,
    pub(super) dw: Vec<f32>,
    pub(super) dw_bias: Vec<f32>,
    pub(super) pw: Vec<f32>,
    pub(super) pw_bias: Vec<f32>,
    /// f32 input, HWC.
    pub input: Vec<f32>,
    /// Full-convolution weights `[o][ky][kx][c]` (OHWI) equivalent to the separable layer.
    pub(super) full_ohwi: Vec<f32>,
    /// The same, `[ky][kx][c][o]` (HWIO: a `K·K·C_in × C_out` GEMM operand).
    pub(super) full_hwio: Vec<f32>,
    pub(super) full_bias: Vec<f32>,
    pub(super) qdw: Vec<i8>,
    pub(super) qdw_scales: Vec<f32>,
    pub(super) qdw_bias: Vec<i32>,
    pub(super) qpw: Vec<i8>,
    pub(super) qpw_scales: Vec<f32>,
    pub(super) qpw_bias: Vec<i32>,
    /// int8 input, HWC.
    pub qinput: Vec<i8>,
    /// int8 full-convolution weights, OHWI and HWIO (as i16).
    pub(super) qfull_ohwi: Vec<i8>,
    pub(super) qfull_hwio: Vec<i16>,
    pub(super) qfull_bias: Vec<i32>,
    pub(super) qfull_scales: Vec<f32>,
}

pub(super) const IN_Q: Quantization = Quantization::new(0.02, -5);
pub(super) const MID_Q: Quantization = Quantization::new(0.05, -128);
pub(super) const OUT_Q: Quantization = Quantization::new(0.1, 3);

impl Problem {
    /// Deterministic weights and inputs for `shape`.
    pub fn new(shape: LayerShape) -> Problem {
        let mut rng = XorShift::new(0x9e37_79b9_7f4a_7c15);
        let (k, ci, co) = (shape.kernel_height * shape.kernel_width, shape.in_channels, shape.out_channels);
        let mut v = |n: usize, r: f32| (0..n).map(|_| rng.f32_in(-r, r)).collect::<Vec<f32>>();
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
        let mut rng = XorShift::new(0x2545_f491_4f6c_dd1d);
        let mut q = |n: usize| (0..n).map(|_| rng.int_in(i8::MIN.into(), i8::MAX.into()) as i8).collect::<Vec<i8>>();
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
pub(super) fn geometry(s: &LayerShape) -> (usize, usize, usize, usize) {
    let (oh, ow) = s.output_size().expect("valid layer");
    let pad = |n: usize, k: usize, st: usize, o: usize| ((o - 1) * st + k).saturating_sub(n) / 2;
    (oh, ow, pad(s.height, s.kernel_height, s.stride_y, oh), pad(s.width, s.kernel_width, s.stride_x, ow))
}

/// The input coordinate of tap `k` of output `o`, if inside `0..n`.
#[inline(always)]
pub(super) fn coord(o: usize, k: usize, stride: usize, pad: usize, n: usize) -> Option<usize> {
    (o * stride + k).checked_sub(pad).filter(|&v| v < n)
}
