//! The bundle: a compiled scheme in one JSON file, with its format version,
//! the compiler that made it, and a content hash. See docs/bundle.md.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ir::{
    Aggregate, Anchor, Builtin, CompareOp, Criterion, Expr, FieldId, ItemSet, LetId, Pattern, Rank,
    RankOrder, RecordId, RowAmount, Scheme, Type, Value,
};

/// The format this runtime reads and writes.
/// Version 2: `and`, `or` and arithmetic chains are one node each.
/// Version 3: records and list fields, named values (`let`), decimals,
/// division and rounding. A version 2 bundle is a version 3 bundle that uses
/// none of them, and loads as it is.
/// Version 4: quotas (`quotas`, allocation), the `datetime` type, a
/// calendar of holidays (`calendar`) and limits over the award history
/// (`award.history`). A reader of version 3 would pass over them and decide
/// wrongly, so it must refuse these bundles; versions 2 and 3 load here as
/// they are. Rounds (`rounds`, `round.date`…) came later within version 4:
/// a scheme without them keeps its bytes.
pub const FORMAT: &str = "bursar-bundle/4";
const FORMAT_PREFIX: &str = "bursar-bundle/";
const FORMAT_VERSION: u32 = 4;

/// A compiled scheme ready to ship.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// `bursar-bundle/4`
    pub format: String,
    /// The version of the compiler that produced the bundle.
    pub compiler_version: String,
    /// `sha256:` and the hex digest of the scheme's canonical JSON.
    pub hash: String,
    /// Who vouches for the hash (`bursar compile --sign`). Checking it is
    /// the embedder's call (`bursar verify`, `serve --trust`): the runtime
    /// only carries it, and a bundle without one loads as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<BundleSignature>,
    pub scheme: Scheme,
}

/// A signature over a bundle's hash (docs/bundle.md, "Signed bundles").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSignature {
    /// `ed25519`.
    pub algorithm: String,
    /// The signer's public key, lowercase hex.
    pub public_key: String,
    /// The signature, lowercase hex.
    pub value: String,
}

/// Why bytes are not a usable bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleError {
    /// Not JSON at all (truncated, corrupted, another kind of file).
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but no `format` naming a Bursar bundle.
    NotABundle,
    /// A format from a newer Bursar: refused rather than half-understood.
    NewerFormat { found: String },
    /// A `bursar-bundle/…` format this runtime does not know.
    UnknownFormat { found: String },
    /// The right format, but the content does not have its shape.
    Malformed { message: String },
    /// The content changed after compilation.
    HashMismatch { declared: String, actual: String },
    /// A reference inside the scheme points nowhere.
    Inconsistent { message: String },
}

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleError::NotJson { line, column, message } => {
                write!(f, "not a bundle: invalid JSON at line {line}, column {column} ({message}); is the file truncated?")
            }
            BundleError::NotABundle => f.write_str("not a bundle: no `format` field naming a bursar bundle"),
            BundleError::NewerFormat { found } => write!(
                f,
                "bundle format `{found}` is newer than this runtime understands (`{FORMAT}`); upgrade the runtime or compile with a matching bursar"
            ),
            BundleError::UnknownFormat { found } => write!(f, "unknown bundle format `{found}` (this runtime reads `{FORMAT}`)"),
            BundleError::Malformed { message } => write!(f, "malformed bundle: {message}"),
            BundleError::HashMismatch { declared, actual } => write!(
                f,
                "bundle content does not match its hash (declared {declared}, actual {actual}): it was changed after compilation"
            ),
            BundleError::Inconsistent { message } => write!(f, "inconsistent bundle: {message}"),
        }
    }
}

impl std::error::Error for BundleError {}

impl Bundle {
    /// Wraps a checked scheme, computing its hash.
    pub fn new(scheme: Scheme, compiler_version: &str) -> Bundle {
        Bundle {
            format: FORMAT.to_string(),
            compiler_version: compiler_version.to_string(),
            hash: hash(&scheme),
            signature: None,
            scheme,
        }
    }

