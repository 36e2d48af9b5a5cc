//! The throughput report: `cargo run --release -p sepconv-bench --bin report`.
//!
//! For each workload of DESIGN.md: Mpix/s of sepconv (one backend, one
//! thread), of the naive scalar 2D filter (sampled on a band of rows: the
//! whole image would take seconds to minutes) and of memcpy of the same
//! bytes, with the ratios. Each figure is the median of several timed
//! repetitions after one warm-up. Before any timing, sepconv's output is
//! checked against the naive 2D result; a mismatch aborts the report.
//! With `--features peers`, libblur runs beside it (system `libblur`).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use std::num::NonZeroUsize;

use sepconv::{
    available_backends, backend_by_name, best_backend, filter_parallel, Backend, ImageView, ImageViewMut, Threads,
};
use sepconv_bench::{
    cpu_model, memcpy, time_median, verify, Agreement, BenchSample, Input, Naive2d, SampleType, Workload, WORKLOADS,
};

const USAGE: &str = "\
usage: report [--json] [--workload NAME]... [--threads N] [--backend NAME] [--no-separability]

  --json           one JSON object per line and measurement:
                   {\"workload\": ..., \"system\": ..., \"mpix_s\": ..., \"threads\": ..., \"backend\": ...}
  --workload NAME  only this workload (repeatable); default: all of DESIGN.md
  --threads N      sepconv filters row bands on N threads (default 1);
                   the baselines stay single-threaded
  --backend NAME   force a sepconv backend (scalar, sse2, avx2, avx512, ...);
                   default: the best this CPU runs (or $SEPCONV_BACKEND)
  --no-depthwise   skip the depthwise-separable section (MobileNet layers
                   against full convolution, f32 and int8; runs even with
                   --workload, not with --json)
  --no-separability  skip the separability section (kernel ranks, rank-r
                   accuracy and speed, SVG pictures in target/report/), which
                   runs after the table when no --workload or --json is given";

/// Time budgets: the whole default run stays well under two minutes.
const SEPCONV_BUDGET: Duration = Duration::from_millis(400);
const MEMCPY_BUDGET: Duration = Duration::from_millis(250);
/// Each naive-2d repetition filters a band of rows lasting about this long.
const NAIVE_BAND_TIME: Duration = Duration::from_millis(60);
const NAIVE_BUDGET: Duration = Duration::from_millis(180);

struct Options {
    json: bool,
    workloads: Vec<Workload>,
    threads_requested: usize,
    backend: Backend,
    separability: bool,
    depthwise: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut json = false;
    let mut workloads = Vec::new();
    let mut threads_requested = 1;
    let mut backend = None;
    let mut separability = true;
    let mut depthwise = true;
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--json" => json = true,
            "--workload" => {
                let name = value("--workload")?;
                let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                let w = Workload::by_name(&name)
                    .ok_or_else(|| format!("unknown workload {name:?}; known: {}", names.join(", ")))?;
                if !workloads.contains(&w) {
                    workloads.push(w);
                }
            }
            "--threads" => {
                let n = value("--threads")?;
                threads_requested =
                    n.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("bad thread count {n:?}"))?;
            }
            "--backend" => {
                let name = value("--backend")?;
                let names: Vec<&str> = available_backends().iter().map(|b| b.name()).collect();
                backend = Some(backend_by_name(&name).ok_or_else(|| {
                    format!("backend {name:?} is unknown or not supported by this CPU; available: {}", names.join(", "))
                })?);
            }
            "--no-separability" => separability = false,
            "--no-depthwise" => depthwise = false,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    separability &= workloads.is_empty() && !json;
    if workloads.is_empty() {
        workloads = WORKLOADS.to_vec();
    }
    // Keep DESIGN.md's order whatever the order on the command line.
    workloads.sort_by_key(|w| WORKLOADS.iter().position(|x| x == w));
    Ok(Some(Options {
        json,
        workloads,
        threads_requested,
        backend: backend.unwrap_or_else(best_backend),
        separability,
        depthwise: depthwise && !json,
    }))
}

/// One system's figure on one workload.
struct Figure {
    system: &'static str,
    backend: &'static str,
    mpix_s: f64,
    threads: usize,
}

struct Measured {
    workload: Workload,
    figures: Vec<Figure>,
    naive_rows: usize,
    agreement: Agreement,
    notes: Vec<String>,
}

