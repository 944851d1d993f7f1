//! `bursar compile`: a policy into a bundle, and a JSON Schema for one applicant.

use std::path::Path;

use crate::load::{compile_file, same_file, write, MAX_BUNDLE_BYTES};
use crate::Exit;

pub(crate) fn compile_bundle(
    policy: &Path,
    output: &Path,
    schema: Option<&Path>,
    sign_with: Option<&Path>,
) -> Exit {
    for (path, what) in std::iter::once((output, "-o")).chain(schema.map(|s| (s, "--input-schema")))
    {
        if same_file(policy, path) {
            eprintln!(
                "error: `{what} {}` would overwrite its own source, `{}`",
                path.display(),
                policy.display()
            );
            return Exit::Usage;
        }
    }
    // The key first: a bad key writes nothing.
    let key = match sign_with.map(crate::load::keys::read_signing_key) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => return e,
        None => None,
    };
    let compiled = match compile_file(policy) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(scheme) = compiled.scheme else {
        return Exit::Failed;
    };
    if let Some(path) = schema {
        let json = bursar_compiler::input_schema(&scheme);
        let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
        if let Err(e) = write(path, &text) {
            return e;
        }
    }
    let mut bundle = bursar_compiler::bundle(scheme);
    if let Some(key) = &key {
        crate::sign::sign(&mut bundle, key);
    }
    let json = bundle.to_json();
    if json.len() as u64 > MAX_BUNDLE_BYTES {
        eprintln!(
            "error: the bundle of `{}` would be {} bytes, more than the {MAX_BUNDLE_BYTES} a bundle is read up to; nothing written",
            policy.display(),
            json.len()
        );
        return Exit::Failed;
    }
    if let Err(e) = write(output, &json) {
        return e;
    }
    match &key {
        Some(k) => eprintln!(
            "wrote {} ({}), signed by {}",
            output.display(),
            bundle.hash,
            crate::sign::fingerprint(&k.verifying_key())
        ),
        None => eprintln!("wrote {} ({})", output.display(), bundle.hash),
    }
    Exit::Ok
}
