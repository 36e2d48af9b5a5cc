//! Fuzz target `variants`: column strategies and streaming against the plan's own choice.

use sepconv::available_backends;
use sepconv_core::ColumnStrategy;

use crate::bytes::Bytes;
use crate::case::{f32_source, source, Case};
use crate::run::{assert_bits, check_f32_all, check_u8_output, int_in_place, nan_canon, run};

/// Fuzz target `variants`: `with_column_strategy` and `with_streaming`.
/// Streaming never changes a bit (against the
/// plan's own choice on the same backend); the transposed-tile strategy stays
/// within the f32 bound of the reference; u8 stays bit-exact.
pub fn check_variants(data: &[u8]) {
    let mut b = Bytes::new(data);
    let case = Case::decode(&mut b);
    let strategy = if b.bool() { ColumnStrategy::TransposedTile } else { ColumnStrategy::Direct };
    let stream = b.bool();
    let u8_path = b.bool();
    let Some(base) = case.plan() else { return };
    let s = base.input_shape();
    let out = base.output_shape();
    let plan = base.clone().with_column_strategy(strategy).with_streaming(stream);
    assert_eq!((plan.column_strategy(), plan.streaming()), (strategy, stream));
    // The plan's own choice for this strategy, not streaming.
    let plain = base.clone().with_column_strategy(strategy).with_streaming(false);
    let rows = 0..out.height;
    if u8_path {
        let src_buf = source(&mut b, &case.src, s, |v| v);
        if let Some(want) = check_u8_output::<u8>(&case, &plan, &src_buf) {
            int_in_place(&case, &plan, &src_buf, &want);
        }
        check_u8_output::<f32>(&case, &plan, &src_buf);
    } else {
        let src_buf = f32_source(&mut b, &case.src, s);
        let src = case.src.view(&src_buf, s);
        let results = check_f32_all(&case, &plan, &src_buf);
        for (backend, got) in available_backends().into_iter().zip(results) {
            let want: Vec<f32> = run(&plain, backend, &src, &case.dst, rows.clone()).expect("plain plan");
            let what = format_args!("{}: streaming {stream} vs the plan's choice", backend.name());
            assert_bits(&nan_canon(&got), &nan_canon(&want), &what);
        }
    }
}
