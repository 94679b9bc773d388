//! Substring search over many short texts without reading them all: each
//! text is filed under every three-byte piece of it (a trigram), so a
//! search reads only the texts that have every piece of what was asked,
//! and checks just those.

use foldhash::HashMap;
use roaring::RoaringBitmap;

type Trigram = [u8; 3];

/// Lower-cased texts by slot, and the slots of each trigram.
#[derive(Default)]
pub struct TextIndex {
    texts: HashMap<u32, Box<str>>,
    trigrams: HashMap<Trigram, RoaringBitmap>,
    present: RoaringBitmap,
    /// Texts of fewer than three bytes, which have no trigram.
    short: RoaringBitmap,
}

/// The distinct trigrams of `text`'s bytes. Bytes, not characters: a
/// substring of the UTF-8 text is a substring of its bytes and the other
/// way round, so what is found is exactly what `str::contains` finds.
fn trigrams(text: &str) -> Vec<Trigram> {
    let mut found: Vec<Trigram> = text
        .as_bytes()
        .windows(3)
        .map(|w| [w[0], w[1], w[2]])
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

impl TextIndex {
    /// Files `text` (already lower-cased) under `slot`, in place of what
    /// was filed there before.
    pub fn insert(&mut self, slot: u32, text: String) {
        self.remove(slot);
        for trigram in trigrams(&text) {
            self.trigrams.entry(trigram).or_default().insert(slot);
        }
        if text.len() < 3 {
            self.short.insert(slot);
        }
        self.present.insert(slot);
        self.texts.insert(slot, text.into_boxed_str());
    }

    pub fn remove(&mut self, slot: u32) {
        let Some(text) = self.texts.remove(&slot) else {
            return;
        };
        for trigram in trigrams(&text) {
            if let Some(slots) = self.trigrams.get_mut(&trigram) {
                slots.remove(slot);
                if slots.is_empty() {
                    self.trigrams.remove(&trigram);
                }
            }
        }
        self.short.remove(slot);
        self.present.remove(slot);
    }

    /// The slots whose text contains `query` (lower-cased, as the texts are).
    pub fn search(&self, query: &str) -> RoaringBitmap {
        let bytes = query.as_bytes();
        let contains = |slot: &u32| self.texts.get(slot).is_some_and(|t| t.contains(query));
        let mut found = match bytes.len() {
            0 => return self.present.clone(),
            // A piece of one or two bytes lies inside some trigram of any
            // text of three bytes or more: the union of those is exact.
            1 | 2 => {
                let mut found = RoaringBitmap::new();
                for (trigram, slots) in &self.trigrams {
                    let holds = if bytes.len() == 1 {
                        trigram.contains(&bytes[0])
                    } else {
                        trigram[..2] == *bytes || trigram[1..] == *bytes
                    };
                    if holds {
                        found |= slots;
                    }
                }
                return found
                    | self
                        .short
                        .iter()
                        .filter(contains)
                        .collect::<RoaringBitmap>();
            }
            _ => {
                let mut postings = Vec::new();
                for trigram in trigrams(query) {
                    match self.trigrams.get(&trigram) {
                        Some(slots) => postings.push(slots),
                        None => return RoaringBitmap::new(),
                    }
                }
                // Smallest first: every later intersection has less to do.
                postings.sort_by_key(|slots| slots.len());
                let mut found = postings[0].clone();
                for slots in &postings[1..] {
                    found &= *slots;
                }
                found
            }
        };
        // A query of exactly one trigram is found exactly; a longer one
        // has its pieces in the text but maybe not side by side.
        if bytes.len() > 3 {
            found = found.iter().filter(contains).collect();
        }
        found
    }

    /// What the index holds, in bytes, roughly: for the memory figures.
    pub fn heap_bytes(&self) -> usize {
        let texts: usize = self.texts.values().map(|t| t.len() + 32).sum();
        let postings: usize = self
            .trigrams
            .values()
            .map(|s| s.serialized_size() + 48)
            .sum();
        texts + postings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the texts and the query, the index finds exactly the
        /// texts that contain it, after any insertions and removals.
        #[test]
        fn finds_exactly_what_contains_finds(
            texts in proptest::collection::vec("[a-cé ]{0,12}", 0..30),
            removed in proptest::collection::vec(0u32..30, 0..10),
            query in "[a-cé ]{0,5}",
        ) {
            let mut index = TextIndex::default();
            for (slot, text) in texts.iter().enumerate() {
                index.insert(slot as u32, text.clone());
            }
            // Filed again: the second filing replaces the first.
            for (slot, text) in texts.iter().enumerate().step_by(3) {
                index.insert(slot as u32, text.clone());
            }
            for slot in &removed {
                index.remove(*slot);
            }
            let expected: RoaringBitmap = texts
                .iter()
                .enumerate()
                .filter(|(slot, text)| !removed.contains(&(*slot as u32)) && text.contains(&query))
                .map(|(slot, _)| slot as u32)
                .collect();
            prop_assert_eq!(index.search(&query), expected);
        }
    }

    #[test]
    fn a_removed_text_leaves_no_trigram_behind() {
        let mut index = TextIndex::default();
        index.insert(1, "secure".into());
        index.insert(2, "cert".into());
        index.remove(1);
        assert!(index.search("sec").is_empty());
        assert_eq!(index.search("er").iter().collect::<Vec<_>>(), [2]);
        assert!(!index.trigrams.contains_key(b"sec"));
    }
}
