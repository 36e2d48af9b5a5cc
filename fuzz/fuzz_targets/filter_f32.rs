//! f32 → f32 on every backend against the reference (within the f32
//! bound), in place against out of place, ROI layouts, short scratch.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_filter_f32(data));
