//! The std facade: owned images, pixel casts, the convenience functions and
//! backend selection.

mod common;

use common::*;
use sepconv::{
    available_backends, backend_by_name, best_backend, reference, Backend, Border, Borders, Error, Image, ImageView,
    ImageViewMut, Kernel, Plan, Shape,
};

const GAUSS5: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
const DERIV3: [f32; 3] = [-0.5, 0.0, 0.5];

#[test]
fn image_from_vec_and_back() {
    let data: Vec<u8> = (0..24).collect();
    let img = Image::from_vec(data.clone(), 4, 3, 2).unwrap();
    assert_eq!((img.width(), img.height(), img.channels()), (4, 3, 2));
    assert_eq!(img.shape(), Shape::new(4, 3, 2).unwrap());
    assert_eq!(img.as_slice(), &data[..]);
    let v = img.view();
    assert_eq!((v.width(), v.height(), v.channels(), v.stride()), (4, 3, 2, 8));
    assert_eq!(v.get(3, 2, 1), Some(23));
    assert_eq!(v.get(4, 0, 0), None);
    assert_eq!(v.row(1), Some(&data[8..16]));
    assert_eq!(img.clone().into_vec(), data);

    let mut img = img;
    img.as_mut_slice()[0] = 99;
    img.view_mut().row_mut(2).unwrap()[7] = 77;
    assert_eq!(img.as_slice()[0], 99);
    assert_eq!(img.as_slice()[23], 77);

    // Wrong lengths are refused.
    assert_eq!(
        Image::<u8>::from_vec(vec![0; 23], 4, 3, 2).err(),
        Some(Error::BufferTooShort { needed: 24, actual: 23 })
    );
    assert!(Image::<u8>::from_vec(vec![0; 25], 4, 3, 2).is_err(), "a longer vector is not an image of this shape");
    assert_eq!(Image::<f32>::from_vec(vec![0.0; 4], 2, 2, 5).err(), Some(Error::InvalidChannels));

    let zero = Image::<f32>::new(3, 2, 4).unwrap();
    assert_eq!(zero.as_slice(), &[0.0f32; 24][..]);
}

#[test]
fn rgba_pixels_round_trip() {
    let pixels: Vec<[u8; 4]> = (0..15u8).map(|i| [i, 2 * i, 3 * i, 255 - i]).collect();
    let img = Image::<u8>::from_pixels(&pixels, 5, 3).unwrap();
    assert_eq!(img.channels(), 4);
    assert_eq!(img.view().get(1, 2, 3), Some(255 - 11));
    assert_eq!(img.as_pixels::<[u8; 4]>().unwrap(), &pixels[..]);
    // A pixel type of another size is refused.
    assert_eq!(img.as_pixels::<[u8; 3]>().err(), Some(Error::InvalidChannels));
    assert_eq!(img.as_pixels::<u8>().err(), Some(Error::InvalidChannels));
    // Pixel count must match the shape.
    assert!(Image::<u8>::from_pixels(&pixels, 4, 3).is_err());
    assert!(Image::<u8>::from_pixels(&pixels[..14], 5, 3).is_err());
    // Five bytes per pixel is no channel layout.
    assert_eq!(Image::<u8>::from_pixels(&[[0u8; 5]; 2], 2, 1).err(), Some(Error::InvalidChannels));

    let rgb: Vec<[f32; 3]> = (0..6).map(|i| [i as f32, 0.5, -1.0]).collect();
    let img = Image::<f32>::from_pixels(&rgb, 3, 2).unwrap();
    assert_eq!(img.channels(), 3);
    assert_eq!(img.as_pixels::<[f32; 3]>().unwrap(), &rgb[..]);
    let gray = Image::<f32>::from_pixels(&[1.0f32, 2.0], 2, 1).unwrap();
    assert_eq!(gray.channels(), 1);
}

