//! `i16` lanes for the u8 fixed-point passes: pairwise multiply-add into
//! `i32` (`pmaddwd`), rounding shifts and saturating packs. Integer
//! arithmetic is exact, so every implementation gives the recipe's bits.

use super::{Simd, Unroll};

/// A vector of `i16` lanes, with `i32` accumulators (`Wide`, two of them
/// per vector). Values are made only by the methods that take the token.
pub trait I16Vector: Copy {
    /// The instruction set's proof token.
    type Token: Simd;
    /// `i16` lanes (outputs per block).
    const LANES: usize;
    /// The kernel lengths the passes unroll.
    type Unroll: Unroll;
    /// Half the lanes as `i32` (a pair of them holds one accumulator per lane).
    type Wide: Copy;
    /// Every `i32` lane `v`.
    fn splat_wide(t: Self::Token, v: i32) -> Self::Wide;
    /// Every lane `v`.
    fn splat(t: Self::Token, v: i16) -> Self;
    /// `LANES` bytes, zero-extended to `i16`.
    ///
    /// # Safety
    ///
    /// `LANES` bytes at `ptr` are readable.
    unsafe fn load_u8(t: Self::Token, ptr: *const u8) -> Self;
    /// `LANES` `i16`s.
    ///
    /// # Safety
    ///
    /// `LANES` `i16`s at `ptr` are readable.
    unsafe fn load_i16(t: Self::Token, ptr: *const i16) -> Self;
    /// Lane-wise wrapping `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise wrapping `self − b`.
    fn sub(self, b: Self) -> Self;
    /// `self` and `b` interleaved lane by lane (`a0 b0 a1 b1 …`), as two
    /// vectors, ready for [`madd`](Self::madd); the order of the pairs is the
    /// implementation's choice, undone by [`pack`](Self::pack) and
    /// [`store_f32`](Self::store_f32).
    fn interleave(self, b: Self) -> (Self, Self);
    /// Adds `a[k]·wa + b[k]·wb` (exact, in `i32`) to the accumulators, for
    /// interleaved `(a, b)` and `weights = pair(wa, wb)`.
    fn madd(ab: (Self, Self), weights: i32, acc: (Self::Wide, Self::Wide)) -> (Self::Wide, Self::Wide);
    /// `acc >> shift` (arithmetic). The passes have added the rounding term
    /// `2^(shift−1)` to the accumulators (as their seed, or in a pair beside
    /// a constant lane), so this completes the recipe's rounding.
    fn shift_right(acc: (Self::Wide, Self::Wide), shift: u32) -> (Self::Wide, Self::Wide);
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

/// Two `i16` weights in one `i32`, as `pmaddwd` takes them: `wa` low, `wb` high.
#[inline(always)]
pub(crate) fn pair(wa: i16, wb: i16) -> i32 {
    (wa as u16 as i32) | ((wb as i32) << 16)
}
