//! Thread scaling on the 4K workloads, and the 1-against-2-thread crossover over image sizes.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Instant;

use sepconv::{filter_parallel, ImageView, ImageViewMut, Threads, PARALLEL_MIN_PIXELS};

use super::cli::{Options, CROSSOVER_BUDGET, SCALING_BUDGET};
use super::workloads::sepconv_runner;
use super::{progress, write_svg};
use crate::document::{Block, Column, Table};
use crate::plot::{Chart, Series, PALETTE};
use crate::{load_average, time_median, verify, BenchSample, Input, SampleType, Workload};

/// The 1-against-2-thread crossover of one sample type: `(pixels, 1-thread
/// Mpix/s, 2-thread Mpix/s)` by image size.
struct Crossover {
    kind: &'static str,
    points: Vec<(usize, f64, f64)>,
}

impl Crossover {
    /// What a second thread costs, from the smallest image (where the work
    /// is negligible): its 2-thread time less half its 1-thread time, in µs
    /// (pixels / Mpix/s). With an idle second core, two threads pay off
    /// once half the 1-thread time exceeds it: N > 2·overhead·speed.
    fn overhead(&self) -> String {
        let (px0, one0, two0) = self.points[0];
        let px0 = px0 as f64;
        let overhead_us = px0 / two0 - px0 / (2.0 * one0);
        let speed = self.points.iter().map(|r| r.1).fold(0.0, f64::max);
        format!(
            "  {}: second-thread overhead ≈ {overhead_us:.1} µs (2-thread time at {px0} px less half the 1-thread \
             time); with an idle second core, 2 threads pay off above ≈ 2 × overhead × {speed:.0} Mpix/s = {:.0} px",
            self.kind,
            2.0 * overhead_us * speed
        )
    }

    /// The smallest size from which every larger size measured is faster on 2 threads.
    fn faster_from(&self) -> String {
        let from = match self.points.iter().rposition(|p| p.2 / p.1 < 1.0) {
            None => Some(self.points[0].0),
            Some(i) => self.points.get(i + 1).map(|p| p.0),
        };
        match from {
            Some(px) => {
                format!("  {}: 2 threads are faster from {px} pixels on (every larger size measured)", self.kind)
            }
            None => format!("  {}: 2 threads were not faster at the largest size measured", self.kind),
        }
    }
}

