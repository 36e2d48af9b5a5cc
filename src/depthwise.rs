//! Depthwise-separable convolution layers (f32 and int8, TFLite semantics):
//! everything of [`sepconv_core::depthwise`], plus [`run_f32`] and
//! [`run_i8`], which allocate the output and the scratch and run on
//! [`best_backend`](crate::best_backend).

pub use sepconv_core::depthwise::*;

use crate::Result;

/// Runs an f32 layer on the best backend: the `H_out × W_out × C_out` output, HWC.
pub fn run_f32(layer: &SeparableF32<'_>, input: &[f32]) -> Result<Vec<f32>> {
    let (h, w) = layer.output_size();
    let mut output = vec![0.0; h * w * layer.shape().out_channels];
    let mut scratch = vec![0.0; layer.scratch_len()];
    layer.run(crate::best_backend(), input, &mut output, &mut scratch)?;
    Ok(output)
}

/// Runs an int8 layer on the best backend: the `H_out × W_out × C_out` output, HWC.
pub fn run_i8(layer: &SeparableI8<'_>, input: &[i8]) -> Result<Vec<i8>> {
    let (h, w) = layer.output_size();
    let mut output = vec![0; h * w * layer.shape().out_channels];
    let mut scratch = vec![0; layer.scratch_len()];
    layer.run(crate::best_backend(), input, &mut output, &mut scratch)?;
    Ok(output)
}
