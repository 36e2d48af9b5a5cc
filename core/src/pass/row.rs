//! The f32 row pass, generic over the vector type.
//!
//! `out[e] = Σ_i taps[i] · input[e + i·step]`: for each block of output
//! lanes all taps are accumulated in registers (no pass over memory per
//! tap). Symmetric kernels are folded, `w_i · (x_i + x_{n−1−i})`, and
//! antisymmetric ones `w_i · (x_i − x_{n−1−i})`: half the multiplies. Loads
//! remain `n` per vector (two load ports): far below the memory traffic of
//! the whole filter for the workloads' kernel sizes.
//!
//! A folded pair overflows once samples pass `f32::MAX / 2`, where the sum
//! need not: a block whose sums are not all finite has those lanes
//! recomputed unfolded ([`unfold`], almost never run). Not folding at all,
//! the other fix measured, took fewer instructions but left long kernels
//! bound by their multiply-adds (1080p 31 taps, row pass alone: ×0.91 on
//! Zen 4, `docs/performance-log.md`).

use super::blocks::{drive, Blocks};
use crate::kernel::Symmetry;
use crate::simd::{ByLength, F32Vector, Op, Simd, Unroll};

/// The longest kernel any backend unrolls (`simd::Unroll`).
pub(crate) const MAX_UNROLLED: usize = 15;

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
        let k = crate::kernel::Kernel::with_anchor(taps, 0);
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
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn row_f32<V: F32Vector>(
    simd: V::Token,
    taps: &[f32],
    fold: Fold,
    input: &[f32],
    out: &mut [f32],
    step: usize,
) {
    match fold {
        // Symmetric kernels of the backend's unrolled lengths, fully unrolled.
        Fold::Even => V::Unroll::dispatch(taps.len(), Row::<V, 1> { simd, taps, input, out, step }),
        Fold::None => Row::<V, 0> { simd, taps, input, out, step }.generic(),
        Fold::Odd => Row::<V, 2> { simd, taps, input, out, step }.generic(),
    }
}

/// The row pass without the unrolled copies.
#[cfg(feature = "tuning")]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn row_f32_generic<V: F32Vector>(
    simd: V::Token,
    taps: &[f32],
    fold: Fold,
    input: &[f32],
    out: &mut [f32],
    step: usize,
) {
    match fold {
        Fold::Even => Row::<V, 1> { simd, taps, input, out, step }.generic(),
        Fold::None => Row::<V, 0> { simd, taps, input, out, step }.generic(),
        Fold::Odd => Row::<V, 2> { simd, taps, input, out, step }.generic(),
    }
}

/// One row pass call; `FOLD` as [`Fold`] (0, 1, 2).
struct Row<'a, V: F32Vector, const FOLD: u8> {
    simd: V::Token,
    taps: &'a [f32],
    input: &'a [f32],
    out: &'a mut [f32],
    step: usize,
}

impl<V: F32Vector, const FOLD: u8> ByLength for Row<'_, V, FOLD> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unrolled<const N: usize, const L: usize>(self) {
        self.simd.vectorize(RowPass::<V, FOLD, N>(self));
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn generic(self) {
        self.simd.vectorize(RowPass::<V, FOLD, 0>(self));
    }
}

/// The row pass for `N` taps as an op of its own: on x86 a function per
/// pass and length, which keeps each function small for the compiler (one
/// function holding every length and pass took it minutes).
struct RowPass<'a, V: F32Vector, const FOLD: u8, const N: usize>(Row<'a, V, FOLD>);

impl<V: F32Vector, const FOLD: u8, const N: usize> Op for RowPass<'_, V, FOLD, N> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        self.0.run::<N>();
    }
}

impl<V: F32Vector, const FOLD: u8> Row<'_, V, FOLD> {
    /// `N` taps (0: any).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<const N: usize>(self) {
        let Row { simd, taps, input, out, step } = self;
        let len = out.len();
        let n = taps.len();
        // The one check the loads below rely on (and, unrolled, the taps' count).
        assert!(n >= 1 && input.len() >= len + (n - 1) * step && (N == 0 || n == N));
        // Unrolled, the taps are copied into a local, which the compiler
        // keeps in registers: behind a reference it reloads them after every
        // store, which might alias them.
        let mut local = [0.0; MAX_UNROLLED];
        let taps = if N == 0 {
            taps
        } else {
            local[..n].copy_from_slice(taps);
            &local[..n]
        };
        let mut blocks =
            RowBlocks::<V, FOLD, N> { simd, taps, input, src: input.as_ptr(), dst: out.as_mut_ptr(), step };
        drive::<_, 8>(&mut blocks, 0..len, true);
    }
}

