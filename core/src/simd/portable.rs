//! The portable backend: `wide::f32x8` for f32, whose instructions are
//! fixed when the crate is compiled (SSE2 on a default x86_64 build, NEON on
//! aarch64, simd128 on wasm with `+simd128`, scalar elsewhere); SSE2
//! intrinsics for the u8 passes on x86_64 (`x86_64/sse2.rs`) and plain
//! arrays that the compiler vectorises elsewhere; arrays for int8.

use wide::{f32x8, f64x4};

use super::scalar::madd_pair;
use super::{sealed, F32Vector, F64Vector, Generic, I32Vector, NoStreams, Op, Simd};
use crate::depthwise::quant::multiply_by_quantized_multiplier;

/// The portable backend's token: `wide` and baseline instructions,
/// available everywhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Portable;

impl sealed::Sealed for Portable {}

impl Simd for Portable {
    const NAME: &'static str = portable_name();
    type F32 = f32x8;
    #[cfg(target_arch = "x86_64")]
    type I16 = core::arch::x86_64::__m128i;
    #[cfg(not(target_arch = "x86_64"))]
    type I16 = Lanes16;
    type F64 = f64x4;
    type I32 = Lanes8;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn vectorize<O: Op>(self, op: O) -> O::Output {
        op.run(self)
    }
}

/// What `wide` compiles to on this target.
pub(crate) const fn portable_name() -> &'static str {
    if cfg!(all(target_arch = "x86_64", target_feature = "sse2")) {
        "sse2"
    } else if cfg!(all(target_arch = "aarch64", target_feature = "neon")) {
        "neon"
    } else if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "simd128"
    } else {
        "portable"
    }
}

