//! The u8 fixed-point recipe: how weights become integers, and the arithmetic
//! every backend must reproduce bit for bit.
//!
//! # The recipe
//!
//! 1. **Row weights** `r` become `i16` integers `qr` with `r ≈ qr / 2^sr`.
//!    `sr` is the largest shift (≤ 30) for which every `|qr| ≤ 32767` and
//!    `255 · Σ|qr| ≤ 2^30` (headroom for an `i32` accumulator and its rounding
//!    term). Each weight is rounded to nearest, then the sum is made exact:
//!    if `Σr` is an integer up to f32 noise (`|Σr − round(Σr)| ≤ n·2^-23`),
//!    `Σqr = round(Σr) · 2^sr` exactly, otherwise `Σqr = round(Σr · 2^sr)`; the
//!    difference is spread one unit at a time over the taps whose rounding
//!    moved them furthest the other way (lowest index first on ties). So a
//!    normalised kernel maps a constant image to itself, and a derivative
//!    kernel (sum 0) maps it to 0. A symmetric kernel stays symmetric, so
//!    the passes can fold it: mirrored taps move together (two units), the
//!    centre tap of an odd length takes an odd difference, and each move is
//!    the one that adds the least squared error (`spread_symmetric`); only
//!    an odd difference on an even length is left to the one-unit rule.
//! 2. **Row pass**: `acc = Σ qr[i] · x[i]` in `i32` (exact), then the
//!    intermediate `t = (acc + 2^(d−1)) >> d` (arithmetic shift: round half
//!    up; no rounding term when `d = 0`), stored as `i16`. `d = sr − F`, where
//!    `F`, the intermediate's fraction bits, is the largest integer ≤ `sr`
//!    with `255 · Σ|qr| / 2^d + 1 ≤ 32767`. A normalised non-negative kernel
//!    has `F = 7`: the intermediate keeps 7 bits below the pixel's unit.
//!    `T = ⌊255 · Σ|qr| / 2^d⌋ + 1` bounds `|t|`.
//! 3. **Column weights** `c` become `qc` as in 1, with the shift `sc`
//!    largest such that `|qc| ≤ 32767`, `T · Σ|qc| < 3 · 2^29` (strictly,
//!    so the accumulator plus its rounding term `2^(D−1) ≤ 2^29` stays
//!    below `2^31`) and `D = sc + F ≤ 30`.
//! 4. **Column pass**: `acc = Σ qc[j] · t[j]` in `i32` (exact: within the
//!    headroom above), then the **one** rounding `(acc + 2^(D−1)) >> D` and
//!    saturation to the output type (u8 `0..=255`, i16). For f32 output,
//!    `acc` is converted to f32 (correctly rounded) and multiplied by `2^−D`
//!    (exact): no rounding to an integer.
//!
//! Every step is integer arithmetic with one defined rounding, so scalar and
//! SIMD backends, strip sizes and thread counts produce identical bits.
//!
//! # Accuracy
//!
//! With `δr = r̂ − r` (`r̂ = qr / 2^sr`) and `δc` likewise, `P⁺`/`P⁻` the sums
//! of the positive/negative parts, the value before the final rounding
//! differs from the exact `Σ c Σ r x` by at most
//!
//! `E = 255 · Σ|ĉ| · max(Pr⁺, Pr⁻) + Σ|ĉ| · 2^−(F+1) + 255 · Σ|r| · max(Pc⁺, Pc⁻)`
//!
//! (intermediate rounding in the middle term). When `E < 1`, every output is
//! within 1 of `round(exact)`, since `|round(a) − round(b)| < |a − b| + 1`.
//! [`FixedPoint::error_bound`] reports `E`; for normalised non-negative
//! kernels of up to 63 taps it is below 1 by construction (`|δ| ≤ 2^−sr`
//! per tap, `sr ≥ 14`, `sc ≥ 14`), and for the Gaussian kernels of the
//! benchmarks it is below 0.02.

use crate::error::{attempt, Error, Result};
use crate::kernel::{Kernel, Symmetry, MAX_TAPS};

