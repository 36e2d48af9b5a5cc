//! Shared test helpers: filter specs, image builders and proptest
//! strategies, over `sepconv-testkit` (the test kit `fuzz/` shares).
//!
//! The oracle ([`oracle`], `sepconv_testkit::Oracle`) deliberately uses a
//! *different* algorithm from `sepconv::reference`: it builds the full 2D
//! kernel `K[j][i] = col[j]·row[i]` in f64 and sums `K · in` over the
//! border-extended image, with its own border-index function written from the
//! table in DESIGN.md ([`border_index`]; it never calls `Border::map`).

// Each test file uses some of these helpers and re-exports, not all.
#![allow(dead_code, unused_imports)]

use std::sync::Once;

use proptest::prelude::*;
use sepconv::{
    available_backends, Backend, Border, Borders, ImageView, ImageViewMut, Kernel, Output, Plan, Region, Shape,
};
use sepconv_testkit::oracle::output_size;

pub use sepconv_testkit::bound::{self, U32};
pub use sepconv_testkit::{border_index, Oracle, XorShift};

// ---------------------------------------------------------------------------
// The backends under test.
// ---------------------------------------------------------------------------

/// The backends this CPU runs, or (`SEPCONV_TEST_BACKENDS`, comma-separated
/// names) some of them: CI's emulated aarch64 run of the gate tests NEON
/// only, the scalar backend being the code the host tests.
pub fn backends() -> Vec<Backend> {
    static PRINT: Once = Once::new();
    let mut all = available_backends();
    if let Ok(names) = std::env::var("SEPCONV_TEST_BACKENDS") {
        all.retain(|b| names.split(',').any(|n| n.trim() == b.name()));
        assert!(!all.is_empty(), "SEPCONV_TEST_BACKENDS={names}: none of these backends runs here");
    }
    PRINT.call_once(|| {
        let names: Vec<&str> = all.iter().map(|b| b.name()).collect();
        eprintln!("backends under test: {}", names.join(", "));
    });
    all
}

// ---------------------------------------------------------------------------
// A filter specification and the oracle.
// ---------------------------------------------------------------------------

/// Everything that defines one filter call (except the pixels).
#[derive(Debug, Clone)]
pub struct Spec {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub row: Vec<f32>,
    pub row_anchor: usize,
    pub col: Vec<f32>,
    pub col_anchor: usize,
    pub borders: Borders,
    pub region: Region,
}

impl Spec {
    pub fn row_kernel(&self) -> Kernel<'_> {
        Kernel::with_anchor(&self.row, self.row_anchor).expect("valid row kernel")
    }
    pub fn col_kernel(&self) -> Kernel<'_> {
        Kernel::with_anchor(&self.col, self.col_anchor).expect("valid column kernel")
    }
    pub fn shape(&self) -> Shape {
        Shape::new(self.width, self.height, self.channels).expect("valid shape")
    }

    /// The plan, or the error building it returned.
    pub fn try_plan(&self) -> sepconv::Result<Plan<'_>> {
        match self.region {
            Region::Same => Plan::new(self.shape(), self.row_kernel(), self.col_kernel(), self.borders),
            Region::Valid => Plan::valid(self.shape(), self.row_kernel(), self.col_kernel()),
            window => Plan::for_region(self.shape(), self.row_kernel(), self.col_kernel(), self.borders, window),
        }
    }
    pub fn plan(&self) -> Plan<'_> {
        self.try_plan().expect("plan")
    }

    /// Output size by the contract's own rule (0 if the valid region is empty).
    pub fn out_size(&self) -> (usize, usize) {
        output_size(self.region, (self.width, self.height), (self.col.len(), self.row.len()))
    }

    /// Largest `|constant|` a border can contribute (0 for a valid region; a
    /// window may reach the image's edges).
    pub fn max_abs_constant(&self) -> f64 {
        if self.region == Region::Valid {
            return 0.0;
        }
        bound::max_abs_constant(self.borders)
    }

    /// The derived f32 error bound against the exact result,
    /// `(nr + nc + 2) · u · Σ|r| · Σ|c| · M` where `M` is the largest
    /// `|x|` the kernel can see, border constants included (derived at
    /// `sepconv_testkit::bound::separable`).
    pub fn f32_bound(&self, max_abs_pixel: f64) -> f64 {
        let m = max_abs_pixel.max(self.max_abs_constant());
        bound::separable(&self.row, &self.col, m)
    }
}