impl F32Vector for f32x8 {
    type Token = Portable;
    const LANES: usize = 8;
    type Unroll = Generic;
    type Streaming = NoStreams;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Portable, x: f32) -> Self {
        f32x8::splat(x)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Portable, ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32s; `read_unaligned`
        // has no alignment requirement.
        f32x8::from(unsafe { ptr.cast::<[f32; 8]>().read_unaligned() })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s.
        unsafe { ptr.cast::<[f32; 8]>().write_unaligned(self.to_array()) }
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
        f32x8::mul_add(self, b, c)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn zero_bits(self) -> bool {
        self.to_array().iter().all(|x| x.to_bits() == 0)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finite_or(self, other: Self) -> Self {
        self.is_finite().select(self, other)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add_one(_: Portable, a: f32, b: f32, c: f32) -> f32 {
        // Whatever `wide` does per lane on this target (fused on NEON).
        f32x8::mul_add(f32x8::splat(a), f32x8::splat(b), f32x8::splat(c)).to_array()[0]
    }
}

impl F64Vector for f64x4 {
    type Token = Portable;
    const LANES: usize = 4;
    type Unroll = Generic;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Portable, x: f64) -> Self {
        f64x4::splat(x)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Portable, ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 4 readable f64s.
        f64x4::from(unsafe { ptr.cast::<[f64; 4]>().read_unaligned() })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees 4 writable f64s.
        unsafe { ptr.cast::<[f64; 4]>().write_unaligned(self.to_array()) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 4 writable f32s.
        unsafe { ptr.cast::<[f32; 4]>().write_unaligned(self.to_array().map(|v| v as f32)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        let v = self.max(f64x4::splat(0.0)).min(f64x4::splat(65535.0)).to_array().map(|v| v as u16);
        // SAFETY: the caller guarantees 4 writable u16s.
        unsafe { ptr.cast::<[u16; 4]>().write_unaligned(v) }
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
        f64x4::mul_add(self, b, c)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn floor_scaled(self, scale: Self) -> Self {
        (self * scale).floor()
    }
}

/// Sixteen `i16` lanes as an array, which the compiler vectorises for the
/// target (NEON, simd128). On x86_64 the portable backend uses SSE2
/// intrinsics instead, so this is not compiled there.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy)]
pub struct Lanes16([i16; 16]);

#[cfg(not(target_arch = "x86_64"))]
impl super::I16Vector for Lanes16 {
    type Token = Portable;
    const LANES: usize = 16;
    type Unroll = Generic;
    type Wide = [i32; 8];
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat_wide(_: Portable, v: i32) -> Self::Wide {
        [v; 8]
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Portable, v: i16) -> Self {
        Lanes16([v; 16])
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_u8(_: Portable, ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes.
        let bytes = unsafe { ptr.cast::<[u8; 16]>().read_unaligned() };
        Lanes16(bytes.map(|b| b as i16))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i16(_: Portable, ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 16 readable i16s.
        Lanes16(unsafe { ptr.cast::<[i16; 16]>().read_unaligned() })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(b.0) {
            *x = x.wrapping_add(y);
        }
        Lanes16(r)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(b.0) {
            *x = x.wrapping_sub(y);
        }
        Lanes16(r)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn interleave(self, b: Self) -> (Self, Self) {
        (self, b)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide) {
        let (a, b) = ab;
        let (wa, wb) = (weights as i16, (weights >> 16) as i16);
        let (mut lo, mut hi) = acc;
        for k in 0..8 {
            lo[k] += a.0[k] as i32 * wa as i32 + b.0[k] as i32 * wb as i32;
            hi[k] += a.0[k + 8] as i32 * wa as i32 + b.0[k + 8] as i32 * wb as i32;
        }
        (lo, hi)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn shift_right(acc: (Self::Wide, Self::Wide), shift: u32) -> (Self::Wide, Self::Wide) {
        (acc.0.map(|a| a >> shift), acc.1.map(|a| a >> shift))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn pack(acc: (Self::Wide, Self::Wide)) -> Self {
        let mut r = [0i16; 16];
        for k in 0..8 {
            r[k] = acc.0[k].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
            r[k + 8] = acc.1[k].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
        }
        Lanes16(r)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 16 writable i16s.
        unsafe { ptr.cast::<[i16; 16]>().write_unaligned(self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u8(self, ptr: *mut u8) {
        let bytes = self.0.map(|v| v.clamp(0, 255) as u8);
        // SAFETY: the caller guarantees 16 writable bytes.
        unsafe { ptr.cast::<[u8; 16]>().write_unaligned(bytes) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(acc: (Self::Wide, Self::Wide), scale: f32, ptr: *mut f32) {
        let mut r = [0f32; 16];
        for k in 0..8 {
            r[k] = acc.0[k] as f32 * scale;
            r[k + 8] = acc.1[k] as f32 * scale;
        }
        // SAFETY: the caller guarantees 16 writable f32s.
        unsafe { ptr.cast::<[f32; 16]>().write_unaligned(r) }
    }
}

/// Eight `i32` lanes as an array, vectorised by the compiler where the
/// target's vector unit has the operations (NEON does).
#[derive(Clone, Copy)]
pub struct Lanes8([i32; 8]);

impl Lanes8 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn zip(self, b: Self, f: impl Fn(i32, i32) -> i32) -> Self {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(b.0) {
            *x = f(*x, y);
        }
        Lanes8(r)
    }
}

impl I32Vector for Lanes8 {
    type Token = Portable;
    const LANES: usize = 8;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Portable, v: i32) -> Self {
        Lanes8([v; 8])
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i8(_: Portable, s: &[i8], at: usize) -> Self {
        let s = &s[at..at + 8];
        Lanes8(core::array::from_fn(|k| s[k] as i32))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i32(_: Portable, s: &[i32], at: usize) -> Self {
        let s = &s[at..at + 8];
        Lanes8(core::array::from_fn(|k| s[k]))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i32_unchecked(_: Portable, p: *const i32) -> Self {
        // SAFETY: the caller guarantees 8 readable i32s.
        Lanes8(unsafe { p.cast::<[i32; 8]>().read_unaligned() })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        self.zip(b, i32::wrapping_add)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        self.zip(b, i32::wrapping_sub)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub_mul(self, b: Self, c: Self) -> Self {
        self.zip(b, i32::wrapping_sub).zip(c, i32::wrapping_mul)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd_add(self, a: Self, b: Self) -> Self {
        self.zip(a.zip(b, madd_pair), i32::wrapping_add)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn requantize(self, mult: Self, shift: Self, zero: i32, (lo, hi): (i32, i32)) -> Self {
        Lanes8(core::array::from_fn(|k| {
            multiply_by_quantized_multiplier(self.0[k], mult.0[k], shift.0[k]).wrapping_add(zero).max(lo).min(hi)
        }))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i16(self, dst: &mut [i16]) {
        for (d, &v) in dst[..8].iter_mut().zip(&self.0) {
            *d = v as i16;
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i8(self, dst: &mut [i8]) {
        for (d, &v) in dst[..8].iter_mut().zip(&self.0) {
            *d = v as i8;
        }
    }
}
