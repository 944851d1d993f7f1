//! Source text to [`PolicyFile`]: pest does the recognising, this module turns
//! pest's pairs into the spanned AST in one pass and pest's failures into
//! [`SyntaxError`]s an author can act on.

use std::sync::LazyLock;

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

use crate::ast::*;
use crate::error::{Found, SyntaxError, SyntaxErrorKind};
use crate::lines::line_end_len;
use crate::pest_parser::{PolicyParser, Rule};
use crate::recover::pieces;

/// Brackets may nest this deep; deeper input is refused before pest sees it,
/// so that no input can overflow the parser's stack.
pub const MAX_NESTING: usize = 128;

/// The most syntax errors reported for one file: past them reading stops,
/// so that a file of garbage costs its length once, and its report stays
/// one an author can read.
pub const MAX_ERRORS: usize = 100;

/// A policy file read as far as it could be: the declarations that parsed,
/// and every syntax error, in source order.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub file: PolicyFile,
    pub errors: Vec<SyntaxError>,
}

/// Parses a whole policy file. On failure, returns every error found (see
/// [`parse_recovering`]).
pub fn parse(source: &str) -> Result<PolicyFile, Vec<SyntaxError>> {
    let Parsed { file, errors } = parse_recovering(source);
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// Parses a whole policy file, reading on after a syntax error: then each
/// declaration is read on its own (`recover.rs` says where one starts), so
/// a mistake hides no later one and the declarations around it are kept.
/// Stops after [`MAX_ERRORS`] errors with a [`SyntaxErrorKind::TooManyErrors`].
pub fn parse_recovering(source: &str) -> Parsed {
    // A file that reads is read whole: where declarations start is guessed
    // only for a file with a mistake in it.
    let (items, errors) = piece(source, 0, source.len());
    if errors.is_empty() {
        return Parsed {
            file: PolicyFile { items },
            errors,
        };
    }
    let mut parsed = Parsed::default();
    for (start, end) in pieces(source) {
        let (items, errors) = piece(source, start, end);
        if parsed.errors.len() >= MAX_ERRORS {
            if let Some(first) = errors.first() {
                parsed.errors.push(SyntaxError {
                    kind: SyntaxErrorKind::TooManyErrors { limit: MAX_ERRORS },
                    span: first.span,
                });
                break;
            }
        }
        parsed.file.items.extend(items);
        parsed.errors.extend(errors);
    }
    parsed
}

/// Reads `source[start..end]`, one declaration or the text before the
/// first: its items and errors, with spans in the whole text.
fn piece(source: &str, start: usize, end: usize) -> (Vec<Item>, Vec<SyntaxError>) {
    let text = source.get(start..end).unwrap_or("");
    let shifted = |mut e: SyntaxError| {
        e.span = Span::new(e.span.start + start, e.span.end + start);
        e
    };
    if let Some(err) = prescan(text) {
        return (Vec::new(), vec![shifted(err)]);
    }
    let mut pairs = match PolicyParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(err) => return (Vec::new(), vec![convert_pest_error(source, start, &err)]),
    };
    let mut lower = Lower { errors: Vec::new() };
    let mut file = match pairs.next() {
        Some(file) => lower.file(file),
        None => PolicyFile::default(),
    };
    file.shift(start);
    (file.items, lower.errors.into_iter().map(shifted).collect())
}

/// Finds what pest reports badly or cannot survive: unterminated strings and
/// comments (pest would point at the end of the file) and runaway nesting.
fn prescan(source: &str) -> Option<SyntaxError> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let unterminated = SyntaxError {
                    kind: SyntaxErrorKind::UnterminatedString,
                    span: Span::new(i, i + 1),
                };
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Some(unterminated),
                        Some(_) if line_end_len(source, i) > 0 => return Some(unterminated),
                        Some(b'\\') if line_end_len(source, i + 1) == 0 && i + 1 < bytes.len() => {
                            i += 2
                        }
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                // Up to the line end, whichever line end it is.
                while bytes.get(i).is_some() && line_end_len(source, i) == 0 {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Some(SyntaxError {
                                kind: SyntaxErrorKind::UnterminatedComment,
                                span: Span::new(start, start + 2),
                            })
                        }
                        Some(b'*') if bytes.get(i + 1) == Some(&b'/') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(SyntaxError {
                        kind: SyntaxErrorKind::TooDeep { limit: MAX_NESTING },
                        span: Span::new(i, i + 1),
                    });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Full-width punctuation an author pastes from a Chinese document, and the
/// ASCII the language expects in its place.
pub fn ascii_for_full_width(c: char) -> Option<&'static str> {
    Some(match c {
        '（' => "(",
        '）' => ")",
        '，' | '、' => ",",
        '：' => ":",
        '；' => ";",
        '“' | '”' | '＂' | '「' | '」' => "\"",
        '‘' | '’' => "'",
        '＝' => "=",
        '【' | '［' => "[",
        '】' | '］' => "]",
        '｛' => "{",
        '｝' => "}",
        '！' => "!",
        '？' => "?",
        '＜' | '《' => "<",
        '＞' | '》' => ">",
        '．' | '。' => ".",
        '－' | '—' => "-",
        '＋' => "+",
        '＊' => "*",
        '｜' => "|",
        _ => return None,
    })
}

/// A pest error in the piece of `source` that starts at `start`. What was
/// found is looked for in the whole text: a piece ends where the next
/// declaration starts, and that is what stands there.
fn convert_pest_error(source: &str, start: usize, err: &pest::error::Error<Rule>) -> SyntaxError {
    let pos = start
        + match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let rest = source.get(pos..).unwrap_or("");
    let found = found_at(rest);
    let span = Span::new(pos, pos + found.len());
    if let Found::Char(c) = found {
        if let Some(ascii) = ascii_for_full_width(c) {
            return SyntaxError {
                kind: SyntaxErrorKind::FullWidth { found: c, ascii },
                span,
            };
        }
    }
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    SyntaxError {
        kind: SyntaxErrorKind::Unexpected { expected, found },
        span,
    }
}

/// What stands at the error: a whole word if one starts there, else one character.
fn found_at(rest: &str) -> Found {
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return Found::Eof;
    };
    if first.is_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A CJK run is one "word" to `is_alphanumeric`; past a few characters
        // it is a sentence, and a sentence is better pointed at by its start.
        if word.chars().count() <= 24 {
            return Found::Word(word);
        }
    }
    Found::Char(first)
}

