// The shared test vectors (tests/vectors/, written from the Rust CLI): every
// applicant must get, through the WebAssembly package, exactly the decision,
// explanation or refusal that `bursar eval` and `bursar explain` give.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

import { Bundle, BursarError } from "../index.js";

const VECTORS = new URL("../../../tests/vectors/", import.meta.url);

const files = readdirSync(VECTORS).filter((f) => f.endsWith(".json")).sort();

test("there are vectors for the 2023 scheme and the examples", () => {
  assert.ok(files.includes("2023-career-boost.json"));
  assert.ok(files.length >= 10, `only ${files.length} vector files`);
});

for (const file of files) {
  test(`vectors of ${file}`, () => {
    const vectors = JSON.parse(readFileSync(new URL(file, VECTORS), "utf8"));
    assert.ok(vectors.length > 0);
    const bundles = new Map();
    for (const v of vectors) {
      if (!bundles.has(v.bundle)) {
        bundles.set(v.bundle, Bundle.load(readFileSync(new URL(v.bundle, VECTORS))));
      }
      const bundle = bundles.get(v.bundle);
      assert.equal(bundle.hash, v.bundle_hash, v.name);
      if (v.errors) {
        for (const call of ["decide", "explain"]) {
          assert.throws(
            () => bundle[call](v.applicant),
            (e) => {
              assert.ok(e instanceof BursarError, `${v.name}: ${e}`);
              assert.deepEqual(e.problems, v.errors, v.name);
              return true;
            },
          );
        }
      } else {
        assert.deepEqual(bundle.decide(v.applicant), v.decision, v.name);
        assert.deepEqual(bundle.explain(v.applicant), v.explanation, v.name);
      }
    }
  });
}

test("inputSchema() is the schema `bursar compile --input-schema` writes, for every bundle", () => {
  const dir = new URL("bundles/", VECTORS);
  const bundles = readdirSync(dir).filter((f) => f.endsWith(".bundle.json"));
  assert.ok(bundles.length >= 10);
  for (const file of bundles) {
    const bundle = Bundle.load(readFileSync(new URL(file, dir)));
    const schema = JSON.parse(readFileSync(new URL(file.replace(".bundle.json", ".schema.json"), dir), "utf8"));
    assert.deepEqual(bundle.inputSchema(), schema, file);
  }
});
