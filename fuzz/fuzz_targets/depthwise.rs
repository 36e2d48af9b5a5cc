//! Depthwise-separable layers, f32 and int8: every verdict, every backend
//! against the references.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_depthwise(data));
