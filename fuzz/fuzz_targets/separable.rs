//! Kernel2d, its decomposition, SeparableSum on every backend,
//! correlate_2d and filter_2d against an exact f64 oracle.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_separable(data));
