//! The catalogue prepared for matching. The rules in the parent module say
//! what a match is; this says the same with indexes (offerings by theme and
//! by the places their coverage names) and bit sets, so thousands of needs
//! are matched against tens of thousands of offerings in a fraction of a
//! second. A property test holds the two to the same answers.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::domain::CodeSet;
use crate::domain::codes::{GroupCode, Iso3, LanguageCode, RecordKey, RegionCode, ThemeCode};
use crate::domain::offering::Offering;
use crate::domain::reference::{Country, ReferenceData};
use crate::domain::vocab::{IncomeLevel, Modality, OfferingStatus};

mod chunks;
mod rank;

use chunks::Chunks;
pub use rank::{Candidate, Ranking};

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
#[derive(Clone, Copy)]
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
    offerings: Chunks<Arc<Offering>>,
    traits: Chunks<Traits>,
    /// Each list in index order, shared with the catalogues changed from
    /// this one until a change touches it.
    by_theme: HashMap<ThemeCode, Filed>,
    worldwide: Filed,
    by_country: HashMap<Iso3, Filed>,
    by_region: HashMap<RegionCode, Filed>,
    by_group: HashMap<GroupCode, Filed>,
    languages: HashMap<LanguageCode, usize>,
    groups: HashMap<GroupCode, usize>,
    providers: HashMap<RecordKey, u32>,
    /// Per offering, its provider as a small number: reports group by it.
    provider_ids: Chunks<u32>,
    /// Tells catalogues apart (see `Engagements`): each gets its own.
    id: u64,
    /// The catalogue that was built whole, which this one changed from.
    built: u64,
    /// Per theme, the catalogue in which an offering filed under it last
    /// came, went or changed, when that was after `built`.
    theme_changed: HashMap<ThemeCode, u64>,
}

/// The offerings filed under one code, by index.
type Filed = Arc<Vec<u32>>;

