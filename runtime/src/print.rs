//! Expressions as policy text: the one printer that explanations, `bursar
//! doc`, `bursar diff` and the what-if messages share.
//!
//! What it prints parses and checks back to the same IR (the compiler's
//! `printed` property test holds it to that): amounts as `1000 元` or
//! `1000.50 USD`, never grouped with commas; rates as `5%`; text quoted
//! with its escapes; and only the brackets the precedence table in
//! docs/language.md needs (`1000 USD - (x ?? 0 USD)`, `a and (b or c)`).
//! Amounts shown to people beside the text (`voc_level = 1`,
//! `16,800.00 元`) are [`crate::Words`]' business, not this module's.
//!
//! Two forms of the IR have no text of their own and are printed as
//! something that means the same: `all` over the items of a `let` list
//! (`all certificates where if <filter> then <condition> else true`), and a
//! chain that mixes `+` with `*` (bracketed as it is applied). A few values
//! no policy can write are printed as near as they come: a decimal whose
//! digits never end (`1 / 3`), a negative value in a `match` pattern, text
//! holding a line break other than `\n`, the least `int`.
//!
//! INVARIANT: the recursion (`write` → `bare` → `write`) keeps small
//! frames: `bare` writes into one buffer and leaves the larger forms to
//! out-of-line helpers, so the deepest expression the compiler accepts
//! (`ir::MAX_DEPTH`) prints on an ordinary thread's stack.

use crate::decimal::Decimal;
use crate::ir::{
    Aggregate, ArithOp, Arm, DurationUnitValue, Expr, FieldId, ItemSet, Pattern, RecordId, Scheme,
    Type, Value,
};
use crate::money::Money;

/// How tightly a printed form holds together, loosest first: an operand
/// whose form is looser than its slot needs is bracketed. The levels are
/// the rows of the precedence table in docs/language.md.
type Level = u8;
/// The whole of a condition, an argument, a bracket: anything goes.
const ANY: Level = 0;
const OR: Level = 1;
const AND: Level = 2;
const NOT: Level = 3;
const COMPARE: Level = 4;
/// `in`, `not in`, `is present`, `is absent`.
const POSTFIX: Level = 5;
/// `??`
const DEFAULT: Level = 6;
/// `+`, `-`
const SUM: Level = 7;
/// `*`, `/`
const PRODUCT: Level = 8;
/// Negation, and negative literals.
const NEG: Level = 9;
/// Names, literals, calls, lookups, brackets, `if`, `match`, lists.
const ATOM: Level = 10;

/// `e` as policy text.
pub fn expr(scheme: &Scheme, e: &Expr) -> String {
    Printer::new(scheme).expr(e)
}

/// Prints IR as policy text for one scheme.
#[derive(Clone, Copy)]
pub struct Printer<'a> {
    scheme: &'a Scheme,
    /// The record whose fields [`Expr::Item`] names, inside a list's `where`.
    item: Option<RecordId>,
}

impl<'a> Printer<'a> {
    /// A printer outside any list's `where`.
    pub fn new(scheme: &'a Scheme) -> Self {
        Printer { scheme, item: None }
    }

    /// The same printer inside a condition on the items of `record`.
    pub fn within(self, record: Option<RecordId>) -> Self {
        Printer {
            item: record,
            ..self
        }
    }

    /// An expression as the author would write it.
    pub fn expr(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.write(e, ANY, true, &mut out);
        out
    }

    /// A literal as the author would write it: `1000 元`, `5%`, `"a\"b"`.
    pub fn value(&self, v: &Value) -> String {
        let mut out = String::new();
        self.literal(v, &mut out);
        out
    }

    /// `{1, 2}`
    pub fn set(&self, values: &[Value]) -> String {
        let mut out = String::new();
        self.write_set(values, &mut out);
        out
    }

