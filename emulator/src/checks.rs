//! The checks: the AVX-512 backend against the reference, over every width
//! up to three of its vectors plus a kernel (every tail of both engines),
//! the unrolled u8 lengths and the generic ones, every border, anchors,
//! 1–4 channels, strides, both regions, both f32 column strategies,
//! streaming stores at every alignment, in-place filtering, bands, u16
//! (both forms of its recipe), and the depthwise-separable layers.

use sepconv_core::arch::x86_64::Avx512;
use sepconv_core::depthwise::{self, Activation, LayerShape, Padding, Quantization};
use sepconv_core::fixed16::FixedPoint16;
use sepconv_core::{generate, reference, Backend, Border, Borders, ColumnStrategy, ImageView, ImageViewMut, Kernel};
use sepconv_core::{Error, Output, Plan, Sample, Shape};

use crate::log;

/// Check groups, selectable one at a time (see `ONLY` in main.rs).
pub const GROUPS: u64 = 5;
/// The AVX-512 u8 engine's block: 32 `i16` lanes (the f32 one has 16).
const LANES: usize = 32;
/// Samples per image buffer.
const MAX_SAMPLES: usize = 1 << 15;
/// f32s of scratch.
const SCRATCH: usize = 1 << 17;
/// Failures logged in full; later ones are only counted.
const LOGGED: usize = 12;
/// f32 unit roundoff, `2^-24`.
const U32: f64 = 1.0 / 16_777_216.0;

/// xorshift64: the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in `[lo, hi)`.
    fn unit(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// The kernels the sweeps draw from: every unrolled u8 length (symmetric
/// 3..=15), generic symmetric lengths, even, asymmetric, antisymmetric and
/// signed ones.
struct Kernels {
    taps: [[f32; 64]; Self::COUNT],
    len: [usize; Self::COUNT],
}

impl Kernels {
    const GAUSSIAN: [usize; 11] = [1, 3, 5, 7, 9, 11, 13, 15, 17, 21, 31];
    const COUNT: usize = Self::GAUSSIAN.len() + 6;

    fn new() -> Self {
        let mut k = Kernels { taps: [[0.0; 64]; Self::COUNT], len: [0; Self::COUNT] };
        for (i, &n) in Self::GAUSSIAN.iter().enumerate() {
            generate::gaussian(n, 0.0, &mut k.taps[i]).expect("gaussian");
            k.len[i] = n;
        }
        let others: [&[f32]; 6] = [
            &[0.25, 0.25, 0.25, 0.25],
            &[0.1, 0.2, 0.3, 0.4],
            &[-1.0, 0.0, 1.0],
            &[-1.0, -2.0, 0.0, 2.0, 1.0],
            &[-0.05, 0.1, -0.2, 0.9, -0.2, 0.1, -0.05],
            &[0.02, -0.1, 0.3, 0.7, 0.2, -0.15, 0.05, -0.02, 0.01, 0.0, 0.01],
        ];
        for (i, t) in others.iter().enumerate() {
            let j = Self::GAUSSIAN.len() + i;
            k.taps[j][..t.len()].copy_from_slice(t);
            k.len[j] = t.len();
        }
        k
    }

    fn get(&self, i: usize) -> &[f32] {
        &self.taps[i][..self.len[i]]
    }
}

/// One filter: shape, kernels, borders and the plan's options.
#[derive(Debug, Clone, Copy)]
struct Case {
    width: usize,
    height: usize,
    channels: usize,
    row: usize,
    column: usize,
    row_anchor: usize,
    column_anchor: usize,
    borders: Borders,
    valid: bool,
    src_pad: usize,
    dst_pad: usize,
    strategy: ColumnStrategy,
    stream: bool,
}

impl Case {
    fn random(rng: &mut Rng, k: &Kernels, width: usize, row: usize, column: usize, max_height: usize) -> Case {
        let border = |rng: &mut Rng| match rng.below(5) {
            // Whole values in 0..=255: valid for u8 images too.
            0 => Border::Constant(rng.below(256) as f32),
            1 => Border::Replicate,
            2 => Border::Reflect,
            3 => Border::Reflect101,
            _ => Border::Wrap,
        };
        let (nr, nc) = (k.len[row], k.len[column]);
        let anchor = |rng: &mut Rng, n: usize| if rng.below(2) == 0 { n / 2 } else { rng.below(n) };
        Case {
            width,
            height: 1 + rng.below(max_height),
            channels: 1 + rng.below(4),
            row,
            column,
            row_anchor: anchor(rng, nr),
            column_anchor: anchor(rng, nc),
            borders: Borders::new(border(rng), border(rng)),
            valid: rng.below(8) == 0,
            src_pad: if rng.below(2) == 0 { 0 } else { rng.below(9) },
            dst_pad: if rng.below(2) == 0 { 0 } else { rng.below(9) },
            strategy: if rng.below(3) == 0 { ColumnStrategy::TransposedTile } else { ColumnStrategy::Direct },
            stream: rng.below(2) == 0,
        }
    }

    /// The plan, or `None` when the case has no output (valid region, kernel wider than the image).
    fn plan<'k>(&self, k: &'k Kernels) -> Option<Plan<'k>> {
        let shape = Shape::new(self.width, self.height, self.channels).expect("shape");
        let row = Kernel::with_anchor(k.get(self.row), self.row_anchor).expect("row kernel");
        let column = Kernel::with_anchor(k.get(self.column), self.column_anchor).expect("column kernel");
        let plan = if self.valid {
            match Plan::valid(shape, row, column) {
                Err(Error::EmptyOutput) => return None,
                plan => plan.expect("valid plan"),
            }
        } else {
            Plan::new(shape, row, column, self.borders).expect("plan")
        };
        Some(plan.with_column_strategy(self.strategy).with_streaming(self.stream))
    }
}

