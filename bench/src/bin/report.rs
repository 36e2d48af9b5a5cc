//! The throughput report: `cargo run --release -p sepconv-bench --bin report`.
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
//! 4. The separability section (`sepconv_bench::separability`).
//!
//! Sections 2–4 run when no `--workload` and no `--json` is given. Progress
//! goes to stderr, the report to stdout; the SVGs to `target/report/`.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use sepconv::{
    available_backends, backend_by_name, best_backend, filter_parallel, Backend, ImageView, ImageViewMut, Threads,
    PARALLEL_MIN_PIXELS,
};
use sepconv_bench::plot::{Chart, Series, PALETTE};
use sepconv_bench::{
    cpu_model, load_average, memcpy, sample_band, time_median, verify, verify_within, Agreement, BenchSample, Direct2d,
    Input, Naive2d, SampleType, Workload, SWEEP_IMAGES, SWEEP_TAPS, WORKLOADS,
};

const USAGE: &str = "\
usage: report [--json] [--workload NAME]... [--threads N] [--backend NAME] [--full]
              [--no-sweep] [--no-scaling] [--no-separability]

  --json           one JSON object per line and measurement:
                   {\"workload\": ..., \"system\": ..., \"mpix_s\": ..., \"threads\": ..., \"backend\": ...}
  --workload NAME  only this workload (repeatable); default: all of DESIGN.md
  --threads N      sepconv filters row bands on N threads (default 1);
                   the baselines stay single-threaded
  --backend NAME   force a sepconv backend (scalar, sse2, avx2, avx512, ...);
                   default: the best this CPU runs (or $SEPCONV_BACKEND)
  --full           the whole sweep: every odd size 3..63 on f32 and u8, more
                   image sizes for the thread crossover, 3x the time budgets
  --no-sweep       skip the kernel-size sweep (sweep-*.svg)
  --no-scaling     skip the thread scaling and crossover (threads*.svg)
  --no-depthwise   skip the depthwise-separable section (MobileNet layers
                   against full convolution, f32 and int8; runs even with
                   --workload, not with --json)
  --no-separability  skip the separability section (kernel ranks, rank-r
                   accuracy and speed, SVG pictures in target/report/)
The sweep, scaling and separability sections run after the table when no
--workload or --json is given. Progress is printed on stderr.";

/// Time budgets (multiplied by 3 with `--full`): the whole default run stays
/// under two minutes on a 2-core machine.
const SEPCONV_BUDGET: Duration = Duration::from_millis(400);
const MEMCPY_BUDGET: Duration = Duration::from_millis(250);
/// Each 2D-baseline repetition filters a band of rows lasting about this long.
const BAND_TIME: Duration = Duration::from_millis(60);
const BAND_BUDGET: Duration = Duration::from_millis(180);
/// The sweep: per case.
const SWEEP_BUDGET: Duration = Duration::from_millis(150);
const SWEEP_BAND_TIME: Duration = Duration::from_millis(25);
/// Thread scaling: per thread count; crossover: per image size and count.
const SCALING_BUDGET: Duration = Duration::from_millis(700);
const CROSSOVER_BUDGET: Duration = Duration::from_millis(120);

struct Options {
    json: bool,
    workloads: Vec<Workload>,
    threads_requested: usize,
    backend: Backend,
    full: bool,
    sweep: bool,
    scaling: bool,
    separability: bool,
    depthwise: bool,
}

impl Options {
    /// `budget`, tripled with `--full`.
    fn budget(&self, budget: Duration) -> Duration {
        if self.full {
            budget * 3
        } else {
            budget
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut json = false;
    let mut workloads = Vec::new();
    let mut threads_requested = 1;
    let mut backend = None;
    let mut separability = true;
    let mut depthwise = true;
    let (mut full, mut sweep, mut scaling) = (false, true, true);
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
            "--full" => full = true,
            "--no-sweep" => sweep = false,
            "--no-scaling" => scaling = false,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let sections = workloads.is_empty() && !json;
    separability &= sections;
    sweep &= sections;
    scaling &= sections;
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
        full,
        sweep,
        scaling,
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
    /// What was timed: `"whole image"` or the band of rows.
    timed_on: String,
    /// Its answer against sepconv's or the naive filter's.
    check: String,
}

struct Measured {
    workload: Workload,
    figures: Vec<Figure>,
    notes: Vec<String>,
}

impl Measured {
    fn mpix_s(&self, system: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.system == system).map(|f| f.mpix_s)
    }
}

/// Progress on stderr, with the time since the start.
fn progress(started: Instant, what: &str) {
    eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

/// A sepconv run on the whole image: one thread with a reused scratch, or
/// `filter_parallel` on `threads` bands.
fn sepconv_runner<'a, S: BenchSample>(
    input: &'a Input<S>,
    plan: &'a sepconv::Plan<'a>,
    backend: Backend,
    threads: usize,
) -> impl FnMut(&mut [S]) + 'a {
    let w = input.workload;
    let src = ImageView::new(&input.samples, w.width, w.height, w.channels).expect("input view");
    let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];
    move |out: &mut [S]| {
        let mut dst = ImageViewMut::new(out, w.width, w.height, w.channels).expect("output view");
        match NonZeroUsize::new(threads).filter(|n| n.get() > 1) {
            // Row bands, each with its own scratch (allocated per call).
            Some(n) => filter_parallel(plan, backend, &src, &mut dst, Threads::Count(n)).expect("filter"),
            None => plan.filter(backend, &src, &mut dst, &mut scratch).expect("filter"),
        }
    }
}

