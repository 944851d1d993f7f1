//! Signed bundles end to end (issue #16, section 4): `keygen`, `compile
//! --sign`, `verify --trust`, and OpenSSL on the other side of each.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bursar, fails, stderr, stdout, temp};

const POLICY: &str = "policies/beijing/2023-career-boost.bursar";
const DRAFT: &str = "policies/beijing/2024-career-boost-draft.bursar";

fn dir(name: &str) -> PathBuf {
    let d = temp(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(args: &[&str]) -> std::process::Output {
    let o = bursar(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    o
}

fn openssl(args: &[&str]) -> std::process::Output {
    let o = Command::new("openssl")
        .args(args)
        .output()
        .expect("`openssl` is needed by this test (Debian's openssl package)");
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
    o
}

#[test]
fn a_bundle_signed_with_a_new_key_verifies_with_that_key_only() {
    let d = dir("sign-own");
    let (key, other, bundle) = (d.join("k.pem"), d.join("o.pem"), d.join("b.json"));
    ok(&["keygen", "-o", s(&key)]);
    ok(&["keygen", "-o", s(&other)]);
    ok(&["compile", POLICY, "-o", s(&bundle), "--sign", s(&key)]);
    let o = ok(&["verify", s(&bundle), "--trust", &format!("{}.pub", s(&key))]);
    assert!(stdout(&o).contains("signed by ed25519:"), "{}", stdout(&o));
    // Several trusted keys: any one will do.
    ok(&[
        "verify",
        s(&bundle),
        "--trust",
        &format!("{}.pub", s(&other)),
        "--trust",
        &format!("{}.pub", s(&key)),
    ]);
    fails(
        &[
            "verify",
            s(&bundle),
            "--trust",
            &format!("{}.pub", s(&other)),
        ],
        1,
        "which is not a trusted key",
    );
    // A signed bundle is a bundle: it decides, and signing is deterministic.
    let again = d.join("again.json");
    ok(&["compile", POLICY, "-o", s(&again), "--sign", s(&key)]);
    assert_eq!(
        std::fs::read(&bundle).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let o = bursar(&[
        "simulate",
        s(&bundle),
        "--population",
        "policies/beijing/data/population-sample.csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The private key is its owner's alone; a key is never overwritten.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    let before = std::fs::read(&key).unwrap();
    fails(&["keygen", "-o", s(&key)], 3, "File exists");
    assert_eq!(std::fs::read(&key).unwrap(), before);
}

#[test]
fn unsigned_moved_and_broken_signatures_are_refused() {
    let d = dir("sign-refused");
    let (key, signed, unsigned, draft) = (
        d.join("k.pem"),
        d.join("signed.json"),
        d.join("unsigned.json"),
        d.join("draft.json"),
    );
    let public = format!("{}.pub", s(&key));
    ok(&["keygen", "-o", s(&key)]);
    ok(&["compile", POLICY, "-o", s(&signed), "--sign", s(&key)]);
    ok(&["compile", POLICY, "-o", s(&unsigned)]);
    ok(&["compile", DRAFT, "-o", s(&draft)]);
    fails(
        &["verify", s(&unsigned), "--trust", &public],
        1,
        "not signed",
    );
    // The 2023 signature pasted onto the 2024 draft: its hash differs.
    let signed_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&signed).unwrap()).unwrap();
    let mut moved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&draft).unwrap()).unwrap();
    moved["signature"] = signed_json["signature"].clone();
    std::fs::write(&draft, serde_json::to_string_pretty(&moved).unwrap()).unwrap();
    fails(
        &["verify", s(&draft), "--trust", &public],
        1,
        "does not match its hash",
    );
    // A signature value that is not one.
    let mut broken = signed_json.clone();
    broken["signature"]["value"] = "zz".into();
    std::fs::write(&signed, serde_json::to_string_pretty(&broken).unwrap()).unwrap();
    fails(&["verify", s(&signed), "--trust", &public], 1, "malformed");
    // A scheme changed after signing fails its hash before its signature.
    let mut changed = signed_json;
    changed["scheme"]["header"]["title"] = "改过的标题".into();
    std::fs::write(&signed, serde_json::to_string_pretty(&changed).unwrap()).unwrap();
    fails(
        &["verify", s(&signed), "--trust", &public],
        1,
        "does not match",
    );
    // Not a key.
    fails(
        &["verify", s(&unsigned), "--trust", POLICY],
        1,
        "not an Ed25519 public key",
    );
    fails(
        &[
            "compile",
            POLICY,
            "-o",
            s(&d.join("x.json")),
            "--sign",
            &public,
        ],
        1,
        "not an Ed25519 private key",
    );
    assert!(!d.join("x.json").exists());
}

#[test]
fn openssl_keys_sign_and_openssl_checks_the_signature() {
    let d = dir("sign-openssl");
    let (key, public, bundle) = (d.join("k.pem"), d.join("k.pub"), d.join("b.json"));
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", s(&key)]);
    openssl(&["pkey", "-in", s(&key), "-pubout", "-out", s(&public)]);
    ok(&["compile", POLICY, "-o", s(&bundle), "--sign", s(&key)]);
    ok(&["verify", s(&bundle), "--trust", s(&public)]);
    // OpenSSL verifies what bursar signed: the domain tag, then the hash.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let message = d.join("message");
    std::fs::write(
        &message,
        format!(
            "bursar-bundle-signature/1\n{}",
            json["hash"].as_str().unwrap()
        ),
    )
    .unwrap();
    let hex = json["signature"]["value"].as_str().unwrap();
    let sig: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let sig_path = d.join("sig");
    std::fs::write(&sig_path, sig).unwrap();
    openssl(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        s(&public),
        "-rawin",
        "-in",
        s(&message),
        "-sigfile",
        s(&sig_path),
    ]);
    // And a bursar key is an OpenSSL key.
    let own = d.join("own.pem");
    ok(&["keygen", "-o", s(&own)]);
    let derived = openssl(&["pkey", "-in", s(&own), "-pubout"]);
    assert_eq!(
        stdout(&derived),
        std::fs::read_to_string(format!("{}.pub", s(&own))).unwrap()
    );
}
