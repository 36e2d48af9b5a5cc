//! The u16 passes: the recipe of [`crate::fixed16`] on [`F64Vector`] lanes
//! (the scalar backend runs them on one). Every value is an integer below
//! `2^53`, so sums are exact in any order: the passes fold symmetric row
//! taps and keep two column rows in flight and still give the recipe's bits.
//!
//! * Row pass: `LANES` outputs per vector, `acc = 2^(d−1) + Σ qr[i]·x[i]`
//!   (folded: `qr[i]·(x[i] ± x[n−1−i])`), then `⌊acc · 2^−d⌋` stored as an
//!   `f32` line (exact: the intermediate has at most 24 bits).
//! * Column pass: two output rows per step share the `n + 1` lines' loads,
//!   as the f32 and u8 column passes do; then `⌊acc · 2^−D⌋` saturated to
//!   u16, or `acc · 2^−D` rounded once to f32.
//!
//! The loops are generic over the length (no unrolled copies): each pass
//! call is an [`Op`] of its own through [`Simd::vectorize`].

use core::marker::PhantomData;

use super::blocks::{drive, Blocks};
use super::ring::split_rows;
use super::Passes;
use crate::fixed16::FixedPoint16;
use crate::kernel::{Symmetry, MAX_TAPS};
use crate::sample::Output;
use crate::simd::{F64Vector, Op, Simd};

/// The u16 passes on vector type `V`, output `D`.
pub(crate) struct WidePasses<'r, V: F64Vector, D> {
    simd: V::Token,
    recipe: &'r FixedPoint16,
    /// The integer taps as doubles (exact).
    row: [f64; MAX_TAPS],
    column: [f64; MAX_TAPS],
    _out: PhantomData<D>,
}

impl<'r, V: F64Vector, D: WideOutput> WidePasses<'r, V, D> {
    #[inline(always)]
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
            _out: PhantomData,
        }
    }
}

/// The output types of the u16 recipe (`u16`, `f32`): its last step for each.
pub(crate) trait WideOutput: Output<u16> {
    /// Integer outputs are rounded (the column sums start at the rounding
    /// term); f32 outputs are scaled.
    const ROUNDED: bool;
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
    #[inline(always)]
    fn finish(recipe: &FixedPoint16, acc: f64) -> Self {
        recipe.out_u16(acc)
    }
    #[inline(always)]
    unsafe fn store<V: F64Vector>(acc: V, scale: V, ptr: *mut u16) {
        // SAFETY: the caller guarantees `LANES` writable elements.
        unsafe { acc.floor_scaled(scale).store_u16(ptr) }
    }
}

impl WideOutput for f32 {
    const ROUNDED: bool = false;
    #[inline(always)]
    fn finish(recipe: &FixedPoint16, acc: f64) -> Self {
        recipe.out_f32(acc)
    }
    #[inline(always)]
    unsafe fn store<V: F64Vector>(acc: V, scale: V, ptr: *mut f32) {
        // `acc · 2^−D + 0` is exact; the store rounds once to f32.
        let zero = scale.sub(scale);
        // SAFETY: the caller guarantees `LANES` writable elements.
        unsafe { acc.mul_add(scale, zero).store_f32(ptr) }
    }
}

