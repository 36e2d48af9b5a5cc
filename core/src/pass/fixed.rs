//! The u8 fixed-point passes: integer arithmetic exactly as the recipe in
//! [`crate::fixed`] defines it, generic over [`I16Vector`] (the scalar
//! backend runs them on one lane). Integer sums are exact in any order, so
//! the passes may fold symmetric taps and pair taps for `pmaddwd` and
//! still give the recipe's bits.
//!
//! * Row pass: `LANES` outputs per block; the `n` samples (or the `⌈n/2⌉`
//!   folded sums `x_i ± x_{n−1−i}`, at most 510 in magnitude) are taken two at
//!   a time, interleaved and multiplied with a pair of taps into `i32`
//!   (`pmaddwd`): `⌈n/2⌉` (folded: `⌈n/4⌉`) multiply-adds per block. Then the
//!   recipe's rounding shift and a saturating pack to the `i16` line. With
//!   an odd number of terms the last pair is half empty, and the rounding
//!   term rides there, `(x_mid, unit) · (q_mid, 2^(d−1) / unit)`, instead of
//!   a seeded accumulator.
//! * Column pass: lines two at a time, the same way (no folding: two
//!   intermediates can exceed `i16`), then the final rounding and
//!   saturation to u8/i16, or the scaling to f32. Two output rows per step
//!   share both the loads and the interleaving: rows `y` and `y + 1` use the
//!   same line pairs `(0,1), (2,3), …` with weight pairs `(c0,c1), (c2,c3), …`
//!   and `(0,c0), (c1,c2), …`. Weight pairs are packed once per call.
//!
//! What limits speed: shuffles. On x86 every zero-extending load
//! (`vpmovzxbw`), interleave (`vpunpck*wd`) and pack (`vpack*`) is a uop on
//! the one shuffle port (port 5 on Intel): about one a pixel on AVX2 at
//! 5 taps, against about 1.9 other vector uops that share two or three
//! ports (`docs/performance.md` has the count and the designs that remove them).
//! Small-integer kernels avoid most of them: [`super::small`] gives the same
//! bits with byte pairs and 16-bit lanes, where the kernel allows it.
//!
//! The backends' unrolled lengths ([`I16Vector::Unroll`]: every odd length
//! from 3 to 15 taps on x86) get copies with a constant tap count, one
//! column block of accumulators live (no spills on AVX2), and the column's
//! line pointers and weights copied into locals ([`ColumnLines`]). Each
//! pass call is an [`Op`] run through [`Simd::vectorize`]: on x86 a
//! `#[target_feature]` function of its own per pass, output type and length,
//! which keeps every function small for LLVM (all of them inlined into one
//! entry point made a function that took minutes to compile).

use core::marker::PhantomData;

use super::blocks::{drive, Blocks};
use super::row::Fold;
use super::small::{BytePairs, ColumnRows, SmallColumn};
use super::{four_two_one, Passes};
use crate::fixed::FixedPoint;
use crate::kernel::MAX_TAPS;
use crate::sample::Output;
use crate::simd::{pair, ByLength, I16Vector, Op, Simd, Unroll};

/// `Σ qr[i] · input[e + i·step]`, exact in i32 (the recipe's headroom).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn row_acc(taps: &[i16], input: &[u8], e: usize, step: usize) -> i32 {
    taps.iter().enumerate().map(|(i, &q)| q as i32 * input[e + i * step] as i32).sum()
}

/// Line element `e` by the scalar recipe: `t / 2^line_shift`, the recipe's
/// intermediate of `row_acc` (the row passes' edge outputs).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn line_at(fp: &FixedPoint, input: &[u8], e: usize, step: usize, line_shift: u32) -> i16 {
    fp.mid(row_acc(fp.row().taps(), input, e, step)) >> line_shift
}

/// `Σ qc[j] · lines[offsets[j] + e]`, exact in i32.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn column_acc(taps: &[i16], lines: &[i16], offsets: &[usize], e: usize) -> i32 {
    taps.iter().zip(offsets).map(|(&q, &o)| q as i32 * lines[o + e] as i32).sum()
}

// One lane (the scalar backend) runs the plain loops below instead of the
// paired, unrolled engine on one lane: the same integer sums (exact in any
// order, so the same bits) in a fraction of the code, which is what a
// microcontroller's flash holds (the firmware example, `docs/embedded.md`).
// They take the taps in the outer loop over a block of outputs, so that the
// inner loop is a multiply-add over two slices, free of bounds checks.

