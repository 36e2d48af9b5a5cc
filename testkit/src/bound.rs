//! The derived f32 error bounds: how far an f32 result may lie from the exact one.

use sepconv_core::Borders;

/// The unit roundoff of f32 (`2^-24`).
pub const U32: f64 = 1.0 / 16_777_216.0;

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
/// (border constants included):
///
/// `|out − exact| ≤ (nr + nc + 2) · u · Σ|r| · Σ|c| · M`.
///
/// Derivation (Higham, *Accuracy and Stability of Numerical Algorithms*,
/// §3.1): with `u = 2^-24` and `γ_n = n·u / (1 − n·u)`, a sum of `n`
/// products computed in floating point in any order, fused or not,
/// satisfies `|fl(Σ a_k b_k) − Σ a_k b_k| ≤ γ_n · Σ |a_k b_k|`.
///
/// * Row pass: `t = fl(Σ_i r_i x_i)` so `|t − Σ r x| ≤ γ_nr · Σ|r| · M`,
///   and `|t| ≤ (1 + γ_nr) Σ|r| M`.
/// * Column pass: `o = fl(Σ_j c_j t_j)` so `|o − Σ c t| ≤ γ_nc Σ|c| |t|`.
/// * Together: `|o − Σ_j c_j Σ_i r_i x_ij| ≤ (γ_nr + γ_nc + γ_nr γ_nc) ·
///   Σ|r| · Σ|c| · M`. For `nr, nc ≤ 256`, `n·u ≤ 2^-16`, so
///   `γ_nr + γ_nc + γ_nr γ_nc ≤ (nr + nc)·u·(1 + 2^-15) + 2^-31 < (nr + nc + 1)·u`.
/// * The oracle itself is f64 (`K` and each product exact, `nr·nc ≤ 2^16`
///   additions): its own error is `≤ 2^16 · 2^-53 · ΣΣ|K|·M`, far below the
///   remaining `u · Σ|r|Σ|c|M`.
///
/// (No underflow: this assumes products far above f32's normal range.)
/// Two f32 results each within this bound differ by at most twice it.
pub fn separable(row: &[f32], col: &[f32], max_abs: f64) -> f64 {
    (row.len() + col.len() + 2) as f64 * U32 * abs_sum(row) * abs_sum(col) * max_abs
}

/// The bound of the direct 2D path against the exact result: `taps =
/// rows·cols` products summed in f32 (`γ_n ≤ (n + 1)·u` for `n·u ≤ 2⁻⁸`),
/// plus the rounding of each weight to f32 (`u·|K|`), times `Σ|K|·M`:
/// `(taps + 2) · u · Σ|K| · M`.
pub fn direct_2d(taps: usize, abs_sum: f64, max_abs: f64) -> f64 {
    (taps + 2) as f64 * U32 * abs_sum * max_abs
}

/// The bound of a sum of separable terms `Σ_k c_k ⊗ r_k` (`(column, row)`
/// pairs of one size): each term as a separable filter
/// ([`separable`]), plus the f32 additions of the terms (`(r − 1)·u` of
/// the running sums, each at most `Σ_k Σ|c_k|Σ|r_k|·M` in magnitude), with
/// 1% to spare: `(rows + cols + 2 + r) · u · Σ_k Σ|c_k|·Σ|r_k| · M · 1.01`.
pub fn separable_sum(terms: &[(Vec<f32>, Vec<f32>)], max_abs: f64) -> f64 {
    let (rows, cols) = terms.first().map_or((0, 0), |(c, r)| (c.len(), r.len()));
    let sum: f64 = terms.iter().map(|(c, r)| abs_sum(c) * abs_sum(r)).sum();
    ((rows + cols + 2) as f64 + terms.len() as f64) * U32 * sum * max_abs * 1.01
}

/// The tolerance of a u8 → f32 output against the exact result `exact`,
/// for a fixed-point recipe within `error_bound` (`FixedPoint::error_bound`)
/// of it: no final rounding, so `E` plus the one f32 rounding of the
/// accumulator (relative `2^-24`).
pub fn u8_to_f32(error_bound: f64, exact: f64) -> f64 {
    error_bound * (1.0 + 1e-9) + (exact.abs() + error_bound) * U32
}
