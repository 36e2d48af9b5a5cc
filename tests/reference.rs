//! The scalar reference against the independent 2D oracle (tests/common),
//! plus hand-computed border expectations.

mod common;

use sepconv_core::fixed16::FixedPoint16;

use common::*;
use proptest::prelude::*;
use sepconv::{reference, Border, Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Region, Shape};

/// Sentinel written into destination row padding; it must survive.
const DST_PAD_F32: f32 = -12345.5;
const DST_PAD_U8: u8 = 0xA5;

/// Runs the f32 reference on `src` into a fresh strided destination and
/// returns it (padding checked).
fn run_f32(plan: &Plan<'_>, src: &Img<f32>, pad: usize) -> Img<f32> {
    let o = plan.output_shape();
    let mut dst = Img::filled(o.width, o.height, o.channels, pad, DST_PAD_F32);
    reference::filter(plan, &src.view(), &mut dst.view_mut()).expect("reference f32");
    assert!(dst.padding().iter().all(|&v| v == DST_PAD_F32), "destination padding was written");
    dst
}

fn run_u8<D>(plan: &Plan<'_>, src: &Img<u8>, pad: usize, fill: D) -> Img<D>
where
    D: sepconv::Output<u8> + PartialEq + std::fmt::Debug,
{
    let o = plan.output_shape();
    let mut dst = Img::filled(o.width, o.height, o.channels, pad, fill);
    reference::filter(plan, &src.view(), &mut dst.view_mut()).expect("reference u8");
    assert!(dst.padding().iter().all(|&v| v == fill), "destination padding was written");
    dst
}

/// Checks that `plan` has the output shape the contract gives, or that an
/// empty valid region is refused. Returns false when there is nothing to filter.
fn plan_or_empty(spec: &Spec) -> Option<Plan<'_>> {
    let (ow, oh) = spec.out_size();
    if ow == 0 || oh == 0 {
        assert_eq!(spec.try_plan().err(), Some(Error::EmptyOutput));
        return None;
    }
    let plan = spec.plan();
    assert_eq!(plan.output_shape(), Shape::new(ow, oh, spec.channels).unwrap());
    Some(plan)
}

fn check_f32(spec: &Spec, seed: u64, pad: usize) {
    let Some(plan) = plan_or_empty(spec) else { return };
    let mut rng = XorShift::new(seed);
    let src = random_f32_image(&mut rng, spec.width, spec.height, spec.channels, pad);
    let out = run_f32(&plan, &src, rng.below(4));
    let exact = oracle(spec, &|x, y, c| src.at(x, y, c) as f64);
    let bound = spec.f32_bound(src.max_abs(|v| (v as f64).abs()));
    for (k, (&o, &e)) in out.packed().iter().zip(&exact).enumerate() {
        assert!(
            (o as f64 - e).abs() <= bound,
            "sample {k}: reference {o} vs exact {e}, |diff| {} > bound {bound}\n{spec:?}",
            (o as f64 - e).abs()
        );
    }
}

/// All three u8 pipelines against the oracle. Returns the error bound `E`.
fn check_u8(spec: &Spec, seed: u64, pad: usize) -> Option<f64> {
    let plan = plan_or_empty(spec)?;
    let mut rng = XorShift::new(seed);
    let src = random_u8_image(&mut rng, spec.width, spec.height, spec.channels, pad);
    let fp = match plan.fixed_point() {
        Ok(fp) => *fp,
        Err(e) => {
            // No recipe: the u8 reference must say why, not compute garbage.
            let o = plan.output_shape();
            let mut dst = Img::filled(o.width, o.height, o.channels, 0, 0u8);
            assert_eq!(reference::filter(&plan, &src.view(), &mut dst.view_mut()), Err(e));
            return None;
        }
    };
    let e_bound = fp.error_bound();
    let exact = oracle(spec, &|x, y, c| src.at(x, y, c) as f64);

    // u8 → f32: no final rounding, so within E of exact (plus the one f32
    // rounding of the accumulator: relative 2^-24, `bound::u8_to_f32`).
    let out_f = run_u8(&plan, &src, rng.below(3), DST_PAD_F32);
    for (k, (&o, &e)) in out_f.packed().iter().zip(&exact).enumerate() {
        let tol = bound::u8_to_f32(e_bound, e);
        assert!((o as f64 - e).abs() <= tol, "u8→f32 sample {k}: {o} vs exact {e} (E = {e_bound})\n{spec:?}");
    }
    if e_bound < 1.0 {
        let out8 = run_u8(&plan, &src, rng.below(3), DST_PAD_U8);
        for (k, (&o, &e)) in out8.packed().iter().zip(&exact).enumerate() {
            let want = round_clamp(e, 0.0, 255.0);
            assert!(
                (o as f64 - want).abs() <= 1.0,
                "u8 sample {k}: {o} vs round(exact) {want} (exact {e}, E = {e_bound})\n{spec:?}"
            );
        }
        let out16 = run_u8(&plan, &src, rng.below(3), 0x5A5Ai16);
        for (k, (&o, &e)) in out16.packed().iter().zip(&exact).enumerate() {
            let want = round_clamp(e, i16::MIN as f64, i16::MAX as f64);
            assert!(
                (o as f64 - want).abs() <= 1.0,
                "i16 sample {k}: {o} vs round(exact) {want} (E = {e_bound})\n{spec:?}"
            );
        }
    }
    Some(e_bound)
}

