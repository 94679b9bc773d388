//! Who is asking: the session cookie, read once per request into a
//! [`Viewer`] that handlers take as an argument and ask before acting.
//!
//! Sessions live in the database, so every instance on one database knows
//! them, and ending one (signing out, a new password, a disabled account)
//! ends it everywhere at the next request. The cookie holds a random id;
//! the database keeps only its hash.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};

use super::Site;
use super::banner::Banner;
use super::error::{ApiError, AppError};
use crate::db;
use crate::domain::access::{self, Action, Person, Readership, Refusal};
use crate::domain::audit::Actor;
use crate::domain::codes::{Iso3, RecordKey};
use crate::domain::lifecycle::{self, Initiative, Sides};
use crate::domain::rules::local_path;
use crate::domain::secret::Secret;
use crate::startup::Storage;

/// The cookie's name: over HTTPS with the `__Host-` prefix, so no other
/// site or plain-HTTP page can set it.
fn cookie_name(site: &Site) -> &'static str {
    if site.https() {
        "__Host-capmatch_session"
    } else {
        "capmatch_session"
    }
}

/// A session's `last_seen_at` is written at most this often, not on every
/// request.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The signed-in session behind a viewer.
#[derive(Debug, Clone)]
struct SessionKeys {
    id_hash: String,
    csrf_token: String,
}

/// The person making the request, or nobody; and where to come back to
/// after signing in.
#[derive(Debug, Clone)]
pub struct Viewer {
    person: Option<Arc<Person>>,
    session: Option<SessionKeys>,
    came_from: String,
    /// Notifications the person has not read, for the header.
    unread: i64,
    /// What the change just made did, for the page's banner.
    banner: Option<Banner>,
}

impl Viewer {
    pub fn person(&self) -> Option<&Person> {
        self.person.as_deref()
    }

    /// Whether the person may take `action`, as an error a handler returns:
    /// nobody signed in is sent to sign in, somebody without the role is
    /// told which role it needs.
    pub fn may(&self, action: Action<'_>) -> Result<(), AppError> {
        access::permit(self.person(), action).map_err(|refusal| match refusal {
            Refusal::SignInNeeded => AppError::SignInNeeded(self.came_from.clone()),
            Refusal::NotAllowed(who) => AppError::Forbidden(who),
        })
    }

    /// Who the audit log names for a change this person makes; only asked
    /// after [`Viewer::may`] allowed it.
    pub fn actor(&self) -> Result<Actor, AppError> {
        self.person()
            .map(Actor::person)
            .ok_or_else(|| AppError::SignInNeeded(self.came_from.clone()))
    }

    /// The person signed in, or the answer that sends nobody to sign in.
    pub fn signed_in(&self) -> Result<&Person, AppError> {
        self.person()
            .ok_or_else(|| AppError::SignInNeeded(self.came_from.clone()))
    }

    /// Whose needs assessments this person may read.
    pub fn readership(&self) -> Readership {
        Readership::of(self.person())
    }

    /// The banner saying what the change just made did.
    pub fn banner(&self) -> Option<&Banner> {
        self.banner.as_ref()
    }

    /// How many notifications wait unread.
    pub fn unread(&self) -> i64 {
        self.unread
    }

    /// The sides this person acts for on a match of `country`'s need and
    /// `provider`'s offering.
    pub fn sides(&self, country: &Iso3, provider: &RecordKey) -> Sides {
        Sides::of(self.person(), country, provider)
    }

    /// Whether a page should offer to propose a need of `country` to an
    /// offering of `provider`.
    pub fn may_propose(&self, country: &Iso3, provider: &RecordKey) -> bool {
        lifecycle::opening(Initiative::Requested, self.sides(country, provider)).is_ok()
    }

    /// Whether a page should offer `provider`'s help on a need of `country`.
    pub fn may_offer(&self, country: &Iso3, provider: &RecordKey) -> bool {
        lifecycle::opening(Initiative::Offered, self.sides(country, provider)).is_ok()
    }

    /// Whether the account page should offer the weekly digest.
    pub fn takes_digest(&self) -> bool {
        self.allows(Action::SubscribeDigest)
    }

    /// Whether pages should link the matches.
    pub fn reads_matches(&self) -> bool {
        self.allows(Action::ReadMatches)
    }

    /// Whether pages should link the secretariat's brokering pages.
    pub fn brokers(&self) -> bool {
        self.allows(Action::Broker)
    }

