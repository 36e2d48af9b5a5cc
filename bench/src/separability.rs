//! The separability trade-off, measured: how much accuracy a rank-r
//! separable approximation of a 2D kernel gives up, and how much speed it
//! buys over the direct 2D correlation. [`report`] prints a table and
//! writes SVG pictures of every kernel.
//!
//! For each kernel of [`kernels`] (Gaussian, box, Sobel: rank 1; Laplacian
//! of Gaussian: rank 2; an antialiased disk ("bokeh"): rank 8 by symmetry; a
//! random kernel: full rank):
//!
//! ```text
//! SVD                  σ_k, e_r = ‖K − K_r‖_F / ‖K‖_F, the rank within sepconv::separable::EXACT
//! exact 2D result      f64 direct correlation of the test image (Reflect101), this module's own loop
//! for r in 1, 2, 3, 4, 6, 8, … up to that rank:
//!     out_r            SeparableSum of r terms (sepconv Plans, best backend), f32
//!     max|Δ|, PSNR     against the exact result; PSNR = 10·log10(peak² / MSE), peak = max|exact|
//!     bound            e_r·‖K‖_F·√(rows·cols)·max|x| (the SVD's guarantee, f32 rounding aside)
//!     Mpix/s           median of a few repetitions, one thread
//! direct 2D            sepconv::separable::correlate_2d, the same measures
//! ```
//!
//! The test image is synthetic and deterministic (512 × 512 by default): a
//! zone plate, blocks with sharp edges and a little noise, values in
//! `0..=255`, so that smooth areas, edges and fine texture all show.
//!
//! The pictures (`<kernel>-kernel.svg`, `-factors.svg`, `-approx.svg`,
//! `-spectrum.svg`) are hand-written SVG: the 2D kernel as a heat map, the
//! 1D factors' profiles of the leading terms, the rank-r reconstructions and
//! their residuals, and the singular value spectrum with `e_r`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sepconv::separable::{correlate_2d, Decomposition, Kernel2d, EXACT};
use sepconv::{Border, Borders, Image};
use sepconv_core::generate;

use crate::{reflect101, time_median};

/// What [`report`] measures and where it writes.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory for the SVG files (created if missing).
    pub dir: PathBuf,
    /// Test image width.
    pub width: usize,
    /// Test image height.
    pub height: usize,
    /// Time budget of each timed case (at least 3 repetitions after a warm-up).
    pub budget: Duration,
}

impl Default for Config {
    /// `target/report/` of the workspace (or `$CARGO_TARGET_DIR/report`), a
    /// 512 × 512 image, 150 ms per timed case.
    fn default() -> Self {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
        Config { dir: target.join("report"), width: 512, height: 512, budget: Duration::from_millis(150) }
    }
}

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

/// Uniform weights in `[−1, 1)` from a seeded xorshift64*.
pub fn random_kernel(n: usize, seed: u64) -> Kernel2d {
    let mut state = seed | 1;
    Kernel2d::from_fn(n, n, |_, _| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    })
    .expect("valid kernel")
}

/// The synthetic test image: a zone plate (fine texture rising to the
/// corners), 64-pixel blocks of ±40 (sharp edges), ±8 of noise, around 128,
/// clamped to `0..=255`.
pub fn test_image(width: usize, height: usize) -> Image<f32> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut samples = Vec::with_capacity(width * height);
    let scale = std::f64::consts::PI / (2.0 * width.max(height) as f64);
    for y in 0..height {
        for x in 0..width {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let noise = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f64 / (1u64 << 24) as f64 - 0.5;
            let (fx, fy) = (x as f64, y as f64);
            let zone = 50.0 * ((fx * fx + fy * fy) * scale).cos();
            let block = if (x / 64 + y / 64) % 2 == 0 { 40.0 } else { -40.0 };
            samples.push((128.0 + zone + block + 16.0 * noise).clamp(0.0, 255.0) as f32);
        }
    }
    Image::from_vec(samples, width, height, 1).expect("valid image")
}

