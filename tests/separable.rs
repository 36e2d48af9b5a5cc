//! 2D kernels: ranks recovered by the SVD, rank-r filters against sums of
//! separable filters and against an f64 direct 2D oracle, `filter_2d`'s choice.
//!
//! The 2D oracle (`sepconv_testkit::Oracle`) is written independently of the
//! crate: f64 weights, f64 sums, and its own border folding (`border_index`).

mod common;

use common::*;
use sepconv::kernel2d::{correlate_2d, filter_2d, Decomposition, Kernel2d, Path2d, SeparableSum, EXACT};
use sepconv::{available_backends, Border, Borders, Error, Image, ImageView, ImageViewMut, Kernel, Region};
use sepconv_core::generate;

/// The exact (f64) 2D correlation of `img`, anchor `(cols/2, rows/2)`, packed.
fn oracle_for(kernel: &Kernel2d, img: &Img<f32>, borders: Borders) -> Vec<f64> {
    let oracle = Oracle::direct(kernel.weights(), kernel.rows(), kernel.cols());
    oracle.filter(borders, Region::Same, (img.width, img.height, img.channels), &|x, y, c| img.at(x, y, c) as f64)
}

fn max_abs_diff(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    got.iter().zip(want).map(|(&g, &w)| (g as f64 - w).abs()).fold(0.0, f64::max)
}

/// Largest |sample| the kernel can see: the image and any border constant.
fn max_abs_seen(img: &Img<f32>, borders: Borders) -> f64 {
    img.max_abs(|v| (v as f64).abs()).max(bound::max_abs_constant(borders))
}

/// The derived f32 bound of the direct 2D path (`bound::direct_2d`).
fn direct_bound(k: &Kernel2d, max_abs: f64) -> f64 {
    bound::direct_2d(k.multiply_adds(), k.weights().iter().map(|w| w.abs()).sum(), max_abs)
}

/// The f32 bound of a sum of separable terms (`bound::separable_sum`).
fn sum_bound(sum: &SeparableSum, max_abs: f64) -> f64 {
    bound::separable_sum(sum.terms(), max_abs)
}

fn gaussian_1d(len: usize, sigma: f64) -> Vec<f32> {
    let mut buf = vec![0.0f32; len];
    generate::gaussian(len, sigma, &mut buf).unwrap().to_vec()
}

fn deriv(order: usize, ksize: i32) -> Vec<f32> {
    let mut buf = vec![0.0f32; 31];
    generate::deriv(order, ksize, false, &mut buf).unwrap().to_vec()
}

/// The Laplacian of Gaussian `∇²g` sampled on a `n × n` grid: exactly
/// `g''(x)g(y) + g(x)g''(y)`, rank 2.
fn log_kernel(n: usize, sigma: f64) -> Kernel2d {
    let c = (n / 2) as f64;
    Kernel2d::from_fn(n, n, |j, i| {
        let (x, y) = (i as f64 - c, j as f64 - c);
        let r2 = x * x + y * y;
        (r2 - 2.0 * sigma * sigma) / sigma.powi(4) * (-r2 / (2.0 * sigma * sigma)).exp()
    })
    .unwrap()
}

/// A disk ("bokeh") of radius `n/2`: 1 inside, 0 outside, normalised.
fn disk_kernel(n: usize) -> Kernel2d {
    let c = (n as f64 - 1.0) / 2.0;
    let r = n as f64 / 2.0;
    let inside = |j: usize, i: usize| ((i as f64 - c).powi(2) + (j as f64 - c).powi(2) <= r * r) as u8 as f64;
    let total: f64 = (0..n * n).map(|k| inside(k / n, k % n)).sum();
    Kernel2d::from_fn(n, n, |j, i| inside(j, i) / total).unwrap()
}

/// `Σ_k a_k ⊗ b_k` for `r` random vector pairs, in f64: rank `r` exactly
/// (almost surely) for `r ≤ min(rows, cols)`.
fn random_rank(rng: &mut XorShift, rows: usize, cols: usize, r: usize) -> Kernel2d {
    let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..r)
        .map(|_| {
            let a = (0..rows).map(|_| rng.f32_in(-1.0, 1.0) as f64).collect();
            let b = (0..cols).map(|_| rng.f32_in(-1.0, 1.0) as f64).collect();
            (a, b)
        })
        .collect();
    Kernel2d::from_fn(rows, cols, |j, i| pairs.iter().map(|(a, b)| a[j] * b[i]).sum()).unwrap()
}

