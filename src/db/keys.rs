//! Free record keys: a name's slug, or the slug with the first free numeric
//! suffix. One query reads every key in use that could collide, so the
//! 600th provider of the same name costs what the second does.

use std::collections::HashSet;

use diesel::QueryResult;

use super::{DbConnection, StoreResult};
use crate::domain::codes::RecordKey;

/// Reads the keys of one table equal to `base` or starting with `base-`.
pub(super) type KeysFrom = fn(&mut DbConnection, &str) -> QueryResult<Vec<String>>;

/// The `LIKE` pattern of the keys that extend `base` with a suffix. Keys
/// hold only letters, digits and hyphens, so nothing needs escaping.
pub(super) fn suffixed(base: &str) -> String {
    format!("{base}-%")
}

/// The slug of `name`, or the slug with the first free suffix from 2 up.
pub(super) fn free_key(
    conn: &mut DbConnection,
    name: &str,
    keys_from: KeysFrom,
) -> StoreResult<RecordKey> {
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
