//! The u16 passes of the integer form of [`crate::fixed16`] on [`F64Vector`] lanes
//! (the scalar backend runs them on one). Every value is an integer below
//! `2^53`, so sums are exact in any order: the passes fold symmetric row
//! taps and keep two column rows in flight and still give the recipe's bits.
//!
//! * Row pass: the samples are converted to f64 once (a chunk of the row at
//!   a time), then `LANES` outputs per vector,
//!   `acc = 2^(d−1) + Σ qr[i]·x[i]` (folded: `qr[i]·(x[i] ± x[n−1−i])`),
//!   and `⌊acc · 2^−d⌋` stored as an `f64` line, which the column pass
//!   loads with no conversion (against `f32` lines: u16-1080p-5 ×1.12 on AVX-512).
//! * Column pass: two output rows per step share the `n + 1` lines' loads,
//!   as the f32 and u8 column passes do; then `⌊acc · 2^−D⌋` saturated to
//!   u16, or `acc · 2^−D` rounded once to f32.
//!
//! The backends' unrolled lengths ([`F64Vector::Unroll`]) get copies with a
//! constant tap count: symmetric rows, and the two-row columns of u16
//! output. Each pass call is an [`Op`] of its own through
//! [`Simd::vectorize`], which keeps every function small for the compiler.

use core::cell::RefCell;
use core::marker::PhantomData;

use super::blocks::{drive, Blocks};
use super::ring::split_rows;
use super::Passes;
use crate::fixed16::FixedPoint16;
use crate::kernel::{Symmetry, MAX_TAPS};
use crate::sample::Output;
use crate::simd::{ByLength, F64Vector, Op, Simd, Unroll};

/// Outputs a row pass converts and filters at a time.
const ROW_CHUNK: usize = 512;

/// A row chunk's samples as f64 (made once per filter call: 14 KB).
type Samples = [f64; ROW_CHUNK + ROW_CHUNK / 2 + 4 * (MAX_TAPS - 1)];

/// Taps an unrolled copy holds in locals (the longest unrolled length is 15).
const UNROLLED: usize = 16;

/// The u16 passes on vector type `V`, output `D`.
pub(crate) struct WidePasses<'r, V: F64Vector, D> {
    simd: V::Token,
    recipe: &'r FixedPoint16,
    /// The integer taps as doubles (exact).
    row: [f64; MAX_TAPS],
    column: [f64; MAX_TAPS],
    /// The row pass's f64 copy of a chunk of samples.
    wide: RefCell<Samples>,
    _out: PhantomData<D>,
}

impl<'r, V: F64Vector, D: WideOutput> WidePasses<'r, V, D> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn new(simd: V::Token, recipe: &'r FixedPoint16) -> Self {
        let doubles = |taps: &[i64]| {
            let mut out = [0.0; MAX_TAPS];
            for (o, &q) in out.iter_mut().zip(taps) {
                *o = q as f64;
            }
            out
        };
        WidePasses {
            simd,
            recipe,
            row: doubles(recipe.row().taps()),
            column: doubles(recipe.column().taps()),
            wide: RefCell::new([0.0; ROW_CHUNK + ROW_CHUNK / 2 + 4 * (MAX_TAPS - 1)]),
            _out: PhantomData,
        }
    }
}

/// The output types of the u16 recipe (`u16`, `f32`): its last step for
/// each, and which column lengths are unrolled for it.
pub(crate) trait WideOutput: Output<u16> {
    /// Integer outputs are rounded (the column sums start at the rounding
    /// term); f32 outputs are scaled.
    const ROUNDED: bool;
    /// `pass` for `n` taps: unrolled for u16 (the blurs), generic for f32
    /// (derivatives), which keeps half the copies out of the build.
    fn dispatch<V: F64Vector, P: ByLength>(n: usize, pass: P) -> P::Output;
    /// The output of a column sum `acc` (without the rounding term).
    fn finish(recipe: &FixedPoint16, acc: f64) -> Self;
    /// The last step for `LANES` sums `acc` (seeded as
    /// [`ROUNDED`](Self::ROUNDED) says), `scale` = `2^−D`, into `ptr`.
    ///
    /// # Safety
    ///
    /// `LANES` elements at `ptr` are writable.
    unsafe fn store<V: F64Vector>(acc: V, scale: V, ptr: *mut Self);
}

