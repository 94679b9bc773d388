//! `/register`: an organisation that is not listed applies with its profile
//! and a first account. The provider waits for the secretariat; the
//! applicant becomes its editor when it is approved. The account's password
//! is chosen through a link mailed to its address, so nobody can make an
//! account in someone else's name.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::client_address;
use super::csrf::CsrfToken;
use super::error::AppError;
use super::forms::{FieldView, Form};
use super::paths::QueryParams;
use super::session::Viewer;
use super::views::{Choice, Choices};
use super::{Site, render, see_other, with_db};
use crate::db::accounts::LinkPurpose;
use crate::db::outbox::Mail;
use crate::db::{self, StoreError};
use crate::domain::access::{EmailAddress, Person};
use crate::domain::audit::{Actor, AuditedRecord};
use crate::domain::fields::{AccountField, FieldPath, ProviderField};
use crate::domain::problems::FieldErrors;
use crate::domain::secret::Secret;
use crate::domain::throttle;
use crate::domain::{ProviderInput, ProviderKind};
use crate::startup::Storage;

/// An application as posted: the organisation's profile and its applicant.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Application {
    #[serde(flatten)]
    provider: ProviderInput,
    applicant_name: String,
    applicant_email: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    viewer: &'a Viewer,
    input: Application,
    errors: FieldErrors,
    kinds: Vec<Choice>,
    countries: Vec<Choice>,
    received: bool,
    /// When this address may apply again, after too many applications.
    wait_until: Option<String>,
    csrf_token: &'a str,
}

impl RegisterPage<'_> {
    fn field(&self, path: impl Into<FieldPath>) -> FieldView {
        FieldView::new(path, &self.errors)
    }
}

