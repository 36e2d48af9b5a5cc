//! x86_64 entry points: the generic f32 engine instantiated on `__m256`
//! (AVX2+FMA) and `__m512` (AVX-512), and the int8 engine with AVX2 integer
//! inner loops (also used under the AVX-512 token).
//!
//! int8 on AVX2, all exact int32 arithmetic, so bit-identical to the scalar
//! loops:
//!
//! * depthwise, 8 channels a vector: `pmovsxbd` the input and the taps,
//!   subtract the input zero point, `pmulld`, `paddd`;
//! * pointwise, 8 output channels a vector, 4 pixels × 2 vectors of
//!   accumulators: each pair of centred depthwise values `(m[2k], m[2k+1])`
//!   is broadcast and `pmaddwd`-ed with the packed weight pairs;
//! * requantisation lane by lane: `pmuldq` on even and odd lanes for the
//!   64-bit products of `SaturatingRoundingDoublingHighMul` (the multiplier
//!   is never `i32::MIN`, so it never saturates), `psrlvd`-based
//!   `RoundingDivideByPOT` with per-lane shifts.

use core::arch::x86_64::*;

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
    engine::run_i8(&Avx2I8 { _proof: () }, layer, input, output, scratch);
}

/// The AVX2 int8 loops. Only [`i8_avx2`] makes a value, so a value proves
/// the methods run (inlined) inside that AVX2 entry point.
struct Avx2I8 {
    _proof: (),
}

/// 8 int8s at `s[at..]`, sign-extended to i32 lanes.
#[inline(always)]
fn load_i8x8(s: &[i8], at: usize) -> __m256i {
    let s = &s[at..at + 8];
    // SAFETY: `s` holds 8 readable bytes; only reached from inside `i8_avx2` (AVX2).
    unsafe { _mm256_cvtepi8_epi32(_mm_loadl_epi64(s.as_ptr().cast())) }
}

/// 8 i32s at `s[at..]`.
#[inline(always)]
fn load_i32x8(s: &[i32], at: usize) -> __m256i {
    let s = &s[at..at + 8];
    // SAFETY: `s` holds 8 readable i32s; only reached from inside `i8_avx2` (AVX2).
    unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
}

/// `clamp(MultiplyByQuantizedMultiplier(acc, mult, shift) + zero, lo, hi)` lane by lane.
#[inline(always)]
fn requantize(acc: __m256i, mult: __m256i, shift: __m256i, zero: i32, (lo, hi): (i32, i32)) -> __m256i {
    // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
    unsafe {
        let zeros = _mm256_setzero_si256();
        let one = _mm256_set1_epi32(1);
        let left = _mm256_max_epi32(shift, zeros);
        let right = _mm256_max_epi32(_mm256_sub_epi32(zeros, shift), zeros);
        let x = _mm256_sllv_epi32(acc, left); // wraps, as `wrapping_shl`
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

impl I8Kernels for Avx2I8 {
    #[inline(always)]
    fn depthwise(&self, r: &I8Row<'_>, input: &[i8], oy: usize, ox: usize, from: usize, mid_px: &mut [i16]) {
        let g = r.g;
        let c = g.c;
        let (ky0, ky1, iy0) = Geometry::taps(oy * g.sy, g.pad_top, g.kh, g.h);
        let (kx0, kx1, ix0) = Geometry::taps(ox * g.sx, g.pad_left, g.kw, g.w);
        let mut ch = from;
        // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
        let zero_in = unsafe { _mm256_set1_epi32(r.input_zero) };
        while ch + 8 <= c {
            let mut acc = load_i32x8(r.dw_bias, ch);
            for ky in ky0..ky1 {
                let row = ((iy0 + ky - ky0) * g.w + ix0) * c + ch;
                for kx in kx0..kx1 {
                    let x = load_i8x8(input, row + (kx - kx0) * c);
                    let w = load_i8x8(r.dw, (ky * g.kw + kx) * c + ch);
                    // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
                    acc = unsafe { _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_sub_epi32(x, zero_in), w)) };
                }
            }
            let q = requantize(acc, load_i32x8(r.dw_mult, ch), load_i32x8(r.dw_shift, ch), r.mid_zero, r.dw_bounds);
            let dst = &mut mid_px[ch..ch + 8];
            // SAFETY: `dst` holds 8 writable i16s; only reached from inside `i8_avx2` (AVX2). The centred
            // values lie in −255..=255, so the saturating pack is exact.
            unsafe {
                let centred = _mm256_sub_epi32(q, _mm256_set1_epi32(r.mid_zero));
                let packed = _mm_packs_epi32(_mm256_castsi256_si128(centred), _mm256_extracti128_si256::<1>(centred));
                _mm_storeu_si128(dst.as_mut_ptr().cast(), packed);
            }
            ch += 8;
        }
        ScalarI8.depthwise(r, input, oy, ox, ch, mid_px);
    }

    #[inline(always)]
    fn pointwise(&self, r: &I8Row<'_>, mid: &[i32], out: &mut [i8]) {
        let (out_w, c_out) = (r.g.out_w, r.g.c_out);
        let vector_outputs = c_out / 8 * 8;
        let mut px = 0;
        while px + 4 <= out_w {
            pointwise_pixels::<4>(r, mid, out, px, vector_outputs);
            px += 4;
        }
        while px < out_w {
            pointwise_pixels::<1>(r, mid, out, px, vector_outputs);
            px += 1;
        }
        if vector_outputs < c_out {
            engine::pointwise_scalar(r, mid, out, vector_outputs);
        }
    }
}

