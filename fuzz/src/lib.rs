//! The checks behind the fuzz targets, kept in a library so that they also
//! run as ordinary tests (`cargo test` in this directory) on stable Rust.
//!
//! Every target decodes its bytes into (often invalid) geometry, kernels,
//! borders and memory layouts, and checks:
//!
//! * invalid input gives exactly the documented [`Error`] (never a panic);
//! * for valid input, **every** backend of [`available_backends`] agrees with
//!   [`reference`]: u8 bit for bit, f32 within
//!   `2·(nr + nc + 2)·2⁻²⁴·Σ|row|·Σ|col|·max|x|` (each side within the
//!   documented bound of the exact result); depthwise-separable layers with
//!   theirs: int8 bit for bit, f32 within the bound of
//!   `depthwise::reference::separable_f32`;
//! * nothing is written outside the destination view (regions of interest
//!   with padding around them), scratch contents never matter (it is filled
//!   with garbage), in place equals out of place bit for bit, bands equal one
//!   call, strips and streaming stores never change a bit.

use std::ops::Range;

use bytemuck::Pod;
use sepconv::separable::{self, Kernel2d, Path2d, SeparableSum};
use sepconv::{
    available_backends, reference, Backend, Border, Borders, ColumnStrategy, Error, ImageView, ImageViewMut, Kernel,
    Output, Plan, Sample, Shape, MAX_TAPS,
};
use sepconv_core::depthwise::{
    self, Activation, F32Weights, I8Weights, LayerShape, Padding, Quantization, SeparableF32, SeparableI8,
};
use sepconv_core::generate;

/// Unit roundoff of f32.
const U: f64 = 1.0 / (1u64 << 24) as f64;

/// Reads bytes from the fuzzer's input, zeros once it runs out.
pub struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes(data)
    }

    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// `0..n` (n ≤ 256).
    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n
    }

    fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }

    /// A weight: mostly small multiples of 1/64, sometimes not finite.
    fn weight(&mut self) -> f32 {
        match self.next() {
            255 => f32::NAN,
            254 => f32::INFINITY,
            253 => f32::NEG_INFINITY,
            b => (b as f32 - 128.0) / 64.0,
        }
    }

    /// A constant border value: integers 0..=251 (valid for u8 too), or
    /// −1, 0.5 (valid for f32 only), NaN, ∞ (valid for none).
    fn border(&mut self) -> Border {
        match self.next() % 5 {
            0 => Border::Constant(match self.next() {
                255 => f32::NAN,
                254 => f32::INFINITY,
                253 => -1.0,
                252 => 0.5,
                b => b as f32,
            }),
            1 => Border::Replicate,
            2 => Border::Reflect,
            3 => Border::Reflect101,
            _ => Border::Wrap,
        }
    }

    /// An f64 parameter: small values, edge values, or arbitrary bits.
    fn f64(&mut self) -> f64 {
        match self.next() {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => f64::MIN_POSITIVE / 4.0,
            6 => f64::MAX,
            7 => 1e-300,
            8 => {
                let mut bits = 0u64;
                for _ in 0..8 {
                    bits = bits << 8 | self.next() as u64;
                }
                f64::from_bits(bits)
            }
            b => (b as f64 - 128.0) / 16.0,
        }
    }

    /// A size: mostly small, sometimes at the edges of `usize` arithmetic.
    fn size(&mut self) -> usize {
        match self.next() {
            255 => usize::MAX,
            254 => usize::MAX / 2 + 1,
            253 => usize::MAX / 3,
            252 => 1 << 32,
            251 => (1 << 31) + 1,
            250 => 1 << 20,
            249 => 1 << 16,
            b => b as usize % 80,
        }
    }

    fn kernel_len(&mut self) -> usize {
        match self.next() {
            255 => MAX_TAPS + 1,
            254 => MAX_TAPS,
            b => b as usize % 18,
        }
    }
}

/// A 1D kernel as decoded: taps and anchor (either may be invalid).
#[derive(Debug, Clone)]
pub struct Taps {
    taps: Vec<f32>,
    anchor: usize,
}

impl Taps {
    fn decode(b: &mut Bytes, len: usize) -> Self {
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
    fn kernel(&self) -> Option<Kernel<'_>> {
        let k = Kernel::with_anchor(&self.taps, self.anchor);
        assert_eq!(k.map(|_| ()), self.expected(), "{self:?}");
        if let Ok(k) = k {
            assert_eq!((k.len(), k.anchor(), k.taps()), (self.taps.len(), self.anchor, &self.taps[..]));
        }
        k.ok()
    }

    fn abs_sum(&self) -> f64 {
        self.taps.iter().map(|w| w.abs() as f64).sum()
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
    fn decode(b: &mut Bytes) -> Self {
        let v = b.next();
        Layout { x: (v % 3) as usize, y: (v / 3 % 3) as usize, pad: (v / 9 % 4) as usize }
    }

    fn stride(&self, s: Shape) -> usize {
        (s.width + self.x) * s.channels + self.pad
    }

    fn len(&self, s: Shape) -> usize {
        self.stride(s) * (s.height + self.y)
    }

    /// The index of sample `i` of row `y` in the buffer.
    fn index(&self, s: Shape, y: usize, i: usize) -> usize {
        (self.y + y) * self.stride(s) + self.x * s.channels + i
    }

    fn view<'a, T: Copy>(&self, buf: &'a [T], s: Shape) -> ImageView<'a, T> {
        let parent = ImageView::with_stride(buf, s.width + self.x, s.height + self.y, s.channels, self.stride(s))
            .expect("parent view");
        parent.sub_view(self.x, self.y, s.width, s.height).expect("sub-view")
    }

    fn view_mut<'a, T: Copy>(&self, buf: &'a mut [T], s: Shape) -> ImageViewMut<'a, T> {
        let stride = self.stride(s);
        self.view(&*buf, s); // the same checks as a sub-view
        let start = self.y * stride + self.x * s.channels;
        ImageViewMut::with_stride(&mut buf[start..], s.width, s.height, s.channels, stride).expect("sub-view")
    }

    /// The view's samples, packed.
    fn packed<T: Copy>(&self, buf: &[T], s: Shape) -> Vec<T> {
        let row = s.width * s.channels;
        (0..s.height).flat_map(|y| buf[self.index(s, y, 0)..self.index(s, y, row)].iter().copied()).collect()
    }

    /// Asserts that `buf` equals `before` outside the view.
    fn assert_outside_untouched<T: Pod>(&self, buf: &[T], before: &[T], s: Shape, what: &str) {
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
    valid: bool,
    src: Layout,
    dst: Layout,
}

impl Case {
    /// Small images (up to 48 × 40), kernels of up to 17 taps.
    fn decode(b: &mut Bytes) -> Self {
        let (width, height, channels) = (b.below(49), b.below(41), b.below(6));
        let (nr, nc) = (b.below(18), b.below(18));
        let row = Taps::decode(b, nr);
        let column = Taps::decode(b, nc);
        let borders = Borders::new(b.border(), b.border());
        let valid = b.below(4) == 0;
        Case { width, height, channels, row, column, borders, valid, src: Layout::decode(b), dst: Layout::decode(b) }
    }

