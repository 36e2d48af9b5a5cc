//! The reference: plain scalar code, obviously correct, the oracle every
//! backend is tested against.
//!
//! Each output is computed on its own, exactly as the definition reads:
//! `n` row sums (one per column tap, each over the border-extended source),
//! then their weighted column sum. The arithmetic is that of a row pass
//! followed by a column pass, without the ring, the tiling or the vectors,
//! and without scratch. It costs `n_r · n_c` multiply-adds per output, which is
//! fine for tests.
//!
//! * f32: sums in f32, in tap order, unfused, from −0.0 (the additive
//!   identity: the first partial sum is the first product, exactly; a sum
//!   of −0.0 products is −0.0).
//! * u8: the fixed-point recipe of [`crate::fixed`] in `i32`, the
//!   definition every backend matches bit for bit.
//! * u16: the recipe of [`crate::fixed16`], which every backend matches bit
//!   for bit: u16 outputs in its f32 form where it takes it (the f32
//!   reference on the samples as f32, then [`fixed16`]'s rounding), else
//!   in `i128` integers (the engines hold the same integers in `f64`).
//! * f16 (feature `f16`): the f32 reference on the widened samples, the
//!   result rounded once to f16 (to nearest, ties to even) for f16 outputs.
//!
//! The f32 bound (the crate docs' "f32 accuracy and range"): each f32
//! operation gives `exact·(1 + δ) + η` with `|δ| ≤ u = 2⁻²⁴`, and `|η| ≤
//! 2⁻¹⁵⁰` for a product or multiply-add whose result underflows (`η = 0`
//! for a sum). A sum of `n` products, in any order, fused or not, is then
//! within `γ_n·Σ|a_k b_k| + n·2⁻¹⁵⁰·(1 + γ_n)` of the exact one (`γ_n =
//! n·u / (1 − n·u)`, Higham §3.1). The row sums `t_j` are within
//! `γ_nr·Σ_i |r_i x_ij| + nr·2⁻¹⁵⁰(1 + γ_nr)`, the output within
//! `γ_nc·Σ_j |c_j t_j| + nc·2⁻¹⁵⁰(1 + γ_nc)` of `Σ c_j t_j`; together, for
//! `nr, nc ≤ 256`, within `(nr + nc + 2)·u·m + (nr·Σ|c| + nc)·2⁻¹⁴⁹` of the
//! exact result, `m = Σ_j |c_j|·Σ_i |r_i x_ij|`. This holds for this
//! reference and for every backend, and needs only that no operation
//! overflowed, which an f32 result that is finite proves (±∞ and NaN never
//! become finite again). The bound itself is computed in f64 by the tests
//! (`sepconv-testkit`'s `bound`), where it cannot overflow. No partial sum
//! exceeds `(1 + γ)·Σ_j max(|c_j|, 1)·Σ_i |r_i x_ij|` (a row sum with
//! `c_j = 0` still counts: `0 · ∞` is NaN), so outputs are finite while that
//! stays below `f32::MAX`.

use crate::border::Border;
use crate::error::{Error, Result};
use crate::fixed::FixedPoint;
use crate::fixed16::{self, FixedPoint16};
use crate::image::{ImageView, ImageViewMut, InPlaceRows};
use crate::plan::{Plan, Region};
use crate::sample::{Output, Pairs, Sample};

/// Filters `src` into `dst` by the definition, for every (source, output)
/// pair of [`Output`].
///
/// ```
/// use sepconv_core::{reference, Borders, ImageView, ImageViewMut, Kernel, Plan, Shape};
///
/// let k = Kernel::new(&[0.25, 0.5, 0.25])?;
/// let plan = Plan::new(Shape::new(3, 1, 1)?, k, Kernel::new(&[1.0])?, Borders::default())?;
/// let mut out = [0u16; 3];
/// reference::filter(&plan, &ImageView::new(&[0u16, 400, 0], 3, 1, 1)?, &mut ImageViewMut::new(&mut out, 3, 1, 1)?)?;
/// assert_eq!(out, [200, 200, 200]); // Reflect101: the edges see 400 twice
/// # Ok::<(), sepconv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::ShapeMismatch`] if the images are not the plan's shapes; the
/// recipe's error for kernels it refuses ([`Error::WeightsOutOfRange`]);
/// [`Error::InvalidBorderValue`] for a constant the samples cannot hold.
pub fn filter<S: Sample, D: Output<S>>(
    plan: &Plan<'_>,
    src: &ImageView<'_, S>,
    dst: &mut ImageViewMut<'_, D>,
) -> Result<()> {
    D::pair(Reference { plan }, src, dst)
}

