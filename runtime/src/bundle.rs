//! The bundle: a compiled scheme in one JSON file, with its format version,
//! the compiler that made it, and a content hash. See docs/bundle.md.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ir::{Anchor, Criterion, Expr, Pattern, RowAmount, Scheme, Type, Value};

/// The format this runtime reads and writes.
pub const FORMAT: &str = "bursar-bundle/1";
const FORMAT_PREFIX: &str = "bursar-bundle/";
const FORMAT_VERSION: u32 = 1;

/// A compiled scheme ready to ship.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// `bursar-bundle/1`
    pub format: String,
    /// The version of the compiler that produced the bundle.
    pub compiler_version: String,
    /// `sha256:` and the hex digest of the scheme's canonical JSON.
    pub hash: String,
    pub scheme: Scheme,
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
        let value = crate::json::parse_json(bytes).map_err(|e| {
            if e.is_data() {
                // Well-formed JSON, but a key given twice.
                BundleError::Malformed {
                    message: e.to_string(),
                }
            } else {
                BundleError::NotJson {
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                }
            }
        })?;
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
            Some(Ok(FORMAT_VERSION)) => {}
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
        let bundle: Bundle = serde_json::from_value(value).map_err(|e| BundleError::Malformed {
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

/// Checks every index in the scheme points at something, so the evaluator
/// can trust them (it still returns errors rather than panic if not).
pub fn validate(s: &Scheme) -> Result<(), String> {
    let v = Validator { s };
    for f in &s.applicant {
        v.ty(f.ty).map_err(|e| format!("field `{}`: {e}", f.name))?;
    }
    for t in &s.tables {
        if let Some(k) = t.key {
            v.ty(k)?;
        }
        for r in &t.rows {
            if let Some(k) = &r.key {
                v.value(k)?;
            }
            if let RowAmount::SameAs(rr) = r.amount {
                v.row(rr.table, rr.row)?;
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
    for c in &s.requirements {
        v.expr(&c.expr)?;
    }
    for cat in &s.categories {
        for c in &cat.conditions {
            v.expr(&c.expr)
                .map_err(|e| format!("category `{}`: {e}", cat.name))?;
        }
        v.expr(&cat.pay)
            .map_err(|e| format!("category `{}`: {e}", cat.name))?;
    }
    if s.award.limit == 0 {
        return Err("the award limit is 0".into());
    }
    if s.award.order.last() != Some(&Criterion::FirstDeclared) {
        return Err("the award order does not end with `first_declared`".into());
    }
    if let Some(app) = &s.application {
        match s.applicant.get(app.received as usize) {
            Some(f) if f.ty == Type::Date => {}
            _ => return Err("the application's `received` field is not a date field".into()),
        }
        if let Some(id) = app.identifier {
            v.field(id)?;
        }
        for e in app.deadline.iter().chain(app.opens.iter()) {
            v.expr(e)?;
        }
    }
    for (i, step) in s.timeline.iter().enumerate() {
        if let Anchor::Step(j) = step.after {
            if j as usize >= i {
                return Err(format!("step `{}` counts from a later step", step.name));
            }
        }
    }
    Ok(())
}

struct Validator<'a> {
    s: &'a Scheme,
}

impl Validator<'_> {
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
            _ => Ok(()),
        }
    }
    fn value(&self, v: &Value) -> Result<(), String> {
        match v {
            Value::Enum { ty, variant } => match self.s.enums.get(*ty as usize) {
                Some(e) if (*variant as usize) < e.variants.len() => Ok(()),
                _ => Err(format!("value #{variant} of enum #{ty} does not exist")),
            },
            _ => Ok(()),
        }
    }
    fn expr(&self, e: &Expr) -> Result<(), String> {
        match e {
            Expr::Lit(v) => self.value(v),
            Expr::Field(f) | Expr::IsPresent(f) => self.field(*f),
            Expr::Row(r) => self.row(r.table, r.row),
            Expr::Lookup { table, key } => {
                if (*table as usize) >= self.s.tables.len() {
                    return Err(format!("table #{table} does not exist"));
                }
                self.expr(key)
            }
            Expr::Not(a) | Expr::Neg(a) => self.expr(a),
            Expr::And(a, b) | Expr::Or(a, b) => {
                self.expr(a)?;
                self.expr(b)
            }
            Expr::Compare { lhs, rhs, .. } | Expr::Arith { lhs, rhs, .. } => {
                self.expr(lhs)?;
                self.expr(rhs)
            }
            Expr::InSet { expr, set } => {
                self.expr(expr)?;
                set.iter().try_for_each(|v| self.value(v))
            }
            Expr::InRange { expr, lo, hi, .. } => {
                self.expr(expr)?;
                lo.iter().chain(hi.iter()).try_for_each(|b| self.expr(b))
            }
            Expr::Default { field, default } => {
                self.field(*field)?;
                self.expr(default)
            }
            Expr::Call { args, .. } => args.iter().try_for_each(|a| self.expr(a)),
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond)?;
                self.expr(then)?;
                self.expr(otherwise)
            }
            Expr::Match { scrutinee, arms } => {
                self.expr(scrutinee)?;
                for arm in arms {
                    for p in &arm.patterns {
                        match p {
                            Pattern::Wildcard => {}
                            Pattern::Value(v) => self.value(v)?,
                            Pattern::Range { lo, hi, .. } => {
                                lo.iter().chain(hi.iter()).try_for_each(|v| self.value(v))?;
                            }
                        }
                    }
                    self.expr(&arm.body)?;
                }
                Ok(())
            }
        }
    }
}
