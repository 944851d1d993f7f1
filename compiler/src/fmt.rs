//! Canonical formatting of policy text.
//!
//! The formatter works on lines, so comments and blank-line groups stay
//! where the author put them; it only changes white space outside strings
//! and comments:
//! - indentation: two spaces per open brace; a line continuing the one
//!   before (a label, a clause, `and …`, `=> …`) one level deeper;
//! - blank lines: runs become one, none just inside braces, none at the ends;
//! - alignment: in a run of similar lines (table rows, applicant fields, enum
//!   values, settings, timeline steps, match arms), columns line up, amounts
//!   to the right.
//!
//! It refuses text that does not parse, and [`format()`] checks that the
//! result checks to the same scheme as the input (see the tests), so
//! formatting can never change what a policy means.

use unicode_width::UnicodeWidthStr;

/// Formats policy text. `None` if the text does not parse.
pub fn format(text: &str) -> Option<String> {
    bursar_grammar::parse(text).ok()?;
    // Every line end an editor shows, so a comment ends where the parser ends
    // it; the result has `\n` line ends.
    let lines: Vec<&str> = bursar_grammar::lines::lines(text).collect();
    let mut out: Vec<String> = Vec::new();
    let mut depth: usize = 0;
    let mut in_comment = false;
    let mut previous_code: Option<String> = None;
    let mut block_kinds: Vec<Block> = Vec::new();
    let mut pending_blank = false;
    let mut group: Vec<(usize, Vec<String>, Option<String>, Block)> = Vec::new();

    for raw in &lines {
        let trimmed = raw.trim();
        if in_comment {
            flush(&mut out, &mut group);
            out.push(raw.trim_end().to_string());
            if raw.contains("*/") {
                in_comment = false;
            }
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut out, &mut group);
            pending_blank = true;
            continue;
        }
        let (code, comment) = split_comment(trimmed);
        let code = code.trim_end().to_string();
        let closers = code.chars().take_while(|c| *c == '}').count();
        let line_depth = depth.saturating_sub(closers);
        let continuation = !code.is_empty() && is_continuation(&code, previous_code.as_deref());
        let indent = line_depth + usize::from(continuation);
        // Blank lines: keep one, but not right after `{` or right before `}`.
        let after_open = out.last().is_some_and(|l| l.trim_end().ends_with('{'));
        if pending_blank && !out.is_empty() && !after_open && closers == 0 {
            flush(&mut out, &mut group);
            out.push(String::new());
        }
        pending_blank = false;

        let block = block_kinds.last().copied().unwrap_or(Block::Top);
        match columns(&code, block).filter(|_| !continuation) {
            Some(cols) => {
                if group
                    .first()
                    .is_some_and(|g| g.0 != indent || g.3 != block || g.1.len() != cols.len())
                {
                    flush(&mut out, &mut group);
                }
                group.push((indent, cols, comment.map(str::to_string), block));
            }
            None => {
                flush(&mut out, &mut group);
                let mut line = "  ".repeat(indent);
                line.push_str(&code);
                if let Some(c) = comment {
                    if !code.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(c);
                }
                out.push(line);
            }
        }

        // Track braces and block kinds for the lines that follow.
        let (opens, closes) = braces(&code);
        for _ in 0..closes {
            block_kinds.pop();
        }
        for _ in 0..opens {
            block_kinds.push(Block::of(&code));
        }
        depth = (depth + opens).saturating_sub(closes);
        if comment.is_some_and(|c| c.starts_with("/*") && !c.contains("*/")) {
            in_comment = true;
        }
        if !code.is_empty() {
            previous_code = Some(code);
        }
    }
    flush(&mut out, &mut group);
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let mut text = out.join("\n");
    text.push('\n');
    Some(text)
}

/// What kind of block a line is in, for alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Top,
    Settings,
    Fields,
    Variants,
    Rows,
    Steps,
    Arms,
    /// `holiday`, `workday` and `years` lines of a calendar.
    Days,
    Other,
}

impl Block {
    fn of(opening: &str) -> Block {
        let first = opening.split_whitespace().next().unwrap_or("");
        if opening.contains("match ") {
            return Block::Arms;
        }
        match first {
            "scheme" | "application" => Block::Settings,
            "applicant" | "record" => Block::Fields,
            "enum" => Block::Variants,
            "table" | "override" if opening.contains("table") => Block::Rows,
            "timeline" => Block::Steps,
            "calendar" => Block::Days,
            "extend" if opening.contains("calendar ") => Block::Days,
            _ => Block::Other,
        }
    }
}

