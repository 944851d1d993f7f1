//! The checker's promises a what-if can break, checked again on the IR.
//!
//! `--set` and scenarios change a compiled scheme (a bound, a set, a
//! threshold, a named value). The checker proved each table lookup and
//! `match` finds a row or an arm for every value its key can have where it
//! is read; a change to a condition can widen those values. So after the
//! overrides, the same facts are worked out again from the changed
//! conditions (with the same `Facts` domain the checker uses) and every
//! lookup and `match` whose key is a field is checked against them: a gap
//! is a problem before the run, never error rows during it. Payouts below
//! zero stay the evaluator's to refuse (an error outcome, counted).

use bursar_runtime::ir::{Expr, Pattern, Scheme, Type, Value};

use crate::facts::{self, Dom, Facts};

/// What a change broke: `category \`c\`: table \`t\` has no row for 3`.
pub fn exhaustiveness(scheme: &Scheme) -> Vec<String> {
    let universe = |f: u32| scheme.applicant.get(f as usize).map(|x| x.ty);
    let variants = |t: Type| match t {
        Type::Bool => 2,
        Type::Enum(e) => scheme
            .enums
            .get(e as usize)
            .map_or(0, |d| d.variants.len() as u32),
        Type::Int
        | Type::Money
        | Type::Date
        | Type::DateTime
        | Type::Text
        | Type::Duration
        | Type::Decimal
        | Type::Unrounded
        | Type::List(_) => 0,
    };
    let mut base = Facts::default();
    for c in &scheme.requirements {
        let _ = base.assume(&c.expr, Default::default(), &universe, &variants);
    }
    let mut out = Vec::new();
    for cat in &scheme.categories {
        let mut facts = base.clone();
        let mut contradictory = false;
        for c in &cat.conditions {
            if c.kind == bursar_runtime::ir::ConditionKind::When
                && facts
                    .assume(&c.expr, Default::default(), &universe, &variants)
                    .is_err()
            {
                // No one reaches the pay: nothing to look up.
                contradictory = true;
            }
        }
        if contradictory {
            continue;
        }
        let mut gaps = Vec::new();
        visit(scheme, &cat.pay, &facts, &universe, &variants, &mut gaps);
        out.extend(
            gaps.into_iter()
                .map(|g| format!("category `{}`: {g}", cat.name)),
        );
    }
    out
}

/// Checks the lookups and `match`es of a pay expression, narrowing the
/// facts in the `then` branch of an `if` as the checker does.
fn visit(
    scheme: &Scheme,
    e: &Expr,
    facts: &Facts,
    universe: &dyn Fn(u32) -> Option<Type>,
    variants: &dyn Fn(Type) -> u32,
    gaps: &mut Vec<String>,
) {
    let go =
        |x: &Expr, f: &Facts, gaps: &mut Vec<String>| visit(scheme, x, f, universe, variants, gaps);
    match e {
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            let mut narrowed = facts.clone();
            let _ = narrowed.assume(cond, Default::default(), universe, variants);
            go(then, &narrowed, gaps);
            go(otherwise, facts, gaps);
        }
        Expr::Lookup { table, key } => {
            if let Some(t) = scheme.tables.get(*table as usize) {
                let keys: Vec<&Value> = t.rows.iter().filter_map(|r| r.key.as_ref()).collect();
                for v in uncovered(scheme, key, facts, |v| keys.contains(&v)) {
                    gaps.push(format!("table `{}` has no row for {v}", t.name));
                }
            }
        }
        Expr::Match { scrutinee, arms } => {
            let covers = |v: &Value| {
                arms.iter()
                    .flat_map(|a| a.patterns.iter())
                    .any(|p| matches(p, v))
            };
            for v in uncovered(scheme, scrutinee, facts, covers) {
                gaps.push(format!("no arm of a `match` for {v}"));
            }
            for a in arms {
                go(&a.body, facts, gaps);
            }
        }
        Expr::Arith { first, rest } => {
            go(first, facts, gaps);
            rest.iter().for_each(|(_, x)| go(x, facts, gaps));
        }
        Expr::Call { args, .. } => args.iter().for_each(|x| go(x, facts, gaps)),
        Expr::Neg(a)
        | Expr::Round { value: a, .. }
        | Expr::Default { default: a, .. }
        | Expr::ItemDefault { default: a, .. } => go(a, facts, gaps),
        // Nothing below looks a row up, or its facts are an item's.
        Expr::Lit(_)
        | Expr::Field(_)
        | Expr::Row(_)
        | Expr::Not(_)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Compare { .. }
        | Expr::InSet { .. }
        | Expr::InRange { .. }
        | Expr::IsPresent(_)
        | Expr::Let(_)
        | Expr::RoundPart(_)
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::Any(_)
        | Expr::All { .. }
        | Expr::Aggregate { .. } => {}
    }
}

