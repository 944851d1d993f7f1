//! Printed expressions parse and check back to the same IR.
//!
//! Typed IR expressions are generated over a small fixed scheme (a field of
//! every type, optional fields, two enums sharing a value, a named table and
//! one keyed by an enum, a list of records, named values), printed with the
//! runtime's printer, put in a policy as `let probe = …`, compiled, and the
//! lowered `probe` compared with the original.
//!
//! The generator draws from a list of numbers that proptest shrinks, and a
//! zero always picks the simplest form, so a failure shrinks to a small
//! expression.
//!
//! Where lowering legitimately differs from the generated IR, the original
//! is normalised before the comparison ([`normalise`]); each case is listed
//! there. Forms the generator leaves out because no text lowers to them:
//! a negative decimal literal (`-5%` lowers to a negation), a decimal
//! literal whose digits never end (`1 / 3` lowers to a division), a
//! negative value in a `match` pattern (patterns are unsigned), a one-item
//! `and`/`or`, a chain mixing `+` with `*`, and a row of a keyed table.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use bursar_compiler::{compile, Code, SourceFile};
use bursar_runtime::decimal::{Decimal, RoundMode};
use bursar_runtime::ir::{
    Aggregate, ArithOp, Arm, Builtin, CompareOp, DurationUnitValue, DurationValue, Expr, ItemSet,
    Pattern, RoundUnit, RowRef, Scheme, Type, Value,
};
use bursar_runtime::Money;
use chrono::NaiveDate;
use proptest::prelude::*;

/// The fixed scheme. `red` is a value of both enums, so it must be written
/// `Color.red`; `green` only of `Color`.
const SCHEME: &str = r#"
scheme printed {
  currency USD
  period   2024-01-01 ..= 2024-12-31
}

enum Color { red  green  blue }
enum Shade { red  dark }

record Cert {
  level  int
  kind   Color
  issued date
  fee    money
}

applicant {
  n      int
  m      money
  d      date
  t      text
  b      bool
  c      Color
  sh     Shade
  r      decimal
  on     int?
  om     money?
  od     date?
  certs  list of Cert
}

table std { low = 10 USD  high = 20.50 USD }
table fees by Color { red = 1 USD  green = 2 USD  blue = 3 USD }

let k = 5
let rate = 5%
let adult = n >= 18
let big = certs where level >= 2

category probed {
  pay 1 USD
}

award {
  limit 1 per period
  choose highest_amount then first_declared
}
"#;

fn source(probe: &str) -> String {
    format!("{SCHEME}\nlet probe = {probe}\n")
}

/// The base scheme, to name fields, enums and tables by index.
fn base() -> Scheme {
    let compiled = compile(&SourceFile::new("printed.bursar", source("true")));
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    compiled.scheme.unwrap()
}

/// The lowered `probe` of a policy, or the diagnostics' codes.
fn lowered(text: &str) -> Result<Expr, Vec<Code>> {
    let compiled = compile(&SourceFile::new("printed.bursar", source(text)));
    if compiled.has_errors() {
        return Err(compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code)
            .collect());
    }
    let scheme = compiled.scheme.unwrap();
    Ok(scheme.lets.last().unwrap().expr.clone())
}

fn print(scheme: &Scheme, e: &Expr) -> String {
    bursar_runtime::print::expr(scheme, e)
}

/// Indices in the fixed scheme.
struct Ids {
    n: u32,
    m: u32,
    d: u32,
    t: u32,
    b: u32,
    c: u32,
    sh: u32,
    r: u32,
    on: u32,
    om: u32,
    od: u32,
    certs: u32,
    color: u32,
    shade: u32,
    std: u32,
    fees: u32,
    k: u32,
    rate: u32,
    adult: u32,
}

