//! Failed sign-ins and other throttled posts, counted per subject (an
//! address, a client) as `domain::throttle` says.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::sign_in_failures;
use crate::db::{DbConnection, StoreResult, now, write};
use crate::domain::throttle::{self, Failures, Limits, Verdict};

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
