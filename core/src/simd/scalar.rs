//! One lane: the scalar backend runs the same pass code as the vector ones.

use super::F32Vector;

// SAFETY: `load`/`store` touch exactly one f32; plain f32 arithmetic needs no
// CPU feature.
unsafe impl F32Vector for f32 {
    const LANES: usize = 1;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees `ptr` is readable.
        unsafe { ptr.read() }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees `ptr` is writable.
        unsafe { ptr.write(self) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        self + b
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self - b
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // Unfused: `f32::mul_add` is a libm call without std.
        self * b + c
    }
}