/// Turns pest's rule names into what an author would call the thing.
fn describe_expected(rules: &[Rule]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rule in rules {
        let text = describe_rule(*rule);
        if let Some(text) = text {
            if !out.iter().any(|t| t == text) {
                out.push(text.to_string());
            }
        }
    }
    out
}

fn describe_rule(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of file",
        ident | path | call | application_ref | applicant_ref => "a name",
        expr | primary | paren | if_expr | match_expr | money | duration | datetime | date | decimal
        | int
        | bool_lit | prefix | op_not | op_neg | set_lit | range | range_bound | percent
        | quantifier | aggregate => "an expression",
        number => "a number",
        string | string_inner => "a string in double quotes",
        clause_ref => "a clause reference like `§二(一)`",
        currency_unit | currency_symbol => "a currency like `元` or `CNY`",
        duration_unit => "a unit like `days` or `months`",
        op_or | op_and | op_eq | op_ne | op_le | op_lt | op_ge | op_gt | op_default | op_add
        | op_sub | op_mul | op_div | infix | postfix | in_test | is_test => "an operator",
        op_range_incl | op_range_excl => "`..=` or `..`",
        extends_decl | scheme_decl | enum_decl | applicant_decl | clause_decl | table_decl
        | require_decl | category_decl | award_decl | application_decl | timeline_decl | item
        | record_decl | let_decl | extend_decl => {
            "a declaration (`scheme`, `applicant`, `table`, `category`, …)"
        }
        entry => "a setting like `deadline 2023-10-31`",
        variant => "an enum value like `senior \"高级社会工作师\"`",
        field_decl => "a field like `voc_level int? \"国家职业资格等级\"`",
        type_ref => "a type (`bool`, `int`, `decimal`, `money`, `date`, `datetime`, `text`, an enum or `list of` a record)",
        list_mark => "`list of`",
        remove_category | remove_row | remove_condition | remove_deadline => {
            "what to remove (`category`, `row`, `when`, `unless`, `require` or `deadline`)"
        }
        optional_mark => "`?`",
        row | row_key => "a row like `level1 \"国家一级\" = 2000 元`",
        category_item | when_item | unless_item | pay_item => "`when`, `unless` or `pay`",
        award_item | limit_item | choose_item => "`limit` or `choose`",
        quota_item => "`when`, `places`, `budget` or `by`",
        history_item | kw_history => "`history`",
        step => "a step like `review within 1 month after received`",
        arm => "a match arm like `1 => standard.level1`",
        pattern | pattern_range | wildcard => "a pattern",
        index => "`[`",
        kw_extends => "`extends`",
        kw_override => "`override`",
        kw_extend => "`extend`",
        kw_record => "`record`",
        kw_let => "`let`",
        kw_list => "`list`",
        kw_of => "`of`",
        kw_where => "`where`",
        kw_any => "`any`",
        kw_all => "`all`",
        kw_row => "`row`",
        kw_deadline => "`deadline`",
        kw_remove => "`remove`",
        override_decl | remove_decl => {
            "a declaration (`scheme`, `applicant`, `table`, `category`, …)"
        }
        kw_scheme => "`scheme`",
        kw_enum => "`enum`",
        kw_applicant => "`applicant`",
        kw_clause => "`clause`",
        kw_table => "`table`",
        kw_by => "`by`",
        kw_require => "`require`",
        kw_category => "`category`",
        kw_when => "`when`",
        kw_unless => "`unless`",
        kw_pay => "`pay`",
        kw_award => "`award`",
        kw_limit => "`limit`",
        kw_per => "`per`",
        kw_choose => "`choose`",
        kw_group => "`group`",
        limit_group => "a group like `group skill {vocational, contest}`",
        kw_ever => "`ever`",
        quota_decl => "a `quota` declaration",
        payer_decl => "a `payer` declaration",
        payer_item => "`when` or `pay matching`",
        payer_pay => "a top-up like `pay matching 1:1 up to 500 元`",
        payer_cap => "a cap like `up to 500 元`",
        kw_matching => "`matching`",
        kw_up => "`up`",
        kw_to => "`to`",
        quota_places => "`places`",
        quota_budget => "`budget`",
        pro_rata => "`pro rata`",
        kw_pro => "`pro`",
        kw_rata => "`rata`",
        quota_order => "an order like `by lot seed 2025`",
        rank_key | rank_direction => "an order like `earliest applied_at`",
        rank_lot => "`lot seed N`",
        rank_earliest => "`earliest`",
        rank_latest => "`latest`",
        rank_highest => "`highest`",
        rank_lowest => "`lowest`",
        kw_places => "`places`",
        kw_lot => "`lot`",
        kw_seed => "`seed`",
        limit_keys => "keys like `(occupation, level)`",
        rounds_decl => "a `rounds` declaration",
        round_decl => "a round like `first { on 2024-04-25  pay 300 元  paid 2024-05-10 ..= 2024-05-31 }`",
        round_on => "`on DATE`",
        round_pay => "`pay AMOUNT`",
        round_paid => "a payment window like `paid 2024-05-10 ..= 2024-05-31`",
        kw_rounds => "`rounds`",
        instalments_item => "`instalments { now AMOUNT  after FIELD AMOUNT }`",
        instalment => "a stage like `now 500 元` or `after graduated_on 400 元`",
        kw_instalments => "`instalments`",
        kw_now => "`now`",
        kw_on => "`on`",
        kw_paid => "`paid`",
        // Planned declarations are not offered in "expected …" lists: they
        // are not built yet.
        planned_decl | planned_kw | planned_stop | planned_block | planned_token | planned_word
        | planned_punct | kw_quota
        | kw_budget | kw_payer => return None,
        calendar_decl => "a calendar like `calendar china { years 2025 holiday 2025-10-01 }`",
        calendar_years => "`years 2023 ..= 2026`",
        calendar_item | calendar_day => "`holiday DATE` or `workday DATE`",
        kw_calendar => "`calendar`",
        kw_years => "`years`",
        kw_holiday => "`holiday`",
        kw_workday => "`workday`",
        kw_application => "`application`",
        kw_timeline => "`timeline`",
        kw_within => "`within`",
        kw_after => "`after`",
        kw_in => "`in`",
        kw_is => "`is`",
        kw_present | kw_absent => "`present` or `absent`",
        kw_if => "`if`",
        kw_then => "`then`",
        kw_else => "`else`",
        kw_match => "`match`",
        file | keyword | WHITESPACE | COMMENT | line_break => return None,
    })
}

