//! The server's counters, and their one rendering as Prometheus text
//! (`GET /metrics`; names in docs/service.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The routes requests are counted under (an unknown path is `other`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Route {
    Decide,
    Explain,
    Schemes,
    Healthz,
    Readyz,
    Metrics,
    Other,
}

impl Route {
    const ALL: [Route; 7] = [
        Route::Decide,
        Route::Explain,
        Route::Schemes,
        Route::Healthz,
        Route::Readyz,
        Route::Metrics,
        Route::Other,
    ];

    pub(crate) fn of(path: &str) -> Route {
        match path {
            "/v1/decide" => Route::Decide,
            "/v1/explain" => Route::Explain,
            "/v1/schemes" => Route::Schemes,
            "/healthz" => Route::Healthz,
            "/readyz" => Route::Readyz,
            "/metrics" => Route::Metrics,
            _ => Route::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Route::Decide => "/v1/decide",
            Route::Explain => "/v1/explain",
            Route::Schemes => "/v1/schemes",
            Route::Healthz => "/healthz",
            Route::Readyz => "/readyz",
            Route::Metrics => "/metrics",
            Route::Other => "other",
        }
    }
}

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// One route's latencies: a count per bucket (not cumulative; summed when
/// rendered), the count and the sum in microseconds.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Why a request was refused, for `bursar_request_errors_total{kind}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ErrorKind {
    /// Not JSON, or an applicant that does not fit the scheme.
    BadRequest,
    UnknownScheme,
    TooLarge,
    /// The body did not arrive within the time allowed.
    Timeout,
    NotFound,
    MethodNotAllowed,
}

impl ErrorKind {
    fn name(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::UnknownScheme => "unknown_scheme",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Timeout => "timeout",
            ErrorKind::NotFound => "not_found",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
        }
    }
}

/// Everything counted since the server started.
#[derive(Default)]
pub(crate) struct Metrics {
    /// By route and status code.
    requests: Mutex<BTreeMap<(Route, u16), u64>>,
    latency: [Histogram; Route::ALL.len()],
    /// By scheme and outcome.
    decisions: Mutex<BTreeMap<(String, String), u64>>,
    errors: Mutex<BTreeMap<ErrorKind, u64>>,
    pub(crate) reloads_ok: AtomicU64,
    pub(crate) reloads_failed: AtomicU64,
    /// 1 while a file changed but its new version was refused, so an old
    /// version is still served.
    pub(crate) stale: AtomicU64,
    pub(crate) log_written: AtomicU64,
    /// Left out by `--log-sample`.
    pub(crate) log_sampled_out: AtomicU64,
    /// Not logged because the queue was full.
    pub(crate) log_dropped: AtomicU64,
    /// Could not be written (the disk): counted, and said on stderr.
    pub(crate) log_failed: AtomicU64,
    pub(crate) log_rotations: AtomicU64,
}

