//! `--format html`: one self-contained page per report, checked in a real
//! browser. Headless Chromium (Debian's `chromium`, installed by `.ci/run`)
//! loads each page and the tests read what it did: console messages, the
//! drawn charts, the layout at the width of an A4 page, and the PDF it
//! prints.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use common::{bursar, simulate_synth, stderr, stdout, temp};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const SAMPLE: &str = "policies/beijing/data/population-sample.csv";
const RAISE: &str = "policies/beijing/scenarios/raise-level1.toml";

/// The browser CI installs. A missing one fails the test: a browser test
/// that passes without a browser has tested nothing.
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one browser run may take before it is killed.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The printable width of an A4 page (210 mm) less the report's 15 mm
/// margins, in CSS pixels (96 per inch): 180 mm.
const A4_CONTENT_PX: u32 = 680;

fn chromium() -> &'static str {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run `.ci/run` (it installs Debian's `chromium`) or `apt-get install -y chromium`"
    );
    CHROMIUM
}

/// A browser process, killed with everything it started if it is still
/// running when dropped (a test that fails mid-way leaves nothing behind).
struct Browser {
    child: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill_group(&self.child);
            let _ = self.child.wait();
        }
    }
}

/// Kills the browser's process group: the browser and its helpers.
fn kill_group(child: &Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
}

/// What one headless run gave: the DOM it dumped and what it logged.
struct Run {
    dom: String,
    log: String,
}

