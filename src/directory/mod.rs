//! The directory in memory: every listed provider and offering, with
//! indexes that answer a list page and its count without reading the
//! database. Bit sets by code (themes, coverage, eligibility, modality,
//! language, status, provider kind), trigrams for text, and each list's
//! order kept sorted. It changes record by record as the database does
//! (`apply`), so a save reaches the lists without reloading the rest.
//!
//! What it answers is what `CatalogueFilter::selects_offering` and
//! `selects_provider` say, in `listing_order`: a property test holds it to
//! those rules on random catalogues and random changes.

#[cfg(test)]
mod tests;
mod text;

use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::{HashMap, HashMapExt};
use roaring::RoaringBitmap;

use crate::db::{Page, PageRequest};
use crate::domain::catalogue::{
    CatalogueFilter, ListingKey, listing_order, offering_search_text, provider_search_name,
    provider_search_text, sort_key,
};
use crate::domain::codes::{GroupCode, Iso3, LanguageCode, RecordKey, RegionCode, ThemeCode};
use crate::domain::order::ListOrder;
use crate::domain::vocab::{IncomeLevel, Modality, OfferingStatus, ProviderKind};
use crate::domain::{Offering, Provider};
use text::TextIndex;

/// A record as the store has it, and whether it may be listed in its own
/// right: not archived and not waiting for review. An offering is listed
/// when it and its provider both may be.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub record: T,
    pub listed: bool,
}

/// What moved in the store since the directory last read it: the providers
/// that changed, every offering of those providers, and the offerings that
/// changed.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub providers: Vec<Listing<Provider>>,
    pub offerings: Vec<Listing<Offering>>,
}

/// A provider in a list, with how many of its offerings are listed.
#[derive(Debug, Clone)]
pub struct ProviderSummary {
    pub provider: Provider,
    pub offering_count: i64,
}

/// Records by slot: small numbers the bit sets hold, reused when freed.
struct Slots<T> {
    entries: Vec<Option<T>>,
    by_id: HashMap<i64, u32>,
    free: Vec<u32>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            entries: Vec::new(),
            by_id: HashMap::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slots<T> {
    fn slot(&self, id: i64) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    fn get(&self, slot: u32) -> &T {
        self.entries[slot as usize]
            .as_ref()
            .expect("indexes hold only filled slots")
    }

    fn get_mut(&mut self, slot: u32) -> &mut T {
        self.entries[slot as usize]
            .as_mut()
            .expect("indexes hold only filled slots")
    }

    fn insert(&mut self, id: i64, entry: T) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.entries[slot as usize] = Some(entry);
                slot
            }
            None => {
                self.entries.push(Some(entry));
                u32::try_from(self.entries.len() - 1).expect("fewer than four billion records")
            }
        };
        self.by_id.insert(id, slot);
        slot
    }

    fn remove(&mut self, id: i64) {
        if let Some(slot) = self.by_id.remove(&id) {
            self.entries[slot as usize] = None;
            self.free.push(slot);
        }
    }

    fn len(&self) -> usize {
        self.by_id.len()
    }
}

/// The slots filed under each code.
struct Postings<K>(HashMap<K, RoaringBitmap>);

impl<K> Default for Postings<K> {
    fn default() -> Self {
        Postings(HashMap::new())
    }
}

impl<K: Hash + Eq + Clone> Postings<K> {
    fn add<'a>(&mut self, codes: impl IntoIterator<Item = &'a K>, slot: u32)
    where
        K: 'a,
    {
        for code in codes {
            self.0.entry(code.clone()).or_default().insert(slot);
        }
    }

    fn remove<'a>(&mut self, codes: impl IntoIterator<Item = &'a K>, slot: u32)
    where
        K: 'a,
    {
        for code in codes {
            if let Some(slots) = self.0.get_mut(code) {
                slots.remove(slot);
                if slots.is_empty() {
                    self.0.remove(code);
                }
            }
        }
    }

    /// The slots filed under any of `codes`.
    fn any_of<'a>(&self, codes: impl IntoIterator<Item = &'a K>) -> RoaringBitmap
    where
        K: 'a,
    {
        let mut found = RoaringBitmap::new();
        for code in codes {
            if let Some(slots) = self.0.get(code) {
                found |= slots;
            }
        }
        found
    }

    fn bytes(&self) -> usize {
        self.0.values().map(|s| s.serialized_size() + 64).sum()
    }
}

