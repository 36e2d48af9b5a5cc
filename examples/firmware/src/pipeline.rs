//! The image processing of the firmware example, free of any hardware: a
//! 640×480 u8 camera frame arrives row by row, is blurred with a 5-tap
//! Gaussian and (with `GRADIENT`) its Sobel gradient taken from the blurred
//! rows (u8 → i16), each stage a [`Stream`] over scratch for a few rows, so
//! no frame is ever held in RAM. The plans are `static`s the compiler
//! builds: the device runs no plan building and no f64 code. A checksum of
//! every output row stands for the application that would use them.
//!
//! `tests/embedded.rs` compiles this file on the host and checks it against
//! the reference filter on every backend; `.ci/targets.sh` boots the
//! firmware under qemu and compares the checksums it prints with the host's.

use sepconv_core::{Backend, Border, Borders, Error, Kernel, Plan, Shape, Stream};

/// Frame width in pixels.
pub const WIDTH: usize = 640;
/// Frame height in pixels.
pub const HEIGHT: usize = 480;

/// OpenCV's 5-tap Gaussian (σ = 1.1: `[1 4 6 4 1] / 16`), in flash.
static GAUSSIAN_5: [f32; 5] = [0.0625, 0.25, 0.375, 0.25, 0.0625];
/// Sobel: central difference across, `[1 2 1]` smoothing along.
static SOBEL_DIFF: [f32; 3] = [-1.0, 0.0, 1.0];
static SOBEL_SMOOTH: [f32; 3] = [1.0, 2.0, 1.0];

/// A frame-sized plan built by the compiler (an invalid one fails the build).
const fn plan(row: &'static [f32], column: &'static [f32]) -> Plan<'static> {
    let (Ok(shape), Ok(row), Ok(column)) = (Shape::new(WIDTH, HEIGHT, 1), Kernel::new(row), Kernel::new(column)) else {
        panic!("invalid shape or kernel")
    };
    match Plan::new(shape, row, column, Borders::uniform(Border::Reflect101)) {
        Ok(plan) => plan,
        Err(_) => panic!("invalid plan"),
    }
}

/// The blur.
pub static BLUR: Plan<'static> = plan(&GAUSSIAN_5, &GAUSSIAN_5);
/// The horizontal derivative.
pub static SOBEL_X: Plan<'static> = plan(&SOBEL_DIFF, &SOBEL_SMOOTH);
/// The vertical derivative.
pub static SOBEL_Y: Plan<'static> = plan(&SOBEL_SMOOTH, &SOBEL_DIFF);

/// `f32` elements of scratch the blur's stream needs (five lines and a row).
pub const BLUR_SCRATCH: usize = Stream::<u8, u8>::scratch_len(&BLUR);
/// `f32` elements of scratch each Sobel stream needs.
pub const SOBEL_SCRATCH: usize = Stream::<u8, i16>::scratch_len(&SOBEL_X);

/// FNV-1a (32 bits) over output bytes: a few instructions a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv(pub u32);

impl Fnv {
    /// The empty checksum.
    pub const NEW: Fnv = Fnv(0x811c_9dc5);

    /// Adds bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u32).wrapping_mul(0x0100_0193);
        }
    }

    /// Adds `i16`s, little-endian.
    pub fn i16s(&mut self, values: &[i16]) {
        for v in values {
            self.bytes(&v.to_le_bytes());
        }
    }
}

/// The checksums of a frame's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    /// Of the blurred rows.
    pub blur: Fnv,
    /// Of the horizontal derivative's rows (`Fnv::NEW` without the gradient).
    pub gx: Fnv,
    /// Of the vertical derivative's rows.
    pub gy: Fnv,
}

/// The camera: row `y` of frame `n`, a moving pattern with edges (stands in
/// for the DMA that would fill `row`).
pub fn camera_row(y: usize, n: u32, row: &mut [u8; WIDTH]) {
    for (x, px) in row.iter_mut().enumerate() {
        let (x, y) = (x as u32, y as u32);
        let edge = if (x / 40 + y / 30) % 2 == 0 { 0 } else { 96 };
        *px = ((x.wrapping_mul(3) ^ y.wrapping_mul(5)) / 2 + edge).wrapping_add(n) as u8;
    }
}

/// Filters frame `n` row by row on `backend`: each camera row into the
/// blur's stream, each blurred row (with `GRADIENT`) into the two Sobel
/// streams, every output row into its checksum. `row` is the camera's row
/// buffer; `sobel` may be empty without `GRADIENT`.
pub fn frame<const GRADIENT: bool>(
    backend: Backend,
    n: u32,
    row: &mut [u8; WIDTH],
    blur: &mut [f32],
    sobel: [&mut [f32]; 2],
) -> Result<Sums, Error> {
    let mut sums = Sums { blur: Fnv::NEW, gx: Fnv::NEW, gy: Fnv::NEW };
    let [sx, sy] = sobel;
    let mut gradient = None;
    if GRADIENT {
        gradient =
            Some((Stream::<u8, i16>::new(&SOBEL_X, backend, sx)?, Stream::<u8, i16>::new(&SOBEL_Y, backend, sy)?));
    }
    let mut blur = Stream::<u8, u8>::new(&BLUR, backend, blur)?;
    let mut gradient_result = Ok(());
    for y in 0..HEIGHT {
        camera_row(y, n, row);
        blur.push(row, |_, blurred| {
            sums.blur.bytes(blurred);
            if let Some((gx, gy)) = &mut gradient {
                let pushed =
                    gx.push(blurred, |_, g| sums.gx.i16s(g)).and_then(|()| gy.push(blurred, |_, g| sums.gy.i16s(g)));
                gradient_result = gradient_result.and(pushed);
            }
        })?;
        gradient_result?;
    }
    blur.finish()?;
    if let Some((gx, gy)) = gradient {
        gx.finish()?;
        gy.finish()?;
    }
    Ok(sums)
}

/// What a frame costs without the filters: the camera rows and a checksum
/// of as many bytes as the blur hands out (subtracted from a frame's
/// instruction count to leave the filters').
pub fn baseline(n: u32, row: &mut [u8; WIDTH]) -> Fnv {
    let mut sum = Fnv::NEW;
    for y in 0..HEIGHT {
        camera_row(y, n, row);
        sum.bytes(row);
    }
    sum
}
