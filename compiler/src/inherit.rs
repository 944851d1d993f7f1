//! Inheritance: `extends "parent.bursar"` starts from another policy and
//! changes it. Files are loaded through a [`Loader`] (the compiler does no IO),
//! each at its own offset in the source map, and merged into one syntax tree
//! that the checker sees as a single policy; spans keep pointing into the
//! file where the text is.
//!
//! What a child may do (see docs/language.md, "Next year's scheme"):
//! - `scheme`, `application`: settings merge, the child's win;
//! - `timeline`: steps merge by name; `award`: replaces the parent's;
//! - `clause`: replaces the parent's clause of that id, or adds one;
//! - new `table`, `category`, `enum`, `require`: added;
//! - `override table T { rows }`: replaces rows by key;
//! - `override category C { … }`: its `when`/`unless` lines (if any) replace
//!   all the parent's conditions, its `pay` (if any) the parent's `pay`;
//! - `remove category C`.
//!
//! Declaring again what the parent declared, or overriding what it did not,
//! is an error with a did-you-mean.

use bursar_grammar::ast::{
    CategoryDecl, Entry, EnumDecl, FieldDecl, Ident, Item, PolicyFile, RemovedCondition,
    RemovedKind, Span, TableDecl, Text,
};

use crate::diagnostic::{Reporter, SourceFile};
use crate::names::closest;
use crate::problem::{Decl, Problem};

/// Reads the files a policy extends.
pub trait Loader {
    /// Resolves `path` as written in `from` (a file name given earlier) and
    /// returns the file's name and text.
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String>;

    /// What tells files apart when looking for a cycle: two names of one
    /// file (`sub/../p.bursar`, a path through a link) give one key. A
    /// file system loader gives the canonical path; by default, the name.
    fn key(&self, name: &str) -> String {
        name.to_string()
    }
}

/// A loader for single files: `extends` is an error.
pub struct NoLoader;

impl Loader for NoLoader {
    fn load(&self, _from: &str, _path: &str) -> Result<(String, String), String> {
        Err("this compilation reads one file only".into())
    }
}

/// Loads a policy and everything it extends, merged into one tree. `chain`
/// holds the [`Loader::key`] of each file from the root down to `source`.
pub(crate) fn load(
    source: &SourceFile,
    loader: &dyn Loader,
    r: &mut Reporter,
    chain: &mut Vec<String>,
) -> Option<PolicyFile> {
    let base = r.sources_mut().add(source.clone());
    crate::unicode::scan(source.text(), base, r);
    let mut file = match bursar_grammar::parse(source.text()) {
        Ok(f) => f,
        Err(errors) => {
            for mut e in errors {
                e.span = Span::new(e.span.start + base, e.span.end + base);
                crate::syntax::report(r, &e);
            }
            return None;
        }
    };
    file.shift(base);
    let extends: Vec<&Text> = file
        .items
        .iter()
        .filter_map(|i| {
            if let Item::Extends(t) = i {
                Some(t)
            } else {
                None
            }
        })
        .collect();
    let parent_path = match extends.as_slice() {
        [] => return Some(file),
        [one] => (*one).clone(),
        [first, second, ..] => {
            r.report(second.span, Problem::TwoParents { first: first.span });
            return None;
        }
    };
    let (name, text) = match loader.load(source.name(), &parent_path.value) {
        Ok(x) => x,
        Err(e) => {
            r.report(
                parent_path.span,
                Problem::CannotRead {
                    path: parent_path.value.clone(),
                    reason: e,
                },
            );
            return None;
        }
    };
    let key = loader.key(&name);
    if chain.contains(&key) {
        let mut cycle = chain.clone();
        cycle.push(key);
        r.report(parent_path.span, Problem::ExtendsCycle { chain: cycle });
        return None;
    }
    chain.push(key);
    let parent = load(&SourceFile::new(name, text), loader, r, chain)?;
    chain.pop();
    Some(merge(parent, file, r))
}

