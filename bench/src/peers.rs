//! Peer libraries (feature `peers`), run by the report and the criterion
//! suite on the same inputs as sepconv, single-threaded, with the same 1D
//! taps in both directions:
//!
//! * **libblur 0.24**: `filter_1d_exact` for f32 (f32 weights and sums) and
//!   its fixed-point `filter_1d_approx` for u8 (f32 weights, i32 sums),
//!   `EdgeMode::Reflect101`, `ThreadingPolicy::Single`, into our buffer;
//! * **imageproc 0.27**: `filter::separable_filter` (a row pass then a column
//!   pass, sums in f32, *clamp-to-edge* borders — it has no `Reflect101` —
//!   and for u8 an intermediate image stored as u8, truncated, between the
//!   passes). It returns a new image: the timed run allocates it and drops
//!   it; the checking run copies it into our buffer.
//!
//! The box sweep's peer ([`PeerSample::box_peers`]): libblur's running-sum
//! box blur (`box_blur`, `box_blur_u16`, `box_blur_f32`: running sums along
//! the rows, then the columns — for u8, u16 and f32 boxes of 111 taps or
//! more on one thread, through an intermediate image of the sample type;
//! *replicated* edges, it has no other mode), `ThreadingPolicy::Single`.
//!
//! Each peer's answer is compared with sepconv's once ([`compare`]), inside
//! the image and in the frame of `K/2` pixels the borders reach, and the
//! difference is reported, not fatal.

use imageproc::image::{ImageBuffer, Luma, Rgba};
use libblur::{
    box_blur, box_blur_f32, box_blur_u16, filter_1d_approx, filter_1d_exact, BlurImage, BlurImageMut,
    BoxBlurParameters, EdgeMode, EdgeMode2D, FastBlurChannels, Scalar, ThreadingPolicy,
};

use crate::{BenchSample, Input};

/// Filters the input into the buffer.
pub type Run<'a, S> = Box<dyn Fn(&mut [S]) -> Result<(), String> + 'a>;
/// The timed call.
pub type Timed<'a, S> = Box<dyn Fn(&mut [S]) + 'a>;

/// A peer library's filter bound to one input.
pub struct Peer<'a, S> {
    /// The library (`libblur`, `imageproc`): the system name in the report.
    pub name: &'static str,
    /// The function called.
    pub function: &'static str,
    /// Filters the input into the buffer (for the check).
    pub run: Run<'a, S>,
    /// The timed call: as `run`, without copying a returned image.
    pub timed: Timed<'a, S>,
}

/// A sample type the peers filter.
pub trait PeerSample: BenchSample {
    /// The peers that handle `input`'s layout.
    fn peers(input: &Input<Self>) -> Vec<Peer<'_, Self>>;
    /// The peers' box blurs of `input` with a `size × size` box (odd).
    fn box_peers(input: &Input<Self>, size: usize) -> Vec<Peer<'_, Self>>;
}

fn layout(channels: usize) -> Option<FastBlurChannels> {
    match channels {
        1 => Some(FastBlurChannels::Plane),
        3 => Some(FastBlurChannels::Channels3),
        4 => Some(FastBlurChannels::Channels4),
        _ => None,
    }
}

const EDGES: EdgeMode2D = EdgeMode2D::new(EdgeMode::Reflect101);

type Libblur<S> = fn(
    &BlurImage<'_, S>,
    &mut BlurImageMut<'_, S>,
    &[f32],
    &[f32],
    EdgeMode2D,
    Scalar,
    ThreadingPolicy,
) -> Result<(), libblur::BlurError>;

fn libblur_peer<'a, S: BenchSample + 'static>(
    input: &'a Input<S>,
    function: &'static str,
    f: Libblur<S>,
) -> Option<Peer<'a, S>> {
    let w = input.workload;
    let layout = layout(w.channels)?;
    let run = move |out: &mut [S]| -> Result<(), String> {
        let image = BlurImage::borrow(&input.samples, w.width as u32, w.height as u32, layout);
        let mut dst = BlurImageMut::borrow(out, w.width as u32, w.height as u32, layout);
        f(&image, &mut dst, &input.taps, &input.taps, EDGES, Scalar::default(), ThreadingPolicy::Single)
            .map_err(|e| format!("{e:?}"))
    };
    Some(Peer {
        name: "libblur",
        function,
        run: Box::new(run),
        timed: Box::new(move |out| {
            let _ = run(out);
        }),
    })
}

type LibblurBox<S> = fn(
    &BlurImage<'_, S>,
    &mut BlurImageMut<'_, S>,
    BoxBlurParameters,
    ThreadingPolicy,
) -> Result<(), libblur::BlurError>;

/// libblur's box blur of `input` with a `size × size` box.
fn libblur_box_peer<'a, S: BenchSample + 'static>(
    input: &'a Input<S>,
    size: usize,
    function: &'static str,
    f: LibblurBox<S>,
) -> Option<Peer<'a, S>> {
    let w = input.workload;
    let layout = layout(w.channels)?;
    let size = u32::try_from(size).ok()?;
    let run = move |out: &mut [S]| -> Result<(), String> {
        let image = BlurImage::borrow(&input.samples, w.width as u32, w.height as u32, layout);
        let mut dst = BlurImageMut::borrow(out, w.width as u32, w.height as u32, layout);
        f(&image, &mut dst, BoxBlurParameters::new(size), ThreadingPolicy::Single).map_err(|e| format!("{e:?}"))
    };
    Some(Peer {
        name: "libblur",
        function,
        run: Box::new(run),
        timed: Box::new(move |out| {
            let _ = run(out);
        }),
    })
}

