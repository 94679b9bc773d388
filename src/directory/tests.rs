//! The directory answers what the rules say, whatever the catalogue, the
//! changes it went through and the filter.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime};
use proptest::prelude::*;

use super::*;
use crate::domain::catalogue::EligibleCountry;
use crate::domain::provider::ProviderData;
use crate::domain::reference::ReachCodes;
use crate::matching::testing::{
    COUNTRIES, GROUPS, LANGUAGES, REGIONS, THEMES, any_offering, reference,
};

/// Short words from a few letters, so that text searches find something.
const WORDS: &str = "[abcé]{1,4}( [abcé]{1,4}){0,2}";
const PROVIDERS: usize = 4;

fn at(second: i64) -> NaiveDateTime {
    DateTime::from_timestamp(1_790_000_000 + second, 0)
        .unwrap()
        .naive_utc()
}

prop_compose! {
    fn any_provider(index: usize)(
        name in WORDS,
        description in WORDS,
        kind in proptest::sample::select(ProviderKind::ALL),
        updated in 0i64..5,
        listed in proptest::bool::weighted(0.8),
    ) -> Listing<Provider> {
        Listing {
            record: Provider {
                id: index as i64 + 1,
                key: RecordKey::parse(&format!("provider-{index}")).unwrap(),
                data: ProviderData {
                    name,
                    kind,
                    hq_country: None,
                    website: None,
                    email: None,
                    description,
                },
                archived: false,
                created_at: at(0),
                updated_at: at(updated),
                version: 1,
            },
            listed,
        }
    }
}

prop_compose! {
    fn any_listed_offering(index: usize)(
        offering in any_offering(index),
        provider in 0..PROVIDERS,
        title in WORDS,
        description in WORDS,
        updated in 0i64..5,
        listed in proptest::bool::weighted(0.8),
    ) -> Listing<Offering> {
        let mut offering = offering;
        offering.id = index as i64 + 1;
        offering.data.provider = RecordKey::parse(&format!("provider-{provider}")).unwrap();
        offering.data.title = title;
        offering.data.description = description;
        offering.updated_at = at(updated);
        Listing { record: offering, listed }
    }
}

fn codes<T>(items: Vec<&str>, parse: impl Fn(&str) -> T) -> std::collections::BTreeSet<T>
where
    T: Ord,
{
    items.into_iter().map(parse).collect()
}

fn subset(items: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(items, 0..=items.len().min(3))
}

prop_compose! {
    fn any_reach()(
        countries in subset(COUNTRIES),
        regions in subset(REGIONS),
        groups in subset(GROUPS),
    ) -> Arc<ReachCodes> {
        let r = reference();
        Arc::new(ReachCodes {
            place: format!("{countries:?} {regions:?} {groups:?}"),
            countries: codes(countries, |c| r.iso3(c).unwrap()),
            regions: codes(regions, |c| r.region_code(c).unwrap()),
            groups: codes(groups, |c| r.group_code(c).unwrap()),
        })
    }
}

prop_compose! {
    fn any_filter()(
        text in proptest::option::weighted(0.3, "[abcé ]{0,3}"),
        themes in proptest::option::weighted(0.3, subset(THEMES)),
        reaches in proptest::collection::vec(any_reach(), 0..=2),
        eligible in proptest::option::weighted(0.3, (subset(GROUPS), proptest::option::of(proptest::sample::select(IncomeLevel::ALL)))),
        provider_kind in proptest::option::weighted(0.2, proptest::sample::select(ProviderKind::ALL)),
        modality in proptest::option::weighted(0.2, proptest::sample::select(Modality::ALL)),
        language in proptest::option::weighted(0.2, proptest::sample::select(LANGUAGES)),
        status in proptest::option::weighted(0.2, proptest::sample::select(OfferingStatus::ALL)),
        by_update in any::<bool>(),
    ) -> CatalogueFilter {
        let r = reference();
        CatalogueFilter {
            text,
            themes: themes.map(|t| t.into_iter().map(|c| r.theme_code(c).unwrap()).collect()),
            reaches,
            eligible: eligible.map(|(groups, income_level)| EligibleCountry {
                groups: groups.into_iter().map(|g| r.group_code(g).unwrap()).collect(),
                income_level,
            }),
            provider_kind,
            modality,
            language: language.map(|l| r.language_code(l).unwrap()),
            status,
            order: if by_update { ListOrder::Updated } else { ListOrder::Name },
        }
    }
}

