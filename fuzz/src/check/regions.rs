//! Fuzz target `regions`: valid-region plans, in place, and bands against one call.

use sepconv::{available_backends, Error};

use crate::bytes::Bytes;
use crate::case::{f32_source, source, Case};
use crate::run::{assert_bits, check_f32_all, check_u8_output, int_in_place, nan_canon, run};

/// Fuzz target `regions`: valid-region plans, in place (f32 and u8), and
/// `filter_band`: any band equals the same rows of one call, bit for bit.
pub fn check_regions(data: &[u8]) {
    let mut b = Bytes::new(data);
    let mut case = Case::decode(&mut b);
    case.valid = b.bool();
    let band_start = b.next() as usize;
    let band_end = b.next() as usize;
    let u8_path = b.bool();
    let Some(plan) = case.plan() else { return };
    let s = plan.input_shape();
    let out = plan.output_shape();
    let rows = band_start..band_end;
    let band_ok = !rows.is_empty() && rows.end <= out.height;
    // One valid band always, plus the decoded (maybe invalid) one.
    let fixed_band = (band_start % out.height)..(band_start % out.height + 1 + band_end % out.height).min(out.height);
    if u8_path {
        let src_buf = source(&mut b, &case.src, s, |v| v);
        let src = case.src.view(&src_buf, s);
        let Some(full) = check_u8_output::<u8>(&case, &plan, &src_buf) else { return };
        int_in_place(&case, &plan, &src_buf, &full);
        let row_len = out.width * out.channels;
        for backend in available_backends() {
            for band in [rows.clone(), fixed_band.clone()] {
                let got = run::<u8, u8>(&plan, backend, &src, &case.dst, band.clone());
                if band.is_empty() || band.end > out.height {
                    assert_eq!(got.err(), Some(Error::BandOutOfRange));
                    continue;
                }
                let want = &full[band.start * row_len..band.end * row_len];
                assert_bits(&got.expect("band"), want, &format_args!("{} u8 band {band:?}", backend.name()));
            }
        }
    } else {
        let src_buf = f32_source(&mut b, &case.src, s);
        let src = case.src.view(&src_buf, s);
        let fulls = check_f32_all(&case, &plan, &src_buf);
        let row_len = out.width * out.channels;
        for (backend, full) in available_backends().into_iter().zip(fulls) {
            for band in [rows.clone(), fixed_band.clone()] {
                let got = run::<f32, f32>(&plan, backend, &src, &case.dst, band.clone());
                if band.is_empty() || band.end > out.height {
                    assert_eq!(got.err(), Some(Error::BandOutOfRange));
                    continue;
                }
                let want = nan_canon(&full[band.start * row_len..band.end * row_len]);
                let got = nan_canon(&got.expect("band"));
                assert_bits(&got, &want, &format_args!("{} f32 band {band:?}", backend.name()));
            }
        }
    }
    let _ = band_ok;
}
