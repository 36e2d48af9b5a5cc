//! The running-sum box filter against an exact oracle (the integer mean
//! rounded half up, the f64 mean for f32 and f16), on every backend, by bands, for every
//! border and region; against the FIR engine where `1/n` is exact; and its
//! errors.

mod common;

use common::*;
use proptest::prelude::*;
use sepconv::{Border, Borders, BoxFilter, Error, ImageView, ImageViewMut, Kernel, Plan, Region, Sample, Shape};
use sepconv_testkit::border_index;

/// The exact window sums of every output, as `(sum, count)` in f64/i128.
fn window_sums<T: Copy + Into<f64> + PartialEq + std::fmt::Debug>(
    img: &Img<T>,
    (nr, nc): (usize, usize),
    borders: Borders,
    region: Region,
) -> (Vec<f64>, (usize, usize)) {
    let (w, h, c) = (img.width, img.height, img.channels);
    let (ow, oh, x0, y0) = match region {
        Region::Same => (w, h, -((nr / 2) as isize), -((nc / 2) as isize)),
        Region::Valid => (w + 1 - nr, h + 1 - nc, 0, 0),
        Region::Window { x, y, width, height } => {
            (width, height, x as isize - (nr / 2) as isize, y as isize - (nc / 2) as isize)
        }
    };
    let hv = borders.horizontal.constant().unwrap_or(0.0) as f64;
    let vv = borders.vertical.constant().unwrap_or(0.0) as f64;
    let mut out = Vec::with_capacity(ow * oh * c);
    for y in 0..oh {
        for x in 0..ow {
            for ch in 0..c {
                let mut s = 0.0f64;
                for j in 0..nc {
                    for i in 0..nr {
                        let v = match border_index(borders.vertical, y as isize + y0 + j as isize, h) {
                            None => vv,
                            Some(sy) => match border_index(borders.horizontal, x as isize + x0 + i as isize, w) {
                                None => hv,
                                Some(sx) => img.at(sx, sy, ch).into(),
                            },
                        };
                        s += v;
                    }
                }
                out.push(s);
            }
        }
    }
    (out, (ow, oh))
}

/// Runs `filter` on every backend, whole and by random bands; every result
/// must equal the first, which is returned.
fn run_everywhere<S: Sample + PartialEq + std::fmt::Debug>(
    filter: &BoxFilter,
    src: &Img<S>,
    rng: &mut XorShift,
) -> Vec<S> {
    let o = filter.output_shape();
    let mut first: Option<Vec<S>> = None;
    for b in sepconv::available_backends() {
        let mut dst = Img::filled(o.width, o.height, o.channels, rng.below(3), S::zeroed());
        let mut s = scratch(filter.scratch_len::<S>());
        filter.filter(b, &src.view(), &mut dst.view_mut(), &mut s).unwrap();
        let got = dst.packed();
        // Bands at random cuts, each filtered on its own.
        let mut banded = Img::filled(o.width, o.height, o.channels, 0, S::zeroed());
        let mut rest = banded.view_mut();
        let mut start = 0;
        for cut in (1..o.height).filter(|_| rng.chance(1, 4)) {
            let (mut band, tail) = rest.split_at_row(cut - start).unwrap();
            filter.filter_band(b, &src.view(), &mut band, start..cut, &mut s).unwrap();
            rest = tail;
            start = cut;
        }
        filter.filter_band(b, &src.view(), &mut rest, start..o.height, &mut s).unwrap();
        assert_eq!(banded.packed(), got, "{} bands differ from the whole\n{filter:?}", b.name());
        match &first {
            None => first = Some(got),
            Some(want) => assert_eq!(&got, want, "{} differs from the first backend\n{filter:?}", b.name()),
        }
    }
    first.unwrap()
}

fn region_for(rng: &mut XorShift, w: usize, h: usize, nr: usize, nc: usize) -> Region {
    match rng.below(4) {
        0 if w >= nr && h >= nc => Region::Valid,
        1 => {
            let (x, y) = (rng.below(w), rng.below(h));
            Region::Window { x, y, width: rng.range(1, w - x), height: rng.range(1, h - y) }
        }
        _ => Region::Same,
    }
}

