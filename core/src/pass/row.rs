//! The f32 row pass, generic over the vector type.
//!
//! `out[e] = Σ_i taps[i] · input[e + i·step]`: for each block of output
//! lanes all taps are accumulated in registers (no pass over memory per
//! tap). Symmetric kernels are folded, `w_i · (x_i + x_{n−1−i})`, and
//! antisymmetric ones `w_i · (x_i − x_{n−1−i})`: half the multiplies. Loads
//! remain `n` per vector (two load ports): far below the memory traffic of
//! the whole filter for the workloads' kernel sizes.

use crate::kernel::Symmetry;
use crate::simd::F32Vector;

/// How the taps are combined.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fold {
    /// Every tap multiplies its own sample.
    None,
    /// Mirrored taps are equal: add the two samples first.
    Even,
    /// Mirrored taps are opposite: subtract the two samples first.
    Odd,
}

impl Fold {
    pub(crate) fn of(taps: &[f32]) -> Fold {
        let k = crate::Kernel::with_anchor(taps, 0);
        match k.map(|k| k.symmetry()) {
            Ok(Symmetry::Symmetric) if taps.len() > 1 => Fold::Even,
            Ok(Symmetry::Antisymmetric) if taps.len() > 1 => Fold::Odd,
            _ => Fold::None,
        }
    }

    /// The fold of quantised taps (quantisation may break a symmetry).
    pub(crate) fn of_fixed(taps: &[i16]) -> Fold {
        let n = taps.len();
        let pairs = || (0..n / 2).map(|i| (taps[i], taps[n - 1 - i]));
        if n < 2 {
            Fold::None
        } else if pairs().all(|(a, b)| a == b) {
            Fold::Even
        } else if pairs().all(|(a, b)| a == -b) && (n.is_multiple_of(2) || taps[n / 2] == 0) {
            Fold::Odd
        } else {
            Fold::None
        }
    }
}

/// The f32 row pass. `input.len() ≥ out.len() + (taps.len() − 1) · step`.
#[inline(always)]
pub(crate) fn row_f32<V: F32Vector>(taps: &[f32], fold: Fold, input: &[f32], out: &mut [f32], step: usize) {
    let specialise = if V::SPECIALISE { taps.len() } else { 0 };
    match (fold, specialise) {
        // Symmetric kernels of the common lengths, fully unrolled.
        (Fold::Even, 3) => row_folded::<V, 1, 3>(taps, input, out, step),
        (Fold::Even, 5) => row_folded::<V, 1, 5>(taps, input, out, step),
        (Fold::Even, 7) => row_folded::<V, 1, 7>(taps, input, out, step),
        (Fold::Even, 9) => row_folded::<V, 1, 9>(taps, input, out, step),
        (Fold::None, _) => row_folded::<V, 0, 0>(taps, input, out, step),
        (Fold::Even, _) => row_folded::<V, 1, 0>(taps, input, out, step),
        (Fold::Odd, _) => row_folded::<V, 2, 0>(taps, input, out, step),
    }
}

/// `U` vectors of output at element `e`; `FOLD` as [`Fold`] (0, 1, 2).
///
/// # Safety
///
/// `e + U·lanes ≤ len`, `src` points at `len + (n − 1)·step` readable
/// elements, `dst` at `len` writable ones.
#[inline(always)]
unsafe fn block<V: F32Vector, const U: usize, const FOLD: u8, const N: usize>(
    taps: &[f32],
    src: *const f32,
    dst: *mut f32,
    e: usize,
    step: usize,
) {
    let lanes = V::LANES;
    // SAFETY: tap i's vector u is src[e + u·lanes + i·step ..][..lanes],
    // which ends at most at len + (n − 1)·step (function contract).
    let acc = unsafe { accumulate::<V, U, FOLD, N>(taps, src, |i, u| e + u * lanes + i * step) };
    for (u, a) in acc.iter().enumerate() {
        // SAFETY: e + (u + 1)·lanes ≤ len (function contract).
        unsafe { a.store(dst.add(e + u * lanes)) };
    }
}

