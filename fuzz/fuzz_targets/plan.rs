//! Shapes, views, sub-views and plans from arbitrary sizes (up to
//! usize::MAX), strides, buffers, kernels, anchors, borders and regions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sepconv_fuzz::check_plan(data));
