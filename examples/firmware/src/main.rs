//! sepconv-core in firmware: a Cortex-M4F/M7 binary (`thumbv7em-none-eabihf`)
//! with no std, no allocator and no runtime crate. One 640×480 u8 camera
//! frame is filtered row by row as the camera delivers it: blurred with a
//! 5-tap Gaussian and (feature `gradient`) its Sobel gradient taken
//! (u8 → i16), through streams over a few rows of static scratch, with
//! plans the compiler built ([`pipeline`]).
//!
//! It runs on the Arm MPS2 AN386 board (Cortex-M4F) as QEMU emulates it
//! (`qemu-system-arm -M mps2-an386`, `.ci/targets.sh`): it times the frame
//! with the board's first CMSDK timer (25 MHz), prints the outputs'
//! checksums and the timer ticks over semihosting, and exits. The
//! start-up code is the minimum a Cortex-M needs (what `cortex-m-rt`
//! does): a vector table (`link.x` puts the initial stack pointer first),
//! a reset handler that enables the FPU (the hard-float ABI uses it),
//! zeroes `.bss`, copies `.data`, and calls [`main`].

#![no_std]
#![no_main]

mod pipeline;

use core::panic::PanicInfo;
use core::ptr::{addr_of, addr_of_mut};

use sepconv_core::Backend;

use pipeline::{BLUR_SCRATCH, HEIGHT, SOBEL_SCRATCH, WIDTH};

/// The scalar backend: a Cortex-M has no vector unit for the portable one.
const BACKEND: Backend = Backend::Scalar;

/// Whether the Sobel gradient follows the blur (else one output type, u8).
const GRADIENT: bool = cfg!(feature = "gradient");
const SOBEL_LEN: usize = if GRADIENT { SOBEL_SCRATCH } else { 0 };

/// Every buffer of the application, in `.bss`: the camera's row and the
/// streams' scratch (five blur lines and a row; three lines and a row per
/// Sobel stream).
struct Buffers {
    row: [u8; WIDTH],
    blur: [f32; BLUR_SCRATCH],
    sobel: [[f32; SOBEL_LEN]; 2],
}

static mut BUFFERS: Buffers = Buffers { row: [0; WIDTH], blur: [0.0; BLUR_SCRATCH], sobel: [[0.0; SOBEL_LEN]; 2] };

#[inline(never)]
fn main() -> ! {
    // SAFETY: `main` runs once, and nothing else (no interrupt handler)
    // touches `BUFFERS`: this is the only reference to it.
    let b = unsafe { &mut *addr_of_mut!(BUFFERS) };
    let timer = Timer::start();
    let t0 = timer.now();
    let [sx, sy] = &mut b.sobel;
    let sums = pipeline::frame::<GRADIENT>(BACKEND, 0, &mut b.row, &mut b.blur, [sx, sy]);
    let t1 = timer.now();
    core::hint::black_box(pipeline::baseline(0, &mut b.row));
    let t2 = timer.now();
    let Ok(sums) = sums else { exit(false) };
    let mut line = Line::new();
    line.text("sepconv-firmware blur=").hex(sums.blur.0);
    line.text(" gx=").hex(sums.gx.0).text(" gy=").hex(sums.gy.0);
    line.text(" pixels=").dec((WIDTH * HEIGHT) as u32);
    line.text(" frame_ticks=").dec(t0 - t1).text(" baseline_ticks=").dec(t1 - t2).text("\n");
    semihosting::write(line.as_cstr());
    exit(true)
}

/// The CMSDK APB timer 0 of the MPS2 board, counting down at 25 MHz from
/// `u32::MAX` (under `qemu -icount shift=0`, one tick is 40 instructions).
struct Timer;

impl Timer {
    const BASE: usize = 0x4000_0000;
    const CTRL: *mut u32 = Self::BASE as *mut u32;
    const VALUE: *mut u32 = (Self::BASE + 4) as *mut u32;
    const RELOAD: *mut u32 = (Self::BASE + 8) as *mut u32;

