//! The ring of row-filtered lines: where source rows come from and output
//! rows go ([`Frames`]), and the loop that row-filters each source row once
//! into the ring and runs the column pass over it (the module docs of
//! `pass` have the algorithm).

use core::ops::Range;

use crate::border::Border;
use crate::image::{ImageView, ImageViewMut, InPlaceRows};
use crate::kernel::MAX_TAPS;

use super::geometry::{bytes_to_f32s, Geometry, Layout};
use super::{Passes, MAX_COLUMN_ROWS, MAX_ROW_LANES, MIN_RUN};

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

/// How each row's outputs are made: the middle straight from the source
/// row, the outputs near each edge (at most two pieces) from a padded copy
/// of the source samples they read.
///
/// Where the row is long enough and the pass finds it faster
/// ([`Passes::edge_piece`]), a piece is whole vector blocks of the row pass
/// rather than single outputs in scalar code (those were 15 % of a u8
/// 9-tap filter's instructions), and the outputs between pieces are the
/// middle's. Which source sample each copied one is (the border rule) is
/// found once for all the rows of a call: a row's copy is one block copy of
/// the samples inside the image and one indexed load for each outside it.
pub(super) struct RowEdges<'s, T> {
    /// The outputs (samples of a line) read straight from the source row,
    /// and the source sample the first of them starts at.
    middle: (Range<usize>, usize),
    pieces: [Piece; 2],
    /// The source sample of each copied sample outside the image (piece by
    /// piece, those before its run, then those after); `usize::MAX` for the
    /// border's constant.
    map: &'s [usize],
    copy: &'s mut [T],
    constant: T,
    /// Samples a pixel (the row pass's step).
    channels: usize,
}

/// An edge piece: its outputs (samples of a line), and its copy of `len`
/// samples: those at `run` are the source samples from `run_source` on,
/// the others `map[entries]`.
struct Piece {
    outputs: Range<usize>,
    len: usize,
    run: Range<usize>,
    run_source: usize,
    entries: Range<usize>,
}

impl<'s, T: Copy> RowEdges<'s, T> {
    /// The pieces of a row of `geo`, `piece(k)` outputs where `k` are
    /// needed ([`Passes::edge_piece`]); `map` and `copy` are the scratch's
    /// areas for them, as [`Layout`] counts them.
    pub(super) fn new(
        geo: &Geometry,
        piece: impl Fn(usize) -> usize,
        map: &'s mut [usize],
        copy: &'s mut [T],
        constant: T,
    ) -> Self {
        let c = geo.channels;
        let line = geo.out_width * c;
        let reach = (geo.row_taps - 1) * c;
        // At most what `Layout::edge_len` leaves for a piece's outputs.
        let max_piece = geo.row_taps * c + MAX_ROW_LANES;
        let (lo, hi) = geo.interior();
        let (lo, hi) = (lo * c, hi * c);
        let (middle, outside) = if lo < hi {
            let (left, right) = (piece(lo), piece(line - hi));
            let (left, right) =
                if left + right <= line && left.max(right) <= max_piece { (left, line - right) } else { (lo, hi) };
            (left..right, [0..left, right..line])
        } else {
            (0..0, [0..line, line..line])
        };
        // The virtual (border-extended) source sample of output sample 0.
        let origin = geo.x_origin * c as isize;
        let samples = (geo.width * c) as isize;
        let mut used = 0;
        let pieces = outside.map(|outputs| {
            let len = if outputs.is_empty() { 0 } else { outputs.len() + reach };
            let first = outputs.start as isize + origin;
            let run_start = (-first).clamp(0, len as isize) as usize;
            let run_end = (samples - first).clamp(run_start as isize, len as isize) as usize;
            // A short run is copied sample by sample, through the map, as
            // the rest: a block copy of a few samples is a call to `memcpy`.
            let (run_start, run_end) = if run_end - run_start < MIN_RUN { (0, 0) } else { (run_start, run_end) };
            let outside = (0..run_start).chain(run_end..len);
            let entries = used..used + outside.clone().count();
            for (j, entry) in outside.zip(&mut map[entries.clone()]) {
                let v = first + j as isize;
                let x = geo.horizontal.map(v.div_euclid(c as isize), geo.width);
                *entry = x.map_or(usize::MAX, |x| x * c + v.rem_euclid(c as isize) as usize);
            }
            used = entries.end;
            let run_source = (first + run_start as isize).max(0) as usize;
            Piece { outputs, len, run: run_start..run_end, run_source, entries }
        });
        let middle_source = if middle.is_empty() { 0 } else { (middle.start as isize + origin) as usize };
        RowEdges { middle: (middle, middle_source), pieces, map, copy, constant, channels: c }
    }
}

