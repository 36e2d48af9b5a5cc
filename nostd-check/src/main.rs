//! The `no_std` proof: sepconv-core filtering with no std, no allocator and
//! no C runtime start files, on x86_64 Linux.
//!
//! Filters a static 16×8 image (u8 and f32) with OpenCV's 5-tap Gaussian
//! `[1 4 6 4 1]/16` in both directions, `Reflect101` borders, and compares
//! every output with a value computed here independently (integer sums and
//! a hand-written border rule). Exit status: 0 all correct, 1 a u8 output
//! is wrong, 2 an f32 output is wrong, 3 the library returned an error,
//! 4 the kernel generator disagrees, 101 a panic.
//!
//! Without a C library, the few symbols that compiled Rust code expects from
//! one (`memcpy` and friends) and the unwinding personality that the
//! precompiled `core` references are defined at the end of this file.

#![no_std]
#![no_main]
// Keeps LLVM from turning the byte loops of `memcpy` & co. below into calls
// to themselves.
#![no_builtins]

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
            write_stdout(b"sepconv-nostd-check: u8 and f32 5-tap Gaussian outputs correct\n");
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

/// The C library functions that compiled Rust code may call, as plain byte
/// loops (this binary has no C library).
mod libc_shim {
    /// # Safety
    ///
    /// `dest` and `src` valid for `n` bytes and not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: both pointers are valid for `n` bytes (caller's contract).
            unsafe { *dest.add(i) = *src.add(i) };
        }
        dest
    }

    /// # Safety
    ///
    /// `dest` and `src` valid for `n` bytes; they may overlap.
    #[no_mangle]
    pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        if (dest as usize) <= (src as usize) {
            for i in 0..n {
                // SAFETY: valid for `n` bytes; copying forward is safe when dest ≤ src.
                unsafe { *dest.add(i) = *src.add(i) };
            }
        } else {
            for i in (0..n).rev() {
                // SAFETY: valid for `n` bytes; copying backward is safe when dest > src.
                unsafe { *dest.add(i) = *src.add(i) };
            }
        }
        dest
    }

    /// # Safety
    ///
    /// `dest` valid for `n` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
        for i in 0..n {
            // SAFETY: `dest` is valid for `n` bytes (caller's contract).
            unsafe { *dest.add(i) = c as u8 };
        }
        dest
    }

    /// # Safety
    ///
    /// `a` and `b` valid for `n` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        for i in 0..n {
            // SAFETY: both pointers are valid for `n` bytes (caller's contract).
            let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
            if x != y {
                return x as i32 - y as i32;
            }
        }
        0
    }

    /// # Safety
    ///
    /// `a` and `b` valid for `n` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: same contract as `memcmp`.
        unsafe { memcmp(a, b, n) }
    }

    /// Referenced by the precompiled `core` (built to unwind); never called
    /// here: every panic aborts.
    #[no_mangle]
    pub extern "C" fn rust_eh_personality() {}
}
