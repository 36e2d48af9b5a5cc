//! The peer libraries in the report, measured in the same run when built with `--features peers` (else nothing).

/// A peer's box blur at one size in the box sweep.
// Made by the peers only: never without `--features peers`.
#[cfg_attr(not(feature = "peers"), allow(dead_code))]
pub(super) struct BoxFigure {
    /// Mpix/s (NaN where it did not run).
    pub(super) mpix_s: f64,
    /// Largest `|peer − reference|` where the box stays inside the image.
    pub(super) interior: f32,
    /// Largest difference within `size / 2` pixels of an edge (border rules differ).
    pub(super) frame: f32,
}

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

    /// The peers with a box blur, in the order of their columns in the box sweep.
    pub const BOX_NAMES: [&str; 1] = ["libblur"];

    /// Each peer of `BOX_NAMES` blurring `input` with a `size × size` box:
    /// its answer against `reference` (reported, not fatal), then its
    /// Mpix/s; NaN where it has no box blur for the layout or fails.
    pub fn box_sweep<S: PeerSample>(
        input: &Input<S>,
        size: usize,
        reference: &[S],
        budget: Duration,
    ) -> Vec<super::BoxFigure> {
        let w = input.workload;
        let mut out = vec![S::default(); w.samples()];
        let peers = S::box_peers(input, size);
        BOX_NAMES
            .iter()
            .map(|name| match peers.iter().find(|p| p.name == *name) {
                Some(p) if (p.run)(&mut out).is_ok() => {
                    let a = compare(input, &out, reference);
                    let t = time_median(3, budget, || (p.timed)(std::hint::black_box(&mut out)));
                    super::BoxFigure { mpix_s: t.mpix_s(w.pixels()), interior: a.interior, frame: a.frame }
                }
                _ => super::BoxFigure { mpix_s: f64::NAN, interior: f32::NAN, frame: f32::NAN },
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

    pub const BOX_NAMES: [&str; 0] = [];

    pub fn box_sweep<S>(_: &Input<S>, _: usize, _: &[S], _: Duration) -> Vec<super::BoxFigure> {
        Vec::new()
    }
}

#[cfg(not(feature = "peers"))]
pub(super) use disabled::*;
#[cfg(feature = "peers")]
pub(super) use enabled::*;
