//! How long one decision takes: the cost an application system pays per
//! request and the simulator pays per row. Run: `cargo bench -p bursar-runtime`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_runtime::{evaluate, evaluate_into, explain, Applicant, Bundle, Decision, Program};
use criterion::{criterion_group, criterion_main, Criterion};

const BUNDLE: &[u8] = include_bytes!("../tests/data/2023-career-boost.bundle.json");

fn applicants(bundle: &Bundle) -> Vec<(&'static str, Applicant)> {
    let cases = [
        // Paid through the first category.
        (
            "vocational",
            serde_json::json!({"person_id": "E01", "member_card": true, "voc_level": 1, "voc_issuer": "beijing_center",
            "voc_issued": "2021-01-01", "voc_boosted_before": false, "applied_on": "2023-04-10"}),
        ),
        // Eligible three ways: every category and the award rule run.
        (
            "three-way tie",
            serde_json::json!({"person_id": "E22", "member_card": true, "voc_level": 2, "voc_issuer": "beijing_center",
            "voc_issued": "2022-03-01", "voc_boosted_before": false, "sw_level": "regular", "sw_approved": "2022-03-01",
            "contest_year": 2022, "contest_rank": 7, "applied_on": "2023-09-30"}),
        ),
        // The common case in a population: nothing applies.
        (
            "not eligible",
            serde_json::json!({"person_id": "N1", "member_card": true, "voc_boosted_before": false}),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, json)| {
            (
                name,
                Applicant::from_json(&bundle.scheme, &json).expect("valid applicant"),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let bundle = Bundle::from_slice(BUNDLE).expect("bundle loads");
    let scheme = &bundle.scheme;
    for (name, applicant) in applicants(&bundle) {
        c.bench_function(&format!("evaluate/{name}"), |b| {
            b.iter(|| evaluate(scheme, std::hint::black_box(&applicant)))
        });
        // As the simulator decides: one decision's buffers reused, by the
        // tree walker and by the scheme's lowered program.
        let mut d = Decision::default();
        c.bench_function(&format!("evaluate_into/{name}"), |b| {
            b.iter(|| evaluate_into(scheme, std::hint::black_box(&applicant), &mut d))
        });
        let program = Program::new(scheme);
        c.bench_function(&format!("program/{name}"), |b| {
            b.iter(|| program.evaluate_into(std::hint::black_box(&applicant), &mut d))
        });
        c.bench_function(&format!("evaluate+explain/{name}"), |b| {
            b.iter(|| {
                let d = evaluate(scheme, std::hint::black_box(&applicant));
                explain(scheme, &applicant, &d).to_text()
            })
        });
    }
    c.bench_function("load bundle", |b| {
        b.iter(|| Bundle::from_slice(std::hint::black_box(BUNDLE)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
