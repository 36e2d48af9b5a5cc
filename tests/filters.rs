//! The one-call filters: against the reference, windows against the whole
//! image, premultiplied alpha, threads, the `image` crate's types, bad input.

use proptest::prelude::*;
use sepconv::{
    available_backends, reference, Border, Borders, Error, Image, Kernel, KernelBuf, Options, Plan, Threads,
};
use sepconv_testkit::XorShift;

fn noise_u8(seed: u64, w: usize, h: usize, c: usize) -> Image<u8> {
    let mut rng = XorShift::new(seed);
    Image::from_vec((0..w * h * c).map(|_| rng.below(256) as u8).collect(), w, h, c).unwrap()
}

/// The reference's result for one plan.
fn reference_of<D: sepconv::Output<u8> + sepconv::Element>(plan: &Plan<'_>, src: &Image<u8>) -> Image<D> {
    let out = plan.output_shape();
    let mut dst = Image::<D>::new(out.width, out.height, out.channels).unwrap();
    reference::filter(plan, &src.view(), &mut dst.view_mut()).unwrap();
    dst
}

#[test]
fn blurs_and_derivatives_are_the_references_on_every_backend() {
    let img = noise_u8(1, 37, 23, 3);
    // σ 1.5 on u8: round(2·3σ + 1) | 1 = 11 taps, as OpenCV's GaussianBlur.
    let gaussian = KernelBuf::gaussian(11, 1.5).unwrap();
    let boxk = KernelBuf::box_average(4).unwrap();
    let (d1, s3) = (KernelBuf::deriv(1, 3).unwrap(), KernelBuf::deriv(0, 3).unwrap());
    let borders = Borders::uniform(Border::Replicate);
    for backend in available_backends() {
        let options = Options::new().border(Border::Replicate).backend(backend).threads(Threads::count(3));
        let plan = Plan::new(img.shape(), gaussian.kernel(), gaussian.kernel(), borders).unwrap();
        assert_eq!(options.gaussian_blur(&img, 1.5).unwrap(), reference_of::<u8>(&plan, &img), "{backend:?}");
        let plan = Plan::new(img.shape(), boxk.kernel(), boxk.kernel(), borders).unwrap();
        assert_eq!(options.box_blur(&img, 4).unwrap(), reference_of::<u8>(&plan, &img), "{backend:?}");
        let plan = Plan::new(img.shape(), d1.kernel(), s3.kernel(), borders).unwrap();
        assert_eq!(options.sobel(&img, 1, 0, 3).unwrap(), reference_of::<i16>(&plan, &img), "{backend:?}");
    }
}

#[test]
fn sixteen_bit_images_are_the_references() {
    let mut rng = XorShift::new(11);
    let img = Image::from_vec((0..41 * 29 * 2).map(|_| rng.below(65536) as u16).collect(), 41, 29, 2).unwrap();
    let gaussian = KernelBuf::gaussian(17, 2.0).unwrap(); // 2·round(4σ) + 1
    let (d1, s5) = (KernelBuf::deriv(1, 5).unwrap(), KernelBuf::deriv(0, 5).unwrap());
    for backend in available_backends() {
        let options = Options::new().backend(backend);
        let plan = Plan::new(img.shape(), gaussian.kernel(), gaussian.kernel(), Borders::default()).unwrap();
        let mut want = Image::<u16>::new(41, 29, 2).unwrap();
        reference::filter(&plan, &img.view(), &mut want.view_mut()).unwrap();
        assert_eq!(options.gaussian_blur(&img, 2.0).unwrap(), want, "{backend:?}");
        let plan = Plan::new(img.shape(), s5.kernel(), d1.kernel(), Borders::default()).unwrap();
        let mut want = Image::<f32>::new(41, 29, 2).unwrap();
        reference::filter(&plan, &img.view(), &mut want.view_mut()).unwrap();
        assert_eq!(options.sobel(&img, 0, 1, 5).unwrap(), want, "{backend:?}"); // u16 → f32
    }
}

