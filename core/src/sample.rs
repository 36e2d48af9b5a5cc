//! The sample types a plan filters and the (source, output) pairs it
//! implements: `f32 → f32`, `u8 → u8`, `u8 → i16`, `u8 → f32`, `u16 → u16`,
//! `u16 → f32`, and with the `f16` feature `f16 → f16`, `f16 → f32`. Sealed.
//!
//! Each pair names itself to a [`Pairs`] visitor, so that a generic call
//! (`Plan::filter::<S, D>`) reaches a concrete, non-generic engine entry
//! point: the engines are compiled once, in this crate, whatever the caller.

use bytemuck::Pod;

#[cfg(feature = "f16")]
use half::f16;

use crate::error::{Error, Result};
use crate::image::{ImageView, ImageViewMut, InPlaceRows};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for u8 {}
    impl Sealed for i16 {}
    impl Sealed for u16 {}
    #[cfg(feature = "f16")]
    impl Sealed for half::f16 {}
}

/// A sample type that can be filtered: `f32`, `u8`, `u16`, and `half::f16`
/// with the `f16` feature.
pub trait Sample: Pod + sealed::Sealed {
    #[doc(hidden)]
    /// The type of the row-filtered lines between the passes.
    type Mid: Pod;
    #[doc(hidden)]
    /// Whether this is a floating-point type (sums are rounded).
    const FLOAT: bool;
    #[doc(hidden)]
    /// Whether the transposed-tile column strategy exists for it (f32 only).
    const TILES: bool = false;
    #[doc(hidden)]
    /// Output rows per step of the direct column pass (the ring holds
    /// `n + rows − 1` lines), for the types without tiles.
    const DIRECT_ROWS: usize = 2;
    #[doc(hidden)]
    /// A `Border::Constant` value in this type.
    fn border_value(v: f32) -> Result<Self>;
    #[doc(hidden)]
    /// Hands `image`, to be filtered in place, to the visitor method of this type.
    fn in_place<P: Pairs>(p: P, image: InPlaceRows<'_, '_, '_, Self>) -> P::Output;
    #[doc(hidden)]
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
    #[doc(hidden)]
    /// A mean of samples as this type: rounded half up for the integer
    /// types (a mean lies within the samples' range), rounded once for f32.
    fn from_mean(v: f64) -> Self;
}

/// An output type for source samples `S`: `f32 → f32`, `u8 → u8`,
/// `u8 → i16`, `u8 → f32` (the last two for signed kernels such as
/// derivatives), `u16 → u16` and `u16 → f32`.
pub trait Output<S: Sample>: Pod + sealed::Sealed {
    #[doc(hidden)]
    /// Hands the pair to the visitor method of `(S, Self)`.
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, S>, dst: &mut ImageViewMut<'_, Self>) -> P::Output;
}

/// What a filter call does with each pair: one method per pair, each with
/// concrete types.
#[doc(hidden)]
pub trait Pairs {
    /// The result of the call.
    type Output;
    /// `f32 → f32`.
    fn f32(self, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>) -> Self::Output;
    /// `u8 → u8`.
    fn u8(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, u8>) -> Self::Output;
    /// `u8 → i16`.
    fn u8_i16(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, i16>) -> Self::Output;
    /// `u8 → f32`.
    fn u8_f32(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, f32>) -> Self::Output;
    /// `f32` in place.
    fn f32_in_place(self, image: InPlaceRows<'_, '_, '_, f32>) -> Self::Output;
    /// `u8` in place.
    fn u8_in_place(self, image: InPlaceRows<'_, '_, '_, u8>) -> Self::Output;
    /// `u16 → u16`.
    fn u16(self, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, u16>) -> Self::Output;
    /// `u16 → f32`.
    fn u16_f32(self, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, f32>) -> Self::Output;
    /// `u16` in place.
    fn u16_in_place(self, image: InPlaceRows<'_, '_, '_, u16>) -> Self::Output;
    /// `f16 → f16`.
    #[cfg(feature = "f16")]
    fn f16(self, src: &ImageView<'_, f16>, dst: &mut ImageViewMut<'_, f16>) -> Self::Output;
    /// `f16 → f32`.
    #[cfg(feature = "f16")]
    fn f16_f32(self, src: &ImageView<'_, f16>, dst: &mut ImageViewMut<'_, f32>) -> Self::Output;
    /// `f16` in place.
    #[cfg(feature = "f16")]
    fn f16_in_place(self, image: InPlaceRows<'_, '_, '_, f16>) -> Self::Output;
}

impl Sample for f32 {
    type Mid = f32;
    const FLOAT: bool = true;
    const TILES: bool = true;
    fn border_value(v: f32) -> Result<Self> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::InvalidBorderValue)
        }
    }
    #[inline]
    fn in_place<P: Pairs>(p: P, image: InPlaceRows<'_, '_, '_, f32>) -> P::Output {
        p.f32_in_place(image)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_mean(v: f64) -> Self {
        v as f32
    }
}

impl Sample for u8 {
    type Mid = i16;
    const FLOAT: bool = false;
    // The u8 column passes make four rows a step (the general ones two
    // and two for the lengths they do not unroll).
    const DIRECT_ROWS: usize = 4;
    fn border_value(v: f32) -> Result<Self> {
        if (0.0..=255.0).contains(&v) && v == (v as u8) as f32 {
            Ok(v as u8)
        } else {
            Err(Error::InvalidBorderValue)
        }
    }
    #[inline]
    fn in_place<P: Pairs>(p: P, image: InPlaceRows<'_, '_, '_, u8>) -> P::Output {
        p.u8_in_place(image)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_mean(v: f64) -> Self {
        // A mean of samples is ≥ 0: truncating `v + ½` rounds it half up
        // (and `as` saturates).
        (v + 0.5) as u8
    }
}

impl Sample for u16 {
    type Mid = f32;
    const FLOAT: bool = false;
    fn border_value(v: f32) -> Result<Self> {
        if (0.0..=65535.0).contains(&v) && v == (v as u16) as f32 {
            Ok(v as u16)
        } else {
            Err(Error::InvalidBorderValue)
        }
    }
    #[inline]
    fn in_place<P: Pairs>(p: P, image: InPlaceRows<'_, '_, '_, u16>) -> P::Output {
        p.u16_in_place(image)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_mean(v: f64) -> Self {
        // A mean of samples is ≥ 0: truncating `v + ½` rounds it half up
        // (and `as` saturates).
        (v + 0.5) as u16
    }
}

impl Output<f32> for f32 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>) -> P::Output {
        p.f32(src, dst)
    }
}

impl Output<u8> for u8 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, u8>) -> P::Output {
        p.u8(src, dst)
    }
}

impl Output<u8> for i16 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, i16>) -> P::Output {
        p.u8_i16(src, dst)
    }
}