/// Whether a record goes in its place in the list orders at once, or is
/// placed with all the others when a whole catalogue is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placing {
    Now,
    Later,
}

/// Slots in both list orders, kept sorted as records come and go.
#[derive(Default)]
struct Orders {
    by_name: Vec<u32>,
    by_updated: Vec<u32>,
    /// Each slot's place in each order, made again after every change: a
    /// narrow selection is put in order by sorting its few slots' places
    /// rather than by walking the whole order.
    name_ranks: Vec<u32>,
    updated_ranks: Vec<u32>,
}

impl Orders {
    fn list(&self, order: ListOrder) -> &[u32] {
        match order {
            ListOrder::Name => &self.by_name,
            ListOrder::Updated => &self.by_updated,
        }
    }

    fn ranks(&self, order: ListOrder) -> &[u32] {
        match order {
            ListOrder::Name => &self.name_ranks,
            ListOrder::Updated => &self.updated_ranks,
        }
    }

    /// Places every slot again once the orders have changed.
    fn rank(&mut self) {
        for (list, ranks) in [
            (&self.by_name, &mut self.name_ranks),
            (&self.by_updated, &mut self.updated_ranks),
        ] {
            let slots = list.iter().max().map_or(0, |&slot| slot as usize + 1);
            ranks.clear();
            ranks.resize(slots, u32::MAX);
            for (place, &slot) in list.iter().enumerate() {
                ranks[slot as usize] = place as u32;
            }
        }
    }

    /// One page of what `selection` holds, in `order`.
    fn page(&self, order: ListOrder, selection: &Selection, page: PageRequest) -> Vec<u32> {
        let skip = usize::try_from(page.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(page.per_page).unwrap_or(usize::MAX);
        let list = self.list(order);
        let placed = selection.placed(order);
        match &selection.slots {
            // Everything listed: the order is the page.
            None => list.iter().skip(skip).take(take).copied().collect(),
            Some(slots) if slots.len() <= ORDERED_AT_MOST => placed
                .ordered
                .get_or_init(|| self.in_order(order, slots))
                .iter()
                .skip(skip)
                .take(take)
                .copied()
                .collect(),
            Some(slots) if skip as u64 >= slots.len() => Vec::new(),
            // A wide selection: its page is met walking the order on from
            // the last mark before it.
            Some(slots) => {
                let (passed, from) = placed.mark_before(skip, list, slots);
                list[from..]
                    .iter()
                    .filter(|slot| slots.contains(**slot))
                    .skip(skip - passed)
                    .take(take)
                    .copied()
                    .collect()
            }
        }
    }

    /// `slots` in `order`, by their places in it.
    fn in_order(&self, order: ListOrder, slots: &RoaringBitmap) -> Vec<u32> {
        let ranks = self.ranks(order);
        let mut places: Vec<u32> = slots
            .iter()
            .filter_map(|slot| ranks.get(slot as usize).copied())
            .filter(|&place| place != u32::MAX)
            .collect();
        places.sort_unstable();
        let list = self.list(order);
        places.iter().map(|&place| list[place as usize]).collect()
    }

    fn each(&mut self) -> [(ListOrder, &mut Vec<u32>); 2] {
        [
            (ListOrder::Name, &mut self.by_name),
            (ListOrder::Updated, &mut self.by_updated),
        ]
    }

    /// Puts `slot` in its place, or at the end for [`Orders::sort`] to
    /// place; `key_of` says what any slot sorts by.
    fn insert<'a>(&mut self, slot: u32, placing: Placing, key_of: impl Fn(u32) -> ListingKey<'a>) {
        if placing == Placing::Later {
            self.by_name.push(slot);
            self.by_updated.push(slot);
            return;
        }
        let probe = key_of(slot);
        for (order, list) in self.each() {
            let at = list
                .binary_search_by(|&s| listing_order(order, &key_of(s), &probe))
                .unwrap_or_else(|at| at);
            list.insert(at, slot);
        }
    }

