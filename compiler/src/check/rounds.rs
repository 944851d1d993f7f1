//! The `rounds` block: several payments in the period, each with its
//! qualifying day, its amount and its payment window. Checked before
//! anything that may read `round.date` and the like (named values,
//! requirements, categories).

use std::collections::HashMap;

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Type};

use super::Checker;
use crate::facts::Facts;
use crate::problem::{Decl, Problem};

impl Checker {
    /// The rounds of the block (none without one). A block with mistakes
    /// still counts as declared, so `round.date` reports nothing more.
    pub(super) fn rounds(&mut self, decl: Option<&ast::RoundsDecl>) -> Vec<ir::Round> {
        let Some(d) = decl else {
            return Vec::new();
        };
        self.rounds_declared = true;
        if d.rounds.is_empty() {
            self.r.report(d.span, Problem::EmptyRounds);
        }
        let block_clause = self.clause(d.clause.as_ref());
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let mut out = Vec::new();
        for r in &d.rounds {
            if let Some(prev) = seen.insert(&r.name.name, r.name.span) {
                self.duplicate(Decl::Round, &r.name, prev);
                continue;
            }
            if let Some(round) = self.round_decl(r, block_clause.as_ref()) {
                out.push(round);
            }
        }
        out
    }

    fn round_decl(
        &mut self,
        r: &ast::RoundDecl,
        block_clause: Option<&String>,
    ) -> Option<ir::Round> {
        let clause = match &r.clause {
            Some(c) => self.clause(Some(c)),
            None => block_clause.cloned(),
        };
        let date = self.date(&r.on.0, r.on.1);
        let start = self.date(&r.paid.0 .0, r.paid.0 .1);
        let end = self.date(&r.paid.1 .0, r.paid.1 .1);
        let t = self.value(&r.pay, &Facts::default(), Some(Type::Money));
        let amount = match t.expr {
            ir::Expr::Lit(ir::Value::Money(m)) if m.minor() < 0 => {
                self.r.report(r.pay.span, Problem::NegativeRoundAmount);
                None
            }
            ir::Expr::Lit(ir::Value::Money(m)) => Some(m),
            _ => None,
        };
        let (date, start, end, amount) = (date?, start?, end?, amount?);
        if end < start {
            self.r.report(
                r.paid.1 .1,
                Problem::RoundWindowBackwards {
                    round: r.name.name.clone(),
                },
            );
            return None;
        }
        Some(ir::Round {
            name: r.name.name.clone(),
            label: r.label.as_ref().map(|t| t.value.clone()),
            clause,
            date,
            amount,
            paid: ir::Period { start, end },
        })
    }

    /// `round.date`, `round.amount`, `round.paid_start`, `round.paid_end`.
    pub(super) fn round_part(&mut self, span: Span, part: &ast::Ident) -> super::Typed {
        if !self.rounds_declared {
            self.r.report(span, Problem::NoRounds);
            return super::Typed::error();
        }
        match ir::RoundPart::ALL
            .into_iter()
            .find(|p| p.name() == part.name)
        {
            Some(p) => super::Typed {
                expr: ir::Expr::RoundPart(p),
                ty: Some(p.ty()),
                optional: false,
            },
            None => {
                self.r.report(
                    part.span,
                    Problem::UnknownRoundPart {
                        part: part.name.clone(),
                    },
                );
                super::Typed::error()
            }
        }
    }
}
