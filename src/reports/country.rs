//! The reports of one country and of one provider.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{MAX_SHOWN, NeedMemo, NeedReport, Paged, Paging, needs_page, rank_needs};
use crate::domain::assessment::{OpenNeed, by_urgency};
use crate::domain::codes::{Iso3, RecordKey};
use crate::matching::{Catalogue, Context};

/// `/reports/countries/{iso3}`: the document DESIGN.md shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryReport {
    pub country: Iso3,
    pub needs: Vec<NeedReport>,
}

/// One page of a country's open needs, most urgent first, with the first
/// `limit` matches and near misses of each (recalled, where `recall` can).
pub fn country_report(
    context: &Context,
    catalogue: &Catalogue,
    country: Iso3,
    needs: Vec<OpenNeed>,
    limit: Option<usize>,
    paging: Paging,
    recall: Option<&NeedMemo>,
) -> Paged<CountryReport> {
    let Paged {
        page,
        total,
        paging,
    } = needs_page(context, catalogue, needs, limit, paging, recall);
    Paged {
        page: CountryReport {
            country,
            needs: page,
        },
        total,
        paging,
    }
}

/// `/reports/providers/{key}`: the needs the provider's offerings could
/// serve, by country, and the near misses one change would turn into matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderReport {
    pub provider: RecordKey,
    pub countries: Vec<CountryNeeds>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryNeeds {
    pub country: Iso3,
    pub needs: Vec<NeedReport>,
}

/// One page of the needs that `offerings` (one provider's) match or nearly
/// match, by country and then most urgent first.
pub fn provider_report(
    context: &Context,
    provider: RecordKey,
    offerings: &Catalogue,
    mut needs: Vec<OpenNeed>,
    paging: Paging,
) -> Paged<ProviderReport> {
    by_urgency(&mut needs);
    needs.sort_by(|a, b| a.country.cmp(&b.country));
    let concerned: Vec<_> = rank_needs(
        context,
        offerings,
        needs,
        Some(MAX_SHOWN),
        |open, country, ranking| (open, country, ranking),
    )
    .into_iter()
    .filter(|(_, _, ranking)| ranking.match_count() + ranking.near_miss_count() > 0)
    .collect();
    let total = concerned.len();
    let mut by_country: BTreeMap<Iso3, Vec<NeedReport>> = BTreeMap::new();
    for (open, country, ranking) in paging.take(concerned) {
        let found = context.explain(offerings, country, &open.need, &ranking, Some(MAX_SHOWN));
        by_country
            .entry(open.country.clone())
            .or_default()
            .push(NeedReport::new(open, found));
    }
    Paged {
        page: ProviderReport {
            provider,
            countries: by_country
                .into_iter()
                .map(|(country, needs)| CountryNeeds { country, needs })
                .collect(),
        },
        total,
        paging,
    }
}
