//! The u16 recipe, in two forms; both give every output within 1 of
//! `round(exact)` for the kernels they take, and the same bits on every
//! backend.
//!
//! * **The f32 form**, for u16 outputs of kernels whose bound `E₃₂` (below)
//!   is at most 1/8 ([`FixedPoint16::f32_lanes`]): sums in f32, 8 or 16
//!   lanes a vector (the f32 passes, `pass::widened`).
//! * **The integer form**, for every other kernel and for f32 outputs:
//!   integer arithmetic, exact, with every value held in an `f64` (whose
//!   53-bit significand holds every integer it makes), 4 or 8 lanes.
//!
//! # The f32 form
//!
//! Each output is the f32 reference's ([`crate::reference`]): the samples
//! as f32 (exact), the row sums `t_j = Σ_i r_i·x_ij` and then `Σ_j c_j·t_j`
//! in f32, taps in order from `−0.0`, each multiply and each add rounded
//! (never fused, which is what makes the bits the same with FMA and
//! without), then clamped to `0..=65535` and rounded to nearest, ties up.
//! By the f32 bound (`γ_m = m·u / (1 − m·u)`, `u = 2⁻²⁴`; see the
//! reference's docs) the sum before the rounding is within
//!
//! `E₃₂ = γ_nc·Σ|c|·(65535·Σ|r| + E_r) + Σ|c|·E_r`, `E_r = γ_nr·65535·Σ|r|`
//!
//! (plus `2⁻¹⁴⁹` a tap for underflow) of the exact result: `E₃₂ < 1` gives
//! the promise; at most 1/8 leaves room for the f32 rounding of a
//! normalised kernel's taps (a constant image stays constant) and keeps
//! power-of-two boxes of 32 taps, whose f32 sums would round, on the
//! integer form (which equals the box filter's running sums). A normalised
//! non-negative kernel takes the f32 form up to 15 taps both ways (`E₃₂ ≈
//! 0.117` at 15 × 15). The f32 form's sums are not folded: folding would
//! halve `m` (31 taps) but the reference would have to fold too.
//!
//! # The integer form
//!
//! # The recipe
//!
//! 1. **Row weights** `r` become integers `qr` with `r ≈ qr / 2^sr`, `sr`
//!    the largest shift (≤ 40) with `65535 · Σ|qr| ≤ 2^52`. Each weight is
//!    rounded to nearest, then the sum is made exact as in the u8 recipe
//!    ([`crate::fixed`]): `Σqr = round(Σr) · 2^sr` when `Σr` is an integer up
//!    to f32 noise, else `round(Σr · 2^sr)`; the difference goes to the
//!    centre tap (to the two centre taps, halved, for an even length and an
//!    even difference; else to the largest tap), which keeps a symmetric
//!    kernel symmetric. A normalised kernel maps a constant image to itself.
//! 2. **Row pass**: `acc = Σ qr[i] · x[i]`, exact (`|acc| ≤ 2^52`), then the
//!    intermediate `t = ⌊(acc + 2^(d−1)) / 2^d⌋` (round half up; no rounding
//!    term when `d = 0`), `d = sr − F`, where `F`, the intermediate's
//!    fraction bits, is the largest integer in `0..=sr` with
//!    `T = ⌊65535 · Σ|qr| / 2^d⌋ + 1 ≤ 2^24`: every `t` is an integer of at
//!    most 24 bits (the ring holds it as an `f64`). A normalised non-negative
//!    kernel has `F = 8`. Kernels with no such `F` are refused
//!    ([`Error::WeightsOutOfRange`]).
//! 3. **Column weights** `c` become `qc` as in 1, with the largest shift
//!    `sc ≤ 40` such that `T · Σ|qc| ≤ 2^52`.
//! 4. **Column pass**: `acc = Σ qc[j] · t[j]`, exact, then the **one**
//!    rounding `⌊(acc + 2^(D−1)) / 2^D⌋`, `D = sc + F`, and saturation to
//!    `0..=65535`. For f32 output, `acc · 2^−D` rounded once to `f32`.
//!
//! Every sum stays below `2^53` in magnitude, so each `f64` addition and
//! (fused or not) multiply-add is exact whatever the order, and scaling by a
//! power of two and `floor` are exact: the scalar code, every vector width
//! and every band split compute the same integers.
//!
//! # Accuracy
//!
//! As for u8 ([`crate::fixed`]), with 65535 for 255: the value before the
//! final rounding differs from the exact `Σ c Σ r x` by at most
//!
//! `E = 65535 · Σ|ĉ| · max(Pr⁺, Pr⁻) + Σ|ĉ| · 2^−(F+1) + 65535 · Σ|r| · max(Pc⁺, Pc⁻)`
//!
//! and every output is within 1 of `round(exact)` when `E < 1`. The taps
//! keep 28 or more fraction bits, so rounding them costs nothing visible
//! (`65535 · n · 2^−29 < 0.04`); what remains is the exact-sum correction,
//! which moves the taps of a normalised kernel by `|Σr − 1|`, the f32
//! rounding of its taps: for taps summing to 1 within `2^−20` (the
//! generators' do, within a few ulp) `E < 0.2`, and for the benchmarks'
//! Gaussians below 0.02 ([`FixedPoint16::error_bound`] reports it).

