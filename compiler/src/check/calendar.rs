//! Calendars: `calendar NAME { years … holiday … workday … }`, the one the
//! scheme's `working_days` count by, and the calendars built in.

use std::collections::BTreeMap;

use bursar_grammar::ast::{self, CalendarDecl, DayKind, Item, Span};
use bursar_runtime::ir::{self, DurationUnitValue, Expr, Value};
use chrono::{Datelike, NaiveDate};

use super::Checker;
use crate::names::closest;
use crate::problem::{Decl, Problem};

/// The calendars every scheme can name without declaring them, as policy
/// text: `calendar china` in a `scheme` header.
pub const BUILT_IN: [(&str, &str); 1] = [("china", include_str!("../../calendars/china.bursar"))];

/// A built-in calendar's declaration, every span pinned to `at` (the
/// setting or `extend` that named it), so anything said about it points
/// at the policy's own text.
pub(crate) fn built_in(name: &str, at: Span) -> Option<CalendarDecl> {
    let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
    let file = bursar_grammar::parse(text).ok()?;
    file.items.into_iter().find_map(|i| {
        if let Item::Calendar(mut d) = i {
            pin(&mut d, at);
            Some(d)
        } else {
            None
        }
    })
}

fn pin(d: &mut CalendarDecl, at: Span) {
    d.name.span = at;
    d.span = at;
    if let Some(l) = &mut d.label {
        l.span = at;
    }
    for y in &mut d.years {
        y.span = at;
    }
    for day in &mut d.days {
        day.from_span = at;
        if let Some((_, s)) = &mut day.to {
            *s = at;
        }
        if let Some(l) = &mut day.label {
            l.span = at;
        }
        day.span = at;
    }
}

/// One day as a calendar line gave it.
struct Given {
    kind: DayKind,
    label: Option<String>,
    line: Span,
}

impl Checker {
    /// The calendar `working_days` count by: the one the header names
    /// (declared, or built in), or the only one declared. `extensions` are
    /// `extend calendar` declarations the merge of files left (on a built-in
    /// calendar, or in a file that extends no other).
    pub(super) fn scheme_calendar(
        &mut self,
        declared: &[&CalendarDecl],
        extensions: &[&CalendarDecl],
        choice: Option<&ast::Ident>,
    ) -> Option<ir::Calendar> {
        let mut calendars: Vec<CalendarDecl> = Vec::new();
        for d in declared {
            if let Some(prev) = calendars.iter().find(|c| c.name.name == d.name.name) {
                let first = prev.name.span;
                self.duplicate(Decl::Calendar, &d.name, first);
                continue;
            }
            calendars.push((*d).clone());
        }
        let user_declared = calendars.len();
        for x in extensions {
            let at = calendars.iter().position(|c| c.name.name == x.name.name);
            let at = match at {
                Some(i) => Some(i),
                None => built_in(&x.name.name, x.name.span).map(|d| {
                    calendars.push(d);
                    calendars.len() - 1
                }),
            };
            match at.and_then(|i| calendars.get_mut(i)) {
                Some(c) => extend(c, x),
                None => {
                    let known = self.calendar_names(&calendars);
                    let suggestion =
                        closest(&x.name.name, known.iter().map(String::as_str)).map(str::to_string);
                    self.r.report(
                        x.name.span,
                        Problem::NoCalendarToExtend {
                            name: x.name.name.clone(),
                            known,
                            suggestion,
                        },
                    );
                }
            }
        }
        let chosen = match choice {
            Some(name) => match calendars.iter().position(|c| c.name.name == name.name) {
                Some(i) => Some(i),
                None => match built_in(&name.name, name.span) {
                    Some(d) => {
                        calendars.push(d);
                        Some(calendars.len() - 1)
                    }
                    None => {
                        let known = self.calendar_names(&calendars);
                        let suggestion = closest(&name.name, known.iter().map(String::as_str))
                            .map(str::to_string);
                        self.r.report(
                            name.span,
                            Problem::UnknownCalendar {
                                name: name.name.clone(),
                                known,
                                suggestion,
                            },
                        );
                        return None;
                    }
                },
            },
            None => match calendars.as_slice() {
                [] => None,
                [_] => Some(0),
                [first, second, ..] => {
                    self.r.report(
                        second.name.span,
                        Problem::CalendarNotChosen {
                            first: first.name.name.clone(),
                            first_span: first.name.span,
                        },
                    );
                    return None;
                }
            },
        };
        for (i, c) in calendars.iter().enumerate().take(user_declared) {
            if Some(i) != chosen {
                self.r.report(
                    c.name.span,
                    Problem::UnusedCalendar {
                        name: c.name.name.clone(),
                    },
                );
            }
        }
        let d = calendars.get(chosen?)?;
        self.lower_calendar(d)
    }

