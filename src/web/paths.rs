//! What an address says, read once into types: a country by its code, a
//! record by its key, the query string. Each refuses a bad value the way its
//! scope answers errors (a page, or JSON under `/api`), so a handler only
//! sees values that can name something. And the other way: the address of
//! a record's page.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::error::{ApiError, AppError};
use crate::domain::Country;
use crate::domain::audit::AuditedRecord;
use crate::domain::codes::RecordKey;
use crate::startup::Storage;

/// How a scope answers errors: as pages, or as JSON for the API (app data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Page,
    Json,
}

/// The error as the request's scope answers errors.
pub fn refuse(req: &HttpRequest, error: AppError) -> actix_web::Error {
    match req.app_data::<Answer>() {
        Some(Answer::Json) => ApiError(error).into(),
        _ => error.into(),
    }
}

fn segment<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.match_info().get(name).unwrap_or_default()
}

/// The country the address names by its ISO code (`{iso3}`, any case).
pub struct CountryPath(pub Country);

impl FromRequest for CountryPath {
    type Error = actix_web::Error;
    type Future = Ready<Result<CountryPath, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let iso3 = segment(req, "iso3").to_ascii_uppercase();
        let country = req
            .app_data::<actix_web::web::Data<Storage>>()
            .and_then(|storage| storage.reference.country(&iso3).cloned());
        ready(
            country
                .map(CountryPath)
                .ok_or_else(|| refuse(req, AppError::NotFound(format!("The country \"{iso3}\"")))),
        )
    }
}

/// The record key the address names (`{key}`); one that cannot be a key
/// names nothing, and is a 404 without asking the database.
pub struct KeyPath(pub RecordKey);

impl KeyPath {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl FromRequest for KeyPath {
    type Error = actix_web::Error;
    type Future = Ready<Result<KeyPath, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = segment(req, "key");
        ready(
            RecordKey::parse(raw)
                .map(KeyPath)
                .map_err(|_| refuse(req, AppError::NotFound(format!("The record \"{raw}\"")))),
        )
    }
}

/// Query parameters, read by the same parser as forms.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<QueryParams<T>, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            super::forms::parser()
                .deserialize_str(req.query_string())
                .map(QueryParams)
                .map_err(|e| {
                    refuse(
                        req,
                        AppError::BadRequest(format!("The query could not be read: {e}.")),
                    )
                }),
        )
    }
}

/// The page of the record of `kind` with `key`, for kinds that have one.
pub fn record_page(kind: AuditedRecord, key: &str) -> Option<String> {
    let collection = match kind {
        AuditedRecord::Provider => "/providers",
        AuditedRecord::Offering => "/offerings",
        AuditedRecord::Assessment => "/assessments",
        AuditedRecord::Match => "/matches",
        AuditedRecord::Account => return None,
    };
    Some(format!("{collection}/{key}"))
}
