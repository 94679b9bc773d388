//! The audit log: appended to inside the transaction of every write, read
//! by the secretariat. Nothing here updates or deletes an entry (and the
//! database refuses to).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::audit_events;
use super::{DbConnection, MultiBackend, Page, PageRequest, StoreResult, now};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};

/// One entry as the log's page shows it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub record: AuditedRecord,
    pub key: String,
    pub action: AuditAction,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The record as it is kept in the log.
fn snapshot(value: Option<&impl Serialize>) -> StoreResult<Option<String>> {
    value.map(serde_json::to_string).transpose().map_err(|e| {
        super::StoreError::Corrupt(format!("a record could not be written as JSON: {e}"))
    })
}

/// Appends an entry: `before` and `after` are the record's data around the
/// change (none for a change that is its own description, such as
/// archiving).
pub fn append(
    conn: &mut DbConnection,
    actor: &Actor,
    record: AuditedRecord,
    key: &str,
    action: AuditAction,
    before: Option<&impl Serialize>,
    after: Option<&impl Serialize>,
) -> StoreResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::at.eq(now()),
            audit_events::account_id.eq(actor.account),
            audit_events::actor.eq(&actor.name),
            audit_events::record_kind.eq(record.code()),
            audit_events::record_key.eq(key),
            audit_events::action.eq(action.code()),
            audit_events::before.eq(snapshot(before)?),
            audit_events::after.eq(snapshot(after)?),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub record: Option<AuditedRecord>,
    pub key: Option<String>,
    /// Part of the actor's name or address.
    pub actor: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

type Row = (
    i64,
    NaiveDateTime,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn filtered(filter: &AuditFilter) -> audit_events::BoxedQuery<'static, MultiBackend> {
    let mut query = audit_events::table.into_boxed();
    if let Some(record) = filter.record {
        query = query.filter(audit_events::record_kind.eq(record.code()));
    }
    if let Some(key) = &filter.key {
        query = query.filter(audit_events::record_key.eq(key.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_events::actor.like(super::contains_pattern(actor)));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::at.lt(until));
    }
    query
}

fn entry(row: Row) -> StoreResult<AuditEntry> {
    let (id, at, actor, record, key, action, before, after) = row;
    let json = |text: Option<String>| -> StoreResult<Option<serde_json::Value>> {
        text.map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| super::StoreError::Corrupt(format!("audit entry {id}: {e}")))
    };
    Ok(AuditEntry {
        id,
        at,
        actor,
        record: record
            .parse()
            .map_err(|e| super::StoreError::Corrupt(format!("{e}")))?,
        key,
        action: action
            .parse()
            .map_err(|e| super::StoreError::Corrupt(format!("{e}")))?,
        before: json(before)?,
        after: json(after)?,
    })
}

/// A page of entries, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: PageRequest,
) -> StoreResult<Page<AuditEntry>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let rows: Vec<Row> = filtered(filter)
        .order(audit_events::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            audit_events::id,
            audit_events::at,
            audit_events::actor,
            audit_events::record_kind,
            audit_events::record_key,
            audit_events::action,
            audit_events::before,
            audit_events::after,
        ))
        .load(conn)?;
    let items = rows.into_iter().map(entry).collect::<StoreResult<_>>()?;
    Ok(page.holding(items, total))
}