use crate::error::{Error, Result};
use crate::kernel::{Kernel, Symmetry, MAX_TAPS};

/// The largest u16 sample.
const U16_MAX: f64 = 65535.0;
/// Bound of the sums of products: `2^52`, half of the exact range, which
/// leaves room for the rounding terms.
const BUDGET: f64 = 4_503_599_627_370_496.0;
/// Bound of the intermediate: `2^24`, which leaves the column taps 28
/// fraction bits within [`BUDGET`].
const MID_BOUND: f64 = 16_777_216.0;
const MAX_SHIFT: i32 = 40;
/// The f32 form's largest `E₃₂`. Below 1/2 by the error a normalised
/// kernel's taps may add (a few f32 ulps of their sum), a constant image
/// stays unchanged; at 1/8, a power-of-two box whose f32 sums would round
/// (32 taps) takes the integer form, which matches the box filter's
/// running sums bit for bit.
const F32_LANES_BOUND: f64 = 0.125;

/// A kernel quantised for the u16 recipe: weight `i` is `taps()[i] / 2^shift`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Taps16 {
    taps: [i64; MAX_TAPS],
    len: usize,
    anchor: usize,
    shift: i32,
    symmetry: Symmetry,
}

impl Taps16 {
    /// The integer taps (each below `2^53` in magnitude).
    pub fn taps(&self) -> &[i64] {
        &self.taps[..self.len]
    }
    /// The anchor (as in the f32 kernel).
    pub fn anchor(&self) -> usize {
        self.anchor
    }
    /// Fraction bits: weights are `taps / 2^shift`.
    pub fn shift(&self) -> i32 {
        self.shift
    }
    /// Whether the integer taps mirror each other (the row pass folds them).
    pub fn symmetry(&self) -> Symmetry {
        self.symmetry
    }
    fn abs_sum(&self) -> f64 {
        self.taps().iter().map(|&q| q.unsigned_abs() as f64).sum()
    }
    /// The positive and negative parts of the quantisation error `q/2^s − w`.
    fn error_parts(&self, kernel: &Kernel<'_>) -> (f64, f64) {
        let (mut pos, mut neg) = (0.0, 0.0);
        for (&q, &w) in self.taps().iter().zip(kernel.taps()) {
            let d = q as f64 * pow2(-self.shift) - w as f64;
            if d > 0.0 {
                pos += d;
            } else {
                neg -= d;
            }
        }
        (pos, neg)
    }

    /// Quantises `kernel` with the largest shift `≤ MAX_SHIFT` for which
    /// `input_bound · Σ|q| ≤ 2^52`.
    fn quantize(kernel: &Kernel<'_>, input_bound: f64) -> Option<Taps16> {
        (0..=MAX_SHIFT).rev().find_map(|shift| Self::quantize_at(kernel, shift, input_bound))
    }

