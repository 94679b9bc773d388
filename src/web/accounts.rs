//! Signing in and out, and one's own account: roles, API tokens, changing
//! one's password. These pages are never cached (their forms carry a
//! token, and `csrf` marks such answers `no-store`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::banner::{Done, see_other_with};
use super::csrf::CsrfToken;
use super::error::AppError;
use super::forms::{FieldView, Form};
use super::paths::QueryParams;
use super::session::{self, NewSession, Viewer};
use super::{Site, render, see_other, with_db};
use crate::db;
use crate::db::accounts::ApiToken;
use crate::domain::access::{EmailAddress, Person};
use crate::domain::fields::AccountField;
use crate::domain::password::{self, NewPassword, Password};
use crate::domain::problems::FieldErrors;
use crate::domain::secret::Secret;
use crate::domain::throttle::{self, Verdict};
use crate::startup::Storage;

/// The one answer to a sign-in that does not succeed: it never says which
/// part was wrong, or whether the address has an account.
const NOT_SIGNED_IN: &str =
    "The e-mail address or the password is not right, or the account cannot sign in";

#[derive(Template)]
#[template(path = "accounts/sign_in.html")]
struct SignInPage<'a> {
    viewer: &'a Viewer,
    email: String,
    next: String,
    errors: FieldErrors,
    /// Sign-in is paused for this address or client until then.
    locked_until: Option<String>,
    csrf_token: &'a str,
}

impl SignInPage<'_> {
    fn field(&self, field: AccountField) -> FieldView {
        FieldView::new(field, &self.errors)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

/// Where to go after signing in: a path on this site, or the start page.
fn next_or_home(next: Option<&str>) -> String {
    next.filter(|n| crate::domain::rules::local_path(n))
        .unwrap_or("/")
        .to_owned()
}

pub async fn sign_in_form(
    viewer: Viewer,
    csrf: CsrfToken,
    QueryParams(next): QueryParams<Next>,
) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &SignInPage {
            viewer: &viewer,
            email: String::new(),
            next: next_or_home(next.next.as_deref()),
            errors: FieldErrors::new(),
            locked_until: None,
            csrf_token: csrf.as_str(),
        },
    )
}

