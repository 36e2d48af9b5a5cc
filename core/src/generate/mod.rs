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

mod deriv;
mod exp;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::kernel::MAX_TAPS;
pub use deriv::{deriv, gaussian_derivative, SCHARR};
use exp::{exp, scale_by_power_of_two};

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
/// Checks a generator's length and output buffer; returns `out[..len]`.
pub(super) fn taps_buffer(len: usize, out: &mut [f32]) -> Result<&mut [f32]> {
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
