//! Passwords: what a new one must be, and how one is kept (argon2id, never
//! the password itself).

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use zxcvbn::Score;

use super::rules::Checked;

/// Fewer characters than this are refused whatever they are.
pub const MIN_CHARS: usize = 12;
/// More is not a password anyone types, and hashing it would only cost time.
pub const MAX_CHARS: usize = 256;

/// A password someone typed. Its `Debug` says nothing, so it cannot reach a
/// log through a derived `Debug` of what holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Password {
        Password(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A password that meets the rules for a new one.
#[derive(Debug, Clone)]
pub struct NewPassword(Password);

impl NewPassword {
    /// At least [`MIN_CHARS`] characters, and not one that a guesser would
    /// try early: zxcvbn's estimate (common passwords, names, keyboard
    /// patterns, dates, and the person's own name and address in
    /// `personal`) must put it beyond 10^10 guesses.
    pub fn parse(typed: &Password, personal: &[&str]) -> Checked<NewPassword> {
        let text = typed.expose();
        let chars = text.chars().count();
        if chars < MIN_CHARS {
            return Err(format!(
                "Choose a password of at least {MIN_CHARS} characters: a few words you will remember make a good one"
            ));
        }
        if chars > MAX_CHARS {
            return Err(format!(
                "Choose a password of at most {MAX_CHARS} characters"
            ));
        }
        if made_of(text, personal) {
            return Err(
                "Choose a password that is not made of your name or e-mail address".to_owned(),
            );
        }
        let estimate = zxcvbn::zxcvbn(text, personal);
        if estimate.score() < Score::Three {
            let why = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            return Err(format!(
                "Choose a password that is harder to guess{why}: add another word or two that do not belong together"
            ));
        }
        Ok(NewPassword(typed.clone()))
    }

    /// The password kept as an argon2id hash (a PHC string with its salt).
    pub fn hash(&self) -> String {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let salt = SaltString::encode_b64(&bytes)
            .expect("sixteen bytes make a salt of the length argon2 takes");
        Argon2::default()
            .hash_password(self.0.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            // Hashing fails only for parameters or a salt out of range, and
            // these are argon2's own defaults.
            .expect("argon2 hashes with its default parameters")
    }
}

/// Whether `text` is little more than the person's own words with digits
/// and punctuation around them: what is left once they are taken out would
/// be guessed at once by anyone who knows whose account it is.
fn made_of(text: &str, personal: &[&str]) -> bool {
    let mut rest = text.to_lowercase();
    for word in personal.iter().filter(|w| w.chars().count() >= 3) {
        rest = rest.replace(&word.to_lowercase(), "");
    }
    rest.chars().filter(|c| c.is_alphabetic()).count() < 4
}

/// Whether `typed` is the password kept as `hash`. A hash that does not
/// read is a wrong password, never an error a caller could tell apart.
pub fn verify(typed: &Password, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(typed.expose().as_bytes(), &parsed)
            .is_ok()
    })
}

/// Spends the time a verification takes, for a sign-in whose address has
/// no account, so the answer's timing does not tell that apart.
pub fn verify_nothing(typed: &Password) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY
        .get_or_init(|| NewPassword(Password::new("no account has this password, ever")).hash());
    let _ = verify(typed, hash);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_common_passwords_are_refused_with_a_reason() {
        for weak in ["short", "password1234", "qwertyuiop12", "aaaaaaaaaaaaaaaa"] {
            let refused = NewPassword::parse(&Password::new(weak), &[]).unwrap_err();
            assert!(
                refused.starts_with("Choose a password"),
                "{weak}: {refused}"
            );
        }
        assert!(NewPassword::parse(&Password::new("x".repeat(MAX_CHARS + 1)), &[]).is_err());
    }

    #[test]
    fn the_persons_own_name_does_not_make_a_password() {
        let personal = ["kwame", "mensah", "example"];
        for own in ["kwame mensah 2026", "Mensah.Kwame!!", "kwamemensah@example"] {
            let typed = Password::new(own);
            assert!(NewPassword::parse(&typed, &[]).is_ok(), "{own} alone");
            assert!(NewPassword::parse(&typed, &personal).is_err(), "{own}");
        }
        let typed = Password::new("kwame.mensah.harmattan");
        assert!(NewPassword::parse(&typed, &personal).is_ok());
    }

    #[test]
    fn a_kept_password_verifies_and_nothing_else_does() {
        let typed = Password::new("correct horse battery staple");
        let hash = NewPassword::parse(&typed, &[]).unwrap().hash();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("horse"));
        assert!(verify(&typed, &hash));
        assert!(!verify(
            &Password::new("correct horse battery stapler"),
            &hash
        ));
        assert!(!verify(&typed, "not a hash"));
        assert_eq!(format!("{typed:?}"), "Password(…)");
    }
}
