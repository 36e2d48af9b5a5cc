//! u8 → u8, i16 and f32 on every backend, bit-identical to the
//! reference; in place; fixed-point and u8 border-constant errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_filter_u8(data));
