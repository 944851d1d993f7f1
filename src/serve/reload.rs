//! Reloading without dropping a request: on SIGHUP, or when a served file
//! changes (polled every `--watch` seconds), every file is loaded and
//! checked again and the new set is swapped in whole. A file that no
//! longer loads keeps its previous version served; that is said on stderr
//! and shown in `/metrics` (`bursar_reloads_total{result="failed"}`,
//! `bursar_reload_stale`).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::serve::schemes::{self, SchemeSet, Stamp};
use crate::serve::App;

/// What a reload needs.
pub(crate) struct Reloader {
    pub(crate) app: Arc<App>,
    pub(crate) sources: Vec<PathBuf>,
    pub(crate) trusted: Option<Vec<ed25519_dalek::VerifyingKey>>,
}

impl Reloader {
    /// Waits for SIGHUP or a change, and reloads; one reload at a time.
    pub(crate) async fn run(
        self,
        mut hangup: tokio::signal::unix::Signal,
        watch: Option<Duration>,
    ) {
        let this = Arc::new(self);
        let mut stamps = this.stamps();
        let mut tick = tokio::time::interval(watch.unwrap_or(Duration::from_secs(3600)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let why = tokio::select! {
                s = hangup.recv() => match s {
                    Some(()) => "SIGHUP",
                    None => return,
                },
                _ = tick.tick() => {
                    if watch.is_none() {
                        continue;
                    }
                    let now = this.stamps();
                    if now == stamps {
                        continue;
                    }
                    "a file changed"
                }
            };
            // Stamped before reading: a write that lands while we read is
            // seen as a change at the next look.
            stamps = this.stamps();
            let worker = Arc::clone(&this);
            // Reading and compiling is blocking work, kept off the
            // threads that answer requests.
            let _ = tokio::task::spawn_blocking(move || worker.reload(why)).await;
        }
    }

    fn stamps(&self) -> Vec<Stamp> {
        self.sources.iter().map(|s| Stamp::of(s)).collect()
    }

    /// Loads every file again and swaps the set in; a file that fails
    /// keeps its previous version.
    fn reload(&self, why: &str) {
        let app = &self.app;
        let old = app.schemes.load_full();
        let mut failed = 0;
        let mut next = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            let previous = old.schemes.iter().find(|s| &s.source == source);
            match schemes::load(source, self.trusted.as_deref()) {
                Ok(s) => {
                    if previous.is_none_or(|p| p.bundle.hash != s.bundle.hash) {
                        eprintln!(
                            "reload ({why}): serving {} ({}) from {}",
                            s.bundle.scheme.id,
                            s.bundle.hash,
                            source.display()
                        );
                    }
                    next.push(Arc::new(s));
                }
                Err(e) => {
                    failed += 1;
                    match previous {
                        Some(p) => {
                            eprintln!(
                                "error: reload ({why}): {e}; still serving {} ({})",
                                p.bundle.scheme.id, p.bundle.hash
                            );
                            next.push(Arc::clone(p));
                        }
                        None => eprintln!("error: reload ({why}): {e}"),
                    }
                }
            }
        }
        match SchemeSet::new(next) {
            Ok(set) => app.schemes.store(Arc::new(set)),
            Err(e) => {
                failed += 1;
                eprintln!("error: reload ({why}): {e}; still serving the previous set");
            }
        }
        let metrics = &app.metrics;
        eprintln!(
            "reload ({why}): {} served, {failed} refused",
            app.schemes.load().schemes.len()
        );
        if failed == 0 {
            metrics.reloads_ok.fetch_add(1, Ordering::Relaxed);
            metrics.stale.store(0, Ordering::Relaxed);
        } else {
            metrics.reloads_failed.fetch_add(1, Ordering::Relaxed);
            metrics.stale.store(1, Ordering::Relaxed);
        }
    }
}