/// Counts and logs failures.
struct Tally {
    name: &'static str,
    cases: usize,
    failures: usize,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally { name, cases: 0, failures: 0 }
    }
    fn check(&mut self, ok: bool, what: &str, case: &dyn core::fmt::Debug) {
        if !ok {
            if self.failures < LOGGED {
                log!("FAIL {}: {what}: {case:?}", self.name);
            }
            self.failures += 1;
        }
    }
    fn finish(self) -> usize {
        log!("{}: {} cases, {} failures", self.name, self.cases, self.failures);
        self.failures
    }
}

/// Buffers reused by every case (on the stack of `run_all`, which has room).
struct Buffers {
    src_u8: [u8; MAX_SAMPLES],
    src_u16: [u16; MAX_SAMPLES],
    src_f32: [f32; MAX_SAMPLES],
    want: [f32; MAX_SAMPLES],
    got: [f32; MAX_SAMPLES],
    again: [f32; MAX_SAMPLES],
    scratch: [f32; SCRATCH],
}

/// `len` elements of `buf` as `T` (the buffers are f32-aligned and f32-sized,
/// which is enough for u8, i16 and f32).
fn typed<T: bytemuck::Pod>(buf: &mut [f32], len: usize) -> &mut [T] {
    &mut bytemuck::cast_slice_mut::<f32, T>(buf)[..len]
}

/// Two fills for destinations: the reference's output and the backend's
/// start as different values, so that a skipped write cannot match by
/// chance, and the backend's padding must still hold its fill afterwards.
trait Fill: bytemuck::Pod + PartialEq + core::fmt::Debug {
    const WANT: Self;
    const GOT: Self;
}
impl Fill for u8 {
    const WANT: u8 = 0x5A;
    const GOT: u8 = 0xA5;
}
impl Fill for i16 {
    const WANT: i16 = 12_345;
    const GOT: i16 = -12_345;
}
impl Fill for u16 {
    const WANT: u16 = 0x5A5A;
    const GOT: u16 = 0xA5A5;
}
impl Fill for f32 {
    const WANT: f32 = 1234.5;
    const GOT: f32 = -4321.25;
}