    fn calendar_names(&self, declared: &[CalendarDecl]) -> Vec<String> {
        let mut names: Vec<String> = declared.iter().map(|c| c.name.name.clone()).collect();
        for (n, _) in BUILT_IN {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
        names
    }

    /// Checks a calendar's lines and lowers them: days within its years,
    /// in order, each a holiday or a working day, never both.
    fn lower_calendar(&mut self, d: &CalendarDecl) -> Option<ir::Calendar> {
        let years = match d.years.as_slice() {
            [] => {
                self.r.report(
                    d.name.span,
                    Problem::CalendarNoYears {
                        name: d.name.name.clone(),
                    },
                );
                return None;
            }
            [one] => one,
            [first, second, ..] => {
                self.r.report(
                    second.span,
                    Problem::CalendarYearsTwice {
                        name: d.name.name.clone(),
                        first: first.span,
                    },
                );
                return None;
            }
        };
        self.calendar_years = Some(years.span);
        let first_year = i32::try_from(years.first)
            .ok()
            .filter(|y| (1..=9999).contains(y));
        let last_year = i32::try_from(years.last)
            .ok()
            .filter(|y| (1..=9999).contains(y));
        let (Some(first_year), Some(last_year)) = (first_year, last_year) else {
            self.r.report(years.span, Problem::CalendarYearOutOfRange);
            return None;
        };
        if first_year > last_year {
            self.r.report(
                years.span,
                Problem::CalendarYearsBackwards {
                    first: first_year,
                    last: last_year,
                },
            );
            return None;
        }
        let start = NaiveDate::from_ymd_opt(first_year, 1, 1)?;
        let end = NaiveDate::from_ymd_opt(last_year, 12, 31)?;
        let mut days: BTreeMap<NaiveDate, Given> = BTreeMap::new();
        let mut bad = false;
        for line in &d.days {
            let Some(from) = self.date(&line.from, line.from_span) else {
                bad = true;
                continue;
            };
            let to = match &line.to {
                Some((text, span)) => match self.date(text, *span) {
                    Some(t) => t,
                    None => {
                        bad = true;
                        continue;
                    }
                },
                None => from,
            };
            if to < from {
                self.r.report(
                    line.span,
                    Problem::CalendarDaysBackwards {
                        from: from.to_string(),
                        to: to.to_string(),
                    },
                );
                bad = true;
                continue;
            }
            // A run of public holidays lasts days, not years; a longer one
            // is a mistyped year, and would cost a day of work per day.
            if (to - from).num_days() >= 366 {
                self.r.report(
                    line.span,
                    Problem::CalendarDaysTooLong {
                        from: from.to_string(),
                        to: to.to_string(),
                    },
                );
                bad = true;
                continue;
            }
            if to < start || from > end {
                self.r.report(
                    line.span,
                    Problem::CalendarDaysOutside {
                        from: from.to_string(),
                        name: d.name.name.clone(),
                        covers: years_text(first_year, last_year),
                    },
                );
                bad = true;
                continue;
            }
            if line.kind == DayKind::Workday
                && from == to
                && from.weekday().num_days_from_monday() < 5
            {
                self.r.report(
                    line.span,
                    Problem::MakeUpOnWeekday {
                        day: from.to_string(),
                        weekday: weekday_name(from).to_string(),
                    },
                );
            }
            // Days outside the covered years (a New Year holiday that starts
            // on 31 December) are never counted: evaluation stops there.
            let mut day = from.max(start);
            let last = to.min(end);
            let mut reported = false;
            while day <= last {
                match days.get(&day) {
                    Some(g) if g.kind != line.kind => {
                        self.r.report(
                            line.span,
                            Problem::DayBothHolidayAndWorkday {
                                day: day.to_string(),
                                first: g.line,
                            },
                        );
                        bad = true;
                        break;
                    }
                    Some(g) => {
                        if !reported {
                            reported = true;
                            self.r.report(
                                line.span,
                                Problem::DayListedTwice {
                                    day: day.to_string(),
                                    name: d.name.name.clone(),
                                    first: g.line,
                                },
                            );
                        }
                    }
                    None => {
                        days.insert(
                            day,
                            Given {
                                kind: line.kind,
                                label: line.label.as_ref().map(|l| l.value.clone()),
                                line: line.span,
                            },
                        );
                    }
                }
                let Some(next) = day.succ_opt() else { break };
                day = next;
            }
        }
        if bad {
            return None;
        }
        let mut holidays: Vec<ir::DaySpan> = Vec::new();
        let mut workdays: Vec<ir::DaySpan> = Vec::new();
        for (day, g) in days {
            let spans = match g.kind {
                DayKind::Holiday => &mut holidays,
                DayKind::Workday => &mut workdays,
            };
            match spans.last_mut() {
                Some(s) if s.to.succ_opt() == Some(day) && s.label == g.label => s.to = day,
                _ => spans.push(ir::DaySpan {
                    from: day,
                    to: day,
                    label: g.label,
                }),
            }
        }
        Some(ir::Calendar {
            name: d.name.name.clone(),
            label: d.label.as_ref().map(|l| l.value.clone()),
            first_year,
            last_year,
            holidays,
            workdays,
        })
    }

    /// `working_days` counted by a calendar that does not cover the
    /// scheme's period would fail for every applicant of some year: an
    /// error before the run, not error rows during it.
    pub(super) fn check_calendar_covers(&mut self, scheme: &ir::Scheme) {
        let (Some(cal), Some(period), Some(years)) =
            (&scheme.calendar, scheme.header.period, self.calendar_years)
        else {
            return;
        };
        if !uses_working_days(scheme) {
            return;
        }
        let (a, b) = (period.start.year(), period.end.year());
        if a >= cal.first_year && b <= cal.last_year {
            return;
        }
        let span = self.period_span.unwrap_or(years);
        self.r.report(
            span,
            Problem::CalendarDoesNotCover {
                counted: years_text(a, b),
                name: cal.name.clone(),
                covers: years_text(cal.first_year, cal.last_year),
                years: self.period_span.map(|_| years),
                add: format!(
                    "years {} ..= {}",
                    a.min(cal.first_year),
                    b.max(cal.last_year)
                ),
            },
        );
    }
}

/// `2025`, or `2023 to 2026`.
fn years_text(a: i32, b: i32) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a} to {b}")
    }
}