/// Output channels `[0, vector_outputs)` of pixels `px .. px + P`.
#[inline(always)]
fn pointwise_pixels<const P: usize>(r: &I8Row<'_>, mid: &[i32], out: &mut [i8], px: usize, vector_outputs: usize) {
    let mut o = 0;
    while o + 16 <= vector_outputs {
        pointwise_block::<P, 2>(r, mid, out, px, o);
        o += 16;
    }
    if o + 8 <= vector_outputs {
        pointwise_block::<P, 1>(r, mid, out, px, o);
    }
}

/// Output channels `o .. o + 8·NV` of pixels `px .. px + P`.
#[inline(always)]
fn pointwise_block<const P: usize, const NV: usize>(r: &I8Row<'_>, mid: &[i32], out: &mut [i8], px: usize, o: usize) {
    let (pairs, c_out) = (r.g.pairs(), r.g.c_out);
    let mid = &mid[px * pairs..(px + P) * pairs];
    let out = &mut out[px * c_out..(px + P) * c_out];
    assert!(o + 8 * NV <= c_out && r.pw_pairs.len() >= pairs * c_out);
    let weights = r.pw_pairs.as_ptr();
    let mut acc = [[load_i32x8(r.pw_bias, o); NV]; P];
    for p in acc.iter_mut() {
        for (v, a) in p.iter_mut().enumerate() {
            *a = load_i32x8(r.pw_bias, o + 8 * v);
        }
    }
    for k in 0..pairs {
        // SAFETY: `k < pairs` and `o + 8·NV ≤ c_out`, so every vector lies in
        // row `k` of `pw_pairs` (`pairs · c_out` elements, asserted above);
        // only reached from inside `i8_avx2` (AVX2).
        let w: [__m256i; NV] =
            core::array::from_fn(|v| unsafe { _mm256_loadu_si256(weights.add(k * c_out + o + 8 * v).cast()) });
        for (p, acc) in acc.iter_mut().enumerate() {
            // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
            let x = unsafe { _mm256_set1_epi32(mid[p * pairs + k]) };
            for (a, w) in acc.iter_mut().zip(w) {
                // SAFETY: only reached from inside `i8_avx2` (AVX2); no memory access.
                *a = unsafe { _mm256_add_epi32(*a, _mm256_madd_epi16(x, w)) };
            }
        }
    }
    for v in 0..NV {
        let (mult, shift) = (load_i32x8(r.pw_mult, o + 8 * v), load_i32x8(r.pw_shift, o + 8 * v));
        for (p, acc) in acc.iter().enumerate() {
            let q = requantize(acc[v], mult, shift, r.out_zero, r.pw_bounds);
            let dst = &mut out[p * c_out + o + 8 * v..][..8];
            // SAFETY: `dst` holds 8 writable bytes; only reached from inside `i8_avx2` (AVX2). `q` is
            // clamped to −128..=127, so the saturating packs are exact.
            unsafe {
                let words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256::<1>(q));
                _mm_storel_epi64(dst.as_mut_ptr().cast(), _mm_packs_epi16(words, words));
            }
        }
    }
}
