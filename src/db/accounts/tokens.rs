//! Personal API tokens: kept hashed, listed to their owner, revoked by
//! them or with the account's old access.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{log, person};
use crate::db::audit;
use crate::db::schema::{accounts, api_tokens};
use crate::db::{DbConnection, StoreError, StoreResult, now, write};
use crate::domain::access::Person;
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};

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
