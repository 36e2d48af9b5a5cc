//! Fuzz target `depthwise`: depthwise-separable layers (f32 and int8) against their references.

use bytemuck::Pod;
use sepconv::{available_backends, Backend, Error};
use sepconv_core::depthwise::{
    self, Activation, F32Weights, I8Weights, LayerShape, Padding, SeparableF32, SeparableI8,
};
use sepconv_testkit::verdict::{layer_sizes, lengths_verdict, product, LayerSizes};

use crate::bytes::Bytes;
use crate::case::f32_sample;
use crate::run::{assert_bits, sentinel};

/// Whether running the layer fits a fuzz iteration: the reference does
/// `C_out` times the layer's work.
fn runnable(s: &LayerShape, z: &LayerSizes) -> bool {
    let work = [z.output_len, s.in_channels, s.kernel_height * s.kernel_width + 1];
    z.input_len <= 1 << 16 && work.iter().fold(1usize, |p, &v| p.saturating_mul(v)) <= 1 << 22
}

/// A valid layer on every backend: no buffers at all, and (if `allocate`)
/// input, output or scratch one element short, are errors that leave the
/// output as it was.
fn check_layer_buffers<T: Pod, S: Pod>(
    z: &LayerSizes,
    scratch_len: usize,
    allocate: bool,
    run: impl Fn(Backend, &[T], &mut [T], &mut [S]) -> Result<(), Error>,
) {
    for backend in available_backends() {
        let r = run(backend, &[], &mut [], &mut []);
        assert_eq!(r, Err(Error::BufferTooShort { needed: z.input_len, actual: 0 }), "{}", backend.name());
    }
    if !allocate {
        return;
    }
    let (n_in, n_out) = (z.input_len, z.output_len);
    let input = vec![T::zeroed(); n_in];
    let mut output = sentinel::<T>(n_out);
    let mut scratch = vec![S::zeroed(); scratch_len];
    let cases = [
        (n_in - 1, n_out, scratch_len, Error::BufferTooShort { needed: n_in, actual: n_in - 1 }),
        (n_in, n_out - 1, scratch_len, Error::BufferTooShort { needed: n_out, actual: n_out - 1 }),
        (n_in, n_out, scratch_len - 1, Error::ScratchTooSmall { needed: scratch_len, actual: scratch_len - 1 }),
    ];
    for backend in available_backends() {
        for (i, o, s, want) in cases {
            let r = run(backend, &input[..i], &mut output[..o], &mut scratch[..s]);
            assert_eq!(r, Err(want), "{}", backend.name());
        }
    }
    assert!(bytemuck::cast_slice::<T, u8>(&output).iter().all(|&v| v == 0xA5), "a refused run wrote its output");
}

/// Asserts that nothing past the first `len` elements of `output` was written.
fn assert_tail_untouched<T: Pod>(output: &[T], len: usize, what: &dyn std::fmt::Display) {
    assert!(bytemuck::cast_slice::<T, u8>(&output[len..]).iter().all(|&v| v == 0xA5), "{what}: wrote past the output");
}

/// Fuzz target `depthwise`: depthwise-separable layers (f32 and int8) of
/// arbitrary shapes (sizes up to `usize::MAX`), weights, biases, scales
/// and zero points. Every verdict of the shape and the constructors against
/// a model; valid layers on every backend against the references (int8 bit
/// for bit, f32 within the bound `reference::separable_f32` derives), with
/// garbage scratch, longer buffers (nothing read or written past the
/// lengths used), and short buffers refused.
pub fn check_depthwise(data: &[u8]) {
    let mut b = Bytes::new(data);
    let shape = LayerShape {
        height: b.layer_size(20),
        width: b.layer_size(20),
        in_channels: b.channels(),
        out_channels: b.channels(),
        kernel_height: b.layer_size(7),
        kernel_width: b.layer_size(7),
        stride_y: b.layer_size(4),
        stride_x: b.layer_size(4),
        padding: if b.bool() { Padding::Valid } else { Padding::Same },
    };
    let acts = (b.activation(), b.activation());
    let int8 = b.bool();
    let slack = b.below(3);
    let sizes = layer_sizes(&shape);
    assert_eq!(shape.output_size(), sizes.map(|z| z.out), "{shape:?}");
    assert_eq!(shape.input_len(), sizes.map(|z| z.input_len), "{shape:?}");
    assert_eq!(shape.output_len(), sizes.map(|z| z.output_len), "{shape:?}");
    let [c, c_out, kh, kw] =
        [shape.in_channels, shape.out_channels, shape.kernel_height, shape.kernel_width].map(|v| v as u128);
    let (dw, pw) = (product(&[kh, kw, c]), product(&[c, c_out]));
    let fit = |v: u128| usize::try_from(v).ok();
    let counts = fit(dw.saturating_add(pw)).zip(fit(dw.saturating_mul(c_out)));
    assert_eq!(shape.parameter_counts(), counts, "{shape:?}");
    if int8 {
        check_depthwise_i8(&mut b, shape, sizes, acts, slack);
    } else {
        check_depthwise_f32(&mut b, shape, sizes, acts, slack);
    }
}

