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
//! SVD                  σ_k, e_r = ‖K − K_r‖_F / ‖K‖_F, the rank within sepconv::kernel2d::EXACT
//! exact 2D result      f64 direct correlation of the test image (Reflect101), the test kit's Oracle::direct
//! for r in 1, 2, 3, 4, 6, 8, … up to that rank:
//!     out_r            SeparableSum of r terms (sepconv Plans, best backend), f32
//!     max|Δ|, PSNR     against the exact result; PSNR = 10·log10(peak² / MSE), peak = max|exact|
//!     bound            e_r·‖K‖_F·√(rows·cols)·max|x| (the SVD's guarantee, f32 rounding aside)
//!     Mpix/s           median of a few repetitions, one thread
//! direct 2D            sepconv::kernel2d::correlate_2d, the same measures
//! ```
//!
//! The test image is synthetic and deterministic (512 × 512 by default): a
//! zone plate, blocks with sharp edges and a little noise, values in
//! `0..=255`, so that smooth areas, edges and fine texture all show.
//!
//! The pictures (`<kernel>-kernel.svg`, `-factors.svg`, `-approx.svg`,
//! `-spectrum.svg`, drawn in `pictures` with [`crate::plot`]'s SVG writer):
//! the 2D kernel as a heat map, the 1D factors' profiles of the leading
//! terms, the rank-r reconstructions and their residuals, and the singular
//! value spectrum with `e_r`.
//!
//! Here: [`Config`], [`report`] and what it returns; `kernels` the kernels,
//! `exact` the test image, the exact result and [`accuracy`].

use std::path::PathBuf;
use std::time::Duration;

use sepconv::kernel2d::{correlate_2d, EXACT};
use sepconv::{Border, Borders, Image};

use crate::document::{self, Block, Column, Table};
use crate::{plot, time_median};

mod exact;
mod kernels;
mod pictures;

pub use exact::{accuracy, exact_2d, test_image, Accuracy};
pub use kernels::{bokeh_kernel, kernels, log_kernel, random_kernel, NamedKernel};

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
        Config { dir: plot::output_dir(), width: 512, height: 512, budget: Duration::from_millis(150) }
    }
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

/// Measures every kernel of [`kernels`], prints the table ([`blocks`] as
/// text), writes the SVGs into `config.dir`, and returns the figures.
///
/// # Errors
///
/// A description of what failed: a filter call, or writing a file.
pub fn report(config: &Config) -> Result<Vec<KernelReport>, String> {
    let reports = measure(config, &mut |_| {})?;
    print!("{}", document::text(&blocks(config, &reports)));
    Ok(reports)
}

/// Measures every kernel of [`kernels`] and writes its SVGs into
/// `config.dir`; `progress` hears of each kernel before it is measured.
///
/// # Errors
///
/// A description of what failed: a filter call, or writing a file.
pub fn measure(config: &Config, progress: &mut dyn FnMut(&str)) -> Result<Vec<KernelReport>, String> {
    std::fs::create_dir_all(&config.dir).map_err(|e| format!("{}: {e}", config.dir.display()))?;
    let image = test_image(config.width, config.height);
    let pixels = config.width * config.height;
    let borders = Borders::uniform(Border::Reflect101);
    let mut reports = Vec::new();
    for named in kernels() {
        progress(&format!("separability: {}", named.name));
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

        let files = pictures::write_pictures(&config.dir, &named, &d)?;
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
    Ok(reports)
}

/// The table of `reports` (measured with `config`), with what its columns mean.
pub fn blocks(config: &Config, reports: &[KernelReport]) -> Vec<Block> {
    let mut t = Table::new(
        "",
        vec![
            Column::left("kernel", 11),
            Column::right("size", 5),
            Column::right("r", 4),
            Column::right("e_r", 9),
            Column::right("max|Δ|", 10),
            Column::right("bound", 10),
            Column::right("PSNR dB", 8),
            Column::right("Mpix/s", 10),
            Column::right("vs 2D", 9),
            Column::right("predicted", 9),
            Column::right("MACs/px", 9),
        ],
    );
    for k in reports {
        let size = format!("{}×{}", k.size.0, k.size.1);
        for row in &k.ranks {
            t.row(vec![
                k.name.to_string(),
                size.clone(),
                row.rank.to_string(),
                format!("{:.2e}", row.kernel_error),
                format!("{:.3e}", row.accuracy.max_abs),
                format!("{:.3e}", row.bound),
                psnr(row.accuracy.psnr_db),
                format!("{:.1}", row.mpix_s),
                format!("{:.2}×", row.mpix_s / k.direct_mpix_s),
                format!("{:.2}×", row.predicted_speedup),
                (row.rank * (k.size.0 + k.size.1)).to_string(),
            ]);
        }
        t.row(vec![
            k.name.to_string(),
            size,
            "2D".into(),
            "-".into(),
            format!("{:.3e}", k.direct.max_abs),
            "-".into(),
            psnr(k.direct.psnr_db),
            format!("{:.1}", k.direct_mpix_s),
            "1.00×".into(),
            "1.00×".into(),
            (k.size.0 * k.size.1).to_string(),
        ]);
        let shown: Vec<String> = k.singular_values.iter().take(6).map(|s| format!("{s:.3e}")).collect();
        let more = if k.singular_values.len() > 6 { " …" } else { "" };
        let rank = format!("rank within {EXACT:e}: {}", k.exact_rank);
        t.note_as(
            format!("{:<11} σ: {}{more}  {rank}", "", shown.join(" ")),
            format!("{}: σ {}{more}; {rank}", k.name, shown.join(" ")),
        );
    }
    let dir = std::fs::canonicalize(&config.dir).unwrap_or_else(|_| config.dir.clone());
    vec![
        Block::Heading(
            3,
            format!(
                "separability: rank-r separable approximations against direct 2D ({}×{} f32 test image, Reflect101, \
                 one thread, backend {})",
                config.width,
                config.height,
                sepconv::best_backend().name()
            ),
        ),
        Block::Line(
            "  e_r = ‖K − K_r‖/‖K‖ (Frobenius); max|Δ| and PSNR (peak = max|exact|) against the exact f64 2D result; \
             bound = e_r·‖K‖·√(rows·cols)·max|x|"
                .into(),
        ),
        Block::Blank,
        Block::Table(t),
        Block::Blank,
        Block::Line(
            "  vs 2D = measured speed over sepconv's direct 2D correlation (AVX2-vectorised where available); \
             predicted = rows·cols / (r·(rows + cols)) multiply-adds"
                .into(),
        ),
        Block::Line(format!("  pictures: {}/<kernel>-{{kernel,factors,approx,spectrum}}.svg", dir.display())),
    ]
}

fn psnr(db: f64) -> String {
    if db.is_infinite() {
        "inf".into()
    } else {
        format!("{db:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_to_measure_up_to_the_exact_rank() {
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
