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

/// How each row's outputs are made: the middle straight from the source
/// row, the outputs near each edge (at most two pieces) from a padded copy
/// of the source samples they read. Which source sample each copied one is
/// (the border rule) is found once for all the rows of a call, so a row's
/// copy is one indexed load a sample: per sample, the rule took a fifth of a
/// 3-tap row's instructions at 512 wide, a quarter at 31 taps.
pub(super) struct RowEdges<'s, T> {
    /// The outputs (samples of a line) read straight from the source row,
    /// and the source sample the first of them starts at.
    middle: (Range<usize>, usize),
    /// Each piece's outputs (samples of a line) and its entries of `map`.
    pieces: [(Range<usize>, Range<usize>); 2],
    /// The source sample of each copied sample; `usize::MAX` for the border's constant.
    map: &'s [usize],
    copy: &'s mut [T],
    constant: T,
}

impl<'s, T: Copy> RowEdges<'s, T> {
    /// The pieces of a row of `geo` (`map` and `copy`: the scratch's areas
    /// for them, as [`Layout`] counts them).
    pub(super) fn new(geo: &Geometry, map: &'s mut [usize], copy: &'s mut [T], constant: T) -> Self {
        let c = geo.channels;
        let out_width = geo.out_width;
        let (lo, hi) = geo.interior();
        let (middle, outside) =
            if lo < hi { (lo..hi, [0..lo, hi..out_width]) } else { (0..0, [0..out_width, out_width..out_width]) };
        let mut used = 0;
        let pieces = outside.map(|xs| {
            let first_entry = used;
            if !xs.is_empty() {
                let first = xs.start as isize + geo.x_origin;
                for k in 0..xs.len() + geo.row_taps - 1 {
                    let x = geo.horizontal.map(first + k as isize, geo.width);
                    for (ch, entry) in map[used..used + c].iter_mut().enumerate() {
                        *entry = x.map_or(usize::MAX, |x| x * c + ch);
                    }
                    used += c;
                }
            }
            (xs.start * c..xs.end * c, first_entry..used)
        });
        let middle_source = if middle.is_empty() { 0 } else { (lo as isize + geo.x_origin) as usize * c };
        RowEdges { middle: (middle.start * c..middle.end * c, middle_source), pieces, map, copy, constant }
    }
}

/// Row-filters one source row into `out` (a whole line).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn row_line<P: Passes>(
    passes: &P,
    edges: &mut RowEdges<'_, P::Src>,
    src: &[P::Src],
    out: &mut [P::Mid],
    channels: usize,
) {
    let (middle, source) = edges.middle.clone();
    if !middle.is_empty() {
        passes.row(&src[source..], &mut out[middle], channels);
    }
    for (outputs, entries) in edges.pieces.clone() {
        if outputs.is_empty() {
            continue;
        }
        let copy = &mut edges.copy[..entries.len()];
        for (sample, &at) in copy.iter_mut().zip(&edges.map[entries]) {
            *sample = src.get(at).copied().unwrap_or(edges.constant);
        }
        passes.row(copy, &mut out[outputs], channels);
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
    let mut edges = RowEdges::new(geo, map, copy, constant_h);
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
            row_line(passes, &mut edges, frames.source_row(y), &mut mid[off..off + line_len], c);
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
            row_line(passes, &mut edges, frames.source_row(y_src), &mut mid[off..off + line_len], c);
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
