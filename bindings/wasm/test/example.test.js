// The example page (example/) in headless Chromium: an applicant fills the
// form for sample rows E01 and E21 and sees, in Chinese, the decision the
// shared test vectors hold for them and the reasons behind it.
//
// Needs Chromium (/usr/bin/chromium, or CHROMIUM=path) and playwright-core
// (`npm ci` here); .ci/run has both.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };

const vectors = JSON.parse(readFileSync(join(ROOT, "tests/vectors/2023-career-boost.json"), "utf8"));
const row = (id) => vectors.find((v) => v.name === `population-sample.csv: ${id}`);

let server;
let browser;
let base;

before(async () => {
  // The repository served read-only on loopback, as `python3 -m http.server` would.
  server = createServer(async (req, res) => {
    let path = normalize(join(ROOT, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    if (path.endsWith(sep)) path = join(path, "index.html");
    if (!path.startsWith(ROOT) || path.includes(`${sep}.git`)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { "content-type": TYPES[extname(path)] || "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}/bindings/wasm/example/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens the page, fills the form with `applicant` and submits it. */
async function submit(applicant) {
  const page = await browser.newPage();
  const failures = [];
  page.on("pageerror", (e) => failures.push(e.message));
  await page.goto(base);
  await page.waitForSelector("#submit");
  for (const [field, value] of Object.entries(applicant)) {
    const input = page.locator(`#field-${field}`);
    const tag = await input.evaluate((e) => e.tagName);
    if (tag === "SELECT") await input.selectOption(String(value));
    else await input.fill(String(value));
  }
  await page.click("#submit");
  await page.waitForSelector("#verdict");
  assert.deepEqual(failures, []);
  return page;
}

for (const [id, outcome, words, award] of [
  ["E01", "paid", "符合条件，予以发放", "国家职业资格证书"],
  ["E21", "paid", "符合条件，予以发放", "社会工作者职业资格证书"],
]) {
  test(`${id}: the form shows the decision and why, in Chinese`, async () => {
    const v = row(id);
    assert.equal(v.decision.outcome, outcome, "the vector still says so");
    const page = await submit(v.applicant);
    assert.equal(await page.getAttribute("#verdict", "data-outcome"), v.decision.outcome);
    assert.equal(await page.textContent("#verdict"), words);
    assert.equal(await page.getAttribute("#paid", "data-amount"), v.decision.paid);
    const text = await page.textContent("#result");
    assert.ok(text.includes(`（${award}）`), text);
    // Every category, with its verdict and the clause of each condition.
    for (const c of v.explanation.categories) {
      const block = page.locator(`[data-category="${c.name}"]`);
      assert.equal(await block.getAttribute("data-eligible"), String(c.eligible));
      const shown = await block.textContent();
      assert.ok(shown.includes(c.eligible ? "符合" : "不符合"), shown);
      for (const l of c.conditions) assert.ok(shown.includes(`§${l.clause}`), `${c.name}: ${shown}`);
    }
    await page.close();
  });
}

test("a form left incomplete lists what is wrong, by the fields' labels", async () => {
  const page = await submit({ person_id: "X1" });
  assert.equal(await page.getAttribute("#verdict", "data-outcome"), "refused");
  const problems = await page.locator("#problems li").allTextContents();
  assert.ok(problems.some((p) => p.startsWith("持有工会会员互助服务卡：")), problems.join("\n"));
  await page.close();
});