fn random_kernel(rng: &mut XorShift, rows: usize, cols: usize) -> Kernel2d {
    let weights: Vec<f32> = (0..rows * cols).map(|_| rng.f32_in(-1.0, 1.0)).collect();
    Kernel2d::new(&weights, rows, cols).unwrap()
}

fn rel(a: &Kernel2d, b: &Kernel2d) -> f64 {
    a.sub(b).unwrap().norm() / b.norm()
}

// ---------------------------------------------------------------------------
// Ranks.
// ---------------------------------------------------------------------------

#[test]
fn separable_kernels_are_rank_one() {
    let sobel = |dx: usize, n: i32| Kernel2d::outer(&deriv(1 - dx, n), &deriv(dx, n)).unwrap();
    let cases = [
        ("gaussian 15", Kernel2d::outer(&gaussian_1d(15, 0.0), &gaussian_1d(15, 0.0)).unwrap()),
        ("gaussian 7×31", Kernel2d::outer(&gaussian_1d(7, 1.2), &gaussian_1d(31, 5.0)).unwrap()),
        ("box 5×9", Kernel2d::new(&[1.0f32 / 45.0; 45], 5, 9).unwrap()),
        ("sobel x 3", sobel(1, 3)),
        ("sobel y 5", sobel(0, 5)),
        ("sobel x 7", sobel(1, 7)),
        ("scharr x", Kernel2d::outer(&deriv(0, -1), &deriv(1, -1)).unwrap()),
        ("1×9 row", Kernel2d::new(&deriv(1, 9), 1, 9).unwrap()),
    ];
    for (name, k) in cases {
        let d = k.decompose();
        assert_eq!(d.rank_within(EXACT).unwrap(), 1, "{name}: σ = {:?}", d.singular_values());
        assert!(d.relative_error(1) < 1e-6, "{name}");
        // Σσ² = ‖K‖²_F, an identity the SVD must respect.
        let s2: f64 = d.singular_values().iter().map(|s| s * s).sum();
        assert!((s2.sqrt() - k.norm()).abs() < 1e-12 * k.norm(), "{name}");
        let (column, row) = d.separable(EXACT).unwrap().expect(name);
        let back = Kernel2d::outer(&column, &row).unwrap();
        assert!(rel(&back, &k) < 1e-6, "{name}: {}", rel(&back, &k));
    }
}

#[test]
fn sobel_3x3_is_opencvs_2d_kernel() {
    // OpenCV's Sobel(dx = 1, dy = 0, ksize = 3) applies
    // [[-1 0 1] [-2 0 2] [-1 0 1]]: column (dy = 0) ⊗ row (dx = 1).
    let k = Kernel2d::outer(&deriv(0, 3), &deriv(1, 3)).unwrap();
    assert_eq!(k.weights(), [-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0]);
    // Its factors come back oriented: smoothing column positive, row odd with
    // the negative side first, and proportional to OpenCV's.
    let (column, row) = k.decompose().separable(EXACT).unwrap().unwrap();
    let ratio = column[0] / 1.0;
    for (c, want) in column.iter().zip([1.0, 2.0, 1.0]) {
        assert!((c - ratio * want).abs() < 1e-6, "{column:?}");
    }
    let ratio = row[2];
    assert!(ratio > 0.0 && row[0] < 0.0 && row[1].abs() < 1e-6, "{row:?}");
    // A Gaussian's factors are positive.
    let g = Kernel2d::outer(&gaussian_1d(9, 2.0), &gaussian_1d(9, 2.0)).unwrap();
    let (column, row) = g.decompose().separable(EXACT).unwrap().unwrap();
    assert!(column.iter().chain(&row).all(|&v| v > 0.0));
    for (c, want) in column.iter().zip(gaussian_1d(9, 2.0)) {
        assert!((c - want).abs() < 1e-6, "{c} vs {want}");
    }
}