    fn start() -> Timer {
        // SAFETY: the timer's registers on the MPS2 AN386 memory map; nothing else uses them.
        unsafe {
            Self::RELOAD.write_volatile(u32::MAX);
            Self::VALUE.write_volatile(u32::MAX);
            Self::CTRL.write_volatile(1);
        }
        Timer
    }

    fn now(&self) -> u32 {
        // SAFETY: as in `start`.
        unsafe { Self::VALUE.read_volatile() }
    }
}

/// A line of text built without `core::fmt` (which costs kilobytes of flash).
struct Line {
    buf: [u8; 160],
    len: usize,
}

impl Line {
    fn new() -> Line {
        Line { buf: [0; 160], len: 0 }
    }
    fn text(&mut self, s: &str) -> &mut Line {
        for &c in s.as_bytes() {
            self.byte(c);
        }
        self
    }
    fn hex(&mut self, v: u32) -> &mut Line {
        for i in 0..8 {
            self.byte(b"0123456789abcdef"[(v >> (28 - 4 * i)) as usize & 15]);
        }
        self
    }
    fn dec(&mut self, v: u32) -> &mut Line {
        let mut started = false;
        let mut unit = 1_000_000_000;
        while unit > 0 {
            let digit = (v / unit % 10) as u8;
            started |= digit != 0 || unit == 1;
            if started {
                self.byte(b'0' + digit);
            }
            unit /= 10;
        }
        self
    }
    fn byte(&mut self, c: u8) {
        if self.len + 1 < self.buf.len() {
            self.buf[self.len] = c;
            self.len += 1;
        }
    }
    /// The text, NUL-terminated (the buffer keeps its last byte 0).
    fn as_cstr(&self) -> &[u8] {
        &self.buf[..=self.len]
    }
}

/// Arm semihosting: the debugger (here QEMU) serves `bkpt 0xab` calls.
mod semihosting {
    const SYS_WRITE0: u32 = 0x04;
    const SYS_EXIT: u32 = 0x18;
    /// `ADP_Stopped_ApplicationExit` (QEMU exits with status 0) and
    /// `ADP_Stopped_RunTimeErrorUnknown` (status 1).
    pub const EXIT_SUCCESS: u32 = 0x20026;
    pub const EXIT_FAILURE: u32 = 0x20023;

    #[cfg(target_arch = "arm")]
    fn call(op: u32, arg: usize) {
        // SAFETY: a semihosting call: the debugger reads `arg` as the
        // operation defines (a NUL-terminated string, or an exit reason).
        unsafe { core::arch::asm!("bkpt 0xab", inout("r0") op => _, in("r1") arg, options(nostack)) };
    }

    /// Elsewhere (the host's clippy build) there is no debugger.
    #[cfg(not(target_arch = "arm"))]
    fn call(_: u32, _: usize) {}

    /// Prints a NUL-terminated string.
    pub fn write(text: &[u8]) {
        if text.last() == Some(&0) {
            call(SYS_WRITE0, text.as_ptr() as usize);
        }
    }

    /// Ends the program with `reason`.
    pub fn exit(reason: u32) {
        call(SYS_EXIT, reason as usize);
    }
}

/// Ends the run: the emulator exits with status 0 on success, 1 on failure.
fn exit(success: bool) -> ! {
    semihosting::exit(if success { semihosting::EXIT_SUCCESS } else { semihosting::EXIT_FAILURE });
    fault()
}

/// Where the run ends if no debugger stops it (a debugger finds the core halted in it).
fn fault() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    exit(false)
}

// ---- start-up: vector table and reset handler ----

/// Entry 1 of the vector table (entry 0, the initial stack pointer, is in `link.x`).
#[used]
#[no_mangle]
#[link_section = ".vector_table.reset_vector"]
static RESET_VECTOR: unsafe extern "C" fn() -> ! = Reset;

/// Entries 2–15: NMI, HardFault, … SysTick; all end the run as a failure.
#[used]
#[no_mangle]
#[link_section = ".vector_table.exceptions"]
static EXCEPTIONS: [unsafe extern "C" fn() -> !; 14] = [DefaultHandler; 14];

#[no_mangle]
unsafe extern "C" fn DefaultHandler() -> ! {
    exit(false)
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
