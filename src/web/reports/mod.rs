//! The match reports, as pages and (with `?format=csv|json`) as data.
//!
//! Every report comes a page at a time: 25 needs or overlaps a page, and at
//! most 100 matches and near misses explained per need. HTML pages link to
//! their neighbours; CSV and JSON answers carry a `Link` header instead, so
//! the documents keep the shape DESIGN.md gives them.

use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::{BTreeSet, HashMap};

use super::error::{ApiError, AppError, missing};
use super::params::CatalogueParams;
use super::paths::{CountryPath, KeyPath, QueryParams};
use super::report_cache::ReportCache;
use super::session::Viewer;
use super::views::Pagination;
use super::{ok, reads, with_db};
use crate::db::{self, PageRequest};
use crate::directory::ProviderSummary;
use crate::domain::access::Action;
use crate::domain::assessment::OpenNeed;
use crate::domain::audit::AuditedRecord;
use crate::domain::catalogue::CatalogueFilter;
use crate::domain::codes::{Iso3, RecordKey, ThemeCode};
use crate::domain::{Country, Provider, ReferenceData};
use crate::matching::{Catalogue, FactorHelp, WEAK_SCORE, WEIGHTS};
use crate::reports::{
    self, Columns, CountryReport, CoverageReport, MAX_SHOWN, NeedReport, Overlap, Paged, Paging,
    ProviderReport, Shade,
};
use crate::startup::Storage;

mod allocation;
mod answer;
mod follow_up;

pub use allocation::allocation;
pub use follow_up::follow_up_report;

use answer::{
    DEFAULT_LIMIT, Format, Provenance, ReportParams, cached, csv_report, html_report, inputs,
    json_report, link_header, pages_of, readable_inputs, run_engine,
};

/// Near misses shown with each need of the gaps report.
const GAPS_SHOWN: usize = 3;

/// A page of a country's report as the viewer may read it, recalling
/// what its needs found in reports built before (kept in `cache`).
async fn country_matches(
    storage: &Storage,
    cache: &web::Data<ReportCache>,
    viewer: &Viewer,
    country: &Country,
    limit: usize,
    paging: Paging,
) -> Result<Paged<CountryReport>, AppError> {
    let readership = viewer.readership();
    let (catalogue, needs) =
        readable_inputs(storage, Some(country.iso3.clone()), &readership).await?;
    let iso3 = country.iso3.clone();
    let cache = cache.clone();
    run_engine(storage, move |context| {
        reports::country_report(
            context,
            &catalogue,
            iso3,
            needs,
            Some(limit),
            paging,
            Some(cache.found()),
        )
    })
    .await
}

#[derive(Template)]
#[template(path = "reports/country.html")]
struct CountryPage<'a> {
    viewer: &'a Viewer,
    country: &'a Country,
    report: CountryReport,
    weights: [FactorHelp; 6],
    limit: usize,
    max_limit: usize,
    pagination: Pagination,
    provenance: Provenance,
    reference: &'a ReferenceData,
}

pub async fn country(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    CountryPath(country): CountryPath,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let limit = params.limit(DEFAULT_LIMIT)?;
    let paging = params.paging();
    let country = &country;
    let key = format!(
        "country/{}/{format:?}/{limit}/{}",
        country.iso3, paging.number
    );
    let path = format!("/reports/countries/{}", country.iso3);
    cached(&storage, &cache, &viewer, key, |provenance| async {
        let paged = country_matches(&storage, &cache, &viewer, country, limit, paging).await?;
        let pagination = pages_of(&paged, &params, &path);
        match format {
            Format::Json => json_report(&paged.page, link_header(&pagination)),
            Format::Csv => Ok(csv_report(
                &format!("matches-{}", country.iso3),
                reports::csv::needs(&paged.page.needs, &storage.reference),
                link_header(&pagination),
            )),
            Format::Html => html_report(&CountryPage {
                viewer: &viewer,
                country,
                report: paged.page,
                weights: WEIGHTS.explained(),
                limit,
                max_limit: MAX_SHOWN,
                pagination,
                provenance,
                reference: &storage.reference,
            }),
        }
    })
    .await
}