impl Ids {
    fn of(s: &Scheme) -> Ids {
        let field = |n: &str| s.applicant.iter().position(|f| f.name == n).unwrap() as u32;
        let en = |n: &str| s.enums.iter().position(|e| e.name == n).unwrap() as u32;
        let table = |n: &str| s.tables.iter().position(|t| t.name == n).unwrap() as u32;
        let named = |n: &str| s.lets.iter().position(|l| l.name == n).unwrap() as u32;
        Ids {
            n: field("n"),
            m: field("m"),
            d: field("d"),
            t: field("t"),
            b: field("b"),
            c: field("c"),
            sh: field("sh"),
            r: field("r"),
            on: field("on"),
            om: field("om"),
            od: field("od"),
            certs: field("certs"),
            color: en("Color"),
            shade: en("Shade"),
            std: table("std"),
            fees: table("fees"),
            k: named("k"),
            rate: named("rate"),
            adult: named("adult"),
        }
    }
}

// The fields of `Cert`, in order.
const LEVEL: u32 = 0;
const KIND: u32 = 1;
const ISSUED: u32 = 2;
const FEE: u32 = 3;

/// Draws choices from a list proptest shrinks; past its end, every choice
/// is zero (the simplest).
struct Gen<'a> {
    ids: &'a Ids,
    choices: &'a [u32],
    at: usize,
}

/// Where an expression is generated: inside a list's `where` the item's
/// fields are in scope and no other list may be walked.
#[derive(Clone, Copy)]
struct Ctx {
    depth: u32,
    item: bool,
}

impl Ctx {
    fn deeper(self) -> Ctx {
        Ctx {
            depth: self.depth.saturating_sub(1),
            ..self
        }
    }
    fn in_item(self) -> Ctx {
        Ctx {
            item: true,
            ..self.deeper()
        }
    }
}

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

