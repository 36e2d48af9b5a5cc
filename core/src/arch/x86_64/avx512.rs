//! AVX-512F/BW: `__m512` (16 f32 lanes) and `__m512i` (32 `i16` lanes)
//! instantiations of the generic passes.

use core::arch::x86_64::*;

use crate::fixed::FixedPoint;
use crate::pass::fixed::FixedSimd;
use crate::pass::{F32Passes, Job};
use crate::plan::Output;
use crate::simd::{F32Vector, FixedVector, Pass};

// SAFETY: load/store touch exactly 16 f32s; values of `__m512` are only
// operated on inside `filter_f32`, which requires AVX-512F.
unsafe impl F32Vector for __m512 {
    const LANES: usize = 16;
    const SPECIALISE: bool = true;
    const STREAMS: bool = true;
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
        debug_assert!((ptr as usize).is_multiple_of(64));
        // SAFETY: the caller guarantees 16 writable f32s at `ptr`, aligned to 64 bytes.
        unsafe { _mm512_stream_ps(ptr, self) }
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

// SAFETY: every method touches exactly the documented lanes; values of
// `__m512i` are only operated on inside `filter_u8`, which requires
// AVX-512F and AVX-512BW.
unsafe impl FixedVector for __m512i {
    const LANES: usize = 32;
    const SPECIALISE: bool = true;
    #[inline(always)]
    fn run<P: Pass>(pass: P) {
        // SAFETY: only reached from inside an AVX-512 entry point, so the CPU
        // has the features `run_pass` enables.
        unsafe { run_pass(pass) }
    }
    type Wide = __m512i;
    #[inline(always)]
    fn splat_wide(v: i32) -> Self::Wide {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_set1_epi32(v) }
    }
    #[inline(always)]
    unsafe fn load_u8(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes; unaligned load.
        unsafe { _mm512_cvtepu8_epi16(_mm256_loadu_si256(ptr.cast())) }
    }
    #[inline(always)]
    unsafe fn load_i16(ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 32 readable i16s; unaligned load.
        unsafe { _mm512_loadu_si512(ptr.cast()) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX-512BW entry point.
        unsafe { _mm512_add_epi16(self, b) }
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: only reached from inside the AVX-512BW entry point.
        unsafe { _mm512_sub_epi16(self, b) }
    }
    #[inline(always)]
    fn splat(v: i16) -> Self {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_set1_epi16(v) }
    }
    #[inline(always)]
    fn interleave(a: Self, b: Self) -> (Self, Self) {
        // Within each 128-bit lane k: the first vector holds outputs 8k..8k+3,
        // the second 8k+4..8k+7; `pack` (`packs_epi32`, also per 128-bit
        // lane) restores the order.
        // SAFETY: only reached from inside the AVX-512BW entry point.
        unsafe { (_mm512_unpacklo_epi16(a, b), _mm512_unpackhi_epi16(a, b)) }
    }
    #[inline(always)]
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide) {
        // SAFETY: only reached from inside the AVX-512BW entry point.
        unsafe {
            let w = _mm512_set1_epi32(weights);
            let lo = _mm512_madd_epi16(ab.0, w);
            let hi = _mm512_madd_epi16(ab.1, w);
            (_mm512_add_epi32(acc.0, lo), _mm512_add_epi32(acc.1, hi))
        }
    }
    #[inline(always)]
    fn shift_right(acc: Self::Wide, shift: u32) -> Self::Wide {
        // SAFETY: only reached from inside the AVX-512 entry point.
        unsafe { _mm512_sra_epi32(acc, _mm_cvtsi32_si128(shift as i32)) }
    }
    #[inline(always)]
    fn pack(acc: (Self::Wide, Self::Wide)) -> Self {
        // SAFETY: only reached from inside the AVX-512BW entry point.
        unsafe { _mm512_packs_epi32(acc.0, acc.1) }
    }
    #[inline(always)]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 32 writable i16s; unaligned store.
        unsafe { _mm512_storeu_si512(ptr.cast(), self) }
    }
    #[inline(always)]
    unsafe fn store_u8(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 32 writable bytes. Negative lanes are
        // clamped to 0 first: `vpmovuswb` saturates as unsigned.
        unsafe {
            let clamped = _mm512_max_epi16(self, _mm512_setzero_si512());
            _mm256_storeu_si256(ptr.cast(), _mm512_cvtusepi16_epi8(clamped));
        }
    }
    #[inline(always)]
    unsafe fn store_f32(acc: (Self::Wide, Self::Wide), scale: f32, ptr: *mut f32) {
        // SAFETY: the caller guarantees 32 writable f32s. 128-bit lane k of
        // `lo` holds outputs 8k..8k+3 and of `hi` 8k+4..8k+7: the permutes
        // interleave the lanes (in 64-bit units; index bit 3 picks `hi`).
        unsafe {
            let first = _mm512_permutex2var_epi64(acc.0, _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), acc.1);
            let second = _mm512_permutex2var_epi64(acc.0, _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15), acc.1);
            let s = _mm512_set1_ps(scale);
            _mm512_storeu_ps(ptr, _mm512_mul_ps(_mm512_cvtepi32_ps(first), s));
            _mm512_storeu_ps(ptr.add(16), _mm512_mul_ps(_mm512_cvtepi32_ps(second), s));
        }
    }
}

/// # Safety
///
/// The CPU must support AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw,avx2,fma")]
pub(super) unsafe fn filter_u8<D: Output<u8>>(fp: &FixedPoint, job: Job<'_, u8, D>) {
    job.run(&FixedSimd::<__m512i, D>::new(fp));
}

/// A u8 pass as a function of its own (see [`FixedVector::run`]).
///
/// # Safety
///
/// The CPU must support the features enabled here.
#[target_feature(enable = "avx512f,avx512bw,avx2,fma")]
#[inline(never)]
unsafe fn run_pass<P: Pass>(pass: P) {
    pass.run()
}
