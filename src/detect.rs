//! Runtime CPU detection, the only place in the workspace: builds the
//! core's proof tokens after checking the CPU, once, and caches the choice.
//! `SEPCONV_BACKEND` is a hook for tests and benchmarks.

use std::sync::OnceLock;

use sepconv_core::Backend;

/// Every backend this CPU can run, slowest first.
pub fn available_backends() -> Vec<Backend> {
    // Only x86_64 adds backends detected at run time.
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut all = vec![Backend::Scalar, Backend::Portable];
    #[cfg(target_arch = "x86_64")]
    {
        use sepconv_core::arch::x86_64::{Avx2, Avx512};
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c") {
            // SAFETY: AVX2, FMA and F16C were detected on this CPU just above.
            all.push(Backend::Avx2(unsafe { Avx2::new_unchecked() }));
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw") {
                // SAFETY: AVX-512F/BW, AVX2, FMA and F16C were detected on this CPU.
                all.push(Backend::Avx512(unsafe { Avx512::new_unchecked() }));
            }
        }
    }
    all
}

/// The backend called `name` (as [`Backend::name`] spells it, or `portable`),
/// if this CPU can run it.
pub fn backend_by_name(name: &str) -> Option<Backend> {
    available_backends().into_iter().find(|b| b.name() == name || (name == "portable" && *b == Backend::Portable))
}

/// The fastest backend this CPU runs, detected once; `SEPCONV_BACKEND`
/// forces another (an unknown or unavailable name is ignored).
pub fn best_backend() -> Backend {
    static BEST: OnceLock<Backend> = OnceLock::new();
    *BEST.get_or_init(|| {
        std::env::var("SEPCONV_BACKEND")
            .ok()
            .and_then(|name| backend_by_name(&name))
            .or_else(|| available_backends().pop())
            .unwrap_or(Backend::Portable)
    })
}