    /// A quota's `by` line: `by lot seed 2025`,
    /// `by model_worker then earliest applied_at`.
    pub fn quota_order(&self, order: &[crate::ir::Rank]) -> String {
        use crate::ir::{Rank, RankOrder};
        let keys: Vec<String> = order
            .iter()
            .map(|r| match r {
                Rank::Lot { seed } => format!("lot seed {seed}"),
                Rank::By { expr, order } => {
                    let word = match order {
                        RankOrder::Earliest => "earliest ",
                        RankOrder::Latest => "latest ",
                        RankOrder::Highest => "highest ",
                        RankOrder::Lowest => "lowest ",
                        RankOrder::HoldsFirst => "",
                    };
                    format!("{word}{}", self.expr(expr))
                }
            })
            .collect();
        format!("by {}", keys.join(" then "))
    }

    /// A quota's `places` or `budget` line.
    pub fn ration(&self, ration: crate::ir::Ration) -> String {
        use crate::ir::Ration;
        match ration {
            Ration::Places(n) => format!("places {n}"),
            Ration::Budget(m) => format!("budget {}", self.value(&Value::Money(m))),
            Ration::ProRata(m) => format!("budget {} pro rata", self.value(&Value::Money(m))),
        }
    }

    /// `matching 1:1 up to 500 元`: what a payer adds, as written.
    pub fn payer_terms(&self, p: &crate::ir::Payer) -> String {
        match p.cap {
            Some(cap) => format!(
                "matching {}:{} up to {}",
                p.per,
                p.pays,
                self.value(&Value::Money(cap))
            ),
            None => format!("matching {}:{}", p.per, p.pays),
        }
    }

    /// `1..=3`, `2021-01-01..=2021-12-31`
    pub fn range(&self, lo: Option<&Expr>, hi: Option<&Expr>, inclusive: bool) -> String {
        let mut out = String::new();
        self.write_range(lo, hi, inclusive, &mut out);
        out
    }

    /// `e` in a slot that takes forms of `min` or tighter; `tail`: nothing
    /// follows it before a closing bracket, a keyword or the end, so a form
    /// that reaches as far right as it can (`if`, `any … where`) may stand
    /// unbracketed.
    fn write(&self, e: &Expr, min: Level, tail: bool, out: &mut String) {
        if level(e) < min || (!tail && open_right(e)) {
            out.push('(');
            self.bare(e, true, out);
            out.push(')');
        } else {
            self.bare(e, tail, out);
        }
    }

