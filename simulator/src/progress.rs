//! The progress line a long run shows on a terminal: rows read, rows per
//! second, and when it will end, estimated from the share of the file read.
//!
//! Every figure is worked out here from the run's own clock and counts, not
//! by the progress bar's rate estimator, which saw a whole chunk of rows
//! arrive at once just after the bar appeared and showed `494.34 GiB/s eta
//! 0s`.

use std::time::Duration;

/// How far a run has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Data rows read.
    pub rows: u64,
    /// Bytes of the file read (for a workbook, in proportion to its rows).
    pub bytes: u64,
}

/// The progress line: `1,234,567 rows · 412,000 rows/s · 37% · eta 4s`.
/// Without the file's size (`total` 0: a pipe) there is no share and no
/// end; before anything is read, or in the first tenth of a second, no
/// rate.
pub fn line(elapsed: Duration, done: Progress, total: u64) -> String {
    let mut parts = vec![format!("{} rows", thousands(done.rows))];
    let ms = elapsed.as_millis();
    // Too soon, the rate of the first chunk is its size over nothing.
    let timed = ms >= 100;
    if timed {
        let rate = u128::from(done.rows) * 1000 / ms;
        parts.push(format!(
            "{} rows/s",
            thousands(u64::try_from(rate).unwrap_or(u64::MAX))
        ));
    }
    if total > 0 {
        let read = done.bytes.min(total);
        parts.push(format!("{}%", u128::from(read) * 100 / u128::from(total)));
        if timed && read > 0 {
            // The rest of the file at the pace of what was read so far.
            let left = u128::from(total - read) * ms / u128::from(read);
            parts.push(format!("eta {}", duration((left + 500) / 1000)));
        }
    }
    parts.join(" · ")
}

/// Seconds as `4s`, `4m 30s`, `2h 30m`.
fn duration(seconds: u128) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: f64, rows: u64, bytes: u64, total: u64) -> String {
        line(
            Duration::from_secs_f64(seconds),
            Progress { rows, bytes },
            total,
        )
    }

    #[test]
    fn rows_rate_share_and_end_come_from_the_runs_own_clock() {
        assert_eq!(
            at(2.0, 1_000_000, 100 << 20, 300 << 20),
            "1,000,000 rows · 500,000 rows/s · 33% · eta 4s"
        );
        assert_eq!(
            at(90.0, 30_000_000, 1 << 30, 4 << 30),
            "30,000,000 rows · 333,333 rows/s · 25% · eta 4m 30s"
        );
        assert_eq!(at(3000.0, 9, 1, 4), "9 rows · 0 rows/s · 25% · eta 2h 30m");
    }

    #[test]
    fn no_nonsense_at_the_start_from_a_pipe_or_past_the_end() {
        // Nothing read yet, or too soon to tell: counts only.
        assert_eq!(at(0.0, 0, 0, 1000), "0 rows · 0%");
        assert_eq!(at(0.05, 2048, 500, 1000), "2,048 rows · 50%");
        // A pipe has no size: no share, no end.
        assert_eq!(at(4.0, 4096, 1 << 20, 0), "4,096 rows · 1,024 rows/s");
        // A file that grew while read: never past 100%, never a negative end.
        assert_eq!(
            at(2.0, 100, 2000, 1000),
            "100 rows · 50 rows/s · 100% · eta 0s"
        );
    }
}
