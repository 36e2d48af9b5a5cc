//! AVX2 + FMA: 8 `f32` lanes, 16 `i16` lanes, 4 `f64` lanes, 8 `i32` lanes, and the
//! token's entry point.

use core::arch::x86_64::*;

use crate::arch::x86_64::Avx2;
use crate::fixed16::HALF_DOWN;
use crate::simd::{sealed, F32Vector, F64Vector, I16Vector, I32Vector, Op, Rescale, Simd, Streams, UpTo15, UpTo9};

impl sealed::Sealed for Avx2 {}

impl Simd for Avx2 {
    const NAME: &'static str = "avx2";
    type F32 = F32x8;
    type I16 = I16x16;
    type F64 = F64x4;
    type I32 = I32x8;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn vectorize<O: Op>(self, op: O) -> O::Output {
        // SAFETY: the token proves the CPU has AVX2, FMA and F16C.
        unsafe { entry(self, op) }
    }
}

/// `op` compiled with AVX2, FMA and F16C: a function of its own per op type.
///
/// # Safety
///
/// The CPU must support AVX2, FMA and F16C.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline(never)]
unsafe fn entry<O: Op>(simd: Avx2, op: O) -> O::Output {
    op.run(simd)
}

/// 8 `f32` lanes. A value exists only where an [`Avx2`] token did, so the
/// CPU has every instruction its methods use (the SAFETY of each below).
#[derive(Clone, Copy)]
pub struct F32x8(__m256);

