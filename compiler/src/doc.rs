//! A scheme as a readable document (Markdown), for checking the encoding
//! against the notice side by side: who qualifies in plain words, each
//! category's conditions as sentences, the payout tables, the award rule and
//! the timeline, each beside its clause reference and quoted source text.
//! In the scheme's own language ([`language`]): Chinese headings for a
//! scheme written in Chinese, English ones (and ASCII punctuation) for any
//! other. Sentences name fields by their labels, and payouts say amounts,
//! following "same as" rows; the policy's own text of each condition stands
//! under its sentence.

use bursar_runtime::ir::{
    Builtin, CompareOp, Condition, ConditionKind, Criterion, DurationUnit, Expr, FieldId, Pattern,
    RowAmount, RowRef, Scheme, Value,
};
use bursar_runtime::{Applicant, Words};

/// The words of the document, in one language.
struct Lang {
    zh: bool,
}

impl Lang {
    fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.zh {
            zh
        } else {
            en
        }
    }
    /// Words in brackets after other words: full-width ones in Chinese,
    /// after a space in English.
    fn bracket(&self, text: &str) -> String {
        if self.zh {
            format!("（{text}）")
        } else {
            format!(" ({text})")
        }
    }
    /// Words kept together in brackets.
    fn group(&self, text: &str) -> String {
        if self.zh {
            format!("（{text}）")
        } else {
            format!("({text})")
        }
    }
    /// A list of names.
    fn list(&self, items: &[String]) -> String {
        items.join(self.t("、", ", "))
    }
}

/// The document's language, as an HTML language tag: `zh` for a scheme
/// written in Chinese, `en` otherwise. The title says which when it has
/// words; without one, most of the labels and clauses do.
pub fn language(s: &Scheme) -> &'static str {
    if s.is_chinese() {
        "zh"
    } else {
        "en"
    }
}