/// The rule an operator is written with: total, so a new operator fails to
/// compile until it has one (and `map_infix` finds it by it).
fn infix_rule(op: BinaryOp) -> Rule {
    match op {
        BinaryOp::Or => Rule::op_or,
        BinaryOp::And => Rule::op_and,
        BinaryOp::Eq => Rule::op_eq,
        BinaryOp::Ne => Rule::op_ne,
        BinaryOp::Lt => Rule::op_lt,
        BinaryOp::Le => Rule::op_le,
        BinaryOp::Gt => Rule::op_gt,
        BinaryOp::Ge => Rule::op_ge,
        BinaryOp::Add => Rule::op_add,
        BinaryOp::Sub => Rule::op_sub,
        BinaryOp::Mul => Rule::op_mul,
        BinaryOp::Div => Rule::op_div,
        BinaryOp::Default => Rule::op_default,
    }
}

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left))
        .op(Op::postfix(Rule::in_test) | Op::postfix(Rule::is_test))
        .op(Op::infix(Rule::op_default, Assoc::Right))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
});

/// The pair's span without trailing white space, which pest leaves on a pair
/// whose last optional part did not match.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let trimmed = pair
        .as_str()
        .trim_end_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    Span::new(s.start(), s.start() + trimmed.len())
}

struct Lower {
    errors: Vec<SyntaxError>,
}

