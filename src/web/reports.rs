//! The match reports, as pages and (with `?format=csv|json`) as data.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::{ApiError, AppError, missing};
use super::extract::QueryParams;
use super::{ok, with_db};
use crate::db;
use crate::domain::assessment::OpenNeed;
use crate::domain::codes::{Iso3, RecordKey};
use crate::domain::{Country, Provider, ReferenceData};
use crate::matching::{Catalogue, Context, WEIGHTS, Weights};
use crate::reports::{
    self, Columns, CountryReport, CoverageReport, NeedReport, Overlap, ProviderReport,
};
use crate::startup::{CachedReport, Storage};

/// Matches and near misses shown per need unless `?limit=` says otherwise.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    format: Option<String>,
    limit: Option<String>,
    columns: Option<String>,
    theme: Option<String>,
    region: Option<String>,
    group: Option<String>,
    show: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Csv,
    Json,
}

impl ReportParams {
    fn cache_key(&self) -> String {
        let fields = [
            &self.format,
            &self.limit,
            &self.columns,
            &self.theme,
            &self.region,
            &self.group,
            &self.show,
        ];
        fields
            .iter()
            .map(|v| v.as_deref().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn format(&self) -> Result<Format, AppError> {
        match self.format.as_deref().unwrap_or("html") {
            "html" | "" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(AppError::BadRequest(format!(
                "format=: \"{other}\" is not html, csv or json"
            ))),
        }
    }

    /// Per need; `limit=all` for everything.
    fn limit(&self) -> Result<Option<usize>, AppError> {
        match self.limit.as_deref() {
            None | Some("") => Ok(Some(DEFAULT_LIMIT)),
            Some("all") => Ok(None),
            Some(n) => n
                .parse::<usize>()
                .map(|n| Some(n.clamp(1, MAX_LIMIT)))
                .map_err(|_| {
                    AppError::BadRequest(format!("limit=: \"{n}\" is not a number or \"all\""))
                }),
        }
    }
}

/// The engine's inputs as of today: the cached catalogue and the open needs.
async fn inputs(
    storage: &Storage,
    country: Option<Iso3>,
) -> Result<(Arc<Catalogue>, Vec<OpenNeed>), AppError> {
    let cache = storage.catalogue.clone();
    with_db(storage, move |conn| {
        let catalogue = cache.current(conn)?;
        let needs = db::assessments::open_needs(conn, country.as_ref().map(Iso3::as_str))?;
        Ok((catalogue, needs))
    })
    .await
}

/// Run the engine as of today. Engagements under way are not recorded yet,
/// so every offering's capacity counts as free.
fn with_context<T>(reference: &ReferenceData, run: impl FnOnce(&Context) -> T) -> T {
    let engagements = Default::default();
    let context = Context {
        reference,
        today: chrono::Utc::now().date_naive(),
        engagements: &engagements,
        weights: WEIGHTS,
    };
    run(&context)
}

fn csv_report(name: &str, body: String) -> CachedReport {
    CachedReport {
        content_type: "text/csv; charset=utf-8",
        download_as: Some(format!("{name}.csv")),
        body: body.into(),
    }
}

fn json_report(value: &impl serde::Serialize) -> Result<CachedReport, AppError> {
    let body = serde_json::to_vec(value).map_err(AppError::internal)?;
    Ok(CachedReport {
        content_type: "application/json",
        download_as: None,
        body: body.into(),
    })
}

fn html_report(page: &impl Template) -> Result<CachedReport, AppError> {
    let body = page.render().map_err(AppError::internal)?;
    Ok(CachedReport {
        content_type: "text/html; charset=utf-8",
        download_as: None,
        body: body.into(),
    })
}

fn respond(report: CachedReport) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.content_type(report.content_type);
    if let Some(name) = &report.download_as {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    }
    response.body(report.body)
}

/// Serves a report from the cache while the catalogue and the assessments
/// are as they were when it was built; builds and keeps it otherwise. The
/// versions are read first, so a change during the build only means the
/// next request builds again.
async fn cached<F, Fut>(
    storage: &Storage,
    req: &HttpRequest,
    params: &ReportParams,
    build: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<CachedReport, AppError>>,
{
    // The key is built from the parameters a report reads, so unknown ones
    // cannot fill the cache; the day is part of it, as offerings start and
    // end on dates.
    let key = format!(
        "{}?{}@{}",
        req.path(),
        params.cache_key(),
        chrono::Utc::now().date_naive()
    );
    let versions = with_db(storage, |conn| Ok(db::data_versions(conn)?)).await?;
    if let Some(hit) = storage.reports.get(&key, versions) {
        return Ok(respond(hit));
    }
    let report = build().await?;
    storage.reports.put(key, versions, report.clone());
    Ok(respond(report))
}

fn country_of<'a>(reference: &'a ReferenceData, iso3: &str) -> Result<&'a Country, AppError> {
    let iso3 = iso3.to_ascii_uppercase();
    reference
        .country(&iso3)
        .ok_or_else(|| AppError::NotFound(format!("The country \"{iso3}\"")))
}

