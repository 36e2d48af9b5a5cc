//! The u8 fixed-point passes: integer arithmetic exactly as the recipe in
//! [`crate::fixed`] defines it, scalar ([`FixedScalar`]) and generic over
//! [`FixedVector`] ([`FixedSimd`]). Integer sums are exact in any order, so
//! the vector passes may fold symmetric taps and pair taps for `pmaddwd`
//! and still give the scalar bits.
//!
//! * Row pass: `LANES` outputs per block; the `n` samples (or the `⌈n/2⌉`
//!   folded sums `x_i ± x_{n−1−i}`, at most 510 in magnitude) are taken two at
//!   a time, interleaved and multiplied with a pair of taps into `i32`
//!   (`pmaddwd`): `⌈n/2⌉` (folded: `⌈n/4⌉`) multiply-adds per block. Then the
//!   recipe's rounding shift and a saturating pack to the `i16` line.
//! * Column pass: lines two at a time, the same way (no folding: two
//!   intermediates can exceed `i16`), then the final rounding and
//!   saturation to u8/i16, or the scaling to f32. Two output rows per step
//!   share both the loads and the interleaving: rows `y` and `y + 1` use the
//!   same line pairs `(0,1), (2,3), …` with weight pairs `(c0,c1), (c2,c3), …`
//!   and `(0,c0), (c1,c2), …`. Weight pairs are packed once per call and
//!   broadcast from memory.
//!
//! What limits speed: shuffles. On x86 every zero-extending load
//! (`vpmovzxbw`), interleave (`vpunpck*wd`) and pack (`vpack*`) is a uop on
//! the one shuffle port (port 5 on Intel). For a symmetric 5-tap kernel a
//! row block of `LANES` (16 on AVX2) outputs costs 5 loads + 4 unpacks + 1
//! pack = 10 shuffles, and a two-row column block of `2·LANES` outputs 6
//! unpacks + 2 × 3 for the u8 stores = 12: about 1 shuffle a pixel on AVX2,
//! against about 1.9 other vector uops (multiply-adds, adds, shifts) that
//! can share two or three ports, so the shuffle port is the first to fill
//! (15 taps: about 2 shuffles a pixel). AVX-512BW halves every count per
//! pixel (32 lanes).
//! Ways to lower it, not yet taken: build the `(x_k, x_{k+1})` pairs of the
//! row pass with one `pshufb` of a broadcast load instead of two zero
//! extensions and two unpacks; keep ring lines paired (`2t`, `2t+1`
//! interleaved, written two at a time by the row pass), so the column pass
//! loads pairs ready for `pmaddwd`.
//!
//! Loop overhead comes before the shuffles, though. Generic loops (any tap
//! count) reload weights and line offsets, bounds-check `offsets` and, on
//! AVX2, spill accumulators: 6.8 instructions a pixel for u8 1920×1080 at 5
//! taps, against ~3 of vector work (at a6fc061; `valgrind --tool=callgrind
//! --toggle-collect='*filter_band*'` on a binary calling `Plan::filter`,
//! backend avx2). So on the backends that
//! set [`FixedVector::SPECIALISE`] (AVX2, AVX-512) the common lengths get
//! unrolled copies: symmetric rows and two-row columns of every odd length
//! from 3 to 15 taps (const `N`), accumulators seeded with the rounding term,
//! one column block of accumulators live (no spills on AVX2), and the
//! column's line pointers, weights and final shift copied into locals
//! ([`ColumnLines`]) — behind `&self` the compiler reloaded them after every
//! u8 store, which might alias them as far as it can tell. Result: 4.4
//! instructions a pixel (same measurement).
//!
//! A row with an odd number of terms (5, 9, 13 taps folded: two, four, six
//! folded sums and the middle sample) leaves the last `pmaddwd` pair half
//! empty; the rounding term rides there, `(x_mid, unit) · (q_mid, 2^(d−1) / unit)`,
//! and the unrolled copies start from the first product instead of adding
//! a seed: 4 fewer vector adds per 32 outputs on AVX2. Callgrind as above:
//! u8 1920×1080 5 taps 8.83 M → 8.57 M instructions, RGBA 9 taps 48.6 M →
//! 47.5 M. Wall time moved within the noise (alternating binaries, medians
//! of 40 filters: 5 taps ×1.03 over 14 rounds, RGBA ×1.01 over 16; on an
//! Intel Xeon with AVX-512, `report --json --workload u8-1080p-5 --workload
//! rgba8-1080p-9`, five alternating rounds: ×0.97 and ×0.99): the adds were
//! not on the busiest pipes.
//!
//! Each pass call runs through [`FixedVector::run`], which on those backends
//! is a `#[target_feature]` function of its own per pass, output type and
//! length. Inlined into one entry point per backend instead (59a2adc,
//! reverted), the copies made a function LLVM took minutes to compile. As
//! separate functions, a small binary's release build (`cargo clean
//! --release -p sepconv-core -p sepconv && cargo build --release`) takes 62 s,
//! against 108 s for the generic passes alone in one function.
//!
//! Longer or asymmetric kernels take the generic loops (two blocks a step,
//! sharing each line's loads of pointer and weights). The recipe's sum
//! correction keeps a symmetric kernel's quantised taps symmetric (see
//! [`crate::fixed`]), so every odd-length Gaussian's row folds.

