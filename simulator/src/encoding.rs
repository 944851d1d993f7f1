//! A population's text encoding: UTF-8 (the contract), or GBK and GB 18030
//! as Windows in China saves a file, decoded to UTF-8 as it is read, in
//! pieces, so memory stays bounded.
//!
//! A decoder never replaces what it cannot decode: bytes that are not of
//! the encoding stop reading with an error, delivered only after every
//! byte before them, so the reader names the line they are on.

use std::io::Read;

/// The encodings a population may be read in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte order mark: read as it is.
    #[default]
    Utf8,
    Gbk,
    Gb18030,
}

impl Encoding {
    /// Every encoding, by the name written on the command line.
    pub const ALL: [(&'static str, Encoding); 3] = [
        ("utf-8", Encoding::Utf8),
        ("gbk", Encoding::Gbk),
        ("gb18030", Encoding::Gb18030),
    ];

    /// The encoding named `name` (case and `-`/`_` aside: `GBK`, `utf8`).
    pub fn named(name: &str) -> Result<Encoding, String> {
        let loose = |s: &str| s.to_ascii_lowercase().replace(['-', '_'], "");
        Encoding::ALL
            .iter()
            .find(|(n, _)| loose(n) == loose(name))
            .map(|(_, e)| *e)
            .ok_or_else(|| {
                let known: Vec<&str> = Encoding::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown encoding `{name}` (known: {})", known.join(", "))
            })
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gbk => "GBK",
            Encoding::Gb18030 => "GB 18030",
        }
    }

    fn table(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Utf8 => None,
            Encoding::Gbk => Some(encoding_rs::GBK),
            Encoding::Gb18030 => Some(encoding_rs::GB18030),
        }
    }
}

/// Whether `bytes` read as GBK (to suggest `--encoding gbk` for a file
/// that is not UTF-8).
pub fn reads_as_gbk(bytes: &[u8]) -> bool {
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .is_some()
}

/// A source read as UTF-8: its bytes as they are, or decoded.
pub struct Decoded<R> {
    source: R,
    decoding: Option<Box<Decoding>>,
    /// Bytes read from the source (for progress over the file's size).
    read: u64,
}

/// A decoder's state: the source's bytes not yet decoded and the text
/// not yet handed on.
struct Decoding {
    encoding: Encoding,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    /// The source offset of `raw[0]`.
    raw_offset: u64,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
    done: bool,
    /// Bytes the encoding does not have, reported once the text before
    /// them has been handed on.
    malformed: Option<u64>,
}

/// The size of a decoder's pieces.
const PIECE: usize = 1 << 16;

impl<R: Read> Decoded<R> {
    /// Reads `source` in `encoding`. A UTF-8 byte order mark at the start
    /// is skipped whatever the encoding.
    pub fn new(source: R, encoding: Encoding) -> Self {
        Decoded::at(source, encoding, None)
    }

    /// Reads `source`, the part of a file from `offset` bytes in (a range
    /// of lines read on a thread of its own): no byte order mark is looked
    /// for there, and a byte the encoding does not have is reported at its
    /// offset in the file.
    pub fn from_offset(source: R, encoding: Encoding, offset: u64) -> Self {
        Decoded::at(source, encoding, Some(offset))
    }

    /// From the file's start (`None`), or from `offset`.
    fn at(source: R, encoding: Encoding, offset: Option<u64>) -> Self {
        let decoding = encoding.table().map(|table| {
            Box::new(Decoding {
                encoding,
                // At the start, sniffs a byte order mark: a UTF-8 one is
                // skipped.
                decoder: match offset {
                    None => table.new_decoder(),
                    Some(_) => table.new_decoder_without_bom_handling(),
                },
                raw: vec![0; PIECE],
                raw_start: 0,
                raw_end: 0,
                raw_offset: offset.unwrap_or(0),
                out: vec![0; PIECE],
                out_start: 0,
                out_end: 0,
                eof: false,
                done: false,
                malformed: None,
            })
        });
        Decoded {
            source,
            decoding,
            read: 0,
        }
    }

    /// Bytes read from the source so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(d) = &mut self.decoding else {
            let n = self.source.read(buf)?;
            self.read += n as u64;
            return Ok(n);
        };
        loop {
            if d.out_start < d.out_end {
                let text = d.out.get(d.out_start..d.out_end).unwrap_or_default();
                let n = text.len().min(buf.len());
                if let (Some(to), Some(from)) = (buf.get_mut(..n), text.get(..n)) {
                    to.copy_from_slice(from);
                }
                d.out_start += n;
                return Ok(n);
            }
            if let Some(at) = d.malformed {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "the file is not valid {} here (byte {at}); check `--encoding`",
                        d.encoding.name()
                    ),
                ));
            }
            if d.done {
                return Ok(0);
            }
            if d.raw_start == d.raw_end && !d.eof {
                d.raw_offset += d.raw_end as u64;
                d.raw_start = 0;
                d.raw_end = loop {
                    match self.source.read(&mut d.raw) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.read += d.raw_end as u64;
                d.eof = d.raw_end == 0;
            }
            let input = d.raw.get(d.raw_start..d.raw_end).unwrap_or_default();
            let (result, read, written) = d
                .decoder
                .decode_to_utf8_without_replacement(input, &mut d.out, d.eof);
            d.raw_start += read;
            d.out_start = 0;
            d.out_end = written;
            match result {
                encoding_rs::DecoderResult::InputEmpty => d.done = d.eof,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(bad, after) => {
                    let end = d.raw_offset + d.raw_start as u64;
                    let start = end.saturating_sub(u64::from(bad) + u64::from(after));
                    d.malformed = Some(start);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A source that gives one byte per read, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn gbk_is_decoded_piece_by_piece_and_a_bad_byte_comes_after_the_text_before_it() {
        let text = "会员编号,持卡\nE01,是\n".repeat(5000);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let mut out = String::new();
        Decoded::new(Trickle(&gbk), Encoding::Gbk)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let mut bad = b"a,\xca\xc7\n".to_vec();
        bad.extend_from_slice(b"\x81\n");
        let mut decoded = Decoded::new(&bad[..], Encoding::Gbk);
        let mut buf = [0u8; 64];
        let n = decoded.read(&mut buf).unwrap();
        assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), "a,是\n");
        let e = decoded.read(&mut buf).unwrap_err();
        assert!(e.to_string().contains("not valid GBK here (byte 5)"), "{e}");
    }

    #[test]
    fn a_utf8_byte_order_mark_is_skipped_in_any_encoding() {
        let mut out = String::new();
        Decoded::new("\u{feff}是".as_bytes(), Encoding::Gbk)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "是");
    }
}
