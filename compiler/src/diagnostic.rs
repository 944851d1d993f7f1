//! Diagnostics: every problem the compiler reports, as a `miette` diagnostic
//! with a stable code, labelled spans into the source and a help line. A
//! diagnostic is made only by [`Reporter::report`] from a `Problem`
//! (`problem.rs`), which says what every message reads.

use std::fmt;
use std::sync::Arc;

use bursar_grammar::ast::Span;
use bursar_grammar::lines;
use miette::{LabeledSpan, NamedSource, SourceSpan};

use crate::problem::Problem;

/// A policy file's name and text, shared by every diagnostic pointing into it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    named: Arc<NamedSource<Arc<str>>>,
    text: Arc<str>,
    name: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let name: Arc<str> = Arc::from(name.into());
        let text: Arc<str> = Arc::from(text.into());
        let shown: Arc<str> = Arc::from(for_display(&text));
        let named = Arc::new(NamedSource::new(&name, shown).with_language("bursar"));
        SourceFile { named, text, name }
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The source text under a span, or "" if the span is out of range.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
    /// 1-based line and column (in characters) of a byte offset.
    /// Every line break an editor shows counts (see `bursar_grammar::lines`).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        lines::line_col(&self.text, offset)
    }
}

/// The text as miette is given it: miette knows only `\n` and `\r\n` as
/// line ends, so every other line end is replaced by one of those, padded
/// with spaces to the same byte length so that spans stay where they are.
fn for_display(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => out.push('\r'),
            '\r' | '\u{0B}' | '\u{0C}' => out.push('\n'),
            '\u{85}' => out.push_str("\r\n"),
            '\u{2028}' | '\u{2029}' => out.push_str(" \r\n"),
            c => out.push(c),
        }
    }
    out
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Stable diagnostic codes: tools and docs refer to these, so a code is never
/// renamed or reused. A new kind of mistake is a `Problem` variant
/// (`problem.rs`), rendered with one of these; a new code is needed only
/// for a new family of mistakes, with its row in docs/language.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    Syntax,
    FullWidthPunctuation,
    UnterminatedString,
    UnterminatedComment,
    TooDeep,
    NumberTooLarge,
    UnknownName,
    UnknownType,
    UnknownSetting,
    UnknownClause,
    DuplicateName,
    TypeMismatch,
    OptionalRead,
    NonExhaustive,
    EmptyRange,
    InvalidDate,
    InvalidMoney,
    CurrencyMismatch,
    NeverHolds,
    Missing,
    NotConstant,
    Unsupported,
    Cycle,
    Unused,
    Unreachable,
    /// A `pay` that can come to less than nothing.
    NegativePayout,
    /// A default-ignorable or bidi control character: an error outside
    /// text, a warning inside it.
    InvisibleCharacter,
    /// Two names that look alike but are written in different scripts.
    ConfusableName,
    /// An amount that may fall between two fen, used where money is paid
    /// or compared without `round`.
    Unrounded,
    /// `min`/`max` of a list's items where no item may qualify.
    MaybeEmpty,
    /// A day a calendar makes both a holiday and a working day.
    CalendarConflict,
    /// A calendar line that changes nothing: a day listed twice, or a
    /// make-up working day that is a weekday anyway (a warning).
    CalendarOverlap,
    /// `working_days` counted by a calendar that does not cover the
    /// scheme's period, or a calendar line outside its years.
    CalendarCoverage,
}

impl Code {
    /// Every code, in the order of the table in docs/language.md (a test
    /// in `problem.rs` holds the two, and the problems, together).
    pub const ALL: [Code; 33] = [
        Code::Syntax,
        Code::FullWidthPunctuation,
        Code::UnterminatedString,
        Code::UnterminatedComment,
        Code::InvisibleCharacter,
        Code::ConfusableName,
        Code::TooDeep,
        Code::NumberTooLarge,
        Code::UnknownName,
        Code::UnknownType,
        Code::UnknownSetting,
        Code::UnknownClause,
        Code::DuplicateName,
        Code::TypeMismatch,
        Code::OptionalRead,
        Code::NonExhaustive,
        Code::EmptyRange,
        Code::InvalidDate,
        Code::InvalidMoney,
        Code::CurrencyMismatch,
        Code::NeverHolds,
        Code::Missing,
        Code::NotConstant,
        Code::Unsupported,
        Code::Cycle,
        Code::NegativePayout,
        Code::Unrounded,
        Code::MaybeEmpty,
        Code::CalendarConflict,
        Code::CalendarOverlap,
        Code::CalendarCoverage,
        Code::Unused,
        Code::Unreachable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "bursar::syntax",
            Code::FullWidthPunctuation => "bursar::full_width_punctuation",
            Code::UnterminatedString => "bursar::unterminated_string",
            Code::UnterminatedComment => "bursar::unterminated_comment",
            Code::TooDeep => "bursar::too_deep",
            Code::NumberTooLarge => "bursar::number_too_large",
            Code::UnknownName => "bursar::unknown_name",
            Code::UnknownType => "bursar::unknown_type",
            Code::UnknownSetting => "bursar::unknown_setting",
            Code::UnknownClause => "bursar::unknown_clause",
            Code::DuplicateName => "bursar::duplicate_name",
            Code::TypeMismatch => "bursar::type_mismatch",
            Code::OptionalRead => "bursar::optional_read",
            Code::NonExhaustive => "bursar::non_exhaustive",
            Code::EmptyRange => "bursar::empty_range",
            Code::InvalidDate => "bursar::invalid_date",
            Code::InvalidMoney => "bursar::invalid_money",
            Code::CurrencyMismatch => "bursar::currency_mismatch",
            Code::NeverHolds => "bursar::never_holds",
            Code::Missing => "bursar::missing",
            Code::NotConstant => "bursar::not_constant",
            Code::Unsupported => "bursar::unsupported",
            Code::Cycle => "bursar::cycle",
            Code::Unused => "bursar::unused",
            Code::Unreachable => "bursar::unreachable",
            Code::NegativePayout => "bursar::negative_payout",
            Code::InvisibleCharacter => "bursar::invisible_character",
            Code::ConfusableName => "bursar::confusable_name",
            Code::Unrounded => "bursar::unrounded",
            Code::MaybeEmpty => "bursar::maybe_empty",
            Code::CalendarConflict => "bursar::calendar_conflict",
            Code::CalendarOverlap => "bursar::calendar_overlap",
            Code::CalendarCoverage => "bursar::calendar_coverage",
        }
    }
}

