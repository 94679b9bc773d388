//! How a report is answered: its parameters and format, the links to its
//! other pages, the line saying what it was computed from, the engine run
//! on the blocking pool, and the cache it is served from.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::error::AppError;
pub(super) use super::super::params::Format;
use super::super::report_cache::{CachedReport, DataVersions, ReportCache};
use super::super::session::Viewer;
use super::super::views::Pagination;
use super::super::with_db;
use crate::domain::access::Readership;
use crate::domain::assessment::OpenNeed;
use crate::domain::codes::Iso3;
use crate::matching::{Catalogue, Context};
use crate::reports::{MAX_SHOWN, Paged, Paging};
use crate::startup::Storage;

/// Matches and near misses shown per need unless `?limit=` says otherwise.
pub(super) const DEFAULT_LIMIT: usize = 10;
/// Needs (or overlaps) per page of a report.
pub(super) const PER_PAGE: usize = 25;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ReportParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) columns: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) theme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) show: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) page: Option<String>,
}

impl ReportParams {
    pub(super) fn format(&self) -> Result<Format, AppError> {
        Format::parse(self.format.as_deref())
    }

    /// Matches and near misses per need: a number up to 100, or `all`,
    /// which means 100 (the command line writes every one).
    pub(super) fn limit(&self, default: usize) -> Result<usize, AppError> {
        match self.limit.as_deref() {
            None | Some("") => Ok(default),
            Some("all") => Ok(MAX_SHOWN),
            Some(n) => n
                .parse::<usize>()
                .map(|n| n.clamp(1, MAX_SHOWN))
                .map_err(|_| {
                    AppError::BadRequest(format!("limit=: \"{n}\" is not a number or \"all\""))
                }),
        }
    }

    /// The page asked for; anything unreadable means the first.
    pub(super) fn paging(&self) -> Paging {
        let number = self
            .page
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(1);
        Paging::new(number, PER_PAGE)
    }

    /// The same report's address at page `number`, every other parameter kept.
    pub(super) fn page_link(&self, path: &str, number: usize) -> String {
        let params = ReportParams {
            page: Some(number.to_string()),
            ..self.clone()
        };
        format!(
            "{path}?{}",
            serde_qs::to_string(&params).unwrap_or_default()
        )
    }
}

/// Links to a report's neighbouring pages: for the page, and as a `Link`
/// header for CSV and JSON.
pub(super) fn pages_of<T>(paged: &Paged<T>, params: &ReportParams, path: &str) -> Pagination {
    let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Pagination::of(
        to_i64(paged.paging.number),
        to_i64(paged.page_count()),
        to_i64(paged.total),
        |n| params.page_link(path, usize::try_from(n).unwrap_or(1)),
    )
}

pub(super) fn link_header(pages: &Pagination) -> Option<String> {
    let links: Vec<String> = [("prev", &pages.previous), ("next", &pages.next)]
        .into_iter()
        .filter_map(|(rel, href)| href.as_ref().map(|h| format!("<{h}>; rel=\"{rel}\"")))
        .collect();
    (!links.is_empty()).then(|| links.join(", "))
}

/// When a report was computed and from which data: every report says so,
/// on screen and on paper.
pub struct Provenance {
    computed_at: DateTime<Utc>,
    versions: DataVersions,
}

impl Provenance {
    pub fn computed_at(&self) -> String {
        self.computed_at
            .format("%-d %B %Y at %H:%M UTC")
            .to_string()
    }

    pub fn catalogue_version(&self) -> i64 {
        self.versions.0
    }

    pub fn assessments_version(&self) -> i64 {
        self.versions.1
    }

    pub fn matches_version(&self) -> i64 {
        self.versions.2
    }
}

/// The engine's inputs with only the open needs `readership` may read:
/// for every report that names needs.
pub(super) async fn readable_inputs(
    storage: &Storage,
    country: Option<Iso3>,
    readership: &Readership,
) -> Result<(Arc<Catalogue>, Vec<OpenNeed>), AppError> {
    let (catalogue, mut needs) = inputs(storage, country).await?;
    needs.retain(|n| readership.reads(&n.country, n.visibility));
    Ok((catalogue, needs))
}

/// The engine's inputs: the cached catalogue and every open need, for
/// counts that include every need without naming any.
pub(super) async fn inputs(
    storage: &Storage,
    country: Option<Iso3>,
) -> Result<(Arc<Catalogue>, Vec<OpenNeed>), AppError> {
    let shared = storage.clone();
    with_db(storage, move |conn| {
        Ok(shared.engine_inputs(conn, country.as_ref())?)
    })
    .await
}

/// Runs the engine as of today on the blocking pool, in a span of its own
/// under the request's: a report build takes a core for up to a few
/// hundred milliseconds, and the HTTP workers must stay free meanwhile.
pub(super) async fn run_engine<T: Send + 'static>(
    storage: &Storage,
    run: impl FnOnce(&Context) -> T + Send + 'static,
) -> Result<T, AppError> {
    let shared = storage.clone();
    let today = with_db(storage, move |conn| Ok(shared.today(conn)?)).await?;
    let span = tracing::info_span!("engine");
    web::block(move || {
        let _entered = span.enter();
        run(&today.context())
    })
    .await
    .map_err(AppError::internal)
}

pub(super) fn csv_report(name: &str, body: String, link: Option<String>) -> CachedReport {
    CachedReport {
        content_type: "text/csv; charset=utf-8",
        download_as: Some(format!("{name}.csv")),
        link,
        body: body.into(),
    }
}

pub(super) fn json_report(
    value: &impl serde::Serialize,
    link: Option<String>,
) -> Result<CachedReport, AppError> {
    let body = serde_json::to_vec(value).map_err(AppError::internal)?;
    Ok(CachedReport {
        content_type: "application/json",
        download_as: None,
        link,
        body: body.into(),
    })
}

pub(super) fn html_report(page: &impl Template) -> Result<CachedReport, AppError> {
    let body = page.render().map_err(AppError::internal)?;
    Ok(CachedReport {
        content_type: "text/html; charset=utf-8",
        download_as: None,
        link: None,
        body: body.into(),
    })
}

pub(super) fn respond(report: CachedReport) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.content_type(report.content_type);
    if let Some(name) = &report.download_as {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    }
    if let Some(link) = &report.link {
        response.insert_header((header::LINK, link.as_str()));
    }
    response.body(report.body)
}

/// Serves a report from the cache while the catalogue and the assessments
/// are as they were when it was built; builds and keeps it otherwise, once
/// for all who ask at the same moment. The
/// versions are read first, so a change during the build only means the
/// next request builds again. `key` names the report by the parsed values
/// that change it, so parameters a report ignores cannot fill the cache.
pub(super) async fn cached<F, Fut>(
    storage: &Storage,
    cache: &ReportCache,
    viewer: &Viewer,
    key: String,
    build: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(Provenance) -> Fut,
    Fut: std::future::Future<Output = Result<CachedReport, AppError>>,
{
    // The day is part of the key, as offerings start and end on dates; so
    // is who reads it, whom the page's header names.
    let now = Utc::now();
    let key = format!("{key}@{}/{}", now.date_naive(), viewer.cache_scope());
    let versions = super::super::reads::versions(storage).await?;
    let report = cache
        .get_or_build(key, versions, || {
            build(Provenance {
                computed_at: now,
                versions,
            })
        })
        .await?;
    Ok(respond(report))
}
