//! Criterion suite over the workloads of DESIGN.md:
//! `cargo bench -p sepconv-bench` (add `-- --quick` for a fast pass, or a
//! workload name to filter, e.g. `-- f32-1080p-5`).
//!
//! Each workload is a group; inside it, `sepconv/<backend>` for every
//! backend this CPU runs, `direct2d-simd/<isa>` (the vectorised direct `K×K`
//! baseline, whole image), `memcpy/std` (the memory floor), with feature
//! `peers` `libblur/<function>` and `imageproc/<function>`, and on
//! `f32-512-3` only, `naive-2d/scalar`. Throughput is in pixels
//! (`Throughput::Elements`), so criterion prints Melem/s = Mpix/s.
//!
//! Why naive 2D only on `f32-512-3` in the workload groups: a whole-image
//! naive iteration costs 0.05–2 s on the larger workloads (`K²` scalar
//! multiply-adds per sample), and criterion's minimum of ten samples would
//! turn that into minutes per case. The sweep groups time it on a band of
//! rows instead (see below), as the report does.
//!
//! The kernel-size sweep: one group per image of `SWEEP_IMAGES`
//! (`sweep-f32-1080p`, `sweep-u8-1080p`), ids `<system>/<taps>` for
//! `SWEEP_TAPS` (3…63; `SEPCONV_SWEEP_TAPS=3,5,...` overrides):
//! `sepconv/<taps>` on the best backend, `direct2d-simd/<taps>` and
//! `naive-2d/<taps>`, the two 2D baselines timed on a band of rows sized to
//! ~10 ms (their throughput counts the band's pixels), and with `peers`,
//! `libblur/<taps>` and `imageproc/<taps>`. Filter with `-- sweep` or
//! `-- sweep-f32`. In CI's quick mode (`-- --quick --noplot
//! --measurement-time 1`) the whole suite took 84 s on the 2-vCPU machine.
//!
//! On f32 workloads, `sepconv-transposed/<best backend>` runs the
//! transposed-tile column strategy beside the plan's direct one
//! (`sepconv/<backend>`), so both strategies are measured side by side.
//!
//! Every sepconv and direct2d case checks its answer once against the naive
//! 2D filter before it is timed, and panics if it is wrong; peers are
//! compared with sepconv once and their difference printed (their borders
//! and rounding differ, see `sepconv_bench::peers`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use sepconv::{available_backends, best_backend, ColumnStrategy, ImageView, ImageViewMut};
use sepconv_bench::{
    memcpy, sample_band, verify, verify_within, BenchSample, Direct2d, Filter2d, Input, Naive2d, SampleType, Workload,
    SWEEP_IMAGES, SWEEP_TAPS, WORKLOADS,
};

/// A sample type the suite runs: with `peers`, one the peers filter too.
#[cfg(feature = "peers")]
trait SuiteSample: BenchSample + sepconv_bench::peers::PeerSample {}
#[cfg(feature = "peers")]
impl<T: BenchSample + sepconv_bench::peers::PeerSample> SuiteSample for T {}
#[cfg(not(feature = "peers"))]
trait SuiteSample: BenchSample {}
#[cfg(not(feature = "peers"))]
impl<T: BenchSample> SuiteSample for T {}

/// The peers on `input`, checked once against sepconv's output `reference`
/// (the difference is printed), then timed as `<library>/<id>`.
#[cfg(feature = "peers")]
fn bench_peers<S: SuiteSample>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    input: &Input<S>,
    reference: &[S],
    id: Option<&str>,
) {
    let mut out = vec![S::default(); reference.len()];
    for peer in S::peers(input) {
        if let Err(e) = (peer.run)(&mut out) {
            eprintln!("{} failed on {}: {e}", peer.name, input.workload.name);
            continue;
        }
        let a = sepconv_bench::peers::compare(input, &out, reference);
        eprintln!(
            "{} {} on {} ({} taps): max |peer - sepconv| {} inside, {} near the edges",
            peer.name, peer.function, input.workload.name, input.workload.taps, a.interior, a.frame
        );
        let id = BenchmarkId::new(peer.name, id.unwrap_or(peer.function));
        group.bench_function(id, |b| b.iter(|| (peer.timed)(black_box(&mut out))));
    }
}

