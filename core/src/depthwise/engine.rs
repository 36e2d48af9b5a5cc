//! The layer engines, written once: f32 generic over [`F32Vector`], int8
//! generic over [`I8Kernels`] (scalar here, AVX2 in `x86_64.rs`).
//!
//! ```text
//! for each output row oy:
//!     mid  ← depthwise(row oy)            W_out × C_in, in scratch (L1/L2)
//!     out[oy] ← pointwise(mid)            4 pixels × 2 vectors of C_out at a time
//! ```
//!
//! The pointwise stage is a `(W_out × C_in) · (C_in × C_out)` matrix
//! product: the weights are repacked once per call so that output channels
//! are contiguous (f32: transposed; int8: `(w[o][2k], w[o][2k+1])` i16 pairs
//! for `pmaddwd`), and each input value is broadcast against a vector of
//! output channels.

use super::quant::multiply_by_quantized_multiplier;
use super::{F32Weights, Geometry, SeparableI8};
use crate::simd::F32Vector;

/// Clamp bounds of the depthwise and the pointwise stage, f32.
pub(crate) type Clamps = ((f32, f32), (f32, f32));

/// `x.max(lo).min(hi)` over a slice (compiles to vector min/max).
#[inline(always)]
fn clamp_all(values: &mut [f32], (lo, hi): (f32, f32)) {
    if lo == f32::NEG_INFINITY && hi == f32::INFINITY {
        return;
    }
    for v in values {
        *v = v.max(lo).min(hi);
    }
}

/// The f32 layer on one backend's vectors. Slices have the lengths
/// `SeparableF32::run` checked.
#[inline(always)]
pub(crate) fn run_f32<V: F32Vector>(
    g: &Geometry,
    w: &F32Weights<'_>,
    clamps: Clamps,
    input: &[f32],
    output: &mut [f32],
    scratch: &mut [f32],
) {
    let (mid, rest) = scratch.split_at_mut(g.out_w * g.c);
    let transposed = &mut rest[..g.c * g.c_out];
    for (o, row) in w.pointwise.chunks_exact(g.c).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            transposed[c * g.c_out + o] = v;
        }
    }
    for (oy, out_row) in output.chunks_exact_mut(g.out_w * g.c_out).enumerate() {
        depthwise_row_f32::<V>(g, w, input, oy, mid);
        clamp_all(mid, clamps.0);
        pointwise_row_f32::<V>(g, mid, transposed, w.pointwise_bias, out_row);
        clamp_all(out_row, clamps.1);
    }
}

