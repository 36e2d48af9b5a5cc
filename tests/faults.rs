//! Faults around the facade's calls: allocations the allocator refuses,
//! and panics in the threads around the bands. The threaded entry points
//! (`filter`, `filter_valid`, `filter_parallel`) and the single-threaded
//! ones (`filter_in_place`, `depthwise::run_f32`/`run_i8`, `kernel2d`'s
//! filters, `Image`) allocate before they write: a refused allocation is
//! `Error::OutOfMemory` with the destination untouched. A panic elsewhere
//! in the caller's rayon pool neither stops the bands nor reaches them.
//!
//! The refusals come from this binary's allocator, which fails every
//! allocation of one armed size (the tests take turns: the size is global).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use common::*;
use sepconv::depthwise::{Activation, F32Weights, LayerShape, Padding, SeparableF32};
use sepconv::kernel2d::{correlate_2d, Kernel2d, SeparableSum};
use sepconv::{best_backend, filter_parallel, Border, Borders, Error, Image, ImageView, Kernel, Plan, Shape, Threads};

/// The system allocator, except that it refuses allocations of `REFUSE` bytes.
struct Refusing;

static REFUSE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is `System`'s, or a refusal (a null pointer), which
// `GlobalAlloc` allows.
unsafe impl GlobalAlloc for Refusing {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() == REFUSE.load(Ordering::SeqCst) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Refusing = Refusing;

/// The tests of this file one at a time: a refusal is seen by every thread.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Refuses allocations of `bytes` bytes while it lives (within a test's turn).
struct Refusal;

fn refuse(bytes: usize) -> Refusal {
    REFUSE.store(bytes, Ordering::SeqCst);
    Refusal
}

impl Drop for Refusal {
    fn drop(&mut self) {
        REFUSE.store(0, Ordering::SeqCst);
    }
}

const F32: usize = std::mem::size_of::<f32>();

/// A random f32 image and a plan for it: 5-tap Gaussian rows, 3-tap derivative columns.
fn case(w: usize, h: usize, c: usize) -> (Img<f32>, [f32; 5], [f32; 3]) {
    let mut rng = XorShift::new((w * 1000 + h * 10 + c) as u64);
    (
        random_f32_image(&mut rng, w, h, c, 0),
        normalise(vec![1.0, 4.0, 6.0, 4.0, 1.0]).try_into().unwrap(),
        [-0.5, 0.0, 0.5],
    )
}

fn plan<'k>(img: &Img<f32>, row: &'k [f32], col: &'k [f32]) -> Plan<'k> {
    let shape = Shape::new(img.width, img.height, img.channels).unwrap();
    Plan::new(shape, Kernel::new(row).unwrap(), Kernel::new(col).unwrap(), Borders::default()).unwrap()
}

/// `filter_parallel` allocates every band's scratch before the first band
/// starts: refused, it is `OutOfMemory` and the destination keeps its bits.
#[test]
fn refused_band_scratch_writes_nothing() {
    let _turn = turn();
    let (src, row, col) = case(64, 40, 1);
    let plan = plan(&src, &row, &col);
    for bands in [1, 3] {
        let bytes = plan.scratch_len::<f32>() * bands * F32;
        let mut dst = Img::filled(64, 40, 1, 0, -7.5f32);
        let threads = Threads::Count(NonZeroUsize::new(bands).unwrap());
        let got = {
            let _refusal = refuse(bytes);
            filter_parallel(&plan, best_backend(), &src.view(), &mut dst.view_mut(), threads)
        };
        assert_eq!(got, Err(Error::OutOfMemory { bytes }), "{bands} bands");
        assert!(dst.data.iter().all(|&v| v == -7.5), "{bands} bands: the destination was written");
        // Allowed, the same call fills every row.
        filter_parallel(&plan, best_backend(), &src.view(), &mut dst.view_mut(), threads).unwrap();
        let mut want = Img::filled(64, 40, 1, 0, 0.0f32);
        plan.filter(best_backend(), &src.view(), &mut want.view_mut(), &mut scratch(plan.scratch_len::<f32>()))
            .unwrap();
        assert_eq!(bits(&dst.data), bits(&want.data), "{bands} bands");
    }
}

/// The convenience functions and owned images: a refused image or scratch
/// is `OutOfMemory`, and an image in place keeps its bits.
#[test]
fn refused_images_and_scratch() {
    let _turn = turn();
    let (src, row, col) = case(48, 30, 2);
    let (r, c) = (Kernel::new(&row).unwrap(), Kernel::new(&col).unwrap());
    let image_bytes = 48 * 30 * 2 * F32;
    let pixels = vec![[0.5f32; 2]; 48 * 30];
    let got = {
        let _refusal = refuse(image_bytes);
        [
            Image::<f32>::new(48, 30, 2).err(),
            sepconv::filter::<f32, f32>(&src.view(), r, c, Borders::default()).err(),
            Image::<f32>::from_pixels(&pixels, 48, 30).err(),
        ]
    };
    assert_eq!(got, [Some(Error::OutOfMemory { bytes: image_bytes }); 3]);
    // More than any machine has: refused by the system allocator itself.
    assert_eq!(Image::<u8>::new(1 << 20, 1 << 20, 1).err(), Some(Error::OutOfMemory { bytes: 1 << 40 }));

    let scratch_bytes = plan(&src, &row, &col).scratch_len::<f32>() * F32;
    let mut img = src.clone();
    let got = {
        let _refusal = refuse(scratch_bytes);
        sepconv::filter_in_place(&mut img.view_mut(), r, c, Borders::default())
    };
    assert_eq!(got, Err(Error::OutOfMemory { bytes: scratch_bytes }));
    assert_eq!(bits(&img.data), bits(&src.data), "in place: the image was written");
}

/// The 2D filters allocate their extended rows, band buffer and f32 copy
/// of a u8 image before writing.
#[test]
fn refused_kernel2d_buffers_write_nothing() {
    let _turn = turn();
    let (w, h) = (40, 24);
    let mut rng = XorShift::new(9);
    let src = random_f32_image(&mut rng, w, h, 1, 0);
    let kernel =
        Kernel2d::from_fn(3, 3, |j, i| [1.0, -2.0, 0.5][j] * [0.25, 0.5, 0.25][i] + (i == j) as u8 as f64).unwrap();
    let mut dst = Img::filled(w, h, 1, 0, -7.5f32);
    // The source rows extended by one column each side, and one constant row.
    let padded = (h + 1) * (w + 2) * F32;
    let got = {
        let _refusal = refuse(padded);
        correlate_2d(&kernel, &src.view(), &mut dst.view_mut(), Borders::uniform(Border::Reflect101))
    };
    assert_eq!(got, Err(Error::OutOfMemory { bytes: padded }));
    assert!(dst.data.iter().all(|&v| v == -7.5), "correlate_2d wrote the destination");

    let sum = SeparableSum::new(vec![
        (vec![0.25, 0.5, 0.25], vec![1.0, 2.0, 1.0]),
        (vec![1.0, 0.0, -1.0], vec![0.5, 0.0, -0.5]),
    ])
    .unwrap();
    let band = (128 << 10) / (4 * w);
    let buffer = band.min(h) * w * F32;
    let got = {
        let _refusal = refuse(buffer);
        sum.filter_into(&src.view(), &mut dst.view_mut(), Borders::default())
    };
    assert_eq!(got, Err(Error::OutOfMemory { bytes: buffer }));
    assert!(dst.data.iter().all(|&v| v == -7.5), "SeparableSum wrote the destination");

    let bytes8: Vec<u8> = (0..w * h).map(|i| (i * 37 % 256) as u8).collect();
    let src8 = ImageView::new(&bytes8, w, h, 1).unwrap();
    let copy = w * h * F32;
    let got = {
        let _refusal = refuse(copy);
        correlate_2d(&kernel, &src8, &mut dst.view_mut(), Borders::default())
    };
    assert_eq!(got, Err(Error::OutOfMemory { bytes: copy }));
    assert!(dst.data.iter().all(|&v| v == -7.5), "correlate_2d (u8) wrote the destination");
}

/// `depthwise::run_f32` allocates its output and scratch, or says it cannot.
#[test]
fn refused_layer_output() {
    let _turn = turn();
    let shape = LayerShape::new(9, 7, 3, 5, 3, 1, Padding::Same);
    let depthwise = vec![0.1f32; 3 * 3 * 3];
    let pointwise = vec![0.2f32; 3 * 5];
    let (dw_bias, pw_bias) = (vec![0.0f32; 3], vec![0.5f32; 5]);
    let weights = F32Weights {
        depthwise: &depthwise,
        depthwise_bias: &dw_bias,
        depthwise_activation: Activation::None,
        pointwise: &pointwise,
        pointwise_bias: &pw_bias,
        activation: Activation::Relu,
    };
    let layer = SeparableF32::new(shape, weights).unwrap();
    let input = vec![1.0f32; 9 * 7 * 3];
    let output = 9 * 7 * 5 * F32;
    let got = {
        let _refusal = refuse(output);
        sepconv::depthwise::run_f32(&layer, &input)
    };
    assert_eq!(got.err(), Some(Error::OutOfMemory { bytes: output }));
    assert_eq!(sepconv::depthwise::run_f32(&layer, &input).unwrap().len(), 9 * 7 * 5);
}

/// A panic in a job beside the filter (the other half of the caller's
/// `rayon::join`) reaches the caller, and the filter still writes every
/// row, as one thread does.
#[test]
fn a_panicking_neighbour_job_does_not_cut_the_bands() {
    let _turn = turn();
    let (src, row, col) = case(300, 257, 1);
    let plan = plan(&src, &row, &col);
    let mut want = Img::filled(300, 257, 1, 0, 0.0f32);
    plan.filter(best_backend(), &src.view(), &mut want.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for bands in [2, 7] {
        let mut dst = Img::filled(300, 257, 1, 0, -7.5f32);
        let threads = Threads::Count(NonZeroUsize::new(bands).unwrap());
        let run = AssertUnwindSafe(|| {
            pool.install(|| {
                rayon::join(
                    || filter_parallel(&plan, best_backend(), &src.view(), &mut dst.view_mut(), threads),
                    || panic!("the caller's own job"),
                )
            })
        });
        let panic = catch_unwind(run).expect_err("the neighbour's panic reaches the caller");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"the caller's own job"));
        assert_eq!(bits(&dst.data), bits(&want.data), "{bands} bands");
    }
}

/// A pool whose jobs have panicked (caught by its panic handler) runs the
/// bands as before.
#[test]
fn a_pool_that_saw_panics_still_filters() {
    let _turn = turn();
    let (src, row, col) = case(200, 90, 3);
    let plan = plan(&src, &row, &col);
    let mut want = Img::filled(200, 90, 3, 0, 0.0f32);
    plan.filter(best_backend(), &src.view(), &mut want.view_mut(), &mut scratch(plan.scratch_len::<f32>())).unwrap();
    let caught = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = caught.clone();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .panic_handler(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    for _ in 0..4 {
        pool.spawn(|| panic!("a job of the pool"));
    }
    while caught.load(Ordering::SeqCst) < 4 {
        std::thread::yield_now();
    }
    let mut dst = Img::filled(200, 90, 3, 0, -7.5f32);
    let threads = Threads::Count(NonZeroUsize::new(5).unwrap());
    pool.install(|| filter_parallel(&plan, best_backend(), &src.view(), &mut dst.view_mut(), threads)).unwrap();
    assert_eq!(bits(&dst.data), bits(&want.data));
}