/// Renders a scheme as Markdown.
pub fn markdown(s: &Scheme) -> String {
    let lang = Lang { zh: s.is_chinese() };
    let blank = Applicant::empty(s);
    let w = Words::new(s, &blank);
    let mut out = String::new();
    let title = s.header.title.clone().unwrap_or_else(|| s.id.clone());
    out.push_str(&format!("# {title}\n\n"));
    let mut facts = Vec::new();
    if let Some(i) = &s.header.issuer {
        facts.push(i.clone());
    }
    if let Some(d) = &s.header.document {
        facts.push(d.clone());
    }
    if let Some(p) = s.header.published {
        facts.push(format!("{} {p}", lang.t("发布", "published")));
    }
    if let Some(p) = s.header.period {
        facts.push(format!(
            "{} {} – {}",
            lang.t("期间", "period"),
            p.start,
            p.end
        ));
    }
    facts.push(format!("`{}`", s.id));
    out.push_str(&format!("{}\n\n", facts.join(" · ")));

    // Who qualifies.
    out.push_str(&format!("## {}\n\n", lang.t("适用对象", "Who qualifies")));
    if s.requirements.is_empty() {
        out.push_str(&format!(
            "{}\n\n",
            lang.t(
                "所有类别无共同条件。",
                "No condition is shared by every category."
            )
        ));
    } else {
        out.push_str(&format!(
            "{}\n\n",
            lang.t("每个类别都要求：", "Every category requires:")
        ));
        for c in &s.requirements {
            out.push_str(&condition_item(s, &w, &lang, c, None));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{}\n\n",
        lang.t(
            &format!(
                "满足以下任一类别者可获资助（{}）。",
                category_list(s, &lang)
            ),
            &format!(
                "and one of the categories below ({}).",
                category_list(s, &lang)
            )
        )
    ));

    // Categories.
    out.push_str(&format!("## {}\n\n", lang.t("资助类别", "Categories")));
    for cat in &s.categories {
        let label = cat.label.clone().unwrap_or_else(|| cat.name.clone());
        out.push_str(&format!(
            "### {label} (`{}`){}\n\n",
            cat.name,
            clause_ref(&cat.clause)
        ));
        out.push_str(&quote(s, &cat.clause));
        out.push_str(&format!(
            "{}\n\n",
            lang.t("条件（须全部满足）：", "Conditions (all must hold):")
        ));
        for c in &cat.conditions {
            out.push_str(&condition_item(s, &w, &lang, c, cat.clause.as_deref()));
        }
        // Stages as the notice states them, not the sum the checker wrote.
        let pays = if cat.instalments.is_empty() {
            pay_text(s, &w, &lang, &cat.pay)
        } else {
            let stages: Vec<String> = cat
                .instalments
                .iter()
                .map(|st| match st.after {
                    None => format!("{}{}", w.money(st.amount), lang.t("（即付）", " now")),
                    Some(f) => format!(
                        "{}{}{}",
                        w.money(st.amount),
                        lang.t("，待记录后支付：", " after "),
                        field_label(s, f)
                    ),
                })
                .collect();
            format!(
                "{}{}",
                lang.t("分期：", "in instalments: "),
                stages.join(lang.t("；", "; "))
            )
        };
        out.push_str(&format!(
            "\n{}{}{}\n\n",
            lang.t("资助金额：", "Pays: "),
            pays,
            clause_ref(&cat.pay_clause)
        ));
        if cat.pay_clause != cat.clause {
            out.push_str(&quote(s, &cat.pay_clause));
        }
    }

    // Tables.
    out.push_str(&format!("## {}\n\n", lang.t("资助标准", "Payout tables")));
    for t in &s.tables {
        let label = t.label.clone().unwrap_or_else(|| t.name.clone());
        out.push_str(&format!(
            "### {label} (`{}`){}\n\n",
            t.name,
            clause_ref(&t.clause)
        ));
        out.push_str(&format!(
            "| {} | {} |\n| --- | --- |\n",
            lang.t("项目", "row"),
            lang.t("金额", "amount")
        ));
        for r in &t.rows {
            // A keyed row without a label is called what its key is called.
            let label = r.label.clone().unwrap_or_else(|| {
                r.key
                    .as_ref()
                    .map_or_else(|| r.name.clone(), |k| value_label(s, &w, &lang, k))
            });
            let amount = match &r.amount {
                RowAmount::Money(m) => w.money(*m),
                RowAmount::Value(v) => value_label(s, &w, &lang, v),
                RowAmount::SameAs(rr) => {
                    let resolved = s.resolve_row(*rr).map(|m| w.money(m)).unwrap_or_default();
                    format!(
                        "{resolved}{}",
                        lang.bracket(&format!(
                            "{} {}",
                            lang.t("参照", "same as"),
                            row_label(s, &w, *rr)
                        ))
                    )
                }
            };
            out.push_str(&format!(
                "| {label} `{}`{} | {amount} |\n",
                r.name,
                clause_ref(&r.clause)
            ));
        }
        out.push('\n');
        out.push_str(&quote(s, &t.clause));
    }

    // Award rule.
    out.push_str(&format!("## {}\n\n", lang.t("资助规则", "Award rule")));
    let order: Vec<&str> = s
        .award
        .order
        .iter()
        .map(|c| match c {
            Criterion::HighestAmount => lang.t("金额最高者", "the highest amount"),
            Criterion::LowestAmount => lang.t("金额最低者", "the lowest amount"),
            Criterion::FirstDeclared => lang.t("先列出的类别", "the category listed first"),
            Criterion::ChosenCategory { .. } => {
                lang.t("申请人自主选择的类别", "the category the applicant chose")
            }
        })
        .collect();
    out.push_str(&format!(
        "{}{}\n\n",
        if lang.zh {
            format!("每人每期最多获得 {} 项资助；同时符合多个类别时，依次按{}确定。", s.award.limit, order.join("、其次按"))
        } else {
            format!("At most {} award(s) per person per period; among the categories a person qualifies for, the choice goes to {}.", s.award.limit, order.join(", then "))
        },
        clause_ref(&s.award.clause)
    ));
    for g in &s.award.groups {
        let names: Vec<&str> = g
            .categories
            .iter()
            .filter_map(|&c| {
                s.categories
                    .get(c as usize)
                    .map(|c| c.label.as_deref().unwrap_or(&c.name))
            })
            .collect();
        out.push_str(&format!(
            "{}{}\n\n",
            if lang.zh {
                format!(
                    "{}类（{}）合计最多 {} 项。",
                    g.name,
                    names.join("、"),
                    g.limit
                )
            } else {
                format!(
                    "At most {} award(s) from the group {} ({}).",
                    g.limit,
                    g.name,
                    names.join(", ")
                )
            },
            clause_ref(&g.clause)
        ));
    }
    out.push_str(&quote(s, &s.award.clause));

    // Application and timeline.
    out.push_str(&format!(
        "## {}\n\n",
        lang.t("申报与发放", "Application and timeline")
    ));
    if let Some(app) = &s.application {
        let field = app
            .received
            .and_then(|r| s.applicant.get(r as usize))
            .map(|f| f.label.clone().unwrap_or_else(|| f.name.clone()))
            .unwrap_or_default();
        if let Some(d) = &app.deadline {
            out.push_str(&format!(
                "- {}{}{}{}\n",
                lang.t("申报截止：", "Applications close: "),
                phrase(s, &w, &lang, d),
                lang.bracket(&format!(
                    "{}{field}",
                    lang.t("以此日期为准：", "the date that counts: ")
                )),
                clause_ref(&app.deadline_clause.clone().or(app.clause.clone()))
            ));
        }
        if let Some(o) = &app.opens {
            out.push_str(&format!(
                "- {}{}\n",
                lang.t("申报开始：", "Applications open: "),
                phrase(s, &w, &lang, o)
            ));
        }
    }
    for step in &s.timeline {
        let after = match step.after {
            bursar_runtime::ir::Anchor::Received => lang.t("收到申报", "receipt").to_string(),
            bursar_runtime::ir::Anchor::Step(i) => {
                s.timeline.get(i as usize).map_or("?".into(), |x| {
                    x.label.clone().unwrap_or_else(|| x.name.clone())
                })
            }
        };
        let count = step.within.count;
        let label = step.label.clone().unwrap_or_else(|| step.name.clone());
        if lang.zh {
            let unit = match step.within.unit {
                DurationUnit::Days => "天",
                DurationUnit::WorkingDays => "个工作日",
                DurationUnit::Weeks => "周",
                DurationUnit::Months => "个月",
                DurationUnit::Years => "年",
            };
            out.push_str(&format!(
                "- {label}（`{}`）：自 {after} 起 {count} {unit}内{}\n",
                step.name,
                clause_ref(&step.clause)
            ));
        } else {
            let unit = match step.within.unit {
                DurationUnit::Days => "day",
                DurationUnit::WorkingDays => "working day",
                DurationUnit::Weeks => "week",
                DurationUnit::Months => "month",
                DurationUnit::Years => "year",
            };
            let plural = if count == 1 { "" } else { "s" };
            out.push_str(&format!(
                "- {label} (`{}`): within {count} {unit}{plural} of {after}{}\n",
                step.name,
                clause_ref(&step.clause)
            ));
        }
    }
    out.push('\n');

    // Places rationed by quotas.
    if !s.quotas.is_empty() {
        out.push_str(&format!("## {}\n\n", lang.t("名额", "Places")));
        for q in &s.quotas {
            let label = q.label.clone().unwrap_or_else(|| q.name.clone());
            let order = bursar_runtime::print::Printer::new(s).quota_order(&q.order);
            out.push_str(&format!(
                "### {label} (`{}`){}\n\n",
                q.name,
                clause_ref(&q.clause)
            ));
            let ration = match q.ration {
                bursar_runtime::ir::Ration::Places(n) => {
                    format!("{}{n}", lang.t("名额：", "Places: "))
                }
                bursar_runtime::ir::Ration::Budget(m) => format!(
                    "{}{}{}",
                    lang.t("资金总额：", "Budget: "),
                    w.money(m),
                    lang.t(
                        "（按顺序发放，用完为止）",
                        " (paid in order while it lasts)"
                    )
                ),
                bursar_runtime::ir::Ration::ProRata(m) => format!(
                    "{}{}{}",
                    lang.t("资金总额：", "Budget: "),
                    w.money(m),
                    lang.t(
                        "（超额时按比例分配）",
                        " (shared pro rata when claims exceed it)"
                    )
                ),
            };
            out.push_str(&format!("{ration}{}\n\n", clause_ref(&q.ration_clause)));
            if !q.conditions.is_empty() {
                out.push_str(lang.t("适用于：\n\n", "For applicants who:\n\n"));
                for c in &q.conditions {
                    out.push_str(&condition_item(s, &w, &lang, c, q.clause.as_deref()));
                }
                out.push('\n');
            }
            out.push_str(&format!(
                "{}`{order}`{}\n\n",
                lang.t("分配顺序：", "Given in the order: "),
                clause_ref(&q.order_clause)
            ));
        }
    }

    // Payers topping up the scheme's own award.
    if !s.payers.is_empty() {
        out.push_str(&format!(
            "## {}\n\n",
            lang.t("配套资助", "Top-ups by other payers")
        ));
        for p in &s.payers {
            let label = p.label.clone().unwrap_or_else(|| p.name.clone());
            out.push_str(&format!(
                "### {label} (`{}`){}\n\n",
                p.name,
                clause_ref(&p.clause)
            ));
            let cap = match p.cap {
                Some(m) => format!("{}{}", lang.t("，每人最高 ", ", at most "), w.money(m)),
                None => String::new(),
            };
            let unit = if s.header.currency == "CNY" {
                "元".to_string()
            } else {
                s.header.currency.clone()
            };
            let (per, pays) = (p.per, p.pays);
            let terms = lang.t(
                &format!("资助金额每 {per} {unit}配套 {pays} {unit}{cap}（按分向下取整）"),
                &format!("For every {per} {unit} of the award, {pays} {unit} more{cap}, rounded down to the fen"),
            )
            .to_string();
            out.push_str(&format!("{terms}{}\n\n", clause_ref(&p.pay_clause)));
            if !p.conditions.is_empty() {
                out.push_str(lang.t("适用于：\n\n", "For applicants who:\n\n"));
                for c in &p.conditions {
                    out.push_str(&condition_item(s, &w, &lang, c, p.clause.as_deref()));
                }
                out.push('\n');
            }
        }
    }

    // Several payments in the period, each on its own day.
    if !s.rounds.is_empty() {
        out.push_str(&format!("## {}\n\n", lang.t("发放批次", "Rounds")));
        out.push_str(lang.t(
            "每一批次按其资格认定日分别认定、分别发放。\n\n",
            "Each round is decided on its own qualifying day and paid in its own window.\n\n",
        ));
        out.push_str(lang.t(
            "| 批次 | 认定日 | 金额 | 发放期间 | 条款 |\n| --- | --- | --- | --- | --- |\n",
            "| round | qualifies on | amount | paid | clause |\n| --- | --- | --- | --- | --- |\n",
        ));
        for r in &s.rounds {
            let label = r
                .label
                .as_ref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {}{label} | {} | {} | {} ..= {} | {} |\n",
                r.name,
                r.date,
                w.money(r.amount),
                r.paid.start,
                r.paid.end,
                r.clause
                    .as_ref()
                    .map(|c| format!("§{c}"))
                    .unwrap_or_default()
            ));
        }
        out.push('\n');
    }

    // The calendar working days count by, day by day, to check against
    // the holiday notices.
    if let Some(cal) = &s.calendar {
        out.push_str(&calendar_section(cal, &lang));
    }

    // The notice's clauses, in full.
    if !s.clauses.is_empty() {
        out.push_str(&format!(
            "## {}\n\n",
            lang.t("原文条款", "Clauses of the notice")
        ));
        for c in &s.clauses {
            out.push_str(&format!("- **§{}** {}\n", c.id, c.text));
        }
        out.push('\n');
    }

    // The applicant record.
    out.push_str(&format!(
        "## {}\n\n",
        lang.t("申请人信息", "The applicant record")
    ));
    out.push_str(&format!(
        "| {} | {} | {} |\n| --- | --- | --- |\n",
        lang.t("字段", "field"),
        lang.t("含义", "meaning"),
        lang.t("类型", "type")
    ));
    for f in &s.applicant {
        let ty = match f.ty {
            bursar_runtime::ir::Type::Enum(e) => {
                s.enums.get(e as usize).map_or("enum".to_string(), |d| {
                    let values: Vec<String> = d
                        .variants
                        .iter()
                        .map(|v| format!("`{}` {}", v.name, v.label.clone().unwrap_or_default()))
                        .collect();
                    lang.list(&values)
                })
            }
            // `list of Spell (from date, to date?)`: an item's fields, as
            // the policy declares them.
            bursar_runtime::ir::Type::List(r) => {
                s.records
                    .get(r as usize)
                    .map_or("list".to_string(), |record| {
                        let fields: Vec<String> = record
                            .fields
                            .iter()
                            .map(|f| {
                                let mark = if f.optional { "?" } else { "" };
                                format!("`{}` {}{mark}", f.name, f.ty.name(&s.enums))
                            })
                            .collect();
                        format!("list of `{}` ({})", record.name, fields.join(", "))
                    })
            }
            other @ (bursar_runtime::ir::Type::Bool
            | bursar_runtime::ir::Type::Int
            | bursar_runtime::ir::Type::Money
            | bursar_runtime::ir::Type::Date
            | bursar_runtime::ir::Type::DateTime
            | bursar_runtime::ir::Type::Text
            | bursar_runtime::ir::Type::Duration
            | bursar_runtime::ir::Type::Decimal
            | bursar_runtime::ir::Type::Unrounded) => format!("{other:?}").to_lowercase(),
        };
        let optional = if f.optional {
            lang.t("（可空）", " (may be absent)")
        } else {
            ""
        };
        out.push_str(&format!(
            "| `{}` | {}{optional} | {ty} |\n",
            f.name,
            f.label.clone().unwrap_or_default()
        ));
    }
    out
}