    fn bare(&self, e: &Expr, tail: bool, out: &mut String) {
        match e {
            Expr::Lit(v) => self.literal(v, out),
            Expr::Field(f) => {
                let name = self.field_name(*f);
                // Inside a `where` on items with a field of this name, the
                // bare name would read the item's.
                if self.item_has_field(name) {
                    out.push_str("applicant.");
                }
                out.push_str(name);
            }
            Expr::Row(r) => {
                let table = self.scheme.tables.get(r.table as usize);
                out.push_str(table.map_or("?", |t| t.name.as_str()));
                out.push('.');
                let row = table.and_then(|t| t.rows.get(r.row as usize));
                out.push_str(row.map_or("?", |r| r.name.as_str()));
            }
            Expr::Lookup { table, key } => {
                let t = self.scheme.tables.get(*table as usize);
                out.push_str(t.map_or("?", |t| t.name.as_str()));
                out.push('[');
                self.write(key, ANY, true, out);
                out.push(']');
            }
            Expr::Not(a) => self.not(a, tail, out),
            Expr::Neg(a) => {
                out.push('-');
                self.write(a, ATOM, tail, out);
            }
            // An empty `and` holds, an empty `or` does not (only a
            // hand-made bundle has them).
            Expr::And(items) if items.is_empty() => out.push_str("true"),
            Expr::Or(items) if items.is_empty() => out.push_str("false"),
            Expr::And(items) => self.join(items, " and ", AND + 1, tail, out),
            Expr::Or(items) => self.join(items, " or ", OR + 1, tail, out),
            Expr::Compare { op, lhs, rhs } => {
                self.write(lhs, COMPARE, false, out);
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                self.write(rhs, COMPARE + 1, tail, out);
            }
            Expr::Arith { first, rest } => self.arith(first, rest, tail, out),
            Expr::InSet { expr, set } => {
                self.write(expr, POSTFIX, false, out);
                out.push_str(" in ");
                self.write_set(set, out);
            }
            Expr::InRange {
                expr,
                lo,
                hi,
                inclusive,
            } => {
                self.write(expr, POSTFIX, false, out);
                out.push_str(" in ");
                self.write_range(lo.as_deref(), hi.as_deref(), *inclusive, out);
            }
            Expr::IsPresent(f) => {
                out.push_str(self.field_name(*f));
                out.push_str(" is present");
            }
            Expr::Let(l) => {
                let def = self.scheme.lets.get(*l as usize);
                out.push_str(def.map_or("?", |d| d.name.as_str()));
            }
            Expr::Item(i) => out.push_str(self.item_field_name(*i)),
            Expr::ItemPresent(i) => {
                out.push_str(self.item_field_name(*i));
                out.push_str(" is present");
            }
            Expr::RoundPart(part) => {
                out.push_str("round.");
                out.push_str(part.name());
            }
            Expr::Any(items) => {
                out.push_str("any ");
                self.items(items, out);
            }
            Expr::All { items, cond } => self.all(items, cond, out),
            Expr::Aggregate {
                func, items, of, ..
            } => self.aggregate(*func, items, of.as_deref(), out),
            Expr::Round { value, unit, mode } => {
                out.push_str("round(");
                self.write(value, ANY, true, out);
                out.push_str(", ");
                out.push_str(unit.name());
                out.push_str(", ");
                out.push_str(mode.name());
                out.push(')');
            }
            Expr::Default { field, default } => {
                out.push_str(self.field_name(*field));
                out.push_str(" ?? ");
                // `??` groups to the right: `a ?? b ?? 0`.
                self.write(default, DEFAULT, tail, out);
            }
            Expr::ItemDefault { field, default } => {
                out.push_str(self.item_field_name(*field));
                out.push_str(" ?? ");
                self.write(default, DEFAULT, tail, out);
            }
            Expr::Call { func, args } => {
                out.push_str(func.name());
                out.push('(');
                self.join(args, ", ", ANY, true, out);
                out.push(')');
            }
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                out.push_str("if ");
                self.write(cond, ANY, true, out);
                out.push_str(" then ");
                self.write(then, ANY, true, out);
                out.push_str(" else ");
                self.write(otherwise, ANY, true, out);
            }
            Expr::Match { scrutinee, arms } => self.match_expr(scrutinee, arms, out),
        }
    }

    /// `not a`, `x is absent`, `x not in {…}`.
    #[inline(never)]
    fn not(&self, a: &Expr, tail: bool, out: &mut String) {
        match a {
            Expr::IsPresent(f) => {
                out.push_str(self.field_name(*f));
                out.push_str(" is absent");
            }
            Expr::ItemPresent(i) => {
                out.push_str(self.item_field_name(*i));
                out.push_str(" is absent");
            }
            Expr::InSet { expr, set } => {
                self.write(expr, POSTFIX, false, out);
                out.push_str(" not in ");
                self.write_set(set, out);
            }
            Expr::InRange {
                expr,
                lo,
                hi,
                inclusive,
            } => {
                self.write(expr, POSTFIX, false, out);
                out.push_str(" not in ");
                self.write_range(lo.as_deref(), hi.as_deref(), *inclusive, out);
            }
            Expr::Lit(_)
            | Expr::Field(_)
            | Expr::Row(_)
            | Expr::Lookup { .. }
            | Expr::Not(_)
            | Expr::Neg(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Compare { .. }
            | Expr::Arith { .. }
            | Expr::Let(_)
            | Expr::RoundPart(_)
            | Expr::Item(_)
            | Expr::Any(_)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => {
                out.push_str("not ");
                self.write(a, NOT, tail, out);
            }
        }
    }

    /// Operands joined by `sep`, each in a slot of `min`; only the last
    /// one may reach to the right.
    #[inline(never)]
    fn join(&self, items: &[Expr], sep: &str, min: Level, tail: bool, out: &mut String) {
        let last = items.len().saturating_sub(1);
        for (i, e) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            self.write(e, min, tail && i == last, out);
        }
    }

    /// `a + b - c`, `a * b / c`: every operand tighter than its operator,
    /// so a chain inside a chain of its level keeps its brackets. A chain
    /// that mixes the levels (which only a hand-made bundle has) is
    /// bracketed as it is applied, left to right.
    #[inline(never)]
    fn arith(&self, first: &Expr, rest: &[(ArithOp, Expr)], tail: bool, out: &mut String) {
        let Some((op, _)) = rest.first() else {
            self.write(first, ANY, tail, out);
            return;
        };
        let mut at = arith_level(*op);
        let start = out.len();
        self.write(first, at + 1, false, out);
        let last = rest.len().saturating_sub(1);
        for (i, (op, e)) in rest.iter().enumerate() {
            let l = arith_level(*op);
            if l > at {
                out.insert(start, '(');
                out.push(')');
            }
            at = l;
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            self.write(e, l + 1, tail && i == last, out);
        }
    }

    /// `certificates`, `certificates where level <= 3`
    #[inline(never)]
    fn items(&self, set: &ItemSet, out: &mut String) {
        out.push_str(self.field_name(set.list));
        if let Some(f) = &set.filter {
            out.push_str(" where ");
            self.within(self.record_of(set.list))
                .write(f, ANY, true, out);
        }
    }

    /// `all members where resident`. Over the items of a `let` list (a
    /// filtered set), which has no text of its own: the condition holds of
    /// every item that passes the filter.
    #[inline(never)]
    fn all(&self, items: &ItemSet, cond: &Expr, out: &mut String) {
        let inner = self.within(self.record_of(items.list));
        out.push_str("all ");
        out.push_str(self.field_name(items.list));
        out.push_str(" where ");
        match &items.filter {
            None => inner.write(cond, ANY, true, out),
            Some(f) => {
                out.push_str("if ");
                inner.write(f, ANY, true, out);
                out.push_str(" then ");
                inner.write(cond, ANY, true, out);
                out.push_str(" else true");
            }
        }
    }

    /// `count(members where age < 17)`, `min(level of certificates where …)`
    #[inline(never)]
    fn aggregate(&self, func: Aggregate, items: &ItemSet, of: Option<&Expr>, out: &mut String) {
        out.push_str(func.name());
        out.push('(');
        if let Some(of) = of {
            self.within(self.record_of(items.list))
                .write(of, ANY, true, out);
            out.push_str(" of ");
        }
        self.items(items, out);
        out.push(')');
    }

    /// `match x { 1 | 2 => a, _ => b }`
    #[inline(never)]
    fn match_expr(&self, scrutinee: &Expr, arms: &[Arm], out: &mut String) {
        out.push_str("match ");
        self.write(scrutinee, ANY, true, out);
        out.push_str(" { ");
        for (i, arm) in arms.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            for (j, p) in arm.patterns.iter().enumerate() {
                if j > 0 {
                    out.push_str(" | ");
                }
                self.pattern(p, out);
            }
            out.push_str(" => ");
            self.write(&arm.body, ANY, true, out);
        }
        out.push_str(" }");
    }

    /// A pattern names an enum's value bare: the scrutinee says which enum.
    fn pattern(&self, p: &Pattern, out: &mut String) {
        match p {
            Pattern::Wildcard => out.push('_'),
            Pattern::Value(Value::Enum { ty, variant }) => {
                out.push_str(self.variant(*ty, *variant).1)
            }
            Pattern::Value(v) => self.literal(v, out),
            Pattern::Range { lo, hi, inclusive } => {
                if let Some(v) = lo {
                    self.literal(v, out);
                }
                out.push_str(if *inclusive { "..=" } else { ".." });
                if let Some(v) = hi {
                    self.literal(v, out);
                }
            }
        }
    }

    #[inline(never)]
    fn write_set(&self, values: &[Value], out: &mut String) {
        out.push('{');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.literal(v, out);
        }
        out.push('}');
    }

    /// `1..=3`, `2021-01-01..=2021-12-31`, `(-3)..k`: a range's bounds are
    /// names, calls, unsigned literals or brackets.
    #[inline(never)]
    fn write_range(&self, lo: Option<&Expr>, hi: Option<&Expr>, inclusive: bool, out: &mut String) {
        if let Some(e) = lo {
            self.bound(e, out);
        }
        out.push_str(if inclusive { "..=" } else { ".." });
        if let Some(e) = hi {
            self.bound(e, out);
        }
    }

    fn bound(&self, e: &Expr, out: &mut String) {
        let closed = match e {
            Expr::Lit(_) => level(e) == ATOM,
            Expr::Field(_)
            | Expr::Row(_)
            | Expr::Lookup { .. }
            | Expr::Let(_)
            | Expr::RoundPart(_)
            | Expr::Item(_)
            | Expr::ItemPresent(_)
            | Expr::Call { .. }
            | Expr::Round { .. }
            | Expr::Aggregate { .. } => true,
            Expr::Not(_)
            | Expr::Neg(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Compare { .. }
            | Expr::Arith { .. }
            | Expr::InSet { .. }
            | Expr::InRange { .. }
            | Expr::IsPresent(_)
            | Expr::Any(_)
            | Expr::All { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => false,
        };
        if closed {
            self.write(e, ANY, true, out);
        } else {
            out.push('(');
            self.write(e, ANY, true, out);
            out.push(')');
        }
    }

    #[inline(never)]
    fn literal(&self, v: &Value, out: &mut String) {
        match v {
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Money(m) => self.money(*m, out),
            Value::Date(d) => out.push_str(&d.to_string()),
            Value::DateTime(t) => out.push_str(&crate::datetime::datetime_text(*t)),
            Value::Text(t) => quote(t, out),
            Value::Enum { ty, variant } => {
                let (e, v) = self.variant(*ty, *variant);
                if self.bare_variant_is_ambiguous(v) {
                    out.push_str(e);
                    out.push('.');
                }
                out.push_str(v);
            }
            Value::Duration(d) => {
                out.push_str(&d.count.to_string());
                let (one, many) = match d.unit {
                    DurationUnitValue::Days => ("day", "days"),
                    DurationUnitValue::WorkingDays => ("working_day", "working_days"),
                    DurationUnitValue::Weeks => ("week", "weeks"),
                    DurationUnitValue::Months => ("month", "months"),
                    DurationUnitValue::Years => ("year", "years"),
                };
                out.push(' ');
                out.push_str(if d.count == 1 { one } else { many });
            }
            Value::Decimal(d) => decimal(*d, out),
            // No literal holds a list; only an applicant's value does.
            Value::List(items) => {
                out.push_str(&format!("[{} items]", items.len()));
            }
        }
    }

    /// `1000 元`, `1000.50 USD`, `-3 元`.
    fn money(&self, m: Money, out: &mut String) {
        let text = m.to_string();
        out.push_str(text.strip_suffix(".00").unwrap_or(&text));
        out.push(' ');
        let currency = self.scheme.header.currency.as_str();
        out.push_str(if currency == "CNY" || currency.is_empty() {
            "元"
        } else {
            currency
        });
    }

    /// The enum's name and the variant's.
    fn variant(&self, ty: u32, variant: u32) -> (&'a str, &'a str) {
        let def = self.scheme.enums.get(ty as usize);
        let name = def
            .and_then(|d| d.variants.get(variant as usize))
            .map_or("?", |v| v.name.as_str());
        (def.map_or("?", |d| d.name.as_str()), name)
    }

    /// Whether a bare `name` would read as something other than one enum
    /// value: a field, a named value, an item's field, or a value of two
    /// enums. Then the value is written `Enum.value`.
    fn bare_variant_is_ambiguous(&self, name: &str) -> bool {
        let s = self.scheme;
        let owners = s
            .enums
            .iter()
            .filter(|e| e.variants.iter().any(|v| v.name == name))
            .count();
        owners > 1
            || s.applicant.iter().any(|f| f.name == name)
            || s.lets.iter().any(|l| l.name == name)
            || self
                .item
                .and_then(|r| s.records.get(r as usize))
                .is_some_and(|r| r.fields.iter().any(|f| f.name == name))
    }

    /// Whether the items being walked have a field named `name`.
    fn item_has_field(&self, name: &str) -> bool {
        self.item
            .and_then(|r| self.scheme.records.get(r as usize))
            .is_some_and(|r| r.fields.iter().any(|f| f.name == name))
    }

    fn field_name(&self, f: FieldId) -> &'a str {
        self.scheme
            .applicant
            .get(f as usize)
            .map_or("?", |x| x.name.as_str())
    }

    fn item_field_name(&self, i: FieldId) -> &'a str {
        self.item
            .and_then(|r| self.scheme.records.get(r as usize))
            .and_then(|r| r.fields.get(i as usize))
            .map_or("?", |f| f.name.as_str())
    }

    fn record_of(&self, list: FieldId) -> Option<RecordId> {
        if let Some(Type::List(r)) = self.scheme.applicant.get(list as usize).map(|f| f.ty) {
            Some(r)
        } else {
            None
        }
    }
}

