//! Fuzz target `separable`: 2D kernels, their decomposition and 2D filtering against an f64 oracle.

use sepconv::kernel2d::{self, Kernel2d, Path2d, SeparableSum};
use sepconv::{available_backends, Borders, Error, ImageView, ImageViewMut, Region, Shape, MAX_TAPS};
use sepconv_testkit::bound::{self, U32};
use sepconv_testkit::Oracle;

use crate::bytes::Bytes;
use crate::case::f32_sample;

/// The exact (f64) 2D correlation with the separable filters' borders
/// (`Constant` fills everything outside the image), anchor `(cols/2, rows/2)`.
/// The bounds below (those of `tests/separable.rs`) include the rounding of
/// weights to f32.
fn oracle_2d(k: &Kernel2d, src: &ImageView<'_, f32>, borders: Borders) -> Vec<f64> {
    let Shape { width, height, channels } = src.shape();
    let get = |x, y, c| src.get(x, y, c).unwrap() as f64;
    Oracle::direct(k.weights(), k.rows(), k.cols()).filter(borders, Region::Same, (width, height, channels), &get)
}

fn assert_near(got: &[f32], want: &[f64], bound: f64, what: &dyn std::fmt::Display) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((*g as f64 - w).abs() <= bound, "{what}: sample {i}: {g} vs {w} (bound {bound})");
    }
}

