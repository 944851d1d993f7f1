//! `simulate --persons`: one row per population row read, saying what the
//! scheme decided for that person and why, in the words of the runtime's
//! explanation (those `bursar eval` prints).
//!
//! Rows are made by the workers ([`person_row`]), kept with their batch, and
//! written in population order as the run goes ([`PersonsOut::write`]), so
//! memory stays constant and the file is the same for any thread count. A
//! row whose payment waits for a quota's allocation is written once
//! allocation is done, after the others, in population order among
//! themselves. Skipped rows are written too, with their reason, so the file
//! adds up to the report: its rows are the report's `rows`, its `paid` rows
//! its `paid`, and their amounts its `total`.
//!
//! The rows go to a [`Sink`]: CSV here ([`CsvSink`]), a spreadsheet in the
//! command line tool.

use std::cmp::Reverse;
use std::io::Write;
use std::sync::Mutex;

use bursar_runtime::ir::{Scheme, SCHEME_PAYER};
use bursar_runtime::{explain, Applicant, Decision, Given, Line, Money, Outcome};
use chrono::{Datelike, NaiveDate};

use crate::tally::{Reason, TallyPlan};

/// The columns after the row number and the identifier.
pub const COLUMNS: [&str; 8] = [
    "outcome",
    "category",
    "amount",
    "payers",
    "clause",
    "decided_by",
    "paid_latest",
    "paid_expected",
];

/// One cell of a row written to a [`Sink`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// A count or a row number.
    Int(u64),
    /// An amount of money (a spreadsheet formats it as money).
    Money(Money),
    Text(&'a str),
    Empty,
}

/// Where rows of cells go: a CSV file, a spreadsheet.
pub trait Sink: Send {
    fn row(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()>;
    /// Called once, after the last row.
    fn finish(&mut self) -> std::io::Result<()>;
}

/// Rows as CSV: a UTF-8 byte-order mark first (unless told otherwise), so
/// that Excel on Chinese Windows reads the file as UTF-8.
pub struct CsvSink<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> CsvSink<W> {
    pub fn new(mut out: W, bom: bool) -> std::io::Result<CsvSink<W>> {
        if bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        Ok(CsvSink { out })
    }
}

impl<W: Write + Send> Sink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        let mut line = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            match c {
                Cell::Int(n) => line.push_str(&n.to_string()),
                Cell::Money(m) => line.push_str(&m.to_string()),
                Cell::Text(t) => line.push_str(&csv_text(t)),
                Cell::Empty => {}
            }
        }
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A text cell of a CSV file, quoted when it must be.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

/// One person's row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonRow {
    /// The row's number, 1 for the first after the header (as `eval --row`
    /// counts); none for a bad row of a list file.
    pub row: Option<u64>,
    /// The identifier cell, as read.
    pub id: String,
    /// The decision's outcome as in JSON (`paid`, `not_eligible`…), or
    /// `skipped`.
    pub outcome: &'static str,
    /// The categories awarded (or, unpaid, that would have been), `;`
    /// between them.
    pub category: String,
    /// What the person is paid: zero unless paid; none for a skipped row.
    pub amount: Option<Money>,
    /// For a scheme with payers: each payer's share, `NAME=AMOUNT`, `;`
    /// between them, the scheme's own first.
    pub payers: String,
    /// The clause of the line that decided, `§` and its number.
    pub clause: String,
    /// The line that decided, as the explanation words it; for a skipped
    /// row, why it was skipped.
    pub decided_by: String,
    /// The month payment is due by, and the expected case's month.
    pub latest: Option<NaiveDate>,
    pub expected: Option<NaiveDate>,
}

impl PersonRow {
    /// The outcome of a skipped row.
    pub const SKIPPED: &'static str = "skipped";

    /// A row skipped for breaking the data contract (or repeating an
    /// identifier), with why.
    pub fn skipped(row: Option<u64>, id: &[u8], why: String) -> PersonRow {
        PersonRow {
            row,
            id: String::from_utf8_lossy(id).into_owned(),
            outcome: PersonRow::SKIPPED,
            decided_by: why,
            ..PersonRow::default()
        }
    }