fn page<'a>(
    storage: &Storage,
    viewer: &'a Viewer,
    csrf: &'a CsrfToken,
    input: Application,
    errors: FieldErrors,
    received: bool,
) -> RegisterPage<'a> {
    let choices = Choices {
        reference: &storage.reference,
    };
    RegisterPage {
        viewer,
        kinds: Choices::of::<ProviderKind>(&[&input.provider.kind]),
        countries: choices.countries(input.provider.hq_country.as_slice()),
        input,
        errors,
        received,
        wait_until: None,
        csrf_token: csrf.as_str(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Received {
    #[serde(default)]
    received: Option<String>,
}

pub async fn form(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    QueryParams(query): QueryParams<Received>,
) -> Result<HttpResponse, AppError> {
    let shown = page(
        &storage,
        &viewer,
        &csrf,
        Application::default(),
        FieldErrors::new(),
        query.received.is_some(),
    );
    render(StatusCode::OK, &shown)
}

/// How long the link to choose the applicant's password works.
const LINK_DAYS: i64 = 7;

fn received_mail(person: &Person, organisation: &str, link: &str) -> Mail {
    Mail {
        recipient: person.email.to_string(),
        subject: "Your application to capmatch".to_owned(),
        body: format!(
            "Hello {},\n\nWe received an application to list {organisation} in capmatch, with this address for its first account.\n\nTo confirm that the address is yours, choose your password within {LINK_DAYS} days with this link. It works once:\n\n{link}\n\nThe secretariat reviews the application and will write to you; once it is approved you can keep the organisation's profile and offerings up to date. If you did not apply, ignore this message: nothing can be done in your name without the link.\n",
            person.name
        ),
    }
}

/// To an address that already has an account: the application is not
/// recorded, and the page answers as for any other address, so the form
/// cannot tell who has an account (as sign-in and the forgotten-password
/// form cannot).
fn already_mail(email: &EmailAddress, organisation: &str, site: &Site) -> Mail {
    Mail {
        recipient: email.to_string(),
        subject: "Your application to capmatch".to_owned(),
        body: format!(
            "Hello,\n\nWe received an application to list {organisation} in capmatch, with this address for its first account. This address already has an account, so the application was not recorded.\n\nIf it was you, sign in at {} (or choose a new password at {} if you have forgotten it) and ask the secretariat to list the organisation. If you did not apply, ignore this message: nothing was changed.\n",
            site.link("/sign-in"),
            site.link("/forgotten"),
        ),
    }
}

fn waiting_mail(member: &Person, organisation: &str, key: &str) -> Mail {
    Mail {
        recipient: member.email.to_string(),
        subject: format!("{organisation} applies to be listed"),
        body: format!(
            "Hello {},\n\n{organisation} applied to be listed in capmatch. Review it at /review (provider \"{key}\").\n",
            member.name
        ),
    }
}

/// Checks every field at once, then makes the account and the pending
/// provider in one transaction, with the mail to the applicant and to the
/// secretariat.
pub async fn apply(
    req: HttpRequest,
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<Application>,
) -> Result<HttpResponse, AppError> {
    let mut input = posted.verified()?;
    // The key is made from the name: the form offers no key, so nothing
    // about it can be refused, nor answer differently for one address.
    input.provider.key.clear();
    let mut errors = FieldErrors::new();
    let provider = match input.provider.parse(&storage.reference) {
        Ok(parsed) => Some(parsed),
        Err(problems) => {
            errors.extend(problems);
            None
        }
    };
    let name = crate::domain::rules::required_text(&input.applicant_name, 200)
        .map_err(|m| errors.add(AccountField::ApplicantName, m))
        .ok();
    let email = EmailAddress::parse(&input.applicant_email)
        .map_err(|m| errors.add(AccountField::ApplicantEmail, m))
        .ok();
    let (Some(provider), Some(name), Some(email), true) =
        (provider, name, email, errors.is_empty())
    else {
        let shown = page(&storage, &viewer, &csrf, input, errors, false);
        return render(StatusCode::UNPROCESSABLE_ENTITY, &shown);
    };
    let subject = throttle::sender_subject("apply", &client_address(&req, &site));
    let held = with_db(&storage, move |conn| {
        Ok(db::accounts::count_sending(conn, &subject)?)
    })
    .await?;
    if let Some(until) = held {
        let shown = RegisterPage {
            wait_until: Some(until.format("%H:%M UTC").to_string()),
            ..page(&storage, &viewer, &csrf, input, errors, false)
        };
        return render(StatusCode::TOO_MANY_REQUESTS, &shown)
            .map(|answer| super::retry_after(answer, until));
    }
    let token = Secret::generate();
    let link = site.link(&format!("/password/{}", token.expose()));
    let expires = chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(LINK_DAYS);
    let saved = with_db(&storage, move |conn| {
        Ok(db::write(conn, |conn| {
            if let Some(holder) = db::accounts::credentials(conn, &email)? {
                // A few notes an hour at most, however many apply with the
                // address; none to a disabled account, which cannot sign in.
                let told = throttle::sender_subject("applied-as", email.as_str());
                if !holder.disabled && db::accounts::count_sending(conn, &told)?.is_none() {
                    let mail = already_mail(&email, &provider.data.name, &site);
                    db::outbox::enqueue(conn, &mail)?;
                }
                return Ok(());
            }
            let applicant = db::accounts::create(
                conn,
                &Actor::applicant(email.as_str()),
                &email,
                &name,
                None,
                &[],
            )?;
            db::accounts::create_link(
                conn,
                applicant.account,
                &token.hash(),
                LinkPurpose::Invitation,
                expires,
            )?;
            let actor = Actor::person(&applicant);
            let made = db::providers::create(conn, &actor, provider.key, &provider.data)?;
            db::reviews::hold(
                conn,
                AuditedRecord::Provider,
                made.key.as_str(),
                Some(applicant.account),
            )?;
            db::outbox::enqueue(conn, &received_mail(&applicant, &made.data.name, &link))?;
            for member in db::accounts::secretariat(conn)? {
                db::outbox::enqueue(
                    conn,
                    &waiting_mail(&member, &made.data.name, made.key.as_str()),
                )?;
            }
            Ok::<(), StoreError>(())
        }))
    })
    .await?;
    match saved {
        // An account made for the address in the meantime (another
        // application, an invitation): answered as any other; nobody is
        // mailed in that race.
        Ok(()) | Err(StoreError::EmailTaken(_)) => Ok(see_other("/register?received=1")),
        Err(other) => Err(other.into()),
    }
}
