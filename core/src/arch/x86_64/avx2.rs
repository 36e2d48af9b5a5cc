//! AVX2 + FMA: `__m256` (8 lanes) instantiation of the generic passes.

use core::arch::x86_64::*;

use crate::fixed::FixedPoint;
use crate::pass::fixed::FixedSimd;
use crate::pass::{F32Passes, Job};
use crate::plan::Output;
use crate::simd::{F32Vector, FixedVector, Pass};

// SAFETY: load/store touch exactly 8 f32s; values of `__m256` are only
// operated on inside `filter_f32`, which requires AVX2 and FMA.
unsafe impl F32Vector for __m256 {
    const LANES: usize = 8;
    const SPECIALISE: bool = true;
    const STREAMS: bool = true;
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
    unsafe fn stream(self, ptr: *mut f32) {
        debug_assert!((ptr as usize).is_multiple_of(32));
        // SAFETY: the caller guarantees 8 writable f32s at `ptr`, aligned to 32 bytes.
        unsafe { _mm256_stream_ps(ptr, self) }
    }
    #[inline(always)]
    fn fence() {
        // SAFETY: only reached from inside the entry point (SSE is baseline on x86_64).
        unsafe { _mm_sfence() }
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
    fn mul_add_one(a: f32, b: f32, c: f32) -> f32 {
        // SAFETY: only reached from inside the entry point (FMA enabled).
        unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c))) }
    }
}

/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn filter_f32(row: &[f32], column: &[f32], job: Job<'_, f32, f32>) {
    let geometry = job.geometry;
    job.run(&F32Passes::<__m256>::new(row, column, geometry));
}

// SAFETY: every method touches exactly the documented lanes; values of
// `__m256i` are only operated on inside the AVX2 entry points.
unsafe impl FixedVector for __m256i {
    const LANES: usize = 16;
    const SPECIALISE: bool = true;
    #[inline(always)]
    fn run<P: Pass>(pass: P) {
        // SAFETY: only reached from inside an AVX2 entry point, so the CPU
        // has the features `run_pass` enables.
        unsafe { run_pass(pass) }
    }
    type Wide = __m256i;
    #[inline(always)]
    fn splat_wide(v: i32) -> Self::Wide {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { _mm256_set1_epi32(v) }
    }
    #[inline(always)]
    unsafe fn load_u8(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; unaligned load.
        unsafe { _mm256_cvtepu8_epi16(_mm_loadu_si128(ptr.cast())) }
    }
    #[inline(always)]
    unsafe fn load_i16(ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 16 readable i16s; unaligned load.
        unsafe { _mm256_loadu_si256(ptr.cast()) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { _mm256_add_epi16(self, b) }
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { _mm256_sub_epi16(self, b) }
    }
    #[inline(always)]
    fn splat(v: i16) -> Self {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { _mm256_set1_epi16(v) }
    }
    #[inline(always)]
    fn interleave(a: Self, b: Self) -> (Self, Self) {
        // Within 128-bit lanes: the first vector holds outputs 0–3 and 8–11,
        // the second 4–7 and 12–15; `pack` (`packs_epi32`) restores the order.
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { (_mm256_unpacklo_epi16(a, b), _mm256_unpackhi_epi16(a, b)) }
    }
    #[inline(always)]
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide) {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe {
            let w = _mm256_set1_epi32(weights);
            let lo = _mm256_madd_epi16(ab.0, w);
            let hi = _mm256_madd_epi16(ab.1, w);
            (_mm256_add_epi32(acc.0, lo), _mm256_add_epi32(acc.1, hi))
        }
    }
    #[inline(always)]
    fn shift_right(acc: Self::Wide, shift: u32) -> Self::Wide {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { _mm256_sra_epi32(acc, _mm_cvtsi32_si128(shift as i32)) }
    }
    #[inline(always)]
    fn pack(acc: (Self::Wide, Self::Wide)) -> Self {
        // SAFETY: only reached from inside an AVX2 entry point.
        unsafe { _mm256_packs_epi32(acc.0, acc.1) }
    }
    #[inline(always)]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 16 writable i16s; unaligned store.
        unsafe { _mm256_storeu_si256(ptr.cast(), self) }
    }
    #[inline(always)]
    unsafe fn store_u8(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes. `packus` works per
        // 128-bit lane; the permute gathers the two useful quadwords.
        unsafe {
            let packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(self, self), 0b1000);
            _mm_storeu_si128(ptr.cast(), _mm256_castsi256_si128(packed));
        }
    }
    #[inline(always)]
    unsafe fn store_f32(acc: (Self::Wide, Self::Wide), scale: f32, ptr: *mut f32) {
        // SAFETY: the caller guarantees 16 writable f32s. Outputs 0–7 are the
        // low lanes of `lo` and `hi`, outputs 8–15 their high lanes.
        unsafe {
            let first = _mm256_permute2x128_si256(acc.0, acc.1, 0x20);
            let second = _mm256_permute2x128_si256(acc.0, acc.1, 0x31);
            let s = _mm256_set1_ps(scale);
            _mm256_storeu_ps(ptr, _mm256_mul_ps(_mm256_cvtepi32_ps(first), s));
            _mm256_storeu_ps(ptr.add(8), _mm256_mul_ps(_mm256_cvtepi32_ps(second), s));
        }
    }
}

/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn filter_u8<D: Output<u8>>(fp: &FixedPoint, job: Job<'_, u8, D>) {
    job.run(&FixedSimd::<__m256i, D>::new(fp));
}

/// A u8 pass as a function of its own (see [`FixedVector::run`]).
///
/// # Safety
///
/// The CPU must support the features enabled here.
#[target_feature(enable = "avx2,fma")]
#[inline(never)]
unsafe fn run_pass<P: Pass>(pass: P) {
    pass.run()
}
