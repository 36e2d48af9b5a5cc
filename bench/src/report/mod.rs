//! The throughput report: `cargo run --release -p sepconv-bench --bin report`
//! (`src/bin/report.rs` parses the command line and calls [`run`]).
//!
//! 1. For each workload of DESIGN.md: Mpix/s of sepconv (one backend, one
//!    thread unless `--threads`), of the SIMD 2D baseline (direct `K×K`,
//!    vectorised) and the naive scalar 2D filter (both timed on a band of
//!    rows: the whole image would take seconds to minutes), of memcpy of the
//!    same bytes, and with `--features peers` of libblur and imageproc, with
//!    the ratios. Each figure is the median of several timed repetitions
//!    after one warm-up. Before any timing, sepconv's and the SIMD 2D
//!    filter's outputs are checked against the naive 2D result (a mismatch
//!    aborts the report); the peers' against sepconv's (reported).
//! 2. The kernel-size sweep (3…63 taps on a 1080p image): separable against
//!    SIMD 2D against naive 2D, the crossover, `sweep-*.svg`.
//! 3. The box-filter sweep (`n×n` boxes, 3…255, on 1080p f32 and u8): the
//!    FIR engine (`n` taps of `1/n`) against running sums (`BoxFilter`)
//!    against the one-call `box_blur` (and libblur's box blur), each checked
//!    against the running sums first; where running sums overtake FIR
//!    against the facade's `BOX_RUNNING_SUMS`, `box-*.svg`. Also with
//!    `--workload`.
//! 4. Threads: 1, 2, … cores on f32-4k-15 and u8-4k-15 (`threads.svg`), and
//!    the 1-against-2-thread crossover over image sizes that justifies
//!    `PARALLEL_MIN_PIXELS` (`threads-crossover.svg`), with the system load.
//! 5. The depthwise-separable section (`crate::depthwise`), also with
//!    `--workload`.
//! 6. The separability section (`crate::separability`).
//!
//! Sections 2, 4 and 6 run when no `--workload` and no `--json` is given;
//! 3 and 5 unless `--json` (each has its `--no-…` flag).
//! Progress goes to stderr, the report to stdout; the SVGs to
//! `target/report/`.
//!
//! Each section is measured once into its own data, which becomes
//! [`Block`]s once; they are printed as text as each section ends, or
//! kept for one Markdown page (`--markdown`) under a header written last
//! (it quotes the system load at the end). `--json` prints the workload
//! figures alone, one JSON object per line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::document::{self, Block};
use crate::plot::{self, Chart};
use crate::{load_average, SampleType, SWEEP_IMAGES};

mod box_sweep;
mod cli;
mod header;
mod peers;
mod sweep;
mod table;
mod threads;
mod workloads;

use box_sweep::box_sweep;
use cli::BAND_TIME;
pub use cli::{Options, USAGE};
use header::Header;
use sweep::sweep;
use table::{json_line, summary, workload_table};
use threads::scaling;
use workloads::measure;

