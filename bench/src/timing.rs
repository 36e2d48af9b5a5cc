//! Timing: the median of repetitions, and the memcpy floor.

use std::time::{Duration, Instant};

/// Copies `src` into `dst`: the memory floor of a filter that reads its
/// input once and writes its output once.
#[inline(never)]
pub fn memcpy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(src);
    std::hint::black_box(dst);
}

/// A median timing.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The median of the timed repetitions.
    pub median: Duration,
    /// How many repetitions were timed (after one untimed warm-up).
    pub reps: usize,
}

impl Timing {
    /// Megapixels per second for `pixels` per repetition.
    pub fn mpix_s(&self, pixels: usize) -> f64 {
        pixels as f64 / self.median.as_secs_f64() / 1e6
    }
}

/// Runs `f` once to warm up (caches, page faults, frequency), then as many
/// times as fit in `budget` (at least `min_reps`, at most 1000), and returns
/// the median duration.
pub fn time_median(min_reps: usize, budget: Duration, mut f: impl FnMut()) -> Timing {
    let start = Instant::now();
    f();
    let warm_up = start.elapsed().as_secs_f64().max(1e-9);
    let reps = ((budget.as_secs_f64() / warm_up) as usize).clamp(min_reps.max(1), 1000);
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    Timing { median: times[reps / 2], reps }
}
