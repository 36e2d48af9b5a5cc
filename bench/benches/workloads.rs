//! Criterion suite over the workloads of DESIGN.md:
//! `cargo bench -p sepconv-bench` (add `-- --quick` for a fast pass, or a
//! workload name to filter, e.g. `-- f32-1080p-5`).
//!
//! Each workload is a group; inside it, `sepconv/<backend>` for every
//! backend this CPU runs, `memcpy/std` (the memory floor), and on
//! `f32-512-3` only, `naive-2d/scalar`. Throughput is in pixels
//! (`Throughput::Elements`), so criterion prints Melem/s = Mpix/s.
//!
//! Why naive 2D only on `f32-512-3`: a whole-image naive iteration costs
//! 0.05–2 s on the larger workloads (`K²` multiply-adds per sample, scalar),
//! and criterion's minimum of ten samples would turn that into minutes per
//! case. The report (`--bin report`) measures naive 2D on every workload by
//! sampling a band of rows instead.
//!
//! On f32 workloads, `sepconv-transposed/<best backend>` runs the
//! transposed-tile column strategy beside the plan's direct one
//! (`sepconv/<backend>`), so both strategies are measured side by side.
//!
//! Every sepconv case checks its answer once against the naive 2D filter
//! before it is timed, and panics if it is wrong.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sepconv::{available_backends, ColumnStrategy, ImageView, ImageViewMut};
use sepconv_bench::{memcpy, verify, BenchSample, Input, Naive2d, SampleType, Workload, WORKLOADS};

/// The one workload small enough for a whole-image naive 2D benchmark.
const NAIVE_WORKLOAD: &str = "f32-512-3";

fn bench_workload<S: BenchSample>(c: &mut Criterion, w: Workload) {
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

fn workloads(c: &mut Criterion) {
    for w in WORKLOADS {
        match w.sample {
            SampleType::F32 => bench_workload::<f32>(c, w),
            SampleType::U8 => bench_workload::<u8>(c, w),
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = workloads
}
criterion_main!(benches);