/// The row pass's blocks over `src`/`dst` (from `input`/`out`, whose
/// lengths the caller checked).
struct RowBlocks<'a, V: F32Vector, const FOLD: u8, const N: usize> {
    simd: V::Token,
    taps: &'a [f32],
    input: &'a [f32],
    src: *const f32,
    dst: *mut f32,
    step: usize,
}

impl<V: F32Vector, const FOLD: u8, const N: usize> Blocks for RowBlocks<'_, V, FOLD, N> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let (lanes, step) = (V::LANES, self.step);
        // SAFETY: tap i's vector u is src[e + u·lanes + i·step ..][..lanes],
        // which ends by len + (n − 1)·step ≤ input.len() (the driver keeps
        // e + U·lanes ≤ len; the length was checked in `Row::run`).
        let acc =
            unsafe { accumulate::<V, U, FOLD, N>(self.simd, self.taps, self.src, |i, u| e + u * lanes + i * step) };
        for (u, a) in acc.iter().enumerate() {
            // SAFETY: e + (u + 1)·lanes ≤ len, the length of `out`.
            unsafe { a.store(self.dst.add(e + u * lanes)) };
        }
        if FOLD != 0 && non_finite(&acc) {
            // SAFETY: the samples just loaded and the outputs just stored.
            unsafe { unfold::<V>(self.simd, self.taps, self.src, Samples::Strided(step), e, self.dst.add(e), U) };
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let (input, step) = (self.input, self.step);
        let value = one::<V, FOLD>(self.simd, self.taps, |i| input[k + i * step]);
        // SAFETY: the driver calls `one` for k < len, the length of `out`.
        unsafe { self.dst.add(k).write(value) };
    }
}

/// `U` vectors of `Σ_i taps[i] · x_i`, where vector `u` of sample `i` is
/// loaded from `src + at(i, u)`; `FOLD` as [`Fold`] (0, 1, 2). Each lane has
/// exactly the arithmetic of [`one`]: the row pass and the column pass's
/// single rows both use it, so a value does not depend on which computed it.
/// Folded sums may overflow where the unfolded ones do not: callers store
/// them, then guard them ([`non_finite`], [`unfold`]).
///
/// # Safety
///
/// For every `i < n` (`N`, or `taps.len()` when `N` is 0) and `u < U`,
/// `V::LANES` elements from `src + at(i, u)` are readable.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) unsafe fn accumulate<V: F32Vector, const U: usize, const FOLD: u8, const N: usize>(
    simd: V::Token,
    taps: &[f32],
    src: *const f32,
    at: impl Fn(usize, usize) -> usize,
) -> [V; U] {
    // `N` taps when unrolled (a constant the loops unroll over), else any.
    let n = if N == 0 { taps.len() } else { N };
    // SAFETY (every load below): i < n and u < U (function contract).
    // Sums start at −0.0, the additive identity (`−0 + p = p` for every
    // p; `+0 + −0` is +0): the first add is exact and the compiler drops
    // it, one add an output vector fewer where multiply and add are
    // separate (u16's `Unfused`). Only a sum of −0 products differs from
    // one started at +0.0, in the sign of its zero.
    let mut acc = [V::splat(simd, -0.0); U];
    if FOLD == 0 {
        for (i, &w) in taps.iter().enumerate() {
            let w = V::splat(simd, w);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: see above.
                let x = unsafe { V::load(simd, src.add(at(i, u))) };
                *a = x.mul_add(w, *a);
            }
        }
    } else {
        #[allow(clippy::needless_range_loop)] // a constant trip count when unrolled
        for i in 0..n / 2 {
            let w = V::splat(simd, taps[i]);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: see above.
                let (x, y) = unsafe { (V::load(simd, src.add(at(i, u))), V::load(simd, src.add(at(n - 1 - i, u)))) };
                let pair = if FOLD == 1 { x.add(y) } else { x.sub(y) };
                *a = pair.mul_add(w, *a);
            }
        }
        // The middle tap, 0 in an antisymmetric kernel, still multiplies its
        // sample: `0 · ∞` is NaN, as in the reference.
        if n % 2 == 1 {
            let w = V::splat(simd, taps[n / 2]);
            for (u, a) in acc.iter_mut().enumerate() {
                // SAFETY: see above.
                let x = unsafe { V::load(simd, src.add(at(n / 2, u))) };
                *a = x.mul_add(w, *a);
            }
        }
    }
    acc
}

