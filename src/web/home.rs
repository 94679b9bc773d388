//! The start page, the health check, the stylesheet and the 404 page.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::error::AppError;
use super::{ok, with_db};
use crate::db::{self, PageRequest};
use crate::domain::Theme;
use crate::domain::catalogue::CatalogueFilter;
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    providers: i64,
    offerings: i64,
    countries: usize,
    themes: Vec<&'a Theme>,
}

pub async fn index(storage: web::Data<Storage>) -> Result<HttpResponse, AppError> {
    let (providers, offerings) = with_db(&storage, |conn| {
        let everything = CatalogueFilter::default();
        let first = PageRequest::new(1);
        Ok((
            db::providers::search(conn, &everything, first)?.total,
            db::offerings::search(conn, &everything, first)?.total,
        ))
    })
    .await?;
    ok(&HomePage {
        providers,
        offerings,
        countries: storage.reference.countries().len(),
        themes: storage.reference.parent_themes().collect(),
    })
}

/// 200 when the database answers.
pub async fn health(storage: web::Data<Storage>) -> Result<HttpResponse, AppError> {
    with_db(&storage, |conn| db::ping(conn).map_err(AppError::internal)).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .body("ok"))
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/style.css"))
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(format!("The page {}", req.path())))
}
