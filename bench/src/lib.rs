//! # sepconv-bench
//!
//! The throughput report ([`report`], run by `src/bin/report.rs`) and what it
//! shares with the criterion suite (`benches/workloads.rs`):
//!
//! * [`workload`]: [`WORKLOADS`], the workloads of DESIGN.md (image size,
//!   channels, sample type, Gaussian taps with OpenCV's default σ,
//!   `Reflect101` borders), [`SWEEP_TAPS`] and [`Workload::with_taps`] for the
//!   kernel-size sweep, and [`Input`], a deterministic pseudo-random image
//!   for a workload;
//! * [`naive2d`]: [`Naive2d`], the baseline — a direct `K×K` 2D correlation
//!   in scalar f32, `K²` multiply-adds per sample where the separable filter
//!   needs `2K` — and [`sample_band`], the band of rows a slow 2D baseline is
//!   timed on;
//! * [`direct2d`]: [`Direct2d`], the same `K×K` correlation vectorised
//!   (AVX2+FMA or portable), the honest 2D comparison: the gain from
//!   separability apart from the gain from SIMD;
//! * [`check`]: [`verify`], the check that runs once before any timing
//!   (sepconv against the naive 2D result, on the top, middle and bottom rows
//!   of the image);
//! * [`timing`] ([`time_median`], [`memcpy`]) and [`machine`] ([`cpu_model`],
//!   [`load_average`]) for the report;
//! * [`separability`]: the separable-approximation trade-off (rank, error,
//!   speed against direct 2D) with SVG pictures of the kernels;
//! * [`depthwise`]: depthwise-separable against full convolution on
//!   MobileNet layers;
//! * [`plot`]: the SVG writer of every picture and chart;
//! * [`document`]: the reports' blocks (headings, lines, tables), printed as
//!   text or as Markdown;
//! * `peers` (feature `peers`): libblur and imageproc on the same inputs.
//!
//! The naive filter is a *different algorithm* from every sepconv backend, so
//! agreement means something; it is the baseline the ratios are quoted against.

pub mod check;
pub mod depthwise;
pub mod direct2d;
pub mod document;
pub mod machine;
pub mod naive2d;
#[cfg(feature = "peers")]
pub mod peers;
pub mod plot;
pub mod report;
pub mod separability;
pub mod timing;
pub mod workload;

pub use check::{check_bands, tolerance, verify, verify_within, Agreement};
pub use direct2d::Direct2d;
pub use machine::{cpu_model, load_average};
pub(crate) use naive2d::reflect101;
pub use naive2d::{sample_band, Filter2d, Naive2d};
pub use timing::{memcpy, time_median, Timing};
pub use workload::{BenchSample, Input, SampleType, Workload, SWEEP_IMAGES, SWEEP_TAPS, WORKLOADS};
