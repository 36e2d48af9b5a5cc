//! The f32 layer engine, written once over [`F32Vector`].
//!
//! ```text
//! for each output row oy:
//!     mid  ← depthwise(row oy)            W_out × C_in, in scratch (L1/L2)
//!     out[oy] ← pointwise(mid)            4 pixels × 2 vectors of C_out at a time
//! ```
//!
//! The pointwise stage is a `(W_out × C_in) · (C_in × C_out)` matrix
//! product over weights transposed once per call (output channels
//! contiguous): each input value is broadcast against a vector of output
//! channels.

use super::geometry::{F32Layer, Geometry};
use crate::simd::F32Vector;

/// `x.max(lo).min(hi)` over a slice (compiles to vector min/max).
#[cfg_attr(not(debug_assertions), inline(always))]
fn clamp_all(values: &mut [f32], (lo, hi): (f32, f32)) {
    if lo == f32::NEG_INFINITY && hi == f32::INFINITY {
        return;
    }
    for v in values {
        *v = v.max(lo).min(hi);
    }
}

/// The f32 layer on one backend's vectors. Slices have the lengths
/// `SeparableF32::run` checked; `mid` holds `W_out·C_in` values.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn run<V: F32Vector>(simd: V::Token, l: &F32Layer<'_>, input: &[f32], output: &mut [f32], mid: &mut [f32]) {
    let g = l.g;
    for (oy, out_row) in output.chunks_exact_mut(g.out_w * g.c_out).enumerate() {
        depthwise_row::<V>(simd, l, input, oy, mid);
        clamp_all(mid, l.clamps.0);
        pointwise_row::<V>(simd, g, mid, l.pointwise, l.pointwise_bias, out_row);
        clamp_all(out_row, l.clamps.1);
    }
}

/// One output row of the depthwise stage: `mid[ox][c]`, vectorised over
/// channels, four vectors per pass over the taps (independent FMA chains),
/// then two, then one, then scalar.
#[cfg_attr(not(debug_assertions), inline(always))]
fn depthwise_row<V: F32Vector>(simd: V::Token, l: &F32Layer<'_>, input: &[f32], oy: usize, mid: &mut [f32]) {
    let g = l.g;
    let c = g.c;
    let (ky0, ky1, iy0) = Geometry::taps(oy * g.sy, g.pad_top, g.kh, g.h);
    for (ox, out) in mid.chunks_exact_mut(c).enumerate() {
        let (kx0, kx1, ix0) = Geometry::taps(ox * g.sx, g.pad_left, g.kw, g.w);
        let taps = Taps { ky: (ky0, ky1, iy0), kx: (kx0, kx1, ix0) };
        let mut ch = 0;
        while ch + 4 * V::LANES <= c {
            depthwise_block::<V, 4>(simd, l, input, taps, ch, out);
            ch += 4 * V::LANES;
        }
        if ch + 2 * V::LANES <= c {
            depthwise_block::<V, 2>(simd, l, input, taps, ch, out);
            ch += 2 * V::LANES;
        }
        if ch + V::LANES <= c {
            depthwise_block::<V, 1>(simd, l, input, taps, ch, out);
            ch += V::LANES;
        }
        for (ch, o) in out.iter_mut().enumerate().skip(ch) {
            let mut acc = l.depthwise_bias[ch];
            for ky in ky0..ky1 {
                for kx in kx0..kx1 {
                    let x = input[((iy0 + ky - ky0) * g.w + ix0 + kx - kx0) * c + ch];
                    acc = V::mul_add_one(simd, x, l.depthwise[(ky * g.kw + kx) * c + ch], acc);
                }
            }
            *o = acc;
        }
    }
}

/// The taps of one output pixel inside the image: `(lo, hi, first input coordinate)` per axis.
#[derive(Clone, Copy)]
struct Taps {
    ky: (usize, usize, usize),
    kx: (usize, usize, usize),
}

/// Channels `ch .. ch + LANES·N` of one output pixel.
#[cfg_attr(not(debug_assertions), inline(always))]
fn depthwise_block<V: F32Vector, const N: usize>(
    simd: V::Token,
    l: &F32Layer<'_>,
    input: &[f32],
    taps: Taps,
    ch: usize,
    out: &mut [f32],
) {
    let (g, lanes) = (l.g, V::LANES);
    let c = g.c;
    let ((ky0, ky1, iy0), (kx0, kx1, ix0)) = (taps.ky, taps.kx);
    let mut acc: [V; N] = core::array::from_fn(|j| load::<V>(simd, &l.depthwise_bias[ch + lanes * j..]));
    for ky in ky0..ky1 {
        let row = ((iy0 + ky - ky0) * g.w + ix0) * c + ch;
        for kx in kx0..kx1 {
            // One bounds check a tap: both slices hold exactly `LANES·N` values.
            let x = &input[row + (kx - kx0) * c..][..lanes * N];
            let t = &l.depthwise[(ky * g.kw + kx) * c + ch..][..lanes * N];
            for (j, a) in acc.iter_mut().enumerate() {
                *a = load::<V>(simd, &x[lanes * j..]).mul_add(load::<V>(simd, &t[lanes * j..]), *a);
            }
        }
    }
    for (j, a) in acc.iter().enumerate() {
        store(*a, &mut out[ch + lanes * j..]);
    }
}