/// How tightly `e`'s printed form holds together.
fn level(e: &Expr) -> Level {
    match e {
        Expr::Lit(v) => match v {
            Value::Int(n) if *n < 0 => NEG,
            Value::Money(m) if m.minor() < 0 => NEG,
            Value::Decimal(d) if d.numerator() < 0 => NEG,
            Value::Decimal(d) if !terminates(*d) => PRODUCT,
            Value::Int(_)
            | Value::Money(_)
            | Value::Decimal(_)
            | Value::Bool(_)
            | Value::Date(_)
            | Value::DateTime(_)
            | Value::Text(_)
            | Value::Enum { .. }
            | Value::Duration(_)
            | Value::List(_) => ATOM,
        },
        // `x is absent`, `x not in {…}`
        Expr::Not(a) if is_postfix(a) => POSTFIX,
        Expr::Not(_) => NOT,
        Expr::Neg(_) => NEG,
        Expr::And(items) | Expr::Or(items) if items.len() == 1 => items.first().map_or(ATOM, level),
        Expr::And(items) if items.is_empty() => ATOM,
        Expr::Or(items) if items.is_empty() => ATOM,
        Expr::And(_) => AND,
        Expr::Or(_) => OR,
        Expr::Compare { .. } => COMPARE,
        Expr::Arith { first, rest } => rest
            .last()
            .map_or_else(|| level(first), |(op, _)| arith_level(*op)),
        Expr::InSet { .. } | Expr::InRange { .. } | Expr::IsPresent(_) | Expr::ItemPresent(_) => {
            POSTFIX
        }
        Expr::Default { .. } | Expr::ItemDefault { .. } => DEFAULT,
        Expr::Field(_)
        | Expr::Row(_)
        | Expr::Lookup { .. }
        | Expr::Let(_)
        | Expr::RoundPart(_)
        | Expr::Item(_)
        | Expr::Any(_)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Call { .. }
        | Expr::If { .. }
        | Expr::Match { .. } => ATOM,
    }
}

