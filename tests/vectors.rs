//! The shared test vectors (issue #17, section 4): applicants of the 2023
//! scheme and of every example policy, each with the decision and the
//! explanation that `bursar eval` and `bursar explain --format json` give.
//! The bindings' test suites (`bindings/wasm/test/`) check the same files,
//! so a decision is the same in every language or some suite fails.
//!
//! This test rebuilds every file from the CLI and fails where the committed
//! one differs; `BURSAR_UPDATE_VECTORS=1 cargo test --test vectors` writes
//! them instead. The layout is in `tests/vectors/README.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::path::{Path, PathBuf};

use common::{bursar, stderr, stdout, temp};
use serde_json::{json, Value};

/// Where the vectors live, from the repository's root.
const VECTORS: &str = "tests/vectors";
/// The environment variable that has this test write the files.
const UPDATE: &str = "BURSAR_UPDATE_VECTORS";

/// The 2023 scheme, whose sample population gives applicants too.
const SCHEME_2023: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE_2023: &str = "policies/beijing/data/population-sample.csv";

/// Editions with no test file of their own, decided on the cases of the
/// policy they extend (they read the same applicant).
const CASES_OF: [(&str, &str); 2] = [
    ("once-ever-2026", "once-ever"),
    ("once-ever-2027", "once-ever"),
];

/// Applicants the 2023 scheme refuses, so every binding reports the same
/// problems the same way: a missing required field, a value of the wrong
/// type, a misspelt field, a date that does not exist.
const REFUSED_2023: [(&str, &str); 3] = [
    (
        "refused: member_card missing",
        r#"{"person_id": "R1", "voc_boosted_before": false}"#,
    ),
    (
        "refused: wrong type and unknown field",
        r#"{"person_id": "R2", "member_card": "yes", "voc_levle": 1, "voc_boosted_before": false}"#,
    ),
    (
        "refused: no such date",
        r#"{"person_id": "R3", "member_card": true, "voc_boosted_before": false, "applied_on": "2023-02-30"}"#,
    ),
];

/// One applicant to decide: its name in the vectors and its JSON text.
struct Case {
    name: String,
    applicant: String,
}

/// The policies the vectors cover: the 2023 scheme and every example.
fn policies() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(SCHEME_2023)];
    let mut examples: Vec<PathBuf> = std::fs::read_dir("policies/examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bursar"))
        .collect();
    examples.sort();
    out.extend(examples);
    out
}

fn stem(policy: &Path) -> String {
    policy.file_stem().unwrap().to_string_lossy().into_owned()
}

/// A TOML value as applicant JSON, as `bursar test` reads it: a date is
/// its text.
fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(d) => json!(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// The cases of a policy's `*.tests.toml`, in the file's order.
fn test_cases(policy: &Path) -> Vec<Case> {
    let name = stem(policy);
    let source = CASES_OF
        .iter()
        .find(|(edition, _)| *edition == name)
        .map_or(name.as_str(), |(_, base)| base);
    let path = policy.with_file_name(format!("{source}.tests.toml"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        panic!(
            "{} has no test file: give it one, or an entry in CASES_OF",
            policy.display()
        )
    };
    let file: toml::Table = text.parse().unwrap();
    file["case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let c = c.as_table().unwrap();
            Case {
                name: format!("{source}.tests.toml: {}", c["name"].as_str().unwrap()),
                applicant: toml_to_json(&c["applicant"]).to_string(),
            }
        })
        .collect()
}

/// The rows of the 2023 sample population as applicant JSON: an empty
/// cell is an absent field, a field's type says how its cell is written.
fn sample_rows(bundle: &Value) -> Vec<Case> {
    let fields = bundle["scheme"]["applicant"].as_array().unwrap();
    let type_of = |name: &str| {
        fields
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["type"].clone())
            .unwrap_or_else(|| panic!("`{name}` is not a field of the 2023 scheme"))
    };
    let text = std::fs::read_to_string(SAMPLE_2023).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let mut applicant = serde_json::Map::new();
            for (column, cell) in header.iter().zip(line.split(',')) {
                if cell.is_empty() {
                    continue;
                }
                let value = match type_of(column).as_str() {
                    Some("bool") => json!(cell == "true"),
                    Some("int") => json!(cell.parse::<i64>().unwrap()),
                    _ => json!(cell),
                };
                applicant.insert((*column).to_string(), value);
            }
            Case {
                name: format!(
                    "population-sample.csv: {}",
                    applicant["person_id"].as_str().unwrap()
                ),
                applicant: Value::Object(applicant).to_string(),
            }
        })
        .collect()
}