/// `U` vectors of `Σ_i taps[i] · x_i`, where vector `u` of sample `i` is
/// loaded from `src + at(i, u)`; `FOLD` as [`Fold`] (0, 1, 2). Each lane has
/// exactly the arithmetic of [`one`]: the row pass and the column pass's
/// single rows both use it, so a value does not depend on which computed it.
///
/// # Safety
///
/// For every `i < n` (`N`, or `taps.len()` when `N` is 0) and `u < U`,
/// `V::LANES` elements from `src + at(i, u)` are readable.
#[inline(always)]
pub(crate) unsafe fn accumulate<V: F32Vector, const U: usize, const FOLD: u8, const N: usize>(
    taps: &[f32],
    src: *const f32,
    at: impl Fn(usize, usize) -> usize,
) -> [V; U] {
    // `N` taps when specialised (a constant the loops unroll over), else any.
    let n = if N == 0 { taps.len() } else { N };
    let mut acc = [V::splat(0.0); U];
    // SAFETY (every load below): i < n and u < U (function contract).
    if FOLD == 0 {
        for (i, &w) in taps.iter().enumerate() {
            let w = V::splat(w);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: see above.
                let x = unsafe { V::load(src.add(at(i, u))) };
                *a = x.mul_add(w, *a);
            }
        }
    } else {
        #[allow(clippy::needless_range_loop)] // a constant trip count when specialised
        for i in 0..n / 2 {
            let w = V::splat(taps[i]);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: see above.
                let (x, y) = unsafe { (V::load(src.add(at(i, u))), V::load(src.add(at(n - 1 - i, u)))) };
                let pair = if FOLD == 1 { x.add(y) } else { x.sub(y) };
                *a = pair.mul_add(w, *a);
            }
        }
        if n % 2 == 1 && FOLD == 1 {
            let w = V::splat(taps[n / 2]);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: see above.
                let x = unsafe { V::load(src.add(at(n / 2, u))) };
                *a = x.mul_add(w, *a);
            }
        }
    }
    acc
}

#[inline(always)]
fn row_folded<V: F32Vector, const FOLD: u8, const N: usize>(taps: &[f32], input: &[f32], out: &mut [f32], step: usize) {
    const U: usize = 8;
    let len = out.len();
    let n = taps.len();
    // The one check the loads below rely on (and, specialised, the taps' count).
    assert!(n >= 1 && input.len() >= len + (n - 1) * step && (N == 0 || n == N));
    let lanes = V::LANES;
    let src = input.as_ptr();
    let dst = out.as_mut_ptr();
    let mut e = 0;
    while e + U * lanes <= len {
        // SAFETY: e + U·lanes ≤ len, and `input` is long enough (asserted).
        unsafe { block::<V, U, FOLD, N>(taps, src, dst, e, step) };
        e += U * lanes;
    }
    while e + lanes <= len {
        // SAFETY: e + lanes ≤ len, and `input` is long enough (asserted).
        unsafe { block::<V, 1, FOLD, N>(taps, src, dst, e, step) };
        e += lanes;
    }
    if e < len {
        if len >= lanes {
            // SAFETY: (len − lanes) + lanes = len, and `input` is long enough
            // (asserted). The last vector overlaps the previous one,
            // recomputing a few outputs instead of a scalar tail.
            unsafe { block::<V, 1, FOLD, N>(taps, src, dst, len - lanes, step) };
        } else {
            for (k, o) in out.iter_mut().enumerate().skip(e) {
                *o = one::<V, FOLD>(taps, |i| input[k + i * step]);
            }
        }
    }
}

/// One output alone, sample `i` being `x(i)`, with exactly the arithmetic
/// of a lane of [`accumulate`] (and of the folded column pass, whose scalar
/// tails use it too).
#[inline(always)]
pub(crate) fn one<V: F32Vector, const FOLD: u8>(taps: &[f32], x: impl Fn(usize) -> f32) -> f32 {
    let n = taps.len();
    let mut acc = 0.0;
    if FOLD == 0 {
        for (i, &w) in taps.iter().enumerate() {
            acc = V::mul_add_one(x(i), w, acc);
        }
    } else {
        for (i, &w) in taps.iter().enumerate().take(n / 2) {
            let pair = if FOLD == 1 { x(i) + x(n - 1 - i) } else { x(i) - x(n - 1 - i) };
            acc = V::mul_add_one(pair, w, acc);
        }
        if n % 2 == 1 && FOLD == 1 {
            acc = V::mul_add_one(x(n / 2), taps[n / 2], acc);
        }
    }
    acc
}
