//! Blurs a picture, or takes its Sobel gradient, reading and writing PNG or
//! JPEG through the `image` crate:
//!
//! ```text
//! cargo run --release --example blur -- examples/data/chelsea.jpg blurred.png --sigma 2
//! cargo run --release --example blur -- examples/data/chelsea.jpg edges.png --sobel
//! ```
//!
//! Options: `--sigma S` (a Gaussian blur, the default with σ = 2), `--box N`
//! (an `N × N` box blur), `--sobel` (the gradient magnitude `|gx| + |gy|`
//! of the grey image, 3 taps), `--premultiplied` (blur colour weighted by
//! alpha), `--threads N`.

use std::process::ExitCode;

use image::{DynamicImage, GrayImage};
use sepconv::{Options, Threads};

/// What to do with the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Job {
    Gaussian(f64),
    Box(usize),
    Sobel,
}

/// Reads `input`, runs `job` with `options`, writes `output` (its format
/// from its extension).
pub fn run(input: &str, output: &str, job: Job, options: Options) -> Result<(), String> {
    let img = image::open(input).map_err(|e| format!("{input}: {e}"))?;
    let result = filter(&img, job, options)?;
    result.save(output).map_err(|e| format!("{output}: {e}"))
}

/// The filtered picture.
pub fn filter(img: &DynamicImage, job: Job, options: Options) -> Result<DynamicImage, String> {
    let err = |e: sepconv::Error| e.to_string();
    Ok(match job {
        Job::Gaussian(sigma) => options.gaussian_blur(img, sigma).map_err(err)?,
        Job::Box(size) => options.box_blur(img, size).map_err(err)?,
        Job::Sobel => {
            let grey = img.to_luma8();
            let gx = options.sobel(&grey, 1, 0, 3).map_err(err)?;
            let gy = options.sobel(&grey, 0, 1, 3).map_err(err)?;
            let magnitude = gx
                .as_raw()
                .iter()
                .zip(gy.as_raw())
                .map(|(&x, &y)| (x.unsigned_abs() as u32 + y.unsigned_abs() as u32).min(255) as u8);
            let (w, h) = grey.dimensions();
            DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, magnitude.collect()).ok_or("gradient size")?)
        }
    })
}

fn parse(args: &[String]) -> Result<(String, String, Job, Options), String> {
    let usage = "usage: blur IN OUT [--sigma S | --box N | --sobel] [--premultiplied] [--threads N]";
    let mut files = Vec::new();
    let (mut job, mut options) = (Job::Gaussian(2.0), Options::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value\n{usage}"));
        match a.as_str() {
            "--sigma" => job = Job::Gaussian(value("--sigma")?.parse().map_err(|e| format!("--sigma: {e}"))?),
            "--box" => job = Job::Box(value("--box")?.parse().map_err(|e| format!("--box: {e}"))?),
            "--sobel" => job = Job::Sobel,
            "--premultiplied" => options = options.premultiplied_alpha(true),
            "--threads" => {
                let n = value("--threads")?.parse().map_err(|e| format!("--threads: {e}"))?;
                options = options.threads(Threads::count(n));
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}\n{usage}")),
            _ => files.push(a.clone()),
        }
    }
    match <[String; 2]>::try_from(files) {
        Ok([input, output]) => Ok((input, output, job, options)),
        Err(_) => Err(usage.to_string()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args).and_then(|(input, output, job, options)| run(&input, &output, job, options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
