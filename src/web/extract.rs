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

/// The time a form's whole body may take to arrive, unless the server's
/// settings say otherwise. A 4 MiB assessment arrives in under 30 seconds on
/// a slow mobile link; the forms people usually send are a few kilobytes.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long the server waits for a form's body (app data).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration);

/// Whether the request says it is an HTML form in UTF-8: the media type
/// compared without regard to case, and a charset, if any, of UTF-8.
fn is_url_encoded_form(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.essence_str()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                && mime
                    .get_param(actix_web::mime::CHARSET)
                    .is_none_or(|charset| charset.as_str().eq_ignore_ascii_case("utf-8"))
        }
        _ => false,
    }
}

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
        let is_form = is_url_encoded_form(req);
        let timeout = req.app_data::<BodyTimeout>().map_or(BODY_TIMEOUT, |t| t.0);
        Box::pin(async move {
            if !is_form {
                return Err(AppError::UnsupportedMediaType(
                    "Forms must be sent as application/x-www-form-urlencoded, in UTF-8.".into(),
                ));
            }
            // A client that sends its body a byte at a time would otherwise
            // hold its connection for as long as it likes.
            let body: Bytes = actix_web::rt::time::timeout(timeout, body)
                .await
                .map_err(|_| AppError::Timeout)?
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
