//! The one error type of the crate: a distinct value for every kind of bad input.

use core::fmt;

/// Everything that can be wrong with the inputs of a filter call.
///
/// Every public function of the crate reports bad input through this type and
/// never panics. Each variant names one kind of mistake, so a caller (or a
/// test) can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The width or the height is zero.
    ZeroSize,
    /// `width × channels`, `stride × height` or a scratch size does not fit in `usize`.
    SizeOverflow,
    /// The channel count is not 1, 2, 3 or 4.
    InvalidChannels,
    /// The row stride (in elements) is smaller than `width × channels`.
    StrideTooSmall,
    /// The buffer is shorter than `(height − 1) × stride + width × channels`.
    BufferTooShort {
        /// Elements the view needs.
        needed: usize,
        /// Elements the buffer has.
        actual: usize,
    },
    /// A kernel has no taps.
    EmptyKernel,
    /// A kernel has more than [`MAX_TAPS`](crate::MAX_TAPS) taps.
    KernelTooLong,
    /// A kernel's anchor is not smaller than its length.
    AnchorOutOfRange,
    /// A kernel weight is NaN or infinite.
    NonFiniteWeight,
    /// The weights are too large for the integer recipes (u8: the sums of
    /// absolute weights exceed what 32-bit accumulators hold; u16: what the
    /// 53-bit exact range holds).
    WeightsOutOfRange,
    /// A `Border::Constant` value is not finite, or (for u8 and u16 images)
    /// not an integer in `0..=255` or `0..=65535`.
    InvalidBorderValue,
    /// The source and destination (or the image and the plan) differ in shape.
    ShapeMismatch,
    /// A "valid region" plan on an image smaller than its kernel: the output
    /// would be empty.
    EmptyOutput,
    /// The scratch buffer is shorter than [`Plan::scratch_len`](crate::Plan::scratch_len).
    ScratchTooSmall {
        /// Elements the plan needs.
        needed: usize,
        /// Elements the caller gave.
        actual: usize,
    },
    /// In-place filtering was asked of a plan whose output has another shape
    /// than its input (a "valid region" plan).
    InPlaceNotSupported,
    /// A row band lies outside the output image, or is empty.
    BandOutOfRange,
    /// A [`Region::Window`](crate::Region::Window) is empty or not inside the image.
    WindowOutOfRange,
    /// A kernel generator or factorisation parameter lies outside what it
    /// supports: a derivative order OpenCV refuses, a σ too small for a
    /// derivative's taps, a negative or NaN tolerance, a rank of 0.
    InvalidParameter,
    /// A kernel size the filter does not take: an even Gaussian size (as
    /// OpenCV's `GaussianBlur`), an even Sobel or Laplacian size or one above 31.
    InvalidKernelSize,
    /// A Gaussian's standard deviation that is not finite and positive.
    InvalidSigma,
    /// An image of a sample type the filter does not take (a 16-bit
    /// `DynamicImage` variant, for instance).
    UnsupportedSampleType,
    /// A depthwise-separable layer's stride is zero.
    InvalidStride,
    /// A weight, bias or scale slice of a depthwise-separable layer does not
    /// have the length its shape asks for.
    LengthMismatch {
        /// Elements the layer's shape asks for.
        expected: usize,
        /// Elements the slice has.
        actual: usize,
    },
    /// A quantisation scale is not finite and positive, or an effective
    /// requantisation scale is not finite (int8 layers).
    InvalidScale,
    /// An int8 zero point lies outside `-128..=127`.
    InvalidZeroPoint,
    /// An int8 layer's int32 accumulator could overflow: `|bias| + taps × 255 × 128`
    /// exceeds `i32::MAX` for some channel.
    AccumulatorOverflow,
    /// A [`Stream`](crate::Stream) was pushed a row after the image's last one.
    TooManyRows,
    /// A [`Stream`](crate::Stream) was finished before the image's last row was pushed.
    RowsMissing,
    /// A plan whose output reads rows beyond the top or bottom of the image
    /// through a vertical `Wrap` border cannot be streamed: its first output
    /// rows need the image's last rows.
    WrapNotStreamable,
    /// The allocator refused a buffer (an image, scratch, a layer's output)
    /// that the `sepconv` facade allocates; nothing was written.
    OutOfMemory {
        /// Bytes asked for (saturating at `usize::MAX`).
        bytes: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::ZeroSize => f.write_str("image width or height is zero"),
            Error::SizeOverflow => f.write_str("image or scratch size overflows usize"),
            Error::InvalidChannels => f.write_str("channel count must be 1, 2, 3 or 4"),
            Error::StrideTooSmall => f.write_str("row stride is smaller than width × channels"),
            Error::BufferTooShort { needed, actual } => {
                write!(f, "buffer too short: the view needs {needed} elements, the buffer has {actual}")
            }
            Error::EmptyKernel => f.write_str("kernel has no taps"),
            Error::KernelTooLong => f.write_str("kernel is longer than MAX_TAPS (256) taps"),
            Error::AnchorOutOfRange => f.write_str("kernel anchor is not smaller than its length"),
            Error::NonFiniteWeight => f.write_str("kernel weight is NaN or infinite"),
            Error::WeightsOutOfRange => f.write_str("kernel weights too large for the integer (u8 or u16) recipe"),
            Error::InvalidBorderValue => {
                f.write_str("constant border value is not finite (or, for u8 and u16, not an integer they hold)")
            }
            Error::ShapeMismatch => f.write_str("source and destination shapes differ"),
            Error::EmptyOutput => f.write_str("valid-region output is empty: the image is smaller than the kernel"),
            Error::ScratchTooSmall { needed, actual } => {
                write!(f, "scratch too small: the plan needs {needed} elements, got {actual}")
            }
            Error::InPlaceNotSupported => f.write_str("in-place filtering needs an output of the input's shape"),
            Error::BandOutOfRange => f.write_str("row band is empty or outside the output"),
            Error::WindowOutOfRange => f.write_str("window is empty or not inside the image"),
            Error::InvalidParameter => f.write_str("kernel parameter outside its supported range"),
            Error::InvalidKernelSize => f.write_str("kernel size not supported by this filter (even, or too large)"),
            Error::InvalidSigma => f.write_str("Gaussian sigma is not finite and positive"),
            Error::UnsupportedSampleType => f.write_str("the filter does not take images of this sample type"),
            Error::InvalidStride => f.write_str("layer stride is zero"),
            Error::LengthMismatch { expected, actual } => {
                write!(f, "weight, bias or scale slice has {actual} elements, the layer needs {expected}")
            }
            Error::InvalidScale => f.write_str("quantisation scale is not finite and positive"),
            Error::InvalidZeroPoint => f.write_str("int8 zero point outside -128..=127"),
            Error::AccumulatorOverflow => f.write_str("int8 layer's int32 accumulators could overflow"),
            Error::TooManyRows => f.write_str("stream pushed a row past the image's last row"),
            Error::RowsMissing => f.write_str("stream finished before the image's last row was pushed"),
            Error::WrapNotStreamable => f.write_str(
                "a vertical Wrap border the output reaches cannot be streamed (it needs the last rows first)",
            ),
            Error::OutOfMemory { bytes } => write!(f, "out of memory: could not allocate {bytes} bytes"),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// `?` for `const fn`s (where the operator is not available yet): the value
/// of an `Ok` or `Some`, or an early return of the error or `None`.
macro_rules! attempt {
    (Some $e:expr) => {
        match $e {
            Some(v) => v,
            None => return None,
        }
    };
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err(e),
        }
    };
}
pub(crate) use attempt;