/// The lowering walks pairs whose shape the grammar guarantees; where a pair is
/// unexpectedly missing it produces a neutral value instead of panicking.
impl Lower {
    fn file(&mut self, pair: Pair<'_, Rule>) -> PolicyFile {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            if let Some(item) = self.item(p) {
                items.push(item);
            }
        }
        PolicyFile { items }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
        Some(match rule {
            Rule::extends_decl => Item::Extends(self.text(inner.next()?)),
            Rule::override_decl => Item::Override(Box::new(self.item(inner.next()?)?)),
            Rule::extend_decl => Item::Extend(Box::new(self.item(inner.next()?)?)),
            Rule::remove_decl => {
                let what = inner.next()?;
                let rule = what.as_rule();
                let wspan = span_of(&what);
                let what_pairs: Vec<Pair<'_, Rule>> = what.into_inner().collect();
                let mut parts = what_pairs
                    .iter()
                    .filter(|p| !is_keyword(p.as_rule()))
                    .cloned();
                match rule {
                    Rule::remove_category => Item::RemoveCategory(ident(parts.next()?)),
                    Rule::remove_row => {
                        let table = ident(parts.next()?);
                        let key = parts.next()?.into_inner().next()?;
                        let row = match key.as_rule() {
                            Rule::int => RowKey::Int {
                                value: self.int(&key),
                                span: span_of(&key),
                            },
                            _ => RowKey::Name(ident(key)),
                        };
                        Item::RemoveRow { table, row }
                    }
                    Rule::remove_condition => {
                        drop(parts);
                        Item::RemoveCondition(self.removed_condition(what_pairs, wspan)?)
                    }
                    _ => Item::RemoveDeadline(wspan),
                }
            }
            Rule::record_decl => {
                let name = ident(inner.next()?);
                let (label, fields) = self.fields(inner);
                Item::Record(RecordDecl {
                    name,
                    label,
                    fields,
                    span,
                })
            }
            Rule::let_decl => {
                let name = ident(inner.next()?);
                let mut label = None;
                let mut value = None;
                let mut filter = None;
                let mut clause = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::string => label = Some(self.text(p)),
                        Rule::clause_ref => clause = Some(clause_ref(p)),
                        _ if value.is_none() => value = Some(self.expr(p)),
                        _ => filter = Some(self.expr(p)),
                    }
                }
                Item::Let(LetDecl {
                    name,
                    label,
                    value: value?,
                    filter,
                    clause,
                    span,
                })
            }
            Rule::scheme_decl => {
                let id = ident(inner.next()?);
                let entries = inner.map(|p| self.entry(p)).collect();
                Item::Scheme(SchemeDecl { id, entries, span })
            }
            Rule::enum_decl => {
                let name = ident(inner.next()?);
                let mut label = None;
                let mut variants = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::string => label = Some(self.text(p)),
                        Rule::variant => {
                            let mut v = p.into_inner();
                            let Some(name) = v.next().map(ident) else {
                                continue;
                            };
                            let label = v.next().map(|p| self.text(p));
                            variants.push(Variant { name, label });
                        }
                        _ => {}
                    }
                }
                Item::Enum(EnumDecl {
                    name,
                    label,
                    variants,
                    span,
                })
            }
            Rule::applicant_decl => {
                let (label, fields) = self.fields(inner);
                Item::Applicant(ApplicantDecl {
                    label,
                    fields,
                    span,
                })
            }
            Rule::clause_decl => {
                let clause = clause_ref(inner.next()?);
                let text = self.text(inner.next()?);
                Item::Clause(ClauseDecl { clause, text, span })
            }
            Rule::table_decl => {
                let name = ident(inner.next()?);
                let mut table = TableDecl {
                    name,
                    label: None,
                    clause: None,
                    key_type: None,
                    rows: Vec::new(),
                    span,
                };
                for p in inner {
                    match p.as_rule() {
                        Rule::string => table.label = Some(self.text(p)),
                        Rule::clause_ref => table.clause = Some(clause_ref(p)),
                        Rule::type_ref => table.key_type = Some(type_ref(p)),
                        Rule::row => {
                            if let Some(row) = self.row(p) {
                                table.rows.push(row);
                            }
                        }
                        _ => {}
                    }
                }
                Item::Table(table)
            }
            Rule::require_decl => Item::Require(self.condition(span, inner)?),
            Rule::category_decl => {
                let name = ident(inner.next()?);
                let mut cat = CategoryDecl {
                    name,
                    label: None,
                    clause: None,
                    when: Vec::new(),
                    unless: Vec::new(),
                    pay: Vec::new(),
                    instalments: Vec::new(),
                    planned: Vec::new(),
                    span,
                };
                for p in inner {
                    let pspan = span_of(&p);
                    match p.as_rule() {
                        Rule::string => cat.label = Some(self.text(p)),
                        Rule::clause_ref => cat.clause = Some(clause_ref(p)),
                        Rule::when_item => {
                            let inner = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            if let Some(c) = self.condition(pspan, inner) {
                                cat.when.push(c);
                            }
                        }
                        Rule::unless_item => {
                            let inner = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            if let Some(c) = self.condition(pspan, inner) {
                                cat.unless.push(c);
                            }
                        }
                        Rule::pay_item => {
                            let mut inner = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            let Some(e) = inner.next() else { continue };
                            let expr = self.expr(e);
                            let clause = inner.next().map(clause_ref);
                            cat.pay.push(Pay {
                                expr,
                                clause,
                                span: pspan,
                            });
                        }
                        Rule::instalments_item => cat.instalments.push(self.instalments(pspan, p)),
                        Rule::planned_decl => cat.planned.extend(planned(p)),
                        _ => {}
                    }
                }
                Item::Category(cat)
            }
            Rule::award_decl => {
                let mut award = AwardDecl {
                    clause: None,
                    history: Vec::new(),
                    limits: Vec::new(),
                    choices: Vec::new(),
                    planned: Vec::new(),
                    span,
                };
                for p in inner {
                    let pspan = span_of(&p);
                    match p.as_rule() {
                        Rule::clause_ref => award.clause = Some(clause_ref(p)),
                        Rule::history_item => {
                            let mut list = None;
                            let mut clause = None;
                            for q in p.into_inner() {
                                match q.as_rule() {
                                    Rule::ident => list = Some(ident(q)),
                                    Rule::clause_ref => clause = Some(clause_ref(q)),
                                    _ => {}
                                }
                            }
                            if let Some(list) = list {
                                award.history.push(HistoryDecl {
                                    list,
                                    clause,
                                    span: pspan,
                                });
                            }
                        }
                        Rule::limit_item => {
                            let mut it = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            let (Some(n), Some(scope)) = (it.next(), it.next()) else {
                                continue;
                            };
                            let count_span = span_of(&n);
                            let count = self.int(&n);
                            let mut clause = None;
                            let mut ever = None;
                            for q in it {
                                match q.as_rule() {
                                    Rule::kw_ever => ever = Some(span_of(&q)),
                                    Rule::clause_ref => clause = Some(clause_ref(q)),
                                    _ => {}
                                }
                            }
                            award.limits.push(LimitDecl {
                                count,
                                count_span,
                                scope: self.limit_scope(scope, ever),
                                clause,
                                span: pspan,
                            });
                        }
                        Rule::choose_item => {
                            let mut criteria = Vec::new();
                            let mut clause = None;
                            for q in p.into_inner().filter(|p| !is_keyword(p.as_rule())) {
                                match q.as_rule() {
                                    Rule::ident => criteria.push(ident(q)),
                                    Rule::clause_ref => clause = Some(clause_ref(q)),
                                    _ => {}
                                }
                            }
                            award.choices.push(ChoiceDecl {
                                criteria,
                                clause,
                                span: pspan,
                            });
                        }
                        Rule::planned_decl => award.planned.extend(planned(p)),
                        _ => {}
                    }
                }
                Item::Award(award)
            }
            Rule::planned_decl => Item::Planned(planned_parts(span, inner.next()?)?),
            Rule::quota_decl => {
                Item::Quota(self.quota(span, inner.filter(|p| p.as_rule() != Rule::kw_quota))?)
            }
            Rule::payer_decl => {
                Item::Payer(self.payer(span, inner.filter(|p| p.as_rule() != Rule::kw_payer))?)
            }
            Rule::calendar_decl => Item::Calendar(self.calendar(span, inner)),
            Rule::rounds_decl => Item::Rounds(self.rounds(span, inner)),
            Rule::application_decl => {
                let mut clause = None;
                let mut entries = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::clause_ref => clause = Some(clause_ref(p)),
                        Rule::entry => entries.push(self.entry(p)),
                        _ => {}
                    }
                }
                Item::Application(ApplicationDecl {
                    clause,
                    entries,
                    span,
                })
            }
            Rule::timeline_decl => {
                let mut steps = Vec::new();
                for p in inner {
                    let sspan = span_of(&p);
                    let mut it = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    let (Some(name), Some(within), Some(after)) = (it.next(), it.next(), it.next())
                    else {
                        continue;
                    };
                    let mut step = Step {
                        name: ident(name),
                        within: self.primary(within),
                        after: ident(after),
                        clause: None,
                        label: None,
                        span: sspan,
                    };
                    for q in it {
                        match q.as_rule() {
                            Rule::clause_ref => step.clause = Some(clause_ref(q)),
                            Rule::string => step.label = Some(self.text(q)),
                            _ => {}
                        }
                    }
                    steps.push(step);
                }
                Item::Timeline(TimelineDecl { steps, span })
            }
            _ => return None,
        })
    }

    /// `remove when CATEGORY EXPR`, `remove unless …`, `remove require EXPR`.
    fn removed_condition(
        &mut self,
        pairs: Vec<Pair<'_, Rule>>,
        span: Span,
    ) -> Option<RemovedCondition> {
        let mut it = pairs.into_iter();
        let word = it.next()?.as_rule();
        let kind = match word {
            Rule::kw_when => RemovedKind::When(ident(it.next()?)),
            Rule::kw_unless => RemovedKind::Unless(ident(it.next()?)),
            _ => RemovedKind::Require,
        };
        let expr = self.expr(it.next()?);
        Some(RemovedCondition { kind, expr, span })
    }

    /// The label and fields of an applicant or record block.
    fn fields<'a>(
        &mut self,
        inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> (Option<Text>, Vec<FieldDecl>) {
        let mut label = None;
        let mut fields = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::string => label = Some(self.text(p)),
                Rule::field_decl => {
                    let fspan = span_of(&p);
                    let mut f = p.into_inner();
                    let (Some(name), Some(ty)) = (f.next(), f.next()) else {
                        continue;
                    };
                    let label = f.next().map(|p| self.text(p));
                    fields.push(FieldDecl {
                        name: ident(name),
                        ty: type_ref(ty),
                        label,
                        span: fspan,
                    });
                }
                _ => {}
            }
        }
        (label, fields)
    }

    fn condition<'a>(
        &mut self,
        span: Span,
        mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<Condition> {
        let expr = self.expr(inner.next()?);
        let mut cond = Condition {
            expr,
            clause: None,
            label: None,
            span,
        };
        for p in inner {
            match p.as_rule() {
                Rule::clause_ref => cond.clause = Some(clause_ref(p)),
                Rule::string => cond.label = Some(self.text(p)),
                _ => {}
            }
        }
        Some(cond)
    }

    /// The inside of `payer NAME … { … }`, after its keyword.
    fn payer<'a>(
        &mut self,
        span: Span,
        mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<PayerDecl> {
        let mut payer = PayerDecl {
            name: ident(inner.next()?),
            label: None,
            clause: None,
            when: Vec::new(),
            pay: Vec::new(),
            span,
        };
        for p in inner {
            let pspan = span_of(&p);
            match p.as_rule() {
                Rule::string => payer.label = Some(self.text(p)),
                Rule::clause_ref => payer.clause = Some(clause_ref(p)),
                Rule::when_item => {
                    let inner = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    if let Some(c) = self.condition(pspan, inner) {
                        payer.when.push(c);
                    }
                }
                Rule::payer_pay => {
                    let mut it = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    let (Some(per), Some(pays)) = (it.next(), it.next()) else {
                        continue;
                    };
                    let ratio_span = Span {
                        start: span_of(&per).start,
                        end: span_of(&pays).end,
                    };
                    let mut pay = PayerPay {
                        per: self.int(&per),
                        pays: self.int(&pays),
                        ratio_span,
                        cap: None,
                        clause: None,
                        span: pspan,
                    };
                    for q in it {
                        match q.as_rule() {
                            Rule::payer_cap => {
                                let amount = q.into_inner().find(|p| !is_keyword(p.as_rule()));
                                pay.cap = amount.map(|a| self.expr(a));
                            }
                            Rule::clause_ref => pay.clause = Some(clause_ref(q)),
                            _ => {}
                        }
                    }
                    payer.pay.push(pay);
                }
                _ => {}
            }
        }
        Some(payer)
    }

    /// The inside of `quota NAME … { … }`, after its keyword.
    fn quota<'a>(
        &mut self,
        span: Span,
        mut inner: impl Iterator<Item = Pair<'a, Rule>>,
    ) -> Option<QuotaDecl> {
        let mut quota = QuotaDecl {
            name: ident(inner.next()?),
            label: None,
            clause: None,
            when: Vec::new(),
            places: Vec::new(),
            budget: Vec::new(),
            order: Vec::new(),
            span,
        };
        for p in inner {
            let pspan = span_of(&p);
            match p.as_rule() {
                Rule::string => quota.label = Some(self.text(p)),
                Rule::clause_ref => quota.clause = Some(clause_ref(p)),
                Rule::when_item => {
                    let inner = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    if let Some(c) = self.condition(pspan, inner) {
                        quota.when.push(c);
                    }
                }
                Rule::quota_places => {
                    let mut it = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    let Some(n) = it.next() else { continue };
                    let count = self.int(&n);
                    quota
                        .places
                        .push((count, span_of(&n), it.next().map(clause_ref)));
                }
                Rule::quota_budget => {
                    let mut it = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    let Some(amount) = it.next() else { continue };
                    let mut budget = QuotaBudget {
                        amount: self.expr(amount),
                        pro_rata: false,
                        clause: None,
                        span: pspan,
                    };
                    for q in it {
                        match q.as_rule() {
                            Rule::pro_rata => budget.pro_rata = true,
                            Rule::clause_ref => budget.clause = Some(clause_ref(q)),
                            _ => {}
                        }
                    }
                    quota.budget.push(budget);
                }
                Rule::quota_order => {
                    let mut order = QuotaOrder {
                        keys: Vec::new(),
                        clause: None,
                        span: pspan,
                    };
                    for q in p.into_inner().filter(|p| !is_keyword(p.as_rule())) {
                        match q.as_rule() {
                            Rule::rank_key => order.keys.extend(self.rank_key(q)),
                            Rule::clause_ref => order.clause = Some(clause_ref(q)),
                            _ => {}
                        }
                    }
                    quota.order.push(order);
                }
                _ => {}
            }
        }
        Some(quota)
    }

    /// `instalments §3 { now 500 元  after graduated_on 400 元 }`
    fn instalments(&mut self, span: Span, pair: Pair<'_, Rule>) -> InstalmentsDecl {
        let mut decl = InstalmentsDecl {
            clause: None,
            stages: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::clause_ref => decl.clause = Some(clause_ref(p)),
                Rule::instalment => {
                    let sspan = span_of(&p);
                    let (mut after, mut amount, mut clause) = (None, None, None);
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::ident => after = Some(ident(q)),
                            Rule::money => amount = Some(self.expr(q)),
                            Rule::clause_ref => clause = Some(clause_ref(q)),
                            _ => {}
                        }
                    }
                    if let Some(amount) = amount {
                        decl.stages.push(Instalment {
                            after,
                            amount,
                            clause,
                            span: sspan,
                        });
                    }
                }
                _ => {}
            }
        }
        decl
    }

    /// The inside of `rounds … { … }`: its clause and rounds.
    fn rounds<'i>(
        &mut self,
        span: Span,
        parts: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> RoundsDecl {
        let mut decl = RoundsDecl {
            clause: None,
            rounds: Vec::new(),
            span,
        };
        for p in parts {
            match p.as_rule() {
                Rule::clause_ref => decl.clause = Some(clause_ref(p)),
                Rule::round_decl => decl.rounds.extend(self.round(p)),
                _ => {}
            }
        }
        decl
    }

    /// `first "第一次" §二 { on …  pay …  paid … ..= … }`
    fn round(&mut self, pair: Pair<'_, Rule>) -> Option<RoundDecl> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = ident(inner.next()?);
        let (mut label, mut clause, mut on, mut pay, mut paid) = (None, None, None, None, None);
        let date = |q: Pair<'_, Rule>| (q.as_str().to_string(), span_of(&q));
        for p in inner {
            match p.as_rule() {
                Rule::string => label = Some(self.text(p)),
                Rule::clause_ref => clause = Some(clause_ref(p)),
                Rule::round_on => on = p.into_inner().find(|q| q.as_rule() == Rule::date).map(date),
                Rule::round_pay => {
                    let amount = p.into_inner().find(|q| q.as_rule() == Rule::money)?;
                    pay = Some(self.expr(amount));
                }
                Rule::round_paid => {
                    let mut days = p
                        .into_inner()
                        .filter(|q| q.as_rule() == Rule::date)
                        .map(date);
                    paid = days.next().zip(days.next());
                }
                _ => {}
            }
        }
        Some(RoundDecl {
            name,
            label,
            clause,
            on: on?,
            pay: pay?,
            paid: paid?,
            span,
        })
    }

    fn rank_key(&mut self, pair: Pair<'_, Rule>) -> Option<RankKey> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let first = inner.next()?;
        Some(match first.as_rule() {
            Rule::rank_lot => {
                let seed = first.into_inner().find(|p| p.as_rule() == Rule::int)?;
                RankKey::Lot {
                    seed: self.int(&seed),
                    span,
                }
            }
            Rule::rank_direction => {
                let direction = match first.into_inner().next()?.as_rule() {
                    Rule::rank_earliest => RankDirection::Earliest,
                    Rule::rank_latest => RankDirection::Latest,
                    Rule::rank_highest => RankDirection::Highest,
                    _ => RankDirection::Lowest,
                };
                RankKey::By {
                    direction: Some(direction),
                    expr: self.expr(inner.next()?),
                    span,
                }
            }
            _ => RankKey::By {
                direction: None,
                expr: self.expr(first),
                span,
            },
        })
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) -> Entry {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let key = inner.next().map(ident).unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let value = match inner.next() {
            Some(p) if p.as_rule() == Rule::range => self.range(p),
            Some(p) => self.expr(p),
            None => Expr {
                kind: ExprKind::Bool(false),
                span,
            },
        };
        let clause = inner.next().map(clause_ref);
        Entry { key, value, clause }
    }

    fn row(&mut self, pair: Pair<'_, Rule>) -> Option<Row> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let key_pair = inner.next()?.into_inner().next()?;
        let key = match key_pair.as_rule() {
            Rule::int => RowKey::Int {
                value: self.int(&key_pair),
                span: span_of(&key_pair),
            },
            _ => RowKey::Name(ident(key_pair)),
        };
        let mut label = None;
        let mut value = None;
        let mut clause = None;
        for p in inner {
            match p.as_rule() {
                Rule::string => label = Some(self.text(p)),
                Rule::expr => value = Some(self.expr(p)),
                Rule::clause_ref => clause = Some(clause_ref(p)),
                _ => {}
            }
        }
        Some(Row {
            key,
            label,
            value: value?,
            clause,
            span,
        })
    }

    /// The parts of a `calendar` declaration after its keyword.
    fn calendar<'i>(
        &mut self,
        span: Span,
        mut parts: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> CalendarDecl {
        let name = parts.next().map(ident).unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let mut cal = CalendarDecl {
            name,
            label: None,
            years: Vec::new(),
            days: Vec::new(),
            span,
        };
        for p in parts {
            let pspan = span_of(&p);
            match p.as_rule() {
                Rule::string => cal.label = Some(self.text(p)),
                Rule::calendar_years => {
                    let ints: Vec<Pair<'_, Rule>> = p
                        .into_inner()
                        .filter(|q| q.as_rule() == Rule::int)
                        .collect();
                    let mut values = ints.iter().map(|q| self.int(q));
                    let first = values.next().unwrap_or(0);
                    let last = values.next().unwrap_or(first);
                    cal.years.push(CalendarYears {
                        first,
                        last,
                        span: pspan,
                    });
                }
                Rule::calendar_day => {
                    let mut kind = DayKind::Holiday;
                    let mut dates = Vec::new();
                    let mut label = None;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::kw_workday => kind = DayKind::Workday,
                            Rule::date => dates.push((q.as_str().to_string(), span_of(&q))),
                            Rule::string => label = Some(self.text(q)),
                            _ => {}
                        }
                    }
                    let mut dates = dates.into_iter();
                    let Some((from, from_span)) = dates.next() else {
                        continue;
                    };
                    cal.days.push(CalendarDay {
                        kind,
                        from,
                        from_span,
                        to: dates.next(),
                        label,
                        span: pspan,
                    });
                }
                _ => {}
            }
        }
        cal
    }

    fn text(&mut self, pair: Pair<'_, Rule>) -> Text {
        let span = span_of(&pair);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        Text {
            value: unescape(raw),
            span,
        }
    }

    /// What follows `per` in a `limit` line; `ever` is where `ever` follows
    /// a single name.
    fn limit_scope(&mut self, pair: Pair<'_, Rule>, ever: Option<Span>) -> LimitScope {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::limit_group => {
                let mut names = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(ident);
                let name = names.next().unwrap_or(Ident {
                    name: String::new(),
                    span,
                });
                LimitScope::Group {
                    name,
                    categories: names.collect(),
                }
            }
            Rule::limit_keys => {
                let mut keys = Vec::new();
                let mut ever = false;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::ident => keys.push(ident(p)),
                        Rule::kw_ever => ever = true,
                        _ => {}
                    }
                }
                LimitScope::Keys { keys, ever, span }
            }
            Rule::duration => {
                let mut count = 0;
                let mut unit = DurationUnit::Years;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::int => count = self.int(&p),
                        Rule::duration_unit => unit = duration_unit(p.as_str()),
                        _ => {}
                    }
                }
                LimitScope::Years { count, unit, span }
            }
            _ => match ever {
                Some(end) => LimitScope::Keys {
                    keys: vec![ident(pair)],
                    ever: true,
                    span: span.to(end),
                },
                None => LimitScope::Name(ident(pair)),
            },
        }
    }

    fn int(&mut self, pair: &Pair<'_, Rule>) -> i64 {
        let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        match digits.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                self.errors.push(SyntaxError {
                    kind: SyntaxErrorKind::NumberTooLarge,
                    span: span_of(pair),
                });
                0
            }
        }
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        if pair.as_rule() != Rule::expr {
            return self.primary(pair);
        }
        let pairs: Pairs<'_, Rule> = pair.into_inner();
        // The Pratt parser holds several closures at once, so none may borrow
        // `self` mutably: each lowers into a fresh `Lower`, and their errors
        // meet in a shared `RefCell`, merged into `self` afterwards.
        let errors = std::cell::RefCell::new(Vec::new());
        let expr = PRATT
            .map_primary(|p| {
                let mut l = Lower { errors: Vec::new() };
                let e = l.primary(p);
                errors.borrow_mut().extend(l.errors);
                e
            })
            .map_prefix(|op, rhs| {
                let span = span_of(&op).to(rhs.span);
                let op = match op.as_rule() {
                    Rule::op_not => UnaryOp::Not,
                    _ => UnaryOp::Neg,
                };
                Expr {
                    kind: ExprKind::Unary {
                        op,
                        expr: Box::new(rhs),
                    },
                    span,
                }
            })
            .map_postfix(|lhs, op| {
                let span = lhs.span.to(span_of(&op));
                match op.as_rule() {
                    Rule::in_test => {
                        let mut negated = false;
                        let mut set = None;
                        for p in op.into_inner() {
                            match p.as_rule() {
                                Rule::op_not => negated = true,
                                Rule::kw_in => {}
                                _ => {
                                    let mut l = Lower { errors: Vec::new() };
                                    set = Some(l.primary(p));
                                    errors.borrow_mut().extend(l.errors);
                                }
                            }
                        }
                        let set = set.unwrap_or(Expr {
                            kind: ExprKind::Set(Vec::new()),
                            span,
                        });
                        Expr {
                            kind: ExprKind::In {
                                expr: Box::new(lhs),
                                negated,
                                set: Box::new(set),
                            },
                            span,
                        }
                    }
                    _ => {
                        let present = op.into_inner().any(|p| p.as_rule() == Rule::kw_present);
                        Expr {
                            kind: ExprKind::Is {
                                expr: Box::new(lhs),
                                present,
                            },
                            span,
                        }
                    }
                }
            })
            .map_infix(|lhs, op, rhs| {
                let span = lhs.span.to(rhs.span);
                let rule = op.as_rule();
                let Some(op) = BinaryOp::ALL.into_iter().find(|op| infix_rule(*op) == rule) else {
                    // INVARIANT: `PRATT` registers only rules that
                    // `infix_rule` names; a grammar test parses every operator.
                    return Expr {
                        kind: ExprKind::Bool(false),
                        span,
                    };
                };
                let Some(level) = op.chain_level() else {
                    return Expr {
                        kind: ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span,
                    };
                };
                // The Pratt parser hands over `a + b` before `+ c`: extend the
                // chain rather than nest, unless it was written in parentheses
                // (then its span starts before its first operand).
                let Expr { kind, span: lspan } = lhs;
                match kind {
                    ExprKind::Chain { first, mut rest }
                        if lspan.start == first.span.start
                            && rest
                                .first()
                                .is_some_and(|(o, _)| o.chain_level() == Some(level)) =>
                    {
                        rest.push((op, rhs));
                        Expr {
                            kind: ExprKind::Chain { first, rest },
                            span,
                        }
                    }
                    kind => Expr {
                        kind: ExprKind::Chain {
                            first: Box::new(Expr { kind, span: lspan }),
                            rest: vec![(op, rhs)],
                        },
                        span,
                    },
                }
            })
            .parse(pairs);
        self.errors.extend(errors.into_inner());
        expr
    }

    fn range(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        let mut lo = None;
        let mut hi = None;
        let mut inclusive = false;
        let mut seen_op = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::op_range_incl => {
                    inclusive = true;
                    seen_op = true;
                }
                Rule::op_range_excl => seen_op = true,
                _ => {
                    let e = Box::new(self.primary(p));
                    if seen_op {
                        hi = Some(e);
                    } else {
                        lo = Some(e);
                    }
                }
            }
        }
        Expr {
            kind: ExprKind::Range { lo, hi, inclusive },
            span,
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::expr => return self.expr(pair),
            // The parentheses belong to the expression's span, so that source
            // text quoted from it (in explanations) stays balanced.
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => {
                    let mut e = self.expr(inner);
                    e.span = span;
                    return e;
                }
                None => ExprKind::Bool(false),
            },
            Rule::range => return self.range(pair),
            Rule::bool_lit => ExprKind::Bool(pair.as_str() == "true"),
            Rule::int => ExprKind::Int(self.int(&pair)),
            Rule::decimal => ExprKind::Decimal(pair.as_str().replace('_', "")),
            Rule::percent => {
                ExprKind::Percent(pair.as_str().trim_end_matches('%').replace('_', ""))
            }
            Rule::quantifier => {
                let mut quantifier = Quantifier::Any;
                let mut list = Vec::new();
                let mut filter = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::kw_all => quantifier = Quantifier::All,
                        Rule::kw_any | Rule::kw_where => {}
                        Rule::path => list = self.path_segments(p),
                        _ => filter = Some(Box::new(self.expr(p))),
                    }
                }
                ExprKind::Quantifier {
                    quantifier,
                    list,
                    filter,
                }
            }
            Rule::aggregate => {
                let mut func = Ident {
                    name: String::new(),
                    span,
                };
                let mut of = None;
                let mut list = Vec::new();
                let mut filter = None;
                let mut seen_where = false;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::ident => func = ident(p),
                        Rule::kw_of => {}
                        Rule::kw_where => seen_where = true,
                        Rule::path => list = self.path_segments(p),
                        _ if seen_where => filter = Some(Box::new(self.expr(p))),
                        _ => of = Some(Box::new(self.expr(p))),
                    }
                }
                ExprKind::Aggregate {
                    func,
                    of,
                    list,
                    filter,
                }
            }
            Rule::date => ExprKind::Date(pair.as_str().to_string()),
            Rule::datetime => ExprKind::DateTime(pair.as_str().to_string()),
            Rule::string => ExprKind::Text(self.text(pair).value),
            Rule::money => {
                let mut amount = String::new();
                let mut unit = "元".to_string();
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::number => amount = p.as_str().replace('_', ""),
                        Rule::currency_unit | Rule::currency_symbol => {
                            unit = p.as_str().to_string()
                        }
                        _ => {}
                    }
                }
                ExprKind::Money { amount, unit }
            }
            Rule::duration => {
                let mut count = 0;
                let mut unit = DurationUnit::Days;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::int => count = self.int(&p),
                        Rule::duration_unit => unit = duration_unit(p.as_str()),
                        _ => {}
                    }
                }
                ExprKind::Duration { count, unit }
            }
            Rule::set_lit => ExprKind::Set(pair.into_inner().map(|p| self.expr(p)).collect()),
            Rule::call => {
                let mut inner = pair.into_inner();
                let func = inner.next().map(ident).unwrap_or(Ident {
                    name: String::new(),
                    span,
                });
                let args = inner.map(|p| self.expr(p)).collect();
                ExprKind::Call { func, args }
            }
            Rule::path => {
                let mut segments = Vec::new();
                let mut key = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::ident => segments.push(ident(p)),
                        Rule::application_ref => segments.push(Ident {
                            name: "application".into(),
                            span: span_of(&p),
                        }),
                        Rule::applicant_ref => segments.push(Ident {
                            name: "applicant".into(),
                            span: span_of(&p),
                        }),
                        Rule::index => {
                            if let Some(e) = p.into_inner().next() {
                                key = Some(Box::new(self.expr(e)));
                            }
                        }
                        _ => {}
                    }
                }
                match key {
                    Some(key) => ExprKind::Index {
                        table: segments,
                        key,
                    },
                    None => ExprKind::Path(segments),
                }
            }
            Rule::if_expr => {
                let mut it = pair.into_inner().filter(|p| p.as_rule() == Rule::expr);
                let mut next = |l: &mut Self| {
                    it.next().map(|p| l.expr(p)).unwrap_or(Expr {
                        kind: ExprKind::Bool(false),
                        span,
                    })
                };
                let cond = next(self);
                let then = next(self);
                let otherwise = next(self);
                ExprKind::If {
                    cond: Box::new(cond),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                }
            }
            Rule::match_expr => {
                let mut scrutinee = None;
                let mut arms = Vec::new();
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::expr => scrutinee = Some(self.expr(p)),
                        Rule::arm => {
                            let aspan = span_of(&p);
                            let mut patterns = Vec::new();
                            let mut body = None;
                            for q in p.into_inner() {
                                match q.as_rule() {
                                    Rule::pattern => {
                                        if let Some(pat) = self.pattern(q) {
                                            patterns.push(pat);
                                        }
                                    }
                                    _ => body = Some(self.expr(q)),
                                }
                            }
                            if let Some(body) = body {
                                arms.push(Arm {
                                    patterns,
                                    body,
                                    span: aspan,
                                });
                            }
                        }
                        _ => {}
                    }
                }
                ExprKind::Match {
                    scrutinee: Box::new(scrutinee.unwrap_or(Expr {
                        kind: ExprKind::Bool(false),
                        span,
                    })),
                    arms,
                }
            }
            _ => ExprKind::Bool(false),
        };
        Expr { kind, span }
    }

    /// The names of a path that names a list (`certificates`, `qualifying`).
    fn path_segments(&mut self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(ident)
            .collect()
    }

    fn pattern(&mut self, pair: Pair<'_, Rule>) -> Option<Pattern> {
        let inner = pair.into_inner().next()?;
        let span = span_of(&inner);
        let kind = match inner.as_rule() {
            Rule::wildcard => PatternKind::Wildcard,
            Rule::int => PatternKind::Int(self.int(&inner)),
            Rule::date => PatternKind::Date(inner.as_str().to_string()),
            Rule::bool_lit => PatternKind::Bool(inner.as_str() == "true"),
            Rule::string => PatternKind::Text(self.text(inner).value),
            Rule::ident => PatternKind::Name(nfc(inner.as_str())),
            Rule::pattern_range => {
                let mut lo = None;
                let mut hi = None;
                let mut inclusive = false;
                let mut seen_op = false;
                for p in inner.into_inner() {
                    let pspan = span_of(&p);
                    let bound = match p.as_rule() {
                        Rule::op_range_incl => {
                            inclusive = true;
                            seen_op = true;
                            continue;
                        }
                        Rule::op_range_excl => {
                            seen_op = true;
                            continue;
                        }
                        Rule::int => PatternKind::Int(self.int(&p)),
                        _ => PatternKind::Date(p.as_str().to_string()),
                    };
                    let bound = Some(Box::new(Pattern {
                        kind: bound,
                        span: pspan,
                    }));
                    if seen_op {
                        hi = bound;
                    } else {
                        lo = bound;
                    }
                }
                PatternKind::Range { lo, hi, inclusive }
            }
            _ => return None,
        };
        Some(Pattern { kind, span })
    }
}

fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_extends
            | kw_extend
            | kw_record
            | kw_let
            | kw_list
            | kw_of
            | kw_where
            | kw_any
            | kw_all
            | kw_row
            | kw_deadline
            | kw_override
            | kw_remove
            | kw_scheme
            | kw_enum
            | kw_applicant
            | kw_clause
            | kw_table
            | kw_by
            | kw_require
            | kw_category
            | kw_when
            | kw_unless
            | kw_pay
            | kw_award
            | kw_limit
            | kw_per
            | kw_choose
            | kw_group
            | kw_history
            | kw_application
            | kw_timeline
            | kw_within
            | kw_after
            | kw_then
            | kw_places
            | kw_budget
            | kw_pro
            | kw_rata
            | kw_lot
            | kw_seed
            | kw_calendar
            | kw_rounds
            | kw_on
            | kw_paid
            | kw_instalments
            | kw_now
            | kw_matching
            | kw_up
            | kw_to
    )
}

/// A planned declaration: its feature, by its keyword.
fn planned(pair: Pair<'_, Rule>) -> Option<Planned> {
    let span = span_of(&pair);
    planned_parts(span, pair.into_inner().next()?)
}

/// `kw` is the `planned_kw` pair of a planned declaration spanning `span`.
fn planned_parts(span: Span, kw: Pair<'_, Rule>) -> Option<Planned> {
    let keyword = span_of(&kw);
    let feature = match kw.into_inner().next()?.as_rule() {
        Rule::kw_quota => PlannedFeature::Quota,
        Rule::kw_budget => PlannedFeature::Budget,
        Rule::kw_payer => PlannedFeature::Payer,
        _ => return None,
    };
    Some(Planned {
        feature,
        keyword,
        span,
    })
}

