//! Checking expressions: one arm of [`Checker::expr`] per expression form,
//! each handing its form to the module that does that job: names in
//! `resolve.rs`, operators in `types.rs`, `match` and lookups in
//! `exhaustive.rs`, literals in `literal.rs`, calls of builtin functions in
//! `builtins.rs`, lists and `let` in `lists.rs`.
//!
//! The absence rule: an optional field (`int?`) may only be read where the
//! checker knows it is present, established by `x is present` earlier in the
//! same `and` chain, in an earlier `when` or `require` line, or in the
//! condition of an enclosing `if`; or with a default, `x ?? 0`. So an absent
//! value can never pay and never reaches an operator at run time.

use bursar_grammar::ast::{self, BinaryOp, ExprKind, Span};
use bursar_runtime::ir::{self, Expr, Type, Value};

use super::literal::duration_unit;
use super::{Checker, Typed};
use crate::facts::{Conflict, Facts};
use crate::problem::{Problem, Why};

impl Checker {
    /// Checks an expression whose value is read: an optional value here is an error.
    pub(crate) fn value(&mut self, e: &ast::Expr, facts: &Facts, want: Option<Type>) -> Typed {
        let mut t = self.expr(e, facts, want);
        if t.optional {
            let text = self.r.slice(e.span).to_string();
            self.r.report(e.span, Problem::OptionalRead { text });
            t.optional = false;
        }
        t
    }

    /// Reports an expression nested deeper than the runtime promises to
    /// evaluate (`ir::MAX_DEPTH`): brackets are bounded by the parser, but
    /// `if … else if …` and the like are not. Long chains of one operator
    /// are one node and never reach this.
    pub(crate) fn expect_shallow(&mut self, t: &Typed, span: Span) {
        if t.expr.depth() > ir::MAX_DEPTH {
            self.r
                .report(span, Problem::ExpressionTooDeep { max: ir::MAX_DEPTH });
        }
    }

    /// Adds what a condition establishes to `facts`.
    pub(crate) fn assume(
        &self,
        facts: &mut Facts,
        expr: &Expr,
        span: Span,
    ) -> Result<(), Conflict> {
        let universe = |f: ir::FieldId| self.key_type(f);
        let variants = |t: Type| self.variant_count(t);
        facts.assume(expr, span, &universe, &variants)
    }

    /// Checks any expression; the result may be optional.
    pub(crate) fn expr(&mut self, e: &ast::Expr, facts: &Facts, want: Option<Type>) -> Typed {
        let known = |expr: Expr, ty: Type| Typed {
            expr,
            ty: Some(ty),
            optional: false,
        };
        match &e.kind {
            ExprKind::Bool(b) => known(Expr::Lit(Value::Bool(*b)), Type::Bool),
            ExprKind::Int(n) => known(Expr::Lit(Value::Int(*n)), Type::Int),
            ExprKind::Decimal(d) => self.decimal(d, false, e.span),
            ExprKind::Percent(d) => self.decimal(d, true, e.span),
            ExprKind::Money { amount, unit } => match self.money(amount, unit, e.span) {
                Some(m) => known(Expr::Lit(Value::Money(m)), Type::Money),
                None => Typed::error(),
            },
            ExprKind::Date(d) => match self.date(d, e.span) {
                Some(d) => known(Expr::Lit(Value::Date(d)), Type::Date),
                None => Typed::error(),
            },
            ExprKind::DateTime(t) => match self.datetime(t, e.span) {
                Some(t) => known(Expr::Lit(Value::DateTime(t)), Type::DateTime),
                None => Typed::error(),
            },
            ExprKind::Duration { count, unit } => known(
                Expr::Lit(Value::Duration(
                    ir::Duration {
                        count: *count,
                        unit: duration_unit(*unit),
                    }
                    .into(),
                )),
                Type::Duration,
            ),
            ExprKind::Text(t) => known(Expr::Lit(Value::Text(t.clone())), Type::Text),
            ExprKind::Path(path) => self.path(path, e.span, facts, want),
            ExprKind::Index { table, key } => self.lookup(table, key, e.span, facts),
            ExprKind::Call { func, args } => self.call(func, args, e.span, facts),
            ExprKind::Quantifier {
                quantifier,
                list,
                filter,
            } => self.quantifier(*quantifier, list, filter.as_deref(), e.span, facts),
            ExprKind::Aggregate {
                func,
                of,
                list,
                filter,
            } => self.aggregate(func, of.as_deref(), list, filter.as_deref(), e.span, facts),
            ExprKind::Unary { op, expr } => self.unary(*op, expr, e.span, facts, want),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, facts),
            ExprKind::Chain { first, rest } => {
                let rest: Vec<(BinaryOp, &ast::Expr)> =
                    rest.iter().map(|(op, e)| (*op, e)).collect();
                self.chain(first, &rest, facts)
            }
            ExprKind::In { expr, negated, set } => {
                let t = self.value(expr, facts, None);
                let test = self.membership(&t, set, facts);
                match test {
                    Some(test) => known(
                        if *negated {
                            Expr::Not(Box::new(test))
                        } else {
                            test
                        },
                        Type::Bool,
                    ),
                    None => Typed::error(),
                }
            }
            ExprKind::Set(_) | ExprKind::Range { .. } => {
                self.r.report(e.span, Problem::SetOutsideIn);
                Typed::error()
            }
            ExprKind::Is { expr, present } => {
                if let Some((i, f)) = self.bare_item_field(expr) {
                    if !f.optional {
                        let name = f.name.clone();
                        self.r.report(e.span, Problem::NeverAbsent { name });
                    }
                    let test = Expr::ItemPresent(i);
                    return known(
                        if *present {
                            test
                        } else {
                            Expr::Not(Box::new(test))
                        },
                        Type::Bool,
                    );
                }
                let field = self.bare_field(expr);
                let Some(field) = field else {
                    let t = self.expr(expr, facts, None);
                    if t.ty.is_some() {
                        self.r.report(expr.span, Problem::PresenceOfNonField);
                    }
                    return Typed::error();
                };
                self.mark_field(field);
                if !self.field(field).is_some_and(|f| f.optional) {
                    let name = self.field(field).map_or(String::new(), |f| f.name.clone());
                    self.r.report(e.span, Problem::NeverAbsent { name });
                }
                let test = Expr::IsPresent(field);
                known(
                    if *present {
                        test
                    } else {
                        Expr::Not(Box::new(test))
                    },
                    Type::Bool,
                )
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.value(cond, facts, Some(Type::Bool));
                self.expect_type(&c, Type::Bool, cond.span, Why::IfCondition);
                let mut then_facts = facts.clone();
                let _ = self.assume(&mut then_facts, &c.expr, cond.span);
                let a = self.value(then, &then_facts, want);
                let b = self.value(otherwise, facts, want.or(a.ty));
                let ty = self.unify(
                    &[(a.ty, then.span), (b.ty, otherwise.span)],
                    Why::IfBranches,
                );
                Typed {
                    expr: Expr::If {
                        cond: Box::new(c.expr),
                        then: Box::new(a.expr),
                        otherwise: Box::new(b.expr),
                    },
                    ty,
                    optional: false,
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                self.match_expr(scrutinee, arms, e.span, facts, want)
            }
        }
    }
}
