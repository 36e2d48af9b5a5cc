//! Fuzz target `filter_u16`: u16 → u16 and f32, every backend bit-exact with the reference.

use sepconv::Error;
use sepconv_core::fixed16::FixedPoint16;

use crate::bytes::Bytes;
use crate::case::{source, Case};
use crate::run::{check_int_output, check_short_scratch, int_in_place};

/// A u16 sample from a byte: the two extremes (0, 65535), and values spread
/// over the whole range otherwise.
fn u16_sample(b: u8) -> u16 {
    match b {
        0 => 0,
        255 => 65535,
        b => (b as u16).wrapping_mul(257) ^ ((b as u16) << 3),
    }
}

/// Fuzz target `filter_u16`: u16 → u16 and u16 → f32, every backend
/// bit-exact with the reference; in place; the recipe's and the u16 border
/// constants' errors.
pub fn check_filter_u16(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let src_buf = source(&mut b, &case.src, s, u16_sample);
    let verdict = FixedPoint16::new(&plan.row_kernel(), &plan.column_kernel()).map(|_| ()).and_then(|()| {
        let ok = case.constants().all(|v| (0.0..=65535.0).contains(&v) && v.fract() == 0.0);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidBorderValue)
        }
    });
    let want = check_int_output::<u16, u16>(&case, &plan, &src_buf, verdict);
    check_int_output::<u16, f32>(&case, &plan, &src_buf, verdict);
    if let Some(want) = want {
        int_in_place(&case, &plan, &src_buf, &want);
        check_short_scratch::<u16, u16>(&plan, &case.src.view(&src_buf, s));
    }
}
