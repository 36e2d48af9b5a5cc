//! The thin SVD of a kernel by one-sided Jacobi rotations, in f64.

use super::frobenius;

/// A thin singular value decomposition `K = Σ_k values[k] · left[k] ⊗ right[k]`,
/// values in descending order, by one-sided Jacobi rotations (Hestenes):
///
/// ```text
/// A = K (or Kᵀ when K is wider than tall, so that A has n = min(rows, cols) columns)
/// V = I (n × n)
/// sweep until no pair rotates (at most 60 sweeps):
///   for every column pair p < q:
///     α = a_p·a_p, β = a_q·a_q, γ = a_p·a_q
///     if |γ| > m·ε·√(αβ):                          (not yet orthogonal)
///       ζ = (β − α) / 2γ,  t = sign(ζ) / (|ζ| + √(1 + ζ²)),  c = 1/√(1 + t²),  s = c·t
///       (a_p, a_q) ← (c·a_p − s·a_q, s·a_p + c·a_q), the same for (v_p, v_q)
/// σ_j = ‖a_j‖, u_j = a_j / σ_j (0 if σ_j = 0); A = U Σ Vᵀ
/// ```
///
/// Each rotation makes one pair orthogonal exactly (in exact arithmetic);
/// the sweeps converge quadratically. The kernel is scaled to `max|K| = 1`
/// first, so no intermediate overflows whatever its magnitude.
pub(super) struct Svd {
    pub(super) values: Vec<f64>,
    /// Left singular vectors (length `rows`).
    pub(super) left: Vec<Vec<f64>>,
    /// Right singular vectors (length `cols`).
    pub(super) right: Vec<Vec<f64>>,
}

impl Svd {
    pub(super) fn new(weights: &[f64], rows: usize, cols: usize) -> Svd {
        let max = weights.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        let transpose = cols > rows;
        let (m, n) = if transpose { (cols, rows) } else { (rows, cols) };
        let scale = if max > 0.0 { 1.0 / max } else { 0.0 };
        // Columns of A, and of V = I.
        let mut a: Vec<Vec<f64>> = (0..n)
            .map(|c| {
                (0..m).map(|r| if transpose { weights[c * cols + r] } else { weights[r * cols + c] } * scale).collect()
            })
            .collect();
        let mut v: Vec<Vec<f64>> = (0..n).map(|c| (0..n).map(|r| (r == c) as u8 as f64).collect()).collect();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let rotate = |cols: &mut [Vec<f64>], p: usize, q: usize, c: f64, s: f64| {
            let (left, right) = cols.split_at_mut(q);
            for (x, y) in left[p].iter_mut().zip(right[0].iter_mut()) {
                let (xp, yq) = (*x, *y);
                *x = c * xp - s * yq;
                *y = s * xp + c * yq;
            }
        };
        let tolerance = m as f64 * f64::EPSILON;
        for _sweep in 0..60 {
            let mut rotated = false;
            for p in 0..n {
                for q in p + 1..n {
                    let (alpha, beta, gamma) = (dot(&a[p], &a[p]), dot(&a[q], &a[q]), dot(&a[p], &a[q]));
                    if gamma == 0.0 || gamma.abs() <= tolerance * (alpha * beta).sqrt() {
                        continue;
                    }
                    rotated = true;
                    let zeta = (beta - alpha) / (2.0 * gamma);
                    let t = zeta.signum() / (zeta.abs() + zeta.hypot(1.0));
                    let c = 1.0 / t.hypot(1.0);
                    let s = c * t;
                    rotate(&mut a, p, q, c, s);
                    rotate(&mut v, p, q, c, s);
                }
            }
            if !rotated {
                break;
            }
        }

        let norms: Vec<f64> = a.iter().map(|col| frobenius(col)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| norms[j].total_cmp(&norms[i]));
        let mut values = Vec::with_capacity(n);
        let (mut u_cols, mut v_cols) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for j in order {
            let sigma = norms[j];
            let u: Vec<f64> = a[j].iter().map(|&x| if sigma > 0.0 { x / sigma } else { 0.0 }).collect();
            values.push(sigma * max);
            u_cols.push(u);
            v_cols.push(v[j].clone());
        }
        let (left, right) = if transpose { (v_cols, u_cols) } else { (u_cols, v_cols) };
        Svd { values, left, right }
    }
}