    /// The plan, after checking every constructor's verdict on the way.
    fn plan(&self) -> Option<Plan<'_>> {
        let (w, h, c) = (self.width, self.height, self.channels);
        let shape = Shape::new(w, h, c);
        let want = if w == 0 || h == 0 {
            Err(Error::ZeroSize)
        } else if !(1..=4).contains(&c) {
            Err(Error::InvalidChannels)
        } else {
            Ok(Shape { width: w, height: h, channels: c })
        };
        assert_eq!(shape, want);
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
    fn constants(&self) -> impl Iterator<Item = f32> {
        let b = if self.valid { Borders::default() } else { self.borders };
        [b.horizontal, b.vertical].into_iter().filter_map(|b| b.constant())
    }

    /// Whether the constants are valid for u8 images.
    fn u8_constants_ok(&self) -> bool {
        self.constants().all(|v| (0.0..=255.0).contains(&v) && v.fract() == 0.0)
    }

    /// The f32 tolerance between a backend and the reference.
    fn tolerance(&self, max_abs: f32) -> f32 {
        let n = (self.row.taps.len() + self.column.taps.len() + 2) as f64;
        let bound = n * U * self.row.abs_sum() * self.column.abs_sum() * max_abs as f64;
        (2.0 * bound) as f32 + f32::MIN_POSITIVE
    }
}

/// A source buffer for `case.src`: samples from the remaining bytes.
fn source<S: Pod>(b: &mut Bytes, lay: &Layout, s: Shape, sample: impl Fn(u8) -> S) -> Vec<S> {
    (0..lay.len(s)).map(|_| sample(b.next())).collect()
}

fn f32_sample(b: u8) -> f32 {
    (b as f32 - 128.0) / 16.0
}

/// Scratch of exactly the length the plan asks for, full of garbage.
fn scratch<S: Sample>(plan: &Plan) -> Vec<f32> {
    vec![f32::NAN; plan.scratch_len::<S>()]
}

/// Fills a destination buffer with a sentinel pattern.
fn sentinel<D: Pod>(len: usize) -> Vec<D> {
    let mut v = vec![D::zeroed(); len];
    bytemuck::cast_slice_mut::<D, u8>(&mut v).fill(0xA5);
    v
}

/// Filters output rows `rows` on `backend` into a fresh destination laid out
/// as `lay` (a whole filter call for all rows), checks nothing outside the
/// view was written, and returns the packed output.
fn run<S: Sample, D: Output<S>>(
    plan: &Plan,
    backend: Backend,
    src: &ImageView<'_, S>,
    lay: &Layout,
    rows: Range<usize>,
) -> Result<Vec<D>, Error> {
    // An empty band gets a one-row destination (the band is the error).
    let out = Shape { height: rows.len().max(1), ..plan.output_shape() };
    let mut buf = sentinel::<D>(lay.len(out));
    let before = buf.clone();
    let mut scratch = scratch::<S>(plan);
    let mut dst = lay.view_mut(&mut buf, out);
    if rows == (0..plan.output_shape().height) {
        plan.filter(backend, src, &mut dst, &mut scratch)?;
    } else {
        plan.filter_band(backend, src, &mut dst, rows, &mut scratch)?;
    }
    lay.assert_outside_untouched(&buf, &before, out, backend.name());
    Ok(lay.packed(&buf, out))
}

/// Filters `src_buf`'s view in place on `backend`; checks nothing outside
/// the view changed; returns the packed result.
fn run_in_place<S: Sample + Output<S>>(
    plan: &Plan,
    backend: Backend,
    src_buf: &[S],
    lay: &Layout,
) -> Result<Vec<S>, Error> {
    let s = plan.input_shape();
    let mut buf = src_buf.to_vec();
    let mut scratch = scratch::<S>(plan);
    plan.filter_in_place(backend, &mut lay.view_mut(&mut buf, s), &mut scratch)?;
    lay.assert_outside_untouched(&buf, src_buf, s, backend.name());
    Ok(lay.packed(&buf, s))
}

fn reference_f32(plan: &Plan, src: &ImageView<'_, f32>) -> Vec<f32> {
    let out = plan.output_shape();
    let mut want = vec![0.0f32; out.width * out.height * out.channels];
    reference::filter_f32(plan, src, &mut ImageViewMut::new(&mut want, out.width, out.height, out.channels).unwrap())
        .expect("reference f32");
    want
}

fn assert_close(got: &[f32], want: &[f32], tolerance: f32, what: &dyn std::fmt::Display) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tolerance, "{what}: sample {i}: {g} vs reference {w} (tolerance {tolerance})");
    }
}

fn assert_bits<T: Pod + std::fmt::Debug>(got: &[T], want: &[T], what: &dyn std::fmt::Display) {
    if bytemuck::cast_slice::<T, u8>(got) != bytemuck::cast_slice::<T, u8>(want) {
        let i = got.iter().zip(want).position(|(g, w)| bytemuck::bytes_of(g) != bytemuck::bytes_of(w));
        let i = i.unwrap_or(0);
        panic!("{what}: sample {i}: {:?} vs {:?} (not bit-identical)", got.get(i), want.get(i));
    }
}

/// The f32 checks common to several targets: every backend against the
/// reference, and (same-size plans) in place against out of place.
fn check_f32_all(case: &Case, plan: &Plan, src_buf: &[f32]) -> Vec<Vec<f32>> {
    let s = plan.input_shape();
    let src = case.src.view(src_buf, s);
    let want = reference_f32(plan, &src);
    let max_abs = src.as_slice().iter().copied().chain(case.constants()).fold(0.0f32, |m, v| m.max(v.abs()));
    let tolerance = case.tolerance(max_abs);
    let rows = 0..plan.output_shape().height;
    let mut results = Vec::new();
    for backend in available_backends() {
        let got: Vec<f32> = run(plan, backend, &src, &case.dst, rows.clone()).expect("f32 filter");
        assert_close(&got, &want, tolerance, &format_args!("{} {plan:?}", backend.name()));
        match run_in_place(plan, backend, src_buf, &case.src) {
            Ok(in_place) => {
                assert!(!case.valid);
                assert_bits(&in_place, &got, &format_args!("{} in place", backend.name()));
            }
            Err(e) => assert!(case.valid && e == Error::InPlaceNotSupported, "{e:?}"),
        }
        results.push(got);
    }
    results
}

/// Fuzz target `filter_f32`: f32 → f32 on every backend against the
/// reference, in place against out of place, ROI layouts, short scratch.
pub fn check_filter_f32(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let src_buf = source(&mut b, &case.src, s, f32_sample);
    check_f32_all(&case, &plan, &src_buf);
    check_short_scratch::<f32, f32>(&plan, &case.src.view(&src_buf, s));
}

/// One element too little scratch is [`Error::ScratchTooSmall`].
fn check_short_scratch<S: Sample, D: Output<S>>(plan: &Plan, src: &ImageView<'_, S>) {
    let needed = plan.scratch_len::<S>();
    let Some(short) = needed.checked_sub(1) else { return };
    let out = plan.output_shape();
    let mut buf = vec![D::zeroed(); out.width * out.height * out.channels];
    let mut dst = ImageViewMut::new(&mut buf, out.width, out.height, out.channels).unwrap();
    for backend in available_backends() {
        let r = plan.filter(backend, src, &mut dst, &mut vec![0.0; short]);
        assert_eq!(r, Err(Error::ScratchTooSmall { needed, actual: short }), "{}", backend.name());
    }
}

