//! Long operator chains check in linear time (issue #12, item 13), and
//! whatever the compiler accepts the runtime loads and evaluates, in a
//! bundle that grows linearly with the policy (item 12).

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
    let compiled = compile(&SourceFile::new("long.bursar", text.as_str()));
    let messages: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(compiled.scheme.is_some(), "{messages:?}");
    assert!(messages.is_empty(), "{messages:?}");
}

/// A small scheme paying `pay` to everyone who applied, with `when` lines.
fn scheme(when: &str, pay: &str) -> String {
    format!(
        "scheme long {{ currency CNY }}\n\
         applicant {{ id text  card bool  level int  applied_on date? }}\n\
         category all \"all\" {{\n  when {when}\n  pay {pay}\n}}\n\
         award {{ limit 1 per period  choose highest_amount then first_declared }}\n\
         application {{ identifier id  received applied_on  deadline 2023-10-31 }}\n"
    )
}

/// Compiles, writes the bundle, loads it back as an embedding application
/// would, and decides one applicant: all on an ordinary test thread's stack.
fn round_trip(source: &str) -> (usize, String) {
    let compiled = compile(&SourceFile::new("long.bursar", source));
    let messages: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    let scheme = compiled
        .scheme
        .unwrap_or_else(|| panic!("does not compile: {messages:?}"));
    let json = bursar_compiler::bundle(scheme).to_json();
    let bundle = bursar_runtime::Bundle::from_slice(json.as_bytes())
        .unwrap_or_else(|e| panic!("the runtime refuses the bundle: {e}"));
    let applicant = bursar_runtime::Applicant::from_json(
        &bundle.scheme,
        &serde_json::json!({"id": "p1", "card": true, "level": 2, "applied_on": "2023-05-01"}),
    )
    .unwrap();
    let decision = bursar_runtime::evaluate(&bundle.scheme, &applicant);
    (json.len(), decision.paid().to_string())
}

#[test]
fn a_sum_of_120_terms_loads() {
    let pay = vec!["1 元"; 120].join(" + ");
    let (_, paid) = round_trip(&scheme("card", &pay));
    assert_eq!(paid, "120.00");
}

#[test]
fn a_sum_of_20000_terms_is_loaded_and_evaluated() {
    // Mixed `+`, `-` and `*` (which binds tighter): 20,000 terms.
    let mut pay = String::from("level * 3 元");
    for i in 1..20_000 {
        pay.push_str(if i % 4 == 0 { " - 1 元" } else { " + 1 元" });
    }
    // (A level below zero could make the sum negative: the checker asks
    // for the bound.)
    let source = scheme("card and level >= 0", &pay);
    let (size, paid) = round_trip(&source);
    // 2 × 3 元, then 15,000 × 1 元 added and 4,999 × 1 元 taken away.
    assert_eq!(paid, "10007.00");
    assert!(
        size < 40 * source.len(),
        "bundle {size} bytes for {} bytes of policy",
        source.len()
    );
}

#[test]
fn a_hundred_thousand_conjuncts_are_loaded_and_evaluated() {
    let when = vec!["card and level >= 1"; 50_000].join(" and ");
    let source = scheme(&when, "100 元");
    let (size, paid) = round_trip(&source);
    assert_eq!(paid, "100.00");
    assert!(size < 40 * source.len(), "bundle {size} bytes");
}

#[test]
fn bundle_size_grows_linearly() {
    let size = |n: usize| round_trip(&scheme("card", &vec!["1 元"; n].join(" + "))).0;
    let (small, large) = (size(1_000), size(4_000));
    assert!(
        large < 5 * small,
        "1k terms {small} bytes, 4k terms {large}"
    );
}

#[test]
fn brackets_nested_as_deep_as_the_parser_allows_load() {
    let mut pay = String::from("1 元");
    for _ in 0..120 {
        pay = format!("({pay} + 1 元) * 1");
    }
    let (_, paid) = round_trip(&scheme("card", &pay));
    assert_eq!(paid, "121.00");
}

#[test]
fn deeper_nesting_than_the_runtime_promises_is_an_error() {
    let mut pay = String::from("0 元");
    for i in 0..300 {
        pay = format!("if level == {i} then {i} 元 else {pay}");
    }
    let source = scheme("card", &pay);
    // Nesting that is not a chain still recurses in the parser and checker:
    // on the command's stack (src/main.rs).
    let compiled = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || compile(&SourceFile::new("deep.bursar", source.as_str())).diagnostics)
        .unwrap()
        .join()
        .unwrap();
    assert!(
        compiled
            .iter()
            .any(|d| d.code == bursar_compiler::Code::TooDeep),
        "{:?}",
        compiled.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

#[test]
fn a_diagnostic_far_along_a_long_line_renders() {
    // miette pads with `{:width$}`, which panics past 65,535 columns.
    let when = "card".to_string() + &" and card".repeat(20_000) + " and 1";
    let compiled = compile(&SourceFile::new(
        "wide.bursar",
        scheme(&when, "1 元").as_str(),
    ));
    let d = compiled
        .diagnostics
        .iter()
        .find(|d| d.code == bursar_compiler::Code::TypeMismatch)
        .expect("`and 1` is an error");
    let text = d.render(false);
    assert!(text.contains("expected `bool`, found `int`"), "{text}");
    assert!(text.contains("wide.bursar:4:180017"), "{text}");
}
