//! The depthwise report section: each answer checked once, each variant timed, parameter and multiply-add ratios.

use std::time::Duration;

use sepconv::Backend;

use super::im2col::has_avx2;
use super::{
    full_im2col_f32, full_im2col_i8, full_im2col_sepconv_f32, full_im2col_sepconv_i8, full_naive_f32, full_naive_i8,
    multiply_adds, Im2colScratch, Problem, LAYERS,
};
use crate::time_median;

/// Checks, once: separable f32 on `backend` against the naive full
/// convolution (equivalent weights; within a bound relative to `Σ|w||x|`),
/// im2col f32 against naive f32, im2col int8 against naive int8 (bit for
/// bit), separable int8 on `backend` against the scalar backend (bit for bit).
pub fn verify(p: &Problem, backend: Backend) -> Result<(), String> {
    let n = p.output_len();
    let (mut naive, mut other) = (vec![0.0f32; n], vec![0.0f32; n]);
    full_naive_f32(p, &mut naive);
    let layer = p.separable_f32();
    let mut scratch = vec![0.0; layer.scratch_len()];
    layer.run(backend, &p.input, &mut other, &mut scratch).map_err(|e| e.to_string())?;
    // |x| ≤ 1, |w_full| ≤ 0.1, 9·C_in terms: f32 error ≪ 1e-3.
    let worst = naive.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    if worst > 1e-3 {
        return Err(format!("separable f32 ({}) differs from the full convolution by {worst}", backend.name()));
    }
    let mut scratch2 = Im2colScratch::new(p);
    full_im2col_f32(p, &mut other, &mut scratch2);
    let worst = naive.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    if worst > 1e-3 {
        return Err(format!("im2col f32 differs from naive by {worst}"));
    }
    full_im2col_sepconv_f32(p, backend, &mut other, &mut scratch2);
    let worst = naive.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    if worst > 1e-3 {
        return Err(format!("im2col + sepconv GEMM f32 differs from naive by {worst}"));
    }
    let (mut qa, mut qb) = (vec![0i8; n], vec![0i8; n]);
    full_naive_i8(p, &mut qa);
    full_im2col_i8(p, &mut qb, &mut scratch2);
    if qa != qb {
        return Err("im2col int8 differs from naive int8".into());
    }
    full_im2col_sepconv_i8(p, backend, &mut qb, &mut scratch2);
    if qa != qb {
        return Err("im2col + sepconv GEMM int8 differs from naive int8".into());
    }
    let q = p.separable_i8();
    let mut qs = vec![0i32; q.scratch_len()];
    q.run(backend, &p.qinput, &mut qa, &mut qs).map_err(|e| e.to_string())?;
    q.run(Backend::Scalar, &p.qinput, &mut qb, &mut qs).map_err(|e| e.to_string())?;
    if qa != qb {
        return Err(format!("separable int8 on {} differs from the scalar backend", backend.name()));
    }
    let distinct = qa.iter().collect::<std::collections::BTreeSet<_>>().len();
    if distinct < 8 {
        return Err(format!("separable int8 output is degenerate ({distinct} distinct values)"));
    }
    Ok(())
}