/// The convenience functions give the plan's results: u8 bit for bit with
/// the reference (every backend matches it), f32 within twice the bound.
#[test]
fn filter_matches_the_reference() {
    let mut rng = XorShift::new(42);
    for (w, h, c) in [(1, 1, 1), (7, 5, 4), (33, 9, 3), (64, 3, 1), (5, 17, 2)] {
        let borders = Borders::new(random_border(&mut rng), random_border(&mut rng));
        let (r, col) = (Kernel::new(&GAUSS5).unwrap(), Kernel::with_anchor(&DERIV3, 0).unwrap());
        let plan = Plan::new(Shape::new(w, h, c).unwrap(), r, col, borders).unwrap();

        let src = random_u8_image(&mut rng, w, h, c, 0);
        let mut want = vec![0u8; w * h * c];
        reference::filter(&plan, &src.view(), &mut ImageViewMut::new(&mut want, w, h, c).unwrap()).unwrap();
        let out: Image<u8> = sepconv::filter(&src.view(), r, col, borders).unwrap();
        assert_eq!(out.shape(), Shape::new(w, h, c).unwrap());
        assert_eq!(out.as_slice(), &want[..]);

        let mut want16 = vec![0i16; w * h * c];
        reference::filter(&plan, &src.view(), &mut ImageViewMut::new(&mut want16, w, h, c).unwrap()).unwrap();
        let out16: Image<i16> = sepconv::filter(&src.view(), r, col, borders).unwrap();
        assert_eq!(out16.as_slice(), &want16[..]);

        let mut wantf = vec![0.0f32; w * h * c];
        reference::filter(&plan, &src.view(), &mut ImageViewMut::new(&mut wantf, w, h, c).unwrap()).unwrap();
        let outf: Image<f32> = sepconv::filter(&src.view(), r, col, borders).unwrap();
        assert_eq!(outf.as_slice(), &wantf[..]);

        let srcf = random_f32_image(&mut rng, w, h, c, 0);
        let mut want = vec![0.0f32; w * h * c];
        reference::filter(&plan, &srcf.view(), &mut ImageViewMut::new(&mut want, w, h, c).unwrap()).unwrap();
        let out: Image<f32> = sepconv::filter(&srcf.view(), r, col, borders).unwrap();
        let spec = Spec {
            width: w,
            height: h,
            channels: c,
            row: GAUSS5.to_vec(),
            row_anchor: 2,
            col: DERIV3.to_vec(),
            col_anchor: 0,
            borders,
            region: sepconv::Region::Same,
        };
        let bound = spec.f32_bound(srcf.max_abs(|v| (v as f64).abs()));
        for (o, r) in out.as_slice().iter().zip(&want) {
            assert!(((o - r) as f64).abs() <= 2.0 * bound, "{o} vs {r}");
        }
    }
}

#[test]
fn filter_valid_shape_and_values() {
    let mut rng = XorShift::new(43);
    let src = random_u8_image(&mut rng, 9, 7, 2, 0);
    let k5 = Kernel::new(&GAUSS5).unwrap();
    let k3 = Kernel::new(&DERIV3).unwrap();
    let out: Image<i16> = sepconv::filter_valid(&src.view(), k5, k3).unwrap();
    assert_eq!(out.shape(), Shape::new(5, 5, 2).unwrap());
    let plan = Plan::valid(src.view().shape(), k5, k3).unwrap();
    let mut want = vec![0i16; 50];
    reference::filter(&plan, &src.view(), &mut ImageViewMut::new(&mut want, 5, 5, 2).unwrap()).unwrap();
    assert_eq!(out.as_slice(), &want[..]);
    // Against the exact result too: E < 1 for these kernels.
    let spec = Spec {
        width: 9,
        height: 7,
        channels: 2,
        row: GAUSS5.to_vec(),
        row_anchor: 2,
        col: DERIV3.to_vec(),
        col_anchor: 1,
        borders: Borders::default(),
        region: sepconv::Region::Valid,
    };
    assert!(plan.fixed_point().unwrap().error_bound() < 1.0);
    let exact = oracle(&spec, &|x, y, c| src.at(x, y, c) as f64);
    for (o, e) in out.as_slice().iter().zip(&exact) {
        assert!((*o as f64 - e.round()).abs() <= 1.0, "{o} vs {e}");
    }
}

#[test]
fn filter_in_place_equals_filter() {
    let mut rng = XorShift::new(44);
    let k = Kernel::new(&GAUSS5).unwrap();
    for borders in [Borders::default(), Borders::new(Border::Constant(9.0), Border::Wrap)] {
        let mut img = Image::from_vec(random_u8_image(&mut rng, 13, 6, 3, 0).packed(), 13, 6, 3).unwrap();
        let out: Image<u8> = sepconv::filter(&img.view(), k, k, borders).unwrap();
        sepconv::filter_in_place(&mut img.view_mut(), k, k, borders).unwrap();
        assert_eq!(img, out);

        let mut imgf = Image::from_vec(random_f32_image(&mut rng, 13, 6, 3, 0).packed(), 13, 6, 3).unwrap();
        let out: Image<f32> = sepconv::filter(&imgf.view(), k, k, borders).unwrap();
        sepconv::filter_in_place(&mut imgf.view_mut(), k, k, borders).unwrap();
        assert_eq!(imgf, out);
    }
}

