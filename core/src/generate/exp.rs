//! `eˣ` and `2ᵏ` scaling in f64 without `std` (`core` has no `f64::exp`).

/// `eˣ` in f64 without `std`, within about 1 ulp.
///
/// Range reduction `x = k·ln2 + r`, `|r| ≤ ln2/2`, with `ln2` split in two
/// (Cody–Waite; `k·LN2_HI` is exact for any `k` reached here), then a
/// degree-13 Taylor polynomial for `eʳ − 1` (truncation error below 2⁻⁶⁰
/// relative), then a scaling by `2ᵏ` built from exponent bits.
pub(super) fn exp(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1; // low 32 bits zero
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const LOG2_E: f64 = core::f64::consts::LOG2_E;

    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.133_219_101_941_1 {
        return 0.0;
    }
    // Nearest integer to x/ln2 (`as` truncates toward zero, hence the ±0.5).
    let k = (x * LOG2_E + if x < 0.0 { -0.5 } else { 0.5 }) as i32;
    let kf = k as f64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;

    // eʳ − 1 = r + r²/2! + … + r¹³/13!, by Horner from the highest term.
    let mut p = 0.0;
    let mut n = 13;
    while n >= 2 {
        p = (p + 1.0) * r / n as f64;
        n -= 1;
    }
    let em1 = r + r * p;
    let y = 1.0 + em1;

    scale_by_power_of_two(y, k)
}

/// `y · 2ᵏ` for `y` in `[0.5, 2]` and `k` in `[−1075, 1024]`; one rounding at most.
pub(super) fn scale_by_power_of_two(y: f64, k: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    if k > 1023 {
        y * pow2(1023) * pow2(k - 1023)
    } else if k < -1022 {
        // Scale exactly into the normal range first, then once into the
        // subnormals, so the result is rounded only once.
        y * pow2(k + 60) * pow2(-60)
    } else {
        y * pow2(k)
    }
}
