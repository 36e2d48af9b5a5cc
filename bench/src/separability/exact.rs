//! The separability report's test image, the exact f64 2D correlation of it, and the error of a result against it.

use sepconv::kernel2d::Kernel2d;
use sepconv::{Border, Borders, Image, Region};
use sepconv_testkit::{Oracle, XorShift};

/// The synthetic test image: a zone plate (fine texture rising to the
/// corners), 64-pixel blocks of ±40 (sharp edges), ±8 of noise, around 128,
/// clamped to `0..=255`.
pub fn test_image(width: usize, height: usize) -> Image<f32> {
    let mut rng = XorShift::new(0x9E37_79B9_7F4A_7C15);
    let mut samples = Vec::with_capacity(width * height);
    let scale = std::f64::consts::PI / (2.0 * width.max(height) as f64);
    for y in 0..height {
        for x in 0..width {
            let noise = f64::from(rng.f32_in(-0.5, 0.5));
            let (fx, fy) = (x as f64, y as f64);
            let zone = 50.0 * ((fx * fx + fy * fy) * scale).cos();
            let block = if (x / 64 + y / 64) % 2 == 0 { 40.0 } else { -40.0 };
            samples.push((128.0 + zone + block + 16.0 * noise).clamp(0.0, 255.0) as f32);
        }
    }
    Image::from_vec(samples, width, height, 1).expect("valid image")
}

/// The exact (f64) 2D correlation with `Reflect101` borders,
/// `out(x, y) = Σ_j Σ_i K[j][i] · in(x + i − cols/2, y + j − rows/2)`: the
/// test kit's [`Oracle::direct`], a different algorithm from sepconv's.
pub fn exact_2d(kernel: &Kernel2d, image: &Image<f32>) -> Vec<f64> {
    let (w, h) = (image.width(), image.height());
    let samples = image.as_slice();
    Oracle::direct(kernel.weights(), kernel.rows(), kernel.cols()).filter(
        Borders::uniform(Border::Reflect101),
        Region::Same,
        (w, h, 1),
        &|x, y, _| f64::from(samples[y * w + x]),
    )
}

/// Error of `got` against the exact result.
#[derive(Debug, Clone, Copy)]
pub struct Accuracy {
    /// `max |got − exact|`.
    pub max_abs: f64,
    /// `10·log10(peak² / MSE)` with `peak = max|exact|` (∞ if equal).
    pub psnr_db: f64,
}

/// Compares `got` with `exact`.
pub fn accuracy(got: &[f32], exact: &[f64]) -> Accuracy {
    let peak = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (mut max_abs, mut sq) = (0.0f64, 0.0f64);
    for (&g, &e) in got.iter().zip(exact) {
        let d = g as f64 - e;
        max_abs = max_abs.max(d.abs());
        sq += d * d;
    }
    let mse = sq / exact.len().max(1) as f64;
    let psnr_db = if mse == 0.0 { f64::INFINITY } else { 10.0 * (peak * peak / mse).log10() };
    Accuracy { max_abs, psnr_db }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::separability::kernels;
    use sepconv::kernel2d::correlate_2d;

    #[test]
    fn exact_2d_matches_sepconvs_direct_path() {
        // Two independent implementations (f64 here, f32 in sepconv) agree
        // to f32 rounding: (K² + 2)·u·Σ|K|·max|x|.
        let image = test_image(37, 29);
        for named in kernels() {
            let k = &named.kernel;
            let exact = exact_2d(k, &image);
            let mut out = Image::<f32>::new(37, 29, 1).unwrap();
            correlate_2d(k, &image.view(), &mut out.view_mut(), Borders::uniform(Border::Reflect101)).unwrap();
            let abs_sum: f64 = k.weights().iter().map(|w| w.abs()).sum();
            let bound = (k.multiply_adds() + 2) as f64 * f32::EPSILON as f64 / 2.0 * abs_sum * 255.0;
            let acc = accuracy(out.as_slice(), &exact);
            assert!(acc.max_abs <= bound, "{}: {} > {bound}", named.name, acc.max_abs);
        }
    }

    #[test]
    fn accuracy_of_equal_and_of_differing_results() {
        let a = accuracy(&[1.0, 2.0], &[1.0, 2.0]);
        assert_eq!((a.max_abs, a.psnr_db), (0.0, f64::INFINITY));
        // Peak 2, MSE 0.5·(0.5² + 0) = 0.125: 10·log10(4/0.125) = 10·log10(32).
        let a = accuracy(&[1.5, 2.0], &[1.0, 2.0]);
        assert_eq!(a.max_abs, 0.5);
        assert!((a.psnr_db - 10.0 * 32f64.log10()).abs() < 1e-12);
    }
}