    /// The bundle file's bytes: pretty JSON and a final newline. The same
    /// scheme always gives the same bytes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a bundle, refusing anything it cannot fully trust: a wrong or
    /// newer format, a changed content, a dangling reference. Never panics.
    pub fn from_slice(bytes: &[u8]) -> Result<Bundle, BundleError> {
        let value = crate::nesting::parse(bytes)?;
        let format = value
            .get("format")
            .and_then(|f| f.as_str())
            .ok_or(BundleError::NotABundle)?;
        // A version is written in digits without a leading zero, so `01`
        // and `+1`, which `parse` would take for 1, are not this format.
        let version = format.strip_prefix(FORMAT_PREFIX).map(|v| {
            let canonical = v.bytes().all(|b| b.is_ascii_digit()) && !v.starts_with('0');
            v.parse::<u32>().ok().filter(|_| canonical).ok_or(())
        });
        match version {
            Some(Ok(2 | 3 | FORMAT_VERSION)) => {}
            Some(Ok(v)) if v > FORMAT_VERSION => {
                return Err(BundleError::NewerFormat {
                    found: format.to_string(),
                })
            }
            Some(_) => {
                return Err(BundleError::UnknownFormat {
                    found: format.to_string(),
                })
            }
            None => return Err(BundleError::NotABundle),
        }
        // Read from the borrowed value: the same answers and messages as
        // consuming it, and each IR type's reader is a quarter smaller
        // without the code that drops the parts left over (bindings/wasm).
        let bundle = Bundle::deserialize(&value).map_err(|e| BundleError::Malformed {
            message: e.to_string(),
        })?;
        let actual = hash(&bundle.scheme);
        if actual != bundle.hash {
            return Err(BundleError::HashMismatch {
                declared: bundle.hash,
                actual,
            });
        }
        validate(&bundle.scheme).map_err(|message| BundleError::Inconsistent { message })?;
        Ok(bundle)
    }
}