/// What a u8 filter call on `plan` must return.
fn u8_verdict(case: &Case, plan: &Plan) -> Result<(), Error> {
    plan.fixed_point()?;
    if !case.u8_constants_ok() {
        return Err(Error::InvalidBorderValue);
    }
    Ok(())
}

/// u8 → `D` on every backend, bit-identical to the reference (or the same error).
fn check_u8_output<D: Output<u8> + std::fmt::Debug>(case: &Case, plan: &Plan, src_buf: &[u8]) -> Option<Vec<D>> {
    let s = plan.input_shape();
    let src = case.src.view(src_buf, s);
    let out = plan.output_shape();
    let mut want = vec![D::zeroed(); out.width * out.height * out.channels];
    let reference = reference::filter_u8(
        plan,
        &src,
        &mut ImageViewMut::new(&mut want, out.width, out.height, out.channels).unwrap(),
    );
    let verdict = u8_verdict(case, plan);
    // The reference checks the border constants first, the plan the recipe.
    assert_eq!(reference.is_ok(), verdict.is_ok(), "reference: {reference:?}, expected {verdict:?}");
    let rows = 0..out.height;
    for backend in available_backends() {
        let got = run::<u8, D>(plan, backend, &src, &case.dst, rows.clone());
        assert_eq!(got.as_ref().map(|_| ()).map_err(|e| *e), verdict, "{}", backend.name());
        if let Ok(got) = got {
            assert_bits(&got, &want, &format_args!("{} u8 → {} {plan:?}", backend.name(), std::any::type_name::<D>()));
        }
    }
    verdict.ok().map(|_| want)
}

fn u8_in_place(case: &Case, plan: &Plan, src_buf: &[u8], want: &[u8]) {
    for backend in available_backends() {
        match run_in_place(plan, backend, src_buf, &case.src) {
            Ok(got) => {
                assert!(!case.valid);
                assert_bits(&got, want, &format_args!("{} u8 in place", backend.name()));
            }
            Err(e) => assert!(case.valid && e == Error::InPlaceNotSupported, "{e:?}"),
        }
    }
}

/// Fuzz target `filter_u8`: u8 → u8, i16 and f32, every backend bit-exact
/// with the reference; in place; the errors of the fixed-point recipe and
/// of u8 border constants.
pub fn check_filter_u8(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let src_buf = source(&mut b, &case.src, s, |v| v);
    let u8_out = check_u8_output::<u8>(&case, &plan, &src_buf);
    check_u8_output::<i16>(&case, &plan, &src_buf);
    check_u8_output::<f32>(&case, &plan, &src_buf);
    if let Some(want) = u8_out {
        u8_in_place(&case, &plan, &src_buf, &want);
        check_short_scratch::<u8, u8>(&plan, &case.src.view(&src_buf, s));
    }
}

/// The error [`Shape::new`] must give, computed in `u128`.
fn shape_verdict(w: usize, h: usize, c: usize) -> Result<(), Error> {
    if w == 0 || h == 0 {
        Err(Error::ZeroSize)
    } else if !(1..=4).contains(&c) {
        Err(Error::InvalidChannels)
    } else if (w as u128 * c as u128).checked_mul(h as u128).is_none_or(|n| n > usize::MAX as u128) {
        Err(Error::SizeOverflow)
    } else {
        Ok(())
    }
}

