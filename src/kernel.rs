//! Owned kernels: taps a function can build and return.

use sepconv_core::{generate, Kernel, Result};

/// An owned 1D kernel: taps and an anchor, validated as [`Kernel`] is. Where
/// a [`Kernel`] borrows its taps (so that firmware can keep them in flash),
/// a `KernelBuf` owns them, so a helper can build one and return it; borrow
/// it with [`kernel`](Self::kernel).
///
/// ```
/// use sepconv::{Image, KernelBuf};
///
/// fn smoothing(sigma: f64) -> sepconv::Result<KernelBuf> {
///     KernelBuf::gaussian(7, sigma)
/// }
///
/// let k = smoothing(1.2)?;
/// let img = Image::<u8>::new(32, 24, 1)?;
/// let out: Image<u8> = sepconv::filter(&img.view(), k.kernel(), k.kernel(), Default::default())?;
/// assert_eq!(out.shape(), img.shape());
/// # Ok::<(), sepconv::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KernelBuf {
    taps: Vec<f32>,
    anchor: usize,
}

impl KernelBuf {
    /// A kernel anchored at its centre, `len / 2` (OpenCV's default).
    ///
    /// # Errors
    ///
    /// As [`Kernel::new`]: empty, too long, or a weight that is not finite.
    pub fn new(taps: impl Into<Vec<f32>>) -> Result<Self> {
        let taps = taps.into();
        let anchor = taps.len() / 2;
        Self::with_anchor(taps, anchor)
    }

    /// A kernel with an explicit anchor in `0..len`.
    ///
    /// # Errors
    ///
    /// As [`Kernel::with_anchor`].
    pub fn with_anchor(taps: impl Into<Vec<f32>>, anchor: usize) -> Result<Self> {
        let taps = taps.into();
        Kernel::with_anchor(&taps, anchor)?;
        Ok(KernelBuf { taps, anchor })
    }

    /// OpenCV's Gaussian of `len` taps ([`generate::gaussian`]:
    /// `getGaussianKernel(len, sigma, CV_32F)` bit for bit; `sigma <= 0`
    /// asks for OpenCV's default σ for the length).
    ///
    /// # Errors
    ///
    /// As [`generate::gaussian`].
    pub fn gaussian(len: usize, sigma: f64) -> Result<Self> {
        Self::generated(len, |out| generate::gaussian(len, sigma, out).map(<[f32]>::len))
    }

    /// A normalised box (moving average) of `len` taps, each `1/len`.
    ///
    /// # Errors
    ///
    /// As [`generate::box_kernel`].
    pub fn box_average(len: usize) -> Result<Self> {
        Self::generated(len, |out| generate::box_kernel(len, true, out).map(<[f32]>::len))
    }

    /// OpenCV's Sobel (or, with `ksize` [`generate::SCHARR`], Scharr) kernel
    /// for one axis, unnormalised: the derivative of `order` along it,
    /// smoothing across it for order 0 ([`generate::deriv`]).
    ///
    /// # Errors
    ///
    /// As [`generate::deriv`].
    pub fn deriv(order: usize, ksize: i32) -> Result<Self> {
        // The longest kernel `deriv` makes: 31 taps (ksize 1 with order > 0 is 3).
        Self::generated(31, |out| generate::deriv(order, ksize, false, out).map(<[f32]>::len))
    }

    /// A sampled derivative of a Gaussian of `len` taps, order 0–2
    /// ([`generate::gaussian_derivative`]).
    ///
    /// # Errors
    ///
    /// As [`generate::gaussian_derivative`].
    pub fn gaussian_derivative(len: usize, sigma: f64, order: usize) -> Result<Self> {
        Self::generated(len, |out| generate::gaussian_derivative(len, sigma, order, out).map(<[f32]>::len))
    }

    /// Runs a generator over a buffer of `room` taps and keeps what it wrote.
    fn generated(room: usize, generate: impl FnOnce(&mut [f32]) -> Result<usize>) -> Result<Self> {
        let mut taps = vec![0.0; room.clamp(1, sepconv_core::MAX_TAPS)];
        let len = generate(&mut taps)?;
        taps.truncate(len);
        Self::new(taps)
    }

    /// The kernel, borrowed.
    pub fn kernel(&self) -> Kernel<'_> {
        // Validated when `self` was made; the taps cannot have changed since.
        Kernel::with_anchor(&self.taps, self.anchor).unwrap_or_else(|_| unreachable!())
    }

    /// The weights.
    pub fn taps(&self) -> &[f32] {
        &self.taps
    }

    /// The index of the tap that lands on the output sample.
    pub fn anchor(&self) -> usize {
        self.anchor
    }
}

impl From<Kernel<'_>> for KernelBuf {
    fn from(kernel: Kernel<'_>) -> Self {
        KernelBuf { taps: kernel.taps().to_vec(), anchor: kernel.anchor() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sepconv_core::Error;

    #[test]
    fn generators_give_the_core_generators_taps() {
        let mut buf = [0.0f32; 9];
        assert_eq!(KernelBuf::gaussian(9, 1.7).unwrap().taps(), generate::gaussian(9, 1.7, &mut buf).unwrap());
        assert_eq!(KernelBuf::deriv(1, 5).unwrap().taps(), [-1.0, -2.0, 0.0, 2.0, 1.0]);
        assert_eq!(KernelBuf::deriv(1, 1).unwrap().taps(), [-1.0, 0.0, 1.0]);
        assert_eq!(KernelBuf::deriv(0, generate::SCHARR).unwrap().taps(), [3.0, 10.0, 3.0]);
        assert_eq!(KernelBuf::box_average(4).unwrap().taps(), [0.25; 4]);
        let k = KernelBuf::gaussian_derivative(7, 1.5, 1).unwrap();
        assert_eq!(k.taps(), generate::gaussian_derivative(7, 1.5, 1, &mut buf).unwrap());
        assert_eq!(k.anchor(), 3);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert_eq!(KernelBuf::new(Vec::new()), Err(Error::EmptyKernel));
        assert_eq!(KernelBuf::with_anchor([1.0, 2.0], 2), Err(Error::AnchorOutOfRange));
        assert_eq!(KernelBuf::new([f32::NAN]), Err(Error::NonFiniteWeight));
        assert_eq!(KernelBuf::gaussian(0, 1.0), Err(Error::EmptyKernel));
        assert_eq!(KernelBuf::gaussian(300, 1.0), Err(Error::KernelTooLong));
        assert_eq!(KernelBuf::deriv(1, 4), Err(Error::InvalidKernelSize));
        assert_eq!(KernelBuf::deriv(3, 3), Err(Error::InvalidParameter));
        assert_eq!(KernelBuf::box_average(0), Err(Error::EmptyKernel));
    }

    #[test]
    fn borrowing_and_back() {
        let k = KernelBuf::with_anchor([1.0, 2.0, 3.0], 0).unwrap();
        assert_eq!(k.kernel().taps(), [1.0, 2.0, 3.0]);
        assert_eq!(k.kernel().anchor(), 0);
        assert_eq!(KernelBuf::from(k.kernel()), k);
    }
}
