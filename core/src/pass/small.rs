//! The u8 passes for small-integer kernels: the recipe's bits
//! ([`crate::fixed`]) with no shuffle per tap and no `i32` lanes.
//!
//! When every quantised row tap is a small integer times one power of two,
//! `qr[i] = q[i] · 2^k` with `|q[i]|` at most a few dozen (OpenCV's 3-, 5-,
//! 7- and 9-tap Gaussian tables, binomials, Sobel and Scharr rows), the
//! recipe's intermediate is `t = round(S · 2^(k−d))` of the exact integer
//! sum `S = Σ q[i] · x[e + i]`, which fits 16 bits.
//!
//! * **Row pass by byte pairs** ([`BytePairs`]): `pmaddubsw` multiplies the
//!   bytes of an unaligned load by `i8` weights and adds adjacent pairs:
//!   from a load at `e + 2p` its lane `j` is `q[2p] · x[e+2j+2p] + q[2p+1] ·
//!   x[e+2j+2p+1]`, pair `p` of output `e + 2j`. So `⌈n/2⌉` loads give the
//!   even outputs of a block, the same loads one byte on the odd ones, and
//!   one interleaving store writes both in order. With an odd tap count the
//!   last pair is `(0, q[n−1])` loaded at `n − 2`, so no load reads past
//!   the recipe's window. With `c` interleaved channels the taps read
//!   bytes `c` apart, so pair `p` takes two loads, at `e + 2pc` and `c`
//!   later, interleaved by one unpack pair into `pmaddubsw`'s operands
//!   (outputs in order within each 128-bit lane; one lane permute a store).
//! * **Column pass in 16-bit lanes** ([`SmallColumn`]): when the column taps
//!   are small integers `c[j] · 2^k'` too and `C = Σ c[j] · line_j` fits 16
//!   bits, the output is `round(C · 2^(k' + l − D))`: `pmullw` and adds
//!   (folded for symmetric smoothing kernels), one rounding shift, the store. For it
//!   the lines hold `t / 2^l` (`S` itself where the row's rescaling is a
//!   left shift `l`), which every row path, the constant lines and the
//!   scalar edges produce alike.
//!
//! ```text
//! bytes x0 x1 x2 x3 …    even outputs: S = Σ_p maddubs(load(e + 2p))    odd: Σ_p maddubs(load(e + 1 + 2p))
//! line  = S · 2^(k−d−l) rounded (interleaved store)
//! out   = round(Σ_j c[j] · line_j · 2^(k'+l−D)), four output rows per step
//! ```
//!
//! Every bound (pair sums below `pmaddubsw`'s saturation, sums within 16
//! bits, signed or unsigned, results within `i16`) is checked when the
//! passes are made; kernels that fail any take the general passes. Both
//! run on the backends where the 16-bit
//! instructions exist ([`I16Vector::BYTE_PAIRS`]), for u8 and i16 outputs
//! (f32 outputs are scaled sums, not rounded ones).

use super::blocks::{drive, Blocks};
use super::fixed::{column_acc, line_at};
use super::four_two_one;
use crate::fixed::FixedPoint;
use crate::simd::{byte_pair, I16Vector, Op, Rescale, Simd};

/// The most pairs (16 taps).
const MAX_PAIRS: usize = 8;

/// A row kernel as byte-pair weights, when its quantised taps allow it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BytePairs {
    /// `byte_pair(q[2p], q[2p+1])`; with an odd tap count the last is `(0, q[n−1])`.
    weights: [i16; MAX_PAIRS],
    /// Where pair `p`'s load starts, from the block's first output.
    offsets: [usize; MAX_PAIRS],
    pairs: usize,
    /// From the sums `S` to the lines.
    rescale: Rescale,
    /// The smallest and largest `S`.
    sums: (i32, i32),
    /// The lines hold `t / 2^line_shift` (for the small column pass).
    line_shift: u32,
}

