//! The vector vocabulary the engines are written in, and every
//! implementation of it (memchr's `vector.rs`, pulp's tokens).
//!
//! * [`Simd`]: an instruction set as a zero-sized token ([`Scalar`],
//!   [`Portable`], and on x86_64 [`Avx2`](crate::arch::x86_64::Avx2) and
//!   [`Avx512`](crate::arch::x86_64::Avx512)), naming its vector types and
//!   running an [`Op`] compiled for it ([`Simd::vectorize`]: for the x86
//!   tokens a `#[target_feature]` trampoline, else a direct call).
//! * [`F32Vector`], [`I16Vector`], [`F64Vector`], [`I32Vector`]: the lanes
//!   the f32, u8, u16 and int8 engines use.
//!
//! Sound by construction: a vector value can only be made by a method that
//! takes its token ([`F32Vector::splat`], [`F32Vector::load`], …), and a
//! token only exists on a CPU that has its features. So a value proves that
//! the instructions of every method on it are available, and those methods
//! are safe. Methods are `#[cfg_attr(not(debug_assertions), inline(always))]` without `#[target_feature]`:
//! they take on the features of the trampoline they are inlined into.
//!
//! Ops must be `#[cfg_attr(not(debug_assertions), inline(always))]` too (and so every function they call
//! with vector code); a closure holding vector code is compiled on its own,
//! without the trampoline's features, and its intrinsics become calls.

mod f32;
mod f64;
mod i16;
mod i32;
mod portable;
mod scalar;
#[cfg(target_arch = "x86_64")]
pub mod x86_64;

pub(crate) use f32::{F32Vector, Unfused};
pub(crate) use f64::F64Vector;
pub(crate) use i16::{byte_pair, pair, I16Vector, Rescale};
pub(crate) use i32::I32Vector;
pub(crate) use portable::portable_name;
pub use portable::Portable;
pub use scalar::Scalar;

/// An instruction set the engines are compiled for: a zero-sized proof
/// token. Implemented by [`Scalar`], [`Portable`] and the x86_64 tokens;
/// sealed.
pub trait Simd: Copy + Send + Sync + sealed::Sealed + 'static {
    /// A short name: `scalar`, `sse2`/`neon`/`simd128`/`portable`, `avx2`, `avx512`.
    const NAME: &'static str;
    #[doc(hidden)]
    /// `f32` lanes.
    type F32: F32Vector<Token = Self>;
    #[doc(hidden)]
    /// `i16` lanes with `i32` accumulators (the u8 engine).
    type I16: I16Vector<Token = Self>;
    #[doc(hidden)]
    /// `f64` lanes (the u16 engine).
    type F64: F64Vector<Token = Self>;
    #[doc(hidden)]
    /// `i32` lanes (the int8 depthwise engine).
    type I32: I32Vector<Token = Self>;
    /// Runs `op` compiled for this instruction set.
    fn vectorize<O: Op>(self, op: O) -> O::Output;
}

/// A computation written once over any [`Simd`]; run it with
/// [`Backend::run`](crate::Backend::run). Implementations should be
/// `#[cfg_attr(not(debug_assertions), inline(always))]`, so that the computation is compiled inside the
/// instruction set's entry point.
pub trait Op {
    /// What the computation returns.
    type Output;
    /// Runs the computation on `simd`'s instructions.
    fn run<S: Simd>(self, simd: S) -> Self::Output;
}

pub mod sealed {
    pub trait Sealed {}
}

/// A pass with copies unrolled for kernel lengths known at compile time.
pub trait ByLength {
    type Output;
    /// The copy for `N` taps and `L = N + 1` lines (a two-row column step).
    fn unrolled<const N: usize, const L: usize>(self) -> Self::Output;
    /// The loops for any length, read at run time.
    fn generic(self) -> Self::Output;
}

/// Which kernel lengths a vector type's passes are unrolled for. Only the
/// lengths a backend unrolls are instantiated (the unrolled copies are most
/// of the crate's code), so the scalar and portable backends stay small.
pub trait Unroll {
    /// Calls `pass` for `n` taps: unrolled if `n` is one of the lengths, else generic.
    fn dispatch<P: ByLength>(n: usize, pass: P) -> P::Output;
}

/// No unrolled lengths: every kernel takes the generic loops.
pub struct Generic;

impl Unroll for Generic {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<P: ByLength>(_: usize, pass: P) -> P::Output {
        pass.generic()
    }
}

/// 3, 5, 7 and 9 taps unrolled (the f32 passes on x86).
#[cfg(target_arch = "x86_64")]
pub struct UpTo9;

#[cfg(target_arch = "x86_64")]
impl Unroll for UpTo9 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<P: ByLength>(n: usize, pass: P) -> P::Output {
        match n {
            3 => pass.unrolled::<3, 4>(),
            5 => pass.unrolled::<5, 6>(),
            7 => pass.unrolled::<7, 8>(),
            9 => pass.unrolled::<9, 10>(),
            _ => pass.generic(),
        }
    }
}

/// Every odd length from 3 to 15 taps unrolled (the u8 passes on x86).
#[cfg(target_arch = "x86_64")]
pub struct UpTo15;

#[cfg(target_arch = "x86_64")]
impl Unroll for UpTo15 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dispatch<P: ByLength>(n: usize, pass: P) -> P::Output {
        match n {
            3 => pass.unrolled::<3, 4>(),
            5 => pass.unrolled::<5, 6>(),
            7 => pass.unrolled::<7, 8>(),
            9 => pass.unrolled::<9, 10>(),
            11 => pass.unrolled::<11, 12>(),
            13 => pass.unrolled::<13, 14>(),
            15 => pass.unrolled::<15, 16>(),
            _ => pass.generic(),
        }
    }
}

/// Code with a plain-store and a streaming-store variant.
pub trait Stores {
    type Output;
    fn plain(self) -> Self::Output;
    fn streamed(self) -> Self::Output;
}

/// Whether a vector type has non-temporal stores. Where it has none, the
/// streaming variants are not instantiated at all.
pub trait Streaming {
    /// `code.streamed()` if `stream` and the type streams, else `code.plain()`.
    fn choose<C: Stores>(stream: bool, code: C) -> C::Output;
}

/// Plain stores only.
pub struct NoStreams;

impl Streaming for NoStreams {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn choose<C: Stores>(_: bool, code: C) -> C::Output {
        code.plain()
    }
}

/// Non-temporal stores when asked.
#[cfg(target_arch = "x86_64")]
pub struct Streams;

#[cfg(target_arch = "x86_64")]
impl Streaming for Streams {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn choose<C: Stores>(stream: bool, code: C) -> C::Output {
        if stream {
            code.streamed()
        } else {
            code.plain()
        }
    }
}

/// The name of the token `S` (for [`Backend::name`](crate::Backend::name)).
pub struct Name;

impl Op for Name {
    type Output = &'static str;
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, _: S) -> &'static str {
        S::NAME
    }
}
