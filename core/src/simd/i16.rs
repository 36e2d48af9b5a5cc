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

    /// Whether [`madd_bytes`](Self::madd_bytes), [`madd_streams`](Self::madd_streams),
    /// [`mul_low`](Self::mul_low), [`rescale`](Self::rescale),
    /// [`store_pairs`](Self::store_pairs) and [`store_halves`](Self::store_halves) are
    /// a few vector instructions (`pmaddubsw` and friends): the passes for
    /// small-integer kernels (`pass::small`) run only then.
    /// The default methods compute them lane by lane.
    const BYTE_PAIRS: bool = false;
    /// `2·LANES` bytes at `ptr` as `LANES` adjacent pairs: lane `k` is
    /// `x[2k]·wa + x[2k+1]·wb` (u8 × i8, saturated to `i16`) for
    /// `weights = byte_pair(wa, wb)`.
    ///
    /// # Safety
    ///
    /// `2·LANES` bytes at `ptr` are readable.
    unsafe fn madd_bytes(t: Self::Token, ptr: *const u8, weights: i16) -> Self {
        let mut lanes = [0i16; MAX_LANES];
        let (wa, wb) = (weights as i8 as i32, (weights >> 8) as i32);
        for (k, lane) in lanes.iter_mut().enumerate().take(Self::LANES) {
            // SAFETY: 2k + 1 < 2·LANES bytes are readable (caller).
            let (a, b) = unsafe { (*ptr.add(2 * k) as i32, *ptr.add(2 * k + 1) as i32) };
            *lane = (a * wa + b * wb).clamp(i16::MIN as i32, i16::MAX as i32) as i16;
        }
        // SAFETY: `lanes` holds MAX_LANES ≥ LANES i16s.
        unsafe { Self::load_i16(t, lanes.as_ptr()) }
    }
    /// Lane-wise `self · b`, the low 16 bits (`pmullw`).
    fn mul_low(self, t: Self::Token, b: Self) -> Self {
        let mut lanes = [[0i16; MAX_LANES]; 2];
        // SAFETY: each array holds MAX_LANES ≥ LANES i16s.
        unsafe {
            self.store_i16(lanes[0].as_mut_ptr());
            b.store_i16(lanes[1].as_mut_ptr());
        }
        let [mut a, b] = lanes;
        for (a, b) in a.iter_mut().zip(b) {
            *a = a.wrapping_mul(b);
        }
        // SAFETY: as above.
        unsafe { Self::load_i16(t, a.as_ptr()) }
    }
    /// Every lane rescaled as `rescale` says (lane-wise shifts).
    fn rescale(self, t: Self::Token, rescale: Rescale) -> Self {
        let mut lanes = [0i16; MAX_LANES];
        // SAFETY: `lanes` holds MAX_LANES ≥ LANES i16s.
        unsafe { self.store_i16(lanes.as_mut_ptr()) };
        for lane in &mut lanes[..Self::LANES] {
            *lane = rescale.apply(*lane);
        }
        // SAFETY: as above.
        unsafe { Self::load_i16(t, lanes.as_ptr()) }
    }
    /// `pmaddubsw` of two byte streams: `a[j]·wa + b[j]·wb` (u8 × i8,
    /// saturated to `i16`) for `j < 2·LANES` and `weights = byte_pair(wa,
    /// wb)`, as two vectors in the order [`store_halves`](Self::store_halves)
    /// undoes (here: `j < LANES`, then the rest).
    ///
    /// # Safety
    ///
    /// `2·LANES` bytes at `a` and at `b` are readable.
    unsafe fn madd_streams(t: Self::Token, a: *const u8, b: *const u8, weights: i16) -> (Self, Self) {
        let mut lanes = [[0i16; MAX_LANES]; 2];
        let (wa, wb) = (weights as i8 as i32, (weights >> 8) as i32);
        for j in 0..2 * Self::LANES {
            // SAFETY: j < 2·LANES bytes are readable at `a` and `b` (caller).
            let (x, y) = unsafe { (*a.add(j) as i32, *b.add(j) as i32) };
            lanes[j / Self::LANES][j % Self::LANES] = (x * wa + y * wb).clamp(i16::MIN as i32, i16::MAX as i32) as i16;
        }
        // SAFETY: each array holds MAX_LANES ≥ LANES i16s.
        unsafe { (Self::load_i16(t, lanes[0].as_ptr()), Self::load_i16(t, lanes[1].as_ptr())) }
    }
    /// Stores `2·LANES` `i16`s from two vectors in
    /// [`madd_streams`](Self::madd_streams)' order, in natural order.
    ///
    /// # Safety
    ///
    /// `2·LANES` `i16`s at `ptr` are writable.
    unsafe fn store_halves(first: Self, second: Self, ptr: *mut i16) {
        // SAFETY: the caller guarantees 2·LANES writable i16s.
        unsafe {
            first.store_i16(ptr);
            second.store_i16(ptr.add(Self::LANES));
        }
    }
    /// Stores `2·LANES` `i16`s: `even[0], odd[0], even[1], odd[1], …`.
    ///
    /// # Safety
    ///
    /// `2·LANES` `i16`s at `ptr` are writable.
    unsafe fn store_pairs(even: Self, odd: Self, ptr: *mut i16) {
        let mut lanes = [[0i16; MAX_LANES]; 2];
        // SAFETY: each array holds MAX_LANES ≥ LANES i16s; the caller
        // guarantees 2·LANES writable i16s at `ptr`.
        unsafe {
            even.store_i16(lanes[0].as_mut_ptr());
            odd.store_i16(lanes[1].as_mut_ptr());
            for (k, (&e, &o)) in lanes[0].iter().zip(&lanes[1]).take(Self::LANES).enumerate() {
                ptr.add(2 * k).write(e);
                ptr.add(2 * k + 1).write(o);
            }
        }
    }
}