/// The verdict of [`ImageView::with_stride`] on a buffer of `len` elements.
fn view_verdict(len: usize, w: usize, h: usize, c: usize, stride: usize) -> Result<usize, Error> {
    shape_verdict(w, h, c)?;
    let row = (w * c) as u128;
    if (stride as u128) < row {
        return Err(Error::StrideTooSmall);
    }
    let needed = (h as u128 - 1) * stride as u128 + row;
    if needed > usize::MAX as u128 {
        return Err(Error::SizeOverflow);
    }
    if (len as u128) < needed {
        return Err(Error::BufferTooShort { needed: needed as usize, actual: len });
    }
    Ok(needed as usize)
}

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
        plan.clone().with_strip_width(b.size()),
        plan.clone().with_column_strategy(ColumnStrategy::TransposedTile).with_streaming(b.bool()),
    ] {
        let (nf, n8) = (p.scratch_len::<f32>(), p.scratch_len::<u8>());
        assert!(nf < usize::MAX && n8 < usize::MAX, "scratch {nf} {n8} for {p:?}");
        assert!((1..=out.width).contains(&p.strip_width()));
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

/// Fuzz target `regions`: valid-region plans, in place (f32 and u8), and
/// `filter_band`: any band equals the same rows of one call, bit for bit.
pub fn check_regions(data: &[u8]) {
    let mut b = Bytes::new(data);
    let mut case = Case::decode(&mut b);
    case.valid = b.bool();
    let band_start = b.next() as usize;
    let band_end = b.next() as usize;
    let u8_path = b.bool();
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let out = plan.output_shape();
    let rows = band_start..band_end;
    let band_ok = !rows.is_empty() && rows.end <= out.height;
    // One valid band always, plus the decoded (maybe invalid) one.
    let fixed_band = (band_start % out.height)..(band_start % out.height + 1 + band_end % out.height).min(out.height);
    if u8_path {
        let src_buf = source(&mut b, &case.src, s, |v| v);
        let src = case.src.view(&src_buf, s);
        let Some(full) = check_u8_output::<u8>(&case, &plan, &src_buf) else { return };
        u8_in_place(&case, &plan, &src_buf, &full);
        let row_len = out.width * out.channels;
        for backend in available_backends() {
            for band in [rows.clone(), fixed_band.clone()] {
                let got = run::<u8, u8>(&plan, backend, &src, &case.dst, band.clone());
                if band.is_empty() || band.end > out.height {
                    assert_eq!(got.err(), Some(Error::BandOutOfRange));
                    continue;
                }
                let want = &full[band.start * row_len..band.end * row_len];
                assert_bits(&got.expect("band"), want, &format_args!("{} u8 band {band:?}", backend.name()));
            }
        }
    } else {
        let src_buf = source(&mut b, &case.src, s, f32_sample);
        let src = case.src.view(&src_buf, s);
        let fulls = check_f32_all(&case, &plan, &src_buf);
        let row_len = out.width * out.channels;
        for (backend, full) in available_backends().into_iter().zip(fulls) {
            for band in [rows.clone(), fixed_band.clone()] {
                let got = run::<f32, f32>(&plan, backend, &src, &case.dst, band.clone());
                if band.is_empty() || band.end > out.height {
                    assert_eq!(got.err(), Some(Error::BandOutOfRange));
                    continue;
                }
                let want = &full[band.start * row_len..band.end * row_len];
                assert_bits(&got.expect("band"), want, &format_args!("{} f32 band {band:?}", backend.name()));
            }
        }
    }
    let _ = band_ok;
}

/// Fuzz target `variants`: `with_strip_width`, `with_column_strategy` and
/// `with_streaming`. Strips and streaming never change a bit (against the
/// plan's own choice on the same backend); the transposed-tile strategy stays
/// within the f32 bound of the reference; u8 stays bit-exact.
pub fn check_variants(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let strip = b.next() as usize;
    let strategy = if b.bool() { ColumnStrategy::TransposedTile } else { ColumnStrategy::Direct };
    let stream = b.bool();
    let u8_path = b.bool();
    let Some(base) = case.plan() else { return };
    let s = base.input_shape();
    let out = base.output_shape();
    let striped = base.clone().with_strip_width(strip);
    assert_eq!(striped.strip_width(), strip.clamp(1, out.width));
    let plan = striped.with_column_strategy(strategy).with_streaming(stream);
    assert_eq!((plan.column_strategy(), plan.streaming()), (strategy, stream));
    // The plan's own choice for this strategy, unstriped and not streaming.
    let plain = base.clone().with_column_strategy(strategy).with_streaming(false);
    let rows = 0..out.height;
    if u8_path {
        let src_buf = source(&mut b, &case.src, s, |v| v);
        if let Some(want) = check_u8_output::<u8>(&case, &plan, &src_buf) {
            u8_in_place(&case, &plan, &src_buf, &want);
        }
        check_u8_output::<f32>(&case, &plan, &src_buf);
    } else {
        let src_buf = source(&mut b, &case.src, s, f32_sample);
        let src = case.src.view(&src_buf, s);
        let results = check_f32_all(&case, &plan, &src_buf);
        for (backend, got) in available_backends().into_iter().zip(results) {
            let want: Vec<f32> = run(&plain, backend, &src, &case.dst, rows.clone()).expect("plain plan");
            assert_bits(
                &got,
                &want,
                &format_args!("{}: strips {strip}, streaming {stream} vs the plan's choice", backend.name()),
            );
        }
    }
}

/// Fuzz target `generate`: every kernel generator on arbitrary lengths,
/// σ, orders, sizes and buffer lengths. Errors exactly as documented;
/// results of the requested length, finite, valid kernels, (anti)symmetric.
pub fn check_generate(data: &[u8]) {
    let mut b = Bytes::new(data);
    let len = match b.next() {
        255 => MAX_TAPS + 1,
        254 => MAX_TAPS,
        253 => usize::MAX,
        v => v as usize % 40,
    };
    let sigma = b.f64();
    let buf_len = match b.next() {
        255 => len.saturating_sub(1).min(MAX_TAPS + 2),
        v => v as usize % (MAX_TAPS + 2),
    };
    let order = match b.next() {
        255 => usize::MAX,
        v => v as usize % 5,
    };
    let ksize = b.next() as i8 as i32;
    let normalize = b.bool();
    let mut buf = vec![f32::NAN; buf_len];
    let size_verdict = |n: usize, buf_len: usize| {
        if n == 0 {
            Err(Error::EmptyKernel)
        } else if n > MAX_TAPS {
            Err(Error::KernelTooLong)
        } else if buf_len < n {
            Err(Error::BufferTooShort { needed: n, actual: buf_len })
        } else {
            Ok(())
        }
    };
    let check_taps = |taps: &[f32], n: usize, what: &str| {
        assert_eq!(taps.len(), n, "{what}");
        assert!(taps.iter().all(|t| t.is_finite()), "{what}: {taps:?}");
        Kernel::new(taps).expect("generated taps are a kernel");
    };
    let ds = generate::default_sigma(len);
    assert!(ds.is_finite() && ds > 0.0);

    // Gaussian.
    let r = generate::gaussian(len, sigma, &mut buf);
    let want = if len == 0 {
        Err(Error::EmptyKernel)
    } else if len > MAX_TAPS {
        Err(Error::KernelTooLong)
    } else if !sigma.is_finite() {
        Err(Error::NonFiniteWeight)
    } else {
        size_verdict(len, buf_len)
    };
    assert_eq!(r.map(|_| ()), want, "gaussian({len}, {sigma})");
    if let Ok(t) = generate::gaussian(len, sigma, &mut buf) {
        check_taps(t, len, "gaussian");
        let sum: f64 = t.iter().map(|&w| w as f64).sum();
        assert!((sum - 1.0).abs() <= len as f64 * 1e-7, "gaussian({len}, {sigma}) sums to {sum}: {t:?}");
        assert!(t.iter().all(|&w| w >= 0.0));
        assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| a == b), "gaussian({len}, {sigma}) not symmetric");
    }
    // Box and binomial.
    let r = generate::box_kernel(len, normalize, &mut buf).map(|t| t.to_vec());
    assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), size_verdict(len, buf_len));
    if let Ok(t) = r {
        check_taps(&t, len, "box");
    }
    let r = generate::binomial(len, &mut buf).map(|t| t.to_vec());
    assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), size_verdict(len, buf_len));
    if let Ok(t) = r {
        check_taps(&t, len, "binomial");
        let sum: f64 = t.iter().map(|&w| w as f64).sum();
        assert!((sum - 1.0).abs() <= len as f64 * 1e-7, "binomial({len}) sums to {sum}");
    }
    // Sobel and Scharr.
    let r = generate::deriv(order, ksize, normalize, &mut buf).map(|t| t.to_vec());
    let want = if ksize <= 0 {
        if order > 1 {
            Err(Error::InvalidParameter)
        } else {
            size_verdict(3, buf_len)
        }
    } else if ksize % 2 == 0 || ksize > 31 {
        Err(Error::InvalidParameter)
    } else {
        let n = if ksize == 1 && order > 0 { 3 } else { ksize as usize };
        if n <= order {
            Err(Error::InvalidParameter)
        } else {
            size_verdict(n, buf_len)
        }
    };
    assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), want, "deriv({order}, {ksize}, {normalize})");
    if let Ok(t) = r {
        let n = t.len();
        check_taps(&t, n, "deriv");
        let sign = if order % 2 == 1 { -1.0 } else { 1.0 };
        assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| *a == sign * *b), "deriv({order}, {ksize}): {t:?}");
    }
    // Derivatives of a Gaussian.
    let r = generate::gaussian_derivative(len, sigma, order, &mut buf).map(|t| t.to_vec());
    let want = if !sigma.is_finite() {
        Err(Error::NonFiniteWeight)
    } else {
        size_verdict(len, buf_len).and(if order > 2 || len <= order { Err(Error::InvalidParameter) } else { Ok(()) })
    };
    match (&r, want) {
        // A σ the taps cannot carry is also `InvalidParameter`.
        (Err(Error::InvalidParameter), Ok(())) => {}
        (r, want) => {
            assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), want, "gaussian_derivative({len}, {sigma}, {order})")
        }
    }
    if let Ok(t) = r {
        check_taps(&t, len, "gaussian_derivative");
        let sign = if order == 1 { -1.0 } else { 1.0 };
        assert!(t.iter().zip(t.iter().rev()).all(|(a, b)| *a == sign * *b), "gaussian_derivative: {t:?}");
    }
}

/// The exact (f64) 2D correlation with the separable filters' borders
/// (`Constant` fills everything outside the image), anchor `(cols/2, rows/2)`.
/// The bounds below (those of `tests/separable.rs`) include the rounding of
/// weights to f32.
fn oracle_2d(k: &Kernel2d, src: &ImageView<'_, f32>, borders: Borders) -> Vec<f64> {
    let Shape { width, height, channels } = src.shape();
    let (ax, ay) = (k.cols() / 2, k.rows() / 2);
    let mut out = Vec::with_capacity(width * height * channels);
    for y in 0..height {
        for x in 0..width {
            for ch in 0..channels {
                let mut acc = 0.0f64;
                for j in 0..k.rows() {
                    for i in 0..k.cols() {
                        let (vx, vy) = ((x + i) as isize - ax as isize, (y + j) as isize - ay as isize);
                        let v = match borders.vertical.map(vy, height) {
                            None => borders.vertical.constant().unwrap_or(0.0),
                            Some(sy) => match borders.horizontal.map(vx, width) {
                                None => borders.horizontal.constant().unwrap_or(0.0),
                                Some(sx) => src.get(sx, sy, ch).unwrap(),
                            },
                        };
                        acc += k.get(j, i).unwrap() * v as f64;
                    }
                }
                out.push(acc);
            }
        }
    }
    out
}

