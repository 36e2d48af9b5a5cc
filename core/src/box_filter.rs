//! The box filter by running sums: the mean of every `column_len × row_len`
//! window in a few operations a pixel whatever the window's size (1 to
//! thousands of taps), over `O(width + row_len)` scratch.
//!
//! ```text
//! for each output row y:
//!     V[k] = Σ_{j<n_c} row_{y+j}[k]           the column sums of the padded
//!                                             source columns k, from the
//!          = V_prev[k] + row_{y+n_c−1}[k] − row_{y−1}[k]     previous row's
//!     W[x] = Σ_{i<n_r} V[x + i]               a running sum along V
//!     out[x] = round(W[x] / (n_r · n_c))       u8, u16: half up; f32: rounded once
//! ```
//!
//! Columns first: a row costs one update of `V` (two samples in, one
//! add a column) and one running sum along it, whatever the window.
//!
//! Sums are kept in `f64`. For u8 and u16 every sum `S` is an integer below
//! `2^48` (windows of up to `2^32` pixels), so it is exact in any order, and
//! so is the mean's rounding: `S / N` is correctly rounded, a mean within
//! `1/(2N) ≥ 2^−33` of a half is more than an ulp (`≤ 2^−37`) from it, and an
//! exact half is exact. The results are the exact mean rounded half up, the
//! same bits on every backend and band split. For f32, sums round, so `V` is recomputed
//! directly every [`BoxFilter::band_alignment`] rows (`max(32, n_c)`, which
//! keeps the cost a pixel constant) and runs from there: a band that starts
//! on such a row computes exactly what one pass over the image does.
//! The f32 result is within `(n_r + n_c + A)·2^−53·Σ|x| + 2^−24·|mean|` of
//! the exact mean, `A` the rows since the last recomputation.
//!
//! Against the FIR engine ([`Plan`](crate::Plan) with a box kernel `1/n`):
//! both are within 1 of the exact mean for u8 and u16; the running sums
//! round the exact mean itself, the FIR recipe quantised taps, so the two
//! agree bit for bit where `1/n` is exact in binary (power-of-two sizes).

use core::ops::Range;

use crate::backend::Backend;
use crate::border::{Border, Borders};
use crate::error::{Error, Result};
use crate::image::{ImageView, ImageViewMut, Shape};
use crate::plan::Region;
use crate::sample::Sample;
use crate::simd::{Op, Simd};

/// The largest window (`row_len · column_len`): u16 sums stay below `2^48`,
/// and a mean rounds exactly (below).
const MAX_WINDOW: u64 = 1 << 32;

/// Rows between the f32 engine's direct recomputations of the column sums.
const MIN_ANCHOR_ROWS: usize = 32;

/// Independent running sums along a row.
const SEGMENTS: usize = 4;

/// A box (mean) filter for one image shape, validated once.
///
/// ```
/// use sepconv_core::{Backend, BoxFilter, Borders, ImageView, ImageViewMut, Shape};
///
/// let shape = Shape::new(5, 1, 1)?;
/// let filter = BoxFilter::new(shape, 3, 1, Borders::default())?;
/// let src = [0u8, 3, 6, 9, 12];
/// let mut dst = [0u8; 5];
/// let mut scratch = vec![0.0f32; filter.scratch_len::<u8>()];
/// filter.filter(Backend::Scalar, &ImageView::new(&src, 5, 1, 1)?, &mut ImageViewMut::new(&mut dst, 5, 1, 1)?, &mut scratch)?;
/// assert_eq!(dst, [2, 3, 6, 9, 10]); // Reflect101 at the edges: (3 + 0 + 3) / 3 = 2
/// # Ok::<(), sepconv_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxFilter {
    input: Shape,
    output: Shape,
    row_len: usize,
    column_len: usize,
    borders: Borders,
    region: Region,
    /// Virtual source column and row of output (0, 0).
    origin: (isize, isize),
}

impl BoxFilter {
    /// The mean of `column_len × row_len` windows anchored at their centres
    /// (`len / 2`, as OpenCV's `blur`), one output per input pixel.
    ///
    /// # Errors
    ///
    /// The shape's errors; [`Error::EmptyKernel`] for a length of 0;
    /// [`Error::KernelTooLong`] for a window above `2^32` pixels;
    /// [`Error::InvalidBorderValue`] for a constant that is not finite.
    pub fn new(input: Shape, row_len: usize, column_len: usize, borders: Borders) -> Result<Self> {
        Self::for_region(input, row_len, column_len, borders, Region::Same)
    }

