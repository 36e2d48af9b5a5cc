//! `Stream` against `Plan::filter` on every backend: source rows pushed one
//! at a time give the whole-image filter's output bit for bit (u8 → u8,
//! i16, f32; f32 → f32, the same arithmetic in the same order), for every
//! border, anchor, channel count and region, and each output row comes out
//! as soon as the source rows it reads are in.

mod common;

use common::*;
use sepconv::{Backend, Border, Error, Output, Plan, Region, Sample, Stream};

/// The push at which each output row must come out: the one that brings
/// the last source row it reads (by the border rule of the test kit, not
/// the crate's).
fn due(spec: &Spec, plan: &Plan<'_>, y: usize) -> usize {
    let n = spec.col.len() as isize;
    let top = match spec.region {
        Region::Same => y as isize - spec.col_anchor as isize,
        Region::Valid => y as isize,
        Region::Window { y: wy, .. } => (wy + y) as isize - spec.col_anchor as isize,
    };
    let h = plan.input_shape().height;
    (top..top + n).filter_map(|v| border_index(spec.borders.vertical, v, h)).max().unwrap_or(0)
}

/// Whether the stream refuses the spec: a vertical `Wrap` the output
/// reaches, on an image taller than the kernel.
fn refused(spec: &Spec, plan: &Plan<'_>) -> bool {
    let (n, h) = (spec.col.len(), spec.height);
    let reads_outside = (0..plan.output_shape().height).any(|y| {
        let top = match spec.region {
            Region::Same => y as isize - spec.col_anchor as isize,
            Region::Valid => y as isize,
            Region::Window { y: wy, .. } => (wy + y) as isize - spec.col_anchor as isize,
        };
        top < 0 || top + n as isize > h as isize
    });
    spec.borders.vertical == Border::Wrap && reads_outside && h > n
}

/// `src` streamed through `plan` on `backend`, checking that each output
/// row comes out once, in order, with the first push at which it and every
/// row before it are [`due`].
fn streamed<S: Sample + PartialEq + std::fmt::Debug, D: Output<S> + PartialEq + std::fmt::Debug>(
    spec: &Spec,
    plan: &Plan<'_>,
    backend: Backend,
    src: &Img<S>,
    fill: D,
) -> sepconv::Result<Img<D>> {
    let o = plan.output_shape();
    let mut out = Img::filled(o.width, o.height, o.channels, 0, fill);
    let mut scratch = scratch(Stream::<S, D>::scratch_len(plan));
    let mut stream = Stream::<S, D>::new(plan, backend, &mut scratch)?;
    let (mut next, mut ready_at) = (0, 0);
    for y in 0..src.height {
        let row = &src.data[y * src.stride..y * src.stride + src.width * src.channels];
        stream.push(row, |oy, filtered: &[D]| {
            assert_eq!(oy, next, "rows out of order\n{spec:?}");
            ready_at = ready_at.max(due(spec, plan, oy));
            assert_eq!(ready_at, y, "row {oy} came out with source row {y}\n{spec:?}");
            out.data[oy * out.stride..(oy + 1) * out.stride].copy_from_slice(filtered);
            next += 1;
        })?;
    }
    assert_eq!(next, o.height, "rows missing after the last push\n{spec:?}");
    stream.finish()?;
    Ok(out)
}

