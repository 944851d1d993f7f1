//! Text files read as UTF-8, and what to say when one is not.
//!
//! Policies, applicants and scenarios are UTF-8. A file saved by a Chinese
//! Windows editor is often GBK instead; saying where the first bad byte is,
//! and that the file reads as GBK and how to convert it, turns "stream did
//! not contain valid UTF-8" into something an author can act on.

use std::fmt;

/// Why a file's bytes are not UTF-8 text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotUtf8 {
    /// Where the first bad byte is, 1-based, counting lines as diagnostics
    /// do (`bursar_grammar::lines`) and columns in characters.
    pub line: usize,
    pub column: usize,
    pub byte: u8,
    /// The whole file decodes as GBK without a single error.
    pub gbk: bool,
}

impl fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not UTF-8: byte 0x{:02X} at line {}, column {}",
            self.byte, self.line, self.column
        )
    }
}

impl NotUtf8 {
    /// A help line for the file at `path`, if there is one to give.
    pub(crate) fn help(&self, path: &str) -> Option<String> {
        self.gbk.then(|| {
            format!(
                "the file reads as GBK (as files saved on Chinese Windows often are); convert it \
                 with `iconv -f GBK -t UTF-8 {path} > {path}.utf8` and use the converted file"
            )
        })
    }
}

/// The bytes as text, or where and why they are not UTF-8.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let before = bytes
                .get(..valid)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or("");
            let (line, column) = bursar_grammar::lines::line_col(before, before.len());
            let gbk = encoding_rs::GBK
                .decode_without_bom_handling_and_without_replacement(bytes)
                .is_some();
            Err(NotUtf8 {
                line,
                column,
                byte: bytes.get(valid).copied().unwrap_or(0),
                gbk,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_through() {
        assert_eq!(
            decode("申报 ok".as_bytes().to_vec()),
            Ok("申报 ok".to_string())
        );
    }

    #[test]
    fn the_first_bad_byte_is_placed() {
        let e = decode(b"ab\r\ncd\xB2\xE2".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column, e.byte, e.gbk), (2, 3, 0xB2, true));
        let e = decode(b"\xFF".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column, e.gbk), (1, 1, false));
        assert!(e.help("x").is_none());
    }
}