impl BytePairs {
    /// The byte pairs of `fp`'s row kernel, or `None` if its taps are not
    /// small integers times a power of two (or the sum could leave 16 bits).
    pub(crate) fn of(fp: &FixedPoint) -> Option<Self> {
        let taps = fp.row().taps();
        let n = taps.len();
        let k = taps.iter().filter(|&&q| q != 0).map(|q| q.trailing_zeros()).min()?;
        if n > 2 * MAX_PAIRS {
            return None;
        }
        let small = |i: usize| -> Option<i8> { i8::try_from(taps[i] >> k).ok() };
        let mut weights = [0; MAX_PAIRS];
        let mut offsets = [0; MAX_PAIRS];
        let pairs = n.div_ceil(2);
        for p in 0..pairs {
            let (a, b, at) = match (2 * p + 1 < n, n) {
                (true, _) => (small(2 * p)?, small(2 * p + 1)?, 2 * p),
                (false, 1) => (small(0)?, 0, 0),
                (false, _) => (0, small(n - 1)?, n - 2),
            };
            // `pmaddubsw` saturates each pair's sum to i16.
            if 255 * (a.unsigned_abs() as i32 + b.unsigned_abs() as i32) > i16::MAX as i32 {
                return None;
            }
            (weights[p], offsets[p]) = (byte_pair(a, b), at);
        }
        let positive: i32 = taps.iter().map(|&q| (q >> k).max(0) as i32).sum::<i32>() * 255;
        let negative: i32 = taps.iter().map(|&q| (-(q >> k) as i32).max(0)).sum::<i32>() * 255;
        let rescale = Rescale::checked(fp.mid_shift() as i64 - k as i64, (-negative as i64, positive as i64))?;
        Some(BytePairs { weights, offsets, pairs, rescale, sums: (-negative, positive), line_shift: 0 })
    }

    /// The lines' values and how far they are shifted from the recipe's
    /// `t`: `S` itself where the rescaling is a left shift, else `t`.
    fn lines(&self) -> ((i32, i32), u32) {
        match self.rescale {
            Rescale::Left(l) => (self.sums, l),
            r => ((r.apply_i32(self.sums.0), r.apply_i32(self.sums.1)), 0),
        }
    }

    /// The same pass writing `t / 2^line_shift`.
    pub(crate) fn with_line_shift(self, line_shift: u32) -> Self {
        let rescale = match self.rescale {
            Rescale::Left(l) => Rescale::Left(l - line_shift),
            r => r,
        };
        BytePairs { rescale, line_shift, ..self }
    }

    /// The row pass: `out[e] = t(Σ_i qr[i] · input[e + i·step])`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn row<V: I16Vector>(
        &self,
        simd: V::Token,
        fp: &FixedPoint,
        input: &[u8],
        out: &mut [i16],
        step: usize,
    ) {
        if step > 1 {
            return self.strided_row::<V>(simd, fp, input, out, step);
        }
        let call = RowPass::<V, 0, false> { pairs: self, simd, fp, input, out };
        // The lines are the sums themselves for the small column pass: the
        // 3- to 9-tap copies without the rescaling.
        match (self.pairs, self.rescale == Rescale::Left(0)) {
            (2, true) => simd.vectorize(call.with::<2, true>()),
            (3, true) => simd.vectorize(call.with::<3, true>()),
            (4, true) => simd.vectorize(call.with::<4, true>()),
            (5, true) => simd.vectorize(call.with::<5, true>()),
            (1, _) => simd.vectorize(call.with::<1, false>()),
            (2, _) => simd.vectorize(call.with::<2, false>()),
            (3, _) => simd.vectorize(call.with::<3, false>()),
            (4, _) => simd.vectorize(call.with::<4, false>()),
            (5, _) => simd.vectorize(call.with::<5, false>()),
            (6, _) => simd.vectorize(call.with::<6, false>()),
            (7, _) => simd.vectorize(call.with::<7, false>()),
            _ => simd.vectorize(call.with::<8, false>()),
        }
    }
}

impl BytePairs {
    /// The row pass over interleaved channels (`step` of them): pair `p`
    /// multiplies two byte streams, `step` apart, interleaved by unpacks.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn strided_row<V: I16Vector>(&self, simd: V::Token, fp: &FixedPoint, input: &[u8], out: &mut [i16], step: usize) {
        let call = StridedPass::<V, 0> { pairs: self, simd, fp, input, out, step };
        match self.pairs {
            1 => simd.vectorize(call.with::<1>()),
            2 => simd.vectorize(call.with::<2>()),
            3 => simd.vectorize(call.with::<3>()),
            4 => simd.vectorize(call.with::<4>()),
            5 => simd.vectorize(call.with::<5>()),
            6 => simd.vectorize(call.with::<6>()),
            7 => simd.vectorize(call.with::<7>()),
            _ => simd.vectorize(call.with::<8>()),
        }
    }
}

