//! The f32 row pass, generic over the vector type.
//!
//! `out[e] = Σ_i taps[i] · input[e + i·step]`: for each block of output
//! lanes all taps are accumulated in registers (one load and one FMA per tap
//! and vector; no pass over memory per tap). Loads are the limiting resource
//! (`n` per vector; two load ports), far below the memory traffic of the
//! whole filter for the workloads' kernel sizes.

use crate::simd::F32Vector;

/// Vectors per block in the main loop (independent accumulators hide FMA latency).
const UNROLL: usize = 4;

/// The f32 row pass. `input.len() ≥ out.len() + (taps.len() − 1) · step`.
#[inline(always)]
pub(crate) fn row_f32<V: F32Vector>(taps: &[f32], input: &[f32], out: &mut [f32], step: usize) {
    let len = out.len();
    let n = taps.len();
    // The one check the loads below rely on.
    assert!(n >= 1 && input.len() >= len + (n - 1) * step);
    let lanes = V::LANES;
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    let mut e = 0;
    while e + UNROLL * lanes <= len {
        let mut acc = [V::splat(0.0); UNROLL];
        for (i, &w) in taps.iter().enumerate() {
            let w = V::splat(w);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: e + (u + 1)·lanes ≤ len, so the read ends at most at
                // len + (n − 1)·step ≤ input.len() (asserted above).
                let x = unsafe { V::load(src.add(e + u * lanes + i * step)) };
                *a = x.mul_add(w, *a);
            }
        }
        for (u, a) in acc.iter().enumerate() {
            // SAFETY: e + (u + 1)·lanes ≤ len = out.len().
            unsafe { a.store(dst.add(e + u * lanes)) };
        }
        e += UNROLL * lanes;
    }
    let one = |e: usize| {
        let mut acc = V::splat(0.0);
        for (i, &w) in taps.iter().enumerate() {
            // SAFETY: callers pass e + lanes ≤ len; see the main loop.
            let x = unsafe { V::load(src.add(e + i * step)) };
            acc = x.mul_add(V::splat(w), acc);
        }
        // SAFETY: e + lanes ≤ len = out.len().
        unsafe { acc.store(dst.add(e)) };
    };
    while e + lanes <= len {
        one(e);
        e += lanes;
    }
    if e < len {
        if len >= lanes {
            // The last vector overlaps the previous one: recomputing a few
            // outputs beats a scalar tail.
            one(len - lanes);
        } else {
            for k in e..len {
                out[k] = taps.iter().enumerate().fold(0.0, |acc, (i, &w)| input[k + i * step] * w + acc);
            }
        }
    }
}
