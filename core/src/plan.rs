//! The validated filter: kernels, borders, shapes, the u8 recipe and the
//! scratch size, checked once; then any number of filter calls.

use core::ops::Range;

use bytemuck::Pod;

use crate::backend::Backend;
use crate::border::{Border, Borders};
use crate::error::{Error, Result};
use crate::fixed::FixedPoint;
use crate::image::{ImageView, ImageViewMut, Shape};
use crate::kernel::Kernel;
use crate::pass::fixed::{FixedScalar, FixedSimd};
/// The portable u8 vector: SSE2 intrinsics on x86_64 (baseline there),
/// autovectorised arrays elsewhere (NEON, simd128).
#[cfg(target_arch = "x86_64")]
type PortableFixed = core::arch::x86_64::__m128i;
#[cfg(not(target_arch = "x86_64"))]
type PortableFixed = crate::simd::Lanes16;
use crate::pass::{F32Passes, Frames, Geometry, InPlace, Job, Separate};

/// How the column pass reads the ring of row-filtered lines (f32; u8 is always direct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnStrategy {
    /// Vectorised along x over the lines, two output rows per step sharing
    /// their loads. The plan's choice for every shape measured.
    #[default]
    Direct,
    /// 8-column tiles of 16 output rows are transposed, filtered as rows
    /// (folded for symmetric kernels), and transposed back.
    TransposedTile,
}

impl ColumnStrategy {
    /// Output rows per column step.
    fn rows(self) -> usize {
        match self {
            ColumnStrategy::Direct => 2,
            ColumnStrategy::TransposedTile => crate::pass::MAX_COLUMN_ROWS,
        }
    }
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
}

mod sealed {
    /// The (source, output) sample pairs the engine implements.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Pipeline {
        F32,
        U8,
        U8ToI16,
        U8ToF32,
    }
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for u8 {}
    impl Sealed for i16 {}
}
pub(crate) use sealed::Pipeline;

/// A sample type that can be filtered: `f32` or `u8`.
pub trait Sample: Pod + sealed::Sealed {
    #[doc(hidden)]
    /// The type of the row-filtered lines between the passes.
    type Mid: Pod;
    #[doc(hidden)]
    /// A `Border::Constant` value in this type.
    fn border_value(v: f32) -> Result<Self>;
    #[doc(hidden)]
    /// Whether this is `f32` (which has both column strategies).
    const FLOAT: bool;
}

impl Sample for f32 {
    type Mid = f32;
    const FLOAT: bool = true;
    fn border_value(v: f32) -> Result<Self> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::InvalidBorderValue)
        }
    }
}

impl Sample for u8 {
    type Mid = i16;
    const FLOAT: bool = false;
    fn border_value(v: f32) -> Result<Self> {
        if (0.0..=255.0).contains(&v) && v == (v as u8) as f32 {
            Ok(v as u8)
        } else {
            Err(Error::InvalidBorderValue)
        }
    }
}

/// An output type for source samples `S`: `f32 → f32`, `u8 → u8`,
/// `u8 → i16` and `u8 → f32` (the last two for signed kernels such as derivatives).
pub trait Output<S: Sample>: Pod + sealed::Sealed {
    #[doc(hidden)]
    const PIPELINE: Pipeline;
    #[doc(hidden)]
    /// The output of a u8 column accumulator (the last step of the u8 recipe).
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self;
}
impl Output<f32> for f32 {
    const PIPELINE: Pipeline = Pipeline::F32;
    #[inline(always)]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_f32(acc)
    }
}
impl Output<u8> for u8 {
    const PIPELINE: Pipeline = Pipeline::U8;
    #[inline(always)]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_u8(acc)
    }
}
impl Output<u8> for i16 {
    const PIPELINE: Pipeline = Pipeline::U8ToI16;
    #[inline(always)]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_i16(acc)
    }
}
impl Output<u8> for f32 {
    const PIPELINE: Pipeline = Pipeline::U8ToF32;
    #[inline(always)]
    fn from_fixed(fp: &FixedPoint, acc: i32) -> Self {
        fp.out_f32(acc)
    }
}

/// Reinterprets a view's samples as `T` (the same type, known only at run time).
fn cast_view<'a, S: Pod, T: Pod>(v: ImageView<'a, S>) -> Result<ImageView<'a, T>> {
    let data = bytemuck::try_cast_slice(v.as_slice()).map_err(|_| Error::ShapeMismatch)?;
    ImageView::with_stride(data, v.width(), v.height(), v.channels(), v.stride())
}