/// Whether `not e` is written as a postfix test: `x is absent`, `x not in …`.
fn is_postfix(e: &Expr) -> bool {
    matches!(
        e,
        Expr::IsPresent(_) | Expr::ItemPresent(_) | Expr::InSet { .. } | Expr::InRange { .. }
    )
}

/// Whether `e` ends with an expression that takes everything to its right
/// (`if … else b + 1` adds to `b`): then it is bracketed unless nothing
/// follows it.
fn open_right(e: &Expr) -> bool {
    match e {
        Expr::If { .. } | Expr::All { .. } => true,
        Expr::Any(items) => items.filter.is_some(),
        Expr::Lit(_)
        | Expr::Field(_)
        | Expr::Row(_)
        | Expr::Lookup { .. }
        | Expr::Not(_)
        | Expr::Neg(_)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Compare { .. }
        | Expr::Arith { .. }
        | Expr::InSet { .. }
        | Expr::InRange { .. }
        | Expr::IsPresent(_)
        | Expr::Let(_)
        | Expr::RoundPart(_)
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. }
        | Expr::Match { .. } => false,
    }
}

fn arith_level(op: ArithOp) -> Level {
    match op {
        ArithOp::Add | ArithOp::Sub => SUM,
        ArithOp::Mul | ArithOp::Div => PRODUCT,
    }
}

