//! The image processing of the firmware example, free of any hardware: a
//! 160×120 u8 camera frame is blurred with a 5-tap Gaussian and its Sobel
//! gradient (u8 → i16) is taken. Everything lives in caller-owned buffers;
//! nothing allocates. The test `tests/embedded.rs` of the `sepconv` crate
//! compiles this file too and checks it against the reference filter on
//! every backend (on x86_64, and on aarch64 under qemu in `.ci/targets.sh`).

use sepconv_core::{Backend, Border, Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Shape};

/// Frame width in pixels.
pub const WIDTH: usize = 160;
/// Frame height in pixels.
pub const HEIGHT: usize = 120;
/// Pixels per frame (one u8 channel).
pub const PIXELS: usize = WIDTH * HEIGHT;
/// `f32` elements of scratch: at least `Plan::scratch_len::<u8>()` of both
/// plans (the host test asserts it).
pub const SCRATCH_LEN: usize = 768;

/// OpenCV's 5-tap Gaussian (σ = 1.1: `[1 4 6 4 1] / 16`), in flash.
static GAUSSIAN_5: [f32; 5] = [0.0625, 0.25, 0.375, 0.25, 0.0625];
/// Sobel: central difference across, `[1 2 1]` smoothing along.
static SOBEL_DIFF: [f32; 3] = [-1.0, 0.0, 1.0];
static SOBEL_SMOOTH: [f32; 3] = [1.0, 2.0, 1.0];

/// The three filters, validated once at start-up.
pub struct Pipeline {
    blur: Plan<'static>,
    sobel_x: Plan<'static>,
    sobel_y: Plan<'static>,
}

impl Pipeline {
    /// Checks the kernels and quantises them to the u8 fixed-point recipe.
    pub fn new() -> Result<Self, Error> {
        let shape = Shape::new(WIDTH, HEIGHT, 1)?;
        let gaussian = Kernel::new(&GAUSSIAN_5)?;
        let (diff, smooth) = (Kernel::new(&SOBEL_DIFF)?, Kernel::new(&SOBEL_SMOOTH)?);
        let borders = Borders::uniform(Border::Reflect101);
        Ok(Pipeline {
            blur: Plan::new(shape, gaussian, gaussian, borders)?,
            sobel_x: Plan::new(shape, diff, smooth, borders)?,
            sobel_y: Plan::new(shape, smooth, diff, borders)?,
        })
    }

    /// The largest scratch any of the three filters needs, in `f32`s.
    pub fn scratch_len(&self) -> usize {
        let plans = [&self.blur, &self.sobel_x, &self.sobel_y];
        plans.iter().map(|p| p.scratch_len::<u8>()).max().unwrap_or(0)
    }

    /// `blurred = Gaussian(frame)`, computed by `backend`.
    pub fn blur(&self, backend: Backend, frame: &[u8], blurred: &mut [u8], scratch: &mut [f32]) -> Result<(), Error> {
        let src = ImageView::new(frame, WIDTH, HEIGHT, 1)?;
        self.blur.filter(backend, &src, &mut ImageViewMut::new(blurred, WIDTH, HEIGHT, 1)?, scratch)
    }

    /// `gx`, `gy` = the Sobel gradient of `image` (each in `−1020..=1020`),
    /// computed by `backend`.
    pub fn gradient(
        &self,
        backend: Backend,
        image: &[u8],
        gx: &mut [i16],
        gy: &mut [i16],
        scratch: &mut [f32],
    ) -> Result<(), Error> {
        let src = ImageView::new(image, WIDTH, HEIGHT, 1)?;
        self.sobel_x.filter(backend, &src, &mut ImageViewMut::new(gx, WIDTH, HEIGHT, 1)?, scratch)?;
        self.sobel_y.filter(backend, &src, &mut ImageViewMut::new(gy, WIDTH, HEIGHT, 1)?, scratch)
    }
}