    /// As [`new`](Self::new), for the outputs of `region`, as
    /// [`Plan::for_region`](crate::Plan::for_region) defines them.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new); [`Error::EmptyOutput`] for a valid region of
    /// an image smaller than the window, [`Error::WindowOutOfRange`] for a
    /// rectangle not inside the image.
    pub fn for_region(
        input: Shape,
        row_len: usize,
        column_len: usize,
        borders: Borders,
        region: Region,
    ) -> Result<Self> {
        input.validate()?;
        if row_len == 0 || column_len == 0 {
            return Err(Error::EmptyKernel);
        }
        if (row_len as u64).saturating_mul(column_len as u64) > MAX_WINDOW {
            return Err(Error::KernelTooLong);
        }
        for b in [borders.horizontal, borders.vertical] {
            if let Border::Constant(v) = b {
                f32::border_value(v)?;
            }
        }
        let (ax, ay) = ((row_len / 2) as isize, (column_len / 2) as isize);
        let (output, origin) = match region {
            Region::Same => (input, (-ax, -ay)),
            Region::Valid => {
                if input.width < row_len || input.height < column_len {
                    return Err(Error::EmptyOutput);
                }
                let out = Shape { width: input.width - row_len + 1, height: input.height - column_len + 1, ..input };
                (out, (0, 0))
            }
            Region::Window { x, y, width, height } => {
                let inside = |start: usize, len: usize, all: usize| {
                    len > 0 && start.checked_add(len).is_some_and(|end| end <= all)
                };
                if !inside(x, width, input.width) || !inside(y, height, input.height) {
                    return Err(Error::WindowOutOfRange);
                }
                (Shape { width, height, ..input }, (x as isize - ax, y as isize - ay))
            }
        };
        // Every scratch size must fit in usize.
        Self::scratch_of(output, row_len, 4).ok_or(Error::SizeOverflow)?;
        Ok(BoxFilter { input, output, row_len, column_len, borders, region, origin })
    }

    /// The input shape.
    pub fn input_shape(&self) -> Shape {
        self.input
    }
    /// The output shape.
    pub fn output_shape(&self) -> Shape {
        self.output
    }
    /// The window's width and height.
    pub fn window(&self) -> (usize, usize) {
        (self.row_len, self.column_len)
    }
    /// Which outputs it computes.
    pub fn region(&self) -> Region {
        self.region
    }

    /// Output rows a band of [`filter_band`](Self::filter_band) should start
    /// at a multiple of, to compute exactly what one call over the image does
    /// at the speed of one call: 1 for u8 and u16 (exact sums), `max(32,
    /// column_len)` for f32 (where the column sums are recomputed).
    pub fn band_alignment<S: Sample>(&self) -> usize {
        if S::FLOAT {
            self.column_len.max(MIN_ANCHOR_ROWS)
        } else {
            1
        }
    }

    /// Elements of `f32` scratch a call on samples `S` needs.
    pub fn scratch_len<S: Sample>(&self) -> usize {
        // Checked in `for_region` for the widest sample type.
        Self::scratch_of(self.output, self.row_len, core::mem::size_of::<S>()).unwrap_or(usize::MAX)
    }

    /// Two f64 lines, the padded columns' sums and an output row's window
    /// sums (two f32s an element, one more to align them).
    fn scratch_of(output: Shape, row_len: usize, _sample_size: usize) -> Option<usize> {
        let line = output.width.checked_mul(output.channels)?;
        let padded = output.width.checked_add(row_len - 1)?.checked_mul(output.channels)?;
        padded.checked_add(line)?.checked_mul(2)?.checked_add(1)
    }

    /// Filters `src` into `dst` (shapes: [`input_shape`](Self::input_shape),
    /// [`output_shape`](Self::output_shape)).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`], [`Error::ScratchTooSmall`],
    /// [`Error::InvalidBorderValue`] for a constant the samples cannot hold.
    pub fn filter<S: Sample>(
        &self,
        backend: Backend,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, S>,
        scratch: &mut [f32],
    ) -> Result<()> {
        self.filter_band(backend, src, dst, 0..self.output.height, scratch)
    }