/// The visitor that reaches each pair's definition.
struct Reference<'a, 'k> {
    plan: &'a Plan<'k>,
}

impl Pairs for Reference<'_, '_> {
    type Output = Result<()>;
    fn f32(self, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        filter_f32(self.plan, src, dst)
    }
    fn u8(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, u8>) -> Result<()> {
        filter_u8(self.plan, src, dst, FixedPoint::out_u8)
    }
    fn u8_i16(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, i16>) -> Result<()> {
        filter_u8(self.plan, src, dst, FixedPoint::out_i16)
    }
    fn u8_f32(self, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        filter_u8(self.plan, src, dst, FixedPoint::out_f32)
    }
    fn u16(self, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, u16>) -> Result<()> {
        let recipe = FixedPoint16::new(&self.plan.row_kernel(), &self.plan.column_kernel())?;
        if recipe.f32_lanes() {
            filter_float(self.plan, src, dst, |x| x as f32, fixed16::narrow)
        } else {
            filter_u16(self.plan, src, dst, |r, acc| r.out_u16(acc as f64))
        }
    }
    fn u16_f32(self, src: &ImageView<'_, u16>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        filter_u16(self.plan, src, dst, |r, acc| r.out_f32(acc as f64))
    }
    // The reference reads and writes separate images only.
    fn f32_in_place(self, _: InPlaceRows<'_, '_, '_, f32>) -> Result<()> {
        Err(Error::InPlaceNotSupported)
    }
    fn u8_in_place(self, _: InPlaceRows<'_, '_, '_, u8>) -> Result<()> {
        Err(Error::InPlaceNotSupported)
    }
    fn u16_in_place(self, _: InPlaceRows<'_, '_, '_, u16>) -> Result<()> {
        Err(Error::InPlaceNotSupported)
    }
    #[cfg(feature = "f16")]
    fn f16(self, src: &ImageView<'_, half::f16>, dst: &mut ImageViewMut<'_, half::f16>) -> Result<()> {
        filter_float(self.plan, src, dst, half::f16::to_f32, half::f16::from_f32)
    }
    #[cfg(feature = "f16")]
    fn f16_f32(self, src: &ImageView<'_, half::f16>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
        filter_float(self.plan, src, dst, half::f16::to_f32, |x| x)
    }
    #[cfg(feature = "f16")]
    fn f16_in_place(self, _: InPlaceRows<'_, '_, '_, half::f16>) -> Result<()> {
        Err(Error::InPlaceNotSupported)
    }
}

/// The source sample at virtual coordinates `(vx, vy)` (`vx` counts pixels),
/// channel `ch`: the image, or the border rule's choice.
fn sample<S: Sample>(plan: &Plan<'_>, src: &ImageView<'_, S>, vx: isize, vy: isize, ch: usize, constants: (S, S)) -> S {
    let b = plan.borders();
    let Some(y) = b.vertical.map(vy, src.height()) else { return constants.1 };
    let Some(x) = b.horizontal.map(vx, src.width()) else { return constants.0 };
    src.row_unchecked_index(y)[x * src.channels() + ch]
}