fn assert_near(got: &[f32], want: &[f64], bound: f64, what: &dyn std::fmt::Display) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((*g as f64 - w).abs() <= bound, "{what}: sample {i}: {g} vs {w} (bound {bound})");
    }
}

/// Fuzz target `separable`: `Kernel2d` constructors on arbitrary sizes and
/// weights; the decomposition (sorted non-negative singular values, full rank
/// reconstructs the kernel, errors for bad ranks and tolerances); the direct
/// 2D correlation, every `SeparableSum` on every backend and `filter_2d`
/// against an exact f64 oracle within their derived bounds.
pub fn check_separable(data: &[u8]) {
    let mut b = Bytes::new(data);
    let (rows, cols) = (b.kernel_len(), b.kernel_len());
    // Sizes that overflow `rows · cols`, or are merely too long.
    let (big_r, big_c) = (b.size(), b.size());
    let huge = Kernel2d::from_fn(big_r, big_c, |_, _| 1.0);
    if big_r == 0 || big_c == 0 {
        assert_eq!(huge.err(), Some(Error::EmptyKernel));
    } else if big_r > MAX_TAPS || big_c > MAX_TAPS {
        assert_eq!(huge.err(), Some(Error::KernelTooLong));
    } else {
        assert_eq!(huge.map(|k| k.weights().len()), Ok(big_r * big_c));
    }
    let scale = match b.next() {
        0 => 1e30,
        1 => 1e-30,
        2 => 1e300,
        3 => 0.0,
        _ => 1.0,
    };
    let mismatch = b.below(8) == 0;
    let n = (rows * cols).min(1 << 12) + mismatch as usize;
    let weights: Vec<f64> = (0..n).map(|_| b.weight() as f64 * scale).collect();
    let k = Kernel2d::new(&weights, rows, cols);
    let want = if rows == 0 || cols == 0 {
        Err(Error::EmptyKernel)
    } else if rows > MAX_TAPS || cols > MAX_TAPS {
        Err(Error::KernelTooLong)
    } else if weights.len() != rows * cols {
        Err(Error::ShapeMismatch)
    } else if weights.iter().any(|w| !w.is_finite()) {
        Err(Error::NonFiniteWeight)
    } else {
        Ok(())
    };
    assert_eq!(k.as_ref().map(|_| ()).map_err(|e| *e), want, "Kernel2d::new {rows}×{cols}");
    let Ok(k) = k else { return };
    if rows > 16 || cols > 16 {
        return; // the SVD of a large kernel is too slow for a fuzz iteration
    }
    let d = k.decompose();
    let sv = d.singular_values();
    assert_eq!(sv.len(), rows.min(cols));
    assert!(sv.iter().all(|s| s.is_finite() && *s >= 0.0) && sv.windows(2).all(|w| w[0] >= w[1]), "{sv:?}");
    let norm = k.norm();
    let diff = d.reconstruct(sv.len()).sub(&k).expect("same size").norm();
    assert!(diff <= 1e-12 * norm * (rows + cols) as f64, "full rank reconstruction off by {diff} (norm {norm})");
    let errors = d.relative_errors();
    assert!(errors.iter().all(|e| (0.0..=1.0 + 1e-12).contains(e)), "{errors:?}");
    let tolerance = b.f64();
    let r = d.rank_within(tolerance);
    assert_eq!(r.is_err(), tolerance.is_nan() || tolerance < 0.0, "rank_within({tolerance})");
    let _ = d.separable(tolerance);
    let rank = b.below(sv.len() + 2);
    let approx = d.approximate(rank);
    if rank == 0 || rank > sv.len() {
        assert_eq!(approx.as_ref().err(), Some(&Error::InvalidParameter));
    }
    let filter = separable::Filter2d::new(k.clone(), tolerance);
    match &filter {
        Err(Error::InvalidParameter) => assert!(tolerance.is_nan() || tolerance < 0.0, "Filter2d::new({tolerance})"),
        // Factors beyond f32 (a kernel of norm ~1e300).
        Err(Error::NonFiniteWeight) => assert!(norm > f32::MAX as f64, "Filter2d::new: {norm}"),
        Err(e) => panic!("Filter2d::new({tolerance}): {e:?}"),
        Ok(_) => assert!(tolerance >= 0.0, "Filter2d::new({tolerance}) accepted"),
    }

    // Filtering a small image.
    let (w, h, ch) = (1 + b.below(24), 1 + b.below(16), 1 + b.below(4));
    let borders = Borders::new(b.border(), b.border());
    let img: Vec<f32> = (0..w * h * ch).map(|_| f32_sample(b.next())).collect();
    let src = ImageView::new(&img, w, h, ch).unwrap();
    let bad_constant =
        [borders.horizontal, borders.vertical].iter().any(|b| b.constant().is_some_and(|v| !v.is_finite()));
    let max_abs = img
        .iter()
        .copied()
        .chain([borders.horizontal, borders.vertical].iter().filter_map(|b| b.constant()))
        .fold(0.0f32, |m, v| m.max(v.abs())) as f64;
    let weights32_ok = k.weights().iter().all(|w| (*w as f32).is_finite());
    let mut dst_buf = vec![0.0f32; w * h * ch];
    let r = separable::correlate_2d(&k, &src, &mut ImageViewMut::new(&mut dst_buf, w, h, ch).unwrap(), borders);
    assert_eq!(r, if bad_constant { Err(Error::InvalidBorderValue) } else { Ok(()) });
    if bad_constant {
        return;
    }
    let abs_sum32: f64 = k.weights().iter().map(|w| (*w as f32).abs() as f64).sum();
    if weights32_ok && abs_sum32 * max_abs < 1e30 {
        let exact = oracle_2d(&k, &src, borders);
        let bound = (k.multiply_adds() + 2) as f64 * U * abs_sum32 * max_abs * 1.01 + 1e-30;
        assert_near(&dst_buf, &exact, bound, &"correlate_2d");
    }
    let sum_bound = |sum: &SeparableSum| {
        let s = |v: &[f32]| v.iter().map(|w| w.abs() as f64).sum::<f64>();
        let terms: f64 = sum.terms().iter().map(|(c, r)| s(c) * s(r)).sum();
        ((sum.rows() + sum.cols() + 2) as f64 + sum.rank() as f64) * U * terms * max_abs * 1.01 + 1e-30
    };
    if let Ok(sum) = approx {
        let terms_ok = sum.terms().iter().all(|(c, r)| c.iter().chain(r).all(|w| w.is_finite()));
        assert!(terms_ok);
        let exact = oracle_2d(&sum.kernel(), &src, borders);
        let bound = sum_bound(&sum);
        if bound < 1e30 {
            for backend in available_backends() {
                let mut out = vec![f32::NAN; w * h * ch];
                sum.filter_with(backend, &src, &mut ImageViewMut::new(&mut out, w, h, ch).unwrap(), borders)
                    .expect("separable sum");
                assert_near(&out, &exact, bound, &format_args!("{} rank {rank} sum", backend.name()));
            }
        }
    }
    if let Ok(filter) = filter {
        let got = sepconv::filter_2d(&src, &k, borders, tolerance);
        if !weights32_ok {
            return; // factors or weights overflow f32: an error or infinities, never a panic
        }
        let got = got.expect("filter_2d");
        assert_eq!(got.path, filter.path());
        let exact = oracle_2d(&k, &src, borders);
        let bound = match got.path {
            Path2d::Direct => (k.multiply_adds() + 2) as f64 * U * abs_sum32 * max_abs * 1.01 + 1e-30,
            Path2d::Separable { rank } => {
                let sum = d.approximate(rank).expect("rank");
                // Truncation, the f32 rounding of the factors (relative
                // 2⁻²⁴ each) and of the arithmetic.
                // The f32 factors' rounding (≤ 2.01·u relative per product)
                // is within a second `sum_bound`; the oracle's own rounding
                // of `K` to f32 adds `u·Σ|K|·max|x|`.
                let abs_sum: f64 = k.weights().iter().map(|w| w.abs()).sum();
                d.output_error_bound(rank, max_abs) * 1.01 + 2.0 * sum_bound(&sum) + U * abs_sum * max_abs * 1.01
            }
        };
        if bound < 1e30 {
            assert_near(got.image.as_slice(), &exact, bound, &format_args!("filter_2d {:?}", got.path));
        }
    }
}

