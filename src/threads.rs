//! Band parallelism: the output is split into row bands, each filtered by
//! its own thread with its own scratch (each band computes its own halo of
//! source rows), through the core's [`Plan::filter_band`]. The result is
//! bit-identical to one thread: every output is computed by the same
//! arithmetic whatever band it falls in.

use std::num::NonZeroUsize;

use sepconv_core::{Backend, ImageView, ImageViewMut, Output, Plan, Result, Sample};

/// Images with fewer output pixels than this are filtered on one thread:
/// below it, starting threads costs more than it saves.
pub const PARALLEL_MIN_PIXELS: usize = 1 << 18;

/// How many threads a filter call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threads {
    /// All available cores, or one for small images (below [`PARALLEL_MIN_PIXELS`]).
    #[default]
    Auto,
    /// Exactly this many bands and threads (at most one per output row).
    Count(NonZeroUsize),
}

impl Threads {
    /// The number of bands for `pixels` output pixels.
    pub fn resolve(self, pixels: usize) -> usize {
        match self {
            Threads::Count(n) => n.get(),
            Threads::Auto if pixels < PARALLEL_MIN_PIXELS => 1,
            Threads::Auto => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        }
    }
}

/// Filters `src` into `dst` with `plan` on `threads` threads (bands of rows).
pub fn filter_parallel<S: Sample + Sync, D: Output<S> + Send>(
    plan: &Plan<'_>,
    backend: Backend,
    src: &ImageView<'_, S>,
    dst: &mut ImageViewMut<'_, D>,
    threads: Threads,
) -> Result<()> {
    let out = plan.output_shape();
    let bands = threads.resolve(out.pixels()).clamp(1, out.height);
    if bands == 1 {
        let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];
        return plan.filter(backend, src, dst, &mut scratch);
    }
    if dst.shape() != out {
        return Err(sepconv_core::Error::ShapeMismatch);
    }
    // Split the destination into `bands` views of (nearly) equal height.
    let mut views = Vec::with_capacity(bands);
    let stride = dst.stride();
    let mut rest = ImageViewMut::with_stride(dst.as_mut_slice(), out.width, out.height, out.channels, stride)?;
    let mut start = 0;
    for b in 0..bands {
        let end = out.height * (b + 1) / bands;
        if end < out.height {
            let (band, tail) = rest.split_at_row(end - start)?;
            views.push((start..end, band));
            rest = tail;
        } else {
            views.push((start..end, rest));
            break;
        }
        start = end;
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = views
            .into_iter()
            .map(|(rows, mut band)| {
                scope.spawn(move || {
                    let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];
                    plan.filter_band(backend, src, &mut band, rows, &mut scratch)
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| h.join().unwrap_or(Err(sepconv_core::Error::BandOutOfRange)))
    })
}
