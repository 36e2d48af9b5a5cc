//! Plan::with_strip_width / with_column_strategy / with_streaming:
//! strips and streaming never change a bit, every strategy within bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_variants(data));