impl Gen<'_> {
    fn pick(&mut self, n: u32) -> u32 {
        let c = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        c % n.max(1)
    }

    /// A leaf when out of depth, else any form of the type.
    fn form(&mut self, ctx: Ctx, leaves: u32, all: u32) -> u32 {
        if ctx.depth == 0 {
            self.pick(leaves)
        } else {
            self.pick(all)
        }
    }

    fn int_lit(&mut self) -> i64 {
        match self.pick(4) {
            0 => i64::from(self.pick(10)),
            1 => i64::from(self.pick(1000)),
            2 => -i64::from(self.pick(1000)) - 1,
            _ => i64::from(self.pick(u32::MAX)),
        }
    }

    fn money_lit(&mut self) -> Money {
        let fen = i64::from(self.pick(10_000_000));
        match self.pick(3) {
            0 => Money(fen / 100 * 100),
            1 => Money(fen),
            _ => Money(-fen),
        }
    }

    fn date_lit(&mut self) -> NaiveDate {
        date(
            2020 + self.pick(6) as i32,
            1 + self.pick(12),
            1 + self.pick(28),
        )
    }

    /// Seconds only sometimes: both printed forms must read back.
    fn datetime_lit(&mut self) -> chrono::NaiveDateTime {
        let seconds = if self.pick(2) == 0 { 0 } else { self.pick(60) };
        self.date_lit()
            .and_hms_opt(self.pick(24), self.pick(60), seconds)
            .expect("a valid time")
    }

    fn decimal_lit(&mut self) -> Decimal {
        let (num, den) = match self.pick(4) {
            0 => (i128::from(self.pick(100)), 100), // a percent
            1 => (i128::from(self.pick(10_000)), 1000),
            2 => (i128::from(self.pick(50)), 1), // `2.0`
            _ => (i128::from(self.pick(1_000_000)), 100_000),
        };
        Decimal::new(num, den).unwrap()
    }

    fn text_lit(&mut self) -> String {
        const PARTS: [&str; 8] = ["", "a", "\"", "\\", "\n", "\t", "申请", " x y "];
        (0..self.pick(4))
            .map(|_| PARTS[self.pick(PARTS.len() as u32) as usize])
            .collect()
    }

    fn enum_value(&mut self, ty: u32) -> Value {
        let count = if ty == self.ids.color { 3 } else { 2 };
        Value::Enum {
            ty,
            variant: self.pick(count),
        }
    }

    fn lit(&mut self, ty: Type) -> Value {
        match ty {
            Type::Bool => Value::Bool(self.pick(2) == 1),
            Type::Int => Value::Int(self.int_lit()),
            Type::Money => Value::Money(self.money_lit()),
            Type::Date => Value::Date(self.date_lit()),
            Type::DateTime => Value::DateTime(self.datetime_lit()),
            Type::Text => Value::Text(self.text_lit()),
            Type::Enum(e) => self.enum_value(e),
            Type::Decimal => Value::Decimal(self.decimal_lit()),
            Type::Duration => {
                let unit = [
                    DurationUnitValue::Days,
                    DurationUnitValue::WorkingDays,
                    DurationUnitValue::Weeks,
                    DurationUnitValue::Months,
                    DurationUnitValue::Years,
                ][self.pick(5) as usize];
                Value::Duration(DurationValue {
                    count: i64::from(self.pick(40)),
                    unit,
                })
            }
            Type::Unrounded | Type::List(_) => unreachable!("no literal of {ty:?}"),
        }
    }

    /// `e` of type `ty`.
    fn expr(&mut self, ty: Type, ctx: Ctx) -> Expr {
        match ty {
            Type::Bool => self.bool(ctx),
            Type::Int => self.int(ctx),
            Type::Money => self.money(ctx),
            Type::Date => self.date(ctx),
            Type::Decimal => self.decimal(ctx),
            Type::Text => match self.pick(2) {
                0 => Expr::Lit(Value::Text(self.text_lit())),
                _ => Expr::Field(self.ids.t),
            },
            Type::Enum(e) => self.enumeration(e, ctx),
            Type::Duration => Expr::Lit(self.lit(Type::Duration)),
            Type::DateTime => Expr::Lit(self.lit(Type::DateTime)),
            Type::Unrounded => self.unrounded(ctx),
            Type::List(_) => unreachable!("lists are walked, not generated"),
        }
    }

    /// Forms every type has: `if` and `match`.
    fn branch(&mut self, ty: Type, ctx: Ctx) -> Expr {
        let c = ctx.deeper();
        if self.pick(2) == 0 {
            Expr::If {
                cond: bx(self.bool(c)),
                then: bx(self.expr(ty, c)),
                otherwise: bx(self.expr(ty, c)),
            }
        } else {
            self.match_expr(ty, c)
        }
    }

    /// `match` on an int, an enum, a bool, a date or a text, ending with `_`.
    fn match_expr(&mut self, ty: Type, ctx: Ctx) -> Expr {
        let ids = self.ids;
        let (scrutinee, patterns): (Expr, Vec<Pattern>) = match self.pick(5) {
            0 => {
                // Unsigned, distinct, in order: `1 => …, 3..=5 => …`.
                let a = i64::from(self.pick(5));
                let b = a + 1 + i64::from(self.pick(5));
                let range = Pattern::Range {
                    lo: (self.pick(2) == 0).then_some(Value::Int(b)),
                    hi: Some(Value::Int(b + 1 + i64::from(self.pick(5)))),
                    inclusive: self.pick(2) == 0,
                };
                let range = match range {
                    Pattern::Range { lo: None, hi, .. } => Pattern::Range {
                        lo: Some(Value::Int(b)),
                        hi,
                        inclusive: true,
                    },
                    other => other,
                };
                (self.int(ctx), vec![Pattern::Value(Value::Int(a)), range])
            }
            1 => (
                self.enumeration(ids.color, ctx),
                vec![
                    Pattern::Value(Value::Enum {
                        ty: ids.color,
                        variant: 0,
                    }),
                    Pattern::Value(Value::Enum {
                        ty: ids.color,
                        variant: 1,
                    }),
                ],
            ),
            2 => (self.bool(ctx), vec![Pattern::Value(Value::Bool(true))]),
            3 => (
                self.date(ctx),
                vec![Pattern::Range {
                    lo: Some(Value::Date(date(2024, 1, 1))),
                    hi: Some(Value::Date(date(2024, 12, 31))),
                    inclusive: true,
                }],
            ),
            _ => (
                Expr::Field(ids.t),
                vec![Pattern::Value(Value::Text(self.text_lit()))],
            ),
        };
        // One arm may hold two patterns: `red | green => …`.
        let mut arms: Vec<Arm> = Vec::new();
        if patterns.len() == 2 && self.pick(2) == 1 {
            arms.push(Arm {
                patterns,
                body: self.expr(ty, ctx),
            });
        } else {
            for p in patterns {
                arms.push(Arm {
                    patterns: vec![p],
                    body: self.expr(ty, ctx),
                });
            }
        }
        arms.push(Arm {
            patterns: vec![Pattern::Wildcard],
            body: self.expr(ty, ctx),
        });
        Expr::Match {
            scrutinee: bx(scrutinee),
            arms,
        }
    }

    fn items(&mut self, ctx: Ctx) -> ItemSet {
        let filter = if self.pick(2) == 1 {
            Some(bx(self.bool(ctx.in_item())))
        } else {
            None
        };
        ItemSet {
            list: self.ids.certs,
            filter,
        }
    }

    fn compare_op(&mut self, ordered: bool) -> CompareOp {
        let ops = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
        ];
        ops[self.pick(if ordered { 6 } else { 2 }) as usize]
    }

    fn bool(&mut self, ctx: Ctx) -> Expr {
        let ids = self.ids;
        let c = ctx.deeper();
        match self.form(ctx, 4, 19) {
            0 => Expr::Lit(Value::Bool(self.pick(2) == 1)),
            1 => Expr::Field(ids.b),
            2 => Expr::IsPresent([ids.on, ids.om, ids.od][self.pick(3) as usize]),
            3 => Expr::Let(ids.adult),
            4 => Expr::Not(bx(self.bool(c))),
            5 => {
                let n = 2 + self.pick(2);
                Expr::And((0..n).map(|_| self.bool(c)).collect())
            }
            6 => {
                let n = 2 + self.pick(2);
                Expr::Or((0..n).map(|_| self.bool(c)).collect())
            }
            7 => {
                let ty = [
                    Type::Int,
                    Type::Money,
                    Type::Date,
                    Type::Decimal,
                    Type::DateTime,
                ][self.pick(5) as usize];
                Expr::Compare {
                    op: self.compare_op(true),
                    lhs: bx(self.expr(ty, c)),
                    rhs: bx(self.expr(ty, c)),
                }
            }
            8 => {
                let ty = [Type::Enum(ids.color), Type::Bool, Type::Text][self.pick(3) as usize];
                Expr::Compare {
                    op: self.compare_op(false),
                    lhs: bx(self.expr(ty, c)),
                    rhs: bx(self.expr(ty, c)),
                }
            }
            9 | 10 => {
                let ty = [
                    Type::Int,
                    Type::Enum(ids.color),
                    Type::Enum(ids.shade),
                    Type::Text,
                    Type::Money,
                    Type::Date,
                    Type::Bool,
                ][self.pick(7) as usize];
                let mut set: Vec<Value> = Vec::new();
                for _ in 0..1 + self.pick(3) {
                    let v = self.lit(ty);
                    if !set.contains(&v) {
                        set.push(v);
                    }
                }
                let test = Expr::InSet {
                    expr: bx(self.expr(ty, c)),
                    set,
                };
                if self.pick(2) == 1 {
                    Expr::Not(bx(test))
                } else {
                    test
                }
            }
            11 | 12 => {
                let test = self.in_range(c);
                if self.pick(2) == 1 {
                    Expr::Not(bx(test))
                } else {
                    test
                }
            }
            13 => Expr::Not(bx(Expr::IsPresent(
                [ids.on, ids.om, ids.od][self.pick(3) as usize],
            ))),
            14 | 15 if !ctx.item => Expr::Any(self.items(c)),
            16 if !ctx.item => {
                let items = self.items(c);
                Expr::All {
                    items,
                    cond: bx(self.bool(c.in_item())),
                }
            }
            _ => self.branch(Type::Bool, ctx),
        }
    }

    /// `x in lo..=hi`: literal bounds in order, or computed ones.
    fn in_range(&mut self, ctx: Ctx) -> Expr {
        let ty = [Type::Int, Type::Money, Type::Date][self.pick(3) as usize];
        let expr = bx(self.expr(ty, ctx));
        let inclusive = self.pick(2) == 0;
        let (mut lo, mut hi) = if self.pick(2) == 0 {
            (Expr::Lit(self.lit(ty)), Expr::Lit(self.lit(ty)))
        } else {
            (self.expr(ty, ctx), self.expr(ty, ctx))
        };
        // The checker folds a negated literal (`-0`) into a literal before
        // it looks at the bounds: so does this.
        normalise(&mut lo);
        normalise(&mut hi);
        // Literal bounds in order, and never `a..a` (the checker refuses
        // an empty range).
        let (lo, hi) = match (lo, hi) {
            (Expr::Lit(a), Expr::Lit(b)) => {
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                if a == b && !inclusive {
                    (Some(Expr::Lit(a)), None)
                } else {
                    (Some(Expr::Lit(a)), Some(Expr::Lit(b)))
                }
            }
            (a, b) => (Some(a), Some(b)),
        };
        let (lo, hi) = match self.pick(3) {
            1 => (None, hi.or(lo)),
            2 => (lo, None),
            _ => (lo, hi),
        };
        Expr::InRange {
            expr,
            lo: lo.map(bx),
            hi: hi.map(bx),
            inclusive,
        }
    }

    fn int(&mut self, ctx: Ctx) -> Expr {
        let ids = self.ids;
        let c = ctx.deeper();
        match self.form(ctx, 4, 16) {
            0 => Expr::Lit(Value::Int(self.int_lit())),
            1 => Expr::Field(ids.n),
            2 => Expr::Let(ids.k),
            3 if ctx.item => Expr::Item(LEVEL),
            3 => Expr::Default {
                field: ids.on,
                default: bx(Expr::Lit(Value::Int(self.int_lit()))),
            },
            4 => Expr::Neg(bx(self.int(c))),
            5 | 6 => {
                let first = bx(self.int(c));
                let ops: &[ArithOp] = if self.pick(2) == 0 {
                    &[ArithOp::Add, ArithOp::Sub]
                } else {
                    &[ArithOp::Mul]
                };
                let rest = (0..1 + self.pick(2))
                    .map(|_| (ops[self.pick(ops.len() as u32) as usize], self.int(c)))
                    .collect();
                Expr::Arith { first, rest }
            }
            7 => Expr::Call {
                func: [Builtin::Year, Builtin::Month, Builtin::Day][self.pick(3) as usize],
                args: vec![self.date(c)],
            },
            8 => Expr::Call {
                func: [Builtin::Min, Builtin::Max][self.pick(2) as usize],
                args: (0..2 + self.pick(2)).map(|_| self.int(c)).collect(),
            },
            9 => Expr::Default {
                field: ids.on,
                default: bx(self.int(c)),
            },
            10 if !ctx.item => Expr::Aggregate {
                func: Aggregate::Count,
                items: self.items(c),
                of: None,
                ty: Type::Int,
            },
            11 if !ctx.item => Expr::Aggregate {
                func: Aggregate::Sum,
                items: self.items(c),
                of: Some(bx(self.int(c.in_item()))),
                ty: Type::Int,
            },
            12 if !ctx.item => {
                // `min`/`max` of items have a value only where one exists.
                let items = self.items(c);
                Expr::If {
                    cond: bx(Expr::Any(items.clone())),
                    then: bx(Expr::Aggregate {
                        func: [Aggregate::Min, Aggregate::Max][self.pick(2) as usize],
                        items,
                        of: Some(bx(self.int(c.in_item()))),
                        ty: Type::Int,
                    }),
                    otherwise: bx(self.int(c)),
                }
            }
            _ => self.branch(Type::Int, ctx),
        }
    }

    fn money(&mut self, ctx: Ctx) -> Expr {
        let ids = self.ids;
        let c = ctx.deeper();
        match self.form(ctx, 4, 15) {
            0 => Expr::Lit(Value::Money(self.money_lit())),
            1 => Expr::Field(ids.m),
            2 => Expr::Row(RowRef {
                table: ids.std,
                row: self.pick(2),
            }),
            3 if ctx.item => Expr::Item(FEE),
            3 => Expr::Default {
                field: ids.om,
                default: bx(Expr::Lit(Value::Money(self.money_lit()))),
            },
            4 => Expr::Neg(bx(self.money(c))),
            5 => {
                let first = bx(self.money(c));
                let rest = (0..1 + self.pick(2))
                    .map(|_| {
                        let op = [ArithOp::Add, ArithOp::Sub][self.pick(2) as usize];
                        (op, self.money(c))
                    })
                    .collect();
                Expr::Arith { first, rest }
            }
            6 => Expr::Arith {
                first: bx(self.money(c)),
                rest: vec![(ArithOp::Mul, self.int(c))],
            },
            7 => Expr::Lookup {
                table: ids.fees,
                key: bx(self.enumeration(ids.color, c)),
            },
            8 => Expr::Default {
                field: ids.om,
                default: bx(self.money(c)),
            },
            9 => Expr::Call {
                func: [Builtin::Min, Builtin::Max][self.pick(2) as usize],
                args: (0..2 + self.pick(2)).map(|_| self.money(c)).collect(),
            },
            10 => Expr::Round {
                value: bx(self.unrounded(c)),
                unit: RoundUnit::ALL[self.pick(4) as usize],
                mode: RoundMode::ALL[self.pick(4) as usize],
            },
            11 if !ctx.item => Expr::Aggregate {
                func: Aggregate::Sum,
                items: self.items(c),
                of: Some(bx(self.money(c.in_item()))),
                ty: Type::Money,
            },
            _ => self.branch(Type::Money, ctx),
        }
    }

    /// Money times a rate, or divided: not yet a whole fen.
    fn unrounded(&mut self, ctx: Ctx) -> Expr {
        let c = ctx.deeper();
        match self.pick(2) {
            0 => Expr::Arith {
                first: bx(self.money(c)),
                rest: vec![(ArithOp::Mul, self.decimal(c))],
            },
            _ => Expr::Arith {
                first: bx(self.money(c)),
                rest: vec![(ArithOp::Div, self.int(c))],
            },
        }
    }

    fn date(&mut self, ctx: Ctx) -> Expr {
        let ids = self.ids;
        let c = ctx.deeper();
        match self.form(ctx, 3, 7) {
            0 => Expr::Lit(Value::Date(self.date_lit())),
            1 => Expr::Field(ids.d),
            2 if ctx.item => Expr::Item(ISSUED),
            2 => Expr::Default {
                field: ids.od,
                default: bx(Expr::Lit(Value::Date(self.date_lit()))),
            },
            3 => Expr::Arith {
                first: bx(self.date(c)),
                rest: (0..1 + self.pick(2))
                    .map(|_| {
                        let op = [ArithOp::Add, ArithOp::Sub][self.pick(2) as usize];
                        (op, Expr::Lit(self.lit(Type::Duration)))
                    })
                    .collect(),
            },
            4 => Expr::Call {
                func: [Builtin::Min, Builtin::Max][self.pick(2) as usize],
                args: (0..2).map(|_| self.date(c)).collect(),
            },
            _ => self.branch(Type::Date, ctx),
        }
    }

    fn decimal(&mut self, ctx: Ctx) -> Expr {
        let ids = self.ids;
        let c = ctx.deeper();
        match self.form(ctx, 3, 8) {
            0 => Expr::Lit(Value::Decimal(self.decimal_lit())),
            1 => Expr::Let(ids.rate),
            2 => Expr::Field(ids.r),
            3 => Expr::Neg(bx(self.decimal(c))),
            4 => Expr::Arith {
                first: bx(self.int(c)),
                rest: vec![(ArithOp::Div, self.int(c))],
            },
            5 => {
                let first = bx(self.decimal(c));
                let rest = (0..1 + self.pick(2))
                    .map(|_| {
                        let op = [ArithOp::Mul, ArithOp::Div][self.pick(2) as usize];
                        (op, self.decimal(c))
                    })
                    .collect();
                Expr::Arith { first, rest }
            }
            6 => {
                let first = bx(self.decimal(c));
                let rest = (0..1 + self.pick(2))
                    .map(|_| {
                        let op = [ArithOp::Add, ArithOp::Sub][self.pick(2) as usize];
                        (op, self.decimal(c))
                    })
                    .collect();
                Expr::Arith { first, rest }
            }
            _ => self.branch(Type::Decimal, ctx),
        }
    }

    fn enumeration(&mut self, ty: u32, ctx: Ctx) -> Expr {
        let ids = self.ids;
        match self.form(ctx, 3, 4) {
            0 => Expr::Lit(self.enum_value(ty)),
            1 if ty == ids.color && ctx.item => Expr::Item(KIND),
            1 | 2 if ty == ids.color => Expr::Field(ids.c),
            1 | 2 => Expr::Field(ids.sh),
            _ => self.branch(Type::Enum(ty), ctx),
        }
    }
}

