//! Every `Error` variant, produced by the input that should produce it (and
//! not by its neighbours), plus `Display`.

use sepconv::{
    best_backend, reference, Backend, Border, Borders, Error, Image, ImageView, ImageViewMut, Kernel, Plan, Region,
    Shape, Stream, MAX_TAPS,
};

const BOX3: [f32; 3] = [0.25, 0.5, 0.25];

fn k3() -> Kernel<'static> {
    Kernel::new(&BOX3).unwrap()
}

fn plan(w: usize, h: usize, c: usize) -> Plan<'static> {
    Plan::new(Shape::new(w, h, c).unwrap(), k3(), k3(), Borders::default()).unwrap()
}

fn backends() -> Vec<Backend> {
    sepconv::available_backends()
}

#[test]
fn zero_size() {
    assert_eq!(Shape::new(0, 3, 1), Err(Error::ZeroSize));
    assert_eq!(Shape::new(3, 0, 1), Err(Error::ZeroSize));
    let data = [0u8; 8];
    assert_eq!(ImageView::new(&data, 0, 2, 1).err(), Some(Error::ZeroSize));
    assert_eq!(ImageView::with_stride(&data, 2, 0, 1, 2).err(), Some(Error::ZeroSize));
    let mut data = [0.0f32; 8];
    assert_eq!(ImageViewMut::new(&mut data, 2, 0, 1).err(), Some(Error::ZeroSize));
    assert_eq!(Image::<u8>::new(0, 1, 1).err(), Some(Error::ZeroSize));
    // The smallest non-empty image is fine.
    assert!(Shape::new(1, 1, 1).is_ok());
}

#[test]
fn size_overflow() {
    // width × channels overflows.
    assert_eq!(Shape::new(usize::MAX / 2 + 1, 1, 2), Err(Error::SizeOverflow));
    // width × channels fits, × height does not.
    assert_eq!(Shape::new(usize::MAX / 2, 3, 1), Err(Error::SizeOverflow));
    let data = [0u8; 4];
    assert_eq!(ImageView::new(&data, usize::MAX, 1, 2).err(), Some(Error::SizeOverflow));
    // The stride × height product overflows (width × channels itself is small).
    assert_eq!(ImageView::with_stride(&data, 1, 3, 1, usize::MAX / 2 + 1).err(), Some(Error::SizeOverflow));
    // A valid shape whose unstriped scratch (rows padded to 16 elements)
    // cannot be sized: the plan refuses it or sizes a striped scratch, and
    // asking for its scratch length does not panic.
    let shape = Shape::new(usize::MAX / 4, 1, 4).unwrap();
    match Plan::new(shape, k3(), k3(), Borders::default()) {
        Err(e) => assert_eq!(e, Error::SizeOverflow),
        Ok(p) => {
            let _ = (p.scratch_len::<u8>(), p.scratch_len::<f32>());
        }
    }
}

#[test]
fn invalid_channels() {
    for c in [0, 5, 6, 100] {
        assert_eq!(Shape::new(2, 2, c), Err(Error::InvalidChannels), "channels {c}");
        let data = [0u8; 2000];
        assert_eq!(ImageView::new(&data, 2, 2, c).err(), Some(Error::InvalidChannels), "channels {c}");
    }
    for c in 1..=4 {
        assert!(Shape::new(2, 2, c).is_ok());
    }
    // A pixel type that is not a whole number of samples.
    assert_eq!(Image::<u16>::from_pixels(&[[0u8; 3]; 4], 2, 2).err(), Some(Error::InvalidChannels));
}

#[test]
fn stride_too_small() {
    let data = [0u8; 100];
    // 4 pixels × 3 channels = 12 elements per row.
    assert_eq!(ImageView::with_stride(&data, 4, 2, 3, 11).err(), Some(Error::StrideTooSmall));
    assert!(ImageView::with_stride(&data, 4, 2, 3, 12).is_ok());
    let mut data = [0.0f32; 100];
    assert_eq!(ImageViewMut::with_stride(&mut data, 4, 2, 3, 0).err(), Some(Error::StrideTooSmall));
}

