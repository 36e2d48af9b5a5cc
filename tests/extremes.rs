//! f32 at the ends of its range, on every backend and both column
//! strategies, and the reference: finite samples anywhere in
//! `[−f32::MAX, f32::MAX]` (weighted to the top of the range, to `2^127`
//! where a folded pair `x_i + x_{n−1−i}` starts to overflow, to subnormals
//! and zeros), and ±∞ and NaN. Every output
//!
//! * that is finite lies within the bound of the exact result at its own
//!   magnitude (`bound::separable_at`);
//! * is finite wherever f32 sums in any order stay finite
//!   (`bound::stays_finite`): for kernels with `Σ|r|·Σ|c| < 1`, at every
//!   finite input;
//! * is ±∞ or NaN wherever its footprint holds ±∞ or NaN (zero weights
//!   included: `0 · ∞` is NaN, as IEEE says);
//!
//! and bands, in place and windows give the bits of one call (any NaN
//! being one value).

mod common;

use common::*;
use proptest::prelude::*;
use sepconv::{reference, Border, Borders, Plan, Region};
use sepconv_core::ColumnStrategy;

/// A finite f32 anywhere in the range, the places where arithmetic breaks
/// weighted (`finite_extreme`).
fn finite_sample() -> impl Strategy<Value = f32> {
    any::<u64>().prop_map(finite_extreme)
}

/// Ordinary samples with ±∞ and NaN among them (and some extremes).
fn special_sample() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -1000.0f32..1000.0,
        1 => finite_sample(),
        1 => prop::sample::select(vec![f32::INFINITY, f32::NEG_INFINITY, f32::NAN]),
    ]
}

/// A kernel length: the unrolled ones (3–9) weighted, any up to 12, a few long.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![4 => prop::sample::select(vec![3usize, 5, 7, 9]), 2 => 1usize..=12, 1 => prop::sample::select(vec![15usize, 17, 31])]
}

/// Taps of one shape (`shape_taps`: 0 symmetric, 2 antisymmetric, 3 neither),
/// scaled to `Σ|w| = gain / (1 + 2^-10)`: below 1 for a gain of 1, so
/// that even `±f32::MAX` cannot overflow a sum.
fn taps(n: usize, symmetry: u8, gain: f32) -> BoxedStrategy<Vec<f32>> {
    let raw = proptest::collection::vec(prop_oneof![1 => Just(0.0f32), 7 => -1.0f32..1.0], n);
    raw.prop_map(move |raw| {
        let t = shape_taps(raw, symmetry, Taps::Signed);
        let sum = bound::abs_sum(&t);
        let scale = if sum == 0.0 { 1.0 } else { gain as f64 / (sum * (1.0 + 1.0 / 1024.0)) };
        t.iter().map(|&w| (w as f64 * scale) as f32).collect()
    })
    .boxed()
}

/// The kernel pair: row only (the column `[1]`), column only, both
/// symmetric, both antisymmetric, or anything.
fn kernels(gain: f32) -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    let symmetry = prop::sample::select(vec![0u8, 2, 3]);
    (0..5usize, length(), length(), symmetry.clone(), symmetry).prop_flat_map(move |(class, nr, nc, sr, sc)| {
        let (nr, nc, sr, sc) = match class {
            0 => (nr, 1, sr, 0),
            1 => (1, nc, 0, sc),
            2 => (nr, nc, 0, 0),
            3 => (nr, nc, 2, 2),
            _ => (nr, nc, sr, sc),
        };
        let one = || Just(vec![1.0f32]).boxed();
        let row = if nr == 1 && class == 1 { one() } else { taps(nr, sr, gain) };
        let col = if nc == 1 && class == 0 { one() } else { taps(nc, sc, gain) };
        (row, col)
    })
}

/// A border: the common ones, or a constant anywhere in the finite range.
fn border() -> impl Strategy<Value = Border> {
    prop_oneof![4 => border_strategy(), 1 => finite_sample().prop_map(Border::Constant)]
}

