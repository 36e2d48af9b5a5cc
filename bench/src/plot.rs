//! Line charts for the report (hand-written SVG, like the separability
//! pictures): throughput against kernel size, against threads, against
//! image size.

use crate::separability::Svg;

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
