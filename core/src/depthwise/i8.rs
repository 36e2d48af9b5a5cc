//! The int8 layer engine, written once over [`I32Vector`]: exact int32
//! arithmetic, so every backend gives the same bits.
//!
//! * depthwise, vectors of channels: sign-extend the input and the taps,
//!   subtract the input zero point, multiply, add (`vpmovsxbd`, `vpmulld`);
//! * pointwise, one vector of output channels, 4 pixels × 2 vectors of
//!   accumulators: each pair of centred depthwise values `(m[2k], m[2k+1])`
//!   is broadcast and multiplied with the packed weight pairs (`vpmaddwd`);
//! * requantisation lane by lane ([`I32Vector::requantize`], gemmlowp's
//!   arithmetic of [`super::quant`]).
//!
//! Channels that do not fill a vector run on one lane (the scalar
//! backend's vector), so the tails have the same arithmetic.

use super::geometry::{Geometry, I8Row};
use crate::simd::{I32Vector, Scalar, Simd};

/// One lane: the tails.
type One = <Scalar as Simd>::I32;

/// The int8 layer on one backend's vectors. `mid` is one output row of
/// centred depthwise results `q − zp_mid` as i16, `⌈C_in/2⌉` pairs a pixel
/// (the pad of an odd `C_in` is 0), viewed as `i32` pairs.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn run<V: I32Vector>(simd: V::Token, r: &I8Row<'_>, input: &[i8], output: &mut [i8], mid: &mut [i32]) {
    let g = r.g;
    let pairs = g.pairs();
    mid.fill(0);
    for (oy, out_row) in output.chunks_exact_mut(g.out_w * g.c_out).enumerate() {
        {
            let mid16: &mut [i16] = bytemuck::cast_slice_mut(mid);
            for (ox, mid_px) in mid16.chunks_exact_mut(2 * pairs).enumerate() {
                depthwise_pixel::<V>(simd, r, input, oy, ox, mid_px);
            }
        }
        pointwise_row::<V>(simd, r, mid, out_row);
    }
}

/// Depthwise channels of output pixel `(oy, ox)` into `mid_px`: four
/// vectors of channels per pass over the taps (the tap loop's index
/// arithmetic shared by four), then two, then one, then one lane.
#[cfg_attr(not(debug_assertions), inline(always))]
fn depthwise_pixel<V: I32Vector>(
    simd: V::Token,
    r: &I8Row<'_>,
    input: &[i8],
    oy: usize,
    ox: usize,
    mid_px: &mut [i16],
) {
    let c = r.g.c;
    let mut ch = 0;
    while ch + 4 * V::LANES <= c {
        depthwise_block::<V, 4>(simd, r, input, oy, ox, ch, mid_px);
        ch += 4 * V::LANES;
    }
    if ch + 2 * V::LANES <= c {
        depthwise_block::<V, 2>(simd, r, input, oy, ox, ch, mid_px);
        ch += 2 * V::LANES;
    }
    if ch + V::LANES <= c {
        depthwise_block::<V, 1>(simd, r, input, oy, ox, ch, mid_px);
        ch += V::LANES;
    }
    for ch in ch..c {
        depthwise_block::<One, 1>(Scalar, r, input, oy, ox, ch, mid_px);
    }
}