/// Fuzz target `separable`: `Kernel2d` constructors on arbitrary sizes and
/// weights; the decomposition (sorted non-negative singular values, full rank
/// reconstructs the kernel, errors for bad ranks and tolerances); the direct
/// 2D correlation, every `SeparableSum` on every backend and `filter_2d`
/// against an exact f64 oracle within their derived bounds.
pub fn check_separable(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (rows, cols) = (b.kernel_len(), b.kernel_len());
    // Sizes that overflow `rows · cols`, or are merely too long.
    let (big_r, big_c) = (b.size(), b.size());
    let huge = Kernel2d::from_fn(big_r, big_c, |_, _| 1.0);
    if big_r == 0 || big_c == 0 {
        assert_eq!(huge.err(), Some(Error::EmptyKernel));
    } else if big_r > MAX_TAPS || big_c > MAX_TAPS {
        assert_eq!(huge.err(), Some(Error::KernelTooLong));
    } else {
        assert_eq!(huge.map(|k| k.weights().len()), Ok(big_r * big_c));
    }
    let scale = match b.next() {
        0 => 1e30,
        1 => 1e-30,
        2 => 1e300,
        3 => 0.0,
        _ => 1.0,
    };
    let mismatch = b.below(8) == 0;
    let n = (rows * cols).min(1 << 12) + mismatch as usize;
    let weights: Vec<f64> = (0..n).map(|_| b.weight() as f64 * scale).collect();
    let k = Kernel2d::new(&weights, rows, cols);
    let want = if rows == 0 || cols == 0 {
        Err(Error::EmptyKernel)
    } else if rows > MAX_TAPS || cols > MAX_TAPS {
        Err(Error::KernelTooLong)
    } else if weights.len() != rows * cols {
        Err(Error::ShapeMismatch)
    } else if weights.iter().any(|w| !w.is_finite()) {
        Err(Error::NonFiniteWeight)
    } else {
        Ok(())
    };
    assert_eq!(k.as_ref().map(|_| ()).map_err(|e| *e), want, "Kernel2d::new {rows}×{cols}");
    let Ok(k) = k else { return };
    if rows > 16 || cols > 16 {
        return; // the SVD of a large kernel is too slow for a fuzz iteration
    }
    let d = k.decompose();
    let sv = d.singular_values();
    assert_eq!(sv.len(), rows.min(cols));
    assert!(sv.iter().all(|s| s.is_finite() && *s >= 0.0) && sv.windows(2).all(|w| w[0] >= w[1]), "{sv:?}");
    let norm = k.norm();
    let diff = d.reconstruct(sv.len()).sub(&k).expect("same size").norm();
    assert!(diff <= 1e-12 * norm * (rows + cols) as f64, "full rank reconstruction off by {diff} (norm {norm})");
    let errors = d.relative_errors();
    assert!(errors.iter().all(|e| (0.0..=1.0 + 1e-12).contains(e)), "{errors:?}");
    let tolerance = b.f64();
    let r = d.rank_within(tolerance);
    assert_eq!(r.is_err(), tolerance.is_nan() || tolerance < 0.0, "rank_within({tolerance})");
    let _ = d.separable(tolerance);
    let rank = b.below(sv.len() + 2);
    let approx = d.approximate(rank);
    if rank == 0 || rank > sv.len() {
        assert_eq!(approx.as_ref().err(), Some(&Error::InvalidParameter));
    }
    let filter = kernel2d::Filter2d::new(k.clone(), tolerance);
    match &filter {
        Err(Error::InvalidParameter) => assert!(tolerance.is_nan() || tolerance < 0.0, "Filter2d::new({tolerance})"),
        // Factors beyond f32 (a kernel of norm ~1e300).
        Err(Error::NonFiniteWeight) => assert!(norm > f32::MAX as f64, "Filter2d::new: {norm}"),
        Err(e) => panic!("Filter2d::new({tolerance}): {e:?}"),
        Ok(_) => assert!(tolerance >= 0.0, "Filter2d::new({tolerance}) accepted"),
    }

    // Filtering a small image.
    let (w, h, ch) = (1 + b.below(24), 1 + b.below(16), 1 + b.below(4));
    let borders = Borders::new(b.border(), b.border());
    let img: Vec<f32> = (0..w * h * ch).map(|_| f32_sample(b.next())).collect();
    let src = ImageView::new(&img, w, h, ch).unwrap();
    let bad_constant =
        [borders.horizontal, borders.vertical].iter().any(|b| b.constant().is_some_and(|v| !v.is_finite()));
    let max_abs = img
        .iter()
        .copied()
        .chain([borders.horizontal, borders.vertical].iter().filter_map(|b| b.constant()))
        .fold(0.0f32, |m, v| m.max(v.abs())) as f64;
    let weights32_ok = k.weights().iter().all(|w| (*w as f32).is_finite());
    let mut dst_buf = vec![0.0f32; w * h * ch];
    let r = kernel2d::correlate_2d(&k, &src, &mut ImageViewMut::new(&mut dst_buf, w, h, ch).unwrap(), borders);
    assert_eq!(r, if bad_constant { Err(Error::InvalidBorderValue) } else { Ok(()) });
    if bad_constant {
        return;
    }
    let abs_sum32: f64 = k.weights().iter().map(|w| (*w as f32).abs() as f64).sum();
    if weights32_ok && abs_sum32 * max_abs < 1e30 {
        let exact = oracle_2d(&k, &src, borders);
        let bound = bound::direct_2d(k.multiply_adds(), abs_sum32, max_abs) * 1.01 + 1e-30;
        assert_near(&dst_buf, &exact, bound, &"correlate_2d");
    }
    let sum_bound = |sum: &SeparableSum| bound::separable_sum(sum.terms(), max_abs) + 1e-30;
    if let Ok(sum) = approx {
        let terms_ok = sum.terms().iter().all(|(c, r)| c.iter().chain(r).all(|w| w.is_finite()));
        assert!(terms_ok);
        let exact = oracle_2d(&sum.kernel(), &src, borders);
        let bound = sum_bound(&sum);
        if bound < 1e30 {
            for backend in available_backends() {
                let mut out = vec![f32::NAN; w * h * ch];
                sum.filter_with(backend, &src, &mut ImageViewMut::new(&mut out, w, h, ch).unwrap(), borders)
                    .expect("separable sum");
                assert_near(&out, &exact, bound, &format_args!("{} rank {rank} sum", backend.name()));
            }
        }
    }
    if let Ok(filter) = filter {
        let got = sepconv::filter_2d(&src, &k, borders, tolerance);
        if !weights32_ok {
            return; // factors or weights overflow f32: an error or infinities, never a panic
        }
        let got = got.expect("filter_2d");
        assert_eq!(got.path, filter.path());
        let exact = oracle_2d(&k, &src, borders);
        let bound = match got.path {
            Path2d::Direct => bound::direct_2d(k.multiply_adds(), abs_sum32, max_abs) * 1.01 + 1e-30,
            Path2d::Separable { rank } => {
                let sum = d.approximate(rank).expect("rank");
                // Truncation, the f32 rounding of the factors (relative
                // 2⁻²⁴ each) and of the arithmetic.
                // The f32 factors' rounding (≤ 2.01·u relative per product)
                // is within a second `sum_bound`; the oracle's own rounding
                // of `K` to f32 adds `u·Σ|K|·max|x|`.
                let abs_sum: f64 = k.weights().iter().map(|w| w.abs()).sum();
                d.output_error_bound(rank, max_abs) * 1.01 + 2.0 * sum_bound(&sum) + U32 * abs_sum * max_abs * 1.01
            }
        };
        if bound < 1e30 {
            assert_near(got.image.as_slice(), &exact, bound, &format_args!("filter_2d {:?}", got.path));
        }
    }
}