/// Both u16 pipelines against the oracle: u16 → f32 within `E` of exact,
/// u16 within 1 of round(exact) when `E < 1`. Returns `E`.
fn check_u16(spec: &Spec, seed: u64, pad: usize) -> Option<f64> {
    let plan = plan_or_empty(spec)?;
    let mut rng = XorShift::new(seed);
    let src = random_u16_image(&mut rng, spec.width, spec.height, spec.channels, pad);
    let o = plan.output_shape();
    let recipe = match FixedPoint16::new(&plan.row_kernel(), &plan.column_kernel()) {
        Ok(r) => r,
        Err(e) => {
            let mut dst = Img::filled(o.width, o.height, o.channels, 0, 0u16);
            assert_eq!(reference::filter(&plan, &src.view(), &mut dst.view_mut()), Err(e));
            return None;
        }
    };
    let e_bound = recipe.error_bound();
    let exact = oracle(spec, &|x, y, c| src.at(x, y, c) as f64);
    let mut out_f = Img::filled(o.width, o.height, o.channels, 0, 0.0f32);
    reference::filter(&plan, &src.view(), &mut out_f.view_mut()).unwrap();
    for (k, (&v, &e)) in out_f.packed().iter().zip(&exact).enumerate() {
        // E, plus the one rounding to f32.
        let tol = e_bound + e.abs() * f32::EPSILON as f64;
        assert!((v as f64 - e).abs() <= tol, "u16→f32 sample {k}: {v} vs exact {e} (E = {e_bound})\n{spec:?}");
    }
    if e_bound < 1.0 {
        let mut out = Img::filled(o.width, o.height, o.channels, 0, 0u16);
        reference::filter(&plan, &src.view(), &mut out.view_mut()).unwrap();
        for (k, (&v, &e)) in out.packed().iter().zip(&exact).enumerate() {
            let want = round_clamp(e, 0.0, 65535.0);
            assert!(
                (v as f64 - want).abs() <= 1.0,
                "u16 sample {k}: {v} vs round(exact) {want} (E = {e_bound})\n{spec:?}"
            );
        }
    }
    Some(e_bound)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// u16 with non-negative and with signed kernels: u16 → f32 within E,
    /// u16 within 1 of round(exact) whenever E < 1.
    #[test]
    fn u16_reference_matches_oracle(spec in spec_strategy(Taps::NonNegative), seed in any::<u64>(), pad in 0usize..=5) {
        check_u16(&spec, seed, pad);
    }

    #[test]
    fn u16_reference_signed_kernels(spec in spec_strategy(Taps::Signed), seed in any::<u64>(), pad in 0usize..=5) {
        check_u16(&spec, seed, pad);
    }

    /// Normalised non-negative kernels: E < 0.2, so every u16 output is
    /// within 1 of round(exact), and a constant image stays constant.
    #[test]
    fn u16_normalised_kernels(spec in spec_strategy(Taps::Normalised), seed in any::<u64>(), v in any::<u16>()) {
        if let Some(e) = check_u16(&spec, seed, 1) {
            prop_assert!(e < 0.2, "E = {e} for a normalised kernel\n{spec:?}");
        }
        let Some(plan) = plan_or_empty(&spec) else { return Ok(()) };
        if matches!(spec.borders.horizontal, Border::Constant(_)) || matches!(spec.borders.vertical, Border::Constant(_)) {
            return Ok(()); // a constant border brings its own value
        }
        let src = Img::filled(spec.width, spec.height, spec.channels, 0, v);
        let o = plan.output_shape();
        let mut out = Img::filled(o.width, o.height, o.channels, 0, 0u16);
        reference::filter(&plan, &src.view(), &mut out.view_mut()).unwrap();
        prop_assert!(out.packed().iter().all(|&x| x == v), "u16 constant {v} not kept");
    }

    /// f32 reference within the derived bound of the exact result, for any
    /// shape, stride, channels, kernels, anchors, borders and region.
    #[test]
    fn f32_reference_matches_oracle(spec in spec_strategy(Taps::Signed), seed in any::<u64>(), pad in 0usize..=5) {
        check_f32(&spec, seed, pad);
    }

    /// u8 with non-negative kernels (any sum): within 1 of round(exact)
    /// whenever the recipe's bound E < 1, and u8 → f32 within E always.
    #[test]
    fn u8_reference_nonnegative_kernels(spec in spec_strategy(Taps::NonNegative), seed in any::<u64>(), pad in 0usize..=5) {
        check_u8(&spec, seed, pad);
    }

    /// u8 with normalised non-negative kernels: E < 1 always holds, so every
    /// output is within 1 of round(exact).
    #[test]
    fn u8_reference_normalised_kernels(spec in spec_strategy(Taps::Normalised), seed in any::<u64>(), pad in 0usize..=5) {
        if spec.row.len() <= 63 && spec.col.len() <= 63 {
            if let Some(e) = check_u8(&spec, seed, pad) {
                prop_assert!(e < 1.0, "E = {e} for a normalised kernel pair {spec:?}");
            }
        } else {
            check_u8(&spec, seed, pad);
        }
    }

    /// Signed kernels (derivatives, sharpening): u8 → f32 within E, u8 and
    /// i16 within 1 of the clamped round(exact) when E < 1.
    #[test]
    fn u8_reference_signed_kernels(spec in spec_strategy(Taps::Signed), seed in any::<u64>(), pad in 0usize..=5) {
        check_u8(&spec, seed, pad);
    }

    /// The contract: for normalised non-negative kernels of up to 63 taps the
    /// recipe's error bound is below 1.
    #[test]
    fn error_bound_below_one_up_to_63_taps(
        row in (1usize..=63).prop_flat_map(|n| taps_strategy(n, Taps::Normalised)),
        col in (1usize..=63).prop_flat_map(|n| taps_strategy(n, Taps::Normalised)),
    ) {
        let (r, c) = (Kernel::new(&row).unwrap(), Kernel::new(&col).unwrap());
        let fp = sepconv::fixed::FixedPoint::new(&r, &c).expect("normalised kernels quantise");
        prop_assert!(fp.error_bound() < 1.0, "E = {} for {row:?} ⊗ {col:?}", fp.error_bound());
    }

    /// Symmetric kernels quantise to symmetric taps, which the u8 passes
    /// fold: exactly for odd lengths; an even length may be one unit off in
    /// one tap (an odd sum difference, which no symmetric change makes up).
    #[test]
    fn symmetric_kernels_quantise_symmetric(
        half in proptest::collection::vec(prop_oneof![1 => Just(0.0f32), 7 => -1.0f32..1.0], 1..=32),
        odd in any::<bool>(),
        normalised in any::<bool>(),
    ) {
        let mut taps = half.clone();
        taps.extend(half.iter().rev().skip(usize::from(odd)));
        if normalised {
            taps = normalise(taps.iter().map(|w| w.abs()).collect());
        }
        let k = Kernel::new(&taps).unwrap();
        prop_assume!(k.symmetry() == sepconv::Symmetry::Symmetric);
        let Ok(fp) = sepconv::fixed::FixedPoint::new(&k, &k) else { return Ok(()) };
        for q in [fp.row().taps(), fp.column().taps()] {
            let n = q.len();
            let off: Vec<i32> = (0..n / 2).map(|i| i32::from(q[i]) - i32::from(q[n - 1 - i])).filter(|&d| d != 0).collect();
            let allowed = if n % 2 == 1 { 0 } else { 1 };
            prop_assert!(off.len() <= allowed && off.iter().all(|d| d.abs() == 1), "{q:?} from {taps:?}");
        }
    }

    /// A constant image stays constant: exactly for u8 (all three outputs),
    /// within the f32 bound for f32, for normalised non-negative kernels and
    /// every border (a constant border carries the same value).
    #[test]
    fn constant_image_stays_constant(mut spec in spec_strategy(Taps::Normalised), v in 0u8..=255, pad in 0usize..=3) {
        for b in [&mut spec.borders.horizontal, &mut spec.borders.vertical] {
            if let Border::Constant(_) = b {
                *b = Border::Constant(v as f32);
            }
        }
        let Some(plan) = plan_or_empty(&spec) else { return Ok(()) };
        let src = Img::filled(spec.width, spec.height, spec.channels, pad, v);
        let out8 = run_u8(&plan, &src, pad, DST_PAD_U8);
        prop_assert!(out8.packed().iter().all(|&o| o == v), "u8 constant {v} not kept: {:?}", out8.packed());
        let out16 = run_u8(&plan, &src, pad, 0i16);
        prop_assert!(out16.packed().iter().all(|&o| o == v as i16));
        let outf = run_u8(&plan, &src, pad, 0.0f32);
        prop_assert!(outf.packed().iter().all(|&o| o == v as f32));

        let srcf = Img::filled(spec.width, spec.height, spec.channels, pad, v as f32);
        let out = run_f32(&plan, &srcf, pad);
        let exact = v as f64 * spec.row.iter().map(|&w| w as f64).sum::<f64>() * spec.col.iter().map(|&w| w as f64).sum::<f64>();
        let bound = spec.f32_bound(v as f64);
        for &o in &out.packed() {
            prop_assert!((o as f64 - exact).abs() <= bound, "f32 constant: {o} vs {exact} (bound {bound})");
        }
    }

    /// A kernel pair that sums to 1 but has negative taps (sharpening) also
    /// keeps a u8 constant image exactly (the recipe's exact-sum rule), and a
    /// pair summing to 0 (a derivative) maps it to 0 in i16.
    #[test]
    fn constant_image_signed_exact_sums(
        row in (2usize..=12).prop_flat_map(|n| taps_strategy(n, Taps::Signed)),
        col in (1usize..=12).prop_flat_map(|n| taps_strategy(n, Taps::Signed)),
        v in 0u8..=255,
        w in 1usize..=9, h in 1usize..=7, channels in 1usize..=4,
    ) {
        // Make the sums exact-ish in f32: the last tap absorbs the rest.
        let with_sum = |mut t: Vec<f32>, s: f64| {
            let rest: f64 = t[..t.len() - 1].iter().map(|&x| x as f64).sum();
            *t.last_mut().unwrap() = (s - rest) as f32;
            t
        };
        let (r1, c1) = (with_sum(row.clone(), 1.0), with_sum(col.clone(), 1.0));
        let r0 = with_sum(row, 0.0);
        let shape = Shape::new(w, h, channels).unwrap();
        let src = Img::filled(w, h, channels, 0, v);
        let b = Borders::uniform(Border::Reflect101);

        let plan = Plan::new(shape, Kernel::new(&r1).unwrap(), Kernel::new(&c1).unwrap(), b).unwrap();
        if plan.fixed_point().is_ok() {
            let out = run_u8(&plan, &src, 0, 0i16);
            prop_assert!(out.packed().iter().all(|&o| o == v as i16), "sum-1 kernels: {:?}", out.packed());
        }
        let plan = Plan::new(shape, Kernel::new(&r0).unwrap(), Kernel::new(&c1).unwrap(), b).unwrap();
        if plan.fixed_point().is_ok() {
            let out = run_u8(&plan, &src, 0, 77i16);
            prop_assert!(out.packed().iter().all(|&o| o == 0), "sum-0 row kernel: {:?}", out.packed());
        }
    }
}

