//! Streaming: a plan fed one source row at a time (a camera, a decoder),
//! handing out each output row as soon as the source rows it reads are in,
//! over scratch for one line per column tap and one output row.
//!
//! The engine is the plan's: each source row is row-filtered once into a
//! ring of `n` lines, and each output row is one column pass over it, so
//! the output is bit for bit [`Plan::filter`]'s (u8 → u8, i16, f32 and
//! f32 → f32: the same arithmetic in the same order).

use core::marker::PhantomData;

use crate::backend::Backend;
use crate::border::Border;
use crate::error::{Error, Result};
use crate::image::{ImageView, ImageViewMut};
use crate::pass::{rows_read, stream_geometry, StreamLine, StreamRow, Work};
use crate::plan::Plan;
use crate::sample::{Output, Sample};

/// A plan fed source rows one at a time, top to bottom.
///
/// Output row `y` comes out of the [`push`](Self::push) that brings the
/// last source row it reads: with a kernel of `n` rows anchored at `a`,
/// `n − 1 − a` rows after its own source row (later for the rows within
/// `n` of the top, whose border reads rows below them), and the last rows,
/// whose border reads rows above them, with the image's last row. The
/// stream knows the height from the plan, so [`finish`](Self::finish) only
/// checks that every row came.
///
/// A vertical [`Border::Wrap`] that the output reaches is refused
/// ([`Error::WrapNotStreamable`]): its first output rows read the image's
/// last rows, so the stream would have to keep the whole image. Images of
/// at most `n` rows, which the ring holds whole, stream with it too.
///
/// ```
/// use sepconv_core::{Backend, Border, Borders, Kernel, Plan, Shape, Stream};
///
/// let k = Kernel::new(&[0.25, 0.5, 0.25])?;
/// let plan = Plan::new(Shape::new(4, 3, 1)?, k, k, Borders::uniform(Border::Replicate))?;
/// let mut scratch = [0.0f32; 256];
/// assert!(Stream::<u8, u8>::scratch_len(&plan) <= scratch.len());
/// let mut stream = Stream::<u8, u8>::new(&plan, Backend::Scalar, &mut scratch)?;
/// let mut out = [[0u8; 4]; 3];
/// for row in [[8u8; 4], [16; 4], [24; 4]] {
///     stream.push(&row, |y, filtered| out[y].copy_from_slice(filtered))?;
/// }
/// stream.finish()?;
/// assert_eq!(out, [[10; 4], [16; 4], [22; 4]]);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Stream<'a, S, D> {
    plan: &'a Plan<'a>,
    backend: Backend,
    scratch: &'a mut [f32],
    /// Scratch elements of the ring and the edge copy; the output row follows.
    engine_len: usize,
    /// Source rows pushed so far.
    pushed: usize,
    /// Output rows handed out so far.
    emitted: usize,
    _pair: PhantomData<fn(&[S]) -> D>,
}

impl<'a, S: Sample, D: Output<S>> Stream<'a, S, D> {
    /// Elements of `f32` scratch a stream of `plan` needs: `n` row-filtered
    /// lines, a constant line for a constant vertical border, the edge copy
    /// and one output row. A `const fn`, so that firmware can size a static
    /// array by it.
    pub const fn scratch_len(plan: &Plan<'_>) -> usize {
        match Self::lens(plan) {
            Some((engine, row)) => engine.saturating_add(row),
            None => usize::MAX,
        }
    }

    /// The engine's part and the output row's, in `f32` elements.
    const fn lens(plan: &Plan<'_>) -> Option<(usize, usize)> {
        let geometry = stream_geometry(*plan.geometry());
        let Some(engine) = geometry.stream_scratch_len::<S, S::Mid>() else { return None };
        let Some(row_len) = plan.output_shape().row_len() else { return None };
        let Some(row_bytes) = row_len.checked_mul(core::mem::size_of::<D>()) else { return None };
        Some((engine, row_bytes.div_ceil(core::mem::size_of::<f32>())))
    }

