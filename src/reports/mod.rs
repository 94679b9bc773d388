//! Match reports assembled from the engine's output: per country, per
//! provider, coverage, gaps and overlaps; and their CSV and JSON forms.
//! Pure: the callers load the catalogue and the open needs.
//!
//! Every report that lists needs or overlaps comes a page at a time
//! ([`Paging`]), and only the page is explained in words: what one request
//! costs does not grow with the catalogue or the number of needs.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::domain::Country;
use crate::domain::assessment::{OpenNeed, by_urgency};
use crate::domain::codes::{Iso3, ThemeCode};
use crate::matching::{Catalogue, Context, CountryView, NeedMatches, Ranking};

pub mod allocation;
mod country;
mod coverage;
pub mod csv;
pub mod follow_up;
mod gaps;
mod memo;
mod overlaps;

pub use country::{CountryNeeds, CountryReport, ProviderReport, country_report, provider_report};
pub use coverage::{Cell, Column, Columns, CoverageReport, CoverageRow, Shade, coverage};
pub use gaps::gaps;
pub use memo::NeedMemo;
pub use overlaps::{OfferingTitle, Overlap, OverlapProvider, overlaps};

/// The most matches and near misses a page explains per need.
pub const MAX_SHOWN: usize = 100;

/// Which page of a report, numbered from 1, and how many items a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub number: usize,
    pub per_page: usize,
}

impl Paging {
    pub fn new(number: usize, per_page: usize) -> Paging {
        Paging {
            number: number.max(1),
            per_page: per_page.max(1),
        }
    }

    /// The items of this page.
    pub fn take<T>(self, items: Vec<T>) -> Vec<T> {
        let start = (self.number - 1).saturating_mul(self.per_page);
        items.into_iter().skip(start).take(self.per_page).collect()
    }
}

/// One page of a report, and how many items the whole report has.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub page: T,
    pub total: usize,
    pub paging: Paging,
}

impl<T> Paged<T> {
    pub fn page_count(&self) -> usize {
        self.total.div_ceil(self.paging.per_page).max(1)
    }

    pub fn has_next(&self) -> bool {
        self.paging.number < self.page_count()
    }
}

/// One open need with what the engine found for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedReport {
    #[serde(skip)]
    pub open: OpenNeed,
    pub key: String,
    pub theme: ThemeCode,
    pub priority: crate::domain::Priority,
    pub matches: Vec<crate::matching::Match>,
    pub near_misses: Vec<crate::matching::NearMiss>,
    #[serde(skip)]
    pub total_matches: usize,
    #[serde(skip)]
    pub total_near_misses: usize,
}

impl NeedReport {
    fn new(open: OpenNeed, found: NeedMatches) -> NeedReport {
        let NeedMatches {
            matches,
            near_misses,
            total_matches,
            total_near_misses,
        } = found;
        NeedReport {
            key: open.key_text(),
            theme: open.need.theme.clone(),
            priority: open.need.priority,
            open,
            matches,
            near_misses,
            total_matches,
            total_near_misses,
        }
    }

    pub fn best_score(&self) -> Option<f64> {
        self.matches.first().map(|m| m.score)
    }
}

/// Ranks every need, a country at a time (its view of the catalogue is
/// built once) and countries in parallel, keeping each need's best `keep`
/// matches and near misses (all without a limit). `each` then receives every
/// need, its country and its ranking, in `needs` order.
pub fn rank_needs<'r, T>(
    context: &Context<'r>,
    catalogue: &Catalogue,
    needs: Vec<OpenNeed>,
    keep: Option<usize>,
    mut each: impl FnMut(OpenNeed, &'r Country, Ranking) -> T,
) -> Vec<T> {
    let mut by_country: BTreeMap<Iso3, Vec<(usize, OpenNeed)>> = BTreeMap::new();
    for (position, open) in needs.into_iter().enumerate() {
        by_country
            .entry(open.country.clone())
            .or_default()
            .push((position, open));
    }
    let reference = context.reference;
    let mut ranked: Vec<(usize, OpenNeed, &'r Country, Ranking)> = by_country
        .into_par_iter()
        .flat_map_iter(|(iso3, needs)| {
            let country = reference.country(iso3.as_str());
            let view: Option<CountryView> =
                country.map(|c| catalogue.view(c, reference, context.today));
            needs
                .into_iter()
                .filter_map(move |(position, open)| {
                    let (country, view) = (country?, view.as_ref()?);
                    let ranking = context.rank(catalogue, view, &open.need, keep);
                    Some((position, open, country, ranking))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    ranked.sort_unstable_by_key(|(position, ..)| *position);
    ranked
        .into_iter()
        .map(|(_, open, country, ranking)| each(open, country, ranking))
        .collect()
}

/// One page of needs, most urgent first, each with its first `limit`
/// matches and near misses explained (all without a limit); what a need
/// found before is recalled when the memo `recall` still holds it.
pub fn needs_page(
    context: &Context,
    catalogue: &Catalogue,
    mut needs: Vec<OpenNeed>,
    limit: Option<usize>,
    paging: Paging,
    recall: Option<&NeedMemo>,
) -> Paged<Vec<NeedReport>> {
    by_urgency(&mut needs);
    let total = needs.len();
    Paged {
        page: match_needs_recalling(context, catalogue, paging.take(needs), limit, recall),
        total,
        paging,
    }
}

/// Matches every need against the catalogue, most urgent first, explaining
/// the first `limit` matches and near misses of each (all without a limit).
pub fn match_needs(
    context: &Context,
    catalogue: &Catalogue,
    needs: Vec<OpenNeed>,
    limit: Option<usize>,
) -> Vec<NeedReport> {
    match_needs_recalling(context, catalogue, needs, limit, None)
}

/// As [`match_needs`], working out only the needs the memo `recall` does
/// not hold, and keeping what they found there.
fn match_needs_recalling(
    context: &Context,
    catalogue: &Catalogue,
    mut needs: Vec<OpenNeed>,
    limit: Option<usize>,
    recall: Option<&NeedMemo>,
) -> Vec<NeedReport> {
    by_urgency(&mut needs);
    let mut reports: Vec<Option<NeedReport>> = Vec::with_capacity(needs.len());
    let mut missing = Vec::new();
    // A need of a country the reference data does not know finds nothing
    // and is left out, as `rank_needs` leaves it out.
    let known = |open: &OpenNeed| context.reference.country(open.country.as_str()).is_some();
    for open in needs.into_iter().filter(known) {
        match recall.and_then(|r| r.get(context, catalogue, &open, limit)) {
            Some(found) => reports.push(Some(NeedReport::new(open, found))),
            None => {
                reports.push(None);
                missing.push(open);
            }
        }
    }
    let missing_count = missing.len();
    let worked_out = rank_needs(
        context,
        catalogue,
        missing,
        limit,
        |open, country, ranking| {
            let found = context.explain(catalogue, country, &open.need, &ranking, limit);
            if let Some(recall) = recall {
                recall.put(context, catalogue, &open, limit, &found);
            }
            NeedReport::new(open, found)
        },
    );
    // In order: each gap takes the next need worked out, one for each.
    assert_eq!(worked_out.len(), missing_count, "a need was left out");
    let mut worked_out = worked_out.into_iter();
    reports
        .into_iter()
        .filter_map(|kept| kept.or_else(|| worked_out.next()))
        .collect()
}

#[cfg(test)]
mod tests;