/// Checks the SIMD 2D filter on the rows `verify` reads (the whole image
/// would cost as much as timing it).
fn check_direct<S: BenchSample>(direct: &Direct2d, input: &Input<S>) -> Result<Agreement, String> {
    let w = input.workload;
    let stride = w.width * w.channels;
    let mut out = vec![S::default(); w.samples()];
    for band in sepconv_bench::check_bands(w.height, w.taps) {
        let rows = &mut out[band.start * stride..band.end * stride];
        direct.run(&input.samples, (w.width, w.height, w.channels), band, rows);
    }
    let max_abs = input.samples.iter().map(|v| v.to_f32().abs()).fold(0.0, f32::max);
    verify_within(input, &out, direct.tolerance::<S>(&input.taps, &input.taps, max_abs))
        .map_err(|e| format!("SIMD 2D ({}): {e}", direct.isa().name()))
}

/// Times a 2D baseline on a band of about `band_time` of rows.
fn time_band<S: BenchSample>(
    filter: &impl sepconv_bench::Filter2d,
    input: &Input<S>,
    band_time: Duration,
    budget: Duration,
) -> (f64, usize) {
    let w = input.workload;
    let band = sample_band(filter, input, band_time);
    let mut out = vec![S::default(); band.len() * w.width * w.channels];
    let dims = (w.width, w.height, w.channels);
    let t = time_median(3, budget, || filter.run_rows(&input.samples, dims, band.clone(), &mut out));
    (t.mpix_s(band.len() * w.width), band.len())
}

fn rows_label(rows: usize, height: usize) -> String {
    if rows == height {
        "whole image".to_string()
    } else {
        format!("{rows} rows")
    }
}

