//! The f32 column pass, generic over the vector type.
//!
//! `out[e] = Σ_j c[j] · line_j[e]` over row-filtered lines in the ring.
//! Consecutive output rows share lines, so a step makes several rows and
//! loads each line once for all the rows it feeds: four rows a step on
//! AVX2 and AVX-512 ([`F32Vector::COLUMN_ROWS`]; rows `y .. y + 4` read
//! lines `0..n` to `3..n + 3`, `n + 3` loads for four rows instead of
//! `4n`), two on the other backends (`n + 1` loads for two). The rows left
//! at the end of a band take steps of two and one. A four-row block keeps
//! 4 × 4 vector accumulators in AVX-512's 32 registers and 4 × 2 in AVX2's
//! 16. Figure: f32-4k-15 ×1.06–1.12 against two rows a step (medians of
//! three A/B runs of the report, every round above ×1.01; AVX-512, Zen 4,
//! `docs/performance-log.md`). Its work is
//! those loads, the FMAs and the store to the destination; the ring's
//! place in the caches is not the limit (a ring that fits in L1 runs no
//! faster than one in L2, `docs/performance.md`).
//!
//! Every row gets the arithmetic of `row::accumulate` whichever step makes
//! it (alone, in a pair or in four): taps in order, or the folded pairs in
//! order, each from −0.0 (`row::accumulate`). So the bits of a row do not depend
//! on where a band starts or how many rows it has, and bands and threads
//! give one thread's output.
//!
//! Symmetric kernels of the unrolled lengths (3, 5, 7, 9 taps) are folded as
//! in the row pass: row `y` takes `c_i · (line_i + line_{n−1−i})`, the
//! step's other rows the same lines shifted, and each line is still loaded
//! once for the step (a pair carries lines from one tap to the next; four
//! rows hold the `n + 3` lines of a vector column). Half the multiply-adds
//! become adds, which AMD cores run on other pipes than the FMAs: a small
//! gain on Zen 3 (1080p 5 taps ×1.02–1.04), neutral on Intel.
//! The generic loop (other lengths) stays unfolded: with the carried lines,
//! accumulators for both rows exceed AVX2's 16 registers and folding made
//! 15 and 31 taps slower (×0.77–0.88). Folded sums are guarded against
//! overflow as the row pass's (`row::unfold`).
//!
//! Each pass call is an [`Op`](crate::simd::Op) run through
//! [`Simd::vectorize`](crate::simd::Simd::vectorize), as the u8 passes are:
//! one `#[target_feature]` function per pass and length, which keeps each
//! function small enough for LLVM to compile quickly.
//!
//! The **transposed-tile** strategy ([`column_tiles_f32`]) makes up to
//! 16 output rows per step instead: for every 8 columns, the
//! `(n + rows − 1) × 8` block of lines is transposed so that each column's
//! inputs are contiguous, filtered by the row pass (folded for symmetric
//! kernels: half the multiplies), and the `8 × rows` results transposed back:
//!
//! ```text
//!   lines (n + rows − 1) × 8        transposed 8 × (n + rows − 1)      out rows × 8
//!   a0 b0 c0 … h0                   a0 a1 a2 … ──row pass──▶ A0 A1 …   A0 B0 … H0
//!   a1 b1 c1 … h1        ──T──▶     b0 b1 b2 … ──row pass──▶ B0 B1 …   A1 B1 … H1
//!   …                               …                                  …
//! ```
//!
//! No closures with vector code here: a closure is compiled on its own,
//! without the `#[target_feature]` of the entry point, and its vector
//! intrinsics would become calls. Helpers are `#[cfg_attr(not(debug_assertions), inline(always))]` functions
//! instead (closures that only compute an index are fine).

use core::ops::Range;

use super::blocks::{drive, Blocks};
use super::row::{self, Fold, Samples};
#[cfg(feature = "tuning")]
use super::MAX_COLUMN_ROWS;
#[cfg(feature = "tuning")]
use crate::kernel::MAX_TAPS;
use crate::simd::{ByLength, F32Vector, Op, Simd, Stores, Streaming, Unroll};