/// The strided byte-pair row pass with `P` pairs, as an op of its own.
struct StridedPass<'a, V: I16Vector, const P: usize> {
    pairs: &'a BytePairs,
    simd: V::Token,
    fp: &'a FixedPoint,
    input: &'a [u8],
    out: &'a mut [i16],
    step: usize,
}

impl<'a, V: I16Vector> StridedPass<'a, V, 0> {
    /// The same call with `P` pairs.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn with<const P: usize>(self) -> StridedPass<'a, V, P> {
        let StridedPass { pairs, simd, fp, input, out, step } = self;
        StridedPass { pairs, simd, fp, input, out, step }
    }
}

impl<V: I16Vector, const P: usize> Op for StridedPass<'_, V, P> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let StridedPass { pairs, simd, fp, input, out, step } = self;
        let len = out.len();
        let n = fp.row().taps().len();
        // The one check the loads rely on: pair p reads 2·LANES bytes from
        // e + offsets[p]·step and from `step` later (from the same place for
        // one tap), which end by e + 2·LANES + (n − 1)·step.
        assert!(pairs.pairs == P && n >= 1 && input.len() >= len + (n - 1) * step);
        let second = if n > 1 { step } else { 0 };
        let mut from = [(0, 0); MAX_PAIRS];
        for (f, &o) in from.iter_mut().zip(&pairs.offsets) {
            *f = (o * step, o * step + second);
        }
        let mut blocks = StridedBlocks::<V, P> {
            weights: pairs.weights,
            from,
            rescale: pairs.rescale,
            line_shift: pairs.line_shift,
            step,
            simd,
            fp,
            input,
            dst: out.as_mut_ptr(),
        };
        drive::<_, 1>(&mut blocks, 0..len, true);
    }
}

/// Blocks of `2·LANES` outputs (`input` and `dst` checked by [`StridedPass::run`]).
struct StridedBlocks<'a, V: I16Vector, const P: usize> {
    weights: [i16; MAX_PAIRS],
    /// Where pair `p`'s two streams start, from the block's first output.
    from: [(usize, usize); MAX_PAIRS],
    rescale: Rescale,
    line_shift: u32,
    step: usize,
    simd: V::Token,
    fp: &'a FixedPoint,
    input: &'a [u8],
    dst: *mut i16,
}

impl<V: I16Vector, const P: usize> Blocks for StridedBlocks<'_, V, P> {
    const LANES: usize = 2 * V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let src = self.input.as_ptr();
        // SAFETY: the driver keeps e + 2·LANES ≤ len, and `input` holds
        // len + (n − 1)·step bytes (checked in `run`): every stream starts by
        // e + (n − 1)·step and reads 2·LANES bytes. The store writes 2·LANES
        // i16s from `e`, within `out`.
        unsafe {
            let (a, b) = self.from[0];
            let (mut first, mut second) = V::madd_streams(self.simd, src.add(e + a), src.add(e + b), self.weights[0]);
            for p in 1..P {
                let (a, b) = self.from[p];
                let (f, s) = V::madd_streams(self.simd, src.add(e + a), src.add(e + b), self.weights[p]);
                (first, second) = (first.add(f), second.add(s));
            }
            let (first, second) = (first.rescale(self.simd, self.rescale), second.rescale(self.simd, self.rescale));
            V::store_halves(first, second, self.dst.add(e));
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let value = line_at(self.fp, self.input, k, self.step, self.line_shift);
        // SAFETY: the driver calls `one` for k < len, the length of the output.
        unsafe { self.dst.add(k).write(value) };
    }
}

/// The byte-pair row pass with `P` pairs (`SUMS`: the lines are the sums,
/// no rescaling), as an op of its own (out of line on x86).
struct RowPass<'a, V: I16Vector, const P: usize, const SUMS: bool> {
    pairs: &'a BytePairs,
    simd: V::Token,
    fp: &'a FixedPoint,
    input: &'a [u8],
    out: &'a mut [i16],
}

impl<'a, V: I16Vector> RowPass<'a, V, 0, false> {
    /// The same call with `P` pairs.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn with<const P: usize, const SUMS: bool>(self) -> RowPass<'a, V, P, SUMS> {
        let RowPass { pairs, simd, fp, input, out } = self;
        RowPass { pairs, simd, fp, input, out }
    }
}