    fn quantize_at(kernel: &Kernel<'_>, shift: i32, input_bound: f64) -> Option<Taps16> {
        let weights = kernel.taps();
        let n = weights.len();
        let scale = pow2(shift);
        let mut taps = [0i64; MAX_TAPS];
        for (q, &w) in taps.iter_mut().zip(weights) {
            let x = w as f64 * scale;
            if x.abs() * input_bound > BUDGET {
                return None;
            }
            *q = round(x);
        }
        let sum = kernel.sum();
        let noise = n as f64 * f32::EPSILON as f64 * sum.abs().max(1.0);
        let target = if (sum - round(sum) as f64).abs() <= noise { round(sum) as f64 * scale } else { sum * scale };
        if target.abs() * input_bound > BUDGET {
            return None;
        }
        let q = &mut taps[..n];
        let diff = round(target) - q.iter().sum::<i64>();
        let even_centre = n.is_multiple_of(2) && diff % 2 == 0;
        match kernel.symmetry() {
            Symmetry::Symmetric if !n.is_multiple_of(2) => q[n / 2] += diff,
            Symmetry::Symmetric if even_centre => {
                q[n / 2 - 1] += diff / 2;
                q[n / 2] += diff / 2;
            }
            _ => {
                // The largest weight (lowest index on ties) takes the difference.
                let mut largest = 0;
                for i in 1..n {
                    if weights[i].abs() > weights[largest].abs() {
                        largest = i;
                    }
                }
                q[largest] += diff;
            }
        }
        let abs_sum: f64 = q.iter().map(|&v| v.unsigned_abs() as f64).sum();
        if abs_sum * input_bound > BUDGET {
            return None;
        }
        let pairs = || (0..n / 2).map(|i| (q[i], q[n - 1 - i]));
        let symmetry = if pairs().all(|(a, b)| a == b) {
            Symmetry::Symmetric
        } else if pairs().all(|(a, b)| a == -b) && (n.is_multiple_of(2) || q[n / 2] == 0) {
            Symmetry::Antisymmetric
        } else {
            Symmetry::None
        };
        Some(Taps16 { taps, len: n, anchor: kernel.anchor(), shift, symmetry })
    }
}

/// The complete u16 recipe for a pair of kernels (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedPoint16 {
    row: Taps16,
    column: Taps16,
    mid_shift: i32,
    out_shift: i32,
    error_bound: f64,
    f32_bound: f64,
}

impl FixedPoint16 {
    /// Quantises a row and a column kernel for u16 input.
    ///
    /// # Errors
    ///
    /// [`Error::WeightsOutOfRange`] for kernels whose sums the recipe
    /// cannot hold (`Σ|r|` above about `2^16`, or a column on top of it).
    pub fn new(row: &Kernel<'_>, column: &Kernel<'_>) -> Result<Self> {
        let row_q = Taps16::quantize(row, U16_MAX).ok_or(Error::WeightsOutOfRange)?;
        let row_bound = U16_MAX * row_q.abs_sum();
        // F: the largest fraction count in 0..=sr with T ≤ 2^24.
        let sr = row_q.shift;
        let (frac, mid_bound) = (0..=sr)
            .rev()
            .map(|f| (f, floor(row_bound * pow2(f - sr)) + 1.0))
            .find(|&(_, t)| t <= MID_BOUND)
            .ok_or(Error::WeightsOutOfRange)?;
        let column_q = Taps16::quantize(column, mid_bound).ok_or(Error::WeightsOutOfRange)?;
        let (rp, rn) = row_q.error_parts(row);
        let (cp, cn) = column_q.error_parts(column);
        let col_abs_hat = column_q.abs_sum() * pow2(-column_q.shift);
        let error_bound =
            U16_MAX * col_abs_hat * rp.max(rn) + col_abs_hat * 0.5 * pow2(-frac) + U16_MAX * row.abs_sum() * cp.max(cn);
        Ok(FixedPoint16 {
            row: row_q,
            column: column_q,
            mid_shift: sr - frac,
            out_shift: column_q.shift + frac,
            error_bound,
            f32_bound: f32_bound(row, column),
        })
    }

    /// The quantised row kernel.
    pub fn row(&self) -> &Taps16 {
        &self.row
    }
    /// The quantised column kernel.
    pub fn column(&self) -> &Taps16 {
        &self.column
    }
    /// `d`: the row sum is rounded by this many bits into the intermediate.
    pub fn mid_shift(&self) -> i32 {
        self.mid_shift
    }
    /// `D`: the column sum is rounded by this many bits into the output.
    pub fn out_shift(&self) -> i32 {
        self.out_shift
    }
    /// `E`: the largest difference between the value before the final
    /// rounding and the exact result, in output units (see the module docs).
    pub fn error_bound(&self) -> f64 {
        self.error_bound
    }
    /// The f32 form's bound `E₃₂` (see [the module docs](self)): how far
    /// its sum may be from the exact one before the rounding.
    pub fn f32_bound(&self) -> f64 {
        self.f32_bound
    }
    /// Whether u16 outputs take the f32 form (`E₃₂ ≤ 1/8`); else the
    /// integer form.
    pub fn f32_lanes(&self) -> bool {
        self.f32_bound <= F32_LANES_BOUND
    }

