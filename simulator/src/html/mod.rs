//! Reports as one self-contained HTML page, to hand round: opened from an
//! email attachment, printed on A4. No script, font, image or style comes
//! from anywhere else (a content security policy in the page says so to
//! the browser), and the charts are inline SVG drawn here (`svg.rs`).
//!
//! The page is in the scheme's language (its headings Chinese for a
//! Chinese scheme, with the scheme's own labels), holds the figures of the
//! text report, and puts each figure beside the clause of the notice it
//! comes from (`§二(一)`, the clause's text on hover). All text from a
//! policy or the command line is escaped.

mod svg;

use std::collections::{BTreeMap, BTreeSet};

use bursar_runtime::Money;

use crate::render::text::{count, signed_count};
use crate::render::{cash_flow_cases, category_counts, Words};
use crate::report::{money_text, Comparison, MovementReport, Report, Warning};
use svg::{Band, Group, Mark};

/// A range of outcomes per month (say the 5th to the 95th percentile of
/// many draws), drawn as a band behind the cash flow's columns.
#[derive(Clone, Debug, Default)]
pub struct CashFlowBand {
    /// What the band is (`p5–p95 of 200 draws`).
    pub name: String,
    pub low: BTreeMap<String, Money>,
    pub high: BTreeMap<String, Money>,
}

/// The report of one scheme over one population as a page.
pub fn report(r: &Report) -> String {
    report_with_band(r, None)
}

/// The report as a page, with a band of outcomes behind its cash flow.
pub fn report_with_band(r: &Report, band: Option<&CashFlowBand>) -> String {
    let p = Page::new(r);
    let w = &p.w;
    let mut out = p.head(&format!(
        "{} — {}",
        p.title(r),
        w.t("预算测算报告", "budget report")
    ));
    out.push_str(&p.header(r, w.t("预算测算报告", "Budget report")));
    out.push_str(&p.summary(r));
    out.push_str(&p.categories(r));
    out.push_str(&p.quotas(r));
    out.push_str(&p.instalments(r));
    out.push_str(&p.rounds(r));
    out.push_str(&p.payers(r));
    out.push_str(&p.amounts(r));
    out.push_str(&p.not_eligible(r));
    out.push_str(&p.cash_flow(r, band));
    out.push_str(&p.lists(r));
    out.push_str(&p.footer());
    out
}

/// Two schemes over one population as a page: the change in total and per
/// category, winners and losers and how their payments change, and the
/// cash flow of both.
pub fn comparison(c: &Comparison) -> String {
    let (b, r) = (&c.base, &c.reform);
    let p = Page::new(b);
    let w = &p.w;
    let mut out = p.head(&format!(
        "{} — {}",
        p.title(r),
        w.t("方案比较", "comparison")
    ));
    out.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n<dl class=\"source\">\n",
        escape(&p.title(r)),
        w.t(
            "方案比较：现行方案与改革方案，同一人口逐人比较",
            "Comparison: the base and the reform, person by person over one population"
        )
    ));
    for (side, rep) in [(w.t("现行方案", "base"), b), (w.t("改革方案", "reform"), r)] {
        out.push_str(&format!(
            "<dt>{side}</dt><dd>{}</dd>\n",
            p.describe_source(rep)
        ));
    }
    out.push_str(&format!(
        "<dt>{}</dt><dd>{}</dd>\n</dl>\n{}</header>\n",
        w.t("人口数据", "population"),
        p.population(b),
        p.warnings(&c.warnings)
    ));
    out.push_str(&p.comparison_summary(c));
    out.push_str(&p.winners_and_losers(c));
    out.push_str(&p.comparison_cash_flow(c));
    out.push_str(&p.footer());
    out
}

/// `text` with `&`, `<`, `>` and both quotes escaped: safe in an element
/// and in a quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What every part of a page needs: its words, what it cites, its money.
struct Page<'a> {
    w: Words,
    lang: &'static str,
    report: &'a Report,
}

/// A table's column: its heading and whether it holds numbers (aligned
/// right, never wrapped).
type Column<'a> = (&'a str, bool);

impl<'a> Page<'a> {
    fn new(report: &'a Report) -> Page<'a> {
        let lang = report.citations.language;
        Page {
            w: Words::of(report),
            lang,
            report,
        }
    }

    fn money(&self, m: Money) -> String {
        money_text(&self.report.currency, m)
    }

    fn signed(&self, m: Money) -> String {
        if m > Money::ZERO {
            format!("+{}", self.money(m))
        } else {
            self.money(m)
        }
    }

    /// A loss, kept as the (non-negative) amount lost, with its minus sign.
    fn lost(&self, m: Money) -> String {
        if m > Money::ZERO {
            format!("-{}", self.money(m))
        } else {
            self.money(m)
        }
    }

    fn title(&self, r: &Report) -> String {
        r.citations
            .title
            .clone()
            .unwrap_or_else(|| r.scheme.clone())
    }

    /// `§二(一) 获得…`: a clause and its text, for a tooltip.
    fn clause_text(&self, clause: &str) -> String {
        match self.report.citations.clauses.get(clause) {
            Some(text) => format!("§{clause} {text}"),
            None => format!("§{clause}"),
        }
    }

    /// A clause cited beside a figure: its id, its text on hover.
    fn cite(&self, clause: Option<&str>) -> String {
        clause.map_or_else(String::new, |c| {
            format!(
                "<span class=\"cite\" title=\"{}\">§{}</span>",
                escape(&self.clause_text(c)),
                escape(c)
            )
        })
    }

    /// A category's clause, and the clause of what it pays when that is
    /// another.
    fn category_cites(&self, name: &str) -> String {
        let Some(c) = self.report.citations.categories.get(name) else {
            return String::new();
        };
        let mut out = self.cite(c.clause.as_deref());
        if c.pay_clause.is_some() && c.pay_clause != c.clause {
            out.push(' ');
            out.push_str(&self.cite(c.pay_clause.as_deref()));
        }
        out
    }

    /// The category's clauses as text, for a chart's tooltip.
    fn category_clause_text(&self, name: &str) -> String {
        self.report
            .citations
            .categories
            .get(name)
            .and_then(|c| c.clause.as_deref())
            .map_or_else(String::new, |c| format!(" — {}", self.clause_text(c)))
    }

    fn head(&self, title: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"bursar\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            self.lang,
            escape(title)
        )
    }

