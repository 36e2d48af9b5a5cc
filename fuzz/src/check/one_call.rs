//! Fuzz target `one_call`: the facade's one-call filters against the
//! reference with the taps OpenCV would use.

use sepconv::{
    generate, reference, Borders, BoxFilter, Element, Error, Image, ImageViewMut, KernelBuf, Options, Output, Plan,
    Region, Shape, SourceSample, Threads,
};
use sepconv_testkit::bound;

use crate::bytes::Bytes;
use crate::case::f32_sample;
use crate::run::assert_bits;

/// The filters, decoded.
#[derive(Debug, Clone, Copy)]
enum Filter {
    Gaussian(f64),
    GaussianSized(usize, f64),
    Box(usize),
    Sobel(usize, usize, usize),
    Scharr(usize, usize),
    Laplacian(usize),
    Derivative(f64, usize, usize),
}

/// Fuzz target `one_call`: each one-call filter (σ-only and sized
/// Gaussians, boxes of any size, Sobel, Scharr, Laplacian, derivative of
/// Gaussian), with random borders, windows and thread counts, on u8, u16
/// and f32 images, gives the reference's result with OpenCV's taps
/// (`generate`, bit for bit `getGaussianKernel` and `getDerivKernels`), or
/// the documented error.
pub fn check_one_call(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (w, h, c) = (1 + b.below(32), 1 + b.below(24), 1 + b.below(4));
    let filter = match b.below(7) {
        0 => Filter::Gaussian(b.f64()),
        1 => Filter::GaussianSized(b.below(40), b.f64()),
        2 => Filter::Box(if b.below(4) == 0 { b.below(200) } else { b.below(12) }),
        3 => Filter::Sobel(b.below(4), b.below(4), b.below(10)),
        4 => Filter::Scharr(b.below(3), b.below(3)),
        5 => Filter::Laplacian(b.below(10)),
        _ => Filter::Derivative(b.f64(), b.below(4), b.below(4)),
    };
    let border = b.border();
    let window = (b.below(3) == 0).then(|| (b.below(w + 1), b.below(h + 1), b.below(w + 1), b.below(h + 1)));
    let mut options = Options::new().border(border).threads(Threads::count(1 + b.below(3)));
    if let Some((x, y, ww, wh)) = window {
        options = options.window(x, y, ww, wh);
    }
    let region = window.map_or(Region::Same, |(x, y, width, height)| Region::Window { x, y, width, height });
    let len = w * h * c;
    let img8 = Image::from_vec((0..len).map(|_| b.next()).collect(), w, h, c).unwrap();
    let img16 = Image::from_vec((0..len).map(|_| (b.next() as u16) * 257).collect(), w, h, c).unwrap();
    let imgf = Image::from_vec((0..len).map(|_| f32_sample(b.next())).collect(), w, h, c).unwrap();
    let borders = Borders::uniform(border);
    check_sample(&img8, filter, &options, borders, region);
    check_sample(&img16, filter, &options, borders, region);
    check_sample(&imgf, filter, &options, borders, region);
}

