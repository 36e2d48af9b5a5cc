//! # sepconv-core
//!
//! Separable 2D filtering — a row pass and a column pass, `2K` instead of
//! `K²` multiply-adds per pixel — in `#![no_std]` Rust with no allocator.
//!
//! ## Overview
//!
//! * [`ImageView`]/[`ImageViewMut`]: borrowed images (1–4 interleaved
//!   channels, row stride in elements, regions of interest).
//! * [`Kernel`]: 1D taps with an anchor; [`Border`] per axis (OpenCV's five modes).
//! * [`Plan`]: the validated filter for one shape; knows its
//!   [`scratch_len`](Plan::scratch_len); filters `f32 → f32`, `u8 → u8`,
//!   `u8 → i16`, `u8 → f32`, `u16 → u16`, `u16 → f32` (and with the `f16`
//!   feature `half::f16 → f16`, `f16 → f32`), out of place, in
//!   place, or by row bands (in place too, each band reading copies of
//!   the rows around it); built by a `const fn`, so a `static` plan is
//!   made at compile time.
//! * [`Stream`]: a plan fed source rows one at a time, each output row
//!   handed out as soon as its source rows are in, over a few rows of scratch.
//! * [`BoxFilter`]: the box (mean) filter by running sums, any size.
//! * [`reference`](mod@reference): the scalar oracle; [`fixed`] and
//!   [`fixed16`]: the u8 and u16 recipes that every backend reproduces bit
//!   for bit.
//! * [`depthwise`]: depthwise-separable convolution layers (MobileNet), f32
//!   and int8 with TensorFlow Lite's quantisation, on the same backends.
//!
//! Semantics are correlation (no kernel flip), as OpenCV's `sepFilter2D`:
//! `out(x, y) = Σ_j col[j] · Σ_i row[i] · in(x + i − ax, y + j − ay)`.
//!
//! ## Example
//!
//! ```
//! use sepconv_core::{Backend, Border, Borders, ImageView, ImageViewMut, Kernel, Plan, Shape};
//!
//! const W: usize = 16;
//! const H: usize = 8;
//! static TAPS: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
//! let k = Kernel::new(&TAPS)?;
//! let plan = Plan::new(Shape::new(W, H, 1)?, k, k, Borders::uniform(Border::Reflect101))?;
//! let mut scratch = [0.0f32; 1024];
//! let src = [7u8; W * H];
//! let mut dst = [0u8; W * H];
//! plan.filter(
//!     Backend::compiled(),
//!     &ImageView::new(&src, W, H, 1)?,
//!     &mut ImageViewMut::new(&mut dst, W, H, 1)?,
//!     &mut scratch,
//! )?;
//! assert_eq!(dst, [7u8; W * H]); // a normalised kernel keeps a constant image
//! # Ok::<(), sepconv_core::Error>(())
//! ```
//!
//! ## The engine
//!
//! One pass over the image, one ring of row-filtered lines:
//!
//! ```text
//!  source rows            ring (n + 1 lines, scratch)           output rows
//!  ───────────            ───────────────────────────           ───────────
//!  y − ay + n  ──row──▶   slot (y − ay + n) mod (n + 1)  ─┐
//!  …                      …                               ├─column─▶  y, y + 1
//!  y − ay      (already)  slot (y − ay) mod (n + 1)      ─┘
//! ```
//!
//! Each source row is row-filtered once into the ring (the middle of the
//! row straight from the source, the few outputs near the edges from a short
//! padded copy), and each step of the column pass makes two output rows from
//! the `n + 1` lines they share, vectorised along x, every loaded line
//! feeding both rows. The image is read once and written once; the ring
//! stays in L1/L2. Rows below the image are filtered before the first output
//! row is written, which is what makes in-place filtering safe. Large f32
//! outputs (≥ 4 MiB) are written with non-temporal stores on AVX2/AVX-512.
//!
//! Every pass is written once over the vector traits of [`Simd`] and
//! entered through [`Backend::run`], the one place that chooses
//! instructions. Why the engine has this shape, and what limits each
//! workload, is in the repository's `docs/performance.md`.
//!
//! ## f32 accuracy and range
//!
//! An f32 output is a sum in f32 over the row pass's sums, one multiply-add
//! a tap (fused where the backend has FMA), or a tap pair for a symmetric or
//! antisymmetric kernel (`w·(x_i ± x_{n−1−i})`, replaced by the unfolded
//! sum wherever that pair would overflow). When it is finite, it lies within
//! `(nr + nc + 2)·2⁻²⁴·m + (nr·Σ|c| + nc)·2⁻¹⁴⁹` of the exact result, where
//! `m = Σ_j |c_j|·Σ_i |r_i|·|x_ij|` is its magnitude over its footprint (the
//! second term covers products that underflow; [`reference`](mod@reference) gives the
//! derivation). It is finite for finite samples wherever no sum can
//! overflow, `Σ_j max(|c_j|, 1)·Σ_i |r_i|·|x_ij|·(1 + (nr + nc + 2)·2⁻²⁴) ≤
//! f32::MAX`: for kernels with `Σ|r|, Σ|c| < 1`, every sample in
//! `[−f32::MAX, f32::MAX]`. Past that an output may be ±∞ or NaN, never a
//! wrong finite value; a ±∞ or NaN in its footprint makes it ±∞ or NaN, as
//! IEEE arithmetic says (`0 · ∞` is NaN).
//!
//! ## Backends and safety
//!
//! [`Backend::Scalar`] and [`Backend::Portable`] (`wide`: SSE2, NEON,
//! simd128) are always available. On x86_64, [`Backend::Avx2`] and
//! [`Backend::Avx512`] carry zero-sized proof tokens: a token exists only if
//! the features were enabled at compile time or a caller asserted them with
//! `unsafe` after runtime detection (the `sepconv` crate does). `unsafe`
//! appears only in vector loads/stores, `#[target_feature]` entry points
//! and token construction, each with a `// SAFETY:` comment.
//!
//! The passes and vector methods are `inline(always)` in optimised builds
//! only (`#[cfg_attr(not(debug_assertions), inline(always))]`): there they
//! must inline into their `#[target_feature]` entry point to be compiled
//! with its instructions. With debug assertions on (the test builds), each
//! stays a function of its own, since forced inlining copied every pass
//! into every entry point and backend and made a fresh test build take
//! 9 minutes instead of 2; the results are the same either way.
//!
//! ## `no_std` use
//!
//! The crate never allocates: give each call a scratch slice of
//! [`Plan::scratch_len`] `f32`s (a `static mut` array, a stack array, a
//! region of your RAM), or a [`Stream`] [`Stream::scratch_len`] of them for
//! rows as they arrive. Kernel taps are borrowed and may live in flash, and
//! plans in `static`s are built by the compiler, so the device runs no f64
//! code. No public function panics; bad input returns an [`Error`].

#![no_std]
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod arch;
mod backend;
mod border;
mod box_filter;
pub mod depthwise;
pub mod direct2d;
mod error;
pub mod fixed;
pub mod fixed16;
pub mod generate;
mod image;
mod kernel;
mod pass;
mod plan;
pub mod reference;
mod sample;
mod simd;
mod stream;

pub use backend::Backend;
pub use border::{Border, Borders};
pub use box_filter::BoxFilter;
pub use error::{Error, Result};
pub use image::{ImageView, ImageViewMut, Shape};
pub use kernel::{Kernel, Symmetry, MAX_TAPS};
#[cfg(feature = "tuning")]
pub use plan::ColumnStrategy;
pub use plan::{Plan, Region};
pub use sample::{Output, Sample};
pub use simd::{Op, Portable, Scalar, Simd};
pub use stream::Stream;
