//! The load test of `bursar serve` (issue #16): starts the real server on a
//! loopback port with the 2023 scheme and drives it with keep-alive
//! clients, bounded in count and in time.
//!
//! 1. Throughput: batches of applicants as fast as the clients can send
//!    them; decisions per second.
//! 2. Latency: single decisions at a fixed rate (5,000 requests a second
//!    unless told), each timed from when it was due to be sent (so a
//!    stalled server is charged for the requests it held up); p50, p99,
//!    max.
//!
//! Every answer must be 200; the run fails otherwise. Not run by the tests:
//! `cargo bench --bench serve_load [-- --rate 5000 --seconds 5 --batch 100
//! --threads 2 --senders 16 --server-threads 0 --decision-log FILE]`. Figures in
//! docs/performance.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // a benchmark program

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/policies/beijing/2023-career-boost.bursar"
);
const SCHEME: &str = "beijing_career_boost_2023";

/// A few kinds of applicant, so that every path of the scheme is taken.
fn applicant(i: usize) -> String {
    match i % 5 {
        0 => format!(
            r#"{{"person_id": "V{i}", "member_card": true, "voc_level": {}, "voc_issuer": "beijing_center", "voc_issued": "2022-03-01", "voc_boosted_before": false, "applied_on": "2023-04-10"}}"#,
            1 + i % 3
        ),
        1 => format!(
            r#"{{"person_id": "C{i}", "member_card": true, "contest_year": 2022, "contest_rank": {}, "voc_boosted_before": false, "applied_on": "2023-06-01"}}"#,
            1 + i % 12
        ),
        2 => format!(
            r#"{{"person_id": "S{i}", "member_card": true, "sw_level": "senior", "sw_approved": "2022-05-01", "voc_boosted_before": false, "applied_on": "2023-11-20"}}"#
        ),
        3 => {
            format!(r#"{{"person_id": "N{i}", "member_card": false, "voc_boosted_before": false}}"#)
        }
        _ => format!(
            r#"{{"person_id": "B{i}", "member_card": true, "voc_level": 2, "voc_issuer": "other", "voc_issued": "2021-01-01", "voc_boosted_before": true}}"#
        ),
    }
}

struct Options {
    rate: u64,
    seconds: u64,
    batch: usize,
    threads: usize,
    /// Paced senders of single decisions, each at `rate / senders`.
    senders: u64,
    server_threads: usize,
    decision_log: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        rate: 5000,
        seconds: 5,
        batch: 100,
        threads: 2,
        senders: 16,
        server_threads: 0,
        decision_log: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--rate" => o.rate = value.parse().unwrap(),
            "--seconds" => o.seconds = value.parse().unwrap(),
            "--batch" => o.batch = value.parse().unwrap(),
            "--threads" => o.threads = value.parse().unwrap(),
            "--server-threads" => o.server_threads = value.parse().unwrap(),
            "--senders" => o.senders = value.parse().unwrap(),
            "--decision-log" => o.decision_log = Some(value),
            // `cargo bench` passes `--bench`.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// The server's CPU time so far (user, system), from /proc (Linux): a
/// figure that other work on a shared machine does not inflate.
fn cpu_time(pid: u32) -> (Duration, Duration) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here;
    // the kernel counts them in ticks of 1/100 s.
    (
        Duration::from_millis(ticks(11) * 10),
        Duration::from_millis(ticks(12) * 10),
    )
}

/// CPU time between two readings: (user, system, both).
fn spent(before: (Duration, Duration), after: (Duration, Duration)) -> (f64, f64, f64) {
    let user = (after.0 - before.0).as_secs_f64();
    let system = (after.1 - before.1).as_secs_f64();
    (user, system, user + system)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let o = options();
    let mut command = Command::new(env!("CARGO_BIN_EXE_bursar"));
    command.args([
        "serve",
        POLICY,
        "--listen",
        "127.0.0.1:0",
        "--watch",
        "0",
        "--threads",
        &o.server_threads.to_string(),
    ]);
    if let Some(log) = &o.decision_log {
        command.args(["--decision-log", log]);
    }
    let mut server = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("the server stopped").unwrap();
        if let Some(a) = line.strip_prefix("listening on ") {
            break a.to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let url = format!("http://{address}/v1/decide");

    // 1. Throughput with batches, bounded by count and time.
    let body: String = format!(
        r#"{{"scheme": "{SCHEME}", "applicants": [{}]}}"#,
        (0..o.batch).map(applicant).collect::<Vec<_>>().join(", ")
    );
    let requests_per_thread = 100_000 / o.batch.max(1) as u64 + 1;
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let decided = Arc::new(AtomicU64::new(0));
    // Warm up: connections open, caches filled.
    for _ in 0..20 {
        agent().post(&url).send(&body).unwrap();
    }
    let cpu_before = cpu_time(server.id());
    let start = Instant::now();
    let workers: Vec<_> = (0..o.threads)
        .map(|_| {
            let (url, body, errors, decided) = (
                url.clone(),
                body.clone(),
                Arc::clone(&errors),
                Arc::clone(&decided),
            );
            let batch = o.batch as u64;
            std::thread::spawn(move || {
                let agent = agent();
                for _ in 0..requests_per_thread {
                    if Instant::now() > deadline {
                        break;
                    }
                    match agent.post(&url).send(&body) {
                        Ok(mut r) if r.status() == 200 => {
                            let _ = r.body_mut().read_to_vec().unwrap();
                            decided.fetch_add(batch, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let took = start.elapsed();
    let n = decided.load(Ordering::Relaxed);
    println!(
        "batches of {}: {n} decisions in {:.2} s = {:.0} decisions/s, {} errors ({} client threads)",
        o.batch,
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        errors.load(Ordering::Relaxed),
        o.threads
    );
    let (user, system, cpu) = spent(cpu_before, cpu_time(server.id()));
    println!(
        "  server CPU time {cpu:.2} s ({user:.2} user, {system:.2} system): {:.1} µs a decision, so {:.0} decisions/s per core it has to itself",
        cpu * 1e6 / n.max(1) as f64,
        n as f64 / cpu.max(1e-9)
    );

    // 2. Latency of single decisions at a fixed rate.
    let total = o.rate * o.seconds;
    let senders = o.senders.max(1);
    let interval = Duration::from_secs_f64(senders as f64 / o.rate as f64);
    let cpu_before = cpu_time(server.id());
    let start = Instant::now() + Duration::from_millis(100);
    let workers: Vec<_> = (0..senders)
        .map(|t| {
            let (url, errors) = (url.clone(), Arc::clone(&errors));
            std::thread::spawn(move || {
                let agent = agent();
                // Every request of the total is sent: the first senders take
                // one more each when the total does not divide.
                let mine = total / senders + u64::from(t < total % senders);
                let mut latencies = Vec::with_capacity(mine as usize);
                // Each sender is offset by a fraction of the interval.
                let first = start + interval.mul_f64(t as f64 / senders as f64);
                for k in 0..mine {
                    let due = first + interval * k as u32;
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let body = format!(
                        r#"{{"scheme": "{SCHEME}", "applicant": {}}}"#,
                        applicant(k as usize)
                    );
                    let sent = Instant::now();
                    match agent.post(&url).send(&body) {
                        Ok(mut r) if r.status() == 200 => {
                            let _ = r.body_mut().read_to_vec().unwrap();
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    latencies.push((due.elapsed(), sent.elapsed()));
                }
                latencies
            })
        })
        .collect();
    let pairs: Vec<(Duration, Duration)> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let took = start.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // From when each was due (what a caller waits, queueing included), and
    // from when it was sent (the round trip alone).
    for (what, pick) in [
        (
            "from due",
            (|p: &(Duration, Duration)| p.0) as fn(&(Duration, Duration)) -> Duration,
        ),
        ("from sent", |p| p.1),
    ] {
        let mut all: Vec<Duration> = pairs.iter().map(pick).collect();
        all.sort();
        println!(
            "single decisions at {} req/s, {what}: {} in {:.2} s, p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
            o.rate,
            all.len(),
            took.as_secs_f64(),
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.99)),
            ms(percentile(&all, 0.999)),
            ms(all.last().copied().unwrap_or_default()),
        );
    }
    let (user, system, cpu) = spent(cpu_before, cpu_time(server.id()));
    println!(
        "  server CPU time {cpu:.2} s ({user:.2} user, {system:.2} system): {:.1} µs a request ({:.0}% of one core at this rate)",
        cpu * 1e6 / pairs.len().max(1) as f64,
        cpu * 100.0 / took.as_secs_f64()
    );
    println!("errors: {}", errors.load(Ordering::Relaxed));
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    assert_eq!(errors.load(Ordering::Relaxed), 0, "requests failed");
}
