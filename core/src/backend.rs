//! Which implementation runs a filter: [`Backend`], and [`Backend::run`],
//! the one place that turns a backend into instructions.

#[cfg(target_arch = "x86_64")]
use crate::arch::x86_64::{Avx2, Avx512};
use crate::simd::{portable_name, Name, Op, Portable, Scalar, Simd};

/// A backend: the scalar code, the portable vector code, or an
/// instruction-set specific one carrying its proof token.
///
/// Every backend computes the same filter: u8 results are bit-identical
/// across backends, f32 results agree within the documented bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// Plain scalar code (the engine with one lane).
    Scalar,
    /// `wide`'s vectors as compiled for the target: SSE2 on a default
    /// x86_64 build, NEON on aarch64, simd128 on wasm with `+simd128`.
    Portable,
    /// AVX2 + FMA intrinsics.
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
    /// AVX-512F/BW intrinsics.
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512),
}

impl Backend {
    /// Runs `op` on this backend's instructions (pulp's `Arch::dispatch`):
    /// the only `match` on a backend in the workspace.
    #[inline]
    pub fn run<O: Op>(self, op: O) -> O::Output {
        match self {
            Backend::Scalar => Scalar.vectorize(op),
            Backend::Portable if PORTABLE_IS_VECTOR => Portable.vectorize(op),
            // Where `wide` has no vector unit its arrays compile to scalar
            // code many times the scalar engine's size (Cortex-M: ~160 KB
            // more flash), so the portable backend runs the scalar engine.
            Backend::Portable => Scalar.vectorize(op),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2(token) => token.vectorize(op),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512(token) => token.vectorize(op),
        }
    }

    /// The best backend enabled at compile time (no runtime detection: the
    /// `sepconv` crate adds that).
    ///
    /// Where `wide` has no vector unit to compile to (Cortex-M, RISC-V
    /// without V, wasm without `simd128`), this is [`Backend::Scalar`]: the
    /// portable code there is arrays of lanes in scalar instructions,
    /// no faster and many times the flash.
    pub fn compiled() -> Backend {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(t) = Avx512::new() {
                return Backend::Avx512(t);
            }
            if let Some(t) = Avx2::new() {
                return Backend::Avx2(t);
            }
        }
        if PORTABLE_IS_VECTOR {
            Backend::Portable
        } else {
            Backend::Scalar
        }
    }

    /// A short name: `scalar`, `sse2`/`neon`/`simd128`/`portable`, `avx2`, `avx512`.
    pub fn name(&self) -> &'static str {
        self.run(Name)
    }
}

/// Whether `wide` compiles to a vector unit on this target.
const PORTABLE_IS_VECTOR: bool = !matches!(portable_name().as_bytes(), b"portable");