/// Depthwise channels `ch .. ch + LANES·N` of output pixel `(oy, ox)`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn depthwise_block<V: I32Vector, const N: usize>(
    simd: V::Token,
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
    let zero_in = V::splat(simd, r.input_zero);
    let mut acc: [V; N] = core::array::from_fn(|j| V::load_i32(simd, r.dw_bias, ch + l * j));
    for ky in ky0..ky1 {
        let row = ((iy0 + ky - ky0) * g.w + ix0) * c + ch;
        for kx in kx0..kx1 {
            // One bounds check a tap: both slices hold exactly `LANES·N` values.
            let x = &input[row + (kx - kx0) * c..][..l * N];
            let w = &r.dw[(ky * g.kw + kx) * c + ch..][..l * N];
            for (j, a) in acc.iter_mut().enumerate() {
                *a = a.add(V::load_i8(simd, x, l * j).sub_mul(zero_in, V::load_i8(simd, w, l * j)));
            }
        }
    }
    for (j, a) in acc.iter().enumerate() {
        let (mult, shift) = (V::load_i32(simd, r.dw_mult, ch + l * j), V::load_i32(simd, r.dw_shift, ch + l * j));
        let q = a.requantize(mult, shift, r.mid_zero, r.dw_bounds);
        // Centred: q − zp_mid, in −255..=255.
        q.sub(V::splat(simd, r.mid_zero)).store_i16(&mut mid_px[ch + l * j..]);
    }
}

/// One output row of the pointwise stage: output channels in vectors of
/// `V`, the rest on one lane.
#[cfg_attr(not(debug_assertions), inline(always))]
fn pointwise_row<V: I32Vector>(simd: V::Token, r: &I8Row<'_>, mid: &[i32], out: &mut [i8]) {
    let (out_w, c_out) = (r.g.out_w, r.g.c_out);
    let vector_outputs = c_out / V::LANES * V::LANES;
    let mut px = 0;
    while px + 4 <= out_w {
        pointwise_pixels::<V, 4>(simd, r, mid, out, px, 0..vector_outputs);
        pointwise_pixels::<One, 4>(Scalar, r, mid, out, px, vector_outputs..c_out);
        px += 4;
    }
    while px < out_w {
        pointwise_pixels::<V, 1>(simd, r, mid, out, px, 0..vector_outputs);
        pointwise_pixels::<One, 1>(Scalar, r, mid, out, px, vector_outputs..c_out);
        px += 1;
    }
}

/// Output channels `outputs` (whole vectors) of pixels `px .. px + P`:
/// two vectors a step, then one.
#[cfg_attr(not(debug_assertions), inline(always))]
fn pointwise_pixels<V: I32Vector, const P: usize>(
    simd: V::Token,
    r: &I8Row<'_>,
    mid: &[i32],
    out: &mut [i8],
    px: usize,
    outputs: core::ops::Range<usize>,
) {
    let mut o = outputs.start;
    while o + 2 * V::LANES <= outputs.end {
        pointwise_block::<V, P, 2>(simd, r, mid, out, px, o);
        o += 2 * V::LANES;
    }
    if o + V::LANES <= outputs.end {
        pointwise_block::<V, P, 1>(simd, r, mid, out, px, o);
    }
}

/// Output channels `o .. o + LANES·NV` of pixels `px .. px + P`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn pointwise_block<V: I32Vector, const P: usize, const NV: usize>(
    simd: V::Token,
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
    let bias: [V; NV] = core::array::from_fn(|v| V::load_i32(simd, r.pw_bias, o + l * v));
    let mut acc = [bias; P];
    for k in 0..pairs {
        // SAFETY: `k < pairs` and `o + l·NV ≤ c_out`, so every vector lies in
        // row `k` of `pw_pairs` (`pairs · c_out` elements, asserted above).
        let w: [V; NV] =
            core::array::from_fn(|v| unsafe { V::load_i32_unchecked(simd, weights.add(k * c_out + o + l * v)) });
        for (p, acc) in acc.iter_mut().enumerate() {
            let x = V::splat(simd, mid[p * pairs + k]);
            for (a, w) in acc.iter_mut().zip(w) {
                *a = a.madd_add(x, w);
            }
        }
    }
    for v in 0..NV {
        let (mult, shift) = (V::load_i32(simd, r.pw_mult, o + l * v), V::load_i32(simd, r.pw_shift, o + l * v));
        for (p, acc) in acc.iter().enumerate() {
            acc[v].requantize(mult, shift, r.out_zero, r.pw_bounds).store_i8(&mut out[p * c_out + o + l * v..]);
        }
    }
}
