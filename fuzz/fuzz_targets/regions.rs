//! Valid-region plans, in-place filtering and filter_band (any band
//! equals the same rows of one call, bit for bit).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_regions(data));