impl Measured {
    fn mpix_s(&self, system: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.system == system).map(|f| f.mpix_s)
    }
}

fn measure<S: BenchSample + peers::Peer>(
    workload: Workload,
    backend: Backend,
    threads: usize,
) -> Result<Measured, String> {
    let w = workload;
    let input = Input::<S>::new(w);
    let plan = input.plan();
    let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];
    let mut out = vec![S::default(); w.samples()];
    let src = ImageView::new(&input.samples, w.width, w.height, w.channels).map_err(|e| e.to_string())?;
    let mut sepconv = |out: &mut [S]| {
        let mut dst = ImageViewMut::new(out, w.width, w.height, w.channels).expect("output view");
        match NonZeroUsize::new(threads).filter(|n| n.get() > 1) {
            // Row bands, each thread with its own scratch (allocated per call).
            Some(n) => filter_parallel(&plan, backend, &src, &mut dst, Threads::Count(n)).expect("filter"),
            None => plan.filter(backend, &src, &mut dst, &mut scratch).expect("filter"),
        }
    };

    // The answer first: sepconv against the naive 2D filter.
    sepconv(&mut out);
    let agreement = verify(&input, &out)?;
    let mut figures = Vec::new();
    let mut notes = Vec::new();

    let t = time_median(5, SEPCONV_BUDGET, || sepconv(std::hint::black_box(&mut out)));
    figures.push(Figure { system: "sepconv", backend: backend.name(), mpix_s: t.mpix_s(w.pixels()), threads });

    // naive-2d, sampled: a band of rows in the middle of the image, sized
    // from a two-row calibration run.
    let naive = Naive2d::new(&input.taps, &input.taps);
    let dims = (w.width, w.height, w.channels);
    let mid = w.height / 2;
    let calibration = mid.saturating_sub(1)..(mid + 1).min(w.height);
    let mut band_out = vec![S::default(); calibration.len() * w.width * w.channels];
    let start = Instant::now();
    naive.run(&input.samples, dims, calibration.clone(), &mut band_out);
    let per_row = start.elapsed().as_secs_f64() / calibration.len() as f64;
    let rows = ((NAIVE_BAND_TIME.as_secs_f64() / per_row).ceil() as usize).clamp(1, w.height);
    let first = mid.saturating_sub(rows / 2).min(w.height - rows);
    let band = first..first + rows;
    band_out.resize(rows * w.width * w.channels, S::default());
    let t = time_median(3, NAIVE_BUDGET, || naive.run(&input.samples, dims, band.clone(), &mut band_out));
    figures.push(Figure { system: "naive-2d", backend: "scalar", mpix_s: t.mpix_s(rows * w.width), threads: 1 });

    let src_bytes = vec![0x5au8; w.bytes()];
    let mut dst_bytes = vec![0u8; w.bytes()];
    let t = time_median(5, MEMCPY_BUDGET, || memcpy(&mut dst_bytes, &src_bytes));
    figures.push(Figure { system: "memcpy", backend: "std", mpix_s: t.mpix_s(w.pixels()), threads: 1 });

    peers::measure(&input, &out, &mut figures, &mut notes);
    Ok(Measured { workload: w, figures, naive_rows: rows, agreement, notes })
}

fn json_line(m: &Measured, f: &Figure) -> String {
    format!(
        "{{\"workload\": \"{}\", \"system\": \"{}\", \"mpix_s\": {:.1}, \"threads\": {}, \"backend\": \"{}\"}}",
        m.workload.name, f.system, f.mpix_s, f.threads, f.backend
    )
}

fn table_header() -> String {
    let mut h = format!(
        "{:<14} {:>4} {:>5}  {:>9} {:>9} {:>6} {:>9}  {:>9} {:>12}",
        "workload", "taps", "σ", "sepconv", "naive-2d", "rows*", "memcpy", "sep/naive", "sep % memcpy"
    );
    if peers::ENABLED {
        let _ = write!(h, "  {:>9} {:>11}", "libblur", "sep/libblur");
    }
    let _ = write!(h, "  check vs naive (max |Δ| ≤ bound)");
    h
}

