//! `bursar eval` and `bursar explain`: one applicant, from JSON or a
//! population row, decided and explained.

use std::path::PathBuf;

use bursar_runtime::{Applicant, Bundle};

use crate::commands::Format;
use crate::load::{load_scheme, read_bounded, read_file};
use crate::Exit;

/// Which scheme and which applicant.
#[derive(clap::Args)]
pub(crate) struct ApplicantArgs {
    /// A bundle, or a `.bursar` policy compiled on the fly.
    scheme: PathBuf,
    /// The applicant as a JSON object of field values (`-` for stdin).
    #[arg(
        long,
        conflicts_with_all = ["csv", "applicants"],
        required_unless_present_any = ["csv", "applicants"]
    )]
    applicant: Option<PathBuf>,
    /// Many applicants, one JSON object per line (`-` for stdin): one
    /// decision per line out, as JSON (docs/bundle.md).
    #[arg(long, value_name = "FILE.jsonl", conflicts_with = "csv")]
    applicants: Option<PathBuf>,
    /// A population CSV file to take the applicant from.
    #[arg(long, requires = "row_or_id")]
    csv: Option<PathBuf>,
    /// The data row of `--csv` (1 = the first row after the header).
    #[arg(long, group = "row_or_id")]
    row: Option<u64>,
    /// The identifier value of the row in `--csv` (e.g. `E01`).
    #[arg(long, group = "row_or_id")]
    id: Option<String>,
    /// With `--csv`: the items of a list field, one row each, keyed by the
    /// identifier (`--list members=members.csv`).
    #[arg(long = "list", value_name = "LIST=FILE", requires = "csv")]
    lists: Vec<String>,
    /// With `--csv`: its text encoding, utf-8 (default), gbk or gb18030.
    #[arg(long, value_name = "ENCODING", requires = "csv", value_parser = bursar_simulator::encoding::Encoding::named)]
    encoding: Option<bursar_simulator::encoding::Encoding>,
    /// With `--csv FILE.xlsx`: the sheet to read (default: the first).
    #[arg(long, value_name = "NAME", requires = "csv")]
    sheet: Option<String>,
}

/// The largest applicant read, as JSON (docs/reliability.md).
const MAX_APPLICANT_BYTES: u64 = 1 << 20;

/// Why no applicant could be decided: every problem, said once, in the
/// output's format (`eval --format json` reports them as JSON too).
struct Refusal {
    exit: Exit,
    problems: Vec<InputProblem>,
}

/// One problem with the applicant given.
#[derive(serde::Serialize)]
struct InputProblem {
    /// The applicant field concerned, if one.
    field: Option<String>,
    /// Where in the applicant JSON (RFC 6901), if it came from JSON.
    pointer: Option<String>,
    message: String,
}

impl Refusal {
    fn one(exit: Exit, message: String) -> Refusal {
        Refusal {
            exit,
            problems: vec![InputProblem {
                field: None,
                pointer: None,
                message,
            }],
        }
    }

    /// Says the problems (on stdout as JSON for `--format json`, on stderr
    /// otherwise) and gives the exit code.
    fn report(self, format: Format) -> Exit {
        match format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "errors": self.problems }))
                    .unwrap_or_default()
            ),
            Format::Text => {
                for p in &self.problems {
                    eprintln!("error: {}", p.message);
                }
            }
        }
        self.exit
    }
}

fn read_applicant(bundle: &Bundle, args: &ApplicantArgs) -> Result<Applicant, Refusal> {
    let scheme = &bundle.scheme;
    if let Some(path) = &args.applicant {
        let text = if path.as_os_str() == "-" {
            read_bounded(std::io::stdin().lock(), MAX_APPLICANT_BYTES)
        } else {
            read_file(path, MAX_APPLICANT_BYTES)
        }
        .map_err(|e| Refusal::one(Exit::Io, format!("cannot read `{}`: {e}", path.display())))?;
        let json = bursar_runtime::parse_json(&text).map_err(|e| {
            Refusal::one(Exit::Failed, format!("`{}`: not JSON: {e}", path.display()))
        })?;
        return Applicant::from_json(scheme, &json).map_err(|errors| Refusal {
            exit: Exit::Failed,
            problems: errors
                .iter()
                .map(|e| InputProblem {
                    field: (!e.field.is_empty()).then(|| e.field.clone()),
                    pointer: Some(e.pointer()),
                    message: format!("`{}`: {e}", path.display()),
                })
                .collect(),
        });
    }
    let Some(path) = &args.csv else {
        return Err(Refusal::one(
            Exit::Usage,
            "give `--applicant` or `--csv`".into(),
        ));
    };
    let file = std::fs::File::open(path)
        .map_err(|e| Refusal::one(Exit::Io, format!("cannot read `{}`: {e}", path.display())))?;
    let mut population =
        bursar_simulator::population::Reader::from_file(&[scheme], path, file, &read_as(args))
            .map(bursar_simulator::population::Reader::keep_text)
            .map_err(|e| Refusal::one(Exit::Failed, e.to_string()))?;
    let id_field = scheme.application.as_ref().and_then(|a| a.identifier);
    if args.row == Some(0) {
        return Err(Refusal::one(
            Exit::Usage,
            "`--row` counts from 1, the first row after the header".into(),
        ));
    }
    if args.row.is_none() && args.id.is_some() && id_field.is_none() {
        return Err(Refusal::one(Exit::Usage, format!(
            "`--id` needs an identifier field, and `{}` names none (`identifier FIELD` in its application block); use `--row N`",
            scheme.id
        )));
    }
    let mut applicant = Applicant::empty(scheme);
    let mut found: Option<(Applicant, u64)> = None;
    let mut n = 0u64;
    loop {
        match population.next_into(scheme, &mut applicant) {
            Ok(None) => break,
            Ok(Some(_)) => {
                n += 1;
                let hit = match (&args.row, &args.id) {
                    (Some(row), _) => *row == n,
                    (None, Some(id)) => id_field.and_then(|f| applicant.get(f)).is_some_and(
                        |v| matches!(v, bursar_runtime::ir::Value::Text(t) if t == id),
                    ),
                    (None, None) => false,
                };
                match (hit, &found, &args.id) {
                    (false, _, _) => {}
                    // An identifier must name one row: read on to be sure.
                    (true, None, _) if args.row.is_none() => {
                        found = Some((applicant.clone(), n));
                    }
                    (true, None, _) => return with_lists(scheme, args, applicant),
                    (true, Some((_, first)), id) => {
                        return Err(Refusal::one(Exit::Failed, format!(
                            "`{}`: rows {first} and {n} both have the identifier `{}`; a person is listed once (pick one with `--row N`)",
                            path.display(),
                            id.as_deref().unwrap_or_default()
                        )));
                    }
                }
            }
            Err(e) => return Err(Refusal::one(Exit::Failed, e.to_string())),
        }
    }
    if let Some((applicant, _)) = found {
        return with_lists(scheme, args, applicant);
    }
    let message = match (&args.row, &args.id) {
        (Some(row), _) => format!("`{}` has {n} data rows, not {row}", path.display()),
        (None, Some(id)) => format!("no row of `{}` has the identifier `{id}`", path.display()),
        (None, None) => "give `--row N` or `--id ID`".to_string(),
    };
    Err(Refusal::one(Exit::Failed, message))
}

