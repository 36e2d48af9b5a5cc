//! The shapes the engine works on, derived once by the plan, and how the
//! scratch buffer is cut for them.

use crate::border::Border;
use crate::error::attempt;

use super::{MAX_ROW_LANES, MIN_RUN};

/// Elements a row-filtered line is padded to, so lines start 64-byte apart.
const LINE_ALIGN: usize = 16;

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
    /// Non-temporal stores for the output.
    pub stream: bool,
    /// Output rows per column step: 4 (f32 direct), 2 (the other types) or
    /// a tile height (transposed).
    pub column_rows: usize,
}

/// How the scratch buffer is cut, in elements of the types involved.
pub(super) struct Layout {
    pub line_stride: usize,
    pub ring_lines: usize,
    pub bottom_lines: usize,
    pub constant_lines: usize,
    /// Samples of the padded copy a row's edge piece reads (one piece at a
    /// time): its outputs, whole row-pass blocks, and the kernel's reach.
    pub edge_len: usize,
    /// Entries of the edge pieces' source map ([`super::ring::RowEdges`]),
    /// both pieces': a piece's samples outside the image (at most `n − 1`
    /// pixels), and those inside too where they are fewer than `MIN_RUN`
    /// (a piece of `n − 1` outputs then has at most `2n − 2` pixels).
    pub edge_map_len: usize,
}

impl Layout {
    pub const fn mid_lines(&self) -> usize {
        self.ring_lines + self.bottom_lines + self.constant_lines
    }
}

pub(super) const fn bytes_to_f32s(bytes: usize) -> usize {
    bytes.div_ceil(core::mem::size_of::<f32>())
}

/// `v` as `isize`, if it fits.
const fn isize_of(v: usize) -> Option<isize> {
    if v <= isize::MAX as usize {
        Some(v as isize)
    } else {
        None
    }
}

// `const` (a plan can be built at compile time), hence `attempt!` for `?`.
impl Geometry {
    pub(super) const fn layout(&self) -> Option<Layout> {
        let row_len = attempt!(Some self.out_width.checked_mul(self.channels));
        let line_stride = attempt!(Some row_len.checked_next_multiple_of(LINE_ALIGN));
        let n = self.column_taps;
        // Checked: a shape of 2^63 rows must be refused here, not wrap.
        let last_out = attempt!(Some isize_of(attempt!(Some self.out_height.checked_sub(1))));
        let last_v = attempt!(Some attempt!(Some last_out.checked_add(self.y_origin)).checked_add(attempt!(Some isize_of(n - 1))));
        let below =
            attempt!(Some attempt!(Some last_v.checked_sub(attempt!(Some isize_of(self.height)))).checked_add(1));
        let constant = matches!(self.vertical, Border::Constant(_));
        let bottom_lines = if constant || below < 0 { 0 } else { below as usize };
        Some(Layout {
            line_stride,
            ring_lines: n + self.column_rows - 1,
            bottom_lines,
            constant_lines: constant as usize,
            edge_len: attempt!(Some attempt!(Some(2 * self.row_taps).checked_mul(self.channels)).checked_add(MAX_ROW_LANES)),
            edge_map_len: attempt!(Some attempt!(Some(4 * self.row_taps).checked_mul(self.channels)).checked_add(2 * MIN_RUN)),
        })
    }

    /// How a stream (`super::stream`) cuts its scratch: a ring of one line
    /// per column tap, indexed by source row, and no lines below the image
    /// (their rows are in the ring when the last output rows are made).
    pub(super) const fn stream_layout(&self) -> Option<Layout> {
        let whole = attempt!(Some self.layout());
        Some(Layout { ring_lines: self.column_taps, bottom_lines: 0, ..whole })
    }

    /// Scratch `f32` elements for a source type `S` and line type `M`.
    pub(crate) const fn scratch_len<S, M>(&self) -> Option<usize> {
        Self::len_of::<S, M>(&attempt!(Some self.layout()))
    }

    /// Scratch `f32` elements the engine's part of a stream needs.
    pub(crate) const fn stream_scratch_len<S, M>(&self) -> Option<usize> {
        Self::len_of::<S, M>(&attempt!(Some self.stream_layout()))
    }

    const fn len_of<S, M>(l: &Layout) -> Option<usize> {
        let lines = attempt!(Some l.mid_lines().checked_mul(l.line_stride));
        let mid_bytes = attempt!(Some lines.checked_mul(core::mem::size_of::<M>()));
        let edge_bytes = attempt!(Some l.edge_len.checked_mul(core::mem::size_of::<S>()));
        let map_bytes = attempt!(Some l.edge_map_len.checked_mul(core::mem::size_of::<usize>()));
        // Areas of a wider alignment than f32's (u16's f64 lines, the map's
        // usizes) start up to one alignment later in the scratch.
        let slack = bytes_to_f32s(core::mem::align_of::<M>()) - 1;
        let map_slack = bytes_to_f32s(core::mem::align_of::<usize>()) - 1;
        let lines = attempt!(Some bytes_to_f32s(mid_bytes).checked_add(slack));
        let map = attempt!(Some bytes_to_f32s(map_bytes).checked_add(map_slack));
        attempt!(Some lines.checked_add(map)).checked_add(bytes_to_f32s(edge_bytes))
    }

    /// Outputs `[lo, hi)` of a row read only source columns inside the image.
    pub(super) fn interior(&self) -> (usize, usize) {
        let lo = (-self.x_origin).clamp(0, self.out_width as isize);
        let hi = (self.width as isize - self.row_taps as isize + 1 - self.x_origin).clamp(0, self.out_width as isize);
        (lo as usize, hi as usize)
    }
}
