//! The full convolution, naive: TFLite's reference loops, f32 and int8 (and the int8 requantisation they share).

use sepconv::depthwise::{quant, Activation};

use super::problem::{coord, geometry, Problem, IN_Q, OUT_Q};

/// Full convolution, naive (TFLite's reference loop order), f32, ReLU6.
pub fn full_naive_f32(p: &Problem, out: &mut [f32]) {
    let s = &p.shape;
    let (oh, ow, pt, pl) = geometry(s);
    let (kh, kw, ci, co) = (s.kernel_height, s.kernel_width, s.in_channels, s.out_channels);
    for oy in 0..oh {
        for ox in 0..ow {
            for o in 0..co {
                let mut acc = p.full_bias[o];
                for ky in 0..kh {
                    let Some(iy) = coord(oy, ky, s.stride_y, pt, s.height) else { continue };
                    for kx in 0..kw {
                        let Some(ix) = coord(ox, kx, s.stride_x, pl, s.width) else { continue };
                        let x = &p.input[(iy * s.width + ix) * ci..][..ci];
                        let w = &p.full_ohwi[((o * kh + ky) * kw + kx) * ci..][..ci];
                        for c in 0..ci {
                            acc += x[c] * w[c];
                        }
                    }
                }
                out[(oy * ow + ox) * co + o] = acc.clamp(0.0, 6.0);
            }
        }
    }
}

/// Full convolution, naive, int8 (TFLite's reference int8 conv), ReLU6.
pub fn full_naive_i8(p: &Problem, out: &mut [i8]) {
    let s = &p.shape;
    let (oh, ow, pt, pl) = geometry(s);
    let (kh, kw, ci, co) = (s.kernel_height, s.kernel_width, s.in_channels, s.out_channels);
    let (mults, bounds) = full_i8_params(p);
    for oy in 0..oh {
        for ox in 0..ow {
            for o in 0..co {
                let mut acc = p.qfull_bias[o];
                for ky in 0..kh {
                    let Some(iy) = coord(oy, ky, s.stride_y, pt, s.height) else { continue };
                    for kx in 0..kw {
                        let Some(ix) = coord(ox, kx, s.stride_x, pl, s.width) else { continue };
                        let x = &p.qinput[(iy * s.width + ix) * ci..][..ci];
                        let w = &p.qfull_ohwi[((o * kh + ky) * kw + kx) * ci..][..ci];
                        for c in 0..ci {
                            acc += (x[c] as i32 - IN_Q.zero_point) * w[c] as i32;
                        }
                    }
                }
                out[(oy * ow + ox) * co + o] = requantize(acc, mults[o], bounds);
            }
        }
    }
}

pub(super) fn full_i8_params(p: &Problem) -> (Vec<(i32, i32)>, (i32, i32)) {
    let mults =
        p.qfull_scales.iter().map(|&w| quant::quantize_multiplier(IN_Q.scale as f64 * w as f64 / OUT_Q.scale as f64));
    (mults.collect(), quant::activation_bounds(Activation::Relu6, OUT_Q.scale, OUT_Q.zero_point))
}

#[inline(always)]
pub(super) fn requantize(acc: i32, (m, shift): (i32, i32), (lo, hi): (i32, i32)) -> i8 {
    (quant::multiply_by_quantized_multiplier(acc, m, shift).wrapping_add(OUT_Q.zero_point)).clamp(lo, hi) as i8
}