#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// The client's address, as far as the server can trust it: the peer, or
/// behind a proxy the address the proxy says it served.
pub(super) fn client_address(req: &HttpRequest, site: &Site) -> String {
    if site.behind_proxy {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .last();
        if let Some(address) = forwarded {
            return address.to_owned();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// What a sign-in attempt came to.
enum Attempt {
    SignedIn,
    Refused,
}

/// Checks the password and, when it is right, starts the session; counts a
/// failure against the typed address and the client otherwise. A missing
/// account takes as long as a wrong password.
fn attempt(
    conn: &mut db::DbConnection,
    typed_email: &str,
    typed: &Password,
    subjects: &[String; 2],
    session: &NewSession,
) -> Result<Attempt, AppError> {
    let credentials = match EmailAddress::parse(typed_email) {
        Ok(email) => db::accounts::credentials(conn, &email)?,
        Err(_) => None,
    };
    let account = match credentials.filter(|c| !c.disabled) {
        Some(c) => match c.password_hash {
            Some(hash) => password::verify(typed, &hash).then_some(c.account),
            None => {
                password::verify_nothing(typed);
                None
            }
        },
        None => {
            password::verify_nothing(typed);
            None
        }
    };
    // The attempt was counted as a failure before it was checked.
    let Some(account) = account else {
        return Ok(Attempt::Refused);
    };
    db::accounts::clear_failures(conn, &subjects[0])?;
    db::accounts::forgive_failure(conn, &subjects[1])?;
    session.save(conn, account)?;
    Ok(Attempt::SignedIn)
}

pub async fn sign_in(
    req: HttpRequest,
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    csrf: CsrfToken,
    QueryParams(query): QueryParams<Next>,
    posted: Form<SignIn>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    let next = next_or_home(form.next.as_deref().or(query.next.as_deref()));
    let subjects = [
        throttle::email_subject(&form.email),
        throttle::client_subject(&client_address(&req, &site)),
    ];
    let counted = subjects.clone();
    let before = with_db(&storage, move |conn| {
        Ok(db::accounts::count_attempt(
            conn,
            &[
                (counted[0].as_str(), &throttle::PER_EMAIL),
                (counted[1].as_str(), &throttle::PER_CLIENT),
            ],
        )?)
    })
    .await?;
    let (for_email, for_client) = (before[0], before[1]);
    let now = chrono::Utc::now().naive_utc();
    let verdicts = [
        throttle::PER_EMAIL.verdict(for_email, now),
        throttle::PER_CLIENT.verdict(for_client, now),
    ];
    let again = |errors, locked_until, status| {
        render(
            status,
            &SignInPage {
                viewer: &viewer,
                email: form.email.clone(),
                next: next.clone(),
                errors,
                locked_until,
                csrf_token: csrf.as_str(),
            },
        )
    };
    if let Some(until) = verdicts.iter().find_map(|v| match v {
        Verdict::Locked(until) => Some(*until),
        _ => None,
    }) {
        let at = until.format("%H:%M UTC").to_string();
        return again(FieldErrors::new(), Some(at), StatusCode::TOO_MANY_REQUESTS)
            .map(|answer| super::retry_after(answer, until));
    }
    if let Some(delay) = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::SlowDown(d) => Some(*d),
            _ => None,
        })
        .max()
    {
        actix_web::rt::time::sleep(delay).await;
    }
    let session = NewSession::generate();
    let typed = Password::new(form.password.clone());
    let email = form.email.clone();
    let previous = viewer.session_id_hash().map(str::to_owned);
    let outcome = with_db(&storage, move |conn| {
        let outcome = attempt(conn, &email, &typed, &subjects, &session)?;
        if let (Attempt::SignedIn, Some(previous)) = (&outcome, previous) {
            db::accounts::end_session(conn, &previous)?;
        }
        Ok((outcome, session))
    })
    .await?;
    match outcome {
        (Attempt::SignedIn, session) => {
            let mut response = see_other(&next);
            session.hand_out(&req, &mut response)?;
            Ok(response)
        }
        (Attempt::Refused, _) => {
            let mut errors = FieldErrors::new();
            errors.add(AccountField::Email, NOT_SIGNED_IN);
            again(errors, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// Ends the session here and everywhere, and forgets its cookie.
pub async fn sign_out(
    req: HttpRequest,
    storage: web::Data<Storage>,
    viewer: Viewer,
    posted: Form<super::forms::Confirmation>,
) -> Result<HttpResponse, AppError> {
    posted.verified()?;
    if let Some(id_hash) = viewer.session_id_hash().map(str::to_owned) {
        with_db(&storage, move |conn| {
            Ok(db::accounts::end_session(conn, &id_hash)?)
        })
        .await?;
    }
    let mut response = see_other("/");
    session::forget(&req, &mut response)?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage<'a> {
    viewer: &'a Viewer,
    person: &'a Person,
    errors: FieldErrors,
    settings: Settings,
    /// A token just made: its name and the token, shown this once.
    new_token: Option<(String, String)>,
    csrf_token: &'a str,
}

/// What the account page shows of the person's settings.
struct Settings {
    /// API tokens in use.
    tokens: Vec<ApiToken>,
    /// Whether a weekly digest of new needs their offerings match is sent.
    weekly_digest: bool,
}

/// The signed-in person's settings.
async fn settings_of(storage: &Storage, person: &Person) -> Result<Settings, AppError> {
    let account = person.account;
    with_db(storage, move |conn| {
        Ok(Settings {
            tokens: db::accounts::tokens(conn, account)?,
            weekly_digest: db::accounts::weekly_digest(conn, account)?,
        })
    })
    .await
}

impl AccountPage<'_> {
    fn field(&self, field: AccountField) -> FieldView {
        FieldView::new(field, &self.errors)
    }
}

/// The signed-in person, or the sign-in page.
fn signed_in(viewer: &Viewer) -> Result<&Person, AppError> {
    viewer
        .person()
        .ok_or_else(|| AppError::SignInNeeded("/account".to_owned()))
}

pub async fn account(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let person = signed_in(&viewer)?;
    render(
        StatusCode::OK,
        &AccountPage {
            viewer: &viewer,
            person,
            errors: FieldErrors::new(),
            settings: settings_of(&storage, person).await?,
            new_token: None,
            csrf_token: csrf.as_str(),
        },
    )
}

#[derive(Deserialize)]
pub struct TokenName {
    #[serde(default)]
    name: String,
}

/// Makes a personal API token and shows it once, on this answer only (a
/// redirect would carry it in an address).
pub async fn create_token(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<TokenName>,
) -> Result<HttpResponse, AppError> {
    let person = signed_in(&viewer)?.clone();
    let form = posted.verified()?;
    let name = match crate::domain::rules::required_text(&form.name, 100) {
        Ok(name) => name,
        Err(message) => {
            let mut errors = FieldErrors::new();
            errors.add(AccountField::TokenName, format!("The name {message}"));
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AccountPage {
                    viewer: &viewer,
                    person: &person,
                    errors,
                    settings: settings_of(&storage, &person).await?,
                    new_token: None,
                    csrf_token: csrf.as_str(),
                },
            );
        }
    };
    let token = Secret::generate();
    let (holder, hash, label) = (person.clone(), token.hash(), name.clone());
    with_db(&storage, move |conn| {
        Ok(db::accounts::create_token(conn, &holder, &label, &hash)?)
    })
    .await?;
    render(
        StatusCode::OK,
        &AccountPage {
            viewer: &viewer,
            person: &person,
            errors: FieldErrors::new(),
            settings: settings_of(&storage, &person).await?,
            new_token: Some((name, token.expose().to_owned())),
            csrf_token: csrf.as_str(),
        },
    )
}

/// Revokes one of the signed-in person's tokens.
pub async fn revoke_token(
    storage: web::Data<Storage>,
    viewer: Viewer,
    path: web::Path<(i64,)>,
    posted: Form<super::forms::Confirmation>,
) -> Result<HttpResponse, AppError> {
    let person = signed_in(&viewer)?.clone();
    posted.verified()?;
    let id = path.into_inner().0;
    with_db(&storage, move |conn| {
        db::accounts::revoke_token(conn, &person, id)
            .map_err(super::error::missing("API token", "of yours"))
    })
    .await?;
    Ok(see_other("/account"))
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub(super) fn new_password(typed: &str, person: &Person) -> Result<NewPassword, String> {
    crate::accounts::new_password(&Password::new(typed), &person.name, &person.email)
}

/// Changes one's password, given the current one; every other session of
/// the account ends.
pub async fn change_password(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let person = signed_in(&viewer)?.clone();
    let form = posted.verified()?;
    let current = Password::new(form.current_password);
    let mut errors = FieldErrors::new();
    let checked = new_password(&form.new_password, &person);
    let hash = match &checked {
        Ok(password) => Some(password.hash()),
        Err(message) => {
            errors.add(AccountField::NewPassword, message.clone());
            None
        }
    };
    let email = person.email.clone();
    let keep = viewer.session_id_hash().map(str::to_owned);
    // Guessing the current password from a stolen session is throttled as
    // signing in is, and counted against the same address.
    let subject = throttle::email_subject(email.as_str());
    let changed = with_db(&storage, move |conn| {
        let before =
            db::accounts::count_attempt(conn, &[(subject.as_str(), &throttle::PER_EMAIL)])?;
        let now = chrono::Utc::now().naive_utc();
        if let Verdict::Locked(until) = throttle::PER_EMAIL.verdict(before[0], now) {
            return Ok(PasswordChangeOutcome::Locked(until));
        }
        let right = db::accounts::credentials(conn, &email)?
            .and_then(|c| c.password_hash)
            .is_some_and(|h| password::verify(&current, &h));
        if !right {
            return Ok(PasswordChangeOutcome::WrongCurrent);
        }
        db::accounts::clear_failures(conn, &subject)?;
        match hash {
            Some(hash) => {
                db::accounts::set_password(conn, &person, &hash, keep.as_deref())?;
                Ok(PasswordChangeOutcome::Changed)
            }
            None => Ok(PasswordChangeOutcome::NewRefused),
        }
    })
    .await?;
    let status = match changed {
        PasswordChangeOutcome::Changed => {
            return Ok(see_other_with("/account", Done::PasswordChanged));
        }
        PasswordChangeOutcome::NewRefused => StatusCode::UNPROCESSABLE_ENTITY,
        PasswordChangeOutcome::WrongCurrent => {
            errors.add(
                AccountField::CurrentPassword,
                "Enter your current password as you type it to sign in",
            );
            StatusCode::UNPROCESSABLE_ENTITY
        }
        PasswordChangeOutcome::Locked(until) => {
            errors.add(
                AccountField::CurrentPassword,
                format!(
                    "Too many wrong passwords: try again after {}",
                    until.format("%H:%M UTC")
                ),
            );
            StatusCode::TOO_MANY_REQUESTS
        }
    };
    let person = signed_in(&viewer)?;
    let answer = render(
        status,
        &AccountPage {
            viewer: &viewer,
            person,
            errors,
            settings: settings_of(&storage, person).await?,
            new_token: None,
            csrf_token: csrf.as_str(),
        },
    )?;
    Ok(match changed {
        PasswordChangeOutcome::Locked(until) => super::retry_after(answer, until),
        _ => answer,
    })
}

/// What a password change came to.
enum PasswordChangeOutcome {
    Changed,
    /// The current password was right, the new one is not good enough.
    NewRefused,
    WrongCurrent,
    /// Too many wrong current passwords lately.
    Locked(chrono::NaiveDateTime),
}

#[derive(Deserialize)]
pub struct DigestChoice {
    /// "on" when the box is ticked; absent otherwise.
    #[serde(default)]
    weekly_digest: Option<String>,
}

/// Subscribes to the weekly digest of new needs, or stops it.
pub async fn set_digest(
    storage: web::Data<Storage>,
    viewer: Viewer,
    posted: Form<DigestChoice>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    viewer.may(crate::domain::access::Action::SubscribeDigest)?;
    let account = signed_in(&viewer)?.account;
    let wanted = form.weekly_digest.is_some();
    with_db(&storage, move |conn| {
        Ok(db::accounts::set_weekly_digest(conn, account, wanted)?)
    })
    .await?;
    Ok(see_other("/account"))
}
