//! The helpers sepconv's integration tests (`tests/`) and fuzz checks
//! (`fuzz/`) share, one copy of each:
//!
//! * [`oracle`]: the exact (f64) result of a separable or a direct 2D
//!   correlation over the crate's border semantics. A *different* algorithm
//!   from `sepconv_core::reference` (the full 2D kernel, summed in f64), with
//!   its own border rule, [`border_index`], written from DESIGN.md's table as
//!   a folding loop: neither shares a bug with `Border::map`.
//! * [`bound`]: the derived f32 error bounds against that exact result.
//! * [`XorShift`]: a small deterministic PRNG.
//! * [`verdict`]: the error a constructor must return, computed in `u128` so
//!   that sizes up to `usize::MAX` cannot overflow the model itself.
//!
//! Proptest strategies and image builders stay with the tests
//! (`tests/common`), the byte decoders with the fuzz crate.

mod border;
pub mod bound;
pub mod oracle;
mod prng;
pub mod verdict;

pub use border::border_index;
pub use oracle::Oracle;
pub use prng::XorShift;
