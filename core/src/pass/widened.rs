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
//!   to `0..=65535` and rounded to nearest, ties up.

use core::cell::RefCell;
use core::marker::PhantomData;

use super::column::column_f32;
use super::ring::split_rows;
use super::row::{row_f32, Fold};
use super::Passes;
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
    fn narrow<V: F32Vector>(simd: V::Token, src: &[f32], dst: &mut [Self]) {
        V::narrow_u16(simd, src, dst);
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

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use crate::fixed16;
    use crate::simd::{F32Vector, Simd};

    /// Every backend's vector narrowing gives `narrow`'s bits: ties and
    /// their neighbours, clamps, infinities, NaN, and a tail.
    #[test]
    fn every_backend_narrows_as_narrow() {
        let mut xs = vec![-1e30, -65536.0, -0.75, -0.5, -0.25, -0.0, 0.0, 1e-30, 65535.0, 65535.5, 65536.0, 3e9, 1e30];
        xs.extend([f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MAX]);
        for k in 0..65535u16 {
            let x = k as f32 + 0.5;
            xs.extend([x, f32::from_bits(x.to_bits() - 1), f32::from_bits(x.to_bits() + 1)]);
        }
        assert_eq!(fixed16::HALF_DOWN, f32::from_bits(0.5f32.to_bits() - 1));
        xs.push(7.0); // a length that leaves a tail for 8 and 16 lanes
        let want: Vec<u16> = xs.iter().map(|&x| fixed16::narrow(x)).collect();
        let check = |name: &str, narrow_u16: &dyn Fn(&[f32], &mut [u16])| {
            let mut got = vec![0; xs.len()];
            narrow_u16(&xs, &mut got);
            for ((x, g), w) in xs.iter().zip(&got).zip(&want) {
                assert_eq!(g, w, "{name}: {x}");
            }
        };
        check("scalar", &|s, d| f32::narrow_u16(crate::simd::Scalar, s, d));
        type Portable = <crate::simd::Portable as Simd>::F32;
        check("portable", &|s, d| Portable::narrow_u16(crate::simd::Portable, s, d));
        #[cfg(target_arch = "x86_64")]
        {
            use crate::arch::x86_64::{Avx2, Avx512};
            type F32x8 = <Avx2 as Simd>::F32;
            type F32x16 = <Avx512 as Simd>::F32;
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has AVX2 and FMA (and so F16C).
                let t = unsafe { Avx2::new_unchecked() };
                check("avx2", &|s, d| F32x8::narrow_u16(t, s, d));
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has AVX-512F/BW (and AVX2, FMA, F16C with them).
                let t = unsafe { Avx512::new_unchecked() };
                check("avx512", &|s, d| F32x16::narrow_u16(t, s, d));
            }
        }
    }
}
