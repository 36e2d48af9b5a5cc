//! the one-call filters against the reference with OpenCV's taps; their errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_one_call(data));
