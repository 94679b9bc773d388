//! Sessions: one row per signed-in browser, read by every instance.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::person;
use crate::db::schema::{accounts, sessions};
use crate::db::{DbConnection, StoreResult, now};
use crate::domain::access::Person;

/// A session as stored: whose, its CSRF token, and its times.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub person: Person,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
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