/// The same as the proptests, over every combination of border modes, tiny
/// images (1×1, images smaller than the kernel) and every anchor of a set of
/// odd, even and long lengths — exhaustively rather than by sampling.
#[test]
fn tiny_images_every_border_pair_and_anchor() {
    let sizes = [(1, 1), (2, 1), (1, 3), (3, 2), (2, 5)];
    let lengths = [1usize, 2, 3, 4, 7, 31];
    let mut rng = XorShift::new(7);
    for bh in 0..5 {
        for bv in 0..5 {
            let borders = Borders::new(mode(bh, 3.0), mode(bv, 200.0));
            for &(w, h) in &sizes {
                for (li, &nr) in lengths.iter().enumerate() {
                    let nc = lengths[(li + bh + bv) % lengths.len()];
                    for ax in 0..nr {
                        let spec = Spec {
                            width: w,
                            height: h,
                            channels: 1 + (ax + bh) % 4,
                            row: random_taps(&mut rng, nr, Taps::Signed),
                            row_anchor: ax,
                            col: random_taps(&mut rng, nc, Taps::NonNegative),
                            col_anchor: (ax * 7 + bv) % nc,
                            borders,
                            region: Region::Same,
                        };
                        check_f32(&spec, rng.next_u64(), ax % 3);
                        check_u8(&spec, rng.next_u64(), ax % 2);
                    }
                }
            }
        }
    }
}