    fn footer(&self) -> String {
        format!(
            "<footer>\n<p>{}</p>\n</footer>\n</body>\n</html>\n",
            self.w.t(
                "本报告由 bursar 生成，数字与文字报告相同。§ 后为所依据的通知条款，鼠标悬停可见原文；图中每一项悬停可见其数字与条款。",
                "Made by bursar; the figures are those of the text report. § marks the clause of the notice a figure comes from: hover over it for its text, and over a bar for its figure and clause."
            )
        )
    }

    /// The scheme, its bundle, scenario, overrides and assumptions.
    fn describe_source(&self, r: &Report) -> String {
        let mut out = format!(
            "{} <span class=\"name\">{}</span><br><span class=\"hash\">{}</span>",
            escape(&self.title(r)),
            escape(&r.scheme),
            escape(&r.bundle_hash)
        );
        if let Some(s) = &r.scenario {
            out.push_str(&format!(
                "<br>{} {}",
                self.w.t("情景", "scenario"),
                escape(s)
            ));
        }
        for o in &r.overrides {
            out.push_str(&format!(
                "<br>{} <code>{}</code>",
                self.w.t("修改", "override"),
                escape(o)
            ));
        }
        if let Some(a) = &r.assumptions {
            out.push_str(&format!(
                "<br>{} {}",
                self.w.t("行为假设", "assumed"),
                escape(&a.describe())
            ));
        }
        out
    }

    fn population(&self, r: &Report) -> String {
        let mut out = format!(
            "{} ({} {})",
            escape(&r.population.file),
            count(r.rows),
            self.w.t("行", "rows")
        );
        if let Some(weight) = &r.weight {
            // Every figure of the page is weighted: said where the
            // population is named.
            let column = format!("<code>{}</code>", escape(&weight.column));
            let persons = count(weight.persons);
            out.push_str(&if self.w.zh {
                format!("<br>按列 {column} 加权：每行代表 {column} 人（共 {persons} 人）")
            } else {
                format!("<br>weighted by column {column}: each row counts as {column} persons ({persons} persons in all)")
            });
        }
        out
    }

    /// The run's warnings, where they cannot be missed (empty without any).
    fn warnings(&self, warnings: &[Warning]) -> String {
        warnings
            .iter()
            .map(|w| {
                let text = match w {
                    Warning::OutsidePeriod {
                        applications,
                        scheme,
                        start,
                        end,
                    } if self.w.zh => format!(
                        "有 {} 份申报的收件日期不在 <code>{}</code> 的实施期间（{start} 至 {end}）内：人口数据是否为其他年度的？",
                        count(*applications),
                        escape(scheme)
                    ),
                    Warning::OutsidePeriod { .. } => escape(&w.to_string()),
                };
                format!(
                    "<p class=\"warning\"><strong>{}</strong> {text}</p>\n",
                    self.w.t("注意：", "Warning:"),
                )
            })
            .collect()
    }

    fn header(&self, r: &Report, kind: &str) -> String {
        let w = &self.w;
        let c = &r.citations;
        let mut sub = vec![kind.to_string()];
        sub.extend(c.issuer.iter().map(|s| escape(s)));
        sub.extend(c.document.iter().map(|s| escape(s)));
        format!(
            "<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n<dl class=\"source\">\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n</dl>\n{}</header>\n",
            escape(&self.title(r)),
            sub.join(" · "),
            w.t("方案", "scheme"),
            self.describe_source(r),
            w.t("人口数据", "population"),
            self.population(r),
            self.warnings(&r.warnings)
        )
    }

    fn summary(&self, r: &Report) -> String {
        let w = &self.w;
        let mut rows: Vec<(&str, u64, Option<Money>)> =
            vec![(w.t("读取行数", "rows read"), r.rows, None)];
        if r.skipped_rows > 0 {
            rows.push((
                w.t("跳过的行（数据有误）", "rows skipped (bad data)"),
                r.skipped_rows,
                None,
            ));
        }
        if r.applications {
            rows.push((w.t("已申报", "applied"), r.applicants, None));
        }
        rows.push((w.t("获资助", "paid"), r.paid, Some(r.total)));
        if r.applications {
            rows.push((
                w.t("符合条件，未申报", "eligible, did not apply"),
                r.eligible_not_applied,
                None,
            ));
            rows.push((
                w.t("符合条件，逾期申报", "eligible, applied late"),
                r.eligible_late,
                None,
            ));
        }
        if r.eligible_early > 0 {
            rows.push((
                w.t("符合条件，提前申报", "eligible, applied too early"),
                r.eligible_early,
                None,
            ));
        }
        if let Some(n) = r.eligible_no_place {
            rows.push((w.t("符合条件，未获名额", "eligible, no place"), n, None));
        }
        if r.nothing_due > 0 {
            rows.push((
                w.t("符合条件，应付为零", "eligible, nothing due"),
                r.nothing_due,
                None,
            ));
        }
        rows.push((
            w.t("不符合条件", "not eligible"),
            r.not_eligible.persons,
            None,
        ));
        if r.errors > 0 {
            rows.push((
                w.t("规则无法计算", "rules could not be evaluated"),
                r.errors,
                None,
            ));
        }
        let mut t = table(&[
            ("", false),
            (w.t("人数", "persons"), true),
            (w.t("金额", "money"), true),
        ]);
        for (name, n, money) in rows {
            t.push_str(&row(&[
                (name.to_string(), false),
                (count(n), true),
                (money.map(|m| self.money(m)).unwrap_or_default(), true),
            ]));
        }
        section("summary", w.t("概要", "Summary"), &format!("{t}</table>\n"))
    }

