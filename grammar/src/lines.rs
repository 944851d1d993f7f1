//! What ends a line: one definition for the grammar, positions and the
//! formatter.
//!
//! An author sees a new line wherever the editor breaks one, and an editor
//! breaks at more than `\n`: a lone carriage return (old Mac files, text
//! pasted from some Windows tools), vertical tab, form feed, NEL (U+0085)
//! and the Unicode line and paragraph separators (U+2028, U+2029) — the
//! mandatory breaks of UAX #14. Each of them ends a `//` comment and starts
//! a new line for `line:column`; `\r\n` is one line end.

/// Whether `c` ends a line.
pub fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// The byte length of the line end starting at byte `i` (2 for `\r\n`), or 0
/// if none starts there.
pub fn line_end_len(text: &str, i: usize) -> usize {
    let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
        return 0;
    };
    if c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n') {
        2
    } else if is_line_break(c) {
        c.len_utf8()
    } else {
        0
    }
}

/// 1-based line and column (in characters) of a byte offset; an offset past
/// the end is the end.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    let mut previous = '\0';
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if is_line_break(c) {
            // `\r\n` is one line end: the `\n` adds nothing.
            if !(c == '\n' && previous == '\r') {
                line += 1;
            }
            col = 1;
        } else {
            col += 1;
        }
        previous = c;
    }
    (line, col)
}

/// The lines of a text without their line ends, like [`str::lines`] but
/// ending a line at every line break.
pub fn lines(text: &str) -> Lines<'_> {
    Lines { rest: text }
}

/// The iterator returned by [`lines`].
pub struct Lines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let text = self.rest;
        for (i, c) in text.char_indices() {
            if is_line_break(c) {
                let line = text.get(..i).unwrap_or("");
                self.rest = text.get(i + line_end_len(text, i)..).unwrap_or("");
                return Some(line);
            }
        }
        self.rest = "";
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_break_counts_once() {
        for br in [
            "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}",
        ] {
            let text = format!("ab{br}c{br}{br}d");
            let d = text.find('d').unwrap_or(0);
            assert_eq!(line_col(&text, d), (4, 1), "{br:?}");
            assert_eq!(line_col(&text, 1), (1, 2), "{br:?}");
            assert_eq!(
                lines(&text).collect::<Vec<_>>(),
                ["ab", "c", "", "d"],
                "{br:?}"
            );
        }
    }

    #[test]
    fn a_final_line_end_makes_no_empty_line() {
        assert_eq!(lines("a\rb\r").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(lines("").count(), 0);
    }
}
