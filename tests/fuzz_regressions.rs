//! Inputs the fuzz targets (`fuzz/`) found wrong, kept as tests, and the
//! generator and factorisation errors of the README's "Bad input" table.

use sepconv::depthwise::{
    reference, Activation, F32Weights, I8Weights, LayerShape, Padding, Quantization, SeparableF32, SeparableI8,
};
use sepconv::kernel2d::{Filter2d, Kernel2d};
use sepconv::{Border, Borders, Error, Kernel, Plan, Shape, MAX_TAPS};
use sepconv_core::generate;

/// `fuzz/` target `separable`: `Kernel2d::from_fn` computed and allocated
/// `rows × cols` before checking the sizes, so `from_fn(2³², 2³², …)`
/// overflowed (a panic in debug builds, "capacity overflow" in release) and
/// `from_fn(10⁵, 10⁵, …)` tried to allocate 80 GB.
#[test]
fn kernel2d_from_fn_checks_sizes_before_allocating() {
    for (rows, cols) in [(1 << 32, 1 << 32), (usize::MAX, 2), (2, usize::MAX), (100_000, 100_000), (MAX_TAPS + 1, 1)] {
        let mut calls = 0;
        let k = Kernel2d::from_fn(rows, cols, |_, _| {
            calls += 1;
            1.0
        });
        assert_eq!(k.err(), Some(Error::KernelTooLong), "{rows}×{cols}");
        assert_eq!(calls, 0, "{rows}×{cols}: the weights were computed");
    }
    assert_eq!(Kernel2d::from_fn(0, usize::MAX, |_, _| 1.0).err(), Some(Error::EmptyKernel));
    assert_eq!(Kernel2d::from_fn(MAX_TAPS, 1, |_, _| 1.0).map(|k| k.weights().len()), Ok(MAX_TAPS));
}

/// `fuzz/` target `separable`: `Filter2d::new` documents
/// `InvalidParameter` for a negative tolerance but raised every tolerance
/// below `EXACT` (negative ones too) to `EXACT` and accepted it.
#[test]
fn filter2d_rejects_a_negative_tolerance() {
    let k = Kernel2d::new(&[1.0f32, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0], 3, 3).unwrap();
    for bad in [-1.625, -1e-300, f64::NEG_INFINITY, f64::NAN] {
        assert_eq!(Filter2d::new(k.clone(), bad).err(), Some(Error::InvalidParameter), "{bad}");
        let img = sepconv::Image::<f32>::new(4, 4, 1).unwrap();
        let r = sepconv::filter_2d(&img.view(), &k, sepconv::Borders::default(), bad);
        assert_eq!(r.err(), Some(Error::InvalidParameter), "{bad}");
    }
    // Zero and tiny tolerances are still raised to `EXACT`.
    for ok in [0.0, -0.0, 1e-300, f64::INFINITY] {
        assert!(Filter2d::new(k.clone(), ok).is_ok(), "{ok}");
    }
}

/// The generators' errors (README, "Bad input").
#[test]
fn generator_errors() {
    let mut buf = [0.0f32; MAX_TAPS + 1];
    assert_eq!(generate::gaussian(0, 1.0, &mut buf).err(), Some(Error::EmptyKernel));
    assert_eq!(generate::gaussian(MAX_TAPS + 1, 1.0, &mut buf).err(), Some(Error::KernelTooLong));
    assert_eq!(generate::gaussian(5, f64::NAN, &mut buf).err(), Some(Error::NonFiniteWeight));
    assert_eq!(generate::gaussian(5, 1.0, &mut buf[..4]).err(), Some(Error::BufferTooShort { needed: 5, actual: 4 }));
    assert_eq!(generate::box_kernel(usize::MAX, true, &mut buf).err(), Some(Error::KernelTooLong));
    assert_eq!(generate::binomial(0, &mut buf).err(), Some(Error::EmptyKernel));
    // Sobel: even or too large sizes, an order the size cannot carry; Scharr above order 1.
    assert_eq!(generate::deriv(1, 4, false, &mut buf).err(), Some(Error::InvalidKernelSize));
    assert_eq!(generate::deriv(1, 33, false, &mut buf).err(), Some(Error::InvalidKernelSize));
    assert_eq!(generate::deriv(3, 3, false, &mut buf).err(), Some(Error::InvalidParameter));
    assert_eq!(generate::deriv(2, generate::SCHARR, false, &mut buf).err(), Some(Error::InvalidParameter));
    assert_eq!(
        generate::deriv(1, 31, false, &mut buf[..30]).err(),
        Some(Error::BufferTooShort { needed: 31, actual: 30 })
    );
    // Derivatives of a Gaussian: order above 2, too few taps, σ that underflows every outer tap.
    assert_eq!(generate::gaussian_derivative(7, 1.0, 3, &mut buf).err(), Some(Error::InvalidParameter));
    assert_eq!(generate::gaussian_derivative(2, 1.0, 2, &mut buf).err(), Some(Error::InvalidParameter));
    assert_eq!(generate::gaussian_derivative(5, 1e-300, 1, &mut buf).err(), Some(Error::InvalidParameter));
    assert_eq!(generate::gaussian_derivative(5, f64::INFINITY, 1, &mut buf).err(), Some(Error::NonFiniteWeight));
}

