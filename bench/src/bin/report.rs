//! The throughput report: `cargo run --release -p sepconv-bench --bin report -- --help`.
//!
//! The command line is parsed here; what it measures and prints is
//! `sepconv_bench::report`.

use std::process::ExitCode;

use sepconv_bench::report::{self, Options, USAGE};

fn main() -> ExitCode {
    match Options::parse(std::env::args().skip(1)) {
        Ok(Some(opts)) => report::run(&opts),
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("report: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
