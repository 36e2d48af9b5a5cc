//! The kernel generators (sepconv_core::generate) on arbitrary
//! lengths, sigma, orders, sizes and buffer lengths.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_generate(data));
