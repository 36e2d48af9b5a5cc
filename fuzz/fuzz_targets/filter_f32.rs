//! Arbitrary shape, kernels, anchors, borders and samples: invalid input
//! must give an error, valid input the same answer from every backend.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_plan_f32(data));
