//! `bursar serve`: its flags read and checked, then the server run
//! (`crate::serve`; docs/service.md).

use std::path::PathBuf;
use std::time::Duration;

use crate::serve::{ConnectionLimits, Limits, LogConfig, Options, Redactor};
use crate::Exit;

/// `bursar serve`'s arguments.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Bundles, or `.bursar` policies compiled at start; several schemes
    /// are served at once, each under its id.
    #[arg(required = true, value_name = "BUNDLE_OR_POLICY")]
    schemes: Vec<PathBuf>,
    /// The address to listen on (`127.0.0.1:0`: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve only bundles signed by this public key (PEM, a `.pub` from
    /// `bursar keygen`); repeatable.
    #[arg(long, value_name = "PUBKEY")]
    trust: Vec<PathBuf>,
    /// Append every decision to this file, as JSON lines.
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
    /// Rotate the decision log when it would grow past this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 100 << 20, requires = "decision_log")]
    log_max_bytes: u64,
    /// Rotated decision logs kept (FILE.1 … FILE.N).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10,
        requires = "decision_log"
    )]
    log_keep: u32,
    /// The share of decisions logged, from 0 to 1 (`0.1`: one in ten).
    #[arg(
        long,
        value_name = "SHARE",
        default_value_t = 1.0,
        requires = "decision_log"
    )]
    log_sample: f64,
    /// Decisions waiting to be written at most; beyond, they are counted
    /// as dropped (`bursar_decision_log_dropped_total`).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 65_536,
        requires = "decision_log"
    )]
    log_queue: usize,
    /// Replace these applicant fields in the log by a keyed hash:
    /// `--redact name,id_number`.
    #[arg(long, value_delimiter = ',', value_name = "FIELD", requires_all = ["redact_key", "decision_log"])]
    redact: Vec<String>,
    /// The key of `--redact`'s hash: a file of at least 16 secret bytes.
    #[arg(long, value_name = "FILE", requires = "redact")]
    redact_key: Option<PathBuf>,
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    max_body: usize,
    /// Seconds a request body may take to arrive.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    body_timeout: f64,
    /// Look at the served files for a change every SECONDS (0: only on
    /// SIGHUP).
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    watch: f64,
    /// Connections open at once at most; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a connection may take to send a request's headers.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds to finish the requests in flight at shutdown before closing
    /// their connections anyway.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    shutdown_timeout: f64,
    /// Requests handled at once at most; more wait their turn.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_in_flight: usize,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

/// The largest redaction key read.
const MAX_KEY_BYTES: u64 = 1 << 16;

pub(crate) fn serve(args: ServeArgs) -> Exit {
    let seconds = |flag: &str, s: f64| {
        Duration::try_from_secs_f64(s).map_err(|_| {
            eprintln!("error: `{flag} {s}`: give a number of seconds, 0 or more");
            Exit::Usage
        })
    };
    let body_timeout = match seconds("--body-timeout", args.body_timeout) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let header_timeout = match seconds("--header-timeout", args.header_timeout) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let shutdown_timeout = match seconds("--shutdown-timeout", args.shutdown_timeout) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let watch = match seconds("--watch", args.watch) {
        Ok(d) => (!d.is_zero()).then_some(d),
        Err(e) => return e,
    };
    if !(0.0..=1.0).contains(&args.log_sample) {
        eprintln!(
            "error: `--log-sample {}`: give a share from 0 to 1",
            args.log_sample
        );
        return Exit::Usage;
    }
    let trusted = if args.trust.is_empty() {
        None
    } else {
        match crate::load::keys::read_trusted(&args.trust) {
            Ok(k) => Some(k),
            Err(e) => return e,
        }
    };
    let redactor = match &args.redact_key {
        Some(path) => {
            let key = match crate::load::read_file(path, MAX_KEY_BYTES) {
                Ok(k) => k,
                Err(e) => {
                    eprintln!("error: cannot read `{}`: {e}", path.display());
                    return Exit::Io;
                }
            };
            match Redactor::new(args.redact.clone(), key) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("error: `--redact-key {}`: {e}", path.display());
                    return Exit::Usage;
                }
            }
        }
        None => None,
    };
    let log = args.decision_log.map(|path| LogConfig {
        path,
        max_bytes: args.log_max_bytes,
        keep: args.log_keep,
        sample: args.log_sample,
        queue: args.log_queue,
        redactor,
    });
    let options = Options {
        sources: args.schemes,
        listen: args.listen,
        trusted,
        log,
        limits: Limits {
            max_body: args.max_body,
            body_timeout,
        },
        connections: ConnectionLimits {
            max_connections: args.max_connections,
            header_timeout,
            shutdown_timeout,
        },
        watch,
        max_in_flight: args.max_in_flight,
        threads: args.threads,
    };
    match crate::serve::run(options) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Failed
        }
    }
}