/// imageproc on an owned copy of the input (made once, not timed).
fn imageproc_peer<'a, S, P>(input: &'a Input<S>) -> Peer<'a, S>
where
    S: BenchSample + imageproc::image::Primitive + imageproc::definitions::Clamp<f32> + Into<f32> + 'static,
    P: imageproc::image::Pixel<Subpixel = S> + 'static,
{
    let w = input.workload;
    let image: ImageBuffer<P, Vec<S>> =
        ImageBuffer::from_raw(w.width as u32, w.height as u32, input.samples.clone()).expect("image size");
    let image = std::rc::Rc::new(image);
    let checked = image.clone();
    Peer {
        name: "imageproc",
        function: "separable_filter",
        run: Box::new(move |out: &mut [S]| {
            let filtered = imageproc::filter::separable_filter(&*checked, &input.taps, &input.taps);
            out.copy_from_slice(filtered.as_raw());
            Ok(())
        }),
        timed: Box::new(move |_| {
            std::hint::black_box(imageproc::filter::separable_filter(&*image, &input.taps, &input.taps));
        }),
    }
}

impl PeerSample for f32 {
    fn peers(input: &Input<f32>) -> Vec<Peer<'_, f32>> {
        let f: Libblur<f32> = match input.workload.channels {
            1 => filter_1d_exact::<f32, f32, 1>,
            3 => filter_1d_exact::<f32, f32, 3>,
            _ => filter_1d_exact::<f32, f32, 4>,
        };
        let mut peers: Vec<_> = libblur_peer(input, "filter_1d_exact", f).into_iter().collect();
        if input.workload.channels == 1 {
            peers.push(imageproc_peer::<f32, Luma<f32>>(input));
        }
        peers
    }
    fn box_peers(input: &Input<f32>, size: usize) -> Vec<Peer<'_, f32>> {
        libblur_box_peer(input, size, "box_blur_f32", box_blur_f32).into_iter().collect()
    }
}

impl PeerSample for u8 {
    fn peers(input: &Input<u8>) -> Vec<Peer<'_, u8>> {
        let f: Libblur<u8> = match input.workload.channels {
            1 => filter_1d_approx::<u8, f32, i32, 1>,
            3 => filter_1d_approx::<u8, f32, i32, 3>,
            _ => filter_1d_approx::<u8, f32, i32, 4>,
        };
        let mut peers: Vec<_> = libblur_peer(input, "filter_1d_approx", f).into_iter().collect();
        match input.workload.channels {
            1 => peers.push(imageproc_peer::<u8, Luma<u8>>(input)),
            4 => peers.push(imageproc_peer::<u8, Rgba<u8>>(input)),
            _ => {}
        }
        peers
    }
    fn box_peers(input: &Input<u8>, size: usize) -> Vec<Peer<'_, u8>> {
        libblur_box_peer(input, size, "box_blur", box_blur).into_iter().collect()
    }
}

impl PeerSample for u16 {
    fn peers(input: &Input<u16>) -> Vec<Peer<'_, u16>> {
        // libblur's `gaussian_blur_u16` runs one of these two (by its
        // `ConvolutionMode`): f32 sums, or fixed point in u32.
        let (exact, approx): (Libblur<u16>, Libblur<u16>) = match input.workload.channels {
            1 => (filter_1d_exact::<u16, f32, 1>, filter_1d_approx::<u16, f32, u32, 1>),
            3 => (filter_1d_exact::<u16, f32, 3>, filter_1d_approx::<u16, f32, u32, 3>),
            _ => (filter_1d_exact::<u16, f32, 4>, filter_1d_approx::<u16, f32, u32, 4>),
        };
        let mut peers: Vec<_> = libblur_peer(input, "filter_1d_exact", exact).into_iter().collect();
        peers.extend(libblur_peer(input, "filter_1d_approx", approx));
        if input.workload.channels == 1 {
            peers.push(imageproc_peer::<u16, Luma<u16>>(input));
        }
        peers
    }
    fn box_peers(input: &Input<u16>, size: usize) -> Vec<Peer<'_, u16>> {
        libblur_box_peer(input, size, "box_blur_u16", box_blur_u16).into_iter().collect()
    }
}

/// How a peer's answer compares with sepconv's.
#[derive(Debug, Clone, Copy)]
pub struct PeerAgreement {
    /// Largest `|peer − sepconv|` where the kernel stays inside the image.
    pub interior: f32,
    /// Largest difference within `K/2` pixels of an edge (border rules differ).
    pub frame: f32,
}

/// Compares a peer's full output with sepconv's.
pub fn compare<S: BenchSample>(input: &Input<S>, peer: &[S], sepconv: &[S]) -> PeerAgreement {
    let w = input.workload;
    let (mut interior, mut frame) = (0.0f32, 0.0f32);
    let (stride, reach) = (w.width * w.channels, w.taps / 2);
    for (i, (a, b)) in peer.iter().zip(sepconv).enumerate() {
        let (x, y) = (i % stride / w.channels, i / stride);
        let diff = (a.to_f32() - b.to_f32()).abs();
        let inside = x >= reach && x + reach < w.width && y >= reach && y + reach < w.height;
        let worst = if inside { &mut interior } else { &mut frame };
        *worst = worst.max(diff);
    }
    PeerAgreement { interior, frame }
}