const I16_MAX: i64 = i16::MAX as i64;
const ROW_BUDGET: i64 = 1 << 30;
/// `T · Σ|qc|` stays below `3 · 2^29`, so that adding the rounding term
/// `2^(D−1) ≤ 2^29` to the column accumulator cannot overflow `i32`.
const COLUMN_BUDGET: i64 = (3 << 29) - 1;
const MAX_SHIFT: u32 = 30;
/// The largest u8 sample.
const U8_MAX: i64 = 255;

/// A kernel quantised to `i16` taps: weight `i` is `taps()[i] / 2^shift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedKernel {
    taps: [i16; MAX_TAPS],
    len: usize,
    anchor: usize,
    shift: u32,
}

impl FixedKernel {
    /// The integer taps.
    #[inline]
    pub const fn taps(&self) -> &[i16] {
        self.taps.split_at(self.len).0
    }
    /// The anchor (as in the f32 kernel).
    pub const fn anchor(&self) -> usize {
        self.anchor
    }
    /// Fraction bits: weights are `taps / 2^shift`.
    pub const fn shift(&self) -> u32 {
        self.shift
    }
    const fn abs_sum(&self) -> i64 {
        let mut sum = 0;
        let mut i = 0;
        while i < self.len {
            sum += (self.taps[i] as i64).abs();
            i += 1;
        }
        sum
    }

    /// Positive and negative parts of the quantisation error `q/2^s − w`.
    const fn error_parts(&self, kernel: &Kernel<'_>) -> (f64, f64) {
        let scale = pow2(self.shift as i32);
        let weights = kernel.taps();
        let (mut pos, mut neg) = (0.0, 0.0);
        let mut i = 0;
        while i < self.len {
            let d = self.taps[i] as f64 / scale - weights[i] as f64;
            if d > 0.0 {
                pos += d;
            } else {
                neg -= d;
            }
            i += 1;
        }
        (pos, neg)
    }
}

// The quantisation is `const` (plans built at compile time never run its
// f64 code on the device), hence `while` loops and no iterators or closures.
// It works on the `i16` taps themselves, not a wider copy, which keeps
// `Plan::new`'s stack small: a tap that leaves `i16` fails the kernel
// either way, since every move of the sum's difference goes one direction.

/// Quantises into `out` with the largest shift `≤ max_shift` such that
/// every tap fits in `i16` and `input_bound · Σ|q| ≤ budget`; false if none
/// does. (An out-parameter: a kernel returned by value is copied at each
/// level, half a kilobyte of stack each.)
const fn quantize(kernel: &Kernel<'_>, input_bound: i64, budget: i64, max_shift: u32, out: &mut FixedKernel) -> bool {
    let mut shift = max_shift as i32;
    while shift >= 0 {
        if quantize_at(kernel, shift as u32, input_bound, budget, out) {
            return true;
        }
        shift -= 1;
    }
    false
}

/// `(w·2^s − q) · dir`: how far rounding moved tap `q` against `dir`.
const fn residual(w: f32, scale: f64, q: i16, dir: i64) -> f64 {
    (w as f64 * scale - q as f64) * dir as f64
}

/// `q + by`, or `None` if that leaves `i16`.
const fn moved(q: i16, by: i64) -> Option<i16> {
    let v = q as i64 + by;
    if v < i16::MIN as i64 || v > I16_MAX {
        None
    } else {
        Some(v as i16)
    }
}