#[test]
fn large_box_blurs_run_as_running_sums_on_any_thread_count() {
    let mut rng = XorShift::new(12);
    let img = Image::from_vec((0..257 * 203 * 3).map(|_| rng.f32_in(-9.0, 99.0)).collect(), 257, 203, 3).unwrap();
    let filter = sepconv::BoxFilter::new(img.shape(), 61, 61, Borders::default()).unwrap();
    let mut want = Image::<f32>::new(257, 203, 3).unwrap();
    filter
        .filter(sepconv::best_backend(), &img.view(), &mut want.view_mut(), &mut vec![0.0; filter.scratch_len::<f32>()])
        .unwrap();
    for threads in [Threads::count(1), Threads::count(2), Threads::count(7)] {
        assert_eq!(Options::new().threads(threads).box_blur(&img, 61).unwrap(), want, "{threads:?}");
    }
    // A window reads its neighbours, as with the FIR engine.
    let part = Options::new().window(100, 50, 60, 40).box_blur(&img, 61).unwrap();
    assert_eq!(part.view(), want.view().sub_view(100, 50, 60, 40).unwrap());
    // Premultiplied alpha through running sums: no colour from transparent pixels.
    let mut rgba = noise_u8(13, 90, 70, 4);
    for (i, px) in rgba.as_mut_slice().chunks_exact_mut(4).enumerate() {
        if i % 90 >= 45 {
            px.copy_from_slice(&[255, 0, 0, 0]);
        } else {
            px[0] = 0;
            px[3] = 255;
        }
    }
    let out = Options::new().premultiplied_alpha(true).box_blur(&rgba, 51).unwrap();
    assert!(out.as_slice().chunks_exact(4).all(|px| px[0] == 0), "red bled from transparent pixels");
}

#[test]
fn laplacian_is_the_sum_of_the_two_second_derivatives() {
    let img = noise_u8(2, 19, 17, 1);
    for ksize in [1, 3, 5, 7] {
        let xx = sepconv::sobel(&img, 2, 0, ksize).unwrap();
        let yy = sepconv::sobel(&img, 0, 2, ksize).unwrap();
        // Below 7 taps neither term saturates i16, so the i16 sum is exact.
        let want: Vec<i16> = if ksize < 7 {
            xx.as_slice().iter().zip(yy.as_slice()).map(|(a, b)| a + b).collect()
        } else {
            let f = |dx: usize, dy: usize| {
                sepconv::Options::new().separable_as::<f32, _>(&img, k(2 * dx, ksize), k(2 * dy, ksize))
            };
            let (fx, fy) = (f(1, 0).unwrap(), f(0, 1).unwrap());
            fx.as_slice().iter().zip(fy.as_slice()).map(|(a, b)| (a + b).clamp(-32768.0, 32767.0) as i16).collect()
        };
        assert_eq!(sepconv::laplacian(&img, ksize).unwrap().as_slice(), want, "ksize {ksize}");
    }
    fn k(order: usize, ksize: usize) -> Kernel<'static> {
        let taps = KernelBuf::deriv(order, ksize as i32).unwrap().taps().to_vec();
        Kernel::new(Box::leak(taps.into_boxed_slice())).unwrap()
    }
}