    /// Whether pages should link the audit log.
    pub fn reads_audit(&self) -> bool {
        self.allows(Action::ReadAudit)
    }

    /// Whether a page should offer `action`.
    pub fn allows(&self, action: Action<'_>) -> bool {
        access::permit(self.person(), action).is_ok()
    }

    /// The sign-out form's token: the session's (empty for nobody, who
    /// is offered no such form).
    pub fn csrf_token(&self) -> &str {
        self.session_csrf_token().unwrap_or_default()
    }

    /// The CSRF token of the session's forms, once signed in.
    pub(super) fn session_csrf_token(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.csrf_token.as_str())
    }

    pub(super) fn session_id_hash(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id_hash.as_str())
    }

    /// What a page rendered for this viewer may be cached under: its header
    /// names the person and holds the session's token, what it lists
    /// depends on what the person may read, and a page showing a banner is
    /// kept apart from the same page without.
    pub fn cache_scope(&self) -> String {
        let banner = self
            .banner
            .as_ref()
            .map(|b| format!(":{}", b.done.code()))
            .unwrap_or_default();
        format!("{}{banner}", self.reader_scope())
    }

    /// What it may read depends on the person (an API token's too).
    /// The roles are part of it, so a page cached before a role was taken
    /// away is never served after.
    fn reader_scope(&self) -> String {
        let roles = |person: &Person| {
            person
                .roles
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>()
                .join(",")
        };
        match (&self.session, self.person()) {
            (Some(session), Some(person)) => format!(
                "session:{}:{}:{}",
                &session.id_hash[..16],
                roles(person),
                self.unread
            ),
            (_, Some(person)) => format!("account:{}:{}", person.account, roles(person)),
            (_, None) => "anyone".to_owned(),
        }
    }
}

/// Where a person refused for not being signed in comes back to: the page
/// asked for, or for a post the page it was sent from (a post's own
/// address may not answer a GET).
fn came_from(req: &ServiceRequest) -> String {
    let asked = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return asked;
    }
    referring_page(req.headers()).unwrap_or_else(|| "/".to_owned())
}

/// The path of the page that linked or posted here (`Referer`), when it is
/// a path on this site.
pub(super) fn referring_page(headers: &header::HeaderMap) -> Option<String> {
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|at| rest[at..].to_owned()))
        .filter(|path| local_path(path))
}

enum Found {
    Nobody,
    SignedIn(Arc<Person>, SessionKeys, i64),
    /// The cookie names a session that has ended: forget the cookie.
    Ended,
    /// An API request with a token in use: its person, without a session.
    Token(Arc<Person>),
    /// An API request with a token that opens nothing.
    BadToken,
}

/// The bearer token of an API request, as sent; `Some(None)` for one that
/// cannot be a token.
fn bearer(req: &ServiceRequest) -> Option<Option<Secret>> {
    if !req.path().starts_with("/api/") {
        return None;
    }
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok();
    Some(value.and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Secret::parse(token.trim()))
            .flatten()
    }))
}

fn find_token_holder(storage: &Storage, secret: &Secret) -> Result<Found, AppError> {
    let mut conn = storage.pool.get().map_err(AppError::internal)?;
    Ok(
        match db::accounts::token_holder(&mut conn, &secret.hash())? {
            Some(person) => Found::Token(Arc::new(person)),
            None => Found::BadToken,
        },
    )
}

fn find_session(storage: &Storage, secret: &Secret) -> Result<Found, AppError> {
    let mut conn = storage.pool.get().map_err(AppError::internal)?;
    let id_hash = secret.hash();
    let Some(stored) = db::accounts::session(&mut conn, &id_hash)? else {
        return Ok(Found::Ended);
    };
    let now = chrono::Utc::now().naive_utc();
    if !access::session_live(stored.created_at, stored.last_seen_at, now) {
        db::accounts::end_session(&mut conn, &id_hash)?;
        return Ok(Found::Ended);
    }
    if now - stored.last_seen_at >= TOUCH_EVERY {
        db::accounts::touch_session(&mut conn, &id_hash)?;
    }
    let unread = db::notifications::unread(&mut conn, stored.person.account)?;
    Ok(Found::SignedIn(
        Arc::new(stored.person),
        SessionKeys {
            id_hash,
            csrf_token: stored.csrf_token,
        },
        unread,
    ))
}

