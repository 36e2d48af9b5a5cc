//! The derived f32 error bounds: how far an f32 result may lie from the exact one.

use sepconv_core::Borders;

/// The unit roundoff of f32 (`2^-24`).
pub const U32: f64 = 1.0 / 16_777_216.0;

/// The spacing of f32's subnormals (`2^-149`): twice the absolute error of
/// one f32 product or fused multiply-add whose result underflows.
pub const TINY32: f64 = f32::from_bits(1) as f64;

/// `Σ|w|` in f64.
pub fn abs_sum(taps: &[f32]) -> f64 {
    taps.iter().map(|&w| (w as f64).abs()).sum()
}

/// The largest `|constant|` the borders can contribute to `M = max|x|` (0
/// without a `Constant` border).
pub fn max_abs_constant(borders: Borders) -> f64 {
    [borders.horizontal, borders.vertical]
        .iter()
        .filter_map(|b| b.constant())
        .map(|v| (v as f64).abs())
        .fold(0.0, f64::max)
}

/// The bound of the separable filter `col ⊗ row` in f32 against the exact
/// result, where `max_abs` is `M`, the largest `|x|` the kernel can see
/// (border constants included): [`separable_at`] with the magnitude
/// `Σ|r| · Σ|c| · M`,
///
/// `|out − exact| ≤ (nr + nc + 2) · u · Σ|r| · Σ|c| · M + (nr · Σ|c| + nc) · 2^-149`.
///
/// Two f32 results each within this bound differ by at most twice it.
pub fn separable(row: &[f32], col: &[f32], max_abs: f64) -> f64 {
    separable_at(row, col, abs_sum(row) * abs_sum(col) * max_abs)
}

/// The bound of one output of the separable filter `col ⊗ row` in f32
/// against the exact result, where `magnitude` is `Σ_j |c_j| · Σ_i |r_i| ·
/// |x_ij|` over the output's own footprint (`|col| ⊗ |row|` filtering `|x|`:
/// far tighter than [`separable`] where large and small samples mix):
///
/// `|out − exact| ≤ (nr + nc + 2) · u · magnitude + (nr · Σ|c| + nc) · 2^-149`.
///
/// Derivation (Higham, *Accuracy and Stability of Numerical Algorithms*,
/// §2.2 and §3.1): with `u = 2^-24` and `γ_n = n·u / (1 − n·u)`, an f32
/// operation gives `(exact)(1 + δ) + η`, `|δ| ≤ u`; `|η| ≤ 2^-150` for a
/// product or fused multiply-add whose result underflows, `η = 0` for a sum
/// (subnormal sums are exact). A sum of `n` products computed in any order,
/// fused or not, folded (`w·(x + y)`) or not, then satisfies
/// `|fl(Σ a_k b_k) − Σ a_k b_k| ≤ γ_n · Σ |a_k b_k| + n · 2^-150 · (1 + γ_n)`.
///
/// * Row pass: `t_j = fl(Σ_i r_i x_ij)`, so `|t_j − Σ r x| ≤ γ_nr · Σ_i |r_i x_ij|
///   + nr · 2^-150 (1 + γ_nr)`.
/// * Column pass: `o = fl(Σ_j c_j t_j)`, so `|o − Σ c t| ≤ γ_nc Σ_j |c_j t_j| + nc · 2^-150 (1 + γ_nc)`.
/// * Together: `|o − Σ_j c_j Σ_i r_i x_ij| ≤ (γ_nr + γ_nc + γ_nr γ_nc) · magnitude
///   + (nr · Σ|c| + nc) · 2^-150 · (1 + γ)²`. For `nr, nc ≤ 256`, `n·u ≤ 2^-16`,
///   so `γ_nr + γ_nc + γ_nr γ_nc ≤ (nr + nc)·u·(1 + 2^-15) + 2^-31 < (nr + nc + 1)·u`,
///   and `2^-150 · (1 + γ)² < 2^-149`.
/// * The oracle itself is f64 (`K` and each product exact, `nr·nc ≤ 2^16`
///   additions): its own error is `≤ 2^16 · 2^-53 · magnitude`, far below the
///   remaining `u · magnitude`.
///
/// Valid while every operation's result is finite: an f32 result that is
/// finite had none overflow, so a finite output is always within it
/// ([`stays_finite`] says when no output can overflow).
pub fn separable_at(row: &[f32], col: &[f32], magnitude: f64) -> f64 {
    let (nr, nc) = (row.len() as f64, col.len() as f64);
    (nr + nc + 2.0) * U32 * magnitude + (nr * abs_sum(col) + nc) * TINY32
}

/// Whether every f32 partial sum of `col ⊗ row` at one output is sure to
/// stay finite, in any order, fused or not: `reach` is
/// `Σ_j max(|c_j|, 1) · Σ_i |r_i| · |x_ij|` over the output's footprint, at
/// least its magnitude and each of its row-filtered lines' (a line with
/// `c_j = 0` that overflows still makes the output NaN). Outside, an
/// output may be ±∞ or NaN, never a wrong finite value.
pub fn stays_finite(row: &[f32], col: &[f32], reach: f64) -> bool {
    reach * (1.0 + (row.len() + col.len() + 2) as f64 * U32) <= f32::MAX as f64
}

/// The bound of the direct 2D path against the exact result: `taps =
/// rows·cols` products summed in f32 (`γ_n ≤ (n + 1)·u` for `n·u ≤ 2⁻⁸`),
/// plus the rounding of each weight to f32 (`u·|K|`), times `Σ|K|·M`, plus
/// one underflow per product (as [`separable_at`]):
/// `(taps + 2) · u · Σ|K| · M + taps · 2^-149`.
pub fn direct_2d(taps: usize, abs_sum: f64, max_abs: f64) -> f64 {
    (taps + 2) as f64 * U32 * abs_sum * max_abs + taps as f64 * TINY32
}

/// The bound of a sum of separable terms `Σ_k c_k ⊗ r_k` (`(column, row)`
/// pairs of one size): each term as a separable filter
/// ([`separable`]), plus the f32 additions of the terms (`(r − 1)·u` of
/// the running sums, each at most `Σ_k Σ|c_k|Σ|r_k|·M` in magnitude), with
/// 1% to spare: `(rows + cols + 2 + r) · u · Σ_k Σ|c_k|·Σ|r_k| · M · 1.01`,
/// plus each term's underflow (exact additions add none).
pub fn separable_sum(terms: &[(Vec<f32>, Vec<f32>)], max_abs: f64) -> f64 {
    let (rows, cols) = terms.first().map_or((0, 0), |(c, r)| (c.len(), r.len()));
    let sum: f64 = terms.iter().map(|(c, r)| abs_sum(c) * abs_sum(r)).sum();
    let underflow: f64 = terms.iter().map(|(c, _)| (cols as f64 * abs_sum(c) + rows as f64) * TINY32).sum();
    ((rows + cols + 2) as f64 + terms.len() as f64) * U32 * sum * max_abs * 1.01 + underflow
}

/// The tolerance of a u8 → f32 output against the exact result `exact`,
/// for a fixed-point recipe within `error_bound` (`FixedPoint::error_bound`)
/// of it: no final rounding, so `E` plus the one f32 rounding of the
/// accumulator (relative `2^-24`).
pub fn u8_to_f32(error_bound: f64, exact: f64) -> f64 {
    error_bound * (1.0 + 1e-9) + (exact.abs() + error_bound) * U32
}
