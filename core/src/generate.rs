//! Kernel generators: taps computed from a few parameters, without `std`.
//! Each writes into a caller's `&mut [f32]` and returns the filled part.
//!
//! * [`gaussian`]: OpenCV's `getGaussianKernel`, bit for bit (below);
//! * [`box_kernel`], [`binomial`]: moving average, Pascal's triangle;
//! * [`deriv`]: OpenCV's Sobel and Scharr kernels (`getDerivKernels`), bit
//!   for bit, derivative orders 0–2 and beyond, sizes 1–31;
//! * [`gaussian_derivative`]: sampled derivatives of a Gaussian, orders 0–2,
//!   with exact polynomial moments.
//!
//! [`gaussian`] reproduces OpenCV's `getGaussianKernel(len, sigma, CV_32F)`
//! (the bit-exact version OpenCV has used since 4.0, `smooth.dispatch.cpp`),
//! so a filter built here and one built with OpenCV use the same weights:
//!
//! ```text
//! if sigma <= 0 and len ∈ {1, 3, 5, 7, 9}:
//!     fixed binomial-like tables (exact in binary):
//!       1: [1]    3: [1 2 1]/4    5: [1 4 6 4 1]/16
//!       7: [1 3.5 7 9 7 3.5 1]/32 9: [4 13 30 51 60 51 30 13 4]/256
//! else:
//!     σ     = sigma if sigma > 0 else fma(len, 0.15, 0.35)   (= 0.3·((len−1)/2 − 1) + 0.8)
//!     s     = −0.125 / (σ·σ)
//!     h     = (len − 1) / 2                    (integer division)
//!     v[i]  = exp((2i + 1 − len)² · s)         for i in 0..h  (the outer taps)
//!     sum   = 2·Σ v[i] + 1  (+ 1 more if len is even)
//!     taps  = v[0..h] · (1/sum), then 1/sum in the centre (twice if len is even),
//!             mirrored; all in f64, each tap then rounded to f32.
//! ```
//!
//! For an even `len` OpenCV's two centre taps are both `exp(0)` before
//! normalisation (not `exp(s)`): the kernel has a flat top. This module keeps
//! that, as it keeps every other detail, to stay bit-compatible.
//!
//! `core` has no `f64::exp`; `exp` here is a range-reduced polynomial
//! accurate to about one ulp, which is far finer than the final f32 rounding.

use crate::error::{Error, Result};
use crate::kernel::MAX_TAPS;

/// The σ OpenCV uses for a Gaussian of `len` taps when given `sigma <= 0`:
/// `0.3·((len − 1)/2 − 1) + 0.8`, evaluated as OpenCV does, as the single
/// rounding of `len·0.15 + 0.35` (a fused multiply-add).
pub fn default_sigma(len: usize) -> f64 {
    // 0.15_f64 = A·2⁻⁵⁵ and 0.35_f64 = B·2⁻⁵⁴ exactly, with 53-bit integers
    // A and B. So len·0.15 + 0.35 = (len·A + 2B)·2⁻⁵⁵ exactly, and converting
    // that integer to f64 (round to nearest, ties to even) is the one rounding
    // of the fused multiply-add. Lengths are capped so the integer fits a u64.
    const A: u64 = 0x13_3333_3333_3333;
    const B: u64 = 0x16_6666_6666_6666;
    const TWO_POW_MINUS_55: f64 = 1.0 / (1u64 << 55) as f64;
    let len = len.min(MAX_TAPS) as u64;
    (len * A + 2 * B) as f64 * TWO_POW_MINUS_55
}