/// The f32 column pass: `rows` output rows of `len` elements, row `r` at
/// `out[r·stride..]`, from the `n + rows − 1` lines at `offsets`, in steps
/// of [`F32Vector::COLUMN_ROWS`] rows while they fit, then of two and one.
#[cfg_attr(not(debug_assertions), inline(always))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn column_f32<V: F32Vector, O: ColumnOut>(
    simd: V::Token,
    taps: &[f32],
    fold: Fold,
    lines: &[f32],
    offsets: &[usize],
    out: &mut [O],
    stride: usize,
    rows: usize,
    len: usize,
    stream: bool,
) {
    assert!(rows >= 1 && offsets.len() == taps.len() + rows - 1 && stride >= len);
    assert!(out.len() >= (rows - 1) * stride + len);
    // The one check the loads below rely on: every line has `len` elements.
    assert!(offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len())));
    // The backend's unrolled lengths, and symmetric kernels among them
    // folded (see the module docs). Every row takes the same arithmetic
    // whether it is made alone, in a pair or in four, so that its bits do
    // not depend on the rows it is computed with.
    // Outputs that never fold (u16) compile no folded copy.
    assert!(O::FOLDS || fold == Fold::None);
    let folded = O::FOLDS && fold == Fold::Even;
    let rows = Rows::<V, O> { simd, taps, lines, offsets, out, stride, rows, len, stream, folded };
    V::Unroll::dispatch(taps.len(), rows);
}

/// A column pass call: the rows and what they read.
struct Rows<'a, V: F32Vector, O> {
    simd: V::Token,
    taps: &'a [f32],
    lines: &'a [f32],
    offsets: &'a [usize],
    /// `rows` rows of `len` elements, `stride` apart.
    out: &'a mut [O],
    stride: usize,
    rows: usize,
    len: usize,
    stream: bool,
    folded: bool,
}

impl<V: F32Vector, O: ColumnOut> ByLength for Rows<'_, V, O> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unrolled<const N: usize, const L: usize>(self) {
        let simd = self.simd;
        if self.folded {
            simd.vectorize(ColumnPass::<V, O, 1, N>(self));
        } else {
            simd.vectorize(ColumnPass::<V, O, 0, N>(self));
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn generic(self) {
        // Folded, the generic loop measured slower (module docs).
        self.simd.vectorize(ColumnPass::<V, O, 0, 0>(self));
    }
}

/// The column pass for `N` taps as an op of its own (see `row::RowPass`).
struct ColumnPass<'a, V: F32Vector, O, const FOLD: u8, const N: usize>(Rows<'a, V, O>);

impl<V: F32Vector, O: ColumnOut, const FOLD: u8, const N: usize> Op for ColumnPass<'_, V, O, FOLD, N> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        self.0.run::<FOLD, N>();
    }
}

/// Whether the column pass of `n` taps on `V` makes four rows a step
/// ([`four_block`] needs `n ≥ 3`).
#[cfg_attr(not(debug_assertions), inline(always))]
const fn four_rows<V: F32Vector>(n: usize) -> bool {
    V::COLUMN_ROWS >= 4 && n >= 3
}

impl<V: F32Vector, O: ColumnOut> Rows<'_, V, O> {
    /// `N` taps (0: any), `FOLD` 0 or 1.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<const FOLD: u8, const N: usize>(self) {
        let Rows { simd, taps, lines, offsets, out, stride, rows, len, stream, .. } = self;
        let n = taps.len();
        let mut r = 0;
        while r < rows {
            let (block, offsets) = (&mut out[r * stride..], &offsets[r..]);
            if four_rows::<V>(n) && rows - r >= 4 {
                let (a, rest) = block.split_at_mut(stride);
                let (b, rest) = rest.split_at_mut(stride);
                let (c, d) = rest.split_at_mut(stride);
                let out = [&mut a[..len], &mut b[..len], &mut c[..len], &mut d[..len]];
                let offsets = &offsets[..n + 3];
                V::Streaming::choose(stream, Group::<V, O, FOLD, N, 4> { simd, taps, lines, offsets, out });
                r += 4;
            } else if rows - r >= 2 {
                let (a, b) = block.split_at_mut(stride);
                let out = [&mut a[..len], &mut b[..len]];
                let offsets = &offsets[..n + 1];
                V::Streaming::choose(stream, Group::<V, O, FOLD, N, 2> { simd, taps, lines, offsets, out });
                r += 2;
            } else {
                let (out, offsets) = (&mut block[..len], &offsets[..n]);
                V::Streaming::choose(stream, OneRow::<V, O, FOLD> { simd, taps, lines, offsets, out });
                r += 1;
            }
        }
    }
}