/// The exact (f64) 2D correlation with `Reflect101` borders, written here
/// from the definition: `out(x, y) = Σ_j Σ_i K[j][i] · in(x + i − cols/2, y + j − rows/2)`.
pub fn exact_2d(kernel: &Kernel2d, image: &Image<f32>) -> Vec<f64> {
    let (w, h) = (image.width(), image.height());
    let (rows, cols) = (kernel.rows(), kernel.cols());
    let (ax, ay) = (cols / 2, rows / 2);
    // The image extended by the border, once.
    let pw = w + cols - 1;
    let padded: Vec<f64> = (0..(h + rows - 1) * pw)
        .map(|k| {
            let sy = reflect101((k / pw) as isize - ay as isize, h);
            let sx = reflect101((k % pw) as isize - ax as isize, w);
            image.as_slice()[sy * w + sx] as f64
        })
        .collect();
    let weights = kernel.weights();
    let mut out = vec![0.0f64; w * h];
    for y in 0..h {
        for (x, o) in out[y * w..(y + 1) * w].iter_mut().enumerate() {
            let mut acc = 0.0;
            for j in 0..rows {
                let line = &padded[(y + j) * pw + x..][..cols];
                acc += weights[j * cols..(j + 1) * cols].iter().zip(line).map(|(k, v)| k * v).sum::<f64>();
            }
            *o = acc;
        }
    }
    out
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

/// One rank of one kernel, measured.
#[derive(Debug, Clone, Copy)]
pub struct RankRow {
    /// Terms.
    pub rank: usize,
    /// `e_r`, the relative kernel error (Frobenius).
    pub kernel_error: f64,
    /// Against the exact result.
    pub accuracy: Accuracy,
    /// The SVD's bound on `max|Δ|` (before f32 rounding).
    pub bound: f64,
    /// Throughput of the `r` separable terms.
    pub mpix_s: f64,
    /// Direct over separable multiply-adds, `rows·cols / (r·(rows + cols))`.
    pub predicted_speedup: f64,
}

/// Everything measured for one kernel.
#[derive(Debug, Clone)]
pub struct KernelReport {
    /// The kernel's short name.
    pub name: &'static str,
    /// What it is.
    pub description: String,
    /// `(rows, cols)`.
    pub size: (usize, usize),
    /// Largest first.
    pub singular_values: Vec<f64>,
    /// `e_r` for `r = 0..=min(rows, cols)`.
    pub relative_errors: Vec<f64>,
    /// The rank within [`EXACT`].
    pub exact_rank: usize,
    /// The direct 2D correlation against the exact result.
    pub direct: Accuracy,
    /// Its throughput.
    pub direct_mpix_s: f64,
    /// The ranks measured.
    pub ranks: Vec<RankRow>,
    /// The SVG files written.
    pub files: Vec<PathBuf>,
}

/// The ranks measured for a kernel whose rank within [`EXACT`] is `exact`:
/// 1, 2, 3, 4, 6, 8, 11, 15, … up to `exact`, and `exact` itself.
pub fn ranks_to_measure(exact: usize) -> Vec<usize> {
    let mut ranks: Vec<usize> = [1, 2, 3, 4, 6, 8, 11, 15, 22, 31].into_iter().filter(|&r| r < exact).collect();
    ranks.push(exact.max(1));
    ranks
}

/// Measures every kernel of [`kernels`], prints the table, writes the SVGs
/// into `config.dir`, and returns the figures.
///
/// # Errors
///
/// A description of what failed: a filter call, or writing a file.
pub fn report(config: &Config) -> Result<Vec<KernelReport>, String> {
    std::fs::create_dir_all(&config.dir).map_err(|e| format!("{}: {e}", config.dir.display()))?;
    let image = test_image(config.width, config.height);
    let pixels = config.width * config.height;
    let borders = Borders::uniform(Border::Reflect101);
    println!(
        "separability: rank-r separable approximations against direct 2D ({}×{} f32 test image, Reflect101, one thread, backend {})",
        config.width,
        config.height,
        sepconv::best_backend().name()
    );
    println!(
        "  e_r = ‖K − K_r‖/‖K‖ (Frobenius); max|Δ| and PSNR (peak = max|exact|) against the exact f64 2D result; \
         bound = e_r·‖K‖·√(rows·cols)·max|x|"
    );
    println!();
    println!(
        "{:<11} {:>5} {:>4} {:>9} {:>10} {:>10} {:>8} {:>10} {:>9} {:>9} {:>9}",
        "kernel", "size", "r", "e_r", "max|Δ|", "bound", "PSNR dB", "Mpix/s", "vs 2D", "predicted", "MACs/px"
    );

    let mut reports = Vec::new();
    for named in kernels() {
        let k = &named.kernel;
        let d = k.decompose();
        let exact = exact_2d(k, &image);
        let max_abs_input = image.as_slice().iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        let mut out = Image::<f32>::new(config.width, config.height, 1).map_err(|e| e.to_string())?;

        correlate_2d(k, &image.view(), &mut out.view_mut(), borders).map_err(|e| e.to_string())?;
        let direct = accuracy(out.as_slice(), &exact);
        let t = time_median(3, config.budget, || {
            let _ = correlate_2d(k, &image.view(), &mut out.view_mut(), borders);
        });
        let direct_mpix_s = t.mpix_s(pixels);

        let exact_rank = d.rank_within(EXACT).map_err(|e| e.to_string())?;
        let mut ranks = Vec::new();
        for r in ranks_to_measure(exact_rank) {
            let sum = d.approximate(r).map_err(|e| e.to_string())?;
            sum.filter_into(&image.view(), &mut out.view_mut(), borders).map_err(|e| e.to_string())?;
            let acc = accuracy(out.as_slice(), &exact);
            let t = time_median(3, config.budget, || {
                let _ = sum.filter_into(&image.view(), &mut out.view_mut(), borders);
            });
            ranks.push(RankRow {
                rank: r,
                kernel_error: d.relative_error(r),
                accuracy: acc,
                bound: d.output_error_bound(r, max_abs_input),
                mpix_s: t.mpix_s(pixels),
                predicted_speedup: k.multiply_adds() as f64 / sum.multiply_adds() as f64,
            });
        }

        let size = format!("{}×{}", k.rows(), k.cols());
        for row in &ranks {
            println!(
                "{:<11} {:>5} {:>4} {:>9.2e} {:>10.3e} {:>10.3e} {:>8} {:>10.1} {:>8.2}× {:>8.2}× {:>9}",
                named.name,
                size,
                row.rank,
                row.kernel_error,
                row.accuracy.max_abs,
                row.bound,
                psnr(row.accuracy.psnr_db),
                row.mpix_s,
                row.mpix_s / direct_mpix_s,
                row.predicted_speedup,
                row.rank * (k.rows() + k.cols()),
            );
        }
        println!(
            "{:<11} {:>5} {:>4} {:>9} {:>10.3e} {:>10} {:>8} {:>10.1} {:>9} {:>9} {:>9}",
            named.name,
            size,
            "2D",
            "-",
            direct.max_abs,
            "-",
            psnr(direct.psnr_db),
            direct_mpix_s,
            "1.00×",
            "1.00×",
            k.multiply_adds()
        );
        let shown: Vec<String> = d.singular_values().iter().take(6).map(|s| format!("{s:.3e}")).collect();
        println!(
            "{:<11} σ: {}{}  rank within {EXACT:e}: {exact_rank}",
            "",
            shown.join(" "),
            if d.singular_values().len() > 6 { " …" } else { "" }
        );

        let files = write_pictures(&config.dir, &named, &d)?;
        reports.push(KernelReport {
            name: named.name,
            description: named.description.clone(),
            size: (k.rows(), k.cols()),
            singular_values: d.singular_values().to_vec(),
            relative_errors: d.relative_errors(),
            exact_rank,
            direct,
            direct_mpix_s,
            ranks,
            files,
        });
    }
    println!();
    println!(
        "  vs 2D = measured speed over sepconv's direct 2D correlation (AVX2-vectorised where available); \
         predicted = rows·cols / (r·(rows + cols)) multiply-adds"
    );
    let dir = std::fs::canonicalize(&config.dir).unwrap_or_else(|_| config.dir.clone());
    println!("  pictures: {}/<kernel>-{{kernel,factors,approx,spectrum}}.svg", dir.display());
    Ok(reports)
}

fn psnr(db: f64) -> String {
    if db.is_infinite() {
        "inf".into()
    } else {
        format!("{db:.1}")
    }
}

// ---------------------------------------------------------------------------
// Pictures.
// ---------------------------------------------------------------------------

fn write_pictures(dir: &Path, named: &NamedKernel, d: &Decomposition) -> Result<Vec<PathBuf>, String> {
    let approx_ranks: Vec<usize> = [1, 2, 3].into_iter().filter(|&r| r <= d.singular_values().len()).collect();
    let pictures = [
        ("kernel", kernel_svg(named)),
        ("factors", factors_svg(named, d)),
        ("approx", approx_svg(named, d, &approx_ranks)),
        ("spectrum", spectrum_svg(named, d)),
    ];
    let mut files = Vec::new();
    for (what, svg) in pictures {
        let path = dir.join(format!("{}-{what}.svg", named.name));
        std::fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(path);
    }
    Ok(files)
}

/// An SVG document being written.
pub(crate) struct Svg {
    body: String,
    width: f64,
    height: f64,
}

impl Svg {
    pub(crate) fn new(width: f64, height: f64) -> Self {
        Svg { body: String::new(), width, height }
    }

    pub(crate) fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}">{}</text>"#,
            escape(text)
        );
    }

    pub(crate) fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, dash: bool) {
        let dash = if dash { r#" stroke-dasharray="4 3""# } else { "" };
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="1"{dash}/>"#
        );
    }

    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" fill="{fill}" stroke="{stroke}" stroke-width="0.5"/>"#
        );
    }

    pub(crate) fn polyline(&mut self, points: &[(f64, f64)], stroke: &str) {
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="1.5"/>"#,
            pts.join(" ")
        );
        for (x, y) in points {
            let _ = writeln!(self.body, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.2" fill="{stroke}"/>"#);
        }
    }

    /// A heat map of `values` (`rows × cols`) with its top-left corner at
    /// `(x, y)`, `cell` pixels per weight, coloured by `scale`.
    fn heatmap(&mut self, (x, y): (f64, f64), cell: f64, values: &[f64], cols: usize, scale: Scale) {
        for (k, &v) in values.iter().enumerate() {
            let (j, i) = (k / cols, k % cols);
            self.rect(x + i as f64 * cell, y + j as f64 * cell, cell, cell, &scale.color(v), "none");
        }
        let rows = values.len() / cols;
        self.rect(x, y, cols as f64 * cell, rows as f64 * cell, "none", "#444");
    }

    /// A vertical colour bar for `scale` at `(x, y)`, `h` high.
    fn colorbar(&mut self, (x, y): (f64, f64), h: f64, scale: Scale) {
        const STEPS: usize = 32;
        let (lo, hi) = scale.range();
        for s in 0..STEPS {
            let v = hi - (hi - lo) * (s as f64 + 0.5) / STEPS as f64;
            self.rect(x, y + h * s as f64 / STEPS as f64, 12.0, h / STEPS as f64 + 0.3, &scale.color(v), "none");
        }
        self.rect(x, y, 12.0, h, "none", "#444");
        self.text(x + 16.0, y + 8.0, 10.0, "start", &format!("{hi:.3e}"));
        self.text(x + 16.0, y + h, 10.0, "start", &format!("{lo:.3e}"));
    }

    pub(crate) fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A colour map: diverging blue–white–red about 0 for signed values,
