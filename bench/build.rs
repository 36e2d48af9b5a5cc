//! Records the compiler's version (`rustc --version`) for the report's Markdown header.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    if let Some(version) = version {
        println!("cargo:rustc-env=SEPCONV_BENCH_RUSTC={version}");
    }
}
