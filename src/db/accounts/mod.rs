//! Accounts and their roles, and what hangs off an account: sessions,
//! single-use links, API tokens and failed sign-ins, a file each. Secrets
//! arrive here already hashed (`domain::secret`).

mod failures;
mod links;
mod sessions;
mod tokens;

pub use failures::{
    clear_failures, count_attempt, count_sending, failures, forgive_failure, record_failure,
};
pub use links::{LinkPurpose, LinkRefused, create_link, link_holder, redeem_link, request_reset};
pub use sessions::{StoredSession, end_session, session, start_session, touch_session};
pub use tokens::{ApiToken, create_token, revoke_token, token_holder, tokens};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit;
use super::outbox::Mail;
use super::schema::{self, account_links, account_roles, accounts, api_tokens, providers};
use super::{DbConnection, Page, PageRequest, StoreError, StoreResult, now, write};
use crate::domain::access::{EmailAddress, Person, Role};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::{Iso3, RecordKey};

/// What a sign-in checks.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account: i64,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

/// An account as the command line lists it.
#[derive(Debug, Clone)]
pub struct AccountSummary {
    pub person: Person,
    pub disabled: bool,
    pub has_password: bool,
}

fn role_columns(role: &Role) -> (&'static str, Option<String>, Option<String>) {
    match role {
        Role::Secretariat => ("secretariat", None, None),
        Role::Editor(provider) => ("editor", Some(provider.to_string()), None),
        Role::FocalPoint(country) => ("focal-point", None, Some(country.to_string())),
    }
}

fn role_of(role: String, provider: Option<String>, country: Option<String>) -> StoreResult<Role> {
    match (role.as_str(), provider, country) {
        ("secretariat", None, None) => Ok(Role::Secretariat),
        ("editor", Some(provider), None) => Ok(Role::Editor(RecordKey::trusted(provider))),
        ("focal-point", None, Some(country)) => Ok(Role::FocalPoint(Iso3::trusted(country))),
        (other, ..) => Err(StoreError::Corrupt(format!("unknown role \"{other}\""))),
    }
}

fn roles_of(conn: &mut DbConnection, account: i64) -> StoreResult<Vec<Role>> {
    let rows: Vec<(String, Option<String>, Option<String>)> = account_roles::table
        .filter(account_roles::account_id.eq(account))
        .order(account_roles::id)
        .select((
            account_roles::role,
            account_roles::provider_key,
            account_roles::country,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(role, provider, country)| role_of(role, provider, country))
        .collect()
}

fn person(
    conn: &mut DbConnection,
    account: i64,
    email: String,
    name: String,
) -> StoreResult<Person> {
    Ok(Person {
        account,
        email: EmailAddress::trusted(email),
        name,
        roles: roles_of(conn, account)?,
    })
}

/// An account as the audit log keeps it: never its password or hash.
fn logged(person: &Person) -> serde_json::Value {
    let roles: Vec<String> = person.roles.iter().map(Role::code).collect();
    serde_json::json!({"email": person.email.as_str(), "name": person.name, "roles": roles})
}

/// Appends an account's entry to the audit log: the account before and
/// after, when the change is to what it holds.
fn log(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &EmailAddress,
    action: AuditAction,
    change: Option<(&Person, &Person)>,
) -> StoreResult<()> {
    let (before, after) = match change {
        Some((before, after)) => (Some(logged(before)), Some(logged(after))),
        None => (None, None),
    };
    audit::append(
        conn,
        actor,
        AuditedRecord::Account,
        email.as_str(),
        action,
        before.as_ref(),
        after.as_ref(),
    )
}

/// Notes in the audit log that a person set their password (by itself).
fn password_set(conn: &mut DbConnection, person: &Person) -> StoreResult<()> {
    log(
        conn,
        &Actor::person(person),
        &person.email,
        AuditAction::PasswordSet,
        None,
    )
}

/// Makes an account with its roles. The address must be free and every
/// provider a role names must exist.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &EmailAddress,
    name: &str,
    password_hash: Option<&str>,
    roles: &[Role],
) -> StoreResult<Person> {
    write(conn, |conn| {
        let taken: i64 = accounts::table
            .filter(accounts::email.eq(email.as_str()))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::EmailTaken(email.to_string()));
        }
        let account: i64 = diesel::insert_into(accounts::table)
            .values((
                accounts::email.eq(email.as_str()),
                accounts::name.eq(name),
                accounts::password_hash.eq(password_hash),
                accounts::disabled.eq(false),
                accounts::created_at.eq(now()),
            ))
            .returning(accounts::id)
            .get_result(conn)?;
        for role in roles {
            grant(conn, account, role)?;
        }
        let made = person(conn, account, email.to_string(), name.to_owned())?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Account,
            email.as_str(),
            AuditAction::Created,
            None::<&()>,
            Some(&logged(&made)),
        )?;
        Ok(made)
    })
}

