//! Depthwise-separable layers: the references checked against independent
//! computations (hand-computed cases, the equivalent full convolution, the
//! requantisation against f64), then every backend this host runs against
//! the references — int8 bit for bit, f32 within the derived bound — over
//! random shapes, strides, paddings, zero points, scales and activations;
//! and every error.

use proptest::prelude::*;
use sepconv::depthwise::{
    quant, reference, Activation, F32Weights, I8Weights, LayerShape, Padding, Quantization, SeparableF32, SeparableI8,
};
use sepconv::{available_backends, Backend, Error};
use sepconv_testkit::verdict::layer_sizes;
use sepconv_testkit::XorShift;

mod common;
use common::finite_extreme;

fn activation(i: u64) -> Activation {
    [Activation::None, Activation::Relu, Activation::Relu6][(i % 3) as usize]
}

/// TFLite's output size and leading padding, written here from its
/// `ComputeOutSize` / `ComputePaddingWithOffset`.
fn tflite_out_pad(n: usize, k: usize, s: usize, padding: Padding) -> (usize, i64) {
    let out = match padding {
        Padding::Same => n.div_ceil(s),
        Padding::Valid => (n - k) / s + 1,
    };
    let total = ((out - 1) * s + k) as i64 - n as i64;
    (out, total.max(0) / 2)
}

/// Owned f32 weights for a shape.
struct F32Net {
    dw: Vec<f32>,
    dw_bias: Vec<f32>,
    pw: Vec<f32>,
    pw_bias: Vec<f32>,
    acts: (Activation, Activation),
}

impl F32Net {
    fn random(s: &LayerShape, rng: &mut XorShift, acts: (Activation, Activation)) -> Self {
        let mut v = |n: usize, r: f32| (0..n).map(|_| rng.f32_in(-r, r)).collect::<Vec<_>>();
        F32Net {
            dw: v(s.kernel_height * s.kernel_width * s.in_channels, 1.0),
            dw_bias: v(s.in_channels, 0.5),
            pw: v(s.in_channels * s.out_channels, 1.0),
            pw_bias: v(s.out_channels, 0.5),
            acts,
        }
    }
    fn weights(&self) -> F32Weights<'_> {
        F32Weights {
            depthwise: &self.dw,
            depthwise_bias: &self.dw_bias,
            depthwise_activation: self.acts.0,
            pointwise: &self.pw,
            pointwise_bias: &self.pw_bias,
            activation: self.acts.1,
        }
    }
}

/// Runs an f32 layer on one backend, with scratch of exactly `scratch_len`.
fn run_f32(layer: &SeparableF32<'_>, backend: Backend, input: &[f32]) -> Vec<f32> {
    let mut out = vec![f32::NAN; layer.shape().output_len().unwrap()];
    let mut scratch = vec![f32::NAN; layer.scratch_len()];
    layer.run(backend, input, &mut out, &mut scratch).unwrap();
    out
}

fn run_i8(layer: &SeparableI8<'_>, backend: Backend, input: &[i8]) -> Vec<i8> {
    let mut out = vec![0x55; layer.shape().output_len().unwrap()];
    let mut scratch = vec![0x5555_5555; layer.scratch_len()];
    layer.run(backend, input, &mut out, &mut scratch).unwrap();
    out
}

fn reference_f32(layer: &SeparableF32<'_>, input: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let n = layer.shape().output_len().unwrap();
    let (mut values, mut bounds) = (vec![0.0; n], vec![0.0; n]);
    reference::separable_f32(layer, input, &mut values, &mut bounds).unwrap();
    (values, bounds)
}