/// What `command --applicants` gives for each case, one JSON value each.
fn answers(command: &str, bundle: &Path, cases: &[Case], tag: &str) -> Vec<Value> {
    let input = temp(&format!("{tag}.jsonl"));
    let lines: Vec<&str> = cases.iter().map(|c| c.applicant.as_str()).collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let o = bursar(&[
        command,
        bundle.to_str().unwrap(),
        "--applicants",
        input.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let out = stdout(&o);
    let answers: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers.len(),
        cases.len(),
        "`{command} --applicants` on {}: {}",
        bundle.display(),
        stderr(&o)
    );
    answers
}

/// One vector per case: the decision and explanation, or the problems
/// that refused the applicant.
fn vectors(policy: &Path, bundle_path: &Path, bundle: &Value, cases: &[Case]) -> Vec<Value> {
    let tag = stem(policy);
    let decisions = answers("eval", bundle_path, cases, &format!("{tag}-eval"));
    let explanations = answers("explain", bundle_path, cases, &format!("{tag}-explain"));
    cases
        .iter()
        .zip(decisions)
        .zip(explanations)
        .map(|((case, decision), explanation)| {
            let mut v = json!({
                "name": case.name,
                "policy": policy.to_str().unwrap(),
                "bundle": format!("bundles/{tag}.bundle.json"),
                "bundle_hash": bundle["hash"],
                "applicant": serde_json::from_str::<Value>(&case.applicant).unwrap(),
            });
            let map = v.as_object_mut().unwrap();
            match decision
                .get("errors")
                .filter(|_| decision.get("line").is_some())
            {
                // A refused line: `{"line": N, "errors": [...]}`, alike
                // from `eval` and `explain`.
                Some(errors) => {
                    assert_eq!(decision, explanation, "{}", case.name);
                    map.insert("errors".into(), errors.clone());
                }
                None => {
                    map.insert("decision".into(), decision);
                    map.insert("explanation".into(), explanation);
                }
            }
            v
        })
        .collect()
}

/// The vector file's text: one vector a line, so a change shows as the
/// lines of the vectors it changes.
fn render(vectors: &[Value]) -> String {
    let lines: Vec<String> = vectors.iter().map(|v| v.to_string()).collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// Writes `text` to `path` when updating, or says how it differs.
fn check_or_write(path: &Path, text: &str, stale: &mut Vec<String>) {
    if std::env::var_os(UPDATE).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed == text {
        return;
    }
    let line = committed
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(committed.lines().count().min(text.lines().count()));
    stale.push(format!(
        "{} differs from what the CLI gives now, from line {}",
        path.display(),
        line + 1
    ));
}

#[test]
fn vectors_are_what_the_runtime_decides_now() {
    let mut stale = Vec::new();
    let dir = Path::new(VECTORS);
    for policy in policies() {
        let tag = stem(&policy);
        let bundle_path = temp(&format!("{tag}.bundle.json"));
        let schema_path = temp(&format!("{tag}.schema.json"));
        let o = bursar(&[
            "compile",
            policy.to_str().unwrap(),
            "-o",
            bundle_path.to_str().unwrap(),
            "--input-schema",
            schema_path.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}: {}", policy.display(), stderr(&o));
        let bundle_text = std::fs::read_to_string(&bundle_path).unwrap();
        let bundle: Value = serde_json::from_str(&bundle_text).unwrap();
        let mut cases = test_cases(&policy);
        if policy == Path::new(SCHEME_2023) {
            cases.extend(sample_rows(&bundle));
            cases.extend(REFUSED_2023.iter().map(|(name, applicant)| Case {
                name: (*name).to_string(),
                applicant: (*applicant).to_string(),
            }));
        }
        let vectors = vectors(&policy, &bundle_path, &bundle, &cases);
        check_or_write(
            &dir.join("bundles").join(format!("{tag}.bundle.json")),
            &bundle_text,
            &mut stale,
        );
        check_or_write(
            &dir.join("bundles").join(format!("{tag}.schema.json")),
            &std::fs::read_to_string(&schema_path).unwrap(),
            &mut stale,
        );
        check_or_write(
            &dir.join(format!("{tag}.json")),
            &render(&vectors),
            &mut stale,
        );
    }
    assert!(
        stale.is_empty(),
        "the test vectors are stale:\n  {}\nIf the change in decisions is meant, regenerate them with\n  {UPDATE}=1 cargo test --test vectors\nand review the diff of tests/vectors/ before committing it.",
        stale.join("\n  ")
    );
}

/// The batch answers the vectors are made of are exactly what `eval` and
/// `explain --format json` print for one applicant.
#[test]
fn a_vector_is_what_eval_prints_for_one_applicant() {
    if std::env::var_os(UPDATE).is_some() {
        // The files are being rewritten by the test beside this one.
        return;
    }
    let text = std::fs::read_to_string(Path::new(VECTORS).join("2023-career-boost.json")).unwrap();
    let vectors: Vec<Value> = serde_json::from_str(&text).unwrap();
    let bundle = Path::new(VECTORS).join("bundles/2023-career-boost.bundle.json");
    for v in vectors
        .iter()
        .filter(|v| v.get("decision").is_some())
        .step_by(7)
    {
        let applicant = temp("one.json");
        std::fs::write(&applicant, v["applicant"].to_string()).unwrap();
        for (command, key) in [("eval", "decision"), ("explain", "explanation")] {
            let o = bursar(&[
                command,
                bundle.to_str().unwrap(),
                "--applicant",
                applicant.to_str().unwrap(),
                "--format",
                "json",
            ]);
            let printed: Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(printed, v[key], "{command}: {}", v["name"]);
        }
    }
}

/// A sample row written as JSON is decided as `eval --csv --id` decides
/// the row itself.
#[test]
fn sample_rows_as_json_are_decided_as_the_csv_rows() {
    if std::env::var_os(UPDATE).is_some() {
        // The files are being rewritten by the test beside this one.
        return;
    }
    let text = std::fs::read_to_string(Path::new(VECTORS).join("2023-career-boost.json")).unwrap();
    let vectors: Vec<Value> = serde_json::from_str(&text).unwrap();
    let rows: Vec<&Value> = vectors
        .iter()
        .filter(|v| {
            v["name"]
                .as_str()
                .unwrap()
                .starts_with("population-sample.csv")
        })
        .collect();
    assert_eq!(rows.len(), 24);
    for v in rows {
        let id = v["applicant"]["person_id"].as_str().unwrap();
        let o = bursar(&[
            "eval",
            SCHEME_2023,
            "--csv",
            SAMPLE_2023,
            "--id",
            id,
            "--format",
            "json",
        ]);
        let printed: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(printed, v["decision"], "{id}");
    }
}
