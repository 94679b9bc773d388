//! One error type for every handler: it picks the status code and renders
//! the error page (or, under /api, a JSON body).

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::StoreError;
use crate::domain::assessment::AssessmentError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the form had expired or did not come from this site")]
    CsrfRejected,
    #[error("{0}")]
    Conflict(String),
    /// What the address named is gone for good (a used link).
    #[error("{0}.")]
    Gone(String),
    /// Nobody is signed in; the page to come back to after signing in.
    #[error("sign in to do this")]
    SignInNeeded(String),
    /// An API request's credentials open nothing.
    #[error("{0}.")]
    Unauthorized(String),
    /// The person signed in does not hold the role: who may, in words.
    #[error("Only {0} may do this.")]
    Forbidden(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the form took too long to arrive")]
    Timeout,
    /// A fault of ours. A plain boxed error, not `anyhow`: it captures no
    /// backtrace, whatever `RUST_BACKTRACE` says, so an error costs the same
    /// everywhere.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AppError {
        AppError::Internal(error.into())
    }

    fn advice(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "Check the address, or find the record from the lists.",
            AppError::BadRequest(_) => "Check the address or the filters and try again.",
            AppError::CsrfRejected => {
                "Go back, reload the form and send it again. Nothing was saved."
            }
            AppError::Conflict(_) => {
                "Reload the page to see the latest version, then try again. Nothing was saved."
            }
            AppError::UnsupportedMediaType(_) => "Send the form from its page. Nothing was saved.",
            AppError::SignInNeeded(_) => "Sign in, then try again.",
            AppError::Gone(_) => "Ask the person who sent it, or the secretariat, for a new one.",
            AppError::Unauthorized(_) => "Make a new token on your account page.",
            AppError::Forbidden(_) => {
                "If your work needs it, ask the secretariat or a colleague who holds the role to invite you. Nothing was changed."
            }
            AppError::Timeout => "Go back and send the form again. Nothing was saved.",
            AppError::Internal(_) => {
                "Something went wrong on our side, so what you asked for may not have been done. If you were saving, check the record before trying again."
            }
        }
    }
}

/// The error and its causes on one line, for the log: never a backtrace.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Turns a store error into the page's error, naming what was not found:
/// `db::providers::find(conn, key).map_err(missing("provider", key))`.
pub fn missing<'a>(what: &'a str, key: &'a str) -> impl Fn(StoreError) -> AppError + 'a {
    move |error| match error {
        StoreError::NotFound => AppError::NotFound(format!("The {what} \"{key}\"")),
        other => other.into(),
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::NotFound => AppError::NotFound("The record".to_owned()),
            other => AppError::internal(other),
        }
    }
}

/// A rule of the domain refused the change: the state does not allow it
/// (409), or it names a need the assessment does not have (404).
impl From<AssessmentError> for AppError {
    fn from(error: AssessmentError) -> AppError {
        match error {
            AssessmentError::NoSuchNeed(need) => AppError::NotFound(format!("The need \"{need}\"")),
            other => AppError::Conflict(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        AppError::internal(error)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
    advice: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::SignInNeeded(_) => StatusCode::SEE_OTHER,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let AppError::SignInNeeded(next) = self {
            return super::see_other(&sign_in_address(next));
        }
        if let AppError::Internal(source) = self {
            tracing::error!(error = %chain(source.as_ref()), "request failed");
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            message: self.to_string(),
            advice: self.advice(),
        };
        let mut response = match page.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type(ContentType::html())
                .body(body),
            Err(_) => HttpResponse::build(status)
                .content_type(ContentType::plaintext())
                .body(page.message),
        };
        if matches!(self, AppError::CsrfRejected) {
            response.extensions_mut().insert(super::csrf::Refused);
        }
        response
    }
}

/// The sign-in page, coming back to `next` afterwards.
pub fn sign_in_address(next: &str) -> String {
    if next == "/" {
        return "/sign-in".to_owned();
    }
    let encoded: String =
        percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("/sign-in?next={encoded}")
}

/// The same errors for the JSON API: `{"error": "..."}`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError(error.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self.0 {
            AppError::SignInNeeded(_) => StatusCode::UNAUTHORIZED,
            ref other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(source) = &self.0 {
            tracing::error!(error = %chain(source.as_ref()), "API request failed");
        }
        HttpResponse::build(self.status_code())
            .json(serde_json::json!({ "error": self.0.to_string() }))
    }
}
