//! What a filter call is decoded into: `Taps` (1D kernels), `Layout` (where a view lies in its buffer), `Case`.

use bytemuck::Pod;
use sepconv::{Border, Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Region, Shape, MAX_TAPS};
use sepconv_testkit::verdict::shape_verdict;
use sepconv_testkit::{bound, Oracle};

use crate::bytes::Bytes;

/// A 1D kernel as decoded: taps and anchor (either may be invalid).
#[derive(Debug, Clone)]
pub struct Taps {
    taps: Vec<f32>,
    anchor: usize,
}

impl Taps {
    pub(crate) fn decode(b: &mut Bytes, len: usize) -> Self {
        let anchor = match b.next() {
            255 => usize::MAX,
            254 => len,
            a => a as usize % len.max(1),
        };
        let mirror = b.below(4);
        let mut taps: Vec<f32> = (0..len).map(|_| b.weight()).collect();
        // Half the kernels symmetric or antisymmetric: the shapes the passes fold.
        for i in 0..len / 2 {
            match mirror {
                0 => taps[len - 1 - i] = taps[i],
                1 => taps[len - 1 - i] = -taps[i],
                _ => {}
            }
        }
        if mirror == 1 && len % 2 == 1 {
            taps[len / 2] = 0.0;
        }
        Taps { taps, anchor }
    }

    /// What [`Kernel::with_anchor`] must say.
    fn expected(&self) -> Result<(), Error> {
        if self.taps.is_empty() {
            Err(Error::EmptyKernel)
        } else if self.taps.len() > MAX_TAPS {
            Err(Error::KernelTooLong)
        } else if self.anchor >= self.taps.len() {
            Err(Error::AnchorOutOfRange)
        } else if self.taps.iter().any(|w| !w.is_finite()) {
            Err(Error::NonFiniteWeight)
        } else {
            Ok(())
        }
    }

    /// The kernel, after checking the constructor's verdict.
    pub(crate) fn kernel(&self) -> Option<Kernel<'_>> {
        let k = Kernel::with_anchor(&self.taps, self.anchor);
        assert_eq!(k.map(|_| ()), self.expected(), "{self:?}");
        if let Ok(k) = k {
            assert_eq!((k.len(), k.anchor(), k.taps()), (self.taps.len(), self.anchor, &self.taps[..]));
        }
        k.ok()
    }
}

/// Where a view lies in its buffer: `x`, `y` samples of margin before it
/// (a region of interest), `pad` elements after each row.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    x: usize,
    y: usize,
    pad: usize,
}

impl Layout {
    pub(crate) fn decode(b: &mut Bytes) -> Self {
        let v = b.next();
        Layout { x: (v % 3) as usize, y: (v / 3 % 3) as usize, pad: (v / 9 % 4) as usize }
    }

    fn stride(&self, s: Shape) -> usize {
        (s.width + self.x) * s.channels + self.pad
    }

    pub(crate) fn len(&self, s: Shape) -> usize {
        self.stride(s) * (s.height + self.y)
    }

    /// The index of sample `i` of row `y` in the buffer.
    fn index(&self, s: Shape, y: usize, i: usize) -> usize {
        (self.y + y) * self.stride(s) + self.x * s.channels + i
    }

    pub(crate) fn view<'a, T: Copy>(&self, buf: &'a [T], s: Shape) -> ImageView<'a, T> {
        let parent = ImageView::with_stride(buf, s.width + self.x, s.height + self.y, s.channels, self.stride(s))
            .expect("parent view");
        parent.sub_view(self.x, self.y, s.width, s.height).expect("sub-view")
    }

    pub(crate) fn view_mut<'a, T: Copy>(&self, buf: &'a mut [T], s: Shape) -> ImageViewMut<'a, T> {
        let stride = self.stride(s);
        self.view(&*buf, s); // the same checks as a sub-view
        let start = self.y * stride + self.x * s.channels;
        ImageViewMut::with_stride(&mut buf[start..], s.width, s.height, s.channels, stride).expect("sub-view")
    }

    /// The view's samples, packed.
    pub(crate) fn packed<T: Copy>(&self, buf: &[T], s: Shape) -> Vec<T> {
        let row = s.width * s.channels;
        (0..s.height).flat_map(|y| buf[self.index(s, y, 0)..self.index(s, y, row)].iter().copied()).collect()
    }

    /// Asserts that `buf` equals `before` outside the view.
    pub(crate) fn assert_outside_untouched<T: Pod>(&self, buf: &[T], before: &[T], s: Shape, what: &str) {
        let row = s.width * s.channels;
        let mut inside = vec![false; buf.len()];
        for y in 0..s.height {
            inside[self.index(s, y, 0)..self.index(s, y, row)].fill(true);
        }
        for (i, (a, b)) in buf.iter().zip(before).enumerate() {
            if !inside[i] {
                assert!(
                    bytemuck::bytes_of(a) == bytemuck::bytes_of(b),
                    "{what}: element {i} outside the view was written ({s:?}, {self:?})"
                );
            }
        }
    }
}

/// Everything a filter call needs, decoded.
#[derive(Debug, Clone)]
pub struct Case {
    width: usize,
    height: usize,
    channels: usize,
    row: Taps,
    column: Taps,
    borders: Borders,
    pub(crate) valid: bool,
    pub(crate) src: Layout,
    pub(crate) dst: Layout,
}

