//! The embedded side, on the host and under emulation (`.ci/targets.sh` runs
//! this file on aarch64 under qemu):
//!
//! * the portable backend is the target's vector unit (`neon` on aarch64:
//!   the run under qemu asserts that NEON is what the tests exercise);
//! * the portable u8 engine gives the reference's bits (u8, i16 and f32
//!   outputs) over every width up to three 16-lane blocks and a rotation of
//!   kernels, borders, heights and channels. `.ci/targets.sh` runs this
//!   file a second time on aarch64 built as a release build is (optimised,
//!   no overflow checks), where the compiler vectorises that engine to NEON:
//!   the test suite's own build, with overflow checks, keeps it scalar;
//! * the firmware example's streams (`examples/firmware/src/pipeline.rs`,
//!   compiled here as a module) give, on every backend, the checksums of the
//!   reference's whole-frame filters, printed for `.ci/targets.sh` to
//!   compare with what the firmware prints under qemu; its static plans are
//!   the plans built at run time.

#[path = "../examples/firmware/src/pipeline.rs"]
mod pipeline;

use pipeline::{Fnv, Sums, BLUR_SCRATCH, HEIGHT, SOBEL_SCRATCH, WIDTH};
use sepconv::{available_backends, backend_by_name, reference, Backend, Border, Borders, ImageView, ImageViewMut};
use sepconv::{Kernel, Output, Plan, Shape, Stream};

#[test]
fn portable_backend_is_the_targets_vector_unit() {
    let expected = if cfg!(target_arch = "x86_64") {
        "sse2"
    } else if cfg!(target_arch = "aarch64") {
        "neon"
    } else if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "simd128"
    } else {
        "portable"
    };
    let names: Vec<&str> = available_backends().iter().map(|b| b.name()).collect();
    eprintln!("portable backend: {}; available: {}", Backend::Portable.name(), names.join(", "));
    assert_eq!(Backend::Portable.name(), expected);
    assert!(available_backends().contains(&Backend::Portable));
    assert_eq!(backend_by_name(expected), Some(Backend::Portable));
    if cfg!(target_arch = "aarch64") {
        // No other vector backend on aarch64: NEON is the one every test runs.
        assert_eq!(names, ["scalar", "neon"]);
        assert_eq!(Backend::compiled(), Backend::Portable);
    }
}

/// `dst = plan(src)` by `backend`, or by the reference when `backend` is `None`.
fn run<D: Output<u8> + Default + Clone>(plan: &Plan<'_>, backend: Option<Backend>, src: &[u8]) -> Vec<D> {
    let s = plan.input_shape();
    let mut dst = vec![D::default(); src.len()];
    let src = ImageView::new(src, s.width, s.height, s.channels).unwrap();
    let mut out = ImageViewMut::new(&mut dst, s.width, s.height, s.channels).unwrap();
    if let Some(b) = backend {
        plan.filter(b, &src, &mut out, &mut vec![f32::NAN; plan.scratch_len::<u8>()]).unwrap()
    } else {
        reference::filter(plan, &src, &mut out).unwrap()
    }
    dst
}

#[test]
fn portable_u8_is_bit_identical_to_the_reference() {
    let kernels: [&[f32]; 7] = [
        &[1.0],
        &[0.25, 0.5, 0.25],
        &[-1.0, 0.0, 1.0],
        &[0.0625, 0.25, 0.375, 0.25, 0.0625],
        &[0.1, 0.2, 0.3, 0.4],
        &[-0.05, 0.1, -0.2, 0.9, -0.2, 0.1, -0.05],
        &[0.02, -0.1, 0.3, 0.7, 0.2, -0.15, 0.05, -0.02, 0.01, 0.0, 0.01],
    ];
    let borders = [Border::Constant(17.0), Border::Replicate, Border::Reflect, Border::Reflect101, Border::Wrap];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut cases = 0;
    for width in 1..=3 * 16 + 11 {
        let (row, col) = (kernels[width % 7], kernels[(width / 7 + 3) % 7]);
        let (height, channels) = (1 + width % 9, 1 + width % 4);
        let plan = Plan::new(
            Shape::new(width, height, channels).unwrap(),
            Kernel::new(row).unwrap(),
            Kernel::new(col).unwrap(),
            Borders::new(borders[width % 5], borders[(width / 5) % 5]),
        )
        .unwrap();
        let src: Vec<u8> = (0..width * height * channels)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let p = Some(Backend::Portable);
        assert!(run::<u8>(&plan, p, &src) == run::<u8>(&plan, None, &src), "u8 → u8, width {width}");
        assert!(run::<i16>(&plan, p, &src) == run::<i16>(&plan, None, &src), "u8 → i16, width {width}");
        let (got, want) = (run::<f32>(&plan, p, &src), run::<f32>(&plan, None, &src));
        assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "u8 → f32, width {width}");
        cases += 1;
    }
    eprintln!("portable u8 engine ({}): {cases} shapes bit-identical to the reference", Backend::Portable.name());
}

