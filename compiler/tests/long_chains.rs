//! Long operator chains check in linear time (issue #12, item 13).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, SourceFile};

const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

/// The 2023 policy with a `require` line of `n` conjuncts.
fn with_conjuncts(n: usize) -> String {
    let chain = vec!["member_card"; n].join(" and ");
    POLICY_2023.replace(
        "require member_card",
        &format!("require member_card and {chain}"),
    )
}

/// At 100k conjuncts a quadratic checker takes minutes (40k took 15 s);
/// a linear one well under a second in a release build.
#[test]
fn a_hundred_thousand_conjuncts_check() {
    let text = with_conjuncts(100_000);
    // On the command's stack (src/main.rs): this test is about time.
    let check = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let compiled = compile(&SourceFile::new("long.bursar", text.as_str()));
            let messages: Vec<String> = compiled
                .diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect();
            assert!(compiled.scheme.is_some(), "{messages:?}");
            assert!(messages.is_empty(), "{messages:?}");
        })
        .unwrap();
    check.join().unwrap();
}
