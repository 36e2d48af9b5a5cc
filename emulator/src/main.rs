//! The AVX-512 backend's checks, as a freestanding x86_64 program that
//! `run.py` executes on an emulated CPU (BochsCPU, which implements
//! AVX-512F/BW): CI's machines have AVX2 but not AVX-512, so without this
//! the AVX-512 code paths would never run before they reach a user.
//!
//! No operating system is involved: `_start` runs every check, writes its
//! log into [`LOG`] and its verdict into [`STATUS`], and halts. `run.py`
//! loads the ELF image, sets up long mode with AVX-512 enabled, runs it
//! until `hlt` and prints the log. The checks compare the AVX-512 backend
//! with `sepconv_core::reference` (itself checked against a direct 2D f64
//! oracle by the host's test suite): u8 pipelines bit for bit, f32 within
//! twice the derived bound of the reference (each is within the bound of
//! the exact result), the depthwise layers against their references.

#![no_std]
#![no_main]

mod checks;
#[path = "../../nostd-check/src/freestanding.rs"]
mod freestanding;
mod runtime;

/// 0 while running, 1 when every check passed, 2 when one failed, 3 on a panic.
#[no_mangle]
pub static mut STATUS: u64 = 0;

/// What the checks report, as UTF-8 text; `LOG_LEN` bytes are written.
#[no_mangle]
pub static mut LOG: [u8; runtime::LOG_CAPACITY] = [0; runtime::LOG_CAPACITY];

/// Bytes of [`LOG`] in use.
#[no_mangle]
pub static mut LOG_LEN: u64 = 0;

/// 0: run every check group; `k` in `1..=CHECK_GROUPS`: only group `k`
/// (run.py's control runs set it).
#[no_mangle]
pub static mut ONLY: u64 = 0;

/// How many check groups [`ONLY`] can select.
#[no_mangle]
pub static CHECK_GROUPS: u64 = checks::GROUPS;
