//! x86_64 entry points: the generic f32 engine instantiated on `__m256`
//! (AVX2+FMA) and `__m512` (AVX-512), and the int8 inner loops written once
//! over [`I32Lanes`] and instantiated on `__m256i` (AVX2, 8 lanes) and
//! `__m512i` (AVX-512F/BW, 16 lanes).
//!
//! int8, all exact int32 arithmetic, so bit-identical to the scalar loops:
//!
//! * depthwise, one vector of channels: `vpmovsxbd` the input and the taps,
//!   subtract the input zero point, `vpmulld`, `vpaddd`;
//! * pointwise, one vector of output channels, 4 pixels × 2 vectors of
//!   accumulators: each pair of centred depthwise values `(m[2k], m[2k+1])`
//!   is broadcast and `vpmaddwd`-ed with the packed weight pairs;
//! * requantisation lane by lane: `vpmuldq` on even and odd lanes for the
//!   64-bit products of `SaturatingRoundingDoublingHighMul` (the multiplier
//!   is never `i32::MIN`, so it never saturates), `vpsravd`-based
//!   `RoundingDivideByPOT` with per-lane shifts.

use core::arch::x86_64::*;

use core::marker::PhantomData;

use super::engine::{self, Clamps, I8Kernels, I8Row, ScalarI8};
use super::{F32Weights, Geometry, SeparableI8};

/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn f32_avx2(
    g: &Geometry,
    w: &F32Weights<'_>,
    clamps: Clamps,
    input: &[f32],
    output: &mut [f32],
    scratch: &mut [f32],
) {
    engine::run_f32::<__m256>(g, w, clamps, input, output, scratch);
}

/// # Safety
///
/// The CPU must support AVX-512F/BW, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx512bw,avx2,fma")]
pub(super) unsafe fn f32_avx512(
    g: &Geometry,
    w: &F32Weights<'_>,
    clamps: Clamps,
    input: &[f32],
    output: &mut [f32],
    scratch: &mut [f32],
) {
    engine::run_f32::<__m512>(g, w, clamps, input, output, scratch);
}

/// # Safety
///
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn i8_avx2(layer: &SeparableI8<'_>, input: &[i8], output: &mut [i8], scratch: &mut [i32]) {
    engine::run_i8(&VectorI8::<__m256i>(PhantomData), layer, input, output, scratch);
}

/// # Safety
///
/// The CPU must support AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw,avx2")]
pub(super) unsafe fn i8_avx512(layer: &SeparableI8<'_>, input: &[i8], output: &mut [i8], scratch: &mut [i32]) {
    engine::run_i8(&VectorI8::<__m512i>(PhantomData), layer, input, output, scratch);
}

/// The int8 loops on vectors `V`. Only the entry points above make a value,
/// each for the `V` its features support, so a value proves its methods
/// run (inlined) inside the matching `#[target_feature]` function.
struct VectorI8<V>(PhantomData<V>);

/// A vector of `i32` lanes, with what the int8 loops need. Methods are
/// `#[inline(always)]` without `#[target_feature]`: they are only called
/// (inlined) inside the entry point of their instruction set.
trait I32Lanes: Copy {
    const LANES: usize;
    fn splat(v: i32) -> Self;
    /// `LANES` int8s at `s[at..]`, sign-extended.
    fn load_i8(s: &[i8], at: usize) -> Self;
    /// `LANES` i32s at `s[at..]`.
    fn load_i32(s: &[i32], at: usize) -> Self;
    /// `LANES` i32s at `p`.
    ///
    /// # Safety
    ///
    /// `p .. p + LANES` must be readable.
    unsafe fn load_i32_unchecked(p: *const i32) -> Self;
    fn add(self, b: Self) -> Self;
    fn sub(self, b: Self) -> Self;
    /// `(self − b) · c`, low 32 bits (exact for the int8 ranges used).
    fn sub_mul(self, b: Self, c: Self) -> Self;
    /// `self + Σ` of the products of the i16 pairs of `a` and `b` (`pmaddwd`).
    fn madd_add(self, a: Self, b: Self) -> Self;
    /// `clamp(MultiplyByQuantizedMultiplier(self, mult, shift) + zero, lo, hi)` lane by lane.
    fn requantize(self, mult: Self, shift: Self, zero: i32, bounds: (i32, i32)) -> Self;
    /// Stores the lanes as i16 (they lie in `−255..=255`).
    fn store_i16(self, dst: &mut [i16]);
    /// Stores the lanes as i8 (they lie in `−128..=127`).
    fn store_i8(self, dst: &mut [i8]);
}