/// Valid region: the anchor is ignored and the output starts at the first
/// full footprint. Hand-computed with a one-hot kernel.
#[test]
fn valid_region_ignores_anchor() {
    // 5×4 image, value 10·y + x.
    let src: Vec<f32> = (0..4).flat_map(|y| (0..5).map(move |x| (10 * y + x) as f32)).collect();
    let view = ImageView::new(&src, 5, 4, 1).unwrap();
    let row = [0.0f32, 0.0, 1.0]; // picks x + 2
    let col = [0.0f32, 1.0]; // picks y + 1
    for ax in 0..3 {
        for ay in 0..2 {
            let plan = Plan::valid(
                view.shape(),
                Kernel::with_anchor(&row, ax).unwrap(),
                Kernel::with_anchor(&col, ay).unwrap(),
            )
            .unwrap();
            assert_eq!(plan.output_shape(), Shape::new(3, 3, 1).unwrap());
            assert_eq!(plan.region(), Region::Valid);
            let mut out = [0.0f32; 9];
            reference::filter(&plan, &view, &mut ImageViewMut::new(&mut out, 3, 3, 1).unwrap()).unwrap();
            let want: Vec<f32> = (0..3).flat_map(|y| (0..3).map(move |x| (10 * (y + 1) + x + 2) as f32)).collect();
            assert_eq!(out.to_vec(), want, "anchors ({ax}, {ay})");
        }
    }
}