/// `/api/v1/countries/{iso3}/matches`: the same document, up to 100
/// matches and near misses per need, 25 needs a page.
pub async fn country_api(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    CountryPath(country): CountryPath,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = params.limit(MAX_SHOWN)?;
    let paging = params.paging();
    let country = &country;
    let key = format!("country-api/{}/{limit}/{}", country.iso3, paging.number);
    let path = format!("/api/v1/countries/{}/matches", country.iso3);
    let response = cached(&storage, &cache, &viewer, key, |_| async {
        let paged = country_matches(&storage, &cache, &viewer, country, limit, paging).await?;
        json_report(&paged.page, link_header(&pages_of(&paged, &params, &path)))
    })
    .await?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "reports/provider.html")]
struct ProviderPage<'a> {
    viewer: &'a Viewer,
    provider: Provider,
    report: ProviderReport,
    weights: [FactorHelp; 6],
    pagination: Pagination,
    provenance: Provenance,
    reference: &'a ReferenceData,
}

pub async fn provider(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    KeyPath(key): KeyPath,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let paging = params.paging();
    let lookup = key.to_string();
    // A provider waiting for review has no report but for its editors.
    let edits = viewer.allows(Action::EditProvider(&key));
    let provider = with_db(&storage, move |conn| {
        let provider = db::providers::find(conn, &lookup).map_err(missing("provider", &lookup))?;
        if !edits && db::reviews::state(conn, AuditedRecord::Provider, &lookup)?.is_some() {
            return Err(AppError::NotFound(format!("The provider \"{lookup}\"")));
        }
        Ok(provider)
    })
    .await?;
    let cache_key = format!("provider/{}/{format:?}/{}", provider.key, paging.number);
    let path = format!("/reports/providers/{}", provider.key);
    cached(&storage, &cache, &viewer, cache_key, |provenance| async {
        let (catalogue, needs) = readable_inputs(&storage, None, &viewer.readership()).await?;
        let own: Vec<_> = catalogue
            .offerings()
            .filter(|o| o.data.provider == provider.key)
            .cloned()
            .collect();
        let provider_key = RecordKey::clone(&provider.key);
        let paged = run_engine(&storage, move |context| {
            reports::provider_report(
                context,
                provider_key,
                &Catalogue::shared(own),
                needs,
                paging,
            )
        })
        .await?;
        let pagination = pages_of(&paged, &params, &path);
        match format {
            Format::Json => json_report(&paged.page, link_header(&pagination)),
            Format::Csv => {
                let all: Vec<NeedReport> = paged
                    .page
                    .countries
                    .iter()
                    .flat_map(|c| c.needs.iter().cloned())
                    .collect();
                Ok(csv_report(
                    &format!("provider-{key}"),
                    reports::csv::needs(&all, &storage.reference),
                    link_header(&pagination),
                ))
            }
            Format::Html => html_report(&ProviderPage {
                viewer: &viewer,
                provider,
                report: paged.page,
                weights: WEIGHTS.explained(),
                pagination,
                provenance,
                reference: &storage.reference,
            }),
        }
    })
    .await
}

/// Which needs the gaps report looks at: a theme (with its sub-themes) and
/// a region or group, checked.
#[derive(Debug, Default)]
struct NeedFilter {
    themes: Option<BTreeSet<ThemeCode>>,
    places: Option<BTreeSet<Iso3>>,
    /// The filters in words, for the page.
    described: Vec<String>,
    /// The codes, for the cache key.
    codes: [String; 3],
}