/// The report section: for each layer, the check, then medians of the
/// separable layer (best and scalar backends) and both full convolutions,
/// f32 and int8, with parameter and multiply-add ratios.
pub fn report(backend: Backend) -> Result<(), String> {
    println!("Depthwise-separable vs full convolution (MobileNet v1 layers, 3×3, same padding, one thread)");
    println!(
        "  separable = sepconv::depthwise ({} and scalar backends); full naive = TFLite reference loops; \
         full im2col+GEMM = one row of patches + 4×16 register-blocked GEMM ({}), written in the bench crate; \
         full im2col+sc = patch matrix + sepconv's pointwise kernel ({}) as the GEMM",
        backend.name(),
        if has_avx2() { "AVX2" } else { "baseline ISA" },
        backend.name()
    );
    let budget = Duration::from_millis(400);
    for layer in &LAYERS {
        let p = Problem::new(layer.shape);
        verify(&p, backend)?;
        let s = &layer.shape;
        let (oh, ow) = s.output_size().map_err(|e| e.to_string())?;
        let (sep_params, full_params) = s.parameter_counts().ok_or("parameter count overflows")?;
        let (sep_macs, full_macs) = multiply_adds(s);
        println!();
        println!(
            "  {}: {}×{}×{} → {}×{}×{}, stride {}",
            layer.name, s.height, s.width, s.in_channels, oh, ow, s.out_channels, s.stride_y
        );
        println!(
            "    parameters: separable {sep_params}, full {full_params} (full/separable {:.1}×); multiply-adds: separable {:.1} M, full {:.1} M ({:.1}×)",
            full_params as f64 / sep_params as f64,
            sep_macs as f64 / 1e6,
            full_macs as f64 / 1e6,
            full_macs as f64 / sep_macs as f64
        );
        println!(
            "    {:<6} {:<22} {:>10} {:>9} {:>12} {:>13}",
            "type", "variant", "median ms", "GMAC/s", "vs naive", "vs best full"
        );
        let n = p.output_len();
        let mut scratch2 = Im2colScratch::new(&p);
        // f32
        let (mut out, layer_f32) = (vec![0.0f32; n], p.separable_f32());
        let mut scratch = vec![0.0f32; layer_f32.scratch_len()];
        let naive = time_median(1, budget, || full_naive_f32(&p, &mut out)).median;
        let im2col = time_median(3, budget, || full_im2col_f32(&p, &mut out, &mut scratch2)).median;
        let fair = time_median(3, budget, || full_im2col_sepconv_f32(&p, backend, &mut out, &mut scratch2)).median;
        let mut rows = vec![
            ("full naive".to_string(), naive, full_macs),
            ("full im2col+GEMM".into(), im2col, full_macs),
            (format!("full im2col+sc {}", backend.name()), fair, full_macs),
        ];
        for b in [backend, Backend::Scalar] {
            let t = time_median(3, budget, || layer_f32.run(b, &p.input, &mut out, &mut scratch).expect("checked"));
            rows.push((format!("separable {}", b.name()), t.median, sep_macs));
        }
        print_rows("f32", &rows, naive, im2col.min(fair));
        // int8
        let (mut qout, layer_i8) = (vec![0i8; n], p.separable_i8());
        let mut qscratch = vec![0i32; layer_i8.scratch_len()];
        let naive = time_median(1, budget, || full_naive_i8(&p, &mut qout)).median;
        let im2col = time_median(3, budget, || full_im2col_i8(&p, &mut qout, &mut scratch2)).median;
        let fair = time_median(3, budget, || full_im2col_sepconv_i8(&p, backend, &mut qout, &mut scratch2)).median;
        let mut rows = vec![
            ("full naive".to_string(), naive, full_macs),
            ("full im2col+GEMM".into(), im2col, full_macs),
            (format!("full im2col+sc {}", backend.name()), fair, full_macs),
        ];
        for b in [backend, Backend::Scalar] {
            let t = time_median(3, budget, || layer_i8.run(b, &p.qinput, &mut qout, &mut qscratch).expect("checked"));
            rows.push((format!("separable {}", b.name()), t.median, sep_macs));
        }
        print_rows("int8", &rows, naive, im2col.min(fair));
    }
    println!(
        "  GMAC/s counts each variant's own multiply-adds; \"vs\" columns are speedups (time of the naive / of the fastest \
         full convolution, divided by this time). im2col+GEMM: the GEMM written in the bench crate; im2col+sc: the whole \
         patch matrix, then sepconv's pointwise kernel as the GEMM (a 1×1 identity depthwise stage, K·K·C_in → C_out)."
    );
    Ok(())
}

fn print_rows(kind: &str, rows: &[(String, Duration, usize)], naive: Duration, best_full: Duration) {
    for (name, t, macs) in rows {
        let secs = t.as_secs_f64();
        println!(
            "    {:<6} {:<22} {:>10.3} {:>9.2} {:>11.1}× {:>12.1}×",
            kind,
            name,
            secs * 1e3,
            *macs as f64 / secs / 1e9,
            naive.as_secs_f64() / secs,
            best_full.as_secs_f64() / secs
        );
    }
}
