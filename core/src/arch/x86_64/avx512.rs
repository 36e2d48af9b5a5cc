//! AVX-512F: `__m512` (16 lanes) instantiation of the generic passes.

use core::arch::x86_64::*;

use crate::pass::{F32Passes, Job};
use crate::simd::F32Vector;

// SAFETY: load/store touch exactly 16 f32s; values of `__m512` are only
// operated on inside `filter_f32`, which requires AVX-512F.
unsafe impl F32Vector for __m512 {
    const LANES: usize = 16;
    const SPECIALISE: bool = true;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable f32s; unaligned load.
        unsafe { _mm512_loadu_ps(ptr) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 16 writable f32s; unaligned store.
        unsafe { _mm512_storeu_ps(ptr, self) }
    }
    #[inline(always)]
    unsafe fn stream(self, ptr: *mut f32) {
        if (ptr as usize).is_multiple_of(64) {
            // SAFETY: the caller guarantees the lanes are writable; `ptr` is aligned.
            unsafe { _mm512_stream_ps(ptr, self) }
        } else {
            // SAFETY: the caller guarantees the lanes are writable.
            unsafe { self.store(ptr) }
        }
    }
    #[inline(always)]
    fn fence() {
        // SAFETY: only reached from inside the entry point (SSE is baseline on x86_64).
        unsafe { _mm_sfence() }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_add_ps(self, b) }
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_sub_ps(self, b) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_fmadd_ps(self, b, c) }
    }
    #[inline(always)]
    fn mul_add_one(a: f32, b: f32, c: f32) -> f32 {
        // SAFETY: only reached from inside the entry point (FMA enabled).
        unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c))) }
    }
}

/// # Safety
///
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f,avx512bw,avx2,fma")]
pub(super) unsafe fn filter_f32(row: &[f32], column: &[f32], job: Job<'_, f32, f32>) {
    let geometry = job.geometry;
    job.run(&F32Passes::<__m512>::new(row, column, geometry));
}
