//! The validated filter: kernels, borders, shapes, the u8 recipe and the
//! scratch size, checked once; then any number of filter calls.

use core::ops::Range;

use crate::backend::Backend;
use crate::border::{Border, Borders};
use crate::error::{attempt, Error, Result};
use crate::fixed::FixedPoint;
use crate::image::{ImageView, ImageViewMut, InPlaceRows, Shape};
use crate::kernel::Kernel;
use crate::pass::{Geometry, Rows, Work, F32_DIRECT_ROWS};
use crate::sample::{Output, Sample};

mod engine;
use engine::Call;

/// How the f32 column pass reads the ring of row-filtered lines (u8 is
/// always direct). A tuning option (feature `tuning`), for benchmarks: the
/// transposed tile measured slower on every workload (`docs/performance.md`).
#[cfg(feature = "tuning")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnStrategy {
    /// Vectorised along x over the lines, two or four output rows per step
    /// sharing their loads. The plan's choice.
    #[default]
    Direct,
    /// 8-column tiles of 16 output rows are transposed, filtered as rows
    /// (folded for symmetric kernels), and transposed back.
    TransposedTile,
}

/// Which outputs a plan computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// One output per input pixel; borders make up samples outside the image.
    #[default]
    Same,
    /// Only the outputs whose whole kernel footprint lies inside the image:
    /// `(width − row_len + 1) × (height − column_len + 1)`, no border.
    Valid,
    /// The outputs of [`Same`](Region::Same) inside a rectangle of the image
    /// (a region of interest): the output is `width × height`, and pixels
    /// of the image outside the rectangle are read where the kernel reaches
    /// them, borders applied only at the image's edges, so the result is
    /// the rectangle cut from the whole filtered image (OpenCV's default for
    /// an ROI). Filtering a sub-view instead treats the view's edges as the
    /// image's (OpenCV's `BORDER_ISOLATED`).
    Window {
        /// Left column of the rectangle.
        x: usize,
        /// Top row.
        y: usize,
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
    },
}

/// Outputs of at least this many samples (4 MiB of f32) are written with
/// non-temporal stores: they will not be read from the cache again soon.
const STREAM_SAMPLES: usize = 1 << 20;

/// A separable filter for one image shape, validated once.
///
/// ```
/// use sepconv_core::{Backend, Borders, ImageView, ImageViewMut, Kernel, Plan, Shape};
///
/// let taps = [0.25, 0.5, 0.25];
/// let k = Kernel::new(&taps)?;
/// let plan = Plan::new(Shape::new(4, 3, 1)?, k, k, Borders::default())?;
/// let src = [1.0f32; 12];
/// let mut dst = [0.0f32; 12];
/// let mut scratch = [0.0f32; 512];
/// assert!(plan.scratch_len::<f32>() <= scratch.len());
/// plan.filter(
///     Backend::Scalar,
///     &ImageView::new(&src, 4, 3, 1)?,
///     &mut ImageViewMut::new(&mut dst, 4, 3, 1)?,
///     &mut scratch,
/// )?;
/// assert!(dst.iter().all(|&v| (v - 1.0).abs() < 1e-6));
/// # Ok::<(), sepconv_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Plan<'k> {
    row: Kernel<'k>,
    column: Kernel<'k>,
    borders: Borders,
    region: Region,
    input: Shape,
    output: Shape,
    geometry: Geometry,
    fixed: Result<FixedPoint>,
}

impl<'k> Plan<'k> {
    /// A plan whose output has the input's shape, with the given borders.
    ///
    /// A `const fn`, as are the kernel and shape constructors: a plan in a
    /// `static` is validated and its u8 recipe quantised at compile time,
    /// where an invalid one is a compile error, and firmware runs none of
    /// that code.
    ///
    /// ```
    /// use sepconv_core::{Border, Borders, Kernel, Plan, Shape};
    ///
    /// static TAPS: [f32; 5] = [0.0625, 0.25, 0.375, 0.25, 0.0625];
    /// static BLUR: Plan<'static> = match (Shape::new(640, 480, 1), Kernel::new(&TAPS)) {
    ///     (Ok(shape), Ok(k)) => match Plan::new(shape, k, k, Borders::uniform(Border::Reflect101)) {
    ///         Ok(plan) => plan,
    ///         Err(_) => panic!("invalid plan"),
    ///     },
    ///     _ => panic!("invalid shape or kernel"),
    /// };
    /// assert_eq!(BLUR.fixed_point()?.row().taps(), [4096, 16384, 24576, 16384, 4096]);
    /// # Ok::<(), sepconv_core::Error>(())
    /// ```
    pub const fn new(input: Shape, row: Kernel<'k>, column: Kernel<'k>, borders: Borders) -> Result<Self> {
        Self::build(input, row, column, borders, Region::Same)
    }