/// A labelled span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
    /// The span the message is about; others give context.
    pub primary: bool,
}

/// One problem in one file.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// One line, lower case, no final period; user text in backticks.
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub source: SourceFile,
    /// Where the primary span is across all files (for ordering).
    pub global: usize,
    sources: SourceMap,
    /// Labels that point into another file, as `file:line:col: text`.
    pub elsewhere: Vec<String>,
}

impl Diagnostic {
    /// Where the diagnostic points first: the primary label's start.
    pub fn offset(&self) -> usize {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map_or(0, |l| l.span.start)
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let mut parts: Vec<String> = self.help.iter().cloned().collect();
        parts.extend(self.elsewhere.iter().map(|e| format!("see {e}")));
        if parts.is_empty() {
            None
        } else {
            Some(Box::new(parts.join("\n")))
        }
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.source.named)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().map(|l| {
            let span = SourceSpan::from(l.span.start..l.span.end);
            if l.primary {
                LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(l.text.clone()), span)
            }
        })))
    }
}

/// Every file of a policy (a child and the parents it extends), each at a
/// base offset, so that a span is unique across files.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<(usize, SourceFile)>,
    next: usize,
}

impl SourceMap {
    /// Adds a file and returns its base offset.
    pub fn add(&mut self, file: SourceFile) -> usize {
        let base = self.next;
        // One spare byte between files keeps an end-of-file span inside its file.
        self.next = base + file.text().len() + 1;
        self.files.push((base, file));
        base
    }

    /// The file a span is in, and the span within that file.
    pub fn locate(&self, span: Span) -> Option<(&SourceFile, Span)> {
        let (base, file) = self
            .files
            .iter()
            .rev()
            .find(|(base, _)| *base <= span.start)?;
        Some((
            file,
            Span::new(span.start - base, span.end.saturating_sub(*base)),
        ))
    }

    /// The source text under a span.
    pub fn slice(&self, span: Span) -> &str {
        self.locate(span).map_or("", |(f, local)| f.slice(local))
    }

    /// `file:line:column` of a span's start.
    pub fn describe(&self, span: Span) -> String {
        match self.locate(span) {
            Some((f, local)) => {
                let (line, col) = f.line_col(local.start);
                format!("{}:{line}:{col}", f.name())
            }
            None => "?".into(),
        }
    }
}

