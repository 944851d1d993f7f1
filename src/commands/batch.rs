//! `bursar eval --applicants FILE.jsonl` (and `explain`): a stream of
//! applicants, one JSON object per line in, one decision per line out, for
//! systems that prefer files to sockets.
//!
//! Lines are read one at a time, each at most [`MAX_LINE_BYTES`], so memory
//! stays bounded on any input, an endless one included. A line that cannot
//! be decided gets a line of its own saying why (`{"line": N, "errors":
//! […]}`) and the stream goes on; the exit code says whether any did.

use std::io::Write;
use std::path::Path;

use bursar_runtime::{Applicant, Bundle, Outcome};
use serde::Serialize;

use crate::load::lines::{read_line, Line};
use crate::Exit;

/// The longest line read: the largest applicant `--applicant` reads.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Why one line was not decided.
#[derive(Serialize)]
struct LineErrors {
    /// The line, counting from 1.
    line: u64,
    errors: Vec<LineProblem>,
}

#[derive(Serialize)]
struct LineProblem {
    field: Option<String>,
    /// RFC 6901, into the line's JSON.
    pointer: Option<String>,
    message: String,
}

impl LineErrors {
    fn one(line: u64, message: String) -> LineErrors {
        LineErrors {
            line,
            errors: vec![LineProblem {
                field: None,
                pointer: None,
                message,
            }],
        }
    }
}

/// Decides every applicant of `path` (`-`: standard input), writing one
/// line per line read (blank lines aside).
pub(crate) fn decide_lines(bundle: &Bundle, path: &Path, full: bool) -> Exit {
    let input: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return Exit::Io;
            }
        }
    };
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut line = Vec::with_capacity(4096);
    let mut n = 0u64;
    let mut failed = false;
    loop {
        n += 1;
        line.clear();
        let read = match read_line(&mut input, &mut line, MAX_LINE_BYTES) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                // What was decided so far is written; the rest is not.
                let _ = out.flush();
                eprintln!("error: cannot read `{}` at line {n}: {e}", path.display());
                return Exit::Io;
            }
        };
        let answer = match read {
            Line::TooLong => {
                failed = true;
                serde_json::to_string(&LineErrors::one(
                    n,
                    format!("the line is longer than {MAX_LINE_BYTES} bytes"),
                ))
            }
            Line::Whole if line.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Whole => match decide_one(bundle, &line, n, full) {
                Ok((text, outcome)) => {
                    failed |= outcome == Outcome::Error;
                    Ok(text)
                }
                Err(errors) => {
                    failed = true;
                    serde_json::to_string(&errors)
                }
            },
        };
        let Ok(answer) = answer else {
            return Exit::Internal;
        };
        if let Err(e) = out
            .write_all(answer.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
        {
            return match crate::stdout::failed(e) {
                Ok(()) => exit(failed),
                Err(exit) => exit,
            };
        }
    }
    if let Err(e) = out.flush() {
        if let Err(exit) = crate::stdout::failed(e) {
            return exit;
        }
    }
    exit(failed)
}

fn exit(failed: bool) -> Exit {
    if failed {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// One line's decision as compact JSON, or why it has none.
fn decide_one(
    bundle: &Bundle,
    line: &[u8],
    n: u64,
    full: bool,
) -> Result<(String, Outcome), LineErrors> {
    let scheme = &bundle.scheme;
    let json = bursar_runtime::parse_json(line)
        .map_err(|e| LineErrors::one(n, format!("not JSON: {e}")))?;
    let applicant = Applicant::from_json(scheme, &json).map_err(|errors| LineErrors {
        line: n,
        errors: errors
            .iter()
            .map(|e| LineProblem {
                field: (!e.field.is_empty()).then(|| e.field.clone()),
                pointer: Some(e.pointer()),
                message: e.to_string(),
            })
            .collect(),
    })?;
    let decided = crate::decision::Decided::new(scheme, &applicant);
    let text = serde_json::to_string(&decided.to_json(scheme, full))
        .map_err(|e| LineErrors::one(n, format!("cannot write the decision: {e}")))?;
    Ok((text, decided.decision.outcome))
}