#[cfg(test)]
mod tests {
    use sepconv_testkit::XorShift;

    use super::*;

    fn check(weights: &[f64], rows: usize, cols: usize) -> Svd {
        let svd = Svd::new(weights, rows, cols);
        let n = rows.min(cols);
        assert_eq!((svd.values.len(), svd.left.len(), svd.right.len()), (n, n, n));
        assert!(svd.values.windows(2).all(|w| w[0] >= w[1]), "{:?}", svd.values);
        let norm = frobenius(weights);
        // K = U Σ Vᵀ.
        for r in 0..rows {
            for c in 0..cols {
                let back: f64 = (0..n).map(|k| svd.values[k] * svd.left[k][r] * svd.right[k][c]).sum();
                assert!((back - weights[r * cols + c]).abs() <= 1e-13 * norm, "{rows}×{cols} at ({r}, {c})");
            }
        }
        // Orthonormal vectors (for non-zero singular values).
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let live = svd.values.iter().filter(|&&s| s > 1e-12 * norm).count();
        for i in 0..live {
            for j in 0..live {
                let want = (i == j) as u8 as f64;
                assert!((dot(&svd.left[i], &svd.left[j]) - want).abs() < 1e-12);
                assert!((dot(&svd.right[i], &svd.right[j]) - want).abs() < 1e-12);
            }
        }
        svd
    }

    #[test]
    fn matrices_of_ones_are_rank_one() {
        // What nalgebra 0.35 gets wrong: σ₁ = √(rows·cols), the rest 0.
        for rows in 1..=12 {
            for cols in 1..=12 {
                let svd = check(&vec![1.0; rows * cols], rows, cols);
                assert!((svd.values[0] - ((rows * cols) as f64).sqrt()).abs() < 1e-13, "{rows}×{cols}");
                assert!(svd.values[1..].iter().all(|&s| s < 1e-14), "{rows}×{cols}: {:?}", svd.values);
            }
        }
    }

    #[test]
    fn known_singular_values() {
        // [[3 0] [4 5]]: KᵀK = [[25 20] [20 25]], eigenvalues 45 and 5.
        let svd = check(&[3.0, 0.0, 4.0, 5.0], 2, 2);
        assert!((svd.values[0] - 45f64.sqrt()).abs() < 1e-14 && (svd.values[1] - 5f64.sqrt()).abs() < 1e-14);
        // A diagonal matrix: its |entries|, sorted.
        let mut diag = vec![0.0; 16];
        for (i, d) in [2.0, -7.0, 0.5, 3.0].iter().enumerate() {
            diag[i * 5] = *d;
        }
        assert_eq!(check(&diag, 4, 4).values, [7.0, 3.0, 2.0, 0.5]);
        // The zero matrix.
        assert_eq!(check(&[0.0; 6], 2, 3).values, [0.0, 0.0]);
        // Graded entries: small singular values keep their relative accuracy.
        let graded = [1.0, 0.0, 0.0, 0.0, 1e-9, 0.0, 0.0, 0.0, 1e-150];
        let svd = check(&graded, 3, 3);
        assert!((svd.values[1] / 1e-9 - 1.0).abs() < 1e-14 && (svd.values[2] / 1e-150 - 1.0).abs() < 1e-14);
    }

    #[test]
    fn random_shapes() {
        let mut rng = XorShift::new(0x2545_F491_4F6C_DD1D);
        for (rows, cols) in [(1, 1), (1, 7), (7, 1), (3, 3), (5, 9), (9, 5), (16, 16), (31, 4)] {
            let w: Vec<f64> = (0..rows * cols).map(|_| f64::from(rng.f32_in(-0.5, 0.5))).collect();
            let svd = check(&w, rows, cols);
            let sum_sq: f64 = svd.values.iter().map(|s| s * s).sum();
            assert!((sum_sq.sqrt() - frobenius(&w)).abs() < 1e-13 * frobenius(&w));
        }
    }
}
