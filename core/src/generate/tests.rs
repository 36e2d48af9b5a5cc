extern crate std;
use std::vec::Vec;

use super::exp::exp;
use super::*;

fn taps(len: usize, sigma: f64) -> Vec<f32> {
    let mut buf = [0.0f32; MAX_TAPS];
    gaussian(len, sigma, &mut buf).unwrap().to_vec()
}

/// Relative error in ulps of `got` against std's `exp` (itself within 1 ulp).
fn ulps(got: f64, want: f64) -> f64 {
    if got == want {
        return 0.0;
    }
    let ulp = f64::from_bits(want.to_bits() + 1) - want;
    (got - want).abs() / ulp
}

#[test]
fn exp_matches_std() {
    let mut worst = 0.0f64;
    // Dense over the range the generator uses (≤ 0), sparse beyond.
    let mut x = -745.0f64;
    while x < 709.0 {
        let (got, want) = (exp(x), x.exp());
        if want > f64::MIN_POSITIVE {
            worst = worst.max(ulps(got, want));
            assert!(((got - want) / want).abs() < 1e-15, "exp({x}) = {got}, std says {want}");
        }
        x += if x < 0.0 && x > -50.0 { 0.000_731 } else { 0.0931 };
    }
    assert!(worst <= 2.0, "worst error {worst} ulp");
    for x in [0.0, -0.0, 1.0, -1.0, 1e-300, -1e-20, 0.5 * core::f64::consts::LN_2] {
        assert!(ulps(exp(x), x.exp()) <= 1.0, "exp({x})");
    }
    assert_eq!(exp(0.0), 1.0);
    assert_eq!(exp(-1000.0), 0.0);
    assert_eq!(exp(f64::NEG_INFINITY), 0.0);
    assert_eq!(exp(1000.0), f64::INFINITY);
    assert!(exp(f64::NAN).is_nan());
    // Subnormal results stay close to std's.
    let (got, want) = (exp(-740.0), (-740.0f64).exp());
    assert!(((got - want) / want).abs() < 1e-10);
}

#[test]
fn default_sigma_is_opencv_formula() {
    for len in 1..=MAX_TAPS {
        let naive = 0.3 * ((len as f64 - 1.0) * 0.5 - 1.0) + 0.8;
        let fused = default_sigma(len);
        assert!((fused - naive).abs() <= 4.0 * f64::EPSILON * naive, "len {len}");
        // The single rounding of the fused multiply-add (std's `mul_add`).
        assert_eq!(fused, (len as f64).mul_add(0.15, 0.35), "len {len}");
    }
    // As in OpenCV, 3·0.15 + 0.35 rounds once, to 0.8 − 1 ulp.
    assert_eq!(default_sigma(3), 0.8 - f64::EPSILON / 2.0);
}

#[test]
fn opencv_tables_for_small_odd_lengths() {
    assert_eq!(taps(1, 0.0), [1.0]);
    assert_eq!(taps(3, 0.0), [0.25, 0.5, 0.25]);
    assert_eq!(taps(3, -2.0), [0.25, 0.5, 0.25]);
    assert_eq!(taps(5, 0.0), [0.0625, 0.25, 0.375, 0.25, 0.0625]);
    assert_eq!(taps(7, 0.0), [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125]);
    let nine: Vec<f32> = [4.0, 13.0, 30.0, 51.0, 60.0, 51.0, 30.0, 13.0, 4.0].iter().map(|v| v / 256.0).collect();
    assert_eq!(taps(9, 0.0), nine);
}