/// One case: a spec (region `Same`, `Valid` when the kernel fits, or a window), its image.
#[derive(Debug, Clone)]
struct Case {
    spec: Spec,
    image: Img<f32>,
    seed: u64,
}

fn case(sample: BoxedStrategy<f32>, gain: f32) -> impl Strategy<Value = Case> {
    let shape = (1usize..=40, 1usize..=9, 1usize..=4, 0usize..3);
    (shape, kernels(gain), border(), border(), 0..4u8, any::<u64>())
        .prop_flat_map(move |((width, height, channels, pad), (row, col), bh, bv, region, seed)| {
            let samples = proptest::collection::vec(sample.clone(), width * height * channels);
            (Just((width, height, channels, pad, row, col, bh, bv, region, seed)), samples)
        })
        .prop_map(|((width, height, channels, pad, row, col, bh, bv, region, seed), samples)| {
            let mut rng = XorShift::new(seed);
            let (nr, nc) = (row.len(), col.len());
            let region = match region {
                0 if width >= nr && height >= nc => Region::Valid,
                1 => {
                    let (x, y) = (rng.below(width), rng.below(height));
                    Region::Window { x, y, width: rng.range(1, width - x), height: rng.range(1, height - y) }
                }
                _ => Region::Same,
            };
            let (row_anchor, col_anchor) = (rng.below(nr), rng.below(nc));
            let borders = Borders::new(bh, bv);
            let spec = Spec { width, height, channels, row, row_anchor, col, col_anchor, borders, region };
            let mut image = Img::filled(width, height, channels, pad, f32::NAN);
            for (k, v) in samples.into_iter().enumerate() {
                image.set(k / channels % width, k / channels / width, k % channels, v);
            }
            Case { spec, image, seed }
        })
}

/// The bits of `v`, every NaN as `f32::NAN`: Rust leaves a NaN's sign and
/// payload unspecified (LLVM may swap the operands of an addition), so
/// only "NaN" is compared; `zero` also writes −0.0 as +0.0 (bands may
/// change the sign of a zero, `f32_bands_keep_the_sign_of_zero`).
fn canon(v: &[f32], zero: bool) -> Vec<u32> {
    let one = |x: f32| {
        if x.is_nan() {
            f32::NAN
        } else if zero && x == 0.0 {
            0.0
        } else {
            x
        }
    };
    v.iter().map(|&x| one(x).to_bits()).collect()
}

