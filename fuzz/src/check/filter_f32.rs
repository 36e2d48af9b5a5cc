//! Fuzz target `filter_f32`: f32 → f32 on every backend against the reference.

use crate::bytes::Bytes;
use crate::case::{f32_source, Case};
use crate::run::{check_f32_all, check_short_scratch};

/// Fuzz target `filter_f32`: f32 → f32 on every backend against the
/// reference, in place against out of place, ROI layouts, short scratch.
pub fn check_filter_f32(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let src_buf = f32_source(&mut b, &case.src, s);
    check_f32_all(&case, &plan, &src_buf);
    check_short_scratch::<f32, f32>(&plan, &case.src.view(&src_buf, s));
}
