//! Gaussian filtering (f32, or u8 / u16 with `--u8` / `--u16`) of chosen shapes, one
//! thread: for finding what a workload's time depends on (image width at an
//! equal pixel count, one pass alone with a 1-tap kernel in the other).
//!
//!     cargo run --release -p sepconv-bench --bin shapes -- ROW,COLUMN WxH... [--u8|--u16] [--valid] [--backend NAME] [--rounds R]
//!
//! `ROW,COLUMN` are the two kernels' tap counts (a single number: both);
//! `--valid` filters without borders (`Plan::valid`: only the outputs whose
//! window lies inside the image), which isolates what the borders cost;
//! Mpix/s counts output pixels;
//! each round times every shape once (median of repetitions filling 0.5 s),
//! so shapes and rounds alternate.

use std::process::ExitCode;
use std::time::Duration;

use sepconv::{backend_by_name, best_backend, Backend};
use sepconv_bench::Timing;
use sepconv_bench::{load_average, time_median};
use sepconv_core::{generate, Border, Borders, ImageView, ImageViewMut, Kernel, Output, Plan, Sample, Shape};

fn gaussian(taps: usize) -> Result<Vec<f32>, String> {
    let mut k = vec![0.0; taps];
    generate::gaussian(taps, 0.0, &mut k).map_err(|e| format!("{taps} taps: {e}"))?;
    Ok(k)
}

fn parse_pair(s: &str, sep: char) -> Result<(usize, usize), String> {
    let (a, b) = s.split_once(sep).unwrap_or((s, s));
    Ok((a.parse().map_err(|_| format!("not a number: {a}"))?, b.parse().map_err(|_| format!("not a number: {b}"))?))
}

fn run(args: &[String]) -> Result<(), String> {
    let mut backend = best_backend();
    let mut rounds = 3;
    let mut samples = "f32";
    let mut taps = None;
    let mut valid = false;
    let mut shapes = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--backend" => {
                let name = it.next().ok_or("--backend NAME")?;
                backend = backend_by_name(name).ok_or(format!("backend {name} does not run here"))?;
            }
            "--u8" => samples = "u8",
            "--u16" => samples = "u16",
            "--valid" => valid = true,
            "--rounds" => rounds = it.next().and_then(|r| r.parse().ok()).ok_or("--rounds R")?,
            _ if taps.is_none() => taps = Some(parse_pair(a, ',')?),
            _ => shapes.push(parse_pair(a, 'x')?),
        }
    }
    let (row_taps, column_taps) =
        taps.ok_or("usage: shapes ROW,COLUMN WxH... [--u8|--u16] [--valid] [--backend NAME] [--rounds R]")?;
    let (row, column) = (gaussian(row_taps)?, gaussian(column_taps)?);
    println!("{samples}, backend {}, system load {}", Backend::name(&backend), load_average());
    for round in 1..=rounds {
        for &(w, h) in &shapes {
            let (shape, row, column) = (
                Shape::new(w, h, 1).map_err(|e| e.to_string())?,
                Kernel::new(&row).map_err(|e| e.to_string())?,
                Kernel::new(&column).map_err(|e| e.to_string())?,
            );
            let plan = if valid {
                Plan::valid(shape, row, column)
            } else {
                Plan::new(shape, row, column, Borders::uniform(Border::Reflect101))
            }
            .map_err(|e| e.to_string())?;
            let out = plan.output_shape();
            let pixels = out.width * out.height;
            let timing = match samples {
                "u8" => time_filter(&plan, backend, (w, h), |i| (i * 7919 % 255) as u8),
                "u16" => time_filter(&plan, backend, (w, h), |i| (i * 7919 % 65535) as u16),
                _ => time_filter(&plan, backend, (w, h), |i| (i * 7919 % 255) as f32),
            }?;
            println!(
                "round {round} {w}x{h} taps {row_taps},{column_taps}: {:.0} Mpix/s ({:.3} ns a pixel, {} reps)",
                timing.mpix_s(pixels),
                timing.median.as_secs_f64() * 1e9 / pixels as f64,
                timing.reps
            );
        }
    }
    Ok(())
}

/// The median time of `plan` on a `w × h` image of `sample(i)`, one channel.
fn time_filter<T: Sample + Output<T>>(
    plan: &Plan<'_>,
    backend: Backend,
    (w, h): (usize, usize),
    sample: impl Fn(usize) -> T,
) -> Result<Timing, String> {
    let src: Vec<T> = (0..w * h).map(sample).collect();
    let (ow, oh) = (plan.output_shape().width, plan.output_shape().height);
    let mut dst = src[..ow * oh].to_vec();
    let mut scratch = vec![0.0f32; plan.scratch_len::<T>()];
    let view = ImageView::new(&src, w, h, 1).map_err(|e| e.to_string())?;
    Ok(time_median(5, Duration::from_millis(500), || {
        let mut out = ImageViewMut::new(&mut dst, ow, oh, 1).expect("the buffer fits the shape");
        plan.filter(backend, &view, &mut out, &mut scratch).expect("the plan fits its buffers");
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shapes: {e}");
            ExitCode::FAILURE
        }
    }
}