/// white to dark blue for non-negative ones.
#[derive(Debug, Clone, Copy)]
enum Scale {
    Diverging { max_abs: f64 },
    Sequential { max: f64 },
}

impl Scale {
    fn for_values(values: &[f64]) -> Scale {
        let max_abs = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let max_abs = if max_abs > 0.0 { max_abs } else { 1.0 };
        if values.iter().all(|&v| v >= 0.0) {
            Scale::Sequential { max: max_abs }
        } else {
            Scale::Diverging { max_abs }
        }
    }

    fn range(self) -> (f64, f64) {
        match self {
            Scale::Diverging { max_abs } => (-max_abs, max_abs),
            Scale::Sequential { max } => (0.0, max),
        }
    }

    fn color(self, v: f64) -> String {
        let mix = |a: [f64; 3], b: [f64; 3], t: f64| {
            let t = t.clamp(0.0, 1.0);
            let c: Vec<u8> = (0..3).map(|i| (a[i] + (b[i] - a[i]) * t).round() as u8).collect();
            format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
        };
        const WHITE: [f64; 3] = [255.0, 255.0, 255.0];
        const RED: [f64; 3] = [178.0, 24.0, 43.0];
        const BLUE: [f64; 3] = [33.0, 102.0, 172.0];
        const NAVY: [f64; 3] = [8.0, 48.0, 107.0];
        match self {
            Scale::Diverging { max_abs } if v >= 0.0 => mix(WHITE, RED, v / max_abs),
            Scale::Diverging { max_abs } => mix(WHITE, BLUE, -v / max_abs),
            Scale::Sequential { max } => mix(WHITE, NAVY, v / max),
        }
    }
}