/// The output row whose lines start at `offsets[0]`, element `k` alone:
/// the arithmetic of a lane of [`one_block`] (and of [`two_block`]'s rows).
#[cfg_attr(not(debug_assertions), inline(always))]
fn accumulate_one<V: F32Vector, const FOLD: u8>(
    simd: V::Token,
    taps: &[f32],
    lines: &[f32],
    offsets: &[usize],
    k: usize,
) -> f32 {
    row::one::<V, FOLD>(simd, taps, |j| lines[offsets[j] + k])
}

/// One output row: plain stores, or (streamed) non-temporal stores for the
/// whole cache lines of the row and plain stores at its ends.
struct OneRow<'a, V: F32Vector, O, const FOLD: u8> {
    simd: V::Token,
    taps: &'a [f32],
    lines: &'a [f32],
    offsets: &'a [usize],
    out: &'a mut [O],
}

impl<V: F32Vector, O: ColumnOut, const FOLD: u8> Stores for OneRow<'_, V, O, FOLD> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn plain(mut self) {
        let len = self.out.len();
        self.part::<false, 4>(0..len);
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn streamed(mut self) {
        let len = self.out.len();
        let body = whole_lines(self.out.as_ptr(), len);
        self.part::<false, 1>(0..body.start);
        self.part::<true, 4>(body.clone());
        self.part::<false, 1>(body.end..len);
    }
}

impl<V: F32Vector, O: ColumnOut, const FOLD: u8> OneRow<'_, V, O, FOLD> {
    /// Elements `part` of the row, `U` vectors a step; writes nothing outside
    /// `part`. If `STREAM`, `part` must be whole cache lines ([`whole_lines`]; checked).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn part<const STREAM: bool, const U: usize>(&mut self, part: Range<usize>) {
        let (start, end) = (part.start, part.end.min(self.out.len()));
        let dst = self.out.as_mut_ptr();
        // The check the streamed stores rely on: every vector below starts a
        // whole number of vectors after a line start.
        assert!(!STREAM || (start <= end && lines_from(dst.wrapping_add(start), end - start, V::LANES)));
        let mut blocks = OneBlocks::<V, O, STREAM, FOLD> {
            simd: self.simd,
            taps: self.taps,
            lines: self.lines,
            offsets: self.offsets,
            dst,
        };
        drive::<_, U>(&mut blocks, start..end, true);
    }
}

/// [`one_block`]s of one row at `dst` (every line and the row hold `len`
/// elements: checked by [`column_f32`]).
struct OneBlocks<'a, V: F32Vector, O, const STREAM: bool, const FOLD: u8> {
    simd: V::Token,
    taps: &'a [f32],
    lines: &'a [f32],
    offsets: &'a [usize],
    dst: *mut O,
}

impl<V: F32Vector, O: ColumnOut, const STREAM: bool, const FOLD: u8> Blocks for OneBlocks<'_, V, O, STREAM, FOLD> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        // SAFETY: the driver keeps the block inside the part, within `len`;
        // every line holds `len` elements; if streaming, dst + e is aligned
        // (the part is whole lines, e − start a multiple of lanes; asserted in `part`).
        unsafe {
            one_block::<V, O, U, STREAM, FOLD>(self.simd, self.taps, self.lines.as_ptr(), self.offsets, self.dst, e)
        };
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let value = accumulate_one::<V, FOLD>(self.simd, self.taps, self.lines, self.offsets, k);
        // SAFETY: the driver calls `one` for k inside the part, below `len`.
        unsafe { self.dst.add(k).write(O::from_f32(value)) };
    }
}

/// `U` vectors of one output row at element `e`.
///
/// # Safety
///
/// `e + U·lanes ≤ len`, every `offsets[j] + len ≤ lines.len()` (`base` =
/// `lines.as_ptr()`), `dst` has `len` writable elements, and if `STREAM`,
/// `dst + e` is aligned to the vector.
#[cfg_attr(not(debug_assertions), inline(always))]
unsafe fn one_block<V: F32Vector, O: ColumnOut, const U: usize, const STREAM: bool, const FOLD: u8>(
    simd: V::Token,
    taps: &[f32],
    base: *const f32,
    offsets: &[usize],
    dst: *mut O,
    e: usize,
) {
    let lanes = V::LANES;
    // Tap j's vector u is line j at e + u·lanes.
    let offsets = &offsets[..taps.len()];
    // SAFETY: offsets[j] + e + (u + 1)·lanes ≤ offsets[j] + len ≤ lines.len()
    // (function contract).
    let acc = unsafe { row::accumulate::<V, U, FOLD, 0>(simd, taps, base, |j, u| offsets[j] + e + u * lanes) };
    for (u, a) in acc.iter().enumerate() {
        // SAFETY: e + (u + 1)·lanes ≤ len, and a streamed address is aligned
        // (dst + e is, and u·lanes elements are whole vectors): function contract.
        unsafe { O::store::<V, STREAM>(*a, dst.add(e + u * lanes)) };
    }
    // Folding's overflow guard (`row::unfold`).
    if FOLD != 0 && row::non_finite(&acc) {
        // SAFETY: the lines just loaded and the outputs just stored.
        unsafe { O::unfold::<V>(simd, taps, base, Samples::Lines(offsets), e, dst.add(e), U) };
    }
}

