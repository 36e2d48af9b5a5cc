//! The engines behind a plan: [`Call`], the visitor that reaches each
//! (source, output) pair's engine, and each engine as an [`Op`] that
//! [`Backend::run`] runs on one instruction set.

use super::Plan;
use crate::backend::Backend;
use crate::error::Result;
use crate::fixed::FixedPoint;
use crate::fixed16::FixedPoint16;
use crate::image::{ImageView, ImageViewMut, InPlaceRows};
use crate::pass::fixed::{FixedOutput, FixedPasses};
use crate::pass::wide::{WideOutput, WidePasses};
#[cfg(feature = "f16")]
use crate::pass::widened::WidenedOutput;
use crate::pass::widened::WidenedPasses;
use crate::pass::{F32Passes, Frames, Job, Separate, Work};
use crate::sample::Pairs;
use crate::simd::{Op, Simd, Unfused};

/// One checked filter call, handed to the pair's visitor method: each
/// method names one pair's engine, so a crate compiles the engines of the
/// pairs and kinds of work it calls, and no others.
pub(super) struct Call<'a, 'k, W> {
    pub plan: &'a Plan<'k>,
    pub backend: Backend,
    pub work: W,
    pub scratch: &'a mut [f32],
}

impl<W: Work> Pairs for Call<'_, '_, W> {
    type Output = Result<()>;
    fn f32(self, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        let first_row = self.work.first_row();
        self.f32_frames(&mut Separate { src: *src, dst, first_row })
    }
    fn u8(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, u8>) -> Result<()> {
        let first_row = self.work.first_row();
        self.u8_frames(&mut Separate { src: *src, dst, first_row })
    }
    fn u8_i16(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, i16>) -> Result<()> {
        let first_row = self.work.first_row();
        self.u8_frames(&mut Separate { src: *src, dst, first_row })
    }
    fn u8_f32(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        let first_row = self.work.first_row();
        self.u8_frames(&mut Separate { src: *src, dst, first_row })
    }
    fn f32_in_place(self, mut image: InPlaceRows<'_, '_, '_, f32>) -> Result<()> {
        self.f32_frames(&mut image)
    }
    fn u8_in_place(self, mut image: InPlaceRows<'_, '_, '_, u8>) -> Result<()> {
        self.u8_frames(&mut image)
    }
    fn u16(self, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, u16>) -> Result<()> {
        let first_row = self.work.first_row();
        self.u16_frames(&mut Separate { src: *src, dst, first_row })
    }
    fn u16_f32(self, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        let first_row = self.work.first_row();
        self.u16_frames(&mut Separate { src: *src, dst, first_row })
    }
    fn u16_in_place(self, mut image: InPlaceRows<'_, '_, '_, u16>) -> Result<()> {
        self.u16_frames(&mut image)
    }
    #[cfg(feature = "f16")]
    fn f16(self, src: &ImageView<'_, half::f16>, dst: &mut ImageViewMut<'_, half::f16>) -> Result<()> {
        let first_row = self.work.first_row();
        self.f16_frames(&mut Separate { src: *src, dst, first_row })
    }
    #[cfg(feature = "f16")]
    fn f16_f32(self, src: &ImageView<'_, half::f16>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        let first_row = self.work.first_row();
        self.f16_frames(&mut Separate { src: *src, dst, first_row })
    }
    #[cfg(feature = "f16")]
    fn f16_in_place(self, mut image: InPlaceRows<'_, '_, '_, half::f16>) -> Result<()> {
        self.f16_frames(&mut image)
    }
}

impl<W: Work> Call<'_, '_, W> {
    fn f32_frames(self, frames: &mut dyn Frames<f32, f32>) -> Result<()> {
        let plan = self.plan;
        let geometry = self.work.geometry(plan.geometry_for::<f32>());
        let job =
            Job { geometry: &geometry, frames, work: self.work, constants: plan.constants()?, scratch: self.scratch };
        self.backend.run(FilterF32 { row: plan.row.taps(), column: plan.column.taps(), job });
        Ok(())
    }

