//! # sepconv
//!
//! Fast, exact separable 2D filtering: Gaussian and box blurs, Sobel,
//! Scharr and Laplacian derivatives, and any `column ⊗ row` kernel, with
//! OpenCV's semantics. This crate is the std facade over [`sepconv_core`]
//! (`#![no_std]`, no allocator): one-call filters, owned images, threads,
//! runtime CPU dispatch and the `image` crate's types.
//!
//! ## Example
//!
//! ```
//! use image::{Rgb, RgbImage};
//!
//! let img = RgbImage::from_fn(64, 48, |x, y| Rgb([x as u8 * 4, y as u8 * 5, 128]));
//! let blurred = sepconv::gaussian_blur(&img, 2.0)?; // an RgbImage
//! let grey = image::imageops::grayscale(&img);
//! let gx = sepconv::sobel(&grey, 1, 0, 3)?; // ImageBuffer<Luma<i16>, Vec<i16>>
//! assert_eq!((blurred.dimensions(), gx.dimensions()), ((64, 48), (64, 48)));
//! # Ok::<(), sepconv::Error>(())
//! ```
//!
//! ## The filters
//!
//! | call | OpenCV | output for u8 / u16 / f32 images |
//! |---|---|---|
//! | [`gaussian_blur`]`(img, σ)` | `GaussianBlur(img, (0, 0), σ)` | u8 / u16 / f32 |
//! | [`box_blur`]`(img, n)` | `blur(img, (n, n))` | u8 / u16 / f32 |
//! | [`sobel`]`(img, dx, dy, k)` | `Sobel(img, CV_16S, dx, dy, k)` | i16 / f32 / f32 |
//! | [`scharr`]`(img, dx, dy)` | `Scharr(img, CV_16S, dx, dy)` | i16 / f32 / f32 |
//! | [`laplacian`]`(img, k)` | `Laplacian(img, CV_16S, k)` | i16 / f32 / f32 |
//! | [`gaussian_derivative`]`(img, σ, dx, dy)` | — | f32 / f32 / f32 |
//!
//! Each takes an [`Image`], an [`ImageView`] or (feature `image`) an
//! `ImageBuffer` of `Luma`, `LumaA`, `Rgb` or `Rgba` pixels — the blurs
//! also a `DynamicImage` — and returns the same kind of image. [`Options`]
//! changes borders (default [`Border::Reflect101`]), threads, the backend,
//! filters a window with its neighbours, or blurs premultiplied alpha. Any
//! other kernels: [`Options::separable`], or [`filter`] with [`Kernel`]s
//! (owned ones: [`KernelBuf`]). The lower level: a [`Plan`] for one shape,
//! run on caller buffers, as in `sepconv-core`.
//!
//! The (source, output) pairs of the engine, [`Output`]:
//!
//! | source | outputs | for |
//! |---|---|---|
//! | `f32` | `f32` | everything |
//! | `u8` | `u8` | blurs: exact fixed point, within 1 of the exact result, the same bits on every backend |
//! | `u8` | `i16`, `f32` | signed kernels (derivatives) |
//! | `u16` | `u16` | blurs: f32 sums up to 15 taps, exact integers beyond, within 1 of the exact result, the same bits on every backend |
//! | `u16` | `f32` | signed kernels |
//! | `half::f16` (feature `f16`) | `f16`, `f32` | half-precision storage: filtered in f32, each output rounded once to f16 |
//!
//! In a dependent's debug build the engine runs unoptimised (a 4K RGBA
//! blur takes seconds); to keep it fast there, add to its `Cargo.toml`:
//!
//! ```toml
//! [profile.dev.package.sepconv-core]
//! opt-level = 3
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
//! * `image` (default): the filters take and return the `image` crate's
//!   `ImageBuffer`s and `DynamicImage`; [`Image`] converts to and from
//!   `ImageBuffer` without copying. Only `image`'s types: no codecs.
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

// The README's examples, compiled and run by `cargo test --doc`.
#[cfg(all(doctest, feature = "image"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod alpha;
pub mod depthwise;
mod detect;
#[cfg(feature = "image")]
mod image_crate;
mod kernel;
pub mod kernel2d;
mod options;
mod owned;
mod source;
mod threads;