const COLORS: [&str; 4] = ["#1b7837", "#762a83", "#e08214", "#2166ac"];

/// The 2D kernel as a heat map with a colour bar.
fn kernel_svg(named: &NamedKernel) -> String {
    let k = &named.kernel;
    let cell = (300.0 / k.rows().max(k.cols()) as f64).floor();
    let (w, h) = (cell * k.cols() as f64, cell * k.rows() as f64);
    let mut svg = Svg::new(w + 140.0, h + 70.0);
    svg.text(20.0, 22.0, 14.0, "start", &named.description);
    let scale = Scale::for_values(k.weights());
    svg.heatmap((20.0, 40.0), cell, k.weights(), k.cols(), scale);
    svg.colorbar((w + 35.0, 40.0), h, scale);
    svg.finish()
}

/// Profiles of the leading terms' column and row factors.
fn factors_svg(named: &NamedKernel, d: &Decomposition) -> String {
    let terms = d.singular_values().len().min(3);
    let (pw, ph) = (300.0, 200.0);
    let mut svg = Svg::new(2.0 * pw + 120.0, ph + 110.0);
    svg.text(
        20.0,
        22.0,
        14.0,
        "start",
        &format!("{}: 1D factors of the leading terms (term k = σ_k·u_k ⊗ v_k)", named.name),
    );
    let panels: [(&str, Vec<&[f64]>); 2] = [
        ("column factors √σ·u (vertical)", (0..terms).map(|t| d.term(t).map_or(&[][..], |(c, _)| c)).collect()),
        ("row factors √σ·v (horizontal)", (0..terms).map(|t| d.term(t).map_or(&[][..], |(_, r)| r)).collect()),
    ];
    for (p, (title, series)) in panels.iter().enumerate() {
        let x0 = 50.0 + p as f64 * (pw + 40.0);
        let y0 = 50.0;
        let max = series.iter().flat_map(|s| s.iter()).fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        svg.text(x0 + pw / 2.0, y0 - 8.0, 12.0, "middle", title);
        svg.rect(x0, y0, pw, ph, "none", "#888");
        let zero_y = y0 + ph / 2.0;
        svg.line((x0, zero_y), (x0 + pw, zero_y), "#bbb", true);
        svg.text(x0 - 4.0, y0 + 10.0, 10.0, "end", &format!("{max:.2}"));
        svg.text(x0 - 4.0, zero_y + 4.0, 10.0, "end", "0");
        svg.text(x0 - 4.0, y0 + ph, 10.0, "end", &format!("{:.2}", -max));
        for (t, s) in series.iter().enumerate() {
            let n = s.len().max(2);
            let points: Vec<(f64, f64)> = s
                .iter()
                .enumerate()
                .map(|(i, &v)| (x0 + pw * i as f64 / (n - 1) as f64, zero_y - v / max * (ph / 2.0 - 6.0)))
                .collect();
            svg.polyline(&points, COLORS[t % COLORS.len()]);
        }
        svg.text(x0 + pw / 2.0, y0 + ph + 16.0, 10.0, "middle", "tap index");
    }
    for t in 0..terms {
        let sigma = d.singular_values()[t];
        svg.rect(50.0 + t as f64 * 200.0, ph + 82.0, 12.0, 12.0, COLORS[t % COLORS.len()], "none");
        svg.text(66.0 + t as f64 * 200.0, ph + 92.0, 11.0, "start", &format!("term {} (σ = {sigma:.3e})", t + 1));
    }
    svg.finish()
}