/// A name, in NFC: `é` written as one character or as `e` and a combining
/// accent is one name (UAX #31), as it looks the same.
fn ident(pair: Pair<'_, Rule>) -> Ident {
    Ident {
        name: nfc(pair.as_str()),
        span: span_of(&pair),
    }
}

fn nfc(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc().collect()
}

fn clause_ref(pair: Pair<'_, Rule>) -> ClauseRef {
    ClauseRef {
        id: pair.as_str().trim_start_matches('§').to_string(),
        span: span_of(&pair),
    }
}

fn type_ref(pair: Pair<'_, Rule>) -> TypeRef {
    let span = span_of(&pair);
    let mut list = false;
    let mut name = None;
    let mut optional = false;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::list_mark => list = true,
            Rule::ident => name = Some(ident(p)),
            _ => optional = true,
        }
    }
    TypeRef {
        name: name.unwrap_or(Ident {
            name: String::new(),
            span,
        }),
        optional,
        list,
        span,
    }
}

fn duration_unit(text: &str) -> DurationUnit {
    match text {
        "working_day" | "working_days" | "个工作日" | "工作日" => DurationUnit::WorkingDays,
        "week" | "weeks" | "周" => DurationUnit::Weeks,
        "month" | "months" | "个月" | "月" => DurationUnit::Months,
        "year" | "years" | "年" => DurationUnit::Years,
        _ => DurationUnit::Days,
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}
