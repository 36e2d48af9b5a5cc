//! The embedded side, on the host and under emulation (`.ci/targets.sh` runs
//! this file on aarch64 under qemu):
//!
//! * the portable backend is the target's vector unit (`neon` on aarch64:
//!   the run under qemu asserts that NEON is what the tests exercise);
//! * the firmware example's filters (`examples/firmware/src/pipeline.rs`,
//!   compiled here as a module) fit their static scratch and give, on every
//!   backend, exactly what the reference gives.

#[path = "../examples/firmware/src/pipeline.rs"]
mod pipeline;

use pipeline::{Pipeline, HEIGHT, PIXELS, SCRATCH_LEN, WIDTH};
use sepconv::{available_backends, backend_by_name, reference, Backend, Border, Borders, ImageView, ImageViewMut};
use sepconv::{Kernel, Plan, Shape};

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

/// A camera-like frame: gradients, hard edges and noise.
fn frame() -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..PIXELS)
        .map(|i| {
            let (x, y) = (i % WIDTH, i / WIDTH);
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state % 32) as usize;
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
    reference::filter_u8(&blur, &view(&src), &mut ImageViewMut::new(&mut want_blur, WIDTH, HEIGHT, 1).unwrap())
        .unwrap();
    reference::filter_u8(&sobel_x, &view(&want_blur), &mut ImageViewMut::new(&mut want_gx, WIDTH, HEIGHT, 1).unwrap())
        .unwrap();
    reference::filter_u8(&sobel_y, &view(&want_blur), &mut ImageViewMut::new(&mut want_gy, WIDTH, HEIGHT, 1).unwrap())
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