/// The f32 half of [`check_depthwise`].
fn check_depthwise_f32(
    b: &mut Bytes,
    shape: LayerShape,
    sizes: Result<LayerSizes, Error>,
    acts: (Activation, Activation),
    slack: usize,
) {
    let (c, c_out) = (shape.in_channels, shape.out_channels);
    let dw_len = shape.kernel_height.saturating_mul(shape.kernel_width).saturating_mul(c);
    let mut slices = [dw_len, c, c.saturating_mul(c_out), c_out].map(|n| {
        let len = b.weight_len(n);
        (0..len).map(|_| (b.next() as f32 - 128.0) / 64.0).collect::<Vec<_>>()
    });
    // Now and then one weight or bias that is not finite.
    let poison = b.next() as usize;
    if let Some(&bad) = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].get((255 - poison) / 8) {
        let s = &mut slices[poison % 4];
        if !s.is_empty() {
            let i = b.next() as usize % s.len();
            s[i] = bad;
        }
    }
    let [dw, dw_bias, pw, pw_bias] = &slices;
    let want = sizes.and_then(|z| {
        let lens =
            [(z.depthwise_len, dw.len()), (c, dw_bias.len()), (z.pointwise_len, pw.len()), (c_out, pw_bias.len())];
        lengths_verdict(&lens)?;
        if slices.iter().flatten().all(|v| v.is_finite()) {
            Ok(z)
        } else {
            Err(Error::NonFiniteWeight)
        }
    });
    let weights = F32Weights {
        depthwise: dw,
        depthwise_bias: dw_bias,
        depthwise_activation: acts.0,
        pointwise: pw,
        pointwise_bias: pw_bias,
        activation: acts.1,
    };
    let layer = SeparableF32::new(shape, weights);
    assert_eq!(layer.as_ref().map(|_| ()).map_err(|e| *e), want.map(|_| ()), "{shape:?}");
    let (Ok(layer), Ok(z)) = (layer, want) else { return };
    assert_eq!((layer.output_size(), layer.scratch_len()), (z.out, z.scratch_f32), "{shape:?}");
    let run_it = runnable(&shape, &z);
    check_layer_buffers(&z, layer.scratch_len(), run_it, |backend, i, o, s| layer.run(backend, i, o, s));
    if !run_it {
        return;
    }
    // NaN past the input: reading it would show in the output.
    let input: Vec<f32> =
        (0..z.input_len).map(|_| f32_sample(b.next())).chain(std::iter::repeat_n(f32::NAN, slack)).collect();
    let (mut values, mut bounds) = (vec![0.0; z.output_len], vec![0.0; z.output_len]);
    depthwise::reference::separable_f32(&layer, &input, &mut values, &mut bounds).expect("reference f32");
    for backend in available_backends() {
        let mut output = sentinel::<f32>(z.output_len + slack);
        layer.run(backend, &input, &mut output, &mut vec![f32::NAN; layer.scratch_len()]).expect("f32 layer");
        let name = backend.name();
        for (i, ((g, v), bound)) in output.iter().zip(&values).zip(&bounds).enumerate() {
            assert!((*g as f64 - v).abs() <= *bound, "{name} {shape:?} output {i}: {g} vs {v} (bound {bound})");
        }
        assert_tail_untouched(&output, z.output_len, &name);
    }
}

