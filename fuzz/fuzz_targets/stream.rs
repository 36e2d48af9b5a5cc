//! rows pushed one at a time equal the whole-image filter on every backend; the stream's errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_stream(data));