/// Paths answered the same for everyone, which must not wait for the
/// database: the health checks and the stylesheet.
fn for_everyone(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz") || path.starts_with("/static/")
}

/// Middleware: reads the session cookie into the request's [`Viewer`].
/// A request without the cookie never touches the database.
pub async fn identify<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let site = site_of(req.request());
    let name = cookie_name(&site);
    let secret = req
        .cookie(name)
        .filter(|_| !for_everyone(req.path()))
        .and_then(|c| Secret::parse(c.value()));
    let storage = req.app_data::<web::Data<Storage>>().cloned();
    let lookup = |find: fn(&Storage, &Secret) -> Result<Found, AppError>, secret: Secret| async move {
        let Some(storage) = storage.clone() else {
            return Ok(Found::Nobody);
        };
        let span = tracing::info_span!("session");
        web::block(move || {
            let _entered = span.enter();
            find(&storage, &secret)
        })
        .await
        .map_err(AppError::internal)?
    };
    // A token says who an API request is from; it never starts a session.
    let found = match (bearer(&req), secret) {
        (Some(Some(token)), _) => lookup(find_token_holder, token).await?,
        (Some(None), _) => Found::BadToken,
        (None, Some(secret)) => lookup(find_session, secret).await?,
        (None, None) if req.cookie(name).is_some() && !for_everyone(req.path()) => Found::Ended,
        (None, None) => Found::Nobody,
    };
    if let Found::BadToken = found {
        let refused = ApiError(AppError::Unauthorized(
            "The API token is not valid: it is unknown or revoked, or its account is disabled"
                .to_owned(),
        ));
        return Ok(req
            .into_response(refused.error_response())
            .map_into_right_body());
    }
    let mut viewer = Viewer {
        person: None,
        session: None,
        came_from: came_from(&req),
        unread: 0,
        banner: req.extensions().get::<Banner>().cloned(),
    };
    let ended = match found {
        Found::SignedIn(person, keys, unread) => {
            viewer.person = Some(person);
            viewer.session = Some(keys);
            viewer.unread = unread;
            false
        }
        Found::Token(person) => {
            viewer.person = Some(person);
            false
        }
        Found::Ended => true,
        Found::Nobody | Found::BadToken => false,
    };
    req.extensions_mut().insert(viewer);
    let mut response = next.call(req).await?;
    if ended && !response.response().cookies().any(|c| c.name() == name) {
        response
            .response_mut()
            .add_removal_cookie(&session_cookie(&site, String::new()))?;
    }
    Ok(response.map_into_left_body())
}

/// How the site is reached, as the server was told.
pub(super) fn site_of(req: &HttpRequest) -> Site {
    req.app_data::<web::Data<Site>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default()
}

/// The session cookie: never readable by scripts, sent on top-level
/// navigation from other sites (a link in an e-mail keeps one signed in;
/// forms are protected by their token), `Secure` over HTTPS.
fn session_cookie(site: &Site, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(site), value)
        .path("/")
        .http_only(true)
        .secure(site.https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(access::SESSION_MAX.num_seconds()))
        .finish()
}

/// A session about to begin at sign-in: a new id and a new CSRF token,
/// never ones the browser had before.
pub struct NewSession {
    id: Secret,
    csrf: Secret,
}

impl NewSession {
    pub fn generate() -> NewSession {
        NewSession {
            id: Secret::generate(),
            csrf: Secret::generate(),
        }
    }

    pub fn save(&self, conn: &mut db::DbConnection, account: i64) -> db::StoreResult<()> {
        db::accounts::start_session(conn, account, &self.id.hash(), self.csrf.expose())
    }

    /// Hands the session to the browser.
    pub fn hand_out(&self, req: &HttpRequest, response: &mut HttpResponse) -> Result<(), AppError> {
        response
            .add_cookie(&session_cookie(&site_of(req), self.id.expose().to_owned()))
            .map_err(AppError::internal)
    }
}

/// Forgets the session cookie on `response`, after signing out.
pub fn forget(req: &HttpRequest, response: &mut HttpResponse) -> Result<(), AppError> {
    response
        .add_removal_cookie(&session_cookie(&site_of(req), String::new()))
        .map_err(AppError::internal)
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = Ready<Result<Viewer, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Viewer>()
                .cloned()
                .ok_or_else(|| AppError::internal("the session middleware did not run")),
        )
    }
}