impl I32Lanes for __m256i {
    const LANES: usize = 8;
    #[inline(always)]
    fn splat(v: i32) -> Self {
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        unsafe { _mm256_set1_epi32(v) }
    }
    #[inline(always)]
    fn load_i8(s: &[i8], at: usize) -> Self {
        let s = &s[at..at + 8];
        // SAFETY: `s` holds 8 readable bytes; only reached from inside `i8_avx2` (AVX2).
        unsafe { _mm256_cvtepi8_epi32(_mm_loadl_epi64(s.as_ptr().cast())) }
    }
    #[inline(always)]
    fn load_i32(s: &[i32], at: usize) -> Self {
        let s = &s[at..at + 8];
        // SAFETY: `s` holds 8 readable i32s; only reached from inside `i8_avx2` (AVX2).
        unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
    }
    #[inline(always)]
    unsafe fn load_i32_unchecked(p: *const i32) -> Self {
        // SAFETY: the caller guarantees 8 readable i32s; only reached from inside `i8_avx2` (AVX2).
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        unsafe { _mm256_add_epi32(self, b) }
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        unsafe { _mm256_sub_epi32(self, b) }
    }
    #[inline(always)]
    fn sub_mul(self, b: Self, c: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        unsafe { _mm256_mullo_epi32(_mm256_sub_epi32(self, b), c) }
    }
    #[inline(always)]
    fn madd_add(self, a: Self, b: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        unsafe { _mm256_add_epi32(self, _mm256_madd_epi16(a, b)) }
    }
    #[inline(always)]
    fn requantize(self, mult: Self, shift: Self, zero: i32, (lo, hi): (i32, i32)) -> Self {
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        unsafe {
            let zeros = _mm256_setzero_si256();
            let one = _mm256_set1_epi32(1);
            let left = _mm256_max_epi32(shift, zeros);
            let right = _mm256_max_epi32(_mm256_sub_epi32(zeros, shift), zeros);
            // Wraps, as `wrapping_shl`.
            let x = _mm256_sllv_epi32(self, left);
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
        }
    }
    #[inline(always)]
    fn store_i16(self, dst: &mut [i16]) {
        let dst = &mut dst[..8];
        // SAFETY: `dst` holds 8 writable i16s; only reached from inside
        // `i8_avx2` (AVX2). The lanes fit i16, so the saturating pack is exact.
        unsafe {
            let packed = _mm_packs_epi32(_mm256_castsi256_si128(self), _mm256_extracti128_si256::<1>(self));
            _mm_storeu_si128(dst.as_mut_ptr().cast(), packed);
        }
    }
    #[inline(always)]
    fn store_i8(self, dst: &mut [i8]) {
        let dst = &mut dst[..8];
        // SAFETY: `dst` holds 8 writable bytes; only reached from inside
        // `i8_avx2` (AVX2). The lanes fit i8, so the saturating packs are exact.
        unsafe {
            let words = _mm_packs_epi32(_mm256_castsi256_si128(self), _mm256_extracti128_si256::<1>(self));
            _mm_storel_epi64(dst.as_mut_ptr().cast(), _mm_packs_epi16(words, words));
        }
    }
}