/// `sha256:<hex>` of the scheme's compact JSON. Struct fields serialise in
/// declaration order and the IR has no maps, so this is canonical.
pub fn hash(scheme: &Scheme) -> String {
    let bytes = serde_json::to_vec(scheme).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Checks every index in the scheme points at something and every
/// expression has the type the checker would give it, so the evaluator can
/// trust them (it still returns errors rather than panic if not): a
/// hand-edited bundle is refused rather than evaluated into a wrong answer.
/// Refuses negative amounts and durations, a currency that is not an ISO
/// 4217 code, and a period that ends before it starts, as the checker does.
pub fn validate(s: &Scheme) -> Result<(), String> {
    let v = Validator {
        s,
        item: None,
        lets: 0,
    };
    let currency = &s.header.currency;
    if !crate::currency::is_iso_4217(currency) {
        return Err(format!("unknown currency `{currency}`"));
    }
    if let Some(p) = &s.header.period {
        if p.end < p.start {
            return Err("the period ends before it starts".into());
        }
    }
    for r in &s.records {
        for f in &r.fields {
            v.ty(f.ty)
                .map_err(|e| format!("field `{}.{}`: {e}", r.name, f.name))?;
            if matches!(f.ty, Type::List(_)) {
                return Err(format!(
                    "field `{}.{}`: a list inside an item",
                    r.name, f.name
                ));
            }
        }
    }
    for f in &s.applicant {
        v.ty(f.ty).map_err(|e| format!("field `{}`: {e}", f.name))?;
    }
    // Each named value reads only those before it, so evaluating one ends;
    // and how deep it goes, through the ones it uses, stays within the
    // evaluator's promise.
    let mut depths: Vec<usize> = Vec::with_capacity(s.lets.len());
    for (i, l) in s.lets.iter().enumerate() {
        let scoped = Validator {
            s,
            item: None,
            lets: i,
        };
        let ty = scoped
            .expr(&l.expr, false)
            .map_err(|e| format!("value `{}`: {e}", l.name))?;
        if ty != l.ty {
            return Err(format!("value `{}` is {}, not {}", l.name, a(ty), a(l.ty)));
        }
        let mut deepest = 0;
        l.expr.visit_lets(&mut |j| {
            deepest = deepest.max(depths.get(j as usize).copied().unwrap_or(0));
        });
        let depth = l.expr.depth() + deepest;
        if depth > crate::ir::MAX_DEPTH {
            return Err(format!("value `{}` nests too deeply", l.name));
        }
        depths.push(depth);
    }
    for t in &s.tables {
        if let Some(k) = t.key {
            v.ty(k)?;
        }
        for r in &t.rows {
            if let Some(k) = &r.key {
                v.value(k)?;
                if let Some(ty) = t.key.filter(|&ty| ty != value_type(k)) {
                    return Err(format!(
                        "row `{}.{}` has a key of type {}, not {}",
                        t.name,
                        r.name,
                        type_name(value_type(k)),
                        type_name(ty)
                    ));
                }
            }
            let row_type = t.value.unwrap_or(Type::Money);
            if !matches!(row_type, Type::Money | Type::Int | Type::Decimal) {
                return Err(format!("table `{}` holds {}", t.name, a(row_type)));
            }
            match &r.amount {
                RowAmount::SameAs(rr) => {
                    v.row(rr.table, rr.row)?;
                    if s.row_type(rr.table) != row_type {
                        return Err(format!(
                            "row `{}.{}` is the same as a row of another type",
                            t.name, r.name
                        ));
                    }
                }
                RowAmount::Money(m) if m.minor() < 0 => {
                    return Err(format!(
                        "row `{}.{}` pays a negative amount",
                        t.name, r.name
                    ))
                }
                RowAmount::Money(_) if row_type == Type::Money => {}
                RowAmount::Value(x) if x.ty() == Some(row_type) && row_type != Type::Money => {}
                RowAmount::Money(_) | RowAmount::Value(_) => {
                    return Err(format!(
                        "row `{}.{}` is not {}",
                        t.name,
                        r.name,
                        a(row_type)
                    ))
                }
            }
        }
    }
    // "Same as" chains must end in an amount.
    for (ti, t) in s.tables.iter().enumerate() {
        for ri in 0..t.rows.len() {
            let mut at = (ti, ri);
            let mut steps = 0;
            while let Some(RowAmount::SameAs(next)) = s
                .tables
                .get(at.0)
                .and_then(|t| t.rows.get(at.1))
                .map(|r| &r.amount)
            {
                at = (next.table as usize, next.row as usize);
                steps += 1;
                if steps > 64 {
                    return Err(format!("row `{}.{ri}` refers to itself", t.name));
                }
            }
        }
    }
    let v = Validator {
        s,
        item: None,
        lets: s.lets.len(),
    };
    let condition = |e: &Expr| match v.expr(e, false)? {
        Type::Bool => Ok(()),
        ty => Err(format!("a condition is {}, not a bool", a(ty))),
    };
    for c in &s.requirements {
        condition(&c.expr)?;
    }
    for cat in &s.categories {
        let in_category = |e: String| format!("category `{}`: {e}", cat.name);
        for c in &cat.conditions {
            condition(&c.expr).map_err(in_category)?;
        }
        match v.expr(&cat.pay, true).map_err(in_category)? {
            Type::Money => {}
            ty => return Err(in_category(format!("pays {}, not money", a(ty)))),
        }
    }
    if s.award.limit == 0 {
        return Err("the award limit is 0".into());
    }
    let mut grouped = vec![false; s.categories.len()];
    for g in &s.award.groups {
        if g.limit == 0 {
            return Err(format!("the limit of group `{}` is 0", g.name));
        }
        for &c in &g.categories {
            match grouped.get_mut(c as usize) {
                None => {
                    return Err(format!(
                        "group `{}` names category {c}, which does not exist",
                        g.name
                    ))
                }
                Some(true) => return Err(format!("category {c} is in two groups")),
                Some(seen) => *seen = true,
            }
        }
    }
    for field in s.award.fields() {
        match s.applicant.get(field as usize).map(|f| f.ty) {
            Some(Type::Text | Type::Enum(_)) => {}
            Some(_) => {
                return Err(format!(
                    "the award's choice field {field} is not text or an enum"
                ))
            }
            None => return Err(format!("the award's choice field {field} does not exist")),
        }
    }
    if let Some(history) = s.award.history {
        match s.applicant.get(history as usize).map(|f| f.ty) {
            Some(Type::List(_)) => {}
            Some(_) => return Err(format!("the award's history field {history} is not a list")),
            None => {
                return Err(format!(
                    "the award's history field {history} does not exist"
                ))
            }
        }
    }
    if s.award.order.last() != Some(&Criterion::FirstDeclared) {
        return Err("the award order does not end with `first_declared`".into());
    }
    if let Some(app) = &s.application {
        if let Some(received) = app.received {
            match s.applicant.get(received as usize) {
                Some(f) if matches!(f.ty, Type::Date | Type::DateTime) => {}
                _ => return Err("the application's `received` field is not a date field".into()),
            }
        }
        if let Some(id) = app.identifier {
            v.field(id)?;
        }
        for e in app.deadline.iter().chain(app.opens.iter()) {
            match v.expr(e, false)? {
                Type::Date => {}
                ty => return Err(format!("the application window is {}, not a date", a(ty))),
            }
        }
    }
    for c in &s.categories {
        for st in &c.instalments {
            if st.amount < crate::money::Money::ZERO {
                return Err(format!(
                    "category `{}` has an instalment of a negative amount",
                    c.name
                ));
            }
            if let Some(f) = st.after {
                match s.applicant.get(f as usize) {
                    Some(field) if field.ty == Type::Date => {}
                    _ => {
                        return Err(format!(
                            "category `{}` has an instalment after field {f}, which is not a date field",
                            c.name
                        ))
                    }
                }
            }
        }
    }
    if !s.rounds.is_empty() && !s.quotas.is_empty() {
        return Err("the scheme has both rounds and quotas, which are not decided together".into());
    }
    for (i, r) in s.rounds.iter().enumerate() {
        if s.rounds.iter().take(i).any(|o| o.name == r.name) {
            return Err(format!("two rounds are named `{}`", r.name));
        }
        if r.amount < crate::money::Money::ZERO {
            return Err(format!("round `{}` pays a negative amount", r.name));
        }
        if r.paid.start > r.paid.end {
            return Err(format!(
                "round `{}` has a payment window that ends before it starts",
                r.name
            ));
        }
    }
    for q in &s.quotas {
        let in_quota = |e: String| format!("quota `{}`: {e}", q.name);
        for c in &q.conditions {
            condition(&c.expr).map_err(in_quota)?;
        }
        match s.application.as_ref().and_then(|a| a.identifier) {
            Some(id)
                if s.applicant.get(id as usize).map(|f| (f.ty, f.optional))
                    == Some((Type::Text, false)) => {}
            _ => {
                return Err(in_quota(
                    "the scheme has no required text identifier to break ties and draw lots by"
                        .into(),
                ))
            }
        }
        if q.order.len() > crate::ir::MAX_RANK_KEYS {
            return Err(in_quota(format!(
                "orders by {} keys, more than {}",
                q.order.len(),
                crate::ir::MAX_RANK_KEYS
            )));
        }
        for r in &q.order {
            match r {
                Rank::Lot { .. } => {}
                Rank::By {
                    expr,
                    order: RankOrder::HoldsFirst,
                } => condition(expr).map_err(in_quota)?,
                Rank::By { expr, .. } => match v.expr(expr, false).map_err(in_quota)? {
                    Type::Int | Type::Money | Type::Date | Type::DateTime => {}
                    ty => return Err(in_quota(format!("orders by {}", a(ty)))),
                },
            }
        }
    }
    for p in &s.payers {
        let in_payer = |e: String| format!("payer `{}`: {e}", p.name);
        for c in &p.conditions {
            condition(&c.expr).map_err(in_payer)?;
        }
        let ratio = 1..=crate::ir::MAX_RATIO;
        if !ratio.contains(&p.per) || !ratio.contains(&p.pays) {
            return Err(in_payer(format!(
                "matches {}:{}, outside 1 to {}",
                p.per,
                p.pays,
                crate::ir::MAX_RATIO
            )));
        }
        if p.cap.is_some_and(|c| c < crate::Money::ZERO) {
            return Err(in_payer("caps at less than nothing".into()));
        }
        if p.name == crate::ir::SCHEME_PAYER
            || s.payers.iter().filter(|q| q.name == p.name).count() > 1
        {
            return Err(in_payer("the name is taken".into()));
        }
    }
    if !s.payers.is_empty() && !s.quotas.is_empty() {
        return Err("a scheme has payers and quotas".into());
    }
    if !s.payers.is_empty() && !s.rounds.is_empty() {
        return Err("a scheme has payers and rounds, which are not decided together".into());
    }
    if !s.payers.is_empty() && s.categories.iter().any(|c| !c.instalments.is_empty()) {
        return Err("a scheme has payers and instalments, which are not decided together".into());
    }
    for (i, step) in s.timeline.iter().enumerate() {
        if step.within.count < 0 {
            return Err(format!("step `{}` has a negative time limit", step.name));
        }
        if let Anchor::Step(j) = step.after {
            if j as usize >= i {
                return Err(format!("step `{}` counts from a later step", step.name));
            }
        }
    }
    if let Some(cal) = &s.calendar {
        calendar(cal)?;
    }
    Ok(())
}

/// A calendar's days are in order and apart, and no day is
/// both a holiday and a working day: the evaluator's binary search relies
/// on it.
fn calendar(cal: &crate::ir::Calendar) -> Result<(), String> {
    let name = &cal.name;
    if cal.first_year > cal.last_year {
        return Err(format!("calendar `{name}` ends before it starts"));
    }
    for spans in [&cal.holidays, &cal.workdays] {
        let mut previous: Option<chrono::NaiveDate> = None;
        for span in spans.iter() {
            if span.from > span.to || previous.is_some_and(|p| span.from <= p) {
                return Err(format!(
                    "calendar `{name}`: the days from {} to {} are out of order or overlap",
                    span.from, span.to
                ));
            }
            previous = Some(span.to);
        }
    }
    for w in &cal.workdays {
        let i = cal.holidays.partition_point(|h| h.to < w.from);
        if let Some(h) = cal.holidays.get(i).filter(|h| h.from <= w.to) {
            return Err(format!(
                "calendar `{name}`: {} is both a holiday and a working day",
                h.from.max(w.from)
            ));
        }
    }
    Ok(())
}

struct Validator<'a> {
    s: &'a Scheme,
    /// The record of the list item being walked, if any.
    item: Option<RecordId>,
    /// How many named values are visible (those declared before).
    lets: usize,
}

