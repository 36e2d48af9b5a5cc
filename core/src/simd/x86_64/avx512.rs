//! AVX-512F/BW: 16 `f32` lanes, 32 `i16` lanes, 8 `f64` lanes, 16 `i32` lanes, and the
//! token's entry point.

use core::arch::x86_64::*;

use crate::arch::x86_64::Avx512;
use crate::fixed16::HALF_DOWN;
use crate::simd::{sealed, F32Vector, F64Vector, I16Vector, I32Vector, Op, Rescale, Simd, Streams, UpTo15, UpTo9};

impl sealed::Sealed for Avx512 {}

impl Simd for Avx512 {
    const NAME: &'static str = "avx512";
    type F32 = F32x16;
    type I16 = I16x32;
    type F64 = F64x8;
    type I32 = I32x16;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn vectorize<O: Op>(self, op: O) -> O::Output {
        // SAFETY: the token proves the CPU has AVX-512F/BW, AVX2 and FMA.
        unsafe { entry(self, op) }
    }
}

/// `op` compiled with AVX-512F/BW (and AVX2, FMA): a function of its own per op type.
///
/// # Safety
///
/// The CPU must support AVX-512F, AVX-512BW, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx512bw,avx2,fma")]
#[inline(never)]
unsafe fn entry<O: Op>(simd: Avx512, op: O) -> O::Output {
    op.run(simd)
}

/// 16 `f32` lanes. A value exists only where an [`Avx512`] token did, so
/// the CPU has every instruction its methods use (the SAFETY of each below).
#[derive(Clone, Copy)]
pub struct F32x16(__m512);

