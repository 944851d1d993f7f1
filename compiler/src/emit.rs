//! Emission: a checked scheme as a bundle, and its input record as a JSON
//! Schema that forms can validate against before anyone asks the rules.

use bursar_runtime::ir::{Scheme, Type};
use bursar_runtime::Bundle;
use serde_json::{json, Map, Value};

/// This compiler's version, recorded in every bundle.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Wraps a checked scheme in a bundle.
pub fn bundle(scheme: Scheme) -> Bundle {
    Bundle::new(scheme, VERSION)
}

/// A JSON Schema (draft 2020-12) for one applicant: labels as titles, enums
/// as enums, optional fields nullable and not required, nothing else allowed.
pub fn input_schema(scheme: &Scheme) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in &scheme.applicant {
        let mut prop = match f.ty {
            Type::Bool => json!({ "type": "boolean" }),
            Type::Int => json!({ "type": "integer" }),
            Type::Money => {
                json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,2})?$", "description": "an exact amount" })
            }
            Type::Date => json!({ "type": "string", "format": "date" }),
            Type::Text | Type::Duration => json!({ "type": "string" }),
            Type::Enum(e) => {
                let values: Vec<Value> = scheme
                    .enums
                    .get(e as usize)
                    .map(|d| {
                        d.variants
                            .iter()
                            .map(|v| Value::String(v.name.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({ "enum": values })
            }
        };
        if let (Type::Enum(e), Some(obj)) = (f.ty, prop.as_object_mut()) {
            if let Some(d) = scheme.enums.get(e as usize) {
                let one_of: Vec<Value> = d
                    .variants
                    .iter()
                    .map(|v| json!({ "const": v.name, "title": v.label.clone().unwrap_or_else(|| v.name.clone()) }))
                    .collect();
                obj.remove("enum");
                obj.insert("oneOf".into(), Value::Array(one_of));
            }
        }
        if let Some(obj) = prop.as_object_mut() {
            if let Some(label) = &f.label {
                obj.insert("title".into(), Value::String(label.clone()));
            }
            if f.optional {
                // Absent may be written as null or left out.
                let title = obj.remove("title");
                let inner = Value::Object(obj.clone());
                obj.clear();
                obj.insert("anyOf".into(), json!([inner, { "type": "null" }]));
                if let Some(t) = title {
                    obj.insert("title".into(), t);
                }
            }
        }
        if !f.optional {
            required.push(Value::String(f.name.clone()));
        }
        properties.insert(f.name.clone(), prop);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": scheme.header.title.clone().unwrap_or_else(|| scheme.id.clone()),
        "description": format!("One applicant of scheme `{}`", scheme.id),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}