#[test]
fn opencv_values_computed_by_formula() {
    // getGaussianKernel(n, σ, CV_32F) as printed by OpenCV 5.0 (cv2):
    // the same f32 bit patterns are expected here.
    assert_eq!(taps(3, 1.0), [0.274_068_62, 0.451_862_75, 0.274_068_62]);
    assert_eq!(taps(5, 1.0), [0.054_488_685, 0.244_201_35, 0.402_619_96, 0.244_201_35, 0.054_488_685]);
    // Default σ for 11 taps is 2.0.
    let t11 = taps(11, 0.0);
    assert_eq!(t11, taps(11, 2.0));
    assert_eq!(t11[5], 0.200_565_41);
    assert_eq!(t11[0], 0.008_812_229);
    assert_eq!(taps(15, 0.0)[7], 0.154_009_6);
    assert_eq!(taps(31, 0.0)[0], 0.000_888_058_5);
    // Even lengths: OpenCV's flat top (both centre taps exp(0) before
    // normalisation), so 2 taps are [0.5, 0.5] whatever σ.
    assert_eq!(taps(2, 0.0), [0.5, 0.5]);
    assert_eq!(taps(2, 3.0), [0.5, 0.5]);
    assert_eq!(taps(4, 0.0), [0.111_650_06, 0.388_349_95, 0.388_349_95, 0.111_650_06]);
    assert_eq!(taps(6, 1.3), [0.047_082_134, 0.153_749_64, 0.299_168_23, 0.299_168_23, 0.153_749_64, 0.047_082_134]);
}

#[test]
fn matches_an_independent_f64_gaussian() {
    // Odd lengths not covered by a table follow the textbook formula.
    for len in (11..=MAX_TAPS).step_by(2).chain([3, 5, 7, 9]) {
        for sigma in [0.0, 0.7, 1.5, 4.0, 30.0] {
            if sigma == 0.0 && len <= 9 {
                continue;
            }
            let s = if sigma > 0.0 { sigma } else { 0.3 * ((len as f64 - 1.0) * 0.5 - 1.0) + 0.8 };
            let c = (len as f64 - 1.0) / 2.0;
            let w: Vec<f64> = (0..len).map(|i| (-(i as f64 - c).powi(2) / (2.0 * s * s)).exp()).collect();
            let total: f64 = w.iter().sum();
            let got = taps(len, sigma);
            for (g, w) in got.iter().zip(&w) {
                let want = w / total;
                assert!(((*g as f64) - want).abs() <= 1e-7 * want + 1e-30, "len {len} σ {sigma}: {g} vs {want}");
            }
            let sum: f64 = got.iter().map(|&v| v as f64).sum();
            assert!((sum - 1.0).abs() < len as f64 * 1e-7, "len {len} σ {sigma}: sum {sum}");
            assert!(got.iter().zip(got.iter().rev()).all(|(a, b)| a == b));
        }
    }
}

#[test]
fn extreme_sigmas_stay_finite() {
    // Tiny σ: every outer tap underflows, the centre takes all the weight.
    assert_eq!(taps(5, 1e-200), [0.0, 0.0, 1.0, 0.0, 0.0]);
    // Huge σ: σ² overflows, every exponent is 0: a box filter.
    assert_eq!(taps(4, 1e200), [0.25; 4]);
    assert!(taps(255, 1e-3).iter().all(|v| v.is_finite()));
}

#[test]
fn errors() {
    let mut buf = [0.0f32; 4];
    assert_eq!(gaussian(0, 1.0, &mut buf), Err(Error::EmptyKernel));
    assert_eq!(gaussian(MAX_TAPS + 1, 1.0, &mut buf), Err(Error::KernelTooLong));
    assert_eq!(gaussian(3, f64::NAN, &mut buf), Err(Error::NonFiniteWeight));
    assert_eq!(gaussian(3, f64::INFINITY, &mut buf), Err(Error::NonFiniteWeight));
    assert_eq!(gaussian(3, f64::NEG_INFINITY, &mut buf), Err(Error::NonFiniteWeight));
    assert_eq!(gaussian(5, 1.0, &mut buf), Err(Error::BufferTooShort { needed: 5, actual: 4 }));
    assert_eq!(gaussian(3, 0.0, &mut buf).map(|t| t.len()), Ok(3));
}

// ----- box, binomial, Sobel/Scharr, derivative of Gaussian -----

fn gen(f: impl FnOnce(&mut [f32]) -> Result<&[f32]>) -> Vec<f32> {
    let mut buf = [f32::NAN; MAX_TAPS];
    f(&mut buf).unwrap().to_vec()
}

#[test]
fn box_kernels() {
    assert_eq!(gen(|b| box_kernel(1, true, b)), [1.0]);
    assert_eq!(gen(|b| box_kernel(5, false, b)), [1.0; 5]);
    assert_eq!(gen(|b| box_kernel(8, true, b)), [0.125; 8]);
    assert_eq!(gen(|b| box_kernel(3, true, b)), [1.0 / 3.0f32; 3]);
    assert_eq!(gen(|b| box_kernel(MAX_TAPS, true, b)).len(), MAX_TAPS);
}

