//! The border rule of the oracles: which image sample a virtual coordinate copies.

use sepconv_core::Border;

/// The image coordinate that virtual coordinate `p` copies on an axis of
/// length `n`, or `None` where a `Constant` border supplies the value
/// (OpenCV `borderInterpolate` semantics, DESIGN.md's table).
///
/// Written as the textbook folding loop (one reflection or one period per
/// step), not as a closed-form modulus, so that it does not share a bug with
/// `Border::map`. Padding wider than the image simply folds again.
pub fn border_index(mode: Border, p: isize, n: usize) -> Option<usize> {
    assert!(n >= 1);
    let n = n as isize;
    if (0..n).contains(&p) {
        return Some(p as usize);
    }
    let mut p = p;
    match mode {
        Border::Constant(_) => return None,
        // aaaaaa|abcdefgh|hhhhhh
        Border::Replicate => p = if p < 0 { 0 } else { n - 1 },
        // fedcba|abcdefgh|hgfedc : mirror about the edge, edge repeated.
        Border::Reflect => {
            while !(0..n).contains(&p) {
                p = if p < 0 { -p - 1 } else { 2 * n - 1 - p };
            }
        }
        // gfedcb|abcdefgh|gfedcb : mirror about the edge sample; a single
        // sample has nothing to mirror and acts as Replicate.
        Border::Reflect101 => {
            if n == 1 {
                p = 0;
            } else {
                while !(0..n).contains(&p) {
                    p = if p < 0 { -p } else { 2 * n - 2 - p };
                }
            }
        }
        // cdefgh|abcdefgh|abcdef : periodic.
        Border::Wrap => {
            while p < 0 {
                p += n;
            }
            while p >= n {
                p -= n;
            }
        }
    }
    Some(p as usize)
}
