//! Depthwise-separable against full convolution on MobileNet layers
//! (issue 9): what the report's depthwise section and
//! `benches/depthwise.rs` share.
//!
//! * [`LAYERS`]: MobileNet v1's `112×112×32 → 64` (3×3, stride 1) and
//!   `56×56×128 → 128` (3×3, stride 2), `same` padding;
//! * [`Problem`]: deterministic weights and inputs for a layer, f32 and int8,
//!   and the *equivalent* full `3×3×C_in×C_out` f32 weights
//!   (`dw[ky][kx][c] · pw[o][c]`) for the check;
//! * the full convolution three ways: [`full_naive_f32`] / [`full_naive_i8`]
//!   (TFLite's reference loop order: per output, taps, channels; OHWI
//!   weights), [`full_im2col_f32`] / [`full_im2col_i8`] (one output row of
//!   patches at a time, then a register-blocked GEMM of 4 pixels × 16
//!   output channels written here, compiled for AVX2 when the CPU has it),
//!   and [`full_im2col_sepconv_f32`] / [`full_im2col_sepconv_i8`] (the whole
//!   patch matrix, then sepconv's own pointwise kernel as the GEMM: a layer
//!   with a 1×1 identity depthwise stage and `K·K·C_in → C_out` pointwise
//!   weights — the same GEMM quality as the separable layer's, so the
//!   fairest full-convolution baseline here);
//! * [`measure`]: checks every answer once, then times each variant; its
//!   [`DepthwiseReport::blocks`] put parameter and multiply-add ratios
//!   beside the measured speedups.
//!
//! The int8 full convolution has its own random int8 weights and the same
//! TFLite requantisation (it is a cost baseline, not numerically the
//! separable layer); its two implementations agree bit for bit.

//!
//! Here: [`LAYERS`] and [`multiply_adds`]; `problem` the weights and
//! inputs, `naive` the naive full convolutions, `im2col` the im2col
//! baselines, `report` the check, the measured section and its blocks.

use sepconv::depthwise::{LayerShape, Padding};

mod im2col;
mod naive;
mod problem;
mod report;

pub use im2col::{full_im2col_f32, full_im2col_i8, full_im2col_sepconv_f32, full_im2col_sepconv_i8, Im2colScratch};
pub use naive::{full_naive_f32, full_naive_i8};
pub use problem::Problem;
pub use report::{measure, verify, DepthwiseReport, LayerTimes, Variants};

/// A named layer shape.
#[derive(Debug, Clone, Copy)]
pub struct MobileNetLayer {
    /// Name used in the report and as the criterion group.
    pub name: &'static str,
    /// The shape.
    pub shape: LayerShape,
}

/// The two MobileNet v1 layers of issue 9.
pub const LAYERS: [MobileNetLayer; 2] = [
    MobileNetLayer { name: "dw-112x112x32-64-s1", shape: LayerShape::new(112, 112, 32, 64, 3, 1, Padding::Same) },
    MobileNetLayer { name: "dw-56x56x128-128-s2", shape: LayerShape::new(56, 56, 128, 128, 3, 2, Padding::Same) },
];

/// Multiply-adds of the separable layer and of the full convolution.
pub fn multiply_adds(s: &LayerShape) -> (usize, usize) {
    let (h, w) = s.output_size().expect("valid layer");
    let taps = s.kernel_height * s.kernel_width;
    let px = h * w;
    (px * (taps * s.in_channels + s.in_channels * s.out_channels), px * taps * s.in_channels * s.out_channels)
}