/// The int8 half of [`check_depthwise`].
fn check_depthwise_i8(
    b: &mut Bytes,
    shape: LayerShape,
    sizes: Result<LayerSizes, Error>,
    acts: (Activation, Activation),
    slack: usize,
) {
    let (c, c_out) = (shape.in_channels, shape.out_channels);
    let taps = shape.kernel_height.saturating_mul(shape.kernel_width);
    let q = [b.quantization(), b.quantization(), b.quantization()];
    let int8s = |b: &mut Bytes, n| {
        let len = b.weight_len(n);
        (0..len).map(|_| b.next() as i8).collect::<Vec<_>>()
    };
    let scales = |b: &mut Bytes, n| {
        let len = b.scales_len(n);
        (0..len).map(|_| b.scale()).collect::<Vec<_>>()
    };
    let biases = |b: &mut Bytes, n, terms| {
        let len = b.weight_len(n);
        (0..len).map(|_| b.bias(terms)).collect::<Vec<_>>()
    };
    let (dw, dw_scales, dw_bias) = (int8s(b, taps.saturating_mul(c)), scales(b, c), biases(b, c, taps));
    let (pw, pw_scales, pw_bias) = (int8s(b, c.saturating_mul(c_out)), scales(b, c_out), biases(b, c_out, c));
    let per = |n: usize, scales: &[f32]| if scales.len() == 1 { 1 } else { n };
    let scale_ok = |s: f32| s > 0.0 && s < f32::INFINITY;
    let fits = |bias: &[i32], terms: usize| {
        let max = bias.iter().map(|&v| (v as i128).abs()).max().unwrap_or(0);
        max + terms as i128 * 255 * 128 <= i32::MAX as i128
    };
    let want = sizes.and_then(|z| {
        lengths_verdict(&[
            (z.depthwise_len, dw.len()),
            (c, dw_bias.len()),
            (per(c, &dw_scales), dw_scales.len()),
            (z.pointwise_len, pw.len()),
            (c_out, pw_bias.len()),
            (per(c_out, &pw_scales), pw_scales.len()),
        ])?;
        for q in q {
            if !scale_ok(q.scale) {
                return Err(Error::InvalidScale);
            }
            if !(-128..=127).contains(&q.zero_point) {
                return Err(Error::InvalidZeroPoint);
            }
        }
        if !dw_scales.iter().chain(&pw_scales).all(|&s| scale_ok(s)) {
            Err(Error::InvalidScale)
        } else if !(fits(&dw_bias, taps) && fits(&pw_bias, c)) {
            Err(Error::AccumulatorOverflow)
        } else {
            Ok(z)
        }
    });
    let weights = I8Weights {
        input: q[0],
        depthwise: &dw,
        depthwise_scales: &dw_scales,
        depthwise_bias: &dw_bias,
        depthwise_output: q[1],
        depthwise_activation: acts.0,
        pointwise: &pw,
        pointwise_scales: &pw_scales,
        pointwise_bias: &pw_bias,
        output: q[2],
        activation: acts.1,
    };
    let layer = SeparableI8::new(shape, weights);
    assert_eq!(layer.as_ref().map(|_| ()).map_err(|e| *e), want.map(|_| ()), "{shape:?}");
    let (Ok(layer), Ok(z)) = (layer, want) else { return };
    assert_eq!((layer.output_size(), layer.scratch_len()), (z.out, z.scratch_i8), "{shape:?}");
    for (lo, hi) in layer.activation_bounds() {
        assert!(-128 <= lo && lo <= hi && hi <= 127, "activation bounds {lo}..={hi}");
    }
    // A Q31 multiplier in [2^30, 2^31) (or 0: every result 0) and a shift
    // in -31..=30 for every channel, none past the last.
    let q31 = |m: Option<(i32, i32)>| m.is_some_and(|(m, s)| (m == 0 || m >= 1 << 30) && (-31..=30).contains(&s));
    assert!(q31(layer.depthwise_multiplier(c - 1)) && layer.depthwise_multiplier(c).is_none());
    assert!(q31(layer.pointwise_multiplier(c_out - 1)) && layer.pointwise_multiplier(c_out).is_none());
    let run_it = runnable(&shape, &z);
    check_layer_buffers(&z, layer.scratch_len(), run_it, |backend, i, o, s| layer.run(backend, i, o, s));
    if !run_it {
        return;
    }
    let input: Vec<i8> = (0..z.input_len + slack).map(|_| b.next() as i8).collect();
    let mut expected = vec![0i8; z.output_len];
    depthwise::reference::separable_i8(&layer, &input, &mut expected).expect("reference int8");
    for backend in available_backends() {
        let mut output = sentinel::<i8>(z.output_len + slack);
        layer.run(backend, &input, &mut output, &mut vec![0x5555_5555; layer.scratch_len()]).expect("int8 layer");
        assert_bits(&output[..z.output_len], &expected, &format_args!("{} int8 {shape:?}", backend.name()));
        assert_tail_untouched(&output, z.output_len, &backend.name());
    }
}