fn measure<S: BenchSample + peers::Peer>(
    workload: Workload,
    opts: &Options,
    started: Instant,
) -> Result<Measured, String> {
    let w = workload;
    let (backend, threads) = (opts.backend, opts.threads_requested);
    let input = Input::<S>::new(w);
    let plan = input.plan();
    let mut out = vec![S::default(); w.samples()];
    let mut sepconv = sepconv_runner(&input, &plan, backend, threads);

    // The answers first: sepconv and the SIMD 2D filter against the naive one.
    progress(started, &format!("{}: checking sepconv and SIMD 2D against naive 2D", w.name));
    sepconv(&mut out);
    let agreement = verify(&input, &out)?;
    let direct = Direct2d::new(&input.taps, &input.taps);
    let direct_agreement = check_direct(&direct, &input)?;
    let mut figures = Vec::new();
    let mut notes = Vec::new();

    progress(started, &format!("{}: timing sepconv/{} on {threads} thread(s)", w.name, backend.name()));
    let t = time_median(5, opts.budget(SEPCONV_BUDGET), || sepconv(std::hint::black_box(&mut out)));
    figures.push(Figure {
        system: "sepconv",
        backend: backend.name(),
        mpix_s: t.mpix_s(w.pixels()),
        threads,
        timed_on: format!("whole image, {} reps", t.reps),
        check: format!("{:.1e} ≤ {:.1e} vs naive", agreement.max_diff, agreement.tolerance),
    });

    progress(started, &format!("{}: timing SIMD 2D ({}) on a band", w.name, direct.isa().name()));
    let (mpix_s, rows) = time_band(&direct, &input, BAND_TIME, opts.budget(BAND_BUDGET));
    figures.push(Figure {
        system: "direct2d-simd",
        backend: direct.isa().name(),
        mpix_s,
        threads: 1,
        timed_on: rows_label(rows, w.height),
        check: format!("{:.1e} ≤ {:.1e} vs naive", direct_agreement.max_diff, direct_agreement.tolerance),
    });

    progress(started, &format!("{}: timing naive 2D on a band", w.name));
    let naive = Naive2d::new(&input.taps, &input.taps);
    let (mpix_s, rows) = time_band(&naive, &input, BAND_TIME, opts.budget(BAND_BUDGET));
    figures.push(Figure {
        system: "naive-2d",
        backend: "scalar",
        mpix_s,
        threads: 1,
        timed_on: rows_label(rows, w.height),
        check: "(the reference)".to_string(),
    });

    let src_bytes = vec![0x5au8; w.bytes()];
    let mut dst_bytes = vec![0u8; w.bytes()];
    let t = time_median(5, opts.budget(MEMCPY_BUDGET), || memcpy(&mut dst_bytes, &src_bytes));
    figures.push(Figure {
        system: "memcpy",
        backend: "std",
        mpix_s: t.mpix_s(w.pixels()),
        threads: 1,
        timed_on: format!("{} MB", w.bytes() as f64 / 1e6),
        check: String::new(),
    });

    peers::measure(&input, &out, opts.budget(SEPCONV_BUDGET), &mut figures, &mut notes, started);
    Ok(Measured { workload: w, figures, notes })
}

fn json_line(m: &Measured, f: &Figure) -> String {
    format!(
        "{{\"workload\": \"{}\", \"system\": \"{}\", \"mpix_s\": {:.1}, \"threads\": {}, \"backend\": \"{}\"}}",
        m.workload.name, f.system, f.mpix_s, f.threads, f.backend
    )
}

