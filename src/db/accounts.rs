//! Accounts, their roles, sessions, API tokens, single-use links and failed
//! sign-ins. Secrets arrive here already hashed (`domain::secret`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit;
use super::outbox::Mail;
use super::schema::{
    account_links, account_roles, accounts, api_tokens, providers, sessions, sign_in_failures,
};
use super::{DbConnection, Page, PageRequest, StoreError, StoreResult, now, write};
use crate::domain::access::{EmailAddress, Person, Role};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::{Iso3, RecordKey};
use crate::domain::throttle::{self, Failures, Limits, Verdict};

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

/// A session as stored: whose, its CSRF token, and its times.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub person: Person,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// What a single-use link is for. Every kind sets the account's password
/// and signs its holder in; they differ in how long they last and in the
/// mail that carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The first password of an account made on the command line.
    SetPassword,
    /// An invitation to an account made from `/users`.
    Invitation,
    /// A forgotten password.
    Reset,
}

impl LinkPurpose {
    fn code(self) -> &'static str {
        match self {
            LinkPurpose::SetPassword => "set-password",
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }
}

/// Reset links asked for one account within this long are not sent again.
const RESET_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Why a link cannot be used. One answer for all of them on the page, so
/// the page does not tell a guessed token from a used one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefused {
    Unknown,
    Used,
    Expired,
    AccountDisabled,
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
        diesel::delete(sessions::table.filter(sessions::account_id.eq(account))).execute(conn)?;
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
    let others = sessions::table
        .filter(sessions::account_id.eq(account))
        .filter(sessions::id_hash.ne(keep_session.unwrap_or("")));
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