impl<V: I16Vector, const P: usize, const SUMS: bool> Op for RowPass<'_, V, P, SUMS> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let RowPass { pairs, simd, fp, input, out } = self;
        let len = out.len();
        let n = fp.row().taps().len();
        // The one check the loads rely on: pair p reads 2·LANES bytes from
        // e + parity + offsets[p] ≤ e + n − 1, which ends by e + 2·LANES + n − 2.
        assert!(pairs.pairs == P && n >= 1 && input.len() >= len + n - 1);
        // Local copies, kept in registers (behind a reference they are
        // reloaded after every store, which might alias them).
        let mut blocks = PairBlocks::<V, P, SUMS> {
            weights: pairs.weights,
            offsets: pairs.offsets,
            rescale: pairs.rescale,
            line_shift: pairs.line_shift,
            simd,
            fp,
            input,
            dst: out.as_mut_ptr(),
        };
        drive::<_, 2>(&mut blocks, 0..len, true);
    }
}

/// Blocks of `2·LANES` outputs (`input` and `dst` checked by [`RowPass::run`]).
struct PairBlocks<'a, V: I16Vector, const P: usize, const SUMS: bool> {
    weights: [i16; MAX_PAIRS],
    offsets: [usize; MAX_PAIRS],
    rescale: Rescale,
    line_shift: u32,
    simd: V::Token,
    fp: &'a FixedPoint,
    input: &'a [u8],
    dst: *mut i16,
}

impl<V: I16Vector, const P: usize, const SUMS: bool> PairBlocks<'_, V, P, SUMS> {
    /// `LANES` outputs of one parity at `e + parity, e + parity + 2, …`.
    ///
    /// # Safety
    ///
    /// `e + 2·LANES + n − 1` bytes of `input` exist.
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn half(&self, e: usize) -> V {
        let src = self.input.as_ptr();
        // SAFETY: offsets[p] ≤ n − 2 (or 0 for one tap) and e counts the
        // parity, so each load of 2·LANES bytes ends by e + 2·LANES + n − 1
        // (the caller's bound).
        unsafe {
            let mut acc = V::madd_bytes(self.simd, src.add(e + self.offsets[0]), self.weights[0]);
            for p in 1..P {
                acc = acc.add(V::madd_bytes(self.simd, src.add(e + self.offsets[p]), self.weights[p]));
            }
            if SUMS {
                acc
            } else {
                acc.rescale(self.simd, self.rescale)
            }
        }
    }
}

impl<V: I16Vector, const P: usize, const SUMS: bool> Blocks for PairBlocks<'_, V, P, SUMS> {
    const LANES: usize = 2 * V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        for u in 0..U {
            let at = e + u * Self::LANES;
            // SAFETY: the driver keeps at + 2·LANES ≤ len, and `input` holds
            // len + n − 1 bytes (checked in `run`): the odd half's loads, one
            // byte on, end by at + 2·LANES + n − 2 < len + n − 1. The store
            // writes 2·LANES i16s from `at`, within `out`.
            unsafe {
                let (even, odd) = (self.half(at), self.half(at + 1));
                V::store_pairs(even, odd, self.dst.add(at));
            }
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let value = line_at(self.fp, self.input, k, 1, self.line_shift);
        // SAFETY: the driver calls `one` for k < len, the length of the output.
        unsafe { self.dst.add(k).write(value) };
    }
}

/// The most column taps of the small column pass.
const MAX_COLUMN: usize = 16;

/// A column kernel of small integers over lines of small sums: the column
/// pass in 16-bit lanes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SmallColumn {
    /// `c[j]`: the quantised taps over their common power of two.
    weights: [i16; MAX_COLUMN],
    taps: usize,
    symmetric: bool,
    /// From the sums `C` to the outputs.
    rescale: Rescale,
    /// The lines hold `t / 2^line_shift`.
    line_shift: u32,
}

impl SmallColumn {
    /// The small column pass of `fp` over the lines `row` writes, or `None`
    /// if a column sum could leave 16 bits (or an output `i16`).
    pub(crate) fn of(fp: &FixedPoint, row: &BytePairs) -> Option<Self> {
        let taps = fp.column().taps();
        let n = taps.len();
        let k = taps.iter().filter(|&&q| q != 0).map(|q| q.trailing_zeros()).min()?;
        if n > MAX_COLUMN {
            return None;
        }
        let ((lo, hi), line_shift) = row.lines();
        let mut weights = [0; MAX_COLUMN];
        let (mut least, mut most) = (0i64, 0i64);
        for (w, &q) in weights.iter_mut().zip(taps) {
            *w = q >> k;
            let (a, b) = (*w as i64 * lo as i64, *w as i64 * hi as i64);
            (least, most) = (least + a.min(b), most + a.max(b));
        }
        let rescale = Rescale::checked(fp.out_shift() as i64 - k as i64 - line_shift as i64, (least, most))?;
        let symmetric = (0..n / 2).all(|j| weights[j] == weights[n - 1 - j]);
        Some(SmallColumn { weights, taps: n, symmetric, rescale, line_shift })
    }

