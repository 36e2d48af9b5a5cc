//! What a filter call is decoded into: `Taps` (1D kernels), `Layout` (where a view lies in its buffer), `Case`.

use bytemuck::Pod;
use sepconv::{Borders, Error, ImageView, ImageViewMut, Kernel, Plan, Shape, MAX_TAPS};
use sepconv_testkit::bound;
use sepconv_testkit::verdict::shape_verdict;

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
        Taps { taps: (0..len).map(|_| b.weight()).collect(), anchor }
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

    /// The f32 tolerance between a backend and the reference.
    pub(crate) fn tolerance(&self, max_abs: f32) -> f32 {
        // Each side within the bound of the exact result.
        let bound = bound::separable(&self.row.taps, &self.column.taps, max_abs as f64);
        (2.0 * bound) as f32 + f32::MIN_POSITIVE
    }
}

/// A source buffer for `case.src`: samples from the remaining bytes.
pub(crate) fn source<S: Pod>(b: &mut Bytes, lay: &Layout, s: Shape, sample: impl Fn(u8) -> S) -> Vec<S> {
    (0..lay.len(s)).map(|_| sample(b.next())).collect()
}

pub(crate) fn f32_sample(b: u8) -> f32 {
    (b as f32 - 128.0) / 16.0
}
