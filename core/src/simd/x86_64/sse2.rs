//! SSE2 (baseline on x86_64): `__m128i` as the portable backend's u8
//! vector on x86_64. Every x86_64 CPU has SSE2, so any value is usable and
//! no `#[target_feature]` entry point is needed.

use core::arch::x86_64::*;

use crate::simd::{Generic, I16Vector, Portable};

impl I16Vector for __m128i {
    type Token = Portable;
    const LANES: usize = 8;
    type Unroll = Generic;
    type Wide = __m128i;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat_wide(_: Portable, v: i32) -> Self::Wide {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe { _mm_set1_epi32(v) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_u8(_: Portable, ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 8 readable bytes.
        unsafe { _mm_unpacklo_epi8(_mm_loadl_epi64(ptr.cast()), _mm_setzero_si128()) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i16(_: Portable, ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 8 readable i16s; unaligned load.
        unsafe { _mm_loadu_si128(ptr.cast()) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe { _mm_add_epi16(self, b) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe { _mm_sub_epi16(self, b) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Portable, v: i16) -> Self {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe { _mm_set1_epi16(v) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn interleave(self, b: Self) -> (Self, Self) {
        // The first vector holds outputs 0–3, the second 4–7.
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe { (_mm_unpacklo_epi16(self, b), _mm_unpackhi_epi16(self, b)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide) {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe {
            let w = _mm_set1_epi32(weights);
            (_mm_add_epi32(acc.0, _mm_madd_epi16(ab.0, w)), _mm_add_epi32(acc.1, _mm_madd_epi16(ab.1, w)))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn shift_right(acc: (Self::Wide, Self::Wide), shift: u32) -> (Self::Wide, Self::Wide) {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe {
            let count = _mm_cvtsi32_si128(shift as i32);
            (_mm_sra_epi32(acc.0, count), _mm_sra_epi32(acc.1, count))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn pack(acc: (Self::Wide, Self::Wide)) -> Self {
        // SAFETY: SSE2 is baseline on x86_64.
        unsafe { _mm_packs_epi32(acc.0, acc.1) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 8 writable i16s; unaligned store.
        unsafe { _mm_storeu_si128(ptr.cast(), self) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u8(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 8 writable bytes.
        unsafe { _mm_storel_epi64(ptr.cast(), _mm_packus_epi16(self, self)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(acc: (Self::Wide, Self::Wide), scale: f32, ptr: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s.
        unsafe {
            let s = _mm_set1_ps(scale);
            _mm_storeu_ps(ptr, _mm_mul_ps(_mm_cvtepi32_ps(acc.0), s));
            _mm_storeu_ps(ptr.add(4), _mm_mul_ps(_mm_cvtepi32_ps(acc.1), s));
        }
    }
}