#[test]
fn buffer_too_short_by_one() {
    // (h − 1) × stride + w × c = 2 × 10 + 4 × 2 = 28.
    let data = [0u8; 28];
    assert!(ImageView::with_stride(&data, 4, 3, 2, 10).is_ok());
    assert_eq!(
        ImageView::with_stride(&data[..27], 4, 3, 2, 10).err(),
        Some(Error::BufferTooShort { needed: 28, actual: 27 })
    );
    let mut data = [0.0f32; 28];
    assert_eq!(
        ImageViewMut::with_stride(&mut data[..27], 4, 3, 2, 10).err(),
        Some(Error::BufferTooShort { needed: 28, actual: 27 })
    );
    assert_eq!(ImageView::new(&[0u8; 11], 4, 3, 1).err(), Some(Error::BufferTooShort { needed: 12, actual: 11 }));
    assert_eq!(
        Image::<u8>::from_vec(vec![0; 11], 4, 3, 1).err(),
        Some(Error::BufferTooShort { needed: 12, actual: 11 })
    );
}

#[test]
fn empty_kernel() {
    assert_eq!(Kernel::new(&[]).err(), Some(Error::EmptyKernel));
    assert_eq!(Kernel::with_anchor(&[], 0).err(), Some(Error::EmptyKernel));
}

#[test]
fn kernel_too_long() {
    let taps = vec![0.0f32; MAX_TAPS + 1];
    assert_eq!(Kernel::new(&taps).err(), Some(Error::KernelTooLong));
    // The contract: lengths up to at least 255 are accepted.
    const { assert!(MAX_TAPS >= 255) };
    assert!(Kernel::new(&taps[..MAX_TAPS]).is_ok());
    // The message names the limit (written out in `error.rs`, a leaf below `kernel.rs`).
    assert!(Error::KernelTooLong.to_string().contains(&format!("({MAX_TAPS})")));
}

#[test]
fn anchor_out_of_range() {
    assert_eq!(Kernel::with_anchor(&BOX3, 3).err(), Some(Error::AnchorOutOfRange));
    assert_eq!(Kernel::with_anchor(&BOX3, usize::MAX).err(), Some(Error::AnchorOutOfRange));
    assert_eq!(Kernel::with_anchor(&[1.0], 1).err(), Some(Error::AnchorOutOfRange));
    assert_eq!(Kernel::with_anchor(&BOX3, 2).map(|k| k.anchor()), Ok(2));
    // Default anchor: len / 2.
    assert_eq!(Kernel::new(&[1.0; 4]).unwrap().anchor(), 2);
    assert_eq!(Kernel::new(&[1.0; 5]).unwrap().anchor(), 2);
}

#[test]
fn non_finite_weight() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(Kernel::new(&[0.5, bad, 0.5]).err(), Some(Error::NonFiniteWeight), "{bad}");
        assert_eq!(Kernel::new(&[bad]).err(), Some(Error::NonFiniteWeight), "{bad}");
    }
    // Huge but finite weights are accepted as kernels.
    assert!(Kernel::new(&[f32::MAX, f32::MIN]).is_ok());
}

