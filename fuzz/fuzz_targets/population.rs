//! Population files: any bytes are read row by row into decisions or bad
//! rows, never a panic, and a run in skip mode counts every row it reads.
#![no_main]

mod common;

use bursar_simulator::population::Reader;
use bursar_simulator::run::{simulate, OnBadRow, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let scheme = common::scheme();
    let Ok(mut reader) = Reader::new(&[scheme], "fuzz.csv", data, &Default::default()) else {
        return;
    };
    let options = Options {
        on_bad_row: OnBadRow::Skip,
        ..Options::default()
    };
    let _ = simulate(&[scheme], &mut reader, &options, &|_| {});
});
