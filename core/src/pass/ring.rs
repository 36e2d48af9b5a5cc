//! The ring of row-filtered lines: where source rows come from and output
//! rows go ([`Frames`]), and the loop that row-filters each source row once
//! into the ring and runs the column pass over it (the module docs of
//! `pass` have the algorithm).

use core::ops::Range;

use crate::border::Border;
use crate::image::{ImageView, ImageViewMut, InPlaceRows};
use crate::kernel::MAX_TAPS;

use super::geometry::{bytes_to_f32s, Geometry, Layout};
use super::{Passes, MAX_COLUMN_ROWS};

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

/// One image (or a band of it), filtered in place: rows outside the band
/// come from the copies taken before any band was written.
impl<T: Copy> Frames<T, T> for InPlaceRows<'_, '_, '_, T> {
    fn source_row(&self, y: usize) -> &[T] {
        let len = self.image.width() * self.image.channels();
        let (first, rows) = if y < self.first_row {
            self.above
        } else if y - self.first_row < self.image.height() {
            return self.image.row_ref(y - self.first_row);
        } else {
            self.below
        };
        let start = (y - first) * len;
        &rows[start..start + len]
    }
    fn dest_block(&mut self, y: usize, rows: usize) -> (&mut [T], usize) {
        self.image.row_block_mut(y - self.first_row, rows)
    }
}

/// Row-filters output columns `xs` of one source row into `out` (which
/// starts at column `xs.start`): the middle straight from the source, the
/// outputs near each edge from a short padded copy.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn row_line<P: Passes>(
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
#[cfg_attr(not(debug_assertions), inline(always))]
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
#[cfg_attr(not(debug_assertions), inline(always))]
fn copy_pixel<T: Copy>(dst: &mut [T], src: &[T]) {
    for (i, d) in dst.iter_mut().enumerate().take(4) {
        if let Some(&s) = src.get(i) {
            *d = s;
        }
    }
}

/// The scratch cut into the row-filtered lines and the edge copy.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn cut_scratch<'s, P: Passes>(
    layout: &Layout,
    scratch: &'s mut [f32],
) -> (&'s mut [P::Mid], &'s mut [P::Src]) {
    let mid_f32 = bytes_to_f32s(layout.mid_lines() * layout.line_stride * core::mem::size_of::<P::Mid>());
    // The lines start at their type's alignment (the slack `scratch_len` counts).
    let align = core::mem::align_of::<P::Mid>();
    let skip = (align - scratch.as_ptr() as usize % align) % align / core::mem::size_of::<f32>();
    let (mid_area, edge_area) = scratch[skip..].split_at_mut(mid_f32);
    (bytemuck::cast_slice_mut(mid_area), bytemuck::cast_slice_mut(edge_area))
}

/// Filters output rows `rows` (all of them, or a band).
///
/// `constants` are the horizontal and vertical border constants converted
/// to the source type (ignored unless the mode is `Constant`). The plan has
/// checked the frames' shapes and the scratch length.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn run<P: Passes>(
    passes: &P,
    geo: &Geometry,
    frames: &mut dyn Frames<P::Src, P::Dst>,
    rows: Range<usize>,
    constants: (P::Src, P::Src),
    scratch: &mut [f32],
) {
    let Some(layout) = geo.layout() else { return };
    let xs = 0..geo.out_width;
    let n = geo.column_taps;
    let ls = layout.line_stride;
    let c = geo.channels;
    let line_len = xs.len() * c;
    let (mid, edge) = cut_scratch::<P>(&layout, scratch);
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
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn split_rows<D>(out: &mut [D], stride: usize, rows: usize, len: usize) -> (&mut [D], Option<&mut [D]>) {
    if rows >= 2 {
        let (a, b) = out.split_at_mut(stride);
        (&mut a[..len], Some(&mut b[..len]))
    } else {
        (&mut out[..len], None)
    }
}
