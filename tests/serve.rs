//! `bursar serve` (issue #16, sections 1 to 4): the real server started on a
//! loopback port and spoken to over HTTP: every endpoint, batches and
//! explanations, several schemes, bad and oversized requests, reloads under
//! load, shutdown, decision logs (rotation, redaction, sampling) and
//! `bursar replay`, and `--trust`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{bursar, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const REBATE: &str = "policies/examples/household-rebate.bursar";
const DRAFT: &str = "policies/beijing/2024-career-boost-draft.bursar";
const SCHEME: &str = "beijing_career_boost_2023";

const PAID: &str = r#"{"person_id": "W1", "member_card": true, "contest_year": 2022, "contest_rank": 1, "voc_boosted_before": false, "applied_on": "2023-06-01"}"#;
const VOC: &str = r#"{"person_id": "W4", "member_card": true, "voc_level": 1, "voc_issuer": "beijing_center", "voc_issued": "2021-03-01", "voc_boosted_before": false, "applied_on": "2023-04-10"}"#;
const NOT_A_MEMBER: &str =
    r#"{"person_id": "W2", "member_card": false, "voc_boosted_before": false}"#;

/// The longest any wait in these tests lasts before it fails (a bound, so
/// that a broken server fails the test rather than hanging it).
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `bursar serve`, killed when dropped.
struct Server {
    child: Child,
    address: String,
    stderr: Arc<Mutex<Vec<String>>>,
    agent: ureq::Agent,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bursar"))
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = BufReader::new(child.stderr.take().unwrap());
        let kept = Arc::clone(&lines);
        // Stderr is read to its end, so the server never blocks on it.
        std::thread::spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { break };
                if let Some(a) = line.strip_prefix("listening on ") {
                    let _ = tx.send(a.to_string());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let address = match rx.recv_timeout(PATIENCE) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not start: {:?}", lines.lock().unwrap());
            }
        };
        Server {
            child,
            address,
            stderr: lines,
            agent: agent(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut r = self.agent.get(&self.url(path)).call().unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    fn post(&self, path: &str, body: &str) -> (u16, serde_json::Value) {
        let (status, text) = post(&self.agent, &self.url(path), body);
        (status, serde_json::from_str(&text).unwrap())
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// The bundle hash served for `scheme` now.
    fn hash(&self, scheme: &str) -> String {
        let (_, text) = self.get("/v1/schemes");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["schemes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == scheme)
            .map(|s| s["bundle_hash"].as_str().unwrap().to_string())
            .unwrap()
    }

    /// Waits (boundedly) until `done` holds.
    fn wait_for(&self, what: &str, mut done: impl FnMut(&Server) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < PATIENCE,
                "waited in vain for {what}; the server said:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the exit; the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < PATIENCE, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(PATIENCE))
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> (u16, String) {
    let mut r = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn one(scheme: &str, applicant: &str) -> String {
    format!(r#"{{"scheme": "{scheme}", "applicant": {applicant}}}"#)
}

fn batch(scheme: &str, applicants: &[&str]) -> String {
    format!(
        r#"{{"scheme": "{scheme}", "applicants": [{}]}}"#,
        applicants.join(", ")
    )
}

/// A folder of this test's own.
fn folder(name: &str) -> PathBuf {
    let dir = temp(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles `policy` into `out`; its hash.
fn compile(policy: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "compile",
        policy.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = bursar(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(out).unwrap()).unwrap()
        ["hash"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The 2023 scheme with the level-1 amount changed: the same id, another
/// bundle.
fn variant(dir: &Path, yuan: u32) -> PathBuf {
    let text = std::fs::read_to_string(POLICY)
        .unwrap()
        .replace("= 2000 元", &format!("= {yuan} 元"));
    let path = dir.join(format!("variant-{yuan}.bursar"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Replaces `path` at once (write aside, rename), as an operator's deploy
/// should.
fn install(from: &Path, path: &Path) {
    let aside = path.with_extension("new");
    std::fs::copy(from, &aside).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no `{name}` in\n{text}"))
}

#[test]
fn every_endpoint_answers_for_several_schemes() {
    let dir = folder("endpoints");
    let bundle = dir.join("2023.json");
    let hash = compile(Path::new(POLICY), &bundle, &[]);
    let server = Server::start(&[bundle.to_str().unwrap(), REBATE]);

    let (status, text) = server.get("/healthz");
    assert_eq!((status, text.trim()), (200, r#"{"status":"ok"}"#));
    let (status, text) = server.get("/readyz");
    assert_eq!(status, 200, "{text}");

    let (status, text) = server.get("/v1/schemes");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schemes = v["schemes"].as_array().unwrap();
    assert_eq!(schemes.len(), 2);
    assert_eq!(schemes[0]["id"], SCHEME);
    assert_eq!(schemes[0]["bundle_hash"], hash.as_str());
    assert_eq!(schemes[0]["period"]["start"], "2023-01-01");
    assert!(schemes[0]["title"].as_str().unwrap().contains("2023"));
    assert_eq!(
        schemes[0]["input_schema"]["properties"]["member_card"]["type"], "boolean",
        "{}",
        schemes[0]["input_schema"]
    );
    assert_eq!(schemes[1]["id"], "household_rebate");

    // One decision, from each scheme.
    let (status, v) = server.post("/v1/decide", &one(SCHEME, PAID));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["bundle_hash"], hash.as_str());
    assert_eq!(v["decision"]["outcome"], "paid");
    let rebate = r#"{"household_id": "H2", "filing": "couple", "income": "160000.00", "resident": true, "members": [{"age": 10, "disabled": false}, {"age": 16, "disabled": false}]}"#;
    let (status, v) = server.post("/v1/decide", &one("household_rebate", rebate));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["decision"]["paid"], "2900.00");
    assert_ne!(v["bundle_hash"], hash.as_str());
    // A list item's problem is pointed at inside the item.
    let wrong = rebate.replace("\"age\": 16", "\"age\": true");
    let (status, v) = server.post("/v1/decide", &one("household_rebate", &wrong));
    assert_eq!(status, 400);
    assert_eq!(v["errors"][0]["pointer"], "/applicant/members/1/age", "{v}");

    // Explanations, one and a batch.
    let (status, v) = server.post("/v1/explain", &one(SCHEME, PAID));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["decision"]["outcome"], "paid");
    assert!(v["explanation"]["categories"].is_array());
    let (status, v) = server.post("/v1/explain", &batch(SCHEME, &[PAID, NOT_A_MEMBER]));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(v["explanations"][1]["outcome"], "not_eligible");

    // Unknown paths and methods.
    let (status, text) = server.get("/v2/nothing");
    assert_eq!(status, 404);
    assert!(text.contains("no endpoint"), "{text}");
    let (status, _) = server.get("/v1/decide");
    assert_eq!(status, 405);

    let (status, text) = server.get("/metrics");
    assert_eq!(status, 200);
    for name in [
        "bursar_requests_total{route=\"/v1/decide\",status=\"200\"} 2",
        "bursar_request_duration_seconds_bucket{route=\"/v1/decide\",le=\"+Inf\"} 4",
        "bursar_decisions_total{scheme=\"beijing_career_boost_2023\",outcome=\"paid\"} 3",
        "bursar_decisions_total{scheme=\"beijing_career_boost_2023\",outcome=\"not_eligible\"} 1",
        "bursar_request_errors_total{kind=\"not_found\"} 1",
        "bursar_request_errors_total{kind=\"method_not_allowed\"} 1",
        "bursar_scheme_info{scheme=\"household_rebate\"",
    ] {
        assert!(text.contains(name), "no `{name}` in\n{text}");
    }
    assert!(server.stop().success());
}

#[test]
fn a_decision_is_byte_for_byte_what_eval_prints() {
    let dir = folder("identical");
    let lines = dir.join("applicants.jsonl");
    std::fs::write(&lines, format!("{PAID}\n{VOC}\n{NOT_A_MEMBER}\n")).unwrap();
    let cli = |command: &str| -> Vec<String> {
        let o = bursar(&[command, POLICY, "--applicants", lines.to_str().unwrap()]);
        stdout(&o).lines().map(str::to_string).collect()
    };
    let (evals, explains) = (cli("eval"), cli("explain"));
    let server = Server::start(&[POLICY]);
    for (i, applicant) in [PAID, VOC, NOT_A_MEMBER].iter().enumerate() {
        let (_, text) = post(
            &server.agent,
            &server.url("/v1/decide"),
            &one(SCHEME, applicant),
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&v["decision"]).unwrap(), evals[i]);
        // The decision's bytes are in the answer as they are.
        assert!(text.contains(&evals[i]));
        let (_, text) = post(
            &server.agent,
            &server.url("/v1/explain"),
            &one(SCHEME, applicant),
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_string(&v["explanation"]).unwrap(),
            explains[i]
        );
    }
    // A batch answers each in order, as the lines do.
    let (status, v) = server.post("/v1/decide", &batch(SCHEME, &[PAID, VOC, NOT_A_MEMBER]));
    assert_eq!(status, 200);
    let decisions: Vec<String> = v["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    assert_eq!(decisions, evals);
}

#[test]
fn a_bad_request_lists_every_problem_with_its_pointer() {
    let server = Server::start(&[POLICY]);
    let problems = |body: &str| -> Vec<(String, String)> {
        let (status, v) = server.post("/v1/decide", body);
        assert_eq!(status, 400, "{body}: {v}");
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["pointer"].as_str().unwrap().to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pointers =
        |body: &str| -> Vec<String> { problems(body).into_iter().map(|(p, _)| p).collect() };
    assert!(problems("{not json")[0].1.contains("not JSON"));
    assert_eq!(pointers("[]"), vec![""]);
    assert_eq!(
        pointers(r#"{"scheme": "nope", "applicant": {}, "colour": 1}"#),
        vec!["/colour", "/scheme"]
    );
    assert!(problems(r#"{"scheme": "nope", "applicant": {}}"#)[0]
        .1
        .contains("served: `beijing_career_boost_2023`"));
    // Unknown, wrong and missing fields, in one applicant and in a batch.
    let wrong = r#"{"person_id": "W3", "member_card": "yes", "voc_levle": 1}"#;
    let found = problems(&one(SCHEME, wrong));
    let at: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        at,
        vec![
            "/applicant/member_card",
            "/applicant/voc_levle",
            "/applicant/voc_boosted_before"
        ],
        "{found:?}"
    );
    assert!(
        found[1].1.contains("unknown field `voc_levle`"),
        "{found:?}"
    );
    assert!(found[2].1.contains("required"), "{found:?}");
    assert_eq!(
        pointers(&batch(
            SCHEME,
            &[
                PAID,
                PAID,
                PAID,
                r#"{"person_id": "W", "member_card": true, "voc_boosted_before": false, "voc_level": "one"}"#
            ]
        )),
        vec!["/applicants/3/voc_level"]
    );
    assert_eq!(
        pointers(&format!(r#"{{"scheme": "{SCHEME}", "applicants": {{}}}}"#)),
        vec!["/applicants"]
    );
    // Nothing refused was decided.
    let (_, metrics) = server.get("/metrics");
    assert!(!metrics.contains("bursar_decisions_total{"), "{metrics}");
    assert_eq!(
        metric(
            &metrics,
            "bursar_request_errors_total{kind=\"bad_request\"}"
        ),
        5
    );
    assert_eq!(
        metric(
            &metrics,
            "bursar_request_errors_total{kind=\"unknown_scheme\"}"
        ),
        2
    );
}

#[test]
fn an_oversized_body_is_refused_with_413() {
    let server = Server::start(&[POLICY, "--max-body", "4096"]);
    let many = vec![PAID; 40];
    let body = batch(SCHEME, &many);
    assert!(body.len() > 4096);
    let (status, v) = server.post("/v1/decide", &body);
    assert_eq!(status, 413, "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("4096"));
    // Under the limit is fine.
    let (status, _) = server.post("/v1/decide", &batch(SCHEME, &many[..10]));
    assert_eq!(status, 200);
    let (_, metrics) = server.get("/metrics");
    assert_eq!(
        metric(&metrics, "bursar_request_errors_total{kind=\"too_large\"}"),
        1
    );
}

#[test]
fn twenty_reloads_under_load_fail_no_request_and_a_bad_bundle_keeps_the_old() {
    let dir = folder("reload");
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    let hash_a = compile(Path::new(POLICY), &a, &[]);
    let hash_b = compile(&variant(&dir, 2500), &b, &[]);
    assert_ne!(hash_a, hash_b);
    let served = dir.join("served.json");
    install(&a, &served);
    let server = Server::start(&[served.to_str().unwrap(), "--watch", "0"]);

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let answered = Arc::new(AtomicU64::new(0));
    let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (stop, failures, answered, seen) = (
                Arc::clone(&stop),
                Arc::clone(&failures),
                Arc::clone(&answered),
                Arc::clone(&seen),
            );
            let url = server.url("/v1/decide");
            let body = if i % 2 == 0 {
                one(SCHEME, VOC)
            } else {
                batch(SCHEME, &[VOC, PAID, NOT_A_MEMBER])
            };
            std::thread::spawn(move || {
                let agent = agent();
                while !stop.load(Ordering::Relaxed) {
                    match agent.post(&url).send(&body) {
                        Ok(mut r) if r.status() == 200 => {
                            let v: serde_json::Value =
                                serde_json::from_str(&r.body_mut().read_to_string().unwrap())
                                    .unwrap();
                            seen.lock()
                                .unwrap()
                                .insert(v["bundle_hash"].as_str().unwrap().to_string());
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => failures
                            .lock()
                            .unwrap()
                            .push(format!("status {}", r.status())),
                        Err(e) => failures.lock().unwrap().push(e.to_string()),
                    }
                }
            })
        })
        .collect();
    for swap in 0..20 {
        let (from, hash) = if swap % 2 == 0 {
            (&b, &hash_b)
        } else {
            (&a, &hash_a)
        };
        install(from, &served);
        server.signal("HUP");
        server.wait_for("the swap", |s| s.hash(SCHEME) == *hash);
        // Some requests are answered by each bundle in turn.
        let before = answered.load(Ordering::Relaxed);
        server.wait_for("requests", |_| {
            answered.load(Ordering::Relaxed) > before + 5
        });
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(*failures.lock().unwrap(), Vec::<String>::new());
    assert_eq!(seen.lock().unwrap().len(), 2);
    let (_, metrics) = server.get("/metrics");
    assert_eq!(metric(&metrics, "bursar_reloads_total{result=\"ok\"}"), 20);
    assert_eq!(metric(&metrics, "bursar_reload_stale"), 0);

    // A bad bundle: the old one stays, and it is said.
    std::fs::write(&served, "{\"format\": 4, \"truncated").unwrap();
    server.signal("HUP");
    server.wait_for("the refusal", |s| {
        metric(
            &s.get("/metrics").1,
            "bursar_reloads_total{result=\"failed\"}",
        ) == 1
    });
    assert_eq!(server.hash(SCHEME), hash_a);
    let (_, metrics) = server.get("/metrics");
    assert_eq!(metric(&metrics, "bursar_reload_stale"), 1);
    assert!(
        server
            .log()
            .contains("still serving beijing_career_boost_2023"),
        "{}",
        server.log()
    );
    let (status, _) = server.post("/v1/decide", &one(SCHEME, VOC));
    assert_eq!(status, 200);
}

#[test]
fn a_changed_file_is_reloaded_without_a_signal() {
    let dir = folder("watch");
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    let hash_a = compile(Path::new(POLICY), &a, &[]);
    let hash_b = compile(&variant(&dir, 3000), &b, &[]);
    let served = dir.join("served.json");
    install(&a, &served);
    let server = Server::start(&[served.to_str().unwrap(), "--watch", "0.05"]);
    assert_eq!(server.hash(SCHEME), hash_a);
    install(&b, &served);
    server.wait_for("the new bundle", |s| s.hash(SCHEME) == hash_b);
    let (_, v) = server.post("/v1/decide", &one(SCHEME, VOC));
    assert_eq!(v["decision"]["paid"], "3000.00");
    assert!(server.log().contains("a file changed"), "{}", server.log());
}

#[test]
fn sigterm_stops_the_server_after_writing_its_log() {
    let dir = folder("sigterm");
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[POLICY, "--decision-log", log.to_str().unwrap()]);
    for _ in 0..25 {
        let (status, _) = server.post("/v1/decide", &batch(SCHEME, &[VOC, PAID]));
        assert_eq!(status, 200);
    }
    let said = Arc::clone(&server.stderr);
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 50);
    // Applicants' data: not for every user of the machine.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(said
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("shutting down")));
}

/// Every line of a log and its rotated files, oldest first.
fn log_lines(log: &Path, keep: u32) -> Vec<serde_json::Value> {
    let mut files: Vec<PathBuf> = (1..=keep)
        .rev()
        .map(|n| PathBuf::from(format!("{}.{n}", log.display())))
        .collect();
    files.push(log.to_path_buf());
    files
        .iter()
        .filter(|f| f.exists())
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_decision_log_rotates_redacts_and_keeps_what_it_should() {
    let dir = folder("log");
    let log = dir.join("decisions.jsonl");
    let key = dir.join("redact.key");
    std::fs::write(&key, [42u8; 32]).unwrap();
    let server = Server::start(&[
        POLICY,
        "--decision-log",
        log.to_str().unwrap(),
        "--log-max-bytes",
        "3000",
        "--log-keep",
        "2",
        "--redact",
        "person_id,voc_issuer",
        "--redact-key",
        key.to_str().unwrap(),
    ]);
    let mut request = server
        .agent
        .post(&server.url("/v1/decide"))
        .header("x-request-id", "req-42")
        .send(batch(SCHEME, &[VOC, PAID]))
        .unwrap();
    assert_eq!(request.headers()["x-request-id"], "req-42");
    let _ = request.body_mut().read_to_string();
    for _ in 0..30 {
        let (status, _) = server.post("/v1/decide", &one(SCHEME, VOC));
        assert_eq!(status, 200);
    }
    let (_, metrics) = server.get("/metrics");
    assert!(server.stop().success());
    // Rotated by size: the current file and two old ones, no third.
    assert!(PathBuf::from(format!("{}.2", log.display())).exists());
    assert!(!PathBuf::from(format!("{}.3", log.display())).exists());
    for f in [log.clone(), PathBuf::from(format!("{}.1", log.display()))] {
        assert!(std::fs::metadata(&f).unwrap().len() <= 3000);
    }
    assert!(metric(&metrics, "bursar_decision_log_rotations_total") >= 2);
    let lines = log_lines(&log, 2);
    // The newest are kept; the oldest went with the rotation.
    let last = &lines[lines.len() - 1];
    assert_eq!(last["scheme"], SCHEME);
    assert_eq!(last["outcome"], "paid");
    assert_eq!(last["paid"], "2000.00");
    assert_eq!(last["awards"][0]["category"], "vocational");
    assert!(last["clauses"]
        .as_array()
        .unwrap()
        .contains(&"三(一)".into()));
    assert!(last["time"].as_str().unwrap().ends_with('Z'));
    assert!(last["applicant"]["voc_level"] == 1);
    // Redacted: a keyed hash, the same for the same value, never the value.
    let id = last["applicant"]["person_id"].as_str().unwrap();
    assert!(id.starts_with("hmac-sha256:"), "{id}");
    for l in &lines {
        let text = l.to_string();
        assert!(
            !text.contains("W4") && !text.contains("beijing_center"),
            "{text}"
        );
        if l["applicant"]["voc_level"] == 1 {
            assert_eq!(l["applicant"]["person_id"], id);
        }
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("\"W4\""));
    // A choice redacted cannot be decided again, and replay says so for
    // each line (a text field redacted can: see `logged`).
    let (code, v) = replay(&[
        &format!("{}.2", log.display()),
        &format!("{}.1", log.display()),
        log.to_str().unwrap(),
        "--bundle",
        POLICY,
    ]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["totals"]["undecidable"], lines.len());
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("/voc_issuer"));
    // The batch's request, if still kept, names its id and items.
    if let Some(first) = lines.iter().find(|l| l["request_id"] == "req-42") {
        assert!(first["item"].is_u64());
    }
}

#[test]
fn sampling_logs_the_share_asked_and_counts_the_rest() {
    let dir = folder("sample");
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        POLICY,
        "--decision-log",
        log.to_str().unwrap(),
        "--log-sample",
        "0.25",
    ]);
    let (status, _) = server.post("/v1/decide", &batch(SCHEME, &[VOC; 20]));
    assert_eq!(status, 200);
    let (_, metrics) = server.get("/metrics");
    assert!(server.stop().success());
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 5);
    assert_eq!(
        metric(&metrics, "bursar_decision_log_sampled_out_total"),
        15
    );
    assert_eq!(metric(&metrics, "bursar_decision_log_dropped_total"), 0);
}

/// A log of a few decisions by the 2023 bundle, its identifiers redacted;
/// the bundle's path.
fn logged(dir: &Path) -> (PathBuf, PathBuf) {
    let bundle = dir.join("2023.json");
    compile(Path::new(POLICY), &bundle, &[]);
    let log = dir.join("decisions.jsonl");
    // The identifier redacted: text, so the log still decides again.
    let key = dir.join("redact.key");
    std::fs::write(&key, [9u8; 32]).unwrap();
    let server = Server::start(&[
        bundle.to_str().unwrap(),
        "--decision-log",
        log.to_str().unwrap(),
        "--redact",
        "person_id",
        "--redact-key",
        key.to_str().unwrap(),
    ]);
    let (status, _) = server.post("/v1/decide", &batch(SCHEME, &[VOC, PAID, NOT_A_MEMBER]));
    assert_eq!(status, 200);
    assert!(server.stop().success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains("\"W4\"") && text.contains("hmac-sha256:"),
        "{text}"
    );
    (log, bundle)
}

fn replay(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["replay"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = bursar(&all);
    let v = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap(), v)
}

#[test]
fn replay_with_the_same_bundle_changes_nothing_and_verifies_the_log() {
    let dir = folder("replay-same");
    let (log, bundle) = logged(&dir);
    let (code, v) = replay(&[log.to_str().unwrap(), "--bundle", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["totals"]["replayed"], 3);
    assert_eq!(v["totals"]["verified"], 3);
    assert_eq!(v["totals"]["changed"], 0);
    assert_eq!(v["totals"]["by_outcome"]["paid"]["count_after"], 2);
    assert_eq!(v["totals"]["by_outcome"]["paid"]["paid_after"], "4000.00");
    // Text and CSV say the same.
    let o = bursar(&[
        "replay",
        log.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
    ]);
    assert!(
        stdout(&o).contains("replayed 3, changed 0"),
        "{}",
        stdout(&o)
    );
    let o = bursar(&[
        "replay",
        log.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(
        stdout(&o).starts_with("kind,file,line,request_id"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("outcome,,,,,paid,2,2,,,4000.00,4000.00,"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn replay_with_next_years_draft_shows_each_change_with_both_explanations() {
    let dir = folder("replay-draft");
    let (log, bundle) = logged(&dir);
    let draft = dir.join("2024.json");
    compile(Path::new(DRAFT), &draft, &[]);
    // The draft is another scheme: without `--scheme` nothing is replayed,
    // and it is said.
    let (_, v) = replay(&[log.to_str().unwrap(), "--bundle", draft.to_str().unwrap()]);
    assert_eq!(v["totals"]["replayed"], 0);
    assert_eq!(v["totals"]["other_schemes"][SCHEME], 3);
    let (code, v) = replay(&[
        log.to_str().unwrap(),
        "--bundle",
        draft.to_str().unwrap(),
        "--scheme",
        SCHEME,
        "--against",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["totals"]["verified"], 3);
    let changes = v["findings"].as_array().unwrap();
    assert!(!changes.is_empty(), "{v}");
    for c in changes {
        assert_eq!(c["kind"], "changed");
        assert!(c["line"].as_u64().unwrap() >= 1);
        assert!(c["before_explanation"]["categories"].is_array(), "{c}");
        assert!(c["after_explanation"]["categories"].is_array(), "{c}");
        assert_ne!(c["before"], c["after"]);
    }
    // The certificate of 2021 falls outside the draft's window.
    let voc = changes.iter().find(|c| c["item"] == 0).unwrap();
    assert_eq!(voc["before"]["outcome"], "paid");
    assert_eq!(voc["after"]["outcome"], "not_eligible");
    assert_eq!(
        v["totals"]["by_category"]["vocational"]["paid_before"],
        "2000.00"
    );
    // The text report shows both explanations in full.
    let o = bursar(&[
        "replay",
        log.to_str().unwrap(),
        "--bundle",
        draft.to_str().unwrap(),
        "--scheme",
        SCHEME,
        "--against",
        bundle.to_str().unwrap(),
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("before, explained:") && text.contains("after, explained:"),
        "{text}"
    );
}

#[test]
fn replay_reports_a_tampered_line_as_an_integrity_error() {
    let dir = folder("replay-tampered");
    let (log, bundle) = logged(&dir);
    let text = std::fs::read_to_string(&log).unwrap();
    let tampered = text.replacen("\"paid\":\"2000.00\"", "\"paid\":\"20000.00\"", 1);
    assert_ne!(tampered, text);
    std::fs::write(&log, format!("{tampered}not a record\n")).unwrap();
    let (code, v) = replay(&[log.to_str().unwrap(), "--bundle", bundle.to_str().unwrap()]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["totals"]["integrity_errors"], 1);
    assert_eq!(v["totals"]["unreadable"], 1);
    let e = &v["findings"][0];
    assert_eq!(e["kind"], "integrity_error");
    assert_eq!(e["line"], 1);
    assert_eq!(e["logged"]["paid"], "20000.00");
    assert_eq!(e["decided"]["paid"], "2000.00");
    assert_eq!(v["findings"][1]["kind"], "unreadable");
    assert_eq!(v["findings"][1]["line"], 4);
}

#[test]
fn with_trust_only_bundles_signed_by_a_trusted_key_are_served() {
    let dir = folder("trust");
    let key = dir.join("key");
    let other = dir.join("other");
    for k in [&key, &other] {
        let o = bursar(&["keygen", "-o", k.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let public = format!("{}.pub", key.display());
    let signed = dir.join("signed.json");
    let hash = compile(
        Path::new(POLICY),
        &signed,
        &["--sign", key.to_str().unwrap()],
    );
    let unsigned = dir.join("unsigned.json");
    compile(Path::new(POLICY), &unsigned, &[]);
    let wrongly = dir.join("wrongly.json");
    compile(
        &variant(&dir, 900),
        &wrongly,
        &["--sign", other.to_str().unwrap()],
    );

    let refused = |scheme: &Path, message: &str| {
        let o = bursar(&[
            "serve",
            scheme.to_str().unwrap(),
            "--trust",
            &public,
            "--listen",
            "127.0.0.1:0",
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains(message), "{}", stderr(&o));
    };
    refused(&unsigned, "the bundle is not signed");
    refused(&wrongly, "not a trusted key");
    refused(Path::new(POLICY), "only signed bundles are served");

    let served = dir.join("served.json");
    install(&signed, &served);
    let server = Server::start(&[served.to_str().unwrap(), "--trust", &public, "--watch", "0"]);
    let (status, _) = server.post("/v1/decide", &one(SCHEME, VOC));
    assert_eq!(status, 200);
    // A reload to an unsigned bundle is refused; the signed one stays.
    install(&unsigned, &served);
    server.signal("HUP");
    server.wait_for("the refusal", |s| {
        metric(
            &s.get("/metrics").1,
            "bursar_reloads_total{result=\"failed\"}",
        ) == 1
    });
    assert_eq!(server.hash(SCHEME), hash);
    assert!(
        server.log().contains("the bundle is not signed"),
        "{}",
        server.log()
    );
}

#[test]
fn a_misspelt_redacted_field_is_refused_before_anything_is_logged() {
    let dir = folder("redact-typo");
    let key = dir.join("redact.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    let log = dir.join("decisions.jsonl");
    let o = bursar(&[
        "serve",
        POLICY,
        "--listen",
        "127.0.0.1:0",
        "--decision-log",
        log.to_str().unwrap(),
        "--redact",
        "person_idd",
        "--redact-key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no scheme served has a field `person_idd`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_decision_is_logged_or_counted_when_the_queue_is_full() {
    let dir = folder("queue");
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        POLICY,
        "--decision-log",
        log.to_str().unwrap(),
        "--log-queue",
        "1",
    ]);
    let many = vec![VOC; 2000];
    let (status, _) = server.post("/v1/decide", &batch(SCHEME, &many));
    assert_eq!(status, 200);
    let (_, metrics) = server.get("/metrics");
    assert!(server.stop().success());
    let written = std::fs::read_to_string(&log).unwrap().lines().count() as u64;
    let dropped = metric(&metrics, "bursar_decision_log_dropped_total");
    // The count of written lines read after shutdown: everything queued
    // was written out.
    assert_eq!(
        written + dropped,
        2000,
        "written {written}, dropped {dropped}"
    );
    assert!(written >= metric(&metrics, "bursar_decision_log_written_total"));
}

#[test]
fn a_body_that_does_not_arrive_in_time_gets_408() {
    use std::io::{Read, Write};
    let server = Server::start(&[POLICY, "--body-timeout", "0.2"]);
    let mut tcp = std::net::TcpStream::connect(&server.address).unwrap();
    tcp.set_read_timeout(Some(PATIENCE)).unwrap();
    // A body announced as 100 bytes, of which 10 are sent.
    write!(
        tcp,
        "POST /v1/decide HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{{\"scheme\":"
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n{") {
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    // The server goes on answering.
    let (status, _) = server.post("/v1/decide", &one(SCHEME, VOC));
    assert_eq!(status, 200);
}

#[test]
fn a_connection_that_never_finishes_its_headers_is_closed() {
    use std::io::{Read, Write};
    let server = Server::start(&[POLICY, "--header-timeout", "0.2"]);
    let mut tcp = std::net::TcpStream::connect(&server.address).unwrap();
    tcp.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(tcp, "POST /v1/decide HTTP/1.1\r\nhost: x\r\n").unwrap();
    let mut rest = Vec::new();
    // Read to the end: the server closes the connection (after a 408, if
    // it says anything).
    let _ = tcp.read_to_end(&mut rest);
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[test]
fn shutdown_does_not_wait_past_its_timeout_for_a_stuck_request() {
    use std::io::Write;
    let server = Server::start(&[POLICY, "--shutdown-timeout", "0.3"]);
    let mut tcp = std::net::TcpStream::connect(&server.address).unwrap();
    // A request whose body never comes (the body timeout is 30 s).
    write!(
        tcp,
        "POST /v1/decide HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{{"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let said = Arc::clone(&server.stderr);
    let started = Instant::now();
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        said.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("shutdown timeout")),
        "{:?}",
        said.lock().unwrap()
    );
}
