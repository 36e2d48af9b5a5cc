//! Kernel generators: taps computed from a few parameters, without `std`.
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
//! `core` has no `f64::exp`; [`exp`] here is a range-reduced polynomial
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
}