fn merge(parent: PolicyFile, child: PolicyFile, r: &mut Reporter) -> PolicyFile {
    let mut items: Vec<Item> = parent
        .items
        .into_iter()
        .filter(|i| !matches!(i, Item::Extends(_)))
        .collect();
    for item in child.items {
        match item {
            Item::Extends(_) => {}
            Item::Planned(p) => items.push(Item::Planned(p)),
            // A quota of the parent's name is replaced; a new one is added.
            Item::Quota(d) => {
                items.retain(|i| !matches!(i, Item::Quota(q) if q.name.name == d.name.name));
                items.push(Item::Quota(d));
            }
            // Likewise a payer.
            Item::Payer(d) => {
                items.retain(|i| !matches!(i, Item::Payer(q) if q.name.name == d.name.name));
                items.push(Item::Payer(d));
            }
            // A `rounds` block replaces the parent's, round for round.
            Item::Rounds(d) => {
                items.retain(|i| !matches!(i, Item::Rounds(_)));
                items.push(Item::Rounds(d));
            }
            Item::Scheme(mut d) => match items.iter_mut().find_map(|i| {
                if let Item::Scheme(p) = i {
                    Some(p)
                } else {
                    None
                }
            }) {
                Some(p) => {
                    merge_entries(&mut p.entries, std::mem::take(&mut d.entries));
                    p.id = d.id;
                    p.span = d.span;
                }
                None => items.push(Item::Scheme(d)),
            },
            Item::Application(mut d) => match items.iter_mut().find_map(|i| {
                if let Item::Application(p) = i {
                    Some(p)
                } else {
                    None
                }
            }) {
                Some(p) => {
                    merge_entries(&mut p.entries, std::mem::take(&mut d.entries));
                    if d.clause.is_some() {
                        p.clause = d.clause;
                    }
                }
                None => items.push(Item::Application(d)),
            },
            Item::Timeline(d) => match items.iter_mut().find_map(|i| {
                if let Item::Timeline(p) = i {
                    Some(p)
                } else {
                    None
                }
            }) {
                Some(p) => {
                    for step in d.steps {
                        match p.steps.iter_mut().find(|s| s.name.name == step.name.name) {
                            Some(old) => *old = step,
                            None => p.steps.push(step),
                        }
                    }
                }
                None => items.push(Item::Timeline(d)),
            },
            Item::Award(d) => {
                items.retain(|i| !matches!(i, Item::Award(_)));
                items.push(Item::Award(d));
            }
            Item::Clause(d) => match items.iter_mut().find_map(|i| {
                if let Item::Clause(p) = i {
                    (p.clause.id == d.clause.id).then_some(p)
                } else {
                    None
                }
            }) {
                Some(p) => *p = d,
                None => items.push(Item::Clause(d)),
            },
            Item::Applicant(d) => {
                let Some(parent) = items.iter_mut().find_map(|i| {
                    if let Item::Applicant(p) = i {
                        Some(p)
                    } else {
                        None
                    }
                }) else {
                    items.push(Item::Applicant(d));
                    continue;
                };
                add_fields(&mut parent.fields, d.fields, None, r);
            }
            Item::Record(d) => {
                if let Some(prev) = items.iter().find_map(|i| {
                    if let Item::Record(p) = i {
                        (p.name.name == d.name.name).then_some(p.name.span)
                    } else {
                        None
                    }
                }) {
                    r.report(
                        d.name.span,
                        Problem::RecordInParent {
                            name: d.name.name.clone(),
                            parent: prev,
                        },
                    );
                } else {
                    items.push(Item::Record(d));
                }
            }
            // A child's named value replaces the parent's of that name, as
            // settings and clauses do: a date or amount written once.
            Item::Let(d) => match items.iter_mut().find_map(|i| {
                if let Item::Let(p) = i {
                    (p.name.name == d.name.name).then_some(p)
                } else {
                    None
                }
            }) {
                Some(p) => *p = d,
                None => items.push(Item::Let(d)),
            },
            Item::Extend(inner) => match *inner {
                Item::Table(d) => extend_table(&mut items, d, r),
                Item::Category(d) => extend_category(&mut items, d, r),
                Item::Enum(d) => extend_enum(&mut items, d, r),
                Item::Record(d) => {
                    match items.iter_mut().find_map(|i| {
                        if let Item::Record(p) = i {
                            (p.name.name == d.name.name).then_some(p)
                        } else {
                            None
                        }
                    }) {
                        Some(p) => {
                            add_fields(&mut p.fields, d.fields, Some(&d.name.name), r);
                        }
                        None => nothing_to_change(r, Decl::Record, &d.name),
                    }
                }
                // The parent's calendar gets the days; a built-in one is
                // extended by the checker.
                Item::Calendar(d) => match items.iter_mut().find_map(|i| {
                    if let Item::Calendar(p) = i {
                        (p.name.name == d.name.name).then_some(p)
                    } else {
                        None
                    }
                }) {
                    Some(p) => {
                        if !d.years.is_empty() {
                            p.years = d.years;
                        }
                        p.days.extend(d.days);
                    }
                    None => items.push(Item::Extend(Box::new(Item::Calendar(d)))),
                },
                // What `extend` cannot change is kept for the checker to
                // report; a new kind of item says here which it is.
                other @ (Item::Extends(..)
                | Item::Override(..)
                | Item::Extend(..)
                | Item::RemoveCategory(..)
                | Item::RemoveRow { .. }
                | Item::RemoveCondition(..)
                | Item::RemoveDeadline(..)
                | Item::Scheme(..)
                | Item::Applicant(..)
                | Item::Let(..)
                | Item::Clause(..)
                | Item::Require(..)
                | Item::Award(..)
                | Item::Application(..)
                | Item::Timeline(..)
                | Item::Quota(..)
                | Item::Rounds(..)
                | Item::Payer(..)
                | Item::Planned(..)) => items.push(Item::Extend(Box::new(other))),
            },
            Item::RemoveRow { table, row } => {
                let key = row.text();
                let found = items.iter_mut().find_map(|i| {
                    if let Item::Table(t) = i {
                        (t.name.name == table.name).then_some(t)
                    } else {
                        None
                    }
                });
                match found {
                    Some(t) => {
                        let before = t.rows.len();
                        t.rows.retain(|r| r.key.text() != key);
                        if t.rows.len() == before {
                            let rows: Vec<String> = t.rows.iter().map(|r| r.key.text()).collect();
                            let suggestion = suggestion(&key, &rows);
                            r.report(
                                row.span(),
                                Problem::NoRowToRemove {
                                    table: table.name.clone(),
                                    row: key,
                                    rows,
                                    suggestion,
                                },
                            );
                        }
                    }
                    None => nothing_to_change(r, Decl::Table, &table),
                }
            }
            Item::RemoveCondition(c) => remove_condition(&mut items, c, r),
            Item::RemoveDeadline(span) => {
                let removed = items.iter_mut().any(|i| match i {
                    Item::Application(a) => {
                        let before = a.entries.len();
                        a.entries.retain(|e| e.key.name != "deadline");
                        a.entries.len() != before
                    }
                    Item::Extends(..)
                    | Item::Override(..)
                    | Item::Extend(..)
                    | Item::RemoveCategory(..)
                    | Item::RemoveRow { .. }
                    | Item::RemoveCondition(..)
                    | Item::RemoveDeadline(..)
                    | Item::Scheme(..)
                    | Item::Enum(..)
                    | Item::Record(..)
                    | Item::Applicant(..)
                    | Item::Let(..)
                    | Item::Clause(..)
                    | Item::Table(..)
                    | Item::Require(..)
                    | Item::Category(..)
                    | Item::Award(..)
                    | Item::Timeline(..)
                    | Item::Quota(..)
                    | Item::Rounds(..)
                    | Item::Payer(..)
                    | Item::Calendar(..)
                    | Item::Planned(..) => false,
                });
                if !removed {
                    r.report(span, Problem::NoDeadlineToRemove);
                }
            }
            Item::Enum(d) => {
                if let Some(prev) = items.iter().find_map(|i| {
                    if let Item::Enum(p) = i {
                        (p.name.name == d.name.name).then_some(p.name.span)
                    } else {
                        None
                    }
                }) {
                    r.report(
                        d.name.span,
                        Problem::EnumInParent {
                            name: d.name.name.clone(),
                            parent: prev,
                        },
                    );
                } else {
                    items.push(Item::Enum(d));
                }
            }
            Item::Calendar(d) => {
                if let Some(prev) = items.iter().find_map(|i| {
                    if let Item::Calendar(p) = i {
                        (p.name.name == d.name.name).then_some(p.name.span)
                    } else {
                        None
                    }
                }) {
                    r.report(
                        d.name.span,
                        Problem::CalendarDeclaredByParent {
                            name: d.name.name.clone(),
                            parent: prev,
                        },
                    );
                } else {
                    items.push(Item::Calendar(d));
                }
            }
            Item::Require(c) => items.push(Item::Require(c)),
            Item::Table(d) => {
                if let Some(prev) = find_table(&items, &d.name.name).map(|t| t.name.span) {
                    r.report(
                        d.name.span,
                        Problem::TableInParent {
                            name: d.name.name.clone(),
                            parent: prev,
                        },
                    );
                } else {
                    items.push(Item::Table(d));
                }
            }
            Item::Category(d) => {
                if let Some(prev) = find_category(&items, &d.name.name).map(|c| c.name.span) {
                    r.report(
                        d.name.span,
                        Problem::CategoryInParent {
                            name: d.name.name.clone(),
                            parent: prev,
                        },
                    );
                } else {
                    items.push(Item::Category(d));
                }
            }
            Item::Override(inner) => match *inner {
                Item::Table(d) => override_table(&mut items, d, r),
                Item::Category(d) => override_category(&mut items, d, r),
                // As for `extend`: kept for the checker to report.
                other @ (Item::Extends(..)
                | Item::Override(..)
                | Item::Extend(..)
                | Item::RemoveCategory(..)
                | Item::RemoveRow { .. }
                | Item::RemoveCondition(..)
                | Item::RemoveDeadline(..)
                | Item::Scheme(..)
                | Item::Enum(..)
                | Item::Record(..)
                | Item::Applicant(..)
                | Item::Let(..)
                | Item::Clause(..)
                | Item::Require(..)
                | Item::Award(..)
                | Item::Application(..)
                | Item::Timeline(..)
                | Item::Quota(..)
                | Item::Rounds(..)
                | Item::Payer(..)
                | Item::Calendar(..)
                | Item::Planned(..)) => items.push(Item::Override(Box::new(other))),
            },
            Item::RemoveCategory(name) => {
                let before = items.len();
                items.retain(|i| !matches!(i, Item::Category(c) if c.name.name == name.name));
                if items.len() == before {
                    let categories = category_names(&items);
                    let suggestion = suggestion(&name.name, &categories);
                    r.report(
                        name.span,
                        Problem::NoCategoryToRemove {
                            name: name.name,
                            categories,
                            suggestion,
                        },
                    );
                }
            }
        }
    }
    PolicyFile { items }
}