/// The calendar's years, holidays and make-up working days as a table.
fn calendar_section(cal: &bursar_runtime::ir::Calendar, lang: &Lang) -> String {
    let name = match &cal.label {
        Some(l) => format!("`{}`{}", cal.name, lang.bracket(l)),
        None => format!("`{}`", cal.name),
    };
    let years = if cal.first_year == cal.last_year {
        cal.first_year.to_string()
    } else if lang.zh {
        format!("{} 至 {}", cal.first_year, cal.last_year)
    } else {
        format!("{} to {}", cal.first_year, cal.last_year)
    };
    let mut out = format!("## {}\n\n", lang.t("工作日", "Working days"));
    out.push_str(&if lang.zh {
        format!("工作日按日历 {name} 计算，覆盖 {years} 年：周一至周五为工作日，下列放假日除外，下列调休上班日计入。在这些年份之外计算工作日的，按无法判定处理，不作推测。\n\n")
    } else {
        format!("Working days are counted by the calendar {name}, which covers {years}: Monday to Friday, except the holidays below, and the make-up working days below as well. Counting working days outside those years is an error, not a guess.\n\n")
    });
    out.push_str(&format!(
        "| {} | {} | {} |\n| --- | --- | --- |\n",
        lang.t("日期", "days"),
        lang.t("安排", "arrangement"),
        lang.t("名称", "name")
    ));
    let mut rows: Vec<(chrono::NaiveDate, String)> = Vec::new();
    for (spans, what) in [
        (&cal.holidays, lang.t("放假", "holiday")),
        (&cal.workdays, lang.t("调休上班", "working day")),
    ] {
        for d in spans {
            let days = if d.from == d.to {
                d.from.to_string()
            } else {
                format!("{} – {}", d.from, d.to)
            };
            let label = d.label.clone().unwrap_or_default();
            rows.push((d.from, format!("| {days} | {what} | {label} |\n")));
        }
    }
    rows.sort();
    for (_, r) in rows {
        out.push_str(&r);
    }
    out.push('\n');
    out
}