#[test]
fn laplacian_of_gaussian_is_rank_two() {
    for (n, sigma) in [(9, 1.4), (15, 2.0), (21, 3.0)] {
        let k = log_kernel(n, sigma);
        let d = k.decompose();
        assert_eq!(d.rank_within(EXACT).unwrap(), 2, "n {n}: σ = {:?}", d.singular_values());
        // With a = g'', b = g (continuous, well sampled): a·b = −∫g'², and
        // cos∠(a, b) = −1/√3, so K = a⊗b + b⊗a has singular values
        // |a||b|(1 ± 1/√3): σ₂/σ₁ = 2 − √3 and e₁ = (2 − √3)/√(1 + (2 − √3)²).
        let ratio = 2.0 - 3f64.sqrt();
        let e1 = ratio / (1.0 + ratio * ratio).sqrt();
        assert!((d.relative_error(1) - e1).abs() < 1e-3, "n {n}: e₁ {} vs {e1}", d.relative_error(1));
        assert!(rel(&d.reconstruct(2), &k) < 1e-12);
        assert!(d.separable(0.1).unwrap().is_none());
    }
}

#[test]
fn random_rank_r_kernels_are_recovered() {
    let mut rng = XorShift::new(7);
    for (rows, cols) in [(15, 15), (9, 13), (31, 5), (4, 4)] {
        for r in 1..=rows.min(cols).min(6) {
            let k = random_rank(&mut rng, rows, cols, r);
            let d = k.decompose();
            assert_eq!(d.singular_values().len(), rows.min(cols));
            assert!(d.singular_values().windows(2).all(|w| w[0] >= w[1]), "sorted");
            assert_eq!(d.rank_within(1e-9).unwrap(), r, "{rows}×{cols} rank {r}: σ = {:?}", d.singular_values());
            // Recovered to 1e-5 relative, both through the kernel and through
            // the f32 filter terms.
            assert!(rel(&d.reconstruct(r), &k) < 1e-5);
            assert!(rel(&d.approximate(r).unwrap().kernel(), &k) < 1e-5);
            if r > 1 {
                assert!(d.relative_error(r - 1) > 1e-3, "one term fewer is visibly worse");
            }
        }
    }
}

#[test]
fn relative_errors_are_the_truncation_errors() {
    // e_r from the singular values equals ‖K − K_r‖/‖K‖ measured directly,
    // falls from 1 to 0, and no other rank-r sum of the terms does better
    // than the truncated SVD (here: a term left out).
    let mut rng = XorShift::new(11);
    let k = random_kernel(&mut rng, 11, 8);
    let d = k.decompose();
    let errors = d.relative_errors();
    assert_eq!(errors.len(), 9);
    assert!((errors[0] - 1.0).abs() < 1e-12 && errors[8] < 1e-12);
    for r in 0..=8 {
        let measured = rel(&d.reconstruct(r), &k);
        assert!((measured - errors[r]).abs() < 1e-12, "rank {r}: {measured} vs {}", errors[r]);
        if r > 0 {
            assert!(errors[r] < errors[r - 1]);
        }
    }
    // Leaving out term 0 instead of term 3 (a rank-3 sum of other terms).
    let (c1, r1) = d.term(1).unwrap();
    let (c2, r2) = d.term(2).unwrap();
    let (c3, r3) = d.term(3).unwrap();
    let other = Kernel2d::from_fn(11, 8, |j, i| c1[j] * r1[i] + c2[j] * r2[i] + c3[j] * r3[i]).unwrap();
    assert!(rel(&other, &k) > errors[3]);
    assert_eq!(d.rank_within(0.0).unwrap(), 8);
    assert_eq!(d.rank_within(1.0).unwrap(), 0);
}

#[test]
fn zero_and_tiny_and_huge_kernels() {
    let zero = Kernel2d::new(&[0.0f64; 6], 2, 3).unwrap();
    let d = zero.decompose();
    assert_eq!(d.singular_values(), [0.0, 0.0]);
    assert_eq!(d.rank_within(EXACT).unwrap(), 0);
    assert_eq!(d.approximate_within(EXACT).unwrap().rank(), 1);
    // Scaling the kernel scales the singular values and nothing else.
    let mut rng = XorShift::new(3);
    let k = random_rank(&mut rng, 6, 6, 3);
    for scale in [1e-300, 1e300] {
        let scaled = Kernel2d::from_fn(6, 6, |j, i| k.get(j, i).unwrap() * scale).unwrap();
        let d = scaled.decompose();
        assert_eq!(d.rank_within(1e-9).unwrap(), 3, "scale {scale}");
        for (a, b) in d.singular_values().iter().zip(k.decompose().singular_values()) {
            assert!((a / scale - b).abs() <= 1e-9 * k.norm(), "scale {scale}: {a} vs {b}");
        }
    }
}