    /// Filters output rows `rows` only into `dst`, which holds just those
    /// rows. Bands starting at multiples of
    /// [`band_alignment`](Self::band_alignment) together are bit-identical
    /// to one [`filter`](Self::filter) call (other bands too, at the cost of
    /// recomputing the rows since the last multiple).
    ///
    /// # Errors
    ///
    /// As [`filter`](Self::filter); [`Error::BandOutOfRange`].
    pub fn filter_band<S: Sample>(
        &self,
        backend: Backend,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, S>,
        rows: Range<usize>,
        scratch: &mut [f32],
    ) -> Result<()> {
        if rows.is_empty() || rows.end > self.output.height {
            return Err(Error::BandOutOfRange);
        }
        if src.shape() != self.input || dst.shape() != (Shape { height: rows.len(), ..self.output }) {
            return Err(Error::ShapeMismatch);
        }
        let needed = self.scratch_len::<S>();
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, actual: scratch.len() });
        }
        let constant = |b: Border| b.constant().map_or(Ok(S::zeroed()), S::border_value);
        let constants = (constant(self.borders.horizontal)?, constant(self.borders.vertical)?);
        backend.run(Running { filter: self, src, dst, rows, constants, scratch });
        Ok(())
    }
}

/// One checked call, as an op: its loops compiled for the backend, where
/// the compiler vectorises the column sums' updates.
struct Running<'a, 'b, 'c, S> {
    filter: &'a BoxFilter,
    src: &'a ImageView<'b, S>,
    dst: &'a mut ImageViewMut<'c, S>,
    rows: Range<usize>,
    constants: (S, S),
    scratch: &'a mut [f32],
}

impl<S: Sample> Op for Running<'_, '_, '_, S> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<T: Simd>(self, _: T) {
        let Running { filter: f, src, dst, rows, constants, scratch } = self;
        let line = f.output.width * f.output.channels;
        let padded_len = (f.output.width + f.row_len - 1) * f.output.channels;
        // Scratch: two f64 lines (aligned), the padded columns' sums and a row's window sums.
        let (_, sums, _) = bytemuck::pod_align_to_mut::<f32, f64>(scratch);
        let (columns, rest) = sums.split_at_mut(padded_len);
        let windows = &mut rest[..line];
        let window = (f.row_len * f.column_len) as f64;
        let anchor = f.band_alignment::<S>();
        let (n, oy) = (f.column_len as isize, f.origin.1);
        let mut previous: Option<usize> = None;
        // A band starts at its anchor row (the image's first row for exact
        // sums), so its column sums are those of one pass over the image.
        for y in rows.start - rows.start % anchor..rows.end {
            let top = y as isize + oy;
            match previous {
                // Exact sums run on from any row; f32 sums restart at anchors.
                Some(p) if p + 1 == y && !(S::FLOAT && y % anchor == 0) => {
                    f.update(src, top + n - 1, top - 1, constants, columns);
                }
                _ => {
                    columns.fill(0.0);
                    for v in top..top + n {
                        f.update(src, v, isize::MIN, constants, columns);
                    }
                }
            }
            previous = Some(y);
            if y >= rows.start {
                window_sums(columns, f.row_len, f.output.channels, windows);
                let out = dst.row_mut_unchecked_index(y - rows.start);
                for (o, &s) in out.iter_mut().zip(windows.iter()) {
                    *o = S::from_mean(s / window);
                }
            }
        }
    }
}

/// The sums of `n` consecutive pixels of `padded` (`c` channels), one per
/// pixel of `out`: the steps `x[k + n] − x[k]` all at once (vectorised),
/// each at the place of the sum it leads to; then SEGMENTS running sums
/// side by side (each started directly), so that their additions overlap
/// instead of waiting on each other.
#[cfg_attr(not(debug_assertions), inline(always))]
fn window_sums(padded: &[f64], n: usize, c: usize, out: &mut [f64]) {
    let width = out.len() / c;
    for (o, (&late, &early)) in out.iter_mut().skip(c).zip(padded[n * c..].iter().zip(padded.iter())) {
        *o = late - early;
    }
    let seg = width.div_ceil(SEGMENTS);
    for p in 0..SEGMENTS {
        let x = p * seg;
        for ch in 0..c.min(out.len().saturating_sub(x * c)) {
            out[x * c + ch] = (0..n).fold(0.0, |a, i| a + padded[(x + i) * c + ch]);
        }
    }
    match c {
        1 => running_sums::<1>(out, seg),
        2 => running_sums::<2>(out, seg),
        3 => running_sums::<3>(out, seg),
        _ => running_sums::<4>(out, seg),
    }
}

