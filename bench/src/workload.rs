//! The workloads of DESIGN.md, their sample types and their deterministic input images.

use sepconv::{Border, Borders, Kernel, Output, Plan, Sample, Shape};
use sepconv_testkit::XorShift;

/// The sample type of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleType {
    /// 32-bit float samples, f32 output.
    F32,
    /// 8-bit samples, u8 output (the fixed-point recipe).
    U8,
    /// 16-bit samples, u16 output (the exact integer recipe).
    U16,
}

impl SampleType {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            SampleType::F32 => 4,
            SampleType::U8 => 1,
            SampleType::U16 => 2,
        }
    }
}

/// One benchmark case of DESIGN.md: an image size and a Gaussian of `taps`
/// taps (OpenCV's default σ for the size) in both directions, `Reflect101`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// The name used on the command line and in the JSON output.
    pub name: &'static str,
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Interleaved channels.
    pub channels: usize,
    /// Sample type of the input and the output.
    pub sample: SampleType,
    /// Kernel length, both directions.
    pub taps: usize,
}

/// The workloads of DESIGN.md, in its order.
pub const WORKLOADS: [Workload; 9] = [
    Workload { name: "f32-1080p-5", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 5 },
    Workload { name: "u8-1080p-5", width: 1920, height: 1080, channels: 1, sample: SampleType::U8, taps: 5 },
    Workload { name: "f32-4k-15", width: 3840, height: 2160, channels: 1, sample: SampleType::F32, taps: 15 },
    Workload { name: "u8-4k-15", width: 3840, height: 2160, channels: 1, sample: SampleType::U8, taps: 15 },
    Workload { name: "rgba8-1080p-9", width: 1920, height: 1080, channels: 4, sample: SampleType::U8, taps: 9 },
    Workload { name: "f32-1080p-31", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 31 },
    Workload { name: "f32-512-3", width: 512, height: 512, channels: 1, sample: SampleType::F32, taps: 3 },
    Workload { name: "u16-1080p-5", width: 1920, height: 1080, channels: 1, sample: SampleType::U16, taps: 5 },
    Workload { name: "u16-4k-15", width: 3840, height: 2160, channels: 1, sample: SampleType::U16, taps: 15 },
];

/// The kernel sizes of the default sweep (criterion and report): odd, 3 to 63.
pub const SWEEP_TAPS: [usize; 9] = [3, 5, 7, 9, 15, 21, 31, 45, 63];

/// The images of the kernel-size sweep: 1080p, one channel, f32 and u8.
pub const SWEEP_IMAGES: [Workload; 2] = [
    Workload { name: "sweep-f32-1080p", width: 1920, height: 1080, channels: 1, sample: SampleType::F32, taps: 3 },
    Workload { name: "sweep-u8-1080p", width: 1920, height: 1080, channels: 1, sample: SampleType::U8, taps: 3 },
];

impl Workload {
    /// The same image with a Gaussian of `taps` taps.
    pub fn with_taps(self, taps: usize) -> Workload {
        Workload { taps, ..self }
    }

    /// The workload called `name`, if any.
    pub fn by_name(name: &str) -> Option<Workload> {
        WORKLOADS.iter().copied().find(|w| w.name == name)
    }

    /// Pixels per image (the unit of every throughput figure).
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Samples per image (`pixels × channels`).
    pub fn samples(&self) -> usize {
        self.pixels() * self.channels
    }

    /// Bytes per image: what memcpy copies.
    pub fn bytes(&self) -> usize {
        self.samples() * self.sample.size()
    }

    /// The image shape.
    pub fn shape(&self) -> Shape {
        Shape::new(self.width, self.height, self.channels).expect("workload shapes are valid")
    }

    /// The 1D Gaussian: OpenCV's `getGaussianKernel(taps, 0, CV_32F)`.
    pub fn kernel(&self) -> Vec<f32> {
        let mut taps = vec![0.0f32; self.taps];
        sepconv_core::generate::gaussian(self.taps, 0.0, &mut taps).expect("workload kernels are valid");
        taps
    }

    /// The σ of [`kernel`](Self::kernel) (for a table kernel: the σ OpenCV
    /// would have used without the table).
    pub fn sigma(&self) -> f64 {
        sepconv_core::generate::default_sigma(self.taps)
    }

