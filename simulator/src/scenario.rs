//! Scenario files: a named what-if kept next to the policy, in TOML.
//!
//! ```toml
//! description = "国家一级资助提高到2500元"
//! policy = "../2023-career-boost.bursar"   # for `bursar compare`; optional
//!
//! [set]                                    # overrides, as with --set
//! "standard.level1" = 2500
//!
//! [assume]                                 # behaviour, optional
//! seed = 1
//! late_share = 0.05                        # of those who apply, share who are late
//! timeline_fraction = 0.5                  # expected case: share of each step's limit used
//! [assume.take_up]                         # per category: share of the eligible who apply
//! vocational = 0.8
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::assume::{Assumptions, EXPECTED_FRACTION};

/// A parsed scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// The policy the scenario applies to, relative to the scenario file.
    pub policy: Option<String>,
    /// `(path, value)` overrides, in the file's order.
    pub set: Vec<(String, String)>,
    pub assume: Option<Assumptions>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    description: Option<String>,
    policy: Option<String>,
    #[serde(default)]
    set: toml::Table,
    assume: Option<AssumeFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssumeFile {
    #[serde(default)]
    take_up: BTreeMap<String, f64>,
    late_share: Option<f64>,
    timeline_fraction: Option<f64>,
    seed: Option<u64>,
}

impl Scenario {
    /// Parses a scenario's text. `name` is usually the file's stem.
    pub fn parse(name: &str, text: &str) -> Result<Scenario, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut set = Vec::new();
        for (path, value) in file.set {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(","),
                other => return Err(format!("`{path}`: unsupported value `{other}`")),
            };
            set.push((path, value));
        }
        let assume = match file.assume {
            None => None,
            Some(a) => {
                let share = |what: &str, v: f64| {
                    if (0.0..=1.0).contains(&v) {
                        Ok(v)
                    } else {
                        Err(format!("`{what}` must be between 0 and 1, not {v}"))
                    }
                };
                for (k, v) in &a.take_up {
                    share(&format!("take_up.{k}"), *v)?;
                }
                Some(Assumptions {
                    take_up: a.take_up,
                    late_share: share("late_share", a.late_share.unwrap_or(0.0))?,
                    late: BTreeMap::new(),
                    timeline_fraction: share(
                        "timeline_fraction",
                        a.timeline_fraction.unwrap_or(EXPECTED_FRACTION),
                    )?,
                    seed: a.seed.unwrap_or(0),
                })
            }
        };
        Ok(Scenario {
            name: name.to_string(),
            description: file.description,
            policy: file.policy,
            set,
            assume,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_assumptions() {
        let s = Scenario::parse(
            "x",
            r#"
            description = "d"
            [set]
            "standard.level1" = 2500
            "social_work.sw_level.in" = ["senior", "regular"]
            [assume]
            late_share = 0.1
            [assume.take_up]
            vocational = 0.8
            "#,
        )
        .unwrap();
        assert_eq!(
            s.set,
            vec![
                (
                    "social_work.sw_level.in".to_string(),
                    "senior,regular".to_string()
                ),
                ("standard.level1".to_string(), "2500".to_string())
            ]
        );
        let a = s.assume.unwrap();
        assert_eq!(a.take_up.get("vocational"), Some(&0.8));
        assert_eq!(a.late_share, 0.1);
        assert!(Scenario::parse("x", "[assume]\nlate_share = 2.0").is_err());
        assert!(Scenario::parse("x", "sett = 1").is_err());
    }
}
