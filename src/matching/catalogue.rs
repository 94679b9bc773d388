//! The catalogue prepared for matching. The rules in the parent module say
//! what a match is; this says the same with indexes (offerings by theme and
//! by the places their coverage names) and bit sets, so thousands of needs
//! are matched against tens of thousands of offerings in a fraction of a
//! second. A property test holds the two to the same answers.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::factors::{self, GEOGRAPHY};
use super::{Context, Failed, NeedMatches, Reach, ThemeFit, milli, score_milli, theme_fit};
use crate::domain::CodeSet;
use crate::domain::assessment::Need;
use crate::domain::codes::{GroupCode, Iso3, LanguageCode, RecordKey, RegionCode, ThemeCode};
use crate::domain::offering::Offering;
use crate::domain::reference::{Country, ReferenceData};
use crate::domain::vocab::{IncomeLevel, Modality, OfferingStatus};

/// A small bit set over codes the catalogue interns.
#[derive(Clone, Copy, Default)]
struct Bits([u64; 4]);

impl Bits {
    fn set(&mut self, i: usize) {
        if i < 256 {
            self.0[i / 64] |= 1 << (i % 64);
        }
    }
    fn and_count(&self, other: &Bits) -> u32 {
        self.0
            .iter()
            .zip(other.0)
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }
}

fn modality_bits(modalities: &CodeSet<Modality>) -> u16 {
    modalities.iter().fold(0, |bits, m| bits | 1 << (*m as u16))
}

fn income_bit(level: IncomeLevel) -> u8 {
    1 << (level as u8)
}

/// What the fast path needs of one offering, in flags, numbers and bits.
/// Kept apart from the offerings and small, so the loop over thousands of
/// candidates stays in the processor's caches.
struct Traits {
    published: bool,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    languages: Bits,
    modalities: u16,
    open_to_all: bool,
    eligible_groups: Bits,
    eligible_incomes: u8,
    capacity: Option<u32>,
}

/// A reach level (see [`CountryView`]) meaning "not active today": never
/// matched, and not a near miss either.
const INACTIVE: u8 = u8::MAX;

pub struct Catalogue {
    /// In key order, which is also the order ties break in; shared with
    /// the directory in memory, which holds the same offerings.
    offerings: Vec<Arc<Offering>>,
    traits: Vec<Traits>,
    by_theme: HashMap<ThemeCode, Vec<u32>>,
    worldwide: Vec<u32>,
    by_country: HashMap<Iso3, Vec<u32>>,
    by_region: HashMap<RegionCode, Vec<u32>>,
    by_group: HashMap<GroupCode, Vec<u32>>,
    languages: HashMap<LanguageCode, usize>,
    groups: HashMap<GroupCode, usize>,
    /// Per offering, its provider as a small number: reports group by it.
    provider_ids: Vec<u32>,
    /// Tells catalogues apart (see `Engagements`): each gets its own.
    id: u64,
}

/// The next catalogue's id.
static CATALOGUES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The key's number in `table`, given the next one when new. (Looked up
/// before `entry`, which would copy the key for every offering.)
fn intern<K: std::hash::Hash + Eq + Clone>(table: &mut HashMap<K, usize>, key: &K) -> usize {
    if let Some(&number) = table.get(key) {
        return number;
    }
    let next = table.len();
    table.insert(key.clone(), next);
    next
}

/// Files offering `i` under each of its codes.
fn file<K: std::hash::Hash + Eq + Clone>(
    index: &mut HashMap<K, Vec<u32>>,
    codes: &CodeSet<K>,
    i: u32,
) {
    for code in codes {
        match index.get_mut(code) {
            Some(filed) => filed.push(i),
            None => {
                index.insert(code.clone(), vec![i]);
            }
        }
    }
}

impl Catalogue {
    pub fn new(offerings: Vec<Offering>) -> Catalogue {
        Catalogue::shared(offerings.into_iter().map(Arc::new).collect())
    }

