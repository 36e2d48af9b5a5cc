//! Samples narrower than f32 filtered by the f32 passes: f16 (feature
//! `f16`), and u16 where the recipe of [`crate::fixed16`] takes its f32
//! form ([`FixedPoint16::f32_lanes`](crate::fixed16::FixedPoint16::f32_lanes)).
//! The row pass widens a chunk of the row to f32 at a time (exact: every
//! f16 and every u16 is an f32) and row-filters it; the ring holds f32
//! lines; the column pass writes a chunk of f32 outputs and narrows them
//! ([`Narrow::narrow`]) — or, for f32 outputs of f16, writes them directly.
//!
//! * f16: an output is the f32 engine's result rounded once to nearest
//!   (ties to even): within the f32 bound plus half an f16 ulp of the
//!   exact value.
//! * u16: the passes run on [`Unfused`] vectors and fold no kernel, so that
//!   each output is the sum of the f32 reference (taps in order, each
//!   multiply and add rounded) on every backend, bit for bit; then clamped
//!   to `0..=65535` and rounded to nearest, ties to even.

use core::cell::RefCell;
use core::marker::PhantomData;

use super::column::column_f32;
use super::ring::split_rows;
use super::row::{row_f32, Fold};
use super::Passes;
use crate::fixed16;
use crate::kernel::MAX_TAPS;
use crate::sample::{Output, Sample};
use crate::simd::F32Vector;

/// Outputs a pass converts at a time (the last chunk of a row takes up to
/// half a chunk more, so that none is shorter than a vector).
const CHUNK: usize = 512;
const LONGEST: usize = CHUNK + CHUNK / 2;

/// The conversion buffers (made once per filter call: 12 KB).
struct Buffers {
    /// A chunk of the row pass's input, widened.
    wide: [f32; LONGEST + 4 * (MAX_TAPS - 1)],
    /// Two rows of a chunk of column outputs, before narrowing (`LONGEST` apart).
    out: [f32; 2 * LONGEST],
}

/// A sample type stored narrower than f32.
pub(crate) trait Narrow: Sample {
    /// Whether the passes fold symmetric kernels (u16's do not: its bits
    /// are the unfolded sums of the reference).
    const FOLD: bool;
    /// The sample as f32 (exact).
    fn to_f32(self) -> f32;
    /// `dst[i] = src[i]` as f32, for `i < min(len)`.
    fn widen<V: F32Vector>(simd: V::Token, src: &[Self], dst: &mut [f32]);
    /// `dst[i] = src[i]` narrowed, for `i < min(len)`.
    fn narrow<V: F32Vector>(simd: V::Token, src: &[f32], dst: &mut [Self]);
}

#[cfg(feature = "f16")]
impl Narrow for half::f16 {
    const FOLD: bool = true;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_f32(self) -> f32 {
        half::f16::to_f32(self)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn widen<V: F32Vector>(simd: V::Token, src: &[Self], dst: &mut [f32]) {
        V::widen_f16(simd, src, dst);
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn narrow<V: F32Vector>(simd: V::Token, src: &[f32], dst: &mut [Self]) {
        V::narrow_f16(simd, src, dst);
    }
}

impl Narrow for u16 {
    const FOLD: bool = false;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn widen<V: F32Vector>(_: V::Token, src: &[Self], dst: &mut [f32]) {
        // Compiled with the backend's features, the loop vectorises.
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s as f32;
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn narrow<V: F32Vector>(_: V::Token, src: &[f32], dst: &mut [Self]) {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = fixed16::narrow(s);
        }
    }
}

/// The passes for samples `S` on vector type `V`, output `D`.
pub(crate) struct WidenedPasses<'k, V: F32Vector, S, D> {
    simd: V::Token,
    row: &'k [f32],
    row_fold: Fold,
    column: &'k [f32],
    column_fold: Fold,
    buffers: RefCell<Buffers>,
    _types: PhantomData<(S, D)>,
}

impl<'k, V: F32Vector, S: Narrow, D: WidenedOutput<S>> WidenedPasses<'k, V, S, D> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn new(simd: V::Token, row: &'k [f32], column: &'k [f32]) -> Self {
        let fold = |taps| if S::FOLD { Fold::of(taps) } else { Fold::None };
        WidenedPasses {
            simd,
            row,
            row_fold: fold(row),
            column,
            column_fold: fold(column),
            buffers: RefCell::new(Buffers { wide: [0.0; LONGEST + 4 * (MAX_TAPS - 1)], out: [0.0; 2 * LONGEST] }),
            _types: PhantomData,
        }
    }
}