/// The exact result (in f64) of filtering an image read through `get(x, y, ch)`,
/// packed `out_w × out_h × channels`.
pub fn oracle(spec: &Spec, get: &dyn Fn(usize, usize, usize) -> f64) -> Vec<f64> {
    let oracle = Oracle::separable(&spec.row, spec.row_anchor, &spec.col, spec.col_anchor);
    oracle.filter(spec.borders, spec.region, (spec.width, spec.height, spec.channels), get)
}

/// Per output of `spec` on the image `get` reads: the magnitude
/// `Σ_j |c_j| Σ_i |r_i| |x_ij|` of `bound::separable_at` and the reach of
/// `bound::stays_finite` (`|c_j|` raised to 1), both by the oracle on
/// absolute values: ∞ or NaN where the footprint holds a sample that is not
/// finite.
pub fn magnitudes(spec: &Spec, get: &dyn Fn(usize, usize, usize) -> f64) -> (Vec<f64>, Vec<f64>) {
    let abs = |t: &[f32], floor: f32| t.iter().map(|w| w.abs().max(floor)).collect::<Vec<f32>>();
    let abs_border = |b: Border| b.constant().map_or(b, |v| Border::Constant(v.abs()));
    let borders = Borders::new(abs_border(spec.borders.horizontal), abs_border(spec.borders.vertical));
    let dims = (spec.width, spec.height, spec.channels);
    let abs_get = |x, y, c| get(x, y, c).abs();
    let row = abs(&spec.row, 0.0);
    let run = |col: &[f32]| {
        Oracle::separable(&row, spec.row_anchor, col, spec.col_anchor).filter(borders, spec.region, dims, &abs_get)
    };
    (run(&abs(&spec.col, 0.0)), run(&abs(&spec.col, 1.0)))
}

// ---------------------------------------------------------------------------
// Images with strides (padding between rows filled with a sentinel).
// ---------------------------------------------------------------------------

/// An owned strided image for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Img<T> {
    pub data: Vec<T>,
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub stride: usize,
}

impl<T: Copy + PartialEq + std::fmt::Debug> Img<T> {
    /// `pad` extra elements after every row (the last one included), all `fill`.
    pub fn filled(width: usize, height: usize, channels: usize, pad: usize, fill: T) -> Self {
        let stride = width * channels + pad;
        Img { data: vec![fill; stride * height], width, height, channels, stride }
    }
    pub fn view(&self) -> ImageView<'_, T> {
        ImageView::with_stride(&self.data, self.width, self.height, self.channels, self.stride).expect("view")
    }
    pub fn view_mut(&mut self) -> ImageViewMut<'_, T> {
        ImageViewMut::with_stride(&mut self.data, self.width, self.height, self.channels, self.stride)
            .expect("view_mut")
    }
    pub fn at(&self, x: usize, y: usize, c: usize) -> T {
        self.data[y * self.stride + x * self.channels + c]
    }
    pub fn set(&mut self, x: usize, y: usize, c: usize, v: T) {
        self.data[y * self.stride + x * self.channels + c] = v;
    }
    /// The samples, packed row by row (no padding).
    pub fn packed(&self) -> Vec<T> {
        let row = self.width * self.channels;
        (0..self.height).flat_map(|y| self.data[y * self.stride..y * self.stride + row].iter().copied()).collect()
    }
    /// The padding elements, in order.
    pub fn padding(&self) -> Vec<T> {
        let row = self.width * self.channels;
        (0..self.height).flat_map(|y| self.data[y * self.stride + row..(y + 1) * self.stride].iter().copied()).collect()
    }
    pub fn max_abs(&self, abs: impl Fn(T) -> f64) -> f64 {
        self.packed().into_iter().map(abs).fold(0.0, f64::max)
    }
}

/// A random f32 image; the padding holds NaN so that reading it shows.
pub fn random_f32_image(rng: &mut XorShift, w: usize, h: usize, c: usize, pad: usize) -> Img<f32> {
    let mut img = Img::filled(w, h, c, pad, f32::NAN);
    let scale = [1.0f32, 255.0, 1000.0][rng.below(3)];
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                img.set(x, y, ch, rng.f32_in(-scale, scale));
            }
        }
    }
    img
}