pub(crate) fn decide(args: &ApplicantArgs, format: Option<Format>, full: bool) -> Exit {
    let bundle = match load_scheme(&args.scheme) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if let Some(path) = &args.applicants {
        if format == Some(Format::Text) {
            eprintln!("error: `--applicants` writes one JSON decision per line; `--format text` is for one applicant");
            return Exit::Usage;
        }
        return crate::commands::batch::decide_lines(&bundle, path, full);
    }
    let format = format.unwrap_or_default();
    let applicant = match read_applicant(&bundle, args) {
        Ok(a) => a,
        Err(refusal) => return refusal.report(format),
    };
    let scheme = &bundle.scheme;
    let decided = crate::decision::Decided::new(scheme, &applicant);
    let text = match (format, full) {
        (Format::Json, true) => {
            serde_json::to_string_pretty(&decided.explanation).unwrap_or_default()
        }
        (Format::Json, false) => {
            serde_json::to_string_pretty(&decided.to_json(scheme, false)).unwrap_or_default()
        }
        (Format::Text, true) => decided.explanation.to_text(),
        (Format::Text, false) => crate::output::decision_text(&decided.explanation),
    };
    if let Err(e) = crate::stdout::print(&format!("{}\n", text.trim_end())) {
        return e;
    }
    if decided.decision.outcome == bursar_runtime::Outcome::Error {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// How `--csv` and its list files are read: the spellings on by default,
/// in `--encoding`, from `--sheet`.
fn read_as(args: &ApplicantArgs) -> bursar_simulator::population::ReadAs {
    bursar_simulator::population::ReadAs {
        encoding: args.encoding.unwrap_or_default(),
        sheet: args.sheet.clone(),
        ..Default::default()
    }
}

/// An applicant read from a population row, with the items of its lists
/// read from `--list` files (whole: one applicant is wanted).
fn with_lists(
    scheme: &bursar_runtime::ir::Scheme,
    args: &ApplicantArgs,
    mut applicant: Applicant,
) -> Result<Applicant, Refusal> {
    use bursar_simulator::lists::Lists;
    let mut specs: Vec<(String, String)> = Vec::new();
    for l in &args.lists {
        let Some((name, file)) = l.split_once('=') else {
            return Err(Refusal::one(
                Exit::Usage,
                format!("`--list {l}`: write `--list LIST=FILE`"),
            ));
        };
        specs.push((name.trim().to_string(), file.trim().to_string()));
    }
    let missing = Lists::missing(scheme, &specs);
    if let Some(m) = missing.first() {
        return Err(Refusal::one(
            Exit::Usage,
            format!("the scheme reads `{m}` from a list file: give `--list {m}=FILE`"),
        ));
    }
    let mut lists = Lists::default();
    for (name, path) in &specs {
        let file = std::fs::File::open(path)
            .map_err(|e| Refusal::one(Exit::Io, format!("cannot read `{path}`: {e}")))?;
        lists
            .read(scheme, name, path, file, &read_as(args))
            .map_err(|e| Refusal::one(Exit::Failed, e.to_string()))?;
    }
    let id = scheme
        .application
        .as_ref()
        .and_then(|a| a.identifier)
        .and_then(|f| applicant.get(f))
        .and_then(|v| match v {
            bursar_runtime::ir::Value::Text(t) => Some(t.clone().into_bytes()),
            bursar_runtime::ir::Value::Bool(..)
            | bursar_runtime::ir::Value::Int(..)
            | bursar_runtime::ir::Value::Money(..)
            | bursar_runtime::ir::Value::Date(..)
            | bursar_runtime::ir::Value::DateTime(..)
            | bursar_runtime::ir::Value::Enum { .. }
            | bursar_runtime::ir::Value::Duration(..)
            | bursar_runtime::ir::Value::Decimal(..)
            | bursar_runtime::ir::Value::List(..) => None,
        });
    lists.attach(id.as_deref(), &mut applicant);
    Ok(applicant)
}
