//! `bursar replay LOG… --bundle NEW`: every logged applicant decided again
//! with another bundle, through the same evaluator, and what would change.
//! The log is checked on the way: a record whose bundle hash is one given
//! (`--bundle`, `--against`) must decide again exactly as logged, and one
//! that does not is an integrity error.
//!
//! Logs are read a line at a time and every finding is written as it is
//! found (`render.rs`), so memory stays bounded however long the logs;
//! the totals come last.

mod render;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use bursar_runtime::{Bundle, Explanation};
use serde::Serialize;

use crate::decision::Decided;
use crate::decision_log::{Record, Verdict};
use crate::load::lines::{read_line, Line};
use crate::load::load_scheme;
use crate::Exit;

/// `bursar replay`'s arguments.
#[derive(clap::Args)]
pub(crate) struct ReplayArgs {
    /// Decision logs of `bursar serve --decision-log` (rotated ones too).
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// The bundle (or policy) to decide again with.
    #[arg(long, value_name = "NEW")]
    bundle: PathBuf,
    /// A bundle the log was decided with: its records are checked against
    /// it, and changes show its full explanation; repeatable.
    #[arg(long, value_name = "OLD")]
    against: Vec<PathBuf>,
    /// The logged scheme to replay (default: the new bundle's own id);
    /// next year's draft has an id of its own, so give last year's here.
    #[arg(long, value_name = "ID")]
    scheme: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: ReplayFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReplayFormat {
    #[default]
    Text,
    Json,
    Csv,
}

/// The longest log line read: a record holds an applicant of a request
/// body (at most `--max-body`, 8 MiB by default) and its decision.
const MAX_RECORD_BYTES: usize = 32 << 20;

/// Where a record is: its file and line (from 1).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Place {
    pub(crate) file: String,
    pub(crate) line: u64,
}

/// One thing found.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Finding {
    /// The new bundle decides differently.
    Changed {
        #[serde(flatten)]
        place: Place,
        request_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        item: Option<usize>,
        before: Verdict,
        after: Verdict,
        /// In full, when the bundle of the log was given (`--against`).
        before_explanation: Option<Box<Explanation>>,
        after_explanation: Box<Explanation>,
    },
    /// A record decided by a bundle given that does not decide again as
    /// logged: the log, or the bundle, is not what it says.
    IntegrityError {
        #[serde(flatten)]
        place: Place,
        request_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        item: Option<usize>,
        bundle_hash: String,
        logged: Verdict,
        /// `None` when the logged applicant does not fit the bundle.
        decided: Option<Verdict>,
        message: String,
    },
    /// A line that is not a record.
    Unreadable {
        #[serde(flatten)]
        place: Place,
        message: String,
    },
    /// A record whose applicant the new bundle cannot read (it asks for a
    /// field the log lacks, or a redacted field that is not text).
    Undecidable {
        #[serde(flatten)]
        place: Place,
        request_id: String,
        message: String,
    },
}

/// Counts and money (fen) before and after.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Pair {
    pub(crate) count_before: u64,
    pub(crate) count_after: u64,
    pub(crate) paid_before: i128,
    pub(crate) paid_after: i128,
}

/// The totals of a replay.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Totals {
    pub(crate) scheme: String,
    pub(crate) bundle_hash: String,
    /// Records of the scheme replayed.
    pub(crate) replayed: u64,
    pub(crate) changed: u64,
    pub(crate) verified: u64,
    pub(crate) integrity_errors: u64,
    pub(crate) unreadable: u64,
    pub(crate) undecidable: u64,
    /// Records of other schemes, by scheme: not replayed.
    pub(crate) other_schemes: BTreeMap<String, u64>,
    pub(crate) by_outcome: BTreeMap<String, Pair>,
    pub(crate) by_category: BTreeMap<String, Pair>,
}