/// Outputs per block of the plain loops: the per-tap overhead spread over
/// 16 outputs, for 64 bytes of stack.
const PLAIN_BLOCK: usize = 16;

/// The row pass, plainly: `out[e] = mid(Σ qr[i] · input[e + i·step])`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn plain_row(fp: &FixedPoint, input: &[u8], out: &mut [i16], step: usize) {
    let taps = fp.row().taps();
    for (block, chunk) in out.chunks_mut(PLAIN_BLOCK).enumerate() {
        let start = block * PLAIN_BLOCK;
        let mut acc = [0i32; PLAIN_BLOCK];
        for (i, &q) in taps.iter().enumerate() {
            let src = &input[start + i * step..][..chunk.len()];
            for (a, &x) in acc.iter_mut().zip(src) {
                *a += q as i32 * x as i32;
            }
        }
        for (o, &a) in chunk.iter_mut().zip(&acc) {
            *o = fp.mid(a);
        }
    }
}

/// The column pass, plainly: `rows` rows of `len` at `out[r·stride..]`,
/// `out_r[e] = Σ qc[j] · lines[offsets[r + j] + e]`, finished for `D`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn plain_column<D: FixedOutput>(
    fp: &FixedPoint,
    lines: &[i16],
    offsets: &[usize],
    out: &mut [D],
    stride: usize,
    rows: usize,
    len: usize,
) {
    let taps = fp.column().taps();
    for r in 0..rows {
        for (block, chunk) in out[r * stride..r * stride + len].chunks_mut(PLAIN_BLOCK).enumerate() {
            let start = block * PLAIN_BLOCK;
            let mut acc = [0i32; PLAIN_BLOCK];
            for (&q, &o) in taps.iter().zip(&offsets[r..]) {
                let line = &lines[o + start..][..chunk.len()];
                for (a, &x) in acc.iter_mut().zip(line) {
                    *a += q as i32 * x as i32;
                }
            }
            for (d, &a) in chunk.iter_mut().zip(&acc) {
                *d = D::from_fixed(fp, a);
            }
        }
    }
}

/// Weight pairs for `pmaddwd`, packed once per filter call.
const PAIRS: usize = MAX_TAPS / 2 + 1;

/// Row weight pairs of the longest unrolled length (15 taps folded: 8 terms,
/// and the rounding pair).
const UNROLLED_PAIRS: usize = 9;

/// Lines a column call reads at most: the taps, plus one for two output rows.
const LINES: usize = MAX_TAPS + 1;

/// Lines of a four-row call of an unrolled length (15 taps and three).
const UNROLLED_LINES4: usize = 18;

/// The row pass's constants (the same for every output type).
#[derive(Clone, Copy)]
struct RowRecipe<'p, V: I16Vector> {
    simd: V::Token,
    fp: &'p FixedPoint,
    fold: Fold,
    /// Row taps.
    taps: usize,
    /// The rounding term `2^(d−1)` (0 when `d = 0`): the accumulators'
    /// start when the terms pair up evenly.
    mid_half: i32,
    /// With an odd number of terms, the constant lane beside the last term:
    /// `unit · weight = mid_half` for the weight in that pair.
    unit: i16,
    /// The rounding shift into the lines: `d`, plus `line_shift`.
    shift: u32,
    /// The lines hold `t / 2^line_shift` (`pass::small`): `t` is a multiple
    /// of it, so the longer shift with the same rounding term gives it.
    line_shift: u32,
}

/// The u8 passes on vector type `V` with output type `D`.
pub(crate) struct FixedPasses<'p, V: I16Vector, D> {
    row: RowRecipe<'p, V>,
    /// Weight pairs of the row terms (samples or folded sums); with an odd
    /// number of terms, the last pair's free half weighs the rounding term.
    row_pairs: [i32; PAIRS],
    /// Column weight pairs for row `y` (`(c0,c1), (c2,c3), …`) and row `y + 1`
    /// (`(0,c0), (c1,c2), …`) over the line pairs `(0,1), (2,3), …`.
    column_pairs: [[i32; PAIRS]; 2],
    /// The row pass by byte pairs, where the kernel and backend allow it.
    bytes: Option<BytePairs>,
    /// The column pass in 16-bit lanes, where the kernel, backend and
    /// output allow it (the lines then hold `t / 2^line_shift`).
    small: Option<SmallColumn>,
    out_half: i32,
    _out: PhantomData<D>,
}

/// The rounding term of a shift: `2^(shift−1)`, or 0 for no shift.
fn half(shift: u32) -> i32 {
    if shift == 0 {
        0
    } else {
        1 << (shift - 1)
    }
}