impl WideOutput for u16 {
    const ROUNDED: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<V: F64Vector, P: ByLength>(n: usize, pass: P) -> P::Output {
        V::Unroll::dispatch(n, pass)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finish(recipe: &FixedPoint16, acc: f64) -> Self {
        recipe.out_u16(acc)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: F64Vector>(acc: V, scale: V, ptr: *mut u16) {
        // SAFETY: the caller guarantees `LANES` writable elements.
        unsafe { acc.floor_scaled(scale).store_u16(ptr) }
    }
}

impl WideOutput for f32 {
    const ROUNDED: bool = false;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<V: F64Vector, P: ByLength>(_: usize, pass: P) -> P::Output {
        pass.generic()
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finish(recipe: &FixedPoint16, acc: f64) -> Self {
        recipe.out_f32(acc)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store<V: F64Vector>(acc: V, scale: V, ptr: *mut f32) {
        // `acc · 2^−D + 0` is exact; the store rounds once to f32.
        let zero = scale.sub(scale);
        // SAFETY: the caller guarantees `LANES` writable elements.
        unsafe { acc.mul_add(scale, zero).store_f32(ptr) }
    }
}

impl<V: F64Vector, D: WideOutput> Passes for WidePasses<'_, V, D> {
    type Src = u16;
    type Mid = f64;
    type Dst = D;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row(&self, input: &[u16], out: &mut [f64], step: usize) {
        let n = self.recipe.row().taps().len();
        let row = RowCall::<V> { passes: self.core(), taps: &self.row[..n], input, out, step, wide: &self.wide };
        match self.recipe.row().symmetry() {
            // Symmetric kernels of the backend's unrolled lengths, fully unrolled.
            Symmetry::Symmetric => V::Unroll::dispatch(n, row),
            _ => row.generic(),
        }
    }
    fn edge_piece(&self, outputs: usize) -> usize {
        super::edge_piece(outputs, self.recipe.row().taps().len(), V::LANES, super::FLOAT_SCALAR_EDGE)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column(&self, lines: &[f64], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        // Steps of two rows (the geometry gives up to four, which the f32
        // form of the recipe makes at once).
        let mut r = 0;
        while r < rows {
            let pair = (rows - r).min(2);
            let n = self.recipe.column().taps().len();
            self.column_pair(lines, &offsets[r..r + n + pair - 1], &mut out[r * stride..], stride, pair, len);
            r += pair;
        }
    }
    fn constant_line(&self, v: u16) -> f64 {
        let sum: f64 = self.row[..self.recipe.row().taps().len()].iter().sum();
        self.recipe.mid(sum * v as f64)
    }
}

impl<V: F64Vector, D: WideOutput> WidePasses<'_, V, D> {
    /// One or two output rows (`rows`) of [`Passes::column`].
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column_pair(&self, lines: &[f64], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        let (out0, out1) = split_rows(out, stride, rows, len);
        let n = self.recipe.column().taps().len();
        // The one check the loads rely on: every line has `len` elements.
        assert!(offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len())));
        let (passes, taps) = (self.core(), &self.column[..n]);
        match out1 {
            Some(out1) => {
                assert!(offsets.len() == n + 1 && out1.len() == len);
                D::dispatch::<V, _>(n, ColumnCall { passes, taps, lines, offsets, out: [out0, out1] });
            }
            None => {
                assert!(offsets.len() == n);
                let call = ColumnPass::<V, D, 1, 0, { MAX_TAPS + 1 }> { passes, taps, lines, offsets, out: [out0] };
                self.simd.vectorize(call);
            }
        }
    }
}

/// What every pass call needs: the token and the recipe.
#[derive(Clone, Copy)]
struct Core<'r, V: F64Vector> {
    simd: V::Token,
    recipe: &'r FixedPoint16,
}