impl Case {
    /// Small images (up to 48 × 40), kernels of up to 17 taps.
    pub(crate) fn decode(b: &mut Bytes) -> Self {
        let (width, height, channels) = (b.below(49), b.below(41), b.below(6));
        let (nr, nc) = (b.below(18), b.below(18));
        let row = Taps::decode(b, nr);
        let column = Taps::decode(b, nc);
        let borders = Borders::new(b.border(), b.border());
        let valid = b.below(4) == 0;
        Case { width, height, channels, row, column, borders, valid, src: Layout::decode(b), dst: Layout::decode(b) }
    }

    /// The plan, after checking every constructor's verdict on the way.
    pub(crate) fn plan(&self) -> Option<Plan<'_>> {
        let (w, h, c) = (self.width, self.height, self.channels);
        let shape = Shape::new(w, h, c);
        assert_eq!(shape, shape_verdict(w, h, c).map(|()| Shape { width: w, height: h, channels: c }));
        let (row, column) = (self.row.kernel(), self.column.kernel());
        let (shape, row, column) = (shape.ok()?, row?, column?);
        let plan =
            if self.valid { Plan::valid(shape, row, column) } else { Plan::new(shape, row, column, self.borders) };
        let bad_constant = [self.borders.horizontal, self.borders.vertical]
            .iter()
            .any(|b| b.constant().is_some_and(|v| !v.is_finite()));
        let want = if self.valid && (w < row.len() || h < column.len()) {
            Err(Error::EmptyOutput)
        } else if !self.valid && bad_constant {
            Err(Error::InvalidBorderValue)
        } else {
            Ok(())
        };
        assert_eq!(plan.as_ref().map(|_| ()).map_err(|e| *e), want, "{self:?}");
        let plan = plan.ok()?;
        let out = plan.output_shape();
        let want_out = if self.valid {
            Shape { width: w - row.len() + 1, height: h - column.len() + 1, channels: c }
        } else {
            shape
        };
        assert_eq!((plan.input_shape(), out), (shape, want_out));
        Some(plan)
    }

    /// The border constants a filter reads (for `max|x|`).
    pub(crate) fn constants(&self) -> impl Iterator<Item = f32> {
        let b = if self.valid { Borders::default() } else { self.borders };
        [b.horizontal, b.vertical].into_iter().filter_map(|b| b.constant())
    }

    /// Whether the constants are valid for u8 images.
    pub(crate) fn u8_constants_ok(&self) -> bool {
        self.constants().all(|v| (0.0..=255.0).contains(&v) && v.fract() == 0.0)
    }

    /// Per output of `plan` on `src`: the f32 tolerance between a backend
    /// and the reference (each within `bound::separable_at` of the exact
    /// result at the output's own magnitude: ∞ or NaN where the footprint
    /// holds ∞ or NaN), and whether f32 sums there are sure to stay finite
    /// (`bound::stays_finite`).
    pub(crate) fn tolerances(&self, plan: &Plan, src: &ImageView<'_, f32>) -> Vec<(f64, bool)> {
        let (row, col) = (&self.row.taps, &self.column.taps);
        let abs = |t: &[f32], floor: f32| t.iter().map(|w| w.abs().max(floor)).collect::<Vec<f32>>();
        let abs_border = |b: Border| b.constant().map_or(b, |v| Border::Constant(v.abs()));
        let borders = Borders::new(abs_border(self.borders.horizontal), abs_border(self.borders.vertical));
        let region = if self.valid { Region::Valid } else { Region::Same };
        let s = plan.input_shape();
        let get = |x, y, c| src.get(x, y, c).map_or(f64::NAN, |v| (v as f64).abs());
        let run = |col: &[f32]| {
            Oracle::separable(&abs(row, 0.0), self.row.anchor, col, self.column.anchor).filter(
                borders,
                region,
                (s.width, s.height, s.channels),
                &get,
            )
        };
        let (magnitude, reach) = (run(&abs(col, 0.0)), run(&abs(col, 1.0)));
        let each = |(m, r): (f64, f64)| (2.0 * bound::separable_at(row, col, m), bound::stays_finite(row, col, r));
        magnitude.into_iter().zip(reach).map(each).collect()
    }
}

/// A source buffer for `case.src`: samples from the remaining bytes.
pub(crate) fn source<S: Pod>(b: &mut Bytes, lay: &Layout, s: Shape, sample: impl Fn(u8) -> S) -> Vec<S> {
    (0..lay.len(s)).map(|_| sample(b.next())).collect()
}

pub(crate) fn f32_sample(b: u8) -> f32 {
    (b as f32 - 128.0) / 16.0
}

/// A sample of either sign at the ends of f32's range: the top (where
/// every sum overflows), from `2^127` on (where a folded pair does),
/// subnormals, ±∞ and NaN; or an ordinary one.
pub(crate) fn f32_extreme_sample(b: u8) -> f32 {
    let magnitude = match b >> 1 {
        k @ 0..=7 => f32::from_bits(f32::MAX.to_bits() - k as u32),
        k @ 8..=15 => 2f32.powi(127) * (1.0 + (k - 8) as f32 / 8.0),
        k @ 16..=19 => f32::from_bits(1 << (5 * (k - 16))),
        20 => f32::INFINITY,
        21 => f32::NAN,
        _ => return f32_sample(b),
    };
    if b & 1 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// A source buffer of f32 samples: one case in four at the ends of the
/// range ([`f32_extreme_sample`]), the others ordinary.
pub(crate) fn f32_source(b: &mut Bytes, lay: &Layout, s: Shape) -> Vec<f32> {
    let sample = if b.below(4) == 0 { f32_extreme_sample } else { f32_sample };
    source(b, lay, s, sample)
}
