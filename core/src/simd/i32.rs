//! `i32` lanes for the int8 depthwise-separable layers (TFLite arithmetic:
//! exact `i32` sums, gemmlowp's requantisation).

/// A vector of `i32` lanes. Values are made only by the methods that take
/// the token.
pub trait I32Vector: Copy {
    /// The instruction set's proof token.
    type Token: Copy;
    /// Lanes per vector.
    const LANES: usize;
    /// Every lane `v`.
    fn splat(t: Self::Token, v: i32) -> Self;
    /// `LANES` int8s at `s[at..]`, sign-extended (panics if `s` is too short).
    fn load_i8(t: Self::Token, s: &[i8], at: usize) -> Self;
    /// `LANES` i32s at `s[at..]` (panics if `s` is too short).
    fn load_i32(t: Self::Token, s: &[i32], at: usize) -> Self;
    /// `LANES` i32s at `p`.
    ///
    /// # Safety
    ///
    /// `p .. p + LANES` must be readable.
    unsafe fn load_i32_unchecked(t: Self::Token, p: *const i32) -> Self;
    /// Lane-wise wrapping `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise wrapping `self − b`.
    fn sub(self, b: Self) -> Self;
    /// `(self − b) · c`, low 32 bits (exact for the int8 ranges used).
    fn sub_mul(self, b: Self, c: Self) -> Self;
    /// `self + Σ` of the products of the i16 pairs of `a` and `b` (`pmaddwd`).
    fn madd_add(self, a: Self, b: Self) -> Self;
    /// `clamp(MultiplyByQuantizedMultiplier(self, mult, shift) + zero, lo, hi)` lane by lane.
    fn requantize(self, mult: Self, shift: Self, zero: i32, bounds: (i32, i32)) -> Self;
    /// Stores the lanes as i16 (they lie in `−255..=255`; panics if `dst` is too short).
    fn store_i16(self, dst: &mut [i16]);
    /// Stores the lanes as i8 (they lie in `−128..=127`; panics if `dst` is too short).
    fn store_i8(self, dst: &mut [i8]);
}
