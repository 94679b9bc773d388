//! The country list and country pages.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::error::AppError;
use super::list_entries::{ListEntries, ListEntry};
use super::params::CatalogueParams;
use super::paths::{CountryPath, QueryParams};
use super::session::Viewer;
use super::views::{Choice, ChoiceGroup, Choices, Pagination};
use super::{ok, reads, with_db};
use crate::db::{self, Page, PageRequest};
use crate::domain::access::Action;
use crate::domain::assessment::{Assessment, OpenNeed};
use crate::domain::codes::Iso3;
use crate::domain::{Country, CountryGroup, ReferenceData, Region};
use crate::startup::Storage;

/// Countries per page: a longer page than other lists, as rows are short.
const COUNTRIES_PER_PAGE: i64 = 60;

/// The countries selected by `q`, `region` and `group`, one page of them.
pub fn country_page<'a>(
    reference: &'a ReferenceData,
    params: &CatalogueParams,
) -> Result<Page<&'a Country>, AppError> {
    let bad = |e: crate::domain::vocab::UnknownCode| AppError::BadRequest(e.to_string());
    let region = match params.value("region") {
        "" => None,
        code => Some(reference.region_code(code).map_err(bad)?),
    };
    let group = match params.value("group") {
        "" => None,
        code => Some(
            reference
                .group_code(&code.to_ascii_uppercase())
                .map_err(bad)?,
        ),
    };
    let text = Some(params.value("q")).filter(|q| !q.is_empty());
    let all = reference.search_countries(text, region.as_ref(), group.as_ref());
    let number = params.page_number();
    let start =
        usize::try_from((number - 1).saturating_mul(COUNTRIES_PER_PAGE)).unwrap_or(usize::MAX);
    let items = all
        .iter()
        .skip(start)
        .take(COUNTRIES_PER_PAGE as usize)
        .copied()
        .collect();
    Ok(Page {
        items,
        total: all.len() as i64,
        number,
        per_page: COUNTRIES_PER_PAGE,
    })
}

#[derive(Template)]
#[template(path = "countries/list.html")]
struct ListPage<'a> {
    viewer: &'a Viewer,
    /// The countries of the page, each with its open needs (counted as the
    /// reports count them, whoever may read them).
    countries: Vec<(&'a Country, i64)>,
    q: String,
    regions: Vec<ChoiceGroup>,
    groups: Vec<Choice>,
    filtered: bool,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

pub async fn list(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let reference = &storage.reference;
    let page = country_page(reference, &params)?;
    let open: HashMap<Iso3, i64> = with_db(&storage, |conn| {
        Ok(db::assessments::open_need_counts(conn)?)
    })
    .await?
    .into_iter()
    .collect();
    let choices = Choices { reference };
    ok(&ListPage {
        viewer: &viewer,
        pagination: Pagination::new("/countries", &params, &page),
        countries: page
            .items
            .iter()
            .map(|c| (*c, open.get(&c.iso3).copied().unwrap_or(0)))
            .collect(),
        q: params.value("q").to_owned(),
        regions: choices.regions(&[params.value("region").to_owned()]),
        groups: choices.groups(&[params.value("group").to_ascii_uppercase()]),
        filtered: params.is_filtered(),
        reference,
    })
}

/// Assessments the country page shows; the rest are a link away.
const ASSESSMENTS_SHOWN: i64 = 10;
/// Open needs the country page lists, the most urgent; the match report
/// has them all, a page at a time.
const OPEN_NEEDS_SHOWN: usize = 20;
/// Assessments per page of a country's list of assessments.
const ASSESSMENTS_PER_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "countries/show.html")]
struct ShowPage<'a> {
    viewer: &'a Viewer,
    assessments: Page<Assessment>,
    open_needs: Vec<OpenNeed>,
    open_need_count: usize,
    country: Country,
    m49_path: Vec<&'a Region>,
    groups: Vec<&'a CountryGroup>,
    offerings: Vec<Arc<ListEntry>>,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

impl ShowPage<'_> {
    fn may_write_assessments(&self) -> bool {
        self.viewer
            .allows(Action::WriteAssessment(&self.country.iso3))
    }
}

pub async fn show(
    storage: web::Data<Storage>,
    entries: web::Data<ListEntries>,
    viewer: Viewer,
    CountryPath(country): CountryPath,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let reference = &storage.reference;
    let read = reads::country(
        &storage,
        &country,
        &viewer.readership(),
        PageRequest::new(params.page_number()),
        PageRequest::sized(1, ASSESSMENTS_SHOWN),
    )
    .await?;
    let mut open_needs = read.open_needs;
    let open_need_count = open_needs.len();
    open_needs.truncate(OPEN_NEEDS_SHOWN);
    ok(&ShowPage {
        viewer: &viewer,
        open_needs,
        open_need_count,
        assessments: read.assessments,
        m49_path: country
            .m49_path()
            .filter_map(|code| reference.region(code.as_str()))
            .collect(),
        groups: reference
            .groups_of(&country.iso3)
            .iter()
            .filter_map(|g| reference.group(g.as_str()))
            .collect(),
        pagination: Pagination::new(
            &format!("/countries/{}", country.iso3),
            &CatalogueParams::default(),
            &read.reaching,
        ),
        offerings: entries.of(&read.reaching.items, reference),
        country,
        reference,
    })
}

#[derive(Template)]
#[template(path = "countries/assessments.html")]
struct AssessmentsPage<'a> {
    viewer: &'a Viewer,
    country: &'a Country,
    assessments: Vec<Assessment>,
    pagination: Pagination,
}

/// `/countries/{iso3}/assessments`: every assessment of a country, a page at a time.
pub async fn assessments(
    storage: web::Data<Storage>,
    viewer: Viewer,
    CountryPath(country): CountryPath,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let of_country = country.iso3.to_string();
    let visible = viewer.readership().visible_in(&country.iso3);
    let page = PageRequest::sized(params.page_number(), ASSESSMENTS_PER_PAGE);
    let found = with_db(&storage, move |conn| {
        Ok(db::assessments::of_country(
            conn,
            &of_country,
            &visible,
            page,
        )?)
    })
    .await?;
    let only_page = CatalogueParams::default();
    ok(&AssessmentsPage {
        viewer: &viewer,
        country: &country,
        pagination: Pagination::new(
            &format!("/countries/{}/assessments", country.iso3),
            &only_page,
            &found,
        ),
        assessments: found.items,
    })
}