/// Writes OpenCV's Gaussian kernel of `len` taps (`getGaussianKernel(len,
/// sigma, CV_32F)`) into `out[..len]` and returns that part of `out`.
///
/// `sigma <= 0` asks for OpenCV's default σ for the size (see
/// [`default_sigma`]; lengths 1, 3, 5, 7 and 9 then use OpenCV's fixed
/// tables). The taps sum to 1 within f32 rounding.
///
/// ```
/// let mut buf = [0.0f32; 5];
/// let taps = sepconv_core::generate::gaussian(5, 0.0, &mut buf)?;
/// assert_eq!(taps, [0.0625, 0.25, 0.375, 0.25, 0.0625]);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::EmptyKernel`] for `len == 0`, [`Error::KernelTooLong`] above
/// [`MAX_TAPS`], [`Error::NonFiniteWeight`] for a NaN or infinite `sigma`,
/// [`Error::BufferTooShort`] if `out` holds fewer than `len` elements.
pub fn gaussian(len: usize, sigma: f64, out: &mut [f32]) -> Result<&[f32]> {
    if len == 0 {
        return Err(Error::EmptyKernel);
    }
    if len > MAX_TAPS {
        return Err(Error::KernelTooLong);
    }
    if !sigma.is_finite() {
        return Err(Error::NonFiniteWeight);
    }
    if out.len() < len {
        return Err(Error::BufferTooShort { needed: len, actual: out.len() });
    }
    let out = &mut out[..len];

    if sigma <= 0.0 {
        let table: Option<&[f32]> = match len {
            1 => Some(&[1.0]),
            3 => Some(&[0.25, 0.5, 0.25]),
            5 => Some(&[0.0625, 0.25, 0.375, 0.25, 0.0625]),
            7 => Some(&[0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125]),
            9 => Some(&[
                4.0 / 256.0,
                13.0 / 256.0,
                30.0 / 256.0,
                51.0 / 256.0,
                60.0 / 256.0,
                51.0 / 256.0,
                30.0 / 256.0,
                13.0 / 256.0,
                4.0 / 256.0,
            ]),
            _ => None,
        };
        if let Some(table) = table {
            out.copy_from_slice(table);
            return Ok(out);
        }
    }

    let sigma = if sigma > 0.0 { sigma } else { default_sigma(len) };
    let scale = -0.125 / (sigma * sigma);
    let half = (len - 1) / 2;
    // Distances are doubled (x = 2i + 1 − len) so that they stay integers for
    // even lengths; `scale` carries the matching factor 1/4.
    let outer = |i: usize| {
        let x = (2 * i + 1) as f64 - len as f64;
        exp(x * x * scale)
    };

    let mut sum = 0.0f64;
    for i in 0..half {
        sum += outer(i);
    }
    sum *= 2.0;
    sum += 1.0;
    if len.is_multiple_of(2) {
        sum += 1.0;
    }
    let inv = 1.0 / sum;

    for i in 0..half {
        let t = (outer(i) * inv) as f32;
        out[i] = t;
        out[len - 1 - i] = t;
    }
    out[half] = inv as f32;
    if len.is_multiple_of(2) {
        out[half + 1] = inv as f32;
    }
    Ok(out)
}

/// `eˣ` in f64 without `std`, within about 1 ulp.
///
/// Range reduction `x = k·ln2 + r`, `|r| ≤ ln2/2`, with `ln2` split in two
/// (Cody–Waite; `k·LN2_HI` is exact for any `k` reached here), then a
/// degree-13 Taylor polynomial for `eʳ − 1` (truncation error below 2⁻⁶⁰
/// relative), then a scaling by `2ᵏ` built from exponent bits.
fn exp(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1; // low 32 bits zero
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const LOG2_E: f64 = core::f64::consts::LOG2_E;

    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.133_219_101_941_1 {
        return 0.0;
    }
    // Nearest integer to x/ln2 (`as` truncates toward zero, hence the ±0.5).
    let k = (x * LOG2_E + if x < 0.0 { -0.5 } else { 0.5 }) as i32;
    let kf = k as f64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;

    // eʳ − 1 = r + r²/2! + … + r¹³/13!, by Horner from the highest term.
    let mut p = 0.0;
    let mut n = 13;
    while n >= 2 {
        p = (p + 1.0) * r / n as f64;
        n -= 1;
    }
    let em1 = r + r * p;
    let y = 1.0 + em1;

    scale_by_power_of_two(y, k)
}

/// `y · 2ᵏ` for `y` in `[0.5, 2]` and `k` in `[−1075, 1024]`; one rounding at most.
fn scale_by_power_of_two(y: f64, k: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    if k > 1023 {
        y * pow2(1023) * pow2(k - 1023)
    } else if k < -1022 {
        // Scale exactly into the normal range first, then once into the
        // subnormals, so the result is rounded only once.
        y * pow2(k + 60) * pow2(-60)
    } else {
        y * pow2(k)
    }
}

