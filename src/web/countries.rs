//! The country list and country pages.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::error::AppError;
use super::extract::QueryParams;
use super::views::{Choice, ChoiceGroup, Choices, Pagination};
use super::{ok, with_db};
use crate::db::{self, Page, PageRequest};
use crate::domain::assessment::{Assessment, Need};
use crate::domain::catalogue::CatalogueParams;
use crate::domain::{Country, CountryGroup, Offering, ReferenceData, Region};
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
    countries: Vec<&'a Country>,
    q: String,
    regions: Vec<ChoiceGroup>,
    groups: Vec<Choice>,
    filtered: bool,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

pub async fn list(
    storage: web::Data<Storage>,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let reference = &storage.reference;
    let page = country_page(reference, &params)?;
    let choices = Choices { reference };
    ok(&ListPage {
        pagination: Pagination::new("/countries", &params, &page),
        countries: page.items,
        q: params.value("q").to_owned(),
        regions: choices.regions(&[params.value("region").to_owned()]),
        groups: choices.groups(&[params.value("group").to_ascii_uppercase()]),
        filtered: params.is_filtered(),
        reference,
    })
}

/// An open need of one of the country's submitted assessments.
pub struct OpenNeed {
    pub assessment: String,
    pub need: Need,
}

/// The country's open needs across its submitted assessments, highest
/// priority first, then by wanted-by date (soonest first) and key.
pub fn open_needs(assessments: &[Assessment]) -> Vec<OpenNeed> {
    let mut open: Vec<OpenNeed> = assessments
        .iter()
        .flat_map(|a| {
            a.latest.data.open_needs().into_iter().map(|n| OpenNeed {
                assessment: a.key.to_string(),
                need: n.clone(),
            })
        })
        .collect();
    open.sort_by(|a, b| {
        (
            a.need.priority,
            a.need.wanted_by.is_none(),
            a.need.wanted_by,
            &a.need.key,
        )
            .cmp(&(
                b.need.priority,
                b.need.wanted_by.is_none(),
                b.need.wanted_by,
                &b.need.key,
            ))
    });
    open
}

#[derive(Template)]
#[template(path = "countries/show.html")]
struct ShowPage<'a> {
    assessments: Vec<Assessment>,
    open_needs: Vec<OpenNeed>,
    country: &'a Country,
    m49_path: Vec<&'a Region>,
    groups: Vec<&'a CountryGroup>,
    offerings: Vec<Offering>,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

pub async fn show(
    storage: web::Data<Storage>,
    iso3: web::Path<String>,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let reference = &storage.reference;
    let iso3 = iso3.into_inner().to_ascii_uppercase();
    let country = reference
        .country(&iso3)
        .ok_or_else(|| AppError::NotFound(format!("The country \"{iso3}\"")))?;
    let reaching = CatalogueParams {
        country: Some(iso3.clone()),
        page: params.page.clone(),
        ..CatalogueParams::default()
    };
    let filter = reaching
        .resolve(reference)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let page = PageRequest::new(reaching.page_number());
    let of_country = iso3.clone();
    let (found, assessments) = with_db(&storage, move |conn| {
        Ok((
            db::offerings::search(conn, &filter, page)?,
            db::assessments::of_country(conn, &of_country)?,
        ))
    })
    .await?;
    let page_params = CatalogueParams {
        page: None,
        ..CatalogueParams::default()
    };
    ok(&ShowPage {
        open_needs: open_needs(&assessments),
        assessments,
        country,
        m49_path: country
            .m49_path()
            .filter_map(|code| reference.region(code.as_str()))
            .collect(),
        groups: reference
            .groups_of(&country.iso3)
            .iter()
            .filter_map(|g| reference.group(g.as_str()))
            .collect(),
        pagination: Pagination::new(&format!("/countries/{iso3}"), &page_params, &found),
        offerings: found.items,
        reference,
    })
}
