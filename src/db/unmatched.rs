//! The secretariat's list of needs nobody has proposed or offered anything
//! for within 30 days of their submission. The scheduler adds to it; a need
//! leaves the list as soon as a match of it exists or it is no longer open.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assessment_revisions, assessments, matches, needs, unmatched_needs};
use super::{DbConnection, StoreResult};
use crate::domain::AssessmentStatus;

/// When each need of a submitted assessment was first submitted, by
/// (assessment key, need key).
pub fn first_submitted(
    conn: &mut DbConnection,
) -> StoreResult<HashMap<(String, String), NaiveDateTime>> {
    // Earliest kept in Rust: diesel groups by one table's columns only.
    let rows: Vec<(String, String, NaiveDateTime)> = needs::table
        .inner_join(assessment_revisions::table.inner_join(assessments::table))
        .filter(assessment_revisions::status.eq(AssessmentStatus::Submitted))
        .select((
            assessments::key,
            needs::key,
            assessment_revisions::created_at,
        ))
        .load(conn)?;
    let mut first: HashMap<(String, String), NaiveDateTime> = HashMap::new();
    for (assessment, need, at) in rows {
        first
            .entry((assessment, need))
            .and_modify(|seen| *seen = (*seen).min(at))
            .or_insert(at);
    }
    Ok(first)
}

/// Lists a need; false when it already was.
pub fn list(
    conn: &mut DbConnection,
    assessment: &str,
    need: &str,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let id: i64 = assessments::table
        .filter(assessments::key.eq(assessment))
        .select(assessments::id)
        .first(conn)?;
    let listed: bool = diesel::select(diesel::dsl::exists(
        unmatched_needs::table
            .filter(unmatched_needs::assessment_id.eq(id))
            .filter(unmatched_needs::need_key.eq(need)),
    ))
    .get_result(conn)?;
    if listed {
        return Ok(false);
    }
    diesel::insert_into(unmatched_needs::table)
        .values((
            unmatched_needs::assessment_id.eq(id),
            unmatched_needs::need_key.eq(need),
            unmatched_needs::listed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A listed need: its assessment, key and country, and when it was listed.
#[derive(Debug, Clone)]
pub struct Unmatched {
    pub assessment: String,
    pub need: String,
    pub country: String,
    pub listed_at: NaiveDateTime,
}

/// The listed needs that still have no match, oldest first. Whether each
/// is still open is the caller's to check against the open needs.
pub fn still_unmatched(conn: &mut DbConnection) -> StoreResult<Vec<Unmatched>> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = unmatched_needs::table
        .inner_join(assessments::table)
        .filter(diesel::dsl::not(diesel::dsl::exists(
            matches::table
                .filter(matches::assessment_id.eq(unmatched_needs::assessment_id))
                .filter(matches::need_key.eq(unmatched_needs::need_key)),
        )))
        .order((
            unmatched_needs::listed_at,
            assessments::key,
            unmatched_needs::need_key,
        ))
        .select((
            assessments::key,
            unmatched_needs::need_key,
            assessments::country,
            unmatched_needs::listed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(assessment, need, country, listed_at)| Unmatched {
            assessment,
            need,
            country,
            listed_at,
        })
        .collect())
}