impl F32Vector for F32x8 {
    type Token = Avx2;
    const LANES: usize = 8;
    type Unroll = UpTo9;
    type Streaming = Streams;
    const COLUMN_ROWS: usize = 4;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx2, x: f32) -> Self {
        // SAFETY: the token proves AVX2.
        F32x8(unsafe { _mm256_set1_ps(x) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Avx2, ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32s; the token proves AVX2.
        F32x8(unsafe { _mm256_loadu_ps(ptr) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s; a value proves AVX2.
        unsafe { _mm256_storeu_ps(ptr, self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn stream(self, ptr: *mut f32) {
        debug_assert!((ptr as usize).is_multiple_of(32));
        // SAFETY: the caller guarantees 8 writable f32s at `ptr`, aligned to
        // 32 bytes; a value proves AVX2.
        unsafe { _mm256_stream_ps(ptr, self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn fence(_: Avx2) {
        // SAFETY: SSE is baseline on x86_64.
        unsafe { _mm_sfence() }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        F32x8(unsafe { _mm256_add_ps(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        F32x8(unsafe { _mm256_sub_ps(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        F32x8(unsafe { _mm256_mul_ps(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: a value proves AVX2 and FMA.
        F32x8(unsafe { _mm256_fmadd_ps(self.0, b.0, c.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn zero_bits(self) -> bool {
        // SAFETY: a value proves AVX2.
        unsafe { _mm256_testz_si256(_mm256_castps_si256(self.0), _mm256_castps_si256(self.0)) != 0 }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finite_or(self, other: Self) -> Self {
        // SAFETY: a value proves AVX2. `x − x` is NaN exactly where `x` is
        // not finite: the ordered lanes keep `self`.
        unsafe {
            let d = _mm256_sub_ps(self.0, self.0);
            F32x8(_mm256_blendv_ps(other.0, self.0, _mm256_cmp_ps::<_CMP_ORD_Q>(d, d)))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add_one(_: Avx2, a: f32, b: f32, c: f32) -> f32 {
        // SAFETY: the token proves FMA.
        unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c))) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        // SAFETY: 8 u16s are writable at `ptr` (the caller's contract); a
        // value proves the instructions. `narrow`'s bits: clamped as it
        // clamps (`max`/`min` keep their second operand for NaN), then
        // rounded half up by adding `HALF_DOWN` and truncating.
        unsafe {
            let v = _mm256_min_ps(_mm256_max_ps(self.0, _mm256_setzero_ps()), _mm256_set1_ps(65535.0));
            let r = _mm256_cvttps_epi32(_mm256_add_ps(v, _mm256_set1_ps(HALF_DOWN)));
            let r = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256::<1>(r));
            _mm_storeu_si128(ptr.cast(), r);
        }
    }
    #[cfg(feature = "f16")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn widen_f16(_: Avx2, src: &[half::f16], dst: &mut [f32]) {
        let n = src.len().min(dst.len());
        let (src, dst) = (&src[..n], &mut dst[..n]);
        let body = n - n % 8;
        for i in (0..body).step_by(8) {
            // SAFETY: 8 f16s are readable at `src[i..]` and 8 f32s
            // writable at `dst[i..]` (i + 8 ≤ n); the token proves the
            // conversion (_mm256_cvtph_ps).
            unsafe {
                let h = _mm_loadu_si128(src.as_ptr().add(i).cast());
                _mm256_storeu_ps(dst.as_mut_ptr().add(i), _mm256_cvtph_ps(h));
            }
        }
        // The conversion is exact: the tail's scalar one gives the same bits.
        for (d, s) in dst[body..].iter_mut().zip(&src[body..]) {
            *d = s.to_f32();
        }
    }
    #[cfg(feature = "f16")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn narrow_f16(_: Avx2, src: &[f32], dst: &mut [half::f16]) {
        let n = src.len().min(dst.len());
        let (src, dst) = (&src[..n], &mut dst[..n]);
        let body = n - n % 8;
        for i in (0..body).step_by(8) {
            // SAFETY: 8 f32s are readable at `src[i..]` and 8 f16s
            // writable at `dst[i..]` (i + 8 ≤ n); the token proves the
            // conversion (_mm256_cvtps_ph).
            unsafe {
                let v = _mm256_loadu_ps(src.as_ptr().add(i));
                _mm_storeu_si128(dst.as_mut_ptr().add(i).cast(), _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v));
            }
        }
        // Both round to nearest, ties to even: the tail's scalar conversion
        // gives the vector's bits (NaN payloads aside).
        for (d, s) in dst[body..].iter_mut().zip(&src[body..]) {
            *d = half::f16::from_f32(*s);
        }
    }
}

/// 16 `i16` lanes (the u8 passes); accumulators are [`I32x8`] pairs.
#[derive(Clone, Copy)]
pub struct I16x16(__m256i);

impl I16Vector for I16x16 {
    type Token = Avx2;
    const LANES: usize = 16;
    type Unroll = UpTo15;
    type Wide = I32x8;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat_wide(t: Avx2, v: i32) -> I32x8 {
        I32x8::splat(t, v)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx2, v: i16) -> Self {
        // SAFETY: the token proves AVX2.
        I16x16(unsafe { _mm256_set1_epi16(v) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_u8(_: Avx2, ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; the token proves AVX2.
        I16x16(unsafe { _mm256_cvtepu8_epi16(_mm_loadu_si128(ptr.cast())) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i16(_: Avx2, ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 16 readable i16s; the token proves AVX2.
        I16x16(unsafe { _mm256_loadu_si256(ptr.cast()) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I16x16(unsafe { _mm256_add_epi16(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I16x16(unsafe { _mm256_sub_epi16(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn interleave(self, b: Self) -> (Self, Self) {
        // Within 128-bit lanes: the first vector holds outputs 0–3 and 8–11,
        // the second 4–7 and 12–15; `pack` (`packs_epi32`) restores the order.
        // SAFETY: a value proves AVX2.
        unsafe { (I16x16(_mm256_unpacklo_epi16(self.0, b.0)), I16x16(_mm256_unpackhi_epi16(self.0, b.0))) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd(ab: (Self, Self), weights: i32, acc: (I32x8, I32x8)) -> (I32x8, I32x8) {
        // SAFETY: a value proves AVX2.
        unsafe {
            let w = _mm256_set1_epi32(weights);
            let lo = _mm256_madd_epi16(ab.0 .0, w);
            let hi = _mm256_madd_epi16(ab.1 .0, w);
            (I32x8(_mm256_add_epi32(acc.0 .0, lo)), I32x8(_mm256_add_epi32(acc.1 .0, hi)))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn shift_right(acc: (I32x8, I32x8), shift: u32) -> (I32x8, I32x8) {
        // SAFETY: a value proves AVX2.
        unsafe {
            let count = _mm_cvtsi32_si128(shift as i32);
            (I32x8(_mm256_sra_epi32(acc.0 .0, count)), I32x8(_mm256_sra_epi32(acc.1 .0, count)))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn pack(acc: (I32x8, I32x8)) -> Self {
        // SAFETY: a value proves AVX2.
        I16x16(unsafe { _mm256_packs_epi32(acc.0 .0, acc.1 .0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 16 writable i16s; a value proves AVX2.
        unsafe { _mm256_storeu_si256(ptr.cast(), self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u8(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes; a value proves
        // AVX2. `packus` works per 128-bit lane; the permute gathers the two
        // useful quadwords.
        unsafe {
            let packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(self.0, self.0), 0b1000);
            _mm_storeu_si128(ptr.cast(), _mm256_castsi256_si128(packed));
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(acc: (I32x8, I32x8), scale: f32, ptr: *mut f32) {
        // SAFETY: the caller guarantees 16 writable f32s; a value proves
        // AVX2. Outputs 0–7 are the low lanes of `lo` and `hi`, outputs 8–15
        // their high lanes.
        unsafe {
            let first = _mm256_permute2x128_si256(acc.0 .0, acc.1 .0, 0x20);
            let second = _mm256_permute2x128_si256(acc.0 .0, acc.1 .0, 0x31);
            let s = _mm256_set1_ps(scale);
            _mm256_storeu_ps(ptr, _mm256_mul_ps(_mm256_cvtepi32_ps(first), s));
            _mm256_storeu_ps(ptr.add(8), _mm256_mul_ps(_mm256_cvtepi32_ps(second), s));
        }
    }
    const BYTE_PAIRS: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn madd_bytes(_: Avx2, ptr: *const u8, weights: i16) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes; the token proves AVX2.
        I16x16(unsafe { _mm256_maddubs_epi16(_mm256_loadu_si256(ptr.cast()), _mm256_set1_epi16(weights)) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_low(self, _: Avx2, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I16x16(unsafe { _mm256_mullo_epi16(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn rescale(self, _: Avx2, rescale: Rescale) -> Self {
        // SAFETY: a value proves AVX2.
        unsafe {
            I16x16(match rescale {
                Rescale::Left(k) => _mm256_sll_epi16(self.0, _mm_cvtsi32_si128(k as i32)),
                Rescale::Signed(s) => {
                    let halved = _mm256_sra_epi16(self.0, _mm_cvtsi32_si128(s as i32 - 1));
                    _mm256_srai_epi16::<1>(_mm256_add_epi16(halved, _mm256_set1_epi16(1)))
                }
                Rescale::Unsigned(s) => {
                    _mm256_avg_epu16(_mm256_srl_epi16(self.0, _mm_cvtsi32_si128(s as i32 - 1)), _mm256_setzero_si256())
                }
            })
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn madd_streams(_: Avx2, a: *const u8, b: *const u8, weights: i16) -> (Self, Self) {
        // SAFETY: the caller guarantees 32 readable bytes at `a` and `b`; the
        // token proves AVX2. The unpacks pair the bytes within 128-bit
        // lanes: the first vector holds outputs 0–7 and 16–23, the second
        // 8–15 and 24–31 (undone by `store_halves`).
        unsafe {
            let (x, y) = (_mm256_loadu_si256(a.cast()), _mm256_loadu_si256(b.cast()));
            let w = _mm256_set1_epi16(weights);
            (
                I16x16(_mm256_maddubs_epi16(_mm256_unpacklo_epi8(x, y), w)),
                I16x16(_mm256_maddubs_epi16(_mm256_unpackhi_epi8(x, y), w)),
            )
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_halves(first: Self, second: Self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 32 writable i16s; a value proves AVX2.
        unsafe {
            _mm256_storeu_si256(ptr.cast(), _mm256_permute2x128_si256::<0x20>(first.0, second.0));
            _mm256_storeu_si256(ptr.add(16).cast(), _mm256_permute2x128_si256::<0x31>(first.0, second.0));
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_pairs(even: Self, odd: Self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 32 writable i16s; a value proves
        // AVX2. The unpacks interleave within 128-bit lanes (low: pairs 0–3
        // and 8–11, high: 4–7 and 12–15); the permutes put the halves in order.
        unsafe {
            let lo = _mm256_unpacklo_epi16(even.0, odd.0);
            let hi = _mm256_unpackhi_epi16(even.0, odd.0);
            _mm256_storeu_si256(ptr.cast(), _mm256_permute2x128_si256::<0x20>(lo, hi));
            _mm256_storeu_si256(ptr.add(16).cast(), _mm256_permute2x128_si256::<0x31>(lo, hi));
        }
    }
}

/// 8 `i32` lanes (the int8 layers, and the u8 passes' accumulators).
#[derive(Clone, Copy)]
pub struct I32x8(__m256i);

impl I32Vector for I32x8 {
    type Token = Avx2;
    const LANES: usize = 8;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx2, v: i32) -> Self {
        // SAFETY: the token proves AVX2.
        I32x8(unsafe { _mm256_set1_epi32(v) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i8(_: Avx2, s: &[i8], at: usize) -> Self {
        let s = &s[at..at + 8];
        // SAFETY: `s` holds 8 readable bytes; the token proves AVX2.
        I32x8(unsafe { _mm256_cvtepi8_epi32(_mm_loadl_epi64(s.as_ptr().cast())) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i32(_: Avx2, s: &[i32], at: usize) -> Self {
        let s = &s[at..at + 8];
        // SAFETY: `s` holds 8 readable i32s; the token proves AVX2.
        I32x8(unsafe { _mm256_loadu_si256(s.as_ptr().cast()) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i32_unchecked(_: Avx2, p: *const i32) -> Self {
        // SAFETY: the caller guarantees 8 readable i32s; the token proves AVX2.
        I32x8(unsafe { _mm256_loadu_si256(p.cast()) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I32x8(unsafe { _mm256_add_epi32(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I32x8(unsafe { _mm256_sub_epi32(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub_mul(self, b: Self, c: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I32x8(unsafe { _mm256_mullo_epi32(_mm256_sub_epi32(self.0, b.0), c.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd_add(self, a: Self, b: Self) -> Self {
        // SAFETY: a value proves AVX2.
        I32x8(unsafe { _mm256_add_epi32(self.0, _mm256_madd_epi16(a.0, b.0)) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn requantize(self, mult: Self, shift: Self, zero: i32, (lo, hi): (i32, i32)) -> Self {
        let (x, mult, shift) = (self.0, mult.0, shift.0);
        // SAFETY: a value proves AVX2.
        I32x8(unsafe {
            let zeros = _mm256_setzero_si256();
            let one = _mm256_set1_epi32(1);
            let left = _mm256_max_epi32(shift, zeros);
            let right = _mm256_max_epi32(_mm256_sub_epi32(zeros, shift), zeros);
            // Wraps, as `wrapping_shl`.
            let x = _mm256_sllv_epi32(x, left);
            // SaturatingRoundingDoublingHighMul = ⌊(x·m + 2^30) / 2^31⌋ (the
            // nudge-and-truncate of gemmlowp, written as one floor): bits 31..62.
            let nudge = _mm256_set1_epi64x(1 << 30);
            let even = _mm256_srli_epi64::<31>(_mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge));
            let odd_products = _mm256_mul_epi32(_mm256_srli_epi64::<32>(x), _mm256_srli_epi64::<32>(mult));
            let odd = _mm256_slli_epi64::<1>(_mm256_add_epi64(odd_products, nudge));
            let high = _mm256_blend_epi32::<0b1010_1010>(even, odd);
            // RoundingDivideByPOT: mask, remainder, threshold (+1 for negatives).
            let mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
            let remainder = _mm256_and_si256(high, mask);
            let threshold = _mm256_sub_epi32(_mm256_srli_epi32::<1>(mask), _mm256_cmpgt_epi32(zeros, high));
            let rounded = _mm256_sub_epi32(_mm256_srav_epi32(high, right), _mm256_cmpgt_epi32(remainder, threshold));
            let q = _mm256_add_epi32(rounded, _mm256_set1_epi32(zero));
            _mm256_min_epi32(_mm256_max_epi32(q, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi))
        })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i16(self, dst: &mut [i16]) {
        let dst = &mut dst[..8];
        // SAFETY: `dst` holds 8 writable i16s; a value proves AVX2. The
        // lanes fit i16, so the saturating pack is exact.
        unsafe {
            let packed = _mm_packs_epi32(_mm256_castsi256_si128(self.0), _mm256_extracti128_si256::<1>(self.0));
            _mm_storeu_si128(dst.as_mut_ptr().cast(), packed);
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i8(self, dst: &mut [i8]) {
        let dst = &mut dst[..8];
        // SAFETY: `dst` holds 8 writable bytes; a value proves AVX2. The
        // lanes fit i8, so the saturating packs are exact.
        unsafe {
            let words = _mm_packs_epi32(_mm256_castsi256_si128(self.0), _mm256_extracti128_si256::<1>(self.0));
            _mm_storel_epi64(dst.as_mut_ptr().cast(), _mm_packs_epi16(words, words));
        }
    }
}

/// 4 `f64` lanes. A value exists only where an [`Avx2`] token did, so the
/// CPU has every instruction its methods use (the SAFETY of each below).
#[derive(Clone, Copy)]
pub struct F64x4(__m256d);

impl F64Vector for F64x4 {
    type Token = Avx2;
    const LANES: usize = 4;
    type Unroll = UpTo15;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx2, x: f64) -> Self {
        // SAFETY: the token proves AVX.
        F64x4(unsafe { _mm256_set1_pd(x) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Avx2, ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 4 readable f64s; the token proves AVX.
        F64x4(unsafe { _mm256_loadu_pd(ptr) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees 4 writable f64s; a value proves AVX.
        unsafe { _mm256_storeu_pd(ptr, self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 4 writable f32s; a value proves AVX.
        unsafe { _mm_storeu_ps(ptr, _mm256_cvtpd_ps(self.0)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        // SAFETY: the caller guarantees 4 writable u16s (8 bytes, the
        // store's width); a value proves AVX and SSE4.1. The lanes are
        // integers, clamped to 0..=65535 before the conversion to i32.
        unsafe {
            let clamped = _mm256_min_pd(_mm256_max_pd(self.0, _mm256_setzero_pd()), _mm256_set1_pd(65535.0));
            let words = _mm256_cvttpd_epi32(clamped);
            _mm_storel_epi64(ptr.cast(), _mm_packus_epi32(words, words));
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX.
        F64x4(unsafe { _mm256_add_pd(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX.
        F64x4(unsafe { _mm256_sub_pd(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: a value proves FMA.
        F64x4(unsafe { _mm256_fmadd_pd(self.0, b.0, c.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn floor_scaled(self, scale: Self) -> Self {
        // SAFETY: a value proves AVX.
        F64x4(unsafe {
            _mm256_round_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(_mm256_mul_pd(self.0, scale.0))
        })
    }
}