    /// Settles a row that waited for its quota's allocation with what
    /// its claim was given.
    pub fn settle(&mut self, given: Given) {
        // The quota line said it was waiting; now it says what came of it.
        let line = self
            .decided_by
            .strip_suffix(WAITING)
            .unwrap_or(&self.decided_by)
            .to_string();
        if let Some(paid) = given.paid {
            self.outcome = "paid";
            self.amount = Some(paid);
            self.decided_by = format!("{line}: given a place, rank {}", given.rank);
        } else {
            self.outcome = "no_place";
            self.amount = Some(Money::ZERO);
            self.decided_by = format!("{line}: no place, rank {}", given.rank);
            (self.latest, self.expected) = (None, None);
        }
    }
}

/// How the explanation ends a quota line before allocation.
const WAITING: &str = ": waiting for allocation";

/// A decided row: what it was decided, and the line of the explanation
/// that decided it. `expected` is the expected payment day.
pub fn person_row(
    scheme: &Scheme,
    plan: &TallyPlan,
    applicant: &Applicant,
    decision: &Decision,
    expected: Option<NaiveDate>,
    row: u64,
    id: &[u8],
) -> PersonRow {
    let e = explain(scheme, applicant, decision);
    let mut categories: Vec<&str> = Vec::new();
    for a in &decision.awards {
        if let Some(c) = scheme.categories.get(a.category as usize) {
            if !categories.contains(&c.name.as_str()) {
                categories.push(&c.name);
            }
        }
    }
    // The category explanation of the first award: its `pay` line.
    let pay_line = || {
        decision
            .awards
            .first()
            .and_then(|a| e.categories.get(a.category as usize))
            .and_then(|c| c.pay.as_ref())
    };
    let line: Option<&Line> = match decision.outcome {
        Outcome::Paid | Outcome::NothingDue => pay_line(),
        Outcome::SubjectToQuota | Outcome::NoPlace => e.quota.as_ref().or_else(pay_line),
        Outcome::NotApplied | Outcome::Late | Outcome::Early => e.application.as_ref(),
        Outcome::Error => e.errors.first(),
        Outcome::NotEligible => match plan.reason_of(decision) {
            Reason::Requirement(i) => e.requirements.get(i as usize),
            Reason::Condition(c, k) => e
                .categories
                .get(c as usize)
                .and_then(|c| c.conditions.get(k as usize)),
            Reason::NoTargetGroup => None,
        },
    };
    let decided_by = match (line, decision.outcome) {
        (Some(l), _) => l.text.clone(),
        (None, Outcome::NotEligible) => {
            "in no target group (the first condition of every category fails)".to_string()
        }
        (None, _) => e.summary.clone(),
    };
    let paid = decision.outcome == Outcome::Paid;
    let payers = if paid && !scheme.payers.is_empty() {
        std::iter::once((SCHEME_PAYER, decision.awarded))
            .chain(
                scheme
                    .payers
                    .iter()
                    .zip(&decision.payers)
                    .map(|(p, s)| (p.name.as_str(), s.amount)),
            )
            .map(|(name, amount)| format!("{name}={amount}"))
            .collect::<Vec<_>>()
            .join(";")
    } else {
        String::new()
    };
    let pays = matches!(decision.outcome, Outcome::Paid | Outcome::SubjectToQuota);
    PersonRow {
        row: Some(row),
        id: String::from_utf8_lossy(id).into_owned(),
        outcome: decision.outcome.name(),
        category: categories.join(";"),
        amount: Some(decision.paid()),
        payers,
        clause: line
            .and_then(|l| l.clause.as_ref())
            .map(|c| format!("§{c}"))
            .unwrap_or_default(),
        decided_by,
        latest: pays.then(|| crate::tally::latest_day(decision)).flatten(),
        expected: expected.filter(|_| pays),
    }
}

/// `YYYY-MM`.
fn month(day: Option<NaiveDate>) -> String {
    day.map(|d| format!("{:04}-{:02}", d.year(), d.month()))
        .unwrap_or_default()
}

/// Writes one scheme's person rows into a [`Sink`], in population order.
pub struct PersonsOut {
    /// The identifier's column name, if the scheme has one.
    id_name: Option<String>,
    /// The sink, and the first error writing to it.
    sink: Mutex<(Box<dyn Sink>, Option<std::io::Error>)>,
}

impl std::fmt::Debug for PersonsOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonsOut")
            .field("id_name", &self.id_name)
            .finish_non_exhaustive()
    }
}