/// What lowering makes of the generated IR, where it legitimately differs:
///
/// 1. A negated int or money literal is folded: `-(5)` lowers to the
///    literal `-5` (and `-(-5)` to `5`).
/// 2. `all` over a filtered set (the items of a `let` list, which has no
///    text of its own) prints as `all certs where if F then C else true`,
///    which lowers to `all` over the whole list with that `if`.
fn normalise(e: &mut Expr) {
    // Children first, so that `-(-5)` folds from the inside.
    match e {
        Expr::Lit(_)
        | Expr::Field(_)
        | Expr::Row(_)
        | Expr::IsPresent(_)
        | Expr::Let(_)
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::RoundPart(_) => {}
        Expr::Lookup { key: a, .. }
        | Expr::Not(a)
        | Expr::Neg(a)
        | Expr::InSet { expr: a, .. }
        | Expr::Default { default: a, .. }
        | Expr::ItemDefault { default: a, .. }
        | Expr::Round { value: a, .. } => normalise(a),
        Expr::And(xs) | Expr::Or(xs) | Expr::Call { args: xs, .. } => {
            xs.iter_mut().for_each(normalise)
        }
        Expr::Compare { lhs, rhs, .. } => {
            normalise(lhs);
            normalise(rhs);
        }
        Expr::Arith { first, rest } => {
            normalise(first);
            rest.iter_mut().for_each(|(_, x)| normalise(x));
        }
        Expr::InRange { expr, lo, hi, .. } => {
            normalise(expr);
            lo.iter_mut()
                .chain(hi.iter_mut())
                .for_each(|x| normalise(x));
        }
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            normalise(cond);
            normalise(then);
            normalise(otherwise);
        }
        Expr::Match { scrutinee, arms } => {
            normalise(scrutinee);
            arms.iter_mut().for_each(|a| normalise(&mut a.body));
        }
        Expr::Any(s) => s.filter.iter_mut().for_each(|x| normalise(x)),
        Expr::All { items, cond } => {
            items.filter.iter_mut().for_each(|x| normalise(x));
            normalise(cond);
        }
        Expr::Aggregate { items, of, .. } => {
            items.filter.iter_mut().for_each(|x| normalise(x));
            of.iter_mut().for_each(|x| normalise(x));
        }
    }
    let folded = match e {
        Expr::Neg(a) => match &**a {
            Expr::Lit(Value::Int(n)) => n.checked_neg().map(|n| Expr::Lit(Value::Int(n))),
            Expr::Lit(Value::Money(m)) => m.checked_neg().map(|m| Expr::Lit(Value::Money(m))),
            _ => None,
        },
        Expr::All { items, cond } if items.filter.is_some() => {
            let filter = items.filter.take().unwrap();
            let cond = std::mem::replace(&mut **cond, Expr::Lit(Value::Bool(true)));
            Some(Expr::All {
                items: ItemSet {
                    list: items.list,
                    filter: None,
                },
                cond: bx(Expr::If {
                    cond: filter,
                    then: bx(cond),
                    otherwise: bx(Expr::Lit(Value::Bool(true))),
                }),
            })
        }
        _ => None,
    };
    if let Some(f) = folded {
        *e = f;
    }
}