/// Runs headless Chromium on `page` with `extra` arguments, in a fresh
/// profile, with no network use of its own, and waits at most
/// [`BROWSER_TIMEOUT`].
fn headless(page: &Path, extra: &[String]) -> Run {
    use std::os::unix::process::CommandExt;
    let profile = temp(&format!(
        "profile-{}",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let out = temp(&format!(
        "{}.stdout",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let err = temp(&format!(
        "{}.stderr",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let mut command = Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0);
    let mut browser = Browser {
        child: command.spawn().unwrap(),
    };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = browser.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < BROWSER_TIMEOUT,
            "chromium took more than {BROWSER_TIMEOUT:?} on {}",
            page.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let run = Run {
        dom: std::fs::read_to_string(&out).unwrap(),
        log: std::fs::read_to_string(&err).unwrap(),
    };
    assert!(status.success(), "chromium failed ({status}):\n{}", run.log);
    let _ = std::fs::remove_dir_all(&profile);
    run
}

/// The page's console messages and load failures, as Chromium logs them.
fn console_problems(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Refused to")
                || l.contains("net::ERR_")
        })
        .collect()
}

/// Loads the page and checks it logged nothing and drew its charts; returns
/// the rendered DOM.
fn renders_cleanly(page: &Path, charts: &[&str]) -> String {
    let run = headless(page, &["--dump-dom".into()]);
    let problems = console_problems(&run.log);
    assert!(
        problems.is_empty(),
        "console messages from {}:\n{}",
        page.display(),
        problems.join("\n")
    );
    assert!(run.dom.contains("<svg"), "no SVG in the rendered DOM");
    for chart in charts {
        let start = run
            .dom
            .find(&format!("class=\"chart {chart}\""))
            .unwrap_or_else(|| panic!("no `{chart}` chart in the rendered DOM"));
        let end = start + run.dom[start..].find("</svg>").unwrap();
        let svg = &run.dom[start..end];
        assert!(
            svg.contains("<rect") || svg.contains("<path"),
            "the `{chart}` chart has no bars or paths:\n{svg}"
        );
    }
    run.dom
}

/// Measures the page as Chromium lays it out at the printable width of an
/// A4 page: a copy with a script (the page itself has none, and its
/// content security policy would refuse one) that writes what it finds
/// into the DOM.
fn layout_at_a4_width(page: &Path) -> serde_json::Value {
    let html = std::fs::read_to_string(page).unwrap();
    let measure = r#"<script>
const width = document.documentElement.clientWidth;
const over = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5)
  .map(e => e.tagName + '.' + e.getAttribute('class'));
const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('rect.bar, path.line, path.band')]
    .filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; }).length;
  return { class: svg.getAttribute('class'), width: box.width, height: box.height, marks };
});
const pre = document.createElement('pre');
pre.id = 'layout-check';
pre.textContent = JSON.stringify({ width, scroll: document.documentElement.scrollWidth, over, charts });
document.body.appendChild(pre);
</script>"#;
    let copy: String = html
        .lines()
        .filter(|l| !l.contains("Content-Security-Policy"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("</body>", &format!("{measure}\n</body>"));
    let measured = page.with_file_name(format!(
        "{}-measured.html",
        page.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::write(&measured, copy).unwrap();
    let run = headless(
        &measured,
        &[
            "--dump-dom".into(),
            format!("--window-size={A4_CONTENT_PX},1000"),
        ],
    );
    let start = run.dom.find("<pre id=\"layout-check\">").unwrap() + 23;
    let end = start + run.dom[start..].find("</pre>").unwrap();
    let json = run.dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// Checks nothing sticks out past an A4 page's printable width and every
/// chart is drawn with visible marks.
fn fits_a4_width(page: &Path, charts: &[&str]) {
    let layout = layout_at_a4_width(page);
    assert!(
        layout["over"].as_array().unwrap().is_empty()
            && layout["scroll"].as_f64() <= layout["width"].as_f64(),
        "content wider than an A4 page: {layout}"
    );
    let drawn = layout["charts"].as_array().unwrap();
    for chart in charts {
        let c = drawn
            .iter()
            .find(|c| c["class"].as_str().unwrap().split(' ').any(|k| k == *chart))
            .unwrap_or_else(|| panic!("no `{chart}` chart laid out: {layout}"));
        assert!(
            c["width"].as_f64().unwrap() > 100.0 && c["height"].as_f64().unwrap() > 50.0,
            "the `{chart}` chart is too small: {c}"
        );
        assert!(
            c["marks"].as_u64().unwrap() > 0,
            "the `{chart}` chart has no visible marks: {c}"
        );
    }
}

/// Prints the page to PDF and checks every page is A4 (595 × 842 points);
/// returns the number of pages.
fn prints_on_a4(page: &Path) -> usize {
    let pdf = page.with_extension("pdf");
    let _ = std::fs::remove_file(&pdf);
    let run = headless(
        page,
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    let problems = console_problems(&run.log);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<&str> = text
        .match_indices("/MediaBox")
        .map(|(i, _)| {
            let rest = &text[i..];
            &rest[..rest.find(']').unwrap() + 1]
        })
        .collect();
    assert!(!boxes.is_empty(), "no page in the PDF");
    for b in &boxes {
        let numbers: Vec<f64> = b
            .trim_start_matches("/MediaBox")
            .trim()
            .trim_matches(|c| c == '[' || c == ']')
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let (w, h) = (numbers[2] - numbers[0], numbers[3] - numbers[1]);
        assert!(
            (w - 595.0).abs() < 1.5 && (h - 842.0).abs() < 1.5,
            "a page is not A4: {b}"
        );
    }
    boxes.len()
}

/// Runs `bursar ARGS… --format html -o FILE` and returns the page.
fn write_html(args: &[&str], name: &str) -> (PathBuf, String) {
    let page = temp(name);
    let mut all = args.to_vec();
    let path = page.display().to_string();
    all.extend(["--format", "html", "-o", &path]);
    let o = bursar(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "-o writes the page, not stdout");
    let html = std::fs::read_to_string(&page).unwrap();
    (page, html)
}

#[test]
fn the_sample_report_renders_in_chromium_and_prints_on_a4() {
    let (page, html) = write_html(&["simulate", POLICY, "--population", SAMPLE], "sample.html");
    let dom = renders_cleanly(&page, &["cash-flow", "by-category", "by-amount"]);
    assert!(dom.contains("16,800.00"), "the total is on the page");
    fits_a4_width(&page, &["cash-flow", "by-category", "by-amount"]);
    let pages = prints_on_a4(&page);
    assert!((1..=6).contains(&pages), "{pages} pages");
    insta::assert_snapshot!("sample_report_html", html);
}

#[test]
fn a_comparison_renders_in_chromium_and_prints_on_a4() {
    let (page, html) = write_html(
        &["compare", POLICY, RAISE, "--population", SAMPLE],
        "compare.html",
    );
    let charts = ["changes", "category-change", "cash-flow"];
    renders_cleanly(&page, &charts);
    fits_a4_width(&page, &charts);
    prints_on_a4(&page);
    // The figures of the text report: the change in money and the gainers.
    for figure in ["+2,500.00", "19,300.00", "+500.00"] {
        assert!(html.contains(figure), "`{figure}` on the page");
    }
}

#[test]
fn the_console_check_sees_a_script_error() {
    // The check above is only worth something if it sees a broken page.
    let page = temp("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><script>console.error('drawn wrong'); undefinedFunction();</script></body></html>",
    )
    .unwrap();
    let run = headless(&page, &["--dump-dom".into()]);
    let problems = console_problems(&run.log);
    assert!(
        problems.iter().any(|l| l.contains("drawn wrong")),
        "{}",
        run.log
    );
}

#[test]
fn the_page_is_self_contained_in_the_schemes_language() {
    let (_, html) = write_html(
        &["simulate", POLICY, "--population", SAMPLE],
        "language.html",
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"zh\">"), "a Chinese scheme");
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("@page { size: A4"));
    assert!(
        html.contains("<title>2023年在职职工职业发展助推计划实施方案"),
        "the scheme's title"
    );
    // Nothing to fetch: no scripts, no links, no external references.
    for banned in [
        "<script", "<link", "<img", "<iframe", "url(", "@import", "http://", "https://",
    ] {
        assert!(
            !html.contains(banned),
            "`{banned}` on a self-contained page"
        );
    }
    // Every category's figure cites its clause, with the clause's text.
    for clause in ["§二(一)", "§二(二)", "§二(三)"] {
        assert!(html.contains(clause), "`{clause}` cited");
    }
    assert!(html.contains("title=\"§二(一) 获得北京市职业技能鉴定管理中心颁发"));
    // Amounts cite the payout table rows that pay them.
    assert!(html.contains("§三(一)"));
}

#[test]
fn without_o_the_page_goes_to_stdout() {
    let o = bursar(&[
        "simulate",
        POLICY,
        "--population",
        SAMPLE,
        "--format",
        "html",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
}

#[test]
fn user_text_is_escaped() {
    // A label in a policy file and a file name are user text.
    let dir = temp("escape");
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("scheme.bursar");
    let source = std::fs::read_to_string(POLICY).unwrap().replace(
        "\"国家职业资格证书\"",
        "\"<b>证书</b> & <script>x()</script>\"",
    );
    std::fs::write(&policy, source).unwrap();
    let population = dir.join("a<i>&b.csv");
    std::fs::copy(SAMPLE, &population).unwrap();
    let (page, html) = write_html(
        &[
            "simulate",
            policy.to_str().unwrap(),
            "--population",
            population.to_str().unwrap(),
        ],
        "escape.html",
    );
    assert!(!html.contains("<b>证书") && !html.contains("<script"));
    assert!(html.contains("&lt;b&gt;证书&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;"));
    assert!(html.contains("a&lt;i&gt;&amp;b.csv"));
    renders_cleanly(&page, &["by-category"]);
}

#[test]
fn o_never_overwrites_the_population_or_the_scheme() {
    let dir = temp("overwrite");
    std::fs::create_dir_all(&dir).unwrap();
    let population = dir.join("people.csv");
    std::fs::copy(SAMPLE, &population).unwrap();
    let policy = dir.join("scheme.bursar");
    std::fs::copy(POLICY, &policy).unwrap();
    let (p, s) = (population.to_str().unwrap(), policy.to_str().unwrap());
    for target in [p, s] {
        let o = bursar(&[
            "simulate",
            s,
            "--population",
            p,
            "--format",
            "html",
            "-o",
            target,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("would overwrite"), "{}", stderr(&o));
    }
    assert_eq!(
        std::fs::read(&population).unwrap(),
        std::fs::read(SAMPLE).unwrap()
    );
    assert_eq!(
        std::fs::read(&policy).unwrap(),
        std::fs::read(POLICY).unwrap()
    );
}

#[test]
fn hundreds_of_amounts_are_drawn_as_ranges_and_all_listed() {
    // A rebate computed to the fen pays hundreds of distinct amounts: one
    // bar each would make a chart metres long.
    let policy = "policies/examples/household-rebate.bursar";
    let (people, members) = (temp("households.csv"), temp("members.csv"));
    let (p, m) = (people.to_str().unwrap(), members.to_str().unwrap());
    let list = format!("members={m}");
    let o = bursar(&[
        "synth", "--scheme", policy, "--rows", "3000", "--seed", "1", "-o", p, "--list", &list,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = bursar(&[
        "simulate",
        policy,
        "--population",
        p,
        "--list",
        &list,
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let amounts = json["paid_by_amount"].as_array().unwrap().len();
    assert!(amounts > 100, "{amounts} amounts");
    let (page, html) = write_html(
        &["simulate", policy, "--population", p, "--list", &list],
        "rebate.html",
    );
    let start = html.find("class=\"chart by-amount\"").unwrap();
    let chart = &html[start..start + html[start..].find("</svg>").unwrap()];
    let bars = chart.matches("<rect class=\"bar").count();
    assert!((2..=24).contains(&bars), "{bars} bars");
    // The table still lists every amount, as the text report does.
    let section = &html[html.find("<section id=\"amounts\">").unwrap()..];
    let table = &section[..section.find("</section>").unwrap()];
    assert_eq!(table.matches("<tr><td class=\"n\">").count(), amounts);
    renders_cleanly(&page, &["by-amount", "by-category"]);
    fits_a4_width(&page, &["by-amount"]);
}

#[test]
fn quotas_payers_rounds_and_instalments_have_their_tables_and_fit_a4() {
    // Each example scheme over a synthetic population: its own section,
    // with its clauses, on a page no wider than A4.
    for (policy, section, list, lang) in [
        ("policies/examples/quota-pools.bursar", "quotas", None, "en"),
        (
            "policies/examples/district-top-up.bursar",
            "payers",
            None,
            "zh",
        ),
        (
            "policies/examples/three-payments.bursar",
            "rounds",
            Some("spells"),
            "en",
        ),
        (
            "policies/examples/study-grant.bursar",
            "instalments",
            None,
            "en",
        ),
    ] {
        let name = Path::new(policy).file_stem().unwrap().to_string_lossy();
        let run = simulate_synth(policy, list, 2000);
        let args: Vec<&str> = run.iter().map(String::as_str).collect();
        let (page, html) = write_html(&args, &format!("{name}.html"));
        let start = html
            .find(&format!("<section id=\"{section}\">"))
            .unwrap_or_else(|| panic!("{policy}: no `{section}` section"));
        let body = &html[start..start + html[start..].find("</section>").unwrap()];
        assert!(body.contains("<td"), "{policy}: an empty `{section}` table");
        if section != "instalments" {
            assert!(
                body.contains("class=\"cite\""),
                "{policy}: no clause in {body}"
            );
        }
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")),
            "{policy} is in `{lang}`"
        );
        renders_cleanly(&page, &["by-category"]);
        fits_a4_width(&page, &[]);
    }
}

#[test]
fn skipped_rows_are_listed_and_escaped() {
    let population = temp("bad-row.csv");
    let mut data = std::fs::read_to_string(SAMPLE).unwrap();
    data.push_str("Z99,true,2,<beijing_center>,2022-03-01,false,,,,,2023-05-01\n");
    std::fs::write(&population, data).unwrap();
    let p = population.to_str().unwrap();
    let (page, html) = write_html(
        &[
            "simulate",
            POLICY,
            "--population",
            p,
            "--on-bad-row",
            "skip",
        ],
        "skipped.html",
    );
    let start = html.find("<section id=\"skipped\">").unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(section.contains("&lt;beijing_center&gt;"), "{section}");
    assert!(html.contains("跳过的行（数据有误）"));
    renders_cleanly(&page, &["cash-flow"]);
}

#[test]
fn solve_says_it_has_no_html_form_before_searching() {
    let o = bursar(&[
        "solve",
        POLICY,
        "--population",
        SAMPLE,
        "--budget",
        "20000",
        "--vary",
        "standard.level1",
        "--format",
        "html",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`solve` has no `--format html` yet"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn draws_put_their_band_behind_the_cash_flow() {
    let (page, html) = write_html(
        &[
            "simulate",
            POLICY,
            "--population",
            SAMPLE,
            "--take-up",
            "vocational=0.6",
            "--draws",
            "40",
        ],
        "draws.html",
    );
    let dom = renders_cleanly(&page, &["cash-flow"]);
    let start = dom.find("class=\"chart cash-flow\"").unwrap();
    let chart = &dom[start..start + dom[start..].find("</svg>").unwrap()];
    assert!(chart.contains("p5–p95 of 40 draws"), "the band is named");
    assert!(
        chart.contains("<path class=\"band\" d=\"M"),
        "the band is drawn:\n{chart}"
    );
    // Without draws there is no band.
    let (_, plain) = write_html(
        &["simulate", POLICY, "--population", SAMPLE],
        "nodraws.html",
    );
    assert!(!plain.contains("class=\"band\"") && html.contains("class=\"band\""));
}