    fn sort<'a>(&mut self, key_of: impl Fn(u32) -> ListingKey<'a>) {
        for (order, list) in self.each() {
            list.sort_unstable_by(|a, b| listing_order(order, &key_of(*a), &key_of(*b)));
        }
    }

    /// Takes `slot` out; `key_of` must still say what it was sorted by.
    fn remove<'a>(&mut self, slot: u32, key_of: impl Fn(u32) -> ListingKey<'a>) {
        let probe = key_of(slot);
        for (order, list) in self.each() {
            if let Ok(at) = list.binary_search_by(|&s| listing_order(order, &key_of(s), &probe)) {
                list.remove(at);
            }
        }
    }
}

struct OfferingEntry {
    offering: Arc<Offering>,
    provider: u32,
    sort_key: Box<str>,
}

impl OfferingEntry {
    fn listing_key(&self) -> ListingKey<'_> {
        ListingKey {
            sort_key: &self.sort_key,
            title: &self.offering.data.title,
            updated_at: self.offering.updated_at,
            key: &self.offering.key,
        }
    }
}

struct ProviderEntry {
    provider: Arc<Provider>,
    sort_key: Box<str>,
    /// Its offerings in the directory, by slot.
    offerings: RoaringBitmap,
}

impl ProviderEntry {
    fn listing_key(&self) -> ListingKey<'_> {
        ListingKey {
            sort_key: &self.sort_key,
            title: &self.provider.data.name,
            updated_at: self.provider.updated_at,
            key: &self.provider.key,
        }
    }
}

/// The offering indexes: which slots have each code.
#[derive(Default)]
struct OfferingIndexes {
    themes: Postings<ThemeCode>,
    worldwide: RoaringBitmap,
    countries: Postings<Iso3>,
    regions: Postings<RegionCode>,
    groups: Postings<GroupCode>,
    open_to_all: RoaringBitmap,
    eligible_groups: Postings<GroupCode>,
    eligible_incomes: Postings<IncomeLevel>,
    modalities: Postings<Modality>,
    languages: Postings<LanguageCode>,
    statuses: Postings<OfferingStatus>,
    provider_kinds: Postings<ProviderKind>,
}

impl OfferingIndexes {
    /// Files (or, with `file` false, unfiles) an offering under its codes.
    fn file(&mut self, slot: u32, offering: &Offering, kind: ProviderKind, file: bool) {
        let data = &offering.data;
        macro_rules! each {
            ($postings:expr, $codes:expr) => {
                if file {
                    $postings.add($codes, slot)
                } else {
                    $postings.remove($codes, slot)
                }
            };
        }
        macro_rules! flag {
            ($set:expr, $on:expr) => {
                if $on && file {
                    $set.insert(slot);
                } else {
                    $set.remove(slot);
                }
            };
        }
        each!(self.themes, &data.themes);
        each!(self.countries, &data.coverage.countries);
        each!(self.regions, &data.coverage.regions);
        each!(self.groups, &data.coverage.groups);
        each!(self.eligible_groups, &data.eligibility.groups);
        each!(self.eligible_incomes, &data.eligibility.income_levels);
        each!(self.modalities, &data.modalities);
        each!(self.languages, &data.languages);
        each!(self.statuses, [&data.status]);
        each!(self.provider_kinds, [&kind]);
        flag!(self.worldwide, data.coverage.global);
        flag!(self.open_to_all, data.eligibility.is_open());
    }

    fn bytes(&self) -> usize {
        self.themes.bytes()
            + self.countries.bytes()
            + self.regions.bytes()
            + self.groups.bytes()
            + self.eligible_groups.bytes()
            + self.eligible_incomes.bytes()
            + self.modalities.bytes()
            + self.languages.bytes()
            + self.statuses.bytes()
            + self.provider_kinds.bytes()
            + self.worldwide.serialized_size()
            + self.open_to_all.serialized_size()
    }
}