use core::marker::PhantomData;

use crate::fixed::FixedPoint;
use crate::kernel::MAX_TAPS;
use crate::plan::{Output, Pipeline};
use crate::simd::{pair, FixedVector, Pass};

use super::row::Fold;
use super::Passes;

/// `Σ qr[i] · input[e + i·step]`, exact in i32 (the recipe's headroom).
#[inline(always)]
pub(crate) fn row_acc(taps: &[i16], input: &[u8], e: usize, step: usize) -> i32 {
    taps.iter().enumerate().map(|(i, &q)| q as i32 * input[e + i * step] as i32).sum()
}

/// `Σ qc[j] · lines[offsets[j] + e]`, exact in i32.
#[inline(always)]
pub(crate) fn column_acc(taps: &[i16], lines: &[i16], offsets: &[usize], e: usize) -> i32 {
    taps.iter().zip(offsets).map(|(&q, &o)| q as i32 * lines[o + e] as i32).sum()
}

/// The scalar u8 passes with output type `D`.
pub(crate) struct FixedScalar<'p, D> {
    pub fp: &'p FixedPoint,
    pub _out: core::marker::PhantomData<D>,
}

impl<D: Output<u8>> Passes for FixedScalar<'_, D> {
    type Src = u8;
    type Mid = i16;
    type Dst = D;
    #[inline(always)]
    fn row(&self, input: &[u8], out: &mut [i16], step: usize) {
        let taps = self.fp.row().taps();
        for (e, o) in out.iter_mut().enumerate() {
            *o = self.fp.mid(row_acc(taps, input, e, step));
        }
    }
    #[inline(always)]
    fn column(&self, lines: &[i16], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        let (out0, out1) = super::split_rows(out, stride, rows, len);
        let taps = self.fp.column().taps();
        for (e, o) in out0.iter_mut().enumerate() {
            *o = D::from_fixed(self.fp, column_acc(taps, lines, offsets, e));
        }
        if let Some(out1) = out1 {
            for (e, o) in out1.iter_mut().enumerate() {
                *o = D::from_fixed(self.fp, column_acc(taps, lines, &offsets[1..], e));
            }
        }
    }
    fn constant_line(&self, v: u8) -> i16 {
        let sum: i32 = self.fp.row().taps().iter().map(|&q| q as i32).sum();
        self.fp.mid(sum * v as i32)
    }
}

/// Weight pairs for `pmaddwd`, packed once per filter call.
const PAIRS: usize = MAX_TAPS / 2 + 1;

/// Lines a column call reads at most: the taps, plus one for two output rows.
const LINES: usize = MAX_TAPS + 1;

