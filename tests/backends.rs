//! Every backend this CPU runs against the scalar reference: f32 within twice
//! the derived bound (and within the bound of the exact result), u8 → u8,
//! u8 → i16, u8 → f32, u16 → u16 and u16 → f32 bit for bit, f16 → f16 and
//! f16 → f32 within the f32 bound (plus half an f16 ulp) of the exact
//! result; in place equals out of place; bands concatenated equal the whole
//! image.
//!
//! The space (widths × heights × channels × kernels × anchors × borders ×
//! strides) is far too big to cover, so the sweeps walk one axis completely
//! (every width up to three 32-lane vectors plus the kernel, every height up
//! to a few kernel lengths) and draw the others from a seeded PRNG.

mod common;

use common::*;
use half::f16;
use sepconv::{reference, Borders, ImageViewMut, Output, Plan, Region};
use sepconv_core::fixed16::FixedPoint16;
use sepconv_core::ColumnStrategy;

const DST_PAD_F32: f32 = -4321.25;

/// One integer pipeline (u8 → u8, i16 or f32; u16 → u16 or f32) on every
/// backend: bit-exact with the reference, out of place and by bands.
fn check_int_pipeline<S, D>(plan: &Plan<'_>, src: &Img<S>, rng: &mut XorShift, fill: D, label: &str)
where
    S: sepconv::Sample + PartialEq + std::fmt::Debug,
    D: Output<S> + PartialEq + std::fmt::Debug,
{
    let o = plan.output_shape();
    let mut want = Img::filled(o.width, o.height, o.channels, 0, fill);
    reference::filter(plan, &src.view(), &mut want.view_mut()).expect("reference");
    let want = bits(&want.packed());
    for b in backends() {
        let pad = rng.below(4);
        let mut dst = Img::filled(o.width, o.height, o.channels, pad, fill);
        let mut s = scratch(plan.scratch_len::<S>());
        plan.filter(b, &src.view(), &mut dst.view_mut(), &mut s).expect("filter");
        assert!(bits(&dst.packed()) == want, "{label}: {} differs from the reference\n{plan:?}", b.name());
        assert!(
            bits(&dst.padding()) == bits(&vec![fill; dst.padding().len()]),
            "{label}: {} wrote the padding",
            b.name()
        );

        let cuts = band_cuts(rng, o.height);
        let mut banded = Img::filled(o.width, o.height, o.channels, rng.below(3), fill);
        filter_by_bands(plan, b, src, &mut banded, &cuts);
        assert!(bits(&banded.packed()) == want, "{label}: {} bands {cuts:?} differ from the whole\n{plan:?}", b.name());
    }
}

/// Half an f16 ulp at magnitude `x` (the subnormals' below 2⁻¹⁴).
fn f16_half_ulp(x: f64) -> f64 {
    if x < 2f64.powi(-14) {
        2f64.powi(-25)
    } else {
        2f64.powi(x.log2().floor() as i32 - 11)
    }
}

/// f16 → f16 and f16 → f32 on every backend: the f32 result within the
/// f32 bound of the exact one, an f16 result within that plus half an f16
/// ulp (or ±∞ where that reaches f16's overflow threshold, 65520); in place
/// and bands equal the whole, bit for bit; the reference within the same
/// bounds.
fn check_f16(spec: &Spec, plan: &Plan<'_>, rng: &mut XorShift) {
    let (ow, oh) = spec.out_size();
    let c = spec.channels;
    let pad = rng.below(4);
    let src = random_f16_image(rng, spec.width, spec.height, c, pad);
    let exact = oracle(spec, &|x, y, ch| src.at(x, y, ch).to_f64());
    let bound = spec.f32_bound(src.max_abs(|v| v.to_f64().abs()));
    let within = |got: &[f16], what: &str| {
        for (k, (&g, &e)) in got.iter().zip(&exact).enumerate() {
            let (g, reach) = (g.to_f64(), bound + f16_half_ulp(e.abs() + bound));
            let ok = if g.is_infinite() {
                g.signum() == e.signum() && e.abs() + reach >= 65520.0
            } else {
                (g - e).abs() <= reach
            };
            assert!(ok, "f16 {what} sample {k}: got {g}, exact {e}; bound {reach}\n{spec:?}");
        }
    };
    let fill = f16::from_f32(-4321.25);
    let mut want = Img::filled(ow, oh, c, 0, fill);
    reference::filter(plan, &src.view(), &mut want.view_mut()).expect("reference f16");
    within(&want.packed(), "reference");
    for b in backends() {
        let mut dst = Img::filled(ow, oh, c, rng.below(4), fill);
        plan.filter(b, &src.view(), &mut dst.view_mut(), &mut scratch(plan.scratch_len::<f16>())).expect("f16");
        let got = dst.packed();
        within(&got, b.name());
        assert!(bits(&dst.padding()) == bits(&vec![fill; dst.padding().len()]), "f16 {} wrote the padding", b.name());

        let mut wide = Img::filled(ow, oh, c, rng.below(4), DST_PAD_F32);
        plan.filter(b, &src.view(), &mut wide.view_mut(), &mut scratch(plan.scratch_len::<f16>())).expect("f16→f32");
        for (k, (&g, &e)) in wide.packed().iter().zip(&exact).enumerate() {
            let d = (g as f64 - e).abs();
            assert!(d <= bound, "f16→f32 {} sample {k}: got {g}, exact {e}; bound {bound}\n{spec:?}", b.name());
        }

        if spec.region == Region::Same {
            let mut img = src.clone();
            plan.filter_in_place(b, &mut img.view_mut(), &mut scratch(plan.scratch_len::<f16>()))
                .expect("in place f16");
            assert!(bits(&img.packed()) == bits(&got), "f16 {} in place differs\n{spec:?}", b.name());
            assert!(bits(&img.padding()) == bits(&src.padding()), "f16 {} in place wrote the padding", b.name());
        }
        let cuts = band_cuts(rng, oh);
        let mut banded = Img::filled(ow, oh, c, rng.below(3), fill);
        filter_by_bands(plan, b, &src, &mut banded, &cuts);
        assert!(bits(&banded.packed()) == bits(&got), "f16 {} bands {cuts:?} differ\n{spec:?}", b.name());
    }
}

/// Everything for one spec and data seed.
fn check_case(spec: &Spec, seed: u64) {
    let (ow, oh) = spec.out_size();
    if ow == 0 || oh == 0 {
        return;
    }
    let plan = spec.plan();
    let mut rng = XorShift::new(seed);
    let c = spec.channels;

    // f32.
    let pad = rng.below(4);
    let src = random_f32_image(&mut rng, spec.width, spec.height, c, pad);
    let mut want = Img::filled(ow, oh, c, 0, 0.0f32);
    reference::filter(&plan, &src.view(), &mut want.view_mut()).expect("reference f32");
    let want = want.packed();
    let exact = oracle(spec, &|x, y, ch| src.at(x, y, ch) as f64);
    let bound = spec.f32_bound(src.max_abs(|v| (v as f64).abs()));
    let strategies = [plan.clone(), plan.clone().with_column_strategy(ColumnStrategy::TransposedTile)];
    for (plan, b) in strategies.iter().flat_map(|p| backends().into_iter().map(move |b| (p, b))) {
        let mut dst = Img::filled(ow, oh, c, rng.below(4), DST_PAD_F32);
        let mut s = scratch(plan.scratch_len::<f32>());
        plan.filter(b, &src.view(), &mut dst.view_mut(), &mut s).expect("filter f32");
        let got = dst.packed();
        for (k, ((&g, &r), &e)) in got.iter().zip(&want).zip(&exact).enumerate() {
            let (d_ref, d_exact) = ((g as f64 - r as f64).abs(), (g as f64 - e).abs());
            assert!(
                d_ref <= 2.0 * bound && d_exact <= bound,
                "f32 {} sample {k}: got {g}, reference {r}, exact {e}; bound {bound}\n{spec:?}",
                b.name()
            );
        }
        assert!(dst.padding().iter().all(|&v| v == DST_PAD_F32), "f32 {} wrote the padding", b.name());

        if spec.region == Region::Same {
            let mut img = src.clone();
            let mut s = scratch(plan.scratch_len::<f32>());
            plan.filter_in_place(b, &mut img.view_mut(), &mut s).expect("in place f32");
            assert!(bits(&img.packed()) == bits(&got), "f32 {} in place differs from out of place\n{spec:?}", b.name());
            assert!(bits(&img.padding()) == bits(&src.padding()), "f32 {} in place wrote the padding", b.name());
        }

        let cuts = band_cuts(&mut rng, oh);
        let mut banded = Img::filled(ow, oh, c, rng.below(3), DST_PAD_F32);
        filter_by_bands(plan, b, &src, &mut banded, &cuts);
        // Bit for bit (the sign of zero is checked by
        // `f32_bands_keep_the_sign_of_zero` below).
        assert!(
            bits_zero_canon(&banded.packed()) == bits_zero_canon(&got),
            "f32 {} bands {cuts:?} differ from the whole\n{spec:?}",
            b.name()
        );
    }

    // f16 runs the f32 passes between its conversions: one case in four
    // here (every axis still varies), its chunk boundaries below.
    if seed.is_multiple_of(4) {
        check_f16(spec, &plan, &mut rng);
    }

    // u16 pipelines (the recipe refuses a few kernels with huge sums).
    if FixedPoint16::new(&plan.row_kernel(), &plan.column_kernel()).is_ok() {
        let pad = rng.below(4);
        let src16 = random_u16_image(&mut rng, spec.width, spec.height, c, pad);
        check_int_pipeline(&plan, &src16, &mut rng, 0xA5A5u16, "u16→u16");
        check_int_pipeline(&plan, &src16, &mut rng, DST_PAD_F32, "u16→f32");
        if spec.region == Region::Same {
            let mut want = Img::filled(ow, oh, c, 0, 0u16);
            reference::filter(&plan, &src16.view(), &mut want.view_mut()).unwrap();
            for b in backends() {
                let mut img = src16.clone();
                plan.filter_in_place(b, &mut img.view_mut(), &mut scratch(plan.scratch_len::<u16>())).unwrap();
                assert_eq!(img.packed(), want.packed(), "u16 {} in place differs\n{spec:?}", b.name());
                assert_eq!(img.padding(), src16.padding(), "u16 {} in place wrote the padding", b.name());
            }
        }
    }

    // u8 pipelines.
    if plan.fixed_point().is_err() {
        return; // tests/errors.rs covers kernels without a recipe
    }
    let pad = rng.below(4);
    let src8 = random_u8_image(&mut rng, spec.width, spec.height, c, pad);
    check_int_pipeline(&plan, &src8, &mut rng, 0xA5u8, "u8→u8");
    check_int_pipeline(&plan, &src8, &mut rng, 0x5A5Ai16, "u8→i16");
    check_int_pipeline(&plan, &src8, &mut rng, DST_PAD_F32, "u8→f32");
    if spec.region == Region::Same {
        let mut want = Img::filled(ow, oh, c, 0, 0u8);
        reference::filter(&plan, &src8.view(), &mut want.view_mut()).unwrap();
        for b in backends() {
            let mut img = src8.clone();
            let mut s = scratch(plan.scratch_len::<u8>());
            plan.filter_in_place(b, &mut img.view_mut(), &mut s).expect("in place u8");
            assert_eq!(img.packed(), want.packed(), "u8 {} in place differs\n{spec:?}", b.name());
            assert_eq!(img.padding(), src8.padding(), "u8 {} in place wrote the padding", b.name());
        }
    }
}

/// A random spec with the given row-kernel length and width (and anything
/// else random); `max_h` bounds the height.
fn spec_with(rng: &mut XorShift, nr: usize, width: usize, max_h: usize, kind: Taps) -> Spec {
    let nc = if rng.chance(1, 8) { rng.range(13, 24) } else { rng.range(1, 12) };
    let height = rng.range(1, max_h);
    let region = if width >= nr && height >= nc && rng.chance(1, 5) {
        Region::Valid
    } else if rng.chance(1, 5) {
        // A rectangle of the image, read with its neighbours.
        let (x, y) = (rng.below(width), rng.below(height));
        Region::Window { x, y, width: rng.range(1, width - x), height: rng.range(1, height - y) }
    } else {
        Region::Same
    };
    Spec {
        width,
        height,
        channels: rng.range(1, 4),
        row: random_taps(rng, nr, kind),
        row_anchor: rng.below(nr),
        col: random_taps(rng, nc, kind),
        col_anchor: rng.below(nc),
        borders: Borders::new(random_border(rng), random_border(rng)),
        region,
    }
}

/// The most lanes a pass of the backends under test has: 32 `i16` lanes in
/// the AVX-512 u8 passes, at most 16 elsewhere.
fn widest_vector() -> usize {
    if backends().iter().any(|b| b.name() == "avx512") {
        32
    } else {
        16
    }
}

/// Every width from 1 to 3 × the widest vector + taps (so every tail after
/// 0–3 vectors of each lane count, and after the unrolled blocks), for odd,
/// even and longer row kernels.
#[test]
fn every_width() {
    let mut rng = XorShift::new(0x5EED_0001);
    for nr in [1usize, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 25] {
        for width in 1..=3 * widest_vector() + nr {
            let kind = [Taps::Signed, Taps::NonNegative, Taps::Normalised][rng.below(3)];
            let spec = spec_with(&mut rng, nr, width, 4, kind);
            check_case(&spec, rng.next_u64());
        }
    }
}

/// Single-channel rows long enough for the unrolled main loops of every
/// lane count (8 vectors in the f32 row pass: 128 elements with AVX-512)
/// followed by every tail.
#[test]
fn long_rows_single_channel() {
    let mut rng = XorShift::new(0x5EED_0002);
    let longest = if widest_vector() == 32 { 200 } else { 140 };
    for width in (60..=longest).step_by(3).chain([255, 256, 257]) {
        let nr = rng.range(1, 9);
        let mut spec = spec_with(&mut rng, nr, width, 3, Taps::Signed);
        spec.channels = 1;
        check_case(&spec, rng.next_u64());
    }
}

/// Row kernels of small integers over a power of two (OpenCV's Gaussian
/// tables, binomials, derivative rows, random ones up to the 16-bit sum),
/// which the u8 row pass takes by byte pairs on x86, mostly with small-integer
/// columns (the column pass in 16-bit lanes): every width up to three
/// vectors past the kernel, heights up to 9 (steps of four, two and one
/// rows), one channel mostly.
#[test]
fn small_integer_row_kernels() {
    let mut rng = XorShift::new(0x5EED_0011);
    let tables: [&[f32]; 6] = [
        &[1.0, 2.0, 1.0],
        &[1.0, 4.0, 6.0, 4.0, 1.0],
        &[2.0, 7.0, 14.0, 18.0, 14.0, 7.0, 2.0],
        &[4.0, 13.0, 30.0, 51.0, 60.0, 51.0, 30.0, 13.0, 4.0],
        &[-1.0, 0.0, 1.0],
        &[3.0, 10.0, 3.0],
    ];
    for round in 0..12 {
        let row: Vec<f32> = match tables.get(round) {
            Some(t) => t.to_vec(),
            None => (0..rng.range(1, 16)).map(|_| rng.range(0, 24) as f32 - 8.0).collect(),
        };
        // A power-of-two scale keeps the taps small integers after quantisation.
        let scale = [1.0f32, 1.0 / 16.0, 1.0 / 64.0, 1.0 / 256.0][rng.below(4)];
        let sum: f32 = row.iter().sum();
        let row: Vec<f32> = if round < tables.len() && sum > 0.0 {
            row.iter().map(|t| t / sum).collect()
        } else {
            row.iter().map(|t| t * scale).collect()
        };
        let nr = row.len();
        for width in (1..=3 * widest_vector() + nr).step_by(1 + round % 3) {
            let mut spec = spec_with(&mut rng, nr, width, 9, Taps::Normalised);
            spec.row = row.clone();
            // Mostly a small-integer column too (the column pass in 16-bit lanes).
            if rng.chance(3, 4) {
                let table = tables[rng.below(tables.len())];
                let sum: f32 = table.iter().sum();
                spec.col = table.iter().map(|t| if sum > 0.0 { t / sum } else { t * scale }).collect();
                spec.col_anchor = rng.below(table.len());
            }
            if rng.chance(3, 4) {
                spec.channels = 1;
            }
            check_case(&spec, rng.next_u64());
        }
    }
}

/// One image filtered in place band by band (`Plan::filter_band_in_place`,
/// each band reading the rows around it from copies taken before any band
/// is written) equals one `filter_in_place`, bit for bit: u8 and f32, every
/// backend, random cuts (bands shorter than the kernel included), every
/// vertical border.
#[test]
fn in_place_bands_equal_the_whole() {
    let mut rng = XorShift::new(0x5EED_0B1D);
    for case in 0..60 {
        let kind = [Taps::Signed, Taps::NonNegative, Taps::Normalised][case % 3];
        let (width, nr) = (rng.range(1, 40), rng.range(1, 9));
        let mut spec = spec_with(&mut rng, nr, width, 40, kind);
        spec.region = Region::Same;
        let plan = spec.plan();
        let h = spec.height;
        for b in backends() {
            let cuts = band_cuts(&mut rng, h);
            let pad = rng.below(3);
            let src = random_f32_image(&mut rng, spec.width, h, spec.channels, pad);
            in_place_by_bands(&plan, b, &src, &cuts, &spec);
            if plan.fixed_point().is_ok() {
                let src = random_u8_image(&mut rng, spec.width, h, spec.channels, pad);
                in_place_by_bands(&plan, b, &src, &cuts, &spec);
            }
        }
    }
}

fn in_place_by_bands<S>(plan: &Plan<'_>, b: sepconv::Backend, src: &Img<S>, cuts: &[usize], spec: &Spec)
where
    S: sepconv::Sample + Output<S> + PartialEq + std::fmt::Debug,
{
    let mut want = src.clone();
    plan.filter_in_place(b, &mut want.view_mut(), &mut scratch(plan.scratch_len::<S>())).expect("whole");
    let h = spec.height;
    let bounds: Vec<usize> = std::iter::once(0).chain(cuts.iter().copied()).chain([h]).collect();
    let row_len = spec.width * spec.channels;
    // Every band's copies first.
    let copies: Vec<(Vec<S>, Vec<S>)> = bounds
        .windows(2)
        .map(|w| {
            let (up, down) = plan.band_context(w[0]..w[1]).expect("context");
            let rows =
                |r: std::ops::Range<usize>| r.flat_map(|y| src.view().row(y).unwrap()[..row_len].to_vec()).collect();
            (rows(up), rows(down))
        })
        .collect();
    let mut got = src.clone();
    let mut rest = Some(got.view_mut());
    for (w, (above, below)) in bounds.windows(2).zip(&copies) {
        let view = rest.take().expect("rows left");
        let (mut band, tail) = if w[1] < h {
            let (band, tail) = view.split_at_row(w[1] - w[0]).expect("split");
            (band, Some(tail))
        } else {
            (view, None)
        };
        let mut s = scratch(plan.scratch_len::<S>());
        plan.filter_band_in_place(b, &mut band, w[0]..w[1], above, below, &mut s).expect("band in place");
        rest = tail;
    }
    assert!(bits(&got.packed()) == bits(&want.packed()), "{} bands {cuts:?} differ from the whole\n{spec:?}", b.name());
    assert!(bits(&got.padding()) == bits(&src.padding()), "{} bands wrote the padding", b.name());
}

/// f16 rows across the conversion chunks (512 outputs, the last up to 768):
/// widths around each boundary, 1–4 channels, short and long row kernels.
#[test]
fn f16_rows_across_conversion_chunks() {
    let mut rng = XorShift::new(0x5EED_0016);
    for width in [511usize, 512, 513, 767, 768, 769, 1025, 1279, 1281, 1537] {
        for channels in 1..=4 {
            let nr = [1, 3, 8, 25][rng.below(4)];
            let mut spec = spec_with(&mut rng, nr, width / channels, 3, Taps::Normalised);
            spec.channels = channels;
            spec.region = Region::Same;
            let plan = spec.plan();
            check_f16(&spec, &plan, &mut rng);
        }
    }
}

/// Every height from 1 to a few column-kernel lengths, every column anchor,
/// every vertical border: the ring, the lines above and below the image, the
/// two-rows-at-a-time column pass and its odd last row.
#[test]
fn every_height_and_column_anchor() {
    let mut rng = XorShift::new(0x5EED_0003);
    for nc in [1usize, 2, 3, 4, 5, 6, 7, 9, 11, 13, 15] {
        // Every anchor for short kernels; the edges and the middle for longer ones.
        let anchors: Vec<usize> = if nc <= 6 { (0..nc).collect() } else { vec![0, 1, nc / 2, nc - 2, nc - 1] };
        for height in 1..=2 * nc + 5 {
            for &ay in &anchors {
                let (nr, width) = (rng.range(1, 5), rng.range(1, 12));
                let mut spec = spec_with(&mut rng, nr, width, 1, Taps::Signed);
                spec.height = height;
                spec.col = random_taps(&mut rng, nc, Taps::Signed);
                spec.col_anchor = ay;
                spec.borders.vertical = mode(ay + height, rng.below(256) as f32);
                spec.region = Region::Same;
                check_case(&spec, rng.next_u64());
            }
        }
    }
}

/// Every row anchor with every horizontal border, on widths around the
/// kernel length (the edge pieces of the row pass).
#[test]
fn every_row_anchor_and_border() {
    let mut rng = XorShift::new(0x5EED_0004);
    for nr in [2usize, 3, 6, 11] {
        for ax in 0..nr {
            for m in 0..5 {
                let width = rng.range(1, 2 * nr + 3);
                let mut spec = spec_with(&mut rng, nr, width, 4, Taps::NonNegative);
                spec.row_anchor = ax;
                spec.borders.horizontal = mode(m, rng.below(256) as f32);
                check_case(&spec, rng.next_u64());
            }
        }
    }
}

/// Long kernels (up to MAX_TAPS) on images far smaller than them.
#[test]
fn long_kernels_on_small_images() {
    let mut rng = XorShift::new(0x5EED_0005);
    for (nr, nc) in [(31, 31), (64, 3), (3, 64), (255, 2), (1, 255), (256, 256), (100, 17)] {
        for _ in 0..2 {
            let big = nr * nc > 10_000;
            let (w, h) = if big { (rng.range(1, 4), rng.range(1, 3)) } else { (rng.range(1, 9), rng.range(1, 5)) };
            let mut spec = spec_with(&mut rng, nr, w, 1, Taps::Normalised);
            spec.height = h;
            spec.col = random_taps(&mut rng, nc, Taps::Normalised);
            spec.col_anchor = rng.below(nc);
            spec.region = Region::Same;
            check_case(&spec, rng.next_u64());
        }
    }
}

/// Random specs from the shared proptest strategy (shapes, strides, every
/// border pair, valid regions, signed kernels).
mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_specs(spec in spec_strategy(Taps::Signed), seed in any::<u64>()) {
            check_case(&spec, seed);
        }
    }
}

