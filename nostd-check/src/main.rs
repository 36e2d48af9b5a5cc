//! The `no_std` proof: sepconv-core filtering with no std, no allocator and
//! no C runtime start files, on x86_64 Linux.
//!
//! Filters a static 16×8 image (u8 and f32) with OpenCV's 5-tap Gaussian
//! `[1 4 6 4 1]/16` in both directions, `Reflect101` borders, and compares
//! every output with a value computed here independently (integer sums and
//! a hand-written border rule). Exit status: 0 all correct, 1 a u8 output
//! is wrong, 2 an f32 output is wrong, 3 the library returned an error,
//! 4 the kernel generator disagrees, 5 a depthwise-separable layer (f32 or
//! int8) disagrees, 101 a panic.
//!
//! The depthwise-separable layer (6×6×4 → 8, 3×3, stride 2, `same`) runs in
//! f32 against a direct sum written here (integer inputs and dyadic
//! weights: exact) and in int8 against the core's reference, bit for bit.
//!
//! Without a C library, the few symbols that compiled Rust code expects from
//! one (`memcpy` and friends) and the unwinding personality that the
//! precompiled `core` references are defined in `freestanding.rs`.

#![no_std]
#![no_main]

use sepconv_core::depthwise::{
    reference, Activation, F32Weights, I8Weights, LayerShape, Padding, Quantization, SeparableF32, SeparableI8,
};
use sepconv_core::{generate, Backend, Border, Borders, ImageView, ImageViewMut, Kernel, Plan, Shape};

const W: usize = 16;
const H: usize = 8;
/// The integer taps; the kernel is `TAPS / 16`.
const TAPS: [i64; 5] = [1, 4, 6, 4, 1];

static SRC_U8: [u8; W * H] = image();
static SRC_F32: [f32; W * H] = {
    let mut out = [0.0f32; W * H];
    let mut i = 0;
    while i < W * H {
        out[i] = SRC_U8[i] as f32;
        i += 1;
    }
    out
};

/// A deterministic test image: `(37x + 11y + 7xy) mod 256`.
const fn image() -> [u8; W * H] {
    let mut out = [0u8; W * H];
    let mut i = 0;
    while i < W * H {
        let (x, y) = (i % W, i / W);
        out[i] = ((37 * x + 11 * y + 7 * x * y) % 256) as u8;
        i += 1;
    }
    out
}

/// `gfedcb|abcdefgh|gfedcba`, written here rather than taken from the library.
fn reflect101(p: isize, n: isize) -> usize {
    let period = 2 * n - 2;
    let m = p.rem_euclid(period);
    (if m < n { m } else { period - m }) as usize
}

/// `256 ×` the exact filtered value at `(x, y)`: an integer.
fn expected_times_256(x: usize, y: usize) -> i64 {
    let mut sum = 0;
    for (j, cj) in TAPS.iter().enumerate() {
        let sy = reflect101(y as isize + j as isize - 2, H as isize);
        for (i, ri) in TAPS.iter().enumerate() {
            let sx = reflect101(x as isize + i as isize - 2, W as isize);
            sum += cj * ri * SRC_U8[sy * W + sx] as i64;
        }
    }
    sum
}

fn run() -> Result<(), i32> {
    let mut taps = [0.0f32; 5];
    let taps = generate::gaussian(5, 0.0, &mut taps).map_err(|_| 3)?;
    if taps.iter().zip(TAPS).any(|(&t, n)| t != n as f32 / 16.0) {
        return Err(4);
    }
    let k = Kernel::new(taps).map_err(|_| 3)?;
    let plan =
        Plan::new(Shape::new(W, H, 1).map_err(|_| 3)?, k, k, Borders::uniform(Border::Reflect101)).map_err(|_| 3)?;
    let mut scratch = [0.0f32; 8192];
    let backend = Backend::compiled();

    let mut out_u8 = [0u8; W * H];
    plan.filter(
        backend,
        &ImageView::new(&SRC_U8, W, H, 1).map_err(|_| 3)?,
        &mut ImageViewMut::new(&mut out_u8, W, H, 1).map_err(|_| 3)?,
        &mut scratch,
    )
    .map_err(|_| 3)?;

    let mut out_f32 = [0.0f32; W * H];
    plan.filter(
        backend,
        &ImageView::new(&SRC_F32, W, H, 1).map_err(|_| 3)?,
        &mut ImageViewMut::new(&mut out_f32, W, H, 1).map_err(|_| 3)?,
        &mut scratch,
    )
    .map_err(|_| 3)?;

    for y in 0..H {
        for x in 0..W {
            let exact = expected_times_256(x, y);
            // u8: within 1 of the rounded exact value (DESIGN.md).
            let rounded = (exact + 128) / 256;
            if (out_u8[y * W + x] as i64 - rounded).abs() > 1 {
                return Err(1);
            }
            // f32: dyadic weights and integer samples, so every product and
            // partial sum is exact: the result is exact too.
            if (out_f32[y * W + x] - exact as f32 / 256.0).abs() > 1e-4 {
                return Err(2);
            }
        }
    }
    depthwise(backend)
}

