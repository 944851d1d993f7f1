// The package as a JavaScript developer meets it: loading, the input
// schema, and errors thrown as `Error`s that list every problem.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { Bundle, BursarError } from "../index.js";

const BYTES = readFileSync(
  new URL("../../../tests/vectors/bundles/2023-career-boost.bundle.json", import.meta.url),
);

const E01 = {
  person_id: "E01",
  member_card: true,
  voc_level: 1,
  voc_issuer: "beijing_center",
  voc_issued: "2021-01-01",
  voc_boosted_before: false,
  applied_on: "2023-04-10",
};

test("a bundle loads from bytes, an ArrayBuffer or text alike", () => {
  const fromBytes = Bundle.load(BYTES);
  const fromBuffer = Bundle.load(BYTES.buffer.slice(BYTES.byteOffset, BYTES.byteOffset + BYTES.byteLength));
  const fromText = Bundle.load(BYTES.toString("utf8"));
  assert.equal(fromBytes.id, "beijing_career_boost_2023");
  assert.equal(fromBuffer.hash, fromBytes.hash);
  assert.equal(fromText.hash, fromBytes.hash);
  assert.match(fromBytes.hash, /^sha256:[0-9a-f]{64}$/);
});

test("decide pays E01 2,000.00 for a level 1 certificate, citing the notice", () => {
  const bundle = Bundle.load(BYTES);
  const decision = bundle.decide(E01);
  assert.equal(decision.outcome, "paid");
  assert.equal(decision.paid, "2000.00");
  assert.equal(decision.awards[0].category, "vocational");
  const why = bundle.explain(E01);
  assert.equal(why.applicant, "E01");
  assert.ok(JSON.stringify(why).includes("三(一)"), "the explanation cites §三(一)");
});

test("an applicant given as JSON text is read as the object", () => {
  const bundle = Bundle.load(BYTES);
  assert.deepEqual(bundle.decide(JSON.stringify(E01)), bundle.decide(E01));
});

test("every problem of an applicant is thrown at once, as an Error", () => {
  const bundle = Bundle.load(BYTES);
  const wrong = { ...E01, member_card: "yes", voc_levle: 1 };
  delete wrong.voc_boosted_before;
  assert.throws(
    () => bundle.decide(wrong),
    (e) => {
      assert.ok(e instanceof Error && e instanceof BursarError);
      assert.deepEqual(
        e.problems.map((p) => p.field).sort(),
        ["member_card", "voc_boosted_before", "voc_levle"],
      );
      assert.equal(e.message.split("\n").length, 3, e.message);
      assert.deepEqual(e.problems.find((p) => p.field === "voc_levle").pointer, "/voc_levle");
      return true;
    },
  );
});

test("text that is not JSON, or not an object, is refused", () => {
  const bundle = Bundle.load(BYTES);
  assert.throws(() => bundle.decide("{"), (e) => e instanceof BursarError && /not JSON/.test(e.message));
  assert.throws(() => bundle.decide([1]), TypeError);
  assert.throws(() => bundle.decide(null), TypeError);
  assert.throws(() => bundle.decide('{"person_id": "A", "person_id": "B"}'), BursarError);
});

test("a tampered bundle is refused, saying so", () => {
  const tampered = BYTES.toString("utf8").replace('"2000.00"', '"2100.00"');
  assert.notEqual(tampered, BYTES.toString("utf8"));
  assert.throws(() => Bundle.load(tampered), (e) => e instanceof BursarError && /hash/.test(e.message));
  assert.throws(() => Bundle.load("not a bundle"), BursarError);
  assert.throws(() => Bundle.load(42), TypeError);
});

test("the input schema is the one `bursar compile --input-schema` writes", () => {
  const schema = Bundle.load(BYTES).inputSchema();
  assert.equal(schema.type, "object");
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.applied_on.title, "申报日期");
  assert.ok(schema.required.includes("member_card"));
  const issuers = schema.properties.voc_issuer.anyOf[0].oneOf.map((o) => o.const);
  assert.ok(issuers.includes("beijing_center"), JSON.stringify(issuers));
});
