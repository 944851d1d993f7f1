//! Population files: any bytes are read row by row into decisions or bad
//! rows, never a panic, and a run in skip mode counts every row it reads.
#![no_main]

mod common;

use bursar_simulator::population::Reader;
use bursar_simulator::run::{simulate, OnBadRow, Options};
use libfuzzer_sys::fuzz_target;

/// One worker: the two-thread path only adds chunk buffers to set up on
/// every input (the proptests cover both).
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(p) => p,
        Err(e) => panic!("no thread pool: {e}"),
    })
}

fuzz_target!(|data: &[u8]| pool().install(|| {
    let scheme = common::scheme();
    let Ok(mut reader) = Reader::new(&[scheme], "fuzz.csv", data, &Default::default()) else {
        return;
    };
    let options = Options {
        on_bad_row: OnBadRow::Skip,
        ..Options::default()
    };
    let _ = simulate(&[scheme], &mut reader, &options, &|_| {});
}));
