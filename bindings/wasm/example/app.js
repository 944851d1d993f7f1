// The example form: a scheme's applicant fields laid out from its input
// schema (labels in the scheme's language), and the runtime's decision and
// explanation shown in Chinese. Only presentation is here: every decision
// comes from the package's `decide` and `explain`.
//
// Served over HTTP from the repository's root, it loads the 2023 scheme's
// bundle from tests/vectors/bundles/; `?bundle=URL` loads another.

import { Bundle, BursarError } from "../index.js";

const DEFAULT_BUNDLE = "../../../tests/vectors/bundles/2023-career-boost.bundle.json";

/** Outcomes in the words an applicant reads. */
const OUTCOMES = {
  paid: "符合条件，予以发放",
  not_eligible: "不符合申领条件",
  not_applied: "尚未申报",
  late: "超过申报期限",
  early: "尚未到申报时间",
  nothing_due: "符合条件，但应发金额为零",
  error: "无法判定，请联系工作人员",
  subject_to_quota: "符合条件，待名额分配",
  no_place: "名额已满",
};

/** A condition's status. */
const STATUSES = { pass: "✓ 符合", fail: "✗ 不符合", skipped: "— 未检查", info: "说明", error: "! 无法判定" };

const $ = (id) => document.getElementById(id);

function element(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

/** A property's schema without the `null` an optional field allows. */
function valueSchema(prop) {
  if (prop.anyOf) return prop.anyOf.find((s) => s.type !== "null") || {};
  return prop;
}

/** The input for one field of the applicant. */
function fieldInput(name, schema) {
  const attrs = { id: `field-${name}`, name };
  if (schema.type === "boolean") {
    return element("select", attrs, element("option", { value: "" }, "（未填写）"),
      element("option", { value: "true" }, "是"), element("option", { value: "false" }, "否"));
  }
  if (schema.oneOf) {
    return element("select", attrs, element("option", { value: "" }, "（未填写）"),
      ...schema.oneOf.map((o) => element("option", { value: o.const }, o.title)));
  }
  if (schema.type === "integer") return element("input", { ...attrs, type: "number", step: "1" });
  if (schema.format === "date") return element("input", { ...attrs, type: "date" });
  if (schema.type === "array") return element("textarea", { ...attrs, placeholder: "JSON 列表，如 []" });
  return element("input", { ...attrs, type: "text" });
}

/** The applicant as the form holds it: a blank field is left out. */
function readForm(form, schema) {
  const applicant = {};
  for (const [name, prop] of Object.entries(schema.properties)) {
    const raw = form.elements[name].value.trim();
    if (raw === "") continue;
    const s = valueSchema(prop);
    if (s.type === "boolean") applicant[name] = raw === "true";
    else if (s.type === "integer") applicant[name] = Number(raw);
    else if (s.type === "array") applicant[name] = JSON.parse(raw);
    else applicant[name] = raw;
  }
  return applicant;
}

/** A line of the explanation: its clause, its label and what was found. */
function line(l) {
  const cut = l.text.indexOf(": ");
  const [label, detail] = cut > 0 ? [l.text.slice(0, cut), l.text.slice(cut + 2)] : [l.text, ""];
  return element("li", { class: l.status },
    element("span", { class: "status" }, STATUSES[l.status] || l.status), " ",
    element("span", { class: "clause" }, l.clause ? `§${l.clause}` : ""),
    label, detail ? element("span", { class: "detail" }, detail) : "");
}

function showDecision(result, decision, explanation, schemeLabels) {
  const award = decision.awards[0];
  const awardLabel = award ? schemeLabels.get(award.category) || award.category : "";
  const verdict = element("p", { id: "verdict", "data-outcome": decision.outcome },
    OUTCOMES[decision.outcome] || decision.outcome);
  const paid = element("p", {}, "发放金额：", element("strong", { id: "paid", "data-amount": decision.paid },
    `${Number(decision.paid).toLocaleString("zh-CN", { minimumFractionDigits: 2 })} 元`),
    awardLabel ? `（${awardLabel}）` : "");
  const why = element("div", { id: "explanation" }, element("h2", {}, "判定依据"));
  const general = [...(explanation.requirements || []), explanation.application].filter(Boolean);
  if (general.length) why.append(element("ul", {}, ...general.map(line)));
  for (const c of explanation.categories) {
    why.append(element("div", { class: "category", "data-category": c.name, "data-eligible": String(c.eligible) },
      element("h3", {}, `${c.label || c.name}：${c.eligible ? `符合，${c.amount}` : "不符合"}`),
      element("ul", {}, ...c.conditions.map(line), ...(c.pay ? [line(c.pay)] : []))));
  }
  if (explanation.award) why.append(element("ul", {}, line(explanation.award)));
  if (explanation.schedule && explanation.schedule.length) {
    why.append(element("h3", {}, "办理时限"), element("ul", {}, ...explanation.schedule.map(line)));
  }
  result.replaceChildren(verdict, paid, why);
}

function showProblems(result, problems, labels) {
  result.replaceChildren(element("p", { id: "verdict", "data-outcome": "refused" }, "申报信息有误，请修改后重新提交："),
    element("ul", { id: "problems" }, ...problems.map((p) =>
      element("li", {}, p.field && labels.has(p.field) ? `${labels.get(p.field)}：${p.message}` : p.message))));
}

async function main() {
  const url = new URLSearchParams(location.search).get("bundle") || DEFAULT_BUNDLE;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`无法加载政策文件 ${url}（${response.status}）`);
  const bundle = Bundle.load(new Uint8Array(await response.arrayBuffer()));
  const schema = bundle.inputSchema();
  $("title").textContent = schema.title;
  document.title = schema.title;
  const labels = new Map(Object.entries(schema.properties).map(([k, p]) => [k, p.title || k]));
  const form = $("applicant");
  for (const [name, prop] of Object.entries(schema.properties)) {
    const required = schema.required.includes(name);
    form.append(element("label", { for: `field-${name}` }, `${prop.title || name}${required ? " *" : ""}`,
      element("small", {}, name)), fieldInput(name, valueSchema(prop)));
  }
  form.append(element("button", { type: "submit", id: "submit" }, "测算"));
  form.hidden = false;
  $("status").textContent = `政策版本 ${bundle.hash.slice(0, 19)}…；带 * 的为必填项。`;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const result = $("result");
    result.hidden = false;
    let applicant;
    try {
      applicant = readForm(form, schema);
    } catch (e) {
      showProblems(result, [{ field: null, pointer: null, message: String(e.message) }], labels);
      return;
    }
    try {
      const explanation = bundle.explain(applicant);
      // The award is named by its category's label, which the explanation carries.
      const categoryLabels = new Map(explanation.categories.map((c) => [c.name, c.label || c.name]));
      showDecision(result, bundle.decide(applicant), explanation, categoryLabels);
    } catch (e) {
      if (!(e instanceof BursarError)) throw e;
      showProblems(result, e.problems, labels);
    }
  });
}

main().catch((e) => {
  $("status").textContent = `出错了：${e.message}`;
});
