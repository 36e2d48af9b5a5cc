//! Instruction-set specific code: thin instantiations of the generic passes
//! inside `#[target_feature]` entry points, and the proof tokens that make
//! calling them safe.

#[cfg(target_arch = "x86_64")]
pub mod x86_64;