impl<'p, V: I16Vector, D: FixedOutput> FixedPasses<'p, V, D> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn new(simd: V::Token, fp: &'p FixedPoint) -> Self {
        let row = fp.row().taps();
        let fold = Fold::of_fixed(row);
        // Terms: all taps, or the folded half then (Even, n odd) the middle:
        // in both cases taps 0..row_terms in order.
        let row_terms = match fold {
            Fold::None => row.len(),
            Fold::Even => row.len().div_ceil(2),
            Fold::Odd => row.len() / 2,
        };
        let tap = |taps: &[i16], i: isize| if i < 0 { 0 } else { taps.get(i as usize).copied().unwrap_or(0) };
        let mut row_pairs = [0; PAIRS];
        for (p, w) in row_pairs.iter_mut().enumerate() {
            let k = 2 * p as isize;
            *w = pair(tap(&row[..row_terms], k), tap(&row[..row_terms], k + 1));
        }
        // An odd number of terms leaves the last pair half empty: the
        // rounding term rides there as `unit · weight`, which saves adding a
        // seeded accumulator per vector of outputs (the sum is exact in any order).
        let mid_half = half(fp.mid_shift());
        let mut unit = 0;
        if row_terms % 2 == 1 {
            let (u, weight) = i16_factors(mid_half);
            row_pairs[row_terms / 2] = pair(row[row_terms - 1], weight);
            unit = u;
        }
        let bytes = if V::BYTE_PAIRS { BytePairs::of(fp) } else { None };
        let small = bytes.as_ref().filter(|_| D::ROUNDED).and_then(|b| SmallColumn::of(fp, b));
        let line_shift = small.map_or(0, |c| c.line_shift());
        let bytes = bytes.map(|b| b.with_line_shift(line_shift));
        let col = fp.column().taps();
        let mut column_pairs = [[0; PAIRS]; 2];
        let [this_row, next_row] = &mut column_pairs;
        for (p, (this, next)) in this_row.iter_mut().zip(next_row.iter_mut()).enumerate() {
            let j = 2 * p as isize;
            *this = pair(tap(col, j), tap(col, j + 1));
            *next = pair(tap(col, j - 1), tap(col, j));
        }
        FixedPasses {
            row: RowRecipe {
                simd,
                fp,
                fold,
                taps: row.len(),
                mid_half,
                unit,
                shift: fp.mid_shift() + line_shift,
                line_shift,
            },
            row_pairs,
            column_pairs,
            bytes,
            small,
            out_half: half(fp.out_shift()),
            _out: PhantomData,
        }
    }

    /// The column accumulators' start: the rounding term of the final shift,
    /// or 0 for f32 outputs, which are scaled, not rounded.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column_seed(&self) -> i32 {
        if D::ROUNDED {
            self.out_half
        } else {
            0
        }
    }
}

/// `(unit, weight)` with `unit · weight = h` for `h = 0` or a power of two
/// up to `2^29` (a rounding term `2^(d−1)`, `d ≤ 30`), both `i16`.
fn i16_factors(h: i32) -> (i16, i16) {
    debug_assert!(h == 0 || (h.count_ones() == 1 && h <= 1 << 29));
    match h.trailing_zeros() {
        32 => (0, 0),
        // 2^29 = (−2^15) · (−2^14).
        29.. => (i16::MIN, -(1 << 14)),
        bits => (1 << bits.saturating_sub(14), 1 << bits.min(14)),
    }
}

/// Term `k` of a row block at `e`: sample `k`, or (folded) `x_k ± x_{n−1−k}`.
///
/// # Safety
///
/// `e + LANES + (n − 1)·step` bytes from `src` are readable; `k < n`.
#[cfg_attr(not(debug_assertions), inline(always))]
unsafe fn row_term<V: I16Vector, const FOLD: u8>(
    simd: V::Token,
    src: *const u8,
    e: usize,
    step: usize,
    n: usize,
    k: usize,
) -> V {
    // SAFETY: k and n − 1 − k are taps, so every read ends by e + LANES + (n − 1)·step.
    unsafe {
        let x = V::load_u8(simd, src.add(e + k * step));
        match FOLD {
            0 => x,
            1 => x.add(V::load_u8(simd, src.add(e + (n - 1 - k) * step))),
            _ => x.sub(V::load_u8(simd, src.add(e + (n - 1 - k) * step))),
        }
    }
}