/// Every listed provider and offering, indexed; see the module's note.
#[derive(Default)]
pub struct Directory {
    providers: Slots<ProviderEntry>,
    provider_keys: HashMap<RecordKey, u32>,
    /// The providers that are listed; the others are kept, unlisted, for
    /// the offerings that name them.
    listed_providers: RoaringBitmap,
    provider_kinds: Postings<ProviderKind>,
    provider_texts: TextIndex,
    provider_names: TextIndex,
    provider_orders: Orders,
    /// Listed offerings only.
    offerings: Slots<OfferingEntry>,
    offering_indexes: OfferingIndexes,
    offering_texts: TextIndex,
    offering_orders: Orders,
    /// What recent filters selected, until the next change: most pages are
    /// asked for again and again, a page at a time.
    selections: Mutex<HashMap<(Listed, CatalogueFilter), Selected>>,
}

/// What a selection lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Listed {
    Offerings,
    Providers,
}

/// What a filter selects, kept until the next change.
struct Selection {
    /// The slots, or `None` for every listed one.
    slots: Option<RoaringBitmap>,
    by_name: Placed,
    by_updated: Placed,
}

impl Selection {
    fn new(slots: Option<RoaringBitmap>) -> Selection {
        Selection {
            slots,
            by_name: Placed::default(),
            by_updated: Placed::default(),
        }
    }

    fn placed(&self, order: ListOrder) -> &Placed {
        match order {
            ListOrder::Name => &self.by_name,
            ListOrder::Updated => &self.by_updated,
        }
    }
}

/// Where a selection's slots stand in one order, learnt as pages are asked.
#[derive(Default)]
struct Placed {
    /// A narrow selection in order, made at its first page, so that every
    /// page is then a slice of it.
    ordered: OnceLock<Vec<u32>>,
    /// A wide selection's marks: where in the order its every
    /// [`MARK_EVERY`]th slot has been passed, as deep as pages were asked.
    /// Page 50 of a third of the catalogue walked 3,000 places of the
    /// order, and the last page all of them; now a page walks on from the
    /// mark before it.
    marks: Mutex<Vec<u32>>,
}

impl Placed {
    /// How many of `slots` lie before the last mark at or before `skip`,
    /// and where in `list` that mark is; the marks are extended to it
    /// first. `skip` must be less than the number of `slots`.
    fn mark_before(&self, skip: usize, list: &[u32], slots: &RoaringBitmap) -> (usize, usize) {
        let wanted = skip / MARK_EVERY;
        if wanted == 0 {
            return (0, 0);
        }
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let mut at = marks.last().map_or(0, |&place| place as usize);
        let mut passed = 0;
        while marks.len() < wanted && at < list.len() {
            if slots.contains(list[at]) {
                passed += 1;
                if passed == MARK_EVERY {
                    marks.push(u32::try_from(at + 1).unwrap_or(u32::MAX));
                    passed = 0;
                }
            }
            at += 1;
        }
        let reached = marks.len().min(wanted);
        match reached {
            0 => (0, 0),
            n => (n * MARK_EVERY, marks[n - 1] as usize),
        }
    }
}

type Selected = Arc<Selection>;

/// The most slots a selection keeps in order: 16 KB for each order, and
/// at most [`SELECTIONS_KEPT`] selections. Small under test, so that the
/// property tests' small catalogues take both ways to a page.
const ORDERED_AT_MOST: u64 = if cfg!(test) { 4 } else { 4096 };

/// A wide selection's slots between two marks: a page walks past fewer
/// than this many before its own. Small under test, for the same reason.
const MARK_EVERY: usize = if cfg!(test) { 2 } else { 64 };

/// Selections kept at most; past that the next one starts afresh.
const SELECTIONS_KEPT: usize = 1024;

