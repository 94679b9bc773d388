//! Ranking with the catalogue's indexes: every offering on a need's theme
//! or its parent scored or named a near miss from flags and bits, and only
//! the best kept and explained in words.

use super::super::factors::{self, GEOGRAPHY};
use super::super::{Context, Failed, NeedMatches, Reach, ThemeFit, milli, score_milli, theme_fit};
use super::{Bits, Catalogue, CountryView, INACTIVE, modality_bits};
use crate::domain::assessment::Need;
use crate::domain::offering::Offering;
use crate::domain::reference::Country;

/// A match as the fast path ranks it: the score in thousandths (scores are
/// rounded to three decimals, so this is exact), inverted so that sorting
/// the packed number ascending puts the best first and, among equals, the
/// lowest index (the first key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ranked(u64);

impl Ranked {
    fn new(index: u32, score_milli: u64) -> Ranked {
        Ranked(((1000 - score_milli.min(1000)) << 32) | u64::from(index))
    }
    fn index(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }
    fn score(self) -> f64 {
        (1000 - (self.0 >> 32)) as f64 / 1000.0
    }
}

/// A near miss as the fast path ranks it: the closest first, that is the
/// fewest failed conditions, then an offering on the exact sub-theme before
/// one on the whole parent theme, then the first key. Not by score: scoring
/// the thousands of offerings that fail would cost more than the matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NearRanked(u64);

impl NearRanked {
    fn new(index: u32, failed: Failed, exact: bool) -> NearRanked {
        NearRanked((u64::from(failed.count()) << 33) | (u64::from(!exact) << 32) | u64::from(index))
    }
    fn index(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }
}

/// What one offering on the need's theme is for the need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidate {
    /// Meets every condition; the score in thousandths.
    Match { score_milli: u64 },
    /// Fails coverage, eligibility or both; on the need's exact sub-theme
    /// or on its parent theme.
    NearMiss { failed: Failed, exact: bool },
}

/// Scores and near misses for one need, before they are explained: the
/// best of them (all, unless the ranking was asked to keep fewer) and how
/// many there are in all.
pub struct Ranking {
    matches: Vec<Ranked>,
    near_misses: Vec<(NearRanked, Failed)>,
    match_total: usize,
    near_miss_total: usize,
}

/// The `keep` best of a stream: a max-heap of the best so far, so that
/// finding a need's best ten of 1,200 matches needs no full sort.
struct Best<T: Ord> {
    keep: Option<usize>,
    heap: std::collections::BinaryHeap<T>,
    all: Vec<T>,
    total: usize,
}

impl<T: Ord> Best<T> {
    fn new(keep: Option<usize>) -> Best<T> {
        Best {
            keep,
            heap: std::collections::BinaryHeap::new(),
            all: Vec::new(),
            total: 0,
        }
    }

    fn offer(&mut self, item: T) {
        self.total += 1;
        match self.keep {
            None => self.all.push(item),
            Some(0) => {}
            Some(k) if self.heap.len() < k => self.heap.push(item),
            Some(_) => {
                if self.heap.peek().is_some_and(|worst| item < *worst) {
                    self.heap.pop();
                    self.heap.push(item);
                }
            }
        }
    }

    /// The kept items, best (smallest) first, and the total offered.
    fn finish(self) -> (Vec<T>, usize) {
        let mut kept = if self.keep.is_some() {
            self.heap.into_vec()
        } else {
            self.all
        };
        kept.sort_unstable();
        (kept, self.total)
    }
}

impl Ranking {
    /// How many offerings match, kept or not.
    pub fn match_count(&self) -> usize {
        self.match_total
    }

    /// How many offerings nearly match, kept or not.
    pub fn near_miss_count(&self) -> usize {
        self.near_miss_total
    }

    pub fn best_score(&self) -> Option<f64> {
        self.matches.first().map(|m| m.score())
    }

    /// The matched offerings, best first, without explaining them.
    pub fn matched<'a>(&'a self, catalogue: &'a Catalogue) -> impl Iterator<Item = &'a Offering> {
        self.matches.iter().map(|m| catalogue.offering(m.index()))
    }
}

