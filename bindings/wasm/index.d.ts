// Types of the package's entry point (index.js). The JSON shapes are those of
// `bursar eval --format json` and `bursar explain --format json`
// (docs/bundle.md); money is always a decimal string such as "2000.00".

/** A field value of an applicant: dates as "2023-04-10", money as "2000.00". */
export type FieldValue = boolean | number | string | null | FieldValue[] | { [field: string]: FieldValue };

/** One applicant: the scheme's fields by name (see `inputSchema()`). */
export type ApplicantInput = { [field: string]: FieldValue };

/** How a decision came out. */
export type Outcome =
  | "paid"
  | "not_eligible"
  | "not_applied"
  | "late"
  | "early"
  | "nothing_due"
  | "error"
  | "subject_to_quota"
  | "no_place";

/** One award of a decision. */
export interface Award {
  category: string;
  amount: string;
  /** The payout table row, `table.row`, if the amount came from one. */
  row: string | null;
}

/** What one category of the scheme made of the applicant. */
export interface CategoryVerdict {
  eligible: boolean;
  amount: string | null;
  /** The first condition not met, as the policy writes it. */
  reason: string | null;
}

/** `bursar eval --format json`: the decision in the policy's names. */
export interface Decision {
  scheme: string;
  applicant: string | null;
  outcome: Outcome;
  paid: string;
  awards: Award[];
  categories: { [category: string]: CategoryVerdict };
  application: unknown;
  /** The scheme's timeline: each step's date for this applicant. */
  schedule: { [step: string]: string | null };
  /** One sentence, in the scheme's language. */
  summary: string;
  errors: string[];
  /** Schemes with rounds only. */
  rounds?: { [round: string]: unknown };
  /** Schemes with payers only: each payer's share, the scheme's own first. */
  payers?: { [payer: string]: string };
  /** Schemes with quotas only. */
  quota?: string;
  rank?: number;
}

/** `bursar explain --format json`: every condition, clause, value and table row behind a decision. */
export interface Explanation {
  scheme: string;
  applicant: string | null;
  outcome: Outcome;
  summary: string;
  categories: Array<{ name: string; eligible: boolean; amount: string | null; [key: string]: unknown }>;
  errors: Array<{ text: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** One problem with a bundle or an applicant. */
export interface Problem {
  /** The applicant field concerned, if one. */
  field: string | null;
  /** Where in the applicant JSON (RFC 6901), if it is about the applicant. */
  pointer: string | null;
  message: string;
}

/** A bundle or an applicant refused; `message` has one line per problem. */
export class BursarError extends Error {
  readonly problems: Problem[];
}

/** A compiled scheme (`bursar compile`), loaded once and used for every applicant. */
export class Bundle {
  private constructor();
  /** Loads a bundle; throws a `BursarError` for a tampered, truncated or newer one. */
  static load(bytes: Uint8Array | ArrayBuffer | ArrayBufferView | string): Bundle;
  /** The scheme's identifier. */
  readonly id: string;
  /** `sha256:…`: which rules decide. */
  readonly hash: string;
  /** The decision; throws a `BursarError` listing every problem of the applicant. */
  decide(applicant: ApplicantInput | string): Decision;
  /** The decision explained; throws as `decide` does. */
  explain(applicant: ApplicantInput | string): Explanation;
  /** The JSON Schema (draft 2020-12) of one applicant: fields, labels, enums. */
  inputSchema(): { [key: string]: unknown };
  /** Frees the module's copy of the bundle now rather than when collected. */
  free(): void;
}
