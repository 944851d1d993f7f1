//! Policy text end to end: a policy that is not UTF-8 is refused with the
//! position of the first bad byte, and a hint when it looks like GBK (issue
//! #12, "Smaller"); a line break other than `\n` ends a comment (item 4).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, stderr, stdout, temp};

/// `测试` in GBK, as a policy saved on Chinese Windows has it.
const GBK_TEST: [u8; 4] = [0xB2, 0xE2, 0xCA, 0xD4];

fn gbk_policy() -> Vec<u8> {
    let mut bytes = b"scheme x {\n  title \"".to_vec();
    bytes.extend_from_slice(&GBK_TEST);
    bytes.extend_from_slice(b"\"\n  currency CNY\n}\n");
    bytes
}

#[test]
fn a_gbk_policy_is_refused_with_a_position_and_a_way_to_convert_it() {
    let path = temp("gbk.bursar");
    std::fs::write(&path, gbk_policy()).unwrap();
    let o = bursar(&["check", path.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("line 2, column 10"), "{err}");
    assert!(err.contains("GBK"), "{err}");
    assert!(err.contains("iconv -f GBK -t UTF-8"), "{err}");
}

#[test]
fn other_bad_bytes_get_a_position_and_no_gbk_hint() {
    let path = temp("bad.bursar");
    std::fs::write(&path, b"// ok\r\n// ok\n  \xFF\xFF\xFF").unwrap();
    let o = bursar(&["check", path.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("line 3, column 3"), "{err}");
    assert!(!err.contains("GBK"), "{err}");
}

#[test]
fn a_gbk_parent_is_refused_with_a_position_too() {
    let parent = temp("gbk-parent.bursar");
    std::fs::write(&parent, gbk_policy()).unwrap();
    let child = temp("child.bursar");
    std::fs::write(&child, "extends \"gbk-parent.bursar\"\n").unwrap();
    let o = bursar(&["check", child.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("line 2, column 10"), "{err}");
    assert!(err.contains("GBK"), "{err}");
}

#[test]
fn a_carriage_return_in_a_comment_does_not_hide_the_deadline() {
    let policy = std::fs::read_to_string("policies/beijing/2023-career-boost.bursar").unwrap();
    let hidden = policy.replacen(
        "\n  deadline   2023-10-31",
        "\n  // note\r  deadline   2023-10-31",
        1,
    );
    assert_ne!(hidden, policy);
    let path = temp("cr-comment.bursar");
    std::fs::write(&path, hidden).unwrap();
    let o = bursar(&[
        "simulate",
        path.to_str().unwrap(),
        "--population",
        "policies/beijing/data/population-sample.csv",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["total"], "16800.00");
}
