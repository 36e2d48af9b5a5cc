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
    type Mid = f64;
    const FLOAT: bool = false;
    // The f32 form's column pass makes four rows a step as f32's does (the
    // integer form two and two).
    const DIRECT_ROWS: usize = 4;
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
        f16_nearest(v)
    }
}

/// `v` rounded once to the nearest f16 (ties to even). `half`'s `from_f64`
/// drops the low mantissa bits before rounding, so a value just above a tie
/// rounds down (half-rs issue 151). Rounding to f32 *to odd* first keeps
/// that information, and f32 has more than two bits beyond f16's 11, so the
/// second rounding is exact rounding of `v`.
#[cfg(feature = "f16")]
fn f16_nearest(v: f64) -> f16 {
    let f = v as f32;
    let odd = if f.is_finite() && f as f64 != v && f.to_bits() & 1 == 0 {
        // The neighbour of `f` on `v`'s side has an odd last bit.
        let bits = f.to_bits();
        f32::from_bits(if (f as f64).abs() > v.abs() { bits - 1 } else { bits + 1 })
    } else {
        f
    };
    f16::from_f32(odd)
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

#[cfg(all(test, feature = "f16"))]
mod tests {
    use super::{f16, f16_nearest};

    /// The f16 nearest to `v` by search (ties to the even one).
    fn nearest_by_search(v: f64) -> f16 {
        let (mut best, mut best_d) = (f16::ZERO, f64::INFINITY);
        for bits in 0..=u16::MAX {
            let h = f16::from_bits(bits);
            if !h.is_finite() {
                continue;
            }
            let d = (h.to_f64() - v).abs();
            if d < best_d || (d == best_d && bits & 1 == 0) {
                (best, best_d) = (h, d);
            }
        }
        best
    }

    #[test]
    fn f16_nearest_rounds_once() {
        let tie = 128.0 + 1.0 / 16.0; // halfway between 128 and 128.125
        let cases = [
            (tie, 128.0),
            (tie + 2f64.powi(-30), 128.125),
            (tie - 2f64.powi(-30), 128.0),
            (128.062_594_628_149_2, 128.125), // the box filter's mean that `half` misrounds
            (1.0 + 2f64.powi(-11) + 2f64.powi(-22), 1.0 + 2f64.powi(-10)),
            (2f64.powi(-25) + 2f64.powi(-60), 2f64.powi(-24)), // above half the least subnormal
            (2f64.powi(-25), 0.0),
        ];
        for (v, want) in cases {
            assert_eq!(f16_nearest(v).to_f64(), want, "{v}");
            assert_eq!(f16_nearest(-v).to_f64(), -want, "{}", -v);
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Within f16's finite range, near ties as often as not.
            let base = f16::from_bits((state >> 48) as u16 & 0x7bff).to_f64();
            let v = base * (1.0 + ((state & 0xffff) as f64 - 32768.0) * 2f64.powi(-26));
            assert_eq!(f16_nearest(v), nearest_by_search(v), "{v}");
        }
    }
}
