//! What the directory in memory reads: the whole catalogue once, then only
//! the providers and offerings that moved (see `directory::Changes`).

use std::collections::HashSet;

use diesel::prelude::*;

use super::models::{ProviderRow, stored_code};
use super::offerings::{Listed, assemble, listed_columns};
use super::schema::{offerings, providers, reviews};
use super::{DbConnection, StoreResult, providers as provider_queries};
use crate::directory::{Changes, Listing};
use crate::domain::audit::AuditedRecord;
use crate::domain::codes::RecordKey;

/// What moved after catalogue version `since`, or everything when `None`.
/// Every offering of a provider that moved comes with it: its listing, its
/// provider's name and kind move with the provider.
pub fn changes(conn: &mut DbConnection, since: Option<i64>) -> StoreResult<Changes> {
    let after = since.unwrap_or(-1);
    let provider_rows: Vec<ProviderRow> = providers::table
        .filter(providers::changed_in.gt(after))
        .select(ProviderRow::as_select())
        .load(conn)?;
    let moved: Vec<i64> = provider_rows.iter().map(|row| row.id).collect();
    let offering_rows: Vec<Listed> = match since {
        None => offerings::table
            .inner_join(providers::table)
            .select(listed_columns())
            .load(conn)?,
        Some(_) => offerings::table
            .inner_join(providers::table)
            .filter(
                offerings::changed_in
                    .gt(after)
                    .or(offerings::provider_id.eq_any(moved)),
            )
            .select(listed_columns())
            .load(conn)?,
    };
    let waiting = waiting_for_review(conn)?;
    // Listed in its own right: not archived, and not waiting for review.
    let listed = |kind: AuditedRecord, key: &RecordKey, archived: bool| {
        !archived && !waiting.contains(&(kind, key.to_string()))
    };
    let providers = provider_rows
        .into_iter()
        .map(provider_queries::to_domain)
        .map(|p| Listing {
            listed: listed(AuditedRecord::Provider, &p.key, p.archived),
            record: p,
        })
        .collect();
    let offerings = assemble(conn, offering_rows)?
        .into_iter()
        .map(|o| Listing {
            listed: listed(AuditedRecord::Offering, &o.key, o.archived),
            record: o,
        })
        .collect();
    Ok(Changes {
        providers,
        offerings,
    })
}

/// The records held for review, which nobody but their editors sees.
fn waiting_for_review(conn: &mut DbConnection) -> StoreResult<HashSet<(AuditedRecord, String)>> {
    let rows: Vec<(String, String)> = reviews::table
        .select((reviews::record_kind, reviews::record_key))
        .load(conn)?;
    rows.into_iter()
        .map(|(kind, key)| Ok((stored_code(&kind)?, key)))
        .collect()
}