#[test]
fn binomial_is_pascals_triangle() {
    assert_eq!(gen(|b| binomial(1, b)), [1.0]);
    assert_eq!(gen(|b| binomial(2, b)), [0.5, 0.5]);
    // OpenCV's getGaussianKernel tables for 3 and 5 taps are binomial.
    assert_eq!(gen(|b| binomial(3, b)), taps(3, 0.0));
    assert_eq!(gen(|b| binomial(5, b)), taps(5, 0.0));
    let seven: Vec<f32> = [1.0, 6.0, 15.0, 20.0, 15.0, 6.0, 1.0].iter().map(|v| v / 64.0).collect();
    assert_eq!(gen(|b| binomial(7, b)), seven);
    // Against Pascal's triangle built by additions (exact in f64 up to row 52).
    let mut row = std::vec![1.0f64];
    for len in 2..=53 {
        row = (0..len).map(|k| if k == 0 || k == len - 1 { 1.0 } else { row[k - 1] + row[k] }).collect();
        let scale = 0.5f64.powi(len as i32 - 1);
        let want: Vec<f32> = row.iter().map(|&c| (c * scale) as f32).collect();
        assert_eq!(gen(|b| binomial(len, b)), want, "len {len}");
    }
    // Long kernels stay finite, symmetric and normalised.
    let long = gen(|b| binomial(MAX_TAPS, b));
    assert!(long.iter().zip(long.iter().rev()).all(|(a, b)| a == b));
    let sum: f64 = long.iter().map(|&v| v as f64).sum();
    assert!((sum - 1.0).abs() < 1e-6, "{sum}");
}

#[test]
fn sobel_matches_opencv_get_deriv_kernels() {
    // cv::getDerivKernels(kx, ky, dx, dy, ksize, false, CV_32F): the
    // values OpenCV documents and returns (its getSobelKernels).
    let sobel = |order, ksize| gen(|b| deriv(order, ksize, false, b));
    assert_eq!(sobel(0, 1), [1.0]);
    assert_eq!(sobel(1, 1), [-1.0, 0.0, 1.0]); // ksize 1 with dx > 0 is 3 taps
    assert_eq!(sobel(2, 1), [1.0, -2.0, 1.0]);
    assert_eq!(sobel(0, 3), [1.0, 2.0, 1.0]);
    assert_eq!(sobel(1, 3), [-1.0, 0.0, 1.0]);
    assert_eq!(sobel(2, 3), [1.0, -2.0, 1.0]);
    assert_eq!(sobel(0, 5), [1.0, 4.0, 6.0, 4.0, 1.0]);
    assert_eq!(sobel(1, 5), [-1.0, -2.0, 0.0, 2.0, 1.0]);
    assert_eq!(sobel(2, 5), [1.0, 0.0, -2.0, 0.0, 1.0]);
    assert_eq!(sobel(0, 7), [1.0, 6.0, 15.0, 20.0, 15.0, 6.0, 1.0]);
    assert_eq!(sobel(1, 7), [-1.0, -4.0, -5.0, 0.0, 5.0, 4.0, 1.0]);
    assert_eq!(sobel(2, 7), [1.0, 2.0, -1.0, -4.0, -1.0, 2.0, 1.0]);
    // normalize = true scales by 2^−(ksize − order − 1).
    let norm = |order, ksize| gen(|b| deriv(order, ksize, true, b));
    assert_eq!(norm(0, 3), [0.25, 0.5, 0.25]);
    assert_eq!(norm(1, 3), [-0.5, 0.0, 0.5]);
    assert_eq!(norm(2, 3), [1.0, -2.0, 1.0]);
    assert_eq!(norm(1, 1), [-0.5, 0.0, 0.5]);
    assert_eq!(norm(1, 5), [-0.125, -0.25, 0.0, 0.25, 0.125]);
    assert_eq!(norm(0, 5), gen(|b| binomial(5, b)));
}