/// The image parts of `want` and `got` (rows of `row_len` every `stride`)
/// are bit-identical and `got`'s padding still holds `fill`.
fn same_image<T: bytemuck::Pod>(want: &[T], got: &[T], stride: usize, row_len: usize, fill: T) -> bool {
    want.chunks(stride).zip(got.chunks(stride)).all(|(w, g)| {
        bits(&w[..row_len]) == bits(&g[..row_len]) && g[row_len..].iter().all(|p| bits(&[*p]) == bits(&[fill]))
    })
}

fn bits<T: bytemuck::Pod>(v: &[T]) -> &[u8] {
    bytemuck::cast_slice(v)
}

pub fn run_all() -> usize {
    // SAFETY: run.py runs this program on an emulated CPU that implements
    // AVX-512F/BW, AVX2, FMA and F16C, with the AVX-512 state enabled (XCR0) —
    // except in its control runs, which disable that state on purpose and
    // rely on the first AVX-512 instruction trapping (#UD) and ending the run.
    let avx512 = Backend::Avx512(unsafe { Avx512::new_unchecked() });
    let kernels = Kernels::new();
    let mut bufs = Buffers {
        src_u8: [0; MAX_SAMPLES],
        src_u16: [0; MAX_SAMPLES],
        src_f32: [0.0; MAX_SAMPLES],
        want: [0.0; MAX_SAMPLES],
        got: [0.0; MAX_SAMPLES],
        again: [0.0; MAX_SAMPLES],
        scratch: [0.0; SCRATCH],
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (i, v) in bufs.src_u8.iter_mut().enumerate() {
        *v = rng.next() as u8;
        // Runs of equal pixels and the extremes as well as noise.
        if i % 97 < 9 {
            *v = if i % 2 == 0 { 255 } else { 0 };
        }
    }
    for (i, v) in bufs.src_u16.iter_mut().enumerate() {
        *v = rng.next() as u16;
        if i % 89 < 7 {
            *v = if i % 2 == 0 { u16::MAX } else { 0 };
        }
    }
    for v in bufs.src_f32.iter_mut() {
        *v = rng.unit(-300.0, 300.0);
    }
    log!("backend under test: {}", avx512.name());
    let only = crate::runtime::only();
    let selected = |group: u64| only == 0 || only == group;
    let mut failures = 0;
    if selected(1) {
        failures += timed(|| u8_sweeps(avx512, &kernels, &mut bufs, &mut rng));
    }
    if selected(2) {
        failures += timed(|| f32_sweeps(avx512, &kernels, &mut bufs, &mut rng));
    }
    if selected(3) {
        failures += timed(|| f32_streaming_at_every_alignment(avx512, &kernels, &mut bufs));
    }
    if selected(4) {
        failures += timed(|| depthwise_layers(avx512, &mut rng));
    }
    if selected(5) {
        failures += timed(|| u16_sweeps(avx512, &kernels, &mut bufs, &mut rng));
    }
    log!("{}", if failures == 0 { "all checks passed" } else { "FAILED" });
    failures
}

/// Runs `check` between two marks, at which run.py notes the time: it
/// prints how long each check took.
fn timed(check: impl FnOnce() -> usize) -> usize {
    crate::runtime::mark();
    let failures = check();
    crate::runtime::mark();
    failures
}

/// The cases of a sweep: every width up to three vectors plus the longest
/// unrolled kernel, kernels in rotation; then each kernel six times as the
/// row kernel and six times as the column kernel (the passes specialise on
/// each length separately), heights up to a few kernel lengths.
fn sweep(k: &Kernels, rng: &mut Rng, mut each: impl FnMut(&Case, &mut Rng)) {
    let n = Kernels::COUNT;
    for width in 1..=3 * LANES + 15 {
        let case = Case::random(rng, k, width, width % n, (width / n + 3 * width) % n, 12);
        each(&case, rng);
    }
    // Each unrolled length (3..=15 taps) alone in its pass, one channel, at
    // the widths where the block loops change: below one vector (scalar),
    // one, one and a tail, two (the two-block loop), three and around them.
    for (kernel, &len) in Kernels::GAUSSIAN.iter().enumerate().filter(|(_, &len)| (3..=15).contains(&len)) {
        for width in [1, 2, LANES - 1, LANES, LANES + 1, 2 * LANES - 1, 2 * LANES, 2 * LANES + 1, 3 * LANES + 1] {
            let mut rows = Case::random(rng, k, width, kernel, 0, 3);
            rows.channels = 1;
            each(&rows, rng);
            let mut columns = Case::random(rng, k, width, 0, kernel, 1);
            (columns.channels, columns.height) = (1, len + 1 + rng.below(3));
            each(&columns, rng);
        }
    }
    for i in 0..6 * n {
        let (row, column) = (i % n, (7 * i + 3 + i / n) % n);
        let width = 1 + rng.below(3 * LANES + 15);
        // Interior rows for kernels up to the longest unrolled length;
        // longer ones run the generic loops, which do not depend on it.
        let max_height = k.len[column].min(15) + 3;
        let case = Case::random(rng, k, width, row, column, max_height);
        each(&case, rng);
    }
}

fn u8_sweeps(b: Backend, k: &Kernels, bufs: &mut Buffers, rng: &mut Rng) -> usize {
    let mut tally = Tally::new("u8 → u8 (and i16 or f32) bit for bit; in place; bands");
    sweep(k, rng, |case, rng| {
        let Some(plan) = case.plan(k) else { return };
        tally.cases += 1;
        let ok = pipeline::<u8, u8>(
            b,
            &plan,
            case,
            &bufs.src_u8,
            [&mut bufs.want, &mut bufs.got, &mut bufs.again, &mut bufs.scratch],
            rng,
        );
        tally.check(ok, "u8 → u8", case);
        // The wider outputs differ in the final store only: every other case each.
        if tally.cases.is_multiple_of(2) {
            let ok = pipeline::<u8, i16>(
                b,
                &plan,
                case,
                &bufs.src_u8,
                [&mut bufs.want, &mut bufs.got, &mut bufs.again, &mut bufs.scratch],
                rng,
            );
            tally.check(ok, "u8 → i16", case);
        } else {
            let ok = pipeline::<u8, f32>(
                b,
                &plan,
                case,
                &bufs.src_u8,
                [&mut bufs.want, &mut bufs.got, &mut bufs.again, &mut bufs.scratch],
                rng,
            );
            tally.check(ok, "u8 → f32", case);
        }
        if !case.valid {
            let ok = in_place(b, &plan, case, &bufs.src_u8, [&mut bufs.want, &mut bufs.got, &mut bufs.scratch]);
            tally.check(ok, "u8 in place", case);
        }
    });
    tally.finish()
}

/// u16 → u16 (the recipe's f32 form for short normalised kernels, else its
/// integer form) and every third case u16 → f32, bit for bit; bands. A
/// kernel the recipe refuses must be refused by both.
fn u16_sweeps(b: Backend, k: &Kernels, bufs: &mut Buffers, rng: &mut Rng) -> usize {
    let mut tally = Tally::new("u16 → u16 (and f32) bit for bit; bands");
    sweep(k, rng, |case, rng| {
        let Some(plan) = case.plan(k) else { return };
        if FixedPoint16::new(&plan.row_kernel(), &plan.column_kernel()).is_err() {
            return;
        }
        tally.cases += 1;
        let ok = pipeline::<u16, u16>(
            b,
            &plan,
            case,
            &bufs.src_u16,
            [&mut bufs.want, &mut bufs.got, &mut bufs.again, &mut bufs.scratch],
            rng,
        );
        tally.check(ok, "u16 → u16", case);
        if tally.cases.is_multiple_of(3) {
            let ok = pipeline::<u16, f32>(
                b,
                &plan,
                case,
                &bufs.src_u16,
                [&mut bufs.want, &mut bufs.got, &mut bufs.again, &mut bufs.scratch],
                rng,
            );
            tally.check(ok, "u16 → f32", case);
        }
    });
    tally.finish()
}

/// Source view of `case` over the samples `data`.
fn src_view<'a, T: Copy>(data: &'a [T], case: &Case) -> ImageView<'a, T> {
    let stride = case.width * case.channels + case.src_pad;
    ImageView::with_stride(&data[..stride * case.height], case.width, case.height, case.channels, stride).expect("src")
}

