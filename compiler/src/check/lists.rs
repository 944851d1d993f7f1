//! Records, lists and named values: `record Certificate { … }`, a field
//! `certificates list of Certificate`, `let` declarations, and the forms
//! that walk a list (`any`, `all`, `count`, `sum`, `min`, `max`).
//!
//! Inside a list's condition (`where …`) or item expression (`level of …`)
//! the item's fields are in scope by name, before the applicant's. Facts
//! about them are kept under [`facts::item_key`]s, so the absence,
//! exhaustiveness and contradiction checks work inside quantifiers as they
//! do outside. `min` and `max` of no items have no value: they may be read
//! only where `any` of the same items is known to hold.

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Expr, FieldId, ItemSet, RecordId, Type};

use super::builtins::COUNT;
use super::{Checker, Named, Typed};
use crate::facts::{self, Dom, Facts, ITEM_KEY};
use crate::names::closest;
use crate::problem::{Decl, Problem, Why};

impl Checker {
    pub(super) fn record_decl(&mut self, d: &ast::RecordDecl) {
        if let Some(prev) = self
            .records
            .iter()
            .position(|r| r.name == d.name.name)
            .and_then(|i| self.record_spans.get(i).copied())
        {
            self.duplicate(Decl::Record, &d.name, prev);
            return;
        }
        let mut fields: Vec<ir::Field> = Vec::new();
        for f in &d.fields {
            if fields.iter().any(|x| x.name == f.name.name) {
                self.duplicate(Decl::Field, &f.name, f.span);
                continue;
            }
            if f.ty.list {
                self.r.report(f.ty.span, Problem::ListInItem);
                continue;
            }
            let Some(ty) = self.resolve_type(&f.ty) else {
                continue;
            };
            fields.push(ir::Field {
                name: f.name.name.clone(),
                label: f.label.as_ref().map(|l| l.value.clone()),
                ty,
                optional: f.ty.optional,
            });
        }
        self.records.push(ir::RecordDef {
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|l| l.value.clone()),
            fields,
        });
        self.record_spans.push(d.name.span);
    }

    /// `let name = value`, `let name = list where condition`.
    pub(super) fn let_decl(&mut self, d: &ast::LetDecl) {
        let name = &d.name.name;
        let taken = self.field_id(name).is_some()
            || self.table_id(name).is_some()
            || self.named.iter().any(|(n, _, _)| n == name);
        if taken {
            let prev = self
                .named
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, _, s)| *s)
                .or_else(|| {
                    self.field_id(name)
                        .and_then(|f| self.field_spans.get(f as usize).copied())
                })
                .unwrap_or(d.name.span);
            self.duplicate(Decl::Name, &d.name, prev);
            return;
        }
        let clause = self.clause(d.clause.as_ref());
        // A list, filtered or not, names its items.
        if let Some((set, record)) = self.list_set(&d.value, false) {
            let set = match &d.filter {
                Some(filter) => match self.filtered(set, record, filter, &Facts::default()) {
                    Some(s) => s,
                    None => return,
                },
                None => set,
            };
            self.named
                .push((name.clone(), Named::Items { set, record }, d.name.span));
            return;
        }
        if let Some(filter) = &d.filter {
            self.r.report(filter.span, Problem::WhereNotAfterList);
            return;
        }
        let t = self.value(&d.value, &Facts::default(), None);
        self.expect_shallow(&t, d.value.span);
        let Some(ty) = t.ty else { return };
        let id = self.lets.len() as ir::LetId;
        self.lets.push(ir::Let {
            name: name.clone(),
            label: d.label.as_ref().map(|l| l.value.clone()),
            clause,
            ty,
            expr: t.expr,
        });
        self.named
            .push((name.clone(), Named::Value(id), d.name.span));
    }

    /// A named value by name.
    pub(super) fn named_value(&self, name: &str) -> Option<&Named> {
        self.named
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, _)| v)
    }

    /// What a path names if it is a list: a list field (every item) or a
    /// `let` of list items. `report`: say so when it is not.
    pub(super) fn list_set(&mut self, e: &ast::Expr, report: bool) -> Option<(ItemSet, RecordId)> {
        let ast::ExprKind::Path(path) = &e.kind else {
            if report {
                self.not_a_list(e.span, None);
            }
            return None;
        };
        let [name] = path.as_slice() else {
            if report {
                self.not_a_list(e.span, None);
            }
            return None;
        };
        self.list_by_name(name, report)
    }

    pub(super) fn list_by_name(
        &mut self,
        name: &ast::Ident,
        report: bool,
    ) -> Option<(ItemSet, RecordId)> {
        if let Some(Named::Items { set, record }) = self.named_value(&name.name) {
            return Some((set.clone(), *record));
        }
        if let Some(f) = self.field_id(&name.name) {
            if let Some(Type::List(r)) = self.field_type(f) {
                self.mark_field(f);
                return Some((
                    ItemSet {
                        list: f,
                        filter: None,
                    },
                    r,
                ));
            }
        }
        if report {
            self.not_a_list(name.span, Some(&name.name));
        }
        None
    }

    fn not_a_list(&mut self, span: Span, name: Option<&str>) {
        if name.is_some_and(|n| self.poisoned.iter().any(|p| p == n)) {
            return;
        }
        let lists: Vec<String> = self
            .fields
            .iter()
            .filter(|f| matches!(f.ty, Type::List(_)))
            .map(|f| f.name.clone())
            .chain(
                self.named
                    .iter()
                    .filter(|(_, v, _)| matches!(v, Named::Items { .. }))
                    .map(|(n, _, _)| n.clone()),
            )
            .collect();
        let suggestion = name
            .and_then(|n| closest(n, lists.iter().map(String::as_str)))
            .map(str::to_string);
        self.r.report(
            span,
            Problem::NotAList {
                name: name.map(str::to_string),
                lists,
                suggestion,
            },
        );
    }

    /// `set` narrowed by `filter`, checked on the items of `record`.
    pub(super) fn filtered(
        &mut self,
        set: ItemSet,
        record: RecordId,
        filter: &ast::Expr,
        facts: &Facts,
    ) -> Option<ItemSet> {
        let cond = self.in_items(record, set.list, |c| {
            let inner = c.item_facts(&set, record, facts);
            let t = c.value(filter, &inner, Some(Type::Bool));
            c.expect_type(&t, Type::Bool, filter.span, Why::WhereCondition);
            t
        });
        cond.ty?;
        let filter = match set.filter {
            None => cond.expr,
            Some(prev) => match *prev {
                Expr::And(mut items) => {
                    items.push(cond.expr);
                    Expr::And(items)
                }
                other => Expr::And(vec![other, cond.expr]),
            },
        };
        Some(ItemSet {
            list: set.list,
            filter: Some(Box::new(filter)),
        })
    }

    /// Runs `f` with the items of `record` (of list `list`) in scope.
    /// Lists inside a list's condition are refused where they are read.
    pub(super) fn in_items<T>(
        &mut self,
        record: RecordId,
        list: FieldId,
        f: impl FnOnce(&mut Checker) -> T,
    ) -> T {
        let outer = self.item_scope.replace((record, list));
        let out = f(self);
        self.item_scope = outer;
        out
    }

    /// The facts that hold for every item of `set`: the applicant's, and
    /// what the set's filter says of the item.
    pub(super) fn item_facts(&self, set: &ItemSet, record: RecordId, outer: &Facts) -> Facts {
        let mut facts = outer.clone();
        if let Some(filter) = &set.filter {
            let universe = |f: FieldId| self.key_type_in(Some(record), f);
            let variants = |t: Type| self.variant_count(t);
            let _ = facts.assume(filter, Span::default(), &universe, &variants);
        }
        facts
    }

    /// The type of a fact's key: an applicant field, or (inside a list) an
    /// item's field.
    pub(super) fn key_type(&self, key: FieldId) -> Option<Type> {
        self.key_type_in(self.item_scope.map(|(r, _)| r), key)
    }

    fn key_type_in(&self, record: Option<RecordId>, key: FieldId) -> Option<Type> {
        if key & ITEM_KEY == 0 {
            return self.field_type(key);
        }
        let r = self.records.get(record? as usize)?;
        r.fields.get((key & !ITEM_KEY) as usize).map(|f| f.ty)
    }

    /// A fact's key as the author wrote it.
    pub(super) fn key_name(&self, key: FieldId) -> String {
        if key & ITEM_KEY == 0 {
            return self.field(key).map_or(String::new(), |f| f.name.clone());
        }
        self.item_scope
            .and_then(|(r, _)| self.records.get(r as usize))
            .and_then(|r| r.fields.get((key & !ITEM_KEY) as usize))
            .map_or(String::new(), |f| f.name.clone())
    }

    /// An item's field by name, inside a list's condition.
    pub(super) fn item_field(&self, name: &str) -> Option<(FieldId, &ir::Field)> {
        let (r, _) = self.item_scope?;
        let record = self.records.get(r as usize)?;
        let i = record.fields.iter().position(|f| f.name == name)?;
        Some((i as FieldId, record.fields.get(i)?))
    }

    /// The item field `e` names, where `e` is a bare name inside `where`.
    pub(super) fn bare_item_field(&self, e: &ast::Expr) -> Option<(FieldId, &ir::Field)> {
        e.as_name().and_then(|i| self.item_field(&i.name))
    }

    /// The values `e` can have, where `e` is a field, an item's field, or
    /// `min`/`max` of an item's field (the items' filter narrows it).
    pub(super) fn dom_of(&self, e: &Expr, facts: &Facts) -> Dom {
        match e {
            Expr::Field(f) => facts.dom(*f),
            Expr::Item(i) => facts.dom(facts::item_key(*i)),
            Expr::Aggregate {
                func: ir::Aggregate::Min | ir::Aggregate::Max,
                items,
                of: Some(of),
                ..
            } => match (&**of, self.field_type(items.list)) {
                (Expr::Item(i), Some(Type::List(r))) => self
                    .item_facts(items, r, &Facts::default())
                    .dom(facts::item_key(*i)),
                _ => Dom::Any,
            },
            Expr::Lit(..)
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
            | Expr::ItemPresent(..)
            | Expr::Let(..)
            | Expr::RoundPart(_)
            | Expr::Any(..)
            | Expr::All { .. }
            | Expr::Aggregate { .. }
            | Expr::Round { .. }
            | Expr::Default { .. }
            | Expr::ItemDefault { .. }
            | Expr::Call { .. }
            | Expr::If { .. }
            | Expr::Match { .. } => Dom::Any,
        }
    }

    /// `any L [where C]`, `all L where C`.
    pub(super) fn quantifier(
        &mut self,
        quantifier: ast::Quantifier,
        list: &[ast::Ident],
        filter: Option<&ast::Expr>,
        span: Span,
        facts: &Facts,
    ) -> Typed {
        if self.nested_list(span) {
            return Typed::error();
        }
        let Some((set, record)) = self.list_path(list, span) else {
            return Typed::error();
        };
        let expr = match (quantifier, filter) {
            (ast::Quantifier::Any, None) => Expr::Any(set),
            (ast::Quantifier::Any, Some(f)) => match self.filtered(set, record, f, facts) {
                Some(set) => Expr::Any(set),
                None => return Typed::error(),
            },
            (ast::Quantifier::All, Some(f)) => {
                let cond = self.in_items(record, set.list, |c| {
                    let inner = c.item_facts(&set, record, facts);
                    let t = c.value(f, &inner, Some(Type::Bool));
                    c.expect_type(&t, Type::Bool, f.span, Why::AllWhereCondition);
                    t
                });
                if cond.ty.is_none() {
                    return Typed::error();
                }
                Expr::All {
                    items: set,
                    cond: Box::new(cond.expr),
                }
            }
            (ast::Quantifier::All, None) => {
                self.r.report(span, Problem::AllWithoutCondition);
                return Typed::error();
            }
        };
        Typed {
            expr,
            ty: Some(Type::Bool),
            optional: false,
        }
    }

    /// A path that must name a list.
    fn list_path(&mut self, list: &[ast::Ident], span: Span) -> Option<(ItemSet, RecordId)> {
        match list {
            [name] => self.list_by_name(name, true),
            _ => {
                self.not_a_list(span, None);
                None
            }
        }
    }

    /// Reports a list walked inside another list's condition.
    fn nested_list(&mut self, span: Span) -> bool {
        if self.item_scope.is_none() {
            return false;
        }
        self.r.report(span, Problem::NestedList);
        true
    }

    /// `count(L [where C])`, `sum(x of L [where C])`, `min(…)`, `max(…)`.
    pub(super) fn aggregate(
        &mut self,
        func: &ast::Ident,
        of: Option<&ast::Expr>,
        list: &[ast::Ident],
        filter: Option<&ast::Expr>,
        span: Span,
        facts: &Facts,
    ) -> Typed {
        let agg = match ir::Aggregate::from_name(&func.name) {
            Some(agg) => agg,
            None => {
                let suggestion =
                    closest(&func.name, ir::Aggregate::ALL.map(|a| a.name())).map(str::to_string);
                self.r.report(
                    func.span,
                    Problem::NotAggregate {
                        name: func.name.clone(),
                        suggestion,
                    },
                );
                return Typed::error();
            }
        };
        if self.nested_list(span) {
            return Typed::error();
        }
        let Some((set, record)) = self.list_path(list, span) else {
            return Typed::error();
        };
        let set = match filter {
            Some(f) => match self.filtered(set, record, f, facts) {
                Some(s) => s,
                None => return Typed::error(),
            },
            None => set,
        };
        let of_typed = match (agg, of) {
            (ir::Aggregate::Count, None) => None,
            (ir::Aggregate::Count, Some(of)) => {
                self.r.report(of.span, Problem::CountOf);
                return Typed::error();
            }
            (_, None) => {
                self.r.report(
                    span,
                    Problem::AggregateOfWhat {
                        func: func.name.clone(),
                    },
                );
                return Typed::error();
            }
            (_, Some(of)) => {
                let t = self.in_items(record, set.list, |c| {
                    let inner = c.item_facts(&set, record, facts);
                    c.value(of, &inner, None)
                });
                Some((t, of.span))
            }
        };
        let ty = match (&of_typed, agg) {
            (None, _) => Some(Type::Int),
            (Some((t, ospan)), ir::Aggregate::Sum) => match t.ty {
                Some(ty @ (Type::Int | Type::Decimal | Type::Money | Type::Unrounded)) => Some(ty),
                Some(other) => {
                    let ty = self.type_name(other);
                    self.r.report(*ospan, Problem::CannotSum { ty });
                    None
                }
                None => None,
            },
            (Some((t, ospan)), _) => match t.ty {
                Some(ty) if ty.is_ordered() => Some(ty),
                Some(other) => {
                    let ty = self.type_name(other);
                    self.r.report(
                        *ospan,
                        Problem::NotOrdered {
                            func: func.name.clone(),
                            ty,
                        },
                    );
                    None
                }
                None => None,
            },
        };
        let Some(ty) = ty else {
            return Typed::error();
        };
        if matches!(agg, ir::Aggregate::Min | ir::Aggregate::Max) && !facts.knows_some(&set) {
            let text = self.r.slice(span).to_string();
            let list = list.first().map_or(String::new(), |l| l.name.clone());
            let filter = filter.map(|f| self.r.slice(f.span).to_string());
            self.r
                .report(span, Problem::MaybeEmpty { text, list, filter });
        }
        Typed {
            expr: Expr::Aggregate {
                func: agg,
                items: set,
                of: of_typed.map(|(t, _)| Box::new(t.expr)),
                ty,
            },
            ty: Some(ty),
            optional: false,
        }
    }

    /// `count(members)`: a call of `count` on a list.
    pub(super) fn count_call(&mut self, args: &[ast::Expr], span: Span, facts: &Facts) -> Typed {
        let [arg] = args else {
            self.r.report(
                span,
                Problem::Arity {
                    func: COUNT.name.to_string(),
                    takes: COUNT.takes,
                    given: args.len(),
                    example: COUNT.example,
                },
            );
            return Typed::error();
        };
        let ast::ExprKind::Path(path) = &arg.kind else {
            self.not_a_list(arg.span, None);
            return Typed::error();
        };
        let func = ast::Ident {
            name: COUNT.name.into(),
            span,
        };
        self.aggregate(&func, None, path, None, span, facts)
    }
}