fn check<S: Sample, D>(plan: &Plan<'_>, src: &ImageView<'_, S>, dst: &ImageViewMut<'_, D>) -> Result<(S, S)>
where
    D: Copy,
{
    if src.shape() != plan.input_shape() || dst.shape() != plan.output_shape() {
        return Err(Error::ShapeMismatch);
    }
    let value = |b: Border| b.constant().map_or(Ok(S::zeroed()), S::border_value);
    Ok((value(plan.borders().horizontal)?, value(plan.borders().vertical)?))
}

/// Virtual source coordinate of output coordinate 0 on an axis (`start`:
/// where a window starts on it).
fn origin(plan: &Plan<'_>, anchor: usize, start: fn(Region) -> usize) -> isize {
    match plan.region() {
        Region::Same => -(anchor as isize),
        Region::Valid => 0,
        window @ Region::Window { .. } => start(window) as isize - anchor as isize,
    }
}

/// Where a window starts: `(x, y)` (0 for the other regions).
fn window_start(region: Region) -> (usize, usize) {
    match region {
        Region::Window { x, y, .. } => (x, y),
        _ => (0, 0),
    }
}

/// The f32 reference.
fn filter_f32(plan: &Plan<'_>, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
    filter_float(plan, src, dst, |x| x, |x| x)
}

/// The f32 reference on samples `S` read as f32 by `widen`, each result
/// written by `narrow`.
fn filter_float<S: Sample, D: Copy>(
    plan: &Plan<'_>,
    src: &ImageView<'_, S>,
    dst: &mut ImageViewMut<'_, D>,
    widen: fn(S) -> f32,
    narrow: fn(f32) -> D,
) -> Result<()> {
    let constants = check(plan, src, dst)?;
    let (row, column) = (plan.row_kernel(), plan.column_kernel());
    let (x0, y0) =
        (origin(plan, row.anchor(), |r| window_start(r).0), origin(plan, column.anchor(), |r| window_start(r).1));
    let out = plan.output_shape();
    for y in 0..out.height {
        for x in 0..out.width {
            for ch in 0..out.channels {
                let mut acc = -0.0f32;
                for (j, &c) in column.taps().iter().enumerate() {
                    let vy = y as isize + y0 + j as isize;
                    let mut t = -0.0f32;
                    for (i, &r) in row.taps().iter().enumerate() {
                        let vx = x as isize + x0 + i as isize;
                        t += widen(sample(plan, src, vx, vy, ch, constants)) * r;
                    }
                    acc += t * c;
                }
                dst.row_mut_unchecked_index(y)[x * out.channels + ch] = narrow(acc);
            }
        }
    }
    Ok(())
}

/// The u8 reference (outputs u8, i16 or f32, each by its `finish`): the fixed-point recipe.
fn filter_u8<D: Copy>(
    plan: &Plan<'_>,
    src: &ImageView<'_, u8>,
    dst: &mut ImageViewMut<'_, D>,
    finish: fn(&FixedPoint, i32) -> D,
) -> Result<()> {
    let constants = check(plan, src, dst)?;
    let fp = plan.fixed_point()?;
    let (row, column) = (fp.row(), fp.column());
    let (x0, y0) =
        (origin(plan, row.anchor(), |r| window_start(r).0), origin(plan, column.anchor(), |r| window_start(r).1));
    let out = plan.output_shape();
    for y in 0..out.height {
        for x in 0..out.width {
            for ch in 0..out.channels {
                let mut acc = 0i32;
                for (j, &c) in column.taps().iter().enumerate() {
                    let vy = y as isize + y0 + j as isize;
                    let mut t = 0i32;
                    for (i, &r) in row.taps().iter().enumerate() {
                        let vx = x as isize + x0 + i as isize;
                        t += r as i32 * sample(plan, src, vx, vy, ch, constants) as i32;
                    }
                    acc += c as i32 * fp.mid(t) as i32;
                }
                dst.row_mut_unchecked_index(y)[x * out.channels + ch] = finish(fp, acc);
            }
        }
    }
    Ok(())
}

/// The u16 reference (outputs u16 or f32, each by its `finish`): the recipe
/// of [`crate::fixed16`] in integers, `⌊(acc + 2^(d−1)) / 2^d⌋` as an
/// arithmetic shift.
fn filter_u16<D: Copy>(
    plan: &Plan<'_>,
    src: &ImageView<'_, u16>,
    dst: &mut ImageViewMut<'_, D>,
    finish: fn(&FixedPoint16, i128) -> D,
) -> Result<()> {
    let constants = check(plan, src, dst)?;
    let recipe = FixedPoint16::new(&plan.row_kernel(), &plan.column_kernel())?;
    let (row, column) = (recipe.row(), recipe.column());
    let d = recipe.mid_shift();
    let mid_half = if d == 0 { 0 } else { 1i128 << (d - 1) };
    let (x0, y0) =
        (origin(plan, row.anchor(), |r| window_start(r).0), origin(plan, column.anchor(), |r| window_start(r).1));
    let out = plan.output_shape();
    for y in 0..out.height {
        for x in 0..out.width {
            for ch in 0..out.channels {
                let mut acc = 0i128;
                for (j, &c) in column.taps().iter().enumerate() {
                    let vy = y as isize + y0 + j as isize;
                    let mut t = 0i128;
                    for (i, &r) in row.taps().iter().enumerate() {
                        let vx = x as isize + x0 + i as isize;
                        t += r as i128 * sample(plan, src, vx, vy, ch, constants) as i128;
                    }
                    acc += c as i128 * ((t + mid_half) >> d);
                }
                dst.row_mut_unchecked_index(y)[x * out.channels + ch] = finish(&recipe, acc);
            }
        }
    }
    Ok(())
}