    /// How far the lines are shifted from the recipe's `t`.
    pub(crate) fn line_shift(&self) -> u32 {
        self.line_shift
    }

    /// The column pass over `rows`: four output rows a step (`n + 3`
    /// loads), then two and one.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn column<V: I16Vector, D: SmallOutput>(
        &self,
        simd: V::Token,
        fp: &FixedPoint,
        rows: ColumnRows<'_, D>,
    ) {
        let ColumnRows { lines, offsets, out, stride, rows, len } = rows;
        // Smoothing kernels (symmetric, non-negative sums) of 3 to 9 taps
        // have copies with those known; any other runs the general loop.
        let smoothing = self.symmetric && matches!(self.rescale, Rescale::Unsigned(_));
        let n = self.taps;
        for (first, step) in four_two_one(rows) {
            let call = ColumnPass::<V, D, 4, 0> {
                column: self,
                simd,
                fp,
                lines,
                offsets: &offsets[first..first + n + step - 1],
                out: &mut out[first * stride..],
                stride,
                len,
            };
            match (step, n, smoothing) {
                (4, 3, true) => simd.vectorize(call.with::<4, 3>()),
                (4, 5, true) => simd.vectorize(call.with::<4, 5>()),
                (4, 7, true) => simd.vectorize(call.with::<4, 7>()),
                (4, 9, true) => simd.vectorize(call.with::<4, 9>()),
                (4, _, _) => simd.vectorize(call),
                (2, 3, true) => simd.vectorize(call.with::<2, 3>()),
                (2, 5, true) => simd.vectorize(call.with::<2, 5>()),
                (2, 7, true) => simd.vectorize(call.with::<2, 7>()),
                (2, 9, true) => simd.vectorize(call.with::<2, 9>()),
                (2, _, _) => simd.vectorize(call.with::<2, 0>()),
                _ => simd.vectorize(call.with::<1, 0>()),
            }
        }
    }
}

/// A column pass's operands: `rows` output rows `stride` apart in `out`,
/// `len` outputs each, from the lines at `offsets` (`n + rows − 1` of them).
pub(crate) struct ColumnRows<'a, D> {
    pub lines: &'a [i16],
    pub offsets: &'a [usize],
    pub out: &'a mut [D],
    pub stride: usize,
    pub rows: usize,
    pub len: usize,
}

/// The outputs the small column pass stores: rounded ones (u8, i16).
pub(crate) trait SmallOutput: Copy {
    /// `LANES` outputs from `i16` lanes (u8: clamped to `0..=255`).
    ///
    /// # Safety
    ///
    /// `LANES` elements at `dst` are writable.
    unsafe fn store_lanes<V: I16Vector>(v: V, dst: *mut Self);
    /// The recipe's output of a column sum.
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self;
}

impl SmallOutput for u8 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_lanes<V: I16Vector>(v: V, dst: *mut u8) {
        // SAFETY: the caller guarantees LANES writable bytes.
        unsafe { v.store_u8(dst) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_u8(acc)
    }
}

impl SmallOutput for i16 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_lanes<V: I16Vector>(v: V, dst: *mut i16) {
        // SAFETY: the caller guarantees LANES writable i16s.
        unsafe { v.store_i16(dst) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_i16(acc)
    }
}

/// The small column pass for `ROWS` output rows and `N` taps (0: any kernel;
/// else a smoothing kernel of `N` taps), as an op of its own.
struct ColumnPass<'a, V: I16Vector, D, const ROWS: usize, const N: usize> {
    column: &'a SmallColumn,
    simd: V::Token,
    fp: &'a FixedPoint,
    lines: &'a [i16],
    offsets: &'a [usize],
    /// `ROWS` rows `stride` apart.
    out: &'a mut [D],
    stride: usize,
    len: usize,
}