/// `V::LANES` values from the front of `s`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn load<V: F32Vector>(simd: V::Token, s: &[f32]) -> V {
    assert!(s.len() >= V::LANES);
    // SAFETY: `s` holds at least `LANES` f32s (checked just above).
    unsafe { V::load(simd, s.as_ptr()) }
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn store<V: F32Vector>(v: V, s: &mut [f32]) {
    assert!(s.len() >= V::LANES);
    // SAFETY: `s` holds at least `LANES` writable f32s (checked just above).
    unsafe { v.store(s.as_mut_ptr()) }
}

/// One output row of the pointwise stage: `out[ox][o] = bias[o] + Σ_c mid[ox][c] · wt[c][o]`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn pointwise_row<V: F32Vector>(simd: V::Token, g: &Geometry, mid: &[f32], wt: &[f32], bias: &[f32], out: &mut [f32]) {
    let mut px = 0;
    while px + 4 <= g.out_w {
        pointwise_pixels::<V, 4>(simd, g, mid, wt, bias, out, px);
        px += 4;
    }
    while px < g.out_w {
        pointwise_pixels::<V, 1>(simd, g, mid, wt, bias, out, px);
        px += 1;
    }
}

/// Pixels `px .. px + P` of the pointwise stage: blocks of 2 vectors of
/// output channels, then 1, then scalar.
#[cfg_attr(not(debug_assertions), inline(always))]
fn pointwise_pixels<V: F32Vector, const P: usize>(
    simd: V::Token,
    g: &Geometry,
    mid: &[f32],
    wt: &[f32],
    bias: &[f32],
    out: &mut [f32],
    px: usize,
) {
    let (c, c_out, l) = (g.c, g.c_out, V::LANES);
    let mid = &mid[px * c..(px + P) * c];
    let out = &mut out[px * c_out..(px + P) * c_out];
    assert!(wt.len() >= c * c_out && bias.len() >= c_out);
    let mut o = 0;
    while o + 2 * l <= c_out {
        let b = [load::<V>(simd, &bias[o..]), load::<V>(simd, &bias[o + l..])];
        let mut acc = [b; P];
        for ci in 0..c {
            // SAFETY: `o + 2l ≤ c_out` and `ci < c`, so both vectors lie in
            // `wt[ci·c_out .. (ci + 1)·c_out]`, inside `wt` (asserted above).
            let wv = unsafe {
                [V::load(simd, wt.as_ptr().add(ci * c_out + o)), V::load(simd, wt.as_ptr().add(ci * c_out + o + l))]
            };
            for (p, acc) in acc.iter_mut().enumerate() {
                let m = V::splat(simd, mid[p * c + ci]);
                acc[0] = m.mul_add(wv[0], acc[0]);
                acc[1] = m.mul_add(wv[1], acc[1]);
            }
        }
        for (p, acc) in acc.iter().enumerate() {
            store(acc[0], &mut out[p * c_out + o..]);
            store(acc[1], &mut out[p * c_out + o + l..]);
        }
        o += 2 * l;
    }
    while o + l <= c_out {
        let mut acc = [load::<V>(simd, &bias[o..]); P];
        for ci in 0..c {
            // SAFETY: `o + l ≤ c_out` and `ci < c`: inside `wt` (asserted above).
            let wv = unsafe { V::load(simd, wt.as_ptr().add(ci * c_out + o)) };
            for (p, acc) in acc.iter_mut().enumerate() {
                *acc = V::splat(simd, mid[p * c + ci]).mul_add(wv, *acc);
            }
        }
        for (p, acc) in acc.iter().enumerate() {
            store(*acc, &mut out[p * c_out + o..]);
        }
        o += l;
    }
    for o in o..c_out {
        for p in 0..P {
            let mut acc = bias[o];
            for ci in 0..c {
                acc = V::mul_add_one(simd, mid[p * c + ci], wt[ci * c_out + o], acc);
            }
            out[p * c_out + o] = acc;
        }
    }
}