#[test]
fn weights_out_of_range() {
    let huge = [1.0e6f32, 1.0e6, 1.0e6];
    let k = Kernel::new(&huge).unwrap();
    let plan = Plan::new(Shape::new(4, 3, 1).unwrap(), k, k, Borders::default()).unwrap();
    assert_eq!(plan.fixed_point().err(), Some(Error::WeightsOutOfRange));
    assert_eq!(sepconv::fixed::FixedPoint::new(&k, &k).err(), Some(Error::WeightsOutOfRange));
    let src = [1u8; 12];
    let view = ImageView::new(&src, 4, 3, 1).unwrap();
    let mut scratch = vec![0.0f32; plan.scratch_len::<u8>()];
    for b in backends() {
        let mut dst = [0u8; 12];
        let r = plan.filter(b, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut scratch);
        assert_eq!(r, Err(Error::WeightsOutOfRange), "{}", b.name());
        let mut dst = [0i16; 12];
        let r = plan.filter(b, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut scratch);
        assert_eq!(r, Err(Error::WeightsOutOfRange), "{}", b.name());
        let mut img = src;
        let r = plan.filter_in_place(b, &mut ImageViewMut::new(&mut img, 4, 3, 1).unwrap(), &mut scratch);
        assert_eq!(r, Err(Error::WeightsOutOfRange), "{}", b.name());
    }
    let mut dst = [0u8; 12];
    assert_eq!(
        reference::filter(&plan, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap()),
        Err(Error::WeightsOutOfRange)
    );
    // f32 images do not need the recipe.
    let srcf = [1.0f32; 12];
    let mut dstf = [0.0f32; 12];
    let mut scratch = vec![0.0f32; plan.scratch_len::<f32>()];
    assert!(plan
        .filter(
            best_backend(),
            &ImageView::new(&srcf, 4, 3, 1).unwrap(),
            &mut ImageViewMut::new(&mut dstf, 4, 3, 1).unwrap(),
            &mut scratch
        )
        .is_ok());
    // Weights far beyond i64 once scaled (1e10 · 2^30 > 2^63) are refused
    // too, without a panic or a wrapped integer, and the plan still serves f32.
    for big in [1.0e10f32, -3.0e12, f32::MAX, f32::MIN] {
        let taps = [0.5, big, 0.25];
        let k = Kernel::new(&taps).unwrap();
        assert_eq!(sepconv::fixed::FixedPoint::new(&k, &k3()).err(), Some(Error::WeightsOutOfRange), "{big}");
        assert_eq!(sepconv::fixed::FixedPoint::new(&k3(), &k).err(), Some(Error::WeightsOutOfRange), "{big}");
        let plan = Plan::new(Shape::new(4, 3, 1).unwrap(), k, k3(), Borders::default()).unwrap();
        assert_eq!(plan.fixed_point().err(), Some(Error::WeightsOutOfRange));
        let mut scratch = vec![0.0f32; plan.scratch_len::<f32>()];
        plan.filter(
            best_backend(),
            &ImageView::new(&srcf, 4, 3, 1).unwrap(),
            &mut ImageViewMut::new(&mut dstf, 4, 3, 1).unwrap(),
            &mut scratch,
        )
        .unwrap();
    }
}

#[test]
fn invalid_border_value() {
    let shape = Shape::new(4, 3, 1).unwrap();
    // Not finite: refused by the plan, whatever the sample type.
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for borders in [
            Borders::uniform(Border::Constant(bad)),
            Borders::new(Border::Constant(bad), Border::Reflect),
            Borders::new(Border::Wrap, Border::Constant(bad)),
        ] {
            assert_eq!(Plan::new(shape, k3(), k3(), borders).err(), Some(Error::InvalidBorderValue), "{borders:?}");
        }
    }
    // Finite but not a u8: the plan is fine for f32, the u8 call is refused.
    for bad in [3.5f32, 300.0, -1.0, 255.5, -0.5] {
        for borders in [
            Borders::new(Border::Constant(bad), Border::Replicate),
            Borders::new(Border::Reflect, Border::Constant(bad)),
        ] {
            let plan = Plan::new(shape, k3(), k3(), borders).unwrap();
            let src = [9u8; 12];
            let view = ImageView::new(&src, 4, 3, 1).unwrap();
            let mut scratch = vec![0.0f32; plan.scratch_len::<f32>().max(plan.scratch_len::<u8>())];
            for b in backends() {
                let mut dst = [0u8; 12];
                let r = plan.filter(b, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut scratch);
                assert_eq!(r, Err(Error::InvalidBorderValue), "{bad} {}", b.name());
                let mut dst = [0.0f32; 12];
                let r = plan.filter(b, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut scratch);
                assert_eq!(r, Err(Error::InvalidBorderValue), "{bad} u8→f32 {}", b.name());
                let mut img = src;
                let r = plan.filter_in_place(b, &mut ImageViewMut::new(&mut img, 4, 3, 1).unwrap(), &mut scratch);
                assert_eq!(r, Err(Error::InvalidBorderValue), "{bad} in place {}", b.name());
                let srcf = [9.0f32; 12];
                let mut dstf = [0.0f32; 12];
                let r = plan.filter(
                    b,
                    &ImageView::new(&srcf, 4, 3, 1).unwrap(),
                    &mut ImageViewMut::new(&mut dstf, 4, 3, 1).unwrap(),
                    &mut scratch,
                );
                assert_eq!(r, Ok(()), "f32 accepts any finite constant ({bad})");
            }
            let mut dst = [0u8; 12];
            assert_eq!(
                reference::filter(&plan, &view, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap()),
                Err(Error::InvalidBorderValue)
            );
        }
    }
    // The edges of the u8 range are fine.
    for ok in [0.0f32, 255.0, -0.0] {
        let plan = Plan::new(shape, k3(), k3(), Borders::uniform(Border::Constant(ok))).unwrap();
        let src = [9u8; 12];
        let mut dst = [0u8; 12];
        let mut scratch = vec![0.0f32; plan.scratch_len::<u8>()];
        plan.filter(
            best_backend(),
            &ImageView::new(&src, 4, 3, 1).unwrap(),
            &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(),
            &mut scratch,
        )
        .unwrap();
    }
}