/// A region of interest is an image of its own: borders apply at its edges.
#[test]
fn sub_view_is_an_image_of_its_own() {
    let mut rng = XorShift::new(99);
    let big = random_f32_image(&mut rng, 11, 9, 3, 2);
    let spec = Spec {
        width: 5,
        height: 4,
        channels: 3,
        row: random_taps(&mut rng, 5, Taps::Signed),
        row_anchor: 1,
        col: random_taps(&mut rng, 4, Taps::Signed),
        col_anchor: 3,
        borders: Borders::new(Border::Reflect, Border::Wrap),
        region: Region::Same,
    };
    let plan = spec.plan();
    let roi = big.view().sub_view(3, 2, 5, 4).unwrap();
    let mut out = vec![0.0f32; 5 * 4 * 3];
    reference::filter(&plan, &roi, &mut ImageViewMut::new(&mut out, 5, 4, 3).unwrap()).unwrap();
    let exact = oracle(&spec, &|x, y, c| big.at(x + 3, y + 2, c) as f64);
    let bound = spec.f32_bound(big.max_abs(|v| (v as f64).abs()));
    for (o, e) in out.iter().zip(&exact) {
        assert!((*o as f64 - e).abs() <= bound, "{o} vs {e}");
    }
}

// ---------------------------------------------------------------------------
// Hand-computed borders: DESIGN.md's padding strings.
// ---------------------------------------------------------------------------

/// Sample value of a letter (`v` is the constant border value).
fn letter_value(ch: char) -> u8 {
    match ch {
        'v' => 250,
        'a'..='h' => 10 * (ch as u8 - b'a' + 1),
        _ => panic!("bad letter {ch}"),
    }
}

fn value_letter(v: f64) -> char {
    if v == 250.0 {
        return 'v';
    }
    let k = (v / 10.0).round() as u8;
    assert!(v == 10.0 * k as f64 && (1..=8).contains(&k), "not a letter value: {v}");
    (b'a' + k - 1) as char
}

/// A one-hot kernel reading the sample `s` positions away: `out(x) = in(x + s)`.
fn shift_kernel(s: isize) -> (Vec<f32>, usize) {
    let n = s.unsigned_abs() + 1;
    let mut taps = vec![0.0f32; n];
    if s >= 0 {
        taps[n - 1] = 1.0; // index s, anchor 0
        (taps, 0)
    } else {
        taps[0] = 1.0; // index 0, anchor |s|
        (taps, n - 1)
    }
}

/// Filters the 1D image `line` (laid out horizontally or vertically) with
/// the shift kernel, through the f32 and u8 references, and returns the
/// output letters (both references must agree).
fn shifted(line: &str, border: Border, other: Border, s: isize, vertical: bool) -> String {
    let n = line.len();
    let (w, h) = if vertical { (1, n) } else { (n, 1) };
    let (taps, anchor) = shift_kernel(s);
    let k = Kernel::with_anchor(&taps, anchor).unwrap();
    let one = [1.0f32];
    let id = Kernel::new(&one).unwrap();
    let (row, col, borders) =
        if vertical { (id, k, Borders::new(other, border)) } else { (k, id, Borders::new(border, other)) };
    // Two channels: the second holds the same letters, to show channels are
    // filtered independently with the same border rule.
    let vals: Vec<u8> = line.chars().flat_map(|c| [letter_value(c), letter_value(c)]).collect();
    let plan = Plan::new(Shape::new(w, h, 2).unwrap(), row, col, borders).unwrap();

    let mut out8 = vec![0u8; 2 * n];
    reference::filter(
        &plan,
        &ImageView::new(&vals, w, h, 2).unwrap(),
        &mut ImageViewMut::new(&mut out8, w, h, 2).unwrap(),
    )
    .unwrap();
    let valsf: Vec<f32> = vals.iter().map(|&v| v as f32).collect();
    let mut outf = vec![0.0f32; 2 * n];
    reference::filter(
        &plan,
        &ImageView::new(&valsf, w, h, 2).unwrap(),
        &mut ImageViewMut::new(&mut outf, w, h, 2).unwrap(),
    )
    .unwrap();
    for k in 0..2 * n {
        assert_eq!(out8[k] as f32, outf[k], "u8 and f32 disagree at {k}");
        assert_eq!(out8[k - k % 2], out8[k - k % 2 + 1], "channels disagree");
    }
    out8.iter().step_by(2).map(|&v| value_letter(v as f64)).collect()
}

