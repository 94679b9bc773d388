//! The outbox: mail written with the change that causes it, and claimed by
//! one delivering instance at a time.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::schema::outbox;
use super::{DbConnection, StoreResult, now, write};

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// A message claimed for delivery.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub mail: Mail,
    pub attempts: i32,
}

/// How long a claim holds: a worker that dies mid-delivery lets another
/// take the message after this.
const CLAIM: TimeDelta = TimeDelta::minutes(2);
/// Attempts before a message is left undelivered, with its last error.
pub const MAX_ATTEMPTS: i32 = 12;

/// Queues a message; call it inside the transaction of the change.
pub fn enqueue(conn: &mut DbConnection, mail: &Mail) -> StoreResult<()> {
    let at = now();
    diesel::insert_into(outbox::table)
        .values((
            outbox::created_at.eq(at),
            outbox::recipient.eq(&mail.recipient),
            outbox::subject.eq(&mail.subject),
            outbox::body.eq(&mail.body),
            outbox::next_attempt_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` messages that are due and not claimed by anyone.
/// Writes take turns across instances (`db::write`), so two instances
/// never claim the same message.
pub fn claim(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<Claimed>> {
    write(conn, |conn| {
        let at = now();
        let due: Vec<(i64, String, String, String, i32)> = outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::attempts.lt(MAX_ATTEMPTS))
            .filter(outbox::next_attempt_at.le(at))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.lt(at)),
            )
            .order(outbox::id)
            .limit(limit)
            .select((
                outbox::id,
                outbox::recipient,
                outbox::subject,
                outbox::body,
                outbox::attempts,
            ))
            .load(conn)?;
        let ids: Vec<i64> = due.iter().map(|d| d.0).collect();
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set(outbox::claimed_until.eq(at + CLAIM))
            .execute(conn)?;
        Ok(due
            .into_iter()
            .map(|(id, recipient, subject, body, attempts)| Claimed {
                id,
                mail: Mail {
                    recipient,
                    subject,
                    body,
                },
                attempts,
            })
            .collect())
    })
}

/// Marks a message delivered and forgets its body.
pub fn delivered(conn: &mut DbConnection, id: i64) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(now()),
            outbox::body.eq(""),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Notes a failed attempt; the next waits twice as long as the last (one
/// minute, two, four … at most six hours).
pub fn failed(conn: &mut DbConnection, claimed: &Claimed, error: &str) -> StoreResult<()> {
    let attempts = claimed.attempts + 1;
    let wait = TimeDelta::minutes(1 << attempts.clamp(0, 9)).min(TimeDelta::hours(6));
    diesel::update(outbox::table.find(claimed.id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(now() + wait),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    // A message given up on keeps no link that could still be followed.
    if attempts >= MAX_ATTEMPTS {
        diesel::update(outbox::table.find(claimed.id))
            .set(outbox::body.eq(""))
            .execute(conn)?;
    }
    Ok(())
}

/// Messages not yet delivered, for the health of the service and tests.
pub fn waiting(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(outbox::table
        .filter(outbox::sent_at.is_null())
        .count()
        .get_result(conn)?)
}
