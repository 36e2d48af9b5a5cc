//! Derivative kernels: OpenCV's Sobel and Scharr, and sampled derivatives of a Gaussian.

use super::exp::{exp, scale_by_power_of_two};
use super::{default_sigma, taps_buffer};
use crate::error::{Error, Result};

/// OpenCV's `FILTER_SCHARR` (`-1`): as the `ksize` of [`deriv`], the 3-tap
/// Scharr kernels instead of Sobel's.
pub const SCHARR: i32 = -1;

/// Writes OpenCV's Sobel or Scharr kernel for one axis into `out` and
/// returns the filled part: the derivative of order `order` along that axis,
/// smoothing across it when `order` is 0.
///
/// OpenCV's `getDerivKernels(kx, ky, dx, dy, ksize, normalize, CV_32F)`
/// returns `kx = deriv(dx, ksize, normalize)` and `ky = deriv(dy, ksize,
/// normalize)` (OpenCV also insists on `dx + dy > 0`, or `dx + dy == 1` for
/// Scharr; each axis here is independent). The rules are OpenCV's
/// `getSobelKernels`/`getScharrKernels`, so the taps are bit-identical:
///
/// ```text
/// ksize ≤ 0 (SCHARR): order 0 → [3 10 3] (·1/32 if normalize), order 1 → [−1 0 1]
/// ksize odd, 1..=31:  n = 3 if ksize == 1 and order > 0, else ksize; need n > order
///     k = [1 0 … 0]                                  (n integers)
///     n − order − 1 times: k ← k ⊛ [1 1]              (binomial smoothing)
///     order times:         k ← k ⊛ [−1 1]             (finite difference)
///     taps = k[..n] · (normalize ? 2^−(n − order − 1) : 1)
/// ```
///
/// Derivatives are oriented as correlation kernels: `[−1 0 1]` maps the ramp
/// `x` to `+2`. Sizes 3, 5, 7 give the familiar `[1 2 1]`, `[−1 0 1]`,
/// `[1 −2 1]`; `[1 4 6 4 1]`, `[−1 −2 0 2 1]`, `[1 0 −2 0 1]`; …
///
/// ```
/// use sepconv_core::generate::{deriv, SCHARR};
/// let mut buf = [0.0f32; 7];
/// assert_eq!(deriv(1, 5, false, &mut buf)?, [-1.0, -2.0, 0.0, 2.0, 1.0]);
/// assert_eq!(deriv(0, SCHARR, false, &mut buf)?, [3.0, 10.0, 3.0]);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidKernelSize`] for an even `ksize` or one above 31;
/// [`Error::InvalidParameter`] for an `order` not smaller than the kernel's
/// length, or a Scharr `order` above 1;
/// [`Error::BufferTooShort`] if `out` is shorter than the kernel.
pub fn deriv(order: usize, ksize: i32, normalize: bool, out: &mut [f32]) -> Result<&[f32]> {
    if ksize <= 0 {
        let (taps, scale): ([f32; 3], f32) = match order {
            0 => ([3.0, 10.0, 3.0], if normalize { 1.0 / 32.0 } else { 1.0 }),
            1 => ([-1.0, 0.0, 1.0], 1.0),
            _ => return Err(Error::InvalidParameter),
        };
        let out = taps_buffer(3, out)?;
        for (o, t) in out.iter_mut().zip(taps) {
            *o = t * scale;
        }
        return Ok(out);
    }
    if ksize % 2 == 0 || ksize > 31 {
        return Err(Error::InvalidKernelSize);
    }
    let n = if ksize == 1 && order > 0 { 3 } else { ksize as usize };
    if n <= order {
        return Err(Error::InvalidParameter);
    }
    let out = taps_buffer(n, out)?;

    // OpenCV's integer recurrences, in place (from the right, so each step
    // reads the previous pass's values). Magnitudes stay below 2^31 for n ≤ 31.
    let mut k = [0i64; 31];
    k[0] = 1;
    for _ in 0..n - order - 1 {
        for j in (1..n).rev() {
            k[j] += k[j - 1];
        }
    }
    for _ in 0..order {
        for j in (1..n).rev() {
            k[j] = k[j - 1] - k[j];
        }
        k[0] = -k[0];
    }
    // A power of two, so scaling commutes with the rounding to f32 (OpenCV
    // converts the integer to float, then scales): the same bits either way.
    let scale = if normalize { scale_by_power_of_two(1.0, -((n - order - 1) as i32)) } else { 1.0 };
    for (o, &v) in out.iter_mut().zip(&k) {
        *o = (v as f64 * scale) as f32;
    }
    Ok(out)
}

