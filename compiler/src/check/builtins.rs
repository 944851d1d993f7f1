//! The builtin functions, in one table: each one's name, how it is checked
//! (its signature), what it takes and an example for the arity error. The
//! checker's name lookup, arity errors and did-you-mean candidates all come
//! from [`BUILTINS`]; the runtime knows the value functions by
//! `ir::Builtin` (`Builtin::ALL`, `Builtin::name`), and a test below holds
//! the two together.

use bursar_grammar::ast::{self, Span};
use bursar_runtime::ir::{self, Builtin, Expr, Type};

use super::{Checker, Typed};
use crate::facts::Facts;
use crate::names::closest;
use crate::problem::{Problem, Why};

/// How a function over values is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signature {
    /// One date, giving an int: `year(voc_issued)`.
    DatePart,
    /// Two or more values of one ordered type, giving that type: `min(a, b)`.
    Ordered,
}

/// What a name in call position stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// A function over values, evaluated by the runtime as `ir::Builtin`.
    Values(Builtin, Signature),
    /// `round(amount, unit, mode)`: lowered to `ir::Expr::Round`.
    Round,
    /// `count(list)`: the count aggregate over a whole list.
    Count,
    /// Written only over a list (`sum(x of list)`): known, so a typo of it
    /// is suggested, but not a call of values.
    ListOnly,
}

/// One builtin function.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub name: &'static str,
    pub form: Form,
    /// What it takes, for the arity error (`` `year` takes 1 argument ``).
    pub takes: &'static str,
    /// The help of the arity error. (`sum` is only ever written over a
    /// list, so its `takes` and `example` are never shown.)
    pub example: &'static str,
}

/// `count(list)`; its arity error is `Checker::count_call`'s.
pub(crate) const COUNT: Entry = Entry {
    name: "count",
    form: Form::Count,
    takes: "one list",
    example: "write `count(members)` or `count(members where age < 17)`",
};

/// `round(amount, unit, mode)`; its example is the help of every mistake in it.
pub(crate) const ROUND: Entry = Entry {
    name: "round",
    form: Form::Round,
    takes: "three arguments",
    example: "write `round(amount, fen, half_up)`: units `fen`, `yuan`, `ten`, `hundred`; modes `half_up`, `half_even`, `down`, `up`",
};

/// Every builtin function, in the order did-you-mean prefers them.
pub(crate) const BUILTINS: [Entry; 8] = [
    Entry {
        name: "year",
        form: Form::Values(Builtin::Year, Signature::DatePart),
        takes: "1 argument",
        example: "write `year(voc_issued)`",
    },
    Entry {
        name: "month",
        form: Form::Values(Builtin::Month, Signature::DatePart),
        takes: "1 argument",
        example: "write `month(voc_issued)`",
    },
    Entry {
        name: "day",
        form: Form::Values(Builtin::Day, Signature::DatePart),
        takes: "1 argument",
        example: "write `day(voc_issued)`",
    },
    Entry {
        name: "min",
        form: Form::Values(Builtin::Min, Signature::Ordered),
        takes: "two or more arguments",
        example: "write `min(a, b)`, or over a list `min(level of certificates)`",
    },
    Entry {
        name: "max",
        form: Form::Values(Builtin::Max, Signature::Ordered),
        takes: "two or more arguments",
        example: "write `max(a, b)`, or over a list `max(level of certificates)`",
    },
    COUNT,
    Entry {
        name: "sum",
        form: Form::ListOnly,
        takes: "a value of each item and a list",
        example: "write `sum(amount of members)`",
    },
    ROUND,
];

/// The help for an unknown function: the functions over values, then those
/// over lists (the aggregates, as the runtime names them).
pub(crate) fn functions_help() -> String {
    let values: Vec<String> = BUILTINS
        .iter()
        .filter(|b| !matches!(b.form, Form::Count | Form::ListOnly))
        .map(|b| format!("`{}`", b.name))
        .collect();
    let lists: Vec<String> = ir::Aggregate::ALL
        .iter()
        .map(|a| format!("`{}`", a.name()))
        .collect();
    format!(
        "functions are {}, and over lists {}",
        values.join(", "),
        lists.join(", ")
    )
}