impl Context<'_> {
    /// Matches and near misses for one need of `country`, every one explained.
    pub fn match_need(&self, catalogue: &Catalogue, country: &Country, need: &Need) -> NeedMatches {
        let view = catalogue.view(country, self.reference, self.today);
        let ranking = self.rank(catalogue, &view, need, None);
        self.explain(catalogue, country, need, &ranking, None)
    }

    /// Calls `each` with every active offering on the need's theme or its
    /// parent (once, in index order within each of the two), as a match or
    /// a near miss, scored.
    pub fn candidates(
        &self,
        catalogue: &Catalogue,
        view: &CountryView,
        need: &Need,
        mut each: impl FnMut(u32, Candidate),
    ) {
        let weights = self.weights.milli();
        let parent = self
            .reference
            .theme(need.theme.as_str())
            .and_then(|t| t.parent.as_ref());
        let exact = catalogue
            .by_theme
            .get(&need.theme)
            .map(|filed| filed.as_slice())
            .unwrap_or(&[]);
        let broad = parent
            .and_then(|p| catalogue.by_theme.get(p))
            .map(|filed| filed.as_slice())
            .unwrap_or(&[]);
        let mut asked_languages = Bits::default();
        for l in &need.languages {
            if let Some(&i) = catalogue.languages.get(l) {
                asked_languages.set(i);
            }
        }
        let asked_modalities = modality_bits(&need.modalities);
        // Each factor's value in thousandths, by what the candidate shares
        // with the need: looked up, not computed, in the loop below.
        let shares = |asked: usize| -> Vec<u64> {
            (0..=asked)
                .map(|k| {
                    if asked == 0 {
                        1000
                    } else {
                        milli(k as f64 / asked as f64)
                    }
                })
                .collect()
        };
        let language_values = shares(need.languages.len());
        let modality_values = shares(need.modalities.len());
        let geography_values = GEOGRAPHY.map(milli);
        let urgency = milli(factors::urgency_value(need));
        let (exact_value, parent_value) =
            (milli(factors::THEME_EXACT), milli(factors::THEME_PARENT));
        let mut consider = |i: u32, theme_value: u64| {
            let index = i as usize;
            let level = view.levels[index];
            if level == INACTIVE {
                return;
            }
            let t = catalogue.traits.get(index);
            let failed = Failed {
                coverage: level == 0,
                eligibility: !(t.open_to_all
                    || t.eligible_groups.and_count(&view.groups) > 0
                    || t.eligible_incomes & view.income != 0),
            };
            if failed.count() > 0 {
                let exact = theme_value == exact_value;
                each(i, Candidate::NearMiss { failed, exact });
                return;
            }
            let capacity = match t.capacity {
                None => 1000,
                // Only limited offerings have engagements to look up.
                Some(_) => {
                    let engaged = self.engagements.at(catalogue, index);
                    milli(factors::capacity_value(t.capacity, engaged))
                }
            };
            let values = [
                theme_value,
                geography_values[usize::from(level)],
                language_values[t.languages.and_count(&asked_languages) as usize],
                modality_values[(t.modalities & asked_modalities).count_ones() as usize],
                capacity,
                urgency,
            ];
            let score_milli = score_milli(&weights, values);
            each(i, Candidate::Match { score_milli });
        };
        // An offering filed under both the sub-theme and its parent fits
        // exactly, and is counted once.
        for &i in exact {
            consider(i, exact_value);
        }
        for &i in broad {
            if exact.binary_search(&i).is_err() {
                consider(i, parent_value);
            }
        }
    }

    /// Scores every offering on the need's theme or its parent, and keeps
    /// the best `keep` matches and near misses (all without a limit).
    pub fn rank(
        &self,
        catalogue: &Catalogue,
        view: &CountryView,
        need: &Need,
        keep: Option<usize>,
    ) -> Ranking {
        let mut matches: Best<Ranked> = Best::new(keep);
        let mut near_misses: Best<(NearRanked, Failed)> = Best::new(keep);
        self.candidates(catalogue, view, need, |i, candidate| match candidate {
            Candidate::Match { score_milli } => matches.offer(Ranked::new(i, score_milli)),
            Candidate::NearMiss { failed, exact } => {
                near_misses.offer((NearRanked::new(i, failed, exact), failed))
            }
        });
        // Best first; index order is key order, so ties break by key.
        let (matches, match_total) = matches.finish();
        let (near_misses, near_miss_total) = near_misses.finish();
        Ranking {
            matches,
            near_misses,
            match_total,
            near_miss_total,
        }
    }

    /// Puts reasons in words to the first `limit` matches and near misses
    /// (all without a limit): reasons cost more than scores, and a page
    /// shows only the best.
    pub fn explain(
        &self,
        catalogue: &Catalogue,
        country: &Country,
        need: &Need,
        ranking: &Ranking,
        limit: Option<usize>,
    ) -> NeedMatches {
        let take = |n: usize| limit.map_or(n, |l| l.min(n));
        let matches = ranking.matches[..take(ranking.matches.len())]
            .iter()
            .map(|ranked| {
                let offering = catalogue.offering(ranked.index());
                let fit =
                    theme_fit(offering, &need.theme, self.reference).unwrap_or(ThemeFit::Parent);
                let reach = offering
                    .data
                    .coverage
                    .reach(country, self.reference)
                    .unwrap_or(Reach::Global);
                self.score(offering, country, need, fit, &reach)
            })
            .collect();
        let near_misses = ranking.near_misses[..take(ranking.near_misses.len())]
            .iter()
            .map(|&(ranked, failed)| {
                self.near_miss(catalogue.offering(ranked.index()), country, failed)
            })
            .collect();
        NeedMatches {
            matches,
            near_misses,
            total_matches: ranking.match_total,
            total_near_misses: ranking.near_miss_total,
        }
    }
}
