//! `Bytes`: the decoder of a fuzzer's input into sizes, weights, borders and layer parameters.

use sepconv::{Border, MAX_TAPS};
use sepconv_core::depthwise::{Activation, Quantization};

/// Reads bytes from the fuzzer's input, zeros once it runs out.
pub struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes(data)
    }

    pub(crate) fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// `0..n` (n ≤ 256).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n
    }

    pub(crate) fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }

    /// A weight: mostly small multiples of 1/64, sometimes not finite.
    pub(crate) fn weight(&mut self) -> f32 {
        match self.next() {
            255 => f32::NAN,
            254 => f32::INFINITY,
            253 => f32::NEG_INFINITY,
            b => (b as f32 - 128.0) / 64.0,
        }
    }

    /// A constant border value: integers 0..=251 (valid for u8 too), or
    /// −1, 0.5 (valid for f32 only), NaN, ∞ (valid for none).
    pub(crate) fn border(&mut self) -> Border {
        match self.next() % 5 {
            0 => Border::Constant(match self.next() {
                255 => f32::NAN,
                254 => f32::INFINITY,
                253 => -1.0,
                252 => 0.5,
                b => b as f32,
            }),
            1 => Border::Replicate,
            2 => Border::Reflect,
            3 => Border::Reflect101,
            _ => Border::Wrap,
        }
    }

    /// An f64 parameter: small values, edge values, or arbitrary bits.
    pub(crate) fn f64(&mut self) -> f64 {
        match self.next() {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => f64::MIN_POSITIVE / 4.0,
            6 => f64::MAX,
            7 => 1e-300,
            8 => {
                let mut bits = 0u64;
                for _ in 0..8 {
                    bits = bits << 8 | self.next() as u64;
                }
                f64::from_bits(bits)
            }
            b => (b as f64 - 128.0) / 16.0,
        }
    }

    /// A size: mostly small, sometimes at the edges of `usize` arithmetic.
    pub(crate) fn size(&mut self) -> usize {
        match self.next() {
            255 => usize::MAX,
            254 => usize::MAX / 2 + 1,
            253 => usize::MAX / 3,
            252 => 1 << 32,
            251 => (1 << 31) + 1,
            250 => 1 << 20,
            249 => 1 << 16,
            b => b as usize % 80,
        }
    }

    pub(crate) fn kernel_len(&mut self) -> usize {
        match self.next() {
            255 => MAX_TAPS + 1,
            254 => MAX_TAPS,
            b => b as usize % 18,
        }
    }
}

/// Weight slices never get longer than this (a longer one is a mismatch).
const MAX_WEIGHTS: usize = 1 << 13;

/// Decoders of the depthwise layers' parameters.
impl Bytes<'_> {
    /// A layer size: mostly `0..=max`, sometimes at the edges of `usize` arithmetic.
    pub(crate) fn layer_size(&mut self, max: usize) -> usize {
        match self.next() {
            255 => usize::MAX,
            254 => usize::MAX / 2,
            253 => usize::MAX / 2 + 1,
            252 => 1 << 32,
            251 => 1 << 16,
            b => b as usize % (max + 1),
        }
    }

    /// Channels: mostly `0..=8`, now and then up to 80, past every vector
    /// block (4 × 16 lanes) and into its tails.
    pub(crate) fn channels(&mut self) -> usize {
        if self.below(8) == 0 {
            9 + self.below(72)
        } else {
            self.layer_size(8)
        }
    }

    pub(crate) fn activation(&mut self) -> Activation {
        [Activation::None, Activation::Relu, Activation::Relu6][self.below(3)]
    }

    /// The length of a slice the shape asks `n` elements of: mostly `n`
    /// (also once the bytes run out), sometimes one off or empty.
    pub(crate) fn weight_len(&mut self, n: usize) -> usize {
        let n = n.min(MAX_WEIGHTS);
        match self.next() {
            255 => n + 1,
            254 => n.saturating_sub(1),
            253 => 0,
            _ => n,
        }
    }

    /// Per tensor (one scale) or per channel (`n`), or a wrong length.
    pub(crate) fn scales_len(&mut self, n: usize) -> usize {
        if self.below(4) == 0 {
            1
        } else {
            self.weight_len(n)
        }
    }

    /// A quantisation scale: mostly `2^-e·(1 + m/16)` in `[2^-23, 1.625]`
    /// (effective scales from far below 2^-31, where multipliers vanish, to
    /// 2^24: right and left shifts), sometimes not positive, not finite, or
    /// extreme enough that multipliers saturate.
    pub(crate) fn scale(&mut self) -> f32 {
        match self.next() {
            255 => f32::NAN,
            254 => f32::INFINITY,
            253 => 0.0,
            252 => -0.0,
            251 => -0.5,
            250 => f32::MAX,
            249 => 1e-45,
            248 => 1e-30,
            b => (1.0 + (b / 24) as f32 / 16.0) / (1u32 << (b % 24)) as f32,
        }
    }

    /// A zero point: mostly in `-128..=127`, sometimes just or far outside.
    pub(crate) fn zero_point(&mut self) -> i32 {
        match self.next() {
            255 => 128,
            254 => -129,
            253 => i32::MIN,
            b => b as i8 as i32,
        }
    }

    pub(crate) fn quantization(&mut self) -> Quantization {
        Quantization::new(self.scale(), self.zero_point())
    }

    /// The bias of a sum of `terms` int8 products: mostly moderate,
    /// sometimes at or just past the edge where the accumulator could overflow.
    pub(crate) fn bias(&mut self, terms: usize) -> i32 {
        let edge = (i32::MAX as i128 - terms as i128 * 255 * 128).clamp(0, i32::MAX as i128) as i32;
        match self.next() {
            255 => edge,
            254 => -edge - 1,
            253 => i32::MIN,
            b => (b as i32 - 128) * 256 + self.next() as i32,
        }
    }
}