/// The table of one workload: every system, Mpix/s, sepconv's speed against
/// it, its share of memcpy.
fn workload_table(m: &Measured) -> String {
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
fn summary(measured: &[Measured]) -> String {
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

/// `target/report/` (or `$CARGO_TARGET_DIR/report`), created.
fn report_dir() -> Result<PathBuf, String> {
    let dir = sepconv_bench::separability::Config::default().dir;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn write_svg(dir: &Path, name: &str, chart: &Chart) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, chart.svg()).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("  plot: {}", path.display());
    Ok(())
}

/// The kernel-size sweep on one image: sepconv, SIMD 2D, naive 2D (and the
/// peers) at every size, the crossover, a plot.
fn sweep<S: BenchSample + peers::Peer>(
    image: Workload,
    opts: &Options,
    started: Instant,
    subtitle: &str,
) -> Result<(), String> {
    let taps: Vec<usize> = if opts.full { (3..=63).step_by(2).collect() } else { SWEEP_TAPS.to_vec() };
    println!();
    println!(
        "Kernel-size sweep on {} ({}×{}, Gaussian K taps, Reflect101, one thread): Mpix/s",
        image.name, image.width, image.height
    );
    let mut header = format!(
        "{:>4} {:>9} {:>9} {:>9}  {:>9} {:>9}  {:>6}",
        "K", "sepconv", "SIMD2d", "naive2d", "×SIMD2d", "×naive2d", "K²/2K"
    );
    for p in peers::NAMES {
        let _ = write!(header, " {:>10}", p);
    }
    println!("{header}");
    let mut rows: Vec<(usize, f64, f64, f64, Vec<f64>)> = Vec::new();
    for &k in &taps {
        let w = image.with_taps(k);
        progress(started, &format!("sweep {}: {k} taps", image.name));
        let input = Input::<S>::new(w);
        let plan = input.plan();
        let mut out = vec![S::default(); w.samples()];
        let mut sepconv = sepconv_runner(&input, &plan, opts.backend, 1);
        sepconv(&mut out);
        verify(&input, &out)?;
        let direct = Direct2d::new(&input.taps, &input.taps);
        check_direct(&direct, &input)?;
        let sep =
            time_median(3, opts.budget(SWEEP_BUDGET), || sepconv(std::hint::black_box(&mut out))).mpix_s(w.pixels());
        let (simd, _) = time_band(&direct, &input, SWEEP_BAND_TIME, opts.budget(SWEEP_BUDGET));
        let naive = Naive2d::new(&input.taps, &input.taps);
        let (scalar, _) = time_band(&naive, &input, SWEEP_BAND_TIME, opts.budget(SWEEP_BUDGET));
        let peer_figures = peers::sweep(&input, &out, opts.budget(SWEEP_BUDGET));
        let mut line = format!(
            "{k:>4} {sep:>9.1} {simd:>9.2} {scalar:>9.2}  {:>8.1}× {:>8.1}×  {:>6.1}",
            sep / simd,
            sep / scalar,
            (k * k) as f64 / (2 * k) as f64
        );
        for v in &peer_figures {
            let _ = write!(line, " {v:>10.1}");
        }
        println!("{line}");
        rows.push((k, sep, simd, scalar, peer_figures));
    }
    let crossover = rows.iter().find(|r| r.1 > r.2).map(|r| r.0);
    match crossover {
        Some(k) if k == taps[0] => {
            println!("  separable is faster than SIMD 2D at every size measured (from K = {k})")
        }
        Some(k) => println!("  crossover: separable overtakes SIMD 2D at K = {k}"),
        None => println!("  SIMD 2D was faster at every size measured"),
    }
    let mut series = vec![
        Series {
            name: format!("sepconv ({})", opts.backend.name()),
            color: PALETTE[0],
            points: rows.iter().map(|r| (r.0 as f64, r.1)).collect(),
            dashed: false,
        },
        Series {
            name: format!("SIMD 2D ({})", sepconv_bench::Direct2dIsa::detect().name()),
            color: PALETTE[1],
            points: rows.iter().map(|r| (r.0 as f64, r.2)).collect(),
            dashed: false,
        },
        Series {
            name: "naive 2D (scalar)".to_string(),
            color: PALETTE[2],
            points: rows.iter().map(|r| (r.0 as f64, r.3)).collect(),
            dashed: false,
        },
    ];
    for (p, name) in peers::NAMES.iter().enumerate() {
        series.push(Series {
            name: name.to_string(),
            color: PALETTE[3 + p],
            points: rows.iter().filter_map(|r| r.4.get(p).map(|&v| (r.0 as f64, v))).collect(),
            dashed: false,
        });
    }
    let chart = Chart {
        title: format!("{}: throughput against kernel size (one thread)", image.name),
        subtitle: subtitle.to_string(),
        x_label: "kernel size K (taps per direction; 2D: K×K)".to_string(),
        y_label: "Mpix/s (log)".to_string(),
        log_y: true,
        log_x: false,
        x_ticks: taps.iter().map(|&k| k as f64).collect(),
        series,
        markers: crossover
            .filter(|&k| k != taps[0])
            .map(|k| (k as f64, format!("crossover K = {k}")))
            .into_iter()
            .collect(),
    };
    write_svg(&report_dir()?, &format!("{}.svg", image.name), &chart)
}

/// Thread scaling on the 4k workloads, and the 1-against-2-thread crossover
/// over image sizes.
fn scaling(opts: &Options, started: Instant, subtitle: &str) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get).max(2);
    println!();
    println!(
        "Threads: filter_parallel on 1..{cores} row bands (rayon's pool with sepconv's default features), \
         backend {}; load average before: {}",
        opts.backend.name(),
        load_average()
    );
    println!("{:<14} {:>7} {:>9} {:>8}", "workload", "threads", "Mpix/s", "speedup");
    let mut series = Vec::new();
    for (n, name) in ["f32-4k-15", "u8-4k-15"].iter().enumerate() {
        let w = Workload::by_name(name).expect("a DESIGN.md workload");
        let points = match w.sample {
            SampleType::F32 => scale_workload::<f32>(w, cores, opts, started)?,
            SampleType::U8 => scale_workload::<u8>(w, cores, opts, started)?,
        };
        for &(t, v) in &points {
            println!("{:<14} {:>7} {:>9.1} {:>7.2}×", w.name, t, v, v / points[0].1);
        }
        let one = points[0].1;
        series.push(Series {
            name: format!("{name} measured"),
            color: PALETTE[n],
            points: points.iter().map(|&(t, v)| (t as f64, v)).collect(),
            dashed: false,
        });
        series.push(Series {
            name: format!("{name} ideal (linear)"),
            color: PALETTE[n],
            points: (1..=cores).map(|t| (t as f64, one * t as f64)).collect(),
            dashed: true,
        });
    }
    println!("  load average after: {}", load_average());
    let dir = report_dir()?;
    write_svg(
        &dir,
        "threads.svg",
        &Chart {
            title: "Throughput against threads (row bands)".to_string(),
            subtitle: format!("{subtitle}; load average {}", load_average()),
            x_label: "threads (bands)".to_string(),
            y_label: "Mpix/s".to_string(),
            log_y: false,
            log_x: false,
            x_ticks: (1..=cores).map(|t| t as f64).collect(),
            series,
            markers: Vec::new(),
        },
    )?;

    // The crossover: 1 against 2 threads over square images, 3-tap kernels
    // (the cheapest per pixel, so the latest to profit from a second thread).
    let sides: Vec<usize> = if opts.full {
        vec![64, 128, 192, 256, 320, 384, 448, 512, 640, 768, 1024, 1448]
    } else {
        vec![64, 128, 256, 384, 512, 768, 1024]
    };
    println!();
    println!(
        "1 against 2 threads by image size (3-tap Gaussian, filter_parallel Count(1) vs Count(2); \
         PARALLEL_MIN_PIXELS = {PARALLEL_MIN_PIXELS})"
    );
    println!("{:<6} {:>9}  {:>12} {:>12} {:>8}", "type", "pixels", "1 thr Mpix/s", "2 thr Mpix/s", "2 vs 1");
    let mut series = Vec::new();
    for (n, sample) in [SampleType::F32, SampleType::U8].into_iter().enumerate() {
        let (mut points, mut rates) = (Vec::new(), Vec::new());
        for &side in &sides {
            let w = Workload { name: "crossover", width: side, height: side, channels: 1, sample, taps: 3 };
            progress(started, &format!("crossover {:?} {side}×{side}", sample));
            let (one, two) = match sample {
                SampleType::F32 => one_vs_two::<f32>(w, opts),
                SampleType::U8 => one_vs_two::<u8>(w, opts),
            };
            let kind = if sample == SampleType::F32 { "f32" } else { "u8" };
            println!("{kind:<6} {:>9}  {one:>12.1} {two:>12.1} {:>7.2}×", w.pixels(), two / one);
            points.push((w.pixels() as f64, two / one));
            rates.push((w.pixels() as f64, one, two));
        }
        let kind = if sample == SampleType::F32 { "f32" } else { "u8" };
        // What a second thread costs, from the smallest image (where the work
        // is negligible): its 2-thread time less half its 1-thread time, in µs
        // (pixels / Mpix/s). With an idle second core, two threads pay off
        // once half the 1-thread time exceeds it: N > 2·overhead·speed.
        let (px0, one0, two0) = rates[0];
        let overhead_us = px0 / two0 - px0 / (2.0 * one0);
        let speed = rates.iter().map(|r| r.1).fold(0.0, f64::max);
        println!(
            "  {kind}: second-thread overhead ≈ {overhead_us:.1} µs (2-thread time at {px0} px less half the 1-thread \
             time); with an idle second core, 2 threads pay off above ≈ 2 × overhead × {speed:.0} Mpix/s = {:.0} px",
            2.0 * overhead_us * speed
        );
        // The smallest size from which every larger size measured is faster on 2 threads.
        let from = match points.iter().rposition(|p| p.1 < 1.0) {
            None => Some(points[0].0),
            Some(i) => points.get(i + 1).map(|p| p.0),
        };
        match from {
            Some(px) => println!("  {kind}: 2 threads are faster from {px} pixels on (every larger size measured)"),
            None => println!("  {kind}: 2 threads were not faster at the largest size measured"),
        }
        series.push(Series {
            name: format!("{} 3 taps", if sample == SampleType::F32 { "f32" } else { "u8" }),
            color: PALETTE[n],
            points,
            dashed: false,
        });
    }
    series.push(Series {
        name: "no gain (1.0)".to_string(),
        color: PALETTE[5],
        points: vec![(sides[0].pow(2) as f64, 1.0), (sides[sides.len() - 1].pow(2) as f64, 1.0)],
        dashed: true,
    });
    write_svg(
        &dir,
        "threads-crossover.svg",
        &Chart {
            title: "2 threads against 1 by image size (3-tap Gaussian)".to_string(),
            subtitle: format!("{subtitle}; load average {}", load_average()),
            x_label: "pixels (log)".to_string(),
            y_label: "speed on 2 threads / speed on 1".to_string(),
            log_y: false,
            log_x: true,
            x_ticks: sides.iter().map(|s| (s * s) as f64).collect(),
            series,
            markers: vec![(PARALLEL_MIN_PIXELS as f64, "PARALLEL_MIN_PIXELS".to_string())],
        },
    )
}

