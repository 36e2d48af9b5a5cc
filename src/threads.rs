//! Band parallelism: the output is split into row bands, each filtered on
//! its own thread with its own scratch (each band computes its own halo of
//! source rows), through the core's [`Plan::filter_band`]. The result is
//! bit-identical to one thread: every output is computed by the same
//! arithmetic whatever band it falls in.
//!
//! One code path splits the bands; only the spawning differs by feature:
//! with `rayon` (default) the bands are jobs on rayon's current pool (the
//! global one, or the one a caller entered with `ThreadPool::install`);
//! without it, `std::thread::scope` threads and the caller's take the
//! bands one at a time.
//!
//! Faults: everything that can fail (shapes, every band's scratch) is
//! checked or allocated before a band starts, so an error leaves the
//! destination untouched, and a band cannot fail. A band could only panic
//! (a bug); the call then returns, by re-raising that panic, only after
//! every band has stopped, and the destination is partly written.

use std::num::NonZeroUsize;

use std::ops::Range;

use sepconv_core::{Backend, BoxFilter, Error, ImageView, ImageViewMut, Output, Plan, Result, Sample, Shape};

use crate::owned::{filled, with_capacity};

/// Images with fewer output pixels than this are filtered on one thread
/// by [`Threads::Auto`]: below it, a second thread costs more than it saves.
///
/// The figure comes from the report's "1 against 2 threads by image size"
/// section (`cargo run --release -p sepconv-bench --bin report -- --no-sweep`)
/// with 3-tap kernels, the cheapest per pixel and so the last to gain: on a
/// 2-vCPU machine a second thread cost 22–35 µs, so two threads were slower
/// than one up to 512² pixels and faster from 768² on.
pub const PARALLEL_MIN_PIXELS: usize = 768 * 768;

/// How many threads a filter call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threads {
    /// All available cores (with `rayon`: the current pool's threads), or
    /// one for small images (below [`PARALLEL_MIN_PIXELS`]).
    #[default]
    Auto,
    /// Exactly this many bands (at most one per output row). Without `rayon`
    /// each band has its own thread; with it, the bands are jobs on the
    /// current rayon pool, so at most that pool's thread count run at once.
    /// [`Threads::count`] makes one from a `usize`.
    Count(NonZeroUsize),
    /// As [`Auto`](Threads::Auto), leaving this many of the available
    /// threads to other work (at least one thread runs).
    AllBut(usize),
}

impl Threads {
    /// Exactly `n` bands; 0 counts as 1.
    ///
    /// ```
    /// assert_eq!(sepconv::Threads::count(4).resolve(10_000_000), 4);
    /// assert_eq!(sepconv::Threads::count(0).resolve(10_000_000), 1);
    /// ```
    pub fn count(n: usize) -> Threads {
        Threads::Count(NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN))
    }

    /// The number of bands for `pixels` output pixels.
    pub fn resolve(self, pixels: usize) -> usize {
        match self {
            Threads::Count(n) => n.get(),
            Threads::Auto | Threads::AllBut(_) if pixels < PARALLEL_MIN_PIXELS => 1,
            Threads::Auto => available_threads(),
            Threads::AllBut(n) => available_threads().saturating_sub(n).max(1),
        }
    }
}

/// The threads `Threads::Auto` may use.
#[cfg(feature = "rayon")]
fn available_threads() -> usize {
    rayon::current_num_threads()
}