#[test]
fn gaussian_derivative_of_a_ramp_is_its_slope() {
    let (w, h) = (40, 30);
    let ramp =
        Image::<f32>::from_vec((0..w * h).map(|i| (i % w) as f32 * 0.5 + (i / w) as f32 * 2.0).collect(), w, h, 1)
            .unwrap();
    let gx = sepconv::gaussian_derivative(&ramp, 1.5, 1, 0).unwrap();
    let gy = sepconv::gaussian_derivative(&ramp, 1.5, 0, 1).unwrap();
    // Away from the borders (13 taps: 6 on each side) the slopes are exact up to f32 rounding.
    for y in 6..h - 6 {
        for x in 6..w - 6 {
            assert!((gx.as_slice()[y * w + x] - 0.5).abs() < 1e-4, "gx at {x},{y}");
            assert!((gy.as_slice()[y * w + x] - 2.0).abs() < 1e-4, "gy at {x},{y}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A window filtered with its neighbours is the same rectangle of the
    /// whole filtered image, bit for bit (u8), for every border and channel count.
    #[test]
    fn a_window_is_the_rectangle_of_the_whole(
        (w, h) in (1usize..40, 1usize..30),
        channels in 1usize..=4,
        sigma in 0.3f64..4.0,
        border in 0usize..4,
        seed in any::<u64>(),
        corner in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
    ) {
        let img = noise_u8(seed, w, h, channels);
        let border = [Border::Reflect101, Border::Replicate, Border::Reflect, Border::Constant(7.0)][border];
        let x = (corner.0 * w as f64) as usize;
        let y = (corner.1 * h as f64) as usize;
        let ww = 1 + (corner.2 * (w - x - 1) as f64) as usize;
        let wh = 1 + (corner.3 * (h - y - 1) as f64) as usize;
        let options = Options::new().border(border);
        let whole = options.gaussian_blur(&img, sigma).unwrap();
        let part = options.window(x, y, ww, wh).gaussian_blur(&img, sigma).unwrap();
        prop_assert_eq!(part.view(), whole.view().sub_view(x, y, ww, wh).unwrap());
        let whole = options.sobel(&img, 1, 1, 3).unwrap();
        let part = options.window(x, y, ww, wh).sobel(&img, 1, 1, 3).unwrap();
        prop_assert_eq!(part.view(), whole.view().sub_view(x, y, ww, wh).unwrap());
    }
}

#[test]
fn a_sub_view_is_filtered_in_isolation() {
    // The sub-view's own edges are its borders (OpenCV's BORDER_ISOLATED),
    // unlike a window: the two differ near the edges, agree inside.
    let img = noise_u8(3, 30, 20, 1);
    let sub = img.view().sub_view(5, 4, 12, 10).unwrap();
    let isolated = sepconv::gaussian_blur(&sub, 1.0).unwrap();
    let window = Options::new().window(5, 4, 12, 10).gaussian_blur(&img, 1.0).unwrap();
    let copy = Image::from_vec((0..10).flat_map(|y| sub.row(y).unwrap().to_vec()).collect(), 12, 10, 1).unwrap();
    assert_eq!(isolated, sepconv::gaussian_blur(&copy, 1.0).unwrap());
    assert_ne!(isolated, window);
    assert_eq!(isolated.view().sub_view(3, 3, 6, 4).unwrap(), window.view().sub_view(3, 3, 6, 4).unwrap());
}

#[test]
fn transparent_colour_does_not_bleed() {
    // Left half opaque blue, right half transparent red: a plain blur turns
    // the blue edge purple; a premultiplied one keeps it blue.
    let (w, h) = (16, 6);
    let mut data = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            data.extend_from_slice(if x < w / 2 { &[0, 0, 255, 255] } else { &[255, 0, 0, 0] });
        }
    }
    let img = Image::from_vec(data, w, h, 4).unwrap();
    let plain = sepconv::gaussian_blur(&img, 1.5).unwrap();
    let premultiplied = Options::new().premultiplied_alpha(true).gaussian_blur(&img, 1.5).unwrap();
    let px = |i: &Image<u8>, x: usize| i.as_slice()[(2 * w + x) * 4..(2 * w + x) * 4 + 4].to_vec();
    assert!(px(&plain, w / 2 - 1)[0] > 0, "the plain blur bleeds red: {:?}", px(&plain, w / 2 - 1));
    for x in 0..w {
        // No red anywhere; blue wherever some alpha is left.
        let p = px(&premultiplied, x);
        assert_eq!(p[..2], [0, 0], "x {x}: {p:?}");
        assert!(p[3] == 0 || p[2] == 255, "x {x}: {p:?}");
        // Alpha is blurred as a channel like any other (within 1: f32 sums).
        assert!((p[3] as i32 - px(&plain, x)[3] as i32).abs() <= 1, "x {x}");
    }
}

#[test]
fn premultiplied_alpha_is_within_one_of_the_exact_result() {
    let img = noise_u8(4, 23, 17, 2);
    let sigma = 1.3;
    let k = KernelBuf::gaussian(9, sigma).unwrap();
    let out = Options::new().premultiplied_alpha(true).gaussian_blur(&img, sigma).unwrap();
    let (w, h) = (23isize, 17isize);
    let at = |x: isize, y: isize, c: usize| {
        let r = |p: isize, n: isize| sepconv_testkit::border_index(Border::Reflect101, p, n as usize).unwrap();
        img.as_slice()[(r(y, h) * w as usize + r(x, w)) * 2 + c] as f64
    };
    for y in 0..h {
        for x in 0..w {
            let (mut ca, mut a) = (0.0, 0.0);
            for (j, &cj) in k.taps().iter().enumerate() {
                for (i, &ri) in k.taps().iter().enumerate() {
                    let (sx, sy) = (x + i as isize - 4, y + j as isize - 4);
                    let weight = cj as f64 * ri as f64;
                    ca += weight * at(sx, sy, 0) * at(sx, sy, 1);
                    a += weight * at(sx, sy, 1);
                }
            }
            let colour = if a > 0.0 { (ca / a + 0.5).floor() } else { 0.0 };
            let got = out.as_slice()[(y * w + x) as usize * 2] as f64;
            assert!((got - colour).abs() <= 1.0, "{x},{y}: {got} against {}", ca / a);
        }
    }
}

#[test]
fn opaque_images_blur_as_without_alpha() {
    let mut img = noise_u8(5, 31, 9, 4);
    for px in img.as_mut_slice().chunks_exact_mut(4) {
        px[3] = 255;
    }
    let options = Options::new().premultiplied_alpha(true);
    assert_eq!(options.gaussian_blur(&img, 2.0).unwrap(), sepconv::gaussian_blur(&img, 2.0).unwrap());
    assert_eq!(options.box_blur(&img, 3).unwrap(), sepconv::box_blur(&img, 3).unwrap());
}

#[test]
fn threads_and_backends_do_not_change_the_bits() {
    let img = noise_u8(6, 300, 257, 1);
    let one = Options::new().threads(Threads::count(1)).gaussian_blur(&img, 2.2).unwrap();
    for threads in [Threads::count(0), Threads::count(5), Threads::AllBut(1), Threads::Auto] {
        assert_eq!(Options::new().threads(threads).gaussian_blur(&img, 2.2).unwrap(), one, "{threads:?}");
    }
    assert_eq!(Threads::count(0), Threads::count(1));
    assert_eq!(Threads::AllBut(1000).resolve(usize::MAX), 1);
}

#[test]
fn bad_input_is_a_distinct_error() {
    let img = noise_u8(7, 10, 8, 1);
    assert_eq!(sepconv::gaussian_blur(&img, 0.0).err(), Some(Error::InvalidSigma));
    assert_eq!(sepconv::gaussian_blur(&img, -1.0).err(), Some(Error::InvalidSigma));
    assert_eq!(sepconv::gaussian_blur(&img, f64::NAN).err(), Some(Error::InvalidSigma));
    assert_eq!(sepconv::gaussian_blur(&img, f64::INFINITY).err(), Some(Error::InvalidSigma));
    assert_eq!(sepconv::gaussian_blur(&img, 50.0).err(), Some(Error::KernelTooLong));
    assert_eq!(Options::new().gaussian_blur_sized(&img, 4, 1.0).err(), Some(Error::InvalidKernelSize));
    assert_eq!(Options::new().gaussian_blur_sized(&img, 0, 1.0).err(), Some(Error::EmptyKernel));
    assert_eq!(Options::new().gaussian_blur_sized(&img, 5, f64::NAN).err(), Some(Error::InvalidSigma));
    // The size is checked before σ (fuzz target one_call found the order undefined).
    assert_eq!(Options::new().gaussian_blur_sized(&img, 0, f64::NAN).err(), Some(Error::EmptyKernel));
    assert_eq!(Options::new().gaussian_blur_sized(&img, 4, f64::NAN).err(), Some(Error::InvalidKernelSize));
    assert_eq!(sepconv::box_blur(&img, 0).err(), Some(Error::EmptyKernel));
    assert_eq!(sepconv::box_blur(&img, 1 << 17).err(), Some(Error::KernelTooLong));
    assert_eq!(sepconv::sobel(&img, 1, 0, 4).err(), Some(Error::InvalidKernelSize));
    assert_eq!(sepconv::sobel(&img, 1, 0, 33).err(), Some(Error::InvalidKernelSize));
    assert_eq!(sepconv::sobel(&img, 1, 0, 0).err(), Some(Error::InvalidKernelSize));
    assert_eq!(sepconv::sobel(&img, 0, 0, 3).err(), Some(Error::InvalidParameter));
    assert_eq!(sepconv::sobel(&img, 3, 0, 3).err(), Some(Error::InvalidParameter));
    assert_eq!(sepconv::scharr(&img, 1, 1).err(), Some(Error::InvalidParameter));
    assert_eq!(sepconv::laplacian(&img, 2).err(), Some(Error::InvalidKernelSize));
    assert_eq!(sepconv::laplacian(&img, 0).err(), Some(Error::InvalidKernelSize));
    assert_eq!(sepconv::gaussian_derivative(&img, 1.0, 3, 0).err(), Some(Error::InvalidParameter));
    assert_eq!(sepconv::gaussian_derivative(&img, 0.0, 1, 0).err(), Some(Error::InvalidSigma));
    assert_eq!(Options::new().window(5, 5, 6, 1).gaussian_blur(&img, 1.0).err(), Some(Error::WindowOutOfRange));
    assert_eq!(Options::new().window(0, 0, 0, 1).gaussian_blur(&img, 1.0).err(), Some(Error::WindowOutOfRange));
    assert_eq!(Options::new().window(0, 0, 1, usize::MAX).box_blur(&img, 3).err(), Some(Error::WindowOutOfRange));
    assert_eq!(
        Options::new().border(Border::Constant(f32::NAN)).gaussian_blur(&img, 1.0).err(),
        Some(Error::InvalidBorderValue)
    );
}

#[cfg(feature = "image")]
mod image_crate {
    use image::{DynamicImage, GrayImage, ImageBuffer, Luma, LumaA, Rgb, Rgb32FImage, RgbaImage};

    use super::*;

    #[test]
    fn image_buffers_in_and_out() {
        let img = noise_u8(8, 33, 21, 3);
        let buffer: ImageBuffer<Rgb<u8>, Vec<u8>> = img.clone().try_into().unwrap();
        let blurred: ImageBuffer<Rgb<u8>, Vec<u8>> = sepconv::gaussian_blur(&buffer, 1.7).unwrap();
        assert_eq!(Image::try_from(blurred).unwrap(), sepconv::gaussian_blur(&img, 1.7).unwrap());
        let gx: ImageBuffer<Rgb<i16>, Vec<i16>> = sepconv::sobel(&buffer, 1, 0, 3).unwrap();
        assert_eq!(gx.as_raw(), sepconv::sobel(&img, 1, 0, 3).unwrap().as_slice());
        let d: ImageBuffer<Rgb<f32>, Vec<f32>> = sepconv::gaussian_derivative(&buffer, 1.0, 0, 1).unwrap();
        assert_eq!(d.as_raw(), sepconv::gaussian_derivative(&img, 1.0, 0, 1).unwrap().as_slice());
        // The channel count comes from the pixel type.
        let gray = GrayImage::from_raw(4, 2, (0..8).collect()).unwrap();
        assert_eq!(sepconv::Source::as_image_view(&gray).unwrap().channels(), 1);
        let ya = ImageBuffer::<LumaA<u8>, _>::from_raw(2, 2, vec![1u8; 8]).unwrap();
        assert_eq!(sepconv::Source::as_image_view(&ya).unwrap().channels(), 2);
        // A borrowed container works too (zero copy).
        let raw = [9u8; 12];
        let borrowed = ImageBuffer::<Luma<u8>, &[u8]>::from_raw(4, 3, &raw[..]).unwrap();
        assert_eq!(sepconv::box_blur(&borrowed, 3).unwrap().as_raw(), &vec![9u8; 12]);
    }

    #[test]
    fn dynamic_images_keep_their_variant() {
        let rgba = RgbaImage::from_raw(9, 7, noise_u8(9, 9, 7, 4).into_vec()).unwrap();
        let dynamic = DynamicImage::ImageRgba8(rgba.clone());
        match sepconv::gaussian_blur(&dynamic, 1.2).unwrap() {
            DynamicImage::ImageRgba8(b) => assert_eq!(b, sepconv::gaussian_blur(&rgba, 1.2).unwrap()),
            other => panic!("{:?}", other.color()),
        }
        let float = Rgb32FImage::from_raw(3, 3, (0..27).map(|v| v as f32).collect()).unwrap();
        let out = sepconv::box_blur(&DynamicImage::ImageRgb32F(float.clone()), 3).unwrap();
        assert_eq!(out, DynamicImage::ImageRgb32F(sepconv::box_blur(&float, 3).unwrap()));
        let luma16: ImageBuffer<Luma<u16>, Vec<u16>> =
            ImageBuffer::from_raw(5, 4, (0..20).map(|v| v * 3000).collect()).unwrap();
        match sepconv::gaussian_blur(&DynamicImage::ImageLuma16(luma16.clone()), 1.0).unwrap() {
            DynamicImage::ImageLuma16(b) => assert_eq!(b, sepconv::gaussian_blur(&luma16, 1.0).unwrap()),
            other => panic!("{:?}", other.color()),
        }
    }

    #[test]
    fn conversions_check_their_shapes() {
        let img = noise_u8(10, 5, 4, 3);
        assert_eq!(ImageBuffer::<Rgb<u8>, Vec<u8>>::try_from(img.clone()).unwrap().dimensions(), (5, 4));
        assert_eq!(RgbaImage::try_from(img).err(), Some(Error::InvalidChannels));
        let empty = GrayImage::new(0, 3);
        assert_eq!(Image::try_from(empty).err(), Some(Error::ZeroSize));
        assert_eq!(sepconv::gaussian_blur(&GrayImage::new(3, 0), 1.0).err(), Some(Error::ZeroSize));
    }
}
