//! A decision request's body read and checked: `{"scheme": ID,
//! "applicant": {…}}` or `{"scheme": ID, "applicants": […]}`, with every
//! problem found reported at once, each with its JSON pointer into the
//! body (`/applicant/age`, `/applicants/3/level`).

use bursar_runtime::ir::Scheme;
use bursar_runtime::{Applicant, InputError};
use serde::Serialize;

/// The most applicants one request may carry (docs/service.md, "Limits").
pub(crate) const MAX_BATCH: usize = 10_000;

/// One problem with a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    /// Where in the body (RFC 6901); `""` for the body as a whole.
    pub(crate) pointer: String,
    /// The applicant field concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
    pub(crate) message: String,
}

impl Problem {
    fn at(pointer: &str, message: String) -> Problem {
        Problem {
            pointer: pointer.to_string(),
            field: None,
            message,
        }
    }
}

/// A request's applicants: one, or a batch.
pub(crate) enum Applicants {
    One(serde_json::Value),
    Batch(Vec<serde_json::Value>),
}

/// A request read, not yet checked against its scheme: what could be
/// read of it, and what is wrong with the rest (a request with problems is
/// still checked as far as it goes, so that every problem is listed at
/// once).
pub(crate) struct DecideRequest {
    pub(crate) scheme: Option<String>,
    pub(crate) applicants: Option<Applicants>,
    pub(crate) problems: Vec<Problem>,
}

/// Reads a body: JSON, an object with a `scheme` and either `applicant` or
/// `applicants`, and nothing else.
pub(crate) fn parse(body: &[u8]) -> DecideRequest {
    let refused = |message: String| DecideRequest {
        scheme: None,
        applicants: None,
        problems: vec![Problem::at("", message)],
    };
    let json = match bursar_runtime::parse_json(body) {
        Ok(j) => j,
        Err(e) => return refused(format!("the body is not JSON: {e}")),
    };
    let serde_json::Value::Object(mut object) = json else {
        return refused(
            "the body is not a JSON object: send `{\"scheme\": ID, \"applicant\": {…}}`".into(),
        );
    };
    let mut problems = Vec::new();
    for key in object.keys() {
        if !matches!(key.as_str(), "scheme" | "applicant" | "applicants") {
            problems.push(Problem::at(
                &format!("/{}", escape(key)),
                format!(
                    "unknown key `{}`: a request has `scheme` and `applicant` or `applicants`",
                    bursar_runtime::shown(key)
                ),
            ));
        }
    }
    let scheme = match object.remove("scheme") {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => {
            problems.push(Problem::at(
                "/scheme",
                format!(
                    "`scheme` is the scheme's id, a string, not {}",
                    kind(&other)
                ),
            ));
            None
        }
        None => {
            problems.push(Problem::at("/scheme", "missing: the scheme's id".into()));
            None
        }
    };
    let applicants = match (object.remove("applicant"), object.remove("applicants")) {
        (Some(a), None) => Some(Applicants::One(a)),
        (None, Some(serde_json::Value::Array(items))) if items.len() > MAX_BATCH => {
            problems.push(Problem::at(
                "/applicants",
                format!(
                    "{} applicants; a request may carry at most {MAX_BATCH}",
                    items.len()
                ),
            ));
            None
        }
        (None, Some(serde_json::Value::Array(items))) => Some(Applicants::Batch(items)),
        (None, Some(other)) => {
            problems.push(Problem::at(
                "/applicants",
                format!("`applicants` is a list of applicants, not {}", kind(&other)),
            ));
            None
        }
        (Some(_), Some(_)) => {
            problems.push(Problem::at(
                "/applicants",
                "give `applicant` or `applicants`, not both".into(),
            ));
            None
        }
        (None, None) => {
            problems.push(Problem::at(
                "/applicant",
                "missing: give `applicant` (one) or `applicants` (a list)".into(),
            ));
            None
        }
    };
    DecideRequest {
        scheme,
        applicants,
        problems,
    }
}

/// Reads every applicant by the scheme's input schema; any problem in any
/// of them refuses the request, with all of them listed.
pub(crate) fn applicants(
    scheme: &Scheme,
    applicants: &Applicants,
) -> Result<Vec<Applicant>, Vec<Problem>> {
    let items: Vec<(String, &serde_json::Value)> = match applicants {
        Applicants::One(a) => vec![("/applicant".to_string(), a)],
        Applicants::Batch(items) => items
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("/applicants/{i}"), a))
            .collect(),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (at, json) in items {
        match Applicant::from_json(scheme, json) {
            Ok(a) => out.push(a),
            Err(errors) => problems.extend(errors.iter().map(|e| input_problem(&at, e))),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn input_problem(at: &str, e: &InputError) -> Problem {
    Problem {
        pointer: format!("{at}{}", e.pointer()),
        field: (!e.field.is_empty()).then(|| e.place()),
        message: e.to_string(),
    }
}

/// A key as one step of a JSON pointer (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn problems(body: &str) -> Vec<String> {
        parse(body.as_bytes())
            .problems
            .into_iter()
            .map(|p| p.pointer)
            .collect()
    }

    #[test]
    fn every_problem_of_the_envelope_is_listed_with_its_pointer() {
        assert_eq!(
            problems("{\"scheme\": \"a\", \"applicant\": {}}"),
            Vec::<String>::new()
        );
        assert_eq!(problems("[1]"), vec![""]);
        assert_eq!(
            problems("{\"a/b\": 1}"),
            vec!["/a~1b", "/scheme", "/applicant"]
        );
        assert_eq!(
            problems("{\"scheme\": 3, \"applicants\": {}}"),
            vec!["/scheme", "/applicants"]
        );
        assert_eq!(
            problems("{\"scheme\": \"a\", \"applicant\": {}, \"applicants\": []}"),
            vec!["/applicants"]
        );
    }

    #[test]
    fn any_cut_or_changed_body_is_refused_or_read_never_a_panic() {
        let body =
            br#"{"scheme": "a", "applicants": [{"x": [1, {"y": "\u00e9"}]}, {}], "z": null}"#;
        for end in 0..=body.len() {
            let _ = parse(&body[..end]);
        }
        for i in 0..body.len() {
            for b in [b'{', b'}', b'[', b']', b'"', b'\\', b',', b':', 0xff, b'0'] {
                let mut changed = body.to_vec();
                changed[i] = b;
                let _ = parse(&changed);
            }
        }
        // Nesting past serde_json's limit is refused, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(deep.as_bytes()).problems.len(), 1);
    }
}