impl<V: F64Vector, D> WidePasses<'_, V, D> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn core(&self) -> Core<'_, V> {
        Core { simd: self.simd, recipe: self.recipe }
    }
}

/// `taps` as a slice of `N` (or, for `N = 0`, all of them): for an
/// unrolled length, a local array the loops index with constants.
#[cfg_attr(not(debug_assertions), inline(always))]
fn local_taps<const N: usize>(taps: &[f64]) -> ([f64; UNROLLED], usize) {
    let mut few = [0.0; UNROLLED];
    if N > 0 {
        few[..N].copy_from_slice(&taps[..N]);
    }
    (few, if N == 0 { taps.len() } else { N })
}

/// A row pass call.
struct RowCall<'a, V: F64Vector> {
    passes: Core<'a, V>,
    taps: &'a [f64],
    input: &'a [u16],
    out: &'a mut [f64],
    step: usize,
    wide: &'a RefCell<Samples>,
}

impl<V: F64Vector> ByLength for RowCall<'_, V> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unrolled<const N: usize, const L: usize>(self) {
        self.passes.simd.vectorize(RowPass::<V, N>(self));
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn generic(self) {
        self.passes.simd.vectorize(RowPass::<V, 0>(self));
    }
}

/// The row pass for `N` taps (0: any), as an op of its own (out of line on x86).
struct RowPass<'a, V: F64Vector, const N: usize>(RowCall<'a, V>);

impl<V: F64Vector, const N: usize> Op for RowPass<'_, V, N> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let RowCall { passes, taps, input, out, step, wide } = self.0;
        let Core { simd, recipe } = passes;
        let (len, n) = (out.len(), taps.len());
        let reach = (n - 1) * step;
        // The one check the loads below rely on (and, unrolled, the taps' count).
        assert!(n >= 1 && input.len() >= len + reach && (N == 0 || n == N));
        let (few, _) = local_taps::<N>(taps);
        let taps = if N == 0 { taps } else { &few[..N] };
        let fold = recipe.row().symmetry();
        let mut wide = wide.borrow_mut();
        let mut start = 0;
        while start < len {
            let rest = len - start;
            // The last chunk takes up to half a chunk more, so that no chunk
            // is shorter than a vector (the driver's overlapping last vector).
            let count = if rest < ROW_CHUNK + ROW_CHUNK / 2 { rest } else { ROW_CHUNK };
            // The samples are converted once, not once per tap: the taps'
            // loads then feed the adds and FMAs directly.
            for (w, &x) in wide.iter_mut().zip(&input[start..start + count + reach]) {
                *w = x as f64;
            }
            let mut blocks = RowBlocks::<V, N> {
                simd,
                recipe,
                taps,
                fold,
                half: V::splat(simd, recipe.mid_half()),
                scale: V::splat(simd, recipe.mid_scale()),
                input: &wide[..count + reach],
                dst: out[start..].as_mut_ptr(),
                step,
            };
            drive::<_, 2>(&mut blocks, 0..count, true);
            start += count;
        }
    }
}

/// The row pass's blocks (`input` and `dst` checked by [`RowPass::run`]).
struct RowBlocks<'a, V: F64Vector, const N: usize> {
    simd: V::Token,
    recipe: &'a FixedPoint16,
    taps: &'a [f64],
    fold: Symmetry,
    half: V,
    scale: V,
    /// The chunk's samples as f64 (the checked length: count + (n − 1)·step).
    input: &'a [f64],
    dst: *mut f64,
    step: usize,
}

impl<V: F64Vector, const N: usize> RowBlocks<'_, V, N> {
    /// `LANES` samples of tap `i` for the outputs from `at` (a method: a
    /// closure holding vector code is compiled without the trampoline's
    /// target features).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load(&self, at: usize, i: usize) -> V {
        // SAFETY: the driver keeps at + LANES ≤ count, and `input` holds
        // count + (n − 1)·step samples (checked in `run`), so
        // `at + i·step + LANES ≤ input.len()` for every tap i < n.
        unsafe { V::load(self.simd, self.input.as_ptr().add(at + i * self.step)) }
    }
}

