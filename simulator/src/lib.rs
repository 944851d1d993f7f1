//! Populations in, budget effects out.
//!
//! A population file is read ([`population`]), every row is decided by the
//! runtime's evaluator, the one engineers ship ([`run`]), and the decisions
//! are added up ([`tally`]) into a report ([`report`]), rendered in each
//! format by [`render`]. What-if questions
//! change the scheme ([`overrides`], [`scenario`]) or people's behaviour
//! ([`assume`]), and two schemes can be compared person by person
//! ([`compare`]); [`solve`] fits amounts to a budget. Nothing here
//! interprets a rule.

pub mod arrow_text;
pub mod assume;
pub mod attribution;
pub mod awards;
pub mod citations;
pub mod compare;
pub mod draws;
pub mod encoding;
pub mod fingerprints;
pub mod html;
pub mod id_copy;
pub mod identifiers;
mod line_ends;
pub mod lists;
pub mod overrides;
pub mod parquet;
pub mod parquet_write;
pub mod persons;
pub mod placements;
pub mod population;
pub mod progress;
pub mod records;
pub mod render;
pub mod repeated_rows;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sheet;
pub mod solve;
pub mod sorted;
pub mod source;
pub mod spelling;
pub mod spool;
pub mod sum;
pub mod synth;
pub mod synth_scheme;
pub mod tally;
pub mod weight;
