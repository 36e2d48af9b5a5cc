//! The int8 requantisation arithmetic of TensorFlow Lite (gemmlowp) and
//! CMSIS-NN, written from their definitions, in plain integer code.
//!
//! A real multiplier `m > 0` (the effective scale
//! `input_scale · weight_scale / output_scale`, computed in `f64` as TFLite
//! does) becomes a Q31 multiplier `M ∈ [2^30, 2^31)` and a shift `s` with
//! `m ≈ M · 2^(s − 31)` ([`quantize_multiplier`]). An int32 accumulator `x`
//! is then scaled by
//!
//! ```text
//! rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x · 2^max(s, 0), M), max(−s, 0))
//! ```
//!
//! ([`multiply_by_quantized_multiplier`]): the high half of the doubled
//! product rounded half up, then a right shift rounded half away from zero.
//! The left shift wraps (two's complement), as TFLite's compiled code does; it
//! only happens for effective scales of at least 1.
//!
//! Every backend's int8 code computes exactly these functions, lane by lane.

/// A clamp applied to a stage's output (TFLite's fused activations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// No clamp (int8: the full `−128..=127`).
    #[default]
    None,
    /// `max(0, x)`.
    Relu,
    /// `min(max(0, x), 6)`.
    Relu6,
}

impl Activation {
    /// The clamp on a real value (NaN becomes 0 under ReLU/ReLU6, as in the engines).
    #[allow(clippy::manual_clamp)]
    pub fn apply_f64(self, x: f64) -> f64 {
        match self {
            Activation::None => x,
            Activation::Relu => x.max(0.0),
            Activation::Relu6 => x.max(0.0).min(6.0),
        }
    }

    /// `(lo, hi)` in f32: `x.max(lo).min(hi)` is the clamp.
    pub(crate) fn bounds_f32(self) -> (f32, f32) {
        match self {
            Activation::None => (f32::NEG_INFINITY, f32::INFINITY),
            Activation::Relu => (0.0, f32::INFINITY),
            Activation::Relu6 => (0.0, 6.0),
        }
    }
}

/// TFLite's `QuantizeMultiplier`: the Q31 multiplier and the shift (positive:
/// left) with `m ≈ multiplier · 2^(shift − 31)`.
///
/// `m = 0` gives `(0, 0)`; shifts below −31 give `(0, 0)` (every result
/// would be zero); shifts above 30 saturate to `(2^31 − 1, 30)`, as TFLite
/// does. The caller guarantees `m` is finite and not negative.
pub fn quantize_multiplier(m: f64) -> (i32, i32) {
    if m <= 0.0 || !m.is_finite() {
        return (0, 0);
    }
    let (q, mut shift) = frexp(m);
    // q ∈ [0.5, 1): q · 2^31 ∈ [2^30, 2^31) is exact in f64; round half away
    // from zero (`std::round`) on a positive value.
    let scaled = q * 2_147_483_648.0;
    let mut q_fixed = scaled as i64;
    if scaled - q_fixed as f64 >= 0.5 {
        q_fixed += 1;
    }
    if q_fixed == 1 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    if shift > 30 {
        return (i32::MAX, 30);
    }
    (q_fixed as i32, shift)
}

/// `m = q · 2^e` with `q ∈ [0.5, 1)`, for finite `m > 0` (C's `frexp`).
fn frexp(m: f64) -> (f64, i32) {
    let bits = m.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if exponent == 0 {
        // Subnormal: scale into the normal range first.
        let (q, e) = frexp(m * 18_014_398_509_481_984.0); // 2^54
        return (q, e - 54);
    }
    let q = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (q, exponent - 1022)
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: `(a · b · 2) / 2^32`
/// rounded to nearest with ties towards +∞ (the nudge then division
/// towards zero), saturated for the single overflowing case
/// `a = b = i32::MIN`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((ab + nudge) / (1 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest,
/// ties away from zero. `exponent` is in `0..=31` (others are clamped to it).
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let exponent = exponent.clamp(0, 31);
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// TFLite's `MultiplyByQuantizedMultiplier`: `x · multiplier · 2^(shift − 31)`
/// with the two roundings above (`shift ≤ 30`, as [`quantize_multiplier`] gives).
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0);
    let right = shift.saturating_neg().max(0);
    rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x.wrapping_shl(left as u32), multiplier), right)
}

/// A real number rounded half away from zero to an `i32` (saturating), as
/// `static_cast<int32_t>(std::round(v))` for values in range.
fn round_f32(v: f32) -> i32 {
    let t = v as i32; // truncation towards zero, saturating
    if (t as f32) == v || v.abs() >= 8_388_608.0 {
        return t;
    }
    let frac = v - t as f32; // exact: |v| < 2^23
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// The int8 clamp bounds of an activation, as TFLite's
/// `CalculateActivationRangeQuantized`: `None` keeps `[−128, 127]`, `Relu`
/// clamps below at the zero point, `Relu6` also above at
/// `zero_point + round(6 / scale)` (computed in `f32`).
pub fn activation_bounds(activation: Activation, scale: f32, zero_point: i32) -> (i32, i32) {
    let quantize = |f: f32| zero_point.saturating_add(round_f32(f / scale));
    match activation {
        Activation::None => (-128, 127),
        Activation::Relu => (quantize(0.0).max(-128), 127),
        Activation::Relu6 => (quantize(0.0).max(-128), quantize(6.0).min(127)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_multiplier_known_values() {
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.75), (1_610_612_736, 0));
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        assert_eq!(quantize_multiplier(1e-12), (0, 0));
        assert_eq!(quantize_multiplier(1e12), (i32::MAX, 30));
        // Rounding up to 2^31 renormalises: 1 − 2^-40 ≈ 1.
        assert_eq!(quantize_multiplier(1.0 - 1e-12), (1 << 30, 1));
        let (q, e) = frexp(f64::from_bits(1));
        assert_eq!((q, e), (0.5, -1073));
    }

    #[test]
    fn gemmlowp_known_values() {
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        // 2^30 · 2^30 · 2 / 2^32 = 2^29
        assert_eq!(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
        // ±0.5 rounds towards +∞.
        assert_eq!(saturating_rounding_doubling_high_mul(1, 1 << 30), 1);
        assert_eq!(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(rounding_divide_by_pot(3, 1), 2);
        assert_eq!(rounding_divide_by_pot(-3, 1), -2);
        assert_eq!(rounding_divide_by_pot(-5, 2), -1);
        assert_eq!(rounding_divide_by_pot(5, 2), 1);
        assert_eq!(rounding_divide_by_pot(6, 2), 2);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(7, 0), 7);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
    }

    #[test]
    fn activation_bounds_known_values() {
        use super::Activation;
        assert_eq!(activation_bounds(Activation::None, 0.1, 5), (-128, 127));
        assert_eq!(activation_bounds(Activation::Relu, 0.1, 5), (5, 127));
        assert_eq!(activation_bounds(Activation::Relu6, 0.1, -128), (-128, -68));
        assert_eq!(activation_bounds(Activation::Relu6, 0.01, 0), (0, 127));
        assert_eq!(activation_bounds(Activation::Relu6, 0.25, -3), (-3, 21));
        assert_eq!(round_f32(2.5), 3);
        assert_eq!(round_f32(-2.5), -3);
        assert_eq!(round_f32(2.4999998), 2);
        assert_eq!(round_f32(1e10), i32::MAX);
    }
}