#[test]
fn scharr_matches_opencv() {
    // getScharrKernels: [3 10 3] (·1/32 when normalised, as OpenCV does)
    // and [−1 0 1] (never scaled).
    assert_eq!(gen(|b| deriv(0, SCHARR, false, b)), [3.0, 10.0, 3.0]);
    assert_eq!(gen(|b| deriv(1, SCHARR, false, b)), [-1.0, 0.0, 1.0]);
    assert_eq!(gen(|b| deriv(0, SCHARR, true, b)), [3.0 / 32.0, 10.0 / 32.0, 3.0 / 32.0]);
    assert_eq!(gen(|b| deriv(1, SCHARR, true, b)), [-1.0, 0.0, 1.0]);
    // Any ksize ≤ 0 means Scharr in OpenCV.
    assert_eq!(gen(|b| deriv(0, 0, false, b)), [3.0, 10.0, 3.0]);
}

#[test]
fn sobel_is_binomial_smoothing_then_differences() {
    // An independent construction: convolve [1 1] (n − order − 1 times)
    // and [−1 1] (order times), as polynomials (1 + z)^a (z − 1)^b.
    for n in (3..=31).step_by(2) {
        for order in 0..n.min(4) {
            let mut poly = std::vec![1i64];
            let mul = |p: &[i64], lo: i64, hi: i64| {
                let mut q = std::vec![0i64; p.len() + 1];
                for (i, &c) in p.iter().enumerate() {
                    q[i] += lo * c;
                    q[i + 1] += hi * c;
                }
                q
            };
            for _ in 0..n - order - 1 {
                poly = mul(&poly, 1, 1);
            }
            for _ in 0..order {
                poly = mul(&poly, -1, 1);
            }
            let want: Vec<f32> = poly.iter().map(|&c| c as f32).collect();
            assert_eq!(gen(|b| deriv(order, n as i32, false, b)), want, "n {n} order {order}");
            let scale = 0.5f64.powi((n - order - 1) as i32);
            let want: Vec<f32> = poly.iter().map(|&c| (c as f64 * scale) as f32).collect();
            assert_eq!(gen(|b| deriv(order, n as i32, true, b)), want, "n {n} order {order} normalised");
        }
    }
}