/// Builds diagnostics for the files of one policy.
#[derive(Clone, Debug)]
pub struct Reporter {
    sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Reporter {
    pub fn new(sources: SourceMap) -> Self {
        Reporter {
            sources,
            diagnostics: Vec::new(),
        }
    }
    pub fn sources_mut(&mut self) -> &mut SourceMap {
        &mut self.sources
    }
    /// The source text under a span.
    pub fn slice(&self, span: Span) -> &str {
        self.sources.slice(span)
    }
    /// Reports a problem at `span`: the one way a diagnostic is made, so
    /// that every message comes from [`Problem::render`].
    pub(crate) fn report(&mut self, span: Span, problem: Problem) {
        let shown = problem.render();
        let d = self.push(shown.severity, shown.code, span, shown.message, shown.label);
        for (span, text) in shown.labels {
            d.with_label(span, text);
        }
        if let Some(help) = shown.help {
            d.with_help(help);
        }
    }
    fn push(
        &mut self,
        severity: Severity,
        code: Code,
        span: Span,
        message: String,
        label: String,
    ) -> &mut Diagnostic {
        let (source, local) = match self.sources.locate(span) {
            Some((f, local)) => (f.clone(), local),
            None => (SourceFile::new("<unknown>", ""), Span::new(0, 0)),
        };
        self.diagnostics.push(Diagnostic {
            code,
            severity,
            message,
            labels: vec![Label {
                span: local,
                text: label,
                primary: true,
            }],
            help: None,
            source,
            global: span.start,
            sources: self.sources.clone(),
            elsewhere: Vec::new(),
        });
        let last = self.diagnostics.len() - 1;
        #[allow(clippy::indexing_slicing)] // just pushed
        &mut self.diagnostics[last]
    }
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

impl Diagnostic {
    fn with_help(&mut self, help: String) {
        self.help = Some(help);
    }
    /// Adds a label; a span in another file becomes a "see also" note.
    fn with_label(&mut self, span: Span, text: String) {
        match self.sources.locate(span) {
            Some((f, local)) if f.name() == self.source.name() => {
                self.labels.push(Label {
                    span: local,
                    text,
                    primary: false,
                });
            }
            _ => {
                let at = self.sources.describe(span);
                self.elsewhere.push(format!("{at}: {text}"));
            }
        }
    }
}

/// Past this column a label is shown without its line: miette pads with
/// `format!("{:width$}")`, which panics past 65,535 columns, and a line that
/// long is no use on a terminal anyway.
const MAX_SNIPPET_COLUMN: usize = 10_000;

impl Diagnostic {
    /// The diagnostic as a person reads it: miette's graphical report, 100
    /// columns wide, coloured only when asked.
    pub fn render(&self, colour: bool) -> String {
        if self.labels.iter().any(|l| {
            self.source.line_col(l.span.start).1 > MAX_SNIPPET_COLUMN
                || self.source.line_col(l.span.end).1 > MAX_SNIPPET_COLUMN
        }) {
            return self.render_plain();
        }
        let theme = if colour {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        if handler.render_report(&mut out, self).is_err() {
            out = format!("{}: {}\n", self.code.as_str(), self.message);
        }
        out
    }

    /// The diagnostic without a source snippet: where each label points, as
    /// `file:line:column`, and the help.
    fn render_plain(&self) -> String {
        let mut out = format!(
            "{}: {}: {}\n",
            self.severity.as_str(),
            self.code.as_str(),
            self.message
        );
        for l in &self.labels {
            let (line, col) = self.source.line_col(l.span.start);
            out.push_str(&format!(
                "  --> {}:{line}:{col}: {}\n",
                self.source.name(),
                l.text
            ));
        }
        if let Some(help) = miette::Diagnostic::help(self) {
            out.push_str(&format!("  help: {help}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn all_holds_every_code() {
        // Total on purpose: each code names the one listed after it, so a
        // new code fails to compile here until it joins the cycle, and the
        // walk below finds it missing from `ALL` until it is there too.
        let next = |c: Code| match c {
            Code::Syntax => Code::FullWidthPunctuation,
            Code::FullWidthPunctuation => Code::UnterminatedString,
            Code::UnterminatedString => Code::UnterminatedComment,
            Code::UnterminatedComment => Code::InvisibleCharacter,
            Code::InvisibleCharacter => Code::ConfusableName,
            Code::ConfusableName => Code::TooDeep,
            Code::TooDeep => Code::NumberTooLarge,
            Code::NumberTooLarge => Code::UnknownName,
            Code::UnknownName => Code::UnknownType,
            Code::UnknownType => Code::UnknownSetting,
            Code::UnknownSetting => Code::UnknownClause,
            Code::UnknownClause => Code::DuplicateName,
            Code::DuplicateName => Code::TypeMismatch,
            Code::TypeMismatch => Code::OptionalRead,
            Code::OptionalRead => Code::NonExhaustive,
            Code::NonExhaustive => Code::EmptyRange,
            Code::EmptyRange => Code::InvalidDate,
            Code::InvalidDate => Code::InvalidMoney,
            Code::InvalidMoney => Code::CurrencyMismatch,
            Code::CurrencyMismatch => Code::NeverHolds,
            Code::NeverHolds => Code::Missing,
            Code::Missing => Code::NotConstant,
            Code::NotConstant => Code::Unsupported,
            Code::Unsupported => Code::Cycle,
            Code::Cycle => Code::NegativePayout,
            Code::NegativePayout => Code::Unrounded,
            Code::Unrounded => Code::MaybeEmpty,
            Code::MaybeEmpty => Code::CalendarConflict,
            Code::CalendarConflict => Code::CalendarOverlap,
            Code::CalendarOverlap => Code::CalendarCoverage,
            Code::CalendarCoverage => Code::Unused,
            Code::Unused => Code::Unreachable,
            Code::Unreachable => Code::Syntax,
        };
        let mut code = Code::Syntax;
        for _ in 0..=Code::ALL.len() {
            assert!(
                Code::ALL.contains(&code),
                "`{}` is not in Code::ALL",
                code.as_str()
            );
            code = next(code);
        }
    }
}
