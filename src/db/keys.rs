//! Free record keys: a name's slug, or the slug with the first free numeric
//! suffix. One query reads every key in use that could collide, so the
//! 600th provider of the same name costs what the second does.

use std::collections::HashSet;

use diesel::QueryResult;

use super::{DbConnection, StoreError, StoreResult};
use crate::domain::codes::RecordKey;

/// Reads the keys of one table equal to `base` or starting with `base-`.
pub(super) type KeysFrom = fn(&mut DbConnection, &str) -> QueryResult<Vec<String>>;

/// The `LIKE` pattern of the keys that extend `base` with a suffix. Keys
/// hold only letters, digits and hyphens, so nothing needs escaping.
pub(super) fn suffixed(base: &str) -> String {
    format!("{base}-%")
}

/// Whether a table holds a key.
pub(super) type KeyExists = fn(&mut DbConnection, &str) -> QueryResult<bool>;

/// The key a new record gets: the one asked for, refused when taken, or
/// else one made from `name` (called only then).
pub(super) fn new_key(
    conn: &mut DbConnection,
    asked: Option<RecordKey>,
    exists: KeyExists,
    name: impl FnOnce() -> String,
    keys_from: KeysFrom,
) -> StoreResult<RecordKey> {
    match asked {
        Some(key) if exists(conn, key.as_str())? => Err(StoreError::KeyTaken(key.to_string())),
        Some(key) => Ok(key),
        None => free_key(conn, &name(), keys_from),
    }
}

/// The slug of `name`, or the slug with the first free suffix from 2 up.
fn free_key(conn: &mut DbConnection, name: &str, keys_from: KeysFrom) -> StoreResult<RecordKey> {
    let base = RecordKey::slug_of(name).unwrap_or_else(|| RecordKey::trusted("record"));
    let taken: HashSet<String> = keys_from(conn, base.as_str())?.into_iter().collect();
    Ok(first_free(base, &taken))
}

fn first_free(base: RecordKey, taken: &HashSet<String>) -> RecordKey {
    if !taken.contains(base.as_str()) {
        return base;
    }
    // At most `taken.len() + 1` candidates: one of them is free.
    (2..)
        .map(|n| base.with_suffix(n))
        .find(|candidate| !taken.contains(candidate.as_str()))
        .expect("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(keys: &[&str]) -> HashSet<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn the_slug_itself_then_the_first_free_suffix() {
        let base = || RecordKey::parse("cyber-institute").unwrap();
        assert_eq!(first_free(base(), &taken(&[])).as_str(), "cyber-institute");
        assert_eq!(
            first_free(base(), &taken(&["cyber-institute", "cyber-institute-2"])).as_str(),
            "cyber-institute-3"
        );
        assert_eq!(
            first_free(base(), &taken(&["cyber-institute", "cyber-institute-3"])).as_str(),
            "cyber-institute-2",
            "a gap is filled"
        );
    }
}