    fn categories(&self, r: &Report) -> String {
        let w = &self.w;
        let listed: Vec<(&String, &crate::report::CategoryReport)> = r
            .category_order
            .iter()
            .filter_map(|n| r.by_category.get(n).map(|c| (n, c)))
            .collect();
        let groups: Vec<Group> = listed
            .iter()
            .map(|(name, c)| Group {
                label: c.label.clone().unwrap_or_else(|| (*name).clone()),
                marks: vec![Mark {
                    value: i128::from(c.total.minor()),
                    class: "s0",
                    title: format!(
                        "{}: {}, {} {}{}",
                        c.label.as_deref().unwrap_or(name),
                        self.money(c.total),
                        count(c.paid),
                        w.t("人获资助", "persons paid"),
                        self.category_clause_text(name)
                    ),
                    figure: self.money(c.total),
                }],
            })
            .collect();
        let chart = svg::bars(
            "by-category",
            w.t("各类别资助金额", "Money paid by category"),
            &groups,
            &[],
        );
        let mut t = table(&[
            (w.t("类别", "category"), false),
            (w.t("条款", "clause"), false),
            (w.t("满足条件", "qualifying"), true),
            (w.t("有资格", "eligible"), true),
            (w.t("获资助", "paid"), true),
            (w.t("金额", "money"), true),
        ]);
        for (name, c) in &listed {
            t.push_str(&row(&[
                (named(name, c.label.as_deref()), false),
                (self.category_cites(name), false),
                (count(c.qualifying), true),
                (count(c.eligible), true),
                (count(c.paid), true),
                (self.money(c.total), true),
            ]));
        }
        section(
            "categories",
            w.t("按类别", "By category"),
            &format!(
                "<figure>\n{chart}<figcaption>{}</figcaption>\n</figure>\n{t}</table>\n<p class=\"note\">{}</p>\n",
                w.t("各类别支付的金额；悬停可见人数与条款。", "What each category pays; hover for persons and clause."),
                w.sentence(&category_counts(r))
            ),
        )
    }

    fn quotas(&self, r: &Report) -> String {
        if r.pool_order.is_empty() {
            return String::new();
        }
        let w = &self.w;
        // Nine columns: the clause goes with the name, and the type is
        // smaller, so the table fits an A4 page.
        let mut t = table(&[
            (w.t("名额", "quota"), false),
            (w.t("名额或资金", "places or money"), true),
            (w.t("有资格", "eligible"), true),
            (w.t("获名额", "allocated"), true),
            (w.t("未获", "left out"), true),
            (w.t("每名额申请数", "claims per place"), true),
            (w.t("中签率", "odds"), true),
            (w.t("金额", "money"), true),
            (w.t("预期", "expected"), true),
        ]);
        let mut orders = String::new();
        for (name, p) in r
            .pool_order
            .iter()
            .filter_map(|n| r.by_pool.get(n).map(|p| (n, p)))
        {
            t.push_str(&row(&[
                (
                    format!(
                        "{} {}",
                        named(name, p.label.as_deref()),
                        self.cite(p.clause.as_deref())
                    ),
                    false,
                ),
                (
                    match (p.places, p.budget) {
                        (Some(n), _) => count(n),
                        (None, Some(m)) => self.money(m),
                        (None, None) => "-".into(),
                    },
                    true,
                ),
                (count(p.eligible), true),
                (count(p.allocated), true),
                (count(p.left_out), true),
                (
                    p.oversubscription
                        .map_or_else(|| "-".into(), |x| format!("{x:.2}")),
                    true,
                ),
                (
                    p.odds
                        .map_or_else(|| "-".into(), |o| format!("{:.1}%", o * 100.0)),
                    true,
                ),
                (self.money(p.total), true),
                (
                    p.expected_total
                        .map_or_else(|| "-".into(), |m| self.money(m)),
                    true,
                ),
            ]));
            orders.push_str(&format!(
                "<li>{} {}: {}</li>\n",
                self.cite(p.clause.as_deref()),
                escape(name),
                escape(&p.order)
            ));
        }
        section(
            "quotas",
            w.t(
                "按名额（全部决定后分配名额与资金）",
                "By quota (places and money given after everyone is decided)",
            ),
            &format!(
                "{}</table>\n<ul>\n{orders}</ul>\n",
                t.replacen("<table>", "<table class=\"wide\">", 1)
            ),
        )
    }

    fn instalments(&self, r: &Report) -> String {
        let Some(p) = &r.instalments_pending else {
            return String::new();
        };
        let w = &self.w;
        let mut t = table(&[
            ("", false),
            (w.t("人数", "persons"), true),
            (w.t("金额", "money"), true),
        ]);
        t.push_str(&row(&[
            (
                w.t(
                    "已承诺、未计入总额（待记录后支付）",
                    "promised, not in the total (paid once recorded)",
                )
                .to_string(),
                false,
            ),
            (count(p.persons), true),
            (self.money(p.total), true),
        ]));
        section(
            "instalments",
            w.t("未到期的分期", "Instalments not due yet"),
            &format!("{t}</table>\n"),
        )
    }

    fn rounds(&self, r: &Report) -> String {
        if r.round_order.is_empty() {
            return String::new();
        }
        let w = &self.w;
        let mut t = table(&[
            (w.t("轮次", "round"), false),
            (w.t("条款", "clause"), false),
            (w.t("资格日", "qualifies"), false),
            (w.t("支付期间", "paid in"), false),
            (w.t("有资格", "eligible"), true),
            (w.t("获资助", "paid"), true),
            (w.t("金额", "money"), true),
        ]);
        for (name, x) in r
            .round_order
            .iter()
            .filter_map(|n| r.by_round.get(n).map(|x| (n, x)))
        {
            t.push_str(&row(&[
                (named(name, x.label.as_deref()), false),
                (self.cite(x.clause.as_deref()), false),
                (x.date.to_string(), false),
                (format!("{} ..= {}", x.paid_start, x.paid_end), false),
                (count(x.eligible), true),
                (count(x.paid), true),
                (self.money(x.total), true),
            ]));
        }
        section(
            "rounds",
            w.t(
                "按轮次（各在其支付期间支付）",
                "By round (each paid in its own window)",
            ),
            &format!("{t}</table>\n"),
        )
    }

    fn payers(&self, r: &Report) -> String {
        if r.payer_order.is_empty() {
            return String::new();
        }
        let w = &self.w;
        let mut t = table(&[
            (w.t("支付方", "payer"), false),
            (w.t("条款", "clause"), false),
            (w.t("方式", "terms"), false),
            (w.t("获资助", "paid"), true),
            (w.t("金额", "money"), true),
        ]);
        for (name, p) in r
            .payer_order
            .iter()
            .filter_map(|n| r.by_payer.get(n).map(|p| (n, p)))
        {
            t.push_str(&row(&[
                (named(name, p.label.as_deref()), false),
                (self.cite(p.clause.as_deref()), false),
                (escape(p.terms.as_deref().unwrap_or("")), false),
                (count(p.paid), true),
                (self.money(p.total), true),
            ]));
        }
        section(
            "payers",
            w.t(
                "按支付方（各自的预算）",
                "By payer (each payer's own budget)",
            ),
            &format!("{t}</table>\n"),
        )
    }

