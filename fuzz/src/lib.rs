//! The checks behind the fuzz targets, kept in a library so that they also
//! run as ordinary tests (`cargo test` in this directory) on stable Rust.

use sepconv::{available_backends, reference, Border, Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Shape};

/// Reads bytes from the fuzzer's input, zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A weight or sample: mostly small multiples of 1/64, sometimes not finite.
    fn value(&mut self) -> f32 {
        match self.next() {
            255 => f32::NAN,
            254 => f32::INFINITY,
            b => (b as f32 - 128.0) / 64.0,
        }
    }

    fn border(&mut self) -> Border {
        match self.next() % 5 {
            0 => Border::Constant(self.value()),
            1 => Border::Replicate,
            2 => Border::Reflect,
            3 => Border::Reflect101,
            _ => Border::Wrap,
        }
    }
}

/// Decodes `data` into a shape (sizes may be 0, channels 0–5), row and
/// column kernels (length 0–13, anchor up to the length, weights possibly
/// not finite), borders, a stride padding and samples, then checks:
///
/// * each invalid piece is rejected with an error (never a panic);
/// * for a valid plan, every backend agrees with the scalar reference within
///   `2(row_len + col_len + 2)·ε·Σ|row|·Σ|col|·max|x|`.
pub fn check_plan_f32(data: &[u8]) {
    let mut bytes = Bytes(data);
    let (width, height, channels) = (bytes.next() as usize % 41, bytes.next() as usize % 21, bytes.next() as usize % 6);
    let row_len = bytes.next() as usize % 14;
    let col_len = bytes.next() as usize % 14;
    let row_anchor = bytes.next() as usize % (row_len + 1);
    let col_anchor = bytes.next() as usize % (col_len + 1);
    let borders = Borders::new(bytes.border(), bytes.border());
    let valid_region = bytes.next() % 4 == 0;
    let padding = bytes.next() as usize % 4;
    let row: Vec<f32> = (0..row_len).map(|_| bytes.value()).collect();
    let col: Vec<f32> = (0..col_len).map(|_| bytes.value()).collect();

    // Shapes: errors exactly for zero sizes and bad channel counts.
    let shape = Shape::new(width, height, channels);
    let shape_ok = width > 0 && height > 0 && (1..=4).contains(&channels);
    assert_eq!(shape.is_ok(), shape_ok, "Shape::new({width}, {height}, {channels}) = {shape:?}");

    // Kernels: errors for empty, anchor out of range, non-finite weights.
    let kernel_ok =
        |taps: &[f32], anchor: usize| !taps.is_empty() && anchor < taps.len() && taps.iter().all(|w| w.is_finite());
    let row_kernel = Kernel::with_anchor(&row, row_anchor);
    let col_kernel = Kernel::with_anchor(&col, col_anchor);
    assert_eq!(row_kernel.is_ok(), kernel_ok(&row, row_anchor), "{row:?} anchor {row_anchor}: {row_kernel:?}");
    assert_eq!(col_kernel.is_ok(), kernel_ok(&col, col_anchor), "{col:?} anchor {col_anchor}: {col_kernel:?}");
    let (Ok(shape), Ok(row_kernel), Ok(col_kernel)) = (shape, row_kernel, col_kernel) else { return };

    let plan = if valid_region {
        Plan::valid(shape, row_kernel, col_kernel)
    } else {
        Plan::new(shape, row_kernel, col_kernel, borders)
    };
    let constants: Vec<f32> = [borders.horizontal, borders.vertical].iter().filter_map(|b| b.constant()).collect();
    let plan = match plan {
        Ok(plan) => plan,
        Err(Error::EmptyOutput) => {
            assert!(valid_region && (width < row_len || height < col_len));
            return;
        }
        Err(Error::InvalidBorderValue) => {
            assert!(!valid_region && constants.iter().any(|v| !v.is_finite()));
            return;
        }
        Err(e) => panic!("valid input rejected: {e:?}"),
    };

    // Samples: finite values from the remaining bytes, in a strided buffer.
    let stride = width * channels + padding;
    let src: Vec<f32> = (0..stride * height).map(|_| (bytes.next() as f32 - 128.0) / 16.0).collect();
    let src = ImageView::with_stride(&src, width, height, channels, stride).expect("source view");
    let out = plan.output_shape();
    let out_len = out.width * out.height * out.channels;
    let mut want = vec![0.0f32; out_len];
    reference::filter_f32(&plan, &src, &mut ImageViewMut::new(&mut want, out.width, out.height, out.channels).unwrap())
        .expect("reference");

    let abs_sum = |k: &[f32]| k.iter().map(|w| w.abs()).sum::<f32>();
    let max_abs = src.as_slice().iter().chain(&constants).map(|v| v.abs()).fold(0.0f32, f32::max);
    let tolerance = 2.0 * (row_len + col_len + 2) as f32 * f32::EPSILON * abs_sum(&row) * abs_sum(&col) * max_abs
        + f32::MIN_POSITIVE;
    let mut scratch = vec![0.0f32; plan.scratch_len::<f32>()];
    for backend in available_backends() {
        let mut got = vec![f32::NAN; out_len];
        let mut dst = ImageViewMut::new(&mut got, out.width, out.height, out.channels).unwrap();
        plan.filter(backend, &src, &mut dst, &mut scratch).expect("filter");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= tolerance,
                "{}: sample {i}: {g} vs reference {w} (tolerance {tolerance}); {plan:?}",
                backend.name()
            );
        }
    }
    // Too little scratch is an error, not a panic.
    if let Some(short) = plan.scratch_len::<f32>().checked_sub(1) {
        let mut got = vec![0.0f32; out_len];
        let mut dst = ImageViewMut::new(&mut got, out.width, out.height, out.channels).unwrap();
        let r = plan.filter(sepconv::Backend::Scalar, &src, &mut dst, &mut scratch[..short]);
        assert!(matches!(r, Err(Error::ScratchTooSmall { .. })), "{r:?}");
    }
}

#[cfg(test)]
mod tests {
    /// The fuzz check over deterministic pseudo-random inputs (xorshift).
    #[test]
    fn pseudo_random_inputs() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let len = (next() % 600) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            super::check_plan_f32(&data);
        }
        super::check_plan_f32(&[]);
    }
}
