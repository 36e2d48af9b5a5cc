//! the running-sum box filter: every backend and band split the same bits, the exact mean for u8 and u16; its errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_box_filter(data));
