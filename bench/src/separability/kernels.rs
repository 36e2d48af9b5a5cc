//! The kernels of the separability report: Gaussian, box, Sobel, Laplacian of Gaussian, disk ("bokeh"), random.

use sepconv::kernel2d::Kernel2d;
use sepconv_core::generate;
use sepconv_testkit::XorShift;

/// One kernel of the report.
#[derive(Debug, Clone)]
pub struct NamedKernel {
    /// A short name, also the SVG files' prefix.
    pub name: &'static str,
    /// What it is.
    pub description: String,
    /// The weights.
    pub kernel: Kernel2d,
}

/// The kernels of the report: Gaussian, box, Sobel, Laplacian of Gaussian,
/// an antialiased disk ("bokeh") and a random kernel.
pub fn kernels() -> Vec<NamedKernel> {
    let gen = |f: &dyn Fn(&mut [f32]) -> sepconv::Result<&[f32]>| {
        let mut buf = vec![0.0f32; sepconv::MAX_TAPS];
        let len = f(&mut buf).expect("valid generator parameters").len();
        buf.truncate(len);
        buf
    };
    let gauss = gen(&|b| generate::gaussian(15, 0.0, b));
    let boxed = gen(&|b| generate::box_kernel(15, true, b));
    let smooth = gen(&|b| generate::deriv(0, 9, true, b));
    let derivative = gen(&|b| generate::deriv(1, 9, true, b));
    let outer = |c: &[f32], r: &[f32]| Kernel2d::outer(c, r).expect("valid kernel");
    vec![
        NamedKernel {
            name: "gaussian15",
            description: format!("Gaussian 15×15, σ {:.2} (OpenCV default)", generate::default_sigma(15)),
            kernel: outer(&gauss, &gauss),
        },
        NamedKernel { name: "box15", description: "box 15×15, normalised".into(), kernel: outer(&boxed, &boxed) },
        NamedKernel {
            name: "sobel9",
            description: "Sobel dx=1 9×9 (OpenCV getDerivKernels, normalised)".into(),
            kernel: outer(&smooth, &derivative),
        },
        NamedKernel {
            name: "log15",
            description: "Laplacian of Gaussian 15×15, σ 2".into(),
            kernel: log_kernel(15, 2.0),
        },
        NamedKernel {
            name: "bokeh15",
            description: "disk (bokeh) 15×15, radius 7.5, antialiased".into(),
            kernel: bokeh_kernel(15),
        },
        NamedKernel {
            name: "random15",
            description: "random 15×15, uniform in [−1, 1)".into(),
            kernel: random_kernel(15, 0x5EED),
        },
    ]
}

/// `∇²g` sampled on an `n × n` grid: `(r² − 2σ²)/σ⁴ · exp(−r²/2σ²)`, which
/// is `g''(x)g(y) + g(x)g''(y)`: rank 2.
pub fn log_kernel(n: usize, sigma: f64) -> Kernel2d {
    let c = (n / 2) as f64;
    Kernel2d::from_fn(n, n, |j, i| {
        let (x, y) = (i as f64 - c, j as f64 - c);
        let r2 = x * x + y * y;
        (r2 - 2.0 * sigma * sigma) / sigma.powi(4) * (-r2 / (2.0 * sigma * sigma)).exp()
    })
    .expect("valid kernel")
}

/// A disk of diameter `n` centred in an `n × n` grid, each weight the
/// fraction of its pixel inside the disk (16 × 16 samples per pixel),
/// normalised to sum 1. Mirror-symmetric, so at most `⌈n/2⌉` distinct rows.
pub fn bokeh_kernel(n: usize) -> Kernel2d {
    const SUB: usize = 16;
    let (c, r) = (n as f64 / 2.0, n as f64 / 2.0);
    let coverage = |j: usize, i: usize| {
        let mut inside = 0;
        for sj in 0..SUB {
            for si in 0..SUB {
                let x = i as f64 + (si as f64 + 0.5) / SUB as f64 - c;
                let y = j as f64 + (sj as f64 + 0.5) / SUB as f64 - c;
                inside += (x * x + y * y <= r * r) as usize;
            }
        }
        inside as f64 / (SUB * SUB) as f64
    };
    let total: f64 = (0..n * n).map(|k| coverage(k / n, k % n)).sum();
    Kernel2d::from_fn(n, n, |j, i| coverage(j, i) / total).expect("valid kernel")
}

/// Uniform weights in `[−1, 1)` from the test kit's [`XorShift`] of `seed`.
pub fn random_kernel(n: usize, seed: u64) -> Kernel2d {
    let mut rng = XorShift::new(seed);
    Kernel2d::from_fn(n, n, |_, _| f64::from(rng.f32_in(-1.0, 1.0))).expect("valid kernel")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sepconv::kernel2d::EXACT;

    #[test]
    fn kernels_have_their_expected_ranks() {
        let ranks: Vec<(&str, usize)> =
            kernels().iter().map(|k| (k.name, k.kernel.decompose().rank_within(EXACT).unwrap())).collect();
        let rank = |name: &str| ranks.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(rank("gaussian15"), 1);
        assert_eq!(rank("box15"), 1);
        assert_eq!(rank("sobel9"), 1);
        assert_eq!(rank("log15"), 2);
        // Mirror-symmetric: at most 8 distinct rows out of 15.
        assert!(rank("bokeh15") <= 8 && rank("bokeh15") > 2, "{ranks:?}");
        assert_eq!(rank("random15"), 15);
    }
}
