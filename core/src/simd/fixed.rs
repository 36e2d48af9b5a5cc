//! The vector vocabulary of the u8 fixed-point passes: `i16` lanes,
//! pairwise multiply-add into `i32` (`pmaddwd`), rounding shifts and
//! saturating packs. Integer arithmetic is exact, so every implementation
//! gives the scalar recipe's bits.

/// A vector of `i16` lanes with an `i32` accumulator type holding half of them.
///
/// # Safety
///
/// Implementors read and write exactly the lanes documented per method, and
/// are only operated on where their instructions are available.
pub(crate) unsafe trait FixedVector: Copy {
    /// `i16` lanes (outputs per block).
    const LANES: usize;
    /// Whether the passes get unrolled copies for the common kernel lengths
    /// (speed, at the cost of code size: off where flash matters).
    const SPECIALISE: bool = false;
    /// Runs `pass`: inline, or (backends that specialise) in a function of
    /// its own compiled for this vector's instructions. One function per
    /// pass and kernel length keeps every function small; all unrolled
    /// copies inlined into one entry point made a function that took LLVM
    /// minutes to compile.
    #[inline(always)]
    fn run<P: Pass>(pass: P) {
        pass.run()
    }
    /// `LANES / 2` `i32` lanes.
    type Wide: Copy;
    /// Every `i32` lane `v` (accumulators start at the rounding term).
    fn splat_wide(v: i32) -> Self::Wide;
    /// `LANES` bytes, zero-extended to `i16`.
    ///
    /// # Safety
    ///
    /// `LANES` bytes at `ptr` are readable.
    unsafe fn load_u8(ptr: *const u8) -> Self;
    /// `LANES` `i16`s.
    ///
    /// # Safety
    ///
    /// `LANES` `i16`s at `ptr` are readable.
    unsafe fn load_i16(ptr: *const i16) -> Self;
    /// Lane-wise wrapping `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise wrapping `self − b`.
    fn sub(self, b: Self) -> Self;
    /// Every lane `v`.
    fn splat(v: i16) -> Self;
    /// `a` and `b` interleaved lane by lane (`a0 b0 a1 b1 …`), as two
    /// vectors, ready for [`madd`](Self::madd); the order of the pairs is the
    /// implementation's choice, undone by [`pack`](Self::pack) and
    /// [`store_f32`](Self::store_f32).
    fn interleave(a: Self, b: Self) -> (Self, Self);
    /// Adds `a[k]·wa + b[k]·wb` (exact, in `i32`) to the accumulators, for
    /// interleaved `(a, b)` and `weights = pair(wa, wb)`.
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide);
    /// `acc >> shift` (arithmetic). The passes have added the rounding term
    /// `2^(shift−1)` to the accumulators (as their seed, or in a pair beside
    /// a constant lane), so this completes the recipe's rounding.
    fn shift_right(acc: Self::Wide, shift: u32) -> Self::Wide;
    /// The accumulators as `i16` lanes (saturating), in natural order.
    fn pack(acc: (Self::Wide, Self::Wide)) -> Self;
    /// Stores `LANES` `i16`s.
    ///
    /// # Safety
    ///
    /// `LANES` `i16`s at `ptr` are writable.
    unsafe fn store_i16(self, ptr: *mut i16);
    /// Stores `LANES` bytes, each lane saturated to `0..=255`.
    ///
    /// # Safety
    ///
    /// `LANES` bytes at `ptr` are writable.
    unsafe fn store_u8(self, ptr: *mut u8);
    /// Stores the accumulators as `LANES` `f32`s, each `acc · scale`, in natural order.
    ///
    /// # Safety
    ///
    /// `LANES` `f32`s at `ptr` are writable.
    unsafe fn store_f32(acc: (Self::Wide, Self::Wide), scale: f32, ptr: *mut f32);
}

