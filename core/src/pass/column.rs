//! The f32 column pass, generic over the vector type.
//!
//! `out[e] = Σ_j c[j] · line_j[e]` over row-filtered lines in the ring. Two
//! output rows are made per step: rows `y` and `y + 1` read lines
//! `0..n` and `1..=n`, so every loaded line feeds both (`n + 1` loads for two
//! rows instead of `2n`). Loads from L1/L2 and the store to the destination
//! are the limiting resources.

use crate::simd::F32Vector;

/// Vectors per block.
const UNROLL: usize = 2;

/// One or two output rows of the f32 column pass.
/// `offsets` has `taps.len()` entries (one row) or one more (two rows).
#[inline(always)]
pub(crate) fn column_f32<V: F32Vector>(
    taps: &[f32],
    lines: &[f32],
    offsets: &[usize],
    out0: &mut [f32],
    out1: Option<&mut [f32]>,
) {
    let len = out0.len();
    let n = taps.len();
    // The one check the loads below rely on: every line has `len` elements.
    assert!(offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len())));
    match out1 {
        Some(out1) => {
            assert!(offsets.len() == n + 1 && out1.len() == len);
            two_rows::<V>(taps, lines, offsets, out0, out1);
        }
        None => {
            assert!(offsets.len() == n);
            one_row::<V>(taps, lines, offsets, out0);
        }
    }
}

#[inline(always)]
fn one_row<V: F32Vector>(taps: &[f32], lines: &[f32], offsets: &[usize], out: &mut [f32]) {
    let len = out.len();
    let lanes = V::LANES;
    let base = lines.as_ptr();
    let dst = out.as_mut_ptr();
    let block = |e: usize, vectors: usize| {
        let mut acc = [V::splat(0.0); UNROLL];
        for (&w, &o) in taps.iter().zip(offsets) {
            let w = V::splat(w);
            for (u, a) in acc[..vectors].iter_mut().enumerate() {
                // SAFETY: o + e + (u + 1)·lanes ≤ o + len ≤ lines.len() (asserted by the caller).
                let x = unsafe { V::load(base.add(o + e + u * lanes)) };
                *a = x.mul_add(w, *a);
            }
        }
        for (u, a) in acc[..vectors].iter().enumerate() {
            // SAFETY: e + (u + 1)·lanes ≤ len = out.len().
            unsafe { a.store(dst.add(e + u * lanes)) };
        }
    };
    let mut e = 0;
    while e + UNROLL * lanes <= len {
        block(e, UNROLL);
        e += UNROLL * lanes;
    }
    while e + lanes <= len {
        block(e, 1);
        e += lanes;
    }
    if e < len {
        if len >= lanes {
            block(len - lanes, 1);
        } else {
            for (k, o) in out.iter_mut().enumerate().skip(e) {
                *o = taps.iter().zip(offsets).fold(0.0, |acc, (&w, &off)| lines[off + k] * w + acc);
            }
        }
    }
}

#[inline(always)]
fn two_rows<V: F32Vector>(taps: &[f32], lines: &[f32], offsets: &[usize], out0: &mut [f32], out1: &mut [f32]) {
    let len = out0.len();
    let lanes = V::LANES;
    let n = taps.len();
    let base = lines.as_ptr();
    let (dst0, dst1) = (out0.as_mut_ptr(), out1.as_mut_ptr());
    let block = |e: usize, vectors: usize| {
        let mut acc0 = [V::splat(0.0); UNROLL];
        let mut acc1 = [V::splat(0.0); UNROLL];
        for (j, &o) in offsets.iter().enumerate() {
            for u in 0..vectors {
                // SAFETY: o + e + (u + 1)·lanes ≤ o + len ≤ lines.len() (asserted by the caller).
                let x = unsafe { V::load(base.add(o + e + u * lanes)) };
                if j < n {
                    acc0[u] = x.mul_add(V::splat(taps[j]), acc0[u]);
                }
                if j > 0 {
                    acc1[u] = x.mul_add(V::splat(taps[j - 1]), acc1[u]);
                }
            }
        }
        for u in 0..vectors {
            // SAFETY: e + (u + 1)·lanes ≤ len, the length of both outputs.
            unsafe {
                acc0[u].store(dst0.add(e + u * lanes));
                acc1[u].store(dst1.add(e + u * lanes));
            }
        }
    };
    let mut e = 0;
    while e + UNROLL * lanes <= len {
        block(e, UNROLL);
        e += UNROLL * lanes;
    }
    while e + lanes <= len {
        block(e, 1);
        e += lanes;
    }
    if e < len {
        if len >= lanes {
            block(len - lanes, 1);
        } else {
            for k in e..len {
                out0[k] = taps.iter().zip(offsets).fold(0.0, |acc, (&w, &off)| lines[off + k] * w + acc);
                out1[k] = taps.iter().zip(&offsets[1..]).fold(0.0, |acc, (&w, &off)| lines[off + k] * w + acc);
            }
        }
    }
}
