//! Match reports assembled from the engine's output: per country, per
//! provider, coverage, gaps and overlaps; and their CSV and JSON forms.
//! Pure: the callers load the catalogue and the open needs.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use serde::Serialize;

use crate::domain::Country;
use crate::domain::assessment::OpenNeed;
use crate::domain::codes::{GroupCode, Iso3, RecordKey, RegionCode, ThemeCode};
use crate::domain::reference::{ReachCodes, ReferenceData};
use crate::domain::vocab::RegionLevel;
use crate::matching::{Catalogue, Context, CountryView, NeedMatches, Ranking, WEAK_SCORE, active};

pub mod csv;

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

/// Highest priority first, then the soonest wanted-by date, then key.
fn by_urgency(needs: &mut [OpenNeed]) {
    needs.sort_by(|a, b| {
        let order = |n: &OpenNeed| {
            (
                n.need.priority,
                n.need.wanted_by.is_none(),
                n.need.wanted_by,
                n.need.key.clone(),
            )
        };
        order(a).cmp(&order(b))
    });
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
            key: open
                .need
                .key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
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

/// Matches every need against the catalogue, most urgent first, explaining
/// the first `limit` matches and near misses of each (all without a limit).
pub fn match_needs(
    context: &Context,
    catalogue: &Catalogue,
    mut needs: Vec<OpenNeed>,
    limit: Option<usize>,
) -> Vec<NeedReport> {
    by_urgency(&mut needs);
    rank_needs(
        context,
        catalogue,
        needs,
        limit,
        |open, country, ranking| {
            let found = context.explain(catalogue, country, &open.need, &ranking, limit);
            NeedReport::new(open, found)
        },
    )
}

/// `/reports/countries/{iso3}`: the document DESIGN.md shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryReport {
    pub country: Iso3,
    pub needs: Vec<NeedReport>,
}