fn count(selected: Option<&RoaringBitmap>, all: usize) -> i64 {
    let total = selected.map_or(all as u64, RoaringBitmap::len);
    i64::try_from(total).unwrap_or(i64::MAX)
}

impl Directory {
    /// A directory of what `changes` lists: a whole catalogue read at once.
    pub fn new(changes: Changes) -> Directory {
        let mut directory = Directory::default();
        // Sorted once at the end: one record at a time would move the
        // whole list for each.
        for listing in changes.providers {
            directory.put_provider(listing, Placing::Later);
        }
        for listing in changes.offerings {
            directory.put_offering(listing, Placing::Later);
        }
        let providers = &directory.providers;
        directory
            .provider_orders
            .sort(|s| providers.get(s).listing_key());
        let offerings = &directory.offerings;
        directory
            .offering_orders
            .sort(|s| offerings.get(s).listing_key());
        directory.provider_orders.rank();
        directory.offering_orders.rank();
        directory
    }

    /// Brings the directory up to date with what moved in the store.
    pub fn apply(&mut self, changes: Changes) {
        self.selections
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        for listing in changes.providers {
            self.put_provider(listing, Placing::Now);
        }
        for listing in changes.offerings {
            self.put_offering(listing, Placing::Now);
        }
        self.provider_orders.rank();
        self.offering_orders.rank();
    }

    fn put_provider(&mut self, listing: Listing<Provider>, placing: Placing) {
        let provider = listing.record;
        if let Some(slot) = self.providers.slot(provider.id) {
            // Its offerings come with it in the same changes, and are filed
            // again as its listing now allows.
            for offering_slot in &self.providers.get(slot).offerings.clone() {
                let id = self.offerings.get(offering_slot).offering.id;
                self.remove_offering(id);
            }
            self.unlist_provider(slot);
            self.providers.remove(provider.id);
        }
        let sort_key = sort_key(&provider.data.name).into_boxed_str();
        let key = provider.key.clone();
        let slot = self.providers.insert(
            provider.id,
            ProviderEntry {
                provider: Arc::new(provider),
                sort_key,
                offerings: RoaringBitmap::new(),
            },
        );
        self.provider_keys.insert(key, slot);
        if listing.listed {
            let provider = self.providers.get(slot).provider.clone();
            self.listed_providers.insert(slot);
            self.provider_kinds.add([&provider.data.kind], slot);
            self.provider_texts
                .insert(slot, provider_search_text(&provider.data));
            self.provider_names
                .insert(slot, provider_search_name(&provider.data));
            let providers = &self.providers;
            self.provider_orders
                .insert(slot, placing, |s| providers.get(s).listing_key());
        }
    }

    fn unlist_provider(&mut self, slot: u32) {
        if !self.listed_providers.remove(slot) {
            return;
        }
        let kind = self.providers.get(slot).provider.data.kind;
        self.provider_kinds.remove([&kind], slot);
        self.provider_texts.remove(slot);
        self.provider_names.remove(slot);
        let providers = &self.providers;
        self.provider_orders
            .remove(slot, |s| providers.get(s).listing_key());
    }

    fn put_offering(&mut self, listing: Listing<Offering>, placing: Placing) {
        let offering = listing.record;
        self.remove_offering(offering.id);
        let Some(&provider_slot) = self.provider_keys.get(&offering.data.provider) else {
            return;
        };
        if !(listing.listed && self.listed_providers.contains(provider_slot)) {
            return;
        }
        let kind = self.providers.get(provider_slot).provider.data.kind;
        let sort_key = sort_key(&offering.data.title).into_boxed_str();
        let text = offering_search_text(&offering.data);
        let offering = Arc::new(offering);
        let slot = self.offerings.insert(
            offering.id,
            OfferingEntry {
                offering: offering.clone(),
                provider: provider_slot,
                sort_key,
            },
        );
        self.providers.get_mut(provider_slot).offerings.insert(slot);
        self.offering_indexes.file(slot, &offering, kind, true);
        self.offering_texts.insert(slot, text);
        let offerings = &self.offerings;
        self.offering_orders
            .insert(slot, placing, |s| offerings.get(s).listing_key());
    }

