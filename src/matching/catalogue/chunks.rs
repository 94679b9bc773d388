//! Long arrays shared between catalogues in chunks: a catalogue changed by
//! one save copies the chunk it touches and shares the rest, instead of
//! copying a million entries.

use std::sync::Arc;

/// Entries per chunk: small enough to copy in microseconds, large enough
/// that the list of chunks stays in the processor's first cache.
const CHUNK: usize = 4096;

#[derive(Clone)]
pub(super) struct Chunks<T> {
    chunks: Vec<Arc<[T]>>,
    len: usize,
}

impl<T: Clone> Chunks<T> {
    pub(super) fn new(items: Vec<T>) -> Chunks<T> {
        let len = items.len();
        // Moved, not cloned: for shared offerings a clone is an atomic
        // count up and down for each of a million.
        let mut items = items.into_iter();
        let chunks = std::iter::from_fn(|| {
            let chunk: Vec<T> = items.by_ref().take(CHUNK).collect();
            (!chunk.is_empty()).then(|| Arc::from(chunk))
        })
        .collect();
        Chunks { chunks, len }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn get(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }

    /// Puts `value` at `i`, copying its chunk first if another catalogue
    /// shares it.
    pub(super) fn set(&mut self, i: usize, value: T) {
        Arc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK] = value;
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Chunks hold what a vector holds, and a change to one copy is
        /// not seen by another.
        #[test]
        fn chunks_hold_what_a_vector_holds(
            items in proptest::collection::vec(any::<u16>(), 0..3 * CHUNK),
            changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u16>()), 0..8),
        ) {
            let original = Chunks::new(items.clone());
            let mut changed = original.clone();
            let mut expected = items.clone();
            for (at, value) in changes {
                if expected.is_empty() { break; }
                let i = at.index(expected.len());
                changed.set(i, value);
                expected[i] = value;
            }
            prop_assert_eq!(original.iter().copied().collect::<Vec<_>>(), items);
            prop_assert_eq!(changed.iter().copied().collect::<Vec<_>>(), expected.clone());
            prop_assert_eq!(changed.len(), expected.len());
            for (i, value) in expected.iter().enumerate() {
                prop_assert_eq!(changed.get(i), value);
            }
        }
    }
}