impl Metrics {
    pub(crate) fn request(&self, route: Route, status: u16, took: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((route, status)).or_default() += 1;
        }
        let Some(h) = self.latency.get(route as usize) else {
            return;
        };
        let seconds = took.as_secs_f64();
        if let Some(b) = BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .and_then(|i| h.buckets.get(i))
        {
            b.fetch_add(1, Ordering::Relaxed);
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Counts decisions, one entry per (scheme, outcome) met in a request.
    pub(crate) fn decisions(&self, scheme: &str, outcomes: &BTreeMap<&'static str, u64>) {
        if let Ok(mut d) = self.decisions.lock() {
            for (outcome, n) in outcomes {
                match d.get_mut(&(scheme.to_string(), (*outcome).to_string())) {
                    Some(c) => *c += n,
                    None => {
                        d.insert((scheme.to_string(), (*outcome).to_string()), *n);
                    }
                }
            }
        }
    }

    pub(crate) fn error(&self, kind: ErrorKind) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(kind).or_default() += 1;
        }
    }

    /// The Prometheus text exposition of every counter, with the schemes
    /// served now (`bursar_scheme_info`).
    pub(crate) fn render(&self, served: &[(String, String)]) -> String {
        let mut out = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push_str("# HELP bursar_requests_total HTTP requests answered, by route and status.\n# TYPE bursar_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for ((route, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "bursar_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    route.name()
                );
            }
        }
        out.push_str("# HELP bursar_request_duration_seconds Time from the request's arrival to its answer.\n# TYPE bursar_request_duration_seconds histogram\n");
        for (route, h) in Route::ALL.iter().zip(&self.latency) {
            let count = load(&h.count);
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (le, b) in BUCKETS.iter().zip(&h.buckets) {
                cumulative += load(b);
                let _ = writeln!(
                    out,
                    "bursar_request_duration_seconds_bucket{{route=\"{}\",le=\"{le}\"}} {cumulative}",
                    route.name()
                );
            }
            let _ = writeln!(
                out,
                "bursar_request_duration_seconds_bucket{{route=\"{0}\",le=\"+Inf\"}} {count}\nbursar_request_duration_seconds_sum{{route=\"{0}\"}} {1}\nbursar_request_duration_seconds_count{{route=\"{0}\"}} {count}",
                route.name(),
                load(&h.sum_micros) as f64 / 1e6
            );
        }
        out.push_str("# HELP bursar_decisions_total Applicants decided, by scheme and outcome.\n# TYPE bursar_decisions_total counter\n");
        if let Ok(d) = self.decisions.lock() {
            for ((scheme, outcome), n) in d.iter() {
                let _ = writeln!(
                    out,
                    "bursar_decisions_total{{scheme=\"{}\",outcome=\"{outcome}\"}} {n}",
                    label(scheme)
                );
            }
        }
        out.push_str("# HELP bursar_request_errors_total Requests refused, by why.\n# TYPE bursar_request_errors_total counter\n");
        if let Ok(e) = self.errors.lock() {
            for (kind, n) in e.iter() {
                let _ = writeln!(
                    out,
                    "bursar_request_errors_total{{kind=\"{}\"}} {n}",
                    kind.name()
                );
            }
        }
        let _ = write!(
            out,
            "# HELP bursar_reloads_total Reloads of the served files, by result.\n# TYPE bursar_reloads_total counter\nbursar_reloads_total{{result=\"ok\"}} {}\nbursar_reloads_total{{result=\"failed\"}} {}\n\
# HELP bursar_reload_stale 1 while a changed file was refused and its previous version is served.\n# TYPE bursar_reload_stale gauge\nbursar_reload_stale {}\n",
            load(&self.reloads_ok),
            load(&self.reloads_failed),
            load(&self.stale)
        );
        out.push_str("# HELP bursar_scheme_info The schemes served now, with their bundle hash.\n# TYPE bursar_scheme_info gauge\n");
        for (id, hash) in served {
            let _ = writeln!(
                out,
                "bursar_scheme_info{{scheme=\"{}\",bundle_hash=\"{}\"}} 1",
                label(id),
                label(hash)
            );
        }
        for (name, help, value) in [
            (
                "written",
                "Decisions written to the decision log.",
                &self.log_written,
            ),
            (
                "sampled_out",
                "Decisions left out of the log by --log-sample.",
                &self.log_sampled_out,
            ),
            (
                "dropped",
                "Decisions not logged because the log's queue was full.",
                &self.log_dropped,
            ),
            (
                "failed",
                "Decisions that could not be written to the log.",
                &self.log_failed,
            ),
            (
                "rotations",
                "Times the decision log was rotated.",
                &self.log_rotations,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP bursar_decision_log_{name}_total {help}\n# TYPE bursar_decision_log_{name}_total counter\nbursar_decision_log_{name}_total {}",
                load(value)
            );
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as the format asks.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