/// A finite f32 of either sign from 64 random bits, weighted to where f32
/// arithmetic breaks: a quarter at the top of the range (where sums
/// overflow), a quarter within 2^20 ulps of `2^127` (where a folded pair
/// `x_i + x_{n−1−i}` starts to), a sixth anywhere in the range, a twelfth
/// subnormal, the rest ordinary (`|x| < 1000`).
pub fn finite_extreme(bits: u64) -> f32 {
    let k = (bits >> 8) as u32;
    let v = match bits % 12 {
        0..=2 => f32::from_bits(f32::MAX.to_bits() - k % 256),
        3..=5 if k & 1 == 0 => f32::from_bits(2f32.powi(127).to_bits() + (k >> 1) % (1 << 20)),
        3..=5 => f32::from_bits(2f32.powi(127).to_bits() - (k >> 1) % (1 << 20)),
        6 | 7 => f32::from_bits(((k % 255) << 23) | ((bits >> 40) as u32 % (1 << 23))),
        8 => f32::from_bits(k % (1 << 23)),
        _ => (k % 2_000_001) as f32 / 1000.0 - 1000.0,
    };
    if bits >> 63 == 1 {
        -v
    } else {
        v
    }
}

/// A random u8 image (uniform, extreme-only, a narrow band or white); the padding
/// holds random bytes.
pub fn random_u8_image(rng: &mut XorShift, w: usize, h: usize, c: usize, pad: usize) -> Img<u8> {
    let mut img = Img::filled(w, h, c, pad, 0u8);
    for v in img.data.iter_mut() {
        *v = rng.next_u64() as u8;
    }
    let style = rng.below(5);
    let base = rng.next_u64() as u8;
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                let v = match style {
                    0 | 1 => rng.next_u64() as u8,
                    2 => [0u8, 255][rng.below(2)],
                    3 => base.saturating_add(rng.below(4) as u8),
                    _ => 255, // white: the accumulators' extremes
                };
                img.set(x, y, ch, v);
            }
        }
    }
    img
}

/// A random f16 image (uniform in ±1000, the extremes ±65504, subnormals
/// and zeros, a narrow band, or small integers); the padding holds random
/// samples.
pub fn random_f16_image(rng: &mut XorShift, w: usize, h: usize, c: usize, pad: usize) -> Img<half::f16> {
    use half::f16;
    let mut img = Img::filled(w, h, c, pad, f16::ZERO);
    for v in img.data.iter_mut() {
        *v = f16::from_bits(rng.next_u64() as u16);
    }
    let style = rng.below(5);
    let base = rng.below(2000) as f32 - 1000.0;
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                let v = match style {
                    0 | 1 => f16::from_f32(rng.below(2_000_001) as f32 / 1000.0 - 1000.0),
                    2 => [
                        f16::MAX,
                        f16::MIN,
                        f16::MIN_POSITIVE_SUBNORMAL,
                        -f16::MIN_POSITIVE_SUBNORMAL,
                        f16::ZERO,
                        f16::NEG_ZERO,
                    ][rng.below(6)],
                    3 => f16::from_f32(base + rng.below(4) as f32 / 8.0),
                    _ => f16::from_f32(rng.below(256) as f32),
                };
                img.set(x, y, ch, v);
            }
        }
    }
    img
}

/// A random u16 image (uniform, extreme-only, a narrow band, white or small
/// values); the padding holds random samples.
pub fn random_u16_image(rng: &mut XorShift, w: usize, h: usize, c: usize, pad: usize) -> Img<u16> {
    let mut img = Img::filled(w, h, c, pad, 0u16);
    for v in img.data.iter_mut() {
        *v = rng.next_u64() as u16;
    }
    let style = rng.below(6);
    let base = rng.next_u64() as u16;
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                let v = match style {
                    0 | 1 => rng.next_u64() as u16,
                    2 => [0u16, 65535][rng.below(2)],
                    3 => base.saturating_add(rng.below(4) as u16),
                    4 => rng.below(1024) as u16, // 10-bit camera data
                    _ => 65535,
                };
                img.set(x, y, ch, v);
            }
        }
    }
    img
}

// ---------------------------------------------------------------------------
// Kernels and borders.
// ---------------------------------------------------------------------------

/// What kind of taps to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taps {
    /// Any sign, magnitudes up to 1, some zeros.
    Signed,
    /// Non-negative, some zeros, any sum.
    NonNegative,
    /// Non-negative and summing to 1 (up to f32 rounding of each tap).
    Normalised,
}

/// `n` taps of the given kind; a third are symmetric and (for signed taps) a
/// sixth antisymmetric, the shapes the passes fold.
pub fn random_taps(rng: &mut XorShift, n: usize, kind: Taps) -> Vec<f32> {
    let raw: Vec<f32> = (0..n)
        .map(|_| {
            if rng.chance(1, 8) {
                0.0
            } else {
                match kind {
                    Taps::Signed => rng.f32_in(-1.0, 1.0),
                    _ => rng.f32_in(0.0, 1.0),
                }
            }
        })
        .collect();
    let symmetry = rng.below(6) as u8;
    shape_taps(raw, symmetry, kind)
}

