//! One module per fuzz target: each holds the target's `check_*` function and what only it uses.

pub(crate) mod box_filter;
pub(crate) mod depthwise;
pub(crate) mod filter_f32;
pub(crate) mod filter_u16;
pub(crate) mod filter_u8;
pub(crate) mod generate;
pub(crate) mod one_call;
pub(crate) mod plan;
pub(crate) mod regions;
pub(crate) mod separable;
pub(crate) mod stream;
pub(crate) mod variants;
