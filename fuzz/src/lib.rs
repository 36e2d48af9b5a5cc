//! The checks behind the fuzz targets, kept in a library so that they also
//! run as ordinary tests (`cargo test` in this directory) on stable Rust.
//!
//! Every target decodes its bytes into (often invalid) geometry, kernels,
//! borders and memory layouts, and checks:
//!
//! * invalid input gives exactly the documented [`Error`] (never a panic);
//! * for valid input, **every** backend of [`available_backends`] agrees with
//!   [`reference`]: u8 bit for bit, f32 output by output within twice
//!   `sepconv_testkit::bound::separable_at` at the output's own magnitude
//!   (each side within the documented bound of the exact result), over
//!   ordinary samples and, one case in four, samples at the ends of the
//!   range (±`f32::MAX`, past `2^127`, subnormals, ±∞, NaN): finite where no
//!   sum can overflow, ±∞ or NaN where the footprint holds ±∞ or NaN;
//!   depthwise-separable layers with theirs: int8 bit for bit, f32 within
//!   the bound of `depthwise::reference::separable_f32`;
//! * nothing is written outside the destination view (regions of interest
//!   with padding around them), scratch contents never matter (it is filled
//!   with garbage), in place equals out of place bit for bit, bands equal one
//!   call, streaming stores never change a bit (any NaN counting as one value).
//!
//! [`Error`]: sepconv::Error
//! [`available_backends`]: sepconv::available_backends
//! [`reference`]: sepconv::reference

mod bytes;
mod case;
mod check;
mod run;
#[cfg(test)]
mod tests;

pub use bytes::Bytes;
pub use case::{Case, Layout, Taps};
pub use check::box_filter::check_box_filter;
pub use check::depthwise::check_depthwise;
pub use check::filter_f32::check_filter_f32;
pub use check::filter_u16::check_filter_u16;
pub use check::filter_u8::check_filter_u8;
pub use check::generate::check_generate;
pub use check::one_call::check_one_call;
pub use check::plan::check_plan;
pub use check::regions::check_regions;
pub use check::separable::check_separable;
pub use check::stream::check_stream;
pub use check::variants::check_variants;