/// The threads `Threads::Auto` may use.
#[cfg(not(feature = "rayon"))]
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Filters `src` into `dst` with `plan` on `threads` threads (bands of rows).
///
/// # Errors and faults
///
/// [`Plan::filter`]'s errors, and [`Error::OutOfMemory`] if the scratch of
/// the bands cannot be allocated: all are found before any band starts, and
/// leave `dst` untouched. Once the bands start, they all run to the end and
/// `Ok` means every output row is written. A panic in a band (a bug: no
/// input makes one) is re-raised on the calling thread once every band has
/// stopped, so no thread writes into `dst` after the call returns or
/// unwinds; `dst` is then partly written. A panic elsewhere in the caller's
/// rayon pool (another job of a `join` or `scope`) does not stop the bands.
/// Without `rayon`, a helper thread that cannot be started leaves its bands
/// to the others.
pub fn filter_parallel<S: Sample + Sync, D: Output<S> + Send>(
    plan: &Plan<'_>,
    backend: Backend,
    src: &ImageView<'_, S>,
    dst: &mut ImageViewMut<'_, D>,
    threads: Threads,
) -> Result<()> {
    let out = plan.output_shape();
    let bands = threads.resolve(out.pixels()).clamp(1, out.height);
    // One scratch per band (at least one element: `chunks_exact_mut`).
    let len = plan.scratch_len::<S>().max(1);
    let mut scratch = filled(len.checked_mul(bands).ok_or(Error::SizeOverflow)?, 0.0f32)?;
    if bands == 1 {
        return plan.filter(backend, src, dst, &mut scratch);
    }
    let views = split_bands(dst, out, band_rows(out.height, bands, 1), &mut scratch, len)?;
    run_bands(views, |(rows, mut band, scratch)| plan.filter_band(backend, src, &mut band, rows, scratch))
}

/// Box-filters `src` into `dst` on `threads` threads, in bands that start on
/// the filter's [`band_alignment`](BoxFilter::band_alignment), so that the
/// result is the one-thread result, bit for bit. Errors and panics as
/// [`filter_parallel`].
pub fn box_filter_parallel<S: Sample + Sync + Send>(
    filter: &BoxFilter,
    backend: Backend,
    src: &ImageView<'_, S>,
    dst: &mut ImageViewMut<'_, S>,
    threads: Threads,
) -> Result<()> {
    let out = filter.output_shape();
    let bands = threads.resolve(out.pixels()).clamp(1, out.height);
    let len = filter.scratch_len::<S>().max(1);
    let mut scratch = filled(len.checked_mul(bands).ok_or(Error::SizeOverflow)?, 0.0f32)?;
    if bands == 1 {
        return filter.filter(backend, src, dst, &mut scratch);
    }
    let rows = band_rows(out.height, bands, filter.band_alignment::<S>());
    let views = split_bands(dst, out, rows, &mut scratch, len)?;
    run_bands(views, |(rows, mut band, scratch)| filter.filter_band(backend, src, &mut band, rows, scratch))
}

/// Filters `image` in place on `threads` threads: bands of rows, each
/// reading the rows just outside it from copies taken before any band is
/// written ([`Plan::band_context`], [`Plan::filter_band_in_place`]), so the
/// result is the one-thread result, bit for bit. Copies cost about
/// `2 · (kernel − 1)` rows a band; where the border rule makes a band read
/// far-away rows (a vertical `Wrap`), it runs on one thread. Errors as
/// [`filter_parallel`], and [`Error::InPlaceNotSupported`] for a plan that
/// is not the same size; every error comes before anything is written.
/// Panics as [`filter_parallel`].
pub fn filter_in_place_parallel<S: Sample + Output<S> + Send + Sync>(
    plan: &Plan<'_>,
    backend: Backend,
    image: &mut ImageViewMut<'_, S>,
    threads: Threads,
) -> Result<()> {
    let out = plan.output_shape();
    let bands = threads.resolve(out.pixels()).clamp(1, out.height);
    let len = plan.scratch_len::<S>().max(1);
    let mut scratch = filled(len.checked_mul(bands).ok_or(Error::SizeOverflow)?, 0.0f32)?;
    let rows = band_rows(out.height, bands, 1);
    let mut contexts = Vec::with_capacity(rows.len());
    for r in &rows {
        contexts.push(plan.band_context(r.clone())?);
    }
    let copied: usize = contexts.iter().map(|(up, down)| up.len() + down.len()).sum();
    if rows.len() == 1 || copied > out.height / 2 {
        return plan.filter_in_place(backend, image, &mut scratch[..len]);
    }
    if image.shape() != plan.input_shape() {
        return Err(Error::ShapeMismatch);
    }
    // Every copy before any band writes.
    let row_len = out.width * out.channels;
    let view = image.as_view();
    let copy = |rows: &Range<usize>| -> Result<Vec<S>> {
        let mut rows_copy = with_capacity(rows.len() * row_len)?;
        for y in rows.clone() {
            rows_copy.extend_from_slice(&view.row(y).ok_or(Error::BandOutOfRange)?[..row_len]);
        }
        Ok(rows_copy)
    };
    let mut copies = Vec::with_capacity(contexts.len());
    for (up, down) in &contexts {
        copies.push((copy(up)?, copy(down)?));
    }
    let views = split_bands(image, out, rows, &mut scratch, len)?;
    let jobs: Vec<_> = views.into_iter().zip(copies).collect();
    run_bands(jobs, |((rows, mut band, scratch), (above, below))| {
        plan.filter_band_in_place(backend, &mut band, rows, &above, &below, scratch)
    })
}

