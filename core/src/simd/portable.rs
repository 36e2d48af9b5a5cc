//! `wide::f32x8`: the portable backend. Its instructions are fixed when the
//! crate is compiled (SSE2 on a default x86_64 build, NEON on aarch64,
//! simd128 on wasm with `+simd128`, scalar elsewhere).

use super::F32Vector;
use wide::f32x8;

// SAFETY: `load`/`store` touch exactly 8 f32s; `wide` only emits instructions
// the compilation target has.
unsafe impl F32Vector for f32x8 {
    const LANES: usize = 8;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        f32x8::splat(x)
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable f32s; `read_unaligned`
        // has no alignment requirement.
        f32x8::from(unsafe { ptr.cast::<[f32; 8]>().read_unaligned() })
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: the caller guarantees 8 writable f32s.
        unsafe { ptr.cast::<[f32; 8]>().write_unaligned(self.to_array()) }
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
        f32x8::mul_add(self, b, c)
    }
    #[inline(always)]
    fn mul_add_one(a: f32, b: f32, c: f32) -> f32 {
        // Whatever `wide` does per lane on this target (fused on NEON).
        f32x8::mul_add(f32x8::splat(a), f32x8::splat(b), f32x8::splat(c)).to_array()[0]
    }
}
