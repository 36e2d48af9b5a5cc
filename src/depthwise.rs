//! Depthwise-separable convolution layers (f32 and int8, TFLite semantics):
//! everything of [`sepconv_core::depthwise`], plus [`run_f32`] and
//! [`run_i8`], which allocate the output and the scratch and run on
//! [`best_backend`](crate::best_backend).

pub use sepconv_core::depthwise::*;

use crate::owned::filled;
use crate::Result;

/// Runs an f32 layer on the best backend: the `H_out × W_out × C_out` output, HWC.
/// One thread; [`Error::OutOfMemory`](crate::Error::OutOfMemory) where the
/// output or the scratch cannot be allocated.
pub fn run_f32(layer: &SeparableF32<'_>, input: &[f32]) -> Result<Vec<f32>> {
    let mut output = filled(layer.shape().output_len()?, 0.0)?;
    let mut scratch = filled(layer.scratch_len(), 0.0)?;
    layer.run(crate::best_backend(), input, &mut output, &mut scratch)?;
    Ok(output)
}

/// Runs an int8 layer on the best backend: the `H_out × W_out × C_out` output, HWC.
/// One thread; [`Error::OutOfMemory`](crate::Error::OutOfMemory) where the
/// output or the scratch cannot be allocated.
pub fn run_i8(layer: &SeparableI8<'_>, input: &[i8]) -> Result<Vec<i8>> {
    let mut output = filled(layer.shape().output_len()?, 0)?;
    let mut scratch = filled(layer.scratch_len(), 0)?;
    layer.run(crate::best_backend(), input, &mut output, &mut scratch)?;
    Ok(output)
}