/// The elements of a row at `dst` (`len` long) that fill whole 64-byte
/// cache lines.
///
/// Non-temporal stores need vector-aligned addresses, and a `Vec<f32>` is
/// only 16-byte aligned: before this split, `stream` fell back to a plain
/// store for every unaligned vector, and an image in a `Vec` was never
/// streamed on AVX2/AVX-512. They are also fastest writing whole lines, and
/// a plain store to a line with streamed stores pending costs a flush of
/// that line. So a streaming row streams these elements and writes its two
/// ends (less than a line each) with plain stores. The other rows of a
/// step have row 0's alignment when the stride is a multiple of 16
/// elements, else all take plain stores ([`Group`]).
#[cfg_attr(not(debug_assertions), inline(always))]
fn whole_lines<O>(dst: *const O, len: usize) -> Range<usize> {
    let line = LINE_BYTES / core::mem::size_of::<O>();
    let start = ((dst as usize).wrapping_neg() % LINE_BYTES / core::mem::size_of::<O>()).min(len);
    start..start + (len - start) / line * line
}

/// Bytes of a cache line.
const LINE_BYTES: usize = 64;

/// Whether `len` elements at `dst` are whole cache lines (or none), so that
/// a vector of `lanes` (dividing a line) stored a multiple of `lanes` after
/// `dst` is aligned.
#[cfg_attr(not(debug_assertions), inline(always))]
fn lines_from<O>(dst: *const O, len: usize, lanes: usize) -> bool {
    let line = LINE_BYTES / core::mem::size_of::<O>();
    len == 0 || ((dst as usize).is_multiple_of(LINE_BYTES) && len.is_multiple_of(line) && line.is_multiple_of(lanes))
}

/// What the column pass stores: `f32`, or `u16` narrowed as
/// [`fixed16::narrow`](crate::fixed16::narrow) does (the f32 form of the
/// u16 recipe, converted in the pass instead of through a buffer).
pub(crate) trait ColumnOut: Copy {
    /// Whether symmetric kernels may be folded for this output (u16's
    /// bits are the unfolded sums of the reference).
    const FOLDS: bool;
    /// `x` as an output.
    fn from_f32(x: f32) -> Self;
    /// Stores `v` at `ptr`: plain, or if `STREAM`, non-temporal where the
    /// type has such stores (f32).
    ///
    /// # Safety
    ///
    /// `V::LANES` elements at `ptr` are writable, and if `STREAM`, `ptr` is
    /// aligned to the vector (as [`F32Vector::stream`] requires).
    unsafe fn store<V: F32Vector, const STREAM: bool>(v: V, ptr: *mut Self);
    /// [`row::unfold`] into `count` vectors at `dst`.
    ///
    /// # Safety
    ///
    /// As [`row::unfold`]'s.
    #[allow(clippy::too_many_arguments)]
    unsafe fn unfold<V: F32Vector>(
        simd: V::Token,
        taps: &[f32],
        src: *const f32,
        samples: Samples<'_>,
        e: usize,
        dst: *mut Self,
        count: usize,
    );
}