impl PersonsOut {
    /// The writer of `scheme`'s person rows into `sink`, its header
    /// written: `row`, the identifier's name (if the scheme has one), then
    /// [`COLUMNS`].
    pub fn new(scheme: &Scheme, mut sink: Box<dyn Sink>) -> std::io::Result<PersonsOut> {
        let id_name = identifier_name(scheme);
        let mut header = vec![Cell::Text("row")];
        if let Some(name) = &id_name {
            header.push(Cell::Text(name));
        }
        header.extend(COLUMNS.iter().map(|c| Cell::Text(c)));
        sink.row(&header)?;
        Ok(PersonsOut {
            id_name,
            sink: Mutex::new((sink, None)),
        })
    }

    /// Writes rows, in the order given. The first error is kept for
    /// [`PersonsOut::finish`].
    pub fn write(&self, rows: &[PersonRow]) {
        if rows.is_empty() {
            return;
        }
        let Ok(mut sink) = self.sink.lock() else {
            return;
        };
        let (out, error) = &mut *sink;
        if error.is_some() {
            return;
        }
        for r in rows {
            let (latest, expected) = (month(r.latest), month(r.expected));
            let mut cells = Vec::with_capacity(10);
            cells.push(r.row.map_or(Cell::Empty, Cell::Int));
            if self.id_name.is_some() {
                cells.push(Cell::Text(&r.id));
            }
            cells.extend([
                Cell::Text(r.outcome),
                Cell::Text(&r.category),
                r.amount.map_or(Cell::Empty, Cell::Money),
                Cell::Text(&r.payers),
                Cell::Text(&r.clause),
                Cell::Text(&r.decided_by),
                Cell::Text(&latest),
                Cell::Text(&expected),
            ]);
            if let Err(e) = out.row(&cells) {
                *error = Some(e);
                return;
            }
        }
    }

    /// Flushes the sink: the first error writing, if any.
    pub fn finish(&self) -> std::io::Result<()> {
        let Ok(mut sink) = self.sink.lock() else {
            return Err(std::io::Error::other(
                "the persons file was left half written",
            ));
        };
        let (out, error) = &mut *sink;
        match error.take() {
            Some(e) => Err(e),
            None => out.finish(),
        }
    }
}

/// The columns of `compare --persons` after the row number and the
/// identifier.
pub const COMPARED_COLUMNS: [&str; 9] = [
    "base_outcome",
    "reform_outcome",
    "base_category",
    "reform_category",
    "base_amount",
    "reform_amount",
    "change",
    "base_decided_by",
    "reform_decided_by",
];

/// One person under two schemes: what each decided, and the change in
/// payment (reform minus base). Kept on disk between a sort's runs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Compared {
    pub row: Option<u64>,
    pub id: String,
    /// Per scheme, base then reform: outcome, category, amount in fen
    /// (none for a skipped row), the clause and line that decided.
    pub sides: [Half; 2],
    /// In fen; zero for a skipped row.
    pub change: i128,
}

/// One scheme's side of a [`Compared`] row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Half {
    pub outcome: String,
    pub category: String,
    pub amount: Option<i64>,
    pub decided_by: String,
}

impl Compared {
    /// A person's two rows, side by side.
    pub fn new(base: PersonRow, reform: PersonRow) -> Compared {
        let fen = |p: &PersonRow| p.amount.map_or(0, |m| i128::from(m.minor()));
        let change = fen(&reform) - fen(&base);
        let half = |p: PersonRow| Half {
            outcome: p.outcome.to_string(),
            category: p.category,
            amount: p.amount.map(Money::minor),
            decided_by: match p.clause.as_str() {
                "" => p.decided_by,
                clause => format!("{clause} {}", p.decided_by),
            },
        };
        Compared {
            row: base.row,
            id: base.id.clone(),
            change,
            sides: [half(base), half(reform)],
        }
    }

    /// The order of the file: persons whose payment changes first, the
    /// largest change (gain or loss) first; then the rest; ties in
    /// population order (rows of list files, which have no row number,
    /// last).
    pub fn key(&self) -> CompareKey {
        (
            self.change == 0,
            Reverse(self.change.unsigned_abs()),
            self.row.unwrap_or(u64::MAX),
        )
    }
}

impl Compared {
    /// The order of [`Compared`] rows: by [`Compared::key`].
    fn order(a: &Compared, b: &Compared) -> std::cmp::Ordering {
        a.key().cmp(&b.key())
    }
}

/// Rows are spilled as JSON, which they already are in the report.
impl crate::sorted::Spill for Compared {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        Ok(serde_json::to_writer(out, self)?)
    }

    fn read(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    fn held(&self) -> usize {
        let half = |h: &Half| h.outcome.len() + h.category.len() + h.decided_by.len();
        std::mem::size_of::<Compared>() + self.id.len() + self.sides.iter().map(half).sum::<usize>()
    }
}

