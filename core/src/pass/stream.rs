//! A stream's engine: the ring of row-filtered lines, fed one source row at
//! a time (`crate::stream` decides when, and checks the calls).
//!
//! ```text
//! source row s arrives:  row-filter it into ring slot s mod n
//! output row y is ready: every source row it reads (rows_read) has arrived
//!     column pass:       out[y] = Σ_j c[j] · line(slot of border(y + y_origin + j))
//! ```
//!
//! The ring holds the last `n` source rows. Output row `y` is made as soon
//! as the last source row it reads arrives, and every row it reads is then
//! among the last `n`: inside the image they are `n` consecutive rows, and
//! `Replicate`, `Reflect` and `Reflect101` map a virtual row above (below)
//! the image to one of the first (last) `n` rows. `Wrap` maps the rows
//! above the image to the last ones, which arrive long after the first rows
//! left the ring; the stream refuses it where the output reaches beyond
//! the image.

use super::geometry::{Geometry, Layout};
use super::ring::{cut_scratch, row_line, RowEdges};
use super::Passes;
use crate::border::Border;
use crate::kernel::MAX_TAPS;

/// The lowest and highest source rows output row `y` reads, or `None` if it
/// reads only a constant border.
pub(crate) fn rows_read(geo: &Geometry, y: usize) -> Option<(usize, usize)> {
    let n = geo.column_taps as isize;
    let top = y as isize + geo.y_origin;
    if top >= 0 && top + n <= geo.height as isize {
        return Some((top as usize, (top + n - 1) as usize));
    }
    let mut range: Option<(usize, usize)> = None;
    for v in top..top + n {
        if let Some(s) = geo.vertical.map(v, geo.height) {
            range = Some(range.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))));
        }
    }
    range
}

/// The geometry a stream runs with: one output row per column step, with
/// plain stores (the direct column pass, whose single row has the bits of
/// its pairs).
pub(crate) const fn stream_geometry(geometry: Geometry) -> Geometry {
    Geometry { column_rows: 1, stream: false, ..geometry }
}

/// Where a stream's lines live: `n` ring slots, then the constant line.
fn layout(geo: &Geometry) -> Option<(Layout, usize)> {
    let layout = geo.stream_layout()?;
    let line_len = geo.out_width * geo.channels;
    Some((layout, line_len))
}

/// Row-filters source row `y` (`src`) into ring slot `y mod n`; with the
/// first row, also the constant line of a constant vertical border.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn line<P: Passes>(
    passes: &P,
    geo: &Geometry,
    src: &[P::Src],
    y: usize,
    constants: (P::Src, P::Src),
    scratch: &mut [f32],
) {
    let Some((layout, line_len)) = layout(geo) else { return };
    let (mid, map, copy) = cut_scratch::<P>(&layout, scratch);
    let ls = layout.line_stride;
    let off = (y % geo.column_taps) * ls;
    let mut edges = RowEdges::new(geo, |k| passes.edge_piece(k), map, copy, constants.0);
    row_line(passes, &mut edges, src, &mut mid[off..off + line_len]);
    if y == 0 && matches!(geo.vertical, Border::Constant(_)) {
        let base = layout.ring_lines * ls;
        mid[base..base + line_len].fill(passes.constant_line(constants.1));
    }
}

/// Output row `y` into `out` by the column pass over the ring slots of the
/// source rows it reads (the constant line for rows outside the image).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn output<P: Passes>(passes: &P, geo: &Geometry, y: usize, out: &mut [P::Dst], scratch: &mut [f32]) {
    let Some((layout, line_len)) = layout(geo) else { return };
    let (mid, ..) = cut_scratch::<P>(&layout, scratch);
    let (n, ls) = (geo.column_taps, layout.line_stride);
    let mut offsets = [0usize; MAX_TAPS];
    for (j, o) in offsets[..n].iter_mut().enumerate() {
        let v = (y + j) as isize + geo.y_origin;
        *o = match geo.vertical.map(v, geo.height) {
            Some(s) => (s % n) * ls,
            None => layout.ring_lines * ls,
        };
    }
    passes.column(mid, &offsets[..n], &mut out[..line_len], line_len, 1, line_len);
}
