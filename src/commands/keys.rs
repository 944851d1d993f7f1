//! `bursar keygen` and `bursar verify`: the keys that sign bundles, and
//! whether a bundle is signed by a trusted one (docs/bundle.md, "Signed
//! bundles").

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::load::keys::read_trusted;
use crate::load::{read_file, MAX_BUNDLE_BYTES};
use crate::sign;
use crate::Exit;

/// Writes a new key pair: `key` (private, readable by its owner only) and
/// `key.pub`. Neither may exist: a key is never overwritten.
pub(crate) fn keygen(key: &Path) -> Exit {
    let public = public_path(key);
    let (private_pem, public_pem) = match sign::generate() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    for (path, text, mode) in [
        (key, &private_pem, 0o600),
        (public.as_path(), &public_pem, 0o644),
    ] {
        if let Err(e) = create(path, text, mode) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            if path != key {
                // Half a pair is no use: take the private key back.
                let _ = std::fs::remove_file(key);
            }
            return Exit::Io;
        }
    }
    let fingerprint = sign::read_public(&public_pem)
        .map(|k| sign::fingerprint(&k))
        .unwrap_or_default();
    eprintln!(
        "wrote {} (the private key: keep it secret) and {} (the public key, for `--trust`), key {fingerprint}",
        key.display(),
        public.display()
    );
    Exit::Ok
}

/// `key.pem` → `key.pem.pub`.
fn public_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Creates `path` (never replacing a file) with `text`, readable as `mode`
/// says where the system has modes.
fn create(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Whether `bundle` loads (its hash holds) and is signed by one of the
/// `trust` keys.
pub(crate) fn verify(bundle: &Path, trust: &[PathBuf]) -> Exit {
    let trusted = match read_trusted(trust) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let bytes = match read_file(bundle, MAX_BUNDLE_BYTES) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", bundle.display());
            return Exit::Io;
        }
    };
    let loaded = match bursar_runtime::Bundle::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: `{}`: {e}", bundle.display());
            return Exit::Failed;
        }
    };
    match sign::verify(&loaded, &trusted) {
        Ok(key) => {
            println!(
                "{}: {} ({}) signed by {}",
                bundle.display(),
                loaded.scheme.id,
                loaded.hash,
                sign::fingerprint(key)
            );
            Exit::Ok
        }
        Err(why) => {
            eprintln!("error: `{}`: {why}", bundle.display());
            Exit::Failed
        }
    }
}