/// Weight slices never get longer than this (a longer one is a mismatch).
const MAX_WEIGHTS: usize = 1 << 13;

/// Decoders of the depthwise layers' parameters.
impl Bytes<'_> {
    /// A layer size: mostly `0..=max`, sometimes at the edges of `usize` arithmetic.
    fn layer_size(&mut self, max: usize) -> usize {
        match self.next() {
            255 => usize::MAX,
            254 => usize::MAX / 2,
            253 => usize::MAX / 2 + 1,
            252 => 1 << 32,
            251 => 1 << 16,
            b => b as usize % (max + 1),
        }
    }

    /// Channels: mostly `0..=8`, now and then up to 80, past every vector
    /// block (4 × 16 lanes) and into its tails.
    fn channels(&mut self) -> usize {
        if self.below(8) == 0 {
            9 + self.below(72)
        } else {
            self.layer_size(8)
        }
    }

    fn activation(&mut self) -> Activation {
        [Activation::None, Activation::Relu, Activation::Relu6][self.below(3)]
    }

    /// The length of a slice the shape asks `n` elements of: mostly `n`
    /// (also once the bytes run out), sometimes one off or empty.
    fn weight_len(&mut self, n: usize) -> usize {
        let n = n.min(MAX_WEIGHTS);
        match self.next() {
            255 => n + 1,
            254 => n.saturating_sub(1),
            253 => 0,
            _ => n,
        }
    }

    /// Per tensor (one scale) or per channel (`n`), or a wrong length.
    fn scales_len(&mut self, n: usize) -> usize {
        if self.below(4) == 0 {
            1
        } else {
            self.weight_len(n)
        }
    }

    /// A quantisation scale: mostly `2^-e·(1 + m/16)` in `[2^-23, 1.625]`
    /// (effective scales from far below 2^-31, where multipliers vanish, to
    /// 2^24: right and left shifts), sometimes not positive, not finite, or
    /// extreme enough that multipliers saturate.
    fn scale(&mut self) -> f32 {
        match self.next() {
            255 => f32::NAN,
            254 => f32::INFINITY,
            253 => 0.0,
            252 => -0.0,
            251 => -0.5,
            250 => f32::MAX,
            249 => 1e-45,
            248 => 1e-30,
            b => (1.0 + (b / 24) as f32 / 16.0) / (1u32 << (b % 24)) as f32,
        }
    }

    /// A zero point: mostly in `-128..=127`, sometimes just or far outside.
    fn zero_point(&mut self) -> i32 {
        match self.next() {
            255 => 128,
            254 => -129,
            253 => i32::MIN,
            b => b as i8 as i32,
        }
    }

    fn quantization(&mut self) -> Quantization {
        Quantization::new(self.scale(), self.zero_point())
    }

    /// The bias of a sum of `terms` int8 products: mostly moderate,
    /// sometimes at or just past the edge where the accumulator could overflow.
    fn bias(&mut self, terms: usize) -> i32 {
        let edge = (i32::MAX as i128 - terms as i128 * 255 * 128).clamp(0, i32::MAX as i128) as i32;
        match self.next() {
            255 => edge,
            254 => -edge - 1,
            253 => i32::MIN,
            b => (b as i32 - 128) * 256 + self.next() as i32,
        }
    }
}

/// What a depthwise layer's shape must give, derived in `u128` from the
/// module docs: its sizes, or the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LayerSizes {
    out: (usize, usize),
    input_len: usize,
    output_len: usize,
    depthwise_len: usize,
    pointwise_len: usize,
    scratch_f32: usize,
    scratch_i8: usize,
}

fn layer_sizes(s: &LayerShape) -> Result<LayerSizes, Error> {
    if [s.height, s.width, s.in_channels, s.out_channels].contains(&0) {
        return Err(Error::ZeroSize);
    }
    if s.kernel_height == 0 || s.kernel_width == 0 {
        return Err(Error::EmptyKernel);
    }
    if s.stride_y == 0 || s.stride_x == 0 {
        return Err(Error::InvalidStride);
    }
    // The output size, and the span `(m − 1)·s + k` the padding comes from.
    let axis = |n: usize, k: usize, stride: usize| {
        let (n, k, stride) = (n as u128, k as u128, stride as u128);
        let m = match s.padding {
            Padding::Same => n.div_ceil(stride),
            Padding::Valid if n < k => return Err(Error::EmptyOutput),
            Padding::Valid => (n - k) / stride + 1,
        };
        Ok((m, (m - 1) * stride + k))
    };
    let (out_h, span_y) = axis(s.height, s.kernel_height, s.stride_y)?;
    let (out_w, span_x) = axis(s.width, s.kernel_width, s.stride_x)?;
    let [h, w, c, c_out, kh, kw] =
        [s.height, s.width, s.in_channels, s.out_channels, s.kernel_height, s.kernel_width].map(|v| v as u128);
    let sizes = [
        span_y,
        span_x,
        product(&[h, w, c]),
        product(&[out_h, out_w, c_out]),
        product(&[kh, kw, c]),
        product(&[c, c_out]),
        product(&[out_w, c]).saturating_add(product(&[c, c_out])),
        product(&[2, c + c_out]).saturating_add(product(&[c.div_ceil(2), c_out + out_w])),
    ];
    if sizes.iter().any(|&v| v > usize::MAX as u128) {
        return Err(Error::SizeOverflow);
    }
    let [_, _, input_len, output_len, depthwise_len, pointwise_len, scratch_f32, scratch_i8] =
        sizes.map(|v| v as usize);
    let out = (out_h as usize, out_w as usize);
    Ok(LayerSizes { out, input_len, output_len, depthwise_len, pointwise_len, scratch_f32, scratch_i8 })
}

/// A product in `u128`, saturating: whatever passes `usize::MAX` on the
/// way ends past it.
fn product(factors: &[u128]) -> u128 {
    factors.iter().fold(1, |p, &v| p.saturating_mul(v))
}

/// `LengthMismatch` for the first `(expected, actual)` that differ.
fn lengths_verdict(lens: &[(usize, usize)]) -> Result<(), Error> {
    match lens.iter().find(|(expected, actual)| expected != actual) {
        Some(&(expected, actual)) => Err(Error::LengthMismatch { expected, actual }),
        None => Ok(()),
    }
}