/// `left` and `right` are the ten samples each side of `image`, written by
/// hand from the rule; every shift from −10 to 10 must read the right letters.
fn check_padding(image: &str, border: Border, left: &str, right: &str) {
    assert_eq!((left.len(), right.len()), (10, 10));
    let padded = format!("{left}{image}{right}");
    let n = image.len();
    for vertical in [false, true] {
        for other in [Border::Constant(250.0), Border::Replicate, Border::Reflect, Border::Reflect101, Border::Wrap] {
            for s in -10isize..=10 {
                let got = shifted(image, border, other, s, vertical);
                let start = (10 + s) as usize;
                let want = &padded[start..start + n];
                assert_eq!(got, want, "{border:?} on {image:?}, shift {s}, vertical {vertical}, other axis {other:?}");
            }
        }
    }
}

#[test]
fn border_strings_abcdefgh() {
    let img = "abcdefgh";
    // DESIGN.md gives the last six letters of each left padding:
    // vvvvvv, aaaaaa, fedcba, gfedcb, cdefgh.
    check_padding(img, Border::Constant(250.0), "vvvvvvvvvv", "vvvvvvvvvv");
    check_padding(img, Border::Replicate, "aaaaaaaaaa", "hhhhhhhhhh");
    check_padding(img, Border::Reflect, "ghhgfedcba", "hgfedcbaab");
    check_padding(img, Border::Reflect101, "efghgfedcb", "gfedcbabcd");
    check_padding(img, Border::Wrap, "ghabcdefgh", "abcdefghab");
}

#[test]
fn border_strings_repeat_on_a_narrow_image() {
    // A 3-wide image and kernels up to 11 taps: the padding is wider than the
    // image and the rule repeats.
    let img = "abc";
    check_padding(img, Border::Constant(250.0), "vvvvvvvvvv", "vvvvvvvvvv");
    check_padding(img, Border::Replicate, "aaaaaaaaaa", "cccccccccc");
    check_padding(img, Border::Reflect, "ccbaabccba", "cbaabccbaa");
    check_padding(img, Border::Reflect101, "cbabcbabcb", "babcbabcba");
    check_padding(img, Border::Wrap, "cabcabcabc", "abcabcabca");
}

#[test]
fn border_strings_one_and_two_samples() {
    // An axis of length 1: every mode but Constant repeats the sample
    // (Reflect101 acts as Replicate).
    check_padding("d", Border::Constant(250.0), "vvvvvvvvvv", "vvvvvvvvvv");
    for b in [Border::Replicate, Border::Reflect, Border::Reflect101, Border::Wrap] {
        check_padding("d", b, "dddddddddd", "dddddddddd");
    }
    check_padding("ab", Border::Reflect101, "ababababab", "ababababab");
    check_padding("ab", Border::Reflect, "baabbaabba", "baabbaabba");
    check_padding("ab", Border::Wrap, "ababababab", "ababababab");
    check_padding("ab", Border::Replicate, "aaaaaaaaaa", "bbbbbbbbbb");
}

/// The oracle's own border function agrees with the hand strings (so the
/// property tests rest on a checked foundation).
#[test]
fn oracle_border_index_matches_hand_strings() {
    let cases: [(&str, Border, &str, &str); 8] = [
        ("abcdefgh", Border::Replicate, "aaaaaaaaaa", "hhhhhhhhhh"),
        ("abcdefgh", Border::Reflect, "ghhgfedcba", "hgfedcbaab"),
        ("abcdefgh", Border::Reflect101, "efghgfedcb", "gfedcbabcd"),
        ("abcdefgh", Border::Wrap, "ghabcdefgh", "abcdefghab"),
        ("abc", Border::Reflect, "ccbaabccba", "cbaabccbaa"),
        ("abc", Border::Reflect101, "cbabcbabcb", "babcbabcba"),
        ("ab", Border::Reflect, "baabbaabba", "baabbaabba"),
        ("a", Border::Reflect101, "aaaaaaaaaa", "aaaaaaaaaa"),
    ];
    for (img, b, left, right) in cases {
        let padded = format!("{left}{img}{right}");
        let got: String = (-10..img.len() as isize + 10)
            .map(|p| img.as_bytes()[border_index(b, p, img.len()).unwrap()] as char)
            .collect();
        assert_eq!(got, padded, "{b:?} on {img}");
    }
}