/// The length of the next chunk when `rest` outputs are left.
#[cfg_attr(not(debug_assertions), inline(always))]
fn chunk(rest: usize) -> usize {
    if rest <= LONGEST {
        rest
    } else {
        CHUNK
    }
}

/// The output types of samples `S` (`S` itself; `f32` for f16): the column
/// pass's last step.
pub(crate) trait WidenedOutput<S: Narrow>: Output<S> {
    /// The column pass into `out` (as [`Passes::column`]).
    fn column<V: F32Vector>(
        passes: &WidenedPasses<'_, V, S, Self>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [Self],
        stride: usize,
        rows: usize,
        len: usize,
    );
}

#[cfg(feature = "f16")]
impl WidenedOutput<half::f16> for f32 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column<V: F32Vector>(
        p: &WidenedPasses<'_, V, half::f16, f32>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [f32],
        stride: usize,
        rows: usize,
        len: usize,
    ) {
        column_f32::<V>(p.simd, p.column, p.column_fold, lines, offsets, out, stride, rows, len, false);
    }
}

impl<S: Narrow + Output<S>> WidenedOutput<S> for S {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column<V: F32Vector>(
        p: &WidenedPasses<'_, V, S, S>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [S],
        stride: usize,
        rows: usize,
        len: usize,
    ) {
        let (out0, mut out1) = split_rows(out, stride, rows, len);
        let mut buffers = p.buffers.borrow_mut();
        let t = &mut buffers.out;
        let mut start = 0;
        while start < len {
            let count = chunk(len - start);
            let end = start + count;
            // Line `j` of the chunk starts `start` elements into line `j`.
            let lines = &lines[start..];
            column_f32::<V>(p.simd, p.column, p.column_fold, lines, offsets, t, LONGEST, rows, count, false);
            if let Some(out1) = out1.as_deref_mut() {
                S::narrow::<V>(p.simd, &t[LONGEST..LONGEST + count], &mut out1[start..end]);
            }
            S::narrow::<V>(p.simd, &t[..count], &mut out0[start..end]);
            start = end;
        }
    }
}

impl<V: F32Vector, S: Narrow, D: WidenedOutput<S>> Passes for WidenedPasses<'_, V, S, D> {
    type Src = S;
    type Mid = f32;
    type Dst = D;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row(&self, input: &[S], out: &mut [f32], step: usize) {
        let reach = (self.row.len() - 1) * step;
        let mut buffers = self.buffers.borrow_mut();
        let len = out.len();
        let mut start = 0;
        while start < len {
            let count = chunk(len - start);
            let wide = &mut buffers.wide[..count + reach];
            S::widen::<V>(self.simd, &input[start..start + count + reach], wide);
            row_f32::<V>(self.simd, self.row, self.row_fold, wide, &mut out[start..start + count], step);
            start += count;
        }
    }
    fn edge_piece(&self, outputs: usize) -> usize {
        super::edge_piece(outputs, self.row.len(), V::LANES, super::FLOAT_SCALAR_EDGE)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column(&self, lines: &[f32], offsets: &[usize], out: &mut [D], stride: usize, rows: usize, len: usize) {
        D::column(self, lines, offsets, out, stride, rows, len);
    }
    fn constant_line(&self, v: S) -> f32 {
        // Taps in order, unfused: the reference's row sum of a constant row.
        let v = v.to_f32();
        self.row.iter().fold(0.0, |acc, &w| v * w + acc)
    }
}