/// Whether running the layer fits a fuzz iteration: the reference does
/// `C_out` times the layer's work.
fn runnable(s: &LayerShape, z: &LayerSizes) -> bool {
    let work = [z.output_len, s.in_channels, s.kernel_height * s.kernel_width + 1];
    z.input_len <= 1 << 16 && work.iter().fold(1usize, |p, &v| p.saturating_mul(v)) <= 1 << 22
}

/// A valid layer on every backend: no buffers at all, and (if `allocate`)
/// input, output or scratch one element short, are errors that leave the
/// output as it was.
fn check_layer_buffers<T: Pod, S: Pod>(
    z: &LayerSizes,
    scratch_len: usize,
    allocate: bool,
    run: impl Fn(Backend, &[T], &mut [T], &mut [S]) -> Result<(), Error>,
) {
    for backend in available_backends() {
        let r = run(backend, &[], &mut [], &mut []);
        assert_eq!(r, Err(Error::BufferTooShort { needed: z.input_len, actual: 0 }), "{}", backend.name());
    }
    if !allocate {
        return;
    }
    let (n_in, n_out) = (z.input_len, z.output_len);
    let input = vec![T::zeroed(); n_in];
    let mut output = sentinel::<T>(n_out);
    let mut scratch = vec![S::zeroed(); scratch_len];
    let cases = [
        (n_in - 1, n_out, scratch_len, Error::BufferTooShort { needed: n_in, actual: n_in - 1 }),
        (n_in, n_out - 1, scratch_len, Error::BufferTooShort { needed: n_out, actual: n_out - 1 }),
        (n_in, n_out, scratch_len - 1, Error::ScratchTooSmall { needed: scratch_len, actual: scratch_len - 1 }),
    ];
    for backend in available_backends() {
        for (i, o, s, want) in cases {
            let r = run(backend, &input[..i], &mut output[..o], &mut scratch[..s]);
            assert_eq!(r, Err(want), "{}", backend.name());
        }
    }
    assert!(bytemuck::cast_slice::<T, u8>(&output).iter().all(|&v| v == 0xA5), "a refused run wrote its output");
}

/// Asserts that nothing past the first `len` elements of `output` was written.
fn assert_tail_untouched<T: Pod>(output: &[T], len: usize, what: &dyn std::fmt::Display) {
    assert!(bytemuck::cast_slice::<T, u8>(&output[len..]).iter().all(|&v| v == 0xA5), "{what}: wrote past the output");
}

/// Fuzz target `depthwise`: depthwise-separable layers (f32 and int8) of
/// arbitrary shapes (sizes up to `usize::MAX`), weights, biases, scales
/// and zero points. Every verdict of the shape and the constructors against
/// a model; valid layers on every backend against the references (int8 bit
/// for bit, f32 within the bound `reference::separable_f32` derives), with
/// garbage scratch, longer buffers (nothing read or written past the
/// lengths used), and short buffers refused.
pub fn check_depthwise(data: &[u8]) {
    let mut b = Bytes::new(data);
    let shape = LayerShape {
        height: b.layer_size(20),
        width: b.layer_size(20),
        in_channels: b.channels(),
        out_channels: b.channels(),
        kernel_height: b.layer_size(7),
        kernel_width: b.layer_size(7),
        stride_y: b.layer_size(4),
        stride_x: b.layer_size(4),
        padding: if b.bool() { Padding::Valid } else { Padding::Same },
    };
    let acts = (b.activation(), b.activation());
    let int8 = b.bool();
    let slack = b.below(3);
    let sizes = layer_sizes(&shape);
    assert_eq!(shape.output_size(), sizes.map(|z| z.out), "{shape:?}");
    assert_eq!(shape.input_len(), sizes.map(|z| z.input_len), "{shape:?}");
    assert_eq!(shape.output_len(), sizes.map(|z| z.output_len), "{shape:?}");
    let [c, c_out, kh, kw] =
        [shape.in_channels, shape.out_channels, shape.kernel_height, shape.kernel_width].map(|v| v as u128);
    let (dw, pw) = (product(&[kh, kw, c]), product(&[c, c_out]));
    let fit = |v: u128| usize::try_from(v).ok();
    let counts = fit(dw.saturating_add(pw)).zip(fit(dw.saturating_mul(c_out)));
    assert_eq!(shape.parameter_counts(), counts, "{shape:?}");
    if int8 {
        check_depthwise_i8(&mut b, shape, sizes, acts, slack);
    } else {
        check_depthwise_f32(&mut b, shape, sizes, acts, slack);
    }
}

/// The f32 half of [`check_depthwise`].
fn check_depthwise_f32(
    b: &mut Bytes,
    shape: LayerShape,
    sizes: Result<LayerSizes, Error>,
    acts: (Activation, Activation),
    slack: usize,
) {
    let (c, c_out) = (shape.in_channels, shape.out_channels);
    let dw_len = shape.kernel_height.saturating_mul(shape.kernel_width).saturating_mul(c);
    let mut slices = [dw_len, c, c.saturating_mul(c_out), c_out].map(|n| {
        let len = b.weight_len(n);
        (0..len).map(|_| (b.next() as f32 - 128.0) / 64.0).collect::<Vec<_>>()
    });
    // Now and then one weight or bias that is not finite.
    let poison = b.next() as usize;
    if let Some(&bad) = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].get((255 - poison) / 8) {
        let s = &mut slices[poison % 4];
        if !s.is_empty() {
            let i = b.next() as usize % s.len();
            s[i] = bad;
        }
    }
    let [dw, dw_bias, pw, pw_bias] = &slices;
    let want = sizes.and_then(|z| {
        let lens =
            [(z.depthwise_len, dw.len()), (c, dw_bias.len()), (z.pointwise_len, pw.len()), (c_out, pw_bias.len())];
        lengths_verdict(&lens)?;
        if slices.iter().flatten().all(|v| v.is_finite()) {
            Ok(z)
        } else {
            Err(Error::NonFiniteWeight)
        }
    });
    let weights = F32Weights {
        depthwise: dw,
        depthwise_bias: dw_bias,
        depthwise_activation: acts.0,
        pointwise: pw,
        pointwise_bias: pw_bias,
        activation: acts.1,
    };
    let layer = SeparableF32::new(shape, weights);
    assert_eq!(layer.as_ref().map(|_| ()).map_err(|e| *e), want.map(|_| ()), "{shape:?}");
    let (Ok(layer), Ok(z)) = (layer, want) else { return };
    assert_eq!((layer.output_size(), layer.scratch_len()), (z.out, z.scratch_f32), "{shape:?}");
    let run_it = runnable(&shape, &z);
    check_layer_buffers(&z, layer.scratch_len(), run_it, |backend, i, o, s| layer.run(backend, i, o, s));
    if !run_it {
        return;
    }
    // NaN past the input: reading it would show in the output.
    let input: Vec<f32> =
        (0..z.input_len).map(|_| f32_sample(b.next())).chain(std::iter::repeat_n(f32::NAN, slack)).collect();
    let (mut values, mut bounds) = (vec![0.0; z.output_len], vec![0.0; z.output_len]);
    depthwise::reference::separable_f32(&layer, &input, &mut values, &mut bounds).expect("reference f32");
    for backend in available_backends() {
        let mut output = sentinel::<f32>(z.output_len + slack);
        layer.run(backend, &input, &mut output, &mut vec![f32::NAN; layer.scratch_len()]).expect("f32 layer");
        let name = backend.name();
        for (i, ((g, v), bound)) in output.iter().zip(&values).zip(&bounds).enumerate() {
            assert!((*g as f64 - v).abs() <= *bound, "{name} {shape:?} output {i}: {g} vs {v} (bound {bound})");
        }
        assert_tail_untouched(&output, z.output_len, &name);
    }
}