async fn country_matches<'a>(
    storage: &'a Storage,
    iso3: &str,
    limit: Option<usize>,
) -> Result<(CountryReport, &'a Country), AppError> {
    let country = country_of(&storage.reference, iso3)?;
    let (catalogue, needs) = inputs(storage, Some(country.iso3.clone())).await?;
    let report = with_context(&storage.reference, |context| {
        reports::country_report(context, &catalogue, country.iso3.clone(), needs, limit)
    });
    Ok((report, country))
}

#[derive(Template)]
#[template(path = "reports/country.html")]
struct CountryPage<'a> {
    country: &'a Country,
    report: CountryReport,
    weights: Weights,
    limited: bool,
    reference: &'a ReferenceData,
}

pub async fn country(
    storage: web::Data<Storage>,
    req: HttpRequest,
    iso3: web::Path<String>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let limit = params.limit()?;
    cached(&storage, &req, &params, || async {
        let (report, country) = country_matches(&storage, &iso3, limit).await?;
        match format {
            Format::Json => json_report(&report),
            Format::Csv => Ok(csv_report(
                &format!("matches-{}", country.iso3),
                reports::csv::needs(&report.needs),
            )),
            Format::Html => html_report(&CountryPage {
                country,
                report,
                weights: WEIGHTS,
                limited: limit.is_some(),
                reference: &storage.reference,
            }),
        }
    })
    .await
}

/// `/api/v1/countries/{iso3}/matches`: the same document, every match.
pub async fn country_api(
    storage: web::Data<Storage>,
    req: HttpRequest,
    iso3: web::Path<String>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = match params.limit.as_deref() {
        None | Some("") => None,
        _ => params.limit()?,
    };
    let response = cached(&storage, &req, &params, || async {
        let (report, _) = country_matches(&storage, &iso3, limit).await?;
        json_report(&report)
    })
    .await?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "reports/provider.html")]
struct ProviderPage<'a> {
    provider: Provider,
    report: ProviderReport,
    weights: Weights,
    reference: &'a ReferenceData,
}

pub async fn provider(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let key = key.into_inner();
    let lookup = key.clone();
    let cache = storage.catalogue.clone();
    let (provider, catalogue, needs) = with_db(&storage, move |conn| {
        let provider = db::providers::find(conn, &lookup).map_err(missing("provider", &lookup))?;
        Ok((
            provider,
            cache.current(conn)?,
            db::assessments::open_needs(conn, None)?,
        ))
    })
    .await?;
    let own: Vec<_> = catalogue
        .offerings()
        .iter()
        .filter(|o| o.data.provider == provider.key)
        .cloned()
        .collect();
    let report = with_context(&storage.reference, |context| {
        reports::provider_report(
            context,
            RecordKey::clone(&provider.key),
            Catalogue::new(own),
            needs,
        )
    });
    respond_with(match format {
        Format::Json => json_report(&report),
        Format::Csv => {
            let all: Vec<NeedReport> = report
                .countries
                .iter()
                .flat_map(|c| c.needs.iter().cloned())
                .collect();
            Ok(csv_report(
                &format!("provider-{key}"),
                reports::csv::needs(&all),
            ))
        }
        Format::Html => html_report(&ProviderPage {
            provider,
            report,
            weights: WEIGHTS,
            reference: &storage.reference,
        }),
    })
}

/// Narrows needs to a theme (with its sub-themes) and a region or group.
fn needs_in(
    reference: &ReferenceData,
    params: &ReportParams,
    needs: Vec<OpenNeed>,
) -> Result<Vec<OpenNeed>, AppError> {
    let bad = |e: crate::domain::vocab::UnknownCode| AppError::BadRequest(e.to_string());
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let themes: Option<BTreeSet<_>> = match given(&params.theme) {
        Some(code) => Some(
            reference
                .theme_with_subthemes(&reference.theme_code(&code).map_err(bad)?)
                .into_iter()
                .collect(),
        ),
        None => None,
    };
    let mut places: Option<BTreeSet<Iso3>> = None;
    if let Some(code) = given(&params.region) {
        let region = reference.region_code(&code).map_err(bad)?;
        places = Some(
            reference
                .countries_in_region(&region)
                .map(|c| c.iso3.clone())
                .collect(),
        );
    }
    if let Some(code) = given(&params.group) {
        let group = reference
            .group_code(&code.to_ascii_uppercase())
            .map_err(bad)?;
        let members: BTreeSet<Iso3> = reference
            .members_of(&group)
            .map(|c| c.iso3.clone())
            .collect();
        places = Some(match places {
            Some(region) => region.intersection(&members).cloned().collect(),
            None => members,
        });
    }
    Ok(needs
        .into_iter()
        .filter(|n| themes.as_ref().is_none_or(|t| t.contains(&n.need.theme)))
        .filter(|n| places.as_ref().is_none_or(|p| p.contains(&n.country)))
        .collect())
}