/// One integer pipeline (u8 or u16 samples `data`): the backend's output
/// (strided, sentinel-filled) equals the reference's bit for bit, padding
/// untouched; bands equal the whole.
fn pipeline<S: Sample, D: Fill + Output<S>>(
    b: Backend,
    plan: &Plan<'_>,
    case: &Case,
    data: &[S],
    [want, got, again, scratch]: [&mut [f32]; 4],
    rng: &mut Rng,
) -> bool {
    let o = plan.output_shape();
    let row_len = o.width * o.channels;
    let stride = row_len + case.dst_pad;
    let len = stride * o.height;
    let src = src_view(data, case);
    let scratch = &mut scratch[..plan.scratch_len::<S>()];
    let want = typed::<D>(want, len);
    want.fill(D::WANT);
    let mut view = ImageViewMut::with_stride(&mut *want, o.width, o.height, o.channels, stride).expect("dst");
    reference::filter(plan, &src, &mut view).expect("reference");
    let got = typed::<D>(got, len);
    got.fill(D::GOT);
    let mut view = ImageViewMut::with_stride(&mut *got, o.width, o.height, o.channels, stride).expect("dst");
    plan.filter(b, &src, &mut view, scratch).expect("filter");
    let whole = same_image(want, got, stride, row_len, D::GOT);
    // Bands: two pieces cut at a random row.
    let again = typed::<D>(again, len);
    again.fill(D::GOT);
    let view = ImageViewMut::with_stride(&mut *again, o.width, o.height, o.channels, stride).expect("dst");
    two_bands(b, plan, &src, view, rng, scratch);
    whole && bits(again) == bits(got)
}