pub fn country_report(
    context: &Context,
    catalogue: &Catalogue,
    country: Iso3,
    needs: Vec<OpenNeed>,
    limit: Option<usize>,
) -> CountryReport {
    CountryReport {
        needs: match_needs(context, catalogue, needs, limit),
        country,
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

pub fn provider_report(
    context: &Context,
    provider: RecordKey,
    offerings: Catalogue,
    needs: Vec<OpenNeed>,
) -> ProviderReport {
    let mut by_country: BTreeMap<Iso3, Vec<NeedReport>> = BTreeMap::new();
    for report in match_needs(context, &offerings, needs, None) {
        if !report.matches.is_empty() || !report.near_misses.is_empty() {
            by_country
                .entry(report.open.country.clone())
                .or_default()
                .push(report);
        }
    }
    ProviderReport {
        provider,
        countries: by_country
            .into_iter()
            .map(|(country, needs)| CountryNeeds { country, needs })
            .collect(),
    }
}

/// `/reports/gaps`: open needs nobody serves, or serves only weakly.
pub fn gaps(
    context: &Context,
    catalogue: &Catalogue,
    needs: Vec<OpenNeed>,
    near_misses_shown: usize,
) -> Vec<NeedReport> {
    match_needs(context, catalogue, needs, Some(near_misses_shown))
        .into_iter()
        .filter(|r| r.best_score().is_none_or(|s| s < WEAK_SCORE))
        .collect()
}

/// `/reports/overlaps`: several providers' offerings on one country and sub-theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    pub country: Iso3,
    pub theme: ThemeCode,
    pub needs: Vec<String>,
    pub providers: Vec<OverlapProvider>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlapProvider {
    pub provider: RecordKey,
    pub name: String,
    pub offerings: Vec<RecordKey>,
}

pub fn overlaps(context: &Context, catalogue: &Catalogue, needs: Vec<OpenNeed>) -> Vec<Overlap> {
    type Providers = BTreeMap<RecordKey, (String, BTreeSet<RecordKey>)>;
    let mut cells: BTreeMap<(Iso3, ThemeCode), (BTreeSet<String>, Providers)> = BTreeMap::new();
    rank_needs(context, catalogue, needs, None, |open, _, ranking| {
        let (need_keys, providers) = cells
            .entry((open.country.clone(), open.need.theme.clone()))
            .or_default();
        need_keys.insert(
            open.need
                .key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        for offering in ranking.matched(catalogue) {
            let entry = providers
                .entry(offering.data.provider.clone())
                .or_insert_with(|| (offering.provider_name.clone(), BTreeSet::new()));
            entry.1.insert(offering.key.clone());
        }
    });
    let mut found: Vec<Overlap> = cells
        .into_iter()
        .filter(|(_, (_, providers))| providers.len() >= 2)
        .map(|((country, theme), (needs, providers))| Overlap {
            country,
            theme,
            needs: needs.into_iter().collect(),
            providers: providers
                .into_iter()
                .map(|(provider, (name, offerings))| OverlapProvider {
                    provider,
                    name,
                    offerings: offerings.into_iter().collect(),
                })
                .collect(),
        })
        .collect();
    // The most crowded first: that is where coordination pays most.
    found.sort_by(|a, b| {
        b.providers
            .len()
            .cmp(&a.providers.len())
            .then_with(|| (&a.country, &a.theme).cmp(&(&b.country, &b.theme)))
    });
    found
}

/// How the coverage report's columns divide the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    Regions,
    Subregions,
    Groups,
}

impl Columns {
    pub fn parse(text: &str) -> Option<Columns> {
        match text {
            "" | "regions" => Some(Columns::Regions),
            "subregions" => Some(Columns::Subregions),
            "groups" => Some(Columns::Groups),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Columns::Regions => "regions",
            Columns::Subregions => "subregions",
            Columns::Groups => "groups",
        }
    }
}

/// One column of the coverage report: a region or a group, and its countries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The query parameter that selects it (`region` or `group`).
    pub parameter: &'static str,
    pub code: String,
    pub name: String,
    #[serde(skip)]
    countries: BTreeSet<Iso3>,
    #[serde(skip)]
    reach: ReachCodes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub open_needs: usize,
    pub offerings: usize,
    /// Offerings per open need; `None` where nothing is asked.
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    pub theme: ThemeCode,
    pub name: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub columns: Vec<Column>,
    pub rows: Vec<CoverageRow>,
}

fn columns(reference: &ReferenceData, kind: Columns) -> Vec<Column> {
    let of_region = |level: RegionLevel| {
        reference
            .regions()
            .iter()
            .filter(|r| r.level == level)
            .map(|r| {
                let countries: Vec<_> = reference.countries_in_region(&r.code).collect();
                Column {
                    parameter: "region",
                    code: r.code.to_string(),
                    name: r.name.clone(),
                    reach: reference.reach_of(countries.iter().copied()),
                    countries: countries.iter().map(|c| c.iso3.clone()).collect(),
                }
            })
            .collect()
    };
    match kind {
        Columns::Regions => of_region(RegionLevel::Region),
        Columns::Subregions => of_region(RegionLevel::Subregion),
        Columns::Groups => reference
            .groups()
            .iter()
            .map(|g: &crate::domain::CountryGroup| {
                let code: &GroupCode = &g.code;
                let members: Vec<_> = reference.members_of(code).collect();
                Column {
                    parameter: "group",
                    code: g.code.to_string(),
                    name: g.name.clone(),
                    reach: reference.reach_of(members.iter().copied()),
                    countries: members.iter().map(|c| c.iso3.clone()).collect(),
                }
            })
            .collect(),
    }
}

/// Themes × places: open needs against the active offerings that reach
/// them. A parent theme's row counts its sub-themes.
pub fn coverage(
    context: &Context,
    catalogue: &Catalogue,
    needs: &[OpenNeed],
    kind: Columns,
) -> CoverageReport {
    let reference = context.reference;
    let columns = columns(reference, kind);
    let active: Vec<_> = catalogue
        .offerings()
        .iter()
        .filter(|o| active(o, context.today).is_ok())
        .collect();
    let rows = reference
        .parent_themes()
        .map(|parent| {
            let family: BTreeSet<ThemeCode> = reference
                .theme_with_subthemes(&parent.code)
                .into_iter()
                .collect();
            let on_theme: Vec<_> = active
                .iter()
                .filter(|o| o.data.themes.iter().any(|t| family.contains(t)))
                .collect();
            let cells = columns
                .iter()
                .map(|column| {
                    let open_needs = needs
                        .iter()
                        .filter(|n| {
                            family.contains(&n.need.theme) && column.countries.contains(&n.country)
                        })
                        .count();
                    let offerings = on_theme
                        .iter()
                        .filter(|o| reaches(&o.data.coverage, &column.reach))
                        .count();
                    let ratio = (open_needs > 0)
                        .then(|| (offerings as f64 / open_needs as f64 * 100.0).round() / 100.0);
                    Cell {
                        open_needs,
                        offerings,
                        ratio,
                    }
                })
                .collect();
            CoverageRow {
                theme: parent.code.clone(),
                name: parent.name.clone(),
                cells,
            }
        })
        .collect();
    CoverageReport { columns, rows }
}

/// Whether coverage reaches any country the codes stand for.
fn reaches(coverage: &crate::domain::Coverage, reach: &ReachCodes) -> bool {
    coverage.global
        || coverage
            .countries
            .iter()
            .any(|c| reach.countries.contains(c))
        || coverage
            .regions
            .iter()
            .any(|r: &RegionCode| reach.regions.contains(r))
        || coverage.groups.iter().any(|g| reach.groups.contains(g))
}
