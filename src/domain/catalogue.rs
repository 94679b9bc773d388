//! The catalogue's filters: checked codes, what the geographic ones reach
//! (see `web::params`, which reads them from a query string), and the rules
//! that say which records a filter selects and in which order they list.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::code_set::CodeSet;
use super::codes::{GroupCode, LanguageCode, RecordKey, ThemeCode};
use super::offering::{Offering, OfferingData};
use super::order::ListOrder;
use super::provider::{Provider, ProviderData};
use super::reference::ReachCodes;
use super::vocab::{IncomeLevel, Modality, OfferingStatus, ProviderKind, UnknownCode};

/// A country an offering must admit: its groups and income level.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EligibleCountry {
    pub groups: Vec<GroupCode>,
    pub income_level: Option<IncomeLevel>,
}

/// A checked filter over offerings (and over providers through their offerings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CatalogueFilter {
    pub text: Option<String>,
    /// Offerings with any of these themes.
    pub themes: Option<Vec<ThemeCode>>,
    /// Offerings whose coverage is global or names one of the codes, for
    /// each entry: one entry per geographic filter given.
    pub reaches: Vec<Arc<ReachCodes>>,
    /// Offerings whose eligibility admits this country.
    pub eligible: Option<EligibleCountry>,
    pub provider_kind: Option<ProviderKind>,
    pub modality: Option<Modality>,
    pub language: Option<LanguageCode>,
    pub status: Option<OfferingStatus>,
    /// How the list is ordered; counts ignore it.
    pub order: ListOrder,
}

/// A filter parameter that names nothing we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}=: {source}")]
pub struct FilterError {
    pub parameter: &'static str,
    pub source: UnknownCode,
}

impl CatalogueFilter {
    /// Whether any condition is about offerings (rather than the provider).
    pub fn constrains_offerings(&self) -> bool {
        self.themes.is_some()
            || !self.reaches.is_empty()
            || self.eligible.is_some()
            || self.modality.is_some()
            || self.language.is_some()
            || self.status.is_some()
    }
}

fn shares<T: Ord>(codes: &CodeSet<T>, wanted: &BTreeSet<T>) -> bool {
    codes.iter().any(|code| wanted.contains(code))
}

/// What a text search reads of an offering: its title and description,
/// lower-cased.
pub fn offering_search_text(data: &OfferingData) -> String {
    format!("{}\n{}", data.title, data.description).to_lowercase()
}

/// What a text search of offerings reads of their provider: its name.
pub fn provider_search_name(data: &ProviderData) -> String {
    data.name.to_lowercase()
}

/// What a text search of providers reads: name and description.
pub fn provider_search_text(data: &ProviderData) -> String {
    format!("{}\n{}", data.name, data.description).to_lowercase()
}

/// Where a title or name sorts: letters without their accents and case,
/// so "École", "ecpat" and "Europol" sort as a reader expects.
pub fn sort_key(title: &str) -> String {
    deunicode::deunicode(title).to_lowercase()
}

/// What a directory list sorts a record by.
#[derive(Debug, Clone, Copy)]
pub struct ListingKey<'a> {
    /// [`sort_key`] of the title or name, worked out once per record.
    pub sort_key: &'a str,
    pub title: &'a str,
    pub updated_at: NaiveDateTime,
    pub key: &'a RecordKey,
}

/// The order of a directory list: by sort key (then title, then key, so no
/// two records tie), or the most recently changed first (then by key).
pub fn listing_order(order: ListOrder, a: &ListingKey, b: &ListingKey) -> Ordering {
    match order {
        ListOrder::Name => a
            .sort_key
            .cmp(b.sort_key)
            .then_with(|| a.title.cmp(b.title)),
        ListOrder::Updated => b.updated_at.cmp(&a.updated_at),
    }
    .then_with(|| a.key.cmp(b.key))
}

impl CatalogueFilter {
    /// Whether the filter selects a listed offering of a listed `provider`.
    /// This is the rule; the directory's indexes answer the same, and a
    /// property test holds them to it.
    pub fn selects_offering(&self, offering: &Offering, provider: &Provider) -> bool {
        self.text.as_ref().is_none_or(|text| {
            let text = text.to_lowercase();
            offering_search_text(&offering.data).contains(&text)
                || provider_search_name(&provider.data).contains(&text)
        }) && self
            .provider_kind
            .is_none_or(|kind| provider.data.kind == kind)
            && self.offering_conditions_met(offering)
    }

    /// Whether the filter selects a listed provider, given its listed
    /// offerings: conditions on offerings pick providers with at least one
    /// offering that meets them all.
    pub fn selects_provider<'a>(
        &self,
        provider: &Provider,
        mut offerings: impl Iterator<Item = &'a Offering>,
    ) -> bool {
        self.text
            .as_ref()
            .is_none_or(|text| provider_search_text(&provider.data).contains(&text.to_lowercase()))
            && self
                .provider_kind
                .is_none_or(|kind| provider.data.kind == kind)
            && (!self.constrains_offerings()
                || offerings.any(|offering| self.offering_conditions_met(offering)))
    }

    /// The conditions on an offering itself: themes, reach, eligibility,
    /// modality, language and status (not the text, nor the provider's kind).
    pub fn offering_conditions_met(&self, offering: &Offering) -> bool {
        let data = &offering.data;
        self.themes
            .as_ref()
            .is_none_or(|themes| themes.iter().any(|t| data.themes.contains(t)))
            && self.reaches.iter().all(|reach| {
                data.coverage.global
                    || shares(&data.coverage.countries, &reach.countries)
                    || shares(&data.coverage.regions, &reach.regions)
                    || shares(&data.coverage.groups, &reach.groups)
            })
            && self.eligible.as_ref().is_none_or(|country| {
                data.eligibility
                    .admits_member_of(&country.groups, country.income_level)
            })
            && self.modality.is_none_or(|m| data.modalities.contains(&m))
            && self
                .language
                .as_ref()
                .is_none_or(|l| data.languages.contains(l))
            && self.status.is_none_or(|s| data.status == s)
    }
}