    /// A stream of one image through `plan` on `backend`, over `scratch` of
    /// at least [`scratch_len`](Self::scratch_len) elements.
    ///
    /// # Errors
    ///
    /// [`Error::ScratchTooSmall`], [`Error::WrapNotStreamable`],
    /// [`Error::InvalidBorderValue`] (a u8 constant that is not an integer
    /// in `0..=255`); [`Error::SizeOverflow`] if the sizes overflow.
    pub fn new(plan: &'a Plan<'a>, backend: Backend, scratch: &'a mut [f32]) -> Result<Self> {
        let (engine_len, row_len) = Self::lens(plan).ok_or(Error::SizeOverflow)?;
        let needed = engine_len.checked_add(row_len).ok_or(Error::SizeOverflow)?;
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, actual: scratch.len() });
        }
        let g = plan.geometry();
        let beyond =
            g.y_origin < 0 || (g.out_height - 1) as isize + g.y_origin + g.column_taps as isize > g.height as isize;
        if g.vertical == Border::Wrap && beyond && g.height > g.column_taps {
            return Err(Error::WrapNotStreamable);
        }
        plan.constants::<S>()?;
        Ok(Stream { plan, backend, scratch, engine_len, pushed: 0, emitted: 0, _pair: PhantomData })
    }

    /// Source rows pushed so far (the index of the next one).
    pub fn rows_pushed(&self) -> usize {
        self.pushed
    }

    /// Pushes the next source row (`width × channels` samples) and hands
    /// every output row it completes to `emit`, with its index, in order.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for a row of another length,
    /// [`Error::TooManyRows`] past the image's last row,
    /// [`Error::WeightsOutOfRange`] for u8 samples if the plan's kernels
    /// have no u8 recipe. The stream is unchanged after an error.
    pub fn push(&mut self, row: &[S], mut emit: impl FnMut(usize, &[D])) -> Result<()> {
        let input = self.plan.input_shape();
        let output = self.plan.output_shape();
        if self.pushed == input.height {
            return Err(Error::TooManyRows);
        }
        if Some(row.len()) != input.row_len() {
            return Err(Error::ShapeMismatch);
        }
        let src = ImageView::new(row, input.width, 1, input.channels)?;
        self.run(&src, StreamLine(self.pushed))?;
        self.pushed += 1;
        let geometry = self.plan.geometry();
        while self.emitted < output.height {
            let y = self.emitted;
            if let Some((first, last)) = rows_read(geometry, y) {
                if last >= self.pushed {
                    break;
                }
                // The ring keeps the last `n` rows (see `pass::stream`).
                if first + geometry.column_taps < self.pushed {
                    return Err(Error::WrapNotStreamable);
                }
            }
            self.run(&src, StreamRow(y))?;
            emit(y, self.output_row());
            self.emitted += 1;
        }
        Ok(())
    }

    /// Ends the stream.
    ///
    /// # Errors
    ///
    /// [`Error::RowsMissing`] if fewer rows than the image's height were pushed.
    pub fn finish(self) -> Result<()> {
        if self.pushed < self.plan.input_shape().height {
            return Err(Error::RowsMissing);
        }
        Ok(())
    }

    /// Runs one step of the engine on the source row `src` and the output row.
    fn run<W: Work>(&mut self, src: &ImageView<'_, S>, work: W) -> Result<()> {
        let output = self.plan.output_shape();
        let (engine, row) = self.scratch.split_at_mut(self.engine_len);
        let row = &mut bytemuck::cast_slice_mut::<f32, D>(row)[..output.row_len().unwrap_or(0)];
        let mut dst = ImageViewMut::new(row, output.width, 1, output.channels)?;
        self.plan.run(self.backend, src, &mut dst, work, engine)
    }

    /// The output row the last [`StreamRow`] made.
    fn output_row(&self) -> &[D] {
        let len = self.plan.output_shape().row_len().unwrap_or(0);
        &bytemuck::cast_slice::<f32, D>(&self.scratch[self.engine_len..])[..len]
    }
}
