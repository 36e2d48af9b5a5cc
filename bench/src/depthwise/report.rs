//! The depthwise report section: each answer checked once, each variant timed, parameter and multiply-add ratios.

use std::time::Duration;

use sepconv::depthwise::LayerShape;
use sepconv::{best_backend, Backend};

use super::{
    full_im2col_f32, full_im2col_i8, full_im2col_sepconv_f32, full_im2col_sepconv_i8, full_naive_f32, full_naive_i8,
    multiply_adds, Im2colScratch, Problem, LAYERS,
};
use crate::document::{Block, Column, Table};
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
    full_im2col_f32(p, best_backend(), &mut other, &mut scratch2);
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
    full_im2col_i8(p, best_backend(), &mut qb, &mut scratch2);
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

/// The median times of one sample type's variants on one layer.
#[derive(Debug, Clone)]
pub struct Variants {
    /// `(variant, median time, its multiply-adds)`, full convolutions first.
    pub rows: Vec<(String, Duration, usize)>,
    /// The naive full convolution's time.
    pub naive: Duration,
    /// The fastest full convolution's time.
    pub best_full: Duration,
}

/// One layer, measured.
#[derive(Debug, Clone)]
pub struct LayerTimes {
    /// The layer's name.
    pub name: &'static str,
    /// Its shape.
    pub shape: LayerShape,
    /// Output height and width.
    pub output: (usize, usize),
    /// Parameters, separable and full.
    pub parameters: (usize, usize),
    /// Multiply-adds, separable and full.
    pub multiply_adds: (usize, usize),
    /// f32.
    pub f32: Variants,
    /// int8.
    pub int8: Variants,
}

/// The depthwise section, measured.
#[derive(Debug, Clone)]
pub struct DepthwiseReport {
    /// The sepconv backend of the separable layers (also timed on scalar).
    pub backend: &'static str,
    /// What the bench crate's im2col GEMM is compiled for.
    pub gemm_isa: &'static str,
    /// Every layer of [`LAYERS`].
    pub layers: Vec<LayerTimes>,
}

/// The report section: for each layer, the check, then medians of the
/// separable layer (best and scalar backends) and both full convolutions,
/// f32 and int8, with parameter and multiply-add ratios. `progress` hears
/// of each layer before it is measured.
pub fn measure(backend: Backend, progress: &mut dyn FnMut(&str)) -> Result<DepthwiseReport, String> {
    let budget = Duration::from_millis(400);
    let mut layers = Vec::new();
    for layer in &LAYERS {
        progress(&format!("depthwise: {}", layer.name));
        let p = Problem::new(layer.shape);
        verify(&p, backend)?;
        let s = &layer.shape;
        let output = s.output_size().map_err(|e| e.to_string())?;
        let parameters = s.parameter_counts().ok_or("parameter count overflows")?;
        let (sep_macs, full_macs) = multiply_adds(s);
        let n = p.output_len();
        let mut scratch2 = Im2colScratch::new(&p);
        // f32
        let (mut out, layer_f32) = (vec![0.0f32; n], p.separable_f32());
        let mut scratch = vec![0.0f32; layer_f32.scratch_len()];
        let naive = time_median(1, budget, || full_naive_f32(&p, &mut out)).median;
        let im2col = time_median(3, budget, || full_im2col_f32(&p, best_backend(), &mut out, &mut scratch2)).median;
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
        let f32 = Variants { rows, naive, best_full: im2col.min(fair) };
        // int8
        let (mut qout, layer_i8) = (vec![0i8; n], p.separable_i8());
        let mut qscratch = vec![0i32; layer_i8.scratch_len()];
        let naive = time_median(1, budget, || full_naive_i8(&p, &mut qout)).median;
        let im2col = time_median(3, budget, || full_im2col_i8(&p, best_backend(), &mut qout, &mut scratch2)).median;
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
        let int8 = Variants { rows, naive, best_full: im2col.min(fair) };
        layers.push(LayerTimes {
            name: layer.name,
            shape: layer.shape,
            output,
            parameters,
            multiply_adds: (sep_macs, full_macs),
            f32,
            int8,
        });
    }
    Ok(DepthwiseReport { backend: backend.name(), gemm_isa: best_backend().name(), layers })
}

impl DepthwiseReport {
    /// The section: what each variant is, then per layer its sizes and a
    /// table of times, throughputs and speedups.
    pub fn blocks(&self) -> Vec<Block> {
        let mut blocks = vec![
            Block::Heading(
                3,
                "Depthwise-separable vs full convolution (MobileNet v1 layers, 3×3, same padding, one thread)".into(),
            ),
            Block::Line(format!(
                "  separable = sepconv::depthwise ({} and scalar backends); full naive = TFLite reference loops; \
                 full im2col+GEMM = one row of patches + 4×16 register-blocked GEMM ({}), written in the bench crate; \
                 full im2col+sc = patch matrix + sepconv's pointwise kernel ({}) as the GEMM",
                self.backend, self.gemm_isa, self.backend
            )),
        ];
        for layer in &self.layers {
            let s = &layer.shape;
            let (oh, ow) = layer.output;
            let (sep_params, full_params) = layer.parameters;
            let (sep_macs, full_macs) = layer.multiply_adds;
            let mut t = Table::new(
                "    ",
                vec![
                    Column::left("type", 6),
                    Column::left("variant", 22),
                    Column::right("median ms", 10),
                    Column::right("GMAC/s", 9),
                    Column::right("vs naive", 12),
                    Column::right("vs best full", 13),
                ],
            );
            for (kind, variants) in [("f32", &layer.f32), ("int8", &layer.int8)] {
                for (name, time, macs) in &variants.rows {
                    let secs = time.as_secs_f64();
                    t.row(vec![
                        kind.to_string(),
                        name.clone(),
                        format!("{:.3}", secs * 1e3),
                        format!("{:.2}", *macs as f64 / secs / 1e9),
                        format!("{:.1}×", variants.naive.as_secs_f64() / secs),
                        format!("{:.1}×", variants.best_full.as_secs_f64() / secs),
                    ]);
                }
            }
            blocks.extend([
                Block::Blank,
                Block::Heading(
                    4,
                    format!(
                        "  {}: {}×{}×{} → {}×{}×{}, stride {}",
                        layer.name, s.height, s.width, s.in_channels, oh, ow, s.out_channels, s.stride_y
                    ),
                ),
                Block::Line(format!(
                    "    parameters: separable {sep_params}, full {full_params} (full/separable {:.1}×); \
                     multiply-adds: separable {:.1} M, full {:.1} M ({:.1}×)",
                    full_params as f64 / sep_params as f64,
                    sep_macs as f64 / 1e6,
                    full_macs as f64 / 1e6,
                    full_macs as f64 / sep_macs as f64
                )),
                Block::Table(t),
            ]);
        }
        blocks.push(Block::Line(
            "  GMAC/s counts each variant's own multiply-adds; \"vs\" columns are speedups (time of the naive / of the \
             fastest full convolution, divided by this time). im2col+GEMM: the GEMM written in the bench crate; \
             im2col+sc: the whole patch matrix, then sepconv's pointwise kernel as the GEMM (a 1×1 identity depthwise \
             stage, K·K·C_in → C_out)."
                .into(),
        ));
        blocks
    }
}
