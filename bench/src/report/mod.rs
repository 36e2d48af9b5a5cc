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
//! 3. Threads: 1, 2, … cores on f32-4k-15 and u8-4k-15 (`threads.svg`), and
//!    the 1-against-2-thread crossover over image sizes that justifies
//!    `PARALLEL_MIN_PIXELS` (`threads-crossover.svg`), with the load average.
//! 4. The separability section (`crate::separability`).
//!
//! Sections 2–4 run when no `--workload` and no `--json` is given. Progress
//! goes to stderr, the report to stdout; the SVGs to `target/report/`.

use std::process::ExitCode;
use std::time::Instant;

use sepconv::available_backends;

use crate::plot::{self, Chart};
use crate::{cpu_model, load_average, SampleType, SWEEP_IMAGES};

mod cli;
mod peers;
mod sweep;
mod table;
mod threads;
mod workloads;

use cli::BAND_TIME;
pub use cli::{Options, USAGE};
use sweep::sweep;
use table::{json_line, summary, workload_table};
use threads::scaling;
use workloads::measure;

/// Progress on stderr, with the time since the start.
fn progress(started: Instant, what: &str) {
    eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

/// Writes `chart` as `name` into `target/report/` (or
/// `$CARGO_TARGET_DIR/report`) and says where.
fn write_svg(name: &str, chart: &Chart) -> Result<(), String> {
    let path = plot::save(&plot::output_dir(), name, &chart.svg())?;
    println!("  plot: {}", path.display());
    Ok(())
}

/// Measures and prints what `opts` asks for; the exit code of the report.
pub fn run(opts: &Options) -> ExitCode {
    let started = Instant::now();
    let cpu = cpu_model();
    let available: Vec<&str> = available_backends().iter().map(|b| b.name()).collect();
    let load_before = load_average();
    if !opts.json {
        println!("sepconv throughput report (cargo run --release -p sepconv-bench --bin report)");
        println!("CPU: {cpu} ({} threads available)", std::thread::available_parallelism().map_or(1, |n| n.get()));
        println!(
            "sepconv backend: {} (this CPU runs: {}); SIMD 2D: {}; sepconv threads: {} (row bands; baselines 1); \
             borders Reflect101; Gaussian kernels, OpenCV default σ",
            opts.backend.name(),
            available.join(", "),
            crate::Direct2dIsa::detect().name(),
            opts.threads_requested
        );
        println!("load average (1, 5, 15 min) at the start: {load_before}");
        println!(
            "Mpix/s = megapixels per second, median of timed repetitions after one warm-up; \
             memcpy copies the image's bytes; 'sepconv is' = sepconv's Mpix/s / the system's"
        );
        println!();
    }

    let mut all = Vec::new();
    for &w in &opts.workloads {
        let measured = match w.sample {
            SampleType::F32 => measure::<f32>(w, opts, started),
            SampleType::U8 => measure::<u8>(w, opts, started),
        };
        let m = match measured {
            Ok(m) => m,
            Err(msg) => {
                eprintln!("\n!!! WRONG ANSWER — report aborted before timing: {msg}");
                eprintln!("!!! backend {}, CPU {cpu}", opts.backend.name());
                return ExitCode::FAILURE;
            }
        };
        if opts.json {
            for f in &m.figures {
                println!("{}", json_line(&m, f));
            }
            for note in &m.notes {
                eprintln!("note: {}: {note}", w.name);
            }
        } else {
            println!("{}", workload_table(&m));
        }
        all.push(m);
    }

    if !opts.json {
        println!(
            "Summary (sepconv Mpix/s and how many times faster than each system; load average now {}):",
            load_average()
        );
        print!("{}", summary(&all));
        println!();
        println!(
            "* SIMD 2D (direct K×K, AVX2+FMA or portable, 64 outputs in flight) and naive 2D (scalar, one accumulator) \
             are timed on a band of rows in the middle of the image (~{} ms a repetition) when the whole image would \
             take longer; sepconv and the SIMD 2D filter were checked against naive 2D on the top, middle and bottom \
             rows (all columns) before timing.",
            BAND_TIME.as_millis()
        );
        if !peers::ENABLED {
            println!("  Peers (libblur, imageproc): rebuild with `--features peers` to measure them in the same run.");
        }
        let subtitle = format!("report on {cpu}, backend {}", opts.backend.name());
        let mut sweep_images = vec![SWEEP_IMAGES[0]];
        if opts.full {
            sweep_images.push(SWEEP_IMAGES[1]);
        }
        if opts.sweep {
            for image in sweep_images {
                let done = match image.sample {
                    SampleType::F32 => sweep::<f32>(image, opts, started, &subtitle),
                    SampleType::U8 => sweep::<u8>(image, opts, started, &subtitle),
                };
                if let Err(e) = done {
                    eprintln!("sweep: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        if opts.scaling {
            if let Err(e) = scaling(opts, started, &subtitle) {
                eprintln!("threads: {e}");
                return ExitCode::FAILURE;
            }
        }
        if opts.depthwise {
            println!();
            if let Err(e) = crate::depthwise::report(opts.backend) {
                eprintln!("\n!!! depthwise: {e}");
                return ExitCode::FAILURE;
            }
        }
        if opts.separability {
            println!();
            progress(started, "separability section");
            if let Err(e) = crate::separability::report(&crate::separability::Config::default()) {
                eprintln!("separability: {e}");
                return ExitCode::FAILURE;
            }
        }
        println!();
        println!(
            "total time {:.1} s; load average at the start {load_before}, at the end {}",
            started.elapsed().as_secs_f64(),
            load_average()
        );
    }
    ExitCode::SUCCESS
}
