//! sepconv-core in firmware: a Cortex-M4F/M7 binary (`thumbv7em-none-eabihf`)
//! with no std, no allocator and no runtime crate. Each frame of a 160×120
//! u8 camera is blurred with a 5-tap Gaussian and its Sobel gradient
//! (u8 → i16) taken, from and into static buffers ([`pipeline`]).
//!
//! The start-up code is the minimum a Cortex-M needs (what `cortex-m-rt`
//! does): a vector table (`link.x` puts the initial stack pointer first),
//! a reset handler that enables the FPU (the hard-float ABI uses it),
//! zeroes `.bss`, copies `.data`, and calls [`main`]. The "camera" is a
//! function writing a moving test pattern where a DMA would.

#![no_std]
#![no_main]

// Without `gradient`, the Sobel half of the pipeline goes unused.
#[cfg_attr(not(feature = "gradient"), allow(dead_code))]
mod pipeline;

use core::panic::PanicInfo;
use core::ptr::{addr_of, addr_of_mut};

use sepconv_core::Backend;

use pipeline::{Pipeline, PIXELS, SCRATCH_LEN, WIDTH};

/// The scalar backend. A Cortex-M has no vector unit for the portable
/// backend to map to: its 16-lane arrays unroll into scalar code, about
/// 250 KB of flash (measured) where the scalar backend needs a few KB.
const BACKEND: Backend = Backend::Scalar;

/// Every buffer of the application: 19.2 KB frame, 19.2 KB blurred frame,
/// two 38.4 KB gradients and the filters' scratch, all in `.bss`.
struct Buffers {
    frame: [u8; PIXELS],
    blurred: [u8; PIXELS],
    gx: [i16; PIXELS],
    gy: [i16; PIXELS],
    scratch: [f32; SCRATCH_LEN],
}

static mut BUFFERS: Buffers =
    Buffers { frame: [0; PIXELS], blurred: [0; PIXELS], gx: [0; PIXELS], gy: [0; PIXELS], scratch: [0.0; SCRATCH_LEN] };

/// Stands in for the camera's DMA: a test pattern that moves each frame.
fn capture(frame: &mut [u8; PIXELS], n: u32) {
    for (i, px) in frame.iter_mut().enumerate() {
        let (x, y) = ((i % WIDTH) as u32, (i / WIDTH) as u32);
        *px = (x.wrapping_mul(3) ^ y.wrapping_mul(5)).wrapping_add(n) as u8;
    }
}

#[inline(never)]
fn main() -> ! {
    // SAFETY: `main` runs once, and nothing else (no interrupt handler)
    // touches `BUFFERS`: this is the only reference to it.
    let b = unsafe { &mut *addr_of_mut!(BUFFERS) };
    let Ok(pipeline) = Pipeline::new() else { fault() };
    if pipeline.scratch_len() > SCRATCH_LEN {
        fault();
    }
    let mut n = 0u32;
    loop {
        capture(&mut b.frame, n);
        if pipeline.blur(BACKEND, &b.frame, &mut b.blurred, &mut b.scratch).is_err() {
            fault();
        }
        // Without the `gradient` feature: the blur alone (u8 → u8), to
        // measure the flash cost of one output type.
        #[cfg(feature = "gradient")]
        if pipeline.gradient(BACKEND, &b.blurred, &mut b.gx, &mut b.gy, &mut b.scratch).is_err() {
            fault();
        }
        // Where an application would use the results.
        core::hint::black_box((&b.blurred, &b.gx, &b.gy));
        n = n.wrapping_add(1);
    }
}

/// Errors and panics end here (a debugger finds the core halted in it).
fn fault() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    fault()
}

// ---- start-up: vector table and reset handler ----

/// Entry 1 of the vector table (entry 0, the initial stack pointer, is in `link.x`).
#[used]
#[no_mangle]
#[link_section = ".vector_table.reset_vector"]
static RESET_VECTOR: unsafe extern "C" fn() -> ! = Reset;

/// Entries 2–15: NMI, HardFault, … SysTick; all halt.
#[used]
#[no_mangle]
#[link_section = ".vector_table.exceptions"]
static EXCEPTIONS: [unsafe extern "C" fn() -> !; 14] = [DefaultHandler; 14];

#[no_mangle]
unsafe extern "C" fn DefaultHandler() -> ! {
    fault()
}

extern "C" {
    static mut __sbss: u32;
    static mut __ebss: u32;
    static mut __sdata: u32;
    static mut __edata: u32;
    static __sidata: u32;
}

/// The reset handler: FPU on, `.bss` zeroed, `.data` copied, then [`main`].
///
/// # Safety
///
/// Called by the hardware only, once, out of reset.
#[no_mangle]
unsafe extern "C" fn Reset() -> ! {
    /// Coprocessor Access Control Register (SCB->CPACR).
    const CPACR: *mut u32 = 0xE000_ED88 as *mut u32;
    // SAFETY: out of reset, with the linker script's symbols: CPACR is a
    // core register of every Cortex-M4F/M7; `__sbss..__ebss` and
    // `__sdata..__edata` are word-aligned RAM that nothing uses yet, and
    // `__sidata` is the flash image of `.data`, as long as `.data`.
    unsafe {
        // Full access to CP10 and CP11 (the FPU) before any float instruction.
        CPACR.write_volatile(CPACR.read_volatile() | (0b1111 << 20));
        #[cfg(target_arch = "arm")]
        core::arch::asm!("dsb", "isb", options(nostack, preserves_flags));
        let mut p = addr_of_mut!(__sbss);
        while p < addr_of_mut!(__ebss) {
            p.write_volatile(0);
            p = p.add(1);
        }
        let (mut d, mut s) = (addr_of_mut!(__sdata), addr_of!(__sidata));
        while d < addr_of_mut!(__edata) {
            d.write_volatile(s.read());
            d = d.add(1);
            s = s.add(1);
        }
    }
    main()
}
