//! Limits over the award history lower to exclusions over the history list
//! that print as policy text and check back to the same IR, including the
//! applicant's field beside an item's field of the same name
//! (`applicant.level` inside `where`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, SourceFile};
use bursar_runtime::ir::{ConditionKind, Scheme};

fn scheme(extra: &str) -> Scheme {
    let text = format!(
        "scheme s {{ currency CNY  period 2025-01-01 ..= 2025-12-31 }}\n\
         clause §2 \"once per occupation and level\"\n\
         record Award {{ year int  occupation text  level int }}\n\
         applicant {{ occupation text  level int  history list of Award }}\n\
         category c {{ when level in 1..=3  pay 1000 元 }}\n\
         award {{\n  history history\n  limit 1 per period\n  limit 1 per (occupation, level) ever §2\n  limit 2 per 3 years\n  choose highest_amount then first_declared\n}}\n\
         {extra}"
    );
    let compiled = compile(&SourceFile::new("history.bursar", text));
    let shown: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| d.render(false))
        .collect();
    assert!(!compiled.has_errors(), "{}", shown.join("\n"));
    compiled.scheme.unwrap()
}

#[test]
fn limits_over_history_are_exclusions_that_print_as_policy_text() {
    let s = scheme("");
    assert_eq!(s.award.history, Some(2));
    let [ever, years] = &s.requirements[..] else {
        panic!("{:#?}", s.requirements)
    };
    assert_eq!(ever.kind, ConditionKind::Unless);
    assert_eq!(ever.text, "limit 1 per (occupation, level) ever");
    assert_eq!(ever.clause.as_deref(), Some("2"));
    let printed = bursar_runtime::print::expr(&s, &ever.expr);
    assert_eq!(
        printed,
        "any history where occupation == applicant.occupation and level == applicant.level"
    );
    assert_eq!(years.text, "limit 2 per 3 years");
    let printed_years = bursar_runtime::print::expr(&s, &years.expr);
    assert_eq!(
        printed_years,
        "count(history where year in 2023..=2025) >= 2"
    );
    // Written as a plain exclusion, each lowers to the same IR.
    let written = scheme(&format!(
        "require not ({printed})\nrequire not ({printed_years})\n"
    ));
    let back = |i: usize| match &written.requirements[i].expr {
        bursar_runtime::ir::Expr::Not(e) => (**e).clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(back(0), ever.expr);
    assert_eq!(back(1), years.expr);
}
