//! The f16 passes: `half::f16` samples filtered by the f32 passes. The row
//! pass widens a chunk of the row to f32 at a time (exact: every f16 is an
//! f32) and row-filters it; the ring holds f32 lines; the column pass
//! writes a chunk of f32 outputs and narrows them to f16, rounded once to
//! nearest (ties to even) — or, for f32 outputs, writes them directly. So
//! an f16 output is the f32 engine's result rounded once: within the f32
//! bound plus half an f16 ulp of the exact value.

use core::cell::RefCell;
use core::marker::PhantomData;

use half::f16;

use super::column::column_f32;
use super::ring::split_rows;
use super::row::{row_f32, Fold};
use super::Passes;
use crate::kernel::MAX_TAPS;
use crate::sample::Output;
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

/// The f16 passes on vector type `V`, output `D`.
pub(crate) struct F16Passes<'k, V: F32Vector, D> {
    simd: V::Token,
    row: &'k [f32],
    row_fold: Fold,
    column: &'k [f32],
    column_fold: Fold,
    buffers: RefCell<Buffers>,
    _out: PhantomData<D>,
}

impl<'k, V: F32Vector, D: HalfOutput> F16Passes<'k, V, D> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn new(simd: V::Token, row: &'k [f32], column: &'k [f32]) -> Self {
        F16Passes {
            simd,
            row,
            row_fold: Fold::of(row),
            column,
            column_fold: Fold::of(column),
            buffers: RefCell::new(Buffers { wide: [0.0; LONGEST + 4 * (MAX_TAPS - 1)], out: [0.0; 2 * LONGEST] }),
            _out: PhantomData,
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

/// The output types of f16 sources (`f16`, `f32`): the column pass's last step.
pub(crate) trait HalfOutput: Output<f16> {
    /// The column pass into `out` (as [`Passes::column`]).
    fn column<V: F32Vector>(
        passes: &F16Passes<'_, V, Self>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [Self],
        stride: usize,
        rows: usize,
        len: usize,
    );
}

impl HalfOutput for f32 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column<V: F32Vector>(
        p: &F16Passes<'_, V, f32>,
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

impl HalfOutput for f16 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column<V: F32Vector>(
        p: &F16Passes<'_, V, f16>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [f16],
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
                V::narrow_f16(p.simd, &t[LONGEST..LONGEST + count], &mut out1[start..end]);
            }
            V::narrow_f16(p.simd, &t[..count], &mut out0[start..end]);
            start = end;
        }
    }
}

impl<V: F32Vector, D: HalfOutput> Passes for F16Passes<'_, V, D> {
    type Src = f16;
    type Mid = f32;
    type Dst = D;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row(&self, input: &[f16], out: &mut [f32], step: usize) {
        let reach = (self.row.len() - 1) * step;
        let mut buffers = self.buffers.borrow_mut();
        let len = out.len();
        let mut start = 0;
        while start < len {
            let count = chunk(len - start);
            let wide = &mut buffers.wide[..count + reach];
            V::widen_f16(self.simd, &input[start..start + count + reach], wide);
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
    fn constant_line(&self, v: f16) -> f32 {
        let v = v.to_f32();
        self.row.iter().fold(0.0, |acc, &w| v * w + acc)
    }
}
