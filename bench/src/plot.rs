//! The bench crate's one SVG writer: documents, colour scales, heat maps, line charts, and where the files go.
//!
//! Hand-written SVG: `Svg`'s primitives draw the separability pictures
//! (heat maps on `Scale`s) and every [`Chart`] of the report (throughput
//! against kernel size, threads and image size); [`save`] writes either
//! into [`output_dir`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `target/report/` of the workspace (or `$CARGO_TARGET_DIR/report`): where
/// the report and the separability pictures write their SVG files.
pub fn output_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    target.join("report")
}

/// Writes the SVG document `svg` to `dir/name` (creating `dir`), and returns its path.
///
/// # Errors
///
/// The path and the I/O error.
pub fn save(dir: &Path, name: &str, svg: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
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
    pub(crate) fn heatmap(&mut self, (x, y): (f64, f64), cell: f64, values: &[f64], cols: usize, scale: Scale) {
        for (k, &v) in values.iter().enumerate() {
            let (j, i) = (k / cols, k % cols);
            self.rect(x + i as f64 * cell, y + j as f64 * cell, cell, cell, &scale.color(v), "none");
        }
        let rows = values.len() / cols;
        self.rect(x, y, cols as f64 * cell, rows as f64 * cell, "none", "#444");
    }

    /// A vertical colour bar for `scale` at `(x, y)`, `h` high.
    pub(crate) fn colorbar(&mut self, (x, y): (f64, f64), h: f64, scale: Scale) {
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
pub(crate) enum Scale {
    Diverging { max_abs: f64 },
    Sequential { max: f64 },
}

impl Scale {
    pub(crate) fn for_values(values: &[f64]) -> Scale {
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

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// The legend.
    pub name: String,
    /// The line colour (SVG).
    pub color: &'static str,
    /// The points `(x, y)`; points with a non-positive or non-finite `y`
    /// are left out.
    pub points: Vec<(f64, f64)>,
    /// Dashed (for guides such as ideal scaling).
    pub dashed: bool,
}

/// Colours for successive series.
pub const PALETTE: [&str; 6] = ["#2166ac", "#b2182b", "#1b7837", "#e08214", "#762a83", "#555555"];

/// A chart: axes, grid, one polyline per series, a legend.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The title line.
    pub title: String,
    /// A second line under the title (command, machine).
    pub subtitle: String,
    /// The x axis label.
    pub x_label: String,
    /// The y axis label.
    pub y_label: String,
    /// Logarithmic y axis (decades).
    pub log_y: bool,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// The x values to label (the measured ones).
    pub x_ticks: Vec<f64>,
    /// The lines.
    pub series: Vec<Series>,
    /// Vertical markers `(x, label)` (a crossover, a threshold).
    pub markers: Vec<(f64, String)>,
}

impl Chart {
    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        let (pw, ph) = (640.0, 360.0);
        let (x0, y0) = (80.0, 64.0);
        let legend_rows = self.series.len().div_ceil(3) as f64;
        let mut svg = Svg::new(pw + 120.0, ph + 110.0 + 18.0 * legend_rows);
        svg.text(20.0, 22.0, 14.0, "start", &self.title);
        svg.text(20.0, 40.0, 10.0, "start", &self.subtitle);
        let points = self.series.iter().flat_map(|s| s.points.iter()).filter(|p| p.1 > 0.0 && p.1.is_finite());
        let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in points {
            (xmin, xmax, ymin, ymax) = (xmin.min(x), xmax.max(x), ymin.min(y), ymax.max(y));
        }
        for &x in &self.x_ticks {
            (xmin, xmax) = (xmin.min(x), xmax.max(x));
        }
        if xmin > xmax {
            return svg.finish();
        }
        let tx = |x: f64| if self.log_x { x.max(1e-300).log10() } else { x };
        let ty = |y: f64| if self.log_y { y.max(1e-300).log10() } else { y };
        let (ylo, yhi) = if self.log_y {
            (ty(ymin).floor(), ty(ymax).ceil().max(ty(ymin).floor() + 1.0))
        } else {
            (0.0, ymax * 1.1)
        };
        let (xlo, xhi) = (tx(xmin), tx(xmax).max(tx(xmin) + 1e-9));
        let px = |x: f64| x0 + (tx(x) - xlo) / (xhi - xlo) * pw;
        let py = |y: f64| y0 + ph - (ty(y) - ylo) / (yhi - ylo) * ph;
        svg.rect(x0, y0, pw, ph, "none", "#888");
        // Horizontal grid: decades (log) or five steps.
        let steps: Vec<f64> = if self.log_y {
            (ylo as i32..=yhi as i32).map(|e| 10f64.powi(e)).collect()
        } else {
            (0..=5).map(|k| yhi * k as f64 / 5.0).collect()
        };
        for v in steps {
            let y = py(v);
            svg.line((x0, y), (x0 + pw, y), "#e4e4e4", false);
            svg.text(x0 - 6.0, y + 4.0, 10.0, "end", &format_value(v));
        }
        for &x in &self.x_ticks {
            svg.line((px(x), y0 + ph), (px(x), y0 + ph + 4.0), "#888", false);
            svg.text(px(x), y0 + ph + 16.0, 10.0, "middle", &format_value(x));
        }
        svg.text(x0 + pw / 2.0, y0 + ph + 34.0, 11.0, "middle", &self.x_label);
        svg.text(12.0, y0 - 10.0, 11.0, "start", &self.y_label);
        for (x, label) in &self.markers {
            svg.line((px(*x), y0), (px(*x), y0 + ph), "#999", true);
            svg.text(px(*x) + 4.0, y0 + 12.0, 10.0, "start", label);
        }
        for s in &self.series {
            let pts: Vec<(f64, f64)> =
                s.points.iter().filter(|p| p.1 > 0.0 && p.1.is_finite()).map(|&(x, y)| (px(x), py(y))).collect();
            if s.dashed {
                for w in pts.windows(2) {
                    svg.line(w[0], w[1], s.color, true);
                }
            } else {
                svg.polyline(&pts, s.color);
            }
        }
        for (k, s) in self.series.iter().enumerate() {
            let (lx, ly) = (x0 + (k % 3) as f64 * 220.0, y0 + ph + 50.0 + (k / 3) as f64 * 18.0);
            svg.rect(lx, ly, 12.0, 12.0, s.color, "none");
            svg.text(lx + 16.0, ly + 10.0, 11.0, "start", &s.name);
        }
        svg.finish()
    }
}

/// `1500` → `1500`, `262144` → `262144`, `0.25` → `0.25`, `2e7` → `2e7`.
fn format_value(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else if v.abs() >= 1e7 || v.abs() < 1e-2 {
        format!("{v:.0e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