/// The u8 passes on vector type `V` with output type `D`.
pub(crate) struct FixedSimd<'p, V, D> {
    fp: &'p FixedPoint,
    row_fold: Fold,
    /// Row taps.
    row_taps: usize,
    /// Weight pairs of the row terms (samples or folded sums); with an odd
    /// number of terms, the last pair's free half weighs the rounding term.
    row_pairs: [i32; PAIRS],
    /// The row's rounding term `2^(d−1)` (0 when `d = 0`): the accumulators'
    /// start when the terms pair up evenly.
    mid_half: i32,
    /// With an odd number of terms, the constant lane beside the last term:
    /// `row_unit · weight = mid_half` for the weight in that pair.
    row_unit: i16,
    /// Column weight pairs for row `y` (`(c0,c1), (c2,c3), …`) and row `y + 1`
    /// (`(0,c0), (c1,c2), …`) over the line pairs `(0,1), (2,3), …`.
    column_pairs: [[i32; PAIRS]; 2],
    out_half: i32,
    _types: PhantomData<(V, D)>,
}

impl<'p, V: FixedVector, D: Output<u8>> FixedSimd<'p, V, D> {
    #[inline(always)]
    pub(crate) fn new(fp: &'p FixedPoint) -> Self {
        let half = |shift: u32| if shift == 0 { 0 } else { 1 << (shift - 1) };
        let row = fp.row().taps();
        let row_fold = Fold::of_fixed(row);
        // Terms: all taps, or the folded half then (Even, n odd) the middle:
        // in both cases taps 0..row_terms in order.
        let row_terms = match row_fold {
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
        let mut row_unit = 0;
        if row_terms % 2 == 1 {
            let (unit, weight) = i16_factors(mid_half);
            row_pairs[row_terms / 2] = pair(row[row_terms - 1], weight);
            row_unit = unit;
        }
        let col = fp.column().taps();
        let mut column_pairs = [[0; PAIRS]; 2];
        let [this_row, next_row] = &mut column_pairs;
        for (p, (this, next)) in this_row.iter_mut().zip(next_row.iter_mut()).enumerate() {
            let j = 2 * p as isize;
            *this = pair(tap(col, j), tap(col, j + 1));
            *next = pair(tap(col, j - 1), tap(col, j));
        }
        FixedSimd {
            fp,
            row_fold,
            row_taps: row.len(),
            row_pairs,
            mid_half,
            row_unit,
            column_pairs,
            out_half: half(fp.out_shift()),
            _types: PhantomData,
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
#[inline(always)]
unsafe fn row_term<V: FixedVector, const FOLD: u8>(src: *const u8, e: usize, step: usize, n: usize, k: usize) -> V {
    // SAFETY: k and n − 1 − k are taps, so every read ends by e + LANES + (n − 1)·step.
    unsafe {
        let x = V::load_u8(src.add(e + k * step));
        match FOLD {
            0 => x,
            1 => x.add(V::load_u8(src.add(e + (n - 1 - k) * step))),
            _ => x.sub(V::load_u8(src.add(e + (n - 1 - k) * step))),
        }
    }
}

impl<V: FixedVector, D: Output<u8>> FixedSimd<'_, V, D> {
    /// `U` row blocks: `U · LANES` intermediates at `e`.
    ///
    /// Terms are taken in pairs; with folding, the terms are the `n/2`
    /// folded sums, then the middle sample when `n` is odd (`Even` only).
    ///
    /// # Safety
    ///
    /// `e + U·LANES + (n − 1)·step` bytes from `src` are readable;
    /// `e + U·LANES` elements from `dst` are writable.
    #[inline(always)]
    unsafe fn row_block<const FOLD: u8, const U: usize, const N: usize>(
        &self,
        src: *const u8,
        dst: *mut i16,
        e: usize,
        step: usize,
    ) {
        // `N` taps when specialised (the loops unroll), else any.
        let n = if N == 0 { self.row_taps } else { N };
        let lanes = V::LANES;
        let (paired, middle) = match FOLD {
            0 => (n, false),
            1 => (n / 2, n % 2 == 1),
            _ => (n / 2, false),
        };
        // An odd number of terms: the last pair adds the rounding term
        // (`FixedSimd::new`); for the unrolled lengths the seed is then a
        // constant 0, and adding it disappears.
        let seed = V::splat_wide(if (paired + middle as usize).is_multiple_of(2) { self.mid_half } else { 0 });
        let unit = V::splat(self.row_unit);
        let mut acc = [(seed, seed); U];
        for p in 0..paired / 2 {
            let w = self.row_pairs[p];
            for (u, acc) in acc.iter_mut().enumerate() {
                let at = e + u * lanes;
                // SAFETY: at + LANES ≤ e + U·LANES and 2p + 1 < paired ≤ n, so
                // `row_term`'s reads end within this function's readable range.
                let (a, b) = unsafe {
                    (row_term::<V, FOLD>(src, at, step, n, 2 * p), row_term::<V, FOLD>(src, at, step, n, 2 * p + 1))
                };
                *acc = V::madd(V::interleave(a, b), w, *acc);
            }
        }
        if paired % 2 == 1 || middle {
            let w = self.row_pairs[paired / 2];
            for (u, acc) in acc.iter_mut().enumerate() {
                let at = e + u * lanes;
                // SAFETY: as for the pairs above: `paired − 1` and the middle
                // tap n/2 are taps, so every read ends by at + LANES + (n − 1)·step.
                let (a, b) = unsafe {
                    match (paired % 2 == 1, middle) {
                        (true, true) => {
                            (row_term::<V, FOLD>(src, at, step, n, paired - 1), V::load_u8(src.add(at + n / 2 * step)))
                        }
                        (true, false) => (row_term::<V, FOLD>(src, at, step, n, paired - 1), unit),
                        _ => (V::load_u8(src.add(at + n / 2 * step)), unit),
                    }
                };
                *acc = V::madd(V::interleave(a, b), w, *acc);
            }
        }
        let shift = self.fp.mid_shift();
        for (u, acc) in acc.into_iter().enumerate() {
            let t = V::pack((V::shift_right(acc.0, shift), V::shift_right(acc.1, shift)));
            // SAFETY: e + (u + 1)·LANES ≤ e + U·LANES elements from `dst` are
            // writable (function contract).
            unsafe { t.store_i16(dst.add(e + u * lanes)) };
        }
    }

    #[inline(always)]
    fn row_pass<const FOLD: u8, const N: usize>(&self, input: &[u8], out: &mut [i16], step: usize) {
        let taps = self.fp.row().taps();
        let len = out.len();
        let n = taps.len();
        // The one check the loads below rely on (and, specialised, the taps' count).
        assert!(n >= 1 && input.len() >= len + (n - 1) * step && (N == 0 || n == N));
        let lanes = V::LANES;
        let (src, dst) = (input.as_ptr(), out.as_mut_ptr());
        let mut e = 0;
        while e + 2 * lanes <= len {
            // SAFETY: e + 2·lanes ≤ len and `input` is long enough (asserted).
            unsafe { self.row_block::<FOLD, 2, N>(src, dst, e, step) };
            e += 2 * lanes;
        }
        while e + lanes <= len {
            // SAFETY: e + lanes ≤ len and `input` is long enough (asserted).
            unsafe { self.row_block::<FOLD, 1, N>(src, dst, e, step) };
            e += lanes;
        }
        if e < len {
            if len >= lanes {
                // SAFETY: the block ends at len and `input` is long enough
                // (asserted); it overlaps the previous block.
                unsafe { self.row_block::<FOLD, 1, N>(src, dst, len - lanes, step) };
            } else {
                for (k, o) in out.iter_mut().enumerate().skip(e) {
                    *o = self.fp.mid(row_acc(taps, input, k, step));
                }
            }
        }
    }

    /// The last step of the recipe for output type `D`, `LANES` outputs at
    /// `dst + e`, from accumulators seeded with [`Self::column_seed`].
    ///
    /// # Safety
    ///
    /// `LANES` elements at `dst + e` are writable.
    #[inline(always)]
    unsafe fn store(acc: (V::Wide, V::Wide), finish: Finish, dst: *mut D, e: usize) {
        let shift = finish.shift;
        // SAFETY: `D::PIPELINE` names `D` exactly (u8, i16 or f32), so the
        // casts keep the type; the caller guarantees the lanes are writable.
        unsafe {
            match D::PIPELINE {
                Pipeline::U8 => V::pack((V::shift_right(acc.0, shift), V::shift_right(acc.1, shift)))
                    .store_u8(dst.cast::<u8>().add(e)),
                Pipeline::U8ToI16 => V::pack((V::shift_right(acc.0, shift), V::shift_right(acc.1, shift)))
                    .store_i16(dst.cast::<i16>().add(e)),
                Pipeline::U8ToF32 | Pipeline::F32 => V::store_f32(acc, finish.scale, dst.cast::<f32>().add(e)),
            }
        }
    }

    /// The column accumulators' start: the rounding term of the final shift,
    /// or 0 for f32 outputs, which are scaled, not rounded.
    #[inline(always)]
    fn column_seed(&self) -> i32 {
        match D::PIPELINE {
            Pipeline::U8 | Pipeline::U8ToI16 => self.out_half,
            Pipeline::U8ToF32 | Pipeline::F32 => 0,
        }
    }

    /// `ROWS` (1 or 2) column blocks at `e`, over the `count` lines of `column`.
    ///
    /// # Safety
    ///
    /// `e + U·LANES` elements from each of the `count` line pointers are
    /// readable; `U·LANES` elements at `dst[r] + e` are writable for each of
    /// the `ROWS` rows.
    #[inline(always)]
    unsafe fn column_block<const ROWS: usize, const U: usize, const L: usize>(
        column: &ColumnLines<ROWS, L>,
        count: usize,
        dst: [*mut D; 2],
        e: usize,
    ) {
        let lanes = V::LANES;
        let seed = V::splat_wide(column.seed);
        let mut acc = [[(seed, seed); U]; ROWS];
        for p in 0..count.div_ceil(2) {
            let (a, b) = (column.line[2 * p], (2 * p + 1 < count).then(|| column.line[2 * p + 1]));
            for u in 0..U {
                let at = e + u * lanes;
                // SAFETY: line 2p < count, and `at + LANES ≤ e + U·LANES`
                // elements of every line are readable (function contract).
                let a = unsafe { V::load_i16(a.add(at)) };
                // SAFETY: as for `a`, line 2p + 1 < count.
                let b = b.map_or(V::splat(0), |b| unsafe { V::load_i16(b.add(at)) });
                let ab = V::interleave(a, b);
                for (r, acc) in acc.iter_mut().enumerate() {
                    acc[u] = V::madd(ab, column.weights[r][p], acc[u]);
                }
            }
        }
        for (r, acc) in acc.into_iter().enumerate() {
            for (u, acc) in acc.into_iter().enumerate() {
                // SAFETY: e + (u + 1)·LANES ≤ e + U·LANES elements at dst[r]
                // are writable (function contract).
                unsafe { Self::store(acc, column.finish, dst[r], e + u * lanes) };
            }
        }
    }

    /// The column pass over `N` taps (0: any), with room for `L` lines.
    #[inline(always)]
    fn column_pass<const ROWS: usize, const N: usize, const L: usize>(
        &self,
        lines: &[i16],
        offsets: &[usize],
        mut out: [&mut [D]; ROWS],
    ) {
        // n + ROWS − 1 lines; a constant when specialised (`N` taps), so the
        // loops unroll into straight code.
        let count = if N == 0 { offsets.len() } else { N + ROWS - 1 };
        assert!(count == offsets.len() && count <= L);
        let column = ColumnLines::<ROWS, L>::new(self, lines, offsets);
        let len = out[0].len();
        let lanes = V::LANES;
        let mut dst = [core::ptr::null_mut(); 2];
        // Pointers from `as_mut_ptr` (not `as_ptr` cast to mut): the stores
        // through them need write provenance.
        for (d, o) in dst.iter_mut().zip(out.iter_mut()) {
            *d = o.as_mut_ptr();
        }
        let mut e = 0;
        // Two blocks a step share each line's pointer and weights (any
        // length); unrolled lengths go one block a step, so that their
        // `2·ROWS` accumulators fit AVX2's 16 registers without spills.
        while N == 0 && e + 2 * lanes <= len {
            // SAFETY: e + 2·lanes ≤ len; every line holds `len` elements (checked by `column`).
            unsafe { Self::column_block::<ROWS, 2, L>(&column, count, dst, e) };
            e += 2 * lanes;
        }
        while e + lanes <= len {
            // SAFETY: e + lanes ≤ len; every line holds `len` elements (checked by `column`).
            unsafe { Self::column_block::<ROWS, 1, L>(&column, count, dst, e) };
            e += lanes;
        }
        if e < len {
            if len >= lanes {
                // SAFETY: the block ends at len; every line holds `len`
                // elements (checked by `column`). It overlaps the previous block.
                unsafe { Self::column_block::<ROWS, 1, L>(&column, count, dst, len - lanes) };
            } else {
                let taps = self.fp.column().taps();
                for (r, out) in out.into_iter().enumerate() {
                    for (k, o) in out.iter_mut().enumerate().skip(e) {
                        *o = D::from_fixed(self.fp, column_acc(taps, lines, &offsets[r..], k));
                    }
                }
            }
        }
    }

    /// The row pass for `N` taps (0: any), through [`FixedVector::run`].
    #[inline(always)]
    fn row_u8<const FOLD: u8, const N: usize>(&self, input: &[u8], out: &mut [i16], step: usize) {
        V::run(RowCall::<V, D, FOLD, N> { passes: self, input, out, step });
    }

    /// The column pass for `N` taps (0: any), through [`FixedVector::run`].
    #[inline(always)]
    fn column_rows<const ROWS: usize, const N: usize, const L: usize>(
        &self,
        lines: &[i16],
        offsets: &[usize],
        out: [&mut [D]; ROWS],
    ) {
        V::run(ColumnCall::<V, D, ROWS, N, L> { passes: self, lines, offsets, out });
    }
}

/// A call of the row pass, to run out of line.
struct RowCall<'a, 'p, V, D, const FOLD: u8, const N: usize> {
    passes: &'a FixedSimd<'p, V, D>,
    input: &'a [u8],
    out: &'a mut [i16],
    step: usize,
}

impl<V: FixedVector, D: Output<u8>, const FOLD: u8, const N: usize> Pass for RowCall<'_, '_, V, D, FOLD, N> {
    #[inline(always)]
    fn run(self) {
        self.passes.row_pass::<FOLD, N>(self.input, self.out, self.step);
    }
}

/// A call of the column pass, to run out of line.
struct ColumnCall<'a, 'p, V, D, const ROWS: usize, const N: usize, const L: usize> {
    passes: &'a FixedSimd<'p, V, D>,
    lines: &'a [i16],
    offsets: &'a [usize],
    out: [&'a mut [D]; ROWS],
}

impl<V: FixedVector, D: Output<u8>, const ROWS: usize, const N: usize, const L: usize> Pass
    for ColumnCall<'_, '_, V, D, ROWS, N, L>
{
    #[inline(always)]
    fn run(self) {
        self.passes.column_pass::<ROWS, N, L>(self.lines, self.offsets, self.out);
    }
}

/// The final step of the recipe: the shift (integer outputs) or the scale (f32).
#[derive(Clone, Copy)]
struct Finish {
    shift: u32,
    scale: f32,
}

/// What one column call reads, copied out of `FixedSimd` into locals the
/// compiler keeps in registers: behind `&self` it reloads them after every
/// u8 store, which could alias them as far as it knows (this cost ~0.5
/// instructions a pixel at 5 taps: 9.9 M → 9.0 M in the callgrind
/// measurement of the module docs).
struct ColumnLines<const ROWS: usize, const L: usize> {
    /// Start of each line (`L` ≥ the number of lines).
    line: [*const i16; L],
    /// Weight pairs per output row (`pairs ≤ L`).
    weights: [[i32; L]; ROWS],
    seed: i32,
    finish: Finish,
}

impl<const ROWS: usize, const L: usize> ColumnLines<ROWS, L> {
    #[inline(always)]
    fn new<V: FixedVector, D: Output<u8>>(passes: &FixedSimd<'_, V, D>, lines: &[i16], offsets: &[usize]) -> Self {
        let mut line = [core::ptr::null(); L];
        for (l, &o) in line.iter_mut().zip(offsets) {
            *l = lines.as_ptr().wrapping_add(o);
        }
        let mut weights = [[0; L]; ROWS];
        let pairs = offsets.len().div_ceil(2).min(L);
        for (w, all) in weights.iter_mut().zip(&passes.column_pairs) {
            w[..pairs].copy_from_slice(&all[..pairs]);
        }
        ColumnLines {
            line,
            weights,
            seed: passes.column_seed(),
            finish: Finish { shift: passes.fp.out_shift(), scale: passes.fp.out_scale() },
        }
    }
}

impl<V: FixedVector, D: Output<u8>> Passes for FixedSimd<'_, V, D> {
    type Src = u8;
    type Mid = i16;
    type Dst = D;
    #[inline(always)]
    fn row(&self, input: &[u8], out: &mut [i16], step: usize) {
        let specialise = if V::SPECIALISE { self.row_taps } else { 0 };
        match (self.row_fold, specialise) {
            // Symmetric kernels of the common lengths, fully unrolled.
            (Fold::Even, 3) => self.row_u8::<1, 3>(input, out, step),
            (Fold::Even, 5) => self.row_u8::<1, 5>(input, out, step),
            (Fold::Even, 7) => self.row_u8::<1, 7>(input, out, step),
            (Fold::Even, 9) => self.row_u8::<1, 9>(input, out, step),
            (Fold::Even, 11) => self.row_u8::<1, 11>(input, out, step),
            (Fold::Even, 13) => self.row_u8::<1, 13>(input, out, step),
            (Fold::Even, 15) => self.row_u8::<1, 15>(input, out, step),
            (Fold::None, _) => self.row_u8::<0, 0>(input, out, step),
            (Fold::Even, _) => self.row_u8::<1, 0>(input, out, step),
            (Fold::Odd, _) => self.row_u8::<2, 0>(input, out, step),
        }
    }
    #[inline(always)]
    fn column(&self, lines: &[i16], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        let (out0, out1) = super::split_rows(out, stride, rows, len);
        let n = self.fp.column().taps().len();
        // The one check the loads rely on: every line has `len` elements.
        assert!(offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len())));
        let specialise = if V::SPECIALISE { n } else { 0 };
        match out1 {
            Some(out1) => {
                assert!(offsets.len() == n + 1 && out1.len() == len);
                let out = [out0, out1];
                match specialise {
                    // The common lengths, fully unrolled.
                    3 => self.column_rows::<2, 3, 4>(lines, offsets, out),
                    5 => self.column_rows::<2, 5, 6>(lines, offsets, out),
                    7 => self.column_rows::<2, 7, 8>(lines, offsets, out),
                    9 => self.column_rows::<2, 9, 10>(lines, offsets, out),
                    11 => self.column_rows::<2, 11, 12>(lines, offsets, out),
                    13 => self.column_rows::<2, 13, 14>(lines, offsets, out),
                    15 => self.column_rows::<2, 15, 16>(lines, offsets, out),
                    _ => self.column_rows::<2, 0, LINES>(lines, offsets, out),
                }
            }
            None => {
                assert!(offsets.len() == n);
                self.column_rows::<1, 0, LINES>(lines, offsets, [out0]);
            }
        }
    }
    fn constant_line(&self, v: u8) -> i16 {
        let sum: i32 = self.fp.row().taps().iter().map(|&q| q as i32).sum();
        self.fp.mid(sum * v as i32)
    }
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
