//! Cross-site request forgery protection by double submission: every visitor
//! gets a random token in a strict same-site cookie, every form carries it in
//! `csrf_token`, and a post whose two copies differ is refused.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use rand::RngCore;

use super::error::AppError;

const COOKIE: &str = "capmatch_csrf";
const TOKEN_BYTES: usize = 32;

/// The visitor's token, for rendering into forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a submitted token is this visitor's.
    pub fn matches(&self, submitted: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), submitted.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Middleware: finds or issues the visitor's token and makes it available
/// to handlers as [`CsrfToken`].
pub async fn issue_token(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let existing = req
        .cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| well_formed(t));
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.call(req).await?;
    if existing.is_none() {
        let cookie = Cookie::build(COOKIE, token)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .finish();
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}

impl FromRequest for CsrfToken {
    type Error = AppError;
    type Future = Ready<Result<CsrfToken, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CsrfToken>()
                .cloned()
                .ok_or(AppError::CsrfRejected),
        )
    }
}