/// Progress on stderr, with the time since the start.
fn progress(started: Instant, what: &str) {
    eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

/// Writes `chart` as `name` into `target/report/` (or
/// `$CARGO_TARGET_DIR/report`); its path.
fn write_svg(name: &str, chart: &Chart) -> Result<PathBuf, String> {
    plot::save(&plot::output_dir(), name, &chart.svg())
}

/// Where the blocks go: printed as text at once, or kept for the Markdown page.
struct Output {
    markdown: bool,
    kept: Vec<Block>,
}

impl Output {
    fn emit(&mut self, blocks: Vec<Block>) {
        if self.markdown {
            self.kept.extend(blocks);
        } else {
            print!("{}", document::text(&blocks));
        }
    }

    /// A section's title: a `##` heading of the Markdown page, nothing in text.
    fn section(&mut self, title: &str) {
        self.emit(vec![Block::MarkdownHeading(2, title.to_string())]);
    }
}

/// Measures and prints what `opts` asks for; the exit code of the report
/// (a failure, with its reason on stderr, if an answer is wrong or a file
/// cannot be written).
pub fn run(opts: &Options) -> ExitCode {
    match report(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

fn report(opts: &Options) -> Result<(), String> {
    let started = Instant::now();
    let header = Header::new(opts);
    let mut out = Output { markdown: opts.markdown, kept: Vec::new() };
    if !opts.json && !opts.markdown {
        out.emit(header.text());
    }

    out.section("Workloads");
    let mut all = Vec::new();
    for &w in &opts.workloads {
        let measured = match w.sample {
            SampleType::F32 => measure::<f32>(w, opts, started),
            SampleType::U8 => measure::<u8>(w, opts, started),
            SampleType::U16 => measure::<u16>(w, opts, started),
        };
        let m = measured.map_err(|msg| {
            format!(
                "\n!!! WRONG ANSWER — report aborted before timing: {msg}\n!!! backend {}, CPU {}",
                opts.backend.name(),
                header.cpu
            )
        })?;
        if opts.json {
            for f in &m.figures {
                println!("{}", json_line(&m, f));
            }
            for note in &m.notes {
                eprintln!("note: {}: {note}", w.name);
            }
        } else {
            out.emit(workload_table(&m));
        }
        all.push(m);
    }
    if opts.json {
        return Ok(());
    }

    out.emit(summary(&all, &load_average()));
    out.emit(vec![
        Block::Blank,
        Block::Line(format!(
            "* SIMD 2D (direct K×K, AVX2+FMA or portable, 64 outputs in flight) and naive 2D (scalar, one accumulator) \
             are timed on a band of rows in the middle of the image (~{} ms a repetition) when the whole image would \
             take longer; sepconv and the SIMD 2D filter were checked against naive 2D on the top, middle and bottom \
             rows (all columns) before timing.",
            BAND_TIME.as_millis()
        )),
        Block::Line(peers::NOTE.to_string()),
    ]);
    let subtitle = format!("report on {}, backend {}", header.cpu, opts.backend.name());
    if opts.sweep {
        out.section("Kernel-size sweep");
        let mut images = vec![SWEEP_IMAGES[0]];
        if opts.full {
            images.push(SWEEP_IMAGES[1]);
        }
        for image in images {
            let measured = match image.sample {
                SampleType::F32 => sweep::<f32>(image, opts, started, &subtitle),
                SampleType::U8 => sweep::<u8>(image, opts, started, &subtitle),
                SampleType::U16 => sweep::<u16>(image, opts, started, &subtitle),
            };
            out.emit(measured.map_err(|e| format!("sweep: {e}"))?.blocks());
        }
    }
    if opts.box_sweep {
        out.section("Box-filter sweep");
        for image in box_sweep::IMAGES {
            let measured = match image.sample {
                SampleType::F32 => box_sweep::<f32>(image, opts, started, &subtitle),
                SampleType::U8 => box_sweep::<u8>(image, opts, started, &subtitle),
                SampleType::U16 => box_sweep::<u16>(image, opts, started, &subtitle),
            };
            out.emit(measured.map_err(|e| format!("box sweep: {e}"))?.blocks());
        }
        out.emit(vec![Block::Blank, Block::Line(box_sweep::NOTE.to_string())]);
    }
    if opts.scaling {
        out.section("Threads");
        out.emit(scaling(opts, started, &subtitle).map_err(|e| format!("threads: {e}"))?.blocks());
    }
    if opts.depthwise {
        out.emit(vec![Block::Blank]);
        out.section("Depthwise-separable layers");
        let measured = crate::depthwise::measure(opts.backend, &mut |what| progress(started, what));
        out.emit(measured.map_err(|e| format!("\n!!! depthwise: {e}"))?.blocks());
    }
    if opts.separability {
        out.emit(vec![Block::Blank]);
        out.section("Separability");
        progress(started, "separability section");
        let config = crate::separability::Config::default();
        let reports = crate::separability::measure(&config, &mut |what| progress(started, what))
            .map_err(|e| format!("separability: {e}"))?;
        out.emit(crate::separability::blocks(&config, &reports));
    }
    let load_after = load_average();
    let seconds = started.elapsed().as_secs_f64();
    out.emit(vec![
        Block::Blank,
        Block::Line(format!(
            "total time {seconds:.1} s; system load at the start {}, at the end {load_after}",
            header.load_before
        )),
    ]);
    if opts.markdown {
        let mut page = header.markdown(opts, &load_after, seconds);
        page.append(&mut out.kept);
        print!("{}", document::markdown(&page));
    }
    Ok(())
}
