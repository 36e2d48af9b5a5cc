//! Running plans on every backend: sentinels, scratch, comparisons, and the checks several targets share.

use std::any::type_name;
use std::ops::Range;

use bytemuck::Pod;
use sepconv::{available_backends, reference, Backend, Error, ImageView, ImageViewMut, Output, Plan, Sample, Shape};

use crate::case::{Case, Layout};

/// Scratch of exactly the length the plan asks for, full of garbage.
pub(crate) fn scratch<S: Sample>(plan: &Plan) -> Vec<f32> {
    vec![f32::NAN; plan.scratch_len::<S>()]
}

/// Fills a destination buffer with a sentinel pattern.
pub(crate) fn sentinel<D: Pod>(len: usize) -> Vec<D> {
    let mut v = vec![D::zeroed(); len];
    bytemuck::cast_slice_mut::<D, u8>(&mut v).fill(0xA5);
    v
}

/// Filters output rows `rows` on `backend` into a fresh destination laid out
/// as `lay` (a whole filter call for all rows), checks nothing outside the
/// view was written, and returns the packed output.
pub(crate) fn run<S: Sample, D: Output<S>>(
    plan: &Plan,
    backend: Backend,
    src: &ImageView<'_, S>,
    lay: &Layout,
    rows: Range<usize>,
) -> Result<Vec<D>, Error> {
    // An empty band gets a one-row destination (the band is the error).
    let out = Shape { height: rows.len().max(1), ..plan.output_shape() };
    let mut buf = sentinel::<D>(lay.len(out));
    let before = buf.clone();
    let mut scratch = scratch::<S>(plan);
    let mut dst = lay.view_mut(&mut buf, out);
    if rows == (0..plan.output_shape().height) {
        plan.filter(backend, src, &mut dst, &mut scratch)?;
    } else {
        plan.filter_band(backend, src, &mut dst, rows, &mut scratch)?;
    }
    lay.assert_outside_untouched(&buf, &before, out, backend.name());
    Ok(lay.packed(&buf, out))
}

/// Filters `src_buf`'s view in place on `backend`; checks nothing outside
/// the view changed; returns the packed result.
pub(crate) fn run_in_place<S: Sample + Output<S>>(
    plan: &Plan,
    backend: Backend,
    src_buf: &[S],
    lay: &Layout,
) -> Result<Vec<S>, Error> {
    let s = plan.input_shape();
    let mut buf = src_buf.to_vec();
    let mut scratch = scratch::<S>(plan);
    plan.filter_in_place(backend, &mut lay.view_mut(&mut buf, s), &mut scratch)?;
    lay.assert_outside_untouched(&buf, src_buf, s, backend.name());
    Ok(lay.packed(&buf, s))
}

pub(crate) fn reference_f32(plan: &Plan, src: &ImageView<'_, f32>) -> Vec<f32> {
    let out = plan.output_shape();
    let mut want = vec![0.0f32; out.width * out.height * out.channels];
    reference::filter(plan, src, &mut ImageViewMut::new(&mut want, out.width, out.height, out.channels).unwrap())
        .expect("reference f32");
    want
}

/// `got` against the reference `want`, output by output with
/// [`Case::tolerances`]: both ±∞ or NaN where the footprint holds ±∞ or
/// NaN; both finite and within the tolerance where no sum can overflow;
/// elsewhere within it when both are finite.
pub(crate) fn assert_agree(got: &[f32], want: &[f32], tolerances: &[(f64, bool)], what: &dyn std::fmt::Display) {
    assert_eq!(got.len(), want.len());
    for (i, ((&g, &w), &(tolerance, stays_finite))) in got.iter().zip(want).zip(tolerances).enumerate() {
        let at = || format!("{what}: sample {i}: {g} vs reference {w} (tolerance {tolerance})");
        let finite = (g.is_finite(), w.is_finite());
        if tolerance.is_nan() || tolerance.is_infinite() {
            assert_eq!(finite, (false, false), "not ±∞ or NaN at a footprint with ±∞ or NaN: {}", at());
        } else if stays_finite {
            assert_eq!(finite, (true, true), "not finite where no sum can overflow: {}", at());
        }
        if finite == (true, true) {
            assert!((g as f64 - w as f64).abs() <= tolerance, "{}", at());
        }
    }
}

/// f32 bits, every NaN as `f32::NAN`: Rust leaves a NaN's sign and payload
/// unspecified (LLVM may swap an addition's operands), so only "NaN" is compared.
pub(crate) fn nan_canon(v: &[f32]) -> Vec<f32> {
    v.iter().map(|&x| if x.is_nan() { f32::NAN } else { x }).collect()
}

pub(crate) fn assert_bits<T: Pod + std::fmt::Debug>(got: &[T], want: &[T], what: &dyn std::fmt::Display) {
    if bytemuck::cast_slice::<T, u8>(got) != bytemuck::cast_slice::<T, u8>(want) {
        let i = got.iter().zip(want).position(|(g, w)| bytemuck::bytes_of(g) != bytemuck::bytes_of(w));
        let i = i.unwrap_or(0);
        panic!("{what}: sample {i}: {:?} vs {:?} (not bit-identical)", got.get(i), want.get(i));
    }
}