/// Mirrors `taps` into a symmetric (`symmetry` 0 or 1) or, for signed
/// kinds, antisymmetric (2) kernel; leaves them alone otherwise; then
/// normalises if the kind asks for it.
pub fn shape_taps(mut taps: Vec<f32>, symmetry: u8, kind: Taps) -> Vec<f32> {
    let n = taps.len();
    match symmetry {
        0 | 1 => {
            for i in 0..n / 2 {
                taps[n - 1 - i] = taps[i];
            }
        }
        2 if kind == Taps::Signed => {
            for i in 0..n / 2 {
                taps[n - 1 - i] = -taps[i];
            }
            if n % 2 == 1 {
                taps[n / 2] = 0.0;
            }
        }
        _ => {}
    }
    if kind == Taps::Normalised {
        normalise(taps)
    } else {
        taps
    }
}

pub const MODES: [&str; 5] = ["constant", "replicate", "reflect", "reflect101", "wrap"];

/// Border mode `i` of `MODES`; `Constant` takes `value`.
pub fn mode(i: usize, value: f32) -> Border {
    match i % 5 {
        0 => Border::Constant(value),
        1 => Border::Replicate,
        2 => Border::Reflect,
        3 => Border::Reflect101,
        _ => Border::Wrap,
    }
}

/// A random border; constants are integers in `0..=255` so that the same
/// spec is valid for u8 and f32 images.
pub fn random_border(rng: &mut XorShift) -> Border {
    mode(rng.below(5), rng.below(256) as f32)
}

/// A kernel length: mostly short (odd and even), sometimes long.
pub fn random_len(rng: &mut XorShift) -> usize {
    match rng.below(20) {
        0 => rng.range(13, 40),
        1 if rng.chance(1, 4) => rng.range(200, sepconv::MAX_TAPS),
        _ => rng.range(1, 12),
    }
}

/// A whole random spec. Image sizes shrink for long kernels to keep the
/// O(w·h·nr·nc) oracle cheap; `Valid` regions get images that fit the kernel
/// most of the time (and sometimes not, to check `EmptyOutput`).
pub fn random_spec(rng: &mut XorShift, kind: Taps) -> Spec {
    let (nr, nc) = (random_len(rng), random_len(rng));
    let channels = rng.range(1, 4);
    let region = if rng.chance(1, 4) { Region::Valid } else { Region::Same };
    let max_w = if nr > 40 {
        3
    } else if nr > 12 {
        8
    } else {
        20
    };
    let max_h = if nc > 40 {
        3
    } else if nc > 12 {
        6
    } else {
        12
    };
    let (width, height) = if region == Region::Valid && !rng.chance(1, 10) {
        (nr + rng.below(max_w), nc + rng.below(max_h))
    } else {
        (rng.range(1, max_w), rng.range(1, max_h))
    };
    Spec {
        width,
        height,
        channels,
        row: random_taps(rng, nr, kind),
        row_anchor: rng.below(nr),
        col: random_taps(rng, nc, kind),
        col_anchor: rng.below(nc),
        borders: Borders::new(random_border(rng), random_border(rng)),
        region,
    }
}

/// Normalises non-negative taps to sum 1 (in f64, then rounded to f32); an
/// all-zero kernel becomes a one-tap identity at its first position.
pub fn normalise(raw: Vec<f32>) -> Vec<f32> {
    let sum: f64 = raw.iter().map(|&w| w as f64).sum();
    if sum == 0.0 {
        let mut t = raw;
        t[0] = 1.0;
        t
    } else {
        raw.iter().map(|&w| (w as f64 / sum) as f32).collect()
    }
}

/// Proptest strategy: a border mode, constants integers in `0..=255`.
pub fn border_strategy() -> impl Strategy<Value = Border> {
    prop_oneof![
        (0u8..=255).prop_map(|v| Border::Constant(v as f32)),
        Just(Border::Replicate),
        Just(Border::Reflect),
        Just(Border::Reflect101),
        Just(Border::Wrap),
    ]
}

/// Proptest strategy: a kernel length, mostly 1..=12, sometimes long.
pub fn len_strategy() -> impl Strategy<Value = usize> {
    prop_oneof![16 => 1usize..=12, 2 => 13usize..=40, 1 => 200usize..=sepconv::MAX_TAPS]
}