impl F32Vector for F32x16 {
    type Token = Avx512;
    const LANES: usize = 16;
    type Unroll = UpTo9;
    type Streaming = Streams;
    const COLUMN_ROWS: usize = 4;
    const REGISTERS: usize = 32;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx512, x: f32) -> Self {
        // SAFETY: the token proves AVX-512F.
        F32x16(unsafe { _mm512_set1_ps(x) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Avx512, ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable f32s; the token proves AVX-512F.
        F32x16(unsafe { _mm512_loadu_ps(ptr) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 16 writable f32s; a value proves AVX-512F.
        unsafe { _mm512_storeu_ps(ptr, self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn stream(self, ptr: *mut f32) {
        debug_assert!((ptr as usize).is_multiple_of(64));
        // SAFETY: the caller guarantees 16 writable f32s at `ptr`, aligned to
        // 64 bytes; a value proves AVX-512F.
        unsafe { _mm512_stream_ps(ptr, self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn fence(_: Avx512) {
        // SAFETY: SSE is baseline on x86_64.
        unsafe { _mm_sfence() }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F32x16(unsafe { _mm512_add_ps(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F32x16(unsafe { _mm512_sub_ps(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F32x16(unsafe { _mm512_mul_ps(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F32x16(unsafe { _mm512_fmadd_ps(self.0, b.0, c.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn zero_bits(self) -> bool {
        // SAFETY: a value proves AVX-512F.
        unsafe { _mm512_test_epi32_mask(_mm512_castps_si512(self.0), _mm512_castps_si512(self.0)) == 0 }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finite_or(self, other: Self) -> Self {
        // SAFETY: a value proves AVX-512F. `x − x` is NaN exactly where `x`
        // is not finite: the ordered lanes keep `self`.
        unsafe {
            let d = _mm512_sub_ps(self.0, self.0);
            F32x16(_mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_ORD_Q>(d, d), other.0, self.0))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add_one(_: Avx512, a: f32, b: f32, c: f32) -> f32 {
        // SAFETY: the token proves FMA.
        unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c))) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        // SAFETY: 16 u16s are writable at `ptr` (the caller's contract); a
        // value proves the instructions. `narrow`'s bits: clamped as it
        // clamps (`max`/`min` keep their second operand for NaN), then
        // rounded half up by adding `HALF_DOWN` and truncating.
        unsafe {
            let v = _mm512_min_ps(_mm512_max_ps(self.0, _mm512_setzero_ps()), _mm512_set1_ps(65535.0));
            let r = _mm512_cvttps_epi32(_mm512_add_ps(v, _mm512_set1_ps(HALF_DOWN)));
            _mm256_storeu_si256(ptr.cast(), _mm512_cvtepi32_epi16(r));
        }
    }
    #[cfg(feature = "f16")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn widen_f16(_: Avx512, src: &[half::f16], dst: &mut [f32]) {
        let n = src.len().min(dst.len());
        let (src, dst) = (&src[..n], &mut dst[..n]);
        let body = n - n % 16;
        for i in (0..body).step_by(16) {
            // SAFETY: 16 f16s are readable at `src[i..]` and 16 f32s
            // writable at `dst[i..]` (i + 16 ≤ n); the token proves the
            // conversion (_mm512_cvtph_ps).
            unsafe {
                let h = _mm256_loadu_si256(src.as_ptr().add(i).cast());
                _mm512_storeu_ps(dst.as_mut_ptr().add(i), _mm512_cvtph_ps(h));
            }
        }
        // The conversion is exact: the tail's scalar one gives the same bits.
        for (d, s) in dst[body..].iter_mut().zip(&src[body..]) {
            *d = s.to_f32();
        }
    }
    #[cfg(feature = "f16")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn narrow_f16(_: Avx512, src: &[f32], dst: &mut [half::f16]) {
        let n = src.len().min(dst.len());
        let (src, dst) = (&src[..n], &mut dst[..n]);
        let body = n - n % 16;
        for i in (0..body).step_by(16) {
            // SAFETY: 16 f32s are readable at `src[i..]` and 16 f16s
            // writable at `dst[i..]` (i + 16 ≤ n); the token proves the
            // conversion (_mm512_cvtps_ph).
            unsafe {
                let v = _mm512_loadu_ps(src.as_ptr().add(i));
                _mm256_storeu_si256(dst.as_mut_ptr().add(i).cast(), _mm512_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v));
            }
        }
        // Both round to nearest, ties to even: the tail's scalar conversion
        // gives the vector's bits (NaN payloads aside).
        for (d, s) in dst[body..].iter_mut().zip(&src[body..]) {
            *d = half::f16::from_f32(*s);
        }
    }
}

/// 32 `i16` lanes (the u8 passes); accumulators are [`I32x16`] pairs.
#[derive(Clone, Copy)]
pub struct I16x32(__m512i);

impl I16Vector for I16x32 {
    type Token = Avx512;
    const LANES: usize = 32;
    type Unroll = UpTo15;
    type Wide = I32x16;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat_wide(t: Avx512, v: i32) -> I32x16 {
        I32x16::splat(t, v)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx512, v: i16) -> Self {
        // SAFETY: the token proves AVX-512BW.
        I16x32(unsafe { _mm512_set1_epi16(v) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_u8(_: Avx512, ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes; the token proves AVX-512BW.
        I16x32(unsafe { _mm512_cvtepu8_epi16(_mm256_loadu_si256(ptr.cast())) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i16(_: Avx512, ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 32 readable i16s; the token proves AVX-512F.
        I16x32(unsafe { _mm512_loadu_si512(ptr.cast()) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512BW.
        I16x32(unsafe { _mm512_add_epi16(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512BW.
        I16x32(unsafe { _mm512_sub_epi16(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn interleave(self, b: Self) -> (Self, Self) {
        // Within each 128-bit lane k: the first vector holds outputs 8k..8k+3,
        // the second 8k+4..8k+7; `pack` (`packs_epi32`, also per 128-bit
        // lane) restores the order.
        // SAFETY: a value proves AVX-512BW.
        unsafe { (I16x32(_mm512_unpacklo_epi16(self.0, b.0)), I16x32(_mm512_unpackhi_epi16(self.0, b.0))) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd(ab: (Self, Self), weights: i32, acc: (I32x16, I32x16)) -> (I32x16, I32x16) {
        // SAFETY: a value proves AVX-512BW.
        unsafe {
            let w = _mm512_set1_epi32(weights);
            let lo = _mm512_madd_epi16(ab.0 .0, w);
            let hi = _mm512_madd_epi16(ab.1 .0, w);
            (I32x16(_mm512_add_epi32(acc.0 .0, lo)), I32x16(_mm512_add_epi32(acc.1 .0, hi)))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn shift_right(acc: (I32x16, I32x16), shift: u32) -> (I32x16, I32x16) {
        // SAFETY: a value proves AVX-512F.
        unsafe {
            let count = _mm_cvtsi32_si128(shift as i32);
            (I32x16(_mm512_sra_epi32(acc.0 .0, count)), I32x16(_mm512_sra_epi32(acc.1 .0, count)))
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn pack(acc: (I32x16, I32x16)) -> Self {
        // SAFETY: a value proves AVX-512BW.
        I16x32(unsafe { _mm512_packs_epi32(acc.0 .0, acc.1 .0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 32 writable i16s; a value proves AVX-512F.
        unsafe { _mm512_storeu_si512(ptr.cast(), self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u8(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 32 writable bytes; a value proves
        // AVX-512BW. Negative lanes are clamped to 0 first: `vpmovuswb`
        // saturates as unsigned.
        unsafe {
            let clamped = _mm512_max_epi16(self.0, _mm512_setzero_si512());
            _mm256_storeu_si256(ptr.cast(), _mm512_cvtusepi16_epi8(clamped));
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(acc: (I32x16, I32x16), scale: f32, ptr: *mut f32) {
        // SAFETY: the caller guarantees 32 writable f32s; a value proves
        // AVX-512F. 128-bit lane k of `lo` holds outputs 8k..8k+3 and of `hi`
        // 8k+4..8k+7: the permutes interleave the lanes (in 64-bit units;
        // index bit 3 picks `hi`).
        unsafe {
            let (lo, hi) = (acc.0 .0, acc.1 .0);
            let first = _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), hi);
            let second = _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15), hi);
            let s = _mm512_set1_ps(scale);
            _mm512_storeu_ps(ptr, _mm512_mul_ps(_mm512_cvtepi32_ps(first), s));
            _mm512_storeu_ps(ptr.add(16), _mm512_mul_ps(_mm512_cvtepi32_ps(second), s));
        }
    }
    const BYTE_PAIRS: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn madd_bytes(_: Avx512, ptr: *const u8, weights: i16) -> Self {
        // SAFETY: the caller guarantees 64 readable bytes; the token proves AVX-512BW.
        I16x32(unsafe { _mm512_maddubs_epi16(_mm512_loadu_si512(ptr.cast()), _mm512_set1_epi16(weights)) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_low(self, _: Avx512, b: Self) -> Self {
        // SAFETY: a value proves AVX-512BW.
        I16x32(unsafe { _mm512_mullo_epi16(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn rescale(self, _: Avx512, rescale: Rescale) -> Self {
        // SAFETY: a value proves AVX-512BW.
        unsafe {
            I16x32(match rescale {
                Rescale::Left(k) => _mm512_sll_epi16(self.0, _mm_cvtsi32_si128(k as i32)),
                Rescale::Signed(s) => {
                    let halved = _mm512_sra_epi16(self.0, _mm_cvtsi32_si128(s as i32 - 1));
                    _mm512_srai_epi16::<1>(_mm512_add_epi16(halved, _mm512_set1_epi16(1)))
                }
                Rescale::Unsigned(s) => {
                    _mm512_avg_epu16(_mm512_srl_epi16(self.0, _mm_cvtsi32_si128(s as i32 - 1)), _mm512_setzero_si512())
                }
            })
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn madd_streams(_: Avx512, a: *const u8, b: *const u8, weights: i16) -> (Self, Self) {
        // SAFETY: the caller guarantees 64 readable bytes at `a` and `b`; the
        // token proves AVX-512BW. The unpacks pair the bytes within 128-bit
        // lanes: lane k of the first vector holds outputs 16k..16k+7, of the
        // second 16k+8..16k+15 (undone by `store_halves`).
        unsafe {
            let (x, y) = (_mm512_loadu_si512(a.cast()), _mm512_loadu_si512(b.cast()));
            let w = _mm512_set1_epi16(weights);
            (
                I16x32(_mm512_maddubs_epi16(_mm512_unpacklo_epi8(x, y), w)),
                I16x32(_mm512_maddubs_epi16(_mm512_unpackhi_epi8(x, y), w)),
            )
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_halves(first: Self, second: Self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 64 writable i16s; a value proves
        // AVX-512BW. Lanes in order, in 64-bit units (index bit 3 picks `second`).
        unsafe {
            let lo = _mm512_permutex2var_epi64(first.0, _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), second.0);
            let hi = _mm512_permutex2var_epi64(first.0, _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15), second.0);
            _mm512_storeu_si512(ptr.cast(), lo);
            _mm512_storeu_si512(ptr.add(32).cast(), hi);
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_pairs(even: Self, odd: Self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 64 writable i16s; a value proves
        // AVX-512BW. Within 128-bit lane k the unpacks hold pairs 4k..4k+3
        // (low) and 4k+4..4k+7 (high) of each half: the permutes put the
        // lanes in order (in 64-bit units; index bit 3 picks `hi`).
        unsafe {
            let lo = _mm512_unpacklo_epi16(even.0, odd.0);
            let hi = _mm512_unpackhi_epi16(even.0, odd.0);
            let first = _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), hi);
            let second = _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15), hi);
            _mm512_storeu_si512(ptr.cast(), first);
            _mm512_storeu_si512(ptr.add(32).cast(), second);
        }
    }
}

/// 16 `i32` lanes (the int8 layers, and the u8 passes' accumulators).
#[derive(Clone, Copy)]
pub struct I32x16(__m512i);

impl I32Vector for I32x16 {
    type Token = Avx512;
    const LANES: usize = 16;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx512, v: i32) -> Self {
        // SAFETY: the token proves AVX-512F.
        I32x16(unsafe { _mm512_set1_epi32(v) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i8(_: Avx512, s: &[i8], at: usize) -> Self {
        let s = &s[at..at + 16];
        // SAFETY: `s` holds 16 readable bytes; the token proves AVX-512F.
        I32x16(unsafe { _mm512_cvtepi8_epi32(_mm_loadu_si128(s.as_ptr().cast())) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load_i32(_: Avx512, s: &[i32], at: usize) -> Self {
        let s = &s[at..at + 16];
        // SAFETY: `s` holds 16 readable i32s; the token proves AVX-512F.
        I32x16(unsafe { _mm512_loadu_si512(s.as_ptr().cast()) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load_i32_unchecked(_: Avx512, p: *const i32) -> Self {
        // SAFETY: the caller guarantees 16 readable i32s; the token proves AVX-512F.
        I32x16(unsafe { _mm512_loadu_si512(p.cast()) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        I32x16(unsafe { _mm512_add_epi32(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        I32x16(unsafe { _mm512_sub_epi32(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub_mul(self, b: Self, c: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        I32x16(unsafe { _mm512_mullo_epi32(_mm512_sub_epi32(self.0, b.0), c.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn madd_add(self, a: Self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512BW.
        I32x16(unsafe { _mm512_add_epi32(self.0, _mm512_madd_epi16(a.0, b.0)) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn requantize(self, mult: Self, shift: Self, zero: i32, (lo, hi): (i32, i32)) -> Self {
        let (x, mult, shift) = (self.0, mult.0, shift.0);
        // SAFETY: a value proves AVX-512F.
        I32x16(unsafe {
            let zeros = _mm512_setzero_si512();
            let one = _mm512_set1_epi32(1);
            let left = _mm512_max_epi32(shift, zeros);
            let right = _mm512_max_epi32(_mm512_sub_epi32(zeros, shift), zeros);
            // Wraps, as `wrapping_shl`.
            let x = _mm512_sllv_epi32(x, left);
            // As the AVX2 version: ⌊(x·m + 2^30) / 2^31⌋ from bits 31..62.
            let nudge = _mm512_set1_epi64(1 << 30);
            let even = _mm512_srli_epi64::<31>(_mm512_add_epi64(_mm512_mul_epi32(x, mult), nudge));
            let odd_products = _mm512_mul_epi32(_mm512_srli_epi64::<32>(x), _mm512_srli_epi64::<32>(mult));
            let odd = _mm512_slli_epi64::<1>(_mm512_add_epi64(odd_products, nudge));
            let high = _mm512_mask_blend_epi32(0xaaaa, even, odd);
            let mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
            let remainder = _mm512_and_si512(high, mask);
            let half = _mm512_srli_epi32::<1>(mask);
            let threshold = _mm512_mask_add_epi32(half, _mm512_cmplt_epi32_mask(high, zeros), half, one);
            let shifted = _mm512_srav_epi32(high, right);
            let rounded = _mm512_mask_add_epi32(shifted, _mm512_cmpgt_epi32_mask(remainder, threshold), shifted, one);
            let q = _mm512_add_epi32(rounded, _mm512_set1_epi32(zero));
            _mm512_min_epi32(_mm512_max_epi32(q, _mm512_set1_epi32(lo)), _mm512_set1_epi32(hi))
        })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i16(self, dst: &mut [i16]) {
        let dst = &mut dst[..16];
        // SAFETY: `dst` holds 16 writable i16s; a value proves AVX-512F. The
        // lanes fit i16, so truncating is exact.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), _mm512_cvtepi32_epi16(self.0)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn store_i8(self, dst: &mut [i8]) {
        let dst = &mut dst[..16];
        // SAFETY: `dst` holds 16 writable bytes; a value proves AVX-512F. The
        // lanes fit i8, so truncating is exact.
        unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(self.0)) }
    }
}

/// 8 `f64` lanes. A value exists only where an [`Avx512`] token did, so
/// the CPU has every instruction its methods use (the SAFETY of each below).
#[derive(Clone, Copy)]
pub struct F64x8(__m512d);

impl F64Vector for F64x8 {
    type Token = Avx512;
    const LANES: usize = 8;
    type Unroll = UpTo15;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(_: Avx512, x: f64) -> Self {
        // SAFETY: the token proves AVX-512F.
        F64x8(unsafe { _mm512_set1_pd(x) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(_: Avx512, ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 8 readable f64s; the token proves AVX-512F.
        F64x8(unsafe { _mm512_loadu_pd(ptr) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees 8 writable f64s; a value proves AVX-512F.
        unsafe { _mm512_storeu_pd(ptr, self.0) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_f32(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s; a value proves AVX-512F.
        unsafe { _mm256_storeu_ps(ptr, _mm512_cvtpd_ps(self.0)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        // SAFETY: the caller guarantees 8 writable u16s (16 bytes, the
        // store's width); a value proves AVX-512F and AVX2. The lanes are
        // integers, clamped to 0..=65535 before the conversion to i32.
        unsafe {
            let clamped = _mm512_min_pd(_mm512_max_pd(self.0, _mm512_setzero_pd()), _mm512_set1_pd(65535.0));
            let words = _mm512_cvttpd_epi32(clamped);
            let packed = _mm_packus_epi32(_mm256_castsi256_si128(words), _mm256_extracti128_si256::<1>(words));
            _mm_storeu_si128(ptr.cast(), packed);
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F64x8(unsafe { _mm512_add_pd(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F64x8(unsafe { _mm512_sub_pd(self.0, b.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F64x8(unsafe { _mm512_fmadd_pd(self.0, b.0, c.0) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn floor_scaled(self, scale: Self) -> Self {
        // SAFETY: a value proves AVX-512F.
        F64x8(unsafe {
            _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(_mm512_mul_pd(self.0, scale.0))
        })
    }
}
