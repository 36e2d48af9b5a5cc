//! The engine, written once for every sample type and instruction set.
//!
//! ```text
//! for each step of output rows y … y + r − 1 (r = 4, or 2 for f16):
//!     for each virtual source row v the column kernel needs (y − ay … y − ay + n + r − 2):
//!         if v is not in the ring yet:
//!             row-filter source row border(v) into ring slot v mod (n + r − 1)
//!     column pass: out[y + k] = Σ_j c[j] · line(y − ay + j + k) for k < r
//! ```
//!
//! * **Row pass** ([`Passes::row`]): a "valid" correlation over a slice,
//!   `out[e] = Σ_i r[i] · in[e + i·channels]`. Interleaved channels are just a
//!   tap stride, so 1–4 channels run in the same SIMD loop. The middle of a
//!   row is read straight from the source; the few outputs near each edge
//!   read a short padded copy built by the border rule.
//! * **Ring** of `n + r − 1` row-filtered lines in the scratch buffer: each
//!   source row is row-filtered once, the image is read once and written once,
//!   and the lines stay in L1/L2 while the column pass consumes them.
//! * **Column pass** ([`Passes::column`]): consecutive output rows share
//!   `n − 1` of their `n` lines, so each loaded line serves every row of the
//!   step that reads it (f32: four rows a step on AVX2 and AVX-512).
//! * **Borders**: rows above the image are filtered when first needed (before
//!   any output row is written); rows below the image are filtered up front
//!   into their own lines, and a `Constant` vertical border has one constant
//!   line. That order is what makes in-place filtering safe: every source row
//!   is read before the output row that overwrites it.

mod blocks;
pub(crate) mod column;
pub(crate) mod direct2d;
pub(crate) mod fixed;
mod geometry;
mod ring;
pub(crate) mod row;
mod small;
mod stream;
pub(crate) mod wide;
pub(crate) mod widened;

use core::ops::Range;

use bytemuck::Pod;

use crate::simd::F32Vector;

pub(crate) use geometry::Geometry;
pub(crate) use ring::{Frames, Separate};
pub(crate) use stream::{rows_read, stream_geometry};

/// Column steps over `rows` output rows, as `(first row, rows)`: four rows
/// while they fit, then two and one.
pub(crate) fn four_two_one(rows: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut first = 0;
    core::iter::from_fn(move || {
        let step = match rows.checked_sub(first)? {
            0 => return None,
            1 => 1,
            2 | 3 => 2,
            _ => 4,
        };
        first += step;
        Some((first - step, step))
    })
}

/// The widest vector block of any row pass (u8 pairs of AVX-512 vectors).
pub(crate) const MAX_ROW_LANES: usize = 64;

/// The fewest inside samples an edge piece's copy takes in one block copy
/// (`ring::RowEdges`; a block copy of fewer is a call to `memcpy`).
pub(crate) const MIN_RUN: usize = 16;

/// The float row passes make an edge piece of fewer multiply-adds than
/// this one output at a time: at 3 to 9 taps (one to four outputs a side)
/// that was faster than a vector block from a copy of the edge (f32 512²
/// 3 taps ×0.93 as blocks), from 11 taps slower. The u8 passes' single
/// outputs cost more: their pieces are always blocks.
pub(crate) const FLOAT_SCALAR_EDGE: usize = 48;

/// `outputs` rounded up to whole blocks of `lanes`, unless they are fewer
/// than `scalar_below` multiply-adds at `taps` taps (or the blocks are wider
/// than the scratch's edge copy allows).
pub(crate) fn edge_piece(outputs: usize, taps: usize, lanes: usize, scalar_below: usize) -> usize {
    if lanes > MAX_ROW_LANES || outputs.saturating_mul(taps) < scalar_below {
        outputs
    } else {
        outputs.div_ceil(lanes) * lanes
    }
}

/// The most output rows one column step makes (the transposed tile height).
pub(crate) const MAX_COLUMN_ROWS: usize = 16;

