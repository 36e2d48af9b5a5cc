//! The engine, written once for every sample type and instruction set.
//!
//! ```text
//! for each output row y (two at a time):
//!     for each virtual source row v the column kernel needs (y − ay … y − ay + n):
//!         if v is not in the ring yet:
//!             row-filter source row border(v) into ring slot v mod (n + 1)
//!     column pass: out[y], out[y+1] = Σ_j c[j] · line(y − ay + j [+1])
//! ```
//!
//! * **Row pass** ([`Passes::row`]): a "valid" correlation over a slice,
//!   `out[e] = Σ_i r[i] · in[e + i·channels]`. Interleaved channels are just a
//!   tap stride, so 1–4 channels run in the same SIMD loop. The middle of a
//!   row is read straight from the source; the few outputs near each edge
//!   read a short padded copy built by the border rule.
//! * **Ring** of `n + 1` row-filtered lines in the scratch buffer: each
//!   source row is row-filtered once, the image is read once and written once,
//!   and the lines stay in L1/L2 while the column pass consumes them.
//! * **Column pass** ([`Passes::column`]): two output rows per step share
//!   `n − 1` of their `n` lines, so each loaded line serves both.
//! * **Borders**: rows above the image are filtered when first needed (before
//!   any output row is written); rows below the image are filtered up front
//!   into their own lines, and a `Constant` vertical border has one constant
//!   line. That order is what makes in-place filtering safe: every source row
//!   is read before the output row that overwrites it.

pub(crate) mod column;
pub(crate) mod fixed;
pub(crate) mod row;

use core::ops::Range;

use bytemuck::Pod;

use crate::border::Border;
use crate::image::{ImageView, ImageViewMut};
use crate::kernel::MAX_TAPS;

/// The most output rows one column step makes (the transposed tile height).
pub(crate) const MAX_COLUMN_ROWS: usize = 16;

/// Elements a row-filtered line is padded to, so lines start 64-byte apart.
const LINE_ALIGN: usize = 16;

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

/// Where source rows come from and output rows go: two images, or one (in place).
pub(crate) trait Frames<S, D> {
    /// Source row `y`.
    fn source_row(&self, y: usize) -> &[S];
    /// Output rows `y .. y + rows` (indices into the whole output) as one
    /// slice from the start of row `y` to the end of the last row, and the stride.
    fn dest_block(&mut self, y: usize, rows: usize) -> (&mut [D], usize);
}

/// A source and a destination (possibly a band of the output starting at `first_row`).
pub(crate) struct Separate<'v, 'a, 'b, S, D> {
    pub src: ImageView<'a, S>,
    pub dst: &'v mut ImageViewMut<'b, D>,
    pub first_row: usize,
}

impl<S: Copy, D: Copy> Frames<S, D> for Separate<'_, '_, '_, S, D> {
    fn source_row(&self, y: usize) -> &[S] {
        self.src.row_unchecked_index(y)
    }
    fn dest_block(&mut self, y: usize, rows: usize) -> (&mut [D], usize) {
        self.dst.row_block_mut(y - self.first_row, rows)
    }
}

/// One image, filtered in place.
pub(crate) struct InPlace<'v, 'a, T> {
    pub image: &'v mut ImageViewMut<'a, T>,
}

impl<T: Copy> Frames<T, T> for InPlace<'_, '_, T> {
    fn source_row(&self, y: usize) -> &[T] {
        self.image.row_ref(y)
    }
    fn dest_block(&mut self, y: usize, rows: usize) -> (&mut [T], usize) {
        self.image.row_block_mut(y, rows)
    }
}

/// Everything about the shapes that the engine needs, derived once by the plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Geometry {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub out_width: usize,
    pub out_height: usize,
    /// Virtual source column of output column 0 (`−anchor`, or 0 for "valid").
    pub x_origin: isize,
    /// Virtual source row of output row 0.
    pub y_origin: isize,
    pub row_taps: usize,
    pub column_taps: usize,
    pub horizontal: Border,
    pub vertical: Border,
    /// Output columns per vertical strip (the whole width: no strips).
    pub strip_width: usize,
    /// Non-temporal stores for the output.
    pub stream: bool,
    /// Output rows per column step: 2 (direct) or a tile height (transposed).
    pub column_rows: usize,
}

