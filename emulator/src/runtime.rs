//! What a freestanding program needs: the entry point, the panic handler
//! and the log (the memory functions are `nostd-check/src/freestanding.rs`).

use core::fmt::{self, Write};
use core::ptr::{addr_of, addr_of_mut};

use crate::{CHECK_GROUPS, LOG, LOG_LEN, ONLY, STATUS};

pub const LOG_CAPACITY: usize = 1 << 16;

/// Appends to [`LOG`] (the program is single-threaded; nothing else touches it).
pub struct Log;

impl Write for Log {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: single-threaded; the statics are only accessed here and in `finish`.
        unsafe {
            let len = addr_of_mut!(LOG_LEN).read() as usize;
            let room = LOG_CAPACITY - len;
            let n = s.len().min(room);
            core::ptr::copy_nonoverlapping(s.as_ptr(), addr_of_mut!(LOG).cast::<u8>().add(len), n);
            addr_of_mut!(LOG_LEN).write((len + n) as u64);
        }
        Ok(())
    }
}

/// `writeln!` into the log.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::runtime::Log, $($arg)*);
    }};
}

/// The check group to run alone, or 0 for all (see [`ONLY`]).
pub fn only() -> u64 {
    // SAFETY: single-threaded; run.py may have written it before the start,
    // hence the volatile reads (which also keep `CHECK_GROUPS`, which run.py
    // reads, in the binary).
    let (only, groups) = unsafe { (addr_of_mut!(ONLY).read_volatile(), addr_of!(CHECK_GROUPS).read_volatile()) };
    assert!(only <= groups, "no check group {only}");
    only
}

/// Flushes a cache line: run.py's `clflush` hook notes the time of each
/// call (the emulator has no I/O devices, so no debug port).
pub fn mark() {
    let line = 0u64;
    // SAFETY: `clflush` of a valid stack address changes no data.
    unsafe { core::arch::asm!("clflush [{}]", in(reg) &line, options(nostack, preserves_flags)) };
}

/// Records the verdict and stops the (emulated) CPU.
fn finish(status: u64) -> ! {
    // SAFETY: single-threaded; a volatile write so that the store is not elided before `hlt`.
    unsafe { addr_of_mut!(STATUS).write_volatile(status) };
    // SAFETY: the program runs at privilege level 0 on the emulator, where
    // `hlt` ends the run (run.py stops the session on it).
    // `hlt` again if execution ever resumed (an interrupt): never falls through.
    unsafe { core::arch::asm!("2:", "hlt", "jmp 2b", options(noreturn, nostack)) }
}

#[no_mangle]
pub extern "C" fn _start() -> ! {
    let failures = crate::checks::run_all();
    finish(if failures == 0 { 1 } else { 2 })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(Log, "panic: {info}");
    finish(3)
}