impl<V: F64Vector, D: WideOutput> Passes for WidePasses<'_, V, D> {
    type Src = u16;
    type Mid = f32;
    type Dst = D;
    #[inline(always)]
    fn row(&self, input: &[u16], out: &mut [f32], step: usize) {
        let n = self.recipe.row().taps().len();
        let row = RowPass::<V> {
            simd: self.simd,
            recipe: self.recipe,
            taps: &self.row[..n],
            fold: self.recipe.row().symmetry(),
            input,
            out,
            step,
        };
        self.simd.vectorize(row);
    }
    #[inline(always)]
    fn column(&self, lines: &[f32], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        let (out0, out1) = split_rows(out, stride, rows, len);
        let n = self.recipe.column().taps().len();
        // The one check the loads rely on: every line has `len` elements.
        assert!(offsets.iter().all(|&o| o.checked_add(len).is_some_and(|end| end <= lines.len())));
        let taps = &self.column[..n];
        match out1 {
            Some(out1) => {
                assert!(offsets.len() == n + 1 && out1.len() == len);
                let out = [out0, out1];
                self.simd.vectorize(ColumnPass::<V, D, 2> {
                    simd: self.simd,
                    recipe: self.recipe,
                    taps,
                    lines,
                    offsets,
                    out,
                });
            }
            None => {
                assert!(offsets.len() == n);
                let out = [out0];
                self.simd.vectorize(ColumnPass::<V, D, 1> {
                    simd: self.simd,
                    recipe: self.recipe,
                    taps,
                    lines,
                    offsets,
                    out,
                });
            }
        }
    }
    fn constant_line(&self, v: u16) -> f32 {
        let sum: f64 = self.row[..self.recipe.row().taps().len()].iter().sum();
        self.recipe.mid(sum * v as f64)
    }
}

/// One row pass call, as an op (out of line on x86).
struct RowPass<'a, V: F64Vector> {
    simd: V::Token,
    recipe: &'a FixedPoint16,
    taps: &'a [f64],
    fold: Symmetry,
    input: &'a [u16],
    out: &'a mut [f32],
    step: usize,
}

impl<V: F64Vector> Op for RowPass<'_, V> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, _: S) {
        let RowPass { simd, recipe, taps, fold, input, out, step } = self;
        let (len, n) = (out.len(), taps.len());
        // The one check the loads below rely on.
        assert!(n >= 1 && input.len() >= len + (n - 1) * step);
        let mut blocks = RowBlocks::<V> {
            simd,
            recipe,
            taps,
            fold,
            half: V::splat(simd, recipe.mid_half()),
            scale: V::splat(simd, recipe.mid_scale()),
            input,
            dst: out.as_mut_ptr(),
            step,
        };
        drive::<_, 2>(&mut blocks, 0..len, true);
    }
}

/// The row pass's blocks (`input` and `dst` checked by [`RowPass::run`]).
struct RowBlocks<'a, V: F64Vector> {
    simd: V::Token,
    recipe: &'a FixedPoint16,
    taps: &'a [f64],
    fold: Symmetry,
    half: V,
    scale: V,
    input: &'a [u16],
    dst: *mut f32,
    step: usize,
}

impl<V: F64Vector> RowBlocks<'_, V> {
    /// `LANES` samples of tap `i` for the outputs from `at` (a method: a
    /// closure holding vector code is compiled without the trampoline's
    /// target features).
    #[inline(always)]
    fn load(&self, at: usize, i: usize) -> V {
        // SAFETY: the driver keeps at + LANES ≤ len, and `input` holds
        // len + (n − 1)·step samples (checked in `run`), so
        // `at + i·step + LANES ≤ input.len()` for every tap i < n.
        unsafe { V::load_u16(self.simd, self.input.as_ptr().add(at + i * self.step)) }
    }
}

impl<V: F64Vector> Blocks for RowBlocks<'_, V> {
    const LANES: usize = V::LANES;
    #[inline(always)]
    fn block<const U: usize>(&mut self, e: usize) {
        let (simd, taps, n) = (self.simd, self.taps, self.taps.len());
        for u in 0..U {
            let at = e + u * V::LANES;
            let mut acc = self.half;
            match self.fold {
                Symmetry::Symmetric => {
                    for (i, &q) in taps[..n / 2].iter().enumerate() {
                        acc = self.load(at, i).add(self.load(at, n - 1 - i)).mul_add(V::splat(simd, q), acc);
                    }
                    if !n.is_multiple_of(2) {
                        acc = self.load(at, n / 2).mul_add(V::splat(simd, taps[n / 2]), acc);
                    }
                }
                // The centre tap of an odd antisymmetric kernel is 0.
                Symmetry::Antisymmetric => {
                    for (i, &q) in taps[..n / 2].iter().enumerate() {
                        acc = self.load(at, i).sub(self.load(at, n - 1 - i)).mul_add(V::splat(simd, q), acc);
                    }
                }
                Symmetry::None => {
                    for (i, &q) in taps.iter().enumerate() {
                        acc = self.load(at, i).mul_add(V::splat(simd, q), acc);
                    }
                }
            }
            // SAFETY: at + LANES ≤ len elements of `dst` are writable.
            unsafe { acc.floor_scaled(self.scale).store_f32(self.dst.add(at)) };
        }
    }
    #[inline(always)]
    fn one(&mut self, k: usize) {
        // From +0.0, as the vector sums (`Sum` starts at −0.0, which the
        // integers of the recipe do not have).
        let acc = self.taps.iter().enumerate().fold(0.0, |acc, (i, &q)| q * self.input[k + i * self.step] as f64 + acc);
        // SAFETY: the driver calls `one` for k < len, the length of the output.
        unsafe { self.dst.add(k).write(self.recipe.mid(acc)) };
    }
}