impl<'a, V: I16Vector, D> ColumnPass<'a, V, D, 4, 0> {
    /// The same call for `ROWS` rows and `N` taps.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn with<const ROWS: usize, const N: usize>(self) -> ColumnPass<'a, V, D, ROWS, N> {
        let ColumnPass { column, simd, fp, lines, offsets, out, stride, len } = self;
        ColumnPass { column, simd, fp, lines, offsets, out, stride, len }
    }
}

impl<V: I16Vector, D: SmallOutput, const ROWS: usize, const N: usize> Op for ColumnPass<'_, V, D, ROWS, N> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let ColumnPass { column, simd, fp, lines, offsets, out, stride, len } = self;
        let n = column.taps;
        // The checks the loads and stores rely on: every line has `len`
        // elements, and `out` holds `ROWS` rows of `len`, `stride` apart.
        assert!(
            (N == 0 || N == n)
                && offsets.len() == n + ROWS - 1
                && offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len()))
                && len <= stride
                && (ROWS - 1) * stride + len <= out.len()
        );
        let mut line = [core::ptr::null(); MAX_COLUMN + 3];
        for (l, &o) in line.iter_mut().zip(offsets) {
            *l = lines.as_ptr().wrapping_add(o);
        }
        let mut weights = [V::splat(simd, 0); MAX_COLUMN];
        for (w, &c) in weights.iter_mut().zip(&column.weights) {
            *w = V::splat(simd, c);
        }
        let dst = out.as_mut_ptr();
        let mut blocks = ColumnBlocks::<V, D, ROWS, N> {
            simd,
            fp,
            lines,
            offsets,
            line,
            weights,
            rescale: column.rescale,
            shift: match column.rescale {
                Rescale::Unsigned(s) => s,
                _ => 1,
            },
            line_shift: column.line_shift,
            taps: n,
            dst,
            stride,
        };
        drive::<_, 2>(&mut blocks, 0..len, true);
    }
}

/// Blocks of `LANES` outputs in `ROWS` rows (checked by [`ColumnPass::run`]).
struct ColumnBlocks<'a, V: I16Vector, D, const ROWS: usize, const N: usize> {
    simd: V::Token,
    fp: &'a FixedPoint,
    lines: &'a [i16],
    offsets: &'a [usize],
    line: [*const i16; MAX_COLUMN + 3],
    weights: [V; MAX_COLUMN],
    rescale: Rescale,
    /// The shift of an `Unsigned` rescaling (what the smoothing copies use).
    shift: u32,
    line_shift: u32,
    taps: usize,
    /// Output row `r` starts at `dst + r·stride`.
    dst: *mut D,
    stride: usize,
}

impl<V: I16Vector, D: SmallOutput, const ROWS: usize, const N: usize> ColumnBlocks<'_, V, D, ROWS, N> {
    /// The column sum of one output row from its lines `l`, for the
    /// smoothing copies (`N` taps, symmetric, `Unsigned` rescaling).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sum(&self, l: &[V]) -> V {
        let mut acc = V::splat(self.simd, 0);
        for j in 0..N / 2 {
            acc = acc.add(l[j].add(l[N - 1 - j]).mul_low(self.simd, self.weights[j]));
        }
        if N % 2 == 1 {
            acc = acc.add(l[N / 2].mul_low(self.simd, self.weights[N / 2]));
        }
        acc.rescale(self.simd, Rescale::Unsigned(self.shift))
    }
}