/// Adds a child's fields to the parent's, refusing a name the parent has.
/// `record` is `None` for the applicant.
fn add_fields(
    parent: &mut Vec<FieldDecl>,
    child: Vec<FieldDecl>,
    record: Option<&str>,
    r: &mut Reporter,
) {
    for f in child {
        if let Some(prev) = parent.iter().find(|p| p.name.name == f.name.name) {
            r.report(
                f.name.span,
                Problem::FieldInParent {
                    record: record.map(str::to_string),
                    field: f.name.name.clone(),
                    parent: prev.name.span,
                },
            );
        } else {
            parent.push(f);
        }
    }
}

fn nothing_to_change(r: &mut Reporter, what: Decl, name: &Ident) {
    r.report(
        name.span,
        Problem::NothingToChange {
            what,
            name: name.name.clone(),
        },
    );
}

/// The closest of `known` to a mistyped `name`.
fn suggestion(name: &str, known: &[String]) -> Option<String> {
    closest(name, known.iter().map(String::as_str)).map(str::to_string)
}

fn extend_table(items: &mut [Item], d: TableDecl, r: &mut Reporter) {
    let Some(table) = items.iter_mut().find_map(|i| {
        if let Item::Table(t) = i {
            (t.name.name == d.name.name).then_some(t)
        } else {
            None
        }
    }) else {
        return nothing_to_change(r, Decl::Table, &d.name);
    };
    for row in d.rows {
        let key = row.key.text();
        if let Some(prev) = table.rows.iter().find(|p| p.key.text() == key) {
            r.report(
                row.key.span(),
                Problem::RowInParent {
                    table: table.name.name.clone(),
                    row: key,
                    parent: prev.key.span(),
                },
            );
        } else {
            table.rows.push(row);
        }
    }
}

