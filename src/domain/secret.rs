//! Secrets handed to people (session ids, single-use link tokens): random,
//! shown once, and kept only as a SHA-256 hash, so a copy of the database
//! opens no session and follows no link.

use std::fmt;

use rand::RngCore;
use sha2::{Digest, Sha256};

const BYTES: usize = 32;

/// A fresh secret, or one a request carried.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn generate() -> Secret {
        let mut bytes = [0u8; BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Secret(hex::encode(bytes))
    }

    /// A secret as a request carries it; `None` for anything that cannot be
    /// one, so a hostile value never reaches a query.
    pub fn parse(text: &str) -> Option<Secret> {
        (text.len() == BYTES * 2 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Secret(text.to_ascii_lowercase()))
    }

    /// What is stored: the hash.
    pub fn hash(&self) -> String {
        digest(&self.0)
    }

    /// The secret itself, for the one place it is handed out.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The SHA-256 of `text`, in hex: also how a typed e-mail address is kept
/// where it need not be read back (the failed sign-ins).
pub fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_parsed_strictly_and_stored_hashed() {
        let secret = Secret::generate();
        assert_ne!(secret, Secret::generate());
        assert_eq!(Secret::parse(secret.expose()), Some(secret.clone()));
        assert_eq!(secret.hash().len(), 64);
        assert_ne!(secret.hash(), secret.expose());
        for bad in [
            "",
            "zz",
            &"g".repeat(64),
            &format!("{}'", &secret.expose()[1..]),
        ] {
            assert_eq!(Secret::parse(bad), None, "{bad}");
        }
        assert_eq!(format!("{secret:?}"), "Secret(…)");
    }
}