impl I32Lanes for __m512i {
    const LANES: usize = 16;
    #[inline(always)]
    fn splat(v: i32) -> Self {
        // SAFETY: only reached from inside `i8_avx512` (AVX-512F); no memory access.
        unsafe { _mm512_set1_epi32(v) }
    }
    #[inline(always)]
    fn load_i8(s: &[i8], at: usize) -> Self {
        let s = &s[at..at + 16];
        // SAFETY: `s` holds 16 readable bytes; only reached from inside `i8_avx512` (AVX-512F).
        unsafe { _mm512_cvtepi8_epi32(_mm_loadu_si128(s.as_ptr().cast())) }
    }
    #[inline(always)]
    fn load_i32(s: &[i32], at: usize) -> Self {
        let s = &s[at..at + 16];
        // SAFETY: `s` holds 16 readable i32s; only reached from inside `i8_avx512` (AVX-512F).
        unsafe { _mm512_loadu_si512(s.as_ptr().cast()) }
    }
    #[inline(always)]
    unsafe fn load_i32_unchecked(p: *const i32) -> Self {
        // SAFETY: the caller guarantees 16 readable i32s; only reached from inside `i8_avx512`.
        unsafe { _mm512_loadu_si512(p.cast()) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx512` (AVX-512F); no memory access.
        unsafe { _mm512_add_epi32(self, b) }
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx512` (AVX-512F); no memory access.
        unsafe { _mm512_sub_epi32(self, b) }
    }
    #[inline(always)]
    fn sub_mul(self, b: Self, c: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx512` (AVX-512F); no memory access.
        unsafe { _mm512_mullo_epi32(_mm512_sub_epi32(self, b), c) }
    }
    #[inline(always)]
    fn madd_add(self, a: Self, b: Self) -> Self {
        // SAFETY: only reached from inside `i8_avx512` (AVX-512BW); no memory access.
        unsafe { _mm512_add_epi32(self, _mm512_madd_epi16(a, b)) }
    }
    #[inline(always)]
    fn requantize(self, mult: Self, shift: Self, zero: i32, (lo, hi): (i32, i32)) -> Self {
        // SAFETY: only reached from inside `i8_avx512` (AVX-512F); no memory access.
        unsafe {
            let zeros = _mm512_setzero_si512();
            let one = _mm512_set1_epi32(1);
            let left = _mm512_max_epi32(shift, zeros);
            let right = _mm512_max_epi32(_mm512_sub_epi32(zeros, shift), zeros);
            // Wraps, as `wrapping_shl`.
            let x = _mm512_sllv_epi32(self, left);
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
        }
    }
    #[inline(always)]
    fn store_i16(self, dst: &mut [i16]) {
        let dst = &mut dst[..16];
        // SAFETY: `dst` holds 16 writable i16s; only reached from inside
        // `i8_avx512` (AVX-512F). The lanes fit i16, so truncating is exact.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), _mm512_cvtepi32_epi16(self)) }
    }
    #[inline(always)]
    fn store_i8(self, dst: &mut [i8]) {
        let dst = &mut dst[..16];
        // SAFETY: `dst` holds 16 writable bytes; only reached from inside
        // `i8_avx512` (AVX-512F). The lanes fit i8, so truncating is exact.
        unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(self)) }
    }
}

impl<V: I32Lanes> I8Kernels for VectorI8<V> {
    #[inline(always)]
    fn depthwise(&self, r: &I8Row<'_>, input: &[i8], oy: usize, ox: usize, from: usize, mid_px: &mut [i16]) {
        let c = r.g.c;
        let mut ch = from;
        // Four vectors of channels per pass over the taps (the tap loop's
        // index arithmetic shared by four), then two, then one, then scalar.
        while ch + 4 * V::LANES <= c {
            depthwise_block::<V, 4>(r, input, oy, ox, ch, mid_px);
            ch += 4 * V::LANES;
        }
        if ch + 2 * V::LANES <= c {
            depthwise_block::<V, 2>(r, input, oy, ox, ch, mid_px);
            ch += 2 * V::LANES;
        }
        if ch + V::LANES <= c {
            depthwise_block::<V, 1>(r, input, oy, ox, ch, mid_px);
            ch += V::LANES;
        }
        ScalarI8.depthwise(r, input, oy, ox, ch, mid_px);
    }

    #[inline(always)]
    fn pointwise(&self, r: &I8Row<'_>, mid: &[i32], out: &mut [i8]) {
        let (out_w, c_out) = (r.g.out_w, r.g.c_out);
        let vector_outputs = c_out / V::LANES * V::LANES;
        let mut px = 0;
        while px + 4 <= out_w {
            pointwise_pixels::<V, 4>(r, mid, out, px, vector_outputs);
            px += 4;
        }
        while px < out_w {
            pointwise_pixels::<V, 1>(r, mid, out, px, vector_outputs);
            px += 1;
        }
        if vector_outputs < c_out {
            engine::pointwise_scalar(r, mid, out, vector_outputs);
        }
    }
}

/// Depthwise channels `ch .. ch + LANES·N` of output pixel `(oy, ox)`.
#[inline(always)]
fn depthwise_block<V: I32Lanes, const N: usize>(
    r: &I8Row<'_>,
    input: &[i8],
    oy: usize,
    ox: usize,
    ch: usize,
    mid_px: &mut [i16],
) {
    let (g, l) = (r.g, V::LANES);
    let c = g.c;
    let (ky0, ky1, iy0) = Geometry::taps(oy * g.sy, g.pad_top, g.kh, g.h);
    let (kx0, kx1, ix0) = Geometry::taps(ox * g.sx, g.pad_left, g.kw, g.w);
    let zero_in = V::splat(r.input_zero);
    let mut acc: [V; N] = core::array::from_fn(|j| V::load_i32(r.dw_bias, ch + l * j));
    for ky in ky0..ky1 {
        let row = ((iy0 + ky - ky0) * g.w + ix0) * c + ch;
        for kx in kx0..kx1 {
            // One bounds check a tap: both slices hold exactly `LANES·N` values.
            let x = &input[row + (kx - kx0) * c..][..l * N];
            let w = &r.dw[(ky * g.kw + kx) * c + ch..][..l * N];
            for (j, a) in acc.iter_mut().enumerate() {
                *a = a.add(V::load_i8(x, l * j).sub_mul(zero_in, V::load_i8(w, l * j)));
            }
        }
    }
    for (j, a) in acc.iter().enumerate() {
        let (mult, shift) = (V::load_i32(r.dw_mult, ch + l * j), V::load_i32(r.dw_shift, ch + l * j));
        let q = a.requantize(mult, shift, r.mid_zero, r.dw_bounds);
        // Centred: q − zp_mid, in −255..=255.
        q.sub(V::splat(r.mid_zero)).store_i16(&mut mid_px[ch + l * j..]);
    }
}

/// Output channels `[0, vector_outputs)` of pixels `px .. px + P`.
#[inline(always)]
fn pointwise_pixels<V: I32Lanes, const P: usize>(
    r: &I8Row<'_>,
    mid: &[i32],
    out: &mut [i8],
    px: usize,
    vector_outputs: usize,
) {
    let mut o = 0;
    while o + 2 * V::LANES <= vector_outputs {
        pointwise_block::<V, P, 2>(r, mid, out, px, o);
        o += 2 * V::LANES;
    }
    if o + V::LANES <= vector_outputs {
        pointwise_block::<V, P, 1>(r, mid, out, px, o);
    }
}

/// Output channels `o .. o + LANES·NV` of pixels `px .. px + P`.
#[inline(always)]
fn pointwise_block<V: I32Lanes, const P: usize, const NV: usize>(
    r: &I8Row<'_>,
    mid: &[i32],
    out: &mut [i8],
    px: usize,
    o: usize,
) {
    let (pairs, c_out, l) = (r.g.pairs(), r.g.c_out, V::LANES);
    let mid = &mid[px * pairs..(px + P) * pairs];
    let out = &mut out[px * c_out..(px + P) * c_out];
    assert!(o + l * NV <= c_out && r.pw_pairs.len() >= pairs * c_out);
    let weights = r.pw_pairs.as_ptr();
    let bias: [V; NV] = core::array::from_fn(|v| V::load_i32(r.pw_bias, o + l * v));
    let mut acc = [bias; P];
    for k in 0..pairs {
        // SAFETY: `k < pairs` and `o + l·NV ≤ c_out`, so every vector lies in
        // row `k` of `pw_pairs` (`pairs · c_out` elements, asserted above).
        let w: [V; NV] = core::array::from_fn(|v| unsafe { V::load_i32_unchecked(weights.add(k * c_out + o + l * v)) });
        for (p, acc) in acc.iter_mut().enumerate() {
            let x = V::splat(mid[p * pairs + k]);
            for (a, w) in acc.iter_mut().zip(w) {
                *a = a.madd_add(x, w);
            }
        }
    }
    for v in 0..NV {
        let (mult, shift) = (V::load_i32(r.pw_mult, o + l * v), V::load_i32(r.pw_shift, o + l * v));
        for (p, acc) in acc.iter().enumerate() {
            acc[v].requantize(mult, shift, r.out_zero, r.pw_bounds).store_i8(&mut out[p * c_out + o + l * v..]);
        }
    }
}