fn scale_workload<S: BenchSample>(
    w: Workload,
    cores: usize,
    opts: &Options,
    started: Instant,
) -> Result<Vec<(usize, f64)>, String> {
    let input = Input::<S>::new(w);
    let plan = input.plan();
    let mut out = vec![S::default(); w.samples()];
    let mut points = Vec::new();
    for threads in 1..=cores {
        progress(started, &format!("threads: {} on {threads} thread(s)", w.name));
        let mut run = sepconv_runner(&input, &plan, opts.backend, threads);
        run(&mut out);
        verify(&input, &out)?;
        let t = time_median(5, opts.budget(SCALING_BUDGET), || run(std::hint::black_box(&mut out)));
        points.push((threads, t.mpix_s(w.pixels())));
    }
    Ok(points)
}

/// Mpix/s of `filter_parallel` with one band and with two (both allocate
/// their scratch per call, as `sepconv::filter` does).
fn one_vs_two<S: BenchSample>(w: Workload, opts: &Options) -> (f64, f64) {
    let input = Input::<S>::new(w);
    let plan = input.plan();
    let src = ImageView::new(&input.samples, w.width, w.height, w.channels).expect("input view");
    let mut out = vec![S::default(); w.samples()];
    let mut time = |n: usize| {
        let threads = Threads::Count(NonZeroUsize::new(n).expect("n > 0"));
        time_median(15, opts.budget(CROSSOVER_BUDGET), || {
            let mut dst = ImageViewMut::new(&mut out, w.width, w.height, w.channels).expect("output view");
            filter_parallel(&plan, opts.backend, &src, &mut dst, threads).expect("filter");
        })
        .mpix_s(w.pixels())
    };
    let one = time(1);
    let two = time(2);
    (one, two)
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
    let load_before = load_average();
    if !opts.json {
        println!("sepconv throughput report (cargo run --release -p sepconv-bench --bin report)");
        println!("CPU: {cpu} ({} threads available)", std::thread::available_parallelism().map_or(1, |n| n.get()));
        println!(
            "sepconv backend: {} (this CPU runs: {}); SIMD 2D: {}; sepconv threads: {} (row bands; baselines 1); \
             borders Reflect101; Gaussian kernels, OpenCV default σ",
            opts.backend.name(),
            available.join(", "),
            sepconv_bench::Direct2dIsa::detect().name(),
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
            SampleType::F32 => measure::<f32>(w, &opts, started),
            SampleType::U8 => measure::<u8>(w, &opts, started),
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
                    SampleType::F32 => sweep::<f32>(image, &opts, started, &subtitle),
                    SampleType::U8 => sweep::<u8>(image, &opts, started, &subtitle),
                };
                if let Err(e) = done {
                    eprintln!("sweep: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        if opts.scaling {
            if let Err(e) = scaling(&opts, started, &subtitle) {
                eprintln!("threads: {e}");
                return ExitCode::FAILURE;
            }
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
            progress(started, "separability section");
            if let Err(e) = sepconv_bench::separability::report(&sepconv_bench::separability::Config::default()) {
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

/// Peer libraries, measured in the same run when built with `--features peers`.
#[cfg(feature = "peers")]
mod peers {
    use std::time::{Duration, Instant};

    use sepconv_bench::peers::{compare, PeerSample};
    use sepconv_bench::{time_median, Input};

    use super::{progress, Figure};

    pub const ENABLED: bool = true;
    /// The peers, in the order of their columns.
    pub const NAMES: [&str; 2] = ["libblur", "imageproc"];

    pub use sepconv_bench::peers::PeerSample as Peer;

    /// Times every peer on `input` after comparing its answer with sepconv's
    /// (`reference`); a differing answer is reported, not fatal.
    pub fn measure<S: PeerSample>(
        input: &Input<S>,
        reference: &[S],
        budget: Duration,
        figures: &mut Vec<Figure>,
        notes: &mut Vec<String>,
        started: Instant,
    ) {
        let w = input.workload;
        let mut out = vec![S::default(); w.samples()];
        for peer in S::peers(input) {
            progress(started, &format!("{}: timing {} {}", w.name, peer.name, peer.function));
            if let Err(e) = (peer.run)(&mut out) {
                notes.push(format!("{} failed: {e}", peer.name));
                continue;
            }
            let a = compare(input, &out, reference);
            let t = time_median(5, budget, || (peer.timed)(std::hint::black_box(&mut out)));
            figures.push(Figure {
                system: peer.name,
                backend: peer.function,
                mpix_s: t.mpix_s(w.pixels()),
                threads: 1,
                timed_on: format!("whole image, {} reps", t.reps),
                check: format!("{} inside, {} within {} px of an edge, vs sepconv", a.interior, a.frame, w.taps / 2),
            });
        }
    }

    /// Mpix/s of each peer of `NAMES` on `input` (NaN where it does not run).
    pub fn sweep<S: PeerSample>(input: &Input<S>, _reference: &[S], budget: Duration) -> Vec<f64> {
        let w = input.workload;
        let mut out = vec![S::default(); w.samples()];
        let peers = S::peers(input);
        NAMES
            .iter()
            .map(|name| match peers.iter().find(|p| p.name == *name) {
                Some(p) => time_median(3, budget, || (p.timed)(std::hint::black_box(&mut out))).mpix_s(w.pixels()),
                None => f64::NAN,
            })
            .collect()
    }
}

/// Without `--features peers`: nothing to measure.
#[cfg(not(feature = "peers"))]
mod peers {
    use std::time::{Duration, Instant};

    use sepconv_bench::Input;

    use super::Figure;

    pub const ENABLED: bool = false;
    pub const NAMES: [&str; 0] = [];

    pub trait Peer {}
    impl<T> Peer for T {}

    pub fn measure<S>(_: &Input<S>, _: &[S], _: Duration, _: &mut Vec<Figure>, _: &mut Vec<String>, _: Instant) {}

    pub fn sweep<S>(_: &Input<S>, _: &[S], _: Duration) -> Vec<f64> {
        Vec::new()
    }
}