#[test]
fn deriv_errors() {
    let mut buf = [0.0f32; 8];
    assert_eq!(deriv(0, 4, false, &mut buf), Err(Error::InvalidKernelSize));
    assert_eq!(deriv(0, 33, false, &mut buf), Err(Error::InvalidKernelSize));
    assert_eq!(deriv(3, 3, false, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(deriv(2, SCHARR, false, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(deriv(1, 9, false, &mut buf), Err(Error::BufferTooShort { needed: 9, actual: 8 }));
    assert_eq!(deriv(1, 1, false, &mut buf[..2]), Err(Error::BufferTooShort { needed: 3, actual: 2 }));
    assert_eq!(box_kernel(0, true, &mut buf), Err(Error::EmptyKernel));
    assert_eq!(binomial(MAX_TAPS + 1, &mut buf), Err(Error::KernelTooLong));
    assert_eq!(binomial(9, &mut buf), Err(Error::BufferTooShort { needed: 9, actual: 8 }));
}

/// Σ k_i · (i − centre)^p, in f64.
fn moment(k: &[f32], p: i32) -> f64 {
    let c = (k.len() - 1) as f64 / 2.0;
    k.iter().enumerate().map(|(i, &w)| w as f64 * (i as f64 - c).powi(p)).sum()
}

#[test]
fn gaussian_derivative_moments() {
    for len in [3usize, 4, 5, 7, 9, 15, 31, 64] {
        for sigma in [0.0, 0.8, 1.5, 4.0] {
            let tol = 1e-6 * len as f64;
            let k0 = gen(|b| gaussian_derivative(len, sigma, 0, b));
            assert!((moment(&k0, 0) - 1.0).abs() < tol, "len {len} σ {sigma}");
            let k1 = gen(|b| gaussian_derivative(len, sigma, 1, b));
            assert!(moment(&k1, 0).abs() < tol && (moment(&k1, 1) - 1.0).abs() < tol, "len {len} σ {sigma}");
            // Negative on the left (outer taps may underflow to 0).
            assert!(k1[..len / 2].iter().all(|&w| w <= 0.0) && k1[len / 2 - 1] < 0.0, "{k1:?}");
            let k2 = gen(|b| gaussian_derivative(len, sigma, 2, b));
            let scale = k2.iter().map(|w| w.abs() as f64).sum::<f64>();
            assert!(moment(&k2, 0).abs() < tol * scale, "len {len} σ {sigma}: {k2:?}");
            assert!((moment(&k2, 2) - 2.0).abs() < tol * scale * (len * len) as f64, "len {len} σ {sigma}");
            // Symmetric, antisymmetric, symmetric.
            for i in 0..len {
                assert_eq!(k0[i], k0[len - 1 - i]);
                assert_eq!(k1[i], -k1[len - 1 - i]);
                assert_eq!(k2[i], k2[len - 1 - i]);
            }
        }
    }
}

#[test]
fn gaussian_derivative_has_the_analytic_shape() {
    // With a wide window and a moderate σ, the sampled Gaussian's
    // derivatives are the continuous ones up to tiny corrections:
    // g'(x)·(−1) and g''(x), normalised the same way, with std's exp.
    let (len, sigma) = (41usize, 3.0f64);
    let c = 20.0;
    let g = |x: f64| (-x * x / (2.0 * sigma * sigma)).exp();
    let d1: Vec<f64> = (0..len).map(|i| (i as f64 - c) / (sigma * sigma) * g(i as f64 - c)).collect();
    let m1: f64 = d1.iter().enumerate().map(|(i, v)| v * (i as f64 - c)).sum();
    let k1 = gen(|b| gaussian_derivative(len, sigma, 1, b));
    for (got, want) in k1.iter().zip(&d1) {
        assert!((*got as f64 - want / m1).abs() < 1e-7, "{got} vs {}", want / m1);
    }
    let d2: Vec<f64> =
        (0..len).map(|i| ((i as f64 - c).powi(2) / sigma.powi(4) - 1.0 / (sigma * sigma)) * g(i as f64 - c)).collect();
    let m2: f64 = d2.iter().enumerate().map(|(i, v)| v * (i as f64 - c).powi(2)).sum();
    let k2 = gen(|b| gaussian_derivative(len, sigma, 2, b));
    for (got, want) in k2.iter().zip(&d2) {
        // The zero-sum correction is ~1e-9 of the peak here.
        assert!((*got as f64 - 2.0 * want / m2).abs() < 1e-6, "{got} vs {}", 2.0 * want / m2);
    }
    // Order 0 is the normalised sampled Gaussian: gaussian()'s taps for odd lengths.
    let k0 = gen(|b| gaussian_derivative(len, sigma, 0, b));
    for (a, b) in k0.iter().zip(taps(len, sigma)) {
        assert!((a - b).abs() <= 2.0 * f32::EPSILON * b, "{a} vs {b}");
    }
}

#[test]
fn gaussian_derivative_errors() {
    let mut buf = [0.0f32; 8];
    assert_eq!(gaussian_derivative(5, 1.0, 3, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(gaussian_derivative(2, 1.0, 2, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(gaussian_derivative(1, 1.0, 1, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(gaussian_derivative(5, f64::NAN, 1, &mut buf), Err(Error::NonFiniteWeight));
    assert_eq!(gaussian_derivative(0, 1.0, 0, &mut buf), Err(Error::EmptyKernel));
    assert_eq!(gaussian_derivative(9, 1.0, 0, &mut buf), Err(Error::BufferTooShort { needed: 9, actual: 8 }));
    // Every outer weight underflows: no derivative left to take.
    assert_eq!(gaussian_derivative(5, 1e-3, 1, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(gaussian_derivative(5, 1e-3, 2, &mut buf), Err(Error::InvalidParameter));
    assert_eq!(gaussian_derivative(4, 1e-3, 0, &mut buf), Err(Error::InvalidParameter));
    // A huge σ flattens the Gaussian: order 1 is then a ramp, order 2 vanishes.
    let ramp = gen(|b| gaussian_derivative(5, 1e200, 1, b));
    assert_eq!(ramp, [-0.2, -0.1, 0.0, 0.1, 0.2]);
    assert_eq!(gaussian_derivative(5, 1e200, 2, &mut buf), Err(Error::InvalidParameter));
}