fn category_list(s: &Scheme, lang: &Lang) -> String {
    let labels: Vec<String> = s
        .categories
        .iter()
        .map(|c| c.label.clone().unwrap_or_else(|| c.name.clone()))
        .collect();
    lang.list(&labels)
}

fn clause_ref(c: &Option<String>) -> String {
    c.as_ref().map(|c| format!(" §{c}")).unwrap_or_default()
}

/// The clause's text as a block quote.
fn quote(s: &Scheme, c: &Option<String>) -> String {
    match c
        .as_ref()
        .and_then(|id| s.clauses.iter().find(|x| &x.id == id))
    {
        Some(clause) => format!("> §{} {}\n\n", clause.id, clause.text),
        None => String::new(),
    }
}

/// One condition: the sentence, then the formal condition and its clause.
fn condition_item(
    s: &Scheme,
    w: &Words,
    lang: &Lang,
    c: &Condition,
    fallback: Option<&str>,
) -> String {
    let sentence = sentence(s, w, lang, &c.expr);
    let said = match (&c.label, c.kind) {
        (Some(l), ConditionKind::When) if *l == sentence => l.clone(),
        (Some(l), ConditionKind::When) => format!("{l}{}{sentence}", lang.t("：", ": ")),
        (Some(l), ConditionKind::Unless) => {
            format!(
                "{}{l}{}{sentence}",
                lang.t("排除——", "excluded: "),
                lang.t("：", ": ")
            )
        }
        (None, ConditionKind::When) => sentence,
        (None, ConditionKind::Unless) => format!("{}{sentence}", lang.t("排除——", "excluded: ")),
    };
    let clause = c
        .clause
        .as_deref()
        .or(fallback)
        .map(|c| format!(" §{c}"))
        .unwrap_or_default();
    format!(
        "- {said}{clause}  \n  `{}{}`\n",
        if c.kind == ConditionKind::Unless {
            "unless "
        } else {
            ""
        },
        w.expr(&c.expr)
    )
}