/// How the scratch buffer is cut, in elements of the types involved.
struct Layout {
    line_stride: usize,
    ring_lines: usize,
    bottom_lines: usize,
    constant_lines: usize,
    edge_len: usize,
}

impl Layout {
    fn mid_lines(&self) -> usize {
        self.ring_lines + self.bottom_lines + self.constant_lines
    }
}

fn bytes_to_f32s(bytes: usize) -> usize {
    bytes.div_ceil(core::mem::size_of::<f32>())
}

impl Geometry {
    fn layout(&self) -> Option<Layout> {
        let row_len = self.strip_width.checked_mul(self.channels)?;
        let line_stride = row_len.checked_next_multiple_of(LINE_ALIGN)?;
        let n = self.column_taps;
        // Checked: a shape of 2^63 rows must be refused here, not wrap.
        let isize_of = |v: usize| isize::try_from(v).ok();
        let last_v =
            isize_of(self.out_height.checked_sub(1)?)?.checked_add(self.y_origin)?.checked_add(isize_of(n - 1)?)?;
        let below = last_v.checked_sub(isize_of(self.height)?)?.checked_add(1)?;
        let constant = matches!(self.vertical, Border::Constant(_));
        let bottom_lines = if constant { 0 } else { below.max(0) as usize };
        Some(Layout {
            line_stride,
            ring_lines: n + self.column_rows - 1,
            bottom_lines,
            constant_lines: constant as usize,
            edge_len: (2 * self.row_taps).checked_mul(self.channels)?,
        })
    }

    /// Scratch `f32` elements for a source type `S` and line type `M`.
    pub(crate) fn scratch_len<S, M>(&self) -> Option<usize> {
        let l = self.layout()?;
        let mid_bytes = l.mid_lines().checked_mul(l.line_stride)?.checked_mul(core::mem::size_of::<M>())?;
        let edge_bytes = l.edge_len.checked_mul(core::mem::size_of::<S>())?;
        bytes_to_f32s(mid_bytes).checked_add(bytes_to_f32s(edge_bytes))
    }

    /// Outputs `[lo, hi)` of a row read only source columns inside the image.
    fn interior(&self) -> (usize, usize) {
        let lo = (-self.x_origin).clamp(0, self.out_width as isize);
        let hi = (self.width as isize - self.row_taps as isize + 1 - self.x_origin).clamp(0, self.out_width as isize);
        (lo as usize, hi as usize)
    }
}

/// Row-filters output columns `xs` of one source row into `out` (which
/// starts at column `xs.start`): the middle straight from the source, the
/// outputs near each edge from a short padded copy.
#[inline(always)]
fn row_line<P: Passes>(
    passes: &P,
    geo: &Geometry,
    src: &[P::Src],
    out: &mut [P::Mid],
    edge: &mut [P::Src],
    constant: P::Src,
    xs: Range<usize>,
) {
    let c = geo.channels;
    let (lo, hi) = geo.interior();
    if lo < hi {
        let (a, b) = (lo.clamp(xs.start, xs.end), hi.clamp(xs.start, xs.end));
        if a < b {
            let start = (a as isize + geo.x_origin) as usize * c;
            passes.row(&src[start..], &mut out[(a - xs.start) * c..(b - xs.start) * c], c);
        }
        row_piece(passes, geo, src, out, edge, constant, xs.start..a, xs.start);
        row_piece(passes, geo, src, out, edge, constant, b..xs.end, xs.start);
    } else {
        row_piece(passes, geo, src, out, edge, constant, xs.clone(), xs.start);
    }
}

/// Row-filters outputs `xs` of a row through a padded copy of the source
/// columns they read (at most `2n − 2` columns: `xs` lies within `n − 1` of an edge,
/// or the row is shorter than the kernel). `out` starts at column `origin`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row_piece<P: Passes>(
    passes: &P,
    geo: &Geometry,
    src: &[P::Src],
    out: &mut [P::Mid],
    edge: &mut [P::Src],
    constant: P::Src,
    xs: Range<usize>,
    origin: usize,
) {
    if xs.is_empty() {
        return;
    }
    let c = geo.channels;
    let first = xs.start as isize + geo.x_origin;
    let cols = xs.len() + geo.row_taps - 1;
    for (k, px) in edge[..cols * c].chunks_exact_mut(c).enumerate() {
        match geo.horizontal.map(first + k as isize, geo.width) {
            Some(x) => copy_pixel(px, &src[x * c..x * c + c]),
            None => px.fill(constant),
        }
    }
    passes.row(&edge[..cols * c], &mut out[(xs.start - origin) * c..(xs.end - origin) * c], c);
}

