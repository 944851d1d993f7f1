//! The HTTP endpoints: decisions and explanations, the schemes served,
//! health, readiness and metrics; every answer JSON but `/metrics`.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::decision::Decided;
use crate::decision_log::{Record, Verdict};
use crate::serve::metrics::{ErrorKind, Route};
use crate::serve::request::{self, Problem};
use crate::serve::App;

/// The router over the app's state.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/decide", post(decide))
        .route("/v1/explain", post(explain))
        .route("/v1/schemes", get(schemes))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            track,
        ))
        .with_state(app)
}

/// Around every request: a place among the requests in flight (at most
/// `--max-in-flight`; more wait for one), and the request counted and
/// timed.
async fn track(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = Route::of(request.uri().path());
    let permit = app.in_flight.acquire().await;
    let response = next.run(request).await;
    drop(permit);
    let status = response.status();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        app.metrics.error(ErrorKind::MethodNotAllowed);
    }
    app.metrics.request(route, status.as_u16(), start.elapsed());
    response
}

/// A refusal: its status and every problem, as `{"errors": […]}`.
struct Refusal {
    status: StatusCode,
    kind: ErrorKind,
    problems: Vec<Problem>,
}

impl Refusal {
    fn one(status: StatusCode, kind: ErrorKind, message: String) -> Refusal {
        Refusal {
            status,
            kind,
            problems: vec![Problem {
                pointer: String::new(),
                field: None,
                message,
            }],
        }
    }

