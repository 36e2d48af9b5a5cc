//! The workload tables as text and JSON lines: one table per workload, and the summary.

use std::fmt::Write as _;

use super::peers;
use super::workloads::{Figure, Measured};
use crate::SampleType;

pub(super) fn json_line(m: &Measured, f: &Figure) -> String {
    format!(
        "{{\"workload\": \"{}\", \"system\": \"{}\", \"mpix_s\": {:.1}, \"threads\": {}, \"backend\": \"{}\"}}",
        m.workload.name, f.system, f.mpix_s, f.threads, f.backend
    )
}

/// The table of one workload: every system, Mpix/s, sepconv's speed against
/// it, its share of memcpy.
pub(super) fn workload_table(m: &Measured) -> String {
    let w = m.workload;
    let sep = m.mpix_s("sepconv").unwrap_or(f64::NAN);
    let copy = m.mpix_s("memcpy").unwrap_or(f64::NAN);
    let sigma = if w.taps <= 9 { "table".to_string() } else { format!("{:.2}", w.sigma()) };
    let kind = match w.sample {
        SampleType::F32 => "f32",
        SampleType::U8 => "u8",
    };
    let mut t = format!(
        "{} — {}×{}×{} {kind}, {} taps (σ {sigma}), Reflect101\n",
        w.name, w.width, w.height, w.channels, w.taps
    );
    let _ = writeln!(
        t,
        "  {:<14} {:<17} {:>9} {:>12} {:>9}  {:<22} answer (max |Δ|)",
        "system", "backend/function", "Mpix/s", "sepconv is", "% memcpy", "timed on"
    );
    for f in &m.figures {
        let _ = writeln!(
            t,
            "  {:<14} {:<17} {:>9.1} {:>11.2}× {:>8.1}%  {:<22} {}",
            f.system,
            f.backend,
            f.mpix_s,
            sep / f.mpix_s,
            100.0 * f.mpix_s / copy,
            f.timed_on,
            f.check
        );
    }
    for note in &m.notes {
        let _ = writeln!(t, "  note: {note}");
    }
    t
}

/// One line per workload: sepconv and its ratios; with peers, sepconv's
/// share of the issues' target, twice the fastest peer of the run.
pub(super) fn summary(measured: &[Measured]) -> String {
    let peer_names: Vec<&str> = peers::NAMES.to_vec();
    let mut s = format!(
        "{:<14} {:>4} {:>9}  {:>9} {:>9} {:>8}",
        "workload", "taps", "sepconv", "×naive2d", "×SIMD2d", "%memcpy"
    );
    for p in &peer_names {
        let _ = write!(s, " {:>11}", format!("×{p}"));
    }
    if !peer_names.is_empty() {
        let _ = write!(s, " {:>13}", "%(2×best)");
    }
    s.push('\n');
    for m in measured {
        let sep = m.mpix_s("sepconv").unwrap_or(f64::NAN);
        let ratio = |system: &str| m.mpix_s(system).map_or(f64::NAN, |v| sep / v);
        let _ = write!(
            s,
            "{:<14} {:>4} {:>9.1}  {:>8.1}× {:>8.2}× {:>7.1}%",
            m.workload.name,
            m.workload.taps,
            sep,
            ratio("naive-2d"),
            ratio("direct2d-simd"),
            100.0 * sep / m.mpix_s("memcpy").unwrap_or(f64::NAN)
        );
        for p in &peer_names {
            let r = ratio(p);
            if r.is_nan() {
                let _ = write!(s, " {:>11}", "-");
            } else {
                let _ = write!(s, " {:>10.2}×", r);
            }
        }
        let best = peer_names.iter().filter_map(|p| m.mpix_s(p)).filter(|v| v.is_finite()).fold(f64::NAN, f64::max);
        if !peer_names.is_empty() {
            if best.is_nan() {
                let _ = write!(s, " {:>13}", "-");
            } else {
                let _ = write!(s, " {:>12.0}%", 100.0 * sep / (2.0 * best));
            }
        }
        s.push('\n');
    }
    if !peer_names.is_empty() {
        s.push_str(
            "%(2×best): sepconv's speed as a share of twice the fastest peer in this run (the goal; 100% = met)\n",
        );
    }
    s
}