impl Checker {
    /// A call of a builtin function (`year(d)`, `min(a, b)`, `round(…)`,
    /// `count(list)`), looked up in [`BUILTINS`].
    pub(super) fn call(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        facts: &Facts,
    ) -> Typed {
        let Some(entry) = BUILTINS.iter().find(|b| b.name == func.name) else {
            return self.unknown_function(func);
        };
        let (builtin, signature) = match entry.form {
            Form::Values(builtin, signature) => (builtin, signature),
            Form::Count => return self.count_call(args, span, facts),
            Form::Round => return self.round(args, span, facts),
            Form::ListOnly => return self.unknown_function(func),
        };
        let arity_ok = match signature {
            Signature::DatePart => args.len() == 1,
            Signature::Ordered => args.len() >= 2,
        };
        if !arity_ok {
            self.r.report(
                span,
                Problem::Arity {
                    func: func.name.clone(),
                    takes: entry.takes,
                    given: args.len(),
                    example: entry.example,
                },
            );
            return Typed::error();
        }
        let typed: Vec<Typed> = args.iter().map(|a| self.value(a, facts, None)).collect();
        let ty = match signature {
            Signature::DatePart => {
                if let (Some(t), Some(a)) = (typed.first(), args.first()) {
                    self.expect_type(t, Type::Date, a.span, Why::DateArgument);
                }
                typed.first().and_then(|t| t.ty).map(|_| Type::Int)
            }
            Signature::Ordered => {
                let items: Vec<(Option<Type>, Span)> = typed
                    .iter()
                    .zip(args)
                    .map(|(t, a)| (t.ty, a.span))
                    .collect();
                let ty = self.unify(&items, Why::MinMaxArguments);
                match ty {
                    None => ty,
                    Some(t) if t.is_ordered() => ty,
                    Some(other) => {
                        let ty = self.type_name(other);
                        self.r.report(
                            span,
                            Problem::NotOrdered {
                                func: func.name.clone(),
                                ty,
                            },
                        );
                        None
                    }
                }
            }
        };
        Typed {
            expr: Expr::Call {
                func: builtin,
                args: typed.into_iter().map(|t| t.expr).collect(),
            },
            ty,
            optional: false,
        }
    }

    /// A name in call position that is no function, with the closest
    /// builtin or the list of them.
    fn unknown_function(&mut self, func: &ast::Ident) -> Typed {
        let suggestion = closest(&func.name, BUILTINS.iter().map(|b| b.name)).map(str::to_string);
        self.r.report(
            func.span,
            Problem::UnknownFunction {
                name: func.name.clone(),
                suggestion,
            },
        );
        Typed::error()
    }

    /// `round(x, fen, half_up)`: an amount to a whole unit, by a mode.
    pub(super) fn round(&mut self, args: &[ast::Expr], span: Span, facts: &Facts) -> Typed {
        let [value, unit, mode] = args else {
            self.r.report(
                span,
                Problem::Arity {
                    func: ROUND.name.to_string(),
                    takes: ROUND.takes,
                    given: args.len(),
                    example: ROUND.example,
                },
            );
            return Typed::error();
        };
        let v = self.value(value, facts, None);
        let word = |e: &ast::Expr| e.as_name().map(|i| i.name.clone());
        let unit_ir =
            word(unit).and_then(|w| ir::RoundUnit::ALL.into_iter().find(|u| u.name() == w));
        let mode_ir = word(mode).and_then(|w| {
            bursar_runtime::decimal::RoundMode::ALL
                .into_iter()
                .find(|m| m.name() == w)
        });
        if unit_ir.is_none() {
            let found = self.r.slice(unit.span).to_string();
            let suggestion =
                closest(&found, ir::RoundUnit::ALL.map(|u| u.name())).map(str::to_string);
            self.r.report(
                unit.span,
                Problem::UnknownRoundUnit {
                    found,
                    example: ROUND.example,
                    suggestion,
                },
            );
        }
        if mode_ir.is_none() {
            let found = self.r.slice(mode.span).to_string();
            let suggestion = closest(
                &found,
                bursar_runtime::decimal::RoundMode::ALL.map(|m| m.name()),
            )
            .map(str::to_string);
            self.r.report(
                mode.span,
                Problem::UnknownRoundMode {
                    found,
                    example: ROUND.example,
                    suggestion,
                },
            );
        }
        match v.ty {
            Some(Type::Money | Type::Unrounded) | None => {}
            Some(other) => {
                let ty = self.type_name(other);
                self.r.report(value.span, Problem::RoundNotAmount { ty });
                return Typed::error();
            }
        }
        let (Some(unit), Some(mode), Some(_)) = (unit_ir, mode_ir, v.ty) else {
            return Typed::error();
        };
        Typed {
            expr: Expr::Round {
                value: Box::new(v.expr),
                unit,
                mode,
            },
            ty: Some(Type::Money),
            optional: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_builtin_has_one_entry_by_its_name() {
        for builtin in Builtin::ALL {
            let entries: Vec<&Entry> = BUILTINS
                .iter()
                .filter(|e| matches!(e.form, Form::Values(b, _) if b == builtin))
                .collect();
            assert_eq!(entries.len(), 1, "`{}`", builtin.name());
            assert_eq!(entries.first().map(|e| e.name), Some(builtin.name()));
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in BUILTINS.iter().enumerate() {
            assert!(
                BUILTINS.iter().skip(i + 1).all(|b| b.name != a.name),
                "`{}` twice",
                a.name
            );
        }
    }

    #[test]
    fn the_help_lists_the_functions_as_before() {
        assert_eq!(
            functions_help(),
            "functions are `year`, `month`, `day`, `min`, `max`, `round`, and over lists `count`, `sum`, `min`, `max`"
        );
    }
}
