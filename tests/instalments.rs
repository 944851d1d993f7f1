//! Staged payments end to end (issue #14, section 3): the `study-grant`
//! worked example over a population, through the simulator's pending money
//! and its cash flow per stage.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

const SCHEME: &str = "policies/examples/study-grant.bursar";

/// 300 members: two in three enrolled; of those, one in three graduated in
/// June 2025, one in three in September, the rest not yet.
fn population() -> (String, usize, usize, usize) {
    let path = temp("study-grant.csv");
    let mut rows = vec!["person_id,enrolled,graduated_on".to_string()];
    let (mut june, mut september, mut pending) = (0, 0, 0);
    for i in 0..300 {
        let enrolled = i % 3 != 0;
        let graduated = match (enrolled, i % 9) {
            (true, 1 | 4) => {
                june += 1;
                "2025-06-30"
            }
            (true, 2 | 5) => {
                september += 1;
                "2025-09-15"
            }
            (true, _) => {
                pending += 1;
                ""
            }
            (false, _) => "2025-06-30",
        };
        rows.push(format!("S{i:03},{enrolled},{graduated}"));
    }
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    (path.to_str().unwrap().to_string(), june, september, pending)
}

#[test]
fn pending_stages_are_promised_not_paid_and_due_ones_fall_in_their_month() {
    let (pop, june, september, pending) = population();
    let enrolled = june + september + pending;
    let o = bursar(&["simulate", SCHEME, "--population", &pop, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["paid"], enrolled as u64);
    let paid = enrolled * 500 + (june + september) * 400;
    assert_eq!(json["total"], format!("{paid}.00"));
    assert_eq!(json["instalments_pending"]["persons"], pending as u64);
    assert_eq!(
        json["instalments_pending"]["total"],
        format!("{}.00", pending * 400)
    );
    // A later stage is paid in the month its fact was recorded.
    assert_eq!(json["cash_flow"]["2025-06"], format!("{}.00", june * 400));
    assert_eq!(
        json["cash_flow"]["2025-09"],
        format!("{}.00", september * 400)
    );
    let text = stdout(&bursar(&["simulate", SCHEME, "--population", &pop]));
    assert!(text.contains("instalments not due yet"), "{text}");
    let csv = stdout(&bursar(&[
        "simulate",
        SCHEME,
        "--population",
        &pop,
        "--format",
        "csv",
    ]));
    assert!(
        csv.contains(&format!("summary,,instalments_pending,{pending}\n")),
        "{csv}"
    );
}

#[test]
fn a_scheme_without_instalments_has_no_pending_section() {
    let o = bursar(&[
        "simulate",
        "policies/beijing/2023-career-boost.bursar",
        "--population",
        "policies/beijing/data/population-sample.csv",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json.get("instalments_pending").is_none());
}

#[test]
fn doc_says_the_stages_not_the_lowered_formula() {
    let out = stdout(&bursar(&["doc", SCHEME]));
    assert!(
        out.contains(
            "500.00 元 now; 400.00 元 after day of graduation (absent: not graduated yet)"
        ),
        "{out}"
    );
    assert!(!out.contains("if graduated_on is present"), "{out}");
}