impl ColumnOut for f32 {
    const FOLDS: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_f32(x: f32) -> Self {
        x
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: F32Vector, const STREAM: bool>(v: V, ptr: *mut f32) {
        // SAFETY: writable lanes at `ptr`, aligned when streaming: this
        // function's contract is what either store needs.
        unsafe {
            if STREAM {
                v.stream(ptr)
            } else {
                v.store(ptr)
            }
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn unfold<V: F32Vector>(
        simd: V::Token,
        taps: &[f32],
        src: *const f32,
        samples: Samples<'_>,
        e: usize,
        dst: *mut f32,
        count: usize,
    ) {
        // SAFETY: this function's contract is `row::unfold`'s.
        unsafe { row::unfold::<V>(simd, taps, src, samples, e, dst, count) }
    }
}

impl ColumnOut for u16 {
    const FOLDS: bool = false;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_f32(x: f32) -> Self {
        crate::fixed16::narrow(x)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: F32Vector, const STREAM: bool>(v: V, ptr: *mut u16) {
        // SAFETY: `V::LANES` writable u16s at `ptr` (function contract).
        unsafe { v.store_u16(ptr) }
    }
    /// Never called: [`column_f32`] runs u16 outputs unfolded.
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn unfold<V: F32Vector>(
        _: V::Token,
        _: &[f32],
        _: *const f32,
        _: Samples<'_>,
        _: usize,
        _: *mut u16,
        _: usize,
    ) {
    }
}

/// A vector at `base + at`.
///
/// # Safety
///
/// `at + V::LANES` elements from `base` are readable.
#[cfg_attr(not(debug_assertions), inline(always))]
unsafe fn load_at<V: F32Vector>(simd: V::Token, base: *const f32, at: usize) -> V {
    // SAFETY: elements `at .. at + V::LANES` from `base` are readable (this
    // function's contract), which is what `V::load` reads.
    unsafe { V::load(simd, base.add(at)) }
}

/// `U` vectors of two output rows at element `e`; `STREAM`: whether both
/// rows are streamed; `FOLD` 0, tap by tap, or 1, a symmetric kernel
/// folded (as [`row::accumulate`]: each row gets its arithmetic).
///
/// # Safety
///
/// `e + U·lanes ≤ len`, every `offsets[j] + len ≤ lines.len()` (`base` =
/// `lines.as_ptr()`, `offsets` has `N` or `taps.len()` + 1 entries),
/// `dst0`, `dst1` have `len` writable elements each, and if `STREAM`,
/// `dst0 + e` and `dst1 + e` are aligned to the vector.
#[cfg_attr(not(debug_assertions), inline(always))]
unsafe fn two_block<V: F32Vector, O: ColumnOut, const U: usize, const STREAM: bool, const FOLD: u8, const N: usize>(
    simd: V::Token,
    taps: &[f32],
    base: *const f32,
    offsets: &[usize],
    dst0: *mut O,
    dst1: *mut O,
    e: usize,
) {
    const { assert!(FOLD < 2) };
    let lanes = V::LANES;
    // `N` taps when specialised (a constant the loops unroll over), else any.
    let n = if N == 0 { taps.len() } else { N };
    // Slices of the known lengths: no bounds checks in the loops below.
    let (taps, offsets) = (&taps[..n], &offsets[..=n]);
    // Row y reads lines 0..n, row y + 1 lines 1..=n: each line is loaded
    // once for both (n + 1 loads), and each row gets the arithmetic of
    // `row::accumulate`, the same bits as alone or in another pair.
    // SAFETY (every `load_at` below): lines 0..=n hold `len` elements, and
    // e + (u + 1)·lanes ≤ len (function contract).
    let line = |j: usize, u: usize| offsets[j] + e + u * lanes;
    let mut acc0 = [V::splat(simd, -0.0); U];
    let mut acc1 = [V::splat(simd, -0.0); U];
    if FOLD == 0 {
        // Line 0 feeds row y only, line n row y + 1 only, the others both.
        let w0 = V::splat(simd, taps[0]);
        for (u, a) in acc0.iter_mut().enumerate() {
            // SAFETY: see above.
            *a = unsafe { load_at::<V>(simd, base, line(0, u)) }.mul_add(w0, *a);
        }
        for j in 1..n {
            let (w_this, w_prev) = (V::splat(simd, taps[j]), V::splat(simd, taps[j - 1]));
            for u in 0..U {
                // SAFETY: see above.
                let x = unsafe { load_at::<V>(simd, base, line(j, u)) };
                acc0[u] = x.mul_add(w_this, acc0[u]);
                acc1[u] = x.mul_add(w_prev, acc1[u]);
            }
        }
        let wl = V::splat(simd, taps[n - 1]);
        for (u, a) in acc1.iter_mut().enumerate() {
            // SAFETY: see above.
            *a = unsafe { load_at::<V>(simd, base, line(n, u)) }.mul_add(wl, *a);
        }
    } else {
        // Pair i is (line i, line n − 1 − i) for row y and (line i + 1,
        // line n − i) for row y + 1: two new lines a step, the other two
        // carried from the step before.
        let mut near = [V::splat(simd, 0.0); U];
        let mut far_next = [V::splat(simd, 0.0); U];
        for u in 0..U {
            // SAFETY: see above.
            unsafe {
                (near[u], far_next[u]) = (load_at::<V>(simd, base, line(0, u)), load_at::<V>(simd, base, line(n, u)))
            };
        }
        for (i, &w) in taps.iter().enumerate().take(n / 2) {
            let w = V::splat(simd, w);
            for u in 0..U {
                // SAFETY: see above.
                let (near_next, far) =
                    unsafe { (load_at::<V>(simd, base, line(i + 1, u)), load_at::<V>(simd, base, line(n - 1 - i, u))) };
                acc0[u] = near[u].add(far).mul_add(w, acc0[u]);
                acc1[u] = near_next.add(far_next[u]).mul_add(w, acc1[u]);
                (near[u], far_next[u]) = (near_next, far);
            }
        }
        if n % 2 == 1 {
            // Now `near` is line n/2 and `far_next` line n/2 + 1.
            let w = V::splat(simd, taps[n / 2]);
            for u in 0..U {
                acc0[u] = near[u].mul_add(w, acc0[u]);
                acc1[u] = far_next[u].mul_add(w, acc1[u]);
            }
        }
    }
    for u in 0..U {
        // SAFETY: e + (u + 1)·lanes ≤ len, the length of both outputs, and
        // streamed addresses are aligned (function contract; u·lanes elements
        // are whole vectors).
        unsafe {
            O::store::<V, STREAM>(acc0[u], dst0.add(e + u * lanes));
            O::store::<V, STREAM>(acc1[u], dst1.add(e + u * lanes));
        }
    }
    // Folding's overflow guard (`row::unfold`).
    if FOLD == 1 && row::non_finite([acc0, acc1].as_flattened()) {
        // SAFETY: the lines just loaded (row y + 1's from offset 1 on) and
        // the outputs just stored.
        unsafe {
            O::unfold::<V>(simd, taps, base, Samples::Lines(offsets), e, dst0.add(e), U);
            O::unfold::<V>(simd, taps, base, Samples::Lines(&offsets[1..]), e, dst1.add(e), U);
        }
    }
}

/// `U` vectors of four output rows at element `e`, as [`two_block`]: rows
/// `y .. y + 4` read lines `0..n` to `3..n + 3`, each line loaded once for
/// every row it feeds (`n + 3` loads for four rows), and each row gets the
/// arithmetic of `row::accumulate`, so its bits do not depend on the step
/// that made it. Needs `n ≥ 3` ([`four_rows`]).
///
/// # Safety
///
/// As [`two_block`], with `offsets` of `N` or `taps.len()` + 3 entries and
/// four rows at `dst`.
#[cfg_attr(not(debug_assertions), inline(always))]
unsafe fn four_block<V: F32Vector, O: ColumnOut, const U: usize, const STREAM: bool, const FOLD: u8, const N: usize>(
    simd: V::Token,
    taps: &[f32],
    base: *const f32,
    offsets: &[usize],
    dst: [*mut O; 4],
    e: usize,
) {
    const { assert!(FOLD == 0 || (N >= 3 && N + 3 <= FOLDED_LINES)) };
    let lanes = V::LANES;
    let n = if N == 0 { taps.len() } else { N };
    let (taps, offsets) = (&taps[..n], &offsets[..n + 3]);
    // SAFETY (every `load_at` below): lines 0..n + 3 hold `len` elements,
    // and e + (u + 1)·lanes ≤ len (function contract).
    let line = |j: usize, u: usize| offsets[j] + e + u * lanes;
    let mut acc = [[V::splat(simd, -0.0); U]; 4];
    if FOLD == 0 {
        // Line j feeds row r with tap j − r where 0 ≤ j − r < n: rows 0..=j
        // of the first three lines, all four of lines 3..n, rows
        // j − n + 1..4 of the last three. Each row takes its taps in order.
        for j in 0..3 {
            for u in 0..U {
                // SAFETY: see above.
                let x = unsafe { load_at::<V>(simd, base, line(j, u)) };
                for (r, a) in acc.iter_mut().enumerate().take(j + 1) {
                    a[u] = x.mul_add(V::splat(simd, taps[j - r]), a[u]);
                }
            }
        }
        for j in 3..n {
            let w = [taps[j], taps[j - 1], taps[j - 2], taps[j - 3]].map(|w| V::splat(simd, w));
            for u in 0..U {
                // SAFETY: see above.
                let x = unsafe { load_at::<V>(simd, base, line(j, u)) };
                for (a, w) in acc.iter_mut().zip(w) {
                    a[u] = x.mul_add(w, a[u]);
                }
            }
        }
        for j in n..n + 3 {
            for u in 0..U {
                // SAFETY: see above.
                let x = unsafe { load_at::<V>(simd, base, line(j, u)) };
                for (r, a) in acc.iter_mut().enumerate().skip(j + 1 - n) {
                    a[u] = x.mul_add(V::splat(simd, taps[j - r]), a[u]);
                }
            }
        }
    } else {
        // Row r: pairs (line r + i, line r + n − 1 − i), then the middle
        // line, from the n + 3 lines of a vector column loaded once.
        for u in 0..U {
            let mut x = [V::splat(simd, 0.0); FOLDED_LINES];
            for (j, v) in x.iter_mut().enumerate().take(n + 3) {
                // SAFETY: see above.
                *v = unsafe { load_at::<V>(simd, base, line(j, u)) };
            }
            for (r, a) in acc.iter_mut().enumerate() {
                for (i, &w) in taps.iter().enumerate().take(n / 2) {
                    a[u] = x[r + i].add(x[r + n - 1 - i]).mul_add(V::splat(simd, w), a[u]);
                }
                if n % 2 == 1 {
                    a[u] = x[r + n / 2].mul_add(V::splat(simd, taps[n / 2]), a[u]);
                }
            }
        }
    }
    for (a, d) in acc.iter().zip(dst) {
        for (u, v) in a.iter().enumerate() {
            // SAFETY: e + (u + 1)·lanes ≤ len, the length of every output,
            // and streamed addresses are aligned (function contract).
            unsafe { O::store::<V, STREAM>(*v, d.add(e + u * lanes)) };
        }
    }
    // Folding's overflow guard (`row::unfold`).
    if FOLD == 1 && row::non_finite(acc.as_flattened()) {
        for (r, d) in dst.iter().enumerate() {
            // SAFETY: the lines just loaded (row r's from offset r on) and
            // the outputs just stored.
            unsafe { O::unfold::<V>(simd, taps, base, Samples::Lines(&offsets[r..]), e, d.add(e), U) };
        }
    }
}

/// Lines a folded four-row block holds: `n + 3` for the longest f32
/// length unrolled (9, `simd::UpTo9`).
const FOLDED_LINES: usize = 12;

/// `R` (2 or 4) output rows, plain or streamed as [`OneRow`]. They stream
/// when every row has row 0's alignment (a stride of whole lines), else
/// take plain stores.
struct Group<'a, V: F32Vector, O, const FOLD: u8, const N: usize, const R: usize> {
    simd: V::Token,
    taps: &'a [f32],
    lines: &'a [f32],
    offsets: &'a [usize],
    out: [&'a mut [O]; R],
}

impl<V: F32Vector, O: ColumnOut, const FOLD: u8, const N: usize, const R: usize> Stores
    for Group<'_, V, O, FOLD, N, R>
{
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn plain(mut self) {
        let len = self.out[0].len();
        if R == 4 && V::REGISTERS < 32 {
            self.part::<false, 2>(0..len);
        } else {
            self.part::<false, 4>(0..len);
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn streamed(mut self) {
        let len = self.out[0].len();
        let first = self.out[0].as_ptr() as usize;
        let body = whole_lines(self.out[0].as_ptr(), len);
        if !self.out.iter().all(|o| (o.as_ptr() as usize).wrapping_sub(first).is_multiple_of(LINE_BYTES)) {
            // A row does not share row 0's alignment (a stride of part
            // lines): plain stores, rather than one more copy of the pass.
            return self.plain();
        }
        self.part::<false, 1>(0..body.start);
        if R == 4 && V::REGISTERS < 32 {
            self.part::<true, 2>(body.clone());
        } else {
            self.part::<true, 4>(body.clone());
        }
        self.part::<false, 1>(body.end..len);
    }
}

impl<V: F32Vector, O: ColumnOut, const FOLD: u8, const N: usize, const R: usize> Group<'_, V, O, FOLD, N, R> {
    /// Elements `part` of every row, as [`OneRow::part`]; `STREAM`: whether
    /// the rows are streamed (then `part` is whole lines of each; checked).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn part<const STREAM: bool, const U: usize>(&mut self, part: Range<usize>) {
        let end = self.out.iter().fold(part.end, |end, o| end.min(o.len()));
        let start = part.start;
        let dst = self.out.each_mut().map(|o| o.as_mut_ptr());
        // The check the streamed stores rely on (see `OneRow::part`).
        assert!(
            !STREAM || (start <= end && dst.iter().all(|d| lines_from(d.wrapping_add(start), end - start, V::LANES)))
        );
        let mut blocks = GroupBlocks::<V, O, STREAM, FOLD, N, R> {
            simd: self.simd,
            taps: self.taps,
            lines: self.lines,
            offsets: self.offsets,
            dst,
        };
        drive::<_, U>(&mut blocks, start..end, true);
    }
}

/// [`two_block`]s or [`four_block`]s of the rows at `dst` (every line and
/// row holds `len` elements: checked by [`column_f32`] and [`Rows::run`]).
struct GroupBlocks<'a, V: F32Vector, O, const STREAM: bool, const FOLD: u8, const N: usize, const R: usize> {
    simd: V::Token,
    taps: &'a [f32],
    lines: &'a [f32],
    offsets: &'a [usize],
    dst: [*mut O; R],
}

impl<V: F32Vector, O: ColumnOut, const STREAM: bool, const FOLD: u8, const N: usize, const R: usize> Blocks
    for GroupBlocks<'_, V, O, STREAM, FOLD, N, R>
{
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let (simd, taps, base, offsets) = (self.simd, self.taps, self.lines.as_ptr(), self.offsets);
        // SAFETY: as `OneBlocks::block`, for every row.
        unsafe {
            match *self.dst.as_slice() {
                [d0, d1] => two_block::<V, O, U, STREAM, FOLD, N>(simd, taps, base, offsets, d0, d1, e),
                [d0, d1, d2, d3] => {
                    four_block::<V, O, U, STREAM, FOLD, N>(simd, taps, base, offsets, [d0, d1, d2, d3], e)
                }
                _ => {}
            }
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        for (r, d) in self.dst.iter().enumerate() {
            let value = accumulate_one::<V, FOLD>(self.simd, self.taps, self.lines, &self.offsets[r..], k);
            // SAFETY: the driver calls `one` for k inside the part, below `len`.
            unsafe { d.add(k).write(O::from_f32(value)) };
        }
    }
}

/// Columns per transposed tile.
#[cfg(feature = "tuning")]
const TILE_COLUMNS: usize = 8;

#[cfg(feature = "tuning")]
/// The transposed-tile column pass (a tuning option, measured slower than
/// direct on every workload; it runs the row pass's generic loops only).
pub(crate) struct Tiles<'a, V: F32Vector> {
    pub simd: V::Token,
    pub taps: &'a [f32],
    pub fold: Fold,
}

#[cfg(feature = "tuning")]
impl<V: F32Vector> Tiles<'_, V> {
    /// `rows` (≤ 16) output rows of `len` elements, row `r` at
    /// `out[r·stride..]`, from the `n + rows − 1` lines at `offsets`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn run(
        &self,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [f32],
        stride: usize,
        rows: usize,
        len: usize,
    ) {
        let count = offsets.len();
        let mut tile = [0f32; TILE_COLUMNS * (MAX_TAPS + MAX_COLUMN_ROWS)];
        let mut results = [0f32; TILE_COLUMNS * MAX_COLUMN_ROWS];
        let mut x = 0;
        while x < len {
            let w = TILE_COLUMNS.min(len - x);
            for (k, &off) in offsets.iter().enumerate() {
                for (i, &v) in lines[off + x..off + x + w].iter().enumerate() {
                    tile[i * count + k] = v;
                }
            }
            for i in 0..w {
                let (input, result) = (&tile[i * count..(i + 1) * count], &mut results[i * rows..(i + 1) * rows]);
                row::row_f32_generic::<V>(self.simd, self.taps, self.fold, input, result, 1);
            }
            for r in 0..rows {
                let dst = &mut out[r * stride + x..r * stride + x + w];
                for (i, d) in dst.iter_mut().enumerate() {
                    *d = results[i * rows + r];
                }
            }
            x += w;
        }
    }
}