/// Channels are filtered independently: each channel of an RGBA result is
/// the single-channel result of that channel.
#[test]
fn rgba_channels_are_independent() {
    let mut rng = XorShift::new(45);
    let (w, h) = (19, 11);
    let pixels: Vec<[u8; 4]> = (0..w * h).map(|_| std::array::from_fn(|_| rng.next_u64() as u8)).collect();
    let img = Image::<u8>::from_pixels(&pixels, w, h).unwrap();
    let (r, c) = (Kernel::new(&GAUSS5).unwrap(), Kernel::with_anchor(&GAUSS5[..4], 3).unwrap());
    let borders = Borders::new(Border::Reflect, Border::Constant(128.0));
    let out: Image<u8> = sepconv::filter(&img.view(), r, c, borders).unwrap();
    let out_px = out.as_pixels::<[u8; 4]>().unwrap();
    for ch in 0..4 {
        let plane: Vec<u8> = pixels.iter().map(|p| p[ch]).collect();
        let single: Image<u8> = sepconv::filter(&ImageView::new(&plane, w, h, 1).unwrap(), r, c, borders).unwrap();
        let got: Vec<u8> = out_px.iter().map(|p| p[ch]).collect();
        assert_eq!(got, single.as_slice(), "channel {ch}");
    }
    // The identity kernel returns the pixels.
    let one = [1.0f32];
    let id = Kernel::new(&one).unwrap();
    let same: Image<u8> = sepconv::filter(&img.view(), id, id, Borders::default()).unwrap();
    assert_eq!(same.as_pixels::<[u8; 4]>().unwrap(), &pixels[..]);
}

#[test]
fn errors_come_through_the_facade() {
    let img = Image::<u8>::new(4, 4, 1).unwrap();
    let k = Kernel::new(&GAUSS5).unwrap();
    let r: sepconv::Result<Image<u8>> = sepconv::filter(&img.view(), k, k, Borders::uniform(Border::Constant(3.5)));
    assert_eq!(r.err(), Some(Error::InvalidBorderValue));
    let r: sepconv::Result<Image<f32>> =
        sepconv::filter(&img.view(), k, k, Borders::uniform(Border::Constant(f32::NAN)));
    assert_eq!(r.err(), Some(Error::InvalidBorderValue));
    let huge = [1.0e6f32; 3];
    let kh = Kernel::new(&huge).unwrap();
    let r: sepconv::Result<Image<u8>> = sepconv::filter(&img.view(), kh, kh, Borders::default());
    assert_eq!(r.err(), Some(Error::WeightsOutOfRange));
    let mut img = img;
    assert_eq!(
        sepconv::filter_in_place(&mut img.view_mut(), kh, kh, Borders::default()),
        Err(Error::WeightsOutOfRange)
    );
}

#[test]
fn backend_selection() {
    let all = available_backends();
    assert_eq!(all[0], Backend::Scalar);
    assert_eq!(all[1], Backend::Portable);
    assert!(all.contains(&best_backend()));
    assert_eq!(backend_by_name("scalar"), Some(Backend::Scalar));
    assert_eq!(backend_by_name("portable"), Some(Backend::Portable));
    assert_eq!(backend_by_name("no-such-backend"), None);
    for (i, b) in all.iter().enumerate() {
        assert_eq!(backend_by_name(b.name()), Some(*b), "{}", b.name());
        assert!(all[i + 1..].iter().all(|o| o.name() != b.name()), "duplicate name {}", b.name());
    }
    eprintln!("available: {:?}, best: {}", all.iter().map(|b| b.name()).collect::<Vec<_>>(), best_backend().name());
}

/// Bands on several threads give the same bits as one thread, for f32 and u8.
#[test]
fn threads_are_bit_identical_to_one_thread() {
    use sepconv::{filter_parallel, Threads};
    use std::num::NonZeroUsize;
    let (w, h) = (203, 77);
    let taps = [0.1f32, 0.2, 0.4, 0.2, 0.1];
    let k = Kernel::new(&taps).unwrap();
    let plan = sepconv::Plan::new(sepconv::Shape::new(w, h, 1).unwrap(), k, k, Borders::default()).unwrap();
    let src_f: Vec<f32> = (0..w * h).map(|i| ((i * 37) % 101) as f32 * 0.5 - 7.0).collect();
    let src_u: Vec<u8> = (0..w * h).map(|i| ((i * 53) % 256) as u8).collect();
    for backend in sepconv::available_backends() {
        let one = |threads: usize| {
            let t = Threads::Count(NonZeroUsize::new(threads).unwrap());
            let mut f = vec![0f32; w * h];
            let mut u = vec![0u8; w * h];
            filter_parallel(
                &plan,
                backend,
                &ImageView::new(&src_f, w, h, 1).unwrap(),
                &mut ImageViewMut::new(&mut f, w, h, 1).unwrap(),
                t,
            )
            .unwrap();
            filter_parallel(
                &plan,
                backend,
                &ImageView::new(&src_u, w, h, 1).unwrap(),
                &mut ImageViewMut::new(&mut u, w, h, 1).unwrap(),
                t,
            )
            .unwrap();
            (f.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), u)
        };
        let single = one(1);
        for threads in [2, 3, 7, 77, 200] {
            assert_eq!(one(threads), single, "{} on {threads} threads", backend.name());
        }
    }
}