impl Validator<'_> {
    /// The record of a list field.
    fn list(&self, set: &ItemSet) -> Result<RecordId, String> {
        if self.item.is_some() {
            return Err("a list inside a list's condition".into());
        }
        match self.s.applicant.get(set.list as usize).map(|f| f.ty) {
            Some(Type::List(r)) => {
                let inner = Validator {
                    s: self.s,
                    item: Some(r),
                    lets: self.lets,
                };
                if let Some(filter) = &set.filter {
                    match inner.expr(filter, false)? {
                        Type::Bool => {}
                        ty => return Err(format!("a list's filter is {}, not a bool", a(ty))),
                    }
                }
                Ok(r)
            }
            _ => Err(format!("field #{} is not a list", set.list)),
        }
    }
    // The forms of format 3 are checked out of line: `expr`'s stack frame
    // is paid once per level of a nested expression.

    #[inline(never)]
    fn named(&self, l: LetId) -> Result<Type, String> {
        if l as usize >= self.lets {
            return Err(format!("value #{l} is used before it is declared"));
        }
        self.s
            .lets
            .get(l as usize)
            .map(|l| l.ty)
            .ok_or_else(|| format!("value #{l} does not exist"))
    }

    #[inline(never)]
    fn item_field(&self, i: FieldId) -> Result<Type, String> {
        let Some(r) = self.item else {
            return Err("an item's field read outside a list".into());
        };
        self.s
            .records
            .get(r as usize)
            .and_then(|r| r.fields.get(i as usize))
            .map(|f| f.ty)
            .ok_or_else(|| format!("field #{i} of record #{r} does not exist"))
    }

    #[inline(never)]
    fn all(&self, items: &ItemSet, cond: &Expr) -> Result<Type, String> {
        let r = self.list(items)?;
        match self.in_item(r).expr(cond, false)? {
            Type::Bool => Ok(Type::Bool),
            ty => Err(format!("`all` tests {}, not a bool", a(ty))),
        }
    }

    #[inline(never)]
    fn aggregate(
        &self,
        func: Aggregate,
        items: &ItemSet,
        of: Option<&Expr>,
        ty: Type,
    ) -> Result<Type, String> {
        let r = self.list(items)?;
        let found = match of {
            Some(of) => Some(self.in_item(r).expr(of, false)?),
            None => None,
        };
        let ok = match (func, found) {
            (Aggregate::Count, None) => ty == Type::Int,
            (
                Aggregate::Sum,
                Some(t @ (Type::Int | Type::Money | Type::Decimal | Type::Unrounded)),
            ) => ty == t,
            (Aggregate::Min | Aggregate::Max, Some(t)) => ty == t && t.is_ordered(),
            (Aggregate::Count | Aggregate::Sum | Aggregate::Min | Aggregate::Max, _) => false,
        };
        if ok {
            Ok(ty)
        } else {
            Err(format!("`{}` of the wrong type", func.name()))
        }
    }

    #[inline(never)]
    fn round(&self, value: &Expr) -> Result<Type, String> {
        match self.expr(value, false)? {
            Type::Money | Type::Unrounded => Ok(Type::Money),
            ty => Err(format!("rounds {}, not money", a(ty))),
        }
    }

    fn in_item(&self, r: RecordId) -> Validator<'_> {
        Validator {
            s: self.s,
            item: Some(r),
            lets: self.lets,
        }
    }
    fn field(&self, id: u32) -> Result<(), String> {
        if (id as usize) < self.s.applicant.len() {
            Ok(())
        } else {
            Err(format!("field #{id} does not exist"))
        }
    }
    fn row(&self, table: u32, row: u32) -> Result<(), String> {
        match self.s.tables.get(table as usize) {
            Some(t) if (row as usize) < t.rows.len() => Ok(()),
            _ => Err(format!("row #{row} of table #{table} does not exist")),
        }
    }
    fn ty(&self, ty: Type) -> Result<(), String> {
        match ty {
            Type::Enum(e) if (e as usize) >= self.s.enums.len() => {
                Err(format!("enum #{e} does not exist"))
            }
            Type::List(r) if (r as usize) >= self.s.records.len() => {
                Err(format!("record #{r} does not exist"))
            }
            Type::Bool
            | Type::Int
            | Type::Money
            | Type::Date
            | Type::DateTime
            | Type::Text
            | Type::Duration
            | Type::Enum(..)
            | Type::Decimal
            | Type::Unrounded
            | Type::List(..) => Ok(()),
        }
    }
    fn value(&self, v: &Value) -> Result<(), String> {
        match v {
            Value::Enum { ty, variant } => match self.s.enums.get(*ty as usize) {
                Some(e) if (*variant as usize) < e.variants.len() => Ok(()),
                _ => Err(format!("value #{variant} of enum #{ty} does not exist")),
            },
            Value::List(_) => Err("a list written as a literal".into()),
            Value::Bool(_)
            | Value::Int(_)
            | Value::Money(_)
            | Value::Date(_)
            | Value::DateTime(_)
            | Value::Text(_)
            | Value::Duration(_)
            | Value::Decimal(_) => Ok(()),
        }
    }
    /// The type of `e`, by the checker's rules; `pay` when `e` is (part of)
    /// a payout, where a negative amount is refused.
    fn expr(&self, e: &Expr, pay: bool) -> Result<Type, String> {
        let same = |x: Type, y: Type| {
            if x == y {
                Ok(x)
            } else {
                Err(format!("compares {} with {}", a(x), a(y)))
            }
        };
        let ordered = |ty: Type| {
            if ty.is_ordered() {
                Ok(ty)
            } else {
                Err(format!("orders {}, which has no order", a(ty)))
            }
        };
        match e {
            Expr::Lit(v) => {
                self.value(v)?;
                match v {
                    Value::Money(m) if pay && m.minor() < 0 => {
                        return Err(format!("a negative amount, {m}, in a payout"))
                    }
                    Value::Duration(d) if d.count < 0 => {
                        return Err(format!("a negative duration, {} units", d.count))
                    }
                    Value::Bool(..)
                    | Value::Int(..)
                    | Value::Money(..)
                    | Value::Date(..)
                    | Value::DateTime(..)
                    | Value::Text(..)
                    | Value::Enum { .. }
                    | Value::Duration(..)
                    | Value::Decimal(..)
                    | Value::List(..) => {}
                }
                Ok(value_type(v))
            }
            Expr::Let(l) => self.named(*l),
            Expr::Item(i) => self.item_field(*i),
            Expr::ItemPresent(i) => self.item_field(*i).map(|_| Type::Bool),
            Expr::ItemDefault { field, default } => {
                let ty = self.item_field(*field)?;
                same(ty, self.expr(default, pay)?)
            }
            Expr::RoundPart(part) if self.s.rounds.is_empty() => Err(format!(
                "reads `round.{}` in a scheme without rounds",
                part.name()
            )),
            Expr::RoundPart(part) => Ok(part.ty()),
            Expr::Any(set) => self.list(set).map(|_| Type::Bool),
            Expr::All { items, cond } => self.all(items, cond),
            Expr::Aggregate {
                func,
                items,
                of,
                ty,
            } => self.aggregate(*func, items, of.as_deref(), *ty),
            Expr::Round { value, .. } => self.round(value),
            Expr::Field(f) => {
                self.field(*f)?;
                self.s
                    .applicant
                    .get(*f as usize)
                    .map(|f| f.ty)
                    .ok_or_else(|| format!("field #{f} does not exist"))
            }
            Expr::IsPresent(f) => self.field(*f).map(|()| Type::Bool),
            Expr::Row(r) => self.row(r.table, r.row).map(|()| self.s.row_type(r.table)),
            Expr::Lookup { table, key } => {
                let Some(t) = self.s.tables.get(*table as usize) else {
                    return Err(format!("table #{table} does not exist"));
                };
                let found = self.expr(key, false)?;
                match t.key {
                    Some(ty) if ty == found => Ok(self.s.row_type(*table)),
                    Some(ty) => Err(format!(
                        "looks up table `{}` with {}, not {}",
                        t.name,
                        a(found),
                        a(ty)
                    )),
                    None => Err(format!("looks up table `{}`, which has no key", t.name)),
                }
            }
            Expr::Not(x) => match self.expr(x, false)? {
                Type::Bool => Ok(Type::Bool),
                ty => Err(format!("negates {}, not a bool", a(ty))),
            },
            Expr::Neg(x) => match self.expr(x, false)? {
                // The checker's rule: any number, whole or not.
                ty @ (Type::Int | Type::Money | Type::Decimal | Type::Unrounded) => Ok(ty),
                ty => Err(format!("takes the negative of {}", a(ty))),
            },
            Expr::And(items) | Expr::Or(items) => {
                for item in items {
                    match self.expr(item, false)? {
                        Type::Bool => {}
                        ty => return Err(format!("joins {} with `and` or `or`", a(ty))),
                    }
                }
                Ok(Type::Bool)
            }
            Expr::Compare { op, lhs, rhs } => {
                let ty = same(self.expr(lhs, false)?, self.expr(rhs, false)?)?;
                if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    ordered(ty)?;
                }
                Ok(Type::Bool)
            }
            // A left fold, typed as the evaluator computes it. An operand
            // may be negative (`x + -100 元`): only the amount paid must
            // not be, which the evaluator checks.
            Expr::Arith { first, rest } => {
                let mut x = self.expr(first, false)?;
                for (op, e) in rest {
                    let y = self.expr(e, false)?;
                    x = op
                        .result(x, y)
                        .ok_or_else(|| format!("cannot {} {} and {}", op.symbol(), a(x), a(y)))?;
                }
                Ok(x)
            }
            Expr::InSet { expr, set } => {
                let ty = self.expr(expr, false)?;
                for v in set {
                    self.value(v)?;
                    same(ty, value_type(v))?;
                }
                Ok(Type::Bool)
            }
            Expr::InRange { expr, lo, hi, .. } => {
                let ty = ordered(self.expr(expr, false)?)?;
                for bound in lo.iter().chain(hi.iter()) {
                    same(ty, self.expr(bound, false)?)?;
                }
                Ok(Type::Bool)
            }
            Expr::Default { field, default } => {
                let ty = self.expr(&Expr::Field(*field), false)?;
                same(ty, self.expr(default, pay)?)
            }
            Expr::Call { func, args } => {
                // `max(0 元, x - 5000 元)`: an argument may be below
                // zero where the result is not.
                let types = args
                    .iter()
                    .map(|x| self.expr(x, false))
                    .collect::<Result<Vec<Type>, String>>()?;
                match (func, types.as_slice()) {
                    (Builtin::Year | Builtin::Month | Builtin::Day, [Type::Date]) => Ok(Type::Int),
                    (Builtin::Min | Builtin::Max, [x, rest @ ..]) if !rest.is_empty() => {
                        for y in rest {
                            same(*x, *y)?;
                        }
                        ordered(*x)
                    }
                    (
                        Builtin::Year | Builtin::Month | Builtin::Day | Builtin::Min | Builtin::Max,
                        _,
                    ) => Err(format!(
                        "calls `{}` with {}",
                        func.name(),
                        types.iter().map(|t| a(*t)).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                match self.expr(cond, false)? {
                    Type::Bool => {}
                    ty => return Err(format!("`if` tests {}, not a bool", a(ty))),
                }
                same(self.expr(then, pay)?, self.expr(otherwise, pay)?)
            }
            Expr::Match { scrutinee, arms } => {
                let ty = self.expr(scrutinee, false)?;
                let mut body = None;
                for arm in arms {
                    for p in &arm.patterns {
                        let values = match p {
                            Pattern::Wildcard => Vec::new(),
                            Pattern::Value(v) => vec![v],
                            Pattern::Range { lo, hi, .. } => {
                                ordered(ty)?;
                                lo.iter().chain(hi.iter()).collect()
                            }
                        };
                        for v in values {
                            self.value(v)?;
                            if value_type(v) != ty {
                                return Err(format!(
                                    "a pattern of type {} for a value of type {}",
                                    type_name(value_type(v)),
                                    type_name(ty)
                                ));
                            }
                        }
                    }
                    let t = self.expr(&arm.body, pay)?;
                    body = Some(match body {
                        Some(b) => same(b, t)?,
                        None => t,
                    });
                }
                body.ok_or_else(|| "a `match` without arms".to_string())
            }
        }
    }
}

/// The type of a literal value.
fn value_type(v: &Value) -> Type {
    // A list is refused as a literal before its type is asked for.
    v.ty().unwrap_or(Type::Bool)
}

/// A type's name in a message: as a policy writes it, but an enum by its
/// index (a hand-edited bundle's names prove nothing).
fn type_name(ty: Type) -> String {
    match ty {
        Type::Enum(e) => format!("enum #{e}"),
        other => other.name(&[]),
    }
}

/// A type's name with its article: `an int`, `a date`.
fn a(ty: Type) -> String {
    let name = type_name(ty);
    let article = if matches!(ty, Type::Int | Type::Enum(_)) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}
