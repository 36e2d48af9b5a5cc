//! Blurs of premultiplied colour ([`Options::premultiplied_alpha`]): each
//! colour sample is weighted by its pixel's alpha before the blur and the
//! blurred colour divided by the blurred alpha after it,
//!
//! ```text
//! c_out = Σ w·(a/A)·c / Σ w·(a/A) · … = (Σ w·a·c) / (Σ w·a),   a_out = Σ w·a
//! ```
//!
//! (`A` the opaque value: 255 for u8, 1 for f32), so a transparent pixel
//! adds nothing to its neighbours' colour. The weighted sums run in `f32`,
//! in a copy of the image: the one rounding at the end leaves each u8
//! colour within 1 of the exact result's rounding.

use sepconv_core::{ImageView, Result};

use crate::owned::{with_capacity, Image};
use crate::source::SourceSample;

/// Whether `src` has an alpha channel (2 or 4 channels, alpha last) that is
/// not opaque everywhere: only then does premultiplying change anything.
pub(crate) fn has_transparency<S: SourceSample>(src: &ImageView<'_, S>) -> bool {
    let c = src.channels();
    if c != 2 && c != 4 {
        return false;
    }
    (0..src.height())
        .filter_map(|y| src.row(y))
        .any(|row| row.chunks_exact(c).any(|px| px[c - 1].into_f32() != S::OPAQUE))
}

/// The blur `smooth` of `src` as premultiplied colour (alpha the last channel).
pub(crate) fn blur<S: SourceSample>(
    src: &ImageView<'_, S>,
    smooth: impl Fn(&ImageView<'_, f32>) -> Result<Image<f32>>,
) -> Result<Image<S>> {
    let c = src.channels();
    let mut premultiplied = with_capacity(src.width() * src.height() * c)?;
    for row in (0..src.height()).filter_map(|y| src.row(y)) {
        for px in row.chunks_exact(c) {
            let alpha = px[c - 1].into_f32();
            let weight = alpha / S::OPAQUE;
            premultiplied.extend(px[..c - 1].iter().map(|v| v.into_f32() * weight));
            premultiplied.push(alpha);
        }
    }
    let premultiplied = Image::from_vec(premultiplied, src.width(), src.height(), c)?;
    let blurred = smooth(&premultiplied.view())?;
    let mut out = with_capacity(blurred.as_slice().len())?;
    for px in blurred.as_slice().chunks_exact(c) {
        let alpha = px[c - 1];
        let unweight = if alpha > 0.0 { S::OPAQUE / alpha } else { 0.0 };
        out.extend(px[..c - 1].iter().map(|&v| S::from_f32_rounded(v * unweight)));
        out.push(S::from_f32_rounded(alpha));
    }
    Image::from_vec(out, blurred.width(), blurred.height(), c)
}