/// Every check of the module docs on one case.
fn check(case: &Case) {
    let Case { spec, image, seed } = case;
    let plan = spec.plan();
    let o = plan.output_shape();
    let get = |x, y, c| image.at(x, y, c) as f64;
    let exact = oracle(spec, &get);
    let (magnitude, reach) = magnitudes(spec, &get);
    let judge = |who: &str, got: &[f32]| {
        for (k, &v) in got.iter().enumerate() {
            let (e, m, r) = (exact[k], magnitude[k], reach[k]);
            let at = || format!("{who}, output {k}: {v} (exact {e}, magnitude {m:e})\n{spec:?}");
            if !m.is_finite() {
                assert!(!v.is_finite(), "finite although the footprint holds ∞ or NaN: {}", at());
            } else if bound::stays_finite(&spec.row, &spec.col, r) {
                assert!(v.is_finite(), "not finite although no sum can overflow: {}", at());
            }
            if v.is_finite() {
                let bound = bound::separable_at(&spec.row, &spec.col, m);
                assert!(
                    (v as f64 - e).abs() <= bound,
                    "|error| {:e} > bound {bound:e}: {}",
                    (v as f64 - e).abs(),
                    at()
                );
            }
        }
    };

    let mut want = Img::filled(o.width, o.height, o.channels, 0, 0.0f32);
    reference::filter(&plan, &image.view(), &mut want.view_mut()).expect("reference");
    judge("reference", &want.packed());

    let whole_plan = Plan::new(spec.shape(), spec.row_kernel(), spec.col_kernel(), spec.borders).expect("plan");
    let mut rng = XorShift::new(*seed);
    let strategies = [plan.clone(), plan.clone().with_column_strategy(ColumnStrategy::TransposedTile)];
    for (plan, b) in strategies.iter().flat_map(|p| backends().into_iter().map(move |b| (p, b))) {
        let who = format!("{} {:?}", b.name(), plan.column_strategy());
        let mut out = Img::filled(o.width, o.height, o.channels, rng.below(3), f32::NAN);
        plan.filter(b, &image.view(), &mut out.view_mut(), &mut scratch(plan.scratch_len::<f32>())).expect("filter");
        let got = out.packed();
        judge(&who, &got);

        let cuts = band_cuts(&mut rng, o.height);
        let mut banded = Img::filled(o.width, o.height, o.channels, 0, f32::NAN);
        filter_by_bands(plan, b, image, &mut banded, &cuts);
        assert!(canon(&banded.packed(), true) == canon(&got, true), "{who}: bands {cuts:?}\n{spec:?}");
        match spec.region {
            Region::Same => {
                let mut img = image.clone();
                plan.filter_in_place(b, &mut img.view_mut(), &mut scratch(plan.scratch_len::<f32>()))
                    .expect("in place");
                assert!(canon(&img.packed(), false) == canon(&got, false), "{who}: in place\n{spec:?}");
            }
            Region::Window { x, y, width, height } => {
                let mut whole = Img::filled(spec.width, spec.height, spec.channels, 0, 0.0f32);
                let whole_plan = whole_plan.clone().with_column_strategy(plan.column_strategy());
                let s = &mut scratch(whole_plan.scratch_len::<f32>());
                whole_plan.filter(b, &image.view(), &mut whole.view_mut(), s).expect("whole");
                let c = spec.channels;
                let rect: Vec<f32> = (y..y + height)
                    .flat_map(|r| (x * c..(x + width) * c).map(move |i| (r, i)))
                    .map(|(r, i)| whole.at(i / c, r, i % c))
                    .collect();
                assert!(canon(&rect, false) == canon(&got, false), "{who}: window against the whole image\n{spec:?}");
            }
            Region::Valid => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    /// Finite samples over the whole range with kernels of `Σ|w| < 1`,
    /// which can never overflow, and of gains up to 8, which may.
    #[test]
    fn finite_samples_over_the_whole_range(case in (prop_oneof![3 => Just(1.0f32), 1 => 1.0f32..8.0])
        .prop_flat_map(|gain| case(finite_sample().boxed(), gain)))
    {
        check(&case);
    }

    /// ±∞ and NaN among ordinary samples.
    #[test]
    fn infinities_and_nans(case in case(special_sample().boxed(), 1.0)) {
        check(&case);
    }
}

/// The row, `[3e38, −3e38, 3e38]` with the 3-tap box (Reflect101):
/// `[−1e38, 1e38, −1e38]`, not `[−∞, ∞, −∞]`, as a row and as a column.
#[test]
fn a_box_over_three_huge_samples() {
    let image = [3e38f32, -3e38, 3e38];
    let third = [1.0f32 / 3.0; 3];
    for (width, height, row, col) in [(3, 1, &third[..], &[1.0f32][..]), (1, 3, &[1.0][..], &third[..])] {
        let spec = Spec {
            width,
            height,
            channels: 1,
            row: row.to_vec(),
            row_anchor: row.len() / 2,
            col: col.to_vec(),
            col_anchor: col.len() / 2,
            borders: Borders::default(),
            region: Region::Same,
        };
        let img = Img { data: image.to_vec(), width, height, channels: 1, stride: width };
        check(&Case { spec, image: img, seed: 1 });
    }
}