/// The next catalogue's id.
static CATALOGUES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_id() -> u64 {
    CATALOGUES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

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

/// Files offering `i` under each of its codes with `put` ([`file_in`] or
/// [`unfile_in`]), copying a list first if another catalogue shares it.
fn under<K: std::hash::Hash + Eq + Clone>(
    index: &mut HashMap<K, Filed>,
    codes: &CodeSet<K>,
    i: u32,
    put: fn(&mut Vec<u32>, u32),
) {
    for code in codes {
        // Looked up before inserting, which would copy the code each time.
        if let Some(filed) = index.get_mut(code) {
            put(Arc::make_mut(filed), i);
            continue;
        }
        let mut filed = Vec::new();
        put(&mut filed, i);
        if !filed.is_empty() {
            index.insert(code.clone(), Arc::new(filed));
        }
    }
}

/// Puts `i` in the list, kept in order: a whole build files in order, so
/// that is a push.
fn file_in(filed: &mut Vec<u32>, i: u32) {
    match filed.last() {
        Some(&last) if last >= i => {
            if let Err(at) = filed.binary_search(&i) {
                filed.insert(at, i);
            }
        }
        _ => filed.push(i),
    }
}

/// Takes `i` out of the list.
fn unfile_in(filed: &mut Vec<u32>, i: u32) {
    if let Ok(at) = filed.binary_search(&i) {
        filed.remove(at);
    }
}

/// The lists of `index` with each offering at its new place, and those
/// gone dropped (`None`); `places` keeps the order, so each list stays
/// in order.
fn refile<K: Clone + std::hash::Hash + Eq>(
    index: &HashMap<K, Filed>,
    places: &[Option<u32>],
) -> HashMap<K, Filed> {
    index
        .iter()
        .map(|(code, filed)| (code.clone(), Arc::new(refile_list(filed, places))))
        .collect()
}

fn refile_list(filed: &[u32], places: &[Option<u32>]) -> Vec<u32> {
    filed.iter().filter_map(|&i| places[i as usize]).collect()
}

impl Catalogue {
    pub fn new(offerings: Vec<Offering>) -> Catalogue {
        Catalogue::shared(offerings.into_iter().map(Arc::new).collect())
    }

    /// A catalogue of offerings held elsewhere too.
    pub fn shared(mut offerings: Vec<Arc<Offering>>) -> Catalogue {
        offerings.sort_by(|a, b| a.key.cmp(&b.key));
        let id = next_id();
        let mut catalogue = Catalogue::empty(id, id, HashMap::new());
        let mut traits = Vec::with_capacity(offerings.len());
        let mut provider_ids = Vec::with_capacity(offerings.len());
        for (i, offering) in offerings.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than four billion offerings");
            let (t, provider) = catalogue.traits_of(offering);
            traits.push(t);
            provider_ids.push(provider);
            catalogue.file_offering(offering, i);
        }
        catalogue.offerings = Chunks::new(offerings);
        catalogue.traits = Chunks::new(traits);
        catalogue.provider_ids = Chunks::new(provider_ids);
        catalogue
    }

    fn empty(id: u64, built: u64, theme_changed: HashMap<ThemeCode, u64>) -> Catalogue {
        Catalogue {
            offerings: Chunks::new(Vec::new()),
            traits: Chunks::new(Vec::new()),
            by_theme: HashMap::new(),
            worldwide: Filed::default(),
            by_country: HashMap::new(),
            by_region: HashMap::new(),
            by_group: HashMap::new(),
            languages: HashMap::new(),
            groups: HashMap::new(),
            providers: HashMap::new(),
            provider_ids: Chunks::new(Vec::new()),
            id,
            built,
            theme_changed,
        }
    }

    /// This catalogue with the offerings under `moved` keys as they are now:
    /// each given one in (in place of any with its key), each `None` out.
    /// Only what moved is worked out again. When every moved offering
    /// stays where it was (edited, not added or taken out), the rest is
    /// shared with this catalogue; otherwise it is copied, moved up or down
    /// to keep key order. The answers are those of a catalogue built whole
    /// from the same offerings (a property test holds them so).
    pub fn changed(&self, moved: Vec<(RecordKey, Option<Arc<Offering>>)>) -> Catalogue {
        let id = next_id();
        // By key, the last word on each, with where it was.
        let moved: BTreeMap<RecordKey, Option<Arc<Offering>>> = moved.into_iter().collect();
        let moved: Vec<(Option<usize>, Option<Arc<Offering>>)> = moved
            .into_iter()
            .map(|(key, now)| (self.position(&key), now))
            .collect();
        let mut theme_changed = self.theme_changed.clone();
        for (was, now) in &moved {
            let themes = was
                .map(|at| &self.offerings.get(at).data.themes)
                .into_iter()
                .chain(now.as_ref().map(|o| &o.data.themes));
            for theme in themes.flatten() {
                theme_changed.insert(theme.clone(), id);
            }
        }
        if moved
            .iter()
            .all(|(was, now)| was.is_some() == now.is_some())
        {
            self.changed_in_place(id, theme_changed, moved)
        } else {
            self.changed_moving(id, theme_changed, moved)
        }
    }

    /// Each moved offering put where it was: its chunks and the lists of
    /// its codes are copied, the rest shared.
    fn changed_in_place(
        &self,
        id: u64,
        theme_changed: HashMap<ThemeCode, u64>,
        moved: Vec<(Option<usize>, Option<Arc<Offering>>)>,
    ) -> Catalogue {
        let mut catalogue = Catalogue {
            offerings: self.offerings.clone(),
            traits: self.traits.clone(),
            by_theme: self.by_theme.clone(),
            worldwide: self.worldwide.clone(),
            by_country: self.by_country.clone(),
            by_region: self.by_region.clone(),
            by_group: self.by_group.clone(),
            languages: self.languages.clone(),
            groups: self.groups.clone(),
            providers: self.providers.clone(),
            provider_ids: self.provider_ids.clone(),
            id,
            built: self.built,
            theme_changed,
        };
        for (at, now) in moved {
            let (Some(at), Some(now)) = (at, now) else {
                continue;
            };
            let i = u32::try_from(at).expect("fewer than four billion offerings");
            catalogue.unfile_offering(self.offerings.get(at), i);
            let (t, provider) = catalogue.traits_of(&now);
            catalogue.traits.set(at, t);
            catalogue.provider_ids.set(at, provider);
            catalogue.file_offering(&now, i);
            catalogue.offerings.set(at, now);
        }
        catalogue
    }

    /// Offerings added or taken out: everything after them moves, so every
    /// list is copied with each offering at its new place.
    fn changed_moving(
        &self,
        id: u64,
        theme_changed: HashMap<ThemeCode, u64>,
        moved: Vec<(Option<usize>, Option<Arc<Offering>>)>,
    ) -> Catalogue {
        let mut gone = vec![false; self.len()];
        let mut coming: Vec<Arc<Offering>> = Vec::new();
        for (was, now) in moved {
            if let Some(at) = was {
                gone[at] = true;
            }
            coming.extend(now);
        }
        // The new order: what stays, merged with what comes, by key.
        let count = gone.iter().filter(|g| !**g).count() + coming.len();
        let mut offerings = Vec::with_capacity(count);
        let mut traits = Vec::with_capacity(count);
        let mut provider_ids = Vec::with_capacity(count);
        let mut places: Vec<Option<u32>> = vec![None; self.len()];
        let mut arrived: Vec<u32> = Vec::with_capacity(coming.len());
        let mut catalogue = Catalogue::empty(id, self.built, theme_changed);
        catalogue.languages = self.languages.clone();
        catalogue.groups = self.groups.clone();
        catalogue.providers = self.providers.clone();
        let mut coming = coming.into_iter().peekable();
        let mut staying = (0..self.len()).filter(|&at| !gone[at]).peekable();
        loop {
            let next = u32::try_from(offerings.len()).expect("fewer than four billion offerings");
            let take_coming = match (staying.peek(), coming.peek()) {
                (None, None) => break,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some(&at), Some(new)) => new.key < self.offerings.get(at).key,
            };
            if take_coming {
                let offering = coming.next().expect("peeked");
                let (t, provider) = catalogue.traits_of(&offering);
                traits.push(t);
                provider_ids.push(provider);
                offerings.push(offering);
                arrived.push(next);
            } else {
                let at = staying.next().expect("peeked");
                places[at] = Some(next);
                traits.push(*self.traits.get(at));
                provider_ids.push(*self.provider_ids.get(at));
                offerings.push(self.offerings.get(at).clone());
            }
        }
        catalogue.by_theme = refile(&self.by_theme, &places);
        catalogue.by_country = refile(&self.by_country, &places);
        catalogue.by_region = refile(&self.by_region, &places);
        catalogue.by_group = refile(&self.by_group, &places);
        catalogue.worldwide = Arc::new(refile_list(&self.worldwide, &places));
        for i in arrived {
            catalogue.file_offering(&offerings[i as usize], i);
        }
        catalogue.offerings = Chunks::new(offerings);
        catalogue.traits = Chunks::new(traits);
        catalogue.provider_ids = Chunks::new(provider_ids);
        catalogue
    }

    /// Where the offering with `key` is, if it is here.
    fn position(&self, key: &RecordKey) -> Option<usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.offerings.get(middle).key.cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// The flags and bits of `offering`, and its provider's number.
    fn traits_of(&mut self, offering: &Offering) -> (Traits, u32) {
        let data = &offering.data;
        let next = u32::try_from(self.providers.len()).expect("fewer than four billion providers");
        let provider = match self.providers.get(&data.provider) {
            Some(&number) => number,
            None => {
                self.providers.insert(data.provider.clone(), next);
                next
            }
        };
        let mut languages = Bits::default();
        for l in &data.languages {
            languages.set(intern(&mut self.languages, l));
        }
        let mut eligible_groups = Bits::default();
        for g in &data.eligibility.groups {
            eligible_groups.set(intern(&mut self.groups, g));
        }
        let traits = Traits {
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
        };
        (traits, provider)
    }

    /// Files offering `i` under its themes and the places it covers.
    fn file_offering(&mut self, offering: &Offering, i: u32) {
        self.index_offering(offering, i, file_in);
    }

    /// Takes offering `i` out from under what [`Catalogue::file_offering`]
    /// filed it under.
    fn unfile_offering(&mut self, offering: &Offering, i: u32) {
        self.index_offering(offering, i, unfile_in);
    }

    fn index_offering(&mut self, offering: &Offering, i: u32, put: fn(&mut Vec<u32>, u32)) {
        let data = &offering.data;
        under(&mut self.by_theme, &data.themes, i, put);
        under(&mut self.by_country, &data.coverage.countries, i, put);
        under(&mut self.by_region, &data.coverage.regions, i, put);
        under(&mut self.by_group, &data.coverage.groups, i, put);
        if data.coverage.global {
            put(Arc::make_mut(&mut self.worldwide), i);
        }
    }

    /// Which catalogue last changed what a need on `theme` finds: it finds
    /// the offerings filed under the theme and its parent, so while this
    /// stays the same, so does what the need finds (on the same day, with
    /// the same engagements).
    pub fn changed_for(&self, theme: &ThemeCode, reference: &ReferenceData) -> u64 {
        let parent = reference
            .theme(theme.as_str())
            .and_then(|t| t.parent.as_ref());
        [Some(theme), parent]
            .into_iter()
            .flatten()
            .map(|t| self.theme_changed.get(t).copied().unwrap_or(self.built))
            .max()
            .unwrap_or(self.built)
    }

    /// This catalogue's own number, never another's.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The offerings, in index order.
    pub fn offerings(&self) -> impl Iterator<Item = &Arc<Offering>> {
        self.offerings.iter()
    }

    /// The offering at `index` (the numbers [`Candidate`]s come with).
    pub fn offering(&self, index: usize) -> &Offering {
        self.offerings.get(index)
    }

    /// A number for the provider of the offering at `index`: the same for
    /// every offering of one provider in this catalogue.
    pub fn provider_id(&self, index: usize) -> u32 {
        *self.provider_ids.get(index)
    }

    pub fn len(&self) -> usize {
        self.offerings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        let mut levels = vec![0u8; self.len()];
        let mut raise = |list: Option<&Filed>, level: u8| {
            for &i in list.into_iter().flat_map(|filed| filed.iter()) {
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
        let t = self.traits.get(index);
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