/// Unchanged or not, the change's size, and the row number: the order of
/// [`Compared`] rows.
pub type CompareKey = (bool, Reverse<u128>, u64);

/// Rows held in memory before a sorted run is spilled to disk: a few
/// megabytes (some 500 bytes a row).
pub const SORT_RUN_ROWS: usize = 8_192;

/// Writes `compare --persons`: rows are sorted on the way (in bounded
/// memory, spilling to temporary files) and written at the end.
pub struct ComparedOut {
    id_name: Option<String>,
    /// The sorter, and the first error spilling a run.
    sorter: Mutex<(crate::sorted::Sorter<Compared>, Option<std::io::Error>)>,
    sink: Mutex<Box<dyn Sink>>,
}

impl std::fmt::Debug for ComparedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComparedOut")
            .field("id_name", &self.id_name)
            .finish_non_exhaustive()
    }
}

impl ComparedOut {
    /// The writer of two schemes' rows into `sink`, its header written;
    /// the identifier is the base's.
    pub fn new(base: &Scheme, mut sink: Box<dyn Sink>) -> std::io::Result<ComparedOut> {
        let id_name = identifier_name(base);
        let mut header = vec![Cell::Text("row")];
        if let Some(name) = &id_name {
            header.push(Cell::Text(name));
        }
        header.extend(COMPARED_COLUMNS.iter().map(|c| Cell::Text(c)));
        sink.row(&header)?;
        Ok(ComparedOut {
            id_name,
            sorter: Mutex::new((
                crate::sorted::Sorter::new(Compared::order, SORT_RUN_ROWS),
                None,
            )),
            sink: Mutex::new(sink),
        })
    }

    /// Adds rows, in population order.
    pub fn add(&self, rows: Vec<Compared>) {
        if rows.is_empty() {
            return;
        }
        let Ok(mut sorter) = self.sorter.lock() else {
            return;
        };
        let (sorter, error) = &mut *sorter;
        for r in rows {
            if error.is_some() {
                return;
            }
            if let Err(e) = sorter.push(r) {
                *error = Some(e);
            }
        }
    }

    /// Writes every row in order and flushes the sink.
    pub fn finish(&self) -> std::io::Result<()> {
        let (Ok(mut sorter), Ok(mut sink)) = (self.sorter.lock(), self.sink.lock()) else {
            return Err(std::io::Error::other(
                "the persons file was left half written",
            ));
        };
        let (sorter, error) = &mut *sorter;
        if let Some(e) = error.take() {
            return Err(e);
        }
        let sorter = std::mem::replace(
            sorter,
            crate::sorted::Sorter::new(Compared::order, SORT_RUN_ROWS),
        );
        let with_id = self.id_name.is_some();
        sorter.finish(&mut |r: Compared| {
            let [b, f] = &r.sides;
            let money = |fen: Option<i64>| fen.map_or(Cell::Empty, |m| Cell::Money(Money(m)));
            // Two amounts of at least zero differ by less than i64::MAX.
            let change = i64::try_from(r.change).map(Money);
            let change_text = format!(
                "{}{}.{:02}",
                if r.change < 0 { "-" } else { "" },
                r.change.unsigned_abs() / 100,
                r.change.unsigned_abs() % 100
            );
            let mut cells = Vec::with_capacity(11);
            cells.push(r.row.map_or(Cell::Empty, Cell::Int));
            if with_id {
                cells.push(Cell::Text(&r.id));
            }
            cells.extend([
                Cell::Text(&b.outcome),
                Cell::Text(&f.outcome),
                Cell::Text(&b.category),
                Cell::Text(&f.category),
                money(b.amount),
                money(f.amount),
                match (b.amount, change) {
                    (None, _) => Cell::Empty,
                    (Some(_), Ok(m)) => Cell::Money(m),
                    (Some(_), Err(_)) => Cell::Text(&change_text),
                },
                Cell::Text(&b.decided_by),
                Cell::Text(&f.decided_by),
            ]);
            sink.row(&cells)
        })?;
        sink.finish()
    }
}

/// The name of a scheme's identifier field, if it has one.
pub(crate) fn identifier_name(scheme: &Scheme) -> Option<String> {
    scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .and_then(|f| scheme.applicant.get(f as usize))
        .map(|f| f.name.clone())
}
