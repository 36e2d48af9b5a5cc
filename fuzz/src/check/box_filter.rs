//! Fuzz target `box_filter`: the running-sum box filter against the exact mean.

use sepconv::{available_backends, Borders, BoxFilter, Error, ImageView, ImageViewMut, Region, Sample, Shape};
use sepconv_testkit::border_index;
use sepconv_testkit::verdict::shape_verdict;

use crate::bytes::Bytes;
use crate::case::f32_sample;

/// Fuzz target `box_filter`: for u8, u16 and f32 images of up to 24 × 20
/// pixels and windows up to three times the image, every backend and every
/// band split gives the same bits; u8 and u16 the exact mean rounded half
/// up, f32 within its bound of it; bad input the documented error.
pub fn check_box_filter(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (w, h, c) = (b.below(25), b.below(21), b.below(6));
    let (nr, nc) = (b.below(3 * w + 3), b.below(3 * h + 3));
    let borders = Borders::new(b.border(), b.border());
    let region = match b.below(3) {
        0 => Region::Same,
        1 => Region::Valid,
        _ => Region::Window { x: b.below(26), y: b.below(22), width: b.below(26), height: b.below(22) },
    };
    let made = Shape::new(w, h, c).and_then(|s| BoxFilter::for_region(s, nr, nc, borders, region));
    assert_eq!(made.map(|_| ()), verdict((w, h, c), (nr, nc), borders, region), "{w}×{h}×{c} {nr}×{nc} {region:?}");
    let Ok(filter) = made else { return };
    let len = w * h * c;
    let src8: Vec<u8> = (0..len).map(|_| b.next()).collect();
    let src16: Vec<u16> = (0..len).map(|_| (b.next() as u16) * 257).collect();
    let srcf: Vec<f32> = (0..len).map(|_| f32_sample(b.next())).collect();
    let cut = b.below(40);
    check_type(&filter, &src8, borders, cut, &|s, n| Some(((2 * s as i128 + n as i128) / (2 * n as i128)) as f64));
    check_type(&filter, &src16, borders, cut, &|s, n| Some(((2 * s as i128 + n as i128) / (2 * n as i128)) as f64));
    check_type(&filter, &srcf, borders, cut, &|_, _| None);
}

/// What `BoxFilter::for_region` must say, in its order of checks.
fn verdict(
    (w, h, c): (usize, usize, usize),
    (nr, nc): (usize, usize),
    borders: Borders,
    region: Region,
) -> Result<(), Error> {
    shape_verdict(w, h, c)?;
    if nr == 0 || nc == 0 {
        return Err(Error::EmptyKernel);
    }
    if [borders.horizontal, borders.vertical].iter().any(|b| b.constant().is_some_and(|v| !v.is_finite())) {
        return Err(Error::InvalidBorderValue);
    }
    match region {
        Region::Valid if w < nr || h < nc => Err(Error::EmptyOutput),
        Region::Window { x, y, width, height } if width == 0 || height == 0 || x + width > w || y + height > h => {
            Err(Error::WindowOutOfRange)
        }
        _ => Ok(()),
    }
}

