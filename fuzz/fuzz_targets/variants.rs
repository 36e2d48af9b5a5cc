//! Plan::with_column_strategy / with_streaming: streaming never changes a
//! bit, every strategy within bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_variants(data));
