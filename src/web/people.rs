//! People: inviting colleagues into one's own scope, and, for the
//! secretariat, every account with its roles, revoking roles and disabling
//! accounts.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::banner::{Done, see_other_with};
use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::forms::{Confirmation, FieldView, Form};
use super::paths::QueryParams;
use super::session::Viewer;
use super::views::Pagination;
use super::{Site, render, with_db};
use crate::db::accounts::{AccountSummary, Invited};
use crate::db::outbox::Mail;
use crate::db::{self, Page, PageRequest, StoreError};
use crate::domain::access::{Action, EmailAddress, Person, Role};
use crate::domain::fields::AccountField;
use crate::domain::problems::FieldErrors;
use crate::domain::secret::Secret;
use crate::startup::Storage;

/// How long an invitation's link works.
const INVITATION_DAYS: i64 = 7;
const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Invitation {
    email: String,
    invitee_name: String,
    role: String,
}

#[derive(Template)]
#[template(path = "people/list.html")]
struct PeoplePage<'a> {
    viewer: &'a Viewer,
    /// Every account, for the secretariat.
    accounts: Option<Page<AccountSummary>>,
    pagination: Option<Pagination>,
    /// The roles the person may give, when they are not the secretariat.
    grantable: Vec<Role>,
    input: Invitation,
    errors: FieldErrors,
    csrf_token: &'a str,
}

impl PeoplePage<'_> {
    fn field(&self, field: AccountField) -> FieldView {
        FieldView::new(field, &self.errors)
    }

    fn manages(&self) -> bool {
        self.accounts.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    page: Option<String>,
}

/// What the page shows besides the accounts.
struct Shown {
    number: i64,
    input: Invitation,
    errors: FieldErrors,
    status: StatusCode,
}

