//! Fuzz target `generate`: every kernel generator on arbitrary parameters.

use sepconv::{Error, Kernel, MAX_TAPS};
use sepconv_core::generate;

use crate::bytes::Bytes;

/// Fuzz target `generate`: every kernel generator on arbitrary lengths,
/// σ, orders, sizes and buffer lengths. Errors exactly as documented;
/// results of the requested length, finite, valid kernels, (anti)symmetric.
pub fn check_generate(data: &[u8]) {
    let mut b = Bytes::new(data);
    let len = match b.next() {
        255 => MAX_TAPS + 1,
        254 => MAX_TAPS,
        253 => usize::MAX,
        v => v as usize % 40,
    };
    let sigma = b.f64();
    let buf_len = match b.next() {
        255 => len.saturating_sub(1).min(MAX_TAPS + 2),
        v => v as usize % (MAX_TAPS + 2),
    };
    let order = match b.next() {
        255 => usize::MAX,
        v => v as usize % 5,
    };
    let ksize = b.next() as i8 as i32;
    let normalize = b.bool();
    let mut buf = vec![f32::NAN; buf_len];
    let size_verdict = |n: usize, buf_len: usize| {
        if n == 0 {
            Err(Error::EmptyKernel)
        } else if n > MAX_TAPS {
            Err(Error::KernelTooLong)
        } else if buf_len < n {
            Err(Error::BufferTooShort { needed: n, actual: buf_len })
        } else {
            Ok(())
        }
    };
    let check_taps = |taps: &[f32], n: usize, what: &str| {
        assert_eq!(taps.len(), n, "{what}");
        assert!(taps.iter().all(|t| t.is_finite()), "{what}: {taps:?}");
        Kernel::new(taps).expect("generated taps are a kernel");
    };
    let ds = generate::default_sigma(len);
    assert!(ds.is_finite() && ds > 0.0);

    // Gaussian.
    let r = generate::gaussian(len, sigma, &mut buf);
    let want = if len == 0 {
        Err(Error::EmptyKernel)
    } else if len > MAX_TAPS {
        Err(Error::KernelTooLong)
    } else if !sigma.is_finite() {
        Err(Error::NonFiniteWeight)
    } else {
        size_verdict(len, buf_len)
    };
    assert_eq!(r.map(|_| ()), want, "gaussian({len}, {sigma})");
    if let Ok(t) = generate::gaussian(len, sigma, &mut buf) {
        check_taps(t, len, "gaussian");
        let sum: f64 = t.iter().map(|&w| w as f64).sum();
        assert!((sum - 1.0).abs() <= len as f64 * 1e-7, "gaussian({len}, {sigma}) sums to {sum}: {t:?}");
        assert!(t.iter().all(|&w| w >= 0.0));
        assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| a == b), "gaussian({len}, {sigma}) not symmetric");
    }
    // Box and binomial.
    let r = generate::box_kernel(len, normalize, &mut buf).map(|t| t.to_vec());
    assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), size_verdict(len, buf_len));
    if let Ok(t) = r {
        check_taps(&t, len, "box");
    }
    let r = generate::binomial(len, &mut buf).map(|t| t.to_vec());
    assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), size_verdict(len, buf_len));
    if let Ok(t) = r {
        check_taps(&t, len, "binomial");
        let sum: f64 = t.iter().map(|&w| w as f64).sum();
        assert!((sum - 1.0).abs() <= len as f64 * 1e-7, "binomial({len}) sums to {sum}");
    }
    // Sobel and Scharr.
    let r = generate::deriv(order, ksize, normalize, &mut buf).map(|t| t.to_vec());
    let want = if ksize <= 0 {
        if order > 1 {
            Err(Error::InvalidParameter)
        } else {
            size_verdict(3, buf_len)
        }
    } else if ksize % 2 == 0 || ksize > 31 {
        Err(Error::InvalidKernelSize)
    } else {
        let n = if ksize == 1 && order > 0 { 3 } else { ksize as usize };
        if n <= order {
            Err(Error::InvalidParameter)
        } else {
            size_verdict(n, buf_len)
        }
    };
    assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), want, "deriv({order}, {ksize}, {normalize})");
    if let Ok(t) = r {
        let n = t.len();
        check_taps(&t, n, "deriv");
        let sign = if order % 2 == 1 { -1.0 } else { 1.0 };
        assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| *a == sign * *b), "deriv({order}, {ksize}): {t:?}");
    }
    // Derivatives of a Gaussian.
    let r = generate::gaussian_derivative(len, sigma, order, &mut buf).map(|t| t.to_vec());
    let want = if !sigma.is_finite() {
        Err(Error::NonFiniteWeight)
    } else {
        size_verdict(len, buf_len).and(if order > 2 || len <= order { Err(Error::InvalidParameter) } else { Ok(()) })
    };
    match (&r, want) {
        // A σ the taps cannot carry is also `InvalidParameter`.
        (Err(Error::InvalidParameter), Ok(())) => {}
        (r, want) => {
            assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), want, "gaussian_derivative({len}, {sigma}, {order})")
        }
    }
    if let Ok(t) = r {
        check_taps(&t, len, "gaussian_derivative");
        let sign = if order == 1 { -1.0 } else { 1.0 };
        assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| *a == sign * *b), "gaussian_derivative: {t:?}");
    }
}
