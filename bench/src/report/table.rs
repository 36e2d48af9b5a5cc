//! The workload tables as blocks (one table per workload, and the summary) and as JSON lines.

use super::peers;
use super::workloads::{Figure, Measured};
use crate::document::{Block, Column, Table};
use crate::SampleType;

pub(super) fn json_line(m: &Measured, f: &Figure) -> String {
    format!(
        "{{\"workload\": \"{}\", \"system\": \"{}\", \"mpix_s\": {:.1}, \"threads\": {}, \"backend\": \"{}\"}}",
        m.workload.name, f.system, f.mpix_s, f.threads, f.backend
    )
}

/// `v` with `unit` after it, or `-` where it is not a number.
fn or_dash(v: f64, precision: usize, unit: &str) -> String {
    if v.is_nan() {
        "-".to_string()
    } else {
        format!("{v:.precision$}{unit}")
    }
}

/// The table of one workload: every system, Mpix/s, sepconv's speed against
/// it, its share of memcpy.
pub(super) fn workload_table(m: &Measured) -> Vec<Block> {
    let w = m.workload;
    let sep = m.mpix_s("sepconv").unwrap_or(f64::NAN);
    let copy = m.mpix_s("memcpy").unwrap_or(f64::NAN);
    let sigma = if w.taps <= 9 { "table".to_string() } else { format!("{:.2}", w.sigma()) };
    let kind = match w.sample {
        SampleType::F32 => "f32",
        SampleType::U8 => "u8",
        SampleType::U16 => "u16",
    };
    let title =
        format!("{} — {}×{}×{} {kind}, {} taps (σ {sigma}), Reflect101", w.name, w.width, w.height, w.channels, w.taps);
    let mut t = Table::new(
        "  ",
        vec![
            Column::left("system", 14),
            Column::left("backend/function", 17),
            Column::right("Mpix/s", 9),
            Column::right("sepconv is", 12),
            Column::right("% memcpy", 9),
            Column::left("timed on", 22).apart(),
            Column::left("answer (max |Δ|)", 0),
        ],
    );
    for f in &m.figures {
        t.row(vec![
            f.system.to_string(),
            f.backend.to_string(),
            format!("{:.1}", f.mpix_s),
            format!("{:.2}×", sep / f.mpix_s),
            format!("{:.1}%", 100.0 * f.mpix_s / copy),
            f.timed_on.clone(),
            f.check.clone(),
        ]);
    }
    for note in &m.notes {
        t.note(format!("  note: {note}"));
    }
    vec![Block::Heading(3, title), Block::Table(t), Block::Blank]
}

/// One line per workload: sepconv and its ratios; with peers, sepconv's
/// share of the issues' target, twice the fastest peer of the run.
pub(super) fn summary(measured: &[Measured], load_average: &str) -> Vec<Block> {
    let peer_names: Vec<&str> = peers::NAMES.to_vec();
    let mut columns = vec![
        Column::left("workload", 14),
        Column::right("taps", 4),
        Column::right("sepconv", 9),
        Column::right("×naive2d", 9).apart(),
        Column::right("×SIMD2d", 9),
        Column::right("%memcpy", 8),
    ];
    columns.extend(peer_names.iter().map(|p| Column::right(&format!("×{p}"), 11)));
    if !peer_names.is_empty() {
        columns.push(Column::right("%(2×best)", 13));
    }
    let mut t = Table::new("", columns);
    for m in measured {
        let sep = m.mpix_s("sepconv").unwrap_or(f64::NAN);
        let ratio = |system: &str| m.mpix_s(system).map_or(f64::NAN, |v| sep / v);
        let mut cells = vec![
            m.workload.name.to_string(),
            m.workload.taps.to_string(),
            format!("{sep:.1}"),
            format!("{:.1}×", ratio("naive-2d")),
            format!("{:.2}×", ratio("direct2d-simd")),
            format!("{:.1}%", 100.0 * sep / m.mpix_s("memcpy").unwrap_or(f64::NAN)),
        ];
        cells.extend(peer_names.iter().map(|p| or_dash(ratio(p), 2, "×")));
        if !peer_names.is_empty() {
            let best = peer_names.iter().filter_map(|p| m.mpix_s(p)).filter(|v| v.is_finite()).fold(f64::NAN, f64::max);
            cells.push(or_dash(100.0 * sep / (2.0 * best), 0, "%"));
        }
        t.row(cells);
    }
    let mut blocks = vec![
        Block::Heading(
            3,
            format!(
                "Summary (sepconv Mpix/s and how many times faster than each system; system load now {load_average}):"
            ),
        ),
        Block::Table(t),
    ];
    if !peer_names.is_empty() {
        blocks.push(Block::Line(
            "%(2×best): sepconv's speed as a share of twice the fastest peer in this run (the goal; 100% = met)"
                .to_string(),
        ));
    }
    blocks
}