    /// The payout table rows paying `amount`, each with its clause.
    fn amount_rows(&self, amount: Money) -> (String, String) {
        let rows: Vec<&crate::citations::AmountRow> =
            self.report.citations.rows_paying(amount).collect();
        let html = rows
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    named(&a.row, a.label.as_deref()),
                    self.cite(a.clause.as_deref())
                )
            })
            .collect::<Vec<_>>()
            .join("<br>");
        let text = rows
            .iter()
            .map(|a| {
                let clause = a
                    .clause
                    .as_deref()
                    .map_or_else(String::new, |c| format!(" {}", self.clause_text(c)));
                format!("{}{clause}", a.label.as_deref().unwrap_or(&a.row))
            })
            .collect::<Vec<_>>()
            .join("; ");
        (html, text)
    }

    /// The amounts paid in at most [`MAX_BARS`] ranges of equal width, a
    /// bar each: what the persons paid within the range come to.
    fn amount_ranges(&self, r: &Report) -> Vec<Group> {
        let w = &self.w;
        let items = r.paid_by_amount.iter().map(|a| Item {
            value: a.amount.minor(),
            persons: a.persons,
            money: a.total,
        });
        bins(items, MAX_BARS)
            .into_iter()
            .map(|b| {
                // A range's money is part of the total, which fits.
                let money = b.money.money().unwrap_or(Money::ZERO);
                let label = format!("{}–{}", Money(b.low).grouped(), self.money(Money(b.high)));
                Group {
                    marks: vec![Mark {
                        value: i128::from(money.minor()),
                        class: "s0",
                        title: format!(
                            "{label}: {} {}, {} {}",
                            count(b.persons),
                            w.t("人", "persons"),
                            count(b.amounts),
                            w.t("种金额", "amounts"),
                        ),
                        figure: format!(
                            "{} ({} {})",
                            self.money(money),
                            count(b.persons),
                            w.t("人", "persons")
                        ),
                    }],
                    label,
                }
            })
            .collect()
    }

    fn amounts(&self, r: &Report) -> String {
        if r.paid_by_amount.is_empty() {
            return String::new();
        }
        let w = &self.w;
        let groups: Vec<Group> = if r.paid_by_amount.len() > MAX_BARS {
            self.amount_ranges(r)
        } else {
            r.paid_by_amount
                .iter()
                .map(|a| {
                    let (_, rows) = self.amount_rows(a.amount);
                    Group {
                        label: self.money(a.amount),
                        marks: vec![Mark {
                            value: i128::from(a.total.minor()),
                            class: "s0",
                            title: format!(
                                "{} × {} = {}{}",
                                count(a.persons),
                                self.money(a.amount),
                                self.money(a.total),
                                if rows.is_empty() {
                                    String::new()
                                } else {
                                    format!(" — {rows}")
                                }
                            ),
                            figure: format!(
                                "{} ({} {})",
                                self.money(a.total),
                                count(a.persons),
                                w.t("人", "persons")
                            ),
                        }],
                    }
                })
                .collect()
        };
        let chart = svg::bars(
            "by-amount",
            w.t("按资助金额", "Money by amount paid"),
            &groups,
            &[],
        );
        let mut t = table(&[
            (w.t("金额", "amount"), true),
            (w.t("人数", "persons"), true),
            (w.t("合计", "money"), true),
            (w.t("资助标准", "payout table rows"), false),
        ]);
        for a in &r.paid_by_amount {
            t.push_str(&row(&[
                (self.money(a.amount), true),
                (count(a.persons), true),
                (self.money(a.total), true),
                (self.amount_rows(a.amount).0, false),
            ]));
        }
        section(
            "amounts",
            w.t("按金额", "Paid by amount"),
            &format!(
                "<figure>\n{chart}<figcaption>{}</figcaption>\n</figure>\n{t}</table>\n",
                w.t(
                    "每一金额支付的人数与合计；资助标准为支付该金额的标准行。",
                    "Persons paid each amount and what they come to; the payout table rows paying that amount beside it."
                )
            ),
        )
    }

    fn not_eligible(&self, r: &Report) -> String {
        if r.not_eligible.by_reason.is_empty() {
            return String::new();
        }
        let w = &self.w;
        let mut t = table(&[
            (w.t("人数", "persons"), true),
            (w.t("类别", "category"), false),
            (w.t("条款", "clause"), false),
            (w.t("条件", "condition"), false),
        ]);
        for reason in &r.not_eligible.by_reason {
            let category = match &reason.category {
                Some(c) => named(c, r.by_category.get(c).and_then(|x| x.label.as_deref())),
                None => w.t("（全部）", "(all)").to_string(),
            };
            t.push_str(&row(&[
                (count(reason.persons), true),
                (category, false),
                (self.cite(reason.clause.as_deref()), false),
                (escape(&self.condition(&reason.condition)), false),
            ]));
        }
        section(
            "not-eligible",
            w.t(
                "不符合条件：未满足的条件",
                "Not eligible, by the condition that stopped them",
            ),
            &format!("{t}</table>\n"),
        )
    }

    /// A reason as the report words it, in the page's language: the
    /// report's own words (the two it adds to the scheme's labels) become
    /// Chinese ones on a Chinese page.
    fn condition(&self, text: &str) -> String {
        if text.starts_with("in no target group") {
            return self
                .w
                .t(
                    "不属于任何资助类别（每一类别的第一个条件都不满足）",
                    "in no target group (the first condition of every category fails)",
                )
                .to_string();
        }
        match text.strip_prefix("excluded: ") {
            Some(rest) => format!("{}{rest}", self.w.t("排除：", "excluded: ")),
            None => text.to_string(),
        }
    }

    /// The steps whose limits place payments in their months, cited.
    fn timeline_cites(&self) -> String {
        let c = &self.report.citations;
        let steps: Vec<String> = c
            .timeline
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    escape(s.label.as_deref().unwrap_or(&s.name)),
                    self.cite(s.clause.as_deref())
                )
            })
            .collect();
        let mut out = String::new();
        if let Some(d) = &c.deadline {
            out.push_str(&format!(
                "{} {}",
                self.w.t("申报截止", "deadline"),
                self.cite(Some(d))
            ));
        }
        if !steps.is_empty() {
            if !out.is_empty() {
                out.push_str(self.w.t("；", "; "));
            }
            out.push_str(&format!(
                "{}{}",
                self.w.t("办理时限：", "steps: "),
                steps.join(self.w.t("，", ", "))
            ));
        }
        out
    }

    /// The clauses a payment's month comes from (the deadline and the
    /// steps), as ids, for a chart's tooltip.
    fn timeline_clause_ids(&self) -> String {
        let c = &self.report.citations;
        let ids: Vec<String> = c
            .deadline
            .iter()
            .chain(c.timeline.iter().filter_map(|s| s.clause.as_ref()))
            .map(|id| format!("§{id}"))
            .collect();
        if ids.is_empty() {
            String::new()
        } else {
            format!(" — {}", ids.join(" "))
        }
    }

    fn cash_flow(&self, r: &Report, band: Option<&CashFlowBand>) -> String {
        if r.cash_flow.is_empty() && r.cash_flow_expected.is_empty() {
            return String::new();
        }
        let w = &self.w;
        let months = months(&[&r.cash_flow, &r.cash_flow_expected]);
        let at =
            |flow: &BTreeMap<String, Money>, m: &str| flow.get(m).copied().unwrap_or(Money::ZERO);
        let (latest, expected) = (
            w.t("最晚情形", "latest case"),
            w.t("预期情形", "expected case"),
        );
        let cited = self.timeline_clause_ids();
        let groups: Vec<Group> = months
            .iter()
            .map(|m| Group {
                label: m.clone(),
                marks: vec![
                    Mark {
                        value: i128::from(at(&r.cash_flow, m).minor()),
                        class: "s0",
                        title: format!("{m} {latest}: {}{cited}", self.money(at(&r.cash_flow, m))),
                        figure: String::new(),
                    },
                    Mark {
                        value: i128::from(at(&r.cash_flow_expected, m).minor()),
                        class: "s1",
                        title: format!(
                            "{m} {expected}: {}{cited}",
                            self.money(at(&r.cash_flow_expected, m))
                        ),
                        figure: String::new(),
                    },
                ],
            })
            .collect();
        let band = band.map(|b| Band {
            name: b.name.clone(),
            ranges: months
                .iter()
                .map(|m| match (b.low.get(m), b.high.get(m)) {
                    (Some(l), Some(h)) => Some((i128::from(l.minor()), i128::from(h.minor()))),
                    _ => None,
                })
                .collect(),
        });
        let chart = svg::columns(
            "cash-flow",
            w.t("按月资金流出", "Cash flow by month"),
            &groups,
            &[(latest.to_string(), "s0"), (expected.to_string(), "s1")],
            band.as_ref(),
            &|fen| axis_money(fen),
        );
        let explained = cash_flow_cases(*w, r);
        let mut t = table(&[
            (w.t("月份", "month"), false),
            (latest, true),
            (expected, true),
        ]);
        for m in &months {
            t.push_str(&row(&[
                (escape(m), false),
                (self.money(at(&r.cash_flow, m)), true),
                (self.money(at(&r.cash_flow_expected, m)), true),
            ]));
        }
        let cites = self.timeline_cites();
        section(
            "cash-flow",
            w.t("按月资金流出", "Cash flow by month"),
            &format!(
                "<figure>\n{chart}<figcaption>{explained} {}</figcaption>\n</figure>\n{t}</table>\n",
                cites
            ),
        )
    }

    fn lists(&self, r: &Report) -> String {
        let w = &self.w;
        let mut out = String::new();
        for (id, title, items) in [
            (
                "errors",
                w.t(
                    "规则无法计算的行（前 20 行）",
                    "Rows the rules could not be evaluated for (first 20)",
                ),
                &r.error_rows,
            ),
            (
                "skipped",
                w.t("跳过的行（前 20 行）", "Skipped rows (first 20)"),
                &r.skipped,
            ),
        ] {
            if items.is_empty() {
                continue;
            }
            let list: String = items
                .iter()
                .map(|s| format!("<li>{}</li>\n", escape(s)))
                .collect();
            out.push_str(&section(
                id,
                title,
                &format!("<ul class=\"rows\">\n{list}</ul>\n"),
            ));
        }
        out
    }

    /// A category's label in either report of a comparison.
    fn category_label<'b>(c: &'b Comparison, name: &str) -> Option<&'b str> {
        c.reform
            .by_category
            .get(name)
            .or_else(|| c.base.by_category.get(name))
            .and_then(|x| x.label.as_deref())
    }

    fn comparison_summary(&self, c: &Comparison) -> String {
        let w = &self.w;
        let (b, r) = (&c.base, &c.reform);
        let mut t = table(&[
            ("", false),
            (w.t("条款", "clause"), false),
            (w.t("现行方案", "base"), true),
            (w.t("改革方案", "reform"), true),
            (w.t("变化", "change"), true),
        ]);
        t.push_str(&row(&[
            (w.t("获资助人数", "persons paid").to_string(), false),
            (String::new(), false),
            (count(b.paid), true),
            (count(r.paid), true),
            (signed_count(c.delta.paid), true),
        ]));
        t.push_str(&row(&[
            (w.t("金额", "money").to_string(), false),
            (String::new(), false),
            (self.money(b.total), true),
            (self.money(r.total), true),
            (self.signed(c.delta.total), true),
        ]));
        let total =
            |rep: &Report, name: &str| rep.by_category.get(name).map_or(Money::ZERO, |x| x.total);
        let mut groups = Vec::new();
        for (name, d) in c
            .order
            .iter()
            .filter_map(|n| c.delta.by_category.get(n).map(|d| (n, d)))
        {
            let label = Self::category_label(c, name);
            let cites = Page::new(citing(c, name)).category_cites(name);
            t.push_str(&row(&[
                (
                    format!("<span class=\"indent\">{}</span>", named(name, label)),
                    false,
                ),
                (cites, false),
                (self.money(total(b, name)), true),
                (self.money(total(r, name)), true),
                (self.signed(d.total), true),
            ]));
            let clause = Page::new(citing(c, name)).category_clause_text(name);
            let shown = label.unwrap_or(name);
            groups.push(Group {
                label: shown.to_string(),
                marks: [
                    (b, w.t("现行方案", "base"), "s0"),
                    (r, w.t("改革方案", "reform"), "s1"),
                ]
                .into_iter()
                .map(|(rep, side, class)| Mark {
                    value: i128::from(total(rep, name).minor()),
                    class,
                    title: format!("{shown} {side}: {}{clause}", self.money(total(rep, name))),
                    figure: self.money(total(rep, name)),
                })
                .collect(),
            });
        }
        for (name, d) in c.payer_deltas() {
            let total = |rep: &Report| rep.by_payer.get(name).map_or(Money::ZERO, |p| p.total);
            let clause = r
                .by_payer
                .get(name)
                .or_else(|| b.by_payer.get(name))
                .and_then(|p| p.clause.as_deref());
            t.push_str(&row(&[
                (
                    format!(
                        "<span class=\"indent\">{} {}</span>",
                        w.t("支付方", "paid by"),
                        escape(name)
                    ),
                    false,
                ),
                (self.cite(clause), false),
                (self.money(total(b)), true),
                (self.money(total(r)), true),
                (self.signed(d.total), true),
            ]));
        }
        let chart = svg::bars(
            "category-change",
            w.t(
                "各类别金额：现行与改革",
                "Money by category: base and reform",
            ),
            &groups,
            &[
                (w.t("现行方案", "base").to_string(), "s0"),
                (w.t("改革方案", "reform").to_string(), "s1"),
            ],
        );
        section(
            "change",
            w.t("变化", "Change"),
            &format!("{t}</table>\n<figure>\n{chart}</figure>\n"),
        )
    }

    fn winners_and_losers(&self, c: &Comparison) -> String {
        let w = &self.w;
        let wl = &c.winners_and_losers;
        let mut t = table(&[
            ("", false),
            (w.t("人数", "persons"), true),
            (w.t("金额", "money"), true),
        ]);
        let under = |name: &str, m: &MovementReport, prefix: &str, amount: String| {
            row(&[
                (
                    format!(
                        "<span class=\"indent\">{prefix} {} {}</span>",
                        named(name, Self::category_label(c, name)),
                        Page::new(citing(c, name)).category_cites(name)
                    ),
                    false,
                ),
                (count(m.persons), true),
                (amount, true),
            ])
        };
        t.push_str(&row(&[
            (
                format!("<span class=\"gain\">{}</span>", w.t("增加", "gain")),
                false,
            ),
            (count(wl.gainers.persons), true),
            (self.signed(wl.gainers.amount), true),
        ]));
        for (k, v) in &wl.gains_by_category {
            t.push_str(&under(k, v, w.t("其中", "under"), self.signed(v.amount)));
        }
        t.push_str(&row(&[
            (
                format!("<span class=\"loss\">{}</span>", w.t("减少", "lose")),
                false,
            ),
            (count(wl.losers.persons), true),
            (self.lost(wl.losers.amount), true),
        ]));
        for (k, v) in &wl.losses_by_category {
            t.push_str(&under(k, v, w.t("其中", "from"), self.lost(v.amount)));
        }
        t.push_str(&row(&[
            (w.t("金额不变", "paid the same").to_string(), false),
            (count(wl.unchanged_paid), true),
            (String::new(), true),
        ]));
        let mut body = format!(
            "{t}</table>\n<p class=\"note\">{}</p>\n",
            w.t(
                "增加计入改革方案支付的类别，减少计入现行方案支付的类别。",
                "Gains are counted under the category the reform pays, losses under the category the base paid."
            )
        );
        if !wl.by_change.is_empty() {
            let groups: Vec<Group> = if wl.by_change.len() > MAX_BARS {
                self.change_ranges(c)
            } else {
                wl.by_change
                    .iter()
                    .map(|x| Group {
                        label: self.signed(x.amount),
                        marks: vec![Mark {
                            value: i128::from(x.persons),
                            class: if x.amount >= Money::ZERO {
                                "gain"
                            } else {
                                "loss"
                            },
                            title: format!(
                                "{}: {} {}",
                                self.signed(x.amount),
                                count(x.persons),
                                w.t("人", "persons")
                            ),
                            figure: count(x.persons),
                        }],
                    })
                    .collect()
            };
            let chart = svg::columns(
                "changes",
                w.t("按金额变化的人数", "Persons by change in payment"),
                &groups,
                &[],
                None,
                &|n| count(u64::try_from(n).unwrap_or(0)),
            );
            let mut t = table(&[
                (w.t("变化", "change"), true),
                (w.t("人数", "persons"), true),
            ]);
            for x in &wl.by_change {
                t.push_str(&row(&[
                    (self.signed(x.amount), true),
                    (count(x.persons), true),
                ]));
            }
            body.push_str(&format!(
                "<figure>\n{chart}<figcaption>{}</figcaption>\n</figure>\n{t}</table>\n",
                w.t(
                    "每一金额变化（改革减现行）的人数：绿色为增加，红色为减少。",
                    "Persons by the change in what they are paid (reform minus base): green gains, red losses."
                )
            ));
        }
        section(
            "winners-and-losers",
            w.t("受益者与受损者", "Winners and losers"),
            &body,
        )
    }

    /// Persons by change in payment in at most [`MAX_BARS`] ranges: losses
    /// and gains apart, so no range holds both.
    fn change_ranges(&self, c: &Comparison) -> Vec<Group> {
        let w = &self.w;
        let items = |gain: bool| {
            c.winners_and_losers
                .by_change
                .iter()
                .filter(move |x| (x.amount > Money::ZERO) == gain)
                .map(|x| Item {
                    value: x.amount.minor(),
                    persons: x.persons,
                    money: Money::ZERO,
                })
        };
        let losses = bins(items(false), MAX_BARS / 2);
        let gains = bins(items(true), MAX_BARS / 2);
        losses
            .into_iter()
            .map(|b| (b, "loss"))
            .chain(gains.into_iter().map(|b| (b, "gain")))
            .map(|(b, class)| {
                let label = format!(
                    "{}–{}",
                    self.signed(Money(b.low)),
                    self.signed(Money(b.high))
                );
                Group {
                    marks: vec![Mark {
                        value: i128::from(b.persons),
                        class,
                        title: format!("{label}: {} {}", count(b.persons), w.t("人", "persons")),
                        figure: count(b.persons),
                    }],
                    label,
                }
            })
            .collect()
    }

    fn comparison_cash_flow(&self, c: &Comparison) -> String {
        let (b, r) = (&c.base, &c.reform);
        if b.cash_flow.is_empty() && r.cash_flow.is_empty() {
            return String::new();
        }
        let w = &self.w;
        let months = months(&[&b.cash_flow, &r.cash_flow]);
        let at = |rep: &Report, m: &str| rep.cash_flow.get(m).copied().unwrap_or(Money::ZERO);
        let (base, reform) = (w.t("现行方案", "base"), w.t("改革方案", "reform"));
        let cited = Page::new(r).timeline_clause_ids();
        let groups: Vec<Group> = months
            .iter()
            .map(|m| Group {
                label: m.clone(),
                marks: [(b, base, "s0"), (r, reform, "s1")]
                    .into_iter()
                    .map(|(rep, side, class)| Mark {
                        value: i128::from(at(rep, m).minor()),
                        class,
                        title: format!("{m} {side}: {}{cited}", self.money(at(rep, m))),
                        figure: String::new(),
                    })
                    .collect(),
            })
            .collect();
        let chart = svg::columns(
            "cash-flow",
            w.t(
                "按月资金流出（最晚情形）",
                "Cash flow by month (latest case)",
            ),
            &groups,
            &[(base.to_string(), "s0"), (reform.to_string(), "s1")],
            None,
            &|fen| axis_money(fen),
        );
        let mut t = table(&[
            (w.t("月份", "month"), false),
            (base, true),
            (reform, true),
            (w.t("变化", "change"), true),
        ]);
        for m in &months {
            let (x, y) = (at(b, m), at(r, m));
            // Each side's month fits a `Money`, so their difference fits
            // 128 bits; written as the text of a figure that may not fit.
            let change = i128::from(y.minor()) - i128::from(x.minor());
            t.push_str(&row(&[
                (escape(m), false),
                (self.money(x), true),
                (self.money(y), true),
                (signed_fen(change, &self.report.currency), true),
            ]));
        }
        section(
            "cash-flow",
            w.t("按月资金流出", "Cash flow by month"),
            &format!(
                "<figure>\n{chart}<figcaption>{} {}</figcaption>\n</figure>\n{t}</table>\n",
                w.t(
                    "最晚情形：每一步用足时限。",
                    "Latest case: every step takes its full limit."
                ),
                Page::new(r).timeline_cites()
            ),
        )
    }
}