/// One output row of the depthwise stage: `mid[ox][c]`, vectorised over
/// channels, four vectors per pass over the taps (independent FMA chains),
/// then two, then one, then scalar.
#[inline(always)]
fn depthwise_row_f32<V: F32Vector>(g: &Geometry, w: &F32Weights<'_>, input: &[f32], oy: usize, mid: &mut [f32]) {
    let c = g.c;
    let (ky0, ky1, iy0) = Geometry::taps(oy * g.sy, g.pad_top, g.kh, g.h);
    for (ox, out) in mid.chunks_exact_mut(c).enumerate() {
        let (kx0, kx1, ix0) = Geometry::taps(ox * g.sx, g.pad_left, g.kw, g.w);
        let taps = Taps { ky: (ky0, ky1, iy0), kx: (kx0, kx1, ix0) };
        let mut ch = 0;
        while ch + 4 * V::LANES <= c {
            depthwise_block_f32::<V, 4>(g, w, input, taps, ch, out);
            ch += 4 * V::LANES;
        }
        if ch + 2 * V::LANES <= c {
            depthwise_block_f32::<V, 2>(g, w, input, taps, ch, out);
            ch += 2 * V::LANES;
        }
        if ch + V::LANES <= c {
            depthwise_block_f32::<V, 1>(g, w, input, taps, ch, out);
            ch += V::LANES;
        }
        for (ch, o) in out.iter_mut().enumerate().skip(ch) {
            let mut acc = w.depthwise_bias[ch];
            for ky in ky0..ky1 {
                for kx in kx0..kx1 {
                    let x = input[((iy0 + ky - ky0) * g.w + ix0 + kx - kx0) * c + ch];
                    acc = V::mul_add_one(x, w.depthwise[(ky * g.kw + kx) * c + ch], acc);
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
#[inline(always)]
fn depthwise_block_f32<V: F32Vector, const N: usize>(
    g: &Geometry,
    w: &F32Weights<'_>,
    input: &[f32],
    taps: Taps,
    ch: usize,
    out: &mut [f32],
) {
    let (c, l) = (g.c, V::LANES);
    let ((ky0, ky1, iy0), (kx0, kx1, ix0)) = (taps.ky, taps.kx);
    let mut acc: [V; N] = core::array::from_fn(|j| load::<V>(&w.depthwise_bias[ch + l * j..]));
    for ky in ky0..ky1 {
        let row = ((iy0 + ky - ky0) * g.w + ix0) * c + ch;
        for kx in kx0..kx1 {
            // One bounds check a tap: both slices hold exactly `LANES·N` values.
            let x = &input[row + (kx - kx0) * c..][..l * N];
            let t = &w.depthwise[(ky * g.kw + kx) * c + ch..][..l * N];
            for (j, a) in acc.iter_mut().enumerate() {
                *a = load::<V>(&x[l * j..]).mul_add(load::<V>(&t[l * j..]), *a);
            }
        }
    }
    for (j, a) in acc.iter().enumerate() {
        store(*a, &mut out[ch + l * j..]);
    }
}

/// `V::LANES` values from the front of `s`.
#[inline(always)]
fn load<V: F32Vector>(s: &[f32]) -> V {
    assert!(s.len() >= V::LANES);
    // SAFETY: `s` holds at least `LANES` f32s (checked just above).
    unsafe { V::load(s.as_ptr()) }
}

#[inline(always)]
fn store<V: F32Vector>(v: V, s: &mut [f32]) {
    assert!(s.len() >= V::LANES);
    // SAFETY: `s` holds at least `LANES` writable f32s (checked just above).
    unsafe { v.store(s.as_mut_ptr()) }
}

/// One output row of the pointwise stage: `out[ox][o] = bias[o] + Σ_c mid[ox][c] · wt[c][o]`.
#[inline(always)]
fn pointwise_row_f32<V: F32Vector>(g: &Geometry, mid: &[f32], wt: &[f32], bias: &[f32], out: &mut [f32]) {
    let mut px = 0;
    while px + 4 <= g.out_w {
        pointwise_pixels_f32::<V, 4>(g, mid, wt, bias, out, px);
        px += 4;
    }
    while px < g.out_w {
        pointwise_pixels_f32::<V, 1>(g, mid, wt, bias, out, px);
        px += 1;
    }
}

/// Pixels `px .. px + P` of the pointwise stage: blocks of 2 vectors of
/// output channels, then 1, then scalar.
#[inline(always)]
fn pointwise_pixels_f32<V: F32Vector, const P: usize>(
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
        let b = [load::<V>(&bias[o..]), load::<V>(&bias[o + l..])];
        let mut acc = [b; P];
        for ci in 0..c {
            // SAFETY: `o + 2l ≤ c_out` and `ci < c`, so both vectors lie in
            // `wt[ci·c_out .. (ci + 1)·c_out]`, inside `wt` (asserted above).
            let wv =
                unsafe { [V::load(wt.as_ptr().add(ci * c_out + o)), V::load(wt.as_ptr().add(ci * c_out + o + l))] };
            for (p, acc) in acc.iter_mut().enumerate() {
                let m = V::splat(mid[p * c + ci]);
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
        let mut acc = [load::<V>(&bias[o..]); P];
        for ci in 0..c {
            // SAFETY: `o + l ≤ c_out` and `ci < c`: inside `wt` (asserted above).
            let wv = unsafe { V::load(wt.as_ptr().add(ci * c_out + o)) };
            for (p, acc) in acc.iter_mut().enumerate() {
                *acc = V::splat(mid[p * c + ci]).mul_add(wv, *acc);
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
                acc = V::mul_add_one(mid[p * c + ci], wt[ci * c_out + o], acc);
            }
            out[p * c_out + o] = acc;
        }
    }
}

/// Everything the int8 inner loops read, laid out in the caller's scratch.
pub(crate) struct I8Row<'a> {
    pub g: &'a Geometry,
    pub input_zero: i32,
    pub dw: &'a [i8],
    pub dw_bias: &'a [i32],
    /// Q31 multipliers and shifts of the depthwise channels.
    pub dw_mult: &'a [i32],
    pub dw_shift: &'a [i32],
    pub mid_zero: i32,
    pub dw_bounds: (i32, i32),
    /// `[⌈C_in/2⌉][C_out]` pairs `(w[o][2k], w[o][2k+1])` as little-endian i16s.
    pub pw_pairs: &'a [i32],
    pub pw_bias: &'a [i32],
    pub pw_mult: &'a [i32],
    pub pw_shift: &'a [i32],
    pub out_zero: i32,
    pub pw_bounds: (i32, i32),
}

/// The int8 inner loops of one backend. `mid` is one output row of centred
/// depthwise results `q − zp_mid` as i16, `⌈C_in/2⌉` pairs a pixel (the pad
/// of an odd `C_in` stays 0), viewed as `i32` pairs.
pub(crate) trait I8Kernels {
    /// Depthwise channels `[from, C_in)` of output pixel `(oy, ox)` into `mid_px`.
    fn depthwise(&self, r: &I8Row<'_>, input: &[i8], oy: usize, ox: usize, from: usize, mid_px: &mut [i16]);
    /// One output row of the pointwise stage.
    fn pointwise(&self, r: &I8Row<'_>, mid: &[i32], out: &mut [i8]);
}

/// Requantises an int32 accumulator to the clamped int8 range.
#[inline(always)]
pub(crate) fn requantize(acc: i32, mult: i32, shift: i32, zero: i32, (lo, hi): (i32, i32)) -> i32 {
    multiply_by_quantized_multiplier(acc, mult, shift).wrapping_add(zero).max(lo).min(hi)
}

/// The plain integer loops (scalar and portable backends, and the tails of
/// the vector ones).
pub(crate) struct ScalarI8;

impl I8Kernels for ScalarI8 {
    #[inline(always)]
    fn depthwise(&self, r: &I8Row<'_>, input: &[i8], oy: usize, ox: usize, from: usize, mid_px: &mut [i16]) {
        let g = r.g;
        let c = g.c;
        let (ky0, ky1, iy0) = Geometry::taps(oy * g.sy, g.pad_top, g.kh, g.h);
        let (kx0, kx1, ix0) = Geometry::taps(ox * g.sx, g.pad_left, g.kw, g.w);
        for ch in from..c {
            let mut acc = r.dw_bias[ch];
            for ky in ky0..ky1 {
                for kx in kx0..kx1 {
                    let x = input[((iy0 + ky - ky0) * g.w + ix0 + kx - kx0) * c + ch] as i32 - r.input_zero;
                    acc += x * r.dw[(ky * g.kw + kx) * c + ch] as i32;
                }
            }
            let q = requantize(acc, r.dw_mult[ch], r.dw_shift[ch], r.mid_zero, r.dw_bounds);
            mid_px[ch] = (q - r.mid_zero) as i16;
        }
    }

    #[inline(always)]
    fn pointwise(&self, r: &I8Row<'_>, mid: &[i32], out: &mut [i8]) {
        pointwise_scalar(r, mid, out, 0);
    }
}

/// Output channels `[from, C_out)` of every pixel of the row, scalar.
#[inline(always)]
pub(crate) fn pointwise_scalar(r: &I8Row<'_>, mid: &[i32], out: &mut [i8], from: usize) {
    let (pairs, c_out) = (r.g.pairs(), r.g.c_out);
    for (px, out_px) in out.chunks_exact_mut(c_out).enumerate() {
        let m = &mid[px * pairs..(px + 1) * pairs];
        for (o, q) in out_px.iter_mut().enumerate().skip(from) {
            let mut acc = r.pw_bias[o];
            for (k, &pair) in m.iter().enumerate() {
                let wp = r.pw_pairs[k * c_out + o];
                acc += pair as i16 as i32 * wp as i16 as i32 + (pair >> 16) * (wp >> 16);
            }
            *q = requantize(acc, r.pw_mult[o], r.pw_shift[o], r.out_zero, r.pw_bounds) as i8;
        }
    }
}

/// `(lo, hi)` as a little-endian i16 pair in an `i32`.
#[inline(always)]
fn pair(lo: i16, hi: i16) -> i32 {
    (lo as u16 as u32 | (hi as u16 as u32) << 16) as i32
}

/// The int8 layer with one backend's inner loops. `scratch` has exactly
/// `SeparableI8::scratch_len` elements; the other slices the checked lengths.
#[inline(always)]
pub(crate) fn run_i8<K: I8Kernels>(
    k: &K,
    layer: &SeparableI8<'_>,
    input: &[i8],
    output: &mut [i8],
    scratch: &mut [i32],
) {
    let g = &layer.geometry;
    let w = &layer.weights;
    let pairs = g.pairs();
    let (dw_mult, rest) = scratch.split_at_mut(g.c);
    let (dw_shift, rest) = rest.split_at_mut(g.c);
    let (pw_mult, rest) = rest.split_at_mut(g.c_out);
    let (pw_shift, rest) = rest.split_at_mut(g.c_out);
    let (pw_pairs, mid) = rest.split_at_mut(pairs * g.c_out);
    // The layer checked the scale counts, so every channel has a multiplier.
    for ch in 0..g.c {
        (dw_mult[ch], dw_shift[ch]) = layer.depthwise_multiplier(ch).unwrap_or_default();
    }
    for o in 0..g.c_out {
        (pw_mult[o], pw_shift[o]) = layer.pointwise_multiplier(o).unwrap_or_default();
    }
    for (kp, dst) in pw_pairs.chunks_exact_mut(g.c_out).enumerate() {
        for (o, d) in dst.iter_mut().enumerate() {
            let row = &w.pointwise[o * g.c..(o + 1) * g.c];
            let hi = row.get(2 * kp + 1).map_or(0, |&v| v as i16);
            *d = pair(row[2 * kp] as i16, hi);
        }
    }
    mid.fill(0);
    let r = I8Row {
        g,
        input_zero: w.input.zero_point,
        dw: w.depthwise,
        dw_bias: w.depthwise_bias,
        dw_mult,
        dw_shift,
        mid_zero: w.depthwise_output.zero_point,
        dw_bounds: layer.bounds[0],
        pw_pairs,
        pw_bias: w.pointwise_bias,
        pw_mult,
        pw_shift,
        out_zero: w.output.zero_point,
        pw_bounds: layer.bounds[1],
    };
    for (oy, out_row) in output.chunks_exact_mut(g.out_w * g.c_out).enumerate() {
        {
            let mid16: &mut [i16] = bytemuck::cast_slice_mut(mid);
            for (ox, mid_px) in mid16.chunks_exact_mut(2 * pairs).enumerate() {
                k.depthwise(&r, input, oy, ox, 0, mid_px);
            }
        }
        k.pointwise(&r, mid, out_row);
    }
}