#[cfg(not(feature = "peers"))]
fn bench_peers<S: SuiteSample>(
    _: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    _: &Input<S>,
    _: &[S],
    _: Option<&str>,
) {
}

/// The one workload small enough for a whole-image naive 2D benchmark.
const NAIVE_WORKLOAD: &str = "f32-512-3";

fn bench_workload<S: SuiteSample>(c: &mut Criterion, w: Workload) {
    let input = Input::<S>::new(w);
    let plan = input.plan();
    let src = ImageView::new(&input.samples, w.width, w.height, w.channels).expect("input view");
    let mut out = vec![S::default(); w.samples()];
    let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];

    let mut group = c.benchmark_group(w.name);
    group.throughput(Throughput::Elements(w.pixels() as u64));
    if w.pixels() > 1 << 20 {
        // Large images: each iteration takes milliseconds; ten samples suffice.
        group.sample_size(10);
    }

    for backend in available_backends() {
        let mut run = |out: &mut [S]| {
            let mut dst = ImageViewMut::new(out, w.width, w.height, w.channels).expect("output view");
            plan.filter(backend, &src, &mut dst, &mut scratch).expect("filter");
        };
        run(&mut out);
        if let Err(msg) = verify(&input, &out) {
            panic!("wrong answer from sepconv/{} on {}: {msg}", backend.name(), w.name);
        }
        group.bench_function(BenchmarkId::new("sepconv", backend.name()), |b| b.iter(|| run(black_box(&mut out))));
    }

    if w.sample == SampleType::F32 {
        let backend = sepconv::best_backend();
        let transposed = plan.clone().with_column_strategy(ColumnStrategy::TransposedTile);
        let mut scratch = vec![0.0f32; transposed.scratch_len::<S>()];
        let mut run = |out: &mut [S]| {
            let mut dst = ImageViewMut::new(out, w.width, w.height, w.channels).expect("output view");
            transposed.filter(backend, &src, &mut dst, &mut scratch).expect("filter");
        };
        run(&mut out);
        if let Err(msg) = verify(&input, &out) {
            panic!("wrong answer from sepconv-transposed/{} on {}: {msg}", backend.name(), w.name);
        }
        group.bench_function(BenchmarkId::new("sepconv-transposed", backend.name()), |b| {
            b.iter(|| run(black_box(&mut out)))
        });
    }

    let direct = Direct2d::new(&input.taps, &input.taps);
    let dims = (w.width, w.height, w.channels);
    let mut direct_out = vec![S::default(); w.samples()];
    direct.run(&input.samples, dims, 0..w.height, &mut direct_out);
    let max_abs = input.samples.iter().map(|v| v.to_f32().abs()).fold(0.0, f32::max);
    if let Err(msg) = verify_within(&input, &direct_out, direct.tolerance::<S>(&input.taps, &input.taps, max_abs)) {
        panic!("wrong answer from direct2d-simd/{} on {}: {msg}", direct.backend().name(), w.name);
    }
    group.bench_function(BenchmarkId::new("direct2d-simd", direct.backend().name()), |b| {
        b.iter(|| direct.run(black_box(&input.samples), dims, 0..w.height, &mut direct_out))
    });

    // `out` holds the best backend's answer: the peers are compared with it.
    bench_peers(&mut group, &input, &out, None);

    if w.name == NAIVE_WORKLOAD {
        let naive = Naive2d::new(&input.taps, &input.taps);
        let dims = (w.width, w.height, w.channels);
        group.bench_function(BenchmarkId::new("naive-2d", "scalar"), |b| {
            b.iter(|| naive.run(black_box(&input.samples), dims, 0..w.height, &mut out))
        });
    }

    let src_bytes = vec![0x5au8; w.bytes()];
    let mut dst_bytes = vec![0u8; w.bytes()];
    group.bench_function(BenchmarkId::new("memcpy", "std"), |b| b.iter(|| memcpy(&mut dst_bytes, &src_bytes)));
    group.finish();
}