    fn remove_offering(&mut self, id: i64) {
        let Some(slot) = self.offerings.slot(id) else {
            return;
        };
        let entry = self.offerings.get(slot);
        let (offering, provider_slot) = (entry.offering.clone(), entry.provider);
        let offerings = &self.offerings;
        self.offering_orders
            .remove(slot, |s| offerings.get(s).listing_key());
        let kind = self.providers.get(provider_slot).provider.data.kind;
        self.offering_indexes.file(slot, &offering, kind, false);
        self.offering_texts.remove(slot);
        self.providers.get_mut(provider_slot).offerings.remove(slot);
        self.offerings.remove(id);
    }

    /// The listed offerings or providers the filter selects, or `None` for
    /// all of them: worked out once per change, whatever the order asked.
    fn selection(&self, listed: Listed, filter: &CatalogueFilter) -> Selected {
        let key = (
            listed,
            CatalogueFilter {
                order: ListOrder::default(),
                ..filter.clone()
            },
        );
        let kept = || self.selections.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = kept().get(&key) {
            return hit.clone();
        }
        let selected = Arc::new(Selection::new(match listed {
            Listed::Offerings => self.select_offerings(filter),
            Listed::Providers => self.select_providers(filter),
        }));
        let mut selections = kept();
        if selections.len() >= SELECTIONS_KEPT {
            selections.clear();
        }
        selections.insert(key, selected.clone());
        selected
    }

    fn select_offerings(&self, filter: &CatalogueFilter) -> Option<RoaringBitmap> {
        let mut selected = self.offering_conditions(filter);
        let indexes = &self.offering_indexes;
        if let Some(text) = &filter.text {
            let text = text.to_lowercase();
            let mut matching = self.offering_texts.search(&text);
            for provider in &self.provider_names.search(&text) {
                matching |= &self.providers.get(provider).offerings;
            }
            narrow(&mut selected, matching);
        }
        if let Some(kind) = filter.provider_kind {
            narrow(&mut selected, indexes.provider_kinds.any_of([&kind]));
        }
        selected
    }

    /// The listed offerings that meet the filter's conditions on offerings
    /// themselves, or `None` when it sets none.
    fn offering_conditions(&self, filter: &CatalogueFilter) -> Option<RoaringBitmap> {
        let indexes = &self.offering_indexes;
        let mut selected = None;
        if let Some(themes) = &filter.themes {
            narrow(&mut selected, indexes.themes.any_of(themes));
        }
        for reach in &filter.reaches {
            let mut reaching = indexes.worldwide.clone();
            reaching |= indexes.countries.any_of(&reach.countries);
            reaching |= indexes.regions.any_of(&reach.regions);
            reaching |= indexes.groups.any_of(&reach.groups);
            narrow(&mut selected, reaching);
        }
        if let Some(country) = &filter.eligible {
            let mut admitting = indexes.open_to_all.clone();
            admitting |= indexes.eligible_groups.any_of(&country.groups);
            admitting |= indexes.eligible_incomes.any_of(&country.income_level);
            narrow(&mut selected, admitting);
        }
        if let Some(modality) = &filter.modality {
            narrow(&mut selected, indexes.modalities.any_of([modality]));
        }
        if let Some(language) = &filter.language {
            narrow(&mut selected, indexes.languages.any_of([language]));
        }
        if let Some(status) = &filter.status {
            narrow(&mut selected, indexes.statuses.any_of([status]));
        }
        selected
    }

    /// The languages listed offerings are in, in code order.
    pub fn offered_languages(&self) -> Vec<LanguageCode> {
        let mut codes: Vec<LanguageCode> =
            self.offering_indexes.languages.0.keys().cloned().collect();
        codes.sort_unstable();
        codes
    }

    /// How many listed offerings the filter selects.
    pub fn count_offerings(&self, filter: &CatalogueFilter) -> i64 {
        count(
            self.selection(Listed::Offerings, filter).slots.as_ref(),
            self.offerings.len(),
        )
    }