/// Copies one pixel of `dst.len()` (1–4) samples. Spelled out: a
/// `copy_from_slice` of a runtime length was a call to `memcpy` per pixel,
/// and a loop became vectorised code with a remainder loop.
#[inline(always)]
fn copy_pixel<T: Copy>(dst: &mut [T], src: &[T]) {
    for (i, d) in dst.iter_mut().enumerate().take(4) {
        if let Some(&s) = src.get(i) {
            *d = s;
        }
    }
}

/// Filters output rows `rows` (all of them, or a band).
///
/// `constant_h`/`constant_v` are the border constants converted to the
/// source type (ignored unless the mode is `Constant`). The plan has checked
/// the frames' shapes and the scratch length.
#[inline(always)]
pub(crate) fn run<P: Passes>(
    passes: &P,
    geo: &Geometry,
    frames: &mut dyn Frames<P::Src, P::Dst>,
    rows: Range<usize>,
    constants: (P::Src, P::Src),
    scratch: &mut [f32],
) {
    let mut x0 = 0;
    while x0 < geo.out_width {
        let x1 = (x0 + geo.strip_width).min(geo.out_width);
        run_strip(passes, geo, frames, rows.clone(), x0..x1, constants, scratch);
        x0 = x1;
    }
}

/// One vertical strip: output columns `xs` of output rows `rows`.
#[inline(always)]
fn run_strip<P: Passes>(
    passes: &P,
    geo: &Geometry,
    frames: &mut dyn Frames<P::Src, P::Dst>,
    rows: Range<usize>,
    xs: Range<usize>,
    constants: (P::Src, P::Src),
    scratch: &mut [f32],
) {
    let Some(layout) = geo.layout() else { return };
    let n = geo.column_taps;
    let ls = layout.line_stride;
    let c = geo.channels;
    let line_len = xs.len() * c;
    let mid_f32 = bytes_to_f32s(layout.mid_lines() * ls * core::mem::size_of::<P::Mid>());
    let (mid_area, edge_area) = scratch.split_at_mut(mid_f32);
    let mid: &mut [P::Mid] = bytemuck::cast_slice_mut(mid_area);
    let edge: &mut [P::Src] = bytemuck::cast_slice_mut(edge_area);
    let (constant_h, constant_v) = constants;
    let h = geo.height as isize;
    let v_first = rows.start as isize + geo.y_origin;
    let v_last = (rows.end - 1) as isize + geo.y_origin + (n - 1) as isize;
    let bottom_base = layout.ring_lines * ls;
    let constant_base = bottom_base + layout.bottom_lines * ls;
    let vertical_constant = matches!(geo.vertical, Border::Constant(_));

    // Virtual row `v` inside the image (or above it) lives in ring slot
    // `(v − v_first) mod ring`; the callers count slots instead of dividing
    // (a division per line and per offset was a visible part of a narrow
    // image's per-row cost).
    let ring = layout.ring_lines;
    let line_offset = |v: isize, slot: usize| -> usize {
        if vertical_constant && !(0..h).contains(&v) {
            constant_base
        } else if v >= h {
            bottom_base + (v - h) as usize * ls
        } else {
            slot * ls
        }
    };
    let wrap = |slot: usize| if slot >= ring { slot - ring } else { slot };

    if vertical_constant {
        let value = passes.constant_line(constant_v);
        mid[constant_base..constant_base + line_len].fill(value);
    } else {
        // Rows below the image, filtered before any output row is written.
        for v in h.max(v_first)..=v_last {
            let y = geo.vertical.map(v, geo.height).unwrap_or(0);
            let off = line_offset(v, 0); // below the image: its own line, no ring slot
            row_line(passes, geo, frames.source_row(y), &mut mid[off..off + line_len], edge, constant_h, xs.clone());
        }
    }

    let mut offsets = [0usize; MAX_TAPS + MAX_COLUMN_ROWS];
    // `next_v` and `top` (the first line of the step) with their ring slots;
    // `count ≤ ring`, so one subtraction wraps a slot.
    let (mut next_v, mut next_slot) = (v_first, 0);
    let mut top_slot = 0;
    let mut y = rows.start;
    while y < rows.end {
        let step = geo.column_rows.min(rows.end - y);
        let count = n + step - 1;
        let top = y as isize + geo.y_origin;
        let needed = top + count as isize - 1;
        while next_v <= needed {
            let (v, slot) = (next_v, next_slot);
            next_v += 1;
            next_slot = wrap(next_slot + 1);
            if v >= h || (vertical_constant && v < 0) {
                continue; // precomputed
            }
            let y_src = geo.vertical.map(v, geo.height).unwrap_or(0);
            let off = line_offset(v, slot);
            row_line(
                passes,
                geo,
                frames.source_row(y_src),
                &mut mid[off..off + line_len],
                edge,
                constant_h,
                xs.clone(),
            );
        }
        let mut slot = top_slot;
        for (j, o) in offsets[..count].iter_mut().enumerate() {
            *o = line_offset(top + j as isize, slot);
            slot = wrap(slot + 1);
        }
        let (block, stride) = frames.dest_block(y, step);
        passes.column(mid, &offsets[..count], &mut block[xs.start * c..], stride, step, line_len);
        y += step;
        top_slot = wrap(top_slot + step);
    }
}