/// Every backend, whole and in two bands cut at `cut`, against the exact
/// window sums: `rounded(sum, count)` gives an integer type's exact result,
/// `None` for f32 (checked within its bound).
fn check_type<S: Sample + Into<f64> + std::fmt::Debug>(
    filter: &BoxFilter,
    src: &[S],
    borders: Borders,
    cut: usize,
    rounded: &dyn Fn(f64, usize) -> Option<f64>,
) {
    let (i, o) = (filter.input_shape(), filter.output_shape());
    let view = ImageView::new(src, i.width, i.height, i.channels).unwrap();
    let constants_ok =
        [borders.horizontal, borders.vertical].iter().filter_map(|b| b.constant()).all(|v| S::border_value(v).is_ok());
    let mut first: Option<Vec<S>> = None;
    for backend in available_backends() {
        let mut out = vec![S::zeroed(); o.width * o.height * o.channels];
        let mut scratch = vec![f32::NAN; filter.scratch_len::<S>()];
        let r = filter.filter(
            backend,
            &view,
            &mut ImageViewMut::new(&mut out, o.width, o.height, o.channels).unwrap(),
            &mut scratch,
        );
        if !constants_ok {
            assert_eq!(r, Err(Error::InvalidBorderValue));
            return;
        }
        r.unwrap();
        // Two bands.
        let split = cut % o.height;
        let mut banded = vec![S::zeroed(); out.len()];
        let row = o.width * o.channels;
        let (top, bottom) = banded.split_at_mut(split * row);
        if split > 0 {
            let mut t = ImageViewMut::new(top, o.width, split, o.channels).unwrap();
            filter.filter_band(backend, &view, &mut t, 0..split, &mut scratch).unwrap();
        }
        let mut m = ImageViewMut::new(bottom, o.width, o.height - split, o.channels).unwrap();
        filter.filter_band(backend, &view, &mut m, split..o.height, &mut scratch).unwrap();
        let canon = |v: &[S]| bytemuck::cast_slice::<S, u8>(v).to_vec();
        assert_eq!(canon(&banded), canon(&out), "{} bands at {split} {filter:?}", backend.name());
        match &first {
            None => first = Some(out),
            Some(want) => assert_eq!(canon(&out), canon(want), "{} {filter:?}", backend.name()),
        }
    }
    let got = first.expect("a backend");
    let (nr, nc) = filter.window();
    let n = nr * nc;
    let sums = window_sums(&view, filter, borders);
    let max = src.iter().map(|&v| v.into().abs()).fold(255.0f64, f64::max);
    for (k, (&g, &s)) in got.iter().zip(&sums).enumerate() {
        let g: f64 = g.into();
        match rounded(s, n) {
            Some(want) => assert_eq!(g, want, "sample {k}: sum {s} / {n} {filter:?}"),
            None => {
                // f64 sums since the last recomputation, one rounding to f32.
                let tol = (nr + nc + nc.max(32)) as f64 * f64::EPSILON * 2.0 * max
                    + (s / n as f64).abs() * f32::EPSILON as f64;
                assert!((g - s / n as f64).abs() <= tol, "f32 sample {k}: {g} vs {} {filter:?}", s / n as f64);
            }
        }
    }
}

/// The exact window sums (f64 sums of at most 75 × 63 samples of at most
/// 65535: exact), packed like the output.
fn window_sums<S: Sample + Into<f64>>(src: &ImageView<'_, S>, f: &BoxFilter, b: Borders) -> Vec<f64> {
    let (i, o) = (f.input_shape(), f.output_shape());
    let (nr, nc) = f.window();
    let (ax, ay) = ((nr / 2) as isize, (nc / 2) as isize);
    let (x0, y0) = match f.region() {
        Region::Same => (-ax, -ay),
        Region::Valid => (0, 0),
        Region::Window { x, y, .. } => (x as isize - ax, y as isize - ay),
    };
    let hv = b.horizontal.constant().unwrap_or(0.0) as f64;
    let vv = b.vertical.constant().unwrap_or(0.0) as f64;
    let mut out = Vec::with_capacity(o.width * o.height * o.channels);
    for y in 0..o.height {
        for x in 0..o.width {
            for ch in 0..o.channels {
                let mut s = 0.0;
                for j in 0..nc {
                    for k in 0..nr {
                        s += match border_index(b.vertical, y as isize + y0 + j as isize, i.height) {
                            None => vv,
                            Some(sy) => match border_index(b.horizontal, x as isize + x0 + k as isize, i.width) {
                                None => hv,
                                Some(sx) => src.get(sx, sy, ch).expect("inside").into(),
                            },
                        };
                    }
                }
                out.push(s);
            }
        }
    }
    out
}