/// A scratch buffer longer than needed and reused across calls, plans and
/// sample types, holding garbage from the previous call, changes nothing.
#[test]
fn scratch_reuse_and_oversize() {
    let mut rng = XorShift::new(0x5EED_0006);
    let mut shared = vec![f32::NAN; 1 << 16];
    for _ in 0..20 {
        let (nr, width) = (rng.range(1, 9), rng.range(1, 40));
        let spec = spec_with(&mut rng, nr, width, 9, Taps::Normalised);
        let (ow, oh) = spec.out_size();
        let plan = spec.plan();
        assert!(plan.scratch_len::<f32>() <= shared.len() && plan.scratch_len::<u8>() <= shared.len());
        let src = random_u8_image(&mut rng, spec.width, spec.height, spec.channels, 1);
        let mut want = Img::filled(ow, oh, spec.channels, 0, 0u8);
        reference::filter(&plan, &src.view(), &mut want.view_mut()).unwrap();
        let srcf = random_f32_image(&mut rng, spec.width, spec.height, spec.channels, 0);
        for b in backends() {
            let mut dst = Img::filled(ow, oh, spec.channels, 0, 0u8);
            plan.filter(b, &src.view(), &mut dst.view_mut(), &mut shared).unwrap();
            assert_eq!(dst.packed(), want.packed(), "{}", b.name());
            // Leave f32 garbage for the next u8 call.
            let mut dstf = vec![0.0f32; ow * oh * spec.channels];
            plan.filter(
                b,
                &srcf.view(),
                &mut ImageViewMut::new(&mut dstf, ow, oh, spec.channels).unwrap(),
                &mut shared,
            )
            .unwrap();
        }
    }
}