/// The values a field key can have, under `facts`, that `covered` misses
/// (for keys of few values: enums, bools, and ints in a narrow range).
fn uncovered(
    scheme: &Scheme,
    key: &Expr,
    facts: &Facts,
    covered: impl Fn(&Value) -> bool,
) -> Vec<String> {
    let Expr::Field(f) = key else {
        return Vec::new();
    };
    let Some(ty) = scheme.applicant.get(*f as usize).map(|x| x.ty) else {
        return Vec::new();
    };
    let dom = facts.dom(*f);
    let candidates: Vec<Value> = match (ty, dom) {
        (Type::Enum(e), dom) => {
            let n = scheme
                .enums
                .get(e as usize)
                .map_or(0, |d| d.variants.len() as u32);
            (0..n)
                .filter(|v| match dom {
                    Dom::Bits(b) => *v >= 64 || b & (1u64 << v) != 0,
                    Dom::Any | Dom::Interval(..) => true,
                })
                .map(|variant| Value::Enum { ty: e, variant })
                .collect()
        }
        (Type::Bool, dom) => [false, true]
            .into_iter()
            .filter(|b| match dom {
                Dom::Bits(bits) => bits & (1u64 << u8::from(*b)) != 0,
                Dom::Any | Dom::Interval(..) => true,
            })
            .map(Value::Bool)
            .collect(),
        (Type::Int, Dom::Interval(lo, hi)) if hi.saturating_sub(lo) < 1_000 => {
            (lo..=hi).map(Value::Int).collect()
        }
        // A key whose values the facts do not bound: the checker asked for
        // a wildcard or rows for them; nothing a value change can widen.
        _ => return Vec::new(),
    };
    let names = |v: &Value| match v {
        Value::Enum { ty, variant } => scheme
            .enums
            .get(*ty as usize)
            .and_then(|e| e.variants.get(*variant as usize))
            .map_or_else(|| format!("#{variant}"), |x| format!("`{}`", x.name)),
        other => format!("`{}`", shown(other)),
    };
    candidates
        .iter()
        .filter(|v| !covered(v))
        .map(names)
        .collect()
}

fn shown(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Money(_)
        | Value::Date(_)
        | Value::DateTime(_)
        | Value::Text(_)
        | Value::Enum { .. }
        | Value::Duration(_)
        | Value::Decimal(_)
        | Value::List(_) => format!("{v:?}"),
    }
}

fn matches(p: &Pattern, v: &Value) -> bool {
    match p {
        Pattern::Wildcard => true,
        Pattern::Value(x) => x == v,
        Pattern::Range { lo, hi, inclusive } => {
            let ord = |x: &Value| facts::ordinal(x);
            let Some(n) = ord(v) else { return false };
            lo.as_ref().and_then(ord).is_none_or(|l| n >= l)
                && hi
                    .as_ref()
                    .and_then(ord)
                    .is_none_or(|h| if *inclusive { n <= h } else { n < h })
        }
    }
}