fn field_label(s: &Scheme, f: FieldId) -> String {
    s.applicant.get(f as usize).map_or_else(
        || format!("#{f}"),
        |x| x.label.clone().unwrap_or_else(|| x.name.clone()),
    )
}

/// A row by its label (`国家一级（高级技师）`), or as code where it has none.
fn row_label(s: &Scheme, w: &Words, r: RowRef) -> String {
    s.tables
        .get(r.table as usize)
        .and_then(|t| t.rows.get(r.row as usize))
        .and_then(|row| row.label.clone())
        .unwrap_or_else(|| format!("`{}`", w.row_name(r)))
}

/// A row's amount, "same as" rows followed, with the row's label.
fn row_amount(s: &Scheme, w: &Words, lang: &Lang, r: RowRef) -> String {
    match s.resolve_row(r) {
        Some(m) => format!("{}{}", w.money(m), lang.bracket(&row_label(s, w, r))),
        None => format!("`{}`", w.row_name(r)),
    }
}

/// A value in words: a literal, a field's label, a row's amount; anything
/// else as the policy writes it.
fn phrase(s: &Scheme, w: &Words, lang: &Lang, e: &Expr) -> String {
    match e {
        Expr::Lit(v) => value_label(s, w, lang, v),
        Expr::Field(f) => field_label(s, *f),
        Expr::Row(r) => row_amount(s, w, lang, *r),
        Expr::Call { .. } => subject(s, w, lang, e),
        // A named value by its label, as the notice names it.
        Expr::Let(l) => s.lets.get(*l as usize).map_or_else(
            || format!("`{}`", w.expr(e)),
            |def| {
                def.label
                    .clone()
                    .unwrap_or_else(|| format!("`{}`", def.name))
            },
        ),
        Expr::Lookup { .. }
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::RoundPart(_)
        | Expr::Any(_)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. }
        | Expr::Not(_)
        | Expr::Neg(_)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Compare { .. }
        | Expr::Arith { .. }
        | Expr::InSet { .. }
        | Expr::InRange { .. }
        | Expr::IsPresent(_)
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::If { .. }
        | Expr::Match { .. } => format!("`{}`", w.expr(e)),
    }
}

