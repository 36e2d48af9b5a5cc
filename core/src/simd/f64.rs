//! `f64` lanes: the vocabulary of the u16 passes, whose integers
//! ([`crate::fixed16`]) are exact in a double's 53-bit significand.

use super::{Simd, Unroll};

/// A vector of `f64` lanes holding integers below `2^53` in magnitude.
/// Values are made only by the methods that take the token (see the module
/// docs of `simd`), so the others are safe.
pub trait F64Vector: Copy {
    /// The instruction set's proof token.
    type Token: Simd;
    /// Lanes per vector.
    const LANES: usize;
    /// The kernel lengths the u16 passes unroll (only the x86 backends).
    type Unroll: Unroll;
    /// All lanes `x`.
    fn splat(t: Self::Token, x: f64) -> Self;
    /// Loads `LANES` values.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be readable `f64`s.
    unsafe fn load(t: Self::Token, ptr: *const f64) -> Self;
    /// Stores the lanes.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be writable `f64`s.
    unsafe fn store(self, ptr: *mut f64);
    /// Stores the lanes as f32, each rounded once (exact for integers below `2^24`).
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be writable `f32`s.
    unsafe fn store_f32(self, ptr: *mut f32);
    /// Stores integer lanes, saturated to `0..=65535`, as u16.
    ///
    /// # Safety
    ///
    /// `ptr .. ptr + LANES` must be writable `u16`s.
    unsafe fn store_u16(self, ptr: *mut u16);
    /// Lane-wise `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise `self − b`.
    fn sub(self, b: Self) -> Self;
    /// Lane-wise `self · b + c`, fused or not: the recipe's values make both exact.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Lane-wise `⌊self · scale⌋` for a power of two `scale` (exact).
    fn floor_scaled(self, scale: Self) -> Self;
}
