//! u16 → u16 and f32 on every backend, bit-identical to the reference; in place; the u16 recipe's and border constants' errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_filter_u16(data));
