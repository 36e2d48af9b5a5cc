//! The one loop every pass runs over a row: vector blocks, then an
//! overlapping last vector, then (rows shorter than a vector) single
//! outputs.
//!
//! ```text
//! e = start
//! while e + U·lanes ≤ end: block U vectors at e;  e += U·lanes
//! while e + lanes ≤ end:   block 1 vector at e;   e += lanes
//! if e < end:
//!     if end − start ≥ lanes: block 1 vector at end − lanes  (recomputes a few outputs)
//!     else:                   one output at each of e..end
//! ```

use core::ops::Range;

/// A pass's work on one row, in the units [`drive`] calls.
pub(crate) trait Blocks {
    /// Outputs per vector.
    const LANES: usize;
    /// `U` vectors of outputs starting at element `e`. The driver calls it
    /// only with `start ≤ e` and `e + U·LANES ≤ end` of its range.
    fn block<const U: usize>(&mut self, e: usize);
    /// Output `k` alone (a range shorter than one vector).
    fn one(&mut self, k: usize);
}

/// Runs `pass` over the outputs `range`, `U` vectors a step while they fit
/// (and `wide`), then one at a time; writes nothing outside `range`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn drive<B: Blocks, const U: usize>(pass: &mut B, range: Range<usize>, wide: bool) {
    let lanes = B::LANES;
    let (start, end) = (range.start, range.end);
    let mut e = start;
    while wide && U > 1 && e + U * lanes <= end {
        pass.block::<U>(e);
        e += U * lanes;
    }
    while e + lanes <= end {
        pass.block::<1>(e);
        e += lanes;
    }
    if e < end {
        if end - start >= lanes {
            pass.block::<1>(end - lanes);
        } else {
            for k in e..end {
                pass.one(k);
            }
        }
    }
}
