//! Reading text one line at a time with a limit on a line's length, so that
//! memory stays bounded on any input (`eval --applicants`, `replay`).

use std::io::BufRead;

/// What [`read_line`] found.
pub(crate) enum Line {
    /// A whole line (without its end), in the buffer.
    Whole,
    /// A line over the limit, read past and dropped.
    TooLong,
}

/// Reads the next line into `buf` (without `\n` or `\r\n`), keeping at most
/// `limit` bytes of it; `None` at the end of the input.
pub(crate) fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<Line>> {
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
            let room = (limit + 1).saturating_sub(buf.len());
            match chunk.get(..taken.min(room)) {
                Some(part) => buf.extend_from_slice(part),
                None => too_long = true,
            }
            if buf.len() > limit {
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

    const MAX: usize = 1 << 20;

    fn lines(input: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut r = std::io::BufReader::with_capacity(7, input);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(l) = read_line(&mut r, &mut buf, MAX).unwrap() {
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
        let mut input = vec![b'x'; MAX + 10];
        input.extend_from_slice(b"\n{}\n");
        assert_eq!(lines(&input), vec![None, Some(b"{}".to_vec())]);
        // Exactly at the limit is whole.
        let mut input = vec![b'y'; MAX];
        input.push(b'\n');
        assert_eq!(lines(&input).len(), 1);
        assert!(lines(&input)[0].is_some());
    }
}