fn bits<T: bytemuck::Pod>(v: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

/// One pair on every backend: the stream equals `Plan::filter`, or is refused as documented.
fn check_pair<S: Sample + PartialEq + std::fmt::Debug, D: Output<S> + PartialEq + std::fmt::Debug>(
    spec: &Spec,
    plan: &Plan<'_>,
    src: &Img<S>,
    fill: D,
    label: &str,
) {
    let o = plan.output_shape();
    for b in backends() {
        let mut want = Img::filled(o.width, o.height, o.channels, 0, fill);
        let filtered = plan.filter(b, &src.view(), &mut want.view_mut(), &mut scratch(plan.scratch_len::<S>()));
        let got = streamed(spec, plan, b, src, fill);
        if refused(spec, plan) {
            assert_eq!(got.err(), Some(Error::WrapNotStreamable), "{label} {}\n{spec:?}", b.name());
            continue;
        }
        match filtered {
            Ok(()) => {
                let got = got.unwrap_or_else(|e| panic!("{label} {}: {e}\n{spec:?}", b.name()));
                assert!(bits(&got.data) == bits(&want.data), "{label} {}: stream differs\n{spec:?}", b.name());
            }
            Err(e) => assert_eq!(got.err(), Some(e), "{label} {}\n{spec:?}", b.name()),
        }
    }
}

fn check_spec(spec: &Spec, seed: u64) {
    let (ow, oh) = spec.out_size();
    if ow == 0 || oh == 0 {
        return;
    }
    let plan = spec.plan();
    let mut rng = XorShift::new(seed);
    let pad = rng.below(3);
    let src = random_f32_image(&mut rng, spec.width, spec.height, spec.channels, pad);
    check_pair(spec, &plan, &src, f32::NAN, "f32→f32");
    let pad = rng.below(3);
    let src = random_u8_image(&mut rng, spec.width, spec.height, spec.channels, pad);
    check_pair(spec, &plan, &src, 0xA5u8, "u8→u8");
    check_pair(spec, &plan, &src, 0x5A5Ai16, "u8→i16");
    check_pair(spec, &plan, &src, f32::NAN, "u8→f32");
    let pad = rng.below(3);
    let src = random_u16_image(&mut rng, spec.width, spec.height, spec.channels, pad);
    check_pair(spec, &plan, &src, 0xA5A5u16, "u16→u16");
    check_pair(spec, &plan, &src, f32::NAN, "u16→f32");
}

/// Every column length and anchor, every height up to a few kernels, every
/// vertical border; the row kernel, width and channels drawn at random.
#[test]
fn every_height_anchor_and_vertical_border() {
    let mut rng = XorShift::new(0x57AE_0001);
    let mut cases = 0;
    for nc in [1usize, 2, 3, 4, 5, 7, 9, 16] {
        for ay in 0..nc {
            for height in 1..=2 * nc + 3 {
                for m in 0..5 {
                    let nr = rng.range(1, 6);
                    let spec = Spec {
                        width: rng.range(1, 24),
                        height,
                        channels: rng.range(1, 4),
                        row: random_taps(&mut rng, nr, Taps::Normalised),
                        row_anchor: rng.below(nr),
                        col: random_taps(&mut rng, nc, Taps::Normalised),
                        col_anchor: ay,
                        borders: sepconv::Borders::new(random_border(&mut rng), mode(m, rng.below(256) as f32)),
                        region: Region::Same,
                    };
                    check_spec(&spec, rng.next_u64());
                    cases += 1;
                }
            }
        }
    }
    eprintln!("stream: {cases} specs");
}

/// Valid regions and windows, which read rows around them without borders
/// (or with them at the image's edges).
#[test]
fn regions() {
    let mut rng = XorShift::new(0x57AE_0002);
    for _ in 0..300 {
        let (nr, nc) = (rng.range(1, 7), rng.range(1, 7));
        let (width, height) = (rng.range(1, 20), rng.range(1, 16));
        let region = if rng.chance(1, 2) && width >= nr && height >= nc {
            Region::Valid
        } else {
            let (x, y) = (rng.below(width), rng.below(height));
            Region::Window { x, y, width: rng.range(1, width - x), height: rng.range(1, height - y) }
        };
        let spec = Spec {
            width,
            height,
            channels: rng.range(1, 4),
            row: random_taps(&mut rng, nr, Taps::Signed),
            row_anchor: rng.below(nr),
            col: random_taps(&mut rng, nc, Taps::Signed),
            col_anchor: rng.below(nc),
            borders: sepconv::Borders::new(random_border(&mut rng), random_border(&mut rng)),
            region,
        };
        check_spec(&spec, rng.next_u64());
    }
}

mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random specs of the shared strategy: long kernels, signed
        /// weights, both regions, every border pair.
        #[test]
        fn random_specs(spec in spec_strategy(Taps::Signed), seed in any::<u64>()) {
            check_spec(&spec, seed);
        }
    }
}