    fn u8_frames<D: FixedOutput>(self, frames: &mut dyn Frames<u8, D>) -> Result<()> {
        let plan = self.plan;
        let fp = plan.fixed_point()?;
        let geometry = self.work.geometry(plan.geometry_for::<u8>());
        let job =
            Job { geometry: &geometry, frames, work: self.work, constants: plan.constants()?, scratch: self.scratch };
        self.backend.run(FilterU8 { fp, job });
        Ok(())
    }

    fn u16_frames<D: U16Output>(self, frames: &mut dyn Frames<u16, D>) -> Result<()> {
        let plan = self.plan;
        // Made per call, not with the plan: firmware filtering u8 keeps its
        // flash free of the u16 recipe.
        let recipe = FixedPoint16::new(&plan.row, &plan.column)?;
        let geometry = self.work.geometry(plan.geometry_for::<u16>());
        let job =
            Job { geometry: &geometry, frames, work: self.work, constants: plan.constants()?, scratch: self.scratch };
        self.backend.run(FilterU16 { recipe: &recipe, row: plan.row.taps(), column: plan.column.taps(), job });
        Ok(())
    }

    #[cfg(feature = "f16")]
    fn f16_frames<D: WidenedOutput<half::f16>>(self, frames: &mut dyn Frames<half::f16, D>) -> Result<()> {
        let plan = self.plan;
        let geometry = self.work.geometry(plan.geometry_for::<half::f16>());
        let job =
            Job { geometry: &geometry, frames, work: self.work, constants: plan.constants()?, scratch: self.scratch };
        self.backend.run(FilterF16 { row: plan.row.taps(), column: plan.column.taps(), job });
        Ok(())
    }
}

/// The f32 engine as an op.
struct FilterF32<'a, W> {
    row: &'a [f32],
    column: &'a [f32],
    job: Job<'a, f32, f32, W>,
}

impl<W: Work> Op for FilterF32<'_, W> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        let passes = F32Passes::<S::F32>::new(simd, self.row, self.column, self.job.geometry);
        self.job.run(&passes);
    }
}

/// The u8 engine with output `D` as an op (each pass runs as an op of its own).
struct FilterU8<'a, D, W> {
    fp: &'a FixedPoint,
    job: Job<'a, u8, D, W>,
}

impl<D: FixedOutput, W: Work> Op for FilterU8<'_, D, W> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        self.job.run(&FixedPasses::<S::I16, D>::new(simd, self.fp));
    }
}

/// The u16 engine with output `D` as an op.
struct FilterU16<'a, D, W> {
    recipe: &'a FixedPoint16,
    row: &'a [f32],
    column: &'a [f32],
    job: Job<'a, u16, D, W>,
}

impl<D: U16Output, W: Work> Op for FilterU16<'_, D, W> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        D::run(simd, self);
    }
}

/// The outputs of u16 sources: which form of the recipe makes them.
trait U16Output: WideOutput {
    fn run<S: Simd, W: Work>(simd: S, filter: FilterU16<'_, Self, W>);
}

impl U16Output for u16 {
    /// The f32 form where it keeps the recipe's promise, else the integers in f64.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd, W: Work>(simd: S, f: FilterU16<'_, u16, W>) {
        if f.recipe.f32_lanes() {
            f.job.run(&WidenedPasses::<Unfused<S::F32>, u16, u16>::new(simd, f.row, f.column));
        } else {
            f.job.run(&WidePasses::<S::F64, u16>::new(simd, f.recipe));
        }
    }
}

/// The integers in f64 (u16 → f32 serves signed kernels, derivatives).
impl U16Output for f32 {
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd, W: Work>(simd: S, f: FilterU16<'_, f32, W>) {
        f.job.run(&WidePasses::<S::F64, f32>::new(simd, f.recipe));
    }
}

/// The f16 engine with output `D` as an op.
#[cfg(feature = "f16")]
struct FilterF16<'a, D, W> {
    row: &'a [f32],
    column: &'a [f32],
    job: Job<'a, half::f16, D, W>,
}

#[cfg(feature = "f16")]
impl<D: WidenedOutput<half::f16>, W: Work> Op for FilterF16<'_, D, W> {
    type Output = ();
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn run<S: Simd>(self, simd: S) {
        self.job.run(&WidenedPasses::<S::F32, half::f16, D>::new(simd, self.row, self.column));
    }
}
