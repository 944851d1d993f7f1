//! Invisible and look-alike characters cannot make two names that look the
//! same differ (issue #12, item 5).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, Code, Compiled, Severity, SourceFile};

const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

fn run(text: &str) -> Compiled {
    compile(&SourceFile::new("names.bursar", text))
}

fn codes(c: &Compiled) -> Vec<(Code, Severity, String)> {
    c.diagnostics
        .iter()
        .map(|d| (d.code, d.severity, d.message.clone()))
        .collect()
}

/// The 2023 policy with a second `level1` row that differs by an invisible
/// character, paying 20,000, and the vocational category paying from it.
fn twin_row(invisible: char) -> String {
    let twin = format!("level1{invisible}");
    POLICY_2023
        .replacen(
            "level1 \"国家一级（高级技师）\"",
            &format!("{twin} \"国家一级\" = 20000 元\n  level1 \"国家一级（高级技师）\""),
            1,
        )
        .replacen("=> standard.level1", &format!("=> standard.{twin}"), 1)
}

#[test]
fn the_2023_policy_has_no_warnings() {
    let c = run(POLICY_2023);
    assert!(c.scheme.is_some());
    assert!(c.diagnostics.is_empty(), "{:?}", codes(&c));
}

#[test]
fn an_invisible_character_in_a_name_is_an_error() {
    for invisible in [
        '\u{200D}', '\u{200B}', '\u{200C}', '\u{2060}', '\u{AD}', '\u{FE0F}',
    ] {
        let text = twin_row(invisible);
        assert!(text.contains(&format!("level1{invisible} ")));
        let c = run(&text);
        assert!(
            c.scheme.is_none(),
            "U+{:04X} checked clean",
            invisible as u32
        );
        assert!(
            c.diagnostics
                .iter()
                .any(|d| d.code == Code::InvisibleCharacter && d.is_error()),
            "U+{:04X}: {:?}",
            invisible as u32,
            codes(&c)
        );
    }
}

#[test]
fn a_bidi_control_outside_text_is_an_error_and_inside_text_a_warning() {
    // In a comment: the "trojan source" trick of hiding code.
    let in_comment = POLICY_2023.replacen(
        "require member_card",
        "// \u{202E} } \u{2066} \nrequire member_card",
        1,
    );
    let c = run(&in_comment);
    assert!(c.scheme.is_none());
    assert!(c
        .diagnostics
        .iter()
        .any(|d| d.code == Code::InvisibleCharacter && d.is_error()));

    let in_text = POLICY_2023.replacen("\"助推标准\"", "\"助推\u{202E}标准\"", 1);
    assert_ne!(in_text, POLICY_2023);
    let c = run(&in_text);
    assert!(c.scheme.is_some(), "{:?}", codes(&c));
    assert_eq!(
        codes(&c)
            .iter()
            .map(|(code, severity, _)| (*code, *severity))
            .collect::<Vec<_>>(),
        [(Code::InvisibleCharacter, Severity::Warning)]
    );
}

#[test]
fn a_byte_order_mark_at_the_start_is_fine() {
    let c = run(&format!("\u{FEFF}{POLICY_2023}"));
    assert!(c.diagnostics.is_empty(), "{:?}", codes(&c));
}

#[test]
fn names_are_compared_in_nfc() {
    // `café` declared decomposed (e + U+0301), used composed.
    let text = POLICY_2023
        .replacen(
            "  member_card        bool",
            "  cafe\u{301} bool \"咖啡\"\n  member_card        bool",
            1,
        )
        .replacen(
            "require member_card",
            "require member_card and caf\u{E9}",
            1,
        );
    let c = run(&text);
    assert!(c.scheme.is_some(), "{:?}", codes(&c));
    assert!(c.diagnostics.is_empty(), "{:?}", codes(&c));
}

#[test]
fn a_look_alike_name_in_another_script_is_a_warning_naming_both() {
    // The `е` of the second row is Cyrillic (U+0435).
    let text = POLICY_2023.replacen(
        "level1 \"国家一级（高级技师）\"",
        "l\u{435}vel1 \"国家一级\" = 20000 元\n  level1 \"国家一级（高级技师）\"",
        1,
    );
    let c = run(&text);
    let warnings: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ConfusableName && !d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", codes(&c));
    assert!(
        warnings[0].contains("l\u{435}vel1") && warnings[0].contains("`level1`"),
        "{}",
        warnings[0]
    );
}

#[test]
fn han_names_work_and_are_not_look_alikes() {
    let text = POLICY_2023
        .replacen(
            "  member_card        bool",
            "  会员卡 bool \"持卡\"\n  member_card        bool",
            1,
        )
        .replacen("require member_card", "require member_card and 会员卡", 1);
    let c = run(&text);
    assert!(c.scheme.is_some(), "{:?}", codes(&c));
    assert!(c.diagnostics.is_empty(), "{:?}", codes(&c));
}