    /// A plan computing only the outputs whose kernel footprint lies inside
    /// the image (no border).
    pub const fn valid(input: Shape, row: Kernel<'k>, column: Kernel<'k>) -> Result<Self> {
        Self::build(input, row, column, Borders::uniform(Border::Reflect101), Region::Valid)
    }

    /// A plan computing `region` of the filtered image: all of it
    /// ([`Region::Same`], as [`new`](Self::new)), the valid outputs (as
    /// [`valid`](Self::valid), with default borders), or a rectangle
    /// ([`Region::Window`]).
    ///
    /// ```
    /// use sepconv_core::{Backend, Borders, ImageView, ImageViewMut, Kernel, Plan, Region, Shape};
    ///
    /// // The middle 2×2 of a 4×4 image, read with its neighbours.
    /// let k = Kernel::new(&[0.25, 0.5, 0.25])?;
    /// let window = Region::Window { x: 1, y: 1, width: 2, height: 2 };
    /// let plan = Plan::for_region(Shape::new(4, 4, 1)?, k, k, Borders::default(), window)?;
    /// let src: Vec<f32> = (0..16).map(|v| v as f32).collect();
    /// let mut dst = [0.0f32; 4];
    /// let mut scratch = vec![0.0f32; plan.scratch_len::<f32>()];
    /// plan.filter(Backend::Scalar, &ImageView::new(&src, 4, 4, 1)?, &mut ImageViewMut::new(&mut dst, 2, 2, 1)?, &mut scratch)?;
    /// assert_eq!(dst, [5.0, 6.0, 9.0, 10.0]); // a linear ramp keeps its values
    /// # Ok::<(), sepconv_core::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new); [`Error::EmptyOutput`] for a valid region of
    /// an image smaller than the kernel; [`Error::WindowOutOfRange`] for an
    /// empty rectangle or one not inside the image.
    pub const fn for_region(
        input: Shape,
        row: Kernel<'k>,
        column: Kernel<'k>,
        borders: Borders,
        region: Region,
    ) -> Result<Self> {
        Self::build(input, row, column, borders, region)
    }

    /// `const`, so that firmware can build its plans at compile time (a
    /// `static` plan quantises its kernels then, and the device runs no
    /// f64 code); `attempt!` stands for `?`, which `const fn`s lack.
    const fn build(
        input: Shape,
        row: Kernel<'k>,
        column: Kernel<'k>,
        borders: Borders,
        region: Region,
    ) -> Result<Self> {
        attempt!(input.validate());
        if !finite_constant(borders.horizontal) || !finite_constant(borders.vertical) {
            return Err(Error::InvalidBorderValue);
        }
        let (output, x_origin, y_origin) = match region {
            Region::Same => (input, -(row.anchor() as isize), -(column.anchor() as isize)),
            Region::Valid => {
                if input.width < row.len() || input.height < column.len() {
                    return Err(Error::EmptyOutput);
                }
                let out = Shape {
                    width: input.width - row.len() + 1,
                    height: input.height - column.len() + 1,
                    channels: input.channels,
                };
                (out, 0, 0)
            }
            Region::Window { x, y, width, height } => {
                if !inside(x, width, input.width) || !inside(y, height, input.height) {
                    return Err(Error::WindowOutOfRange);
                }
                let out = Shape { width, height, channels: input.channels };
                (out, x as isize - row.anchor() as isize, y as isize - column.anchor() as isize)
            }
        };
        let geometry = Geometry {
            width: input.width,
            height: input.height,
            channels: input.channels,
            out_width: output.width,
            out_height: output.height,
            x_origin,
            y_origin,
            row_taps: row.len(),
            column_taps: column.len(),
            horizontal: borders.horizontal,
            vertical: borders.vertical,
            stream: output.pixels().saturating_mul(output.channels) >= STREAM_SAMPLES,
            column_rows: F32_DIRECT_ROWS,
        };
        // f32 needs the most scratch of all calls (and the transposed tile
        // more than direct): check it fits.
        let tiles = Geometry { column_rows: crate::pass::MAX_COLUMN_ROWS, ..geometry };
        if geometry.scratch_len::<f32, f32>().is_none() || tiles.scratch_len::<f32, f32>().is_none() {
            return Err(Error::SizeOverflow);
        }
        let fixed = FixedPoint::new(&row, &column);
        Ok(Plan { row, column, borders, region, input, output, geometry, fixed })
    }

    /// Forces non-temporal (streaming) stores for f32 output on or off
    /// instead of the plan's choice (on for outputs of 4 MiB and more): off
    /// when the caller reads the output back at once. Never changes the result.
    pub fn with_streaming(mut self, stream: bool) -> Self {
        self.geometry.stream = stream;
        self
    }