impl<V: F64Vector, const N: usize> Blocks for RowBlocks<'_, V, N> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let (simd, taps) = (self.simd, self.taps);
        let n = if N == 0 { taps.len() } else { N };
        for u in 0..U {
            let at = e + u * V::LANES;
            let mut acc = self.half;
            match self.fold {
                Symmetry::Symmetric => {
                    for (i, &q) in taps[..n / 2].iter().enumerate() {
                        let pair = self.load(at, i).add(self.load(at, n - 1 - i));
                        acc = pair.mul_add(V::splat(simd, q), acc);
                    }
                    if !n.is_multiple_of(2) {
                        acc = self.load(at, n / 2).mul_add(V::splat(simd, taps[n / 2]), acc);
                    }
                }
                // The centre tap of an odd antisymmetric kernel is 0.
                Symmetry::Antisymmetric => {
                    for (i, &q) in taps[..n / 2].iter().enumerate() {
                        let pair = self.load(at, i).sub(self.load(at, n - 1 - i));
                        acc = pair.mul_add(V::splat(simd, q), acc);
                    }
                }
                Symmetry::None => {
                    for (i, &q) in taps[..n].iter().enumerate() {
                        acc = self.load(at, i).mul_add(V::splat(simd, q), acc);
                    }
                }
            }
            // SAFETY: at + LANES ≤ count elements of `dst` are writable.
            unsafe { acc.floor_scaled(self.scale).store(self.dst.add(at)) };
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        // From +0.0, as the vector sums (`Sum` starts at −0.0, which the
        // integers of the recipe do not have).
        let acc = self.taps.iter().enumerate().fold(0.0, |acc, (i, &q)| q * self.input[k + i * self.step] + acc);
        // SAFETY: the driver calls `one` for k < count, the length of the output.
        unsafe { self.dst.add(k).write(self.recipe.mid(acc)) };
    }
}

/// A two-row column pass call.
struct ColumnCall<'a, V: F64Vector, D> {
    passes: Core<'a, V>,
    taps: &'a [f64],
    lines: &'a [f64],
    offsets: &'a [usize],
    out: [&'a mut [D]; 2],
}

impl<V: F64Vector, D: WideOutput> ByLength for ColumnCall<'_, V, D> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn unrolled<const N: usize, const L: usize>(self) {
        let ColumnCall { passes, taps, lines, offsets, out } = self;
        passes.simd.vectorize(ColumnPass::<V, D, 2, N, L> { passes, taps, lines, offsets, out });
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn generic(self) {
        let ColumnCall { passes, taps, lines, offsets, out } = self;
        passes.simd.vectorize(ColumnPass::<V, D, 2, 0, { MAX_TAPS + 1 }> { passes, taps, lines, offsets, out });
    }
}

/// One column pass call of `ROWS` (1 or 2) output rows over `N` taps (0:
/// any) and room for `L` lines, as an op.
struct ColumnPass<'a, V: F64Vector, D, const ROWS: usize, const N: usize, const L: usize> {
    passes: Core<'a, V>,
    taps: &'a [f64],
    lines: &'a [f64],
    offsets: &'a [usize],
    out: [&'a mut [D]; ROWS],
}