fn check_sample<S>(img: &Image<S>, filter: Filter, options: &Options, borders: Borders, region: Region)
where
    S: SourceSample + std::fmt::Debug,
    f32: Output<S>,
    S::Gradient: std::fmt::Debug,
{
    let what = format_args!("{filter:?} on {} {:?} {borders:?} {region:?}", std::any::type_name::<S>(), img.shape());
    match filter {
        Filter::Gaussian(sigma) => {
            let got = options.gaussian_blur(img, sigma);
            let sigmas = S::GAUSSIAN_SIGMAS;
            let want = gaussian_len(sigma, sigmas)
                .and_then(|len| KernelBuf::gaussian(len, sigma))
                .and_then(|k| expect::<S, S>(img, &k, &k, borders, region));
            compare(got, want, &what);
        }
        Filter::GaussianSized(size, sigma) => {
            let got = options.gaussian_blur_sized(img, size, sigma);
            let want = if size > 0 && size % 2 == 0 {
                Err(Error::InvalidKernelSize)
            } else if !sigma.is_finite() && size > 0 {
                Err(Error::InvalidSigma)
            } else {
                KernelBuf::gaussian(size, sigma).and_then(|k| expect::<S, S>(img, &k, &k, borders, region))
            };
            compare(got, want, &what);
        }
        Filter::Box(size) => {
            let got = options.box_blur(img, size);
            let want = if size >= 49 {
                // Running sums: the box filter's own result (its fuzz target checks it).
                BoxFilter::for_region(img.shape(), size, size, borders, region).and_then(|f| {
                    let o = f.output_shape();
                    let mut out = Image::<S>::new(o.width, o.height, o.channels)?;
                    let mut scratch = vec![0.0; f.scratch_len::<S>()];
                    f.filter(sepconv::best_backend(), &img.view(), &mut out.view_mut(), &mut scratch)?;
                    Ok((out, 0.0))
                })
            } else {
                KernelBuf::box_average(size).and_then(|k| expect::<S, S>(img, &k, &k, borders, region))
            };
            compare(got, want, &what);
        }
        Filter::Sobel(dx, dy, ksize) => {
            let got = options.sobel(img, dx, dy, ksize);
            let want = if dx + dy == 0 {
                Err(Error::InvalidParameter)
            } else if ksize == 0 {
                Err(Error::InvalidKernelSize)
            } else {
                deriv_pair(dx, dy, ksize as i32)
                    .and_then(|(r, k)| expect::<S, <S as SourceSample>::Gradient>(img, &r, &k, borders, region))
            };
            compare(got, want, &what);
        }
        Filter::Scharr(dx, dy) => {
            let got = options.scharr(img, dx, dy);
            let want = if dx + dy != 1 {
                Err(Error::InvalidParameter)
            } else {
                deriv_pair(dx, dy, generate::SCHARR)
                    .and_then(|(r, k)| expect::<S, <S as SourceSample>::Gradient>(img, &r, &k, borders, region))
            };
            compare(got, want, &what);
        }
        Filter::Laplacian(ksize) => {
            let got = options.laplacian(img, ksize);
            let want = if ksize == 0 {
                Err(Error::InvalidKernelSize)
            } else {
                // Both second derivatives into f32 (exact for integer kernels
                // on integer images), summed, rounded once.
                let k = ksize as i32;
                (|| {
                    let (d2, s) = (KernelBuf::deriv(2, k)?, KernelBuf::deriv(0, k)?);
                    let (xx, tx) = expect::<S, f32>(img, &d2, &s, borders, region)?;
                    let (yy, ty) = expect::<S, f32>(img, &s, &d2, borders, region)?;
                    let sum = xx.as_slice().iter().zip(yy.as_slice()).map(|(a, b)| Element::from_f32_rounded(a + b));
                    // Each term's bound, and the f32 rounding of the sum.
                    let max = xx.as_slice().iter().chain(yy.as_slice()).fold(0.0f32, |m, v| m.max(v.abs())) as f64;
                    let tolerance = if tx + ty > 0.0 { tx + ty + 2.0 * max * f32::EPSILON as f64 } else { 0.0 };
                    Ok((Image::from_vec(sum.collect(), xx.width(), xx.height(), xx.channels())?, tolerance))
                })()
            };
            compare::<<S as SourceSample>::Gradient>(got, want, &what);
        }
        Filter::Derivative(sigma, dx, dy) => {
            let got = options.gaussian_derivative(img, sigma, dx, dy);
            let want = gaussian_len(sigma, 4.0).and_then(|len| {
                let (r, k) =
                    (KernelBuf::gaussian_derivative(len, sigma, dx)?, KernelBuf::gaussian_derivative(len, sigma, dy)?);
                expect::<S, f32>(img, &r, &k, borders, region)
            });
            compare(got, want, &what);
        }
    }
}

/// OpenCV's `GaussianBlur` length for `ksize = 0`, as the facade documents it.
fn gaussian_len(sigma: f64, sigmas: f64) -> Result<usize, Error> {
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(Error::InvalidSigma);
    }
    let len = (sigma * sigmas * 2.0 + 1.0).round();
    if len >= sepconv::MAX_TAPS as f64 {
        return Err(Error::KernelTooLong);
    }
    Ok(len as usize | 1)
}

fn deriv_pair(dx: usize, dy: usize, ksize: i32) -> Result<(KernelBuf, KernelBuf), Error> {
    Ok((KernelBuf::deriv(dx, ksize)?, KernelBuf::deriv(dy, ksize)?))
}

/// The reference's result of `column ⊗ row` over `img`, and how far a
/// backend's may lie from it: 0 (the same bits) for the integer recipes of
/// u8 and u16 images, twice the f32 bound for f32 images.
fn expect<S: SourceSample, D: Element + Output<S>>(
    img: &Image<S>,
    row: &KernelBuf,
    column: &KernelBuf,
    borders: Borders,
    region: Region,
) -> Result<(Image<D>, f64), Error> {
    let plan = Plan::for_region(img.shape(), row.kernel(), column.kernel(), borders, region)?;
    let o: Shape = plan.output_shape();
    let mut out = Image::<D>::new(o.width, o.height, o.channels)?;
    let mut view = ImageViewMut::new(out.as_mut_slice(), o.width, o.height, o.channels)?;
    reference::filter(&plan, &img.view(), &mut view)?;
    let tolerance = if S::FLOAT {
        let max =
            img.as_slice().iter().map(|v| v.into_f32().abs() as f64).fold(bound::max_abs_constant(borders), f64::max);
        2.0 * bound::separable(row.taps(), column.taps(), max)
    } else {
        0.0
    };
    Ok((out, tolerance))
}

/// The one-call result against the expected one: bit for bit (tolerance
/// 0), or each output within the tolerance.
fn compare<D: Element + std::fmt::Debug>(
    got: Result<Image<D>, Error>,
    want: Result<(Image<D>, f64), Error>,
    what: &dyn std::fmt::Display,
) {
    match (got, want) {
        (Ok(g), Ok((w, tolerance))) => {
            assert_eq!(g.shape(), w.shape(), "{what}");
            if tolerance == 0.0 {
                assert_bits(g.as_slice(), w.as_slice(), what);
            } else {
                for (i, (a, b)) in g.as_slice().iter().zip(w.as_slice()).enumerate() {
                    let (a, b) = (a.into_f32() as f64, b.into_f32() as f64);
                    assert!((a - b).abs() <= tolerance, "{what}: sample {i}: {a} vs {b} (tolerance {tolerance})");
                }
            }
        }
        (Err(g), Err(w)) => assert_eq!(g, w, "{what}"),
        (g, w) => panic!("{what}: got {:?}, expected {:?}", g.map(|_| ()), w.map(|_| ())),
    }
}