/// The most bars a chart of amounts draws one per amount; more amounts are
/// drawn as ranges.
const MAX_BARS: usize = 20;

/// An amount (in fen), the persons paid it and what they come to.
#[derive(Clone)]
struct Item {
    value: i64,
    persons: u64,
    money: Money,
}

/// Amounts from `low` to `high` (fen, both included).
struct Bin {
    low: i64,
    high: i64,
    /// Distinct amounts in the range.
    amounts: u64,
    persons: u64,
    money: crate::sum::Sum,
}

/// `items` (ascending by value) in at most `max` ranges of equal width
/// from the lowest value to the highest, empty ranges included so the
/// chart's axis is even.
fn bins(items: impl Iterator<Item = Item> + Clone, max: usize) -> Vec<Bin> {
    let values = items.clone().map(|i| i128::from(i.value));
    let (Some(low), Some(high)) = (values.clone().min(), values.max()) else {
        return Vec::new();
    };
    let max = i128::try_from(max.max(1)).unwrap_or(1);
    // Whole fen; at least one, so every value has a range.
    let width = ((high - low + 1) + max - 1) / max;
    let mut out: Vec<Bin> = (0..max)
        .map(|i| low + i * width)
        .take_while(|start| *start <= high)
        .map(|start| Bin {
            low: i64::try_from(start).unwrap_or(i64::MAX),
            // The last range may reach past the largest amount there is.
            high: i64::try_from(start + width - 1).unwrap_or(i64::MAX),
            amounts: 0,
            persons: 0,
            money: crate::sum::Sum::default(),
        })
        .collect();
    for item in items {
        let at = (i128::from(item.value) - low) / width;
        if let Some(bin) = usize::try_from(at).ok().and_then(|i| out.get_mut(i)) {
            bin.amounts = bin.amounts.saturating_add(1);
            // Persons paid, so at most the rows read: never near u64::MAX.
            bin.persons = bin.persons.saturating_add(item.persons);
            bin.money.add(item.money);
        }
    }
    out
}

