//! The report's command line: its usage text, its options, their parsing, and the time budgets they scale.

use std::time::Duration;

use sepconv::{available_backends, backend_by_name, best_backend, Backend};

use crate::{Workload, WORKLOADS};

/// The `--help` text.
pub const USAGE: &str = "\
usage: report [--json | --markdown] [--workload NAME]... [--threads N] [--backend NAME] [--full]
              [--no-sweep] [--no-box-sweep] [--no-scaling] [--no-depthwise] [--no-separability]

  --json           one JSON object per line and measurement:
                   {\"workload\": ..., \"system\": ..., \"mpix_s\": ..., \"threads\": ..., \"backend\": ...}
  --markdown       the whole report as one Markdown page on stdout (for
                   docs/benchmarks-<arch>.md): the command that regenerates
                   it, CPU, backend, rustc, commit, date and system loads,
                   then every section's tables
  --workload NAME  only this workload (repeatable); default: all of DESIGN.md
  --threads N      sepconv filters row bands on N threads (default 1);
                   the baselines stay single-threaded
  --backend NAME   force a sepconv backend (scalar, sse2, avx2, avx512, ...);
                   default: the best this CPU runs (or $SEPCONV_BACKEND)
  --full           the whole sweep: every odd size 3..63 on f32 and u8, more
                   box sizes (every odd one to 63, 95, 191), more image
                   sizes for the thread crossover, 3x the time budgets
  --no-sweep       skip the kernel-size sweep (sweep-*.svg)
  --no-box-sweep   skip the box-filter sweep (FIR against running sums
                   against box_blur and libblur, n×n boxes 3..255 on 1080p
                   f32 and u8, box-*.svg; runs even with --workload, not
                   with --json)
  --no-scaling     skip the thread scaling and crossover (threads*.svg)
  --no-depthwise   skip the depthwise-separable section (MobileNet layers
                   against full convolution, f32 and int8; runs even with
                   --workload, not with --json)
  --no-separability  skip the separability section (kernel ranks, rank-r
                   accuracy and speed, SVG pictures in target/report/)
The sweep, scaling and separability sections run after the table when no
--workload or --json is given; the box sweep and the depthwise section also
with --workload. Progress is printed on stderr.";

/// Time budgets (multiplied by 3 with `--full`): the whole default run stays
/// under two minutes on a 2-core machine.
pub(super) const SEPCONV_BUDGET: Duration = Duration::from_millis(400);
pub(super) const MEMCPY_BUDGET: Duration = Duration::from_millis(250);
/// Each 2D-baseline repetition filters a band of rows lasting about this long.
pub(super) const BAND_TIME: Duration = Duration::from_millis(60);
pub(super) const BAND_BUDGET: Duration = Duration::from_millis(180);
/// The sweep: per case.
pub(super) const SWEEP_BUDGET: Duration = Duration::from_millis(150);
pub(super) const SWEEP_BAND_TIME: Duration = Duration::from_millis(25);
/// Thread scaling: per thread count; crossover: per image size and count.
pub(super) const SCALING_BUDGET: Duration = Duration::from_millis(700);
pub(super) const CROSSOVER_BUDGET: Duration = Duration::from_millis(120);

/// What to measure and how to print it.
pub struct Options {
    pub(super) json: bool,
    pub(super) markdown: bool,
    /// The arguments as given (the Markdown page quotes its command).
    pub(super) args: Vec<String>,
    pub(super) workloads: Vec<Workload>,
    pub(super) threads_requested: usize,
    pub(super) backend: Backend,
    pub(super) full: bool,
    pub(super) sweep: bool,
    pub(super) box_sweep: bool,
    pub(super) scaling: bool,
    pub(super) separability: bool,
    pub(super) depthwise: bool,
}

impl Options {
    /// The options of the command line `args` (without the program name);
    /// `None` for `--help`, an error message for a bad argument.
    pub fn parse(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
        let given: Vec<String> = args.collect();
        let mut args = given.iter().cloned();
        let (mut json, mut markdown) = (false, false);
        let mut workloads = Vec::new();
        let mut threads_requested = 1;
        let mut backend = None;
        let mut separability = true;
        let mut depthwise = true;
        let mut box_sweep = true;
        let (mut full, mut sweep, mut scaling) = (false, true, true);
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
            match arg.as_str() {
                "--json" => json = true,
                "--markdown" => markdown = true,
                "--workload" => {
                    let name = value("--workload")?;
                    let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                    let w = Workload::by_name(&name)
                        .ok_or_else(|| format!("unknown workload {name:?}; known: {}", names.join(", ")))?;
                    if !workloads.contains(&w) {
                        workloads.push(w);
                    }
                }
                "--threads" => {
                    let n = value("--threads")?;
                    threads_requested =
                        n.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("bad thread count {n:?}"))?;
                }
                "--backend" => {
                    let name = value("--backend")?;
                    let names: Vec<&str> = available_backends().iter().map(|b| b.name()).collect();
                    backend = Some(backend_by_name(&name).ok_or_else(|| {
                        format!(
                            "backend {name:?} is unknown or not supported by this CPU; available: {}",
                            names.join(", ")
                        )
                    })?);
                }
                "--no-separability" => separability = false,
                "--no-depthwise" => depthwise = false,
                "--full" => full = true,
                "--no-sweep" => sweep = false,
                "--no-box-sweep" => box_sweep = false,
                "--no-scaling" => scaling = false,
                "-h" | "--help" => return Ok(None),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if json && markdown {
            return Err("--json and --markdown exclude each other".to_string());
        }
        let sections = workloads.is_empty() && !json;
        separability &= sections;
        sweep &= sections;
        scaling &= sections;
        if workloads.is_empty() {
            workloads = WORKLOADS.to_vec();
        }
        // Keep DESIGN.md's order whatever the order on the command line.
        workloads.sort_by_key(|w| WORKLOADS.iter().position(|x| x == w));
        Ok(Some(Options {
            json,
            markdown,
            args: given,
            workloads,
            threads_requested,
            backend: backend.unwrap_or_else(best_backend),
            full,
            sweep,
            box_sweep: box_sweep && !json,
            scaling,
            separability,
            depthwise: depthwise && !json,
        }))
    }

    /// `budget`, tripled with `--full`.
    pub(super) fn budget(&self, budget: Duration) -> Duration {
        if self.full {
            budget * 3
        } else {
            budget
        }
    }
}