/// The store as the rules see it: every record and its listing, by id.
#[derive(Debug, Clone, Default)]
struct Store {
    providers: BTreeMap<i64, Listing<Provider>>,
    offerings: BTreeMap<i64, Listing<Offering>>,
}

impl Store {
    fn provider_of(&self, offering: &Offering) -> Option<&Listing<Provider>> {
        self.providers
            .values()
            .find(|p| p.record.key == offering.data.provider)
    }

    /// The listed offerings, each with its provider.
    fn listed(&self) -> Vec<(&Offering, &Provider)> {
        self.offerings
            .values()
            .filter(|o| o.listed)
            .filter_map(|o| {
                let provider = self.provider_of(&o.record)?;
                provider.listed.then_some((&o.record, &provider.record))
            })
            .collect()
    }

    /// What moved when `providers` and `offerings` were written: they, and
    /// every offering of those providers, as the store's reader sends them.
    fn changes(&self, providers: &[i64], offerings: &[i64]) -> Changes {
        let providers: Vec<Listing<Provider>> = providers
            .iter()
            .map(|id| self.providers[id].clone())
            .collect();
        let offerings = self
            .offerings
            .values()
            .filter(|o| {
                offerings.contains(&o.record.id)
                    || providers
                        .iter()
                        .any(|p| p.record.key == o.record.data.provider)
            })
            .cloned()
            .collect();
        Changes {
            providers,
            offerings,
        }
    }
}

/// The page the rules give for `filter`, by key, and the total.
fn expected_offerings(
    store: &Store,
    filter: &CatalogueFilter,
    page: PageRequest,
) -> (Vec<String>, i64) {
    let listed = store.listed();
    let keys: Vec<(String, String)> = listed
        .iter()
        .map(|(o, _)| (o.key.to_string(), sort_key(&o.data.title)))
        .collect();
    let selected: Vec<(String, ListingKey)> = listed
        .iter()
        .zip(&keys)
        .filter(|((o, p), _)| filter.selects_offering(o, p))
        .map(|((o, _), (key, sorting))| {
            (
                key.clone(),
                ListingKey {
                    sort_key: sorting,
                    title: &o.data.title,
                    updated_at: o.updated_at,
                    key: &o.key,
                },
            )
        })
        .collect();
    paged(filter.order, selected, page)
}

/// The keys on `page` of `selected` in `order`, and how many there are.
fn paged(
    order: ListOrder,
    mut selected: Vec<(String, ListingKey)>,
    page: PageRequest,
) -> (Vec<String>, i64) {
    selected.sort_by(|a, b| listing_order(order, &a.1, &b.1));
    let total = selected.len() as i64;
    let keys = selected
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.per_page as usize)
        .map(|(key, _)| key)
        .collect();
    (keys, total)
}

fn expected_providers(
    store: &Store,
    filter: &CatalogueFilter,
    page: PageRequest,
) -> (Vec<(String, i64)>, i64) {
    let listed = store.listed();
    let providers: Vec<(&Provider, String)> = store
        .providers
        .values()
        .filter(|p| p.listed)
        .map(|p| (&p.record, sort_key(&p.record.data.name)))
        .collect();
    let selected: Vec<(String, ListingKey)> = providers
        .iter()
        .filter(|(p, _)| {
            filter.selects_provider(
                p,
                listed
                    .iter()
                    .filter(|(_, of)| of.id == p.id)
                    .map(|(o, _)| *o),
            )
        })
        .map(|(p, sorting)| {
            (
                p.key.to_string(),
                ListingKey {
                    sort_key: sorting,
                    title: &p.data.name,
                    updated_at: p.updated_at,
                    key: &p.key,
                },
            )
        })
        .collect();
    let (keys, total) = paged(filter.order, selected, page);
    let page_items = keys
        .into_iter()
        .map(|key| {
            let count = listed.iter().filter(|(_, p)| p.key.as_str() == key).count();
            (key, count as i64)
        })
        .collect();
    (page_items, total)
}

