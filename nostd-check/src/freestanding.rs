//! What compiled Rust code expects from a C library, for x86_64 programs
//! without one (`nostd-check/` and `emulator/`): `memcpy`, `memmove`,
//! `memset`, `memcmp`, `bcmp`, and the unwinding personality that the
//! precompiled `core` refers to.
//!
//! The copies and fills are `rep movsb`/`rep stosb`: one instruction, which
//! the compiler cannot turn back into a call of the function it is in (as it
//! can a byte loop), and cheap under an emulator.

/// # Safety
///
/// `dst` and `src` valid for `n` bytes and not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: both ranges are valid for `n` bytes (caller's contract); the
    // direction flag is clear, as the ABI guarantees at every call.
    unsafe {
        core::arch::asm!("rep movsb", inout("rcx") n => _, inout("rdi") dst => _, inout("rsi") src => _,
            options(nostack, preserves_flags));
    }
    dst
}

/// # Safety
///
/// `dst` and `src` valid for `n` bytes; they may overlap.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize).wrapping_sub(src as usize) >= n {
        // SAFETY: `dst` starts before `src` or at or past its end: copying
        // forward reads every byte before it is overwritten.
        return unsafe { memcpy(dst, src, n) };
    }
    // SAFETY: `dst` lies inside `src`'s range (at or after its start), so n > 0:
    // copy backwards from the last byte (direction flag set, then cleared as
    // the ABI requires).
    unsafe {
        core::arch::asm!("std", "rep movsb", "cld", inout("rcx") n => _, inout("rdi") dst.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _, options(nostack));
    }
    dst
}

/// # Safety
///
/// `dst` valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: `dst` is valid for `n` bytes (caller's contract).
    unsafe {
        core::arch::asm!("rep stosb", inout("rcx") n => _, inout("rdi") dst => _, in("al") c as u8,
            options(nostack, preserves_flags));
    }
    dst
}

/// # Safety
///
/// `a` and `b` valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: both are valid for `n` bytes (caller's contract). Volatile
        // reads keep this loop from being recognised as a call of `memcmp`.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        if x != y {
            return i32::from(x) - i32::from(y);
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

/// Referenced by the precompiled `core` (built to unwind); never called:
/// these programs abort on panic.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