fn value_label(s: &Scheme, w: &Words, lang: &Lang, v: &Value) -> String {
    match v {
        Value::Enum { ty, variant } => s
            .enums
            .get(*ty as usize)
            .and_then(|e| e.variants.get(*variant as usize))
            .map_or_else(
                || w.value(v),
                |x| x.label.clone().unwrap_or_else(|| x.name.clone()),
            ),
        Value::Bool(b) => if *b {
            lang.t("是", "yes")
        } else {
            lang.t("否", "no")
        }
        .to_string(),
        Value::Int(_)
        | Value::Money(_)
        | Value::Date(_)
        | Value::DateTime(_)
        | Value::Text(_)
        | Value::Duration(_)
        | Value::Decimal(_)
        | Value::List(_) => w.value(v),
    }
}

/// A condition in plain words; the formal text where no sentence fits.
fn sentence(s: &Scheme, w: &Words, lang: &Lang, e: &Expr) -> String {
    match e {
        Expr::And(items) => {
            // "x is present and x in …" says the same as "x in …".
            let mut parts = Vec::with_capacity(items.len());
            let mut rest = items.iter().peekable();
            while let Some(item) = rest.next() {
                if let (Expr::IsPresent(f), Some(next)) = (item, rest.peek()) {
                    let mut fields = Vec::new();
                    next.visit_fields(&mut |x| fields.push(x));
                    if fields.first() == Some(f) {
                        continue;
                    }
                }
                parts.push(part(s, w, lang, item));
            }
            parts.join(lang.t("，且", ", and "))
        }
        Expr::Or(items) => items
            .iter()
            .map(|e| part(s, w, lang, e))
            .collect::<Vec<_>>()
            .join(lang.t("，或", ", or ")),
        Expr::Not(a) => format!("{}{}", lang.t("并非：", "not: "), part(s, w, lang, a)),
        Expr::IsPresent(f) => format!("{}{}", lang.t("已填写", "has "), field_label(s, *f)),
        Expr::Field(f) => field_label(s, *f),
        Expr::InRange {
            expr,
            lo,
            hi,
            inclusive,
        } => {
            let subject = subject(s, w, lang, expr);
            let lo = lo.as_ref().map(|b| phrase(s, w, lang, b));
            let hi = hi.as_ref().map(|b| phrase(s, w, lang, b));
            match (lo, hi, lang.zh) {
                (Some(l), Some(h), true) => format!(
                    "{subject}在{l}至{h}之间{}",
                    if *inclusive {
                        "（含）"
                    } else {
                        "（不含后者）"
                    }
                ),
                (Some(l), Some(h), false) => format!(
                    "{subject} is from {l} to {h}{}",
                    if *inclusive {
                        " (inclusive)"
                    } else {
                        " (excluding the end)"
                    }
                ),
                (Some(l), None, true) => format!("{subject}不早于/不少于{l}"),
                (Some(l), None, false) => format!("{subject} is at least {l}"),
                (None, Some(h), true) if *inclusive => format!("{subject}不晚于/不超过{h}"),
                (None, Some(h), true) => format!("{subject}早于/小于{h}"),
                (None, Some(h), false) if *inclusive => format!("{subject} is at most {h}"),
                (None, Some(h), false) => format!("{subject} is before/below {h}"),
                (None, None, _) => subject,
            }
        }
        Expr::InSet { expr, set } => {
            let items: Vec<String> = set.iter().map(|v| value_label(s, w, lang, v)).collect();
            if lang.zh {
                format!("{}为{}之一", subject(s, w, lang, expr), lang.list(&items))
            } else {
                format!(
                    "{} is one of: {}",
                    subject(s, w, lang, expr),
                    lang.list(&items)
                )
            }
        }
        Expr::Compare { op, lhs, rhs } => {
            let op_text = match (op, lang.zh) {
                (CompareOp::Eq, true) => "为",
                (CompareOp::Ne, true) => "不为",
                (CompareOp::Lt, true) => "早于/小于",
                (CompareOp::Le, true) => "不晚于/不超过",
                (CompareOp::Gt, true) => "晚于/大于",
                (CompareOp::Ge, true) => "不早于/不少于",
                (CompareOp::Eq, false) => " is ",
                (CompareOp::Ne, false) => " is not ",
                (CompareOp::Lt, false) => " is before/below ",
                (CompareOp::Le, false) => " is at most ",
                (CompareOp::Gt, false) => " is after/above ",
                (CompareOp::Ge, false) => " is at least ",
            };
            format!(
                "{}{op_text}{}",
                subject(s, w, lang, lhs),
                phrase(s, w, lang, rhs)
            )
        }
        Expr::Lit(_)
        | Expr::Row(_)
        | Expr::Lookup { .. }
        | Expr::Neg(_)
        | Expr::Arith { .. }
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. }
        | Expr::If { .. }
        | Expr::Match { .. }
        | Expr::Let(_)
        | Expr::RoundPart(_)
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::Any(_)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. } => format!("`{}`", w.expr(e)),
    }
}

