//! A set of codes as a record keeps it: sorted, each code once, and fixed
//! once made. Every listed offering stays in memory with eight of these,
//! where a `BTreeSet` would take a tree node of its own (about 290 bytes)
//! for even one code; this takes the codes alone. Like guppy's `SortedSet`:
//! a boxed slice, as the records are never changed in place.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeSet<T>(Box<[T]>);

impl<T> CodeSet<T> {
    pub fn new() -> CodeSet<T> {
        CodeSet(Box::new([]))
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Ord> CodeSet<T> {
    pub fn contains(&self, code: &T) -> bool {
        self.0.binary_search(code).is_ok()
    }

    /// The codes in both, in order.
    pub fn intersection<'a>(&'a self, other: &'a CodeSet<T>) -> impl Iterator<Item = &'a T> {
        self.iter().filter(|code| other.contains(code))
    }
}

impl<T> Default for CodeSet<T> {
    fn default() -> Self {
        CodeSet::new()
    }
}

impl<T: Ord> FromIterator<T> for CodeSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(codes: I) -> Self {
        let mut codes: Vec<T> = codes.into_iter().collect();
        codes.sort_unstable();
        codes.dedup();
        CodeSet(codes.into_boxed_slice())
    }
}

/// Adding codes makes the slice anew: records are made whole, so this is
/// for the rare builder that adds to one.
impl<T: Ord> Extend<T> for CodeSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, codes: I) {
        let old = std::mem::take(&mut self.0).into_vec();
        *self = old.into_iter().chain(codes).collect();
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for CodeSet<T> {
    fn from(codes: [T; N]) -> Self {
        codes.into_iter().collect()
    }
}

impl<'a, T> IntoIterator for &'a CodeSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for CodeSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: serde::Serialize> serde::Serialize for CodeSet<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::CodeSet;

    proptest! {
        /// It holds, orders and finds what a `BTreeSet` of the same codes does.
        #[test]
        fn is_the_set_a_btree_set_is(codes in proptest::collection::vec(0u8..40, 0..30),
                                     other in proptest::collection::vec(0u8..40, 0..30),
                                     probe in 0u8..40) {
            let set: CodeSet<u8> = codes.iter().copied().collect();
            let tree: BTreeSet<u8> = codes.iter().copied().collect();
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), tree.iter().collect::<Vec<_>>());
            prop_assert_eq!(set.len(), tree.len());
            prop_assert_eq!(set.is_empty(), tree.is_empty());
            prop_assert_eq!(set.contains(&probe), tree.contains(&probe));
            let other_set: CodeSet<u8> = other.iter().copied().collect();
            let other_tree: BTreeSet<u8> = other.iter().copied().collect();
            prop_assert_eq!(
                set.intersection(&other_set).collect::<Vec<_>>(),
                tree.intersection(&other_tree).collect::<Vec<_>>()
            );
            prop_assert_eq!(serde_json::to_string(&set).unwrap(), serde_json::to_string(&tree).unwrap());
            let mut both = set.clone();
            both.extend(other.iter().copied());
            prop_assert_eq!(both.iter().collect::<Vec<_>>(), tree.union(&other_tree).collect::<Vec<_>>());
        }
    }
}
