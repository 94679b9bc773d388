//! Notifications: what the application tells a person, kept per account,
//! and the mail that carries the same news. Both are written inside the
//! transaction of the change they report, so a change is never told
//! without happening, nor happens untold.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::{self, Mail};
use super::schema::notifications;
use super::{DbConnection, Page, PageRequest, StoreResult, now};
use crate::domain::access::Person;

/// News for people: a line, a paragraph, and the page it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
    /// A path on this site, such as `/matches/gha-2026-1-coe-judges`.
    pub link: String,
}

/// Tells each person once (a person named twice hears once), in the
/// application and by mail; `site` makes the mail's link a full address.
pub fn tell(
    conn: &mut DbConnection,
    people: &[Person],
    notice: &Notice,
    site: &dyn Fn(&str) -> String,
) -> StoreResult<()> {
    let at = now();
    let mut told: Vec<i64> = Vec::with_capacity(people.len());
    for person in people {
        if told.contains(&person.account) {
            continue;
        }
        told.push(person.account);
        diesel::insert_into(notifications::table)
            .values((
                notifications::account_id.eq(person.account),
                notifications::created_at.eq(at),
                notifications::subject.eq(&notice.subject),
                notifications::body.eq(&notice.body),
                notifications::link.eq(&notice.link),
            ))
            .execute(conn)?;
        outbox::enqueue(
            conn,
            &Mail {
                recipient: person.email.to_string(),
                subject: notice.subject.clone(),
                body: format!(
                    "Hello {},\n\n{}\n\n{}\n\nYou receive this because of your role in capmatch. Your notifications: {}\n",
                    person.name,
                    notice.body,
                    site(&notice.link),
                    site("/notifications"),
                ),
            },
        )?;
    }
    Ok(())
}

/// One notification as its page lists it.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub read: bool,
}

/// A person's notifications, newest first.
pub fn list(
    conn: &mut DbConnection,
    account: i64,
    page: PageRequest,
) -> StoreResult<Page<Notification>> {
    let total: i64 = notifications::table
        .filter(notifications::account_id.eq(account))
        .count()
        .get_result(conn)?;
    let rows: Vec<(
        i64,
        NaiveDateTime,
        String,
        String,
        String,
        Option<NaiveDateTime>,
    )> = notifications::table
        .filter(notifications::account_id.eq(account))
        .order(notifications::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            notifications::id,
            notifications::created_at,
            notifications::subject,
            notifications::body,
            notifications::link,
            notifications::read_at,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(id, created_at, subject, body, link, read_at)| Notification {
                id,
                created_at,
                subject,
                body,
                link,
                read: read_at.is_some(),
            },
        )
        .collect();
    Ok(page.holding(items, total))
}

/// How many of a person's notifications are unread.
pub fn unread(conn: &mut DbConnection, account: i64) -> StoreResult<i64> {
    Ok(notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of a person's notifications read and returns its link; `None`
/// when the person has no such notification.
pub fn open(conn: &mut DbConnection, account: i64, id: i64) -> StoreResult<Option<String>> {
    let link: Option<String> = notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::id.eq(id))
        .select(notifications::link)
        .first(conn)
        .optional()?;
    if link.is_some() {
        mark_read(conn, account, Some(id))?;
    }
    Ok(link)
}

/// Marks one of a person's notifications read (`Some(id)`), or all of them.
/// Another person's notification is not found, so nothing changes.
pub fn mark_read(conn: &mut DbConnection, account: i64, id: Option<i64>) -> StoreResult<usize> {
    let mine = notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::read_at.is_null());
    Ok(match id {
        Some(id) => diesel::update(mine.filter(notifications::id.eq(id)))
            .set(notifications::read_at.eq(now()))
            .execute(conn)?,
        None => diesel::update(mine)
            .set(notifications::read_at.eq(now()))
            .execute(conn)?,
    })
}