pub use detect::{available_backends, backend_by_name, best_backend};
#[cfg(feature = "f16")]
pub use half::f16;
#[cfg(feature = "image")]
pub use image_crate::PixelKind;
pub use kernel::KernelBuf;
pub use kernel2d::filter_2d;
pub use options::Options;
#[doc(hidden)]
pub use options::Smoothing;
#[cfg(feature = "tuning")]
pub use options::BOX_RUNNING_SUMS;
pub use owned::Image;
#[cfg(feature = "tuning")]
pub use sepconv_core::ColumnStrategy;
pub use sepconv_core::{
    direct2d, fixed, generate, reference, Backend, Border, Borders, BoxFilter, Error, ImageView, ImageViewMut, Kernel,
    Op, Output, Plan, Region, Result, Sample, Shape, Simd, Stream, Symmetry, MAX_TAPS,
};
pub use source::{Blurrable, Element, Source, SourceSample};
pub use threads::{box_filter_parallel, filter_in_place_parallel, filter_parallel, Threads, PARALLEL_MIN_PIXELS};

/// Blurs `image` with OpenCV's Gaussian of standard deviation `sigma`
/// (`GaussianBlur` with `ksize = 0`): [`Options::gaussian_blur`] with the
/// default options (borders `Reflect101`, every core, the best backend).
///
/// ```
/// let img = sepconv::Image::<u8>::from_vec(vec![200; 32 * 16 * 3], 32, 16, 3)?;
/// let blurred = sepconv::gaussian_blur(&img, 2.0)?;
/// assert_eq!(blurred, img); // a constant image stays constant
/// # Ok::<(), sepconv::Error>(())
/// ```
///
/// # Errors
///
/// As [`Options::gaussian_blur`].
pub fn gaussian_blur<I: Blurrable + ?Sized>(image: &I, sigma: f64) -> Result<I::Blurred> {
    Options::new().gaussian_blur(image, sigma)
}

/// Blurs `image` with a normalised `size × size` box: [`Options::box_blur`]
/// with the default options.
///
/// # Errors
///
/// As [`Options::box_blur`].
pub fn box_blur<I: Blurrable + ?Sized>(image: &I, size: usize) -> Result<I::Blurred> {
    Options::new().box_blur(image, size)
}

/// OpenCV's `Sobel` into the gradient type (`i16` for u8, `f32` for f32):
/// [`Options::sobel`] with the default options.
///
/// # Errors
///
/// As [`Options::sobel`].
pub fn sobel<I: Source + ?Sized>(
    image: &I,
    dx: usize,
    dy: usize,
    ksize: usize,
) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
    Options::new().sobel(image, dx, dy, ksize)
}

/// OpenCV's `Scharr` into the gradient type: [`Options::scharr`] with the
/// default options.
///
/// # Errors
///
/// As [`Options::scharr`].
pub fn scharr<I: Source + ?Sized>(
    image: &I,
    dx: usize,
    dy: usize,
) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
    Options::new().scharr(image, dx, dy)
}

/// OpenCV's `Laplacian` into the gradient type: [`Options::laplacian`] with
/// the default options.
///
/// # Errors
///
/// As [`Options::laplacian`].
pub fn laplacian<I: Source + ?Sized>(
    image: &I,
    ksize: usize,
) -> Result<I::With<<I::Sample as SourceSample>::Gradient>> {
    Options::new().laplacian(image, ksize)
}

/// The derivative of a Gaussian, into `f32`: [`Options::gaussian_derivative`]
/// with the default options.
///
/// # Errors
///
/// As [`Options::gaussian_derivative`].
pub fn gaussian_derivative<I: Source + ?Sized>(image: &I, sigma: f64, dx: usize, dy: usize) -> Result<I::With<f32>> {
    Options::new().gaussian_derivative(image, sigma, dx, dy)
}

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

/// Filters `image` in place, on the best backend and [`Threads::Auto`]
/// ([`filter_in_place_parallel`]: the one-thread result on any thread
/// count); an error ([`Error::OutOfMemory`] for the scratch included)
/// leaves it untouched.
pub fn filter_in_place<S: Sample + Output<S> + Send + Sync>(
    image: &mut ImageViewMut<'_, S>,
    row: Kernel<'_>,
    column: Kernel<'_>,
    borders: Borders,
) -> Result<()> {
    let plan = Plan::new(image.shape(), row, column, borders)?;
    filter_in_place_parallel(&plan, best_backend(), image, Threads::Auto)
}

fn run<S: Sample + Sync, D: Output<S> + Send>(plan: &Plan<'_>, src: &ImageView<'_, S>) -> Result<Image<D>> {
    let out = plan.output_shape();
    let mut dst = Image::<D>::new(out.width, out.height, out.channels)?;
    filter_parallel(plan, best_backend(), src, &mut dst.view_mut(), Threads::Auto)?;
    Ok(dst)
}
