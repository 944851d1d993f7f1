//! An applicant's fields as a JSON Schema (draft 2020-12), that forms can
//! validate against before anyone asks the rules: made from the bundle's
//! scheme alone, so `bursar compile --input-schema` and the bindings give
//! the same schema.

use serde_json::{json, Map, Value};

use crate::ir::{Field, Scheme, Type};

/// A JSON Schema (draft 2020-12) for one applicant: labels as titles, enums
/// as enums, optional fields nullable and not required, nothing else allowed.
pub fn input_schema(scheme: &Scheme) -> Value {
    let (properties, required) = fields_schema(scheme, &scheme.applicant);
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

/// The properties of an applicant or list item, and which are required.
fn fields_schema(scheme: &Scheme, fields: &[Field]) -> (Map<String, Value>, Vec<Value>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in fields {
        let mut prop = type_schema(scheme, f.ty);
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
    (properties, required)
}

/// The schema of one value of a type.
fn type_schema(scheme: &Scheme, ty: Type) -> Value {
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::Int => json!({ "type": "integer" }),
        Type::Money => {
            json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,2})?$", "description": "an exact amount" })
        }
        Type::Decimal | Type::Unrounded => {
            json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?%?$", "description": "an exact decimal number" })
        }
        Type::Date => json!({ "type": "string", "format": "date" }),
        // Local time without an offset: JSON Schema's `date-time` requires
        // one, so the form is given as a pattern.
        Type::DateTime => json!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
            "description": "a local date and time"
        }),
        Type::Text | Type::Duration => json!({ "type": "string" }),
        Type::Enum(e) => {
            let one_of: Vec<Value> = scheme
                .enums
                .get(e as usize)
                .map(|d| {
                    d.variants
                        .iter()
                        .map(|v| json!({ "const": v.name, "title": v.label.clone().unwrap_or_else(|| v.name.clone()) }))
                        .collect()
                })
                .unwrap_or_default();
            json!({ "oneOf": one_of })
        }
        Type::List(r) => {
            let Some(record) = scheme.records.get(r as usize) else {
                return json!({ "type": "array" });
            };
            let (properties, required) = fields_schema(scheme, &record.fields);
            let mut item = json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            });
            if let (Some(label), Some(obj)) = (&record.label, item.as_object_mut()) {
                obj.insert("title".into(), Value::String(label.clone()));
            }
            json!({ "type": "array", "items": item })
        }
    }
}