impl<V: F64Vector, D: WideOutput, const ROWS: usize, const N: usize, const L: usize> Op
    for ColumnPass<'_, V, D, ROWS, N, L>
{
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) {
        let ColumnPass { passes, taps, lines, offsets, mut out } = self;
        let Core { simd, recipe } = passes;
        let (len, n) = (out[0].len(), taps.len());
        assert!((N == 0 || n == N) && offsets.len() == n + ROWS - 1 && offsets.len() <= L);
        let (few, _) = local_taps::<N>(taps);
        let taps = if N == 0 { taps } else { &few[..N] };
        let seed = if D::ROUNDED { recipe.out_half() } else { 0.0 };
        let mut dst = [core::ptr::null_mut(); ROWS];
        // Pointers from `as_mut_ptr`: the stores through them need write provenance.
        for (d, o) in dst.iter_mut().zip(out.iter_mut()) {
            *d = o.as_mut_ptr();
        }
        let mut line = [core::ptr::null(); L];
        for (l, &o) in line.iter_mut().zip(offsets) {
            *l = lines.as_ptr().wrapping_add(o);
        }
        let mut blocks = ColumnBlocks::<V, D, ROWS, N, L> {
            simd,
            recipe,
            taps,
            seed: V::splat(simd, seed),
            scale: V::splat(simd, recipe.out_scale()),
            lines,
            offsets,
            line,
            dst,
        };
        drive::<_, 2>(&mut blocks, 0..len, true);
    }
}

/// The column pass's blocks (every line holds `len` elements: checked by
/// [`Passes::column`]; `dst` has `ROWS` rows of `len`).
struct ColumnBlocks<'a, V: F64Vector, D, const ROWS: usize, const N: usize, const L: usize> {
    simd: V::Token,
    recipe: &'a FixedPoint16,
    taps: &'a [f64],
    seed: V,
    scale: V,
    lines: &'a [f64],
    offsets: &'a [usize],
    /// Start of each line (`n + ROWS − 1` of them).
    line: [*const f64; L],
    dst: [*mut D; ROWS],
}

impl<V: F64Vector, D, const ROWS: usize, const N: usize, const L: usize> ColumnBlocks<'_, V, D, ROWS, N, L> {
    /// `LANES` values of line `j` from element `at` (a method: a closure
    /// holding vector code is compiled without the trampoline's features).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn load(&self, j: usize, at: usize) -> V {
        // SAFETY: every line holds `len` elements from its offset (checked
        // by `Passes::column`), and the driver keeps at + LANES ≤ len.
        unsafe { V::load(self.simd, self.line[j].add(at)) }
    }
}

impl<V: F64Vector, D: WideOutput, const ROWS: usize, const N: usize, const L: usize> Blocks
    for ColumnBlocks<'_, V, D, ROWS, N, L>
{
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let (simd, taps) = (self.simd, self.taps);
        let n = if N == 0 { taps.len() } else { N };
        let mut acc = [[self.seed; U]; ROWS];
        // Row 0 takes line j with tap j, row 1 line j + 1 with tap j: the
        // line loaded for row 1 is row 0's next, so each is loaded once.
        let mut v = [self.seed; U];
        for (u, v) in v.iter_mut().enumerate() {
            *v = self.load(0, e + u * V::LANES);
        }
        for (j, &q) in taps[..n].iter().enumerate() {
            let q = V::splat(simd, q);
            for u in 0..U {
                acc[0][u] = v[u].mul_add(q, acc[0][u]);
            }
            if ROWS == 2 || j + 1 < n {
                for (u, v) in v.iter_mut().enumerate() {
                    *v = self.load(j + 1, e + u * V::LANES);
                }
            }
            if ROWS == 2 {
                for u in 0..U {
                    acc[ROWS - 1][u] = v[u].mul_add(q, acc[ROWS - 1][u]);
                }
            }
        }
        for (r, acc) in acc.into_iter().enumerate() {
            for (u, acc) in acc.into_iter().enumerate() {
                // SAFETY: e + (u + 1)·LANES ≤ len elements of row r are writable.
                unsafe { D::store(acc, self.scale, self.dst[r].add(e + u * V::LANES)) };
            }
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        for r in 0..ROWS {
            let acc = self.taps.iter().zip(&self.offsets[r..]).fold(0.0, |acc, (&q, &o)| q * self.lines[o + k] + acc);
            // SAFETY: the driver calls `one` for k < len, the length of each row.
            unsafe { self.dst[r].add(k).write(D::finish(self.recipe, acc)) };
        }
    }
}
