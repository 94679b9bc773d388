//! Cross-site request forgery protection by double submission: every visitor
//! gets a random token in a strict same-site cookie, every form carries it in
//! `csrf_token`, and a post whose two copies differ is refused.
//!
//! Once a person signs in, the token is the session's instead (see
//! `session`), so it is bound to that session.
//!
//! The cookie is set only on answers whose page was handed the token (the
//! pages with forms), and those answers are never stored by caches: a
//! stylesheet or a report carries no cookie and stays cacheable.

use std::future::{Ready, ready};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
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

/// The visitor's token, for rendering into forms. Rendering it (reading
/// [`CsrfToken::as_str`]) is what hands it out: only then does the answer
/// set the cookie and forbid caches to keep it, and only then is a new
/// visitor's token made.
#[derive(Debug, Clone)]
pub struct CsrfToken(Arc<Issued>);

#[derive(Debug)]
struct Issued {
    /// The session's token, or the one the visitor's cookie carries.
    known: Option<String>,
    /// A new visitor's token, made when a page first hands it out.
    made: OnceLock<String>,
    handed_out: AtomicBool,
}

/// Marks an answer that refused a post for its token: it shows no form, so
/// it sets no cookie, which would replace a visitor's good one with a
/// token another site's post caused.
#[derive(Debug, Clone, Copy)]
pub struct Refused;

impl CsrfToken {
    pub fn as_str(&self) -> &str {
        let issued = &self.0;
        issued.handed_out.store(true, Ordering::Relaxed);
        match &issued.known {
            Some(token) => token,
            None => issued.made.get_or_init(new_token),
        }
    }

    /// Whether a submitted token is this visitor's. A visitor who has none
    /// yet submitted none that can be theirs.
    pub fn matches(&self, submitted: &str) -> bool {
        let issued = &self.0;
        issued
            .known
            .as_deref()
            .or_else(|| issued.made.get().map(String::as_str))
            .is_some_and(|token| {
                constant_time_eq::constant_time_eq(token.as_bytes(), submitted.as_bytes())
            })
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
    let site = super::session::site_of(req.request());
    let name = cookie_name(&site);
    // Once signed in, forms carry the session's token: it is bound to the
    // session, made new at every sign-in, and gone when the session ends.
    let (session_token, personal) =
        req.extensions()
            .get::<super::session::Viewer>()
            .map_or((None, false), |v| {
                (
                    v.session_csrf_token().map(str::to_owned),
                    v.person().is_some(),
                )
            });
    let existing = req
        .cookie(name)
        .map(|c| c.value().to_owned())
        .filter(|t| well_formed(t));
    let issued = Arc::new(Issued {
        known: session_token.or(existing),
        made: OnceLock::new(),
        handed_out: AtomicBool::new(false),
    });
    req.extensions_mut().insert(CsrfToken(issued.clone()));
    let mut response = next.call(req).await?;
    let handed_out = issued.handed_out.load(Ordering::Relaxed)
        && response.response().extensions().get::<Refused>().is_none();
    // What a person is answered, by session or API token, is theirs: no
    // cache keeps it.
    if handed_out || personal {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A token is made only for a visitor with neither a session nor a
    // cookie: theirs goes into the cookie.
    if let Some(made) = issued.made.get().filter(|_| handed_out) {
        let cookie = Cookie::build(name, made.clone())
            .path("/")
            .http_only(true)
            .secure(site.https())
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
        let token = req.extensions().get::<CsrfToken>().cloned();
        ready(token.ok_or(AppError::CsrfRejected))
    }
}
