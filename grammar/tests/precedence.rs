//! The operator precedence table in docs/language.md is what the parser
//! does: every row's example reads as the row says, every row binds tighter
//! than the rows below it, and each infix row groups as its associativity
//! says.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_grammar::ast::{Expr, ExprKind, Item, UnaryOp};
use bursar_grammar::parse;

const LANGUAGE: &str = include_str!("../../docs/language.md");

/// The expression of `require TEXT`, fully parenthesised by how it groups;
/// what does not group (names, literals, sets, ranges, calls) as written.
fn grouped(text: &str) -> String {
    let source = format!("require {text}");
    let file = parse(&source).unwrap_or_else(|e| panic!("`{text}` does not parse: {e:?}"));
    let Some(Item::Require(condition)) = file.items.first() else {
        panic!("`{text}` is not one condition");
    };
    show(&source, &condition.expr)
}

fn show(source: &str, e: &Expr) -> String {
    let written = |e: &Expr| source[e.span.start..e.span.end].to_string();
    match &e.kind {
        ExprKind::Unary { op, expr } => {
            let op = match op {
                UnaryOp::Not => "not ",
                UnaryOp::Neg => "-",
            };
            format!("({op}{})", show(source, expr))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!(
                "({} {} {})",
                show(source, lhs),
                op.symbol(),
                show(source, rhs)
            )
        }
        ExprKind::Chain { first, rest } => rest.iter().fold(show(source, first), |acc, (op, e)| {
            format!("({acc} {} {})", op.symbol(), show(source, e))
        }),
        ExprKind::In { expr, negated, set } => {
            let not = if *negated { "not " } else { "" };
            format!("({} {not}in {})", show(source, expr), written(set))
        }
        ExprKind::Is { expr, present } => {
            let what = if *present { "present" } else { "absent" };
            format!("({} is {what})", show(source, expr))
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => format!(
            "(if {} then {} else {})",
            show(source, cond),
            show(source, then),
            show(source, otherwise)
        ),
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Decimal(_)
        | ExprKind::Percent(_)
        | ExprKind::Quantifier { .. }
        | ExprKind::Aggregate { .. }
        | ExprKind::Money { .. }
        | ExprKind::Date(_)
        | ExprKind::DateTime(_)
        | ExprKind::Duration { .. }
        | ExprKind::Text(_)
        | ExprKind::Path(_)
        | ExprKind::Index { .. }
        | ExprKind::Call { .. }
        | ExprKind::Set(_)
        | ExprKind::Range { .. }
        | ExprKind::Match { .. } => written(e),
    }
}

/// Asserts that `text` groups as `reads_as` (which says it with parentheses).
fn assert_reads_as(text: &str, reads_as: &str) {
    assert_eq!(grouped(text), grouped(reads_as), "`{text}` vs `{reads_as}`");
}

#[derive(Debug)]
struct Row {
    operators: Vec<String>,
    kind: String,
    associativity: String,
    example: String,
    reads_as: String,
}

/// The rows of the table under "### Operator precedence", tightest first.
fn table() -> Vec<Row> {
    let section = LANGUAGE
        .split("### Operator precedence")
        .nth(1)
        .expect("docs/language.md has an operator precedence table");
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let code = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    section
        .lines()
        .skip_while(|l| !l.starts_with("| binds"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let c = cells(l);
            assert_eq!(c.len(), 6, "{l}");
            Row {
                operators: code(&c[1]),
                kind: c[2].split(' ').next().unwrap().to_string(),
                associativity: c[3].clone(),
                example: code(&c[4]).concat(),
                reads_as: code(&c[5]).concat(),
            }
        })
        .collect()
}

/// `a OP b` for an operator of a row, with `a` and `b` as its operands.
fn apply(row: &Row, op: &str, a: &str, b: &str) -> String {
    match row.kind.as_str() {
        "infix" => format!("{a} {op} {b}"),
        "prefix" => format!("{op} {a}"),
        "postfix" if op.ends_with("in") => format!("{a} {op} {{x}}"),
        "postfix" => format!("{a} {op}"),
        other => panic!("unknown kind `{other}`"),
    }
}

#[test]
fn every_row_reads_as_it_says() {
    let rows = table();
    assert_eq!(rows.len(), 9, "{rows:#?}");
    for row in &rows {
        assert_reads_as(&row.example, &row.reads_as);
    }
}

#[test]
fn every_operator_is_in_the_table() {
    let listed: Vec<String> = table().into_iter().flat_map(|r| r.operators).collect();
    for op in [
        "-",
        "*",
        "+",
        "??",
        "in",
        "not in",
        "is present",
        "is absent",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "not",
        "and",
        "or",
    ] {
        assert!(listed.iter().any(|l| l == op), "`{op}` is not in the table");
    }
}

#[test]
fn each_row_binds_tighter_than_the_rows_below() {
    let rows = table();
    for (i, tight) in rows.iter().enumerate() {
        for loose in rows.iter().skip(i + 1) {
            for t in &tight.operators {
                for l in &loose.operators {
                    let (text, reads_as) = match (tight.kind.as_str(), loose.kind.as_str()) {
                        ("infix", "infix") => (
                            format!("a {l} b {t} c"),
                            format!("a {l} ({})", apply(tight, t, "b", "c")),
                        ),
                        ("prefix" | "postfix", "infix") => {
                            let tight_first = apply(tight, t, "a", "");
                            (
                                format!("{} {l} b", tight_first.trim()),
                                format!("({}) {l} b", tight_first.trim()),
                            )
                        }
                        ("infix", "prefix") => (format!("{l} a {t} b"), format!("{l} (a {t} b)")),
                        ("infix", "postfix") => (
                            apply(loose, l, &format!("a {t} b"), ""),
                            apply(loose, l, &format!("(a {t} b)"), ""),
                        ),
                        ("prefix", "postfix") => (
                            apply(loose, l, &format!("{t} a"), ""),
                            apply(loose, l, &format!("({t} a)"), ""),
                        ),
                        ("postfix", "prefix") => (
                            format!("{l} {}", apply(tight, t, "a", "")),
                            format!("{l} ({})", apply(tight, t, "a", "")),
                        ),
                        // Two prefixes apply in the order written, whatever their rows.
                        ("prefix", "prefix") => continue,
                        (a, b) => panic!("no test for {a} above {b}"),
                    };
                    assert_reads_as(&text, &reads_as);
                }
            }
        }
    }
}

#[test]
fn infix_rows_group_as_they_say() {
    for row in table().iter().filter(|r| r.kind == "infix") {
        for op in &row.operators {
            let text = format!("a {op} b {op} c");
            let reads_as = match row.associativity.as_str() {
                "left" => format!("(a {op} b) {op} c"),
                "right" => format!("a {op} (b {op} c)"),
                other => panic!("`{op}`: associativity `{other}`"),
            };
            assert_reads_as(&text, &reads_as);
        }
    }
}

/// The surprises listed under the table.
#[test]
fn the_surprises_are_true() {
    assert_reads_as("a ?? 0 >= 3", "(a ?? 0) >= 3");
    assert_reads_as("a ?? b ?? 0", "a ?? (b ?? 0)");
    assert_reads_as("a in 1..=b + 1", "(a in 1..=b) + 1");
    assert_reads_as("1 <= a <= 3", "(1 <= a) <= 3");
    assert_reads_as("if c then a else b + 1", "if c then a else (b + 1)");
}

/// Every operator the AST has is read back from its symbol: a new operator
/// that the parser does not map fails here rather than becoming another.
#[test]
fn every_binary_op_parses_as_itself() {
    for op in bursar_grammar::ast::BinaryOp::ALL {
        let source = format!("require a {} b", op.symbol());
        let file = parse(&source).unwrap_or_else(|e| panic!("`{source}` does not parse: {e:?}"));
        let Some(Item::Require(condition)) = file.items.first() else {
            panic!("`{source}` is not one condition");
        };
        let parsed = match &condition.expr.kind {
            ExprKind::Binary { op, .. } => Some(*op),
            ExprKind::Chain { rest, .. } => rest.first().map(|(op, _)| *op),
            other => panic!("`{source}` reads as {other:?}"),
        };
        assert_eq!(parsed, Some(op), "`{source}`");
    }
}