/// One call of a pass, run through [`FixedVector::run`].
pub(crate) trait Pass {
    /// Runs the pass; implementations are `#[inline(always)]`, so the pass
    /// is compiled inside the function that calls this.
    fn run(self);
}

/// Two `i16` weights in one `i32`, as `pmaddwd` takes them: `wa` low, `wb` high.
#[inline(always)]
pub(crate) fn pair(wa: i16, wb: i16) -> i32 {
    (wa as u16 as i32) | ((wb as i32) << 16)
}

/// The portable implementation: plain arrays that the compiler vectorises
/// for the target (NEON, simd128). On x86_64 the portable backend uses SSE2
/// intrinsics instead (`arch/x86_64/sse2.rs`), so this is not compiled there.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy)]
pub(crate) struct Lanes16([i16; 16]);

#[cfg(not(target_arch = "x86_64"))]
// SAFETY: every method touches exactly the documented lanes with plain,
// bounds-free array code; no CPU feature is needed.
unsafe impl FixedVector for Lanes16 {
    const LANES: usize = 16;
    type Wide = [i32; 8];
    #[inline(always)]
    fn splat_wide(v: i32) -> Self::Wide {
        [v; 8]
    }
    #[inline(always)]
    unsafe fn load_u8(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes.
        let bytes = unsafe { ptr.cast::<[u8; 16]>().read_unaligned() };
        Lanes16(bytes.map(|b| b as i16))
    }
    #[inline(always)]
    unsafe fn load_i16(ptr: *const i16) -> Self {
        // SAFETY: the caller guarantees 16 readable i16s.
        Lanes16(unsafe { ptr.cast::<[i16; 16]>().read_unaligned() })
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(b.0) {
            *x = x.wrapping_add(y);
        }
        Lanes16(r)
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(b.0) {
            *x = x.wrapping_sub(y);
        }
        Lanes16(r)
    }
    #[inline(always)]
    fn splat(v: i16) -> Self {
        Lanes16([v; 16])
    }
    #[inline(always)]
    fn interleave(a: Self, b: Self) -> (Self, Self) {
        (a, b)
    }
    #[inline(always)]
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide) {
        let (a, b) = ab;
        let (wa, wb) = (weights as i16, (weights >> 16) as i16);
        let (mut lo, mut hi) = acc;
        for k in 0..8 {
            lo[k] += a.0[k] as i32 * wa as i32 + b.0[k] as i32 * wb as i32;
            hi[k] += a.0[k + 8] as i32 * wa as i32 + b.0[k + 8] as i32 * wb as i32;
        }
        (lo, hi)
    }
    #[inline(always)]
    fn shift_right(acc: Self::Wide, shift: u32) -> Self::Wide {
        acc.map(|a| a >> shift)
    }
    #[inline(always)]
    fn pack(acc: (Self::Wide, Self::Wide)) -> Self {
        let mut r = [0i16; 16];
        for k in 0..8 {
            r[k] = acc.0[k].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
            r[k + 8] = acc.1[k].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
        }
        Lanes16(r)
    }
    #[inline(always)]
    unsafe fn store_i16(self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 16 writable i16s.
        unsafe { ptr.cast::<[i16; 16]>().write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn store_u8(self, ptr: *mut u8) {
        let bytes = self.0.map(|v| v.clamp(0, 255) as u8);
        // SAFETY: the caller guarantees 16 writable bytes.
        unsafe { ptr.cast::<[u8; 16]>().write_unaligned(bytes) }
    }
    #[inline(always)]
    unsafe fn store_f32(acc: (Self::Wide, Self::Wide), scale: f32, ptr: *mut f32) {
        let mut r = [0f32; 16];
        for k in 0..8 {
            r[k] = acc.0[k] as f32 * scale;
            r[k + 8] = acc.1[k] as f32 * scale;
        }
        // SAFETY: the caller guarantees 16 writable f32s.
        unsafe { ptr.cast::<[f32; 16]>().write_unaligned(r) }
    }
}
