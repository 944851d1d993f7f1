//! `payer` declarations: a second payer topping up the scheme's own award
//! for the applicants its `when` lines select, by a ratio and up to a cap.

use std::collections::HashMap;

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Type};

use super::Checker;
use crate::problem::{Decl, Problem};

impl Checker {
    pub(super) fn payers(
        &mut self,
        decls: &[&ast::PayerDecl],
        quotas: &[ir::Quota],
        rounds: &[ir::Round],
        categories: &[ir::Category],
    ) -> Vec<ir::Payer> {
        if let (Some(first), false) = (decls.first(), quotas.is_empty()) {
            self.r.report(first.name.span, Problem::PayerWithQuota);
        }
        // A top-up on an award paid in rounds or in stages: whether the cap
        // holds per round or per period, and when the top-up is paid, is
        // not decided, so the scheme is refused rather than guessed at.
        if let Some(first) = decls.first() {
            if !rounds.is_empty() {
                self.r.report(first.name.span, Problem::PayerWithRounds);
            } else if categories.iter().any(|c| !c.instalments.is_empty()) {
                self.r
                    .report(first.name.span, Problem::PayerWithInstalments);
            }
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::new();
        for d in decls {
            if d.name.name == ir::SCHEME_PAYER {
                self.r.report(d.name.span, Problem::PayerNamedScheme);
                continue;
            }
            if let Some(prev) = seen.insert(&d.name.name, d.name.span) {
                self.duplicate(Decl::Payer, &d.name, prev);
                continue;
            }
            if let Some(p) = self.payer(d) {
                out.push(p);
            }
        }
        out
    }

    fn payer(&mut self, d: &ast::PayerDecl) -> Option<ir::Payer> {
        let mut facts = self.base_facts.clone();
        let conditions: Vec<ir::Condition> = d
            .when
            .iter()
            .filter_map(|c| self.condition(c, ir::ConditionKind::When, &mut facts))
            .collect();
        let pay = match d.pay.as_slice() {
            [p] => p,
            [] => {
                self.r.report(
                    d.name.span,
                    Problem::PayerNoPay {
                        payer: d.name.name.clone(),
                    },
                );
                return None;
            }
            [_, p, ..] => {
                self.r.report(p.span, Problem::PayerTwoPays);
                return None;
            }
        };
        let side = |n: i64| {
            u32::try_from(n)
                .ok()
                .filter(|n| (1..=ir::MAX_RATIO).contains(n))
        };
        let (Some(per), Some(pays)) = (side(pay.per), side(pay.pays)) else {
            self.r.report(pay.ratio_span, Problem::BadRatio);
            return None;
        };
        let cap = match &pay.cap {
            None => None,
            Some(e) => {
                let t = self.value(e, &facts, Some(Type::Money));
                // A money literal: never below zero (the grammar has no
                // sign there).
                let ir::Expr::Lit(ir::Value::Money(m)) = t.expr else {
                    return None;
                };
                Some(m)
            }
        };
        if conditions.len() != d.when.len() {
            return None;
        }
        Some(ir::Payer {
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|t| t.value.clone()),
            clause: self.clause(d.clause.as_ref()),
            conditions,
            per,
            pays,
            cap,
            pay_clause: self.clause(pay.clause.as_ref()),
        })
    }
}