const fn quantize_at(kernel: &Kernel<'_>, shift: u32, input_bound: i64, budget: i64, out: &mut FixedKernel) -> bool {
    let weights = kernel.taps();
    let n = weights.len();
    let scale = pow2(shift as i32);
    *out = FixedKernel { taps: [0; MAX_TAPS], len: n, anchor: kernel.anchor(), shift };
    let taps = &mut out.taps;
    let mut sum_q = 0i64;
    let mut i = 0;
    while i < n {
        let x = weights[i] as f64 * scale;
        // Refuse before rounding: `round` goes through `i64`, which a huge
        // weight (|w| · 2^shift ≥ 2^63) would overflow.
        if x.abs() >= (I16_MAX + 1) as f64 {
            return false;
        }
        let q = round(x);
        if q.abs() > I16_MAX {
            return false;
        }
        taps[i] = q as i16;
        sum_q += q;
        i += 1;
    }
    let sum = kernel.sum();
    let noise = n as f64 * f32::EPSILON as f64 * sum.abs().max(1.0);
    let target =
        if (sum - round(sum) as f64).abs() <= noise { round(sum) * (1i64 << shift) } else { round(sum * scale) };
    let mut diff = target - sum_q;
    if matches!(kernel.symmetry(), Symmetry::Symmetric) {
        let Some(left) = spread_symmetric(weights, scale, taps, diff) else { return false };
        diff = left;
    }
    // One unit at a time (what a symmetric kernel leaves: an odd difference
    // on an even length, which no symmetric change can make up).
    while diff != 0 {
        let dir = diff.signum();
        // The tap whose rounding moved it furthest against `dir`.
        let mut best = 0;
        let mut i = 1;
        while i < n {
            if residual(weights[i], scale, taps[i], dir) > residual(weights[best], scale, taps[best], dir) {
                best = i;
            }
            i += 1;
        }
        let Some(q) = moved(taps[best], dir) else { return false };
        taps[best] = q;
        diff -= dir;
    }
    let mut i = 0;
    while i < n {
        if taps[i] == i16::MIN {
            return false;
        }
        i += 1;
    }
    match out.abs_sum().checked_mul(input_bound) {
        Some(total) => total <= budget,
        None => false,
    }
}

/// Spreads the sum's difference `diff` over a symmetric kernel's rounded
/// taps `q` so that they stay symmetric (and the passes can fold them);
/// returns what it could not spread (an odd difference on an even length),
/// or `None` if a tap leaves `i16`.
///
/// Moving a tap one unit in direction `dir` changes its squared error by
/// `1 − 2ρ`, `ρ = (w·2^s − q)·dir` its residual in that direction. An odd
/// difference on an odd length moves the centre tap first (the only
/// symmetric move of one unit); then each step of two units takes the
/// cheaper of the mirrored pair with the largest residual (`2(1 − 2ρ)`,
/// lowest index on ties) and the centre twice (`4 − 4ρ`; the pair on ties).
const fn spread_symmetric(weights: &[f32], scale: f64, q: &mut [i16; MAX_TAPS], mut diff: i64) -> Option<i64> {
    let n = weights.len();
    let odd = n % 2 == 1;
    let c = n / 2;
    if odd && diff % 2 != 0 {
        q[c] = attempt!(Some moved(q[c], diff.signum()));
        diff -= diff.signum();
    }
    while diff.abs() >= 2 {
        let dir = diff.signum();
        // The mirrored pair with the largest residual (lowest index on ties).
        let mut pair = 0;
        let mut i = 1;
        while i < n / 2 {
            if residual(weights[i], scale, q[i], dir) > residual(weights[pair], scale, q[pair], dir) {
                pair = i;
            }
            i += 1;
        }
        let pair_cost =
            if n >= 2 { 2.0 * (1.0 - 2.0 * residual(weights[pair], scale, q[pair], dir)) } else { f64::INFINITY };
        let centre_cost = if odd { 4.0 - 4.0 * residual(weights[c], scale, q[c], dir) } else { f64::INFINITY };
        if n >= 2 && pair_cost <= centre_cost {
            q[pair] = attempt!(Some moved(q[pair], dir));
            q[n - 1 - pair] = attempt!(Some moved(q[n - 1 - pair], dir));
        } else if odd {
            q[c] = attempt!(Some moved(q[c], 2 * dir));
        } else {
            break; // n == 0: nothing to move (a `Kernel` is never empty).
        }
        diff -= 2 * dir;
    }
    Some(diff)
}

/// Rounds to the nearest integer, halves away from zero (`f64::round`,
/// which `core` lacks). Exact for `|x| < 2^52`; the callers' values are far smaller.
const fn round(x: f64) -> i64 {
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

/// `2^e` for `|e| ≤ 1022`.
const fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// Rounds `acc / 2^shift` half up: `(acc + 2^(shift−1)) >> shift`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn round_shift(acc: i32, shift: u32) -> i32 {
    if shift == 0 {
        acc
    } else {
        (acc + (1 << (shift - 1))) >> shift
    }
}

/// The complete u8 recipe for one pair of kernels (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedPoint {
    row: FixedKernel,
    column: FixedKernel,
    mid_shift: u32,
    out_shift: u32,
    mid_bound: i64,
    error_bound: f64,
}