/// Output rows per driver step of the direct f32 column pass (the ring
/// holds `n + 3` lines); the pass makes them in steps of
/// [`F32Vector::COLUMN_ROWS`]. The other sample types step
/// [`Sample::DIRECT_ROWS`](crate::sample::Sample::DIRECT_ROWS).
pub(crate) const F32_DIRECT_ROWS: usize = 4;

/// The three operations a (sample type × instruction set) pair provides.
pub(crate) trait Passes {
    /// Source samples.
    type Src: Pod;
    /// Row-filtered samples (the ring).
    type Mid: Pod;
    /// Output samples.
    type Dst: Pod;
    /// `out[e] = Σ_i r[i] · input[e + i·step]` for every `e` of `out`;
    /// `input.len() ≥ out.len() + (n − 1)·step`.
    fn row(&self, input: &[Self::Src], out: &mut [Self::Mid], step: usize);
    /// The outputs (samples) a row's edge piece makes where it must make
    /// `outputs`: rounded up to whole vector blocks of [`row`](Self::row)
    /// ([`edge_piece`]) where that is faster than making them one at a time.
    fn edge_piece(&self, outputs: usize) -> usize;
    /// [`row`](Self::row) for an edge piece, with the same results: a pass
    /// may make a piece shorter than a vector here, in the caller's code,
    /// rather than in a call of the row pass.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row_edge(&self, input: &[Self::Src], out: &mut [Self::Mid], step: usize) {
        self.row(input, out, step);
    }
    /// `rows` output rows of `len` elements, row `r` at `out[r·stride..]`:
    /// `out_r[e] = Σ_j c[j] · lines[offsets[r + j] + e]`; `offsets` has
    /// `n + rows − 1` entries. `rows` is at most the geometry's `column_rows`.
    fn column(
        &self,
        lines: &[Self::Mid],
        offsets: &[usize],
        out: &mut [Self::Dst],
        stride: usize,
        rows: usize,
        len: usize,
    );
    /// The row-filtered value of a line that is `v` everywhere.
    fn constant_line(&self, v: Self::Src) -> Self::Mid;
    /// Called once after the last row (orders streamed stores).
    fn finish(&self) {}
}

/// The f32 passes on vector type `V`.
pub(crate) struct F32Passes<'k, V: F32Vector> {
    simd: V::Token,
    row: &'k [f32],
    row_fold: row::Fold,
    column: &'k [f32],
    column_fold: row::Fold,
    /// Non-temporal stores for the output (large images).
    stream: bool,
    /// The column pass runs on transposed tiles (else direct).
    #[cfg(feature = "tuning")]
    transposed: bool,
}

impl<'k, V: F32Vector> F32Passes<'k, V> {
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn new(simd: V::Token, row: &'k [f32], column: &'k [f32], geometry: &Geometry) -> Self {
        F32Passes {
            simd,
            row,
            row_fold: row::Fold::of(row),
            column,
            column_fold: row::Fold::of(column),
            stream: geometry.stream,
            #[cfg(feature = "tuning")]
            transposed: geometry.column_rows > F32_DIRECT_ROWS,
        }
    }
}

