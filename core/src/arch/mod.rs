//! Proof tokens of the instruction sets detected at run time (their vector
//! types are in `simd/`).

#[cfg(target_arch = "x86_64")]
pub mod x86_64;