/// One column pass call of `ROWS` (1 or 2) output rows, as an op.
struct ColumnPass<'a, V: F64Vector, D, const ROWS: usize> {
    simd: V::Token,
    recipe: &'a FixedPoint16,
    taps: &'a [f64],
    lines: &'a [f32],
    offsets: &'a [usize],
    out: [&'a mut [D]; ROWS],
}

impl<V: F64Vector, D: WideOutput, const ROWS: usize> Op for ColumnPass<'_, V, D, ROWS> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, _: S) {
        let ColumnPass { simd, recipe, taps, lines, offsets, mut out } = self;
        let len = out[0].len();
        let seed = if D::ROUNDED { recipe.out_half() } else { 0.0 };
        let mut dst = [core::ptr::null_mut(); ROWS];
        // Pointers from `as_mut_ptr`: the stores through them need write provenance.
        for (d, o) in dst.iter_mut().zip(out.iter_mut()) {
            *d = o.as_mut_ptr();
        }
        let mut blocks = ColumnBlocks::<V, D, ROWS> {
            simd,
            recipe,
            taps,
            seed: V::splat(simd, seed),
            scale: V::splat(simd, recipe.out_scale()),
            lines,
            offsets,
            dst,
        };
        drive::<_, 2>(&mut blocks, 0..len, true);
    }
}

/// The column pass's blocks (every line holds `len` elements: checked by
/// [`Passes::column`]; `dst` has `ROWS` rows of `len`).
struct ColumnBlocks<'a, V: F64Vector, D, const ROWS: usize> {
    simd: V::Token,
    recipe: &'a FixedPoint16,
    taps: &'a [f64],
    seed: V,
    scale: V,
    lines: &'a [f32],
    offsets: &'a [usize],
    dst: [*mut D; ROWS],
}

impl<V: F64Vector, D: WideOutput, const ROWS: usize> Blocks for ColumnBlocks<'_, V, D, ROWS> {
    const LANES: usize = V::LANES;
    #[inline(always)]
    fn block<const U: usize>(&mut self, e: usize) {
        let simd = self.simd;
        let mut acc = [[self.seed; U]; ROWS];
        // Line j feeds row r with tap j − r: each line is loaded once for both rows.
        for (j, &offset) in self.offsets.iter().enumerate() {
            let line = self.lines.as_ptr().wrapping_add(offset);
            for u in 0..U {
                // SAFETY: every line holds `len` elements from its offset
                // (checked by `Passes::column`) and e + U·LANES ≤ len.
                let v = unsafe { V::load_f32(simd, line.add(e + u * V::LANES)) };
                for (r, acc) in acc.iter_mut().enumerate() {
                    if let Some(&q) = j.checked_sub(r).and_then(|t| self.taps.get(t)) {
                        acc[u] = v.mul_add(V::splat(simd, q), acc[u]);
                    }
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
    #[inline(always)]
    fn one(&mut self, k: usize) {
        for r in 0..ROWS {
            let acc =
                self.taps.iter().zip(&self.offsets[r..]).fold(0.0, |acc, (&q, &o)| q * self.lines[o + k] as f64 + acc);
            // SAFETY: the driver calls `one` for k < len, the length of each row.
            unsafe { self.dst[r].add(k).write(D::finish(self.recipe, acc)) };
        }
    }
}