fn grant(conn: &mut DbConnection, account: i64, role: &Role) -> StoreResult<()> {
    if let Role::Editor(provider) = role {
        let exists: i64 = providers::table
            .filter(providers::key.eq(provider.as_str()))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(StoreError::UnknownProvider(provider.to_string()));
        }
    }
    if roles_of(conn, account)?.contains(role) {
        return Ok(());
    }
    let (kind, provider, country) = role_columns(role);
    diesel::insert_into(account_roles::table)
        .values((
            account_roles::account_id.eq(account),
            account_roles::role.eq(kind),
            account_roles::provider_key.eq(provider),
            account_roles::country.eq(country),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a sign-in with this address checks; `None` when no account has it.
pub fn credentials(
    conn: &mut DbConnection,
    email: &EmailAddress,
) -> StoreResult<Option<Credentials>> {
    Ok(accounts::table
        .filter(accounts::email.eq(email.as_str()))
        .select((accounts::id, accounts::password_hash, accounts::disabled))
        .first::<(i64, Option<String>, bool)>(conn)
        .optional()?
        .map(|(account, password_hash, disabled)| Credentials {
            account,
            password_hash,
            disabled,
        }))
}

/// Every account, by address.
pub fn list(conn: &mut DbConnection) -> StoreResult<Vec<AccountSummary>> {
    list_page(conn, PageRequest::sized(1, i64::MAX)).map(|page| page.items)
}

/// An account's row as the people page and `user list` show it.
type SummaryRow = (i64, String, String, Option<String>, bool);

const SUMMARY_COLUMNS: (
    accounts::id,
    accounts::email,
    accounts::name,
    accounts::password_hash,
    accounts::disabled,
) = (
    accounts::id,
    accounts::email,
    accounts::name,
    accounts::password_hash,
    accounts::disabled,
);

fn summary(conn: &mut DbConnection, row: SummaryRow) -> StoreResult<AccountSummary> {
    let (id, email, name, hash, disabled) = row;
    Ok(AccountSummary {
        person: person(conn, id, email, name)?,
        disabled,
        has_password: hash.is_some(),
    })
}

/// A page of accounts, by address.
pub fn list_page(conn: &mut DbConnection, page: PageRequest) -> StoreResult<Page<AccountSummary>> {
    let total: i64 = accounts::table.count().get_result(conn)?;
    let rows: Vec<SummaryRow> = accounts::table
        .order(accounts::email)
        .limit(page.per_page)
        .offset(page.offset())
        .select(SUMMARY_COLUMNS)
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|row| summary(conn, row))
        .collect::<StoreResult<_>>()?;
    Ok(page.holding(items, total))
}

/// Disables an account: its sessions end at once, on every instance (they
/// all read sessions here), and its unused links stop working.
pub fn disable(conn: &mut DbConnection, actor: &Actor, email: &EmailAddress) -> StoreResult<()> {
    write(conn, |conn| {
        let account: i64 = accounts::table
            .filter(accounts::email.eq(email.as_str()))
            .select(accounts::id)
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        diesel::update(accounts::table.find(account))
            .set(accounts::disabled.eq(true))
            .execute(conn)?;
        diesel::delete(schema::sessions::table.filter(schema::sessions::account_id.eq(account)))
            .execute(conn)?;
        diesel::delete(
            account_links::table
                .filter(account_links::account_id.eq(account))
                .filter(account_links::used_at.is_null()),
        )
        .execute(conn)?;
        log(conn, actor, email, AuditAction::Disabled, None)
    })
}

/// Ends everything the old password could have opened: the account's
/// other sessions, its API tokens and its unused links.
fn end_old_access(
    conn: &mut DbConnection,
    account: i64,
    keep_session: Option<&str>,
) -> StoreResult<()> {
    let others = schema::sessions::table
        .filter(schema::sessions::account_id.eq(account))
        .filter(schema::sessions::id_hash.ne(keep_session.unwrap_or("")));
    diesel::delete(others).execute(conn)?;
    diesel::update(
        api_tokens::table
            .filter(api_tokens::account_id.eq(account))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    diesel::update(
        account_links::table
            .filter(account_links::account_id.eq(account))
            .filter(account_links::used_at.is_null()),
    )
    .set(account_links::used_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Keeps a new password and ends the account's other sessions, its API
/// tokens and unused links: whoever knew the old one keeps nothing.
pub fn set_password(
    conn: &mut DbConnection,
    person: &Person,
    password_hash: &str,
    keep_session: Option<&str>,
) -> StoreResult<()> {
    let account = person.account;
    write(conn, |conn| {
        diesel::update(accounts::table.find(account))
            .set(accounts::password_hash.eq(password_hash))
            .execute(conn)?;
        end_old_access(conn, account, keep_session)?;
        password_set(conn, person)
    })
}

fn person_by_id(conn: &mut DbConnection, account: i64) -> StoreResult<Person> {
    let (email, name): (String, String) = accounts::table
        .find(account)
        .select((accounts::email, accounts::name))
        .first(conn)?;
    person(conn, account, email, name)
}

/// What an invitation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invited {
    /// A new account, with a link to choose its password.
    NewAccount,
    /// An existing account now holds the role too.
    RoleGranted,
    /// The account already held the role: nothing changed, nothing sent.
    AlreadyHeld,
}

/// Invites `email` to `role`: a new account without a password and a
/// single-use link, or the role added to the existing account; the mail
/// `compose` writes (given whether the account is new) is queued in the
/// same transaction.
#[allow(clippy::too_many_arguments)]
pub fn invite(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &EmailAddress,
    name: &str,
    role: &Role,
    token_hash: &str,
    expires_at: NaiveDateTime,
    compose: impl FnOnce(&Person, bool) -> Mail,
) -> StoreResult<Invited> {
    write(conn, |conn| {
        let (invited, holder) = match credentials(conn, email)? {
            Some(existing) => {
                let before = person_by_id(conn, existing.account)?;
                if before.roles.contains(role) {
                    return Ok(Invited::AlreadyHeld);
                }
                grant(conn, existing.account, role)?;
                let after = person_by_id(conn, existing.account)?;
                log(
                    conn,
                    actor,
                    email,
                    AuditAction::Changed,
                    Some((&before, &after)),
                )?;
                (Invited::RoleGranted, after)
            }
            None => {
                let made = create(conn, actor, email, name, None, std::slice::from_ref(role))?;
                create_link(
                    conn,
                    made.account,
                    token_hash,
                    LinkPurpose::Invitation,
                    expires_at,
                )?;
                (Invited::NewAccount, made)
            }
        };
        super::outbox::enqueue(conn, &compose(&holder, invited == Invited::NewAccount))?;
        Ok(invited)
    })
}

/// Takes a role from an account; its sessions see the change at their next
/// request.
pub fn revoke_role(
    conn: &mut DbConnection,
    actor: &Actor,
    account: i64,
    role: &Role,
) -> StoreResult<()> {
    write(conn, |conn| {
        let before = person_by_id(conn, account).map_err(|e| match e {
            StoreError::Database(diesel::result::Error::NotFound) => StoreError::NotFound,
            other => other,
        })?;
        if !before.roles.contains(role) {
            return Err(StoreError::NotFound);
        }
        let (kind, provider, country) = role_columns(role);
        let mut gone = diesel::delete(account_roles::table)
            .filter(account_roles::account_id.eq(account))
            .filter(account_roles::role.eq(kind))
            .into_boxed();
        gone = match (provider, country) {
            (Some(p), _) => gone.filter(account_roles::provider_key.eq(p)),
            (_, Some(c)) => gone.filter(account_roles::country.eq(c)),
            (None, None) => gone,
        };
        gone.execute(conn)?;
        let after = person_by_id(conn, account)?;
        log(
            conn,
            actor,
            &before.email,
            AuditAction::Changed,
            Some((&before, &after)),
        )
    })
}

/// The account with this id, for the people page.
pub fn account(conn: &mut DbConnection, account: i64) -> StoreResult<AccountSummary> {
    let found: Option<SummaryRow> = accounts::table
        .find(account)
        .select(SUMMARY_COLUMNS)
        .first(conn)
        .optional()?;
    summary(conn, found.ok_or(StoreError::NotFound)?)
}

/// The enabled accounts that edit a provider: whom news of it concerns.
pub fn editors_of(conn: &mut DbConnection, provider: &str) -> StoreResult<Vec<Person>> {
    holders(conn, &Role::Editor(RecordKey::trusted(provider)))
}

/// The enabled accounts holding `role`, in its scope.
fn holders(conn: &mut DbConnection, role: &Role) -> StoreResult<Vec<Person>> {
    let query = account_roles::table
        .inner_join(accounts::table)
        .filter(accounts::disabled.eq(false))
        .select(accounts::id)
        .distinct()
        .into_boxed();
    let query = match role {
        Role::Secretariat => query.filter(account_roles::role.eq("secretariat")),
        Role::Editor(provider) => query
            .filter(account_roles::role.eq("editor"))
            .filter(account_roles::provider_key.eq(provider.as_str().to_owned())),
        Role::FocalPoint(country) => query
            .filter(account_roles::role.eq("focal-point"))
            .filter(account_roles::country.eq(country.as_str().to_owned())),
    };
    let ids: Vec<i64> = query.load(conn)?;
    ids.into_iter().map(|id| person_by_id(conn, id)).collect()
}

/// The focal points of a country, for notices.
pub fn focal_points_of(conn: &mut DbConnection, country: &str) -> StoreResult<Vec<Person>> {
    holders(conn, &Role::FocalPoint(Iso3::trusted(country)))
}

/// Makes an applicant the editor of the provider they applied for, once the
/// secretariat approves it.
pub fn make_editor(
    conn: &mut DbConnection,
    actor: &Actor,
    account: i64,
    provider: &RecordKey,
) -> StoreResult<Person> {
    write(conn, |conn| {
        let before = person_by_id(conn, account)?;
        grant(conn, account, &Role::Editor(provider.clone()))?;
        let after = person_by_id(conn, account)?;
        log(
            conn,
            actor,
            &before.email,
            AuditAction::Changed,
            Some((&before, &after)),
        )?;
        Ok(after)
    })
}

/// The enabled members of the secretariat: whom news for it concerns.
pub fn secretariat(conn: &mut DbConnection) -> StoreResult<Vec<Person>> {
    holders(conn, &Role::Secretariat)
}

/// Whether an account takes the weekly digest.
pub fn weekly_digest(conn: &mut DbConnection, account: i64) -> StoreResult<bool> {
    Ok(accounts::table
        .find(account)
        .select(accounts::weekly_digest)
        .first(conn)?)
}

/// Subscribes an account to the weekly digest, or stops it.
pub fn set_weekly_digest(conn: &mut DbConnection, account: i64, wanted: bool) -> StoreResult<()> {
    diesel::update(accounts::table.find(account))
        .set(accounts::weekly_digest.eq(wanted))
        .execute(conn)?;
    Ok(())
}

/// The subscribers whose last digest went out before `before` (or never),
/// with when it did.
pub fn digests_due(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> StoreResult<Vec<(Person, Option<NaiveDateTime>)>> {
    let rows: Vec<(i64, Option<NaiveDateTime>)> = accounts::table
        .filter(accounts::weekly_digest.eq(true))
        .filter(accounts::disabled.eq(false))
        .filter(
            accounts::digest_sent_at
                .is_null()
                .or(accounts::digest_sent_at.le(before)),
        )
        .order(accounts::id)
        .select((accounts::id, accounts::digest_sent_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, sent)| Ok((person_by_id(conn, id)?, sent)))
        .collect()
}

/// Notes that a digest went out; false when another instance sent it since
/// `before` (so each goes out once).
pub fn mark_digest_sent(
    conn: &mut DbConnection,
    account: i64,
    before: NaiveDateTime,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let updated = diesel::update(
        accounts::table.find(account).filter(
            accounts::digest_sent_at
                .is_null()
                .or(accounts::digest_sent_at.le(before)),
        ),
    )
    .set(accounts::digest_sent_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}