/// A part of an `and`, `or` or `not` in words, in brackets if it is itself
/// made of parts, so that `a and (b or c)` does not read as `a and b or c`.
fn part(s: &Scheme, w: &Words, lang: &Lang, e: &Expr) -> String {
    let text = sentence(s, w, lang, e);
    if let Expr::And(items) | Expr::Or(items) = e {
        if sentence_parts(items) > 1 {
            return lang.group(&text);
        }
    }
    text
}

/// How many parts an `and` or `or` says (a presence test before a test of
/// the same field is not said).
fn sentence_parts(items: &[Expr]) -> usize {
    let mut n = 0;
    let mut rest = items.iter().peekable();
    while let Some(item) = rest.next() {
        if let (Expr::IsPresent(f), Some(next)) = (item, rest.peek()) {
            let mut fields = Vec::new();
            next.visit_fields(&mut |x| fields.push(x));
            if fields.first() == Some(f) {
                continue;
            }
        }
        n += 1;
    }
    n
}

/// What a condition is about: a field's label, or the year (month, day)
/// of one; anything else as the policy writes it.
fn subject(s: &Scheme, w: &Words, lang: &Lang, e: &Expr) -> String {
    if let Expr::Field(f) = e {
        return field_label(s, *f);
    }
    if let Expr::Call { func, args } = e {
        let part = match func {
            Builtin::Year => Some(("年份", "year")),
            Builtin::Month => Some(("月份", "month")),
            Builtin::Day => Some(("日", "day")),
            Builtin::Min | Builtin::Max => None,
        };
        if let (Some((zh, en)), [Expr::Field(f)]) = (part, args.as_slice()) {
            return if lang.zh {
                format!("{}的{zh}", field_label(s, *f))
            } else {
                format!("the {en} of {}", field_label(s, *f))
            };
        }
    }
    format!("`{}`", w.expr(e))
}