fn case(seed: u64) {
    let mut rng = XorShift::new(seed);
    let (w, h, c) = (rng.range(1, 40), rng.range(1, 30), rng.range(1, 4));
    // Windows up to several times the image: the borders repeat.
    let (nr, nc) = (rng.range(1, 3 * w + 2), rng.range(1, 3 * h + 2));
    let mut borders = Borders::new(random_border(&mut rng), random_border(&mut rng));
    for b in [&mut borders.horizontal, &mut borders.vertical] {
        if let Border::Constant(_) = b {
            *b = Border::Constant(rng.below(256) as f32);
        }
    }
    let region = region_for(&mut rng, w, h, nr, nc);
    let filter = BoxFilter::for_region(Shape::new(w, h, c).unwrap(), nr, nc, borders, region).unwrap();
    let n = (nr * nc) as i128;

    let src8 = {
        let pad = rng.below(3);
        random_u8_image(&mut rng, w, h, c, pad)
    };
    let (sums, _) = window_sums(&src8, (nr, nc), borders, region);
    let got = run_everywhere(&filter, &src8, &mut rng);
    for (k, (&g, &s)) in got.iter().zip(&sums).enumerate() {
        let want = (2 * s as i128 + n) / (2 * n); // the mean, rounded half up
        assert_eq!(g as i128, want, "u8 sample {k}: sum {s} / {n}\n{filter:?}");
    }

    let src16 = {
        let pad = rng.below(3);
        random_u16_image(&mut rng, w, h, c, pad)
    };
    let (sums, _) = window_sums(&src16, (nr, nc), borders, region);
    let got = run_everywhere(&filter, &src16, &mut rng);
    for (k, (&g, &s)) in got.iter().zip(&sums).enumerate() {
        let want = (2 * s as i128 + n) / (2 * n);
        assert_eq!(g as i128, want, "u16 sample {k}: sum {s} / {n}\n{filter:?}");
    }

    let srcf = {
        let pad = rng.below(3);
        random_f32_image(&mut rng, w, h, c, pad)
    };
    let (sums, _) = window_sums(&srcf, (nr, nc), borders, region);
    let got = run_everywhere(&filter, &srcf, &mut rng);
    let max = srcf.max_abs(|v| (v as f64).abs()).max(255.0);
    for (k, (&g, &s)) in got.iter().zip(&sums).enumerate() {
        let exact = s / n as f64;
        // f64 sums (rows since the last recomputation ≤ the band alignment)
        // and one rounding to f32.
        let anchor = filter.band_alignment::<f32>() as f64;
        let tol = (nr as f64 + nc as f64 + anchor) * f64::EPSILON * max * 2.0 + exact.abs() * f32::EPSILON as f64;
        assert!((g as f64 - exact).abs() <= tol, "f32 sample {k}: {g} vs {exact}\n{filter:?}");
    }

    let srch = {
        let pad = rng.below(3);
        random_f16_image(&mut rng, w, h, c, pad)
    };
    let (sums, _) = window_sums(&srch, (nr, nc), borders, region);
    let got = run_everywhere(&filter, &srch, &mut rng);
    let max = srch.max_abs(|v| v.to_f64().abs()).max(255.0);
    for (k, (&g, &s)) in got.iter().zip(&sums).enumerate() {
        let exact = s / n as f64;
        // As f32, then one rounding to f16 (half an ulp: 2⁻¹¹ relative,
        // 2⁻²⁵ among the subnormals).
        let anchor = filter.band_alignment::<half::f16>() as f64;
        let tol = (nr as f64 + nc as f64 + anchor) * f64::EPSILON * max * 2.0 + exact.abs() / 2048.0 + 2f64.powi(-25);
        assert!((g.to_f64() - exact).abs() <= tol, "f16 sample {k}: {g} vs {exact}\n{filter:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn box_filter_is_the_rounded_mean(seed in any::<u64>()) {
        case(seed);
    }
}

#[test]
fn power_of_two_boxes_are_the_fir_engines_bits() {
    let mut rng = XorShift::new(5);
    for n in [1usize, 2, 4, 8, 16, 32] {
        let (w, h) = (rng.range(n, 90), rng.range(n, 40));
        let shape = Shape::new(w, h, 2).unwrap();
        let taps = vec![1.0 / n as f32; n];
        let k = Kernel::new(&taps).unwrap();
        let borders = Borders::uniform(Border::Reflect101);
        let plan = Plan::new(shape, k, k, borders).unwrap();
        let boxf = BoxFilter::new(shape, n, n, borders).unwrap();
        let backend = sepconv::best_backend();
        let src8 = random_u8_image(&mut rng, w, h, 2, 0);
        let (mut a, mut b) = (Img::filled(w, h, 2, 0, 0u8), Img::filled(w, h, 2, 0, 0u8));
        plan.filter(backend, &src8.view(), &mut a.view_mut(), &mut scratch(plan.scratch_len::<u8>())).unwrap();
        boxf.filter(backend, &src8.view(), &mut b.view_mut(), &mut scratch(boxf.scratch_len::<u8>())).unwrap();
        assert_eq!(a.packed(), b.packed(), "u8 box {n}");
        let src16 = random_u16_image(&mut rng, w, h, 2, 0);
        let (mut a, mut b) = (Img::filled(w, h, 2, 0, 0u16), Img::filled(w, h, 2, 0, 0u16));
        plan.filter(backend, &src16.view(), &mut a.view_mut(), &mut scratch(plan.scratch_len::<u16>())).unwrap();
        boxf.filter(backend, &src16.view(), &mut b.view_mut(), &mut scratch(boxf.scratch_len::<u16>())).unwrap();
        assert_eq!(a.packed(), b.packed(), "u16 box {n}");
    }
}

#[test]
fn huge_windows_on_a_large_image() {
    // 1001 × 601 on 300 × 200: the borders wrap the image many times over.
    let mut rng = XorShift::new(9);
    let img = random_u8_image(&mut rng, 300, 200, 1, 0);
    let f = BoxFilter::new(Shape::new(300, 200, 1).unwrap(), 1001, 601, Borders::uniform(Border::Wrap)).unwrap();
    let mut out = Img::filled(300, 200, 1, 0, 0u8);
    f.filter(sepconv::best_backend(), &img.view(), &mut out.view_mut(), &mut scratch(f.scratch_len::<u8>())).unwrap();
    // With Wrap, a window of whole periods averages the image; 1001 × 601
    // is 3 periods and 101 columns, 3 periods and 1 row over: close to the mean.
    let mean = img.packed().iter().map(|&v| v as f64).sum::<f64>() / 60000.0;
    assert!(out.packed().iter().all(|&v| (v as f64 - mean).abs() < 8.0), "mean {mean}");
}

#[test]
fn box_filter_errors() {
    let shape = Shape::new(4, 3, 1).unwrap();
    let b = Borders::default();
    assert_eq!(BoxFilter::new(shape, 0, 3, b), Err(Error::EmptyKernel));
    assert_eq!(BoxFilter::new(shape, 3, 0, b), Err(Error::EmptyKernel));
    assert_eq!(BoxFilter::new(shape, 1 << 20, 1 << 13, b), Err(Error::KernelTooLong));
    assert_eq!(
        BoxFilter::new(shape, 3, 3, Borders::uniform(Border::Constant(f32::NAN))),
        Err(Error::InvalidBorderValue)
    );
    assert_eq!(BoxFilter::for_region(shape, 5, 1, b, Region::Valid), Err(Error::EmptyOutput));
    let window = Region::Window { x: 3, y: 0, width: 2, height: 1 };
    assert_eq!(BoxFilter::for_region(shape, 3, 3, b, window), Err(Error::WindowOutOfRange));
    let f = BoxFilter::new(shape, 3, 3, b).unwrap();
    let src = [0u8; 12];
    let mut dst = [0u8; 12];
    let mut s = vec![0.0f32; f.scratch_len::<u8>()];
    let view = ImageView::new(&src, 4, 3, 1).unwrap();
    let backend = sepconv::best_backend();
    assert_eq!(
        f.filter(backend, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut s[..1]),
        Err(Error::ScratchTooSmall { needed: s.len(), actual: 1 })
    );
    assert_eq!(
        f.filter(backend, &view, &mut ImageViewMut::new(&mut dst[..8], 4, 2, 1).unwrap(), &mut s),
        Err(Error::ShapeMismatch)
    );
    assert_eq!(
        f.filter_band(backend, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), 1..4, &mut s),
        Err(Error::BandOutOfRange)
    );
    let c = BoxFilter::new(shape, 3, 3, Borders::uniform(Border::Constant(300.0))).unwrap();
    assert_eq!(
        c.filter(backend, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut s),
        Err(Error::InvalidBorderValue)
    );
}