fn check(
    directory: &Directory,
    store: &Store,
    filter: &CatalogueFilter,
    page: PageRequest,
) -> Result<(), TestCaseError> {
    let found = directory.offerings(filter, page);
    let (keys, total) = expected_offerings(store, filter, page);
    prop_assert_eq!(
        found
            .items
            .iter()
            .map(|o| o.key.to_string())
            .collect::<Vec<_>>(),
        keys,
        "offerings for {:?}",
        filter
    );
    prop_assert_eq!(found.total, total);
    prop_assert_eq!(directory.count_offerings(filter), total);
    let found = directory.providers(filter, page);
    let (items, total) = expected_providers(store, filter, page);
    prop_assert_eq!(
        found
            .items
            .iter()
            .map(|s| (s.provider.key.to_string(), s.offering_count))
            .collect::<Vec<_>>(),
        items,
        "providers for {:?}",
        filter
    );
    prop_assert_eq!(found.total, total);
    Ok(())
}

/// A write: new data for one provider or one offering.
#[derive(Debug, Clone)]
enum Write {
    Provider(Listing<Provider>),
    Offering(Listing<Offering>),
}

fn any_write() -> impl Strategy<Value = Write> {
    prop_oneof![
        (0..PROVIDERS)
            .prop_flat_map(any_provider)
            .prop_map(Write::Provider),
        (0usize..16)
            .prop_flat_map(any_listed_offering)
            .prop_map(Write::Offering),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Built at once or change by change, the directory lists, counts and
    /// pages exactly what the rules select, in the rules' order.
    #[test]
    fn lists_what_the_rules_select(
        providers in (0..PROVIDERS).map(any_provider).collect::<Vec<_>>(),
        offerings in (0usize..12).map(any_listed_offering).collect::<Vec<_>>(),
        writes in proptest::collection::vec(proptest::collection::vec(any_write(), 1..4), 0..4),
        filters in proptest::collection::vec(any_filter(), 1..4),
        page in 1i64..4,
        per_page in 1i64..6,
    ) {
        let mut store = Store::default();
        for p in providers {
            store.providers.insert(p.record.id, p);
        }
        for o in offerings {
            store.offerings.insert(o.record.id, o);
        }
        let all_providers: Vec<i64> = store.providers.keys().copied().collect();
        let mut directory = Directory::new(store.changes(&all_providers, &[]));
        let page = PageRequest::sized(page, per_page);
        for filter in &filters {
            check(&directory, &store, filter, page)?;
            // Pages asked in any order find the same: a deeper one after
            // this, a shallower one after that, one past the end.
            for number in [page.number + 2, page.number + 1, 1, 40] {
                check(&directory, &store, filter, PageRequest::sized(number, per_page))?;
            }
            check(&directory, &store, filter, PageRequest::sized(1, 100))?;
        }
        for batch in writes {
            let (mut providers, mut offerings) = (Vec::new(), Vec::new());
            for write in batch {
                match write {
                    Write::Provider(p) => {
                        providers.push(p.record.id);
                        store.providers.insert(p.record.id, p);
                    }
                    Write::Offering(mut o) => {
                        if let Some(p) = store.provider_of(&o.record) {
                            o.record.provider_name = p.record.data.name.clone();
                        }
                        offerings.push(o.record.id);
                        store.offerings.insert(o.record.id, o);
                    }
                }
            }
            directory.apply(store.changes(&providers, &offerings));
            for filter in &filters {
                check(&directory, &store, filter, page)?;
            }
        }
        // And the directory built afresh from the same store agrees.
        let afresh = Directory::new(store.changes(&all_providers, &[]));
        for filter in &filters {
            check(&afresh, &store, filter, PageRequest::sized(1, 100))?;
        }
        let mut expected: Vec<String> = store
            .listed()
            .iter()
            .filter(|(o, _)| o.data.status == OfferingStatus::Active)
            .map(|(o, _)| o.key.to_string())
            .collect();
        expected.sort();
        prop_assert_eq!(
            directory.matchable().iter().map(|o| o.key.to_string()).collect::<Vec<_>>(),
            expected
        );
    }
}