    /// A catalogue of offerings held elsewhere too.
    pub fn shared(mut offerings: Vec<Arc<Offering>>) -> Catalogue {
        offerings.sort_by(|a, b| a.key.cmp(&b.key));
        let mut catalogue = Catalogue {
            offerings: Vec::new(),
            traits: Vec::with_capacity(offerings.len()),
            by_theme: HashMap::new(),
            worldwide: Vec::new(),
            by_country: HashMap::new(),
            by_region: HashMap::new(),
            by_group: HashMap::new(),
            languages: HashMap::new(),
            groups: HashMap::new(),
            provider_ids: Vec::with_capacity(offerings.len()),
            id: CATALOGUES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        let mut providers: HashMap<RecordKey, usize> = HashMap::new();
        for (i, offering) in offerings.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than four billion offerings");
            let data = &offering.data;
            let provider = intern(&mut providers, &data.provider);
            catalogue
                .provider_ids
                .push(u32::try_from(provider).expect("fewer than four billion providers"));
            file(&mut catalogue.by_theme, &data.themes, i);
            file(&mut catalogue.by_country, &data.coverage.countries, i);
            file(&mut catalogue.by_region, &data.coverage.regions, i);
            file(&mut catalogue.by_group, &data.coverage.groups, i);
            if data.coverage.global {
                catalogue.worldwide.push(i);
            }
            let mut languages = Bits::default();
            for l in &data.languages {
                languages.set(intern(&mut catalogue.languages, l));
            }
            let mut eligible_groups = Bits::default();
            for g in &data.eligibility.groups {
                eligible_groups.set(intern(&mut catalogue.groups, g));
            }
            catalogue.traits.push(Traits {
                published: !offering.archived && data.status == OfferingStatus::Active,
                starts_on: data.starts_on,
                ends_on: data.ends_on,
                languages,
                modalities: modality_bits(&data.modalities),
                open_to_all: data.eligibility.is_open(),
                eligible_groups,
                eligible_incomes: data
                    .eligibility
                    .income_levels
                    .iter()
                    .fold(0, |bits, l| bits | income_bit(*l)),
                capacity: data.capacity,
            });
        }
        catalogue.offerings = offerings;
        catalogue
    }

    /// This catalogue's own number, never another's.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn offerings(&self) -> &[Arc<Offering>] {
        &self.offerings
    }

    /// The offering at `index` (the numbers [`Candidate`]s come with).
    pub fn offering(&self, index: usize) -> &Offering {
        &self.offerings[index]
    }

    /// A number for the provider of the offering at `index`: the same for
    /// every offering of one provider in this catalogue.
    pub fn provider_id(&self, index: usize) -> u32 {
        self.provider_ids[index]
    }

    pub fn len(&self) -> usize {
        self.offerings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offerings.is_empty()
    }

    /// How every offering reaches one country on `today`, and what the
    /// country is for eligibility: built once per country and shared by all
    /// its needs.
    pub fn view(
        &self,
        country: &Country,
        reference: &ReferenceData,
        today: NaiveDate,
    ) -> CountryView {
        let mut levels = vec![0u8; self.offerings.len()];
        let mut raise = |list: Option<&Vec<u32>>, level: u8| {
            for &i in list.into_iter().flatten() {
                let slot = &mut levels[i as usize];
                *slot = (*slot).max(level);
            }
        };
        raise(Some(&self.worldwide), 1);
        let groups = reference.groups_of(&country.iso3);
        for g in groups {
            raise(self.by_group.get(g), 2);
        }
        for (code, level) in [
            (&country.region, 3),
            (&country.subregion, 4),
            (&country.intermediate, 5),
        ] {
            if let Some(code) = code {
                raise(self.by_region.get(code), level);
            }
        }
        raise(self.by_country.get(&country.iso3), 6);
        for (index, level) in levels.iter_mut().enumerate() {
            if !self.active_on(index, today) {
                *level = INACTIVE;
            }
        }
        let mut group_bits = Bits::default();
        for g in groups {
            if let Some(&i) = self.groups.get(g) {
                group_bits.set(i);
            }
        }
        CountryView {
            levels,
            groups: group_bits,
            income: country.income_level.map_or(0, income_bit),
        }
    }

    /// Condition 1, from the flags: published, and within its active period.
    fn active_on(&self, index: usize, today: NaiveDate) -> bool {
        let t = &self.traits[index];
        t.published
            && t.starts_on.is_none_or(|s| s <= today)
            && t.ends_on.is_none_or(|e| e >= today)
    }
}

/// One country as the fast path sees it.
pub struct CountryView {
    /// Per offering: [`INACTIVE`] when it is not active today, 0 when its
    /// coverage misses the country, else how precisely it reaches it (an
    /// index into [`GEOGRAPHY`]).
    levels: Vec<u8>,
    groups: Bits,
    income: u8,
}

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
        self.matches
            .iter()
            .map(|m| &*catalogue.offerings[m.index()])
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
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let broad = parent
            .and_then(|p| catalogue.by_theme.get(p))
            .map(Vec::as_slice)
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
            let t = &catalogue.traits[index];
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
                let offering = &catalogue.offerings[ranked.index()];
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
                self.near_miss(&catalogue.offerings[ranked.index()], country, failed)
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