/// The f32 checks common to several targets: every backend against the
/// reference, and (same-size plans) in place against out of place.
pub(crate) fn check_f32_all(case: &Case, plan: &Plan, src_buf: &[f32]) -> Vec<Vec<f32>> {
    let s = plan.input_shape();
    let src = case.src.view(src_buf, s);
    let want = reference_f32(plan, &src);
    let tolerances = case.tolerances(plan, &src);
    let rows = 0..plan.output_shape().height;
    let mut results = Vec::new();
    for backend in available_backends() {
        let got: Vec<f32> = run(plan, backend, &src, &case.dst, rows.clone()).expect("f32 filter");
        assert_agree(&got, &want, &tolerances, &format_args!("{} {plan:?}", backend.name()));
        match run_in_place(plan, backend, src_buf, &case.src) {
            Ok(in_place) => {
                assert!(!case.valid);
                assert_bits(&nan_canon(&in_place), &nan_canon(&got), &format_args!("{} in place", backend.name()));
            }
            Err(e) => assert!(case.valid && e == Error::InPlaceNotSupported, "{e:?}"),
        }
        results.push(got);
    }
    results
}

/// One element too little scratch is [`Error::ScratchTooSmall`].
pub(crate) fn check_short_scratch<S: Sample, D: Output<S>>(plan: &Plan, src: &ImageView<'_, S>) {
    let needed = plan.scratch_len::<S>();
    let Some(short) = needed.checked_sub(1) else { return };
    let out = plan.output_shape();
    let mut buf = vec![D::zeroed(); out.width * out.height * out.channels];
    let mut dst = ImageViewMut::new(&mut buf, out.width, out.height, out.channels).unwrap();
    for backend in available_backends() {
        let r = plan.filter(backend, src, &mut dst, &mut vec![0.0; short]);
        assert_eq!(r, Err(Error::ScratchTooSmall { needed, actual: short }), "{}", backend.name());
    }
}

/// What a u8 filter call on `plan` must return.
pub(crate) fn u8_verdict(case: &Case, plan: &Plan) -> Result<(), Error> {
    plan.fixed_point()?;
    if !case.u8_constants_ok() {
        return Err(Error::InvalidBorderValue);
    }
    Ok(())
}

/// u8 → `D` on every backend, bit-identical to the reference (or the same error).
pub(crate) fn check_u8_output<D: Output<u8> + std::fmt::Debug>(
    case: &Case,
    plan: &Plan,
    src_buf: &[u8],
) -> Option<Vec<D>> {
    check_int_output(case, plan, src_buf, u8_verdict(case, plan))
}

/// An integer source (u8, u16) → `D` on every backend, bit-identical to
/// the reference, or `verdict`'s error everywhere.
pub(crate) fn check_int_output<S: Sample, D: Output<S> + std::fmt::Debug>(
    case: &Case,
    plan: &Plan,
    src_buf: &[S],
    verdict: Result<(), Error>,
) -> Option<Vec<D>> {
    let s = plan.input_shape();
    let src = case.src.view(src_buf, s);
    let out = plan.output_shape();
    let mut want = vec![D::zeroed(); out.width * out.height * out.channels];
    let reference =
        reference::filter(plan, &src, &mut ImageViewMut::new(&mut want, out.width, out.height, out.channels).unwrap());
    // The reference checks the border constants first, the plan the recipe.
    assert_eq!(reference.is_ok(), verdict.is_ok(), "reference: {reference:?}, expected {verdict:?}");
    let rows = 0..out.height;
    for backend in available_backends() {
        let got = run::<S, D>(plan, backend, &src, &case.dst, rows.clone());
        assert_eq!(got.as_ref().map(|_| ()).map_err(|e| *e), verdict, "{}", backend.name());
        if let Ok(got) = got {
            let what = format_args!("{} {} → {} {plan:?}", backend.name(), type_name::<S>(), type_name::<D>());
            assert_bits(&got, &want, &what);
        }
    }
    verdict.ok().map(|_| want)
}

/// An integer image filtered in place on every backend equals `want` (or
/// is refused as a valid-region plan).
pub(crate) fn int_in_place<S: Sample + Output<S> + std::fmt::Debug>(
    case: &Case,
    plan: &Plan,
    src_buf: &[S],
    want: &[S],
) {
    for backend in available_backends() {
        match run_in_place(plan, backend, src_buf, &case.src) {
            Ok(got) => {
                assert!(!case.valid);
                assert_bits(&got, want, &format_args!("{} {} in place", backend.name(), type_name::<S>()));
            }
            Err(e) => assert!(case.valid && e == Error::InPlaceNotSupported, "{e:?}"),
        }
    }
}