/// Filters into `dst` as two bands cut at a random row (one band if the output has one row).
fn two_bands<S: Sample, D: Output<S>>(
    b: Backend,
    plan: &Plan<'_>,
    src: &ImageView<'_, S>,
    mut dst: ImageViewMut<'_, D>,
    rng: &mut Rng,
    scratch: &mut [f32],
) {
    let height = plan.output_shape().height;
    if height == 1 {
        plan.filter_band(b, src, &mut dst, 0..1, scratch).expect("band");
        return;
    }
    let cut = 1 + rng.below(height - 1);
    let (mut top, mut bottom) = dst.split_at_row(cut).expect("split");
    plan.filter_band(b, src, &mut top, 0..cut, scratch).expect("top band");
    plan.filter_band(b, src, &mut bottom, cut..height, scratch).expect("bottom band");
}

/// In place equals out of place, bit for bit (`S` = u8 or f32, with its
/// source samples `src` and the other buffers of [`Buffers`]).
fn in_place<S: Sample + Output<S>>(
    b: Backend,
    plan: &Plan<'_>,
    case: &Case,
    src: &[S],
    [want, got, scratch]: [&mut [f32]; 3],
) -> bool {
    let stride = case.width * case.channels + case.src_pad;
    let len = stride * case.height;
    let source = src_view(src, case);
    let scratch = &mut scratch[..plan.scratch_len::<S>()];
    let want = typed::<S>(want, len);
    want.copy_from_slice(&src[..len]);
    let mut out = ImageViewMut::with_stride(&mut *want, case.width, case.height, case.channels, stride).expect("dst");
    plan.filter(b, &source, &mut out, scratch).expect("filter");
    let image = typed::<S>(got, len);
    image.copy_from_slice(&src[..len]);
    let mut view =
        ImageViewMut::with_stride(&mut *image, case.width, case.height, case.channels, stride).expect("image");
    plan.filter_in_place(b, &mut view, scratch).expect("in place");
    bits(want) == bits(image)
}