/// Row-filters one source row into `out` (a whole line).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn row_line<P: Passes>(passes: &P, edges: &mut RowEdges<'_, P::Src>, src: &[P::Src], out: &mut [P::Mid]) {
    let RowEdges { middle: (middle, source), pieces, map, copy, constant, channels } = edges;
    let channels = *channels;
    if middle.start < middle.end {
        passes.row(&src[*source..], &mut out[middle.clone()], channels);
    }
    for Piece { outputs, len, run, run_source, entries } in pieces.iter() {
        if outputs.is_empty() {
            continue;
        }
        let copy = &mut copy[..*len];
        let gather = |copy: &mut [P::Src], map: &[usize]| {
            for (sample, &at) in copy.iter_mut().zip(map) {
                *sample = src.get(at).copied().unwrap_or(*constant);
            }
        };
        if run.is_empty() {
            gather(copy, &map[entries.clone()]);
        } else {
            let (map_before, map_after) = map[entries.clone()].split_at(run.start);
            let (head, tail) = copy.split_at_mut(run.end);
            head[run.clone()].copy_from_slice(&src[*run_source..run_source + run.len()]);
            gather(&mut head[..run.start], map_before);
            gather(tail, map_after);
        }
        passes.row_edge(copy, &mut out[outputs.clone()], channels);
    }
}

/// `count` elements of `T` from `area` at `T`'s alignment, and the rest.
fn aligned<T: bytemuck::Pod>(area: &mut [f32], count: usize) -> (&mut [T], &mut [f32]) {
    let align = core::mem::align_of::<T>();
    let skip = (align - area.as_ptr() as usize % align) % align / core::mem::size_of::<f32>();
    let (head, rest) = area[skip..].split_at_mut(bytes_to_f32s(count * core::mem::size_of::<T>()));
    (bytemuck::cast_slice_mut(head), rest)
}

/// The scratch cut into the row-filtered lines, the edge pieces' source
/// map and their padded copy (at their alignments: `scratch_len` counts
/// the slack).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn cut_scratch<'s, P: Passes>(
    layout: &Layout,
    scratch: &'s mut [f32],
) -> (&'s mut [P::Mid], &'s mut [usize], &'s mut [P::Src]) {
    let (mid, rest) = aligned::<P::Mid>(scratch, layout.mid_lines() * layout.line_stride);
    let (map, rest) = aligned::<usize>(rest, layout.edge_map_len);
    (mid, map, bytemuck::cast_slice_mut(rest))
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
    let n = geo.column_taps;
    let ls = layout.line_stride;
    let c = geo.channels;
    let line_len = geo.out_width * c;
    let (mid, map, copy) = cut_scratch::<P>(&layout, scratch);
    let (constant_h, constant_v) = constants;
    let mut edges = RowEdges::new(geo, |k| passes.edge_piece(k), map, copy, constant_h);
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
            row_line(passes, &mut edges, frames.source_row(y), &mut mid[off..off + line_len]);
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
            row_line(passes, &mut edges, frames.source_row(y_src), &mut mid[off..off + line_len]);
        }
        let mut slot = top_slot;
        for (j, o) in offsets[..count].iter_mut().enumerate() {
            *o = line_offset(top + j as isize, slot);
            slot = wrap(slot + 1);
        }
        let (block, stride) = frames.dest_block(y, step);
        passes.column(mid, &offsets[..count], block, stride, step, line_len);
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