impl<V: I16Vector, D: SmallOutput, const ROWS: usize, const N: usize> Blocks for ColumnBlocks<'_, V, D, ROWS, N> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let n = if N == 0 { self.taps } else { N };
        let lanes = V::LANES;
        for u in 0..U {
            let at = e + u * lanes;
            let mut sums = [V::splat(self.simd, 0); 4];
            if N == 0 {
                // Any kernel: each line once, into the rows it serves. The
                // sums are exact 16-bit integers (checked when the pass is
                // made), so unfolded wrapping sums give the folded ones' bits.
                for (j, &p) in self.line.iter().enumerate().take(n + ROWS - 1) {
                    // SAFETY: the driver keeps at + LANES ≤ len, and every
                    // line has `len` elements (checked in `run`).
                    let v = unsafe { V::load_i16(self.simd, p.add(at)) };
                    for (r, sum) in sums.iter_mut().enumerate().take(ROWS) {
                        if let Some(&w) = j.checked_sub(r).and_then(|i| self.weights[..n].get(i)) {
                            *sum = sum.add(v.mul_low(self.simd, w));
                        }
                    }
                }
                for sum in sums.iter_mut().take(ROWS) {
                    *sum = sum.rescale(self.simd, self.rescale);
                }
            } else {
                // Every line once, for all the rows, before any is stored.
                let mut l = [V::splat(self.simd, 0); MAX_COLUMN + 3];
                for (v, &p) in l.iter_mut().zip(&self.line).take(n + ROWS - 1) {
                    // SAFETY: as above.
                    *v = unsafe { V::load_i16(self.simd, p.add(at)) };
                }
                for (r, sum) in sums.iter_mut().enumerate().take(ROWS) {
                    *sum = self.sum(&l[r..r + n]);
                }
            }
            for (r, &sum) in sums.iter().enumerate().take(ROWS) {
                // SAFETY: row r < ROWS starts at r·stride and holds `len`
                // ≥ at + LANES elements (checked in `run`).
                unsafe { D::store_lanes(sum, self.dst.add(r * self.stride + at)) };
            }
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let n = self.taps;
        let taps = self.fp.column().taps();
        for r in 0..ROWS {
            // The recipe's sum over `t = line · 2^line_shift`, exact in i32
            // (the recipe's headroom).
            let acc = column_acc(taps, self.lines, &self.offsets[r..r + n], k) << self.line_shift;
            // SAFETY: the driver calls `one` for k < len; row r < ROWS
            // starts at r·stride (checked in `run`).
            unsafe { self.dst.add(r * self.stride + k).write(D::from_fixed(self.fp, acc)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BytePairs;
    use crate::fixed::FixedPoint;
    use crate::kernel::Kernel;
    use crate::simd::{Scalar, Simd};

    /// Kernels whose quantised rows are small integers times a power of two.
    const DYADIC: &[&[f32]] = &[
        &[0.25, 0.5, 0.25],
        &[0.0625, 0.25, 0.375, 0.25, 0.0625],
        &[0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
        &[
            4.0 / 256.0,
            13.0 / 256.0,
            30.0 / 256.0,
            51.0 / 256.0,
            60.0 / 256.0,
            51.0 / 256.0,
            30.0 / 256.0,
            13.0 / 256.0,
            4.0 / 256.0,
        ],
        &[-1.0, 0.0, 1.0],
        &[-1.0, 2.0, -1.0],
        &[1.0],
        &[0.5, 0.5],
        &[-3.0, 0.0, 3.0],
    ];

    /// The byte-pair arithmetic, lane by lane (the trait's default methods
    /// on the scalar backend), against the recipe on every input pattern.
    #[test]
    fn byte_pairs_give_the_recipes_intermediates() {
        let column = Kernel::new(&[1.0]).unwrap();
        for taps in DYADIC {
            let row = Kernel::new(taps).unwrap();
            let fp = FixedPoint::new(&row, &column).unwrap();
            let pairs = BytePairs::of(&fp).unwrap_or_else(|| panic!("{taps:?} has byte pairs"));
            let n = taps.len();
            let mut state = 0x9e37_79b9u32;
            for pattern in 0..4 {
                let mut input = [0u8; 80];
                for (i, x) in input.iter_mut().enumerate() {
                    *x = match pattern {
                        0 => 255,
                        1 => (i % 2 * 255) as u8,
                        _ => {
                            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                            (state >> 24) as u8
                        }
                    };
                }
                // One channel (byte pairs) and interleaved channels (streams).
                for step in 1..=4 {
                    let mut out = [0i16; 41];
                    let len = out.len().min(input.len() - (n - 1) * step);
                    let out = &mut out[..len];
                    let input = &input[..len + (n - 1) * step];
                    pairs.row::<<Scalar as Simd>::I16>(Scalar, &fp, input, out, step);
                    for (e, &t) in out.iter().enumerate() {
                        assert_eq!(t, super::line_at(&fp, input, e, step, 0), "{taps:?} at {e}, step {step}");
                    }
                }
            }
        }
    }

    #[test]
    fn computed_gaussians_have_no_byte_pairs() {
        let mut taps = [0f32; 15];
        let g = crate::generate::gaussian(15, 2.6, &mut taps).unwrap();
        let k = Kernel::new(g).unwrap();
        assert!(BytePairs::of(&FixedPoint::new(&k, &k).unwrap()).is_none());
    }
}
