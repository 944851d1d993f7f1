//! `instalments { now 500 元  after graduated_on 400 元 }` in a category: a
//! payment in stages. Lowered to the category's `pay`, the sum of the
//! stages due (those due now, and those whose field is recorded), so the
//! evaluator, the sign check and the reports need nothing new; the stages
//! themselves are kept in the IR for explanations and the cash flow.

use bursar_grammar::ast;
use bursar_runtime::ir::{self, ArithOp, Expr, Type, Value};
use bursar_runtime::Money;

use super::Checker;
use crate::facts::Facts;
use crate::problem::Problem;

impl Checker {
    /// The lowered `pay` and the stages, or `None` after an error.
    pub(super) fn instalments(
        &mut self,
        d: &ast::InstalmentsDecl,
    ) -> Option<(Expr, Vec<ir::Instalment>)> {
        if d.stages.is_empty() {
            self.r.report(d.span, Problem::EmptyInstalments);
            return None;
        }
        let block_clause = self.clause(d.clause.as_ref());
        let mut stages = Vec::new();
        let mut ok = true;
        for st in &d.stages {
            let t = self.value(&st.amount, &Facts::default(), Some(Type::Money));
            let amount = match t.expr {
                Expr::Lit(Value::Money(m)) if m < Money::ZERO => {
                    self.r.report(st.amount.span, Problem::NegativeInstalment);
                    None
                }
                Expr::Lit(Value::Money(m)) => Some(m),
                _ => None,
            };
            let after = match &st.after {
                None => Some(None),
                Some(name) => {
                    let found = self
                        .fields
                        .iter()
                        .position(|f| f.name == name.name)
                        .and_then(|i| u32::try_from(i).ok());
                    if let Some(f) = found {
                        // Named, if wrongly: not also "never read".
                        self.mark_field(f);
                    }
                    let date = found
                        .and_then(|f| self.field(f))
                        .is_some_and(|f| f.ty == Type::Date && f.optional);
                    match found {
                        Some(f) if date => Some(Some(f)),
                        Some(_) | None => {
                            self.r.report(
                                name.span,
                                Problem::InstalmentAfter {
                                    field: name.name.clone(),
                                },
                            );
                            None
                        }
                    }
                }
            };
            let clause = match &st.clause {
                Some(c) => self.clause(Some(c)),
                None => block_clause.clone(),
            };
            match (amount, after) {
                (Some(amount), Some(after)) => stages.push(ir::Instalment {
                    after,
                    amount,
                    clause,
                }),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
        // The stages due now together, then one term per later stage.
        let mut now = Money::ZERO;
        let mut rest = Vec::new();
        for st in &stages {
            match st.after {
                None => match now.checked_add(st.amount) {
                    Some(m) => now = m,
                    None => {
                        self.r.report(d.span, Problem::InstalmentsTooLarge);
                        return None;
                    }
                },
                Some(f) => rest.push((
                    ArithOp::Add,
                    Expr::If {
                        cond: Box::new(Expr::IsPresent(f)),
                        then: Box::new(Expr::Lit(Value::Money(st.amount))),
                        otherwise: Box::new(Expr::Lit(Value::Money(Money::ZERO))),
                    },
                )),
            }
        }
        let total = stages
            .iter()
            .try_fold(Money::ZERO, |acc, s| acc.checked_add(s.amount));
        if total.is_none() {
            self.r.report(d.span, Problem::InstalmentsTooLarge);
            return None;
        }
        let first = Expr::Lit(Value::Money(now));
        let pay = if rest.is_empty() {
            first
        } else {
            Expr::Arith {
                first: Box::new(first),
                rest,
            }
        };
        Some((pay, stages))
    }
}
