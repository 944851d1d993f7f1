//! `bursar allocate`'s rows: every claim on a quota and what allocation
//! gave it, as CSV (`person_id,pool,outcome,rank`, the first column named
//! after the scheme's identifier), in quota order then rank order.
//!
//! Rows are written as allocation gives places, so that no claim is held
//! for them, into a temporary file: a run that stops during allocation
//! must leave no output that looks whole, so the rows are handed on
//! ([`PlacementsOut::copy_to`]) only once the run is done.

use std::io::{BufWriter, Seek, Write};
use std::sync::Mutex;

use bursar_runtime::ir::Scheme;
use bursar_runtime::Placement;

use crate::persons::identifier_name;

/// The CSV rows, written to a temporary file.
type Rows = csv::Writer<BufWriter<std::fs::File>>;

/// The rows of one run's placements, and the first error writing them.
pub struct PlacementsOut {
    /// Each quota's name, by index.
    pools: Vec<String>,
    /// The rows (taken when copied), and the first error writing them.
    rows: Mutex<(Option<Rows>, Option<std::io::Error>)>,
}

impl std::fmt::Debug for PlacementsOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlacementsOut")
            .field("pools", &self.pools)
            .finish_non_exhaustive()
    }
}

impl PlacementsOut {
    /// The writer of `scheme`'s placements, its header written.
    pub fn new(scheme: &Scheme) -> std::io::Result<PlacementsOut> {
        let id = identifier_name(scheme).unwrap_or_else(|| "id".to_string());
        let file = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
        let mut rows = csv::Writer::from_writer(file);
        rows.write_record([id.as_str(), "pool", "outcome", "rank"])?;
        Ok(PlacementsOut {
            pools: scheme.quotas.iter().map(|q| q.name.clone()).collect(),
            rows: Mutex::new((Some(rows), None)),
        })
    }

    /// Writes one placement, in the order allocation gives them. The
    /// first error is kept for [`PlacementsOut::copy_to`].
    pub fn add(&self, p: &Placement) {
        let Ok(mut rows) = self.rows.lock() else {
            return;
        };
        let (Some(out), None) = &mut *rows else {
            return;
        };
        let pool = self
            .pools
            .get(p.claim.quota as usize)
            .map_or("", String::as_str);
        let outcome = if p.allocated { "allocated" } else { "no_place" };
        let rank = p.rank.to_string();
        if let Err(e) = out.write_record([p.claim.id.as_str(), pool, outcome, &rank]) {
            rows.1 = Some(e.into());
        }
    }

    /// Every row written, copied to `to`: the first error writing them
    /// or copying. Called once, when the run is done.
    pub fn copy_to(&self, to: &mut dyn Write) -> std::io::Result<()> {
        let taken = match self.rows.lock() {
            Ok(mut rows) => match &mut *rows {
                (_, Some(e)) => return Err(std::io::Error::new(e.kind(), e.to_string())),
                (out, None) => out.take(),
            },
            Err(_) => None,
        };
        let Some(out) = taken else {
            return Err(std::io::Error::other(
                "the placements were left half written",
            ));
        };
        let mut file = out
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        file.rewind()?;
        std::io::copy(&mut file, to)?;
        to.flush()
    }
}
