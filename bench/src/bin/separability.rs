//! The separability report: `cargo run --release -p sepconv-bench --bin separability [-- --out DIR] [--size N]`.
//!
//! Prints, for a Gaussian, a box, a Sobel, a Laplacian of Gaussian, a disk
//! and a random kernel, the singular values, the relative kernel error of
//! each rank, the measured error (max |Δ|, PSNR) and speed of rank-r
//! separable filtering against direct 2D; writes SVG pictures of each kernel
//! (default `target/report/`). See `sepconv_bench::separability`.

use std::path::PathBuf;
use std::process::ExitCode;

use sepconv_bench::separability::{report, Config};

const USAGE: &str = "usage: separability [--out DIR] [--size N]

  --out DIR   where the SVG files go (default: target/report of the workspace)
  --size N    the test image is N × N pixels (default 512)";

fn main() -> ExitCode {
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--out", Some(dir)) => config.dir = PathBuf::from(dir),
            ("--size", Some(n)) => match n.parse::<usize>() {
                Ok(n) if n > 0 => (config.width, config.height) = (n, n),
                _ => {
                    eprintln!("separability: bad size {n:?}\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            (other, _) => {
                eprintln!("separability: unknown or incomplete argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match report(&config) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("separability: {e}");
            ExitCode::FAILURE
        }
    }
}
