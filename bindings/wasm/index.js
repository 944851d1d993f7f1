// The package's entry point: the bundle as a class whose methods take and
// give plain objects, and refusals thrown as `BursarError`s. Every decision
// is made by the Rust runtime compiled to WebAssembly (pkg/, from build.sh);
// this file only converts values and loads the module.

import init, { initSync, LoadedBundle } from "./pkg/bursar_wasm.js";

const WASM = new URL("./pkg/bursar_wasm_bg.wasm", import.meta.url);

// Node reads the module from disk; a browser fetches it beside this file.
// Either way it is ready when the import resolves, so every call is sync.
if (typeof process !== "undefined" && process.versions && process.versions.node) {
  const { readFileSync } = await import("node:fs");
  initSync({ module: readFileSync(WASM) });
} else {
  await init({ module_or_path: WASM });
}

/** An applicant, a bundle or an answer refused: `problems` lists each. */
export class BursarError extends Error {
  constructor(problems) {
    super(problems.map((p) => p.message).join("\n"));
    this.name = "BursarError";
    this.problems = problems;
  }
}

/** What a call into the module answered: its value, or a thrown refusal. */
function settle(text) {
  const answer = JSON.parse(text);
  if (answer.errors) throw new BursarError(answer.errors);
  return answer.ok;
}

/** Bytes from what a page or a server is likely to hold. */
function bytesOf(source) {
  if (typeof source === "string") return new TextEncoder().encode(source);
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  throw new TypeError("a bundle is given as bytes (Uint8Array, ArrayBuffer) or JSON text");
}

/** An applicant as the JSON text the runtime reads. */
function applicantText(applicant) {
  if (typeof applicant === "string") return applicant;
  if (applicant === null || typeof applicant !== "object" || Array.isArray(applicant)) {
    throw new TypeError("an applicant is an object of field values (or its JSON text)");
  }
  return JSON.stringify(applicant);
}

/** A compiled scheme (`bursar compile`), loaded once and used for every applicant. */
export class Bundle {
  #inner;

  constructor(inner) {
    this.#inner = inner;
  }

  /** Loads a bundle; throws a `BursarError` for a tampered, truncated or newer one. */
  static load(bytes) {
    let inner;
    try {
      inner = LoadedBundle.load(bytesOf(bytes));
    } catch (e) {
      if (typeof e === "string") settle(e);
      throw e;
    }
    return new Bundle(inner);
  }

  /** The scheme's identifier. */
  get id() {
    return this.#inner.id();
  }

  /** `sha256:…`: which rules decide. */
  get hash() {
    return this.#inner.hash();
  }

  /** The decision, as `bursar eval --format json` gives it. */
  decide(applicant) {
    return settle(this.#inner.decide(applicantText(applicant)));
  }

  /** The decision with every condition, clause and value behind it, as `bursar explain --format json` gives it. */
  explain(applicant) {
    return settle(this.#inner.explain(applicantText(applicant)));
  }

  /** The JSON Schema (draft 2020-12) of one applicant: fields, labels, enums. */
  inputSchema() {
    return JSON.parse(this.#inner.inputSchema());
  }

  /** Frees the module's copy of the bundle now rather than when collected. */
  free() {
    this.#inner.free();
  }
}
