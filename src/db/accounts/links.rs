//! Single-use links that set an account's password: the first one, an
//! invitation's, or a reset's.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{credentials, end_old_access, password_set, person, person_by_id};
use crate::db::outbox::Mail;
use crate::db::schema::{account_links, accounts};
use crate::db::{DbConnection, StoreResult, now, write};
use crate::domain::access::{EmailAddress, Person};

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
        crate::db::outbox::enqueue(conn, &compose(&holder))?;
        Ok(true)
    })
}
