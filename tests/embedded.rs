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
//! * the firmware example's filters (`examples/firmware/src/pipeline.rs`,
//!   compiled here as a module) fit their static scratch and give, on every
//!   backend, exactly what the reference gives.

#[path = "../examples/firmware/src/pipeline.rs"]
mod pipeline;

use pipeline::{Pipeline, HEIGHT, PIXELS, SCRATCH_LEN, WIDTH};
use sepconv::{available_backends, backend_by_name, reference, Backend, Border, Borders, ImageView, ImageViewMut};
use sepconv::{Kernel, Output, Plan, Shape};
use sepconv_testkit::XorShift;

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

/// A camera-like frame: gradients, hard edges and noise.
fn frame() -> Vec<u8> {
    let mut rng = XorShift::new(0x2545_F491_4F6C_DD1D);
    (0..PIXELS)
        .map(|i| {
            let (x, y) = (i % WIDTH, i / WIDTH);
            let noise = rng.below(32);
            let edge = if (x / 20 + y / 15) % 2 == 0 { 0 } else { 120 };
            ((x + y) / 3 + edge + noise).min(255) as u8
        })
        .collect()
}

#[test]
fn firmware_pipeline_matches_the_reference() {
    let pipeline = Pipeline::new().unwrap();
    eprintln!("firmware example: scratch {} f32s needed, {SCRATCH_LEN} reserved", pipeline.scratch_len());
    assert!(pipeline.scratch_len() <= SCRATCH_LEN);

    // The expected images, from plans built here (not the example's) and the reference.
    let shape = Shape::new(WIDTH, HEIGHT, 1).unwrap();
    let borders = Borders::uniform(Border::Reflect101);
    let gauss = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let (diff, smooth) = ([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]);
    let k = |taps| Kernel::new(taps).unwrap();
    let blur = Plan::new(shape, k(&gauss), k(&gauss), borders).unwrap();
    let sobel_x = Plan::new(shape, k(&diff), k(&smooth), borders).unwrap();
    let sobel_y = Plan::new(shape, k(&smooth), k(&diff), borders).unwrap();
    let src = frame();
    let mut want_blur = vec![0u8; PIXELS];
    let mut want_gx = vec![0i16; PIXELS];
    let mut want_gy = vec![0i16; PIXELS];
    let view = |d| ImageView::new(d, WIDTH, HEIGHT, 1).unwrap();
    reference::filter(&blur, &view(&src), &mut ImageViewMut::new(&mut want_blur, WIDTH, HEIGHT, 1).unwrap()).unwrap();
    reference::filter(&sobel_x, &view(&want_blur), &mut ImageViewMut::new(&mut want_gx, WIDTH, HEIGHT, 1).unwrap())
        .unwrap();
    reference::filter(&sobel_y, &view(&want_blur), &mut ImageViewMut::new(&mut want_gy, WIDTH, HEIGHT, 1).unwrap())
        .unwrap();
    assert!(want_gx.iter().chain(&want_gy).any(|&g| g.abs() > 200), "the frame has edges");
    assert!(want_gx.iter().chain(&want_gy).all(|&g| g.abs() <= 1020));

    for backend in available_backends() {
        let (mut blurred, mut gx, mut gy) = (vec![0u8; PIXELS], vec![0i16; PIXELS], vec![0i16; PIXELS]);
        // Garbage in the scratch, as in firmware that reuses it.
        let mut scratch = [f32::NAN; SCRATCH_LEN];
        pipeline.blur(backend, &src, &mut blurred, &mut scratch).unwrap();
        pipeline.gradient(backend, &blurred, &mut gx, &mut gy, &mut scratch).unwrap();
        assert!(blurred == want_blur, "blur, {}", backend.name());
        assert!(gx == want_gx, "Sobel x, {}", backend.name());
        assert!(gy == want_gy, "Sobel y, {}", backend.name());
    }
}