impl<V: F32Vector> Passes for F32Passes<'_, V> {
    type Src = f32;
    type Mid = f32;
    type Dst = f32;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row(&self, input: &[f32], out: &mut [f32], step: usize) {
        row::row_f32::<V>(self.simd, self.row, self.row_fold, input, out, step);
    }
    fn edge_piece(&self, outputs: usize) -> usize {
        edge_piece(outputs, self.row.len(), V::LANES, FLOAT_SCALAR_EDGE)
    }
    /// Fewer outputs than a vector are the row pass's single outputs
    /// (`row::one`), made here: the call of the row pass cost more than
    /// they do (f32-512-3 ×1.03 without it).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn row_edge(&self, input: &[f32], out: &mut [f32], step: usize) {
        if out.len() >= V::LANES {
            return self.row(input, out, step);
        }
        let (simd, taps) = (self.simd, self.row);
        for (k, o) in out.iter_mut().enumerate() {
            let x = |i: usize| input[k + i * step];
            *o = match self.row_fold {
                row::Fold::None => row::one::<V, 0>(simd, taps, x),
                row::Fold::Even => row::one::<V, 1>(simd, taps, x),
                row::Fold::Odd => row::one::<V, 2>(simd, taps, x),
            };
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn column(&self, lines: &[f32], offsets: &[usize], out: &mut [f32], stride: usize, rows: usize, len: usize) {
        #[cfg(feature = "tuning")]
        if self.transposed {
            let tiles = column::Tiles::<V> { simd: self.simd, taps: self.column, fold: self.column_fold };
            return tiles.run(lines, offsets, out, stride, rows, len);
        }
        let (simd, taps, fold) = (self.simd, self.column, self.column_fold);
        column::column_f32::<V, f32>(simd, taps, fold, lines, offsets, out, stride, rows, len, self.stream);
    }
    fn constant_line(&self, v: f32) -> f32 {
        self.row.iter().fold(-0.0, |acc, &w| v * w + acc)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finish(&self) {
        if self.stream {
            V::fence(self.simd);
        }
    }
}

/// What one engine call does: a whole image (or a band), or one step of a
/// stream (`crate::stream`), whose frames hold one source row and one
/// output row. A type, not a value, so that each kind is compiled on its
/// own: a stream's steps do not carry the whole-image driver (a third of a
/// microcontroller's flash budget).
pub(crate) trait Work {
    /// The output row the frames' destination starts at.
    fn first_row(&self) -> usize;
    /// The geometry to run with.
    fn geometry(&self, geometry: Geometry) -> Geometry;
    /// Runs the engine with `passes`.
    fn run<P: Passes>(
        self,
        passes: &P,
        geometry: &Geometry,
        frames: &mut dyn Frames<P::Src, P::Dst>,
        constants: (P::Src, P::Src),
        scratch: &mut [f32],
    );
}

/// Output rows `.0` of a whole image (or a band), by the ring driver.
pub(crate) struct Rows(pub Range<usize>);

impl Work for Rows {
    fn first_row(&self) -> usize {
        self.0.start
    }
    fn geometry(&self, geometry: Geometry) -> Geometry {
        geometry
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<P: Passes>(
        self,
        passes: &P,
        geometry: &Geometry,
        frames: &mut dyn Frames<P::Src, P::Dst>,
        constants: (P::Src, P::Src),
        scratch: &mut [f32],
    ) {
        ring::run(passes, geometry, frames, self.0, constants, scratch);
    }
}

/// A stream's step: source row `.0` (the frames' row 0) row-filtered into its ring.
pub(crate) struct StreamLine(pub usize);

impl Work for StreamLine {
    fn first_row(&self) -> usize {
        0
    }
    fn geometry(&self, geometry: Geometry) -> Geometry {
        stream_geometry(geometry)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<P: Passes>(
        self,
        passes: &P,
        geometry: &Geometry,
        frames: &mut dyn Frames<P::Src, P::Dst>,
        constants: (P::Src, P::Src),
        scratch: &mut [f32],
    ) {
        stream::line(passes, geometry, frames.source_row(0), self.0, constants, scratch);
    }
}

/// A stream's step: output row `.0` (the frames' output row) from its ring.
pub(crate) struct StreamRow(pub usize);

impl Work for StreamRow {
    fn first_row(&self) -> usize {
        self.0
    }
    fn geometry(&self, geometry: Geometry) -> Geometry {
        stream_geometry(geometry)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<P: Passes>(
        self,
        passes: &P,
        geometry: &Geometry,
        frames: &mut dyn Frames<P::Src, P::Dst>,
        _: (P::Src, P::Src),
        scratch: &mut [f32],
    ) {
        let (out, _) = frames.dest_block(self.0, 1);
        stream::output(passes, geometry, self.0, out, scratch);
    }
}

/// The arguments of one filter call, handed to an instruction-set entry point.
pub(crate) struct Job<'j, S, D, W> {
    pub geometry: &'j Geometry,
    pub frames: &'j mut dyn Frames<S, D>,
    pub work: W,
    pub constants: (S, S),
    pub scratch: &'j mut [f32],
}

impl<S: Pod, D: Pod, W: Work> Job<'_, S, D, W> {
    /// Runs the engine with the given passes.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn run<P: Passes<Src = S, Dst = D>>(self, passes: &P) {
        self.work.run(passes, self.geometry, self.frames, self.constants, self.scratch);
        passes.finish();
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::{four_two_one, F32Passes, Geometry, Passes};
    use crate::border::Border;
    use crate::simd::{F32Vector, Simd};

    /// `F32Passes::row_edge` against `row` on `V`, bit for bit: every
    /// output count below a vector, steps 1–4, symmetric (folded),
    /// antisymmetric and other kernels, samples near `f32::MAX` (folding's
    /// overflow guard) among them.
    fn check_row_edge<V: F32Vector>(t: V::Token, name: &str) {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut kernels: Vec<Vec<f32>> = Vec::new();
        for n in 1..=17usize {
            let half: Vec<f32> = (0..n).map(|_| (next() % 2001) as f32 / 1000.0 - 1.0).collect();
            kernels.push((0..n).map(|i| half[i.min(n - 1 - i)]).collect());
            let sign = |i: usize| match (2 * i + 1).cmp(&n) {
                core::cmp::Ordering::Less => 1.0,
                core::cmp::Ordering::Equal => 0.0,
                core::cmp::Ordering::Greater => -1.0,
            };
            kernels.push((0..n).map(|i| half[i.min(n - 1 - i)] * sign(i)).collect());
            kernels.push(half);
        }
        let geometry = Geometry {
            width: 64,
            height: 1,
            channels: 1,
            out_width: 64,
            out_height: 1,
            x_origin: 0,
            y_origin: 0,
            row_taps: 1,
            column_taps: 1,
            horizontal: Border::Replicate,
            vertical: Border::Replicate,
            stream: false,
            column_rows: 1,
        };
        for taps in &kernels {
            let passes = F32Passes::<V>::new(t, taps, &[1.0], &geometry);
            for step in 1..=4 {
                for len in 1..V::LANES {
                    let input: Vec<f32> = (0..len + (taps.len() - 1) * step)
                        .map(|_| match next() % 8 {
                            0 => f32::MAX * 0.75,
                            1 => -f32::MAX * 0.75,
                            k => (next() % 100_000) as f32 / 64.0 - 700.0 * k as f32,
                        })
                        .collect();
                    let (mut want, mut got) = ([0.0f32; 64], [0.0f32; 64]);
                    passes.row(&input, &mut want[..len], step);
                    passes.row_edge(&input, &mut got[..len], step);
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&got[..len]),
                        bits(&want[..len]),
                        "{name}: taps {taps:?}, step {step}, {len} outputs"
                    );
                }
            }
        }
    }

    #[test]
    fn f32_edge_outputs_are_the_row_pass_outputs() {
        check_row_edge::<f32>(crate::simd::Scalar, "scalar");
        check_row_edge::<<crate::simd::Portable as Simd>::F32>(crate::simd::Portable, "portable");
        #[cfg(target_arch = "x86_64")]
        {
            use crate::arch::x86_64::{Avx2, Avx512};
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has AVX2 and FMA (and so F16C).
                check_row_edge::<<Avx2 as Simd>::F32>(unsafe { Avx2::new_unchecked() }, "avx2");
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
                // SAFETY: the CPU has AVX-512F/BW (and AVX2, FMA, F16C with them).
                check_row_edge::<<Avx512 as Simd>::F32>(unsafe { Avx512::new_unchecked() }, "avx512");
            }
        }
    }

    #[test]
    fn column_steps_cover_every_row_once() {
        for rows in 0..12 {
            let steps: [(usize, usize); 8] = core::array::from_fn(|i| four_two_one(rows).nth(i).unwrap_or((0, 0)));
            let mut next = 0;
            for &(first, step) in steps.iter().take_while(|s| s.1 > 0) {
                assert_eq!(first, next, "{rows} rows");
                assert!(step == 4 || (step == 2 && rows - first < 4) || (step == 1 && rows - first == 1));
                next += step;
            }
            assert_eq!(next, rows, "{rows} rows");
        }
    }
}