impl<V: I16Vector> RowRecipe<'_, V> {
    /// `U` row blocks: `U · LANES` intermediates at `e`.
    ///
    /// Terms are taken in pairs; with folding, the terms are the `n/2`
    /// folded sums, then the middle sample when `n` is odd (`Even` only).
    ///
    /// # Safety
    ///
    /// `e + U·LANES + (n − 1)·step` bytes from `src` are readable;
    /// `e + U·LANES` elements from `dst` are writable.
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn block<const FOLD: u8, const U: usize, const N: usize>(
        &self,
        pairs: &[i32],
        src: *const u8,
        dst: *mut i16,
        e: usize,
        step: usize,
    ) {
        let simd = self.simd;
        // `N` taps when unrolled (the loops unroll), else any.
        let n = if N == 0 { self.taps } else { N };
        let lanes = V::LANES;
        let (paired, middle) = match FOLD {
            0 => (n, false),
            1 => (n / 2, n % 2 == 1),
            _ => (n / 2, false),
        };
        // An odd number of terms: the last pair adds the rounding term
        // (`FixedPasses::new`); for the unrolled lengths the seed is then a
        // constant 0, and adding it disappears.
        let seed = V::splat_wide(simd, if (paired + middle as usize).is_multiple_of(2) { self.mid_half } else { 0 });
        let unit = V::splat(simd, self.unit);
        let mut acc = [(seed, seed); U];
        for (p, &w) in pairs.iter().enumerate().take(paired / 2) {
            for (u, acc) in acc.iter_mut().enumerate() {
                let at = e + u * lanes;
                // SAFETY: at + LANES ≤ e + U·LANES and 2p + 1 < paired ≤ n, so
                // `row_term`'s reads end within this function's readable range.
                let (a, b) = unsafe {
                    (
                        row_term::<V, FOLD>(simd, src, at, step, n, 2 * p),
                        row_term::<V, FOLD>(simd, src, at, step, n, 2 * p + 1),
                    )
                };
                *acc = V::madd(a.interleave(b), w, *acc);
            }
        }
        if paired % 2 == 1 || middle {
            let w = pairs[paired / 2];
            for (u, acc) in acc.iter_mut().enumerate() {
                let at = e + u * lanes;
                // SAFETY: as for the pairs above: `paired − 1` and the middle
                // tap n/2 are taps, so every read ends by at + LANES + (n − 1)·step.
                let (a, b) = unsafe {
                    match (paired % 2 == 1, middle) {
                        (true, true) => (
                            row_term::<V, FOLD>(simd, src, at, step, n, paired - 1),
                            V::load_u8(simd, src.add(at + n / 2 * step)),
                        ),
                        (true, false) => (row_term::<V, FOLD>(simd, src, at, step, n, paired - 1), unit),
                        _ => (V::load_u8(simd, src.add(at + n / 2 * step)), unit),
                    }
                };
                *acc = V::madd(a.interleave(b), w, *acc);
            }
        }
        for (u, acc) in acc.into_iter().enumerate() {
            let t = V::pack(V::shift_right(acc, self.shift));
            // SAFETY: e + (u + 1)·LANES ≤ e + U·LANES elements from `dst` are
            // writable (function contract).
            unsafe { t.store_i16(dst.add(e + u * lanes)) };
        }
    }

    /// The row pass for `N` taps (0: any).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn pass<const FOLD: u8, const N: usize>(&self, pairs: &[i32; PAIRS], input: &[u8], out: &mut [i16], step: usize) {
        let len = out.len();
        let n = self.taps;
        // The one check the loads below rely on (and, unrolled, the taps' count).
        assert!(n >= 1 && input.len() >= len + (n - 1) * step && (N == 0 || n == N));
        // Local copies of the constants, which the compiler keeps in
        // registers: behind a reference it reloads them after every store,
        // which might alias them. The unrolled lengths need few pairs.
        let recipe = *self;
        let mut few = [0; UNROLLED_PAIRS];
        let pairs: &[i32] = if N == 0 {
            pairs
        } else {
            few.copy_from_slice(&pairs[..UNROLLED_PAIRS]);
            &few
        };
        let mut blocks = RowBlocks::<V, FOLD, N> { recipe: &recipe, pairs, input, dst: out.as_mut_ptr(), step };
        drive::<_, 2>(&mut blocks, 0..len, true);
    }
}

/// The row pass's blocks (`input` and `dst` checked by [`RowRecipe::pass`]).
struct RowBlocks<'a, 'p, V: I16Vector, const FOLD: u8, const N: usize> {
    recipe: &'a RowRecipe<'p, V>,
    pairs: &'a [i32],
    input: &'a [u8],
    dst: *mut i16,
    step: usize,
}