/// Starts a session for a signed-in account.
pub fn start_session(
    conn: &mut DbConnection,
    account: i64,
    id_hash: &str,
    csrf_token: &str,
) -> StoreResult<()> {
    let at = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::account_id.eq(account),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(at),
            sessions::last_seen_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session with this id hash, if it exists and its account is enabled.
pub fn session(conn: &mut DbConnection, id_hash: &str) -> StoreResult<Option<StoredSession>> {
    let found = sessions::table
        .inner_join(accounts::table)
        .filter(sessions::id_hash.eq(id_hash))
        .filter(accounts::disabled.eq(false))
        .select((
            accounts::id,
            accounts::email,
            accounts::name,
            sessions::csrf_token,
            sessions::created_at,
            sessions::last_seen_at,
        ))
        .first::<(i64, String, String, String, NaiveDateTime, NaiveDateTime)>(conn)
        .optional()?;
    let Some((account, email, name, csrf_token, created_at, last_seen_at)) = found else {
        return Ok(None);
    };
    Ok(Some(StoredSession {
        person: person(conn, account, email, name)?,
        csrf_token,
        created_at,
        last_seen_at,
    }))
}

/// Notes that a session was used now.
pub fn touch_session(conn: &mut DbConnection, id_hash: &str) -> StoreResult<()> {
    diesel::update(sessions::table.find(id_hash))
        .set(sessions::last_seen_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

pub fn end_session(conn: &mut DbConnection, id_hash: &str) -> StoreResult<()> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    Ok(())
}

/// Makes a single-use link for an account.
pub fn create_link(
    conn: &mut DbConnection,
    account: i64,
    token_hash: &str,
    purpose: LinkPurpose,
    expires_at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(account_links::table)
        .values((
            account_links::token_hash.eq(token_hash),
            account_links::account_id.eq(account),
            account_links::purpose.eq(purpose.code()),
            account_links::created_at.eq(now()),
            account_links::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whose link this is, while it can still be used.
pub fn link_holder(
    conn: &mut DbConnection,
    token_hash: &str,
) -> StoreResult<Result<Person, LinkRefused>> {
    let found = account_links::table
        .inner_join(accounts::table)
        .filter(account_links::token_hash.eq(token_hash))
        .select((
            accounts::id,
            accounts::email,
            accounts::name,
            accounts::disabled,
            account_links::expires_at,
            account_links::used_at,
        ))
        .first::<(
            i64,
            String,
            String,
            bool,
            NaiveDateTime,
            Option<NaiveDateTime>,
        )>(conn)
        .optional()?;
    let Some((account, email, name, disabled, expires_at, used_at)) = found else {
        return Ok(Err(LinkRefused::Unknown));
    };
    if used_at.is_some() {
        return Ok(Err(LinkRefused::Used));
    }
    if expires_at <= now() {
        return Ok(Err(LinkRefused::Expired));
    }
    if disabled {
        return Ok(Err(LinkRefused::AccountDisabled));
    }
    Ok(Ok(person(conn, account, email, name)?))
}

/// Uses a link to set the account's password, once: the check and the use
/// are one transaction, so two uses at once cannot both succeed.
pub fn redeem_link(
    conn: &mut DbConnection,
    token_hash: &str,
    password_hash: &str,
) -> StoreResult<Result<Person, LinkRefused>> {
    write(conn, |conn| {
        let holder = match link_holder(conn, token_hash)? {
            Ok(holder) => holder,
            Err(refused) => return Ok(Err(refused)),
        };
        diesel::update(account_links::table.find(token_hash))
            .set(account_links::used_at.eq(now()))
            .execute(conn)?;
        diesel::update(accounts::table.find(holder.account))
            .set(accounts::password_hash.eq(password_hash))
            .execute(conn)?;
        end_old_access(conn, holder.account, None)?;
        password_set(conn, &holder)?;
        Ok(Ok(holder))
    })
}

/// Makes a reset link for the enabled account with this address and queues
/// the mail `compose` writes for it, in one transaction; does nothing for an
/// address without such an account, or when a reset was asked for it
/// within the last few minutes (so a form cannot be used to flood someone).
pub fn request_reset(
    conn: &mut DbConnection,
    email: &EmailAddress,
    token_hash: &str,
    expires_at: NaiveDateTime,
    compose: impl FnOnce(&Person) -> Mail,
) -> StoreResult<bool> {
    write(conn, |conn| {
        let Some(credentials) = credentials(conn, email)? else {
            return Ok(false);
        };
        if credentials.disabled {
            return Ok(false);
        }
        let recent: i64 = account_links::table
            .filter(account_links::account_id.eq(credentials.account))
            .filter(account_links::purpose.eq(LinkPurpose::Reset.code()))
            .filter(account_links::created_at.gt(now() - RESET_EVERY))
            .count()
            .get_result(conn)?;
        if recent > 0 {
            return Ok(false);
        }
        create_link(
            conn,
            credentials.account,
            token_hash,
            LinkPurpose::Reset,
            expires_at,
        )?;
        let holder = person_by_id(conn, credentials.account)?;
        super::outbox::enqueue(conn, &compose(&holder))?;
        Ok(true)
    })
}

fn person_by_id(conn: &mut DbConnection, account: i64) -> StoreResult<Person> {
    let (email, name): (String, String) = accounts::table
        .find(account)
        .select((accounts::email, accounts::name))
        .first(conn)?;
    person(conn, account, email, name)
}

/// The failed sign-ins counted for each subject.
pub fn failures(conn: &mut DbConnection, subject: &str) -> StoreResult<Option<Failures>> {
    let row = sign_in_failures::table
        .find(subject)
        .select((
            sign_in_failures::failures,
            sign_in_failures::first_failed_at,
            sign_in_failures::locked_until,
        ))
        .first::<(i32, NaiveDateTime, Option<NaiveDateTime>)>(conn)
        .optional()?;
    Ok(row.map(|(count, first_at, locked_until)| Failures {
        count: u32::try_from(count).unwrap_or(0),
        first_at,
        locked_until,
    }))
}

/// Counts one more failed sign-in for a subject, as `limits` count them.
pub fn record_failure(
    conn: &mut DbConnection,
    subject: &str,
    limits: &Limits,
) -> StoreResult<Failures> {
    write(conn, |conn| {
        let before = failures(conn, subject)?;
        let after = limits.after_failure(before, now());
        let count = i32::try_from(after.count).unwrap_or(i32::MAX);
        if before.is_some() {
            diesel::update(sign_in_failures::table.find(subject))
                .set((
                    sign_in_failures::failures.eq(count),
                    sign_in_failures::first_failed_at.eq(after.first_at),
                    sign_in_failures::locked_until.eq(after.locked_until),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(sign_in_failures::table)
                .values((
                    sign_in_failures::subject.eq(subject),
                    sign_in_failures::failures.eq(count),
                    sign_in_failures::first_failed_at.eq(after.first_at),
                    sign_in_failures::locked_until.eq(after.locked_until),
                ))
                .execute(conn)?;
        }
        Ok(after)
    })
}

/// Counts a sign-in attempt as a failure before its password is checked,
/// for both subjects in one transaction, and returns the counts from
/// before it: attempts sent at once are counted one after another, so none
/// passes a lock the others reach. A good password then takes its count
/// back (`clear_failures`, `forgive_failure`).
pub fn count_attempt(
    conn: &mut DbConnection,
    subjects: &[(&str, &Limits)],
) -> StoreResult<Vec<Option<Failures>>> {
    write(conn, |conn| {
        let mut before = Vec::with_capacity(subjects.len());
        for (subject, limits) in subjects {
            let counted = failures(conn, subject)?;
            let locked = counted.is_some_and(|f| f.locked_until.is_some_and(|u| u > now()));
            if !locked {
                record_failure(conn, subject, limits)?;
            }
            before.push(counted);
        }
        Ok(before)
    })
}

/// Counts one more post of a form anyone may send (`throttle::PER_SENDER`)
/// for `subject`; when it has sent too many, the time it may send again.
pub fn count_sending(conn: &mut DbConnection, subject: &str) -> StoreResult<Option<NaiveDateTime>> {
    let before = count_attempt(conn, &[(subject, &throttle::PER_SENDER)])?;
    Ok(
        match throttle::PER_SENDER.verdict(before[0], chrono::Utc::now().naive_utc()) {
            Verdict::Locked(until) => Some(until),
            _ => None,
        },
    )
}

/// Takes back one counted failure of a subject, after a good sign-in.
pub fn forgive_failure(conn: &mut DbConnection, subject: &str) -> StoreResult<()> {
    diesel::update(sign_in_failures::table.find(subject))
        .set(sign_in_failures::failures.eq(sign_in_failures::failures - 1))
        .filter(sign_in_failures::failures.gt(0))
        .execute(conn)?;
    Ok(())
}

/// Forgets a subject's failures, after a good sign-in.
pub fn clear_failures(conn: &mut DbConnection, subject: &str) -> StoreResult<()> {
    diesel::delete(sign_in_failures::table.find(subject)).execute(conn)?;
    Ok(())
}

/// A personal API token as its owner's account page lists it.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// Keeps a new token's hash for a person.
pub fn create_token(
    conn: &mut DbConnection,
    person: &Person,
    name: &str,
    token_hash: &str,
) -> StoreResult<()> {
    write(conn, |conn| {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::account_id.eq(person.account),
                api_tokens::name.eq(name),
                api_tokens::token_hash.eq(token_hash),
                api_tokens::created_at.eq(now()),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            &Actor::person(person),
            AuditedRecord::Account,
            person.email.as_str(),
            AuditAction::TokenCreated,
            None::<&()>,
            Some(&serde_json::json!({ "token": name })),
        )
    })
}

/// A person's tokens in use, newest first.
pub fn tokens(conn: &mut DbConnection, account: i64) -> StoreResult<Vec<ApiToken>> {
    let rows: Vec<(i64, String, NaiveDateTime, Option<NaiveDateTime>)> = api_tokens::table
        .filter(api_tokens::account_id.eq(account))
        .filter(api_tokens::revoked_at.is_null())
        .order(api_tokens::id.desc())
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::created_at,
            api_tokens::last_used_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, created_at, last_used_at)| ApiToken {
            id,
            name,
            created_at,
            last_used_at,
        })
        .collect())
}

/// Revokes one of a person's tokens; `NotFound` when it is not theirs or
/// already revoked.
pub fn revoke_token(conn: &mut DbConnection, person: &Person, id: i64) -> StoreResult<()> {
    write(conn, |conn| {
        let revoked = diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(id))
                .filter(api_tokens::account_id.eq(person.account))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(now()))
        .execute(conn)?;
        if revoked == 0 {
            return Err(StoreError::NotFound);
        }
        log(
            conn,
            &Actor::person(person),
            &person.email,
            AuditAction::TokenRevoked,
            None,
        )
    })
}

/// The person a token in use belongs to, if the token is known, not
/// revoked and its account enabled; notes when it was used.
pub fn token_holder(conn: &mut DbConnection, token_hash: &str) -> StoreResult<Option<Person>> {
    let found = api_tokens::table
        .inner_join(accounts::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(accounts::disabled.eq(false))
        .select((
            api_tokens::id,
            accounts::id,
            accounts::email,
            accounts::name,
        ))
        .first::<(i64, i64, String, String)>(conn)
        .optional()?;
    let Some((token, account, email, name)) = found else {
        return Ok(None);
    };
    diesel::update(api_tokens::table.find(token))
        .set(api_tokens::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(Some(person(conn, account, email, name)?))
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
