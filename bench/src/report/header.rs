//! The report's opening: what ran where (CPU, backends, threads), as text lines or as the Markdown page's header.

use sepconv::available_backends;

use super::cli::Options;
use super::peers;
use crate::document::{Block, Column, Table};
use crate::machine::{git_commit, rustc_version, utc_now};
use crate::{cpu_model, load_average};

/// The run's circumstances, taken at its start.
pub(super) struct Header {
    pub(super) cpu: String,
    threads_available: usize,
    backend: &'static str,
    available: Vec<&'static str>,
    simd_2d: &'static str,
    threads: usize,
    pub(super) load_before: String,
    date: String,
}

impl Header {
    pub(super) fn new(opts: &Options) -> Header {
        Header {
            cpu: cpu_model(),
            threads_available: std::thread::available_parallelism().map_or(1, |n| n.get()),
            backend: opts.backend.name(),
            available: available_backends().iter().map(|b| b.name()).collect(),
            simd_2d: sepconv::best_backend().name(),
            threads: opts.threads_requested,
            load_before: load_average(),
            date: utc_now(),
        }
    }

    fn legend() -> Block {
        Block::Line(
            "Mpix/s = megapixels per second, median of timed repetitions after one warm-up; memcpy copies the \
             image's bytes; 'sepconv is' = sepconv's Mpix/s / the system's"
                .to_string(),
        )
    }

    /// The text report's first lines.
    pub(super) fn text(&self) -> Vec<Block> {
        vec![
            Block::Line("sepconv throughput report (cargo run --release -p sepconv-bench --bin report)".to_string()),
            Block::Line(format!("CPU: {} ({} threads available)", self.cpu, self.threads_available)),
            Block::Line(format!(
                "sepconv backend: {} (this CPU runs: {}); SIMD 2D: {}; sepconv threads: {} (row bands; baselines 1); \
                 borders Reflect101; Gaussian kernels, OpenCV default σ",
                self.backend,
                self.available.join(", "),
                self.simd_2d,
                self.threads
            )),
            Block::Line(format!("system load (1, 5, 15 min) at the start: {}", self.load_before)),
            Self::legend(),
            Block::Blank,
        ]
    }

    /// The Markdown page's header: the command that regenerates it, then
    /// the machine, the build and the run (`load_after` taken at its end).
    pub(super) fn markdown(&self, opts: &Options, load_after: &str, seconds: f64) -> Vec<Block> {
        let arch = std::env::consts::ARCH;
        let features = if cfg!(feature = "peers") { " --features peers" } else { "" };
        let args: Vec<String> = opts.args.iter().map(|a| shell_word(a)).collect();
        let command = format!(
            "cargo run --release -p sepconv-bench{features} --bin report -- {} > docs/benchmarks-{arch}.md",
            args.join(" ")
        );
        let mut t = Table::new("", vec![Column::left("", 0), Column::left("", 0)]);
        for (what, value) in [
            ("CPU", format!("{} ({} threads available)", self.cpu, self.threads_available)),
            ("sepconv backend", format!("{} (this CPU runs: {})", self.backend, self.available.join(", "))),
            ("sepconv threads", format!("{} (row bands; the baselines run on 1)", self.threads)),
            ("SIMD 2D baseline", self.simd_2d.to_string()),
            ("peers", peers::BUILT.to_string()),
            ("rustc", rustc_version().to_string()),
            ("git commit", git_commit()),
            ("date", self.date.clone()),
            ("system load (1, 5, 15 min) at the start", self.load_before.clone()),
            ("system load at the end", load_after.to_string()),
            ("total time", format!("{seconds:.1} s")),
        ] {
            t.row(vec![what.to_string(), value]);
        }
        vec![
            Block::Heading(1, format!("sepconv benchmarks ({arch})")),
            Block::Line(
                "Written by the throughput report (`bench/src/report/`); machines are shared and noisy, so compare \
                 the ratios within this page, not absolute figures across pages. Regenerate it with:"
                    .to_string(),
            ),
            Block::Code(command),
            Block::Table(t),
            Block::Line(
                "Borders Reflect101; Gaussian kernels with OpenCV's default σ; one thread unless stated.".to_string(),
            ),
            Self::legend(),
        ]
    }
}

/// `word` as a shell word: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
