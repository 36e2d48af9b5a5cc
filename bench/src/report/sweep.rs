//! The kernel-size sweep: separable against SIMD 2D against naive 2D (and the peers) at every size, the crossover, a plot.

use std::fmt::Write as _;
use std::time::Instant;

use super::cli::{Options, SWEEP_BAND_TIME, SWEEP_BUDGET};
use super::workloads::{check_direct, sepconv_runner, time_band};
use super::{peers, progress, write_svg};
use crate::plot::{Chart, Series, PALETTE};
use crate::{time_median, verify, BenchSample, Direct2d, Input, Naive2d, Workload, SWEEP_TAPS};

/// The kernel-size sweep on one image: sepconv, SIMD 2D, naive 2D (and the
/// peers) at every size, the crossover, a plot.
pub(super) fn sweep<S: BenchSample + peers::Peer>(
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
            name: format!("SIMD 2D ({})", crate::Direct2dIsa::detect().name()),
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
    write_svg(&format!("{}.svg", image.name), &chart)
}