fn weekday_name(day: NaiveDate) -> &'static str {
    match day.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

/// Adds an `extend calendar` declaration's lines to a calendar; its
/// `years`, if any, replace the calendar's.
fn extend(c: &mut CalendarDecl, x: &CalendarDecl) {
    if !x.years.is_empty() {
        c.years = x.years.clone();
    }
    c.days.extend(x.days.iter().cloned());
}

/// Whether any expression or timeline step of the scheme counts working days.
pub(crate) fn uses_working_days(s: &ir::Scheme) -> bool {
    if s.timeline
        .iter()
        .any(|t| t.within.unit == ir::DurationUnit::WorkingDays)
    {
        return true;
    }
    let mut found = false;
    let mut look = |e: &Expr| {
        e.walk(&mut |x| {
            if let Expr::Lit(Value::Duration(d)) = x {
                found |= d.unit == DurationUnitValue::WorkingDays;
            }
        })
    };
    s.lets.iter().for_each(|l| look(&l.expr));
    s.requirements.iter().for_each(|c| look(&c.expr));
    for c in &s.categories {
        c.conditions.iter().for_each(|x| look(&x.expr));
        look(&c.pay);
    }
    if let Some(a) = &s.application {
        a.deadline.iter().chain(a.opens.iter()).for_each(&mut look);
    }
    found
}
