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
    /// Every method of a kernel is `const`, so a plan can be built at compile time.
    pub const fn new(taps: &'a [f32]) -> Result<Self> {
        Self::with_anchor(taps, taps.len() / 2)
    }

    /// A kernel with an explicit anchor in `0..len`.
    pub const fn with_anchor(taps: &'a [f32], anchor: usize) -> Result<Self> {
        if taps.is_empty() {
            return Err(Error::EmptyKernel);
        }
        if taps.len() > MAX_TAPS {
            return Err(Error::KernelTooLong);
        }
        if anchor >= taps.len() {
            return Err(Error::AnchorOutOfRange);
        }
        let mut i = 0;
        while i < taps.len() {
            if !taps[i].is_finite() {
                return Err(Error::NonFiniteWeight);
            }
            i += 1;
        }
        Ok(Kernel { taps, anchor })
    }

    /// The weights.
    pub const fn taps(&self) -> &'a [f32] {
        self.taps
    }

    /// Number of taps (at least 1).
    #[allow(clippy::len_without_is_empty)] // a kernel is never empty
    pub const fn len(&self) -> usize {
        self.taps.len()
    }

    /// The index of the tap that lands on the output sample.
    pub const fn anchor(&self) -> usize {
        self.anchor
    }

    /// Whether the taps mirror each other.
    pub const fn symmetry(&self) -> Symmetry {
        let t = self.taps;
        let n = t.len();
        let (mut symmetric, mut antisymmetric) = (true, n.is_multiple_of(2) || t[n / 2] == 0.0);
        let mut i = 0;
        while i < n / 2 {
            symmetric &= t[i] == t[n - 1 - i];
            antisymmetric &= t[i] == -t[n - 1 - i];
            i += 1;
        }
        if symmetric {
            Symmetry::Symmetric
        } else if antisymmetric {
            Symmetry::Antisymmetric
        } else {
            Symmetry::None
        }
    }

    /// `Σ taps`, in f64, in tap order.
    pub const fn sum(&self) -> f64 {
        let mut sum = -0.0; // what `Iterator::sum` starts from
        let mut i = 0;
        while i < self.taps.len() {
            sum += self.taps[i] as f64;
            i += 1;
        }
        sum
    }

    /// `Σ |taps|`, in f64, in tap order.
    pub const fn abs_sum(&self) -> f64 {
        let mut sum = -0.0;
        let mut i = 0;
        while i < self.taps.len() {
            sum += (self.taps[i] as f64).abs();
            i += 1;
        }
        sum
    }
}