    /// The rounding term of the row sums, `2^(d−1)` (0 for `d = 0`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn mid_half(&self) -> f64 {
        half(self.mid_shift)
    }
    /// The rounding term of the column sums, `2^(D−1)` (0 for `D = 0`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_half(&self) -> f64 {
        half(self.out_shift)
    }
    /// `2^−d`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn mid_scale(&self) -> f64 {
        pow2(-self.mid_shift)
    }
    /// `2^−D`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_scale(&self) -> f64 {
        pow2(-self.out_shift)
    }
    /// The intermediate of a row sum `acc` (without its rounding term).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn mid(&self, acc: f64) -> f64 {
        floor((acc + self.mid_half()) * self.mid_scale())
    }
    /// The u16 output of a column sum `acc` (without its rounding term).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_u16(&self, acc: f64) -> u16 {
        floor((acc + self.out_half()) * self.out_scale()).clamp(0.0, U16_MAX) as u16
    }
    /// The f32 output of a column sum: `acc · 2^−D`, rounded once.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_f32(&self, acc: f64) -> f32 {
        (acc * self.out_scale()) as f32
    }
}

/// `2^(shift−1)`, or 0 for `shift = 0`.
/// The f32 form's `E₃₂`: `γ_m = m·u / (1 − m·u)` for each pass's `m` taps
/// (`u = 2⁻²⁴`), and a product's underflow (`2⁻¹⁵⁰` at most) a tap.
fn f32_bound(row: &Kernel<'_>, column: &Kernel<'_>) -> f64 {
    let gamma = |n: usize| {
        let nu = n as f64 * pow2(-24);
        nu / (1.0 - nu)
    };
    let (sr, sc) = (row.abs_sum(), column.abs_sum());
    let row_error = gamma(row.len()) * U16_MAX * sr + row.len() as f64 * pow2(-149);
    let t = U16_MAX * sr + row_error;
    gamma(column.len()) * sc * t + sc * row_error + column.len() as f64 * pow2(-149)
}

/// The largest f32 below one half, `1/2 − 2⁻²⁵`: for `x` in `0..=65535`,
/// `x + HALF_DOWN` (rounded to nearest) truncated is [`narrow`]`(x)`, the
/// conversion the vector backends use. A tie `k + 1/2` gives
/// `k + 1 − 2⁻²⁵`, which rounds to `k + 1` (its ulp is at least 2⁻²⁴, and
/// at `k = 0` the tie goes to the even 1); below a tie `x` is at least an
/// ulp of `x` less, and the sum stays below `k + 1` (`x + 1/2` itself
/// would round `1/2 − 2⁻²⁵` up to 1).
#[cfg(any(target_arch = "x86_64", test))]
pub(crate) const HALF_DOWN: f32 = 0.499_999_97;

/// The f32 form's last step: `x` clamped to `0..=65535` and rounded to
/// nearest, ties up, as the integer form and the box filter's running
/// sums round. Adding `1.5 · 2²³` rounds to nearest (ties to even) and
/// leaves the integer in the low bits of the sum, whose ulp is 1 there;
/// a tie rounded down is then `x − r = 1/2` (exact: `r` and `x` are within
/// a factor of two, or `r = 0`). No conversion instruction: the loops
/// vectorise.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn narrow(x: f32) -> u16 {
    const MAGIC: f32 = 12_582_912.0;
    let x = if x > 0.0 { x } else { 0.0 };
    let x = if x < 65535.0 { x } else { 65535.0 };
    let s = x + MAGIC;
    let tie_down = x - (s - MAGIC) == 0.5;
    (s.to_bits() as u16).wrapping_add(tie_down as u16)
}

fn half(shift: i32) -> f64 {
    if shift == 0 {
        0.0
    } else {
        pow2(shift - 1)
    }
}

