//! A direct `K×K` correlation, one output row at a time, vectorised along
//! x: `out[x] = Σ_j Σ_i w[j·kw + i] · rows[j][x + i·channels]`, in that
//! order, fused multiply-adds where the backend has them. The 2D path of
//! the facade (kernels that do not separate) and the SIMD 2D baseline of
//! the benchmarks.

use super::blocks::{drive, Blocks};
use crate::simd::F32Vector;

/// One output row from the `kh` (padded) source rows of its window. The
/// caller checked `weights.len() = kw · rows.len()` and that every row holds
/// `out.len() + (kw − 1)·channels` samples.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn row<V: F32Vector>(
    simd: V::Token,
    weights: &[f32],
    kw: usize,
    rows: &[&[f32]],
    channels: usize,
    out: &mut [f32],
) {
    let len = out.len();
    assert!(kw >= 1 && weights.len() == kw * rows.len());
    assert!(rows.iter().all(|r| r.len() >= len + (kw - 1) * channels));
    let mut blocks = RowBlocks::<V> { simd, weights, kw, rows, channels, dst: out.as_mut_ptr() };
    drive::<_, 8>(&mut blocks, 0..len, true);
}

/// The blocks of one output row (sizes checked by [`row`]).
struct RowBlocks<'a, V: F32Vector> {
    simd: V::Token,
    weights: &'a [f32],
    kw: usize,
    rows: &'a [&'a [f32]],
    channels: usize,
    dst: *mut f32,
}

impl<V: F32Vector> Blocks for RowBlocks<'_, V> {
    const LANES: usize = V::LANES;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn block<const U: usize>(&mut self, e: usize) {
        let (simd, lanes) = (self.simd, V::LANES);
        let mut acc = [V::splat(simd, 0.0); U];
        for (row, taps) in self.rows.iter().zip(self.weights.chunks_exact(self.kw)) {
            let base = row.as_ptr();
            for (i, &w) in taps.iter().enumerate() {
                let w = V::splat(simd, w);
                for (u, a) in acc.iter_mut().enumerate() {
                    // SAFETY: e + (u + 1)·lanes ≤ len (the driver) and
                    // i < kw, so the vector ends by len + (kw − 1)·channels,
                    // within the row (checked in `row`).
                    let x = unsafe { V::load(simd, base.add(e + u * lanes + i * self.channels)) };
                    *a = x.mul_add(w, *a);
                }
            }
        }
        for (u, a) in acc.iter().enumerate() {
            // SAFETY: e + (u + 1)·lanes ≤ len, the length of the output row.
            unsafe { a.store(self.dst.add(e + u * lanes)) };
        }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn one(&mut self, k: usize) {
        let mut acc = 0.0;
        for (row, taps) in self.rows.iter().zip(self.weights.chunks_exact(self.kw)) {
            for (i, &w) in taps.iter().enumerate() {
                acc = V::mul_add_one(self.simd, row[k + i * self.channels], w, acc);
            }
        }
        // SAFETY: the driver calls `one` for k < len, the length of the output row.
        unsafe { self.dst.add(k).write(acc) };
    }
}
