//! `f32` lanes: the vocabulary of the f32 passes and the f32 depthwise layer.

use super::{Simd, Streaming, Unroll};

/// A vector of `f32` lanes. Values are made only by the methods that take
/// the token (see the module docs of `simd`), so the others are safe.
pub trait F32Vector: Copy {
    /// The instruction set's proof token.
    type Token: Simd;
    /// Lanes per vector.
    const LANES: usize;
    /// The kernel lengths the passes unroll (more code: only the x86
    /// backends; the portable and scalar ones stay small for firmware).
    type Unroll: Unroll;
    /// Whether [`stream`](Self::stream) is a non-temporal store.
    type Streaming: Streaming;
    /// The most output rows a step of the f32 column pass makes: 2, or 4
    /// (AVX2, AVX-512: `pass::column`).
    const COLUMN_ROWS: usize = 2;
    /// Vector registers: a four-row column step keeps 4 × 4 accumulators
    /// with 32, 4 × 2 with 16.
    const REGISTERS: usize = 16;
    /// All lanes `x`.
    fn splat(t: Self::Token, x: f32) -> Self;
    /// Loads `LANES` values.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be readable `f32`s.
    unsafe fn load(t: Self::Token, ptr: *const f32) -> Self;
    /// Stores `LANES` values.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be writable `f32`s.
    unsafe fn store(self, ptr: *mut f32);
    /// Stores `LANES` values to memory that will not be read again soon: a
    /// non-temporal store where the ISA has one, else a plain store. A
    /// filter call that streams ends with [`fence`](Self::fence).
    ///
    /// # Safety
    ///
    /// As [`store`](Self::store), and `ptr` aligned to the vector (`LANES · 4` bytes).
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn stream(self, ptr: *mut f32) {
        // SAFETY: `LANES` writable elements at `ptr` (this function's
        // contract) is all `store` needs.
        unsafe { self.store(ptr) }
    }
    /// Orders streamed stores before any later store (`sfence`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn fence(_: Self::Token) {}
    /// Lane-wise `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise `self - b`.
    fn sub(self, b: Self) -> Self;
    /// Lane-wise `self · b`.
    fn mul(self, b: Self) -> Self;
    /// Lane-wise `self · b + c` (fused where the ISA has FMA).
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Whether every lane's bits are clear (+0.0).
    fn zero_bits(self) -> bool;
    /// Lane-wise `self` where it is finite, else `other`.
    fn finite_or(self, other: Self) -> Self;
    /// `a · b + c` on one value, rounded exactly as a lane of
    /// [`mul_add`](Self::mul_add) is (fused or not), so scalar tails give
    /// the bits the vector loop would.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add_one(_: Self::Token, a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
    /// Stores lane `i` as `fixed16::narrow` of it (clamped to `0..=65535`,
    /// rounded to nearest, ties up) at `ptr + i`.
    ///
    /// # Safety
    ///
    /// `LANES` u16s at `ptr` are writable.
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        const { assert!(Self::LANES <= 16) };
        let mut lanes = [0f32; 16];
        // SAFETY: `lanes` holds 16 ≥ LANES writable f32s.
        unsafe { self.store(lanes.as_mut_ptr()) };
        for (i, &x) in lanes[..Self::LANES].iter().enumerate() {
            // SAFETY: i < LANES, writable (function contract).
            unsafe { ptr.add(i).write(crate::fixed16::narrow(x)) };
        }
    }
    /// `dst[i] = src[i]` as f32 (exact), for `i < min(len)`.
    #[cfg(feature = "f16")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn widen_f16(_: Self::Token, src: &[half::f16], dst: &mut [f32]) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = s.to_f32();
        }
    }
    /// `dst[i] = src[i]` rounded to the nearest f16 (ties to even), for
    /// `i < min(len)`.
    #[cfg(feature = "f16")]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn narrow_f16(_: Self::Token, src: &[f32], dst: &mut [half::f16]) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = half::f16::from_f32(*s);
        }
    }
}

/// `V` with each multiply-add a multiply, then an add, each rounded: IEEE
/// operations in a fixed order give the same bits on every backend, with
/// FMA or without (the u16 passes in f32 lanes, `pass::widened`). Where
/// the ISA fuses, it costs an add a tap.
#[derive(Clone, Copy)]
pub(crate) struct Unfused<V>(V);

impl<V: F32Vector> F32Vector for Unfused<V> {
    type Token = V::Token;
    const LANES: usize = V::LANES;
    type Unroll = V::Unroll;
    type Streaming = V::Streaming;
    const COLUMN_ROWS: usize = V::COLUMN_ROWS;
    const REGISTERS: usize = V::REGISTERS;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn splat(t: Self::Token, x: f32) -> Self {
        Unfused(V::splat(t, x))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn load(t: Self::Token, ptr: *const f32) -> Self {
        // SAFETY: `V::load`'s contract is this function's.
        Unfused(unsafe { V::load(t, ptr) })
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store(self, ptr: *mut f32) {
        // SAFETY: `V::store`'s contract is this function's.
        unsafe { self.0.store(ptr) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn stream(self, ptr: *mut f32) {
        // SAFETY: `V::stream`'s contract is this function's.
        unsafe { self.0.stream(ptr) }
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn fence(t: Self::Token) {
        V::fence(t)
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn add(self, b: Self) -> Self {
        Unfused(self.0.add(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn sub(self, b: Self) -> Self {
        Unfused(self.0.sub(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul(self, b: Self) -> Self {
        Unfused(self.0.mul(b.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add(self, b: Self, c: Self) -> Self {
        Unfused(self.0.mul(b.0).add(c.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn zero_bits(self) -> bool {
        self.0.zero_bits()
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn finite_or(self, other: Self) -> Self {
        Unfused(self.0.finite_or(other.0))
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn mul_add_one(_: Self::Token, a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn store_u16(self, ptr: *mut u16) {
        // SAFETY: the caller's contract is the same.
        unsafe { self.0.store_u16(ptr) }
    }
}