/// The first one or two rows of a block of output rows (direct column passes).
#[inline(always)]
pub(crate) fn split_rows<D>(out: &mut [D], stride: usize, rows: usize, len: usize) -> (&mut [D], Option<&mut [D]>) {
    if rows >= 2 {
        let (a, b) = out.split_at_mut(stride);
        (&mut a[..len], Some(&mut b[..len]))
    } else {
        (&mut out[..len], None)
    }
}

/// The f32 passes on vector type `V`.
pub(crate) struct F32Passes<'k, V> {
    pub row: &'k [f32],
    pub row_fold: row::Fold,
    pub column: &'k [f32],
    /// Non-temporal stores for the output (large images).
    pub stream: bool,
    /// The column pass runs on transposed tiles (else direct).
    pub transposed: bool,
    pub column_fold: row::Fold,
    pub _vector: core::marker::PhantomData<V>,
}

impl<'k, V> F32Passes<'k, V> {
    #[inline(always)]
    pub(crate) fn new(row: &'k [f32], column: &'k [f32], geometry: &Geometry) -> Self {
        F32Passes {
            row,
            row_fold: row::Fold::of(row),
            column,
            stream: geometry.stream,
            transposed: geometry.column_rows > 2,
            column_fold: row::Fold::of(column),
            _vector: core::marker::PhantomData,
        }
    }
}

impl<V: crate::simd::F32Vector> Passes for F32Passes<'_, V> {
    type Src = f32;
    type Mid = f32;
    type Dst = f32;
    #[inline(always)]
    fn row(&self, input: &[f32], out: &mut [f32], step: usize) {
        row::row_f32::<V>(self.row, self.row_fold, input, out, step);
    }
    #[inline(always)]
    fn column(&self, lines: &[f32], offsets: &[usize], out: &mut [f32], stride: usize, rows: usize, len: usize) {
        if self.transposed {
            column::column_tiles_f32::<V>(self.column, self.column_fold, lines, offsets, out, stride, rows, len);
        } else {
            let (out0, out1) = split_rows(out, stride, rows, len);
            column::column_f32::<V>(self.column, self.column_fold, lines, offsets, out0, out1, self.stream);
        }
    }
    fn constant_line(&self, v: f32) -> f32 {
        self.row.iter().fold(0.0, |acc, &w| v * w + acc)
    }
    #[inline(always)]
    fn finish(&self) {
        if self.stream {
            V::fence();
        }
    }
}

/// The arguments of one filter call, handed to an instruction-set entry point.
pub(crate) struct Job<'j, S, D> {
    pub geometry: &'j Geometry,
    pub frames: &'j mut dyn Frames<S, D>,
    pub rows: Range<usize>,
    pub constants: (S, S),
    pub scratch: &'j mut [f32],
}

impl<S: Pod, D: Pod> Job<'_, S, D> {
    /// Runs the engine with the given passes.
    #[inline(always)]
    pub(crate) fn run<P: Passes<Src = S, Dst = D>>(self, passes: &P) {
        run(passes, self.geometry, self.frames, self.rows, self.constants, self.scratch);
        passes.finish();
    }
}