impl Output<u8> for f32 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, f32>) -> P::Output {
        p.u8_f32(src, dst)
    }
}

impl Output<u16> for u16 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, u16>) -> P::Output {
        p.u16(src, dst)
    }
}

impl Output<u16> for f32 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, f32>) -> P::Output {
        p.u16_f32(src, dst)
    }
}

#[cfg(feature = "f16")]
impl Sample for f16 {
    type Mid = f32;
    const FLOAT: bool = true;
    fn border_value(v: f32) -> Result<Self> {
        // Rounded to f16 as the outputs are; it must stay finite.
        let h = f16::from_f32(v);
        if h.is_finite() {
            Ok(h)
        } else {
            Err(Error::InvalidBorderValue)
        }
    }
    #[inline]
    fn in_place<P: Pairs>(p: P, image: InPlaceRows<'_, '_, '_, f16>) -> P::Output {
        p.f16_in_place(image)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_f64(self) -> f64 {
        f16::to_f64_const(self)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_mean(v: f64) -> Self {
        f16::from_f64(v)
    }
}

#[cfg(feature = "f16")]
impl Output<f16> for f16 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, f16>, dst: &mut ImageViewMut<'_, f16>) -> P::Output {
        p.f16(src, dst)
    }
}

#[cfg(feature = "f16")]
impl Output<f16> for f32 {
    #[inline]
    fn pair<P: Pairs>(p: P, src: &ImageView<'_, f16>, dst: &mut ImageViewMut<'_, f32>) -> P::Output {
        p.f16_f32(src, dst)
    }
}