    fn respond(self, app: &App) -> Response {
        app.metrics.error(self.kind);
        json_response(self.status, &serde_json::json!({ "errors": self.problems }))
    }
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut body = serde_json::to_vec(value).unwrap_or_default();
    body.push(b'\n');
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

async fn decide(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    answer(&app, &headers, body, false).await
}

async fn explain(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    answer(&app, &headers, body, true).await
}

/// Decides the applicants of one request (`explain`: with their
/// explanations), logs them, and answers.
async fn answer(app: &App, headers: &HeaderMap, body: Body, explain: bool) -> Response {
    let id = app.request_ids.of(headers);
    let mut response = match decide_body(app, headers, body, explain, &id).await {
        Ok(r) => r,
        Err(refusal) => refusal.respond(app),
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

async fn decide_body(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    explain: bool,
    request_id: &str,
) -> Result<Response, Refusal> {
    let limit = app.limits.max_body;
    let bytes = match tokio::time::timeout(app.limits.body_timeout, read_body(headers, body, limit))
        .await
    {
        Ok(Ok(b)) => b,
        Ok(Err(refusal)) => return Err(refusal),
        Err(_) => {
            return Err(Refusal::one(
                StatusCode::REQUEST_TIMEOUT,
                ErrorKind::Timeout,
                format!(
                    "the body did not arrive within {} s",
                    app.limits.body_timeout.as_secs_f64()
                ),
            ))
        }
    };
    let request::DecideRequest {
        scheme: id,
        applicants: given,
        mut problems,
    } = request::parse(&bytes);
    let mut kind = ErrorKind::BadRequest;
    // One set for the whole request: a reload meanwhile changes nothing
    // of this answer.
    let set = app.schemes.load();
    let served = match &id {
        Some(id) => {
            let served = set.get(id);
            if served.is_none() {
                kind = ErrorKind::UnknownScheme;
                problems.push(Problem {
                    pointer: "/scheme".into(),
                    field: None,
                    message: format!(
                        "unknown scheme `{}`; served: {}",
                        bursar_runtime::shown(id),
                        set.ids()
                    ),
                });
            }
            served
        }
        None => None,
    };
    let read = match (served, &given) {
        (Some(s), Some(given)) => match request::applicants(&s.bundle.scheme, given) {
            Ok(a) => Some(a),
            Err(more) => {
                problems.extend(more);
                None
            }
        },
        _ => None,
    };
    let (Some(served), Some(req_applicants), Some(applicants), true) =
        (served, given, read, problems.is_empty())
    else {
        return Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            kind,
            problems,
        });
    };
    let scheme = &served.bundle.scheme;
    let time = now();
    let batch = matches!(req_applicants, request::Applicants::Batch(_));
    let received: Vec<&serde_json::Value> = match &req_applicants {
        request::Applicants::One(a) => vec![a],
        request::Applicants::Batch(items) => items.iter().collect(),
    };
    let mut decisions = Vec::with_capacity(applicants.len());
    let mut explanations = Vec::with_capacity(if explain { applicants.len() } else { 0 });
    let mut outcomes: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (i, (applicant, json)) in applicants.iter().zip(received).enumerate() {
        let decided = Decided::new(scheme, applicant);
        *outcomes.entry(decided.decision.outcome.name()).or_default() += 1;
        decisions.push(decided.to_json(scheme, false));
        if explain {
            explanations.push(decided.to_json(scheme, true));
        }
        if let Some(log) = &app.log {
            if log.sampled() {
                log.push(Record {
                    time: time.clone(),
                    request_id: request_id.to_string(),
                    item: batch.then_some(i),
                    scheme: scheme.id.clone(),
                    bundle_hash: served.bundle.hash.clone(),
                    applicant: json.clone(),
                    verdict: Verdict::of(scheme, &decided),
                });
            }
        }
    }
    app.metrics.decisions(&scheme.id, &outcomes);
    let mut out = serde_json::Map::new();
    out.insert("bundle_hash".into(), served.bundle.hash.clone().into());
    match (batch, explain) {
        (false, _) => {
            if let Some(d) = decisions.pop() {
                out.insert("decision".into(), d);
            }
            if let Some(e) = explanations.pop() {
                out.insert("explanation".into(), e);
            }
        }
        (true, false) => {
            out.insert("decisions".into(), decisions.into());
        }
        (true, true) => {
            out.insert("decisions".into(), decisions.into());
            out.insert("explanations".into(), explanations.into());
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &serde_json::Value::Object(out),
    ))
}

/// Reads a body of at most `limit` bytes: refused at once when its
/// `content-length` says it is larger, else as soon as it grows larger.
async fn read_body(headers: &HeaderMap, mut body: Body, limit: usize) -> Result<Vec<u8>, Refusal> {
    let too_large = || {
        Refusal::one(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::TooLarge,
            format!("the body is larger than {limit} bytes, the most a request may send"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            Refusal::one(
                StatusCode::BAD_REQUEST,
                ErrorKind::BadRequest,
                format!("the body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if out.len().saturating_add(data.len()) > limit {
                return Err(too_large());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// The time now, as a log records it.
fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn schemes(State(app): State<Arc<App>>) -> Response {
    let set = app.schemes.load();
    let list: Vec<serde_json::Value> = set
        .schemes
        .iter()
        .map(|s| {
            let scheme = &s.bundle.scheme;
            serde_json::json!({
                "id": scheme.id,
                "title": scheme.header.title,
                "bundle_hash": s.bundle.hash,
                "period": scheme.header.period,
                "source": s.source.display().to_string(),
                "signed": s.bundle.signature.is_some(),
                "input_schema": s.input_schema,
            })
        })
        .collect();
    json_response(StatusCode::OK, &serde_json::json!({ "schemes": list }))
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
}

/// Ready while schemes are served and the server is not shutting down.
async fn readyz(State(app): State<Arc<App>>) -> Response {
    let ready = app.ready.load(Ordering::Relaxed);
    let schemes = app.schemes.load().schemes.len();
    let status = if ready && schemes > 0 {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(
        status,
        &serde_json::json!({ "ready": status == StatusCode::OK, "schemes": schemes }),
    )
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let served: Vec<(String, String)> = app
        .schemes
        .load()
        .schemes
        .iter()
        .map(|s| (s.bundle.scheme.id.clone(), s.bundle.hash.clone()))
        .collect();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        app.metrics.render(&served),
    )
        .into_response()
}

async fn not_found(State(app): State<Arc<App>>, request: Request) -> Response {
    Refusal::one(
        StatusCode::NOT_FOUND,
        ErrorKind::NotFound,
        format!(
            "no endpoint `{}`: see /v1/decide, /v1/explain, /v1/schemes, /healthz, /readyz, /metrics",
            bursar_runtime::shown(request.uri().path())
        ),
    )
    .respond(&app)
}