#[test]
fn shape_mismatch() {
    let p = plan(4, 3, 1);
    let src = [0u8; 12];
    let view = ImageView::new(&src, 4, 3, 1).unwrap();
    let mut scratch = vec![0.0f32; p.scratch_len::<u8>()];
    for b in backends() {
        // Destination shorter, narrower, with other channels.
        let mut dst = [0u8; 24];
        for (w, h, c) in [(4, 2, 1), (3, 3, 1), (4, 3, 2), (4, 4, 1)] {
            let mut dv = ImageViewMut::new(&mut dst, w, h, c).unwrap();
            assert_eq!(p.filter(b, &view, &mut dv, &mut scratch), Err(Error::ShapeMismatch), "dst {w}×{h}×{c}");
        }
        // Source not of the plan's shape.
        let other = ImageView::new(&src, 3, 4, 1).unwrap();
        let mut dst = [0u8; 12];
        assert_eq!(
            p.filter(b, &other, &mut ImageViewMut::new(&mut dst, 4, 3, 1).unwrap(), &mut scratch),
            Err(Error::ShapeMismatch)
        );
        // In place on an image of another shape.
        let mut img = [0u8; 12];
        assert_eq!(
            p.filter_in_place(b, &mut ImageViewMut::new(&mut img, 6, 2, 1).unwrap(), &mut scratch),
            Err(Error::ShapeMismatch)
        );
    }
    let mut dst = [0u8; 12];
    assert_eq!(
        reference::filter(&p, &view, &mut ImageViewMut::new(&mut dst, 3, 4, 1).unwrap()),
        Err(Error::ShapeMismatch)
    );
    let srcf = [0.0f32; 12];
    let mut dstf = [0.0f32; 12];
    assert_eq!(
        reference::filter(
            &p,
            &ImageView::new(&srcf, 2, 6, 1).unwrap(),
            &mut ImageViewMut::new(&mut dstf, 4, 3, 1).unwrap()
        ),
        Err(Error::ShapeMismatch)
    );
    // A region of interest outside its parent.
    assert_eq!(view.sub_view(1, 0, 4, 1).err(), Some(Error::ShapeMismatch));
    assert_eq!(view.sub_view(0, 2, 1, 2).err(), Some(Error::ShapeMismatch));
    assert_eq!(view.sub_view(usize::MAX, 0, 2, 1).err(), Some(Error::ShapeMismatch));
    assert!(view.sub_view(1, 1, 3, 2).is_ok());
}

#[test]
fn empty_output() {
    let taps5 = [0.2f32; 5];
    let k5 = Kernel::new(&taps5).unwrap();
    assert_eq!(Plan::valid(Shape::new(4, 9, 1).unwrap(), k5, k5).err(), Some(Error::EmptyOutput));
    assert_eq!(Plan::valid(Shape::new(9, 4, 1).unwrap(), k5, k5).err(), Some(Error::EmptyOutput));
    assert_eq!(
        Plan::valid(Shape::new(9, 4, 1).unwrap(), k5, k3()).map(|p| p.output_shape()),
        Ok(Shape::new(5, 2, 1).unwrap())
    );
    // An image exactly the kernel's size has one output.
    assert_eq!(
        Plan::valid(Shape::new(5, 5, 3).unwrap(), k5, k5).map(|p| p.output_shape()),
        Ok(Shape::new(1, 1, 3).unwrap())
    );
    // A same-size plan on a small image is fine (borders).
    assert!(Plan::new(Shape::new(1, 1, 1).unwrap(), k5, k5, Borders::default()).is_ok());
    let src = [1u8; 16];
    let r: sepconv::Result<Image<u8>> = sepconv::filter_valid(&ImageView::new(&src, 4, 4, 1).unwrap(), k5, k5);
    assert_eq!(r.err(), Some(Error::EmptyOutput));
}