/// The report of a comparison that cites category `name`: the reform's,
/// or the base's for a category the reform dropped.
fn citing<'a>(c: &'a Comparison, name: &str) -> &'a Report {
    if c.reform.citations.categories.contains_key(name) {
        &c.reform
    } else {
        &c.base
    }
}

/// Every month from the first to the last of `flows`, those with nothing
/// paid included, so a chart's gaps show. A span of over 50 years (a date
/// typed wrong) keeps only the months with money rather than thousands of
/// empty ones.
fn months(flows: &[&BTreeMap<String, Money>]) -> Vec<String> {
    let present: BTreeSet<&String> = flows.iter().flat_map(|f| f.keys()).collect();
    let parse = |m: &str| {
        let (y, mo) = m.split_once('-')?;
        Some((y.parse::<i32>().ok()?, mo.parse::<u32>().ok()?))
    };
    let (Some(first), Some(last)) = (
        present.first().and_then(|m| parse(m)),
        present.last().and_then(|m| parse(m)),
    ) else {
        return present.into_iter().cloned().collect();
    };
    let index = |(y, m): (i32, u32)| i64::from(y) * 12 + i64::from(m) - 1;
    let span = index(last) - index(first);
    if !(0..=600).contains(&span) {
        return present.into_iter().cloned().collect();
    }
    let all: Vec<String> = (index(first)..=index(last))
        .map(|i| format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1))
        .collect();
    // A key that is not a month (none are) is kept too.
    let mut out: BTreeSet<String> = all.into_iter().collect();
    out.extend(present.into_iter().cloned());
    out.into_iter().collect()
}