/// Proptest strategy: `n` taps of the given kind (a third symmetric, a
/// sixth antisymmetric, as [`random_taps`]).
pub fn taps_strategy(n: usize, kind: Taps) -> BoxedStrategy<Vec<f32>> {
    let signed = prop_oneof![1 => Just(0.0f32), 7 => -1.0f32..1.0];
    let nonneg = prop_oneof![1 => Just(0.0f32), 7 => 0.0f32..1.0];
    let raw = match kind {
        Taps::Signed => proptest::collection::vec(signed, n).boxed(),
        _ => proptest::collection::vec(nonneg, n).boxed(),
    };
    (raw, 0u8..6).prop_map(move |(t, symmetry)| shape_taps(t, symmetry, kind)).boxed()
}

/// Proptest strategy: a whole spec. Image sizes shrink for long kernels to
/// keep the O(w·h·nr·nc) oracle cheap; `Valid` regions get images that fit
/// the kernel most of the time (and sometimes not, to check `EmptyOutput`).
pub fn spec_strategy(kind: Taps) -> impl Strategy<Value = Spec> {
    let region = prop_oneof![3 => Just(Region::Same), 1 => Just(Region::Valid)];
    (len_strategy(), len_strategy(), 1usize..=4, region, proptest::bool::weighted(0.9)).prop_flat_map(
        move |(nr, nc, channels, region, fit)| {
            let max_w = if nr > 40 {
                3
            } else if nr > 12 {
                8
            } else {
                20
            };
            let max_h = if nc > 40 {
                3
            } else if nc > 12 {
                6
            } else {
                12
            };
            let (w, h) = if region == Region::Valid && fit {
                (nr..nr + max_w, nc..nc + max_h)
            } else {
                (1..max_w + 1, 1..max_h + 1)
            };
            (w, h, taps_strategy(nr, kind), 0..nr, taps_strategy(nc, kind), 0..nc, border_strategy(), border_strategy())
                .prop_map(move |(width, height, row, row_anchor, col, col_anchor, bh, bv)| Spec {
                    width,
                    height,
                    channels,
                    row,
                    row_anchor,
                    col,
                    col_anchor,
                    borders: Borders::new(bh, bv),
                    region,
                })
        },
    )
}

// ---------------------------------------------------------------------------
// Bits and bands.
// ---------------------------------------------------------------------------

/// The bytes of `v`, for bit-for-bit comparisons.
pub fn bits<T: bytemuck::Pod>(v: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

/// f32 bits with −0.0 written as +0.0 (see `f32_bands_keep_the_sign_of_zero`).
pub fn bits_zero_canon(v: &[f32]) -> Vec<u8> {
    bits(&v.iter().map(|&x| if x == 0.0 { 0.0 } else { x }).collect::<Vec<f32>>())
}

/// Random row cut points for `1..=4` bands of `0..height`.
pub fn band_cuts(rng: &mut XorShift, height: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..rng.below(4)).filter(|_| height > 1).map(|_| rng.range(1, height - 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Filters into `out` band by band (each band a `split_at_row` piece of the
/// strided destination), with `filter_band`.
pub fn filter_by_bands<S, D>(plan: &Plan<'_>, backend: Backend, src: &Img<S>, out: &mut Img<D>, cuts: &[usize])
where
    S: sepconv::Sample + PartialEq + std::fmt::Debug,
    D: Output<S> + PartialEq + std::fmt::Debug,
{
    let mut scratch = scratch(plan.scratch_len::<S>());
    let mut rest = out.view_mut();
    let mut start = 0;
    for &cut in cuts {
        let (band, tail) = rest.split_at_row(cut - start).expect("split");
        let mut band = band;
        plan.filter_band(backend, &src.view(), &mut band, start..cut, &mut scratch).expect("filter_band");
        rest = tail;
        start = cut;
    }
    let end = plan.output_shape().height;
    plan.filter_band(backend, &src.view(), &mut rest, start..end, &mut scratch).expect("filter_band (last)");
}

// ---------------------------------------------------------------------------
// Comparisons.
// ---------------------------------------------------------------------------

/// `round(v)` clamped to `lo..=hi`.
pub fn round_clamp(v: f64, lo: f64, hi: f64) -> f64 {
    v.round().clamp(lo, hi)
}

/// Allocates a scratch buffer of exactly `len` elements, filled with NaN so
/// that reading scratch before writing it shows.
pub fn scratch(len: usize) -> Vec<f32> {
    vec![f32::NAN; len]
}
