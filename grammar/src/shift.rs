//! Moving a file's spans to its place in a multi-file source map.
//!
//! Every file of a policy (a child and the parents it extends) is parsed on
//! its own; adding the file's base offset to every span makes spans unique
//! across files, so one number says both which file and where. Each `match`
//! here is exhaustive: a new node kind does not build until it is shifted.

use crate::ast::*;

impl PolicyFile {
    /// Adds `by` to every span in the file.
    pub fn shift(&mut self, by: usize) {
        for item in &mut self.items {
            item.shift(by);
        }
    }
}

impl Span {
    fn shift(&mut self, by: usize) {
        self.start += by;
        self.end += by;
    }
}

impl Ident {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Text {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

fn clause(c: &mut Option<ClauseRef>, by: usize) {
    if let Some(c) = c {
        c.span.shift(by);
    }
}

fn text(t: &mut Option<Text>, by: usize) {
    if let Some(t) = t {
        t.shift(by);
    }
}

impl TypeRef {
    fn shift(&mut self, by: usize) {
        self.name.shift(by);
        self.span.shift(by);
    }
}

impl Entry {
    fn shift(&mut self, by: usize) {
        self.key.shift(by);
        self.value.shift(by);
        clause(&mut self.clause, by);
    }
}

impl Condition {
    fn shift(&mut self, by: usize) {
        self.expr.shift(by);
        clause(&mut self.clause, by);
        text(&mut self.label, by);
        self.span.shift(by);
    }
}

impl Planned {
    fn shift(&mut self, by: usize) {
        self.keyword.shift(by);
        self.span.shift(by);
    }
}

impl Item {
    fn shift(&mut self, by: usize) {
        match self {
            Item::Extends(t) => t.shift(by),
            Item::Override(inner) | Item::Extend(inner) => inner.shift(by),
            Item::RemoveCategory(name) => name.shift(by),
            Item::RemoveRow { table, row } => {
                table.shift(by);
                match row {
                    RowKey::Name(n) => n.shift(by),
                    RowKey::Int { span, .. } => span.shift(by),
                }
            }
            Item::RemoveCondition(c) => {
                match &mut c.kind {
                    RemovedKind::When(n) | RemovedKind::Unless(n) => n.shift(by),
                    RemovedKind::Require => {}
                }
                c.expr.shift(by);
                c.span.shift(by);
            }
            Item::RemoveDeadline(span) => span.shift(by),
            Item::Record(d) => {
                d.name.shift(by);
                text(&mut d.label, by);
                for f in &mut d.fields {
                    f.name.shift(by);
                    f.ty.shift(by);
                    text(&mut f.label, by);
                    f.span.shift(by);
                }
                d.span.shift(by);
            }
            Item::Let(d) => {
                d.name.shift(by);
                text(&mut d.label, by);
                d.value.shift(by);
                if let Some(f) = &mut d.filter {
                    f.shift(by);
                }
                clause(&mut d.clause, by);
                d.span.shift(by);
            }
            Item::Scheme(d) => {
                d.id.shift(by);
                d.entries.iter_mut().for_each(|e| e.shift(by));
                d.span.shift(by);
            }
            Item::Enum(d) => {
                d.name.shift(by);
                text(&mut d.label, by);
                for v in &mut d.variants {
                    v.name.shift(by);
                    text(&mut v.label, by);
                }
                d.span.shift(by);
            }
            Item::Applicant(d) => {
                text(&mut d.label, by);
                for f in &mut d.fields {
                    f.name.shift(by);
                    f.ty.shift(by);
                    text(&mut f.label, by);
                    f.span.shift(by);
                }
                d.span.shift(by);
            }
            Item::Clause(d) => {
                d.clause.span.shift(by);
                d.text.shift(by);
                d.span.shift(by);
            }
            Item::Table(d) => {
                d.name.shift(by);
                text(&mut d.label, by);
                clause(&mut d.clause, by);
                if let Some(k) = &mut d.key_type {
                    k.shift(by);
                }
                for r in &mut d.rows {
                    match &mut r.key {
                        RowKey::Name(n) => n.shift(by),
                        RowKey::Int { span, .. } => span.shift(by),
                    }
                    text(&mut r.label, by);
                    r.value.shift(by);
                    clause(&mut r.clause, by);
                    r.span.shift(by);
                }
                d.span.shift(by);
            }
            Item::Require(c) => c.shift(by),
            Item::Planned(p) => p.shift(by),
            Item::Calendar(d) => {
                d.name.shift(by);
                text(&mut d.label, by);
                d.years.iter_mut().for_each(|y| y.span.shift(by));
                for day in &mut d.days {
                    day.from_span.shift(by);
                    if let Some((_, span)) = &mut day.to {
                        span.shift(by);
                    }
                    text(&mut day.label, by);
                    day.span.shift(by);
                }
                d.span.shift(by);
            }
            Item::Category(d) => {
                d.name.shift(by);
                text(&mut d.label, by);
                clause(&mut d.clause, by);
                d.when
                    .iter_mut()
                    .chain(d.unless.iter_mut())
                    .for_each(|c| c.shift(by));
                for p in &mut d.pay {
                    p.expr.shift(by);
                    clause(&mut p.clause, by);
                    p.span.shift(by);
                }
                for i in &mut d.instalments {
                    clause(&mut i.clause, by);
                    for st in &mut i.stages {
                        if let Some(a) = &mut st.after {
                            a.shift(by);
                        }
                        st.amount.shift(by);
                        clause(&mut st.clause, by);
                        st.span.shift(by);
                    }
                    i.span.shift(by);
                }
                d.planned.iter_mut().for_each(|p| p.shift(by));
                d.span.shift(by);
            }
            Item::Award(d) => {
                clause(&mut d.clause, by);
                for h in &mut d.history {
                    h.list.shift(by);
                    clause(&mut h.clause, by);
                    h.span.shift(by);
                }
                for l in &mut d.limits {
                    l.count_span.shift(by);
                    match &mut l.scope {
                        LimitScope::Name(n) => n.shift(by),
                        LimitScope::Group { name, categories } => {
                            name.shift(by);
                            categories.iter_mut().for_each(|c| c.shift(by));
                        }
                        LimitScope::Keys { keys, span, .. } => {
                            keys.iter_mut().for_each(|k| k.shift(by));
                            span.shift(by);
                        }
                        LimitScope::Years { span, .. } => span.shift(by),
                    }
                    clause(&mut l.clause, by);
                    l.span.shift(by);
                }
                for c in &mut d.choices {
                    c.criteria.iter_mut().for_each(|i| i.shift(by));
                    clause(&mut c.clause, by);
                    c.span.shift(by);
                }
                d.planned.iter_mut().for_each(|p| p.shift(by));
                d.span.shift(by);
            }
            Item::Application(d) => {
                clause(&mut d.clause, by);
                d.entries.iter_mut().for_each(|e| e.shift(by));
                d.span.shift(by);
            }
            Item::Timeline(d) => {
                for s in &mut d.steps {
                    s.name.shift(by);
                    s.within.shift(by);
                    s.after.shift(by);
                    clause(&mut s.clause, by);
                    text(&mut s.label, by);
                    s.span.shift(by);
                }
                d.span.shift(by);
            }
            Item::Rounds(d) => {
                clause(&mut d.clause, by);
                for r in &mut d.rounds {
                    r.name.shift(by);
                    text(&mut r.label, by);
                    clause(&mut r.clause, by);
                    r.on.1.shift(by);
                    r.pay.shift(by);
                    r.paid.0 .1.shift(by);
                    r.paid.1 .1.shift(by);
                    r.span.shift(by);
                }
                d.span.shift(by);
            }
            Item::Payer(p) => {
                p.name.shift(by);
                text(&mut p.label, by);
                clause(&mut p.clause, by);
                for c in &mut p.when {
                    c.shift(by);
                }
                for pay in &mut p.pay {
                    pay.ratio_span.shift(by);
                    if let Some(cap) = &mut pay.cap {
                        cap.shift(by);
                    }
                    clause(&mut pay.clause, by);
                    pay.span.shift(by);
                }
                p.span.shift(by);
            }
            Item::Quota(q) => {
                q.name.shift(by);
                text(&mut q.label, by);
                clause(&mut q.clause, by);
                for c in &mut q.when {
                    c.shift(by);
                }
                for (_, span, c) in &mut q.places {
                    span.shift(by);
                    clause(c, by);
                }
                for b in &mut q.budget {
                    b.amount.shift(by);
                    clause(&mut b.clause, by);
                    b.span.shift(by);
                }
                for o in &mut q.order {
                    for k in &mut o.keys {
                        match k {
                            RankKey::Lot { span, .. } => span.shift(by),
                            RankKey::By { expr, span, .. } => {
                                expr.shift(by);
                                span.shift(by);
                            }
                        }
                    }
                    clause(&mut o.clause, by);
                    o.span.shift(by);
                }
                q.span.shift(by);
            }
        }
    }
}

impl Expr {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        match &mut self.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Percent(_)
            | ExprKind::Money { .. }
            | ExprKind::Date(_)
            | ExprKind::DateTime(_)
            | ExprKind::Duration { .. }
            | ExprKind::Text(_) => {}
            ExprKind::Path(p) => p.iter_mut().for_each(|i| i.shift(by)),
            ExprKind::Index { table, key } => {
                table.iter_mut().for_each(|i| i.shift(by));
                key.shift(by);
            }
            ExprKind::Call { func, args } => {
                func.shift(by);
                args.iter_mut().for_each(|a| a.shift(by));
            }
            ExprKind::Quantifier { list, filter, .. } => {
                list.iter_mut().for_each(|i| i.shift(by));
                if let Some(f) = filter {
                    f.shift(by);
                }
            }
            ExprKind::Aggregate {
                func,
                of,
                list,
                filter,
            } => {
                func.shift(by);
                list.iter_mut().for_each(|i| i.shift(by));
                of.iter_mut()
                    .chain(filter.iter_mut())
                    .for_each(|e| e.shift(by));
            }
            ExprKind::Unary { expr, .. } => expr.shift(by),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.shift(by);
                rhs.shift(by);
            }
            ExprKind::Chain { first, rest } => {
                first.shift(by);
                rest.iter_mut().for_each(|(_, e)| e.shift(by));
            }
            ExprKind::In { expr, set, .. } => {
                expr.shift(by);
                set.shift(by);
            }
            ExprKind::Set(items) => items.iter_mut().for_each(|i| i.shift(by)),
            ExprKind::Range { lo, hi, .. } => {
                lo.iter_mut().chain(hi.iter_mut()).for_each(|b| b.shift(by));
            }
            ExprKind::Is { expr, .. } => expr.shift(by),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                cond.shift(by);
                then.shift(by);
                otherwise.shift(by);
            }
            ExprKind::Match { scrutinee, arms } => {
                scrutinee.shift(by);
                for a in arms {
                    a.span.shift(by);
                    a.body.shift(by);
                    for p in &mut a.patterns {
                        p.shift(by);
                    }
                }
            }
        }
    }
}

impl Pattern {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        if let PatternKind::Range { lo, hi, .. } = &mut self.kind {
            lo.iter_mut().chain(hi.iter_mut()).for_each(|b| b.shift(by));
        }
    }
}
