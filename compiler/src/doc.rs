//! A scheme as a readable document (Markdown), for checking the encoding
//! against the notice side by side: who qualifies in plain words, each
//! category's conditions as sentences, the payout tables, the award rule and
//! the timeline, each beside its clause reference and quoted source text.
//! In Chinese when the scheme's title is Chinese.

use bursar_runtime::ir::{
    CompareOp, Condition, ConditionKind, Criterion, Expr, FieldId, RowAmount, Scheme, Value,
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
}

/// Renders a scheme as Markdown.
pub fn markdown(s: &Scheme) -> String {
    let lang = Lang {
        zh: s
            .header
            .title
            .as_deref()
            .is_some_and(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
    };
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
            &format!("满足以下任一类别者可获资助（{}）。", category_list(s)),
            &format!("and one of the categories below ({}).", category_list(s))
        )
    ));

    // Categories.
    out.push_str(&format!("## {}\n\n", lang.t("助推类别", "Categories")));
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
        out.push_str(&format!(
            "\n{} {}{}\n\n",
            lang.t("资助金额：", "Pays:"),
            pay_text(&w, &cat.pay),
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
            let label = r.label.clone().unwrap_or_else(|| r.name.clone());
            let amount = match &r.amount {
                RowAmount::Money(m) => w.money(*m),
                RowAmount::SameAs(rr) => {
                    let resolved = s.resolve_row(*rr).map(|m| w.money(m)).unwrap_or_default();
                    format!(
                        "{} `{}`（{resolved}）",
                        lang.t("参照", "same as"),
                        w.row_name(*rr)
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
        let field = s
            .applicant
            .get(app.received as usize)
            .map(|f| f.label.clone().unwrap_or_else(|| f.name.clone()))
            .unwrap_or_default();
        if let Some(d) = &app.deadline {
            out.push_str(&format!(
                "- {} {}（{}：{field}）{}\n",
                lang.t("申报截止：", "Applications close:"),
                w.expr(d),
                lang.t("以此日期为准", "by"),
                clause_ref(&app.deadline_clause.clone().or(app.clause.clone()))
            ));
        }
        if let Some(o) = &app.opens {
            out.push_str(&format!(
                "- {} {}\n",
                lang.t("申报开始：", "Applications open:"),
                w.expr(o)
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
        let within = if lang.zh {
            let unit = match step.within.unit {
                bursar_runtime::ir::DurationUnit::Days => "天",
                bursar_runtime::ir::DurationUnit::WorkingDays => "个工作日",
                bursar_runtime::ir::DurationUnit::Weeks => "周",
                bursar_runtime::ir::DurationUnit::Months => "个月",
                bursar_runtime::ir::DurationUnit::Years => "年",
            };
            format!("{} {unit}内", step.within.count)
        } else {
            w.value(&Value::Duration(step.within.into()))
        };
        out.push_str(&format!(
            "- {}（`{}`）：{} {after} {} {within}{}\n",
            step.label.clone().unwrap_or_else(|| step.name.clone()),
            step.name,
            lang.t("自", "from"),
            lang.t("起", "within"),
            clause_ref(&step.clause)
        ));
    }
    out.push('\n');

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
                    values.join("、")
                })
            }
            other => format!("{other:?}").to_lowercase(),
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

fn category_list(s: &Scheme) -> String {
    s.categories
        .iter()
        .map(|c| c.label.clone().unwrap_or_else(|| c.name.clone()))
        .collect::<Vec<_>>()
        .join("、")
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
        (Some(l), ConditionKind::When) => format!("{l}：{sentence}"),
        (Some(l), ConditionKind::Unless) => {
            format!("{}{l}：{sentence}", lang.t("排除——", "excluded: "))
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

fn value_label(s: &Scheme, w: &Words, v: &Value) -> String {
    match v {
        Value::Enum { ty, variant } => s
            .enums
            .get(*ty as usize)
            .and_then(|e| e.variants.get(*variant as usize))
            .map_or_else(
                || w.value(v),
                |x| x.label.clone().unwrap_or_else(|| x.name.clone()),
            ),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        other => w.value(other),
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
                parts.push(sentence(s, w, lang, item));
            }
            parts.join(lang.t("，且", ", and "))
        }
        Expr::Or(items) => items
            .iter()
            .map(|e| sentence(s, w, lang, e))
            .collect::<Vec<_>>()
            .join(lang.t("，或", ", or ")),
        Expr::Not(a) => format!("{}{}", lang.t("并非：", "not: "), sentence(s, w, lang, a)),
        Expr::IsPresent(f) => format!("{}{}", lang.t("已填写", "has "), field_label(s, *f)),
        Expr::Field(f) => field_label(s, *f),
        Expr::InRange {
            expr,
            lo,
            hi,
            inclusive,
        } => {
            let subject = subject(s, w, expr);
            let lo = lo.as_ref().map(|b| w.expr(b));
            let hi = hi.as_ref().map(|b| w.expr(b));
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
                (None, Some(h), true) => format!("{subject}不晚于/不超过{h}"),
                (None, Some(h), false) => format!("{subject} is at most {h}"),
                (None, None, _) => subject,
            }
        }
        Expr::InSet { expr, set } => {
            let items: Vec<String> = set.iter().map(|v| value_label(s, w, v)).collect();
            if lang.zh {
                format!("{}为{}之一", subject(s, w, expr), items.join("、"))
            } else {
                format!("{} is one of: {}", subject(s, w, expr), items.join(", "))
            }
        }
        Expr::Compare { op, lhs, rhs } => {
            let v = match &**rhs {
                Expr::Lit(v) => value_label(s, w, v),
                other => w.expr(other),
            };
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
            format!("{}{op_text}{v}", subject(s, w, lhs))
        }
        other => format!("`{}`", w.expr(other)),
    }
}

/// What a condition is about: a field's label, or `year(…)` of it.
fn subject(s: &Scheme, w: &Words, e: &Expr) -> String {
    match e {
        Expr::Field(f) => field_label(s, *f),
        Expr::Call { func, args } => match args.as_slice() {
            [Expr::Field(f)] => {
                let part = match func {
                    bursar_runtime::ir::Builtin::Year => "年份",
                    bursar_runtime::ir::Builtin::Month => "月份",
                    bursar_runtime::ir::Builtin::Day => "日",
                    other => other.name(),
                };
                format!("{}的{part}", field_label(s, *f))
            }
            _ => w.expr(e),
        },
        other => w.expr(other),
    }
}

/// A pay expression, with table rows by label.
fn pay_text(w: &Words, e: &Expr) -> String {
    match e {
        Expr::Match { scrutinee, arms } => {
            let arms: Vec<String> = arms
                .iter()
                .map(|a| {
                    let pats: Vec<String> = a
                        .patterns
                        .iter()
                        .map(|p| match p {
                            bursar_runtime::ir::Pattern::Wildcard => "_".to_string(),
                            bursar_runtime::ir::Pattern::Value(v) => w.value(v),
                            bursar_runtime::ir::Pattern::Range { lo, hi, inclusive } => format!(
                                "{}{}{}",
                                lo.as_ref().map(|v| w.value(v)).unwrap_or_default(),
                                if *inclusive { "..=" } else { ".." },
                                hi.as_ref().map(|v| w.value(v)).unwrap_or_default()
                            ),
                        })
                        .collect();
                    format!("{} → `{}`", pats.join(" | "), w.expr(&a.body))
                })
                .collect();
            format!("`{}`: {}", w.expr(scrutinee), arms.join("; "))
        }
        other => format!("`{}`", w.expr(other)),
    }
}