pub(crate) fn replay(args: &ReplayArgs) -> Exit {
    let new = match load_scheme(&args.bundle) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let mut known: BTreeMap<String, Bundle> = BTreeMap::new();
    for path in &args.against {
        match load_scheme(path) {
            Ok(b) => {
                known.insert(b.hash.clone(), b);
            }
            Err(e) => return e,
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut renderer = render::renderer(args.format);
    let mut totals = Totals {
        scheme: args.scheme.clone().unwrap_or_else(|| new.scheme.id.clone()),
        bundle_hash: new.hash.clone(),
        ..Totals::default()
    };
    let mut write = |text: String| out.write_all(text.as_bytes());
    if let Err(e) = write(renderer.start(&totals)) {
        return crate::stdout::failed(e).err().unwrap_or(Exit::Ok);
    }
    for path in &args.logs {
        let result = replay_file(path, &new, &known, &mut totals, &mut |f| {
            write(renderer.finding(&f))
        });
        match result {
            Ok(()) => {}
            Err(Stop::Read(e)) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return Exit::Io;
            }
            Err(Stop::Write(e)) => return crate::stdout::failed(e).err().unwrap_or(Exit::Ok),
        }
    }
    if let Err(e) = write(renderer.finish(&totals)).and_then(|()| out.flush()) {
        return crate::stdout::failed(e).err().unwrap_or(Exit::Ok);
    }
    if totals.integrity_errors + totals.unreadable + totals.undecidable > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

enum Stop {
    Read(std::io::Error),
    Write(std::io::Error),
}

fn replay_file(
    path: &Path,
    new: &Bundle,
    known: &BTreeMap<String, Bundle>,
    totals: &mut Totals,
    emit: &mut dyn FnMut(Finding) -> std::io::Result<()>,
) -> Result<(), Stop> {
    let file = std::fs::File::open(path).map_err(Stop::Read)?;
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let mut n = 0u64;
    let name = path.display().to_string();
    loop {
        n += 1;
        line.clear();
        let place = Place {
            file: name.clone(),
            line: n,
        };
        let found = match read_line(&mut input, &mut line, MAX_RECORD_BYTES).map_err(Stop::Read)? {
            None => return Ok(()),
            Some(Line::TooLong) => Some(Finding::Unreadable {
                place,
                message: format!("the line is longer than {MAX_RECORD_BYTES} bytes"),
            }),
            Some(Line::Whole) if line.iter().all(u8::is_ascii_whitespace) => None,
            Some(Line::Whole) => match read_record(&line) {
                Err(message) => Some(Finding::Unreadable { place, message }),
                Ok(record) => replay_record(record, place, new, known, totals),
            },
        };
        if let Some(f) = found {
            match &f {
                Finding::Changed { .. } => totals.changed += 1,
                Finding::IntegrityError { .. } => totals.integrity_errors += 1,
                Finding::Unreadable { .. } => totals.unreadable += 1,
                Finding::Undecidable { .. } => totals.undecidable += 1,
            }
            emit(f).map_err(Stop::Write)?;
        }
    }
}

fn read_record(line: &[u8]) -> Result<Record, String> {
    let json = bursar_runtime::parse_json(line).map_err(|e| format!("not JSON: {e}"))?;
    serde_json::from_value(json).map_err(|e| format!("not a decision log record: {e}"))
}

/// Decides one record again; what there is to say about it, if anything.
fn replay_record(
    record: Record,
    place: Place,
    new: &Bundle,
    known: &BTreeMap<String, Bundle>,
    totals: &mut Totals,
) -> Option<Finding> {
    if record.scheme != totals.scheme {
        *bucket(&mut totals.other_schemes, record.scheme) += 1;
        return None;
    }
    let scheme = &new.scheme;
    let after = match Decided::from_json(scheme, &record.applicant) {
        Ok(d) => d,
        Err(errors) => {
            return Some(Finding::Undecidable {
                place,
                request_id: record.request_id,
                message: errors
                    .iter()
                    .map(|e| format!("{}: {e}", e.pointer()))
                    .collect::<Vec<_>>()
                    .join("; "),
            })
        }
    };
    totals.replayed += 1;
    let after_verdict = Verdict::of(scheme, &after);
    // The bundle the record names, if given: it must decide as logged.
    let old = (record.bundle_hash == new.hash)
        .then_some(new)
        .or_else(|| known.get(&record.bundle_hash));
    let before_explanation = match old {
        None => None,
        Some(old) => {
            let again = if std::ptr::eq(old, new) {
                Ok(after_verdict.clone())
            } else {
                Decided::from_json(&old.scheme, &record.applicant)
                    .map(|d| Verdict::of(&old.scheme, &d))
                    .map_err(|e| {
                        e.iter()
                            .map(|e| e.to_string())
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
            };
            match again {
                Ok(v) if v == record.verdict => {
                    totals.verified += 1;
                    Decided::from_json(&old.scheme, &record.applicant)
                        .ok()
                        .map(|d| Box::new(d.explanation))
                }
                Ok(v) => {
                    return Some(integrity(record, place, Some(v), "decided again by the bundle it names, the decision differs from the one logged".into()));
                }
                Err(why) => {
                    return Some(integrity(
                        record,
                        place,
                        None,
                        format!("the bundle it names cannot read its applicant: {why}"),
                    ));
                }
            }
        }
    };
    tally(totals, &record.verdict, &after_verdict);
    let changed = record.verdict.outcome != after_verdict.outcome
        || record.verdict.paid != after_verdict.paid
        || record.verdict.awards != after_verdict.awards;
    changed.then_some(Finding::Changed {
        place,
        request_id: record.request_id,
        item: record.item,
        before: record.verdict,
        after: after_verdict,
        before_explanation,
        after_explanation: Box::new(after.explanation),
    })
}

fn integrity(record: Record, place: Place, decided: Option<Verdict>, message: String) -> Finding {
    Finding::IntegrityError {
        place,
        request_id: record.request_id,
        item: record.item,
        bundle_hash: record.bundle_hash,
        logged: record.verdict,
        decided,
        message,
    }
}

fn tally(totals: &mut Totals, before: &Verdict, after: &Verdict) {
    let outcome = |v: &Verdict| {
        serde_json::to_value(v.outcome)
            .ok()
            .and_then(|o| o.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let b = bucket(&mut totals.by_outcome, outcome(before));
    b.count_before += 1;
    b.paid_before += i128::from(before.paid.minor());
    let a = bucket(&mut totals.by_outcome, outcome(after));
    a.count_after += 1;
    a.paid_after += i128::from(after.paid.minor());
    // Awards count as paid only when the decision is a payment.
    let paid = |v: &Verdict| v.outcome == bursar_runtime::Outcome::Paid;
    if paid(before) {
        for award in &before.awards {
            let c = totals
                .by_category
                .entry(award.category.clone())
                .or_default();
            c.count_before += 1;
            c.paid_before += i128::from(award.amount.minor());
        }
    }
    if paid(after) {
        for award in &after.awards {
            let c = totals
                .by_category
                .entry(award.category.clone())
                .or_default();
            c.count_after += 1;
            c.paid_after += i128::from(award.amount.minor());
        }
    }
}

/// The most names a total keeps apart (schemes, outcomes, categories read
/// from a log, which may be anything): the rest are added up under
/// [`OTHERS`], so that memory stays bounded.
const MAX_NAMES: usize = 1000;
const OTHERS: &str = "(others)";

fn bucket<V: Default>(map: &mut BTreeMap<String, V>, name: String) -> &mut V {
    let name = if map.len() < MAX_NAMES || map.contains_key(&name) {
        name
    } else {
        OTHERS.to_string()
    };
    map.entry(name).or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_past_the_limit_are_added_up_under_others() {
        let mut map: BTreeMap<String, u64> = BTreeMap::new();
        for i in 0..MAX_NAMES + 5 {
            *bucket(&mut map, format!("s{i}")) += 1;
        }
        // A name already kept is still counted apart.
        *bucket(&mut map, "s0".into()) += 1;
        assert_eq!(map.len(), MAX_NAMES + 1);
        assert_eq!(map[OTHERS], 5);
        assert_eq!(map["s0"], 2);
    }
}