fn f32_sweeps(b: Backend, k: &Kernels, bufs: &mut Buffers, rng: &mut Rng) -> usize {
    let mut tally = Tally::new("f32 within the bound; in place; bands");
    sweep(k, rng, |case, rng| {
        let Some(plan) = case.plan(k) else { return };
        tally.cases += 1;
        let ok = f32_filter(b, &plan, case, bufs, rng);
        tally.check(ok, "f32", case);
        if !case.valid {
            let ok = in_place(b, &plan, case, &bufs.src_f32, [&mut bufs.want, &mut bufs.got, &mut bufs.scratch]);
            tally.check(ok, "f32 in place", case);
        }
    });
    tally.finish()
}

/// The derived f32 bound against the exact result (see the host tests'
/// `Spec::f32_bound`): `(nr + nc + 2) · u · Σ|r| · Σ|c| · M`.
fn f32_bound(plan: &Plan<'_>) -> f64 {
    let (r, c) = (plan.row_kernel(), plan.column_kernel());
    let b = plan.borders();
    let constant = |x: Border| x.constant().map_or(0.0, |v| (v as f64).abs());
    let m = 300f64.max(constant(b.horizontal)).max(constant(b.vertical));
    (r.len() + c.len() + 2) as f64 * U32 * r.abs_sum() * c.abs_sum() * m
}

/// The backend within twice the bound of the reference (both are within the
/// bound of the exact result), padding untouched, bands equal to the whole.
fn f32_filter(b: Backend, plan: &Plan<'_>, case: &Case, bufs: &mut Buffers, rng: &mut Rng) -> bool {
    let o = plan.output_shape();
    let stride = o.width * o.channels + case.dst_pad;
    let len = stride * o.height;
    let src = src_view(&bufs.src_f32, case);
    let scratch = &mut bufs.scratch[..plan.scratch_len::<f32>()];
    bufs.want[..len].fill(f32::WANT);
    let mut view =
        ImageViewMut::with_stride(&mut bufs.want[..len], o.width, o.height, o.channels, stride).expect("dst");
    reference::filter(plan, &src, &mut view).expect("reference");
    bufs.got[..len].fill(f32::GOT);
    let mut view = ImageViewMut::with_stride(&mut bufs.got[..len], o.width, o.height, o.channels, stride).expect("dst");
    plan.filter(b, &src, &mut view, scratch).expect("filter");
    let bound = 2.0 * f32_bound(plan);
    let close = bufs.want[..len].iter().zip(&bufs.got[..len]).enumerate().all(|(i, (&w, &g))| {
        let inside = i % stride < o.width * o.channels;
        if inside {
            ((w as f64) - (g as f64)).abs() <= bound
        } else {
            g.to_bits() == f32::GOT.to_bits()
        }
    });
    bufs.again[..len].fill(f32::GOT);
    let view = ImageViewMut::with_stride(&mut bufs.again[..len], o.width, o.height, o.channels, stride).expect("dst");
    two_bands(b, plan, &src, view, rng, scratch);
    // Equal as numbers: a band may give −0.0 where the whole gives +0.0.
    close && bufs.again[..len] == bufs.got[..len]
}

