//! Every check over the committed corpora and over deterministic pseudo-random inputs.

use sepconv_testkit::XorShift;

/// Runs `f` on a thread with a 64 MiB stack. Unoptimised, the inlined
/// engines have stack frames of hundreds of KB (more under AddressSanitizer):
/// the checks overflow the 2 MiB of a default test thread.
fn on_large_stack(f: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new().stack_size(64 << 20).spawn(f).expect("spawn a test thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

/// Runs a check over deterministic pseudo-random inputs.
fn pseudo_random(check: fn(&[u8]), count: usize) {
    on_large_stack(move || {
        let mut rng = XorShift::new(0x2545_F491_4F6C_DD1D);
        for _ in 0..count {
            let len = rng.below(600);
            let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            check(&data);
        }
        check(&[]);
    });
}

/// The committed seed corpora (`corpus/<target>/`), and any findings
/// kept there as regression inputs, through their checks.
#[test]
fn committed_corpora() {
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 12] = [
        ("filter_f32", super::check_filter_f32),
        ("filter_u8", super::check_filter_u8),
        ("filter_u16", super::check_filter_u16),
        ("box_filter", super::check_box_filter),
        ("stream", super::check_stream),
        ("one_call", super::check_one_call),
        ("plan", super::check_plan),
        ("regions", super::check_regions),
        ("variants", super::check_variants),
        ("generate", super::check_generate),
        ("separable", super::check_separable),
        ("depthwise", super::check_depthwise),
    ];
    on_large_stack(move || {
        for (target, check) in targets {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
            let mut files = 0;
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
                let path = entry.unwrap().path();
                check(&std::fs::read(&path).unwrap());
                files += 1;
            }
            assert!(files > 0, "no seeds for {target}");
        }
    });
}

#[test]
fn filter_f32() {
    pseudo_random(super::check_filter_f32, 300);
}
#[test]
fn filter_u8() {
    pseudo_random(super::check_filter_u8, 300);
}
#[test]
fn plan() {
    pseudo_random(super::check_plan, 3000);
}
#[test]
fn regions() {
    pseudo_random(super::check_regions, 300);
}
#[test]
fn variants() {
    pseudo_random(super::check_variants, 300);
}
#[test]
fn generate() {
    pseudo_random(super::check_generate, 3000);
}
#[test]
fn separable() {
    pseudo_random(super::check_separable, 300);
}
#[test]
fn depthwise() {
    pseudo_random(super::check_depthwise, 1000);
}
#[test]
fn filter_u16() {
    pseudo_random(super::check_filter_u16, 300);
}
#[test]
fn box_filter() {
    pseudo_random(super::check_box_filter, 300);
}
#[test]
fn stream() {
    pseudo_random(super::check_stream, 300);
}
#[test]
fn one_call() {
    pseudo_random(super::check_one_call, 300);
}
