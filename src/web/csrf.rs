//! Cross-site request forgery protection by double submission: every visitor
//! gets a random token in a strict same-site cookie, every form carries it in
//! `csrf_token`, and a post whose two copies differ is refused.
//!
//! The cookie is set only on answers whose page was handed the token (the
//! pages with forms), and those answers are never stored by caches: a
//! stylesheet or a report carries no cookie and stays cacheable.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use rand::RngCore;

use super::Site;
use super::error::AppError;

const TOKEN_BYTES: usize = 32;

/// The cookie's name and flags: over HTTPS the `__Host-` prefix and
/// `Secure`, so no other site or plain-HTTP page can set or read it.
fn cookie_name(site: &Site) -> &'static str {
    if site.https() {
        "__Host-capmatch_csrf"
    } else {
        "capmatch_csrf"
    }
}

/// The visitor's token, for rendering into forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(String);

/// Marks a request whose page was handed the token.
#[derive(Debug, Clone, Copy)]
struct HandedOut;

/// Marks an answer that refused a post for its token: it shows no form, so
/// it sets no cookie, which would replace a visitor's good one with a
/// token another site's post caused.
#[derive(Debug, Clone, Copy)]
pub struct Refused;

impl CsrfToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a submitted token is this visitor's.
    pub fn matches(&self, submitted: &str) -> bool {
        constant_time_eq::constant_time_eq(self.0.as_bytes(), submitted.as_bytes())
    }
}

fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Middleware: finds or makes the visitor's token and makes it available
/// to handlers as [`CsrfToken`]; sets the cookie and `no-store` on answers
/// whose page used it.
pub async fn issue_token(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let site = req
        .app_data::<web::Data<Site>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    let name = cookie_name(&site);
    let existing = req
        .cookie(name)
        .map(|c| c.value().to_owned())
        .filter(|t| well_formed(t));
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.call(req).await?;
    let handed_out = response.request().extensions().get::<HandedOut>().is_some()
        && response.response().extensions().get::<Refused>().is_none();
    if handed_out {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if existing.is_none() {
            let cookie = Cookie::build(name, token)
                .path("/")
                .http_only(true)
                .secure(site.https())
                .same_site(SameSite::Strict)
                .finish();
            response.response_mut().add_cookie(&cookie)?;
        }
    }
    Ok(response)
}

impl FromRequest for CsrfToken {
    type Error = AppError;
    type Future = Ready<Result<CsrfToken, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        if token.is_some() {
            req.extensions_mut().insert(HandedOut);
        }
        ready(token.ok_or(AppError::CsrfRejected))
    }
}
