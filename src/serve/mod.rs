//! `bursar serve`: the decision service. Loads the schemes, starts the
//! decision log's writer, listens, answers (`routes.rs`), reloads on
//! SIGHUP or a changed file (`reload.rs`), and on SIGTERM or Ctrl-C stops
//! taking connections, finishes the requests in flight, writes the log out
//! and exits. Operators' guide: docs/service.md.

mod connections;
mod log;
mod metrics;
mod redact;
mod reload;
mod request;
mod request_id;
mod routes;
mod schemes;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

pub(crate) use connections::ConnectionLimits;
pub(crate) use log::LogConfig;
pub(crate) use redact::Redactor;

use metrics::Metrics;
use schemes::SchemeSet;

/// What a request may send, and how long it may take to send it.
pub(crate) struct Limits {
    /// The largest body, in bytes (413 beyond).
    pub(crate) max_body: usize,
    /// The longest a body may take to arrive (408 beyond).
    pub(crate) body_timeout: Duration,
}

/// Everything `bursar serve` was told.
pub(crate) struct Options {
    pub(crate) sources: Vec<PathBuf>,
    pub(crate) listen: String,
    /// With `--trust`: only bundles signed by one of these keys.
    pub(crate) trusted: Option<Vec<ed25519_dalek::VerifyingKey>>,
    pub(crate) log: Option<LogConfig>,
    pub(crate) limits: Limits,
    pub(crate) connections: ConnectionLimits,
    /// How often the files are looked at for a change (`None`: never).
    pub(crate) watch: Option<Duration>,
    pub(crate) max_in_flight: usize,
    /// Worker threads (0: one per core).
    pub(crate) threads: usize,
}

/// What every request handler shares.
pub(crate) struct App {
    /// The schemes served now; a reload stores a new set whole.
    schemes: ArcSwap<SchemeSet>,
    metrics: Arc<Metrics>,
    log: Option<log::DecisionLog>,
    limits: Limits,
    request_ids: request_id::RequestIds,
    /// False once shutdown has begun (`/readyz` answers 503).
    ready: AtomicBool,
    in_flight: tokio::sync::Semaphore,
}

/// Runs the server until SIGTERM or Ctrl-C. An error before it listens
/// (a scheme that does not load, an address taken) is returned.
pub(crate) fn run(options: Options) -> Result<(), String> {
    let trusted = options.trusted.as_deref();
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for source in &options.sources {
        match schemes::load(source, trusted) {
            Ok(s) => loaded.push(Arc::new(s)),
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let set = SchemeSet::new(loaded)?;
    if let Some(r) = options.log.as_ref().and_then(|l| l.redactor.as_ref()) {
        unknown_redacted(&set, r.fields())?;
    }
    let metrics = Arc::new(Metrics::default());
    let log = match options.log {
        Some(config) => Some(log::DecisionLog::open(config, Arc::clone(&metrics))?),
        None => None,
    };
    let app = Arc::new(App {
        schemes: ArcSwap::from_pointee(set),
        metrics,
        log,
        limits: options.limits,
        request_ids: request_id::RequestIds::new(),
        ready: AtomicBool::new(true),
        in_flight: tokio::sync::Semaphore::new(options.max_in_flight.max(1)),
    });
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if options.threads > 0 {
        builder.worker_threads(options.threads);
    }
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let reloader = reload::Reloader {
        app: Arc::clone(&app),
        sources: options.sources.clone(),
        trusted: options.trusted.clone(),
    };
    let served = runtime.block_on(serve(
        Arc::clone(&app),
        &options.listen,
        reloader,
        options.watch,
        options.connections,
    ));
    // Requests are finished: what they queued for the log is written out.
    if let Some(log) = &app.log {
        log.close();
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    served
}

async fn serve(
    app: Arc<App>,
    listen: &str,
    reloader: reload::Reloader,
    watch: Option<Duration>,
    connections: ConnectionLimits,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(|e| format!("cannot watch for SIGHUP: {e}"))?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch for SIGTERM: {e}"))?;
    for s in &app.schemes.load().schemes {
        eprintln!(
            "serving {} ({}) from {}",
            s.bundle.scheme.id,
            s.bundle.hash,
            s.source.display()
        );
    }
    // The one line a supervisor or a test waits for.
    eprintln!("listening on {address}");
    tokio::spawn(reloader.run(hangup, watch));
    let shutting_down = Arc::clone(&app);
    let signal = async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        shutting_down.ready.store(false, Ordering::Relaxed);
        eprintln!("shutting down: finishing the requests in flight");
    };
    let drained = connections::serve(
        listener,
        routes::router(Arc::clone(&app)),
        connections,
        signal,
    )
    .await;
    if !drained {
        eprintln!("error: connections still open after the shutdown timeout were closed");
    }
    eprintln!("stopped");
    Ok(())
}

/// Refuses a `--redact` field that no served scheme has: a misspelt name
/// would leave the personal data it meant in the log.
fn unknown_redacted(set: &SchemeSet, fields: &[String]) -> Result<(), String> {
    let known = |name: &str| {
        set.schemes.iter().any(|s| {
            let scheme = &s.bundle.scheme;
            scheme.applicant.iter().any(|f| f.name == name)
                || scheme
                    .records
                    .iter()
                    .any(|r| r.fields.iter().any(|f| f.name == name))
        })
    };
    match fields.iter().find(|f| !known(f)) {
        Some(f) => Err(format!(
            "`--redact {f}`: no scheme served has a field `{f}`, so nothing would be redacted"
        )),
        None => Ok(()),
    }
}