#[test]
fn scratch_too_small() {
    let p = plan(7, 5, 2);
    let src = [0u8; 70];
    let view = ImageView::new(&src, 7, 5, 2).unwrap();
    let srcf = [0.0f32; 70];
    let viewf = ImageView::new(&srcf, 7, 5, 2).unwrap();
    let (n8, nf) = (p.scratch_len::<u8>(), p.scratch_len::<f32>());
    assert!(n8 > 0 && nf > 0);
    for b in backends() {
        let mut scratch = vec![0.0f32; n8 - 1];
        let mut dst = [0u8; 70];
        assert_eq!(
            p.filter(b, &view, &mut ImageViewMut::new(&mut dst, 7, 5, 2).unwrap(), &mut scratch),
            Err(Error::ScratchTooSmall { needed: n8, actual: n8 - 1 })
        );
        let mut img = src;
        assert_eq!(
            p.filter_in_place(b, &mut ImageViewMut::new(&mut img, 7, 5, 2).unwrap(), &mut scratch),
            Err(Error::ScratchTooSmall { needed: n8, actual: n8 - 1 })
        );
        let mut scratch = vec![0.0f32; nf - 1];
        let mut dst = [0.0f32; 70];
        assert_eq!(
            p.filter(b, &viewf, &mut ImageViewMut::new(&mut dst, 7, 5, 2).unwrap(), &mut scratch),
            Err(Error::ScratchTooSmall { needed: nf, actual: nf - 1 })
        );
        assert_eq!(
            p.filter_band(b, &viewf, &mut ImageViewMut::new(&mut dst, 7, 2, 2).unwrap(), 1..3, &mut scratch),
            Err(Error::ScratchTooSmall { needed: nf, actual: nf - 1 })
        );
        // Exactly enough is enough.
        let mut scratch = vec![0.0f32; nf];
        assert!(p.filter(b, &viewf, &mut ImageViewMut::new(&mut dst, 7, 5, 2).unwrap(), &mut scratch).is_ok());
        let mut scratch = vec![0.0f32; n8];
        let mut dst = [0u8; 70];
        assert!(p.filter(b, &view, &mut ImageViewMut::new(&mut dst, 7, 5, 2).unwrap(), &mut scratch).is_ok());
    }
}

#[test]
fn in_place_not_supported() {
    let p = Plan::valid(Shape::new(6, 5, 1).unwrap(), k3(), k3()).unwrap();
    for b in backends() {
        let mut scratch = vec![0.0f32; p.scratch_len::<f32>()];
        let mut img = [0.0f32; 30];
        assert_eq!(
            p.filter_in_place(b, &mut ImageViewMut::new(&mut img, 6, 5, 1).unwrap(), &mut scratch),
            Err(Error::InPlaceNotSupported)
        );
        let mut img = [0u8; 30];
        assert_eq!(
            p.filter_in_place(b, &mut ImageViewMut::new(&mut img, 6, 5, 1).unwrap(), &mut scratch),
            Err(Error::InPlaceNotSupported)
        );
    }
}

#[test]
fn band_out_of_range() {
    let p = plan(5, 6, 1);
    let src = [0.0f32; 30];
    let view = ImageView::new(&src, 5, 6, 1).unwrap();
    let mut scratch = vec![0.0f32; p.scratch_len::<f32>()];
    let mut dst = [0.0f32; 30];
    for b in backends() {
        let reversed = std::ops::Range { start: 4, end: 2 };
        for rows in [2..2, 0..0, 6..6, 5..7, 0..7, reversed, 6..7] {
            let h = rows.len().clamp(1, 6);
            let mut dv = ImageViewMut::new(&mut dst, 5, h, 1).unwrap();
            assert_eq!(
                p.filter_band(b, &view, &mut dv, rows.clone(), &mut scratch),
                Err(Error::BandOutOfRange),
                "{rows:?}"
            );
        }
        // In range, but the destination is not the band's shape.
        let mut dv = ImageViewMut::new(&mut dst, 5, 3, 1).unwrap();
        assert_eq!(p.filter_band(b, &view, &mut dv, 1..3, &mut scratch), Err(Error::ShapeMismatch));
        let mut dv = ImageViewMut::new(&mut dst, 5, 2, 1).unwrap();
        assert_eq!(p.filter_band(b, &view, &mut dv, 4..6, &mut scratch), Ok(()));
    }
    let mut dst = [0u8; 12];
    let v = ImageViewMut::new(&mut dst, 3, 4, 1).unwrap();
    assert_eq!(v.split_at_row(0).err(), Some(Error::BandOutOfRange));
    let v = ImageViewMut::new(&mut dst, 3, 4, 1).unwrap();
    assert_eq!(v.split_at_row(4).err(), Some(Error::BandOutOfRange));
    let v = ImageViewMut::new(&mut dst, 3, 4, 1).unwrap();
    let (a, b) = v.split_at_row(1).unwrap();
    assert_eq!((a.height(), b.height()), (1, 3));
}

