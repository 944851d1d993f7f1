//! `quota` declarations: who competes for a pool's places, how many there
//! are, and the order they go in. Checked after the application block,
//! since a quota breaks ties and draws lots by the applicant's identifier.

use std::collections::HashMap;

use bursar_grammar::ast::{self, RankDirection, RankKey, Span};
use bursar_runtime::ir::{self, Type};

use super::Checker;
use crate::problem::{Decl, Problem, Why};

impl Checker {
    pub(super) fn quotas(
        &mut self,
        decls: &[&ast::QuotaDecl],
        application: Option<&ir::Application>,
    ) -> Vec<ir::Quota> {
        if let Some(first) = decls.first() {
            self.quota_identifier(first.name.span, application);
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::new();
        for d in decls {
            if let Some(prev) = seen.insert(&d.name.name, d.name.span) {
                self.duplicate(Decl::Quota, &d.name, prev);
                continue;
            }
            if let Some(q) = self.quota(d) {
                out.push(q);
            }
        }
        out
    }

    /// Ties are broken, and lots drawn, by the identifier: a quota needs
    /// one, always present and text.
    fn quota_identifier(&mut self, span: Span, application: Option<&ir::Application>) {
        let id = application.and_then(|a| a.identifier);
        let ok = id
            .and_then(|f| self.field(f))
            .is_some_and(|f| f.ty == Type::Text && !f.optional);
        if !ok {
            self.r.report(span, Problem::QuotaNeedsIdentifier);
        }
    }

    fn quota(&mut self, d: &ast::QuotaDecl) -> Option<ir::Quota> {
        let mut facts = self.base_facts.clone();
        let conditions: Vec<ir::Condition> = d
            .when
            .iter()
            .filter_map(|c| self.condition(c, ir::ConditionKind::When, &mut facts))
            .collect();
        let ration = self.ration(d, &facts);
        let pro_rata = matches!(ration, Some((ir::Ration::ProRata(_), _)));
        let order = match d.order.as_slice() {
            [o] => Some(o),
            // Shares pro rata are the same whatever the order.
            [] if pro_rata => None,
            [] => {
                self.r.report(
                    d.name.span,
                    Problem::QuotaNoOrder {
                        quota: d.name.name.clone(),
                    },
                );
                None
            }
            [_, o, ..] => {
                self.r.report(o.span, Problem::QuotaTwoOrders);
                None
            }
        };
        if let Some(extra) = order.and_then(|o| o.keys.get(ir::MAX_RANK_KEYS)) {
            let span = match extra {
                ast::RankKey::Lot { span, .. } | ast::RankKey::By { span, .. } => *span,
            };
            self.r.report(
                span,
                Problem::TooManyRankKeys {
                    max: ir::MAX_RANK_KEYS,
                },
            );
            return None;
        }
        let keys: Vec<ir::Rank> = order
            .map(|o| {
                o.keys
                    .iter()
                    .filter_map(|k| self.rank_key(k, &facts))
                    .collect()
            })
            .unwrap_or_default();
        let order_clause = order.and_then(|o| self.clause(o.clause.as_ref()));
        let (ration, ration_clause) = ration?;
        if (order.is_none() && !pro_rata) || keys.len() != order.map_or(0, |o| o.keys.len()) {
            return None;
        }
        Some(ir::Quota {
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|t| t.value.clone()),
            clause: self.clause(d.clause.as_ref()),
            conditions,
            ration,
            ration_clause,
            order: keys,
            order_clause,
        })
    }

    /// The one `places` or `budget` line.
    fn ration(
        &mut self,
        d: &ast::QuotaDecl,
        facts: &crate::facts::Facts,
    ) -> Option<(ir::Ration, Option<String>)> {
        let spans: Vec<Span> = d
            .places
            .iter()
            .map(|p| p.1)
            .chain(d.budget.iter().map(|b| b.span))
            .collect();
        if let [_, second, ..] = spans.as_slice() {
            self.r.report(*second, Problem::QuotaTwoRations);
            return None;
        }
        if let Some((n, span, clause)) = d.places.first() {
            let Ok(n) = u64::try_from(*n) else {
                self.r.report(*span, Problem::BadPlaces);
                return None;
            };
            return Some((ir::Ration::Places(n), self.clause(clause.as_ref())));
        }
        if let Some(b) = d.budget.first() {
            let t = self.value(&b.amount, facts, Some(Type::Money));
            let ir::Expr::Lit(ir::Value::Money(m)) = t.expr else {
                return None;
            };
            if m.minor() < 0 {
                self.r.report(b.amount.span, Problem::NegativeBudget);
                return None;
            }
            let ration = if b.pro_rata {
                ir::Ration::ProRata(m)
            } else {
                ir::Ration::Budget(m)
            };
            return Some((ration, self.clause(b.clause.as_ref())));
        }
        self.r.report(
            d.name.span,
            Problem::QuotaNoRation {
                quota: d.name.name.clone(),
            },
        );
        None
    }

    fn rank_key(&mut self, k: &RankKey, facts: &crate::facts::Facts) -> Option<ir::Rank> {
        match k {
            RankKey::Lot { seed, span } => match u64::try_from(*seed) {
                Ok(seed) => Some(ir::Rank::Lot { seed }),
                Err(_) => {
                    self.r.report(*span, Problem::BadSeed);
                    None
                }
            },
            RankKey::By {
                direction: None,
                expr,
                ..
            } => {
                let t = self.value(expr, facts, Some(Type::Bool));
                self.expect_type(&t, Type::Bool, expr.span, Why::RankCondition);
                t.ty?;
                Some(ir::Rank::By {
                    expr: t.expr,
                    order: ir::RankOrder::HoldsFirst,
                })
            }
            RankKey::By {
                direction: Some(direction),
                expr,
                span,
            } => {
                // An absent value ranks after every present one, so an
                // optional field may be named as it is.
                let t = self.expr(expr, facts, None);
                let ty = t.ty?;
                let (fits, order, word) = match direction {
                    RankDirection::Earliest => (is_time(ty), ir::RankOrder::Earliest, "earliest"),
                    RankDirection::Latest => (is_time(ty), ir::RankOrder::Latest, "latest"),
                    RankDirection::Highest => (is_amount(ty), ir::RankOrder::Highest, "highest"),
                    RankDirection::Lowest => (is_amount(ty), ir::RankOrder::Lowest, "lowest"),
                };
                if !fits {
                    let ty = ty.name(&self.enums);
                    self.r.report(*span, Problem::RankDirection { word, ty });
                    return None;
                }
                Some(ir::Rank::By {
                    expr: t.expr,
                    order,
                })
            }
        }
    }
}

fn is_time(ty: Type) -> bool {
    matches!(ty, Type::Date | Type::DateTime)
}

fn is_amount(ty: Type) -> bool {
    matches!(ty, Type::Int | Type::Money)
}
