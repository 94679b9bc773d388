//! Passwords chosen through single-use links: the first password of an
//! account, an invitation, or a forgotten password reset by mail.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::new_password;
use super::csrf::CsrfToken;
use super::error::AppError;
use super::forms::{FieldView, Form};
use super::session::{NewSession, Viewer};
use super::{Site, render, see_other, with_db};
use crate::db;
use crate::db::outbox::Mail;
use crate::domain::access::{EmailAddress, Person};
use crate::domain::fields::AccountField;
use crate::domain::problems::FieldErrors;
use crate::domain::secret::Secret;
use crate::startup::Storage;

/// How long a reset link works.
const RESET_LINK_HOURS: i64 = 1;

#[derive(Template)]
#[template(path = "accounts/set_password.html")]
struct SetPasswordPage<'a> {
    viewer: &'a Viewer,
    person: Person,
    errors: FieldErrors,
    csrf_token: &'a str,
}

impl SetPasswordPage<'_> {
    fn field(&self, field: AccountField) -> FieldView {
        FieldView::new(field, &self.errors)
    }
}

/// A link that cannot be used, whatever the reason: unknown, used,
/// expired, or its account disabled.
fn link_refused() -> AppError {
    AppError::Gone("This link cannot be used: it has expired or has already been used".to_owned())
}

/// The token in a link's address; a malformed one names nothing.
fn link_token(path: &web::Path<String>) -> Result<Secret, AppError> {
    Secret::parse(path.as_str()).ok_or_else(link_refused)
}

pub async fn set_password_form(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = link_token(&path)?;
    let holder = with_db(&storage, move |conn| {
        Ok(db::accounts::link_holder(conn, &token.hash())?)
    })
    .await?
    .map_err(|_| link_refused())?;
    render(
        StatusCode::OK,
        &SetPasswordPage {
            viewer: &viewer,
            person: holder,
            errors: FieldErrors::new(),
            csrf_token: csrf.as_str(),
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordChoice {
    #[serde(default)]
    new_password: String,
}

/// Sets the password a link was made for, once, and signs its holder in.
pub async fn set_password(
    req: HttpRequest,
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    path: web::Path<String>,
    posted: Form<PasswordChoice>,
) -> Result<HttpResponse, AppError> {
    let token = link_token(&path)?;
    let form = posted.verified()?;
    let lookup = token.hash();
    let holder = with_db(&storage, move |conn| {
        Ok(db::accounts::link_holder(conn, &lookup)?)
    })
    .await?
    .map_err(|_| link_refused())?;
    let hash = match new_password(&form.new_password, &holder) {
        Ok(password) => password.hash(),
        Err(message) => {
            let mut errors = FieldErrors::new();
            errors.add(AccountField::NewPassword, message);
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetPasswordPage {
                    viewer: &viewer,
                    person: holder,
                    errors,
                    csrf_token: csrf.as_str(),
                },
            );
        }
    };
    let session = NewSession::generate();
    let redeemed = with_db(&storage, move |conn| {
        let redeemed = db::accounts::redeem_link(conn, &token.hash(), &hash)?;
        if let Ok(holder) = &redeemed {
            session.save(conn, holder.account)?;
        }
        Ok((redeemed, session))
    })
    .await?;
    match redeemed {
        (Ok(_), session) => {
            let mut response = see_other("/account");
            session.hand_out(&req, &mut response)?;
            Ok(response)
        }
        (Err(_), _) => Err(link_refused()),
    }
}

#[derive(Template)]
#[template(path = "accounts/forgotten.html")]
struct ForgottenPage<'a> {
    viewer: &'a Viewer,
    email: String,
    errors: FieldErrors,
    /// The form was sent: say what happens next, the same for every address.
    sent: bool,
    csrf_token: &'a str,
}

impl ForgottenPage<'_> {
    fn field(&self, field: AccountField) -> FieldView {
        FieldView::new(field, &self.errors)
    }
}

pub async fn forgotten_form(viewer: Viewer, csrf: CsrfToken) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &ForgottenPage {
            viewer: &viewer,
            email: String::new(),
            errors: FieldErrors::new(),
            sent: false,
            csrf_token: csrf.as_str(),
        },
    )
}

#[derive(Deserialize)]
pub struct ForgottenAddress {
    #[serde(default)]
    email: String,
}

/// The mail that carries a reset link.
fn reset_mail(person: &Person, link: &str) -> Mail {
    Mail {
        recipient: person.email.to_string(),
        subject: "Reset your capmatch password".to_owned(),
        body: format!(
            "Hello {name},\n\nSomeone, we hope you, asked to reset the password of your capmatch account ({email}).\n\nTo choose a new password, open this link within {RESET_LINK_HOURS} hour. It works once:\n\n{link}\n\nIf you did not ask, ignore this message: your password stays as it is.\n",
            name = person.name,
            email = person.email,
        ),
    }
}

/// Sends a reset link to the address when it has an account; the answer is
/// the same whether it has one or not.
pub async fn forgotten(
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<ForgottenAddress>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            let mut errors = FieldErrors::new();
            errors.add(AccountField::Email, message);
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgottenPage {
                    viewer: &viewer,
                    email: form.email,
                    errors,
                    sent: false,
                    csrf_token: csrf.as_str(),
                },
            );
        }
    };
    let token = Secret::generate();
    let link = site.link(&format!("/password/{}", token.expose()));
    let expires = chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(RESET_LINK_HOURS);
    with_db(&storage, move |conn| {
        Ok(db::accounts::request_reset(
            conn,
            &email,
            &token.hash(),
            expires,
            |person| reset_mail(person, &link),
        )?)
    })
    .await?;
    render(
        StatusCode::OK,
        &ForgottenPage {
            viewer: &viewer,
            email: String::new(),
            errors: FieldErrors::new(),
            sent: true,
            csrf_token: csrf.as_str(),
        },
    )
}
