//! The keys of `--sign` and `--trust` read from their PEM files, for every
//! command that signs or checks bundles (`compile`, `verify`, `serve`).

use std::path::{Path, PathBuf};

use crate::load::read;
use crate::sign;
use crate::Exit;

/// Reads the private key of `--sign`.
pub(crate) fn read_signing_key(path: &Path) -> Result<ed25519_dalek::SigningKey, Exit> {
    let text = read(path)?;
    sign::read_private(&text).map_err(|e| {
        eprintln!("error: `--sign {}`: {e}", path.display());
        Exit::Failed
    })
}

/// Reads the public keys of `--trust`.
pub(crate) fn read_trusted(paths: &[PathBuf]) -> Result<Vec<ed25519_dalek::VerifyingKey>, Exit> {
    paths
        .iter()
        .map(|p| {
            let text = read(p)?;
            sign::read_public(&text).map_err(|e| {
                eprintln!("error: `--trust {}`: {e}", p.display());
                Exit::Failed
            })
        })
        .collect()
}