/// Streaming stores (`vmovntps` of whole 64-byte lines, plain stores at
/// the row ends) give the plain stores' bits at every offset from a line
/// start and write nothing outside the image.
fn f32_streaming_at_every_alignment(b: Backend, k: &Kernels, bufs: &mut Buffers) -> usize {
    let mut tally = Tally::new("f32 streaming stores at every alignment");
    // Offsets are counted from a 64-byte boundary inside `got`/`want`.
    let base = |buf: &[f32]| (64 - (buf.as_ptr() as usize % 64)) % 64 / 4;
    for (width, height, row, column) in [
        (1, 3, 2, 2),
        (15, 4, 2, 3),
        (16, 5, 3, 2),
        (17, 2, 1, 4),
        (63, 7, 2, 2),
        (64, 3, 4, 1),
        (100, 6, 9, 9),
        (257, 4, 2, 10),
    ] {
        for pad in [0, 3, 16] {
            for offset in 0..16 {
                let case = Case {
                    width,
                    height,
                    channels: 1,
                    row,
                    column,
                    row_anchor: k.len[row] / 2,
                    column_anchor: k.len[column] / 2,
                    borders: Borders::uniform(Border::Reflect101),
                    valid: false,
                    src_pad: 0,
                    dst_pad: pad,
                    strategy: ColumnStrategy::Direct,
                    stream: true,
                };
                let plan = case.plan(k).expect("plan");
                let stride = width + pad;
                let len = stride * height;
                let src = src_view(&bufs.src_f32, &case);
                let scratch = &mut bufs.scratch[..plan.scratch_len::<f32>()];
                let (g, w) = (base(&bufs.got) + offset, base(&bufs.want) + offset);
                bufs.got[..len + g + 16].fill(f32::GOT);
                bufs.want[..len + w + 16].fill(f32::GOT);
                let mut view =
                    ImageViewMut::with_stride(&mut bufs.got[g..g + len], width, height, 1, stride).expect("dst");
                plan.filter(b, &src, &mut view, scratch).expect("streamed");
                let plain = plan.with_streaming(false);
                let mut view =
                    ImageViewMut::with_stride(&mut bufs.want[w..w + len], width, height, 1, stride).expect("dst");
                plain.filter(b, &src, &mut view, scratch).expect("plain");
                tally.cases += 1;
                let same = bits(&bufs.got[g..g + len]) == bits(&bufs.want[w..w + len]);
                let untouched = |buf: &[f32], at: usize| {
                    buf[..at].iter().chain(&buf[at + len..at + len + 16]).all(|v| v.to_bits() == f32::GOT.to_bits())
                };
                let ok = same && untouched(&bufs.got, g) && untouched(&bufs.want, w);
                tally.check(ok, "streamed ≠ plain or wrote outside", &(width, height, pad, offset));
            }
        }
    }
    tally.finish()
}