/// A line's columns, if it is a line of its block that aligns.
fn columns(code: &str, block: Block) -> Option<Vec<String>> {
    let tokens = tokens(code);
    let has_brace = tokens
        .iter()
        .any(|t| t == "{" || t == "}" || t.ends_with('{'));
    if tokens.is_empty() || has_brace {
        return None;
    }
    let join = |ts: &[String]| ts.join(" ");
    match (block, tokens.as_slice()) {
        // `key value [§clause]`, `name ["label"]`
        (Block::Settings | Block::Variants, [first, rest @ ..]) if !rest.is_empty() => {
            Some(vec![first.clone(), join(rest)])
        }
        // `name list of Record ["label"]`: the type is three words.
        (Block::Fields, [name, list, of, record, rest @ ..]) if list == "list" && of == "of" => {
            let mut cols = vec![name.clone(), format!("{list} {of} {record}")];
            if !rest.is_empty() {
                cols.push(join(rest));
            }
            Some(cols)
        }
        // `name type ["label"]`
        (Block::Fields, [name, ty, rest @ ..]) => {
            let mut cols = vec![name.clone(), ty.clone()];
            if !rest.is_empty() {
                cols.push(join(rest));
            }
            Some(cols)
        }
        // `key ["label"] = amount [§clause]`
        (Block::Rows, _) => {
            let eq = tokens.iter().position(|t| t == "=")?;
            let (head, rest) = tokens.split_at(eq);
            let (key, label) = head.split_first()?;
            let rest = rest.get(1..).unwrap_or(&[]);
            // An amount (`2000 元`) is right-aligned; a clause after it stays left.
            let split = rest
                .iter()
                .position(|t| t.starts_with('§'))
                .unwrap_or(rest.len());
            let (amount, tail) = rest.split_at(split);
            Some(vec![
                key.clone(),
                join(label),
                format!("={}", join(amount)),
                join(tail),
            ])
        }
        // `name within N unit after step …`
        (Block::Steps, [name, within, rest @ ..]) if within == "within" => {
            let mut tail = vec![within.clone()];
            tail.extend(rest.iter().cloned());
            Some(vec![name.clone(), join(&tail)])
        }
        // `holiday 2025-10-01 ..= 2025-10-08 ["label"]`: the word, the days,
        // the label.
        (Block::Days, [kind, rest @ ..]) if !rest.is_empty() => {
            let split = rest
                .iter()
                .position(|t| t.starts_with('"'))
                .unwrap_or(rest.len());
            let (days, label) = rest.split_at(split);
            Some(vec![kind.clone(), join(days), join(label)])
        }
        // `pattern => body`
        (Block::Arms, _) => {
            let arrow = tokens.iter().position(|t| t == "=>")?;
            let (pattern, body) = tokens.split_at(arrow);
            Some(vec![join(pattern), join(body)])
        }
        _ => None,
    }
    .map(|mut cols: Vec<String>| {
        while cols.last().is_some_and(|c| c.is_empty()) {
            cols.pop();
        }
        cols
    })
}

/// Writes a group of aligned lines.
fn flush(out: &mut Vec<String>, group: &mut Vec<(usize, Vec<String>, Option<String>, Block)>) {
    if group.is_empty() {
        return;
    }
    let n = group.iter().map(|g| g.1.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            group
                .iter()
                .filter_map(|g| g.1.get(c))
                .map(|s| s.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (indent, cols, comment, block) in group.drain(..) {
        let mut line = "  ".repeat(indent);
        let last = cols.len().saturating_sub(1);
        for (c, col) in cols.iter().enumerate() {
            let w = widths.get(c).copied().unwrap_or(0);
            let pad = " ".repeat(w.saturating_sub(col.width()));
            if block == Block::Rows && c == 2 {
                // `=` then the amount, right-aligned.
                let amount = col.trim_start_matches('=');
                line.push_str("= ");
                line.push_str(&" ".repeat(w.saturating_sub(col.width())));
                line.push_str(amount);
            } else if block == Block::Rows && c == 1 && col.is_empty() {
                // No row of the group has a label: no label column either
                // (`single = 1200 元`, not `single  = 1200 元`).
                if w == 0 {
                    continue;
                }
                line.push_str(&pad);
            } else {
                line.push_str(col);
                if c < last {
                    line.push_str(&pad);
                }
            }
            if c < last {
                line.push(' ');
            }
        }
        let mut line = line.trim_end().to_string();
        if let Some(c) = comment {
            line.push(' ');
            line.push_str(&c);
        }
        out.push(line);
    }
}

/// The characters of a line with their byte offsets, each marked as inside a
/// string literal (quotes included) or not: the one place that knows how
/// strings and escapes end.
fn scan(line: &str) -> impl Iterator<Item = (usize, char, bool)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    line.char_indices().map(move |(i, c)| {
        let inside = in_string || c == '"';
        if in_string {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_string = false,
                _ => escaped = false,
            }
        } else if c == '"' {
            in_string = true;
        }
        (i, c, inside)
    })
}

/// Splits a line into code and a trailing `//` or `/*` comment (outside strings).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    for (i, _, inside) in scan(line) {
        if let (false, Some(code), Some(rest)) = (inside, line.get(..i), line.get(i..)) {
            if rest.starts_with("//") || rest.starts_with("/*") {
                return (code, Some(rest));
            }
        }
    }
    (line, None)
}

/// Whitespace-separated tokens, strings kept whole.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for (_, c, inside) in scan(code) {
        if !inside && c.is_whitespace() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Opening and closing braces outside strings.
fn braces(code: &str) -> (usize, usize) {
    let outside = || {
        scan(code)
            .filter(|(_, _, inside)| !inside)
            .map(|(_, c, _)| c)
    };
    let opens = outside().filter(|c| *c == '{').count();
    let closes = outside().filter(|c| *c == '}').count();
    // `{a, b}` on one line opens and closes nothing for the lines after it.
    let both = opens.min(closes);
    (opens - both, closes - both)
}

/// Whether a line continues the previous one rather than starting an item.
fn is_continuation(code: &str, previous: Option<&str>) -> bool {
    let first = code.split_whitespace().next().unwrap_or("");
    let continues = matches!(
        first,
        "and"
            | "or"
            | "+"
            | "-"
            | "*"
            | "/"
            | "??"
            | "=>"
            | "|"
            | "then"
            | "else"
            | "..="
            | ".."
            | "where"
    ) || code.starts_with('"')
        || code.starts_with('§');
    let previous_open = previous.is_some_and(|p| {
        let p = p.trim_end();
        p.ends_with("and")
            || p.ends_with("or")
            || p.ends_with('=')
            || p.ends_with(',')
            || p.ends_with('(')
    });
    continues || previous_open
}