// ---------------------------------------------------------------------------
// Filters.
// ---------------------------------------------------------------------------

fn all_borders() -> Vec<Borders> {
    let mut v: Vec<Borders> = (0..5).map(|m| Borders::uniform(mode(m, 17.0))).collect();
    v.push(Borders::new(Border::Constant(3.0), Border::Wrap));
    v.push(Borders::new(Border::Reflect, Border::Constant(-40.0)));
    v.push(Borders::new(Border::Constant(5.0), Border::Constant(-9.0)));
    v
}

#[test]
fn rank_r_filter_is_the_sum_of_r_separable_filters() {
    let mut rng = XorShift::new(21);
    // Width 300 × 4 channels: bands of 27 rows, so several bands and a short last one.
    for (w, h, ch) in [(300, 100, 4), (37, 23, 1), (5, 3, 2)] {
        let img = random_f32_image(&mut rng, w, h, ch, 3);
        let k = random_kernel(&mut rng, 7, 9);
        let sum = k.decompose().approximate(3).unwrap();
        for borders in all_borders() {
            let got = sum.filter(&img.view(), borders).unwrap();
            // The r filters one after the other through the facade, summed in f32 in order.
            let mut want = vec![0.0f32; w * h * ch];
            for (column, row) in sum.terms() {
                let term: Image<f32> =
                    sepconv::filter(&img.view(), Kernel::new(row).unwrap(), Kernel::new(column).unwrap(), borders)
                        .unwrap();
                for (acc, t) in want.iter_mut().zip(term.as_slice()) {
                    *acc += *t;
                }
            }
            assert_eq!(got.as_slice(), &want[..], "{w}×{h}×{ch} {borders:?}");
        }
    }
}

#[test]
fn rank_r_filter_approaches_direct_2d() {
    let mut rng = XorShift::new(5);
    let (w, h, ch) = (40, 30, 1);
    let img = random_f32_image(&mut rng, w, h, ch, 0);
    let k = random_kernel(&mut rng, 9, 9);
    let d = k.decompose();
    for borders in [Borders::default(), Borders::uniform(Border::Constant(100.0))] {
        let exact = oracle_for(&k, &img, borders);
        let m = max_abs_seen(&img, borders);
        let mut errors = Vec::new();
        for r in 1..=9 {
            let sum = d.approximate(r).unwrap();
            let got = sum.filter(&img.view(), borders).unwrap();
            let err = max_abs_diff(got.as_slice(), &exact);
            // Truncation (bounded by the SVD) plus f32 rounding.
            let allowed = d.output_error_bound(r, m) + sum_bound(&sum, m);
            assert!(err <= allowed, "rank {r}: {err} > {allowed}");
            errors.push(err);
        }
        // The full rank is the kernel itself, up to f32 rounding.
        let full = d.approximate(9).unwrap();
        assert!(errors[8] <= sum_bound(&full, m), "{errors:?}");
        assert!(errors[8] < errors[0] * 1e-3, "{errors:?}");
        assert!(errors[4] < errors[0], "{errors:?}");
    }
}

#[test]
fn direct_2d_matches_the_oracle() {
    let mut rng = XorShift::new(9);
    for (w, h, ch, rows, cols) in
        [(23, 17, 1, 5, 7), (9, 6, 3, 4, 6), (1, 1, 1, 9, 9), (3, 2, 2, 15, 1), (64, 8, 4, 3, 3)]
    {
        let img = random_f32_image(&mut rng, w, h, ch, 2);
        let k = random_kernel(&mut rng, rows, cols);
        for borders in all_borders() {
            let mut out = Image::<f32>::new(w, h, ch).unwrap();
            correlate_2d(&k, &img.view(), &mut out.view_mut(), borders).unwrap();
            let exact = oracle_for(&k, &img, borders);
            let err = max_abs_diff(out.as_slice(), &exact);
            let bound = direct_bound(&k, max_abs_seen(&img, borders));
            assert!(err <= bound, "{w}×{h}×{ch} {rows}×{cols} {borders:?}: {err} > {bound}");
        }
    }
}