#[derive(Template)]
#[template(path = "reports/gaps.html")]
struct GapsPage<'a> {
    needs: Vec<NeedReport>,
    all: bool,
    filtered: String,
    weak: f64,
    reference: &'a ReferenceData,
}

pub async fn gaps(
    storage: web::Data<Storage>,
    req: HttpRequest,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    cached(&storage, &req, &params, || {
        build_gaps(&storage, &params, format)
    })
    .await
}

async fn build_gaps(
    storage: &Storage,
    params: &ReportParams,
    format: Format,
) -> Result<CachedReport, AppError> {
    let (catalogue, needs) = inputs(storage, None).await?;
    let needs = needs_in(&storage.reference, params, needs)?;
    let all = params.show.as_deref() == Some("all");
    let found = with_context(&storage.reference, |context| {
        if all {
            reports::match_needs(context, &catalogue, needs, Some(3))
        } else {
            reports::gaps(context, &catalogue, needs, 3)
        }
    });
    match format {
        Format::Json => json_report(
            &serde_json::json!({ "weak_score": crate::matching::WEAK_SCORE, "needs": found }),
        ),
        Format::Csv => Ok(csv_report("gaps", reports::csv::needs(&found))),
        Format::Html => {
            let filtered = [
                ("theme", &params.theme),
                ("region", &params.region),
                ("group", &params.group),
            ]
            .iter()
            .filter_map(|(name, v)| {
                v.as_deref()
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{name} {v}"))
            })
            .collect::<Vec<_>>()
            .join(", ");
            html_report(&GapsPage {
                needs: found,
                all,
                filtered,
                weak: crate::matching::WEAK_SCORE,
                reference: &storage.reference,
            })
        }
    }
}

#[derive(Template)]
#[template(path = "reports/overlaps.html")]
struct OverlapsPage<'a> {
    overlaps: Vec<Overlap>,
    reference: &'a ReferenceData,
}

pub async fn overlaps(
    storage: web::Data<Storage>,
    req: HttpRequest,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    cached(&storage, &req, &params, || async {
        let (catalogue, needs) = inputs(&storage, None).await?;
        let found = with_context(&storage.reference, |context| {
            reports::overlaps(context, &catalogue, needs)
        });
        match format {
            Format::Json => json_report(&serde_json::json!({ "overlaps": found })),
            Format::Csv => Ok(csv_report("overlaps", reports::csv::overlaps(&found))),
            Format::Html => html_report(&OverlapsPage {
                overlaps: found,
                reference: &storage.reference,
            }),
        }
    })
    .await
}

#[derive(Template)]
#[template(path = "reports/coverage.html")]
struct CoveragePage {
    report: CoverageReport,
    columns: Columns,
}

impl CoveragePage {
    /// The heat-map shade of a cell: 0 where needs go unserved, up to 4
    /// where offerings are plentiful; `none` where nothing is asked.
    fn shade(&self, cell: &reports::Cell) -> &'static str {
        match cell.ratio {
            None => "none",
            Some(r) if r < 0.5 => "0",
            Some(r) if r < 1.0 => "1",
            Some(r) if r < 2.0 => "2",
            Some(r) if r < 5.0 => "3",
            Some(_) => "4",
        }
    }
}

pub async fn coverage(
    storage: web::Data<Storage>,
    req: HttpRequest,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let format = params.format()?;
    let columns = Columns::parse(params.columns.as_deref().unwrap_or("")).ok_or_else(|| {
        AppError::BadRequest("columns=: use regions, subregions or groups".into())
    })?;
    cached(&storage, &req, &params, || async {
        let (catalogue, needs) = inputs(&storage, None).await?;
        let report = with_context(&storage.reference, |context| {
            reports::coverage(context, &catalogue, &needs, columns)
        });
        match format {
            Format::Json => json_report(&report),
            Format::Csv => Ok(csv_report("coverage", reports::csv::coverage(&report))),
            Format::Html => html_report(&CoveragePage { report, columns }),
        }
    })
    .await
}

fn respond_with(report: Result<CachedReport, AppError>) -> Result<HttpResponse, AppError> {
    report.map(respond)
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    weights: Weights,
}

pub async fn index() -> Result<HttpResponse, AppError> {
    ok(&IndexPage { weights: WEIGHTS })
}