fn extend_category(items: &mut [Item], d: CategoryDecl, r: &mut Reporter) {
    let Some(cat) = items.iter_mut().find_map(|i| {
        if let Item::Category(c) = i {
            (c.name.name == d.name.name).then_some(c)
        } else {
            None
        }
    }) else {
        return nothing_to_change(r, Decl::Category, &d.name);
    };
    cat.when.extend(d.when);
    cat.unless.extend(d.unless);
    // A `pay` line or an `instalments` block replaces whichever of the two
    // the parent had.
    if !d.pay.is_empty() {
        cat.pay = d.pay;
        cat.instalments.clear();
    }
    if !d.instalments.is_empty() {
        cat.instalments = d.instalments;
        cat.pay.clear();
    }
    // Planned lines are kept so that the checker reports them.
    cat.planned.extend(d.planned);
}

fn extend_enum(items: &mut [Item], d: EnumDecl, r: &mut Reporter) {
    let Some(e) = items.iter_mut().find_map(|i| {
        if let Item::Enum(e) = i {
            (e.name.name == d.name.name).then_some(e)
        } else {
            None
        }
    }) else {
        return nothing_to_change(r, Decl::Enum, &d.name);
    };
    for v in d.variants {
        if let Some(prev) = e.variants.iter().find(|p| p.name.name == v.name.name) {
            r.report(
                v.name.span,
                Problem::ValueInParent {
                    name: e.name.name.clone(),
                    value: v.name.name.clone(),
                    parent: prev.name.span,
                },
            );
        } else {
            e.variants.push(v);
        }
    }
}