/// Whether the fraction has decimal digits that end (`0.05`, not `1/3`).
fn terminates(d: Decimal) -> bool {
    let mut den = d.denominator();
    for p in [2, 5] {
        while den % p == 0 {
            den /= p;
        }
    }
    den == 1
}

/// A decimal literal: `5%`, `12.5%` for a rate between nought and one
/// (at most two decimals of a percent); `2.0` for a whole decimal (`2`
/// would be an int); `0.00001` else; `1 / 3` for a fraction whose digits
/// never end (no literal holds one; the compiler never makes one).
fn decimal(d: Decimal, out: &mut String) {
    if !terminates(d) {
        out.push_str(&format!("{} / {}", d.numerator(), d.denominator()));
        return;
    }
    let hundred = Decimal::from_int(100);
    let percent = d.checked_mul(hundred);
    let abs_below_one = d.numerator().unsigned_abs() < d.denominator().unsigned_abs();
    if let Some(p) = percent.filter(|p| {
        d.numerator() != 0
            && abs_below_one
            && p.checked_mul(hundred).is_some_and(Decimal::is_integer)
    }) {
        out.push_str(&p.to_string());
        out.push('%');
        return;
    }
    let text = d.to_string();
    out.push_str(&text);
    if !text.contains('.') {
        out.push_str(".0");
    }
}