impl NeedFilter {
    fn parse(reference: &ReferenceData, params: &ReportParams) -> Result<NeedFilter, AppError> {
        let bad = |e: crate::domain::vocab::UnknownCode| AppError::BadRequest(e.to_string());
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut filter = NeedFilter::default();
        if let Some(code) = given(&params.theme) {
            let theme = reference.theme_code(&code).map_err(bad)?;
            filter
                .described
                .push(reference.theme_name(theme.as_str()).to_owned());
            filter.themes = Some(reference.theme_with_subthemes(&theme).into_iter().collect());
            filter.codes[0] = theme.to_string();
        }
        if let Some(code) = given(&params.region) {
            let region = reference.region_code(&code).map_err(bad)?;
            filter
                .described
                .push(reference.region_name(region.as_str()).to_owned());
            filter.places = Some(
                reference
                    .countries_in_region(&region)
                    .map(|c| c.iso3.clone())
                    .collect(),
            );
            filter.codes[1] = region.to_string();
        }
        if let Some(code) = given(&params.group) {
            let group = reference
                .group_code(&code.to_ascii_uppercase())
                .map_err(bad)?;
            filter.described.push(format!(
                "members of {}",
                reference.group_name(group.as_str())
            ));
            let members: BTreeSet<Iso3> = reference
                .members_of(&group)
                .map(|c| c.iso3.clone())
                .collect();
            filter.places = Some(match filter.places.take() {
                Some(region) => region.intersection(&members).cloned().collect(),
                None => members,
            });
            filter.codes[2] = group.to_string();
        }
        Ok(filter)
    }

    fn keep(&self, needs: Vec<OpenNeed>) -> Vec<OpenNeed> {
        needs
            .into_iter()
            .filter(|n| {
                self.themes
                    .as_ref()
                    .is_none_or(|t| t.contains(&n.need.theme))
            })
            .filter(|n| self.places.as_ref().is_none_or(|p| p.contains(&n.country)))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "reports/gaps.html")]
struct GapsPage<'a> {
    viewer: &'a Viewer,
    needs: Vec<NeedReport>,
    total: usize,
    /// Needs counted here that this reader may not read.
    not_shown: usize,
    all: bool,
    filtered: String,
    weak: f64,
    pagination: Pagination,
    provenance: Provenance,
    reference: &'a ReferenceData,
}

pub async fn gaps(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let filter = NeedFilter::parse(&storage.reference, &params)?;
    let all = params.show.as_deref() == Some("all");
    let paging = params.paging();
    let key = format!(
        "gaps/{format:?}/{all}/{}/{}",
        filter.codes.join("/"),
        paging.number
    );
    cached(&storage, &cache, &viewer, key, |provenance| async {
        let (catalogue, needs) = inputs(&storage, None).await?;
        let needs = filter.keep(needs);
        // Totals count every need; the list names only those this reader
        // may read.
        let readership = viewer.readership();
        let (readable, hidden): (Vec<OpenNeed>, Vec<OpenNeed>) = needs
            .into_iter()
            .partition(|n| readership.reads(&n.country, n.visibility));
        let (found, not_shown) = run_engine(&storage, move |context| {
            let list = |needs, paging| {
                if all {
                    reports::needs_page(context, &catalogue, needs, Some(GAPS_SHOWN), paging, None)
                } else {
                    reports::gaps(context, &catalogue, needs, GAPS_SHOWN, paging)
                }
            };
            let not_shown = if hidden.is_empty() {
                0
            } else {
                list(hidden, Paging::new(1, 1)).total
            };
            (list(readable, paging), not_shown)
        })
        .await?;
        let pagination = pages_of(&found, &params, "/reports/gaps");
        match format {
            Format::Json => json_report(
                &serde_json::json!({
                    "weak_score": WEAK_SCORE,
                    "needs": found.page,
                    "not_shown": not_shown,
                }),
                link_header(&pagination),
            ),
            Format::Csv => Ok(csv_report(
                "gaps",
                reports::csv::needs(&found.page, &storage.reference),
                link_header(&pagination),
            )),
            Format::Html => html_report(&GapsPage {
                viewer: &viewer,
                not_shown,
                total: found.total,
                needs: found.page,
                all,
                filtered: filter.described.join(", "),
                weak: WEAK_SCORE,
                pagination,
                provenance,
                reference: &storage.reference,
            }),
        }
    })
    .await
}