/// Times a 2D baseline on a band of about 10 ms of rows (see `sample_band`),
/// throughput in the band's pixels.
fn bench_band<S: SuiteSample>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    filter: &impl Filter2d,
    input: &Input<S>,
) {
    let w = input.workload;
    let band = sample_band(filter, input, Duration::from_millis(10));
    let mut out = vec![S::default(); band.len() * w.width * w.channels];
    group.throughput(Throughput::Elements((band.len() * w.width) as u64));
    group.bench_function(id, |b| {
        b.iter(|| filter.run_rows(black_box(&input.samples), (w.width, w.height, w.channels), band.clone(), &mut out))
    });
    group.throughput(Throughput::Elements(w.pixels() as u64));
}

/// The sweep's kernel sizes: `SEPCONV_SWEEP_TAPS` (comma-separated) or
/// `SWEEP_TAPS`.
fn sweep_taps() -> Vec<usize> {
    match std::env::var("SEPCONV_SWEEP_TAPS") {
        Ok(list) => list
            .split(',')
            .map(|t| t.trim().parse().unwrap_or_else(|_| panic!("SEPCONV_SWEEP_TAPS: bad size {t:?}")))
            .collect(),
        Err(_) => SWEEP_TAPS.to_vec(),
    }
}

/// One sweep group: every kernel size on one image.
fn bench_sweep<S: SuiteSample>(c: &mut Criterion, image: Workload) {
    let mut group = c.benchmark_group(image.name);
    group.sample_size(10);
    let backend = best_backend();
    for taps in sweep_taps() {
        let w = image.with_taps(taps);
        let input = Input::<S>::new(w);
        let plan = input.plan();
        let src = ImageView::new(&input.samples, w.width, w.height, w.channels).expect("input view");
        let mut out = vec![S::default(); w.samples()];
        let mut scratch = vec![0.0f32; plan.scratch_len::<S>()];
        let mut run = |out: &mut [S]| {
            let mut dst = ImageViewMut::new(out, w.width, w.height, w.channels).expect("output view");
            plan.filter(backend, &src, &mut dst, &mut scratch).expect("filter");
        };
        run(&mut out);
        if let Err(msg) = verify(&input, &out) {
            panic!("wrong answer from sepconv/{} on {} with {taps} taps: {msg}", backend.name(), w.name);
        }
        group.throughput(Throughput::Elements(w.pixels() as u64));
        group.bench_function(BenchmarkId::new("sepconv", taps), |b| b.iter(|| run(black_box(&mut out))));

        let direct = Direct2d::new(&input.taps, &input.taps);
        // Checked on the rows `verify` reads (borders and middle), not timed.
        let mut direct_out = out.clone();
        let stride = w.width * w.channels;
        for band in sepconv_bench::check_bands(w.height, taps) {
            let rows = &mut direct_out[band.start * stride..band.end * stride];
            direct.run(&input.samples, (w.width, w.height, w.channels), band, rows);
        }
        let max_abs = input.samples.iter().map(|v| v.to_f32().abs()).fold(0.0, f32::max);
        if let Err(msg) = verify_within(&input, &direct_out, direct.tolerance::<S>(&input.taps, &input.taps, max_abs)) {
            panic!("wrong answer from direct2d-simd on {} with {taps} taps: {msg}", w.name);
        }
        bench_band(&mut group, BenchmarkId::new("direct2d-simd", taps), &direct, &input);
        bench_band(&mut group, BenchmarkId::new("naive-2d", taps), &Naive2d::new(&input.taps, &input.taps), &input);
        bench_peers(&mut group, &input, &out, Some(&taps.to_string()));
    }
    group.finish();
}

fn sweeps(c: &mut Criterion) {
    for image in SWEEP_IMAGES {
        match image.sample {
            SampleType::F32 => bench_sweep::<f32>(c, image),
            SampleType::U8 => bench_sweep::<u8>(c, image),
            SampleType::U16 => bench_sweep::<u16>(c, image),
        }
    }
}

fn workloads(c: &mut Criterion) {
    for w in WORKLOADS {
        match w.sample {
            SampleType::F32 => bench_workload::<f32>(c, w),
            SampleType::U8 => bench_workload::<u8>(c, w),
            SampleType::U16 => bench_workload::<u16>(c, w),
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = workloads, sweeps
}
criterion_main!(benches);
