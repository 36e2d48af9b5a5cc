//! One lane: the scalar backend runs the engines' code with plain integer
//! and float arithmetic (small code, for targets without a vector unit).

use super::{sealed, F32Vector, F64Vector, Generic, I16Vector, I32Vector, NoStreams, Op, Simd};
use crate::depthwise::quant::multiply_by_quantized_multiplier;
use crate::fixed16::floor;

/// The scalar backend's token: plain code, available everywhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scalar;

impl sealed::Sealed for Scalar {}

impl Simd for Scalar {
    const NAME: &'static str = "scalar";
    type F32 = f32;
    type I16 = OneI16;
    type F64 = f64;
    type I32 = OneI32;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn vectorize<O: Op>(self, op: O) -> O::Output {
        op.run(self)
    }
}

impl F32Vector for f32 {
    type Token = Scalar;
    const LANES: usize = 1;
    type Unroll = Generic;
    type Streaming = NoStreams;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Scalar, x: f32) -> Self {
        x
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Scalar, ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees `ptr` is readable.
        unsafe { ptr.read() }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees `ptr` is writable.
        unsafe { ptr.write(self) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        self + b
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        self - b
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul(self, b: Self) -> Self {
        self * b
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // Unfused: `f32::mul_add` is a libm call without std.
        self * b + c
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn zero_bits(self) -> bool {
        self.to_bits() == 0
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finite_or(self, other: Self) -> Self {
        if self.is_finite() {
            self
        } else {
            other
        }
    }
}

impl F64Vector for f64 {
    type Token = Scalar;
    const LANES: usize = 1;
    type Unroll = Generic;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Scalar, x: f64) -> Self {
        x
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Scalar, ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees `ptr` is readable.
        unsafe { ptr.read() }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees `ptr` is writable.
        unsafe { ptr.write(self) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees `ptr` is writable.
        unsafe { ptr.write(self as f32) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        // SAFETY: the caller guarantees `ptr` is writable.
        unsafe { ptr.write(self.clamp(0.0, 65535.0) as u16) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        self + b
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        self - b
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn floor_scaled(self, scale: Self) -> Self {
        floor(self * scale)
    }
}

/// One `i16` lane. [`interleave`](I16Vector::interleave) keeps the two
/// samples apart, and [`madd`](I16Vector::madd) adds both products to the
/// first accumulator (the second is unused).
#[derive(Debug, Clone, Copy)]
pub struct OneI16(i16);

impl I16Vector for OneI16 {
    type Token = Scalar;
    const LANES: usize = 1;
    type Unroll = Generic;
    type Wide = i32;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat_wide(_: Scalar, v: i32) -> i32 {
        v
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Scalar, v: i16) -> Self {
        OneI16(v)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_u8(_: Scalar, ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees a readable byte.
        OneI16(unsafe { ptr.read() } as i16)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i16(_: Scalar, ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees a readable i16.
        OneI16(unsafe { ptr.read() })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        OneI16(self.0.wrapping_add(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        OneI16(self.0.wrapping_sub(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn interleave(self, b: Self) -> (Self, Self) {
        (self, b)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd((a, b): (Self, Self), weights: i32, (acc, unused): (i32, i32)) -> (i32, i32) {
        let (wa, wb) = (weights as i16 as i32, weights >> 16);
        (acc + a.0 as i32 * wa + b.0 as i32 * wb, unused)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn shift_right((acc, unused): (i32, i32), shift: u32) -> (i32, i32) {
        (acc >> shift, unused)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn pack((acc, _): (i32, i32)) -> Self {
        OneI16(acc.clamp(i16::MIN as i32, i16::MAX as i32) as i16)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees a writable i16.
        unsafe { ptr.write(self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u8(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees a writable byte.
        unsafe { ptr.write(self.0.clamp(0, 255) as u8) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32((acc, _): (i32, i32), scale: f32, ptr: *mut f32) {
        // SAFETY: the caller guarantees a writable f32.
        unsafe { ptr.write(acc as f32 * scale) }
    }
}

/// `a.lo · b.lo + a.hi · b.hi` of two i16 pairs, wrapping as `pmaddwd`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn madd_pair(a: i32, b: i32) -> i32 {
    ((a as i16 as i32) * (b as i16 as i32)).wrapping_add((a >> 16) * (b >> 16))
}

/// One `i32` lane.
#[derive(Debug, Clone, Copy)]
pub struct OneI32(i32);

impl I32Vector for OneI32 {
    type Token = Scalar;
    const LANES: usize = 1;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Scalar, v: i32) -> Self {
        OneI32(v)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i8(_: Scalar, s: &[i8], at: usize) -> Self {
        OneI32(s[at] as i32)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i32(_: Scalar, s: &[i32], at: usize) -> Self {
        OneI32(s[at])
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i32_unchecked(_: Scalar, p: *const i32) -> Self {
        // SAFETY: the caller guarantees a readable i32.
        OneI32(unsafe { p.read() })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        OneI32(self.0.wrapping_add(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        OneI32(self.0.wrapping_sub(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub_mul(self, b: Self, c: Self) -> Self {
        OneI32(self.0.wrapping_sub(b.0).wrapping_mul(c.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd_add(self, a: Self, b: Self) -> Self {
        OneI32(self.0.wrapping_add(madd_pair(a.0, b.0)))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn requantize(self, mult: Self, shift: Self, zero: i32, (lo, hi): (i32, i32)) -> Self {
        OneI32(multiply_by_quantized_multiplier(self.0, mult.0, shift.0).wrapping_add(zero).max(lo).min(hi))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i16(self, dst: &mut [i16]) {
        dst[0] = self.0 as i16;
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i8(self, dst: &mut [i8]) {
        dst[0] = self.0 as i8;
    }
}
