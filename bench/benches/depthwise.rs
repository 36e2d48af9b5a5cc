//! Criterion suite for the depthwise-separable layers (issue 9):
//! `cargo bench -p sepconv-bench --bench depthwise` (add `-- --quick`).
//!
//! One group per MobileNet layer of `sepconv_bench::depthwise::LAYERS`;
//! ids `separable-f32/<backend>` and `separable-i8/<backend>` for every
//! backend this CPU runs, `full-im2col-f32` and `full-im2col-i8` (the full
//! `3×3×C_in×C_out` convolution, im2col + the bench's blocked GEMM) and
//! `full-im2col-sepconv-{f32,i8}/<best backend>` (im2col + sepconv's
//! pointwise kernel as the GEMM). The naive full
//! convolution (0.1–0.5 s an iteration) is left to the report. Throughput is
//! in output pixels. Every case was checked once (`depthwise::verify`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sepconv::{available_backends, best_backend};
use sepconv_bench::depthwise::{
    full_im2col_f32, full_im2col_i8, full_im2col_sepconv_f32, full_im2col_sepconv_i8, verify, Im2colScratch, Problem,
    LAYERS,
};

fn layers(c: &mut Criterion) {
    for layer in &LAYERS {
        let p = Problem::new(layer.shape);
        verify(&p, best_backend()).expect("depthwise answers checked before timing");
        let (h, w) = layer.shape.output_size().expect("valid layer");
        let mut group = c.benchmark_group(layer.name);
        group.throughput(Throughput::Elements((h * w) as u64));
        let n = p.output_len();
        let (f32_layer, i8_layer) = (p.separable_f32(), p.separable_i8());
        let (mut out, mut qout) = (vec![0.0f32; n], vec![0i8; n]);
        let mut scratch = vec![0.0f32; f32_layer.scratch_len()];
        let mut qscratch = vec![0i32; i8_layer.scratch_len()];
        for b in available_backends() {
            group.bench_function(format!("separable-f32/{}", b.name()), |bench| {
                bench.iter(|| f32_layer.run(b, black_box(&p.input), &mut out, &mut scratch).expect("checked"))
            });
            group.bench_function(format!("separable-i8/{}", b.name()), |bench| {
                bench.iter(|| i8_layer.run(b, black_box(&p.qinput), &mut qout, &mut qscratch).expect("checked"))
            });
        }
        let mut im2col = Im2colScratch::new(&p);
        group.sample_size(10);
        group.bench_function("full-im2col-f32", |bench| {
            bench.iter(|| full_im2col_f32(black_box(&p), best_backend(), &mut out, &mut im2col))
        });
        group.bench_function("full-im2col-i8", |bench| {
            bench.iter(|| full_im2col_i8(black_box(&p), best_backend(), &mut qout, &mut im2col))
        });
        let best = best_backend();
        group.bench_function(format!("full-im2col-sepconv-f32/{}", best.name()), |bench| {
            bench.iter(|| full_im2col_sepconv_f32(black_box(&p), best, &mut out, &mut im2col))
        });
        group.bench_function(format!("full-im2col-sepconv-i8/{}", best.name()), |bench| {
            bench.iter(|| full_im2col_sepconv_i8(black_box(&p), best, &mut qout, &mut im2col))
        });
        group.finish();
    }
}

criterion_group!(benches, layers);
criterion_main!(benches);
