//! The read-only JSON API under /api/v1: the same filters as the pages, and
//! records in the interchange file's shape.

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde::Serialize;

use super::countries::country_page;
use super::error::{ApiError, AppError};
use super::params::CatalogueParams;
use super::paths::{CountryPath, KeyPath, QueryParams};
use super::reads;
use super::session::Viewer;
use crate::db::{Page, PageRequest};
use crate::domain::{Country, Offering, ReferenceData};
use crate::interchange::{AssessmentRecord, OfferingRecord, ProviderRecord};
use crate::startup::Storage;

/// Room made for an answer before it is written: a page of twenty
/// offerings is about 11 KB, and grown from serde_json's first guess its
/// buffer was copied seven times over.
const ANSWER_ROOM: usize = 16 * 1024;

/// `value` as the JSON body of `response`.
fn json(mut response: HttpResponseBuilder, value: &impl Serialize) -> HttpResponse {
    let mut body = Vec::with_capacity(ANSWER_ROOM);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => response.content_type(ContentType::json()).body(body),
        Err(e) => HttpResponse::from_error(actix_web::error::JsonPayloadError::Serialize(e)),
    }
}

#[derive(Serialize)]
struct List<T> {
    total: i64,
    page: i64,
    per_page: i64,
    page_count: i64,
    items: Vec<T>,
}

impl<T> List<T> {
    fn of<'a, S>(page: &'a Page<S>, convert: impl Fn(&'a S) -> T) -> List<T> {
        List {
            total: page.total,
            page: page.number,
            per_page: page.per_page,
            page_count: page.page_count(),
            items: page.items.iter().map(convert).collect(),
        }
    }
}

#[derive(Serialize)]
struct ProviderJson<'a> {
    #[serde(flatten)]
    record: ProviderRecord,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    offering_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offerings: Option<Vec<OfferingJson<'a>>>,
}

/// An offering as the API answers it: its record, texts borrowed.
#[derive(Serialize)]
struct OfferingJson<'a> {
    #[serde(flatten)]
    record: OfferingRecord<&'a str>,
    provider_name: &'a str,
    url: String,
}