fn table_row(m: &Measured) -> String {
    let w = m.workload;
    let sep = m.mpix_s("sepconv").unwrap_or(f64::NAN);
    let naive = m.mpix_s("naive-2d").unwrap_or(f64::NAN);
    let copy = m.mpix_s("memcpy").unwrap_or(f64::NAN);
    let sigma = if w.taps <= 9 { "table".to_string() } else { format!("{:.2}", w.sigma()) };
    let mut row = format!(
        "{:<14} {:>4} {:>5}  {:>9.1} {:>9.2} {:>6} {:>9.1}  {:>8.1}× {:>11.1}%",
        w.name,
        w.taps,
        sigma,
        sep,
        naive,
        m.naive_rows,
        copy,
        sep / naive,
        100.0 * sep / copy
    );
    if peers::ENABLED {
        match m.mpix_s("libblur") {
            Some(lb) => {
                let _ = write!(row, "  {:>9.1} {:>10.2}×", lb, sep / lb);
            }
            None => {
                let _ = write!(row, "  {:>9} {:>11}", "-", "-");
            }
        }
    }
    let a = m.agreement;
    let _ = write!(row, "  {:.1e} ≤ {:.1e} on {} rows", a.max_diff, a.tolerance, a.rows_checked);
    row
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("report: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let cpu = cpu_model();
    let available: Vec<&str> = available_backends().iter().map(|b| b.name()).collect();
    if !opts.json {
        println!("sepconv throughput report (cargo run --release -p sepconv-bench --bin report)");
        println!("CPU: {cpu}");
        println!(
            "sepconv backend: {} (this CPU runs: {}); sepconv threads: {} (row bands; baselines 1); borders Reflect101; Gaussian kernels, OpenCV default σ",
            opts.backend.name(),
            available.join(", "),
            opts.threads_requested
        );
        println!("Mpix/s = megapixels per second, median of timed repetitions after one warm-up; memcpy copies the image's bytes");
        println!();
        println!("{}", table_header());
    }

    for &w in &opts.workloads {
        let measured = match w.sample {
            SampleType::F32 => measure::<f32>(w, opts.backend, opts.threads_requested),
            SampleType::U8 => measure::<u8>(w, opts.backend, opts.threads_requested),
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
            println!("{}", table_row(&m));
            for note in &m.notes {
                println!("    note: {note}");
            }
        }
    }

    if !opts.json {
        println!();
        println!(
            "* naive-2d (direct K×K correlation, scalar f32, one accumulator) is SAMPLED: it is timed on a band of \
             `rows*` rows in the middle of the image (~{} ms a repetition), not the whole image.",
            NAIVE_BAND_TIME.as_millis()
        );
        println!(
            "  Before timing, sepconv's output was checked against it on the top, middle and bottom rows (all columns)."
        );
        if !peers::ENABLED {
            println!("  Peers (libblur): rebuild with `--features peers` to measure them in the same run.");
        }
        if opts.depthwise {
            println!();
            if let Err(e) = sepconv_bench::depthwise::report(opts.backend) {
                eprintln!("\n!!! depthwise: {e}");
                return ExitCode::FAILURE;
            }
        }
        if opts.separability {
            println!();
            if let Err(e) = sepconv_bench::separability::report(&sepconv_bench::separability::Config::default()) {
                eprintln!("separability: {e}");
                return ExitCode::FAILURE;
            }
        }
        println!("  total time {:.1} s", started.elapsed().as_secs_f64());
    }
    ExitCode::SUCCESS
}

/// Peer libraries, measured in the same run when built with `--features peers`.
#[cfg(feature = "peers")]
mod peers {
    use libblur::{
        filter_1d_approx, filter_1d_exact, BlurImage, BlurImageMut, EdgeMode, EdgeMode2D, FastBlurChannels, Scalar,
        ThreadingPolicy,
    };
    use sepconv_bench::{time_median, BenchSample, Input};

    use super::{Figure, SEPCONV_BUDGET};

    pub const ENABLED: bool = true;

    /// A sample type libblur filters: f32 through `filter_1d_exact`, u8
    /// through its fixed-point `filter_1d_approx` (f32 weights, i32 accumulators).
    pub trait Peer: Sized {
        const LIBBLUR_PATH: &'static str;
        fn libblur(src: &[Self], dst: &mut [Self], dims: (usize, usize, usize), taps: &[f32]) -> Result<(), String>;
    }

    fn channels(c: usize) -> Result<FastBlurChannels, String> {
        match c {
            1 => Ok(FastBlurChannels::Plane),
            3 => Ok(FastBlurChannels::Channels3),
            4 => Ok(FastBlurChannels::Channels4),
            _ => Err(format!("libblur has no {c}-channel layout")),
        }
    }

    const EDGES: EdgeMode2D = EdgeMode2D::new(EdgeMode::Reflect101);

    impl Peer for f32 {
        const LIBBLUR_PATH: &'static str = "filter_1d_exact";
        fn libblur(src: &[f32], dst: &mut [f32], (w, h, c): (usize, usize, usize), taps: &[f32]) -> Result<(), String> {
            let layout = channels(c)?;
            let image = BlurImage::borrow(src, w as u32, h as u32, layout);
            let mut out = BlurImageMut::borrow(dst, w as u32, h as u32, layout);
            let f = match c {
                1 => filter_1d_exact::<f32, f32, 1>,
                3 => filter_1d_exact::<f32, f32, 3>,
                _ => filter_1d_exact::<f32, f32, 4>,
            };
            f(&image, &mut out, taps, taps, EDGES, Scalar::default(), ThreadingPolicy::Single)
                .map_err(|e| format!("{e:?}"))
        }
    }

    impl Peer for u8 {
        const LIBBLUR_PATH: &'static str = "filter_1d_approx";
        fn libblur(src: &[u8], dst: &mut [u8], (w, h, c): (usize, usize, usize), taps: &[f32]) -> Result<(), String> {
            let layout = channels(c)?;
            let image = BlurImage::borrow(src, w as u32, h as u32, layout);
            let mut out = BlurImageMut::borrow(dst, w as u32, h as u32, layout);
            let f = match c {
                1 => filter_1d_approx::<u8, f32, i32, 1>,
                3 => filter_1d_approx::<u8, f32, i32, 3>,
                _ => filter_1d_approx::<u8, f32, i32, 4>,
            };
            f(&image, &mut out, taps, taps, EDGES, Scalar::default(), ThreadingPolicy::Single)
                .map_err(|e| format!("{e:?}"))
        }
    }

    /// Times libblur on `input` after checking its answer against sepconv's
    /// (`reference`); a peer's differing answer is noted, not fatal.
    pub fn measure<S: BenchSample + Peer>(
        input: &Input<S>,
        reference: &[S],
        figures: &mut Vec<Figure>,
        notes: &mut Vec<String>,
    ) {
        let w = input.workload;
        let dims = (w.width, w.height, w.channels);
        let mut out = vec![S::default(); w.samples()];
        if let Err(e) = S::libblur(&input.samples, &mut out, dims, &input.taps) {
            notes.push(format!("libblur failed: {e}"));
            return;
        }
        // Compare separately inside the image and in the frame the borders reach.
        let (mut interior, mut frame) = (0.0f32, 0.0f32);
        let (stride, reach) = (w.width * w.channels, w.taps / 2);
        for (i, (a, b)) in out.iter().zip(reference).enumerate() {
            let (x, y) = (i % stride / w.channels, i / stride);
            let diff = (a.to_f32() - b.to_f32()).abs();
            let inside = x >= reach && x + reach < w.width && y >= reach && y + reach < w.height;
            let worst = if inside { &mut interior } else { &mut frame };
            *worst = worst.max(diff);
        }
        let allowed = sepconv_bench::tolerance::<S>(&input.taps, &input.taps, 255.0).max(1.0);
        if interior.max(frame) > allowed {
            notes.push(format!(
                "libblur's output differs from sepconv's: max |Δ| {interior} inside, {frame} within {reach} px of an edge \
                 (allowed {allowed}); its timing is shown anyway"
            ));
        }
        let t = time_median(5, SEPCONV_BUDGET, || {
            let _ = S::libblur(&input.samples, std::hint::black_box(&mut out), dims, &input.taps);
        });
        figures.push(Figure { system: "libblur", backend: S::LIBBLUR_PATH, mpix_s: t.mpix_s(w.pixels()) });
    }
}

/// Without `--features peers`: nothing to measure.
#[cfg(not(feature = "peers"))]
mod peers {
    use sepconv_bench::Input;

    use super::Figure;

    pub const ENABLED: bool = false;

    pub trait Peer {}
    impl<T> Peer for T {}

    pub fn measure<S>(_: &Input<S>, _: &[S], _: &mut Vec<Figure>, _: &mut Vec<String>) {}
}
