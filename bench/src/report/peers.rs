//! The peer libraries in the report, measured in the same run when built with `--features peers` (else nothing).

/// Peer libraries, measured in the same run when built with `--features peers`.
#[cfg(feature = "peers")]
mod enabled {
    use std::time::{Duration, Instant};

    use crate::peers::{compare, PeerSample};
    use crate::{time_median, Input};

    use super::super::progress;
    use super::super::workloads::Figure;

    /// The line under the workloads' footnote: which of libblur's code runs.
    /// (libblur 0.24's `filter_1d_exact` and `filter_1d_approx` pick AVX2,
    /// else SSE4.1, with `is_x86_feature_detected!`; its `avx512` feature
    /// adds AVX-512BW kernels for u8 `filter_1d_approx`, also picked at run
    /// time, but turns on `#![feature]`s that stable Rust refuses.)
    pub const NOTE: &str =
        "  libblur 0.24 is built with its default features: its run-time detection picks AVX2 code, \
                            else SSE4.1; its AVX-512BW kernels (u8 filter_1d_approx, feature `avx512`) need a nightly \
                            compiler and are not built.";
    /// The peers as built, for the Markdown page's header.
    pub const BUILT: &str = "libblur 0.24 (default features: AVX2, else SSE4.1; no AVX-512), imageproc 0.27";
    /// The peers, in the order of their columns.
    pub const NAMES: [&str; 2] = ["libblur", "imageproc"];

    pub use crate::peers::PeerSample as Peer;

    /// Times every peer on `input` after comparing its answer with sepconv's
    /// (`reference`); a differing answer is reported, not fatal.
    pub fn measure<S: PeerSample>(
        input: &Input<S>,
        reference: &[S],
        budget: Duration,
        figures: &mut Vec<Figure>,
        notes: &mut Vec<String>,
        started: Instant,
    ) {
        let w = input.workload;
        let mut out = vec![S::default(); w.samples()];
        for peer in S::peers(input) {
            progress(started, &format!("{}: timing {} {}", w.name, peer.name, peer.function));
            if let Err(e) = (peer.run)(&mut out) {
                notes.push(format!("{} failed: {e}", peer.name));
                continue;
            }
            let a = compare(input, &out, reference);
            let t = time_median(5, budget, || (peer.timed)(std::hint::black_box(&mut out)));
            figures.push(Figure {
                system: peer.name,
                backend: peer.function,
                mpix_s: t.mpix_s(w.pixels()),
                threads: 1,
                timed_on: format!("whole image, {} reps", t.reps),
                check: format!("{} inside, {} within {} px of an edge, vs sepconv", a.interior, a.frame, w.taps / 2),
            });
        }
    }

    /// Mpix/s of each peer of `NAMES` on `input` (NaN where it does not run).
    pub fn sweep<S: PeerSample>(input: &Input<S>, _reference: &[S], budget: Duration) -> Vec<f64> {
        let w = input.workload;
        let mut out = vec![S::default(); w.samples()];
        let peers = S::peers(input);
        NAMES
            .iter()
            .map(|name| match peers.iter().find(|p| p.name == *name) {
                Some(p) => time_median(3, budget, || (p.timed)(std::hint::black_box(&mut out))).mpix_s(w.pixels()),
                None => f64::NAN,
            })
            .collect()
    }
}

/// Without `--features peers`: nothing to measure.
#[cfg(not(feature = "peers"))]
mod disabled {
    use std::time::{Duration, Instant};

    use crate::Input;

    use super::super::workloads::Figure;

    /// The line under the workloads' footnote.
    pub const NOTE: &str =
        "  Peers (libblur, imageproc): rebuild with `--features peers` to measure them in the same run.";
    /// The peers as built, for the Markdown page's header.
    pub const BUILT: &str = "not built (`--features peers`)";
    pub const NAMES: [&str; 0] = [];

    pub trait Peer {}
    impl<T> Peer for T {}

    pub fn measure<S>(_: &Input<S>, _: &[S], _: Duration, _: &mut Vec<Figure>, _: &mut Vec<String>, _: Instant) {}

    pub fn sweep<S>(_: &Input<S>, _: &[S], _: Duration) -> Vec<f64> {
        Vec::new()
    }
}

#[cfg(not(feature = "peers"))]
pub(super) use disabled::*;
#[cfg(feature = "peers")]
pub(super) use enabled::*;
