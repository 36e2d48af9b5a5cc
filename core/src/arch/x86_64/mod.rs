//! x86_64 proof tokens: [`Avx2`] and [`Avx512`].
//!
//! A value can only be made by [`new`](Avx2::new) (when the features are
//! enabled at compile time) or by the `unsafe`
//! [`new_unchecked`](Avx2::new_unchecked) after runtime detection (the
//! `sepconv` crate does this with `is_x86_feature_detected!`). Holding a
//! token proves the CPU has the features, so running code with it is safe.
//! Their vector types and entry points live in `simd/x86_64/`.

/// Proof that the CPU supports AVX2, FMA and F16C (every CPU with the
/// first two has the third: Intel since Haswell, AMD since Piledriver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Avx2 {
    _proof: (),
}

impl Avx2 {
    /// The token, if the crate was compiled with AVX2, FMA and F16C enabled.
    pub fn new() -> Option<Self> {
        // SAFETY: the features are enabled at compile time, so every CPU this
        // code runs on has them.
        cfg!(all(target_feature = "avx2", target_feature = "fma", target_feature = "f16c"))
            .then(|| unsafe { Self::new_unchecked() })
    }

    /// The token, without a check.
    ///
    /// # Safety
    ///
    /// The CPU running the program must support AVX2, FMA and F16C.
    pub unsafe fn new_unchecked() -> Self {
        Avx2 { _proof: () }
    }
}

/// Proof that the CPU supports AVX-512F and AVX-512BW (and AVX2, FMA, F16C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Avx512 {
    _proof: (),
}

impl Avx512 {
    /// The token, if the crate was compiled with AVX-512F and AVX-512BW enabled.
    pub fn new() -> Option<Self> {
        // SAFETY: the features are enabled at compile time.
        cfg!(all(
            target_feature = "avx512f",
            target_feature = "avx512bw",
            target_feature = "avx2",
            target_feature = "fma",
            target_feature = "f16c"
        ))
        .then(|| unsafe { Self::new_unchecked() })
    }

    /// The token, without a check.
    ///
    /// # Safety
    ///
    /// The CPU running the program must support AVX-512F, AVX-512BW, AVX2, FMA and F16C.
    pub unsafe fn new_unchecked() -> Self {
        Avx512 { _proof: () }
    }
}