impl<'a> OfferingJson<'a> {
    fn of(offering: &'a Offering) -> OfferingJson<'a> {
        OfferingJson {
            url: format!("/offerings/{}", offering.key),
            record: OfferingRecord::of(offering),
            provider_name: &offering.provider_name,
        }
    }
}

pub async fn providers(
    storage: web::Data<Storage>,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, ApiError> {
    let found = reads::providers(&storage, &params).await?;
    let list = List::of(&found, |summary| ProviderJson {
        url: format!("/providers/{}", summary.provider.key),
        record: ProviderRecord::from_provider(&summary.provider),
        offering_count: Some(summary.offering_count),
        offerings: None,
    });
    Ok(json(HttpResponse::Ok(), &list))
}

/// A `Link` header to the next page of a list inside a record's document.
fn next_page<T>(response: &mut actix_web::HttpResponseBuilder, page: &Page<T>, path: &str) {
    if page.has_next() {
        response.insert_header((
            actix_web::http::header::LINK,
            format!("<{path}?page={}>; rel=\"next\"", page.number + 1),
        ));
    }
}

/// A provider with its offering count and one page (`?page=`, 20 a page)
/// of its offerings; a `Link` header names the next page.
pub async fn provider(
    storage: web::Data<Storage>,
    viewer: Viewer,
    KeyPath(key): KeyPath,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(params.page_number());
    let (reviewed, offerings) = reads::provider(&storage, &viewer, &key, page).await?;
    let provider = reviewed.record;
    let mut response = HttpResponse::Ok();
    next_page(
        &mut response,
        &offerings,
        &format!("/api/v1/providers/{}", provider.key),
    );
    let provider = ProviderJson {
        url: format!("/providers/{}", provider.key),
        record: ProviderRecord::from_provider(&provider),
        offering_count: Some(offerings.total),
        offerings: Some(offerings.items.iter().map(OfferingJson::of).collect()),
    };
    Ok(json(response, &provider))
}

pub async fn offerings(
    storage: web::Data<Storage>,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, ApiError> {
    let found = reads::offerings(&storage, &params).await?;
    Ok(json(
        HttpResponse::Ok(),
        &List::of(&found, |o| OfferingJson::of(o)),
    ))
}

pub async fn offering(
    storage: web::Data<Storage>,
    viewer: Viewer,
    KeyPath(key): KeyPath,
) -> Result<HttpResponse, ApiError> {
    let offering = reads::offering(&storage, &viewer, &key).await?.record;
    Ok(json(HttpResponse::Ok(), &OfferingJson::of(&offering)))
}

#[derive(Serialize)]
struct NamedCode<'a> {
    code: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct CountryJson<'a> {
    iso3: &'a str,
    iso2: &'a str,
    m49: &'a str,
    name: &'a str,
    names: serde_json::Value,
    region: Option<NamedCode<'a>>,
    subregion: Option<NamedCode<'a>>,
    intermediate_region: Option<NamedCode<'a>>,
    income_level: Option<&'static str>,
    groups: Vec<NamedCode<'a>>,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    offerings_reaching: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assessments_total: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assessments: Option<Vec<AssessmentJson>>,
}

#[derive(Serialize)]
struct AssessmentJson {
    #[serde(flatten)]
    record: AssessmentRecord,
    revision: i32,
    url: String,
}

fn country_json<'a>(country: &'a Country, reference: &'a ReferenceData) -> CountryJson<'a> {
    let region = |code: &'a Option<crate::domain::RegionCode>| {
        code.as_ref().map(|c| NamedCode {
            code: c.as_str(),
            name: reference.region_name(c.as_str()),
        })
    };
    CountryJson {
        iso3: country.iso3.as_str(),
        iso2: &country.iso2,
        m49: &country.m49,
        name: &country.name_en,
        names: serde_json::json!({ "en": country.name_en, "fr": country.name_fr, "es": country.name_es }),
        region: region(&country.region),
        subregion: region(&country.subregion),
        intermediate_region: region(&country.intermediate),
        income_level: country.income_level.map(|l| l.code()),
        groups: reference
            .groups_of(&country.iso3)
            .iter()
            .map(|g| NamedCode {
                code: g.as_str(),
                name: reference.group_name(g.as_str()),
            })
            .collect(),
        url: format!("/countries/{}", country.iso3),
        offerings_reaching: None,
        assessments_total: None,
        assessments: None,
    }
}

pub async fn countries(
    storage: web::Data<Storage>,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, ApiError> {
    let reference = &storage.reference;
    let page = country_page(reference, &params)?;
    let list = List::of(&page, |c| country_json(c, reference));
    Ok(json(HttpResponse::Ok(), &list))
}

/// Assessments per page of `/api/v1/countries/{iso3}`.
const ASSESSMENTS_PER_PAGE: i64 = 20;

/// A country with the offerings that reach it and one page (`?page=`) of
/// its assessments, the most recently changed first; a `Link` header names
/// the next page.
pub async fn country(
    storage: web::Data<Storage>,
    viewer: Viewer,
    CountryPath(country): CountryPath,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, ApiError> {
    let assessments = PageRequest::sized(params.page_number(), ASSESSMENTS_PER_PAGE);
    let readership = viewer.readership();
    let (reaching, assessments) =
        reads::country_summary(&storage, &country, &readership, assessments).await?;
    let mut answer = country_json(&country, &storage.reference);
    answer.offerings_reaching = Some(reaching);
    answer.assessments_total = Some(assessments.total);
    answer.assessments = Some(
        assessments
            .items
            .iter()
            .map(|a| AssessmentJson {
                record: AssessmentRecord::from_assessment(a),
                revision: a.latest.number,
                url: format!("/assessments/{}", a.key),
            })
            .collect(),
    );
    let mut response = HttpResponse::Ok();
    next_page(
        &mut response,
        &assessments,
        &format!("/api/v1/countries/{}", country.iso3),
    );
    Ok(json(response, &answer))
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError(AppError::NotFound(req.path().to_owned())))
}

/// `GET /api/v1/matches`: the matches the token's holder may read, with
/// the same filters as the page, as JSON.
pub async fn matches(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(mut params): QueryParams<super::matches::MatchParams>,
) -> Result<HttpResponse, ApiError> {
    params.format = Some("json".to_owned());
    Ok(super::matches::answer(&storage, &viewer, params, "/api/v1/matches").await?)
}
