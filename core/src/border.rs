//! Border modes: what lies outside the image, per axis, with OpenCV's names.

/// How samples outside the image are made up, for one axis.
///
/// For the left side of a row `abcdefgh`:
///
/// | mode | padding |
/// |---|---|
/// | `Constant(v)` | `vvvvvv\|abcdefgh` |
/// | `Replicate` | `aaaaaa\|abcdefgh` |
/// | `Reflect` | `fedcba\|abcdefgh` |
/// | `Reflect101` (default) | `gfedcb\|abcdefgh` |
/// | `Wrap` | `cdefgh\|abcdefgh` |
///
/// Padding wider than the image repeats the rule (as `numpy.pad` and OpenCV's
/// `borderInterpolate`). `Reflect101` on an axis of length 1 acts as `Replicate`.
/// `Constant(v)` means `v` stands everywhere outside the image in 2D: with a
/// constant vertical border, whole rows above and below are `v` whatever the
/// horizontal mode.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Border {
    /// A constant value outside the image (for u8 images, an integer in `0..=255`).
    Constant(f32),
    /// The edge sample repeated.
    Replicate,
    /// Mirrored, the edge sample included.
    Reflect,
    /// Mirrored about the edge sample (OpenCV's default, `BORDER_REFLECT_101`).
    #[default]
    Reflect101,
    /// The image repeated periodically.
    Wrap,
}

impl Border {
    /// Maps a coordinate `p` (possibly outside `0..len`) to the coordinate inside
    /// the image it copies, or `None` for `Constant` outside the image.
    /// `len` must be at least 1 (it is: shapes are validated).
    #[inline]
    pub fn map(self, p: isize, len: usize) -> Option<usize> {
        let n = len as isize;
        if (0..n).contains(&p) {
            return Some(p as usize);
        }
        let inside = match self {
            Border::Constant(_) => return None,
            Border::Replicate => p.clamp(0, n - 1),
            Border::Reflect => {
                let m = p.rem_euclid(2 * n);
                if m < n {
                    m
                } else {
                    2 * n - 1 - m
                }
            }
            Border::Reflect101 => {
                if n == 1 {
                    0
                } else {
                    let m = p.rem_euclid(2 * n - 2);
                    if m < n {
                        m
                    } else {
                        2 * n - 2 - m
                    }
                }
            }
            Border::Wrap => p.rem_euclid(n),
        };
        Some(inside as usize)
    }

    /// The constant value, if this is `Constant`.
    pub const fn constant(self) -> Option<f32> {
        match self {
            Border::Constant(v) => Some(v),
            _ => None,
        }
    }
}

/// The border modes of the two axes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Borders {
    /// Left and right of each row.
    pub horizontal: Border,
    /// Above and below the image.
    pub vertical: Border,
}

impl Borders {
    /// The same mode on both axes.
    pub const fn uniform(border: Border) -> Self {
        Borders { horizontal: border, vertical: border }
    }

    /// Different modes per axis.
    pub const fn new(horizontal: Border, vertical: Border) -> Self {
        Borders { horizontal, vertical }
    }
}

#[cfg(test)]
mod tests {
    use super::Border;

    /// The border rule by repeated reflection (or shifting by the period),
    /// one step at a time.
    fn by_steps(border: Border, mut p: isize, n: isize) -> Option<usize> {
        while !(0..n).contains(&p) {
            p = match border {
                Border::Constant(_) => return None,
                Border::Replicate => p.clamp(0, n - 1),
                Border::Reflect if p < 0 => -1 - p,
                Border::Reflect => 2 * n - 1 - p,
                Border::Reflect101 if n == 1 => 0,
                Border::Reflect101 if p < 0 => -p,
                Border::Reflect101 => 2 * n - 2 - p,
                Border::Wrap if p < 0 => p + n,
                Border::Wrap => p - n,
            };
        }
        Some(p as usize)
    }

    #[test]
    fn map_is_the_rule_step_by_step() {
        let modes = [Border::Constant(1.0), Border::Replicate, Border::Reflect, Border::Reflect101, Border::Wrap];
        for border in modes {
            for n in 1..=9isize {
                for p in -5 * n - 3..5 * n + 3 {
                    assert_eq!(border.map(p, n as usize), by_steps(border, p, n), "{border:?} {p} in {n}");
                }
            }
        }
    }
}