/// `Constant` in 2D: with a constant vertical border whole rows outside are
/// the vertical value whatever the horizontal mode; with a constant
/// horizontal border and another vertical mode, the columns outside the image
/// are the horizontal value on every (replicated) row; with both constant
/// and equal, everything outside is that value.
#[test]
fn constant_border_in_2d_corners() {
    // 2×2 image 10 20 / 30 40; a 3×3 one-hot at the top-left reads (x−1, y−1).
    let src = [10u8, 20, 30, 40];
    let one_hot = [1.0f32, 0.0, 0.0];
    let k = Kernel::with_anchor(&one_hot, 2).unwrap(); // reads p − 2
    let read = |borders: Borders| -> Vec<u8> {
        let plan = Plan::new(Shape::new(2, 2, 1).unwrap(), k, k, borders).unwrap();
        let mut out = [0u8; 4];
        reference::filter(
            &plan,
            &ImageView::new(&src, 2, 2, 1).unwrap(),
            &mut ImageViewMut::new(&mut out, 2, 2, 1).unwrap(),
        )
        .unwrap();
        out.to_vec()
    };
    // out(x, y) = in(x − 2, y − 2): (−2,−2) (−1,−2) / (−2,−1) (−1,−1).
    assert_eq!(read(Borders::uniform(Border::Constant(5.0))), vec![5, 5, 5, 5]);
    assert_eq!(read(Borders::new(Border::Replicate, Border::Constant(9.0))), vec![9, 9, 9, 9]);
    assert_eq!(read(Borders::new(Border::Constant(7.0), Border::Replicate)), vec![7, 7, 7, 7]);
    assert_eq!(read(Borders::new(Border::Constant(7.0), Border::Constant(9.0))), vec![9, 9, 9, 9]);
    // Wrap both: (−2,−2) → (0,0), (−1,−2) → (1,0), (−2,−1) → (0,1), (−1,−1) → (1,1).
    assert_eq!(read(Borders::uniform(Border::Wrap)), vec![10, 20, 30, 40]);
    // Reflect101 both on a 2-wide axis: −2 → 0, −1 → 1.
    assert_eq!(read(Borders::uniform(Border::Reflect101)), vec![10, 20, 30, 40]);
    // Reflect both: −2 → 1, −1 → 0.
    assert_eq!(read(Borders::uniform(Border::Reflect)), vec![40, 30, 20, 10]);
    // Mixed: horizontal Constant(7), vertical Wrap: x outside → 7 on every row.
    let k1 = [0.0f32, 1.0, 0.0];
    let k1 = Kernel::with_anchor(&k1, 2).unwrap(); // reads p − 1
    let plan =
        Plan::new(Shape::new(2, 2, 1).unwrap(), k1, k1, Borders::new(Border::Constant(7.0), Border::Wrap)).unwrap();
    let mut out = [0u8; 4];
    reference::filter(
        &plan,
        &ImageView::new(&src, 2, 2, 1).unwrap(),
        &mut ImageViewMut::new(&mut out, 2, 2, 1).unwrap(),
    )
    .unwrap();
    // out(x, y) = in(x − 1, y − 1): (−1,−1)→7, (0,−1)→(0,1)=30, (−1,0)→7, (0,0)=10.
    assert_eq!(out, [7, 30, 7, 10]);
}

/// A hand-computed blur: [1 2 1]/4 both ways on a 3×3 impulse gives the
/// outer product, exactly, for f32 and u8 (×16 to stay integral).
#[test]
fn impulse_response_is_the_outer_product() {
    let taps = [0.25f32, 0.5, 0.25];
    let k = Kernel::new(&taps).unwrap();
    let plan = Plan::new(Shape::new(3, 3, 1).unwrap(), k, k, Borders::uniform(Border::Constant(0.0))).unwrap();
    let mut src = [0.0f32; 9];
    src[4] = 160.0;
    let mut out = [0.0f32; 9];
    reference::filter(
        &plan,
        &ImageView::new(&src, 3, 3, 1).unwrap(),
        &mut ImageViewMut::new(&mut out, 3, 3, 1).unwrap(),
    )
    .unwrap();
    assert_eq!(out, [10.0, 20.0, 10.0, 20.0, 40.0, 20.0, 10.0, 20.0, 10.0]);
    let src8 = src.map(|v| v as u8);
    let mut out8 = [0u8; 9];
    reference::filter(
        &plan,
        &ImageView::new(&src8, 3, 3, 1).unwrap(),
        &mut ImageViewMut::new(&mut out8, 3, 3, 1).unwrap(),
    )
    .unwrap();
    assert_eq!(out8, [10, 20, 10, 20, 40, 20, 10, 20, 10]);
}