/// The most `i16` lanes of any implementation (AVX-512).
const MAX_LANES: usize = 32;

/// How the byte-pair row pass turns its exact sums `S` into the recipe's
/// intermediate, and the column pass its sums into outputs (`pass::small`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rescale {
    /// `S · 2^k`.
    Left(u32),
    /// `⌊S / 2^s + 1/2⌋` (`s ≥ 1`), `S` signed.
    Signed(u32),
    /// `⌊S / 2^s + 1/2⌋` (`s ≥ 1`), `S` read as an unsigned 16-bit sum.
    Unsigned(u32),
}

impl Rescale {
    /// One lane, as the vector methods compute it: the rounding as
    /// `(S >> (s − 1) + 1) >> 1`, which equals `(S + 2^(s−1)) >> s` and
    /// cannot overflow 16 bits where the sum itself does not.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn apply(self, lane: i16) -> i16 {
        match self {
            Rescale::Left(k) => ((lane as i32) << k) as i16,
            Rescale::Signed(s) => (((lane as i32 >> (s - 1)) + 1) >> 1) as i16,
            Rescale::Unsigned(s) => (((lane as u16 as i32 >> (s - 1)) + 1) >> 1) as i16,
        }
    }

    /// The rescaling by `2^−s` of sums within `least..=most`, if they fit
    /// 16 bits (signed, or unsigned where none is negative) and so does
    /// every result, unsaturated, as [`apply`](Self::apply) computes it.
    pub(crate) fn checked(s: i64, (least, most): (i64, i64)) -> Option<Rescale> {
        let unsigned = least >= 0;
        let top = if unsigned { u16::MAX as i64 } else { i16::MAX as i64 };
        if most > top || least < i16::MIN as i64 || !(-15..=32).contains(&s) {
            return None;
        }
        let rescale = match s {
            ..=0 => Rescale::Left((-s) as u32),
            _ if unsigned => Rescale::Unsigned(s as u32),
            _ => Rescale::Signed(s as u32),
        };
        let fits = |v: i64| (i16::MIN as i64..=i16::MAX as i64).contains(&v);
        let ok = match rescale {
            Rescale::Left(l) => fits(most << l) && fits(least << l),
            // The rounding's first step, `S >> (s − 1)` + 1, too.
            Rescale::Signed(s) => fits((most >> (s - 1)) + 1),
            Rescale::Unsigned(s) => fits(((most >> (s - 1)) + 1) >> 1),
        };
        ok.then_some(rescale)
    }

    /// An exact value (as wide as needed) rescaled: for bounds.
    pub(crate) fn apply_i32(self, v: i32) -> i32 {
        match self {
            Rescale::Left(k) => v << k,
            Rescale::Signed(s) | Rescale::Unsigned(s) => ((v >> (s - 1)) + 1) >> 1,
        }
    }
}

/// Two `i8` weights in one `i16`, as `pmaddubsw` takes them: `wa` low, `wb` high.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn byte_pair(wa: i8, wb: i8) -> i16 {
    (wa as u8 as u16 | ((wb as u8 as u16) << 8)) as i16
}

/// Two `i16` weights in one `i32`, as `pmaddwd` takes them: `wa` low, `wb` high.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn pair(wa: i16, wb: i16) -> i32 {
    (wa as u16 as i32) | ((wb as i32) << 16)
}
