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
    /// The weights are too large to be represented in the u8 fixed-point
    /// recipe (the sum of absolute weights exceeds what 32-bit accumulators hold).
    WeightsOutOfRange,
    /// A `Border::Constant` value is not finite, or (for u8 images) not an
    /// integer in `0..=255`.
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
    /// supports: a derivative order or aperture size OpenCV refuses, a σ too
    /// small for a derivative's taps, a negative or NaN tolerance, a rank of 0.
    InvalidParameter,
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
            Error::WeightsOutOfRange => f.write_str("kernel weights too large for the u8 fixed-point recipe"),
            Error::InvalidBorderValue => {
                f.write_str("constant border value is not finite (or, for u8, not an integer in 0..=255)")
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
            Error::InvalidStride => f.write_str("layer stride is zero"),
            Error::LengthMismatch { expected, actual } => {
                write!(f, "weight, bias or scale slice has {actual} elements, the layer needs {expected}")
            }
            Error::InvalidScale => f.write_str("quantisation scale is not finite and positive"),
            Error::InvalidZeroPoint => f.write_str("int8 zero point outside -128..=127"),
            Error::AccumulatorOverflow => f.write_str("int8 layer's int32 accumulators could overflow"),
            Error::OutOfMemory { bytes } => write!(f, "out of memory: could not allocate {bytes} bytes"),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;