#[test]
fn direct_2d_on_a_hand_computed_example() {
    // 3×3 image, 3×3 kernel with a single 1 at (row 0, col 2): out(x, y) =
    // in(x + 1, y − 1); Replicate clamps, Constant(9) fills.
    let img = Image::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 3, 3, 1).unwrap();
    let k = Kernel2d::new(&[0.0f32, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 3, 3).unwrap();
    let mut out = Image::<f32>::new(3, 3, 1).unwrap();
    correlate_2d(&k, &img.view(), &mut out.view_mut(), Borders::uniform(Border::Replicate)).unwrap();
    assert_eq!(out.as_slice(), [2.0, 3.0, 3.0, 2.0, 3.0, 3.0, 5.0, 6.0, 6.0]);
    correlate_2d(&k, &img.view(), &mut out.view_mut(), Borders::uniform(Border::Constant(9.0))).unwrap();
    assert_eq!(out.as_slice(), [9.0, 9.0, 9.0, 2.0, 3.0, 9.0, 5.0, 6.0, 9.0]);
}

#[test]
fn u8_sources_filter_as_their_f32_values() {
    let mut rng = XorShift::new(13);
    let img = random_u8_image(&mut rng, 31, 12, 3, 1);
    let as_f32 = Image::from_vec(img.packed().iter().map(|&v| v as f32).collect(), 31, 12, 3).unwrap();
    let borders = Borders::uniform(Border::Reflect);
    for k in [log_kernel(9, 1.4), random_kernel(&mut rng, 5, 5), disk_kernel(7)] {
        for tolerance in [EXACT, 0.05] {
            let a = filter_2d(&img.view(), &k, borders, tolerance).unwrap();
            let b = filter_2d(&as_f32.view(), &k, borders, tolerance).unwrap();
            assert_eq!(a.image, b.image);
            assert_eq!(a.path, b.path);
        }
    }
}

// ---------------------------------------------------------------------------
// filter_2d's choice.
// ---------------------------------------------------------------------------

#[test]
fn filter_2d_chooses_the_cheaper_exact_path() {
    let mut rng = XorShift::new(17);
    let img = random_f32_image(&mut rng, 33, 21, 1, 0);
    let borders = Borders::default();
    let gauss = Kernel2d::outer(&gaussian_1d(15, 0.0), &gaussian_1d(15, 0.0)).unwrap();
    let sobel = Kernel2d::outer(&deriv(0, 5), &deriv(1, 5)).unwrap();
    let cases = [
        // (kernel, tolerance, expected path, expected ratio rows·cols / (r·(rows + cols)))
        (gauss, EXACT, Path2d::Separable { rank: 1 }, 225.0 / 30.0),
        (sobel, 0.0, Path2d::Separable { rank: 1 }, 25.0 / 10.0),
        (log_kernel(15, 2.0), EXACT, Path2d::Separable { rank: 2 }, 225.0 / 60.0),
        (random_kernel(&mut rng, 9, 9), EXACT, Path2d::Direct, 81.0 / (9.0 * 18.0)),
        // 2×2 rank 1: 4 multiply-adds either way; direct wins the tie.
        (Kernel2d::outer(&[1.0f32, 2.0], &[3.0f32, 4.0]).unwrap(), EXACT, Path2d::Direct, 1.0),
        // A single row: K direct against K + 1 separable.
        (Kernel2d::new(&gaussian_1d(9, 0.0), 1, 9).unwrap(), EXACT, Path2d::Direct, 9.0 / 10.0),
    ];
    for (k, tolerance, path, ratio) in cases {
        let m = max_abs_seen(&img, borders);
        let got = filter_2d(&img.view(), &k, borders, tolerance).unwrap();
        assert_eq!(got.path, path, "{}×{}", k.rows(), k.cols());
        assert!((got.cost_ratio - ratio).abs() < 1e-12, "{} vs {ratio}", got.cost_ratio);
        // Exact paths: the oracle's result up to f32 rounding.
        let exact = oracle_for(&k, &img, borders);
        let err = max_abs_diff(got.image.as_slice(), &exact);
        let filter = sepconv::kernel2d::Filter2d::new(k.clone(), tolerance).unwrap();
        let bound = match path {
            Path2d::Direct => direct_bound(&k, m),
            Path2d::Separable { rank } => {
                let sum = k.decompose().approximate(rank).unwrap();
                sum_bound(&sum, m) + k.decompose().output_error_bound(rank, m)
            }
        };
        assert!(err <= bound, "{}×{}: {err} > {bound}", k.rows(), k.cols());
        assert_eq!(filter.path(), path);
    }
}