/// `fuzz/` target `plan`: a shape of 2^63 rows (1 × 2^63 × 1 samples fits
/// `usize`) overflowed the `isize` arithmetic that sizes the lines below
/// the image (an overflow panic in debug builds) instead of being refused.
/// Input kept as `fuzz/corpus/plan/seed-rows-beyond-isize`.
#[test]
fn plan_refuses_rows_beyond_isize() {
    let taps = [0.25f32, 0.5, 0.25];
    let k = Kernel::new(&taps).unwrap();
    for height in [1usize << 63, usize::MAX] {
        let Ok(shape) = Shape::new(1, height, 1) else { continue };
        for border in [Border::Reflect101, Border::Constant(0.0)] {
            assert_eq!(Plan::new(shape, k, k, Borders::uniform(border)).err(), Some(Error::SizeOverflow), "{height}");
        }
    }
    assert!(Shape::new(1, 1 << 63, 1).is_ok(), "the case above must reach the plan");
}

/// `fuzz/` target `depthwise`: `LayerShape::parameter_counts` multiplied
/// `K_h·K_w` before `C_in`, so a shape with no input channels and a kernel
/// whose `K_h·K_w` overflows `usize` gave `None` ("a count overflows")
/// for counts of 0. Input kept as `fuzz/corpus/depthwise/seed-zero-channels-huge-kernel`.
#[test]
fn parameter_counts_of_no_channels_do_not_overflow() {
    let shape =
        LayerShape { kernel_height: usize::MAX / 2, ..LayerShape::new(11, 15, 0, 1 << 16, 3, 2, Padding::Same) };
    assert_eq!(shape.parameter_counts(), Some((0, 0)));
    assert_eq!(LayerShape { out_channels: 0, ..shape }.parameter_counts(), Some((0, 0)));
    assert_eq!(LayerShape { in_channels: 1, ..shape }.parameter_counts(), None);
    assert_eq!(shape.output_size(), Err(Error::ZeroSize));
}

/// `fuzz/` target `depthwise`: the references computed a valid-padding
/// output size as TFLite writes it, `(n + s − k) / s`, which overflows for
/// a stride near `usize::MAX` (a panic in debug builds, no output at all in
/// release) although the layer, of one output pixel, is valid.
#[test]
fn depthwise_references_take_any_stride() {
    let shape = LayerShape { stride_x: usize::MAX, ..LayerShape::new(4, 5, 1, 1, 3, 1, Padding::Valid) };
    let input: Vec<f32> = (1..=20).map(|v| v as f32).collect();
    let f32_layer = SeparableF32::new(
        shape,
        F32Weights {
            depthwise: &[1.0; 9],
            depthwise_bias: &[0.0],
            depthwise_activation: Activation::None,
            pointwise: &[1.0],
            pointwise_bias: &[0.0],
            activation: Activation::None,
        },
    )
    .unwrap();
    assert_eq!(f32_layer.output_size(), (2, 1));
    let (mut values, mut bounds) = ([0.0; 2], [0.0; 2]);
    reference::separable_f32(&f32_layer, &input, &mut values, &mut bounds).unwrap();
    // Columns 0..3 of rows 0..3, then of rows 1..4.
    assert_eq!(values, [63.0, 108.0]);
    let q = Quantization::new(1.0, 0);
    let i8_layer = SeparableI8::new(
        shape,
        I8Weights {
            input: q,
            depthwise: &[1; 9],
            depthwise_scales: &[0.5],
            depthwise_bias: &[0],
            depthwise_output: q,
            depthwise_activation: Activation::None,
            pointwise: &[1],
            pointwise_scales: &[1.0],
            pointwise_bias: &[0],
            output: q,
            activation: Activation::None,
        },
    )
    .unwrap();
    let input: Vec<i8> = (1..=20).collect();
    let mut out = [0i8; 2];
    reference::separable_i8(&i8_layer, &input, &mut out).unwrap();
    assert_eq!(out, [32, 54]);
}
