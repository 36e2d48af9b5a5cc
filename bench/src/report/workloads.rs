//! The workload tables' measurements: sepconv, the 2D baselines, memcpy and the peers on one workload.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use sepconv::{filter_parallel, Backend, ImageView, ImageViewMut, Threads};

use super::cli::{Options, BAND_BUDGET, BAND_TIME, MEMCPY_BUDGET, SEPCONV_BUDGET};
use super::{peers, progress};
use crate::{
    memcpy, sample_band, time_median, verify, verify_within, Agreement, BenchSample, Direct2d, Input, Naive2d, Workload,
};

/// One system's figure on one workload.
pub(super) struct Figure {
    pub(super) system: &'static str,
    pub(super) backend: &'static str,
    pub(super) mpix_s: f64,
    pub(super) threads: usize,
    /// What was timed: `"whole image"` or the band of rows.
    pub(super) timed_on: String,
    /// Its answer against sepconv's or the naive filter's.
    pub(super) check: String,
}

pub(super) struct Measured {
    pub(super) workload: Workload,
    pub(super) figures: Vec<Figure>,
    pub(super) notes: Vec<String>,
}

impl Measured {
    pub(super) fn mpix_s(&self, system: &str) -> Option<f64> {
        self.figures.iter().find(|f| f.system == system).map(|f| f.mpix_s)
    }
}

/// A sepconv run on the whole image: one thread with a reused scratch, or
/// `filter_parallel` on `threads` bands.
pub(super) fn sepconv_runner<'a, S: BenchSample>(
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
pub(super) fn check_direct<S: BenchSample>(direct: &Direct2d, input: &Input<S>) -> Result<Agreement, String> {
    let w = input.workload;
    let stride = w.width * w.channels;
    let mut out = vec![S::default(); w.samples()];
    for band in crate::check_bands(w.height, w.taps) {
        let rows = &mut out[band.start * stride..band.end * stride];
        direct.run(&input.samples, (w.width, w.height, w.channels), band, rows);
    }
    let max_abs = input.samples.iter().map(|v| v.to_f32().abs()).fold(0.0, f32::max);
    verify_within(input, &out, direct.tolerance::<S>(&input.taps, &input.taps, max_abs))
        .map_err(|e| format!("SIMD 2D ({}): {e}", direct.backend().name()))
}

/// Times a 2D baseline on a band of about `band_time` of rows.
pub(super) fn time_band<S: BenchSample>(
    filter: &impl crate::Filter2d,
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

pub(super) fn rows_label(rows: usize, height: usize) -> String {
    if rows == height {
        "whole image".to_string()
    } else {
        format!("{rows} rows")
    }
}

pub(super) fn measure<S: BenchSample + peers::Peer>(
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

    progress(started, &format!("{}: timing SIMD 2D ({}) on a band", w.name, direct.backend().name()));
    let (mpix_s, rows) = time_band(&direct, &input, BAND_TIME, opts.budget(BAND_BUDGET));
    figures.push(Figure {
        system: "direct2d-simd",
        backend: direct.backend().name(),
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