#[derive(Template)]
#[template(path = "reports/overlaps.html")]
struct OverlapsPage<'a> {
    viewer: &'a Viewer,
    overlaps: Vec<Overlap>,
    total: usize,
    pagination: Pagination,
    provenance: Provenance,
    reference: &'a ReferenceData,
}

pub async fn overlaps(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let paging = params.paging();
    let key = format!("overlaps/{format:?}/{}", paging.number);
    cached(&storage, &cache, &viewer, key, |provenance| async {
        let (catalogue, needs) = readable_inputs(&storage, None, &viewer.readership()).await?;
        let found = run_engine(&storage, move |context| {
            reports::overlaps(context, &catalogue, needs, paging)
        })
        .await?;
        let pagination = pages_of(&found, &params, "/reports/overlaps");
        match format {
            Format::Json => json_report(
                &serde_json::json!({ "overlaps": found.page }),
                link_header(&pagination),
            ),
            Format::Csv => Ok(csv_report(
                "overlaps",
                reports::csv::overlaps(&found.page, &storage.reference),
                link_header(&pagination),
            )),
            Format::Html => html_report(&OverlapsPage {
                viewer: &viewer,
                total: found.total,
                overlaps: found.page,
                pagination,
                provenance,
                reference: &storage.reference,
            }),
        }
    })
    .await
}

#[derive(Template)]
#[template(path = "reports/coverage.html")]
struct CoveragePage<'a> {
    viewer: &'a Viewer,
    report: CoverageReport,
    columns: Columns,
    shades: [Shade; 6],
    provenance: Provenance,
}

pub async fn coverage(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let columns = Columns::parse(params.columns.as_deref().unwrap_or("")).ok_or_else(|| {
        AppError::BadRequest("columns=: use regions, subregions or groups".into())
    })?;
    let key = format!("coverage/{format:?}/{}", columns.code());
    cached(&storage, &cache, &viewer, key, |provenance| async {
        let (catalogue, needs) = inputs(&storage, None).await?;
        let report = run_engine(&storage, move |context| {
            reports::coverage(context, &catalogue, needs, columns)
        })
        .await?;
        match format {
            Format::Json => json_report(&report, None),
            Format::Csv => Ok(csv_report(
                "coverage",
                reports::csv::coverage(&report),
                None,
            )),
            Format::Html => html_report(&CoveragePage {
                viewer: &viewer,
                report,
                columns,
                shades: Shade::ALL,
                provenance,
            }),
        }
    })
    .await
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage<'a> {
    viewer: &'a Viewer,
    q: String,
    /// Countries with open needs, and how many.
    countries: Vec<(&'a Country, i64)>,
    providers: Vec<ProviderSummary>,
    pagination: Pagination,
    weights: [FactorHelp; 6],
}

/// `/reports`: the reports across the catalogue, and a way to find a
/// country's or a provider's report by name.
pub async fn index(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let reference = &storage.reference;
    let search = CatalogueParams {
        q: params.q.clone(),
        page: params.page.clone(),
        ..CatalogueParams::default()
    };
    let filter = CatalogueFilter {
        text: search.text(),
        ..CatalogueFilter::default()
    };
    let page = PageRequest::new(search.page_number());
    let providers = reads::directory(&storage, move |d| d.providers(&filter, page)).await?;
    let counts = with_db(&storage, |conn| {
        Ok(db::assessments::open_need_counts(conn)?)
    })
    .await?;
    let counts: HashMap<Iso3, i64> = counts.into_iter().collect();
    let countries = reference
        .search_countries(search.text().as_deref(), None, None)
        .into_iter()
        .filter_map(|c| counts.get(&c.iso3).map(|n| (c, *n)))
        .collect();
    ok(&IndexPage {
        viewer: &viewer,
        q: search.text().unwrap_or_default(),
        countries,
        pagination: Pagination::new("/reports", &search, &providers),
        providers: providers.items,
        weights: WEIGHTS.explained(),
    })
}