fn cast_view_mut<'v, S: Pod, T: Pod>(v: &'v mut ImageViewMut<'_, S>) -> Result<ImageViewMut<'v, T>> {
    let (w, h, c, s) = (v.width(), v.height(), v.channels(), v.stride());
    let data = bytemuck::try_cast_slice_mut(v.as_mut_slice()).map_err(|_| Error::ShapeMismatch)?;
    ImageViewMut::with_stride(data, w, h, c, s)
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
    pub fn new(input: Shape, row: Kernel<'k>, column: Kernel<'k>, borders: Borders) -> Result<Self> {
        Self::build(input, row, column, borders, Region::Same)
    }

    /// A plan computing only the outputs whose kernel footprint lies inside
    /// the image (no border).
    pub fn valid(input: Shape, row: Kernel<'k>, column: Kernel<'k>) -> Result<Self> {
        Self::build(input, row, column, Borders::default(), Region::Valid)
    }

    fn build(input: Shape, row: Kernel<'k>, column: Kernel<'k>, borders: Borders, region: Region) -> Result<Self> {
        input.validate()?;
        for b in [borders.horizontal, borders.vertical] {
            if let Border::Constant(v) = b {
                f32::border_value(v)?;
            }
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
            // Whole rows: vertical strips that keep the ring in L1 measured
            // slower on every workload here (AVX2, one thread, 1080p 5 taps:
            // 1580 Mpx/s unstriped, 770 with 1024-px strips, 625 with 256;
            // 4K 15 taps: 644 vs 290–380; measured in session 1 with a strip-width
            // sweep over `with_strip_width`, best of 7–15 runs): the source, read in short row
            // pieces, defeats the prefetcher. Strips remain an option.
            strip_width: output.width,
            stream: output.pixels().saturating_mul(output.channels) >= STREAM_SAMPLES,
            column_rows: ColumnStrategy::Direct.rows(),
        };
        // f32 without strips needs the most scratch of all calls: check it fits.
        for strategy in [ColumnStrategy::Direct, ColumnStrategy::TransposedTile] {
            Geometry { strip_width: output.width, column_rows: strategy.rows(), ..geometry }
                .scratch_len::<f32, f32>()
                .ok_or(Error::SizeOverflow)?;
        }
        let fixed = FixedPoint::new(&row, &column);
        Ok(Plan { row, column, borders, region, input, output, geometry, fixed })
    }

    /// Filters in vertical strips of `pixels` output columns (clamped to
    /// `1..=width`) instead of the plan's choice. For benchmarks and tuning;
    /// changes [`scratch_len`](Self::scratch_len), never the result.
    pub fn with_strip_width(mut self, pixels: usize) -> Self {
        self.geometry.strip_width = pixels.clamp(1, self.output.width);
        self
    }

    /// Forces non-temporal (streaming) stores for f32 output on or off
    /// instead of the plan's choice. For benchmarks; never changes the result.
    pub fn with_streaming(mut self, stream: bool) -> Self {
        self.geometry.stream = stream;
        self
    }

    /// Runs the f32 column pass with `strategy` instead of the plan's choice.
    /// For benchmarks; changes [`scratch_len`](Self::scratch_len) and the
    /// last bits of f32 results (within the documented bound).
    pub fn with_column_strategy(mut self, strategy: ColumnStrategy) -> Self {
        self.geometry.column_rows = strategy.rows();
        self
    }

    /// The f32 column strategy.
    pub fn column_strategy(&self) -> ColumnStrategy {
        if self.geometry.column_rows > 2 {
            ColumnStrategy::TransposedTile
        } else {
            ColumnStrategy::Direct
        }
    }

    /// Output columns per vertical strip (the output width when not striped).
    pub fn strip_width(&self) -> usize {
        self.geometry.strip_width
    }

    /// Whether f32 output is written with non-temporal stores.
    pub fn streaming(&self) -> bool {
        self.geometry.stream
    }

    /// The input shape.
    pub fn input_shape(&self) -> Shape {
        self.input
    }
    /// The output shape (the input's, or smaller for [`Region::Valid`]).
    pub fn output_shape(&self) -> Shape {
        self.output
    }
    /// The row (horizontal) kernel.
    pub fn row_kernel(&self) -> Kernel<'k> {
        self.row
    }
    /// The column (vertical) kernel.
    pub fn column_kernel(&self) -> Kernel<'k> {
        self.column
    }
    /// The border modes.
    pub fn borders(&self) -> Borders {
        self.borders
    }
    /// Same-size or valid-region output.
    pub fn region(&self) -> Region {
        self.region
    }
    /// The u8 fixed-point recipe for these kernels, or why they have none.
    pub fn fixed_point(&self) -> Result<&FixedPoint> {
        self.fixed.as_ref().map_err(|e| *e)
    }

    /// Elements of `f32` scratch a filter call on samples `S` needs (any
    /// call: in place, out of place, or a band).
    pub fn scratch_len<S: Sample>(&self) -> usize {
        // In-place filtering runs unstriped (a strip would overwrite the halo
        // of its neighbour), which needs the most: size for that. Cannot
        // fail: the largest case (f32, whole width) was checked in `build`.
        Geometry { strip_width: self.output.width, ..self.geometry_for::<S>() }
            .scratch_len::<S, S::Mid>()
            .unwrap_or(usize::MAX)
    }

    /// The geometry a call on samples `S` runs with: u8 has only the direct column pass.
    fn geometry_for<S: Sample>(&self) -> Geometry {
        if S::FLOAT {
            self.geometry
        } else {
            Geometry { column_rows: ColumnStrategy::Direct.rows(), ..self.geometry }
        }
    }

    /// The geometry without vertical strips (for in-place filtering).
    fn unstriped(&self) -> Geometry {
        Geometry { strip_width: self.output.width, ..self.geometry }
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
        let first_row = rows.start;
        match D::PIPELINE {
            Pipeline::F32 => {
                let mut dst = cast_view_mut::<D, f32>(dst)?;
                let mut frames = Separate { src: cast_view::<S, f32>(*src)?, dst: &mut dst, first_row };
                self.run_f32(backend, &mut frames, rows, scratch)
            }
            Pipeline::U8 => {
                let mut dst = cast_view_mut::<D, u8>(dst)?;
                let mut frames = Separate { src: cast_view::<S, u8>(*src)?, dst: &mut dst, first_row };
                self.run_u8(backend, &mut frames, rows, scratch)
            }
            Pipeline::U8ToI16 => {
                let mut dst = cast_view_mut::<D, i16>(dst)?;
                let mut frames = Separate { src: cast_view::<S, u8>(*src)?, dst: &mut dst, first_row };
                self.run_u8(backend, &mut frames, rows, scratch)
            }
            Pipeline::U8ToF32 => {
                let mut dst = cast_view_mut::<D, f32>(dst)?;
                let mut frames = Separate { src: cast_view::<S, u8>(*src)?, dst: &mut dst, first_row };
                self.run_u8(backend, &mut frames, rows, scratch)
            }
        }
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
        let rows = 0..self.output.height;
        // Strips would overwrite source columns a neighbouring strip still reads.
        let unstriped = Plan { geometry: self.unstriped(), ..*self };
        match <S as Output<S>>::PIPELINE {
            Pipeline::F32 => {
                let mut image = cast_view_mut::<S, f32>(image)?;
                unstriped.run_f32(backend, &mut InPlace { image: &mut image }, rows, scratch)
            }
            Pipeline::U8 => {
                let mut image = cast_view_mut::<S, u8>(image)?;
                unstriped.run_u8(backend, &mut InPlace { image: &mut image }, rows, scratch)
            }
            Pipeline::U8ToI16 | Pipeline::U8ToF32 => Err(Error::ShapeMismatch),
        }
    }

    fn check_scratch<S: Sample>(&self, scratch: &[f32]) -> Result<()> {
        let needed = self.scratch_len::<S>();
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, actual: scratch.len() });
        }
        Ok(())
    }

    fn constants<S: Sample>(&self) -> Result<(S, S)> {
        let value = |b: Border| b.constant().map_or(Ok(S::zeroed()), S::border_value);
        Ok((value(self.borders.horizontal)?, value(self.borders.vertical)?))
    }

    fn run_f32(
        &self,
        backend: Backend,
        frames: &mut dyn Frames<f32, f32>,
        rows: Range<usize>,
        scratch: &mut [f32],
    ) -> Result<()> {
        let job = Job { geometry: &self.geometry, frames, rows, constants: self.constants::<f32>()?, scratch };
        let (row, column) = (self.row.taps(), self.column.taps());
        match backend {
            Backend::Scalar => job.run(&F32Passes::<f32>::new(row, column, &self.geometry)),
            Backend::Portable => job.run(&F32Passes::<wide::f32x8>::new(row, column, &self.geometry)),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(token) => token.filter_f32(row, column, job),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(token) => token.filter_f32(row, column, job),
        }
        Ok(())
    }

    fn run_u8<D: Output<u8>>(
        &self,
        backend: Backend,
        frames: &mut dyn Frames<u8, D>,
        rows: Range<usize>,
        scratch: &mut [f32],
    ) -> Result<()> {
        let fp = self.fixed_point()?;
        let geometry = self.geometry_for::<u8>();
        let job = Job { geometry: &geometry, frames, rows, constants: self.constants::<u8>()?, scratch };
        match backend {
            Backend::Scalar => job.run(&FixedScalar { fp, _out: core::marker::PhantomData::<D> }),
            Backend::Portable => job.run(&FixedSimd::<PortableFixed, D>::new(fp)),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(token) => token.filter_u8(fp, job),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(token) => token.filter_u8(fp, job),
        }
        Ok(())
    }
}