impl<V: I16Vector, const FOLD: u8, const N: usize> Blocks for RowBlocks<'_, '_, V, FOLD, N> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        // SAFETY: the driver keeps e + U·LANES ≤ len, and `input` holds
        // len + (n − 1)·step bytes (checked in `pass`).
        unsafe { self.recipe.block::<FOLD, U, N>(self.pairs, self.input.as_ptr(), self.dst, e, self.step) };
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let value = line_at(self.recipe.fp, self.input, k, self.step, self.recipe.line_shift);
        // SAFETY: the driver calls `one` for k < len, the length of the output.
        unsafe { self.dst.add(k).write(value) };
    }
}

/// A row pass call; `FOLD` as [`Fold`] (0, 1, 2).
struct RowCall<'a, 'p, V: I16Vector, const FOLD: u8> {
    recipe: &'a RowRecipe<'p, V>,
    pairs: &'a [i32; PAIRS],
    input: &'a [u8],
    out: &'a mut [i16],
    step: usize,
}

impl<V: I16Vector, const FOLD: u8> ByLength for RowCall<'_, '_, V, FOLD> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unrolled<const N: usize, const L: usize>(self) {
        self.recipe.simd.vectorize(RowPass::<V, FOLD, N>(self));
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn generic(self) {
        self.recipe.simd.vectorize(RowPass::<V, FOLD, 0>(self));
    }
}

/// The row pass for `N` taps, as an op of its own (out of line on x86).
struct RowPass<'a, 'p, V: I16Vector, const FOLD: u8, const N: usize>(RowCall<'a, 'p, V, FOLD>);

impl<V: I16Vector, const FOLD: u8, const N: usize> Op for RowPass<'_, '_, V, FOLD, N> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let RowCall { recipe, pairs, input, out, step } = self.0;
        recipe.pass::<FOLD, N>(pairs, input, out, step);
    }
}

impl<V: I16Vector, D: FixedOutput> FixedPasses<'_, V, D> {
    /// `ROWS` (1 or 2) column blocks at `e`, over the `count` lines of `column`.
    ///
    /// # Safety
    ///
    /// `e + U·LANES` elements from each of the `count` line pointers are
    /// readable; `U·LANES` elements at `dst[r] + e` are writable for each of
    /// the `ROWS` rows.
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn column_block<const ROWS: usize, const U: usize, const L: usize>(
        column: &ColumnLines<V, ROWS, L>,
        count: usize,
        dst: [*mut D; ROWS],
        e: usize,
    ) {
        let simd = column.simd;
        let lanes = V::LANES;
        let seed = V::splat_wide(simd, column.seed);
        let mut acc = [[(seed, seed); U]; ROWS];
        for p in 0..count.div_ceil(2) {
            let (a, b) = (column.line[2 * p], (2 * p + 1 < count).then(|| column.line[2 * p + 1]));
            for u in 0..U {
                let at = e + u * lanes;
                // SAFETY: line 2p < count, and `at + LANES ≤ e + U·LANES`
                // elements of every line are readable (function contract).
                let a = unsafe { V::load_i16(simd, a.add(at)) };
                let b = match b {
                    // SAFETY: as for `a`, line 2p + 1 < count.
                    Some(b) => unsafe { V::load_i16(simd, b.add(at)) },
                    None => V::splat(simd, 0),
                };
                let ab = a.interleave(b);
                for (r, acc) in acc.iter_mut().enumerate() {
                    acc[u] = V::madd(ab, column.weights[r][p], acc[u]);
                }
            }
        }
        for (r, acc) in acc.into_iter().enumerate() {
            for (u, acc) in acc.into_iter().enumerate() {
                // SAFETY: e + (u + 1)·LANES ≤ e + U·LANES elements at dst[r]
                // are writable (function contract).
                unsafe { D::store::<V>(acc, column.finish, dst[r], e + u * lanes) };
            }
        }
    }

    /// The column pass over `N` taps (0: any), with room for `L` lines.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column_pass<const ROWS: usize, const N: usize, const L: usize, const U: usize>(
        &self,
        lines: &[i16],
        offsets: &[usize],
        mut out: [&mut [D]; ROWS],
    ) {
        // n + ROWS − 1 lines; a constant when unrolled (`N` taps), so the
        // loops unroll into straight code.
        let count = if N == 0 { offsets.len() } else { N + ROWS - 1 };
        assert!(count == offsets.len() && count <= L);
        let len = out[0].len();
        let mut dst = [core::ptr::null_mut(); ROWS];
        // Pointers from `as_mut_ptr` (not `as_ptr` cast to mut): the stores
        // through them need write provenance.
        for (d, o) in dst.iter_mut().zip(out.iter_mut()) {
            *d = o.as_mut_ptr();
        }
        let column = ColumnLines::new(self, lines, offsets);
        let mut blocks = ColumnBlocks::<V, D, ROWS, L> { column: &column, count, dst, fp: self.row.fp, lines, offsets };
        drive::<_, U>(&mut blocks, 0..len, true);
    }
}