/// `remove when CATEGORY EXPR`: drops the parent's condition written the
/// same way (white space aside).
fn remove_condition(items: &mut Vec<Item>, c: RemovedCondition, r: &mut Reporter) {
    let text = |r: &Reporter, span: Span| -> String {
        r.slice(span)
            .chars()
            .filter(|ch| !ch.is_whitespace())
            .collect()
    };
    let wanted = text(r, c.expr.span);
    let removed = match &c.kind {
        RemovedKind::Require => {
            let before = items.len();
            items.retain(|i| !matches!(i, Item::Require(p) if text(r, p.expr.span) == wanted));
            items.len() != before
        }
        RemovedKind::When(name) | RemovedKind::Unless(name) => {
            let Some(cat) = items.iter_mut().find_map(|i| {
                if let Item::Category(x) = i {
                    (x.name.name == name.name).then_some(x)
                } else {
                    None
                }
            }) else {
                return nothing_to_change(r, Decl::Category, name);
            };
            let list = if matches!(c.kind, RemovedKind::When(_)) {
                &mut cat.when
            } else {
                &mut cat.unless
            };
            let before = list.len();
            list.retain(|p| text(r, p.expr.span) != wanted);
            list.len() != before
        }
    };
    if !removed {
        r.report(c.expr.span, Problem::NoConditionToRemove);
    }
}

fn merge_entries(parent: &mut Vec<Entry>, child: Vec<Entry>) {
    for e in child {
        match parent.iter_mut().find(|p| p.key.name == e.key.name) {
            Some(p) => *p = e,
            None => parent.push(e),
        }
    }
}

fn find_table<'a>(items: &'a [Item], name: &str) -> Option<&'a TableDecl> {
    items.iter().find_map(|i| {
        if let Item::Table(t) = i {
            (t.name.name == name).then_some(t)
        } else {
            None
        }
    })
}