fn reference_i8(layer: &SeparableI8<'_>, input: &[i8]) -> Vec<i8> {
    let mut out = vec![0; layer.shape().output_len().unwrap()];
    reference::separable_i8(layer, input, &mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------
// The references against independent computations.
// ---------------------------------------------------------------------------

#[test]
fn output_sizes_and_padding_follow_tflite() {
    // (n, k, s, padding) → (out, pad_before), values TFLite gives.
    let cases = [
        (112, 3, 1, Padding::Same, 112, 1),
        (112, 3, 2, Padding::Same, 56, 0), // total 1: the odd pixel goes after
        (113, 3, 2, Padding::Same, 57, 1),
        (5, 3, 2, Padding::Valid, 2, 0),
        (4, 3, 2, Padding::Same, 2, 0),
        (5, 5, 1, Padding::Valid, 1, 0),
        (1, 5, 3, Padding::Same, 1, 2),
    ];
    for (n, k, s, padding, out, pad) in cases {
        assert_eq!(tflite_out_pad(n, k, s, padding), (out, pad), "{n} {k} {s} {padding:?}");
        let shape = LayerShape { kernel_height: k, stride_y: s, ..LayerShape::new(n, 1, 1, 1, 1, 1, padding) };
        assert_eq!(shape.output_size(), Ok((out, 1)));
        // A one-hot kernel (only tap (0, 0)) reads input row oy·s − pad.
        let mut dw = vec![0.0f32; k];
        dw[0] = 1.0;
        let layer = SeparableF32::new(
            shape,
            F32Weights {
                depthwise: &dw,
                depthwise_bias: &[0.0],
                depthwise_activation: Activation::None,
                pointwise: &[1.0],
                pointwise_bias: &[0.0],
                activation: Activation::None,
            },
        )
        .unwrap();
        let input: Vec<f32> = (1..=n).map(|v| v as f32).collect();
        for backend in available_backends() {
            let got = run_f32(&layer, backend, &input);
            for (oy, &g) in got.iter().enumerate() {
                let row = (oy * s) as i64 - pad;
                let want = if row < 0 { 0.0 } else { (row + 1) as f32 };
                assert_eq!(g, want, "{n} {k} {s} {padding:?} row {oy} on {}", backend.name());
            }
        }
    }
}

#[test]
fn f32_hand_computed() {
    // 3×3×1 input 1..9, 3×3 depthwise of ones (same, stride 1) with bias 1,
    // then two outputs: 2·mid − 1 and ReLU6 over −mid + 20.
    let shape = LayerShape::new(3, 3, 1, 2, 3, 1, Padding::Same);
    let input: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    let layer = SeparableF32::new(
        shape,
        F32Weights {
            depthwise: &[1.0; 9],
            depthwise_bias: &[1.0],
            depthwise_activation: Activation::None,
            pointwise: &[2.0, -1.0],
            pointwise_bias: &[-1.0, 20.0],
            activation: Activation::Relu6,
        },
    )
    .unwrap();
    // Box sums with zero padding: corners 1+2+4+5 = 12, centre 45, ...
    let box_sums = [12.0, 21.0, 16.0, 27.0, 45.0, 33.0, 24.0, 39.0, 28.0];
    let expected: Vec<f64> = box_sums
        .iter()
        .flat_map(|s: &f64| {
            let mid = s + 1.0;
            [(2.0 * mid - 1.0).clamp(0.0, 6.0), (20.0 - mid).clamp(0.0, 6.0)]
        })
        .collect();
    let (values, _) = reference_f32(&layer, &input);
    assert_eq!(values, expected);
    // Without the clamp, the interesting part: 2·46 − 1 = 91 at the centre.
    let layer = SeparableF32::new(shape, F32Weights { activation: Activation::None, ..*layer.weights() }).unwrap();
    let (values, _) = reference_f32(&layer, &input);
    assert_eq!(&values[8..10], &[91.0, -26.0]);
    for backend in available_backends() {
        let got = run_f32(&layer, backend, &input);
        assert!(got.iter().zip(&values).all(|(&g, &v)| g as f64 == v), "{} {got:?}", backend.name());
    }
}

#[test]
fn i8_hand_computed() {
    // 2×2×1 input, 1×1 depthwise, then 1 → 2 pointwise; every step by hand:
    //   depthwise: acc = 4 + 3·(q − 2), effective scale 0.5·0.25/1 = 0.125
    //     q = 10 → 28 → 3.5 → 4 (half away from zero) → +zp(−1) = 3
    //     q = −20 → −62 → −7.75 → −8 → −9;  q = 30 → 88 → 11 → 10
    //     q = 5 → 13 → SRDHM 6.5 → 7 (half up), /4 = 1.75 → 2 → 1
    //   centred mid (q + 1): 4, −8, 11, 2
    //   pointwise o0: 2·m · 0.5 = 4, −8, 11, 2
    //   pointwise o1: (10 − m) · 1.0 (shift +1) = 6, 18, −1, 8
    let dw_out = Quantization::new(1.0, -1);
    let weights = I8Weights {
        input: Quantization::new(0.5, 2),
        depthwise: &[3],
        depthwise_scales: &[0.25],
        depthwise_bias: &[4],
        depthwise_output: dw_out,
        depthwise_activation: Activation::None,
        pointwise: &[2, -1],
        pointwise_scales: &[0.5, 1.0],
        pointwise_bias: &[0, 10],
        output: Quantization::new(1.0, 0),
        activation: Activation::None,
    };
    let shape = LayerShape::new(2, 2, 1, 2, 1, 1, Padding::Valid);
    let input = [10i8, -20, 30, 5];
    let layer = SeparableI8::new(shape, weights).unwrap();
    assert_eq!(layer.depthwise_multiplier(0), Some((1 << 30, -2)));
    assert_eq!(layer.pointwise_multiplier(0), Some((1 << 30, 0)));
    assert_eq!(layer.pointwise_multiplier(1), Some((1 << 30, 1)));
    assert_eq!(layer.depthwise_multiplier(1), None);
    assert_eq!(layer.pointwise_multiplier(2), None);
    let expected = [4i8, 6, -8, 18, 11, -1, 2, 8];
    assert_eq!(reference_i8(&layer, &input), expected);
    // ReLU6 at scale 1, zero point 0: the quantised clamp is [0, 6].
    let relu6 = SeparableI8::new(shape, I8Weights { activation: Activation::Relu6, ..weights }).unwrap();
    assert_eq!(relu6.activation_bounds()[1], (0, 6));
    let clamped = [4i8, 6, 0, 6, 6, 0, 2, 6];
    assert_eq!(reference_i8(&relu6, &input), clamped);
    for backend in available_backends() {
        assert_eq!(run_i8(&layer, backend, &input), expected, "{}", backend.name());
        assert_eq!(run_i8(&relu6, backend, &input), clamped, "{}", backend.name());
    }
}

/// The full `K_h × K_w × C_in × C_out` convolution with the equivalent
/// weights `dw[ky][kx][c] · pw[o][c]` and bias `pw_bias[o] + Σ_c pw[o][c]·dw_bias[c]`, in f64.
fn full_convolution(s: &LayerShape, net: &F32Net, input: &[f32]) -> Vec<f64> {
    let (out_h, pad_y) = tflite_out_pad(s.height, s.kernel_height, s.stride_y, s.padding);
    let (out_w, pad_x) = tflite_out_pad(s.width, s.kernel_width, s.stride_x, s.padding);
    let (ci, co) = (s.in_channels, s.out_channels);
    let mut out = Vec::new();
    for oy in 0..out_h {
        for ox in 0..out_w {
            for o in 0..co {
                let mut sum: f64 = net.pw_bias[o] as f64;
                for c in 0..ci {
                    sum += net.pw[o * ci + c] as f64 * net.dw_bias[c] as f64;
                }
                for ky in 0..s.kernel_height {
                    for kx in 0..s.kernel_width {
                        let iy = (oy * s.stride_y + ky) as i64 - pad_y;
                        let ix = (ox * s.stride_x + kx) as i64 - pad_x;
                        if iy < 0 || ix < 0 || iy >= s.height as i64 || ix >= s.width as i64 {
                            continue;
                        }
                        for c in 0..ci {
                            let wf = net.dw[(ky * s.kernel_width + kx) * ci + c] as f64 * net.pw[o * ci + c] as f64;
                            sum += wf * input[(iy as usize * s.width + ix as usize) * ci + c] as f64;
                        }
                    }
                }
                out.push(net.acts.1.apply_f64(sum));
            }
        }
    }
    out
}

fn random_shape(rng: &mut XorShift) -> LayerShape {
    let padding = if rng.next_u64().is_multiple_of(2) { Padding::Same } else { Padding::Valid };
    let (kh, kw) = (rng.int_in(1, 5) as usize, rng.int_in(1, 5) as usize);
    let min = if padding == Padding::Valid { kh.max(kw) } else { 1 };
    LayerShape {
        height: rng.int_in(min as i64, 11) as usize,
        width: rng.int_in(min as i64, 13) as usize,
        // Up to 37, sometimes 60–80: every block width of every backend (4 × 16 lanes) and its tails.
        in_channels: if rng.next_u64().is_multiple_of(4) { rng.int_in(60, 80) } else { rng.int_in(1, 37) } as usize,
        out_channels: rng.int_in(1, 41) as usize,
        kernel_height: kh,
        kernel_width: kw,
        stride_y: rng.int_in(1, 3) as usize,
        stride_x: rng.int_in(1, 3) as usize,
        padding,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn f32_reference_equals_the_full_convolution(seed in any::<u64>()) {
        let mut rng = XorShift::new(seed);
        let s = random_shape(&mut rng);
        let acts = (Activation::None, activation(rng.next_u64()));
        let net = F32Net::random(&s, &mut rng, acts);
        let input: Vec<f32> = (0..s.input_len().unwrap()).map(|_| rng.f32_in(-2.0, 2.0)).collect();
        let layer = SeparableF32::new(s, net.weights()).unwrap();
        let (values, _) = reference_f32(&layer, &input);
        let full = full_convolution(&s, &net, &input);
        prop_assert_eq!(values.len(), full.len());
        for (i, (v, f)) in values.iter().zip(&full).enumerate() {
            prop_assert!((v - f).abs() <= 1e-12 * (1.0 + f.abs() * 1e3), "{:?} output {}: {} vs {}", s, i, v, f);
        }
    }

    #[test]
    fn f32_every_backend_within_the_bound(seed in any::<u64>()) {
        let mut rng = XorShift::new(seed);
        let s = random_shape(&mut rng);
        let acts = (activation(rng.next_u64()), activation(rng.next_u64()));
        let net = F32Net::random(&s, &mut rng, acts);
        let input: Vec<f32> = (0..s.input_len().unwrap()).map(|_| rng.f32_in(-2.0, 2.0)).collect();
        let layer = SeparableF32::new(s, net.weights()).unwrap();
        let (values, bounds) = reference_f32(&layer, &input);
        for backend in available_backends() {
            let got = run_f32(&layer, backend, &input);
            for (i, ((&g, v), b)) in got.iter().zip(&values).zip(&bounds).enumerate() {
                prop_assert!((g as f64 - v).abs() <= *b, "{} {:?} output {}: {} vs {} (bound {})", backend.name(), s, i, g, v, b);
            }
        }
    }

    #[test]
    fn i8_every_backend_equals_the_reference(seed in any::<u64>()) {
        let mut rng = XorShift::new(seed);
        let s = random_shape(&mut rng);
        let net = I8Net::random(&s, &mut rng);
        let layer = SeparableI8::new(s, net.weights()).unwrap();
        let input: Vec<i8> = (0..s.input_len().unwrap()).map(|_| rng.int_in(-128, 127) as i8).collect();
        let expected = reference_i8(&layer, &input);
        for backend in available_backends() {
            prop_assert_eq!(&run_i8(&layer, backend, &input), &expected, "{} {:?}", backend.name(), s);
        }
    }

    /// The requantisation against f64: within 1 always, and equal to
    /// `x·m` rounded half away from zero unless `x·m` lies within the
    /// first rounding's reach of a tie.
    #[test]
    fn requantisation_matches_f64(x in -(1i32 << 22)..(1 << 22), exponent in -24i32..4, mantissa in 0.5f64..1.0) {
        let m = mantissa * 2f64.powi(exponent);
        let (mult, shift) = quant::quantize_multiplier(m);
        let got = quant::multiply_by_quantized_multiplier(x, mult, shift) as f64;
        let exact = x as f64 * m;
        prop_assert!((got - exact).abs() <= 1.0, "{} · {} = {} got {}", x, m, exact, got);
        let right = (-shift).max(0);
        let reach = 0.5 / 2f64.powi(right) + exact.abs() * 2f64.powi(-30) + 1e-9;
        let frac = exact.abs().fract();
        if (frac - 0.5).abs() > reach {
            prop_assert_eq!(got, exact.abs().round() * exact.signum(), "{} · {}", x, m);
        }
    }
}

/// Owned int8 weights and quantisation with scales that keep outputs in
/// range most of the time (and sometimes not: saturation, gains above 1).
struct I8Net {
    dw: Vec<i8>,
    dw_scales: Vec<f32>,
    dw_bias: Vec<i32>,
    pw: Vec<i8>,
    pw_scales: Vec<f32>,
    pw_bias: Vec<i32>,
    q: [Quantization; 3],
    acts: (Activation, Activation),
}

impl I8Net {
    fn random(s: &LayerShape, rng: &mut XorShift) -> Self {
        let zp = |rng: &mut XorShift| rng.int_in(-128, 127) as i32;
        let taps = s.kernel_height * s.kernel_width;
        let input = Quantization::new(rng.log_in(0.005, 0.1), zp(rng));
        let per_tensor = rng.next_u64().is_multiple_of(4);
        let scales = |n: usize, rng: &mut XorShift| {
            let n = if per_tensor { 1 } else { n };
            let base = rng.log_in(0.002, 0.05);
            (0..n).map(|_| rng.log_in(base, 2.0 * base)).collect::<Vec<f32>>()
        };
        let dw_scales = scales(s.in_channels, rng);
        let pw_scales = scales(s.out_channels, rng);
        // Typical |acc| ≈ 70·64·√taps; aim it at ±30 steps, times a gain in [1/4, 4]
        // (sometimes [8, 100]: effective scales above 1, saturation).
        let gain = |rng: &mut XorShift| {
            if rng.next_u64().is_multiple_of(8) {
                rng.log_in(8.0, 100.0)
            } else {
                rng.log_in(0.25, 4.0)
            }
        };
        let typical = |terms: usize| 70.0 * 64.0 * (terms as f32).sqrt() / 30.0;
        let mid_scale = input.scale * dw_scales[0] * typical(taps) / gain(rng);
        let mid = Quantization::new(mid_scale, zp(rng));
        let output = Quantization::new(mid_scale * pw_scales[0] * typical(s.in_channels) / gain(rng), zp(rng));
        let weights = |n: usize, rng: &mut XorShift| (0..n).map(|_| rng.int_in(-128, 127) as i8).collect::<Vec<_>>();
        let bias =
            |n: usize, rng: &mut XorShift| (0..n).map(|_| rng.int_in(-20_000, 20_000) as i32).collect::<Vec<_>>();
        let mut net = I8Net {
            dw: weights(taps * s.in_channels, rng),
            dw_scales,
            dw_bias: bias(s.in_channels, rng),
            pw: weights(s.in_channels * s.out_channels, rng),
            pw_scales,
            pw_bias: bias(s.out_channels, rng),
            q: [input, mid, output],
            acts: (activation(rng.next_u64()), activation(rng.next_u64())),
        };
        if rng.next_u64().is_multiple_of(3) {
            // Powers of two: multipliers of exactly 2^30, so the products
            // land on the rounding ties of both gemmlowp steps.
            let pow2 = |v: &mut f32| *v = 2f32.powi(v.log2().round() as i32);
            net.dw_scales.iter_mut().chain(&mut net.pw_scales).for_each(pow2);
            net.q.iter_mut().for_each(|q| pow2(&mut q.scale));
        }
        net
    }
    fn weights(&self) -> I8Weights<'_> {
        I8Weights {
            input: self.q[0],
            depthwise: &self.dw,
            depthwise_scales: &self.dw_scales,
            depthwise_bias: &self.dw_bias,
            depthwise_output: self.q[1],
            depthwise_activation: self.acts.0,
            pointwise: &self.pw,
            pointwise_scales: &self.pw_scales,
            pointwise_bias: &self.pw_bias,
            output: self.q[2],
            activation: self.acts.1,
        }
    }
}

#[test]
fn i8_outputs_are_not_degenerate() {
    // The generator's scales give varied outputs, so exact agreement means something.
    let s = LayerShape::new(9, 11, 24, 40, 3, 2, Padding::Same);
    let mut rng = XorShift::new(0x1234_5678_9abc_def1);
    let mut net = I8Net::random(&s, &mut rng);
    net.acts = (Activation::None, Activation::None);
    net.q[1].scale = net.q[0].scale * net.dw_scales[0] * 70.0 * 64.0 * 3.0 / 30.0;
    net.q[2].scale = net.q[1].scale * net.pw_scales[0] * 70.0 * 64.0 * 24f32.sqrt() / 30.0;
    (net.q[1].zero_point, net.q[2].zero_point) = (-10, 7);
    net.dw_bias.iter_mut().chain(&mut net.pw_bias).for_each(|b| *b /= 10);
    let layer = SeparableI8::new(s, net.weights()).unwrap();
    let input: Vec<i8> = (0..s.input_len().unwrap()).map(|_| rng.int_in(-128, 127) as i8).collect();
    let expected = reference_i8(&layer, &input);
    let mut distinct = expected.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() > 40, "only {} distinct outputs", distinct.len());
    let saturated = expected.iter().filter(|&&v| v == -128 || v == 127).count();
    assert!(saturated * 4 < expected.len(), "{saturated} of {} saturated", expected.len());
    for backend in available_backends() {
        assert_eq!(run_i8(&layer, backend, &input), expected, "{}", backend.name());
    }
    println!("int8 checked on: {:?}", available_backends().iter().map(|b| b.name()).collect::<Vec<_>>());
}

#[test]
fn mobilenet_shapes_on_every_backend() {
    // A real layer's shape (channels multiple of every vector width, plus
    // tails), smaller spatially to keep the reference fast.
    for s in
        [LayerShape::new(14, 14, 32, 64, 3, 1, Padding::Same), LayerShape::new(13, 13, 20, 36, 3, 2, Padding::Same)]
    {
        let mut rng = XorShift::new(77);
        let net = F32Net::random(&s, &mut rng, (Activation::Relu6, Activation::Relu6));
        let layer = SeparableF32::new(s, net.weights()).unwrap();
        let input: Vec<f32> = (0..s.input_len().unwrap()).map(|_| rng.f32_in(0.0, 1.0)).collect();
        let (values, bounds) = reference_f32(&layer, &input);
        let q = I8Net::random(&s, &mut rng);
        let qlayer = SeparableI8::new(s, q.weights()).unwrap();
        let qinput: Vec<i8> = (0..s.input_len().unwrap()).map(|_| rng.int_in(-128, 127) as i8).collect();
        let expected = reference_i8(&qlayer, &qinput);
        for backend in available_backends() {
            let got = run_f32(&layer, backend, &input);
            assert!(
                got.iter().zip(&values).zip(&bounds).all(|((&g, v), b)| (g as f64 - v).abs() <= *b),
                "{}",
                backend.name()
            );
            assert_eq!(run_i8(&qlayer, backend, &qinput), expected, "{}", backend.name());
        }
    }
}

#[test]
fn facade_runs_on_the_best_backend() {
    let s = LayerShape::new(5, 6, 3, 4, 3, 2, Padding::Same);
    let mut rng = XorShift::new(5);
    let net = F32Net::random(&s, &mut rng, (Activation::Relu, Activation::None));
    let layer = SeparableF32::new(s, net.weights()).unwrap();
    let input: Vec<f32> = (0..90).map(|_| rng.f32_in(-1.0, 1.0)).collect();
    assert_eq!(sepconv::depthwise::run_f32(&layer, &input).unwrap(), run_f32(&layer, sepconv::best_backend(), &input));
    let q = I8Net::random(&s, &mut rng);
    let qlayer = SeparableI8::new(s, q.weights()).unwrap();
    let qinput: Vec<i8> = (0..90).map(|v| v as i8).collect();
    assert_eq!(sepconv::depthwise::run_i8(&qlayer, &qinput).unwrap(), reference_i8(&qlayer, &qinput));
    assert_eq!(
        sepconv::depthwise::run_i8(&qlayer, &qinput[..89]),
        Err(Error::BufferTooShort { needed: 90, actual: 89 })
    );
}

// ---------------------------------------------------------------------------
// Errors: every one, never a panic.
// ---------------------------------------------------------------------------

#[test]
fn public_helpers_accept_any_input() {
    for x in [i32::MIN, -1, 0, 1, i32::MAX] {
        for shift in [i32::MIN, -64, -32, -31, -1, 0, 1, 30, 31, 64, i32::MAX] {
            for m in [0, 1, 1 << 30, i32::MAX, i32::MIN] {
                quant::multiply_by_quantized_multiplier(x, m, shift);
            }
            quant::rounding_divide_by_pot(x, shift);
        }
    }
    assert_eq!(quant::rounding_divide_by_pot(-5, 40), quant::rounding_divide_by_pot(-5, 31));
    for m in [f64::NAN, f64::INFINITY, -1.0, f64::MIN_POSITIVE, 5e-324, 1e300] {
        let (q, s) = quant::quantize_multiplier(m);
        assert!((0..=i32::MAX).contains(&q) && (-31..=30).contains(&s), "{m}: {q} {s}");
    }
    for scale in [0.0, -1.0, f32::NAN, f32::INFINITY, 1e-45, 1e38] {
        for act in [Activation::None, Activation::Relu, Activation::Relu6] {
            let (lo, hi) = quant::activation_bounds(act, scale, 127);
            assert!((-128..=127).contains(&lo) && (-128..=127).contains(&hi), "{scale} {act:?}");
        }
    }
    let huge = LayerShape::new(1, 1, usize::MAX, usize::MAX, 3, 1, Padding::Same);
    assert_eq!(huge.parameter_counts(), None);
    assert_eq!(LayerShape::new(112, 112, 32, 64, 3, 1, Padding::Same).parameter_counts(), Some((2336, 18432)));
}

#[test]
fn shape_errors() {
    let ok = LayerShape::new(4, 4, 2, 3, 3, 1, Padding::Same);
    assert!(ok.output_size().is_ok());
    assert_eq!(layer_sizes(&ok).map(|z| (z.out, z.input_len, z.output_len)), Ok(((4, 4), 32, 48)));
    let cases = [
        (LayerShape { height: 0, ..ok }, Error::ZeroSize),
        (LayerShape { width: 0, ..ok }, Error::ZeroSize),
        (LayerShape { in_channels: 0, ..ok }, Error::ZeroSize),
        (LayerShape { out_channels: 0, ..ok }, Error::ZeroSize),
        (LayerShape { kernel_height: 0, ..ok }, Error::EmptyKernel),
        (LayerShape { kernel_width: 0, ..ok }, Error::EmptyKernel),
        (LayerShape { stride_y: 0, ..ok }, Error::InvalidStride),
        (LayerShape { stride_x: 0, ..ok }, Error::InvalidStride),
        (LayerShape { kernel_height: 5, padding: Padding::Valid, ..ok }, Error::EmptyOutput),
        (LayerShape { kernel_width: 5, padding: Padding::Valid, ..ok }, Error::EmptyOutput),
        (LayerShape { height: usize::MAX, width: usize::MAX, ..ok }, Error::SizeOverflow),
        (LayerShape { in_channels: usize::MAX / 2, out_channels: 4, ..ok }, Error::SizeOverflow),
        (LayerShape { kernel_height: usize::MAX, kernel_width: 2, stride_y: 1, ..ok }, Error::SizeOverflow),
        (LayerShape { height: 2, kernel_height: usize::MAX, stride_y: 3, ..ok }, Error::SizeOverflow),
    ];
    for (shape, err) in cases {
        assert_eq!(shape.output_size(), Err(err), "{shape:?}");
        // The model the fuzz target `depthwise` checks every shape against.
        assert_eq!(layer_sizes(&shape).err(), Some(err), "model: {shape:?}");
        let w = F32Weights {
            depthwise: &[],
            depthwise_bias: &[],
            depthwise_activation: Activation::None,
            pointwise: &[],
            pointwise_bias: &[],
            activation: Activation::None,
        };
        assert_eq!(SeparableF32::new(shape, w).err(), Some(err), "{shape:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn f32_weight_and_buffer_errors() {
    let s = LayerShape::new(4, 4, 2, 3, 3, 1, Padding::Same);
    let net = F32Net::random(&s, &mut XorShift::new(3), (Activation::None, Activation::None));
    let ok = net.weights();
    assert!(SeparableF32::new(s, ok).is_ok());
    let mismatch = |expected, actual| Some(Error::LengthMismatch { expected, actual });
    assert_eq!(SeparableF32::new(s, F32Weights { depthwise: &net.dw[1..], ..ok }).err(), mismatch(18, 17));
    assert_eq!(SeparableF32::new(s, F32Weights { depthwise_bias: &[0.0; 3], ..ok }).err(), mismatch(2, 3));
    assert_eq!(SeparableF32::new(s, F32Weights { pointwise: &net.pw[..5], ..ok }).err(), mismatch(6, 5));
    assert_eq!(SeparableF32::new(s, F32Weights { pointwise_bias: &[], ..ok }).err(), mismatch(3, 0));
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut dw = net.dw.clone();
        dw[17] = bad;
        assert_eq!(SeparableF32::new(s, F32Weights { depthwise: &dw, ..ok }).err(), Some(Error::NonFiniteWeight));
        let mut pw = net.pw.clone();
        pw[0] = bad;
        assert_eq!(SeparableF32::new(s, F32Weights { pointwise: &pw, ..ok }).err(), Some(Error::NonFiniteWeight));
        assert_eq!(
            SeparableF32::new(s, F32Weights { depthwise_bias: &[0.0, bad], ..ok }).err(),
            Some(Error::NonFiniteWeight)
        );
        assert_eq!(
            SeparableF32::new(s, F32Weights { pointwise_bias: &[bad, 0.0, 0.0], ..ok }).err(),
            Some(Error::NonFiniteWeight)
        );
    }
    let layer = SeparableF32::new(s, ok).unwrap();
    assert_eq!(layer.scratch_len(), 4 * 2 + 2 * 3);
    let (input, mut output, mut scratch) = (vec![0.0; 32], vec![0.0; 48], vec![0.0; layer.scratch_len()]);
    for backend in available_backends() {
        assert_eq!(
            layer.run(backend, &input[..31], &mut output, &mut scratch),
            Err(Error::BufferTooShort { needed: 32, actual: 31 })
        );
        assert_eq!(
            layer.run(backend, &input, &mut output[..47], &mut scratch),
            Err(Error::BufferTooShort { needed: 48, actual: 47 })
        );
        let short = layer.scratch_len() - 1;
        assert_eq!(
            layer.run(backend, &input, &mut output, &mut scratch[..short]),
            Err(Error::ScratchTooSmall { needed: short + 1, actual: short })
        );
        assert_eq!(layer.run(backend, &input, &mut output, &mut scratch), Ok(()));
    }
    let mut values = vec![0.0; 48];
    assert_eq!(
        reference::separable_f32(&layer, &input, &mut values, &mut [0.0; 47]),
        Err(Error::BufferTooShort { needed: 48, actual: 47 })
    );
}

#[test]
fn i8_weight_quantisation_and_buffer_errors() {
    let s = LayerShape::new(4, 4, 2, 3, 3, 1, Padding::Same);
    let net = I8Net::random(&s, &mut XorShift::new(9));
    let ok = net.weights();
    assert!(SeparableI8::new(s, ok).is_ok());
    let new = |w: I8Weights<'_>| SeparableI8::new(s, w).err();
    let mismatch = |expected, actual| Some(Error::LengthMismatch { expected, actual });
    assert_eq!(new(I8Weights { depthwise: &net.dw[1..], ..ok }), mismatch(18, 17));
    assert_eq!(new(I8Weights { depthwise_bias: &[0; 3], ..ok }), mismatch(2, 3));
    assert_eq!(new(I8Weights { depthwise_scales: &[1.0; 3], ..ok }), mismatch(2, 3));
    assert_eq!(new(I8Weights { depthwise_scales: &[], ..ok }), mismatch(2, 0));
    assert_eq!(new(I8Weights { pointwise: &net.pw[..5], ..ok }), mismatch(6, 5));
    assert_eq!(new(I8Weights { pointwise_bias: &[0; 2], ..ok }), mismatch(3, 2));
    assert_eq!(new(I8Weights { pointwise_scales: &[1.0; 2], ..ok }), mismatch(3, 2));
    // One scale is a per-tensor scale.
    assert!(new(I8Weights { depthwise_scales: &[0.01], pointwise_scales: &[0.02], ..ok }).is_none());
    for bad in [0.0, -0.5, f32::NAN, f32::INFINITY, -0.0] {
        let q = Quantization::new(bad, 0);
        assert_eq!(new(I8Weights { input: q, ..ok }), Some(Error::InvalidScale));
        assert_eq!(new(I8Weights { depthwise_output: q, ..ok }), Some(Error::InvalidScale));
        assert_eq!(new(I8Weights { output: q, ..ok }), Some(Error::InvalidScale));
        assert_eq!(new(I8Weights { depthwise_scales: &[0.1, bad], ..ok }), Some(Error::InvalidScale));
        assert_eq!(new(I8Weights { pointwise_scales: &[bad], ..ok }), Some(Error::InvalidScale));
    }
    for bad in [128, -129, i32::MAX, i32::MIN] {
        let q = Quantization::new(0.1, bad);
        assert_eq!(new(I8Weights { input: q, ..ok }), Some(Error::InvalidZeroPoint));
        assert_eq!(new(I8Weights { depthwise_output: q, ..ok }), Some(Error::InvalidZeroPoint));
        assert_eq!(new(I8Weights { output: q, ..ok }), Some(Error::InvalidZeroPoint));
    }
    // |bias| + taps·255·128 ≤ 2^31 − 1: 9 taps leave room for 2^31 − 1 − 293 760.
    let edge = i32::MAX - 9 * 255 * 128;
    assert!(new(I8Weights { depthwise_bias: &[edge, -edge], ..ok }).is_none());
    assert_eq!(new(I8Weights { depthwise_bias: &[0, -edge - 1], ..ok }), Some(Error::AccumulatorOverflow));
    assert_eq!(new(I8Weights { pointwise_bias: &[0, i32::MIN, 0], ..ok }), Some(Error::AccumulatorOverflow));
    // So many input channels that the pointwise sum alone could overflow.
    let wide = LayerShape::new(1, 1, 65_794, 1, 1, 1, Padding::Same);
    let (dw, pw) = (vec![0i8; 65_794], vec![0i8; 65_794]);
    let big = I8Weights {
        depthwise: &dw,
        depthwise_bias: &vec![0; 65_794],
        depthwise_scales: &[0.1],
        pointwise: &pw,
        pointwise_bias: &[0],
        pointwise_scales: &[0.1],
        ..ok
    };
    assert_eq!(SeparableI8::new(wide, big).err(), Some(Error::AccumulatorOverflow));
    let fits = LayerShape { in_channels: 65_793, ..wide };
    let smaller =
        I8Weights { depthwise: &dw[1..], depthwise_bias: &big.depthwise_bias[1..], pointwise: &pw[1..], ..big };
    assert!(SeparableI8::new(fits, smaller).is_ok());

    let layer = SeparableI8::new(s, ok).unwrap();
    assert_eq!(layer.scratch_len(), 2 * (2 + 3) + (3 + 4));
    let (input, mut output, mut scratch) = (vec![0i8; 32], vec![0i8; 48], vec![0i32; layer.scratch_len()]);
    for backend in available_backends() {
        assert_eq!(
            layer.run(backend, &input[..31], &mut output, &mut scratch),
            Err(Error::BufferTooShort { needed: 32, actual: 31 })
        );
        assert_eq!(
            layer.run(backend, &input, &mut output[..47], &mut scratch),
            Err(Error::BufferTooShort { needed: 48, actual: 47 })
        );
        let short = layer.scratch_len() - 1;
        assert_eq!(
            layer.run(backend, &input, &mut output, &mut scratch[..short]),
            Err(Error::ScratchTooSmall { needed: short + 1, actual: short })
        );
        assert_eq!(layer.run(backend, &input, &mut output, &mut scratch), Ok(()));
    }
    assert_eq!(
        reference::separable_i8(&layer, &input, &mut [0; 47]),
        Err(Error::BufferTooShort { needed: 48, actual: 47 })
    );
    for e in [
        Error::InvalidStride,
        Error::InvalidScale,
        Error::InvalidZeroPoint,
        Error::AccumulatorOverflow,
        Error::LengthMismatch { expected: 1, actual: 2 },
    ] {
        assert!(!e.to_string().is_empty());
    }
}

/// f32 layers at the ends of the range: inputs anywhere in
/// `[−f32::MAX, f32::MAX]` (`finite_extreme`: the top of the range;
/// subnormals alone, where every product underflows), weights scaled so that no stage exceeds the input's
/// magnitude (`|bias| + Σ|w| < 1` per channel and per output): every
/// output finite and within the reference's bound, on every backend.
#[test]
fn f32_inputs_over_the_whole_range() {
    let mut rng = XorShift::new(0x5EED_E701);
    let mut layers = 0;
    while layers < 150 {
        let (c, c_out) = ([1, 3, 8, 17, 40][rng.below(5)], rng.range(1, 20));
        let padding = [Padding::Same, Padding::Valid][rng.below(2)];
        let shape =
            LayerShape::new(rng.range(1, 7), rng.range(1, 7), c, c_out, rng.range(1, 3), rng.range(1, 2), padding);
        if shape.output_size().is_err() {
            continue;
        }
        layers += 1;
        let acts = (activation(rng.next_u64()), activation(rng.next_u64()));
        let mut net = F32Net::random(&shape, &mut rng, acts);
        // One layer in four on subnormals alone, without biases: every
        // product underflows.
        let subnormal = layers % 4 == 0;
        if subnormal {
            net.dw_bias.fill(0.0);
            net.pw_bias.fill(0.0);
        }
        // Σ over each channel's taps, and over each output's inputs, below 1.
        let taps = shape.kernel_height * shape.kernel_width;
        let below_one = |sum: f64| (1.0 / (sum * (1.0 + 1.0 / 1024.0))).min(1.0) as f32;
        for ch in 0..c {
            let sum = (0..taps).map(|t| net.dw[t * c + ch].abs() as f64).sum::<f64>() + net.dw_bias[ch].abs() as f64;
            let scale = below_one(sum);
            (0..taps).for_each(|t| net.dw[t * c + ch] *= scale);
            net.dw_bias[ch] *= scale;
        }
        for o in 0..c_out {
            let row = &mut net.pw[o * c..(o + 1) * c];
            let scale = below_one(row.iter().map(|w| w.abs() as f64).sum::<f64>() + net.pw_bias[o].abs() as f64);
            row.iter_mut().for_each(|w| *w *= scale);
            net.pw_bias[o] *= scale;
        }
        let layer = SeparableF32::new(shape, net.weights()).unwrap();
        let mut sample = || match rng.next_u64() {
            bits if subnormal => f32::from_bits((bits >> 32) as u32 & 0x807f_ffff),
            bits => finite_extreme(bits),
        };
        let input: Vec<f32> = (0..shape.input_len().unwrap()).map(|_| sample()).collect();
        let (values, bounds) = reference_f32(&layer, &input);
        for backend in available_backends() {
            for (i, ((&g, v), b)) in run_f32(&layer, backend, &input).iter().zip(&values).zip(&bounds).enumerate() {
                assert!(
                    g.is_finite() && (g as f64 - v).abs() <= *b,
                    "{} {shape:?} {acts:?} output {i}: {g} vs {v} (bound {b})",
                    backend.name()
                );
            }
        }
    }
}
