//! Samples narrower than f32 filtered by the f32 passes: f16 (feature
//! `f16`), and u16 where the recipe of [`crate::fixed16`] takes its f32
//! form ([`FixedPoint16::f32_lanes`](crate::fixed16::FixedPoint16::f32_lanes)).
//! The row pass widens a chunk of the row to f32 at a time (exact: every
//! f16 and every u16 is an f32) and row-filters it; the ring holds f32
//! lines; the column pass narrows each vector it makes to u16 as it stores
//! it ([`ColumnOut`]), writes f32 outputs of f16 directly, and writes f16
//! outputs a chunk of f32 at a time, then narrows them.
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
use super::row::{row_f32, Fold};
use super::Passes;
use crate::kernel::MAX_TAPS;
use crate::sample::{Output, Sample};
use crate::simd::F32Vector;

/// Outputs the row pass converts at a time (the last chunk of a row takes
/// up to half a chunk more, so that none is shorter than a vector).
const ROW_CHUNK: usize = 512;
/// Outputs the column pass narrows at a time to f16, in each of its rows
/// (f16 steps [`Sample::DIRECT_ROWS`] rows).
#[cfg(feature = "f16")]
const COLUMN_CHUNK: usize = 512;
#[cfg(feature = "f16")]
const F16_ROWS: usize = <half::f16 as Sample>::DIRECT_ROWS;
const fn longest(chunk: usize) -> usize {
    chunk + chunk / 2
}
#[cfg(feature = "f16")]
const COLUMN_LONGEST: usize = longest(COLUMN_CHUNK);

/// The conversion buffers (made once per filter call: 7 KB, and 6 KB more
/// for f16).
struct Buffers {
    /// A chunk of the row pass's input, widened.
    wide: [f32; longest(ROW_CHUNK) + 4 * (MAX_TAPS - 1)],
    /// The rows of a chunk of f16 column outputs, before narrowing
    /// (`COLUMN_LONGEST` apart).
    #[cfg(feature = "f16")]
    out: [f32; F16_ROWS * COLUMN_LONGEST],
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
    /// The column pass into outputs of this type (as [`Passes::column`]).
    #[allow(clippy::too_many_arguments)]
    fn column<V: F32Vector>(
        passes: &WidenedPasses<'_, V, Self, Self>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [Self],
        stride: usize,
        rows: usize,
        len: usize,
    );
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
    /// A chunk of f32 outputs at a time, then narrowed.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column<V: F32Vector>(
        p: &WidenedPasses<'_, V, Self, Self>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [Self],
        stride: usize,
        rows: usize,
        len: usize,
    ) {
        assert!(rows <= F16_ROWS);
        let mut buffers = p.buffers.borrow_mut();
        let t = &mut buffers.out;
        let mut start = 0;
        while start < len {
            let count = next(COLUMN_CHUNK, len - start);
            // Line `j` of the chunk starts `start` elements into line `j`.
            let lines = &lines[start..];
            column_f32::<V, f32>(
                p.simd,
                p.column,
                p.column_fold,
                lines,
                offsets,
                t,
                COLUMN_LONGEST,
                rows,
                count,
                false,
            );
            for r in 0..rows {
                let at = r * stride + start;
                V::narrow_f16(p.simd, &t[r * COLUMN_LONGEST..][..count], &mut out[at..at + count]);
            }
            start += count;
        }
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
    /// Each vector narrowed as it is stored.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column<V: F32Vector>(
        p: &WidenedPasses<'_, V, Self, Self>,
        lines: &[f32],
        offsets: &[usize],
        out: &mut [Self],
        stride: usize,
        rows: usize,
        len: usize,
    ) {
        column_f32::<V, u16>(p.simd, p.column, p.column_fold, lines, offsets, out, stride, rows, len, false);
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
            buffers: RefCell::new(Buffers {
                wide: [0.0; longest(ROW_CHUNK) + 4 * (MAX_TAPS - 1)],
                #[cfg(feature = "f16")]
                out: [0.0; F16_ROWS * COLUMN_LONGEST],
            }),
            _types: PhantomData,
        }
    }
}

/// The length of the next chunk of `chunk` when `rest` outputs are left.
#[cfg_attr(not(debug_assertions), inline(always))]
fn next(chunk: usize, rest: usize) -> usize {
    if rest <= longest(chunk) {
        rest
    } else {
        chunk
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
        column_f32::<V, f32>(p.simd, p.column, p.column_fold, lines, offsets, out, stride, rows, len, false);
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
        S::column::<V>(p, lines, offsets, out, stride, rows, len);
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
            let count = next(ROW_CHUNK, len - start);
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
        self.row.iter().fold(-0.0, |acc, &w| v * w + acc)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use crate::fixed16;
    use crate::simd::{F32Vector, Simd};

    /// `xs` (a whole number of vectors) stored through `V::store_u16`.
    fn stored<V: F32Vector>(t: V::Token, xs: &[f32]) -> Vec<u16> {
        let mut got = vec![0; xs.len()];
        for (x, g) in xs.chunks_exact(V::LANES).zip(got.chunks_exact_mut(V::LANES)) {
            // SAFETY: `LANES` elements at each (the chunks' lengths); the
            // token proves the instructions.
            unsafe { V::load(t, x.as_ptr()).store_u16(g.as_mut_ptr()) };
        }
        got
    }

    /// Every backend's narrowing store gives `narrow`'s bits: ties and
    /// their neighbours, clamps, infinities, NaN.
    #[test]
    fn every_backend_stores_u16_as_narrow() {
        let mut xs = vec![-1e30, -65536.0, -0.75, -0.5, -0.25, -0.0, 0.0, 1e-30, 65535.0, 65535.5, 65536.0, 3e9, 1e30];
        xs.extend([f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MAX]);
        for k in 0..65535u16 {
            let x = k as f32 + 0.5;
            xs.extend([x, f32::from_bits(x.to_bits() - 1), f32::from_bits(x.to_bits() + 1)]);
        }
        assert_eq!(fixed16::HALF_DOWN, f32::from_bits(0.5f32.to_bits() - 1));
        xs.resize(xs.len().next_multiple_of(16), 7.0);
        let want: Vec<u16> = xs.iter().map(|&x| fixed16::narrow(x)).collect();
        let check = |name: &str, got: Vec<u16>| {
            for ((x, g), w) in xs.iter().zip(&got).zip(&want) {
                assert_eq!(g, w, "{name}: {x}");
            }
        };
        check("scalar", stored::<f32>(crate::simd::Scalar, &xs));
        check("portable", stored::<<crate::simd::Portable as Simd>::F32>(crate::simd::Portable, &xs));
        #[cfg(target_arch = "x86_64")]
        {
            use crate::arch::x86_64::{Avx2, Avx512};
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has AVX2 and FMA (and so F16C).
                let t = unsafe { Avx2::new_unchecked() };
                check("avx2", stored::<<Avx2 as Simd>::F32>(t, &xs));
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has AVX-512F/BW (and AVX2, FMA, F16C with them).
                let t = unsafe { Avx512::new_unchecked() };
                check("avx512", stored::<<Avx512 as Simd>::F32>(t, &xs));
            }
        }
    }
}