impl Shown {
    /// The invitation form back with its problems.
    fn refused(input: Invitation, errors: FieldErrors) -> Shown {
        Shown {
            number: 1,
            input,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

async fn page(
    storage: &Storage,
    viewer: &Viewer,
    csrf: &CsrfToken,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::InvitePeople)?;
    let Shown {
        number,
        input,
        errors,
        status,
    } = shown;
    let manages = viewer.allows(Action::ManageAccounts);
    let accounts = if manages {
        let request = PageRequest::sized(number, PER_PAGE);
        Some(
            with_db(storage, move |conn| {
                Ok(db::accounts::list_page(conn, request)?)
            })
            .await?,
        )
    } else {
        None
    };
    let pagination = accounts.as_ref().map(|found| {
        Pagination::of(found.number, found.page_count(), found.total, |n| {
            format!("/users?page={n}")
        })
    });
    render(
        status,
        &PeoplePage {
            viewer,
            accounts,
            pagination,
            grantable: viewer.person().map(Person::grantable).unwrap_or_default(),
            input,
            errors,
            csrf_token: csrf.as_str(),
        },
    )
}

pub async fn list(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    QueryParams(query): QueryParams<PeopleQuery>,
) -> Result<HttpResponse, AppError> {
    let number = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(1);
    let shown = Shown {
        number,
        input: Invitation::default(),
        errors: FieldErrors::new(),
        status: StatusCode::OK,
    };
    page(&storage, &viewer, &csrf, shown).await
}

/// The mail an invitation sends: a link for a new account, a note for an
/// account that now holds one more role.
fn invitation_mail(person: &Person, new: bool, role: &Role, inviter: &Person, link: &str) -> Mail {
    let body = if new {
        format!(
            "Hello {name},\n\n{inviter} invited you to capmatch, the directory and matching of cyber capacity building, as {role}.\n\nTo accept, choose your password within {INVITATION_DAYS} days with this link. It works once:\n\n{link}\n\nIf you did not expect this, ignore this message.\n",
            name = person.name,
            inviter = inviter.name,
            role = role.describe(),
        )
    } else {
        format!(
            "Hello {name},\n\n{inviter} made you {role} on capmatch. Sign in as usual to use it.\n",
            name = person.name,
            inviter = inviter.name,
            role = role.describe(),
        )
    };
    Mail {
        recipient: person.email.to_string(),
        subject: if new {
            "You are invited to capmatch".to_owned()
        } else {
            "You have a new role on capmatch".to_owned()
        },
        body,
    }
}

/// Invites a person to a role the inviter may give.
pub async fn invite(
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<Invitation>,
) -> Result<HttpResponse, AppError> {
    let input = posted.verified()?;
    viewer.may(Action::InvitePeople)?;
    let mut errors = FieldErrors::new();
    let email = EmailAddress::parse(&input.email)
        .map_err(|m| errors.add(AccountField::Email, m))
        .ok();
    let role = Role::parse(&input.role, &storage.reference)
        .map_err(|m| errors.add(AccountField::Role, m))
        .ok();
    let name = crate::domain::rules::text(&input.invitee_name, 200)
        .map_err(|m| errors.add(AccountField::InviteeName, format!("The name {m}")))
        .ok();
    // Every problem at once: an editor's provider must exist too.
    if let Some(Role::Editor(provider)) = &role {
        let key = provider.to_string();
        let exists = with_db(&storage, move |conn| {
            Ok(db::providers::key_exists(conn, &key)?)
        })
        .await?;
        if !exists {
            errors.add(
                AccountField::Role,
                format!("no provider has the key \"{provider}\""),
            );
        }
    }
    let (Some(email), Some(role), Some(name), true) = (email, role, name, errors.is_empty()) else {
        return page(&storage, &viewer, &csrf, Shown::refused(input, errors)).await;
    };
    viewer.may(Action::Grant(&role))?;
    let actor = viewer.actor()?;
    let inviter = viewer
        .person()
        .cloned()
        .ok_or_else(|| AppError::SignInNeeded("/users".into()))?;
    let token = Secret::generate();
    let link = site.link(&format!("/password/{}", token.expose()));
    let expires = chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(INVITATION_DAYS);
    let name = if name.is_empty() {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        name
    };
    let granted = role.clone();
    let invited = with_db(&storage, move |conn| {
        Ok(db::accounts::invite(
            conn,
            &actor,
            &email,
            &name,
            &granted,
            &token.hash(),
            expires,
            |person, new| invitation_mail(person, new, &granted, &inviter, &link),
        ))
    })
    .await?;
    let done = match invited {
        Ok(Invited::NewAccount) => Done::Invited,
        Ok(Invited::RoleGranted) => Done::Granted,
        Ok(Invited::AlreadyHeld) => Done::AlreadyHeld,
        Err(StoreError::UnknownProvider(key)) => {
            errors.add(
                AccountField::Role,
                format!("no provider has the key \"{key}\""),
            );
            return page(&storage, &viewer, &csrf, Shown::refused(input, errors)).await;
        }
        Err(other) => return Err(other.into()),
    };
    Ok(see_other_with("/users", done))
}

#[derive(Deserialize)]
pub struct RoleToRevoke {
    #[serde(default)]
    role: String,
}

/// Takes a role from an account (the secretariat). Nobody takes the
/// secretariat role from themselves, so the service is never left without.
pub async fn revoke_role(
    storage: web::Data<Storage>,
    viewer: Viewer,
    path: web::Path<(i64,)>,
    posted: Form<RoleToRevoke>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    viewer.may(Action::ManageAccounts)?;
    let account = path.into_inner().0;
    let role = Role::parse(&form.role, &storage.reference).map_err(AppError::BadRequest)?;
    if role == Role::Secretariat && viewer.person().is_some_and(|p| p.account == account) {
        return Err(AppError::Conflict(
            "You cannot take the secretariat role from yourself: ask another member of the secretariat.".into(),
        ));
    }
    let actor = viewer.actor()?;
    with_db(&storage, move |conn| {
        db::accounts::revoke_role(conn, &actor, account, &role)
            .map_err(missing("role", "of that account"))
    })
    .await?;
    Ok(see_other_with("/users", Done::Revoked))
}

/// Disables an account (the secretariat): its sessions and tokens stop at
/// once, on every instance.
pub async fn disable(
    storage: web::Data<Storage>,
    viewer: Viewer,
    path: web::Path<(i64,)>,
    posted: Form<Confirmation>,
) -> Result<HttpResponse, AppError> {
    posted.verified()?;
    viewer.may(Action::ManageAccounts)?;
    let account = path.into_inner().0;
    if viewer.person().is_some_and(|p| p.account == account) {
        return Err(AppError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    let actor = viewer.actor()?;
    with_db(&storage, move |conn| {
        let found =
            db::accounts::account(conn, account).map_err(missing("account", "with that number"))?;
        Ok(db::accounts::disable(conn, &actor, &found.person.email)?)
    })
    .await?;
    Ok(see_other_with("/users", Done::Disabled))
}
