//! Signed bundles: Ed25519 keys, and signatures over a bundle's hash.
//!
//! The signature covers the bundle's `hash` (which the loader holds to the
//! scheme), prefixed with a domain tag so that a Bursar signature can never
//! be taken for a signature over anything else. Keys are standard PEM
//! files: PKCS#8 for the private key, SubjectPublicKeyInfo for the public
//! one, as OpenSSL writes them (`openssl genpkey -algorithm ed25519`,
//! `openssl pkey -in key.pem -pubout`).

use bursar_runtime::{Bundle, BundleSignature};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// What is signed before the hash.
const DOMAIN: &[u8] = b"bursar-bundle-signature/1\n";

/// The one algorithm a signature may name.
pub(crate) const ALGORITHM: &str = "ed25519";

/// Why a bundle's signature is not trusted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Untrusted {
    Unsigned,
    Algorithm(String),
    /// Signed by a key not given with `--trust`.
    UnknownKey(String),
    Malformed(String),
    /// The signature does not verify: the hash was changed after signing,
    /// or the signature was.
    Invalid,
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Untrusted::Unsigned => f.write_str("the bundle is not signed"),
            Untrusted::Algorithm(a) => {
                write!(
                    f,
                    "the bundle is signed with `{a}`, and only `{ALGORITHM}` is known"
                )
            }
            Untrusted::UnknownKey(k) => write!(
                f,
                "the bundle is signed by key {}, which is not a trusted key",
                fingerprint_hex(k)
            ),
            Untrusted::Malformed(m) => write!(f, "the bundle's signature is malformed: {m}"),
            Untrusted::Invalid => f.write_str(
                "the bundle's signature does not match its hash: it was changed after signing",
            ),
        }
    }
}

/// A new key pair from the operating system's random source, as PEM:
/// (private, public).
pub(crate) fn generate() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no random source: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    // PKCS#8 version 1 (the secret alone): what OpenSSL reads and writes;
    // `SigningKey::to_pkcs8_pem` writes version 2, which OpenSSL 3 refuses.
    let private = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .map_err(|e| e.to_string())?
    .to_string();
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    Ok((private, public))
}

pub(crate) fn read_private(pem: &str) -> Result<SigningKey, String> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| format!("not an Ed25519 private key in PEM: {e}"))
}

pub(crate) fn read_public(pem: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_pem(pem)
        .map_err(|e| format!("not an Ed25519 public key in PEM: {e}"))
}

/// Signs `bundle`'s hash, replacing any signature it had.
pub(crate) fn sign(bundle: &mut Bundle, key: &SigningKey) {
    let signature = key.sign(&message(&bundle.hash));
    bundle.signature = Some(BundleSignature {
        algorithm: ALGORITHM.to_string(),
        public_key: hex(key.verifying_key().as_bytes()),
        value: hex(&signature.to_bytes()),
    });
}

/// Whether `bundle` is signed, validly, by one of `trusted`; the key that
/// signed it if so.
pub(crate) fn verify<'k>(
    bundle: &Bundle,
    trusted: &'k [VerifyingKey],
) -> Result<&'k VerifyingKey, Untrusted> {
    let Some(s) = &bundle.signature else {
        return Err(Untrusted::Unsigned);
    };
    if s.algorithm != ALGORITHM {
        return Err(Untrusted::Algorithm(s.algorithm.clone()));
    }
    let key = trusted
        .iter()
        .find(|k| hex(k.as_bytes()) == s.public_key)
        .ok_or_else(|| Untrusted::UnknownKey(s.public_key.clone()))?;
    let bytes: [u8; 64] = unhex(&s.value)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Untrusted::Malformed("the value is not 64 bytes of hex".into()))?;
    key.verify_strict(&message(&bundle.hash), &Signature::from_bytes(&bytes))
        .map_err(|_| Untrusted::Invalid)?;
    Ok(key)
}

/// A key's short name for people: the first 16 hex digits of its bytes.
pub(crate) fn fingerprint(key: &VerifyingKey) -> String {
    fingerprint_hex(&hex(key.as_bytes()))
}

fn fingerprint_hex(hex: &str) -> String {
    format!("ed25519:{}", hex.get(..16).unwrap_or(hex))
}

fn message(hash: &str) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(hash.as_bytes());
    m
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2)
        || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/cases/ok/minimal.bursar"
        ))
        .unwrap();
        let source = bursar_compiler::SourceFile::new("minimal.bursar", text);
        let scheme = bursar_compiler::compile(&source).scheme.unwrap();
        bursar_compiler::bundle(scheme)
    }

    #[test]
    fn a_signed_bundle_verifies_with_its_key_only() {
        let (private, public) = generate().unwrap();
        let (_, other) = generate().unwrap();
        let key = read_private(&private).unwrap();
        let public = read_public(&public).unwrap();
        let other = read_public(&other).unwrap();
        let mut b = bundle();
        assert_eq!(verify(&b, &[public]), Err(Untrusted::Unsigned));
        sign(&mut b, &key);
        assert_eq!(verify(&b, &[other, public]), Ok(&public));
        assert!(matches!(
            verify(&b, &[other]),
            Err(Untrusted::UnknownKey(_))
        ));
        // Deterministic: the same key signs the same bundle the same way.
        let mut again = bundle();
        sign(&mut again, &key);
        assert_eq!(again, b);
        // A changed hash no longer verifies.
        b.hash.replace_range(
            7..8,
            if b.hash.get(7..8) == Some("0") {
                "1"
            } else {
                "0"
            },
        );
        assert_eq!(verify(&b, &[public]), Err(Untrusted::Invalid));
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])),
            Some(vec![0, 1, 0xab, 0xff])
        );
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("AB"), None);
        assert_eq!(unhex("zz"), None);
    }
}