    /// One page of the listed offerings the filter selects, in its order.
    pub fn offerings(&self, filter: &CatalogueFilter, page: PageRequest) -> Page<Arc<Offering>> {
        let selection = self.selection(Listed::Offerings, filter);
        let items = self
            .offering_orders
            .page(filter.order, &selection, page)
            .into_iter()
            .map(|slot| self.offerings.get(slot).offering.clone())
            .collect();
        page.holding(items, count(selection.slots.as_ref(), self.offerings.len()))
    }

    /// How many listed providers the filter selects.
    pub fn count_providers(&self, filter: &CatalogueFilter) -> i64 {
        count(
            self.selection(Listed::Providers, filter).slots.as_ref(),
            self.listed_providers.len() as usize,
        )
    }

    /// One page of the listed providers the filter selects, in its order.
    pub fn providers(&self, filter: &CatalogueFilter, page: PageRequest) -> Page<ProviderSummary> {
        let selection = self.selection(Listed::Providers, filter);
        let items = self
            .provider_orders
            .page(filter.order, &selection, page)
            .into_iter()
            .map(|slot| {
                let entry = self.providers.get(slot);
                ProviderSummary {
                    provider: Provider::clone(&entry.provider),
                    offering_count: i64::try_from(entry.offerings.len()).unwrap_or(i64::MAX),
                }
            })
            .collect();
        page.holding(
            items,
            count(
                selection.slots.as_ref(),
                self.listed_providers.len() as usize,
            ),
        )
    }

    /// The listed provider with `key`.
    pub fn provider(&self, key: &RecordKey) -> Option<&Provider> {
        let slot = *self.provider_keys.get(key)?;
        self.listed_providers
            .contains(slot)
            .then(|| self.providers.get(slot).provider.as_ref())
    }

    fn select_providers(&self, filter: &CatalogueFilter) -> Option<RoaringBitmap> {
        let mut selected = None;
        if let Some(text) = &filter.text {
            narrow(
                &mut selected,
                self.provider_texts.search(&text.to_lowercase()),
            );
        }
        if let Some(kind) = filter.provider_kind {
            narrow(&mut selected, self.provider_kinds.any_of([&kind]));
        }
        if let Some(offerings) = self.offering_conditions(filter) {
            let with_offerings: RoaringBitmap = offerings
                .iter()
                .map(|slot| self.offerings.get(slot).provider)
                .collect();
            narrow(&mut selected, with_offerings);
        }
        selected
    }

    /// The offering with `id` if the engine considers it: listed (the
    /// directory holds no other) and active.
    pub fn matchable_offering(&self, id: i64) -> Option<Arc<Offering>> {
        let entry = self.offerings.get(self.offerings.slot(id)?);
        let active = entry.offering.data.status == OfferingStatus::Active;
        active.then(|| entry.offering.clone())
    }

    /// The listed offerings the engine considers: active ones, by key.
    pub fn matchable(&self) -> Vec<Arc<Offering>> {
        let mut active: Vec<Arc<Offering>> = self
            .offering_indexes
            .statuses
            .any_of([&OfferingStatus::Active])
            .iter()
            .map(|slot| self.offerings.get(slot).offering.clone())
            .collect();
        active.sort_by(|a, b| a.key.cmp(&b.key));
        active
    }

    /// How many offerings are listed.
    pub fn offering_count(&self) -> usize {
        self.offerings.len()
    }

    /// Roughly what the indexes take, beside the records themselves.
    pub fn index_bytes(&self) -> usize {
        self.offering_indexes.bytes()
            + self.offering_texts.heap_bytes()
            + self.provider_texts.heap_bytes()
            + self.provider_names.heap_bytes()
            + (self.offering_orders.by_name.len() + self.provider_orders.by_name.len()) * 16
    }
}

/// Narrows `selected` (all, when `None`) to `to`.
fn narrow(selected: &mut Option<RoaringBitmap>, to: RoaringBitmap) {
    *selected = Some(match selected.take() {
        None => to,
        Some(so_far) => so_far & to,
    });
}
