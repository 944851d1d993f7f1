//! `bursar eval --applicants FILE.jsonl` (and `explain`): a stream of
//! applicants, one JSON object per line in, one decision per line out, for
//! systems that prefer files to sockets.
//!
//! Lines are read one at a time, each at most [`MAX_LINE_BYTES`], so memory
//! stays bounded on any input, an endless one included. A line that cannot
//! be decided gets a line of its own saying why (`{"line": N, "errors":
//! […]}`) and the stream goes on; the exit code says whether any did.

use std::io::{BufRead, Write};
use std::path::Path;

use bursar_runtime::{evaluate, explain, Applicant, Bundle, Outcome};
use serde::Serialize;

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
        let read = match read_line(&mut input, &mut line) {
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
    let decision = evaluate(scheme, &applicant);
    let explanation = explain(scheme, &applicant, &decision);
    let text = if full {
        serde_json::to_string(&explanation)
    } else {
        serde_json::to_string(&bursar_runtime::decision_json(
            scheme,
            &decision,
            &explanation,
        ))
    }
    .map_err(|e| LineErrors::one(n, format!("cannot write the decision: {e}")))?;
    Ok((text, decision.outcome))
}

/// What [`read_line`] found.
enum Line {
    /// A whole line (without its end), in the buffer.
    Whole,
    /// A line over [`MAX_LINE_BYTES`], read past and dropped.
    TooLong,
}

/// Reads the next line into `buf` (without `\n` or `\r\n`), keeping at most
/// [`MAX_LINE_BYTES`] of it; `None` at the end of the input.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<Line>> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then(|| finish(buf, too_long)));
        }
        any = true;
        let (taken, end) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            let room = (MAX_LINE_BYTES + 1).saturating_sub(buf.len());
            match chunk.get(..taken.min(room)) {
                Some(part) => buf.extend_from_slice(part),
                None => too_long = true,
            }
            if buf.len() > MAX_LINE_BYTES {
                too_long = true;
                buf.clear();
            }
        }
        input.consume(if end { taken + 1 } else { taken });
        if end {
            return Ok(Some(finish(buf, too_long)));
        }
    }
}

fn finish(buf: &mut Vec<u8>, too_long: bool) -> Line {
    if too_long {
        return Line::TooLong;
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Line::Whole
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut r = std::io::BufReader::with_capacity(7, input);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(l) = read_line(&mut r, &mut buf).unwrap() {
            out.push(match l {
                Line::Whole => Some(buf.clone()),
                Line::TooLong => None,
            });
            buf.clear();
        }
        out
    }

    #[test]
    fn lines_end_at_newlines_or_the_end_and_lose_their_carriage_return() {
        assert_eq!(
            lines(b"{\"a\":1}\r\n\n{\"b\":2}"),
            vec![
                Some(b"{\"a\":1}".to_vec()),
                Some(Vec::new()),
                Some(b"{\"b\":2}".to_vec())
            ]
        );
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_read_past_not_kept() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\n{}\n");
        assert_eq!(lines(&input), vec![None, Some(b"{}".to_vec())]);
        // Exactly at the limit is whole.
        let mut input = vec![b'y'; MAX_LINE_BYTES];
        input.push(b'\n');
        assert_eq!(lines(&input).len(), 1);
        assert!(lines(&input)[0].is_some());
    }
}
