//! AVX2 + FMA: `__m256` (8 lanes) instantiation of the generic passes.

use core::arch::x86_64::*;

use crate::pass::{F32Passes, Job};
use crate::simd::F32Vector;

// SAFETY: load/store touch exactly 8 f32s; values of `__m256` are only
// operated on inside `filter_f32`, which requires AVX2 and FMA.
unsafe impl F32Vector for __m256 {
    const LANES: usize = 8;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        // SAFETY: only reached from inside the AVX2 entry point.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32s; unaligned load.
        unsafe { _mm256_loadu_ps(ptr) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s; unaligned store.
        unsafe { _mm256_storeu_ps(ptr, self) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX2 entry point.
        unsafe { _mm256_add_ps(self, b) }
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX2 entry point.
        unsafe { _mm256_sub_ps(self, b) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: only reached from inside the AVX2+FMA entry point.
        unsafe { _mm256_fmadd_ps(self, b, c) }
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX2 entry point.
        unsafe { _mm256_mul_ps(self, b) }
    }
}

/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn filter_f32(row: &[f32], column: &[f32], job: Job<'_, f32, f32>) {
    job.run(&F32Passes::<__m256>::new(row, column));
}
