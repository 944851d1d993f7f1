//! The set of schemes a server answers for: each loaded from its file,
//! checked (and, with `--trust`, its signature verified), and held as one
//! immutable set that a reload replaces whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use bursar_runtime::Bundle;

use crate::load::{read_file, MAX_BUNDLE_BYTES, MAX_FILE_BYTES};

/// One scheme being served.
pub(crate) struct Served {
    /// The file it was loaded from, as given on the command line.
    pub(crate) source: PathBuf,
    pub(crate) bundle: Bundle,
    /// The JSON Schema of one applicant (`GET /v1/schemes`).
    pub(crate) input_schema: serde_json::Value,
}

/// The schemes served, in the order given; ids are unique.
#[derive(Default)]
pub(crate) struct SchemeSet {
    pub(crate) schemes: Vec<Arc<Served>>,
}

impl SchemeSet {
    pub(crate) fn get(&self, id: &str) -> Option<&Served> {
        self.schemes
            .iter()
            .find(|s| s.bundle.scheme.id == id)
            .map(AsRef::as_ref)
    }

    /// The ids served, for messages.
    pub(crate) fn ids(&self) -> String {
        self.schemes
            .iter()
            .map(|s| format!("`{}`", s.bundle.scheme.id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A set from schemes loaded, refusing two with one id (a request
    /// could not say which it means).
    pub(crate) fn new(schemes: Vec<Arc<Served>>) -> Result<SchemeSet, String> {
        for (i, s) in schemes.iter().enumerate() {
            let id = &s.bundle.scheme.id;
            if let Some(other) = schemes.iter().take(i).find(|o| &o.bundle.scheme.id == id) {
                return Err(format!(
                    "`{}` and `{}` are both scheme `{id}`; a scheme is served once",
                    other.source.display(),
                    s.source.display()
                ));
            }
        }
        Ok(SchemeSet { schemes })
    }
}

/// When a file last changed, as far as polling can tell: its modification
/// time, length and inode (a file renamed over it, as a deploy should do,
/// is a new inode even within one tick of a coarse clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp(Option<(SystemTime, u64, u64)>);

impl Stamp {
    pub(crate) fn of(path: &Path) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp(
            std::fs::metadata(path)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len(), m.ino()))),
        )
    }
}

/// Loads one scheme: a bundle, or a `.bursar` policy compiled now. With
/// `trusted` keys, only a bundle signed by one of them.
pub(crate) fn load(
    source: &Path,
    trusted: Option<&[ed25519_dalek::VerifyingKey]>,
) -> Result<Served, String> {
    let name = source.display();
    let bundle = if source.extension().is_some_and(|e| e == "bursar") {
        if trusted.is_some() {
            return Err(format!(
                "`{name}` is a policy, and with `--trust` only signed bundles are served (`bursar compile {name} -o BUNDLE --sign KEY`)"
            ));
        }
        let bytes = read_file(source, MAX_FILE_BYTES).map_err(|e| format!("`{name}`: {e}"))?;
        let text = crate::text::decode(bytes).map_err(|e| format!("`{name}`: {e}"))?;
        let file = bursar_compiler::SourceFile::new(name.to_string(), text);
        let compiled = bursar_compiler::compile_with(&file, &crate::load::FsLoader);
        for d in &compiled.diagnostics {
            eprint!("{}", d.render(false));
        }
        let scheme = compiled
            .scheme
            .ok_or_else(|| format!("`{name}` has errors"))?;
        bursar_compiler::bundle(scheme)
    } else {
        let bytes = read_file(source, MAX_BUNDLE_BYTES)
            .map_err(|e| format!("cannot read `{name}`: {e}"))?;
        Bundle::from_slice(&bytes).map_err(|e| format!("`{name}`: {e}"))?
    };
    if let Some(keys) = trusted {
        crate::sign::verify(&bundle, keys).map_err(|why| format!("`{name}`: {why}"))?;
    }
    let input_schema = bursar_compiler::input_schema(&bundle.scheme);
    Ok(Served {
        source: source.to_path_buf(),
        bundle,
        input_schema,
    })
}