/// Whether a lane of `vs` may not be finite: `s − s` of their sum `s` is
/// +0.0 where `s` is finite and NaN elsewhere. `U` adds and a test a
/// block, against its `n` loads and `n/2 + 1` multiply-adds. (A sum of
/// finite lanes that overflows, past `f32::MAX / U`, only sends a block to
/// [`unfold`], which keeps finite lanes.)
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn non_finite<V: F32Vector>(vs: &[V]) -> bool {
    let s = vs[1..].iter().fold(vs[0], |s, v| s.add(*v));
    !s.sub(s).zero_bits()
}

/// Where a block's samples lie: sample `i` of element `e` at `e + i·step`
/// (a row), or at `offsets[i] + e` (the lines of a column).
#[derive(Clone, Copy)]
pub(crate) enum Samples<'a> {
    Strided(usize),
    Lines(&'a [usize]),
}

impl Samples<'_> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn at(self, i: usize, e: usize) -> usize {
        match self {
            Samples::Strided(step) => e + i * step,
            Samples::Lines(offsets) => offsets[i] + e,
        }
    }
}

/// Folding's overflow guard. A folded pair `x_i ± x_{n−1−i}` overflows once
/// the samples pass `f32::MAX / 2`, where the unfolded sum need not; so a
/// block whose folded sums are not all finite ([`non_finite`]), once
/// stored, calls this: each of the `count` vectors stored from `dst`
/// (element `e` of `samples` onwards) keeps its finite lanes and takes the
/// unfolded sum (taps in order, as `FOLD` 0) in the others. An output is
/// thus its folded sum if that is finite, else its unfolded sum, whichever
/// block computed it. Out of line (its own [`Simd::vectorize`] call):
/// inlined into the passes, the loads it shares with the block stayed live
/// across the block and were spilled there (callgrind, 1080p 5 taps: +50 %
/// instructions).
///
/// # Safety
///
/// For `u < count` and `i < taps.len()`, `V::LANES` elements are readable
/// at `src + samples.at(i, e + u·LANES)` and readable and writable at
/// `dst + u·LANES`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) unsafe fn unfold<V: F32Vector>(
    simd: V::Token,
    taps: &[f32],
    src: *const f32,
    samples: Samples<'_>,
    e: usize,
    dst: *mut f32,
    count: usize,
) {
    simd.vectorize(Unfold::<V> { simd, taps, src, samples, e, dst, count });
}

/// [`unfold`] as an op; made only by [`unfold`], whose contract its
/// accesses rely on.
struct Unfold<'a, V: F32Vector> {
    simd: V::Token,
    taps: &'a [f32],
    src: *const f32,
    samples: Samples<'a>,
    e: usize,
    dst: *mut f32,
    count: usize,
}

impl<V: F32Vector> Op for Unfold<'_, V> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let Unfold { simd, taps, src, samples, e, dst, count } = self;
        for u in 0..count {
            let at = e + u * V::LANES;
            // SAFETY: `unfold`'s contract (the only maker of this op).
            unsafe {
                let [plain] = accumulate::<V, 1, 0, 0>(simd, taps, src, |i, _| samples.at(i, at));
                let stored = dst.add(u * V::LANES);
                V::load(simd, stored).finite_or(plain).store(stored);
            }
        }
    }
}

/// One output alone, sample `i` being `x(i)`, with exactly the arithmetic
/// of a lane of [`accumulate`] (and of the folded column pass, whose scalar
/// tails use it too): folded if that is finite, else unfolded.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn one<V: F32Vector, const FOLD: u8>(simd: V::Token, taps: &[f32], x: impl Fn(usize) -> f32) -> f32 {
    let folded = sum_one::<V, FOLD>(simd, taps, &x);
    if FOLD == 0 || folded.is_finite() {
        folded
    } else {
        sum_one::<V, 0>(simd, taps, x)
    }
}

/// [`one`] without the guard: a lane of [`sums`].
#[cfg_attr(not(debug_assertions), inline(always))]
fn sum_one<V: F32Vector, const FOLD: u8>(simd: V::Token, taps: &[f32], x: impl Fn(usize) -> f32) -> f32 {
    let n = taps.len();
    let mut acc = -0.0; // as `accumulate`'s lanes
    if FOLD == 0 {
        for (i, &w) in taps.iter().enumerate() {
            acc = V::mul_add_one(simd, x(i), w, acc);
        }
    } else {
        for (i, &w) in taps.iter().enumerate().take(n / 2) {
            let pair = if FOLD == 1 { x(i) + x(n - 1 - i) } else { x(i) - x(n - 1 - i) };
            acc = V::mul_add_one(simd, pair, w, acc);
        }
        if n % 2 == 1 {
            acc = V::mul_add_one(simd, x(n / 2), taps[n / 2], acc);
        }
    }
    acc
}