/// Bands must be bit-identical to the whole image (Plan::filter_band's doc),
/// including the sign of zero, and every backend equal to the reference:
/// sums start at −0.0 (`row::accumulate`), so a sum of −0.0 products is
/// −0.0 in the scalar code, in every vector block and its tail, and in
/// every step of rows (once, the two-row column pass started its first row
/// differently from the one-row pass, and a band split changed the sign).
#[test]
fn f32_bands_keep_the_sign_of_zero() {
    // (width, height, row taps, column taps): a 1-tap zero column of −1.0
    // rows, and (with vectors, a tail, four-row steps) zero row taps, whose
    // −0.0 row sums the column's positive taps keep at −0.0.
    let cases: [(usize, usize, &[f32], &[f32]); 2] =
        [(1, 3, &[1.0], &[0.0]), (37, 11, &[0.0, 0.0, 0.0], &[0.25, 0.5, 0.25])];
    for (w, h, row, column) in cases {
        let src = Img { data: vec![-1.0f32; w * h], width: w, height: h, channels: 1, stride: w };
        let (kr, kc) = (sepconv::Kernel::new(row).unwrap(), sepconv::Kernel::new(column).unwrap());
        let plan = Plan::new(sepconv::Shape::new(w, h, 1).unwrap(), kr, kc, Borders::default()).unwrap();
        let mut want = Img::filled(w, h, 1, 0, 9.0f32);
        reference::filter(&plan, &src.view(), &mut want.view_mut()).unwrap();
        assert!(want.packed().iter().all(|x| x.to_bits() == (-0.0f32).to_bits()), "{w}×{h}: the reference's sums");
        for b in backends() {
            let mut whole = Img::filled(w, h, 1, 0, 9.0f32);
            plan.filter(b, &src.view(), &mut whole.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            let mut banded = Img::filled(w, h, 1, 0, 9.0f32);
            filter_by_bands(&plan, b, &src, &mut banded, &[1]);
            assert_eq!(bits(&banded.packed()), bits(&whole.packed()), "{w}×{h} {}: bands vs whole", b.name());
            assert_eq!(bits(&whole.packed()), bits(&want.packed()), "{w}×{h} {}: whole vs reference", b.name());
        }
    }
}

/// Kernels at the edges of the u8 recipe (the column budget, negative
/// intermediate fraction bits from large weights, saturation both ways,
/// derivatives, the longest kernels) on white, black/white and random
/// images: every backend bit for bit with the reference, and the reference's
/// u8 → f32 output within the recipe's bound `E` of the exact result.
#[test]
fn u8_recipe_edge_kernels() {
    let pairs: Vec<(Vec<f32>, Vec<f32>)> = vec![
        (vec![257.0 / 512.0], vec![3.0 / 1024.0; 4]),
        (vec![1.0], vec![1.0]),
        (vec![30.0; 9], vec![-1.0, 2.5, -1.0]),
        (vec![8.0; 16], vec![0.5; 3]),
        (vec![-1.0, 0.0, 1.0], vec![1.0, 2.0, 1.0]),
        (vec![-3.0, -10.0, -3.0], vec![-1.0, 0.0, 1.0]),
        (vec![1.999, -0.999], vec![0.999, 0.001]),
        (normalise(vec![1.0; 255]), vec![1.0]),
        (vec![1.0 / 255.0; 255], normalise(vec![1.0; 256])),
        (vec![0.0; 5], vec![1.0, 1.0]),
    ];
    let mut rng = XorShift::new(0x5EED_0007);
    for (row, col) in &pairs {
        for image in 0..3 {
            let long = row.len() * col.len() > 1000;
            let (w, h) = if long { (rng.range(1, 5), rng.range(1, 3)) } else { (rng.range(1, 37), rng.range(1, 9)) };
            let spec = Spec {
                width: w,
                height: h,
                channels: rng.range(1, 4),
                row: row.clone(),
                row_anchor: rng.below(row.len()),
                col: col.clone(),
                col_anchor: rng.below(col.len()),
                borders: Borders::new(random_border(&mut rng), random_border(&mut rng)),
                region: Region::Same,
            };
            let plan = spec.plan();
            let Ok(fp) = plan.fixed_point() else { panic!("no recipe for {row:?} ⊗ {col:?}") };
            let mut src = random_u8_image(&mut rng, w, h, spec.channels, 1);
            for y in 0..h {
                for x in 0..w {
                    for c in 0..spec.channels {
                        match image {
                            0 => src.set(x, y, c, 255),
                            1 => src.set(x, y, c, if (x + y + c) % 2 == 0 { 255 } else { 0 }),
                            _ => {}
                        }
                    }
                }
            }
            let label = format!("{row:?} ⊗ {col:?}, image {image}");
            check_int_pipeline(&plan, &src, &mut rng, 0u8, &label);
            check_int_pipeline(&plan, &src, &mut rng, 0i16, &label);
            check_int_pipeline(&plan, &src, &mut rng, 0.0f32, &label);

            let mut out = Img::filled(w, h, spec.channels, 0, 0.0f32);
            reference::filter(&plan, &src.view(), &mut out.view_mut()).unwrap();
            let exact = oracle(&spec, &|x, y, c| src.at(x, y, c) as f64);
            let e_bound = fp.error_bound();
            for (o, e) in out.packed().iter().zip(&exact) {
                let tol = bound::u8_to_f32(e_bound, *e);
                assert!((*o as f64 - e).abs() <= tol, "{label}: u8→f32 {o} vs exact {e}, E = {e_bound}");
            }
        }
    }
}

/// In place on a region of interest of a larger strided image: the region
/// equals the reference result of the region as an image of its own, and
/// nothing outside it changes.
#[test]
fn in_place_on_a_region_of_interest() {
    let mut rng = XorShift::new(0x5EED_0008);
    for _ in 0..12 {
        let (nr, rw) = (rng.range(1, 9), rng.range(1, 30));
        let spec = spec_with(&mut rng, nr, rw, 8, Taps::Normalised);
        let spec = Spec { region: Region::Same, ..spec };
        let (c, rh) = (spec.channels, spec.height);
        let (x0, y0) = (rng.below(5), rng.below(4));
        let (bw, bh) = (x0 + rw + rng.below(5), y0 + rh + rng.below(4));
        let plan = spec.plan();
        let pad = rng.below(3);

        let big8 = random_u8_image(&mut rng, bw, bh, c, pad);
        let bigf = random_f32_image(&mut rng, bw, bh, c, pad);
        let mut want8 = Img::filled(rw, rh, c, 0, 0u8);
        reference::filter(&plan, &big8.view().sub_view(x0, y0, rw, rh).unwrap(), &mut want8.view_mut()).unwrap();
        let mut wantf = Img::filled(rw, rh, c, 0, 0.0f32);
        reference::filter(&plan, &bigf.view().sub_view(x0, y0, rw, rh).unwrap(), &mut wantf.view_mut()).unwrap();
        let bound = spec.f32_bound(bigf.max_abs(|v| (v as f64).abs()));
        let inside = |x: usize, y: usize| (x0..x0 + rw).contains(&x) && (y0..y0 + rh).contains(&y);

        for b in backends() {
            let mut img = big8.clone();
            plan.filter_in_place(
                b,
                &mut img.view_mut().sub_view_mut(x0, y0, rw, rh).unwrap(),
                &mut scratch(plan.scratch_len::<u8>()),
            )
            .unwrap();
            let mut imgf = bigf.clone();
            plan.filter_in_place(
                b,
                &mut imgf.view_mut().sub_view_mut(x0, y0, rw, rh).unwrap(),
                &mut scratch(plan.scratch_len::<f32>()),
            )
            .unwrap();
            for y in 0..bh {
                for x in 0..bw {
                    for ch in 0..c {
                        if inside(x, y) {
                            assert_eq!(img.at(x, y, ch), want8.at(x - x0, y - y0, ch), "u8 {} ROI", b.name());
                            let (g, r) = (imgf.at(x, y, ch), wantf.at(x - x0, y - y0, ch));
                            assert!(((g - r) as f64).abs() <= 2.0 * bound, "f32 {} ROI: {g} vs {r}", b.name());
                        } else {
                            assert_eq!(img.at(x, y, ch), big8.at(x, y, ch), "u8 {} outside the ROI changed", b.name());
                            assert_eq!(
                                imgf.at(x, y, ch).to_bits(),
                                bigf.at(x, y, ch).to_bits(),
                                "f32 {} outside the ROI",
                                b.name()
                            );
                        }
                    }
                }
            }
            assert_eq!(img.padding(), big8.padding());
            assert_eq!(bits(&imgf.padding()), bits(&bigf.padding()));
        }
    }
}

/// Streaming stores (`with_streaming`) "never change the result": out of
/// place and by bands, on or off give the same bits as the plan's default.
#[test]
fn streaming_never_changes_the_result() {
    let mut rng = XorShift::new(0x5EED_0009);
    for _ in 0..40 {
        let (nr, width) = (rng.range(1, 12), rng.range(1, 70));
        let kind = [Taps::Signed, Taps::Normalised][rng.below(2)];
        let spec = spec_with(&mut rng, nr, width, 7, kind);
        let (ow, oh) = spec.out_size();
        let plan = spec.plan();
        let c = spec.channels;
        let pad = rng.below(3);
        let src = random_f32_image(&mut rng, spec.width, spec.height, c, pad);
        let src8 = random_u8_image(&mut rng, spec.width, spec.height, c, pad);
        let mut want = Img::filled(ow, oh, c, 0, 0.0f32);
        reference::filter(&plan, &src.view(), &mut want.view_mut()).unwrap();
        let want = want.packed();
        let bound = spec.f32_bound(src.max_abs(|v| (v as f64).abs()));
        for b in backends() {
            let mut whole = Img::filled(ow, oh, c, 0, 0.0f32);
            plan.filter(b, &src.view(), &mut whole.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            let mut whole8 = Img::filled(ow, oh, c, 0, 0u8);
            plan.filter(b, &src8.view(), &mut whole8.view_mut(), &mut scratch(plan.scratch_len::<u8>())).unwrap();
            for stream in [false, true] {
                let striped = plan.clone().with_streaming(stream);
                assert_eq!(striped.streaming(), stream);
                let mut out = Img::filled(ow, oh, c, rng.below(3), DST_PAD_F32);
                striped
                    .filter(b, &src.view(), &mut out.view_mut(), &mut scratch(striped.scratch_len::<f32>()))
                    .unwrap();
                assert!(bits(&out.packed()) == bits(&whole.packed()), "f32 {} streaming {stream}\n{spec:?}", b.name());
                for (k, (&g, &r)) in out.packed().iter().zip(&want).enumerate() {
                    let d = (g as f64 - r as f64).abs();
                    assert!(
                        d <= 2.0 * bound,
                        "f32 {} streaming {stream} sample {k}: {g} vs reference {r}\n{spec:?}",
                        b.name()
                    );
                }
                assert!(out.padding().iter().all(|&v| v == DST_PAD_F32));
                let mut out8 = Img::filled(ow, oh, c, rng.below(3), 0xA5u8);
                striped
                    .filter(b, &src8.view(), &mut out8.view_mut(), &mut scratch(striped.scratch_len::<u8>()))
                    .unwrap();
                assert_eq!(out8.packed(), whole8.packed(), "u8 {} streaming {stream}\n{spec:?}", b.name());
                assert!(out8.padding().iter().all(|&v| v == 0xA5));
                let cuts = band_cuts(&mut rng, oh);
                let mut banded = Img::filled(ow, oh, c, 1, 0u8);
                filter_by_bands(&striped, b, &src8, &mut banded, &cuts);
                assert_eq!(
                    banded.packed(),
                    whole8.packed(),
                    "u8 {} streaming {stream} bands {cuts:?}\n{spec:?}",
                    b.name()
                );
            }
        }
    }
}

/// In place must equal out of place, on wide images too and with every
/// border: no row of the output may be written before the last source row
/// that reads it (the far edge with Wrap/Reflect included).
#[test]
fn in_place_on_wide_images() {
    let mut rng = XorShift::new(0x5EED_000A);
    let taps = normalise(vec![1.0, 4.0, 6.0, 4.0, 1.0]);
    let k = sepconv::Kernel::new(&taps).unwrap();
    let cases = [(1100, 3, 1), (400, 2, 3), (20, 5, 2), (9, 4, 1)];
    for (i, (w, h, c)) in cases.into_iter().enumerate() {
        let borders = Borders::uniform(mode(i + 1, 0.0));
        let plan = Plan::new(sepconv::Shape::new(w, h, c).unwrap(), k, k, borders).unwrap();
        let mut src = Img::filled(w, h, c, 0, 0u8);
        src.data.iter_mut().for_each(|v| *v = rng.next_u64() as u8);
        let mut want = Img::filled(w, h, c, 0, 0u8);
        reference::filter(&plan, &src.view(), &mut want.view_mut()).unwrap();
        let srcf = random_f32_image(&mut rng, w, h, c, 0);
        for b in backends() {
            let mut img = src.clone();
            plan.filter_in_place(b, &mut img.view_mut(), &mut scratch(plan.scratch_len::<u8>())).unwrap();
            let bad = img.packed().iter().zip(want.packed()).filter(|(a, b)| *a != b).count();
            assert_eq!(bad, 0, "{} u8 in place, {w}×{h}×{c} {borders:?}: {bad} samples differ", b.name());

            let mut out = Img::filled(w, h, c, 0, 0.0f32);
            plan.filter(b, &srcf.view(), &mut out.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            let mut img = srcf.clone();
            plan.filter_in_place(b, &mut img.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            // The same arithmetic in place and out of place: the same bits.
            assert!(bits(&img.packed()) == bits(&out.packed()), "{} f32 in place, {w}×{h}×{c} {borders:?}", b.name());
        }
    }
}

/// Streamed f32 rows (non-temporal stores for the whole cache lines of a
/// row, plain stores at its ends) give the same bits as plain stores at
/// every alignment of the destination (offsets 0..16 elements from a
/// 16-byte-aligned `Vec`, and strides that do and do not keep rows aligned),
/// for one- and two-row column steps, unrolled and generic column lengths,
/// and write nothing outside the image.
#[test]
fn f32_streaming_at_every_alignment() {
    let mut rng = XorShift::new(0x5EED_0010);
    for (w, c, nc) in [(3, 1, 5), (15, 1, 5), (16, 1, 3), (17, 1, 9), (40, 1, 11), (45, 3, 7), (33, 4, 5), (70, 1, 4)] {
        let h = rng.range(nc, nc + 4);
        let row = sepconv::Kernel::new(&[0.25, 0.5, 0.25]).unwrap();
        let col_taps = random_taps(&mut rng, nc, Taps::Signed);
        let col = sepconv::Kernel::new(&col_taps).unwrap();
        let borders = Borders::new(random_border(&mut rng), random_border(&mut rng));
        let plan = Plan::new(sepconv::Shape::new(w, h, c).unwrap(), row, col, borders)
            .unwrap()
            .with_column_strategy(ColumnStrategy::Direct);
        let src = random_f32_image(&mut rng, w, h, c, 0);
        let streamed = plan.clone().with_streaming(true);
        let row_len = w * c;
        for b in backends() {
            let mut plain = Img::filled(w, h, c, 0, 0.0f32);
            let plain_plan = plan.clone().with_streaming(false);
            plain_plan.filter(b, &src.view(), &mut plain.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            let want = bits(&plain.packed());
            for offset in 0..16 {
                for stride in [row_len, row_len + 1 + rng.below(16), row_len.next_multiple_of(16)] {
                    let mut buf = vec![DST_PAD_F32; offset + stride * h + 16];
                    let data = &mut buf[offset..offset + stride * (h - 1) + row_len];
                    let mut dst = ImageViewMut::with_stride(data, w, h, c, stride).unwrap();
                    streamed.filter(b, &src.view(), &mut dst, &mut scratch(streamed.scratch_len::<f32>())).unwrap();
                    let mut got = Vec::with_capacity(row_len * h);
                    for (k, &v) in buf.iter().enumerate() {
                        let inside = k >= offset && (k - offset) / stride < h && (k - offset) % stride < row_len;
                        if inside {
                            got.push(v);
                        } else {
                            assert!(v == DST_PAD_F32, "{} wrote outside the image at {k}", b.name());
                        }
                    }
                    assert!(
                        bits(&got) == want,
                        "{} streamed {w}×{h}×{c}, {nc}-tap column, offset {offset}, stride {stride}",
                        b.name()
                    );
                }
            }
        }
    }
}

/// The plan's own choices on large images: streaming stores (an output of
/// at least 2^20 samples), against the reference, out of place and in place.
#[test]
fn large_images_with_the_default_plan() {
    let mut rng = XorShift::new(0x5EED_000C);
    let gauss5 = normalise(vec![1.0, 4.0, 6.0, 4.0, 1.0]);
    let box3 = normalise(vec![1.0; 3]);
    for (w, h, c, taps) in [(2100, 3, 1, &gauss5), (700, 4, 3, &gauss5), (1030, 1024, 1, &box3)] {
        let k = sepconv::Kernel::new(taps).unwrap();
        let borders = Borders::new(random_border(&mut rng), random_border(&mut rng));
        let plan = Plan::new(sepconv::Shape::new(w, h, c).unwrap(), k, k, borders).unwrap();
        eprintln!("{w}×{h}×{c}: streaming {}", plan.streaming());
        let spec = Spec {
            width: w,
            height: h,
            channels: c,
            row: taps.clone(),
            row_anchor: taps.len() / 2,
            col: taps.clone(),
            col_anchor: taps.len() / 2,
            borders,
            region: Region::Same,
        };
        let src = random_f32_image(&mut rng, w, h, c, 0);
        let mut want = Img::filled(w, h, c, 0, 0.0f32);
        reference::filter(&plan, &src.view(), &mut want.view_mut()).unwrap();
        let bound = spec.f32_bound(src.max_abs(|v| (v as f64).abs()));
        let mut src8 = Img::filled(w, h, c, 0, 0u8);
        src8.data.iter_mut().for_each(|v| *v = rng.next_u64() as u8);
        let mut want8 = Img::filled(w, h, c, 0, 0u8);
        reference::filter(&plan, &src8.view(), &mut want8.view_mut()).unwrap();
        for b in backends() {
            let mut out = Img::filled(w, h, c, 0, 0.0f32);
            plan.filter(b, &src.view(), &mut out.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            let worst = out.data.iter().zip(&want.data).map(|(a, r)| (*a as f64 - *r as f64).abs()).fold(0.0, f64::max);
            assert!(worst <= 2.0 * bound, "f32 {} {w}×{h}×{c}: |diff| {worst} > {}", b.name(), 2.0 * bound);
            let mut img = src.clone();
            plan.filter_in_place(b, &mut img.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            let worst = img.data.iter().zip(&want.data).map(|(a, r)| (*a as f64 - *r as f64).abs()).fold(0.0, f64::max);
            assert!(worst <= 2.0 * bound, "f32 {} in place {w}×{h}×{c}: |diff| {worst} > {}", b.name(), 2.0 * bound);

            let mut out8 = Img::filled(w, h, c, 0, 0u8);
            plan.filter(b, &src8.view(), &mut out8.view_mut(), &mut scratch(plan.scratch_len::<u8>())).unwrap();
            assert!(out8.data == want8.data, "u8 {} {w}×{h}×{c}", b.name());
            let mut img8 = src8.clone();
            plan.filter_in_place(b, &mut img8.view_mut(), &mut scratch(plan.scratch_len::<u8>())).unwrap();
            assert!(img8.data == want8.data, "u8 {} in place {w}×{h}×{c}", b.name());
        }
    }
}

/// A window filtered with its neighbours (`Region::Window`) is the same
/// rectangle cut from the whole filtered image, bit for bit, u8 and f32, on
/// every backend, every border, anchors and channels.
#[test]
fn window_is_the_rectangle_of_the_whole_image() {
    let mut rng = XorShift::new(0x5EED_0010);
    for _ in 0..60 {
        let (nr, width) = (rng.range(1, 12), rng.range(1, 90));
        let mut spec = spec_with(&mut rng, nr, width, 9, Taps::Normalised);
        spec.region = Region::Same;
        let whole_plan = spec.plan();
        let (x, y) = (rng.below(spec.width), rng.below(spec.height));
        let (w, h) = (rng.range(1, spec.width - x), rng.range(1, spec.height - y));
        let window = Spec { region: Region::Window { x, y, width: w, height: h }, ..spec.clone() };
        let plan = window.plan();
        let c = spec.channels;
        let (pad8, padf) = (rng.below(3), rng.below(3));
        let src8 = random_u8_image(&mut rng, spec.width, spec.height, c, pad8);
        let srcf = random_f32_image(&mut rng, spec.width, spec.height, c, padf);
        let cut = |whole: &[u8], bytes: usize| -> Vec<u8> {
            let row = spec.width * c * bytes;
            (y..y + h).flat_map(|r| whole[r * row + x * c * bytes..r * row + (x + w) * c * bytes].to_vec()).collect()
        };
        for b in backends() {
            let mut whole = Img::filled(spec.width, spec.height, c, 0, 0u8);
            whole_plan
                .filter(b, &src8.view(), &mut whole.view_mut(), &mut scratch(whole_plan.scratch_len::<u8>()))
                .unwrap();
            let mut part = Img::filled(w, h, c, 2, 0xA5u8);
            plan.filter(b, &src8.view(), &mut part.view_mut(), &mut scratch(plan.scratch_len::<u8>())).unwrap();
            assert_eq!(part.packed(), cut(&whole.packed(), 1), "u8 {} window {x},{y} {w}×{h}\n{spec:?}", b.name());
            assert!(part.padding().iter().all(|&v| v == 0xA5));

            let mut whole = Img::filled(spec.width, spec.height, c, 0, 0.0f32);
            whole_plan
                .filter(b, &srcf.view(), &mut whole.view_mut(), &mut scratch(whole_plan.scratch_len::<f32>()))
                .unwrap();
            let mut part = Img::filled(w, h, c, 0, 0.0f32);
            plan.filter(b, &srcf.view(), &mut part.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
            assert!(
                bits(&part.packed()) == cut(&bits(&whole.packed()), 4),
                "f32 {} window {x},{y} {w}×{h}\n{spec:?}",
                b.name()
            );
        }
    }
}
