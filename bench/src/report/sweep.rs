//! The kernel-size sweep: separable against SIMD 2D against naive 2D (and the peers) at every size, the crossover, a plot.

use std::path::PathBuf;
use std::time::Instant;

use super::cli::{Options, SWEEP_BAND_TIME, SWEEP_BUDGET};
use super::workloads::{check_direct, sepconv_runner, time_band};
use super::{peers, progress, write_svg};
use crate::document::{Block, Column, Table};
use crate::plot::{Chart, Series, PALETTE};
use crate::{time_median, verify, BenchSample, Direct2d, Input, Naive2d, Workload, SWEEP_TAPS};

/// One kernel size, measured: Mpix/s of each system.
struct Row {
    taps: usize,
    sepconv: f64,
    simd_2d: f64,
    naive_2d: f64,
    /// In the order of `peers::NAMES` (NaN where a peer does not run).
    peers: Vec<f64>,
}

/// The sweep on one image.
pub(super) struct Sweep {
    image: Workload,
    rows: Vec<Row>,
    plot: PathBuf,
}

impl Sweep {
    /// The first size at which separable is faster than SIMD 2D.
    fn crossover(&self) -> Option<usize> {
        self.rows.iter().find(|r| r.sepconv > r.simd_2d).map(|r| r.taps)
    }

    /// The sweep's table, its crossover and its plot.
    pub(super) fn blocks(&self) -> Vec<Block> {
        let image = self.image;
        let mut columns = vec![
            Column::right("K", 4),
            Column::right("sepconv", 9),
            Column::right("SIMD2d", 9),
            Column::right("naive2d", 9),
            Column::right("×SIMD2d", 9).apart(),
            Column::right("×naive2d", 9),
            Column::right("K²/2K", 6).apart(),
        ];
        columns.extend(peers::NAMES.iter().map(|p| Column::right(p, 10)));
        let mut t = Table::new("", columns);
        for r in &self.rows {
            let k = r.taps;
            let mut cells = vec![
                k.to_string(),
                format!("{:.1}", r.sepconv),
                format!("{:.2}", r.simd_2d),
                format!("{:.2}", r.naive_2d),
                format!("{:.1}×", r.sepconv / r.simd_2d),
                format!("{:.1}×", r.sepconv / r.naive_2d),
                format!("{:.1}", (k * k) as f64 / (2 * k) as f64),
            ];
            cells.extend(r.peers.iter().map(|v| format!("{v:.1}")));
            t.row(cells);
        }
        let crossover = match self.crossover() {
            Some(k) if k == self.rows[0].taps => {
                format!("  separable is faster than SIMD 2D at every size measured (from K = {k})")
            }
            Some(k) => format!("  crossover: separable overtakes SIMD 2D at K = {k}"),
            None => "  SIMD 2D was faster at every size measured".to_string(),
        };
        vec![
            Block::Blank,
            Block::Heading(
                3,
                format!(
                    "Kernel-size sweep on {} ({}×{}, Gaussian K taps, Reflect101, one thread): Mpix/s",
                    image.name, image.width, image.height
                ),
            ),
            Block::Table(t),
            Block::Line(crossover),
            Block::Line(format!("  plot: {}", self.plot.display())),
        ]
    }
}

/// The kernel-size sweep on one image: sepconv, SIMD 2D, naive 2D (and the
/// peers) at every size, the crossover, a plot (written here).
pub(super) fn sweep<S: BenchSample + peers::Peer>(
    image: Workload,
    opts: &Options,
    started: Instant,
    subtitle: &str,
) -> Result<Sweep, String> {
    let taps: Vec<usize> = if opts.full { (3..=63).step_by(2).collect() } else { SWEEP_TAPS.to_vec() };
    let mut rows = Vec::new();
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
        let peers = peers::sweep(&input, &out, opts.budget(SWEEP_BUDGET));
        rows.push(Row { taps: k, sepconv: sep, simd_2d: simd, naive_2d: scalar, peers });
    }
    let mut sweep = Sweep { image, rows, plot: PathBuf::new() };
    let crossover = sweep.crossover();
    let rows = &sweep.rows;
    let mut series = vec![
        Series {
            name: format!("sepconv ({})", opts.backend.name()),
            color: PALETTE[0],
            points: rows.iter().map(|r| (r.taps as f64, r.sepconv)).collect(),
            dashed: false,
        },
        Series {
            name: format!("SIMD 2D ({})", sepconv::best_backend().name()),
            color: PALETTE[1],
            points: rows.iter().map(|r| (r.taps as f64, r.simd_2d)).collect(),
            dashed: false,
        },
        Series {
            name: "naive 2D (scalar)".to_string(),
            color: PALETTE[2],
            points: rows.iter().map(|r| (r.taps as f64, r.naive_2d)).collect(),
            dashed: false,
        },
    ];
    for (p, name) in peers::NAMES.iter().enumerate() {
        series.push(Series {
            name: name.to_string(),
            color: PALETTE[3 + p],
            points: rows.iter().filter_map(|r| r.peers.get(p).map(|&v| (r.taps as f64, v))).collect(),
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
    sweep.plot = write_svg(&format!("{}.svg", image.name), &chart)?;
    Ok(sweep)
}