/// An axis tick in fen as money without its currency: `6,000`.
fn axis_money(fen: i128) -> String {
    match i64::try_from(fen) {
        Ok(f) => {
            let text = Money(f).grouped();
            text.strip_suffix(".00")
                .map_or(text.clone(), str::to_string)
        }
        Err(_) => fen.to_string(),
    }
}

/// A signed change in fen, with its currency: `+2,500.00 元`.
fn signed_fen(fen: i128, currency: &str) -> String {
    match i64::try_from(fen) {
        Ok(f) if f > 0 => format!("+{}", money_text(currency, Money(f))),
        Ok(f) => money_text(currency, Money(f)),
        Err(_) => format!("{fen} fen"),
    }
}

/// `国家职业资格证书 vocational`: a label with the name the policy gives
/// it, or the name alone.
fn named(name: &str, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("{} <span class=\"name\">{}</span>", escape(l), escape(name)),
        None => escape(name),
    }
}

fn section(id: &str, title: &str, body: &str) -> String {
    format!(
        "<section id=\"{id}\">\n<h2>{}</h2>\n{body}</section>\n",
        escape(title)
    )
}

/// A table's opening and heading row; the caller adds rows and closes it.
fn table(columns: &[Column]) -> String {
    let heads: String = columns
        .iter()
        .map(|(h, numeric)| {
            if *numeric {
                format!("<th class=\"n\">{}</th>", escape(h))
            } else {
                format!("<th>{}</th>", escape(h))
            }
        })
        .collect();
    format!("<table>\n<thead><tr>{heads}</tr></thead>\n")
}