/// `2^e` for `|e| ≤ 1022`.
fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// `⌊x⌋` for `|x| < 2^63` (`core` has no `f64::floor`).
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// Rounds to the nearest integer, halves away from zero, for `|x| < 2^62`.
fn round(x: f64) -> i64 {
    let t = x as i64;
    let frac = x - t as f64;
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;

    fn recipe(row: &[f32], column: &[f32]) -> FixedPoint16 {
        FixedPoint16::new(&Kernel::new(row).unwrap(), &Kernel::new(column).unwrap()).unwrap()
    }

    #[test]
    fn a_normalised_kernel_keeps_eight_fraction_bits() {
        let g = [0.0625, 0.25, 0.375, 0.25, 0.0625];
        let r = recipe(&g, &g);
        assert_eq!(r.mid_shift(), r.row().shift() - 8);
        assert_eq!(r.out_shift(), r.column().shift() + 8);
        // Dyadic taps: no quantisation error, only the intermediate's rounding.
        assert!(r.error_bound() <= 2f64.powi(-9) + 1e-12, "{}", r.error_bound());
        assert_eq!(r.row().taps().iter().sum::<i64>(), 1 << r.row().shift());
        assert_eq!(r.row().symmetry(), Symmetry::Symmetric);
    }

    #[test]
    fn sums_are_exact_and_symmetry_is_kept() {
        for n in [3usize, 4, 7, 8, 15, 31, 64, 255] {
            let raw: Vec<f32> = (0..n).map(|i| 1.0 + (i.min(n - 1 - i) as f32).sqrt() / 3.0).collect();
            let total: f32 = raw.iter().sum();
            let taps: Vec<f32> = raw.iter().map(|w| w / total).collect();
            let r = recipe(&taps, &taps);
            for q in [r.row(), r.column()] {
                assert_eq!(q.taps().iter().sum::<i64>(), 1i64 << q.shift(), "n {n}");
                assert!(q.shift() >= 28, "n {n}: shift {}", q.shift());
            }
            // f32 taps sum to 1 only within a few ulp; making the integer
            // sum exact moves a tap by that much: 65535 · 2^−23 ≈ 0.008 a pass.
            assert!(r.error_bound() < 0.05, "n {n}: E = {}", r.error_bound());
            if n % 2 == 1 {
                assert_eq!(r.row().symmetry(), Symmetry::Symmetric, "n {n}");
            }
        }
    }

    #[test]
    fn the_headroom_holds() {
        // Every bound of the module docs, for kernels with large sums.
        for (row, column) in [(vec![1.0f32; 9], vec![1.0f32; 9]), (vec![-3.0, 10.0, -3.0], vec![200.0, -100.0])] {
            let r = recipe(&row, &column);
            let mid = U16_MAX * r.row().abs_sum() * pow2(-r.mid_shift());
            assert!(mid + 1.0 <= MID_BOUND, "{mid}");
            assert!(U16_MAX * r.row().abs_sum() <= BUDGET);
            assert!((floor(mid) + 1.0) * r.column().abs_sum() <= BUDGET);
        }
        let big = Kernel::new(&[1e5f32; 3]).unwrap();
        assert_eq!(FixedPoint16::new(&big, &big), Err(Error::WeightsOutOfRange));
    }

    #[test]
    fn floor_and_round() {
        for x in [-2.5, -2.0, -1.5, -0.5, -0.0, 0.0, 0.25, 1.0, 1.5, 3.999, 1e15 + 0.5, -1e15 - 0.5] {
            assert_eq!(floor(x), libm_floor(x), "{x}");
        }
        assert_eq!(round(2.5), 3);
        assert_eq!(round(-2.5), -3);
        assert_eq!(round(-2.4), -2);
    }

    fn libm_floor(x: f64) -> f64 {
        x.floor()
    }

    #[test]
    fn the_f32_form_rounds_half_up_and_saturates() {
        let below_half = f32::from_bits(0.5f32.to_bits() - 1);
        let cases = [
            (-3.0, 0),
            (0.0, 0),
            (below_half, 0),
            (0.5, 1),
            (1.5, 2),
            (2.5, 3),
            (2.499_999_8, 2),
            (1e-30, 0),
            (65534.5, 65535),
            (65535.4, 65535),
            (1e9, 65535),
            (f32::INFINITY, 65535),
        ];
        for (x, want) in cases {
            assert_eq!(narrow(x), want, "{x}");
        }
        for k in 0..65535u16 {
            let x = k as f32 + 0.5;
            assert_eq!(narrow(x), k + 1, "{x}");
            assert_eq!(narrow(f32::from_bits(x.to_bits() - 1)), k, "below {x}");
        }
    }

    #[test]
    fn short_kernels_take_the_f32_form() {
        let g5 = [0.0625, 0.25, 0.375, 0.25, 0.0625];
        assert!(recipe(&g5, &g5).f32_lanes());
        let box15 = [1.0 / 15.0; 15];
        let r = recipe(&box15, &box15);
        assert!(r.f32_lanes() && r.f32_bound() < 0.125, "{}", r.f32_bound());
        // A power-of-two box whose f32 sums would round: the integer form.
        let box32 = [1.0 / 32.0; 32];
        assert!(!recipe(&box32, &box32).f32_lanes());
        // Gains (a sum of |taps| of 4) scale the bound.
        assert!(!recipe(&[1.0, 2.0, 1.0], &[1.0, 2.0, 1.0]).f32_lanes());
    }
}
