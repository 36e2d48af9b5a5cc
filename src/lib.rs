//! # sepconv
//!
//! Fast, exact separable 2D filtering. This crate is the std facade over
//! [`sepconv_core`] (`#![no_std]`, no allocator): owned images, scratch
//! allocation, runtime CPU dispatch and convenience functions.
//!
//! ## Example
//!
//! ```
//! use sepconv::{Border, Borders, Image, Kernel};
//!
//! let taps = [0.25f32, 0.5, 0.25];
//! let k = Kernel::new(&taps)?;
//! let img = Image::<u8>::from_vec(vec![10, 20, 30, 40, 50, 60], 3, 2, 1)?;
//! let out: Image<u8> = sepconv::filter(&img.view(), k, k, Borders::uniform(Border::Replicate))?;
//! assert_eq!(out.width(), 3);
//! # Ok::<(), sepconv::Error>(())
//! ```
//!
//! ## Backends
//!
//! [`best_backend`] detects the CPU once (`is_x86_feature_detected!`) and
//! picks AVX-512, AVX2+FMA or the portable SIMD path (SSE2 on x86_64, NEON on
//! aarch64). The environment variable `SEPCONV_BACKEND` (`scalar`,
//! `portable`, `avx2`, `avx512`) forces one, for tests and benchmarks;
//! [`available_backends`] lists what this CPU can run.
//!
//! ## Crate features
//!
//! * `rayon` (default): [`filter`] and [`filter_parallel`] run their row
//!   bands as jobs on rayon's current pool (the global one, or the pool a
//!   caller entered with `ThreadPool::install`). Without it
//!   (`default-features = false`) each band gets a `std::thread::scope`
//!   thread. The band splitting is the same, and so is the output, bit for
//!   bit, whatever the thread count. Images under [`PARALLEL_MIN_PIXELS`]
//!   stay on one thread with [`Threads::Auto`].
//!
//! ## Errors and faults
//!
//! Every function returns an [`Error`] for bad input and never panics.
//! Every function allocates what it needs (images, scratch, buffers)
//! before it writes: an allocation the allocator refuses is
//! [`Error::OutOfMemory`], with the destination untouched. [`filter`],
//! [`filter_valid`] and [`filter_parallel`] run row bands on several
//! threads (see [`filter_parallel`] for what a panic there does); the
//! others run on the caller's thread.

#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod depthwise;
mod detect;
pub mod kernel2d;
mod owned;
mod threads;

pub use detect::{available_backends, backend_by_name, best_backend};
pub use kernel2d::filter_2d;
pub use owned::Image;
#[cfg(feature = "tuning")]
pub use sepconv_core::ColumnStrategy;
pub use sepconv_core::{
    direct2d, fixed, generate, reference, Backend, Border, Borders, Error, ImageView, ImageViewMut, Kernel, Op, Output,
    Plan, Region, Result, Sample, Shape, Simd, Symmetry, MAX_TAPS,
};
pub use threads::{filter_parallel, Threads, PARALLEL_MIN_PIXELS};

/// Filters `src` with `column ⊗ row` into a new image, on the best backend
/// and all cores (one for small images): [`filter_parallel`], whose errors
/// and faults it shares.
pub fn filter<S: Sample + Sync, D: Output<S> + Send>(
    src: &ImageView<'_, S>,
    row: Kernel<'_>,
    column: Kernel<'_>,
    borders: Borders,
) -> Result<Image<D>> {
    let plan = Plan::new(src.shape(), row, column, borders)?;
    run(&plan, src)
}

/// Filters `src` keeping only the outputs whose kernel footprint lies inside
/// the image (the output is `row.len() − 1` narrower, `column.len() − 1`
/// shorter), as [`filter`].
pub fn filter_valid<S: Sample + Sync, D: Output<S> + Send>(
    src: &ImageView<'_, S>,
    row: Kernel<'_>,
    column: Kernel<'_>,
) -> Result<Image<D>> {
    let plan = Plan::valid(src.shape(), row, column)?;
    run(&plan, src)
}

/// Filters `image` in place, on the best backend and one thread; an error
/// ([`Error::OutOfMemory`] for the scratch included) leaves it untouched.
pub fn filter_in_place<S: Sample + Output<S>>(
    image: &mut ImageViewMut<'_, S>,
    row: Kernel<'_>,
    column: Kernel<'_>,
    borders: Borders,
) -> Result<()> {
    let plan = Plan::new(image.shape(), row, column, borders)?;
    let mut scratch = owned::filled(plan.scratch_len::<S>(), 0.0f32)?;
    plan.filter_in_place(best_backend(), image, &mut scratch)
}

fn run<S: Sample + Sync, D: Output<S> + Send>(plan: &Plan<'_>, src: &ImageView<'_, S>) -> Result<Image<D>> {
    let out = plan.output_shape();
    let mut dst = Image::<D>::new(out.width, out.height, out.channels)?;
    filter_parallel(plan, best_backend(), src, &mut dst.view_mut(), Threads::Auto)?;
    Ok(dst)
}