#[test]
fn filter_2d_trades_accuracy_for_speed_within_tolerance() {
    let mut rng = XorShift::new(19);
    let img = random_f32_image(&mut rng, 48, 40, 1, 0);
    let borders = Borders::uniform(Border::Replicate);
    // A 15×15 disk of radius 7.5 has rows of five distinct widths (chords at
    // |dy| = 0..2, 3..4, 5, 6, 7: 15, 13, 11, 9, 5 pixels), nested and
    // centred, hence linearly independent: rank 5 exactly, and 5·30 < 225.
    let disk = disk_kernel(15);
    let d: Decomposition = disk.decompose();
    assert_eq!(d.rank_within(EXACT).unwrap(), 5, "{:?}", d.singular_values());
    let exact = filter_2d(&img.view(), &disk, borders, EXACT).unwrap();
    assert_eq!((exact.path, exact.cost_ratio), (Path2d::Separable { rank: 5 }, 1.5));
    // Within 20%: fewer terms, a larger error, still within the SVD's bound.
    let tolerance = 0.2;
    let r = d.rank_within(tolerance).unwrap();
    assert!(r < 5 && d.relative_error(r) <= tolerance && d.relative_error(r - 1) > tolerance);
    let got = filter_2d(&img.view(), &disk, borders, tolerance).unwrap();
    assert_eq!(got.path, Path2d::Separable { rank: r });
    assert_eq!(got.cost_ratio, 225.0 / (r * 30) as f64);
    let want = oracle_for(&disk, &img, borders);
    let m = max_abs_seen(&img, borders);
    let err = max_abs_diff(got.image.as_slice(), &want);
    let sum = d.approximate(r).unwrap();
    assert!(err <= d.output_error_bound(r, m) + sum_bound(&sum, m), "{err}");
    assert!(err > max_abs_diff(exact.image.as_slice(), &want), "fewer terms, larger error");
}

// ---------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------

#[test]
fn errors() {
    assert_eq!(Kernel2d::new(&[0.0f32; 0], 0, 3).err(), Some(Error::EmptyKernel));
    assert_eq!(Kernel2d::new(&[1.0f32; 5], 2, 3).err(), Some(Error::ShapeMismatch));
    assert_eq!(Kernel2d::new(&[1.0f32; 7], 2, 3).err(), Some(Error::ShapeMismatch));
    assert_eq!(Kernel2d::new(&[1.0f64, f64::NAN], 1, 2).err(), Some(Error::NonFiniteWeight));
    assert_eq!(Kernel2d::new(&[1.0f32; 257], 1, 257).err(), Some(Error::KernelTooLong));
    assert_eq!(Kernel2d::from_fn(3, 0, |_, _| 1.0).err(), Some(Error::EmptyKernel));

    let k = log_kernel(5, 1.0);
    let d = k.decompose();
    assert_eq!(d.rank_within(-1e-3).err(), Some(Error::InvalidParameter));
    assert_eq!(d.rank_within(f64::NAN).err(), Some(Error::InvalidParameter));
    assert_eq!(d.approximate(0).err(), Some(Error::InvalidParameter));
    assert_eq!(d.approximate(6).err(), Some(Error::InvalidParameter));
    assert!(d.approximate(5).is_ok());
    assert_eq!(sepconv::kernel2d::Filter2d::new(k.clone(), f64::NAN).err(), Some(Error::InvalidParameter));
    assert_eq!(SeparableSum::new(vec![]).err(), Some(Error::InvalidParameter));
    assert_eq!(
        SeparableSum::new(vec![(vec![1.0], vec![1.0, 2.0]), (vec![1.0], vec![1.0])]).err(),
        Some(Error::ShapeMismatch)
    );
    assert_eq!(SeparableSum::new(vec![(vec![], vec![1.0])]).err(), Some(Error::EmptyKernel));

    let src = [0.0f32; 12];
    let mut dst = [0.0f32; 12];
    let view = ImageView::new(&src, 4, 3, 1).unwrap();
    let mut wrong = ImageViewMut::new(&mut dst, 3, 4, 1).unwrap();
    let sum = d.approximate(2).unwrap();
    assert_eq!(sum.filter_into(&view, &mut wrong, Borders::default()).err(), Some(Error::ShapeMismatch));
    assert_eq!(correlate_2d(&k, &view, &mut wrong, Borders::default()).err(), Some(Error::ShapeMismatch));
    let mut right = ImageViewMut::new(&mut dst, 4, 3, 1).unwrap();
    let nan = Borders::uniform(Border::Constant(f32::NAN));
    assert_eq!(correlate_2d(&k, &view, &mut right, nan).err(), Some(Error::InvalidBorderValue));
    assert_eq!(sum.filter_into(&view, &mut right, nan).err(), Some(Error::InvalidBorderValue));
}