#[test]
fn display_is_distinct_and_informative() {
    let all = [
        Error::ZeroSize,
        Error::SizeOverflow,
        Error::InvalidChannels,
        Error::StrideTooSmall,
        Error::BufferTooShort { needed: 28, actual: 27 },
        Error::EmptyKernel,
        Error::KernelTooLong,
        Error::AnchorOutOfRange,
        Error::NonFiniteWeight,
        Error::WeightsOutOfRange,
        Error::InvalidBorderValue,
        Error::ShapeMismatch,
        Error::EmptyOutput,
        Error::ScratchTooSmall { needed: 4321, actual: 1234 },
        Error::InPlaceNotSupported,
        Error::BandOutOfRange,
        Error::WindowOutOfRange,
        Error::TooManyRows,
        Error::RowsMissing,
        Error::WrapNotStreamable,
        Error::InvalidParameter,
        Error::InvalidStride,
        Error::LengthMismatch { expected: 3, actual: 2 },
        Error::InvalidScale,
        Error::InvalidZeroPoint,
        Error::AccumulatorOverflow,
        Error::InvalidKernelSize,
        Error::InvalidSigma,
        Error::UnsupportedSampleType,
        Error::OutOfMemory { bytes: 1 << 40 },
    ];
    let texts: Vec<String> = all.iter().map(|e| e.to_string()).collect();
    for (e, t) in all.iter().zip(&texts) {
        assert!(!t.trim().is_empty(), "{e:?} displays as nothing");
        assert_ne!(t, &format!("{e:?}"), "{e:?}: Display should be prose, not Debug");
        // Usable as a std error.
        let boxed: Box<dyn std::error::Error> = Box::new(*e);
        assert_eq!(&boxed.to_string(), t);
    }
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            assert_ne!(texts[i], texts[j], "{:?} and {:?} display alike", all[i], all[j]);
        }
    }
    assert!(texts[4].contains("28") && texts[4].contains("27"), "{}", texts[4]);
    assert!(texts[13].contains("4321") && texts[13].contains("1234"), "{}", texts[13]);
    assert!(texts[6].contains(&MAX_TAPS.to_string()), "{}", texts[6]);
    let oom = &texts[all.len() - 1]; // OutOfMemory, last
    assert!(oom.contains(&(1u64 << 40).to_string()), "{oom}");
}

#[test]
fn window_out_of_range() {
    let shape = sepconv::Shape::new(5, 4, 1).unwrap();
    let window = |x, y, width, height| {
        Plan::for_region(
            shape,
            k3(),
            k3(),
            sepconv::Borders::default(),
            sepconv::Region::Window { x, y, width, height },
        )
        .err()
    };
    for (x, y, w, h) in
        [(0, 0, 0, 1), (0, 0, 1, 0), (5, 0, 1, 1), (0, 4, 1, 1), (3, 0, 3, 1), (0, 1, 1, 4), (usize::MAX, 0, 2, 1)]
    {
        assert_eq!(window(x, y, w, h), Some(Error::WindowOutOfRange), "{x},{y} {w}×{h}");
    }
    assert_eq!(window(0, 0, 5, 4), None);
    assert_eq!(window(4, 3, 1, 1), None);
}

/// A stream of a 3-row image on the best backend, over enough scratch.
fn with_stream<T>(plan: &Plan<'_>, body: impl FnOnce(&mut Stream<'_, u8, u8>) -> T) -> T {
    let mut scratch = vec![0.0f32; Stream::<u8, u8>::scratch_len(plan)];
    let mut stream = Stream::<u8, u8>::new(plan, best_backend(), &mut scratch).unwrap();
    body(&mut stream)
}