/// The column pass's blocks (every line holds `len` elements: checked by
/// [`Passes::column`]; `dst` has `ROWS` rows of `len`).
struct ColumnBlocks<'a, V: I16Vector, D, const ROWS: usize, const L: usize> {
    column: &'a ColumnLines<V, ROWS, L>,
    count: usize,
    dst: [*mut D; ROWS],
    fp: &'a FixedPoint,
    lines: &'a [i16],
    offsets: &'a [usize],
}

impl<V: I16Vector, D: FixedOutput, const ROWS: usize, const L: usize> Blocks for ColumnBlocks<'_, V, D, ROWS, L> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        // SAFETY: the driver keeps e + U·LANES ≤ len; every line and output
        // row holds `len` elements.
        unsafe { FixedPasses::<V, D>::column_block::<ROWS, U, L>(self.column, self.count, self.dst, e) };
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let taps = self.fp.column().taps();
        for r in 0..ROWS {
            let value = D::from_fixed(self.fp, column_acc(taps, self.lines, &self.offsets[r..], k));
            // SAFETY: the driver calls `one` for k < len, the length of each row.
            unsafe { self.dst[r].add(k).write(value) };
        }
    }
}

/// A column pass call for two or four rows (four: the unrolled lengths only).
struct ColumnCall<'a, 'p, V: I16Vector, D, const ROWS: usize> {
    passes: &'a FixedPasses<'p, V, D>,
    lines: &'a [i16],
    offsets: &'a [usize],
    out: [&'a mut [D]; ROWS],
}

impl<V: I16Vector, D: FixedOutput, const ROWS: usize> ByLength for ColumnCall<'_, '_, V, D, ROWS> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unrolled<const N: usize, const L: usize>(self) {
        // One block a step, so that the `2·ROWS` accumulators stay in
        // registers; room for four rows' lines.
        let ColumnCall { passes, lines, offsets, out } = self;
        passes.row.simd.vectorize(ColumnPass::<V, D, ROWS, N, UNROLLED_LINES4, 1> { passes, lines, offsets, out });
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn generic(self) {
        // Two blocks a step share each line's pointer and weights; two rows
        // a call.
        let ColumnCall { passes, lines, offsets, out } = self;
        let n = offsets.len() + 1 - ROWS;
        let (mut rows, mut first) = (out.into_iter(), 0);
        while let (Some(a), Some(b)) = (rows.next(), rows.next()) {
            let offsets = &offsets[first..first + n + 1];
            passes.row.simd.vectorize(ColumnPass::<V, D, 2, 0, LINES, 2> { passes, lines, offsets, out: [a, b] });
            first += 2;
        }
    }
}

/// The column pass for `N` taps, as an op of its own (out of line on x86).
struct ColumnPass<'a, 'p, V: I16Vector, D, const ROWS: usize, const N: usize, const L: usize, const U: usize> {
    passes: &'a FixedPasses<'p, V, D>,
    lines: &'a [i16],
    offsets: &'a [usize],
    out: [&'a mut [D]; ROWS],
}

impl<V: I16Vector, D: FixedOutput, const ROWS: usize, const N: usize, const L: usize, const U: usize> Op
    for ColumnPass<'_, '_, V, D, ROWS, N, L, U>
{
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        self.passes.column_pass::<ROWS, N, L, U>(self.lines, self.offsets, self.out);
    }
}

/// The output types of the u8 recipe (`u8`, `i16`, `f32`): the recipe's last
/// step for each, and which column lengths are unrolled for it: the
/// backend's for u8 (the workloads' output), none for i16 and f32
/// (derivatives; their generic loops are vectorised too), which keeps two
/// thirds of the unrolled copies out of the build.
pub(crate) trait FixedOutput: Output<u8> {
    /// Integer outputs are rounded (the column sums start at the rounding
    /// term); f32 outputs are scaled.
    const ROUNDED: bool;
    /// `pass` for `n` taps.
    fn dispatch<V: I16Vector, P: ByLength>(n: usize, pass: P) -> P::Output;
    /// The output of a column sum `acc` (step 4 of [`crate::fixed`]).
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self;
    /// The last step for `LANES` outputs at `dst + e`, from accumulators
    /// seeded as [`ROUNDED`](Self::ROUNDED) says.
    ///
    /// # Safety
    ///
    /// `LANES` elements at `dst + e` are writable.
    unsafe fn store<V: I16Vector>(acc: (V::Wide, V::Wide), finish: Finish, dst: *mut Self, e: usize);
    /// Runs the small column pass (`pass::small`) if it serves this output
    /// type (rounded outputs: u8, i16), and says whether it ran.
    fn small_column<V: I16Vector>(_: &SmallColumn, _: V::Token, _: &FixedPoint, _: ColumnRows<'_, Self>) -> bool {
        false
    }
}

impl FixedOutput for u8 {
    const ROUNDED: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<V: I16Vector, P: ByLength>(n: usize, pass: P) -> P::Output {
        V::Unroll::dispatch(n, pass)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_u8(acc)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: I16Vector>(acc: (V::Wide, V::Wide), finish: Finish, dst: *mut u8, e: usize) {
        // SAFETY: the caller guarantees `LANES` writable elements at `dst + e`.
        unsafe { V::pack(V::shift_right(acc, finish.shift)).store_u8(dst.add(e)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn small_column<V: I16Vector>(
        column: &SmallColumn,
        simd: V::Token,
        fp: &FixedPoint,
        rows: ColumnRows<'_, u8>,
    ) -> bool {
        column.column::<V, u8>(simd, fp, rows);
        true
    }
}

impl FixedOutput for i16 {
    const ROUNDED: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<V: I16Vector, P: ByLength>(_: usize, pass: P) -> P::Output {
        pass.generic()
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_i16(acc)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: I16Vector>(acc: (V::Wide, V::Wide), finish: Finish, dst: *mut i16, e: usize) {
        // SAFETY: the caller guarantees `LANES` writable elements at `dst + e`.
        unsafe { V::pack(V::shift_right(acc, finish.shift)).store_i16(dst.add(e)) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn small_column<V: I16Vector>(
        column: &SmallColumn,
        simd: V::Token,
        fp: &FixedPoint,
        rows: ColumnRows<'_, i16>,
    ) -> bool {
        column.column::<V, i16>(simd, fp, rows);
        true
    }
}

impl FixedOutput for f32 {
    const ROUNDED: bool = false;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<V: I16Vector, P: ByLength>(_: usize, pass: P) -> P::Output {
        pass.generic()
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_f32(acc)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: I16Vector>(acc: (V::Wide, V::Wide), finish: Finish, dst: *mut f32, e: usize) {
        // SAFETY: the caller guarantees `LANES` writable elements at `dst + e`.
        unsafe { V::store_f32(acc, finish.scale, dst.add(e)) }
    }
}

/// The final step of the recipe: the shift (integer outputs) or the scale (f32).
#[derive(Clone, Copy)]
pub(crate) struct Finish {
    shift: u32,
    scale: f32,
}

/// What one column call reads, copied out of `FixedPasses` into locals the
/// compiler keeps in registers: behind `&self` it reloads them after every
/// u8 store, which could alias them as far as it knows.
struct ColumnLines<V: I16Vector, const ROWS: usize, const L: usize> {
    simd: V::Token,
    /// Start of each line (`L` ≥ the number of lines).
    line: [*const i16; L],
    /// Weight pairs per output row (`pairs ≤ L`).
    weights: [[i32; L]; ROWS],
    seed: i32,
    finish: Finish,
}

impl<V: I16Vector, const ROWS: usize, const L: usize> ColumnLines<V, ROWS, L> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn new<D: FixedOutput>(passes: &FixedPasses<'_, V, D>, lines: &[i16], offsets: &[usize]) -> Self {
        let mut line = [core::ptr::null(); L];
        for (l, &o) in line.iter_mut().zip(offsets) {
            *l = lines.as_ptr().wrapping_add(o);
        }
        let mut weights = [[0; L]; ROWS];
        // Row r reads the lines from r: the weights of row r mod 2, r / 2
        // pairs later.
        let pairs = offsets.len().div_ceil(2).min(L);
        for (r, w) in weights.iter_mut().enumerate() {
            let skip = (r / 2).min(pairs);
            w[skip..pairs].copy_from_slice(&passes.column_pairs[r % 2][..pairs - skip]);
        }
        let fp = passes.row.fp;
        ColumnLines {
            simd: passes.row.simd,
            line,
            weights,
            seed: passes.column_seed(),
            finish: Finish { shift: fp.out_shift(), scale: fp.out_scale() },
        }
    }
}

impl<V: I16Vector, D: FixedOutput> Passes for FixedPasses<'_, V, D> {
    type Src = u8;
    type Mid = i16;
    type Dst = D;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row(&self, input: &[u8], out: &mut [i16], step: usize) {
        if V::LANES == 1 {
            return plain_row(self.row.fp, input, out, step);
        }
        if let Some(bytes) = &self.bytes {
            return bytes.row::<V>(self.row.simd, self.row.fp, input, out, step);
        }
        let (recipe, pairs) = (&self.row, &self.row_pairs);
        match recipe.fold {
            // Symmetric kernels of the backend's unrolled lengths, fully unrolled.
            Fold::Even => V::Unroll::dispatch(recipe.taps, RowCall::<V, 1> { recipe, pairs, input, out, step }),
            Fold::None => RowCall::<V, 0> { recipe, pairs, input, out, step }.generic(),
            Fold::Odd => RowCall::<V, 2> { recipe, pairs, input, out, step }.generic(),
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn edge_piece(&self, outputs: usize) -> usize {
        // `small`'s byte row passes make two vectors of outputs a block.
        let lanes = if self.bytes.is_some() && V::LANES > 1 { 2 * V::LANES } else { V::LANES };
        super::edge_piece(outputs, self.row.taps, lanes, 0)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column(&self, lines: &[i16], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        if V::LANES == 1 {
            return plain_column(self.row.fp, lines, offsets, out, stride, rows, len);
        }
        if let Some(small) = &self.small {
            let (simd, fp) = (self.row.simd, self.row.fp);
            if D::small_column::<V>(small, simd, fp, ColumnRows { lines, offsets, out, stride, rows, len }) {
                return;
            }
        }
        // The general passes make four rows a step (two a call where the
        // length is not unrolled), then two and one.
        let n = self.row.fp.column().taps().len();
        for (first, step) in four_two_one(rows) {
            let offsets = &offsets[first..first + n + step - 1];
            self.column_rows(lines, offsets, &mut out[first * stride..], stride, step, len);
        }
    }
    fn constant_line(&self, v: u8) -> i16 {
        let fp = self.row.fp;
        let sum: i32 = fp.row().taps().iter().map(|&q| q as i32).sum();
        fp.mid(sum * v as i32) >> self.row.line_shift
    }
}

impl<V: I16Vector, D: FixedOutput> FixedPasses<'_, V, D> {
    /// The general column pass for one, two or four rows.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column_rows(&self, lines: &[i16], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        let n = self.row.fp.column().taps().len();
        // The checks the loads and stores rely on: every line has `len`
        // elements, and there are `n + rows − 1` lines.
        assert!(
            offsets.len() == n + rows - 1
                && offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len()))
        );
        let passes = self;
        match rows {
            4 => {
                D::dispatch::<V, _>(n, ColumnCall::<V, D, 4> { passes, lines, offsets, out: rows_of(out, stride, len) })
            }
            2 => {
                D::dispatch::<V, _>(n, ColumnCall::<V, D, 2> { passes, lines, offsets, out: rows_of(out, stride, len) })
            }
            _ => {
                let out = rows_of::<D, 1>(out, stride, len);
                self.row.simd.vectorize(ColumnPass::<V, D, 1, 0, LINES, 2> { passes, lines, offsets, out });
            }
        }
    }
}

/// `R` output rows `stride` apart, `len` each (`out` holds them).
#[cfg_attr(not(debug_assertions), inline(always))]
fn rows_of<D, const R: usize>(out: &mut [D], stride: usize, len: usize) -> [&mut [D]; R] {
    assert!(len <= stride && (R - 1) * stride + len <= out.len());
    let mut rows = out.chunks_mut(stride);
    core::array::from_fn(|_| rows.next().map_or(&mut [][..], |row| &mut row[..len]))
}

#[cfg(test)]
mod tests {
    use super::i16_factors;

    #[test]
    fn i16_factors_multiply_to_the_rounding_term() {
        assert_eq!(i16_factors(0), (0, 0));
        for bits in 0..=29 {
            let (unit, weight) = i16_factors(1 << bits);
            assert_eq!(unit as i32 * weight as i32, 1 << bits, "2^{bits}");
        }
    }
}