/// With the `rayon` feature the bands are jobs on the caller's rayon pool:
/// pools of 1, 2 and 3 threads give the bits of one thread, and `Auto` uses
/// the pool's thread count. (`cargo test --no-default-features` runs the
/// test above on `std::thread::scope` threads instead.)
#[cfg(feature = "rayon")]
#[test]
fn bands_on_rayon_pools_are_bit_identical() {
    use sepconv::{filter_parallel, Threads, PARALLEL_MIN_PIXELS};
    use std::num::NonZeroUsize;
    let (w, h) = (157, 61);
    let taps = [0.05f32, 0.25, 0.4, 0.25, 0.05];
    let k = Kernel::new(&taps).unwrap();
    let plan = sepconv::Plan::new(sepconv::Shape::new(w, h, 1).unwrap(), k, k, Borders::default()).unwrap();
    let src: Vec<f32> = (0..w * h).map(|i| ((i * 29) % 97) as f32 * 0.75 - 3.0).collect();
    let run = |threads: Threads| {
        let mut out = vec![0f32; w * h];
        filter_parallel(
            &plan,
            sepconv::best_backend(),
            &ImageView::new(&src, w, h, 1).unwrap(),
            &mut ImageViewMut::new(&mut out, w, h, 1).unwrap(),
            threads,
        )
        .unwrap();
        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    };
    let single = run(Threads::Count(NonZeroUsize::MIN));
    for pool_threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(pool_threads).build().unwrap();
        pool.install(|| {
            assert_eq!(Threads::Auto.resolve(PARALLEL_MIN_PIXELS), pool_threads);
            for bands in [2, 5, 61] {
                let got = run(Threads::Count(NonZeroUsize::new(bands).unwrap()));
                assert_eq!(got, single, "{bands} bands on a pool of {pool_threads}");
            }
        });
    }
}

/// `filter_in_place_parallel` on 2–5 threads equals the one-thread
/// `filter_in_place`, bit for bit (u8, u16, f32), bands shorter than the
/// kernel and a vertical `Wrap` (one thread) included; its errors.
#[test]
fn in_place_on_threads_is_the_one_thread_result() {
    use sepconv::{filter_in_place_parallel, Threads};
    let mut rng = XorShift::new(77);
    for case in 0..24 {
        let (w, h, c) = (rng.range(1, 70), rng.range(1, 90), rng.range(1, 4));
        let n = [1usize, 3, 5, 9, 15, 31][case % 6];
        let taps = normalise(random_taps(&mut rng, n, Taps::NonNegative));
        let k = Kernel::with_anchor(&taps, rng.below(n)).unwrap();
        let borders = Borders::new(random_border(&mut rng), random_border(&mut rng));
        let plan = Plan::new(Shape::new(w, h, c).unwrap(), k, k, borders).unwrap();
        let b = best_backend();
        let threads = Threads::count(rng.range(2, 5));
        macro_rules! check {
            ($t:ty, $img:expr) => {{
                let src: Img<$t> = $img;
                let mut want = src.clone();
                plan.filter_in_place(b, &mut want.view_mut(), &mut scratch(plan.scratch_len::<$t>())).unwrap();
                let mut got = src.clone();
                filter_in_place_parallel(&plan, b, &mut got.view_mut(), threads).unwrap();
                assert!(bits(&got.packed()) == bits(&want.packed()), "{threads:?} {plan:?}");
                assert!(bits(&got.padding()) == bits(&src.padding()), "{threads:?} wrote the padding");
            }};
        }
        check!(u8, random_u8_image(&mut rng, w, h, c, 1));
        check!(u16, random_u16_image(&mut rng, w, h, c, 0));
        check!(f32, random_f32_image(&mut rng, w, h, c, 2));
    }
    // A valid-region plan cannot run in place; a wrong shape is refused.
    let k = Kernel::new(&GAUSS5).unwrap();
    let valid = Plan::valid(Shape::new(20, 20, 1).unwrap(), k, k).unwrap();
    let mut img = Image::<f32>::new(20, 20, 1).unwrap();
    assert_eq!(
        filter_in_place_parallel(&valid, best_backend(), &mut img.view_mut(), Threads::count(2)),
        Err(Error::InPlaceNotSupported)
    );
    let plan = Plan::new(Shape::new(20, 21, 1).unwrap(), k, k, Borders::uniform(Border::Reflect101)).unwrap();
    assert_eq!(
        filter_in_place_parallel(&plan, best_backend(), &mut img.view_mut(), Threads::count(2)),
        Err(Error::ShapeMismatch)
    );
}