/// The 2D paths at the ends of the range: samples anywhere in
/// `[−f32::MAX, f32::MAX]` (`finite_extreme`), kernels scaled so that no
/// sum can exceed the largest sample (`Σ|K| < 1` for the direct path,
/// `Σ_k Σ|c_k|·Σ|r_k| < 1` for the terms, whose symmetric factors the
/// separable passes fold): every output finite and within its bound.
#[test]
fn extreme_samples_on_the_2d_paths() {
    let mut rng = XorShift::new(0x5EED_E702);
    let kernels = [log_kernel(7, 1.2), disk_kernel(5), random_rank(&mut rng, 5, 7, 3), random_kernel(&mut rng, 3, 3)];
    for kernel in &kernels {
        let terms = |k: &Kernel2d| {
            let sum = k.decompose().approximate(k.rows().min(k.cols())).unwrap();
            sum.terms().iter().map(|(c, r)| bound::abs_sum(c) * bound::abs_sum(r)).sum::<f64>()
        };
        let direct: f64 = kernel.weights().iter().map(|w| w.abs()).sum();
        let scale = 1.0 / (terms(kernel).max(direct) * 1.01);
        let k = Kernel2d::from_fn(kernel.rows(), kernel.cols(), |j, i| kernel.get(j, i).unwrap() * scale).unwrap();
        let sum = k.decompose().approximate(k.rows().min(k.cols())).unwrap();
        for borders in all_borders() {
            let (w, h, ch) = (rng.range(1, 40), rng.range(1, 12), rng.range(1, 3));
            let mut img = Img::filled(w, h, ch, 0, 0.0f32);
            img.data.iter_mut().for_each(|v| *v = finite_extreme(rng.next_u64()));
            let m = max_abs_seen(&img, borders);
            let mut got = Img::filled(w, h, ch, 0, f32::NAN);
            correlate_2d(&k, &img.view(), &mut got.view_mut(), borders).unwrap();
            let exact = oracle_for(&k, &img, borders);
            let bound = direct_bound(&k, m);
            for (g, e) in got.data.iter().zip(&exact) {
                assert!(g.is_finite() && (*g as f64 - e).abs() <= bound, "direct {w}×{h}×{ch} {borders:?}: {g} vs {e}");
            }
            let exact = oracle_for(&sum.kernel(), &img, borders);
            let bound = sum_bound(&sum, m);
            for b in available_backends() {
                sum.filter_with(b, &img.view(), &mut got.view_mut(), borders).unwrap();
                for (g, e) in got.data.iter().zip(&exact) {
                    assert!(
                        g.is_finite() && (*g as f64 - e).abs() <= bound,
                        "{} rank {} {w}×{h}×{ch} {borders:?}: {g} vs {e}",
                        b.name(),
                        sum.rank()
                    );
                }
            }
        }
    }
}