/// `"…"` with the escapes the grammar reads: `\"`, `\\`, `\n`, `\t`.
fn quote(t: &str, out: &mut String) {
    out.push('"');
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ArithOp, CompareOp};

    fn scheme() -> Scheme {
        let text = include_str!("../tests/data/2023-career-boost.bundle.json");
        crate::Bundle::from_slice(text.as_bytes()).unwrap().scheme
    }

    fn int(n: i64) -> Expr {
        Expr::Lit(Value::Int(n))
    }

    fn chain(first: Expr, rest: Vec<(ArithOp, Expr)>) -> Expr {
        Expr::Arith {
            first: Box::new(first),
            rest,
        }
    }

    #[test]
    fn arithmetic_chains_keep_the_brackets_they_need() {
        let s = scheme();
        let p = Printer::new(&s);
        let inner = chain(int(2), vec![(ArithOp::Add, int(3))]);
        assert_eq!(
            p.expr(&chain(int(1), vec![(ArithOp::Sub, inner.clone())])),
            "1 - (2 + 3)"
        );
        // A chain written in brackets stays one: `(2 + 3) + 1`.
        assert_eq!(
            p.expr(&chain(inner, vec![(ArithOp::Add, int(1))])),
            "(2 + 3) + 1"
        );
        let product = chain(int(2), vec![(ArithOp::Mul, int(3))]);
        let e = chain(
            int(1),
            vec![(ArithOp::Add, product), (ArithOp::Sub, int(4))],
        );
        assert_eq!(p.expr(&e), "1 + 2 * 3 - 4");
        let sum = chain(int(1), vec![(ArithOp::Add, int(2))]);
        assert_eq!(
            p.expr(&chain(sum, vec![(ArithOp::Mul, int(3))])),
            "(1 + 2) * 3"
        );
        // Mixed levels in one chain, as only a hand-made bundle has them.
        let mixed = chain(int(1), vec![(ArithOp::Add, int(2)), (ArithOp::Mul, int(3))]);
        assert_eq!(p.expr(&mixed), "(1 + 2) * 3");
        assert_eq!(p.expr(&Expr::Neg(Box::new(int(-1)))), "-(-1)");
        assert_eq!(
            p.expr(&chain(int(1), vec![(ArithOp::Sub, int(-1))])),
            "1 - -1"
        );
    }

    #[test]
    fn literals_are_written_as_policies_write_them() {
        let s = scheme();
        let p = Printer::new(&s);
        let d = |t: &str| Value::Decimal(t.parse().unwrap());
        assert_eq!(p.value(&Value::Money(Money(100_000))), "1000 元");
        assert_eq!(p.value(&Value::Money(Money(100_050))), "1000.50 元");
        assert_eq!(p.value(&Value::Money(Money(-5))), "-0.05 元");
        assert_eq!(p.value(&d("0.05")), "5%");
        assert_eq!(p.value(&d("0.125")), "12.5%");
        assert_eq!(p.value(&d("2")), "2.0");
        assert_eq!(p.value(&d("1.5")), "1.5");
        assert_eq!(p.value(&d("0.00001")), "0.00001");
        assert_eq!(p.value(&d("1/3")), "1 / 3");
        assert_eq!(
            p.value(&Value::Text("a \"b\" \\ c\nd".into())),
            r#""a \"b\" \\ c\nd""#
        );
        let cmp = Expr::Compare {
            op: CompareOp::Ge,
            lhs: Box::new(Expr::Lit(d("1/3"))),
            rhs: Box::new(Expr::Lit(d("0.5"))),
        };
        assert_eq!(p.expr(&cmp), "1 / 3 >= 50%");
    }

    /// The deepest expression the compiler accepts prints on a 2 MB
    /// stack, whichever forms it nests: brackets in chains, `if`, `not`,
    /// negation, `match`, `??` and calls.
    #[test]
    fn the_deepest_expression_prints_on_an_ordinary_stack() {
        let s = scheme();
        let nest = |wrap: &dyn Fn(Expr) -> Expr| {
            let mut e = int(1);
            for _ in 1..crate::ir::MAX_DEPTH {
                e = wrap(e);
            }
            e
        };
        let forms: Vec<Expr> = vec![
            nest(&|e| chain(int(1), vec![(ArithOp::Sub, e)])),
            nest(&|e| chain(e, vec![(ArithOp::Mul, int(2))])),
            nest(&|e| Expr::Neg(Box::new(e))),
            nest(&|e| Expr::Not(Box::new(e))),
            nest(&|e| Expr::If {
                cond: Box::new(Expr::Lit(Value::Bool(true))),
                then: Box::new(e),
                otherwise: Box::new(int(0)),
            }),
            nest(&|e| Expr::Match {
                scrutinee: Box::new(e),
                arms: vec![Arm {
                    patterns: vec![Pattern::Wildcard],
                    body: int(0),
                }],
            }),
            nest(&|e| Expr::Default {
                field: 0,
                default: Box::new(e),
            }),
            nest(&|e| Expr::Call {
                func: crate::ir::Builtin::Max,
                args: vec![e, int(0)],
            }),
        ];
        let printed = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                forms
                    .iter()
                    .map(|e| Printer::new(&s).expr(e).len())
                    .collect::<Vec<_>>()
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(printed.iter().all(|n| *n > crate::ir::MAX_DEPTH));
    }
}
