//! Fuzz target `filter_u8`: u8 → u8, i16 and f32, every backend bit-exact with the reference.

use crate::bytes::Bytes;
use crate::case::{source, Case};
use crate::run::{check_short_scratch, check_u8_output, int_in_place};

/// Fuzz target `filter_u8`: u8 → u8, i16 and f32, every backend bit-exact
/// with the reference; in place; the errors of the fixed-point recipe and
/// of u8 border constants.
pub fn check_filter_u8(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let src_buf = source(&mut b, &case.src, s, |v| v);
    let u8_out = check_u8_output::<u8>(&case, &plan, &src_buf);
    check_u8_output::<i16>(&case, &plan, &src_buf);
    check_u8_output::<f32>(&case, &plan, &src_buf);
    if let Some(want) = u8_out {
        int_in_place(&case, &plan, &src_buf, &want);
        check_short_scratch::<u8, u8>(&plan, &case.src.view(&src_buf, s));
    }
}
