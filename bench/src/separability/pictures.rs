//! The separability report's SVG pictures of each kernel: heat map, 1D factors, rank-r reconstructions, spectrum.

use std::path::{Path, PathBuf};

use sepconv::kernel2d::{Decomposition, EXACT};

use super::NamedKernel;
use crate::plot::{self, Scale, Svg};

/// Writes the four pictures of `named` into `dir` and returns their paths.
pub(super) fn write_pictures(dir: &Path, named: &NamedKernel, d: &Decomposition) -> Result<Vec<PathBuf>, String> {
    let approx_ranks: Vec<usize> = [1, 2, 3].into_iter().filter(|&r| r <= d.singular_values().len()).collect();
    let pictures = [
        ("kernel", kernel_svg(named)),
        ("factors", factors_svg(named, d)),
        ("approx", approx_svg(named, d, &approx_ranks)),
        ("spectrum", spectrum_svg(named, d)),
    ];
    pictures.iter().map(|(what, svg)| plot::save(dir, &format!("{}-{what}.svg", named.name), svg)).collect()
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