/// The firmware example's checksums of `frame`'s blur and Sobel gradient,
/// computed by the reference from the whole frame with plans built here at
/// run time (not the example's static ones).
fn reference_sums(frame: &[u8]) -> Sums {
    let shape = Shape::new(WIDTH, HEIGHT, 1).unwrap();
    let borders = Borders::uniform(Border::Reflect101);
    let gauss = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let (diff, smooth) = ([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]);
    let k = |taps| Kernel::new(taps).unwrap();
    let blur = Plan::new(shape, k(&gauss), k(&gauss), borders).unwrap();
    let sobel_x = Plan::new(shape, k(&diff), k(&smooth), borders).unwrap();
    let sobel_y = Plan::new(shape, k(&smooth), k(&diff), borders).unwrap();
    let pixels = WIDTH * HEIGHT;
    let view = |d| ImageView::new(d, WIDTH, HEIGHT, 1).unwrap();
    let mut blurred = vec![0u8; pixels];
    reference::filter(&blur, &view(frame), &mut ImageViewMut::new(&mut blurred, WIDTH, HEIGHT, 1).unwrap()).unwrap();
    let mut sums = Sums { blur: Fnv::NEW, gx: Fnv::NEW, gy: Fnv::NEW };
    sums.blur.bytes(&blurred);
    for (plan, sum) in [(&sobel_x, &mut sums.gx), (&sobel_y, &mut sums.gy)] {
        let mut g = vec![0i16; pixels];
        reference::filter(plan, &view(&blurred), &mut ImageViewMut::new(&mut g, WIDTH, HEIGHT, 1).unwrap()).unwrap();
        assert!(g.iter().any(|&v| v.abs() > 100) && g.iter().all(|&v| v.abs() <= 1020), "the frame has edges");
        sum.i16s(&g);
    }
    sums
}

/// The firmware example's streams (`examples/firmware/src/pipeline.rs`,
/// its static plans and static scratch sizes) give, on every backend, the
/// checksums of the reference's whole-frame filters. Prints them as the
/// firmware does under qemu, where `.ci/targets.sh` compares the two.
#[test]
fn firmware_pipeline_matches_the_reference() {
    let mut frame = vec![0u8; WIDTH * HEIGHT];
    let mut row = [0u8; WIDTH];
    for (y, dst) in frame.chunks_exact_mut(WIDTH).enumerate() {
        pipeline::camera_row(y, 0, &mut row);
        dst.copy_from_slice(&row);
    }
    let want = reference_sums(&frame);
    let mut baseline = Fnv::NEW;
    baseline.bytes(&frame);
    assert_eq!(pipeline::baseline(0, &mut row), baseline);
    eprintln!(
        "firmware reference: blur={:08x} gx={:08x} gy={:08x} (scratch {BLUR_SCRATCH} + 2 × {SOBEL_SCRATCH} f32s)",
        want.blur.0, want.gx.0, want.gy.0
    );
    for backend in available_backends() {
        // Garbage in the scratch, as in firmware that reuses it.
        let (mut blur, mut sx, mut sy) =
            (vec![f32::NAN; BLUR_SCRATCH], vec![f32::NAN; SOBEL_SCRATCH], vec![f32::NAN; SOBEL_SCRATCH]);
        let got = pipeline::frame::<true>(backend, 0, &mut row, &mut blur, [&mut sx, &mut sy]).unwrap();
        assert_eq!(got, want, "{}", backend.name());
        let alone = pipeline::frame::<false>(backend, 0, &mut row, &mut blur, [&mut [], &mut []]).unwrap();
        assert_eq!(alone, Sums { gx: Fnv::NEW, gy: Fnv::NEW, ..want }, "blur alone, {}", backend.name());
    }
}

/// The example's static plans, built by the compiler, are the plans built at run time.
#[test]
fn firmware_static_plans_equal_run_time_plans() {
    let shape = Shape::new(WIDTH, HEIGHT, 1).unwrap();
    let borders = Borders::uniform(Border::Reflect101);
    let gauss = [0.0625, 0.25, 0.375, 0.25, 0.0625];
    let k = Kernel::new(&gauss).unwrap();
    let blur = Plan::new(shape, k, k, borders).unwrap();
    assert_eq!(format!("{blur:?}"), format!("{:?}", pipeline::BLUR));
    assert_eq!(blur.fixed_point().unwrap(), pipeline::BLUR.fixed_point().unwrap());
    assert_eq!(BLUR_SCRATCH, Stream::<u8, u8>::scratch_len(&blur));
    // A 640-wide u8 5-tap blur streams in under 8 KiB of scratch.
    const { assert!(BLUR_SCRATCH * 4 <= 8192) };
}