/// Checks a generator's length and output buffer; returns `out[..len]`.
fn taps_buffer(len: usize, out: &mut [f32]) -> Result<&mut [f32]> {
    if len == 0 {
        return Err(Error::EmptyKernel);
    }
    if len > MAX_TAPS {
        return Err(Error::KernelTooLong);
    }
    if out.len() < len {
        return Err(Error::BufferTooShort { needed: len, actual: out.len() });
    }
    Ok(&mut out[..len])
}

/// Writes a box (moving average) kernel of `len` taps into `out[..len]` and
/// returns that part of `out`: every tap `1/len` (rounded to f32) when
/// `normalize`, else `1`.
///
/// ```
/// let mut buf = [0.0f32; 4];
/// assert_eq!(sepconv_core::generate::box_kernel(4, true, &mut buf)?, [0.25; 4]);
/// assert_eq!(sepconv_core::generate::box_kernel(3, false, &mut buf)?, [1.0; 3]);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::EmptyKernel`], [`Error::KernelTooLong`], [`Error::BufferTooShort`]
/// as for [`gaussian`].
pub fn box_kernel(len: usize, normalize: bool, out: &mut [f32]) -> Result<&[f32]> {
    let out = taps_buffer(len, out)?;
    let tap = if normalize { (1.0 / len as f64) as f32 } else { 1.0 };
    out.fill(tap);
    Ok(out)
}

/// Writes the normalised binomial kernel of `len` taps into `out[..len]`
/// and returns that part of `out`: row `len − 1` of Pascal's triangle over
/// its sum, `C(len − 1, k) / 2^(len − 1)`.
///
/// The taps are computed in f64 as `c₀ = 2^−m`, `c_k = c_{k−1}·(m − k + 1)/k`
/// (`m = len − 1`), which is exact while `C(m, k)·(m − k + 1) < 2^53`
/// (every length up to 53 taps) and within a few f64 ulps beyond, then
/// rounded once to f32 and mirrored (so the kernel is exactly symmetric).
/// Lengths 3 and 5 are OpenCV's Gaussian tables for those sizes.
///
/// ```
/// let mut buf = [0.0f32; 5];
/// assert_eq!(sepconv_core::generate::binomial(5, &mut buf)?, [0.0625, 0.25, 0.375, 0.25, 0.0625]);
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::EmptyKernel`], [`Error::KernelTooLong`], [`Error::BufferTooShort`]
/// as for [`gaussian`].
pub fn binomial(len: usize, out: &mut [f32]) -> Result<&[f32]> {
    let out = taps_buffer(len, out)?;
    let m = len - 1;
    // 2^−m is a normal f64 for every m < MAX_TAPS.
    let mut c = scale_by_power_of_two(1.0, -(m as i32));
    for k in 0..=m / 2 {
        if k > 0 {
            c = c * (m - k + 1) as f64 / k as f64;
        }
        out[k] = c as f32;
        out[m - k] = c as f32;
    }
    Ok(out)
}

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
/// [`Error::InvalidParameter`] for an even `ksize` or one above 31, an
/// `order` not smaller than the kernel's length, or a Scharr `order` above 1;
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
        return Err(Error::InvalidParameter);
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
/// Gaussian; OpenCV's exact taps (tables, even lengths) are [`gaussian`]'s.
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
/// [`gaussian`] for the length and the buffer.
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

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

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
        assert_eq!(
            taps(6, 1.3),
            [0.047_082_134, 0.153_749_64, 0.299_168_23, 0.299_168_23, 0.153_749_64, 0.047_082_134]
        );
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
        assert_eq!(deriv(0, 4, false, &mut buf), Err(Error::InvalidParameter));
        assert_eq!(deriv(0, 33, false, &mut buf), Err(Error::InvalidParameter));
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
        let d2: Vec<f64> = (0..len)
            .map(|i| ((i as f64 - c).powi(2) / sigma.powi(4) - 1.0 / (sigma * sigma)) * g(i as f64 - c))
            .collect();
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
}
