//! Extractors that read HTML forms and query strings the way browsers send
//! them (repeated keys for multi-value controls), and refuse bad requests
//! with our own error page rather than a bare text body.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use super::csrf::CsrfToken;
use super::error::AppError;

/// The largest form body accepted: an assessment may hold 100 needs of 5,000
/// characters each, and non-ASCII text triples in a URL-encoded form.
pub const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// A form post whose `csrf_token` matched the visitor's cookie.
pub struct HtmlForm<T>(pub T);

impl<T> HtmlForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for HtmlForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<HtmlForm<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        let body = actix_web::web::Bytes::from_request(req, payload);
        let content_type = req.content_type().to_owned();
        Box::pin(async move {
            if content_type != "application/x-www-form-urlencoded" {
                return Err(AppError::BadRequest(
                    "Forms must be sent as application/x-www-form-urlencoded.".into(),
                ));
            }
            let body: Bytes = body
                .await
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::BadRequest("The form is too large.".into()));
            }
            let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&body)
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            let submitted = pairs
                .iter()
                .find(|(name, _)| name == "csrf_token")
                .map(|(_, v)| v.as_str());
            match (token, submitted) {
                (Some(token), Some(submitted)) if token.matches(submitted) => {}
                _ => return Err(AppError::CsrfRejected),
            }
            serde_html_form::from_bytes(&body)
                .map(HtmlForm)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
        })
    }
}

/// Query parameters, repeated keys allowed.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<QueryParams<T>, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            serde_html_form::from_str(req.query_string())
                .map(QueryParams)
                .map_err(|e| AppError::BadRequest(format!("The query could not be read: {e}."))),
        )
    }
}

/// A form that carries nothing but its CSRF token: a confirmed action.
#[derive(Debug, serde::Deserialize)]
pub struct Confirmation {}