fn find_category<'a>(items: &'a [Item], name: &str) -> Option<&'a CategoryDecl> {
    items.iter().find_map(|i| {
        if let Item::Category(c) = i {
            (c.name.name == name).then_some(c)
        } else {
            None
        }
    })
}

fn category_names(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Category(c) => Some(c.name.name.clone()),
            Item::Extends(..)
            | Item::Override(..)
            | Item::Extend(..)
            | Item::RemoveCategory(..)
            | Item::RemoveRow { .. }
            | Item::RemoveCondition(..)
            | Item::RemoveDeadline(..)
            | Item::Scheme(..)
            | Item::Enum(..)
            | Item::Record(..)
            | Item::Applicant(..)
            | Item::Let(..)
            | Item::Clause(..)
            | Item::Table(..)
            | Item::Require(..)
            | Item::Award(..)
            | Item::Application(..)
            | Item::Timeline(..)
            | Item::Quota(..)
            | Item::Rounds(..)
            | Item::Payer(..)
            | Item::Calendar(..)
            | Item::Planned(..) => None,
        })
        .collect()
}

fn override_table(items: &mut [Item], d: TableDecl, r: &mut Reporter) {
    let names: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Table(t) => Some(t.name.name.clone()),
            Item::Extends(..)
            | Item::Override(..)
            | Item::Extend(..)
            | Item::RemoveCategory(..)
            | Item::RemoveRow { .. }
            | Item::RemoveCondition(..)
            | Item::RemoveDeadline(..)
            | Item::Scheme(..)
            | Item::Enum(..)
            | Item::Record(..)
            | Item::Applicant(..)
            | Item::Let(..)
            | Item::Clause(..)
            | Item::Require(..)
            | Item::Category(..)
            | Item::Award(..)
            | Item::Application(..)
            | Item::Timeline(..)
            | Item::Quota(..)
            | Item::Rounds(..)
            | Item::Payer(..)
            | Item::Calendar(..)
            | Item::Planned(..) => None,
        })
        .collect();
    let Some(table) = items.iter_mut().find_map(|i| {
        if let Item::Table(t) = i {
            (t.name.name == d.name.name).then_some(t)
        } else {
            None
        }
    }) else {
        let suggestion = suggestion(&d.name.name, &names);
        r.report(
            d.name.span,
            Problem::NoTableToOverride {
                name: d.name.name,
                tables: names,
                suggestion,
            },
        );
        return;
    };
    if d.label.is_some() {
        table.label = d.label;
    }
    if d.clause.is_some() {
        table.clause = d.clause;
    }
    for row in d.rows {
        let key = row.key.text();
        match table.rows.iter_mut().find(|p| p.key.text() == key) {
            Some(p) => *p = row,
            None => {
                let rows: Vec<String> = table.rows.iter().map(|p| p.key.text()).collect();
                let suggestion = suggestion(&key, &rows);
                r.report(
                    row.key.span(),
                    Problem::NoRowToOverride {
                        table: table.name.name.clone(),
                        row: key,
                        rows,
                        suggestion,
                    },
                );
            }
        }
    }
}

fn override_category(items: &mut [Item], d: CategoryDecl, r: &mut Reporter) {
    let known = category_names(items);
    let Some(cat) = items.iter_mut().find_map(|i| {
        if let Item::Category(c) = i {
            (c.name.name == d.name.name).then_some(c)
        } else {
            None
        }
    }) else {
        let suggestion = suggestion(&d.name.name, &known);
        r.report(
            d.name.span,
            Problem::NoCategoryToOverride {
                name: d.name.name,
                categories: known,
                suggestion,
            },
        );
        return;
    };
    if d.label.is_some() {
        cat.label = d.label;
    }
    if d.clause.is_some() {
        cat.clause = d.clause;
    }
    if !d.when.is_empty() || !d.unless.is_empty() {
        cat.when = d.when;
        cat.unless = d.unless;
    }
    if !d.pay.is_empty() {
        cat.pay = d.pay;
    }
    // Planned lines are kept so that the checker reports them.
    cat.planned.extend(d.planned);
}