/// For each rank r: the reconstruction K_r and the residual K − K_r (on its
/// own colour scale, so that its shape shows).
fn approx_svg(named: &NamedKernel, d: &Decomposition, ranks: &[usize]) -> String {
    let k = &named.kernel;
    let cell = (180.0 / k.rows().max(k.cols()) as f64).floor().max(2.0);
    let (w, h) = (cell * k.cols() as f64, cell * k.rows() as f64);
    let panel = w + 130.0;
    let mut svg = Svg::new(20.0 + 3.0 * panel, 50.0 + ranks.len() as f64 * (h + 50.0));
    svg.text(20.0, 22.0, 14.0, "start", &format!("{}: rank-r reconstruction K_r and residual K − K_r", named.name));
    for (row, &r) in ranks.iter().enumerate() {
        let y = 50.0 + row as f64 * (h + 50.0);
        let recon = d.reconstruct(r);
        let residual = k.sub(&recon).map(|k| k.weights().to_vec()).unwrap_or_default();
        let original = Scale::for_values(k.weights());
        let panels: [(String, &[f64], Scale); 3] = [
            ("K".into(), k.weights(), original),
            (format!("K_{r}  (e_{r} = {:.2e})", d.relative_error(r)), recon.weights(), original),
            (format!("K − K_{r}"), &residual, Scale::for_values(&residual)),
        ];
        for (p, (title, values, scale)) in panels.iter().enumerate() {
            let x = 20.0 + p as f64 * panel;
            svg.text(x, y + 4.0, 11.0, "start", title);
            svg.heatmap((x, y + 12.0), cell, values, k.cols(), *scale);
            svg.colorbar((x + w + 8.0, y + 12.0), h, *scale);
        }
    }
    svg.finish()
}

