//! The decision log: records queued by the request handlers and written by
//! one thread of its own, so that answering never waits on the disk. The
//! queue is bounded; a record that finds it full is counted
//! (`bursar_decision_log_dropped_total`), never lost without a count. The
//! file is rotated by size (`FILE` → `FILE.1` → … → `FILE.N`, the oldest
//! removed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::decision_log::Record;
use crate::serve::metrics::Metrics;
use crate::serve::redact::Redactor;

/// How the log is kept (`--decision-log`, `--log-*`, `--redact`).
pub(crate) struct LogConfig {
    pub(crate) path: PathBuf,
    /// Rotate before a line would take the file past this size.
    pub(crate) max_bytes: u64,
    /// Rotated files kept besides the current one.
    pub(crate) keep: u32,
    /// The share of decisions logged, from 0 to 1.
    pub(crate) sample: f64,
    /// Records waiting to be written, at most.
    pub(crate) queue: usize,
    pub(crate) redactor: Option<Redactor>,
}

enum Message {
    Record(Box<Record>),
    /// Write what is queued, then stop.
    Close,
}

/// The handlers' end of the log.
pub(crate) struct DecisionLog {
    sender: SyncSender<Message>,
    sample: f64,
    /// Decisions offered so far, for sampling.
    offered: AtomicU64,
    metrics: Arc<Metrics>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl DecisionLog {
    /// Opens (appending to) the log file and starts its writer.
    pub(crate) fn open(config: LogConfig, metrics: Arc<Metrics>) -> Result<DecisionLog, String> {
        let file = open_append(&config.path)
            .map_err(|e| format!("cannot open `{}`: {e}", config.path.display()))?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(config.queue.max(1));
        let sample = config.sample;
        let writer = Writer {
            size: file.metadata().map(|m| m.len()).unwrap_or(0),
            file: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
            config,
            metrics: Arc::clone(&metrics),
        };
        let handle = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| format!("cannot start the decision log's writer: {e}"))?;
        Ok(DecisionLog {
            sender,
            sample,
            offered: AtomicU64::new(0),
            metrics,
            writer: Mutex::new(Some(handle)),
        })
    }

    /// Whether the next decision is to be logged: exactly `sample` of
    /// them, spread evenly (the k-th is logged when ⌊k·sample⌋ steps up),
    /// so sampling is deterministic. A decision left out is counted.
    pub(crate) fn sampled(&self) -> bool {
        let k = self.offered.fetch_add(1, Ordering::Relaxed) as f64;
        let keep = ((k + 1.0) * self.sample).floor() > (k * self.sample).floor();
        if !keep {
            self.metrics.log_sampled_out.fetch_add(1, Ordering::Relaxed);
        }
        keep
    }

    /// Queues a record without waiting; a full queue counts it as dropped.
    pub(crate) fn push(&self, record: Record) {
        match self.sender.try_send(Message::Record(Box::new(record))) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.metrics.log_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Writes everything queued and stops the writer (at shutdown).
    pub(crate) fn close(&self) {
        let _ = self.sender.send(Message::Close);
        if let Some(handle) = self.writer.lock().ok().and_then(|mut w| w.take()) {
            let _ = handle.join();
        }
    }
}

/// Opens the log for appending; a new file is readable by its owner and
/// group only, since it holds applicants' data.
fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
}

/// The writer thread's state.
struct Writer {
    config: LogConfig,
    /// `None` after a failure to reopen; tried again at the next record.
    file: Option<std::io::BufWriter<std::fs::File>>,
    size: u64,
    metrics: Arc<Metrics>,
}

impl Writer {
    fn run(mut self, receiver: Receiver<Message>) {
        while let Ok(first) = receiver.recv() {
            let mut next = Some(first);
            // Drain what is queued, then flush once: a burst is one write.
            while let Some(message) = next.take() {
                match message {
                    Message::Record(r) => self.write(*r),
                    Message::Close => {
                        self.flush();
                        return;
                    }
                }
                // Empty or disconnected: flush what was written.
                next = receiver.try_recv().ok();
            }
            self.flush();
        }
        self.flush();
    }

    fn write(&mut self, mut record: Record) {
        if let Some(r) = &self.config.redactor {
            r.redact(&mut record.applicant);
        }
        let Ok(mut line) = serde_json::to_vec(&record) else {
            self.failed("a record could not be written as JSON".into());
            return;
        };
        line.push(b'\n');
        if self.size > 0 && self.size.saturating_add(line.len() as u64) > self.config.max_bytes {
            self.rotate();
        }
        if self.file.is_none() {
            match open_append(&self.config.path) {
                Ok(f) => {
                    self.size = f.metadata().map(|m| m.len()).unwrap_or(0);
                    self.file = Some(std::io::BufWriter::with_capacity(1 << 16, f));
                }
                Err(e) => {
                    self.failed(format!("cannot open `{}`: {e}", self.config.path.display()));
                    return;
                }
            }
        }
        let Some(file) = &mut self.file else { return };
        match file.write_all(&line) {
            Ok(()) => {
                self.size = self.size.saturating_add(line.len() as u64);
                self.metrics.log_written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.file = None;
                self.failed(format!(
                    "cannot write `{}`: {e}",
                    self.config.path.display()
                ));
            }
        }
    }

    fn flush(&mut self) {
        if let Some(f) = &mut self.file {
            if let Err(e) = f.flush() {
                self.file = None;
                self.failed(format!(
                    "cannot write `{}`: {e}",
                    self.config.path.display()
                ));
            }
        }
    }

    /// `FILE.N-1` → `FILE.N`, …, `FILE` → `FILE.1`, and a new `FILE`.
    fn rotate(&mut self) {
        self.flush();
        self.file = None;
        let path = &self.config.path;
        let numbered = |n: u32| {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        for n in (1..self.config.keep).rev() {
            let from = numbered(n);
            if from.exists() {
                let _ = std::fs::rename(&from, numbered(n + 1));
            }
        }
        let moved = if self.config.keep == 0 {
            std::fs::remove_file(path)
        } else {
            std::fs::rename(path, numbered(1))
        };
        if let Err(e) = moved {
            eprintln!("error: cannot rotate `{}`: {e}", path.display());
        }
        self.size = 0;
        self.metrics.log_rotations.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a record not written, and says why on stderr (the first
    /// time, then every 1000th, so a full disk does not flood it).
    fn failed(&self, why: String) {
        let n = self.metrics.log_failed.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(1000) {
            eprintln!(
                "error: decision log: {why} ({} records not written so far)",
                n + 1
            );
        }
    }
}
