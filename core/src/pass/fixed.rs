//! The u8 fixed-point passes (scalar): integer arithmetic exactly as the
//! recipe in [`crate::fixed`] defines it. Every SIMD backend must produce
//! the same bits.

use crate::fixed::FixedPoint;
use crate::plan::Output;

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
    fn column(&self, lines: &[i16], offsets: &[usize], out0: &mut [D], out1: Option<&mut [D]>) {
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