/// Thread scaling and the crossover, measured.
pub(super) struct Scaling {
    cores: usize,
    backend: &'static str,
    load_before: String,
    load_after: String,
    /// `(workload, [(threads, Mpix/s)])`.
    workloads: Vec<(&'static str, Vec<(usize, f64)>)>,
    plot: PathBuf,
    crossovers: Vec<Crossover>,
    crossover_plot: PathBuf,
}

impl Scaling {
    /// Both tables, their conclusions and plots.
    pub(super) fn blocks(&self) -> Vec<Block> {
        let mut t = Table::new(
            "",
            vec![
                Column::left("workload", 14),
                Column::right("threads", 7),
                Column::right("Mpix/s", 9),
                Column::right("speedup", 8),
            ],
        );
        for (name, points) in &self.workloads {
            for &(threads, v) in points {
                t.row(vec![
                    name.to_string(),
                    threads.to_string(),
                    format!("{v:.1}"),
                    format!("{:.2}×", v / points[0].1),
                ]);
            }
        }
        let mut c = Table::new(
            "",
            vec![
                Column::left("type", 6),
                Column::right("pixels", 9),
                Column::right("1 thr Mpix/s", 12).apart(),
                Column::right("2 thr Mpix/s", 12),
                Column::right("2 vs 1", 8),
            ],
        );
        for crossover in &self.crossovers {
            for &(pixels, one, two) in &crossover.points {
                c.row(vec![
                    crossover.kind.to_string(),
                    pixels.to_string(),
                    format!("{one:.1}"),
                    format!("{two:.1}"),
                    format!("{:.2}×", two / one),
                ]);
            }
            c.note(crossover.overhead());
            c.note(crossover.faster_from());
        }
        vec![
            Block::Blank,
            Block::Heading(
                3,
                format!(
                    "Threads: filter_parallel on 1..{} row bands (rayon's pool with sepconv's default features), \
                     backend {}; system load before: {}",
                    self.cores, self.backend, self.load_before
                ),
            ),
            Block::Table(t),
            Block::Line(format!("  system load after: {}", self.load_after)),
            Block::Line(format!("  plot: {}", self.plot.display())),
            Block::Blank,
            Block::Heading(
                3,
                format!(
                    "1 against 2 threads by image size (3-tap Gaussian, filter_parallel Count(1) vs Count(2); \
                     PARALLEL_MIN_PIXELS = {PARALLEL_MIN_PIXELS})"
                ),
            ),
            Block::Table(c),
            Block::Line(format!("  plot: {}", self.crossover_plot.display())),
        ]
    }
}

/// Thread scaling on the 4k workloads, and the 1-against-2-thread crossover
/// over image sizes (the plots written here).
pub(super) fn scaling(opts: &Options, started: Instant, subtitle: &str) -> Result<Scaling, String> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get).max(2);
    let load_before = load_average();
    let mut workloads = Vec::new();
    let mut series = Vec::new();
    for (n, name) in ["f32-4k-15", "u8-4k-15"].into_iter().enumerate() {
        let w = Workload::by_name(name).expect("a DESIGN.md workload");
        let points = match w.sample {
            SampleType::F32 => scale_workload::<f32>(w, cores, opts, started)?,
            SampleType::U8 => scale_workload::<u8>(w, cores, opts, started)?,
            SampleType::U16 => scale_workload::<u16>(w, cores, opts, started)?,
        };
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
        workloads.push((w.name, points));
    }
    let load_after = load_average();
    let plot = write_svg(
        "threads.svg",
        &Chart {
            title: "Throughput against threads (row bands)".to_string(),
            subtitle: format!("{subtitle}; system load {load_after}"),
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
    let mut crossovers = Vec::new();
    let mut series = Vec::new();
    for (n, sample) in [SampleType::F32, SampleType::U8].into_iter().enumerate() {
        let mut points = Vec::new();
        for &side in &sides {
            let w = Workload { name: "crossover", width: side, height: side, channels: 1, sample, taps: 3 };
            progress(started, &format!("crossover {:?} {side}×{side}", sample));
            let (one, two) = match sample {
                SampleType::F32 => one_vs_two::<f32>(w, opts),
                SampleType::U8 => one_vs_two::<u8>(w, opts),
                SampleType::U16 => one_vs_two::<u16>(w, opts),
            };
            points.push((w.pixels(), one, two));
        }
        let kind = if sample == SampleType::F32 { "f32" } else { "u8" };
        series.push(Series {
            name: format!("{kind} 3 taps"),
            color: PALETTE[n],
            points: points.iter().map(|&(px, one, two)| (px as f64, two / one)).collect(),
            dashed: false,
        });
        crossovers.push(Crossover { kind, points });
    }
    series.push(Series {
        name: "no gain (1.0)".to_string(),
        color: PALETTE[5],
        points: vec![(sides[0].pow(2) as f64, 1.0), (sides[sides.len() - 1].pow(2) as f64, 1.0)],
        dashed: true,
    });
    let crossover_plot = write_svg(
        "threads-crossover.svg",
        &Chart {
            title: "2 threads against 1 by image size (3-tap Gaussian)".to_string(),
            subtitle: format!("{subtitle}; system load {}", load_average()),
            x_label: "pixels (log)".to_string(),
            y_label: "speed on 2 threads / speed on 1".to_string(),
            log_y: false,
            log_x: true,
            x_ticks: sides.iter().map(|s| (s * s) as f64).collect(),
            series,
            markers: vec![(PARALLEL_MIN_PIXELS as f64, "PARALLEL_MIN_PIXELS".to_string())],
        },
    )?;
    Ok(Scaling {
        cores,
        backend: opts.backend.name(),
        load_before,
        load_after,
        workloads,
        plot,
        crossovers,
        crossover_plot,
    })
}

pub(super) fn scale_workload<S: BenchSample>(
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
pub(super) fn one_vs_two<S: BenchSample>(w: Workload, opts: &Options) -> (f64, f64) {
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