/// The int8 half of [`check_depthwise`].
fn check_depthwise_i8(
    b: &mut Bytes,
    shape: LayerShape,
    sizes: Result<LayerSizes, Error>,
    acts: (Activation, Activation),
    slack: usize,
) {
    let (c, c_out) = (shape.in_channels, shape.out_channels);
    let taps = shape.kernel_height.saturating_mul(shape.kernel_width);
    let q = [b.quantization(), b.quantization(), b.quantization()];
    let int8s = |b: &mut Bytes, n| {
        let len = b.weight_len(n);
        (0..len).map(|_| b.next() as i8).collect::<Vec<_>>()
    };
    let scales = |b: &mut Bytes, n| {
        let len = b.scales_len(n);
        (0..len).map(|_| b.scale()).collect::<Vec<_>>()
    };
    let biases = |b: &mut Bytes, n, terms| {
        let len = b.weight_len(n);
        (0..len).map(|_| b.bias(terms)).collect::<Vec<_>>()
    };
    let (dw, dw_scales, dw_bias) = (int8s(b, taps.saturating_mul(c)), scales(b, c), biases(b, c, taps));
    let (pw, pw_scales, pw_bias) = (int8s(b, c.saturating_mul(c_out)), scales(b, c_out), biases(b, c_out, c));
    let per = |n: usize, scales: &[f32]| if scales.len() == 1 { 1 } else { n };
    let scale_ok = |s: f32| s > 0.0 && s < f32::INFINITY;
    let fits = |bias: &[i32], terms: usize| {
        let max = bias.iter().map(|&v| (v as i128).abs()).max().unwrap_or(0);
        max + terms as i128 * 255 * 128 <= i32::MAX as i128
    };
    let want = sizes.and_then(|z| {
        lengths_verdict(&[
            (z.depthwise_len, dw.len()),
            (c, dw_bias.len()),
            (per(c, &dw_scales), dw_scales.len()),
            (z.pointwise_len, pw.len()),
            (c_out, pw_bias.len()),
            (per(c_out, &pw_scales), pw_scales.len()),
        ])?;
        for q in q {
            if !scale_ok(q.scale) {
                return Err(Error::InvalidScale);
            }
            if !(-128..=127).contains(&q.zero_point) {
                return Err(Error::InvalidZeroPoint);
            }
        }
        if !dw_scales.iter().chain(&pw_scales).all(|&s| scale_ok(s)) {
            Err(Error::InvalidScale)
        } else if !(fits(&dw_bias, taps) && fits(&pw_bias, c)) {
            Err(Error::AccumulatorOverflow)
        } else {
            Ok(z)
        }
    });
    let weights = I8Weights {
        input: q[0],
        depthwise: &dw,
        depthwise_scales: &dw_scales,
        depthwise_bias: &dw_bias,
        depthwise_output: q[1],
        depthwise_activation: acts.0,
        pointwise: &pw,
        pointwise_scales: &pw_scales,
        pointwise_bias: &pw_bias,
        output: q[2],
        activation: acts.1,
    };
    let layer = SeparableI8::new(shape, weights);
    assert_eq!(layer.as_ref().map(|_| ()).map_err(|e| *e), want.map(|_| ()), "{shape:?}");
    let (Ok(layer), Ok(z)) = (layer, want) else { return };
    assert_eq!((layer.output_size(), layer.scratch_len()), (z.out, z.scratch_i8), "{shape:?}");
    for (lo, hi) in layer.activation_bounds() {
        assert!(-128 <= lo && lo <= hi && hi <= 127, "activation bounds {lo}..={hi}");
    }
    // A Q31 multiplier in [2^30, 2^31) (or 0: every result 0) and a shift
    // in -31..=30 for every channel, none past the last.
    let q31 = |m: Option<(i32, i32)>| m.is_some_and(|(m, s)| (m == 0 || m >= 1 << 30) && (-31..=30).contains(&s));
    assert!(q31(layer.depthwise_multiplier(c - 1)) && layer.depthwise_multiplier(c).is_none());
    assert!(q31(layer.pointwise_multiplier(c_out - 1)) && layer.pointwise_multiplier(c_out).is_none());
    let run_it = runnable(&shape, &z);
    check_layer_buffers(&z, layer.scratch_len(), run_it, |backend, i, o, s| layer.run(backend, i, o, s));
    if !run_it {
        return;
    }
    let input: Vec<i8> = (0..z.input_len + slack).map(|_| b.next() as i8).collect();
    let mut expected = vec![0i8; z.output_len];
    depthwise::reference::separable_i8(&layer, &input, &mut expected).expect("reference int8");
    for backend in available_backends() {
        let mut output = sentinel::<i8>(z.output_len + slack);
        layer.run(backend, &input, &mut output, &mut vec![0x5555_5555; layer.scratch_len()]).expect("int8 layer");
        assert_bits(&output[..z.output_len], &expected, &format_args!("{} int8 {shape:?}", backend.name()));
        assert_tail_untouched(&output, z.output_len, &backend.name());
    }
}

#[cfg(test)]
mod tests {
    /// Runs a check over deterministic pseudo-random inputs (xorshift).
    fn pseudo_random(check: fn(&[u8]), count: usize) {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..count {
            let len = (next() % 600) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            check(&data);
        }
        check(&[]);
    }

    /// The committed seed corpora (`corpus/<target>/`), and any findings
    /// kept there as regression inputs, through their checks.
    #[test]
    fn committed_corpora() {
        type Check = fn(&[u8]);
        let targets: [(&str, Check); 8] = [
            ("filter_f32", super::check_filter_f32),
            ("filter_u8", super::check_filter_u8),
            ("plan", super::check_plan),
            ("regions", super::check_regions),
            ("variants", super::check_variants),
            ("generate", super::check_generate),
            ("separable", super::check_separable),
            ("depthwise", super::check_depthwise),
        ];
        for (target, check) in targets {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
            let mut files = 0;
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
                let path = entry.unwrap().path();
                check(&std::fs::read(&path).unwrap());
                files += 1;
            }
            assert!(files > 0, "no seeds for {target}");
        }
    }

    #[test]
    fn filter_f32() {
        pseudo_random(super::check_filter_f32, 300);
    }
    #[test]
    fn filter_u8() {
        pseudo_random(super::check_filter_u8, 300);
    }
    #[test]
    fn plan() {
        pseudo_random(super::check_plan, 3000);
    }
    #[test]
    fn regions() {
        pseudo_random(super::check_regions, 300);
    }
    #[test]
    fn variants() {
        pseudo_random(super::check_variants, 300);
    }
    #[test]
    fn generate() {
        pseudo_random(super::check_generate, 3000);
    }
    #[test]
    fn separable() {
        pseudo_random(super::check_separable, 300);
    }
    #[test]
    fn depthwise() {
        pseudo_random(super::check_depthwise, 1000);
    }
}
