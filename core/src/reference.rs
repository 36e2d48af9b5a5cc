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
//! * f32: sums in f32, in tap order, unfused.
//! * u8: the fixed-point recipe of [`crate::fixed`], the definition every
//!   backend matches bit for bit.
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
use crate::image::{ImageView, ImageViewMut};
use crate::plan::{Plan, Region};
use crate::sample::{Output, Sample};

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
pub fn filter_f32(plan: &Plan<'_>, src: &ImageView<'_, f32>, dst: &mut ImageViewMut<'_, f32>) -> Result<()> {
    let constants = check(plan, src, dst)?;
    let (row, column) = (plan.row_kernel(), plan.column_kernel());
    let (x0, y0) =
        (origin(plan, row.anchor(), |r| window_start(r).0), origin(plan, column.anchor(), |r| window_start(r).1));
    let out = plan.output_shape();
    for y in 0..out.height {
        for x in 0..out.width {
            for ch in 0..out.channels {
                let mut acc = 0.0f32;
                for (j, &c) in column.taps().iter().enumerate() {
                    let vy = y as isize + y0 + j as isize;
                    let mut t = 0.0f32;
                    for (i, &r) in row.taps().iter().enumerate() {
                        let vx = x as isize + x0 + i as isize;
                        t += sample(plan, src, vx, vy, ch, constants) * r;
                    }
                    acc += t * c;
                }
                dst.row_mut_unchecked_index(y)[x * out.channels + ch] = acc;
            }
        }
    }
    Ok(())
}

/// The u8 reference (outputs u8, i16 or f32): the fixed-point recipe.
pub fn filter_u8<D: Output<u8>>(plan: &Plan<'_>, src: &ImageView<'_, u8>, dst: &mut ImageViewMut<'_, D>) -> Result<()> {
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
                dst.row_mut_unchecked_index(y)[x * out.channels + ch] = D::from_fixed(fp, acc);
            }
        }
    }
    Ok(())
}