/// Random depthwise-separable layers: f32 within the reference's bound of
/// the exact result, int8 bit for bit with TFLite's arithmetic.
fn depthwise_layers(b: Backend, rng: &mut Rng) -> usize {
    let mut f32_tally = Tally::new("depthwise f32 within the reference's bound");
    let mut i8_tally = Tally::new("depthwise int8 bit for bit");
    let mut skipped = 0;
    const N: usize = 1 << 13;
    let mut input_f32 = [0f32; N];
    let mut input_i8 = [0i8; N];
    let (mut dw, mut dw_i8, mut pw, mut pw_i8) = ([0f32; 1024], [0i8; 1024], [0f32; 4096], [0i8; 4096]);
    let (mut dw_bias, mut pw_bias, mut dw_bias_i32, mut pw_bias_i32) = ([0f32; 64], [0f32; 64], [0i32; 64], [0i32; 64]);
    let (mut dw_scales, mut pw_scales) = ([0f32; 64], [0f32; 64]);
    let (mut out_f32, mut out_i8, mut want_i8) = ([0f32; N], [0i8; N], [0i8; N]);
    let (mut values, mut bounds) = ([0f64; N], [0f64; N]);
    let mut scratch_f32 = [0f32; 1 << 15];
    let mut scratch_i32 = [0i32; 1 << 15];
    let activation = |rng: &mut Rng| [Activation::None, Activation::Relu, Activation::Relu6][rng.below(3)];
    for i in 0..100 {
        let kernel = 1 + rng.below(5);
        let (c_in, c_out) = (1 + rng.below(if i % 3 == 0 { 64 } else { 20 }), 1 + rng.below(40));
        let shape = LayerShape::new(
            kernel + rng.below(9),
            kernel + rng.below(9),
            c_in,
            c_out,
            kernel,
            1 + rng.below(2),
            if rng.below(2) == 0 { Padding::Same } else { Padding::Valid },
        );
        let (n_in, n_out) = (shape.input_len().expect("input"), shape.output_len().expect("output"));
        if n_in > N || n_out > N || kernel * kernel * c_in > 1024 || c_in * c_out > 4096 {
            skipped += 1;
            continue;
        }
        for v in input_f32[..n_in].iter_mut() {
            *v = rng.unit(-2.0, 2.0);
        }
        for v in dw.iter_mut().chain(pw.iter_mut()) {
            *v = rng.unit(-1.0, 1.0);
        }
        for v in dw_bias.iter_mut().chain(pw_bias.iter_mut()) {
            *v = rng.unit(-0.5, 0.5);
        }
        let weights = depthwise::F32Weights {
            depthwise: &dw[..kernel * kernel * c_in],
            depthwise_bias: &dw_bias[..c_in],
            depthwise_activation: activation(rng),
            pointwise: &pw[..c_in * c_out],
            pointwise_bias: &pw_bias[..c_out],
            activation: activation(rng),
        };
        let layer = depthwise::SeparableF32::new(shape, weights).expect("f32 layer");
        let scratch = &mut scratch_f32[..layer.scratch_len()];
        layer.run(b, &input_f32[..n_in], &mut out_f32[..n_out], scratch).expect("f32 run");
        depthwise::reference::separable_f32(&layer, &input_f32[..n_in], &mut values[..n_out], &mut bounds[..n_out])
            .expect("f32 reference");
        f32_tally.cases += 1;
        let ok = (0..n_out).all(|j| ((out_f32[j] as f64) - values[j]).abs() <= bounds[j]);
        f32_tally.check(ok, "f32 layer", &(shape, i));

        // int8: scales that keep most outputs in range (some saturate).
        let taps = (kernel * kernel) as f32;
        let zp = |rng: &mut Rng| rng.below(256) as i32 - 128;
        for v in input_i8[..n_in].iter_mut().chain(dw_i8.iter_mut()).chain(pw_i8.iter_mut()) {
            *v = rng.next() as i8;
        }
        for v in dw_bias_i32.iter_mut().chain(pw_bias_i32.iter_mut()) {
            *v = rng.below(40_001) as i32 - 20_000;
        }
        let per_tensor = rng.below(4) == 0;
        let (dw_n, pw_n) = if per_tensor { (1, 1) } else { (c_in, c_out) };
        for v in dw_scales[..dw_n].iter_mut().chain(pw_scales[..pw_n].iter_mut()) {
            *v = rng.unit(0.002, 0.05);
        }
        let input = Quantization::new(rng.unit(0.005, 0.1), zp(rng));
        let gain = if rng.below(8) == 0 { rng.unit(8.0, 100.0) } else { rng.unit(0.25, 4.0) };
        let mid_scale = input.scale * dw_scales[0] * 150.0 * (1.0 + taps / 4.0) / gain;
        let mid = Quantization::new(mid_scale, zp(rng));
        let out_scale = mid_scale * pw_scales[0] * 150.0 * (1.0 + c_in as f32 / 4.0) / rng.unit(0.25, 4.0);
        let output = Quantization::new(out_scale, zp(rng));
        let weights = depthwise::I8Weights {
            input,
            depthwise: &dw_i8[..kernel * kernel * c_in],
            depthwise_scales: &dw_scales[..dw_n],
            depthwise_bias: &dw_bias_i32[..c_in],
            depthwise_output: mid,
            depthwise_activation: activation(rng),
            pointwise: &pw_i8[..c_in * c_out],
            pointwise_scales: &pw_scales[..pw_n],
            pointwise_bias: &pw_bias_i32[..c_out],
            output,
            activation: activation(rng),
        };
        let layer = depthwise::SeparableI8::new(shape, weights).expect("int8 layer");
        let scratch = &mut scratch_i32[..layer.scratch_len()];
        layer.run(b, &input_i8[..n_in], &mut out_i8[..n_out], scratch).expect("int8 run");
        depthwise::reference::separable_i8(&layer, &input_i8[..n_in], &mut want_i8[..n_out]).expect("int8 reference");
        i8_tally.cases += 1;
        i8_tally.check(out_i8[..n_out] == want_i8[..n_out], "int8 layer", &(shape, i));
    }
    log!("depthwise: {skipped} random shapes skipped (larger than the buffers)");
    f32_tally.finish() + i8_tally.finish()
}
