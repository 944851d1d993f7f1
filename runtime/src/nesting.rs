//! Reading a bundle's JSON without trusting how deeply it nests.
//!
//! serde_json refuses JSON nested deeper than 128 levels, which a compiled
//! bundle can need (an `if` inside brackets inside a `match`…); without that
//! limit, a hostile file nested a million levels deep would overflow the
//! stack. So the depth is measured first, without recursion, against what
//! the compiler can produce, and only then parsed with the limit lifted.

use crate::bundle::BundleError;
use crate::ir::MAX_DEPTH;

/// The deepest JSON a compiled bundle reaches: seven levels down to a
/// condition's expression, at most four more per expression level (an
/// operand of an arithmetic chain, a `match` arm's body), and a literal at
/// the bottom.
pub const MAX_JSON_DEPTH: usize = 4 * MAX_DEPTH + 32;

/// Parses JSON no deeper than [`MAX_JSON_DEPTH`].
pub(crate) fn parse(bytes: &[u8]) -> Result<serde_json::Value, BundleError> {
    if let Some(at) = too_deep(bytes, MAX_JSON_DEPTH) {
        let before = bytes.get(..at).unwrap_or(bytes);
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        return Err(BundleError::Malformed {
            message: format!(
                "nested deeper than {MAX_JSON_DEPTH} levels at line {line}, column {column}"
            ),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    crate::json::parse_json_from(&mut de).map_err(|e| {
        if e.is_data() {
            // Well-formed JSON, but a key given twice.
            BundleError::Malformed {
                message: e.to_string(),
            }
        } else {
            BundleError::NotJson {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            }
        }
    })
}

/// The byte offset where the nesting of `[` and `{` (outside strings) first
/// exceeds `limit`, if it does.
fn too_deep(bytes: &[u8], limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_measured_outside_strings() {
        assert_eq!(too_deep(b"[[1]]", 2), None);
        assert_eq!(too_deep(b"[[[1]]]", 2), Some(2));
        assert_eq!(too_deep(br#"["[[[\"[[["]"#, 1), None);
    }

    #[test]
    fn a_million_brackets_are_refused_without_overflow() {
        let text = "[".repeat(1_000_000);
        assert!(matches!(
            parse(text.as_bytes()),
            Err(BundleError::Malformed { .. })
        ));
    }

    /// The deepest expression the compiler lets through, each level an
    /// operand of an arithmetic chain (the form with most JSON per level),
    /// in a real bundle: written, loaded and evaluated on a test thread's
    /// stack.
    #[test]
    fn the_deepest_compiled_expression_loads_on_an_ordinary_stack() {
        use crate::ir::{ArithOp, Expr, Value};
        use crate::{Bundle, Money};
        let text = include_str!("../tests/data/2023-career-boost.bundle.json");
        let mut scheme = Bundle::from_slice(text.as_bytes()).unwrap().scheme;
        let one = || Expr::Lit(Value::Money(Money(100)));
        let mut pay = one();
        for _ in 1..MAX_DEPTH {
            pay = Expr::Arith {
                first: Box::new(one()),
                rest: vec![(ArithOp::Add, pay)],
            };
        }
        assert_eq!(pay.depth(), MAX_DEPTH);
        scheme.categories[0].pay = pay;
        let json = Bundle::new(scheme, "test").to_json();
        let loaded = Bundle::from_slice(json.as_bytes()).unwrap();
        let pay = &loaded.scheme.categories[0].pay;
        assert_eq!(pay.depth(), MAX_DEPTH);
        let applicant = crate::Applicant::empty(&loaded.scheme);
        assert_eq!(
            crate::eval::evaluate_value(&loaded.scheme, &applicant, pay),
            Some(Value::Money(Money(100 * MAX_DEPTH as i64)))
        );
    }

    #[test]
    fn the_deepest_allowed_json_parses_on_an_ordinary_stack() {
        let text = format!(
            "{}1{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert!(parse(text.as_bytes()).is_ok());
    }
}