/// Errors a random expression may earn on its own merits, whatever its
/// text: two conditions that contradict each other (`n == 1 and n == 2`).
fn legitimately_refused(codes: &[Code]) -> bool {
    codes.iter().all(|c| matches!(c, Code::NeverHolds))
}

fn round_trip(scheme: &Scheme, original: &Expr) -> Result<(), TestCaseError> {
    let text = print(scheme, original);
    // `PRINTED_SHOW=1 cargo test --test printed -- --nocapture` shows what is printed.
    if std::env::var_os("PRINTED_SHOW").is_some() {
        eprintln!("{text}");
    }
    match lowered(&text) {
        Ok(back) => {
            let mut want = original.clone();
            normalise(&mut want);
            prop_assert_eq!(back, want, "printed as `{}`", text);
            Ok(())
        }
        Err(codes) if legitimately_refused(&codes) => Err(TestCaseError::reject("contradiction")),
        Err(codes) => {
            let compiled = compile(&SourceFile::new("printed.bursar", source(&text)));
            let shown: Vec<String> = compiled
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.render(false))
                .collect();
            Err(TestCaseError::fail(format!(
                "`{text}` does not check back ({codes:?}):\n{}",
                shown.join("\n")
            )))
        }
    }
}

#[test]
fn the_issue_s_example_prints_as_policy_text() {
    let s = base();
    let ids = Ids::of(&s);
    let usd = |yuan: i64| Expr::Lit(Value::Money(Money::from_yuan(yuan).unwrap()));
    // max(0 USD, 1000 USD - (om ?? 0 USD))
    let e = Expr::Call {
        func: Builtin::Max,
        args: vec![
            usd(0),
            Expr::Arith {
                first: bx(usd(1000)),
                rest: vec![(
                    ArithOp::Sub,
                    Expr::Default {
                        field: ids.om,
                        default: bx(usd(0)),
                    },
                )],
            },
        ],
    };
    assert_eq!(print(&s, &e), "max(0 USD, 1000 USD - (om ?? 0 USD))");
    round_trip(&s, &e).unwrap();
}