#[test]
fn too_many_rows() {
    let plan = plan(4, 3, 1);
    with_stream(&plan, |stream| {
        for _ in 0..3 {
            stream.push(&[9u8; 4], |_, _| {}).unwrap();
        }
        assert_eq!(stream.push(&[9u8; 4], |_, _| panic!("no row after the last")), Err(Error::TooManyRows));
        assert_eq!(stream.rows_pushed(), 3);
    });
}

#[test]
fn rows_missing() {
    let plan = plan(4, 3, 1);
    let mut scratch = vec![0.0f32; Stream::<u8, u8>::scratch_len(&plan)];
    let stream = Stream::<u8, u8>::new(&plan, best_backend(), &mut scratch).unwrap();
    assert_eq!(stream.finish(), Err(Error::RowsMissing));
    let mut stream = Stream::<u8, u8>::new(&plan, best_backend(), &mut scratch).unwrap();
    for _ in 0..2 {
        stream.push(&[9u8; 4], |_, _| {}).unwrap();
    }
    assert_eq!(stream.finish(), Err(Error::RowsMissing));
    let mut stream = Stream::<u8, u8>::new(&plan, best_backend(), &mut scratch).unwrap();
    let mut rows = 0;
    for _ in 0..3 {
        stream.push(&[9u8; 4], |_, _| rows += 1).unwrap();
    }
    assert_eq!((stream.finish(), rows), (Ok(()), 3));
}

#[test]
fn stream_row_of_another_length() {
    let plan = plan(4, 3, 2);
    with_stream(&plan, |stream| {
        for len in [0, 7, 9, 16] {
            assert_eq!(stream.push(&vec![1u8; len], |_, _| {}), Err(Error::ShapeMismatch), "{len}");
        }
        assert_eq!(stream.rows_pushed(), 0);
        assert_eq!(stream.push(&[1u8; 8], |_, _| {}), Ok(()));
    });
}

#[test]
fn stream_scratch_too_small() {
    let plan = plan(40, 9, 3);
    let (n8, nf) = (Stream::<u8, u8>::scratch_len(&plan), Stream::<f32, f32>::scratch_len(&plan));
    let mut scratch = vec![0.0f32; n8 - 1];
    let e = Stream::<u8, u8>::new(&plan, Backend::Scalar, &mut scratch).err();
    assert_eq!(e, Some(Error::ScratchTooSmall { needed: n8, actual: n8 - 1 }));
    let mut scratch = vec![0.0f32; nf - 1];
    let e = Stream::<f32, f32>::new(&plan, Backend::Scalar, &mut scratch).err();
    assert_eq!(e, Some(Error::ScratchTooSmall { needed: nf, actual: nf - 1 }));
    // Exactly enough is enough.
    let mut scratch = vec![0.0f32; n8];
    assert!(Stream::<u8, u8>::new(&plan, Backend::Scalar, &mut scratch).is_ok());
}

#[test]
fn wrap_not_streamable() {
    let shape = Shape::new(5, 6, 1).unwrap();
    let wrap = |vertical| Borders::new(Border::Reflect101, vertical);
    let same = Plan::new(shape, k3(), k3(), wrap(Border::Wrap)).unwrap();
    let mut scratch = vec![0.0f32; 1024];
    let refused = Stream::<u8, u8>::new(&same, Backend::Scalar, &mut scratch).err();
    assert_eq!(refused, Some(Error::WrapNotStreamable));
    // Horizontal Wrap streams; so does a vertical Wrap the output does not
    // reach (a valid region, a window away from the edges), and one on an
    // image no taller than the kernel (the ring holds it whole).
    let horizontal = Plan::new(shape, k3(), k3(), Borders::new(Border::Wrap, Border::Replicate)).unwrap();
    let valid = Plan::valid(shape, k3(), k3()).unwrap();
    let window = Region::Window { x: 0, y: 1, width: 5, height: 4 };
    let inside = Plan::for_region(shape, k3(), k3(), wrap(Border::Wrap), window).unwrap();
    let short = Plan::new(Shape::new(5, 3, 1).unwrap(), k3(), k3(), wrap(Border::Wrap)).unwrap();
    for plan in [&horizontal, &valid, &inside, &short] {
        assert!(Stream::<u8, u8>::new(plan, Backend::Scalar, &mut scratch).is_ok(), "{plan:?}");
    }
}
