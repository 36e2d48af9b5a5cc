//! Fuzz target `plan`: shapes, views and plans from arbitrary sizes against a model computed in `u128`.

use sepconv::{Backend, Border, Borders, Error, ImageView, ImageViewMut, Plan, Shape};
use sepconv_core::ColumnStrategy;
use sepconv_testkit::verdict::{shape_verdict, view_verdict};

use crate::bytes::Bytes;
use crate::case::Taps;

/// Fuzz target `plan`: shapes, views and plans from arbitrary sizes (up to
/// `usize::MAX`), strides, buffer lengths, kernels (up to `MAX_TAPS + 1`),
/// anchors, borders and regions; every verdict against a model computed in
/// `u128`; calls with mismatched shapes, bands and scratch.
pub fn check_plan(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (w, h, c) = (b.size(), b.size(), b.below(6));
    let stride = match b.next() {
        255 => usize::MAX,
        254 => 0,
        d => w.saturating_mul(c).saturating_add(d as usize % 4).saturating_sub(b.below(3)),
    };
    let len = b.size().min(1 << 14);
    // Views, immutable and mutable, with a stride and packed.
    let mut buf = vec![0u8; len];
    let want = view_verdict(len, w, h, c, stride);
    let view = ImageView::with_stride(&buf, w, h, c, stride);
    assert_eq!(view.map(|v| v.as_slice().len()), want, "view {w}×{h}×{c} stride {stride} len {len}");
    if let Ok(v) = view {
        assert_eq!((v.shape(), v.stride()), (Shape { width: w, height: h, channels: c }, stride));
        assert!(v.row(h).is_none() && v.get(w, 0, 0).is_none() && v.get(0, 0, c).is_none());
        let (x, y) = (b.size(), b.size());
        let (sw, sh) = (b.size(), b.size());
        let fits = |a: usize, n: usize, t: usize| a.checked_add(n).is_some_and(|e| e <= t);
        let want = shape_verdict(sw, sh, c).and_then(|_| {
            if fits(x, sw, w) && fits(y, sh, h) {
                Ok((sw, sh))
            } else {
                Err(Error::ShapeMismatch)
            }
        });
        assert_eq!(v.sub_view(x, y, sw, sh).map(|s| (s.width(), s.height())), want, "sub_view({x}, {y}, {sw}, {sh})");
    }
    let want_mut = view_verdict(len, w, h, c, stride);
    assert_eq!(ImageViewMut::with_stride(&mut buf, w, h, c, stride).map(|v| v.stride()), { want_mut.map(|_| stride) });
    let packed = if w.checked_mul(c).is_none() { Err(Error::SizeOverflow) } else { view_verdict(len, w, h, c, w * c) };
    assert_eq!(ImageView::new(&buf, w, h, c).map(|v| v.as_slice().len()), packed);
    if let Ok(v) = ImageViewMut::new(&mut buf, w, h, c) {
        let split = b.size();
        let r = v.split_at_row(split);
        if split == 0 || split >= h {
            assert_eq!(r.err(), Some(Error::BandOutOfRange));
        } else {
            let (top, bottom) = r.expect("split");
            assert_eq!((top.height(), bottom.height()), (split, h - split));
        }
    }

    // Shapes and plans.
    assert_eq!(Shape::new(w, h, c).map(|_| ()), shape_verdict(w, h, c));
    let (nr, nc) = (b.kernel_len(), b.kernel_len());
    let (row, column) = (Taps::decode(&mut b, nr), Taps::decode(&mut b, nc));
    let borders = Borders::new(b.border(), b.border());
    let valid = b.bool();
    let (Ok(shape), Some(rk), Some(ck)) = (Shape::new(w, h, c), row.kernel(), column.kernel()) else { return };
    let plan = if valid { Plan::valid(shape, rk, ck) } else { Plan::new(shape, rk, ck, borders) };
    let plan = match plan {
        Ok(plan) => plan,
        Err(Error::EmptyOutput) => return assert!(valid && (w < nr || h < nc)),
        Err(Error::InvalidBorderValue) => {
            let bad = |b: Border| b.constant().is_some_and(|v| !v.is_finite());
            return assert!(!valid && (bad(borders.horizontal) || bad(borders.vertical)));
        }
        // Scratch sizes of enormous images, or rows past `isize` (the plan
        // places lines above and below the image in `isize`).
        Err(Error::SizeOverflow) => {
            return assert!(w >= 1 << 16 || h > isize::MAX as usize / 2, "{w}×{h}×{c}: size overflow")
        }
        Err(e) => panic!("{w}×{h}×{c} {nr}/{nc} taps: {e:?}"),
    };
    if valid {
        assert!(w >= nr && h >= nc, "valid plan of an image smaller than its kernel");
    }
    let out = plan.output_shape();
    for p in [
        plan.clone(),
        plan.clone().with_streaming(b.bool()),
        plan.clone().with_column_strategy(ColumnStrategy::TransposedTile).with_streaming(b.bool()),
    ] {
        let (nf, n8) = (p.scratch_len::<f32>(), p.scratch_len::<u8>());
        assert!(nf < usize::MAX && n8 < usize::MAX, "scratch {nf} {n8} for {p:?}");
        assert!(p.output_shape() == out);
        let _ = p.fixed_point();
    }
    // Calls on small images: mismatched shapes, bad bands, short scratch.
    let (sw, sh) = (1 + b.below(6), 1 + b.below(6));
    let Ok(small) = Shape::new(sw, sh, c) else { return };
    let img = vec![0.5f32; sw * sh * c];
    let src = ImageView::new(&img, sw, sh, c).unwrap();
    let mut out_buf = vec![0.0f32; sw * sh * c];
    let mut dst = ImageViewMut::new(&mut out_buf, sw, sh, c).unwrap();
    let scratch_len = plan.scratch_len::<f32>().min(1 << 16);
    let mut scratch = vec![0.0f32; scratch_len];
    let band = b.size()..b.size();
    let r = plan.filter_band(Backend::Scalar, &src, &mut dst, band.clone(), &mut scratch);
    let want = if band.is_empty() || band.end > out.height {
        Err(Error::BandOutOfRange)
    } else if small != shape || (Shape { height: band.len(), ..out }) != small {
        Err(Error::ShapeMismatch)
    } else if scratch_len < plan.scratch_len::<f32>() {
        Err(Error::ScratchTooSmall { needed: plan.scratch_len::<f32>(), actual: scratch_len })
    } else {
        Ok(())
    };
    assert_eq!(r, want, "band {band:?} of {plan:?} on {small:?}");
    let r = plan.filter_in_place(Backend::Scalar, &mut dst, &mut scratch);
    if valid {
        assert_eq!(r, Err(Error::InPlaceNotSupported));
    } else if small != shape {
        assert_eq!(r, Err(Error::ShapeMismatch));
    }
}