#[test]
fn fixed_cases_print_and_parse_back() {
    let s = base();
    let cases = [
        // `??` binds looser than `-`, tighter than `in`.
        "(om ?? 0 USD) - m",
        "om ?? 0 USD - m",
        "(on ?? 0) in 1..=3",
        "on ?? 0 in {1, 2}",
        // `not`, `and`, `or` and their brackets.
        "not b and (b or adult)",
        "not (b and adult)",
        "b or adult and not b",
        "(b or adult) or b",
        "on is absent or on is present",
        "n not in 1..=3",
        "c not in {green, blue}",
        "c == Color.red",
        "sh in {Shade.red, dark}",
        // Literals.
        "m > -5 USD and m < 1000.50 USD",
        "n - -1 > -(n * 2)",
        "r > 5% and r < 2.0 and r != 0.125",
        "t == \"a \\\"b\\\" \\\\ c\\nd\"",
        "d + 12 months - 1 day <= 2024-12-31",
        "n in (-3)..=k",
        "d in 2024-01-01 ..= period.end",
        // Lists.
        "any certs where level in 1..=3 and kind in {Color.red, green}",
        "all certs where fee > 1 USD",
        "count(big) > 1",
        "sum(fee of certs where kind == green) > 0 USD",
        "if any big then max(level of big) > 2 else false",
        // Forms that reach to the right.
        "(if b then 1 else 2) + n > 3",
        "n + (if b then 1 else 2) > 3",
        "(any certs where level > 1) and b",
        "match c { red | green => 1, _ => n + 1 } >= 1",
        "round(m * 5%, fen, half_up) + fees[c] > std.high",
        // Postfix tests on postfix tests, comparisons on comparisons.
        "on is present in {true}",
        "(n in {1}) not in {false}",
        "b == adult != (n > 2)",
        "-(if b then 1 else 2) > 0 == (om ?? 0 USD in {1 USD})",
    ];
    for text in cases {
        let back = lowered(text).unwrap_or_else(|c| panic!("`{text}` does not check: {c:?}"));
        let printed = print(&s, &back);
        let again = lowered(&printed)
            .unwrap_or_else(|c| panic!("`{text}` printed as `{printed}` does not check: {c:?}"));
        assert_eq!(again, back, "`{text}` printed as `{printed}`");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, max_global_rejects: 3000, ..ProptestConfig::default() })]

    #[test]
    fn printed_expressions_parse_back_to_the_same_ir(
        choices in prop::collection::vec(any::<u32>(), 0..120),
        top in 0u32..6,
    ) {
        let s = base();
        let ids = Ids::of(&s);
        let mut g = Gen { ids: &ids, choices: &choices, at: 0 };
        let ctx = Ctx { depth: 4, item: false };
        let ty = [Type::Bool, Type::Int, Type::Money, Type::Date, Type::Decimal, Type::Enum(ids.color)][top as usize];
        let e = g.expr(ty, ctx);
        round_trip(&s, &e)?;
    }
}
