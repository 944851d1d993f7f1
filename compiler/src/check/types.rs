//! Typing operators: comparisons, `and`/`or` and arithmetic chains, `not`
//! and minus, `in` sets and ranges; the common type of several branches and
//! the messages for operands that do not go together.

use bursar_grammar::ast::{self, BinaryOp, ExprKind, Span, UnaryOp};
use bursar_runtime::ir::{self, Expr, Type, Value};
use bursar_runtime::Money;

use super::{Checker, Typed};
use crate::facts::{self, Facts};
use crate::problem::{Problem, Why};

impl Checker {
    /// Reports a type other than `want` (unless an error was already reported).
    pub(crate) fn expect_type(&mut self, t: &Typed, want: Type, span: Span, why: Why) {
        if let Some(ty) = t.ty {
            if (ty, want) == (Type::Unrounded, Type::Money) {
                let text = self.r.slice(span).to_string();
                self.r.report(span, Problem::Unrounded { text });
                return;
            }
            if ty != want {
                let (want, found) = (self.type_name(want), self.type_name(ty));
                self.r.report(span, Problem::Expected { want, found, why });
            }
        }
    }

    /// The common type of several expressions, reporting the first that differs.
    pub(super) fn unify(&mut self, items: &[(Option<Type>, Span)], why: Why) -> Option<Type> {
        let mut first: Option<(Type, Span)> = None;
        let mut ok = true;
        for (ty, span) in items {
            let Some(ty) = ty else {
                ok = false;
                continue;
            };
            match first {
                None => first = Some((*ty, *span)),
                Some((f, fspan)) if f != *ty => {
                    let (first_ty, ty) = (self.type_name(f), self.type_name(*ty));
                    self.r.report(
                        *span,
                        Problem::Differs {
                            first_ty,
                            ty,
                            first: fspan,
                            why,
                        },
                    );
                    ok = false;
                }
                Some(_) => {}
            }
        }
        if ok {
            first.map(|(t, _)| t)
        } else {
            None
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        facts: &Facts,
    ) -> Typed {
        let result = |expr: Expr, ty: Option<Type>| Typed {
            expr,
            ty,
            optional: false,
        };
        if op.chain_level().is_some() {
            return self.chain(lhs, &[(op, rhs)], facts);
        }
        match op {
            BinaryOp::Default => {
                if let Some((i, f)) = self.bare_item_field(lhs) {
                    let ty = f.ty;
                    let d = self.value(rhs, facts, Some(ty));
                    self.expect_type(&d, ty, rhs.span, Why::FieldDefault);
                    return result(
                        Expr::ItemDefault {
                            field: i,
                            default: Box::new(d.expr),
                        },
                        Some(ty),
                    );
                }
                let field = self.bare_field(lhs);
                let Some(field) = field else {
                    let t = self.expr(lhs, facts, None);
                    if t.ty.is_some() {
                        self.r.report(lhs.span, Problem::DefaultOfNonField);
                    }
                    return Typed::error();
                };
                self.mark_field(field);
                let ty = self.field_type(field);
                let d = self.value(rhs, facts, ty);
                if let Some(ty) = ty {
                    self.expect_type(&d, ty, rhs.span, Why::FieldDefault);
                }
                result(
                    Expr::Default {
                        field,
                        default: Box::new(d.expr),
                    },
                    ty,
                )
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::And
            | BinaryOp::Or
            | BinaryOp::Add
            | BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::Div => {
                let a = self.value(lhs, facts, None);
                // A bare enum value on the left is resolved against the right.
                let b = self.value(rhs, facts, a.ty);
                let (Some(ta), Some(tb)) = (a.ty, b.ty) else {
                    return Typed::error();
                };
                let cmp = match op {
                    BinaryOp::Eq => ir::CompareOp::Eq,
                    BinaryOp::Ne => ir::CompareOp::Ne,
                    BinaryOp::Lt => ir::CompareOp::Lt,
                    BinaryOp::Le => ir::CompareOp::Le,
                    BinaryOp::Gt => ir::CompareOp::Gt,
                    BinaryOp::Ge => ir::CompareOp::Ge,
                    // Chains were handled above; `??` has its own arm.
                    BinaryOp::And
                    | BinaryOp::Or
                    | BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Default => return Typed::error(),
                };
                let ordered = !matches!(cmp, ir::CompareOp::Eq | ir::CompareOp::Ne);
                if ta != tb {
                    self.mismatch(op, ta, tb, lhs.span, rhs.span, span);
                    return Typed::error();
                }
                if ordered && !ta.is_ordered() {
                    let ty = self.type_name(ta);
                    self.r.report(span, Problem::Unordered { op, ty });
                    return Typed::error();
                }
                result(
                    Expr::Compare {
                        op: cmp,
                        lhs: Box::new(a.expr),
                        rhs: Box::new(b.expr),
                    },
                    Some(Type::Bool),
                )
            }
        }
    }

    /// Checks a chain of operators of one level (`and`; `or`; `+` and `-`;
    /// `*`) left to right in one loop. Each term is checked once and, for
    /// `and`, narrows the facts once, so a chain of n terms costs O(n): the
    /// checker used to re-read the whole left side at every `and`.
    pub(super) fn chain(
        &mut self,
        first: &ast::Expr,
        rest: &[(BinaryOp, &ast::Expr)],
        facts: &Facts,
    ) -> Typed {
        match rest.first().map(|(op, _)| *op) {
            Some(BinaryOp::And) => self.and_chain(first, rest, facts),
            Some(BinaryOp::Or) => {
                let why = Why::JoinConditions;
                let a = self.value(first, facts, Some(Type::Bool));
                self.expect_type(&a, Type::Bool, first.span, why);
                let mut operands = vec![a.expr];
                for (_, e) in rest {
                    let b = self.value(e, facts, Some(Type::Bool));
                    self.expect_type(&b, Type::Bool, e.span, why);
                    operands.push(b.expr);
                }
                Typed {
                    expr: ir_or(operands),
                    ty: Some(Type::Bool),
                    optional: false,
                }
            }
            Some(BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div) => {
                let mut acc = self.value(first, facts, None);
                let mut steps = Vec::with_capacity(rest.len());
                let mut lspan = first.span;
                for (op, e) in rest {
                    // An operand's expected type helps name enum values;
                    // across `*` and `/` the types differ (money times a rate).
                    let hint = if matches!(op, BinaryOp::Add | BinaryOp::Sub) {
                        acc.ty
                    } else {
                        None
                    };
                    let b = self.value(e, facts, hint);
                    let arith = arith_op(*op);
                    let ty = match arith {
                        Some(arith) => self.arith_type(arith, *op, &acc, &b, lspan, e.span),
                        None => None,
                    };
                    lspan = lspan.to(e.span);
                    steps.push((arith.unwrap_or(ir::ArithOp::Add), b.expr));
                    acc.ty = ty;
                }
                Typed {
                    expr: ir_arith(acc.expr, steps),
                    ty: acc.ty,
                    optional: false,
                }
            }
            // The parser makes chains of `and`, `or`, `+`/`-` and `*` only.
            Some(
                BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::Default,
            )
            | None => self.value(first, facts, None),
        }
    }

    /// `a and b and …`: each term is checked knowing the terms before it
    /// hold (the absence rule), and a term that contradicts them is reported.
    pub(super) fn and_chain(
        &mut self,
        first: &ast::Expr,
        rest: &[(BinaryOp, &ast::Expr)],
        facts: &Facts,
    ) -> Typed {
        let why = Why::JoinConditions;
        let mut narrowed = facts.clone();
        let a = self.value(first, &narrowed, Some(Type::Bool));
        self.expect_type(&a, Type::Bool, first.span, why);
        // Whether the terms so far are typed, and whether they already
        // contradict each other (then nothing more is reported).
        let mut typed = a.ty.is_some();
        let mut conflict = self.assume(&mut narrowed, &a.expr, first.span).is_err();
        let mut span = first.span;
        let mut operands = vec![a.expr];
        for (_, rhs) in rest {
            let b = self.value(rhs, &narrowed, Some(Type::Bool));
            span = span.to(rhs.span);
            let rhs_alone = self
                .assume(&mut Facts::default(), &b.expr, rhs.span)
                .is_ok();
            if !conflict && rhs_alone && typed && b.ty.is_some() {
                if let Err(c) = self.assume(&mut narrowed, &b.expr, rhs.span) {
                    conflict = true;
                    let field = self.key_name(c.field);
                    self.r.report(
                        span,
                        Problem::ContradictsLeft {
                            field,
                            earlier: c.earlier,
                        },
                    );
                }
            } else if !conflict {
                conflict = self.assume(&mut narrowed, &b.expr, rhs.span).is_err();
            }
            self.expect_type(&b, Type::Bool, rhs.span, why);
            // Past the first term, the left side is a typed `and`.
            typed = true;
            operands.push(b.expr);
        }
        Typed {
            expr: ir_and(operands),
            ty: Some(Type::Bool),
            optional: false,
        }
    }

    /// The type of `a op b` for an arithmetic operator, reporting operands
    /// that do not go together; `None` after an error.
    pub(super) fn arith_type(
        &mut self,
        arith: ir::ArithOp,
        op: BinaryOp,
        a: &Typed,
        b: &Typed,
        lspan: Span,
        rspan: Span,
    ) -> Option<Type> {
        let (ta, tb) = (a.ty?, b.ty?);
        match arith.result(ta, tb) {
            Some(t) => Some(t),
            None => {
                self.mismatch(op, ta, tb, lspan, rspan, lspan.to(rspan));
                None
            }
        }
    }

    pub(super) fn mismatch(
        &mut self,
        op: BinaryOp,
        a: Type,
        b: Type,
        lspan: Span,
        rspan: Span,
        span: Span,
    ) {
        let (left_name, right_name) = (self.type_name(a), self.type_name(b));
        let _ = span;
        self.r.report(
            rspan,
            Problem::Operands {
                op,
                left: a,
                right: b,
                left_name,
                right_name,
                left_span: lspan,
            },
        );
    }

    pub(super) fn membership(&mut self, t: &Typed, set: &ast::Expr, facts: &Facts) -> Option<Expr> {
        let ty = t.ty?;
        match &set.kind {
            ExprKind::Set(items) => {
                let mut values = Vec::new();
                for item in items {
                    let v = self.value(item, facts, Some(ty));
                    let Some(vty) = v.ty else { continue };
                    if vty != ty {
                        let (set_ty, member_ty) = (self.type_name(ty), self.type_name(vty));
                        self.r
                            .report(item.span, Problem::SetMemberType { set_ty, member_ty });
                        continue;
                    }
                    match v.expr {
                        Expr::Lit(value) => values.push(value),
                        Expr::Field(..)
                        | Expr::Row(..)
                        | Expr::Lookup { .. }
                        | Expr::Not(..)
                        | Expr::Neg(..)
                        | Expr::And(..)
                        | Expr::Or(..)
                        | Expr::Compare { .. }
                        | Expr::Arith { .. }
                        | Expr::InSet { .. }
                        | Expr::InRange { .. }
                        | Expr::IsPresent(..)
                        | Expr::Let(..)
                        | Expr::RoundPart(_)
                        | Expr::Item(..)
                        | Expr::ItemPresent(..)
                        | Expr::Any(..)
                        | Expr::All { .. }
                        | Expr::Aggregate { .. }
                        | Expr::Round { .. }
                        | Expr::Default { .. }
                        | Expr::ItemDefault { .. }
                        | Expr::Call { .. }
                        | Expr::If { .. }
                        | Expr::Match { .. } => {
                            self.r.report(item.span, Problem::SetMemberNotLiteral);
                        }
                    }
                }
                if items.is_empty() {
                    self.r.report(set.span, Problem::EmptySet);
                }
                Some(Expr::InSet {
                    expr: Box::new(t.expr.clone()),
                    set: values,
                })
            }
            ExprKind::Range { lo, hi, inclusive } => {
                if !matches!(ty, Type::Int | Type::Money | Type::Date) {
                    let ty = self.type_name(ty);
                    self.r.report(set.span, Problem::NoRanges { ty });
                    return None;
                }
                let mut bound = |b: &Option<Box<ast::Expr>>| -> Option<Option<(Expr, Span)>> {
                    match b {
                        None => Some(None),
                        Some(b) => {
                            let v = self.value(b, facts, Some(ty));
                            let vty = v.ty?;
                            if vty != ty {
                                let (value_ty, bound_ty) =
                                    (self.type_name(ty), self.type_name(vty));
                                self.r
                                    .report(b.span, Problem::BoundType { value_ty, bound_ty });
                                return None;
                            }
                            Some(Some((v.expr, b.span)))
                        }
                    }
                };
                let lo = bound(lo)?;
                let hi = bound(hi)?;
                if lo.is_none() && hi.is_none() {
                    self.r.report(set.span, Problem::UnboundedRange);
                    return None;
                }
                if let (Some((Expr::Lit(a), _)), Some((Expr::Lit(b), _))) = (&lo, &hi) {
                    if let (Some(x), Some(y)) = (facts::ordinal(a), facts::ordinal(b)) {
                        if x > y || (x == y && !inclusive) {
                            let text = self.r.slice(set.span).to_string();
                            let equal_bounds = (x <= y).then(|| (show(a), show(b)));
                            self.r
                                .report(set.span, Problem::EmptyRange { text, equal_bounds });
                        }
                    }
                }
                Some(Expr::InRange {
                    expr: Box::new(t.expr.clone()),
                    lo: lo.map(|(e, _)| Box::new(e)),
                    hi: hi.map(|(e, _)| Box::new(e)),
                    inclusive: *inclusive,
                })
            }
            ExprKind::Bool(..)
            | ExprKind::Int(..)
            | ExprKind::Decimal(..)
            | ExprKind::Percent(..)
            | ExprKind::Money { .. }
            | ExprKind::Date(..)
            | ExprKind::DateTime(..)
            | ExprKind::Duration { .. }
            | ExprKind::Text(..)
            | ExprKind::Path(..)
            | ExprKind::Index { .. }
            | ExprKind::Call { .. }
            | ExprKind::Quantifier { .. }
            | ExprKind::Aggregate { .. }
            | ExprKind::Unary { .. }
            | ExprKind::Binary { .. }
            | ExprKind::Chain { .. }
            | ExprKind::In { .. }
            | ExprKind::Is { .. }
            | ExprKind::If { .. }
            | ExprKind::Match { .. } => {
                self.r.report(set.span, Problem::InNeedsSet);
                None
            }
        }
    }
}

impl Checker {
    /// `not x` and `-x`.
    pub(super) fn unary(
        &mut self,
        op: UnaryOp,
        expr: &ast::Expr,
        span: Span,
        facts: &Facts,
        want: Option<Type>,
    ) -> Typed {
        let known = |expr: Expr, ty: Type| Typed {
            expr,
            ty: Some(ty),
            optional: false,
        };
        match op {
            UnaryOp::Not => {
                let t = self.value(expr, facts, Some(Type::Bool));
                self.expect_type(&t, Type::Bool, expr.span, Why::NotCondition);
                Typed {
                    expr: Expr::Not(Box::new(t.expr)),
                    ty: t.ty.map(|_| Type::Bool),
                    optional: false,
                }
            }
            UnaryOp::Neg => {
                let t = self.value(expr, facts, want);
                // A negated literal is folded only when the negation
                // fits; otherwise it stays a negation, which the
                // evaluator reports as an overflow (never a literal of
                // the wrong sign).
                match (t.ty, t.expr) {
                    (Some(Type::Int), Expr::Lit(Value::Int(n))) if n.checked_neg().is_some() => {
                        known(Expr::Lit(Value::Int(-n)), Type::Int)
                    }
                    (Some(Type::Money), Expr::Lit(Value::Money(m)))
                        if m.checked_neg().is_some() =>
                    {
                        known(Expr::Lit(Value::Money(Money(-m.minor()))), Type::Money)
                    }
                    (
                        Some(ty @ (Type::Int | Type::Money | Type::Decimal | Type::Unrounded)),
                        inner,
                    ) => known(Expr::Neg(Box::new(inner)), ty),
                    (Some(ty), _) => {
                        let ty = self.type_name(ty);
                        self.r.report(span, Problem::CannotNegate { ty });
                        Typed::error()
                    }
                    (None, _) => Typed::error(),
                }
            }
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Date(d) => d.to_string(),
        Value::DateTime(t) => bursar_runtime::datetime::datetime_text(*t),
        Value::Money(m) => m.to_string(),
        other @ (Value::Bool(_)
        | Value::Text(_)
        | Value::Enum { .. }
        | Value::Duration(_)
        | Value::Decimal(_)
        | Value::List(_)) => format!("{other:?}"),
    }
}

/// The arithmetic an operator stands for, if any.
fn arith_op(op: BinaryOp) -> Option<ir::ArithOp> {
    match op {
        BinaryOp::Add => Some(ir::ArithOp::Add),
        BinaryOp::Sub => Some(ir::ArithOp::Sub),
        BinaryOp::Mul => Some(ir::ArithOp::Mul),
        BinaryOp::Div => Some(ir::ArithOp::Div),
        BinaryOp::Or
        | BinaryOp::And
        | BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::Default => None,
    }
}

/// `a and b and …` as IR: one node however long the chain.
fn ir_and(operands: Vec<Expr>) -> Expr {
    Expr::And(operands)
}

/// `a or b or …` as IR.
fn ir_or(operands: Vec<Expr>) -> Expr {
    Expr::Or(operands)
}

/// `a + b - c …` as IR: applied left to right.
fn ir_arith(first: Expr, rest: Vec<(ir::ArithOp, Expr)>) -> Expr {
    if rest.is_empty() {
        return first;
    }
    Expr::Arith {
        first: Box::new(first),
        rest,
    }
}
