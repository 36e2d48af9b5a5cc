//! One-dimensional kernels: taps, an anchor, and what the engines learn from
//! them (symmetry, sums).

use crate::error::{Error, Result};

/// The most taps a kernel may have.
pub const MAX_TAPS: usize = 256;

/// Whether a kernel's taps mirror each other, which lets the passes fold them
/// (add the two samples a pair of equal taps multiply, then multiply once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symmetry {
    /// `taps[i] == taps[n-1-i]` (Gaussian, box).
    Symmetric,
    /// `taps[i] == -taps[n-1-i]` (first derivatives).
    Antisymmetric,
    /// Neither.
    None,
}

/// A 1D correlation kernel: `out[x] = Σ taps[i] · in[x + i − anchor]`.
///
/// Taps are borrowed, so a kernel can live in flash (`static`) on firmware.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kernel<'a> {
    taps: &'a [f32],
    anchor: usize,
}

impl<'a> Kernel<'a> {
    /// A kernel anchored at its centre, `len / 2` (OpenCV's default).
    pub fn new(taps: &'a [f32]) -> Result<Self> {
        Self::with_anchor(taps, taps.len() / 2)
    }

    /// A kernel with an explicit anchor in `0..len`.
    pub fn with_anchor(taps: &'a [f32], anchor: usize) -> Result<Self> {
        if taps.is_empty() {
            return Err(Error::EmptyKernel);
        }
        if taps.len() > MAX_TAPS {
            return Err(Error::KernelTooLong);
        }
        if anchor >= taps.len() {
            return Err(Error::AnchorOutOfRange);
        }
        if taps.iter().any(|w| !w.is_finite()) {
            return Err(Error::NonFiniteWeight);
        }
        Ok(Kernel { taps, anchor })
    }

    /// The weights.
    pub fn taps(&self) -> &'a [f32] {
        self.taps
    }

    /// Number of taps (at least 1).
    #[allow(clippy::len_without_is_empty)] // a kernel is never empty
    pub fn len(&self) -> usize {
        self.taps.len()
    }

    /// The index of the tap that lands on the output sample.
    pub fn anchor(&self) -> usize {
        self.anchor
    }

    /// Whether the taps mirror each other.
    pub fn symmetry(&self) -> Symmetry {
        let n = self.taps.len();
        let pairs = || (0..n / 2).map(|i| (self.taps[i], self.taps[n - 1 - i]));
        if pairs().all(|(a, b)| a == b) {
            Symmetry::Symmetric
        } else if pairs().all(|(a, b)| a == -b) && (n.is_multiple_of(2) || self.taps[n / 2] == 0.0) {
            Symmetry::Antisymmetric
        } else {
            Symmetry::None
        }
    }

    /// `Σ taps`, in f64.
    pub fn sum(&self) -> f64 {
        self.taps.iter().map(|&w| w as f64).sum()
    }

    /// `Σ |taps|`, in f64.
    pub fn abs_sum(&self) -> f64 {
        self.taps.iter().map(|&w| (w as f64).abs()).sum()
    }
}
