//! Every character an editor shows as a line break ends a `//` comment and
//! starts a new line for positions (issue #12, item 4).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, fmt::format, SourceFile};

const POLICY_2023: &str = include_str!("../../policies/beijing/2023-career-boost.bursar");

/// Line breaks other than `\n`: what editors and Unicode (UAX #14 mandatory
/// breaks) show as the start of a new line.
const BREAKS: [(&str, &str); 7] = [
    ("CR", "\r"),
    ("CRLF", "\r\n"),
    ("VT", "\u{0B}"),
    ("FF", "\u{0C}"),
    ("NEL", "\u{85}"),
    ("LS", "\u{2028}"),
    ("PS", "\u{2029}"),
];

fn scheme_json(name: &str, text: &str) -> String {
    let compiled = compile(&SourceFile::new(name, text));
    let messages: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    let scheme = compiled
        .scheme
        .unwrap_or_else(|| panic!("{name} does not compile: {messages:?}"));
    assert!(messages.is_empty(), "{name}: {messages:?}");
    serde_json::to_string(&scheme).unwrap()
}

#[test]
fn a_line_break_ends_a_comment_so_the_deadline_still_applies() {
    let original = scheme_json("2023.bursar", POLICY_2023);
    assert!(POLICY_2023.contains("\n  deadline   2023-10-31"));
    for (name, br) in BREAKS {
        let text = POLICY_2023.replace(
            "\n  deadline   2023-10-31",
            &format!("\n  // note{br}  deadline   2023-10-31"),
        );
        assert!(
            scheme_json(name, &text) == original,
            "a comment ended by {name} changed the scheme"
        );
    }
}

#[test]
fn a_file_with_other_line_ends_means_the_same() {
    let original = scheme_json("2023.bursar", POLICY_2023);
    for (name, br) in BREAKS {
        let text = POLICY_2023.replace('\n', br);
        assert!(scheme_json(name, &text) == original, "line ends {name}");
    }
}

#[test]
fn positions_count_every_line_break() {
    for (name, br) in BREAKS {
        let text = format!("a{br}b{br}{br}cd");
        let file = SourceFile::new(name, text.as_str());
        let at = text.find('d').unwrap();
        assert_eq!(file.line_col(at), (4, 2), "line ends {name}");
        assert_eq!(file.line_col(0), (1, 1), "line ends {name}");
    }
}

#[test]
fn a_lone_cr_file_reports_the_line_of_the_error() {
    let text = POLICY_2023
        .replace("  deadline   2023-10-31", "  deadline   2023-10-32")
        .replace('\n', "\r");
    let line = POLICY_2023
        .lines()
        .position(|l| l.contains("deadline   2023-10-31"))
        .unwrap()
        + 1;
    let compiled = compile(&SourceFile::new("cr.bursar", text.as_str()));
    let d = compiled
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an invalid date is an error");
    assert_eq!(d.source.line_col(d.offset()).0, line);
    let rendered = d.render(false);
    assert!(
        rendered.contains(&format!("cr.bursar:{line}:")),
        "{rendered}"
    );
    assert!(
        rendered.contains(&format!(" {line} │")),
        "the snippet shows line {line}: {rendered}"
    );
}

#[test]
fn the_formatter_keeps_meaning_across_line_breaks() {
    let original = scheme_json("2023.bursar", POLICY_2023);
    for (name, br) in BREAKS {
        let text = POLICY_2023
            .replace(
                "\n  deadline   2023-10-31",
                &format!("\n  // note{br}  deadline   2023-10-31"),
            )
            .replace("\n\n", &format!("\n{br}"));
        let formatted = format(&text).unwrap_or_else(|| panic!("{name} does not format"));
        assert!(
            scheme_json(name, &formatted) == original,
            "formatting with {name} changed the scheme"
        );
        assert_eq!(format(&formatted).as_deref(), Some(formatted.as_str()));
    }
}
