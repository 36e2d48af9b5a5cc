//! The vector vocabulary the passes are written in.
//!
//! [`F32Vector`] is implemented for plain `f32` (one lane: the scalar
//! backend), for `wide::f32x8` (the portable backend: SSE2 on a default x86_64
//! build, NEON on aarch64, simd128 on wasm) and, in `arch/x86_64`, for the
//! AVX2 and AVX-512 registers. Methods are `#[inline(always)]` and carry no
//! `#[target_feature]`: they take on the features of the `#[target_feature]`
//! entry point they are inlined into (the memchr pattern).

mod fixed;
mod portable;
mod scalar;

#[cfg(not(target_arch = "x86_64"))]
pub(crate) use fixed::Lanes16;
pub(crate) use fixed::{pair, FixedVector, Pass};

/// A vector of `f32` lanes.
///
/// # Safety
///
/// Implementors guarantee that `load` reads and `store` writes exactly
/// `LANES` consecutive `f32`s, and that values of `Self` can only be created
/// where the instructions they use are available (the x86 implementations
/// are only used inside `#[target_feature]` entry points reached through a
/// proof token).
pub(crate) unsafe trait F32Vector: Copy {
    /// Lanes per vector.
    const LANES: usize;
    /// Whether the passes instantiate copies unrolled for common kernel
    /// lengths (3, 5, 7, 9 taps): faster, but more code, so only the x86
    /// backends do (the portable and scalar ones stay small for firmware).
    const SPECIALISE: bool = false;
    /// All lanes `x`.
    fn splat(x: f32) -> Self;
    /// Loads `LANES` values.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be readable `f32`s.
    unsafe fn load(ptr: *const f32) -> Self;
    /// Stores `LANES` values.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be writable `f32`s.
    unsafe fn store(self, ptr: *mut f32);
    /// Whether [`F32Vector::stream`] is a non-temporal store (x86 AVX2,
    /// AVX-512); elsewhere the passes do not build their streaming copies.
    const STREAMS: bool = false;
    /// Stores `LANES` values to memory that will not be read again soon:
    /// a non-temporal store where the ISA has one (it bypasses the caches
    /// and avoids reading the destination line first), else a plain store.
    /// A filter call that streams ends with [`F32Vector::fence`].
    ///
    /// # Safety
    ///
    /// As [`F32Vector::store`], and `ptr` aligned to the vector
    /// (`LANES · 4` bytes).
    #[inline(always)]
    unsafe fn stream(self, ptr: *mut f32) {
        // SAFETY: `LANES` writable elements at `ptr` (this function's
        // contract) is all `store` needs.
        unsafe { self.store(ptr) }
    }
    /// Orders streamed stores before any later store (`sfence`).
    #[inline(always)]
    fn fence() {}
    /// Lane-wise `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise `self - b`.
    fn sub(self, b: Self) -> Self;
    /// Lane-wise `self · b + c` (fused where the ISA has FMA).
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// `a · b + c` on one value, rounded exactly as a lane of
    /// [`mul_add`](Self::mul_add) is (fused or not), so scalar tails give
    /// the bits the vector loop would.
    #[inline(always)]
    fn mul_add_one(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}