const DW_SHAPE: LayerShape = LayerShape::new(6, 6, 4, 8, 3, 2, Padding::Same);
const DW_IN: usize = 6 * 6 * 4;
const DW_OUT: usize = 3 * 3 * 8;

/// A small depthwise-separable layer in f32 and int8, with static weights.
fn depthwise(backend: Backend) -> Result<(), i32> {
    let dw: [f32; 36] = core::array::from_fn(|i| ((i % 5) as f32 - 2.0) * 0.25);
    let pw: [f32; 32] = core::array::from_fn(|i| ((i * 7 % 9) as f32 - 4.0) * 0.5);
    let dw_bias = [0.5f32, -0.5, 1.0, 0.0];
    let pw_bias: [f32; 8] = core::array::from_fn(|i| i as f32 - 3.0);
    let layer = SeparableF32::new(
        DW_SHAPE,
        F32Weights {
            depthwise: &dw,
            depthwise_bias: &dw_bias,
            depthwise_activation: Activation::Relu,
            pointwise: &pw,
            pointwise_bias: &pw_bias,
            activation: Activation::None,
        },
    )
    .map_err(|_| 3)?;
    let input: [f32; DW_IN] = core::array::from_fn(|i| (i * 13 % 11) as f32 - 5.0);
    let mut out = [0.0f32; DW_OUT];
    let mut scratch = [0.0f32; 256];
    layer.run(backend, &input, &mut out, &mut scratch).map_err(|_| 3)?;
    // Direct: 6 → 3 with `same` at stride 2 pads nothing before (the odd pixel after).
    for oy in 0..3 {
        for ox in 0..3 {
            for o in 0..8 {
                let mut sum = pw_bias[o];
                for c in 0..4 {
                    let mut mid = dw_bias[c];
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (iy, ix) = (oy * 2 + ky, ox * 2 + kx);
                            if iy < 6 && ix < 6 {
                                mid += dw[(ky * 3 + kx) * 4 + c] * input[(iy * 6 + ix) * 4 + c];
                            }
                        }
                    }
                    sum += pw[o * 4 + c] * mid.max(0.0);
                }
                if out[(oy * 3 + ox) * 8 + o] != sum {
                    return Err(5);
                }
            }
        }
    }

    let qdw: [i8; 36] = core::array::from_fn(|i| (i as i32 * 37 % 255 - 127) as i8);
    let qpw: [i8; 32] = core::array::from_fn(|i| (i as i32 * 91 % 255 - 127) as i8);
    let qlayer = SeparableI8::new(
        DW_SHAPE,
        I8Weights {
            input: Quantization::new(0.05, -3),
            depthwise: &qdw,
            depthwise_scales: &[0.01, 0.02, 0.015, 0.01],
            depthwise_bias: &[100, -200, 0, 50],
            depthwise_output: Quantization::new(0.1, 5),
            depthwise_activation: Activation::Relu6,
            pointwise: &qpw,
            pointwise_scales: &[0.01],
            pointwise_bias: &[10, 20, 30, 40, -10, -20, -30, -40],
            output: Quantization::new(0.2, -10),
            activation: Activation::None,
        },
    )
    .map_err(|_| 3)?;
    let qinput: [i8; DW_IN] = core::array::from_fn(|i| (i as i32 * 53 % 256 - 128) as i8);
    let (mut got, mut want) = ([0i8; DW_OUT], [0i8; DW_OUT]);
    let mut qscratch = [0i32; 128];
    qlayer.run(backend, &qinput, &mut got, &mut qscratch).map_err(|_| 3)?;
    reference::separable_i8(&qlayer, &qinput, &mut want).map_err(|_| 3)?;
    if got != want {
        return Err(5);
    }
    Ok(())
}

fn write_stdout(msg: &[u8]) {
    // SAFETY: write(2) on fd 1 reads `msg.len()` bytes from `msg`, a valid
    // slice; it clobbers only rcx and r11 (declared) and returns in rax.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") 1usize => _,
            in("rdi") 1usize,
            in("rsi") msg.as_ptr(),
            in("rdx") msg.len(),
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
}

fn exit(code: i32) -> ! {
    // SAFETY: exit_group(2) ends the process and does not return.
    unsafe {
        core::arch::asm!("syscall", in("rax") 231usize, in("rdi") code as isize, options(noreturn, nostack));
    }
}

/// Called by `_start` with a 16-byte aligned stack.
extern "C" fn entry() -> ! {
    match run() {
        Ok(()) => {
            write_stdout(
                b"sepconv-nostd-check: u8 and f32 5-tap Gaussian and depthwise-separable f32/int8 outputs correct\n",
            );
            exit(0)
        }
        Err(code) => {
            write_stdout(b"sepconv-nostd-check: FAILED\n");
            exit(code)
        }
    }
}

// The process entry point. The kernel starts it with `rsp` 16-byte aligned
// and no return address, so a Rust `extern "C" fn _start` would see a stack
// misaligned by 8; this stub aligns it and calls `entry`.
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor ebp, ebp",
    "and rsp, -16",
    "call {entry}",
    "ud2",
    entry = sym entry,
);

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    write_stdout(b"sepconv-nostd-check: panic\n");
    exit(101)
}

/// `memcpy` & co. and the unwinding personality (no C library here).
/// `emulator/` includes the same file.
mod freestanding;