/// A row of cells already written as HTML, numbers aligned right.
fn row(cells: &[(String, bool)]) -> String {
    let tds: String = cells
        .iter()
        .map(|(c, numeric)| {
            if *numeric {
                format!("<td class=\"n\">{c}</td>")
            } else {
                format!("<td>{c}</td>")
            }
        })
        .collect();
    format!("<tr>{tds}</tr>\n")
}

/// The page's style: the system's fonts, A4 in print, colours kept on
/// paper.
const STYLE: &str = r#"@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 13px; line-height: 1.45; color: #1f2328; background: #fff; max-width: 180mm; margin: 0 auto; padding: 12px; }
header h1 { font-size: 20px; margin: 0 0 2px; }
.sub { color: #57606a; margin: 0 0 8px; }
dl.source { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 0 0 8px; font-size: 12px; }
dl.source dt { color: #57606a; }
dl.source dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.hash, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 11px; overflow-wrap: anywhere; }
h2 { font-size: 15px; border-bottom: 1px solid #d0d7de; padding-bottom: 2px; margin: 18px 0 6px; break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 6px; }
th, td { padding: 2px 6px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; color: #57606a; font-size: 12px; }
th.n { white-space: normal; }
th { overflow-wrap: normal; }
table.wide { font-size: 11px; }
table.wide td, table.wide th { padding: 2px 3px; }
.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
.name { color: #6e7781; font-size: 11px; }
.cite { color: #0a5eb0; white-space: nowrap; font-size: 12px; }
.indent { padding-left: 1.2em; display: inline-block; }
.note, figcaption, footer { color: #57606a; font-size: 11px; }
.warning { background: #fff8c5; border: 1px solid #d4a72c; padding: 4px 8px; }
figure { margin: 6px 0; break-inside: avoid; page-break-inside: avoid; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
svg.chart text { font-size: 11px; fill: #1f2328; }
svg.chart .tick, svg.chart .figure { fill: #57606a; font-size: 10px; }
svg.chart .figure.inside { fill: #fff; }
svg.chart .grid { stroke: #eaeef2; }
svg.chart .grid.zero { stroke: #8c959f; }
.s0 { fill: #2f6db5; }
.s1 { fill: #f0a33a; }
.band { fill: #2f6db5; fill-opacity: 0.18; }
svg .gain { fill: #2e8b57; }
svg .loss { fill: #c8453b; }
span.gain { color: #1a7f37; }
span.loss { color: #cf222e; }
ul.rows { font-size: 12px; overflow-wrap: anywhere; }
footer { border-top: 1px solid #d0d7de; margin-top: 18px; padding-top: 4px; }
@media print { body { padding: 0; max-width: none; } }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_elements_and_attributes() {
        assert_eq!(
            escape(r#"<b a="1" c='2'>&</b>"#),
            "&lt;b a=&quot;1&quot; c=&#39;2&#39;&gt;&amp;&lt;/b&gt;"
        );
    }

    #[test]
    fn months_without_money_are_listed() {
        let mut latest = BTreeMap::new();
        latest.insert("2023-11".to_string(), Money(100));
        let mut expected = BTreeMap::new();
        expected.insert("2024-02".to_string(), Money(100));
        assert_eq!(
            months(&[&latest, &expected]),
            ["2023-11", "2023-12", "2024-01", "2024-02"]
        );
    }

    #[test]
    fn a_century_of_months_is_not_filled_in() {
        let mut flow = BTreeMap::new();
        flow.insert("1900-01".to_string(), Money(1));
        flow.insert("2023-05".to_string(), Money(1));
        assert_eq!(months(&[&flow]), ["1900-01", "2023-05"]);
    }

    #[test]
    fn many_amounts_fall_into_even_ranges() {
        let items = (1..=1000).map(|v| Item {
            value: v * 100,
            persons: 2,
            money: Money(v * 200),
        });
        let b = bins(items, 20);
        assert_eq!(b.len(), 20);
        assert_eq!((b[0].low, b[0].high), (100, 5_095));
        assert_eq!(b.iter().map(|b| b.persons).sum::<u64>(), 2000);
        assert_eq!(b.iter().map(|b| b.amounts).sum::<u64>(), 1000);
        assert_eq!(b[19].high, 100_019);
        assert_eq!(b[0].money.money(), Some(Money(2 * 100 * (1 + 50) * 50 / 2)));
    }

    #[test]
    fn one_amount_is_one_range() {
        let items = std::iter::once(Item {
            value: -500,
            persons: 3,
            money: Money::ZERO,
        });
        let b = bins(items, 10);
        assert_eq!(b.len(), 1);
        assert_eq!((b[0].low, b[0].high, b[0].persons), (-500, -500, 3));
    }

    #[test]
    fn axis_ticks_are_whole_yuan() {
        assert_eq!(axis_money(600_000), "6,000");
        assert_eq!(axis_money(50), "0.50");
        assert_eq!(signed_fen(250_000, "CNY"), "+2,500.00 元");
        assert_eq!(signed_fen(-100, "CNY"), "-1.00 元");
    }
}