/// Writes a derivative-of-Gaussian kernel of `len` taps into `out[..len]`
/// and returns that part of `out`: the Gaussian's derivative of order
/// `order` (0, 1 or 2), sampled, as a correlation kernel with moments fixed
/// so that it differentiates low-order polynomials exactly.
///
/// With `x_i = i − (len − 1)/2` (distances from the kernel's centre) and
/// `g_i = exp(−x_i² / 2σ²)`, computed in f64 and rounded once to f32:
///
/// ```text
/// order 0: g / Σg                                  Σk = 1
/// order 1: d = x·g,            k = d / Σ(x·d)      Σk = 0, Σk·x = 1
/// order 2: s = (x²/σ² − 1)·g;  s −= (Σs/Σg)·g;     Σk = 0, Σk·x² = 2
///          k = 2·s / Σ(x²·s)
/// ```
///
/// so correlating with it maps a constant to 0 (orders 1, 2), the ramp `x`
/// to 1 (order 1) and `x²` to 2 (order 2). The sign follows [`deriv`]:
/// negative taps on the left for order 1. `sigma <= 0` asks for OpenCV's
/// default σ for the length ([`default_sigma`]). Order 0 is the plain sampled
/// Gaussian; OpenCV's exact taps (tables, even lengths) are [`gaussian`](super::gaussian)'s.
///
/// ```
/// let mut buf = [0.0f32; 7];
/// let k = sepconv_core::generate::gaussian_derivative(7, 1.5, 1, &mut buf)?;
/// let ramp: f32 = k.iter().enumerate().map(|(i, w)| w * (i as f32 - 3.0)).sum();
/// assert!((ramp - 1.0).abs() < 1e-6);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an `order` above 2, or fewer than
/// `order + 1` taps, or a σ so small (or so large) that the taps cannot carry
/// the derivative (every outer weight underflows);
/// [`Error::NonFiniteWeight`] for a NaN or infinite `sigma`; and the errors of
/// [`gaussian`](super::gaussian) for the length and the buffer.
pub fn gaussian_derivative(len: usize, sigma: f64, order: usize, out: &mut [f32]) -> Result<&[f32]> {
    if !sigma.is_finite() {
        return Err(Error::NonFiniteWeight);
    }
    let out = taps_buffer(len, out)?;
    if order > 2 || len <= order {
        return Err(Error::InvalidParameter);
    }
    let sigma = if sigma > 0.0 { sigma } else { default_sigma(len) };
    let centre = (len - 1) as f64 / 2.0;
    let x = |i: usize| i as f64 - centre;
    // exp(−(x/σ)²/2): dividing first keeps huge σ from overflowing σ².
    let g = |i: usize| {
        let t = x(i) / sigma;
        exp(-0.5 * t * t)
    };
    let sum = |f: &dyn Fn(usize) -> f64| (0..len).map(f).sum::<f64>();

    // Writes f(i)·scale, unless the scale (1 / a moment) is not finite.
    let write = |out: &mut [f32], f: &dyn Fn(usize) -> f64, scale: f64| {
        if !scale.is_finite() {
            return Err(Error::InvalidParameter);
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = (f(i) * scale) as f32;
        }
        Ok(())
    };
    let sum_g = sum(&g);
    match order {
        0 => write(out, &g, 1.0 / sum_g)?,
        1 => {
            let d = |i: usize| x(i) * g(i);
            write(out, &d, 1.0 / sum(&|i| x(i) * d(i)))?;
        }
        _ => {
            let raw = |i: usize| {
                let t = x(i) / sigma;
                (t * t - 1.0) * g(i)
            };
            let mean = sum(&raw) / sum_g;
            let s = |i: usize| raw(i) - mean * g(i);
            write(out, &s, 2.0 / sum(&|i| x(i) * x(i) * s(i)))?;
        }
    }
    // Exact symmetry (order 0, 2) or antisymmetry (order 1) despite rounding
    // in the sums above: copy the left half onto the right.
    let sign = if order == 1 { -1.0 } else { 1.0 };
    for i in 0..len / 2 {
        out[len - 1 - i] = sign * out[i];
    }
    if order == 1 && len % 2 == 1 {
        out[len / 2] = 0.0;
    }
    Ok(out)
}