    /// Runs the f32 column pass with `strategy` instead of the plan's choice
    /// (feature `tuning`, for benchmarks). Changes
    /// [`scratch_len`](Self::scratch_len) and the last bits of f32 results
    /// (within the documented bound).
    #[cfg(feature = "tuning")]
    pub fn with_column_strategy(mut self, strategy: ColumnStrategy) -> Self {
        self.geometry.column_rows = match strategy {
            ColumnStrategy::Direct => F32_DIRECT_ROWS,
            ColumnStrategy::TransposedTile => crate::pass::MAX_COLUMN_ROWS,
        };
        self
    }

    /// The f32 column strategy (feature `tuning`).
    #[cfg(feature = "tuning")]
    pub fn column_strategy(&self) -> ColumnStrategy {
        if self.geometry.column_rows > F32_DIRECT_ROWS {
            ColumnStrategy::TransposedTile
        } else {
            ColumnStrategy::Direct
        }
    }

    /// Whether f32 output is written with non-temporal stores (large images).
    pub fn streaming(&self) -> bool {
        self.geometry.stream
    }

    /// The input shape.
    pub const fn input_shape(&self) -> Shape {
        self.input
    }
    /// The output shape (the input's, or smaller for [`Region::Valid`] and [`Region::Window`]).
    pub const fn output_shape(&self) -> Shape {
        self.output
    }
    /// The row (horizontal) kernel.
    pub const fn row_kernel(&self) -> Kernel<'k> {
        self.row
    }
    /// The column (vertical) kernel.
    pub const fn column_kernel(&self) -> Kernel<'k> {
        self.column
    }
    /// The border modes.
    pub const fn borders(&self) -> Borders {
        self.borders
    }
    /// Which outputs the plan computes.
    pub const fn region(&self) -> Region {
        self.region
    }
    /// The u8 fixed-point recipe for these kernels, or why they have none.
    pub fn fixed_point(&self) -> Result<&FixedPoint> {
        self.fixed.as_ref().map_err(|e| *e)
    }

    /// Elements of `f32` scratch a filter call on samples `S` needs (any
    /// call: in place, out of place, or a band).
    pub fn scratch_len<S: Sample>(&self) -> usize {
        // Cannot fail: the largest case (f32) was checked in `build`.
        self.geometry_for::<S>().scratch_len::<S, S::Mid>().unwrap_or(usize::MAX)
    }

    /// The geometry a call on samples `S` runs with: only f32 has the
    /// transposed-tile column pass and steps of four rows.
    fn geometry_for<S: Sample>(&self) -> Geometry {
        if S::TILES {
            self.geometry
        } else {
            Geometry { column_rows: S::DIRECT_ROWS, ..self.geometry }
        }
    }

    /// Filters `src` into `dst` (shapes: [`input_shape`](Self::input_shape),
    /// [`output_shape`](Self::output_shape)).
    pub fn filter<S: Sample, D: Output<S>>(
        &self,
        backend: Backend,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, D>,
        scratch: &mut [f32],
    ) -> Result<()> {
        self.filter_band(backend, src, dst, 0..self.output.height, scratch)
    }

    /// Filters output rows `rows` only, into `dst`, which holds just those rows
    /// (`rows.len()` rows of the output's width). Bands of one image can be
    /// filtered independently (on several threads, or machines); together
    /// they are bit-identical to one [`filter`](Self::filter) call.
    pub fn filter_band<S: Sample, D: Output<S>>(
        &self,
        backend: Backend,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, D>,
        rows: Range<usize>,
        scratch: &mut [f32],
    ) -> Result<()> {
        if rows.is_empty() || rows.end > self.output.height {
            return Err(Error::BandOutOfRange);
        }
        let band = Shape { height: rows.len(), ..self.output };
        if src.shape() != self.input || dst.shape() != band {
            return Err(Error::ShapeMismatch);
        }
        self.check_scratch::<S>(scratch)?;
        self.run(backend, src, dst, Rows(rows), scratch)
    }

    /// Hands `work` on `src` and `dst` to the engine of the pair `(S, D)`;
    /// the caller has checked the shapes and the scratch.
    pub(crate) fn run<S: Sample, D: Output<S>, W: Work>(
        &self,
        backend: Backend,
        src: &ImageView<'_, S>,
        dst: &mut ImageViewMut<'_, D>,
        work: W,
        scratch: &mut [f32],
    ) -> Result<()> {
        D::pair(Call { plan: self, backend, work, scratch }, src, dst)
    }

    /// The shapes the engine works on.
    pub(crate) const fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Filters `image` in place (same-size plans only). The result equals
    /// filtering into a separate destination.
    pub fn filter_in_place<S: Sample + Output<S>>(
        &self,
        backend: Backend,
        image: &mut ImageViewMut<'_, S>,
        scratch: &mut [f32],
    ) -> Result<()> {
        if self.region != Region::Same {
            return Err(Error::InPlaceNotSupported);
        }
        if image.shape() != self.input {
            return Err(Error::ShapeMismatch);
        }
        self.check_scratch::<S>(scratch)?;
        S::in_place(Call { plan: self, backend, work: Rows(0..self.output.height), scratch }, InPlaceRows::whole(image))
    }

    /// The source rows outside output rows `rows` that filtering those rows
    /// in place reads: `(above, below)`, the rows from the first one read
    /// up to the band and from the band's end to the last one read (either
    /// may be empty). Bands of one image filtered in place at once each
    /// need copies of these rows, taken before any band is written
    /// ([`filter_band_in_place`](Self::filter_band_in_place)). Near the
    /// image's edges the border rule decides which rows are read: with a
    /// vertical `Wrap` border, the first band reads rows at the bottom.
    ///
    /// # Errors
    ///
    /// [`Error::InPlaceNotSupported`] for a plan that is not the same size,
    /// [`Error::BandOutOfRange`] for an empty band or one past the output.
    pub fn band_context(&self, rows: Range<usize>) -> Result<(Range<usize>, Range<usize>)> {
        if self.region != Region::Same {
            return Err(Error::InPlaceNotSupported);
        }
        if rows.is_empty() || rows.end > self.output.height {
            return Err(Error::BandOutOfRange);
        }
        let g = &self.geometry;
        let v_first = rows.start as isize + g.y_origin;
        let v_last = (rows.end - 1) as isize + g.y_origin + (g.column_taps - 1) as isize;
        let (mut lo, mut hi) = (rows.start, rows.end);
        // Virtual rows inside the band's own rows map to themselves; the
        // others (fewer than a kernel on each side) are mapped.
        let before = v_first..(rows.start as isize).min(v_last + 1);
        let after = (rows.end as isize).max(v_first)..v_last + 1;
        for v in before.chain(after) {
            if let Some(y) = g.vertical.map(v, g.height) {
                lo = lo.min(y);
                hi = hi.max(y + 1);
            }
        }
        Ok((lo..rows.start, rows.end..hi))
    }

    /// Filters output rows `rows` of an image in place: `band` holds just
    /// those rows of the image, and `above` and `below` hold copies of the
    /// source rows [`band_context`](Self::band_context) names, packed (rows
    /// of `width · channels` samples). Bands of one image can so be filtered
    /// in place at once (on several threads); with every row's copies taken
    /// before any band is written, together they equal one
    /// [`filter_in_place`](Self::filter_in_place) call, bit for bit.
    ///
    /// # Errors
    ///
    /// As [`band_context`](Self::band_context); [`Error::ShapeMismatch`] if
    /// `band` is not `rows.len()` rows of the image's shape or a copy has
    /// another length; [`Error::ScratchTooSmall`].
    pub fn filter_band_in_place<S: Sample + Output<S>>(
        &self,
        backend: Backend,
        band: &mut ImageViewMut<'_, S>,
        rows: Range<usize>,
        above: &[S],
        below: &[S],
        scratch: &mut [f32],
    ) -> Result<()> {
        let (up, down) = self.band_context(rows.clone())?;
        let row_len = self.input.width * self.input.channels;
        let copies = (above.len(), below.len()) == (up.len() * row_len, down.len() * row_len);
        if band.shape() != (Shape { height: rows.len(), ..self.input }) || !copies {
            return Err(Error::ShapeMismatch);
        }
        self.check_scratch::<S>(scratch)?;
        let first_row = rows.start;
        let image = InPlaceRows { image: band, first_row, above: (up.start, above), below: (down.start, below) };
        S::in_place(Call { plan: self, backend, work: Rows(rows), scratch }, image)
    }

    fn check_scratch<S: Sample>(&self, scratch: &[f32]) -> Result<()> {
        let needed = self.scratch_len::<S>();
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, actual: scratch.len() });
        }
        Ok(())
    }

    /// The border constants in the source type.
    pub(crate) fn constants<S: Sample>(&self) -> Result<(S, S)> {
        let value = |b: Border| b.constant().map_or(Ok(S::zeroed()), S::border_value);
        Ok((value(self.borders.horizontal)?, value(self.borders.vertical)?))
    }
}

/// Whether a `Border::Constant` value is finite (any other border is).
const fn finite_constant(border: Border) -> bool {
    match border {
        Border::Constant(v) => v.is_finite(),
        _ => true,
    }
}

/// Whether `start .. start + len` is a non-empty range inside `0..all`.
const fn inside(start: usize, len: usize, all: usize) -> bool {
    match start.checked_add(len) {
        Some(end) => len > 0 && end <= all,
        None => false,
    }
}