/// A band: its output rows, its part of the destination, its scratch.
type Band<'a, 's, D> = (Range<usize>, ImageViewMut<'a, D>, &'s mut [f32]);

/// Up to `bands` ranges of nearly equal height covering `0..height`, each
/// starting on a multiple of `align` rows.
fn band_rows(height: usize, bands: usize, align: usize) -> Vec<Range<usize>> {
    let mut rows = Vec::with_capacity(bands);
    let mut start = 0;
    for b in 1..bands {
        let end = height * b / bands / align * align;
        if end > start && end < height {
            rows.push(start..end);
            start = end;
        }
    }
    rows.push(start..height);
    rows
}

/// `dst` (of shape `out`) cut into the views of `rows` (consecutive ranges
/// covering it), each with `len` elements of `scratch`.
fn split_bands<'a, 's, D: Copy>(
    dst: &'a mut ImageViewMut<'_, D>,
    out: Shape,
    rows: Vec<Range<usize>>,
    scratch: &'s mut [f32],
    len: usize,
) -> Result<Vec<Band<'a, 's, D>>> {
    if dst.shape() != out {
        return Err(Error::ShapeMismatch);
    }
    let mut views = Vec::with_capacity(rows.len());
    let stride = dst.stride();
    let mut rest = ImageViewMut::with_stride(dst.as_mut_slice(), out.width, out.height, out.channels, stride)?;
    let mut scratches = scratch.chunks_exact_mut(len);
    let last = rows.len() - 1;
    for (i, r) in rows.into_iter().enumerate() {
        let scratch = scratches.next().ok_or(Error::SizeOverflow)?;
        if i == last {
            views.push((r, rest, scratch));
            break;
        }
        let (band, tail) = rest.split_at_row(r.len())?;
        views.push((r, band, scratch));
        rest = tail;
    }
    Ok(views)
}

/// Runs `job` on every band, the bands in parallel as rayon jobs (rayon's
/// `join` runs every job to its end, then re-raises a panic); the first
/// error is returned.
#[cfg(feature = "rayon")]
fn run_bands<B: Send>(bands: Vec<B>, job: impl Fn(B) -> Result<()> + Sync + Send) -> Result<()> {
    use rayon::iter::{IntoParallelIterator, ParallelIterator};
    bands.into_par_iter().try_for_each(job)
}

/// Runs `job` on every band: the caller and up to one scoped thread per
/// further band take bands from a queue until none is left. Every thread
/// is joined before a band's panic is re-raised; else the first error (in
/// band order) is returned.
#[cfg(not(feature = "rayon"))]
fn run_bands<B: Send>(bands: Vec<B>, job: impl Fn(B) -> Result<()> + Sync + Send) -> Result<()> {
    use std::sync::{Mutex, PoisonError};
    let count = bands.len();
    let queue = Mutex::new(bands.into_iter().enumerate());
    // The lock is held only to take a band (a `let` statement, not a
    // `while let`, whose guard would live through the band), so a band's
    // panic cannot poison it; a poisoned one is used all the same.
    let work = || {
        let mut done = Vec::new();
        loop {
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((i, band)) = next else { return done };
            done.push((i, job(band)));
        }
    };
    let mut results = std::thread::scope(|scope| {
        let helpers: Vec<_> =
            (1..count).filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok()).collect();
        let mine = work();
        let joined: Vec<_> = helpers.into_iter().map(|h| h.join()).collect();
        let mut results = mine;
        for done in joined {
            results.extend(done.unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        results
    });
    results.sort_by_key(|&(i, _)| i);
    results.into_iter().try_for_each(|(_, r)| r)
}