/// Classic kernels: the recipe's bound E < 1 for all of them, and the
/// contract's "within 1 of round(exact)" holds on a random image.
#[test]
fn error_bound_classic_kernels_up_to_63_taps() {
    for n in 1..=63usize {
        // OpenCV's default sigma for a size-n Gaussian.
        let sigma = 0.3 * ((n as f64 - 1.0) * 0.5 - 1.0) + 0.8;
        let c = (n as f64 - 1.0) / 2.0;
        let gauss =
            normalise((0..n).map(|i| (-((i as f64 - c).powi(2)) / (2.0 * sigma * sigma)).exp() as f32).collect());
        let boxk = normalise(vec![1.0; n]);
        // One dominant tap and many tiny ones (the widest shift, the most taps).
        let mut spike = vec![1e-4f32; n];
        spike[n / 2] = 1.0;
        let spike = normalise(spike);
        // Taps just below half a quantisation step at the largest shift.
        let half = normalise((0..n).map(|i| if i % 2 == 0 { 1.0 } else { 0.49 / 32768.0 }).collect());
        // The passes fold symmetric quantised taps: odd-length Gaussians keep
        // their symmetry through the recipe's sum correction.
        if n % 2 == 1 {
            let fp =
                sepconv::fixed::FixedPoint::new(&Kernel::new(&gauss).unwrap(), &Kernel::new(&gauss).unwrap()).unwrap();
            let q = fp.row().taps();
            assert!(q.iter().eq(q.iter().rev()), "{n}-tap Gaussian quantised asymmetric: {q:?}");
        }
        for (a, an) in [(&gauss, "gauss"), (&boxk, "box"), (&spike, "spike"), (&half, "half")] {
            for (b, bn) in [(&gauss, "gauss"), (&boxk, "box"), (&spike, "spike"), (&half, "half")] {
                let fp = sepconv::fixed::FixedPoint::new(&Kernel::new(a).unwrap(), &Kernel::new(b).unwrap()).unwrap();
                assert!(fp.error_bound() < 1.0, "E = {} for {an}⊗{bn}, n = {n}", fp.error_bound());
            }
        }
        if n % 8 == 1 {
            let spec = Spec {
                width: 13,
                height: 9,
                channels: 1,
                row: gauss.clone(),
                row_anchor: n / 2,
                col: boxk.clone(),
                col_anchor: n / 3,
                borders: Borders::new(Border::Reflect, Border::Constant(17.0)),
                region: Region::Same,
            };
            check_u8(&spec, n as u64, 1);
        }
    }
}

/// The recipe's i32 headroom at its edge: a row kernel whose intermediate
/// reaches its bound `T = 16384` on a white image (`t = T` exactly) and a
/// column kernel that fills the column budget `T · Σ|qc| = 3 · 2^29` at the
/// largest output shift `D = 30`. The column accumulator of a white image is
/// then `3 · 2^29`, and the rounding term `2^29` must not overflow `i32`.
/// Exact result: 255 · (257/512) · (12/1024) ≈ 1.49998.
#[test]
fn column_rounding_term_at_the_budget_edge() {
    let row = [257.0f32 / 512.0];
    let col = [3.0f32 / 1024.0; 4];
    let (r, c) = (Kernel::new(&row).unwrap(), Kernel::new(&col).unwrap());
    let plan = Plan::new(Shape::new(3, 6, 1).unwrap(), r, c, Borders::uniform(Border::Replicate)).unwrap();
    let fp = *plan.fixed_point().unwrap();
    let recipe = format!(
        "d = {}, D = {}, T = {}, qc = {:?}",
        fp.mid_shift(),
        fp.out_shift(),
        fp.mid_bound(),
        fp.column().taps()
    );
    assert!(fp.error_bound() < 1.0, "{recipe}");
    let exact: f64 = 255.0 * (257.0 / 512.0) * (12.0 / 1024.0);
    let src = Img::filled(3, 6, 1, 0, 255u8);
    let out8 = run_u8(&plan, &src, 0, 0u8);
    let out16 = run_u8(&plan, &src, 0, 0i16);
    let outf = run_u8(&plan, &src, 0, 0.0f32);
    for k in 0..18 {
        assert!((out8.data[k] as f64 - exact.round()).abs() <= 1.0, "u8 {} vs {exact}; {recipe}", out8.data[k]);
        assert!((out16.data[k] as f64 - exact.round()).abs() <= 1.0, "i16 {} vs {exact}; {recipe}", out16.data[k]);
        assert!(
            (outf.data[k] as f64 - exact).abs() <= fp.error_bound() + 1e-6,
            "f32 {} vs {exact}; {recipe}",
            outf.data[k]
        );
    }
}
