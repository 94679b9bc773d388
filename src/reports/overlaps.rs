//! The overlaps report: countries and sub-themes where offerings of several
//! providers match the same open needs, where coordination pays.
//!
//! Each overlap is summarised as it is found (how many providers and
//! offerings, the few that match best), so the report's size follows the
//! number of overlaps, not the number of matches: at 50,000 offerings a
//! cell can hold a thousand matching offerings.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::{Paged, Paging};
use crate::domain::assessment::{OpenNeed, by_urgency};
use crate::domain::codes::{Iso3, RecordKey, ThemeCode};
use crate::matching::{Candidate, Catalogue, Context, CountryView};

/// Providers named per overlap, the best-matching first.
pub const SHOWN_PROVIDERS: usize = 5;
/// Offerings named per provider, the best-matching first.
pub const SHOWN_OFFERINGS: usize = 3;

/// `/reports/overlaps`: several providers' offerings on one country and sub-theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    pub country: Iso3,
    pub theme: ThemeCode,
    pub needs: Vec<String>,
    /// How many providers' offerings match these needs.
    pub provider_count: usize,
    /// How many offerings match them, across those providers.
    pub offering_count: usize,
    /// The providers whose offerings match best, at most [`SHOWN_PROVIDERS`].
    pub providers: Vec<OverlapProvider>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlapProvider {
    pub provider: RecordKey,
    pub name: String,
    /// How many of its offerings match.
    pub offering_count: usize,
    /// The JSON and CSV list keys, as tools expect; pages show the titles.
    /// At most [`SHOWN_OFFERINGS`], the best-matching first.
    #[serde(serialize_with = "keys_only")]
    pub offerings: Vec<OfferingTitle>,
}

/// An offering as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OfferingTitle {
    pub key: RecordKey,
    pub title: String,
}

fn keys_only<S: serde::Serializer>(offerings: &[OfferingTitle], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(offerings.iter().map(|o| &o.key))
}

/// One page of the overlaps, the most crowded first (most providers), then
/// by country and sub-theme.
pub fn overlaps(
    context: &Context,
    catalogue: &Catalogue,
    mut needs: Vec<OpenNeed>,
    paging: Paging,
) -> Paged<Vec<Overlap>> {
    by_urgency(&mut needs);
    type Cells = BTreeMap<ThemeCode, Vec<OpenNeed>>;
    let mut by_country: BTreeMap<Iso3, Cells> = BTreeMap::new();
    for open in needs {
        by_country
            .entry(open.country.clone())
            .or_default()
            .entry(open.need.theme.clone())
            .or_default()
            .push(open);
    }
    let by_country: Vec<_> = by_country.into_iter().collect();
    let mut found: Vec<Overlap> = by_country
        .par_iter()
        .flat_map_iter(|(iso3, cells)| {
            // A country's view of the catalogue is built once for its cells.
            let view = context
                .reference
                .country(iso3.as_str())
                .map(|country| catalogue.view(country, context.reference, context.today));
            cells
                .iter()
                .filter_map(|(theme, needs)| {
                    summarise(context, catalogue, view.as_ref()?, iso3, theme, needs)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    found.sort_by(|a, b| {
        b.provider_count
            .cmp(&a.provider_count)
            .then_with(|| (&a.country, &a.theme).cmp(&(&b.country, &b.theme)))
    });
    Paged {
        total: found.len(),
        page: paging.take(found),
        paging,
    }
}

/// The overlap of one country's needs on one sub-theme, if several
/// providers' offerings match them.
fn summarise(
    context: &Context,
    catalogue: &Catalogue,
    view: &CountryView,
    iso3: &Iso3,
    theme: &ThemeCode,
    needs: &[OpenNeed],
) -> Option<Overlap> {
    // Each matching offering once, with its best score over the cell's needs.
    let mut matched: Vec<(u32, u64)> = Vec::new();
    for open in needs {
        context.candidates(catalogue, view, &open.need, |i, candidate| {
            if let Candidate::Match { score_milli } = candidate {
                matched.push((i, score_milli));
            }
        });
    }
    matched.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    matched.dedup_by_key(|m| m.0);
    // By provider, each provider's offerings best first (then by key: index order).
    let mut by_provider: Vec<(u32, u64, u32)> = matched
        .iter()
        .map(|&(i, score)| (catalogue.provider_id(i as usize), score, i))
        .collect();
    by_provider.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut ranked: Vec<&[(u32, u64, u32)]> = by_provider.chunk_by(|a, b| a.0 == b.0).collect();
    if ranked.len() < 2 {
        return None;
    }
    // The provider with the best match first; ties by its first offering.
    ranked.sort_unstable_by(|a, b| b[0].1.cmp(&a[0].1).then(a[0].2.cmp(&b[0].2)));
    let provider_count = ranked.len();
    ranked.truncate(SHOWN_PROVIDERS);
    Some(Overlap {
        country: iso3.clone(),
        theme: theme.clone(),
        needs: needs.iter().map(OpenNeed::key_text).collect(),
        provider_count,
        offering_count: matched.len(),
        providers: ranked
            .into_iter()
            .map(|offerings| {
                let first = catalogue.offering(offerings[0].2 as usize);
                OverlapProvider {
                    provider: first.data.provider.clone(),
                    name: first.provider_name.clone(),
                    offering_count: offerings.len(),
                    offerings: offerings
                        .iter()
                        .take(SHOWN_OFFERINGS)
                        .map(|&(_, _, i)| {
                            let offering = catalogue.offering(i as usize);
                            OfferingTitle {
                                key: offering.key.clone(),
                                title: offering.data.title.clone(),
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
    })
}
