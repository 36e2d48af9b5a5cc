//! Fuzz target `stream`: a plan fed row by row equals the whole-image filter, bit for bit.

use sepconv::{available_backends, Backend, Border, Error, Output, Plan, Sample, Stream};

use crate::bytes::Bytes;
use crate::case::{f32_sample, source, Case};
use crate::run::{assert_bits, nan_canon, run};

/// Fuzz target `stream`: for u8 → u8, u16 → u16 and f32 → f32 on every
/// backend, rows pushed one at a time give `Plan::filter`'s bits (or its
/// error), a row too many is `TooManyRows`, a row of another length
/// `ShapeMismatch`, finishing early `RowsMissing`.
pub fn check_stream(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let early = b.below(4) == 0;
    let src8 = source(&mut b, &case.src, s, |v| v);
    let src16 = source(&mut b, &case.src, s, |v| (v as u16) * 257);
    let srcf = source(&mut b, &case.src, s, f32_sample);
    for backend in available_backends() {
        stream_pair::<u8, u8>(&case, &plan, backend, &src8, early, &|v| v.to_vec());
        stream_pair::<u16, u16>(&case, &plan, backend, &src16, early, &|v| v.to_vec());
        stream_pair::<f32, f32>(&case, &plan, backend, &srcf, early, &nan_canon);
    }
}

fn stream_pair<S: Sample + std::fmt::Debug, D: Output<S> + std::fmt::Debug>(
    case: &Case,
    plan: &Plan,
    backend: Backend,
    src_buf: &[S],
    early: bool,
    canon: &dyn Fn(&[D]) -> Vec<D>,
) {
    let s = plan.input_shape();
    let src = case.src.view(src_buf, s);
    let whole = run::<S, D>(plan, backend, &src, &case.dst, 0..plan.output_shape().height);
    let mut scratch = vec![f32::NAN; Stream::<S, D>::scratch_len(plan).min(1 << 24)];
    let stream = Stream::<S, D>::new(plan, backend, &mut scratch);
    let mut stream = match (stream, &whole) {
        (Ok(stream), Ok(_)) => stream,
        (Err(Error::WrapNotStreamable), _) => {
            assert_eq!(plan.borders().vertical, Border::Wrap, "{plan:?}");
            return;
        }
        (Err(e), Err(w)) => {
            assert_eq!(e, *w, "{plan:?}");
            return;
        }
        // The recipe's error comes with the first push.
        (Ok(stream), Err(Error::WeightsOutOfRange)) => stream,
        (got, want) => panic!("stream {:?}, whole {want:?} {plan:?}", got.map(|_| ())),
    };
    let out = plan.output_shape();
    let row_len = out.width * out.channels;
    let mut streamed = vec![D::zeroed(); row_len * out.height];
    let mut next = 0;
    // A row of another length changes nothing.
    let in_row = s.width * s.channels;
    let wrong = vec![S::zeroed(); in_row + 1];
    assert_eq!(stream.push(&wrong[..in_row - 1], |_, _| panic!("no row")), Err(Error::ShapeMismatch));
    let rows = if early { s.height - 1 } else { s.height };
    for y in 0..rows {
        let row = src.row(y).expect("a row of the image");
        let pushed = stream.push(row, |i, r| {
            assert_eq!(i, next, "rows come out in order");
            streamed[i * row_len..(i + 1) * row_len].copy_from_slice(r);
            next += 1;
        });
        match (&pushed, &whole) {
            (Ok(()), Ok(_)) => {}
            (Err(e), Err(w)) => {
                assert_eq!(e, w, "{plan:?}");
                return;
            }
            _ => panic!("push {pushed:?}, whole {:?} {plan:?}", whole.as_ref().map(|_| ())),
        }
    }
    if early {
        assert_eq!(stream.finish(), Err(Error::RowsMissing));
        return;
    }
    assert_eq!(stream.push(&wrong[..in_row], |_, _| panic!("no row")), Err(Error::TooManyRows));
    assert_eq!(stream.finish(), Ok(()));
    assert_eq!(next, out.height, "every output row handed out");
    let whole = whole.expect("checked above");
    assert_bits(&canon(&streamed), &canon(&whole), &format_args!("{} stream {plan:?}", backend.name()));
}