    /// The borders of every workload.
    pub fn borders(&self) -> Borders {
        Borders::uniform(Border::Reflect101)
    }
}

/// A sample type the benchmarks run: generates inputs, runs the naive
/// baseline, and knows how closely sepconv must match it.
pub trait BenchSample: Sample + Output<Self> + Default + PartialEq + std::fmt::Debug + Send + Sync {
    /// The workload sample type this is.
    const TYPE: SampleType;
    /// A sample from 32 random bits.
    fn from_random(bits: u32) -> Self;
    /// The sample as f32 (the naive filter computes in f32).
    fn to_f32(self) -> f32;
    /// An f32 result stored as this type (rounded and saturated for u8).
    fn from_f32(v: f32) -> Self;
}

impl BenchSample for f32 {
    const TYPE: SampleType = SampleType::F32;
    fn from_random(bits: u32) -> Self {
        // 24 random bits scaled to [0, 255): image-like magnitudes.
        (bits >> 8) as f32 * (255.0 / (1u32 << 24) as f32)
    }
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(v: f32) -> Self {
        v
    }
}

impl BenchSample for u8 {
    const TYPE: SampleType = SampleType::U8;
    fn from_random(bits: u32) -> Self {
        (bits >> 24) as u8
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
    fn from_f32(v: f32) -> Self {
        // `as` saturates; +0.5 then truncation rounds non-negative values.
        (v + 0.5).max(0.0) as u8
    }
}

impl BenchSample for u16 {
    const TYPE: SampleType = SampleType::U16;
    fn from_random(bits: u32) -> Self {
        (bits >> 16) as u16
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
    fn from_f32(v: f32) -> Self {
        (v + 0.5).max(0.0) as u16
    }
}

/// A deterministic pseudo-random image (the test kit's [`XorShift`], seeded
/// from the workload's name) and its kernel.
pub struct Input<S> {
    /// The workload.
    pub workload: Workload,
    /// The samples, `width × height × channels`, tightly packed.
    pub samples: Vec<S>,
    /// The 1D kernel, used for rows and columns.
    pub taps: Vec<f32>,
}

impl<S: BenchSample> Input<S> {
    /// The input of `workload`.
    ///
    /// # Panics
    ///
    /// If `S` is not the workload's sample type.
    pub fn new(workload: Workload) -> Self {
        assert_eq!(S::TYPE, workload.sample, "{}: wrong sample type", workload.name);
        let seed =
            workload.name.bytes().fold(0x9E37_79B9_7F4A_7C15u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01B3));
        let mut rng = XorShift::new(seed);
        let samples = (0..workload.samples()).map(|_| S::from_random((rng.next_u64() >> 32) as u32)).collect();
        Input { workload, samples, taps: workload.kernel() }
    }

    /// The kernel as a sepconv [`Kernel`] (anchored at its centre).
    pub fn kernel(&self) -> Kernel<'_> {
        Kernel::new(&self.taps).expect("workload kernels are valid")
    }

    /// The sepconv plan of this workload.
    pub fn plan(&self) -> Plan<'_> {
        Plan::new(self.workload.shape(), self.kernel(), self.kernel(), self.workload.borders())
            .expect("workload plans are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_follow_design() {
        assert_eq!(WORKLOADS.len(), 9);
        let w = Workload::by_name("rgba8-1080p-9").unwrap();
        assert_eq!((w.width, w.height, w.channels, w.taps, w.sample), (1920, 1080, 4, 9, SampleType::U8));
        assert_eq!(w.bytes(), 1920 * 1080 * 4);
        for w in WORKLOADS {
            let k = w.kernel();
            assert_eq!(k.len(), w.taps);
            assert!((k.iter().map(|&v| v as f64).sum::<f64>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn inputs_are_deterministic() {
        let w = Workload { width: 16, height: 4, ..WORKLOADS[0] };
        assert_eq!(Input::<f32>::new(w).samples, Input::<f32>::new(w).samples);
        let u = Workload { width: 16, height: 4, ..WORKLOADS[1] };
        let s = Input::<u8>::new(u).samples;
        assert!(s.iter().any(|&v| v > 200) && s.iter().any(|&v| v < 50));
    }
}
