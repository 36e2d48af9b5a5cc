//! x86_64 register implementations: SSE2 for the portable backend's u8
//! passes, and the AVX2 and AVX-512 tokens' vectors and entry points.

mod avx2;
mod avx512;
mod sse2;