impl FixedPoint {
    /// Quantises a row and a column kernel for u8 input. A `const fn`:
    /// `Plan::new` in a `static` quantises at compile time.
    pub const fn new(row: &Kernel<'_>, column: &Kernel<'_>) -> Result<Self> {
        // Built in place (see `quantize`).
        let empty = FixedKernel { taps: [0; MAX_TAPS], len: 0, anchor: 0, shift: 0 };
        let mut fp =
            FixedPoint { row: empty, column: empty, mid_shift: 0, out_shift: 0, mid_bound: 0, error_bound: 0.0 };
        if !quantize(row, U8_MAX, ROW_BUDGET, MAX_SHIFT, &mut fp.row) {
            return Err(Error::WeightsOutOfRange);
        }
        let row_abs = fp.row.abs_sum();
        // F: the largest fraction count ≤ sr with T ≤ i16::MAX.
        let sr = fp.row.shift as i64;
        let mut frac = sr;
        loop {
            if frac < -(MAX_SHIFT as i64) {
                return Err(Error::WeightsOutOfRange);
            }
            let d = sr - frac;
            if d <= MAX_SHIFT as i64 {
                let t = ((U8_MAX * row_abs) >> d) + 1;
                if t <= I16_MAX {
                    (fp.mid_shift, fp.mid_bound) = (d as u32, t);
                    break;
                }
            }
            frac -= 1;
        }
        let room = MAX_SHIFT as i64 - frac;
        let max_col_shift = if room < 0 {
            0
        } else if room > MAX_SHIFT as i64 {
            MAX_SHIFT
        } else {
            room as u32
        };
        if !quantize(column, fp.mid_bound, COLUMN_BUDGET, max_col_shift, &mut fp.column) {
            return Err(Error::WeightsOutOfRange);
        }
        let out_shift = fp.column.shift as i64 + frac;
        if out_shift < 0 || out_shift > MAX_SHIFT as i64 {
            return Err(Error::WeightsOutOfRange);
        }
        fp.out_shift = out_shift as u32;
        let (rp, rn) = fp.row.error_parts(row);
        let (cp, cn) = fp.column.error_parts(column);
        let col_abs_hat = fp.column.abs_sum() as f64 / pow2(fp.column.shift as i32);
        fp.error_bound = 255.0 * col_abs_hat * rp.max(rn)
            + col_abs_hat * 0.5 * pow2(-(frac as i32))
            + 255.0 * row.abs_sum() * cp.max(cn);
        Ok(fp)
    }

    /// The quantised row kernel.
    #[inline]
    pub fn row(&self) -> &FixedKernel {
        &self.row
    }
    /// The quantised column kernel.
    #[inline]
    pub fn column(&self) -> &FixedKernel {
        &self.column
    }
    /// `d`: the row accumulator is rounded by this many bits into the i16 intermediate.
    #[inline]
    pub fn mid_shift(&self) -> u32 {
        self.mid_shift
    }
    /// `D`: the column accumulator is rounded by this many bits into the output.
    #[inline]
    pub fn out_shift(&self) -> u32 {
        self.out_shift
    }
    /// `T`: a bound on the magnitude of the i16 intermediate.
    pub fn mid_bound(&self) -> i64 {
        self.mid_bound
    }
    /// `E`: the largest difference between the value before the final rounding
    /// and the exact result, in output units (see the module docs).
    pub fn error_bound(&self) -> f64 {
        self.error_bound
    }

    /// The intermediate of a row sum: `round_shift(acc, d)`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn mid(&self, acc: i32) -> i16 {
        round_shift(acc, self.mid_shift) as i16
    }
    /// The final u8 of a column sum.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_u8(&self, acc: i32) -> u8 {
        round_shift(acc, self.out_shift).clamp(0, 255) as u8
    }
    /// The final i16 of a column sum.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_i16(&self, acc: i32) -> i16 {
        round_shift(acc, self.out_shift).clamp(i16::MIN as i32, i16::MAX as i32) as i16
    }
    /// The final f32 of a column sum: `acc · 2^−D`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_f32(&self, acc: i32) -> f32 {
        acc as f32 * self.out_scale()
    }
    /// `2^−D`, exact in f32 for `D ≤ 30`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn out_scale(&self) -> f32 {
        1.0 / (1u32 << self.out_shift) as f32
    }
}
