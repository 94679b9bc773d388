//! Review before publishing: the providers and offerings waiting for the
//! secretariat. A record with no row here is published.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit;
use super::schema::{offerings, providers, reviews};
use super::{DbConnection, StoreError, StoreResult, now, write};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord, ReviewState};

/// A record waiting for review, or returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub record: AuditedRecord,
    pub key: String,
    pub state: ReviewState,
    pub comment: Option<String>,
    pub applicant: Option<i64>,
    pub updated_at: NaiveDateTime,
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    NaiveDateTime,
);

fn review(row: Row) -> StoreResult<Review> {
    let (record, key, state, comment, applicant, updated_at) = row;
    let corrupt = |e: crate::domain::vocab::UnknownCode| StoreError::Corrupt(e.to_string());
    Ok(Review {
        record: record.parse().map_err(corrupt)?,
        key,
        state: state.parse().map_err(corrupt)?,
        comment,
        applicant,
        updated_at,
    })
}

const COLUMNS: (
    reviews::record_kind,
    reviews::record_key,
    reviews::state,
    reviews::comment,
    reviews::applicant_account,
    reviews::updated_at,
) = (
    reviews::record_kind,
    reviews::record_key,
    reviews::state,
    reviews::comment,
    reviews::applicant_account,
    reviews::updated_at,
);

/// Holds a record for review; call it in the transaction that makes it.
pub fn hold(
    conn: &mut DbConnection,
    record: AuditedRecord,
    key: &str,
    applicant: Option<i64>,
) -> StoreResult<()> {
    diesel::insert_into(reviews::table)
        .values((
            reviews::record_kind.eq(record.code()),
            reviews::record_key.eq(key),
            reviews::state.eq(ReviewState::Pending.code()),
            reviews::applicant_account.eq(applicant),
            reviews::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if let Some(touched) = super::Touched::reviewed(record, key) {
        super::catalogue_changed(conn, touched)?;
    }
    Ok(())
}

/// Where a record stands; `None` when it is published.
pub fn state(
    conn: &mut DbConnection,
    record: AuditedRecord,
    key: &str,
) -> StoreResult<Option<Review>> {
    reviews::table
        .find((record.code(), key))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(review)
        .transpose()
}

/// A returned record its editors changed goes back to the secretariat.
pub fn resubmit(conn: &mut DbConnection, record: AuditedRecord, key: &str) -> StoreResult<()> {
    diesel::update(reviews::table.find((record.code(), key)))
        .set((
            reviews::state.eq(ReviewState::Pending.code()),
            reviews::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every record waiting, oldest first.
pub fn waiting(conn: &mut DbConnection) -> StoreResult<Vec<Review>> {
    let rows: Vec<Row> = reviews::table
        .order((
            reviews::updated_at,
            reviews::record_kind,
            reviews::record_key,
        ))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(review).collect()
}

/// How many records wait for the secretariat (returned ones wait for their
/// editors instead).
pub fn pending_count(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(reviews::table
        .filter(reviews::state.eq(ReviewState::Pending.code()))
        .count()
        .get_result(conn)?)
}

/// The records of `keys` (the providers themselves and their
/// offerings) waiting for review or returned, oldest first: an editor's
/// share of [`waiting`].
pub fn of_providers(conn: &mut DbConnection, keys: &[String]) -> StoreResult<Vec<Review>> {
    let offerings_of_them = offerings::table
        .inner_join(providers::table)
        .filter(providers::key.eq_any(keys))
        .select(offerings::key);
    let rows: Vec<Row> = reviews::table
        .filter(
            reviews::record_kind
                .eq(AuditedRecord::Provider.code())
                .and(reviews::record_key.eq_any(keys))
                .or(reviews::record_kind
                    .eq(AuditedRecord::Offering.code())
                    .and(reviews::record_key.eq_any(offerings_of_them))),
        )
        .order((reviews::updated_at, reviews::record_key))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(review).collect()
}

/// Publishes a waiting record; returns its review (with the applicant, to
/// be made the provider's editor). `NotFound` when it is not waiting.
pub fn approve(
    conn: &mut DbConnection,
    actor: &Actor,
    record: AuditedRecord,
    key: &str,
) -> StoreResult<Review> {
    write(conn, |conn| {
        let found = state(conn, record, key)?.ok_or(StoreError::NotFound)?;
        diesel::delete(reviews::table.find((record.code(), key))).execute(conn)?;
        if let Some(touched) = super::Touched::reviewed(record, key) {
            super::catalogue_changed(conn, touched)?;
        }
        audit::append(
            conn,
            actor,
            record,
            key,
            AuditAction::Approved,
            None::<&()>,
            None::<&()>,
        )?;
        Ok(found)
    })
}

/// Returns a waiting record to its editors with a comment.
pub fn return_for_changes(
    conn: &mut DbConnection,
    actor: &Actor,
    record: AuditedRecord,
    key: &str,
    comment: &str,
) -> StoreResult<Review> {
    write(conn, |conn| {
        let found = state(conn, record, key)?.ok_or(StoreError::NotFound)?;
        diesel::update(reviews::table.find((record.code(), key)))
            .set((
                reviews::state.eq(ReviewState::Returned.code()),
                reviews::comment.eq(comment),
                reviews::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let logged = serde_json::json!({ "comment": comment });
        audit::append(
            conn,
            actor,
            record,
            key,
            AuditAction::Returned,
            None::<&()>,
            Some(&logged),
        )?;
        Ok(found)
    })
}
