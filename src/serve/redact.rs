//! Personal data kept out of decision logs: the values of the fields named
//! by `--redact` are replaced by a keyed hash (HMAC-SHA256 under the key of
//! `--redact-key`), so that one person's lines can still be matched with
//! each other, but not with the person without the key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The fewest bytes a key may have.
pub(crate) const MIN_KEY_BYTES: usize = 16;

/// Which fields to replace, and the key.
pub(crate) struct Redactor {
    fields: Vec<String>,
    key: Vec<u8>,
}

impl Redactor {
    /// A redactor for `fields` under `key` (the bytes of the key file).
    pub(crate) fn new(fields: Vec<String>, key: Vec<u8>) -> Result<Redactor, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the redaction key has {} bytes; it needs at least {MIN_KEY_BYTES} (`head -c 32 /dev/urandom > KEY`)",
                key.len()
            ));
        }
        Ok(Redactor { fields, key })
    }

    /// The fields named by `--redact`.
    pub(crate) fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Replaces, at any depth (in list items too), the value of every key
    /// named by `--redact` with `"hmac-sha256:HEX"`, its hash under the key.
    /// `null` stays `null`: nothing was given.
    pub(crate) fn redact(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if self.fields.iter().any(|f| f == k) {
                        if !v.is_null() {
                            *v = serde_json::Value::String(self.hash(k, v));
                        }
                    } else {
                        self.redact(v);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact(v)),
            serde_json::Value::Null
            | serde_json::Value::Bool(_)
            | serde_json::Value::Number(_)
            | serde_json::Value::String(_) => {}
        }
    }

    /// The keyed hash of a field's value: over the field's name and the
    /// value's JSON text, so equal values of different fields differ.
    fn hash(&self, field: &str, value: &serde_json::Value) -> String {
        // INVARIANT: HMAC takes a key of any length; `new_from_slice` only
        // fails for MACs of fixed key size.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return "hmac-sha256:".into();
        };
        mac.update(field.as_bytes());
        mac.update(b"\0");
        mac.update(value.to_string().as_bytes());
        let bytes = mac.finalize().into_bytes();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("hmac-sha256:{hex}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn named_fields_are_hashed_at_any_depth_and_stably() {
        let r = Redactor::new(vec!["name".into(), "id".into()], vec![7; 32]).unwrap();
        let mut v = serde_json::json!({"name": "张三", "age": 30, "id": null,
            "members": [{"name": "李四", "age": 5}]});
        r.redact(&mut v);
        let name = v["name"].as_str().unwrap();
        assert!(name.starts_with("hmac-sha256:") && name.len() == 12 + 64);
        assert_eq!(v["age"], 30);
        assert!(v["id"].is_null());
        assert!(v["members"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:"));
        assert!(!v.to_string().contains("张三") && !v.to_string().contains("李四"));
        // The same value hashes the same; another key hashes differently.
        let mut again = serde_json::json!({"name": "张三"});
        r.redact(&mut again);
        assert_eq!(again["name"], v["name"]);
        let other = Redactor::new(vec!["name".into()], vec![8; 32]).unwrap();
        let mut third = serde_json::json!({"name": "张三"});
        other.redact(&mut third);
        assert_ne!(third["name"], v["name"]);
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(Redactor::new(vec![], vec![1; 8]).is_err());
    }
}