/// What a category pays, in amounts: rows by their amount and label, a
/// lookup or `match` as the list of what each value pays, `if` as its two
/// cases; any other formula as the policy writes it.
fn pay_text(s: &Scheme, w: &Words, lang: &Lang, e: &Expr) -> String {
    match e {
        Expr::Lit(v) => value_label(s, w, lang, v),
        Expr::Row(r) => row_amount(s, w, lang, *r),
        Expr::Lookup { table, key } => {
            let Some(t) = s.tables.get(*table as usize) else {
                return format!("`{}`", w.expr(e));
            };
            let cases: Vec<String> = t
                .rows
                .iter()
                .map(|row| {
                    let key = row
                        .key
                        .as_ref()
                        .map_or_else(|| row.name.clone(), |k| value_label(s, w, lang, k));
                    let amount = match &row.amount {
                        RowAmount::Money(m) => w.money(*m),
                        RowAmount::Value(v) => value_label(s, w, lang, v),
                        RowAmount::SameAs(r) => {
                            s.resolve_row(*r).map(|m| w.money(m)).unwrap_or_default()
                        }
                    };
                    format!("{key} → {amount}")
                })
                .collect();
            by(s, w, lang, key, &cases)
        }
        Expr::Match { scrutinee, arms } => {
            let cases: Vec<String> = arms
                .iter()
                .map(|a| {
                    let pats: Vec<String> =
                        a.patterns.iter().map(|p| pattern(s, w, lang, p)).collect();
                    format!(
                        "{} → {}",
                        pats.join(lang.t("或", " or ")),
                        pay_text(s, w, lang, &a.body)
                    )
                })
                .collect();
            by(s, w, lang, scrutinee, &cases)
        }
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            let cond = sentence(s, w, lang, cond);
            let then = pay_text(s, w, lang, then);
            let otherwise = pay_text(s, w, lang, otherwise);
            if lang.zh {
                format!("{cond}时 {then}；否则 {otherwise}")
            } else {
                format!("{then} if {cond}; otherwise {otherwise}")
            }
        }
        Expr::Field(_)
        | Expr::Not(_)
        | Expr::Neg(_)
        | Expr::And(_)
        | Expr::Or(_)
        | Expr::Compare { .. }
        | Expr::Arith { .. }
        | Expr::InSet { .. }
        | Expr::InRange { .. }
        | Expr::IsPresent(_)
        | Expr::Default { .. }
        | Expr::ItemDefault { .. }
        | Expr::Call { .. }
        | Expr::Let(_)
        | Expr::RoundPart(_)
        | Expr::Item(_)
        | Expr::ItemPresent(_)
        | Expr::Any(_)
        | Expr::All { .. }
        | Expr::Aggregate { .. }
        | Expr::Round { .. } => format!("`{}`", w.expr(e)),
    }
}

/// `by LABEL: case; case`
fn by(s: &Scheme, w: &Words, lang: &Lang, key: &Expr, cases: &[String]) -> String {
    if lang.zh {
        format!("按{}：{}", subject(s, w, lang, key), cases.join("；"))
    } else {
        format!("by {}: {}", subject(s, w, lang, key), cases.join("; "))
    }
}

/// A `match` pattern in words.
fn pattern(s: &Scheme, w: &Words, lang: &Lang, p: &Pattern) -> String {
    match p {
        Pattern::Wildcard => lang.t("其他", "any other").to_string(),
        Pattern::Value(v) => value_label(s, w, lang, v),
        Pattern::Range { lo, hi, inclusive } => {
            let lo = lo.as_ref().map(|v| value_label(s, w, lang, v));
            let hi = hi.as_ref().map(|v| value_label(s, w, lang, v));
            match (lo, hi, lang.zh) {
                (Some(l), Some(h), true) if *inclusive => format!("{l}至{h}"),
                (Some(l), Some(h), true) => format!("{l}至{h}（不含{h}）"),
                (Some(l), Some(h), false) if *inclusive => format!("{l} to {h}"),
                (Some(l), Some(h), false) => format!("{l} to {h} (excluding {h})"),
                (Some(l), None, true) => format!("{l}及以上"),
                (Some(l), None, false) => format!("{l} or more"),
                (None, Some(h), true) if *inclusive => format!("{h}及以下"),
                (None, Some(h), true) => format!("低于{h}"),
                (None, Some(h), false) if *inclusive => format!("{h} or less"),
                (None, Some(h), false) => format!("below {h}"),
                (None, None, _) => lang.t("其他", "any other").to_string(),
            }
        }
    }
}