/// The singular values (relative to σ₁) and e_r on a log scale.
fn spectrum_svg(named: &NamedKernel, d: &Decomposition) -> String {
    let (pw, ph) = (420.0, 240.0);
    let (x0, y0) = (70.0, 50.0);
    let mut svg = Svg::new(pw + 120.0, ph + 110.0);
    svg.text(20.0, 22.0, 14.0, "start", &format!("{}: singular values σ_k/σ₁ and relative error e_r", named.name));
    const FLOOR: f64 = -17.0;
    let log = |v: f64| if v > 0.0 { v.log10().max(FLOOR) } else { FLOOR };
    let y_of = |l: f64| y0 + ph * (l / FLOOR);
    svg.rect(x0, y0, pw, ph, "none", "#888");
    for e in (FLOOR as i32..=0).rev().step_by(2) {
        let y = y_of(e as f64);
        svg.line((x0, y), (x0 + pw, y), "#eee", false);
        svg.text(x0 - 6.0, y + 4.0, 10.0, "end", &format!("1e{e}"));
    }
    let exact = y_of(EXACT.log10());
    svg.line((x0, exact), (x0 + pw, exact), "#d6604d", true);
    svg.text(x0 + pw - 4.0, exact - 4.0, 10.0, "end", &format!("EXACT = {EXACT:e}"));
    let s = d.singular_values();
    let n = s.len();
    let x_of = |k: usize| x0 + pw * (k as f64 + 0.5) / n as f64;
    let first = s.first().copied().unwrap_or(0.0);
    let sigma: Vec<(f64, f64)> =
        s.iter().enumerate().map(|(k, &v)| (x_of(k), y_of(log(if first > 0.0 { v / first } else { 0.0 })))).collect();
    // e_r plotted at r (the error after keeping r terms), r = 1..n.
    let errors: Vec<(f64, f64)> = (1..=n).map(|r| (x_of(r - 1), y_of(log(d.relative_error(r))))).collect();
    svg.polyline(&sigma, COLORS[3]);
    svg.polyline(&errors, COLORS[2]);
    for k in 0..n {
        svg.text(x_of(k), y0 + ph + 14.0, 10.0, "middle", &format!("{}", k + 1));
    }
    svg.text(x0 + pw / 2.0, y0 + ph + 30.0, 11.0, "middle", "k (singular value) / r (terms kept)");
    svg.rect(x0, y0 + ph + 44.0, 12.0, 12.0, COLORS[3], "none");
    svg.text(x0 + 16.0, y0 + ph + 54.0, 11.0, "start", "σ_k / σ₁");
    svg.rect(x0 + 120.0, y0 + ph + 44.0, 12.0, 12.0, COLORS[2], "none");
    svg.text(x0 + 136.0, y0 + ph + 54.0, 11.0, "start", "e_r = ‖K − K_r‖/‖K‖ (0 shown at 1e-17)");
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn accuracy_and_ranks() {
        let a = accuracy(&[1.0, 2.0], &[1.0, 2.0]);
        assert_eq!((a.max_abs, a.psnr_db), (0.0, f64::INFINITY));
        // Peak 2, MSE 0.5·(0.5² + 0) = 0.125: 10·log10(4/0.125) = 10·log10(32).
        let a = accuracy(&[1.5, 2.0], &[1.0, 2.0]);
        assert_eq!(a.max_abs, 0.5);
        assert!((a.psnr_db - 10.0 * 32f64.log10()).abs() < 1e-12);
        assert_eq!(ranks_to_measure(1), [1]);
        assert_eq!(ranks_to_measure(2), [1, 2]);
        assert_eq!(ranks_to_measure(15), [1, 2, 3, 4, 6, 8, 11, 15]);
    }

    #[test]
    fn report_writes_table_figures_and_svgs() {
        let dir = std::env::temp_dir().join(format!("sepconv-separability-{}", std::process::id()));
        let config = Config { dir: dir.clone(), width: 48, height: 40, budget: Duration::from_millis(1) };
        let reports = report(&config).unwrap();
        assert_eq!(reports.len(), 6);
        for r in &reports {
            assert_eq!(r.files.len(), 4);
            for f in &r.files {
                let svg = std::fs::read_to_string(f).unwrap();
                assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{}", f.display());
            }
            // The last rank measured is exact: f32 rounding only.
            let last = r.ranks.last().unwrap();
            assert_eq!(last.rank, r.exact_rank);
            assert!(last.accuracy.psnr_db > 100.0, "{}: {:?}", r.name, last.accuracy);
            // Every measured error respects the SVD's bound plus the f32
            // rounding of r separable filters and their sum:
            // ((rows + cols + 2) + r)·u·Σ_k Σ|c_k|·Σ|r_k|·max|x|.
            let d = kernels().into_iter().find(|k| k.name == r.name).unwrap().kernel.decompose();
            for row in &r.ranks {
                let sum = d.approximate(row.rank).unwrap();
                let l1 = |v: &[f32]| v.iter().map(|w| w.abs() as f64).sum::<f64>();
                let terms: f64 = sum.terms().iter().map(|(c, w)| l1(c) * l1(w)).sum();
                let rounding =
                    ((r.size.0 + r.size.1 + 2 + row.rank) as f64) * f32::EPSILON as f64 / 2.0 * terms * 255.0;
                assert!(row.accuracy.max_abs <= row.bound + rounding, "{} rank {}: {:?}", r.name, row.rank, row);
            }
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