/// Turns each segment of `seg` pixels of `C` channels of `line` (its first
/// pixel a sum, the others steps) into running sums, `line[k] += line[k − C]`,
/// the segments in lockstep.
#[cfg_attr(not(debug_assertions), inline(always))]
fn running_sums<const C: usize>(line: &mut [f64], seg: usize) {
    let (len, chunk) = (line.len(), seg * C);
    let starts: [usize; SEGMENTS] = core::array::from_fn(|p| (p * chunk).min(len));
    let ends: [usize; SEGMENTS] = core::array::from_fn(|p| ((p + 1) * chunk).min(len));
    let common = (0..SEGMENTS).map(|p| ends[p] - starts[p]).min().unwrap_or(0);
    for i in C..common {
        for start in starts {
            line[start + i] += line[start + i - C];
        }
    }
    for (&start, &end) in starts.iter().zip(&ends) {
        for k in start + common.max(C)..end {
            line[k] += line[k - C];
        }
    }
}

impl BoxFilter {
    /// Adds virtual source row `enter` (its borders applied) to the padded
    /// columns' sums and subtracts row `leave` (none: `isize::MIN`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn update<S: Sample>(
        &self,
        src: &ImageView<'_, S>,
        enter: isize,
        leave: isize,
        (constant_h, constant_v): (S, S),
        columns: &mut [f64],
    ) {
        let c = self.output.channels;
        let (w, h) = (self.input.width, self.input.height);
        let vertical = |v: isize| if v == isize::MIN { None } else { Some(self.borders.vertical.map(v, h)) };
        let x0 = self.origin.0;
        let count = columns.len() / c;
        // The padded columns inside the image, `lo..hi`, map one to one.
        let lo = (-x0).clamp(0, count as isize) as usize;
        let hi = (w as isize - x0).clamp(lo as isize, count as isize) as usize;
        let from = (x0 + lo as isize).max(0) as usize * c;
        let middle = (lo * c)..(hi * c);
        match (vertical(enter), vertical(leave)) {
            // Both rows in the image: one pass over the middle.
            (Some(Some(a)), Some(Some(b))) => {
                let (a, b) = (src.row_unchecked_index(a), src.row_unchecked_index(b));
                let (ma, mb) = (&a[from..from + middle.len()], &b[from..from + middle.len()]);
                for ((s, &x), &y) in columns[middle].iter_mut().zip(ma).zip(mb) {
                    *s += x.to_f64() - y.to_f64();
                }
                self.edges(a, 1.0, (lo, hi), constant_h, columns);
                self.edges(b, -1.0, (lo, hi), constant_h, columns);
            }
            (e, l) => {
                for (row, sign) in [(e, 1.0), (l, -1.0)] {
                    match row {
                        None => {}
                        Some(None) => {
                            let v = sign * constant_v.to_f64();
                            columns.iter_mut().for_each(|s| *s += v);
                        }
                        Some(Some(y)) => {
                            let source = src.row_unchecked_index(y);
                            for (s, &x) in columns[middle.clone()].iter_mut().zip(&source[from..]) {
                                *s += sign * x.to_f64();
                            }
                            self.edges(source, sign, (lo, hi), constant_h, columns);
                        }
                    }
                }
            }
        }
    }

    /// Adds `sign ·` the padded columns outside `lo..hi` of image row
    /// `source` (by the horizontal border rule) to `columns`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn edges<S: Sample>(&self, source: &[S], sign: f64, (lo, hi): (usize, usize), constant_h: S, columns: &mut [f64]) {
        let c = self.output.channels;
        let (w, x0) = (self.input.width, self.origin.0);
        let count = columns.len() / c;
        for k in (0..lo).chain(hi..count) {
            for ch in 0..c {
                let x = match self.borders.horizontal.map(x0 + k as isize, w) {
                    Some(x) => source[x * c + ch],
                    None => constant_h,
                };
                columns[k * c + ch] += sign * x.to_f64();
            }
        }
    }
}
