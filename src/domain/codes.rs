//! Codes that name reference data. Each is a newtype that only
//! [`ReferenceData`](super::ReferenceData) (or a trusted row from the database)
//! can build, so holding one means the code is known.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::HashSet;

/// The one copy of `code` every holder shares. Codes are few (a few hundred
/// of all kinds) and every record holds several: shared, a page of
/// offerings reads its codes from memory the cache already holds, and a
/// million offerings hold no million copies of "GHA".
fn shared(code: &str) -> Arc<str> {
    static CODES: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();
    let mut codes = (CODES.get_or_init(Default::default).lock()).unwrap_or_else(|e| e.into_inner());
    if let Some(known) = codes.get(code) {
        return known.clone();
    }
    let code: Arc<str> = code.into();
    codes.insert(code.clone());
    code
}

macro_rules! reference_code {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl $name {
            /// For codes read back from our own database or reference files,
            /// which were checked when they were written.
            pub(crate) fn trusted(code: impl AsRef<str>) -> Self {
                $name(shared(code.as_ref()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

reference_code!(
    /// A theme or sub-theme code such as `cybercrime.judiciary`.
    ThemeCode
);
reference_code!(
    /// An ISO 3166-1 alpha-3 country code.
    Iso3
);
reference_code!(
    /// A three-digit UN M49 region code such as `"002"`.
    RegionCode
);
reference_code!(
    /// A country group code from groups.csv such as `AU`.
    GroupCode
);
reference_code!(
    /// An ISO 639-1 language code such as `fr`.
    LanguageCode
);

/// What a form or a record says about one record: the key it asks for
/// (none: derive one, or the address names it) and the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T> {
    pub key: Option<RecordKey>,
    pub data: T,
}

/// The stable key of a provider or offering: what imports match on and what
/// the URLs use. Lower-case letters, digits and hyphens, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RecordKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most 64 characters")]
    TooLong,
    #[error(
        "may hold only lower-case letters, digits and hyphens, and must start with a letter or digit"
    )]
    BadCharacters,
    #[error("\"{0}\" is reserved for the site's own pages")]
    Reserved(&'static str),
}

impl RecordKey {
    pub const MAX_LEN: usize = 64;
    const RESERVED: &'static [&'static str] = &["new"];

    pub fn parse(s: &str) -> Result<RecordKey, KeyError> {
        if s.is_empty() {
            return Err(KeyError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(KeyError::TooLong);
        }
        let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !s.chars().all(valid_char) || s.starts_with('-') {
            return Err(KeyError::BadCharacters);
        }
        // `/providers/new` is the form, so no record may be called "new".
        if let Some(reserved) = Self::RESERVED.iter().find(|r| **r == s) {
            return Err(KeyError::Reserved(reserved));
        }
        Ok(RecordKey(s.to_owned()))
    }

    /// Derives a key from a name ("Council of Europe (C-PROC)" → "council-of-europe-c-proc"),
    /// transliterating letters outside ASCII ("développement" → "developpement").
    /// Returns `None` when the name has no letter or digit to build one from.
    pub fn slug_of(name: &str) -> Option<RecordKey> {
        // Room is left for a "-2" style suffix.
        const ROOM: usize = RecordKey::MAX_LEN - 4;
        let mut slug = String::new();
        let mut cut_mid_word = false;
        for c in deunicode::deunicode(name)
            .chars()
            .flat_map(char::to_lowercase)
        {
            if slug.len() == ROOM {
                cut_mid_word = c.is_ascii_alphanumeric() && !slug.ends_with('-');
                break;
            }
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        // A long name is cut between words, never inside one, when it can be.
        if cut_mid_word {
            if let Some(at) = slug.rfind('-') {
                slug.truncate(at);
            }
        }
        let slug = slug.trim_end_matches('-');
        match RecordKey::parse(slug) {
            Err(KeyError::Reserved(_)) => RecordKey::parse(&format!("{slug}-1")).ok(),
            other => other.ok(),
        }
    }

    /// The same key with a numeric suffix, for when the plain slug is taken.
    pub fn with_suffix(&self, n: u32) -> RecordKey {
        RecordKey(format!("{}-{n}", self.0))
    }

    pub(crate) fn trusted(key: impl Into<String>) -> RecordKey {
        RecordKey(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_read_twice_is_held_once() {
        let (first, again) = (Iso3::trusted("GHA"), Iso3::trusted(String::from("GHA")));
        assert!(Arc::ptr_eq(&first.0, &again.0));
        assert_eq!(first, again);
        let other = Iso3::trusted("KEN");
        assert!(!Arc::ptr_eq(&first.0, &other.0));
        assert!(first < other, "ordered by the code, not where it is kept");
        assert_eq!(serde_json::to_string(&first).unwrap(), "\"GHA\"");
    }

    #[test]
    fn a_long_name_is_cut_between_words() {
        let key = RecordKey::slug_of(
            "Judges and prosecutors: a course on electronic evidence, training the trainers of West Africa",
        )
        .unwrap();
        assert_eq!(
            key.as_str(),
            "judges-and-prosecutors-a-course-on-electronic-evidence"
        );
        let one_word = "x".repeat(100);
        assert_eq!(
            RecordKey::slug_of(&one_word).unwrap().as_str().len(),
            60,
            "a word longer than a key is cut"
        );
    }

    #[test]
    fn keys_accept_slugs_and_reject_the_rest() {
        assert!(RecordKey::parse("coe-cproc").is_ok());
        assert_eq!(RecordKey::parse(""), Err(KeyError::Empty));
        assert_eq!(RecordKey::parse("Has Space"), Err(KeyError::BadCharacters));
        assert_eq!(RecordKey::parse("-leading"), Err(KeyError::BadCharacters));
        assert_eq!(RecordKey::parse(&"a".repeat(65)), Err(KeyError::TooLong));
        assert_eq!(RecordKey::parse("new"), Err(KeyError::Reserved("new")));
        assert_eq!(RecordKey::slug_of("New").unwrap().as_str(), "new-1");
    }

    #[test]
    fn slugs_are_derived_from_names() {
        let key = RecordKey::slug_of("Council of Europe (C-PROC), Bucharest").unwrap();
        assert_eq!(key.as_str(), "council-of-europe-c-proc-bucharest");
        assert_eq!(RecordKey::slug_of("<>\"'"), None);
    }

    #[test]
    fn slugs_transliterate_letters_outside_ascii() {
        let key = RecordKey::slug_of("Agence française de développement (AFD)").unwrap();
        assert_eq!(key.as_str(), "agence-francaise-de-developpement-afd");
        let key = RecordKey::slug_of("Ministère de l'Économie, Côte d'Ivoire").unwrap();
        assert_eq!(key.as_str(), "ministere-de-l-economie-cote-d-ivoire");
        assert_eq!(RecordKey::slug_of("Ελλάδα").unwrap().as_str(), "ellada");
    }

    proptest! {
        #[test]
        fn any_slug_is_a_valid_key_even_with_a_suffix(name in ".{0,200}", n in 2u32..1000) {
            if let Some(key) = RecordKey::slug_of(&name) {
                prop_assert!(RecordKey::parse(key.as_str()).is_ok());
                prop_assert!(RecordKey::parse(key.with_suffix(n).as_str()).is_ok());
            }
        }
    }
}
