//! Provider queries.

use diesel::prelude::*;

use super::audit;
use super::models::{NewProviderRow, ProviderColumns, ProviderRow};
use super::schema::providers;
use super::{DbConnection, StoreError, StoreResult, now};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::{Iso3, RecordKey};
use crate::domain::provider::{Provider, ProviderData};

pub(super) fn to_domain(row: ProviderRow) -> Provider {
    let columns = row.columns;
    Provider {
        id: row.id,
        key: RecordKey::trusted(row.key),
        data: ProviderData {
            name: columns.name,
            kind: columns.kind,
            hq_country: columns.hq_country.map(Iso3::trusted),
            website: columns.website,
            email: columns.email,
            description: columns.description,
        },
        archived: row.archived,
        created_at: row.created_at,
        updated_at: columns.updated_at,
        version: row.version,
    }
}

fn changes(data: &ProviderData) -> ProviderColumns {
    ProviderColumns {
        name: data.name.clone(),
        kind: data.kind,
        hq_country: data.hq_country.as_ref().map(ToString::to_string),
        website: data.website.clone(),
        email: data.email.clone(),
        description: data.description.clone(),
        updated_at: now(),
    }
}

pub fn find(conn: &mut DbConnection, key: &str) -> StoreResult<Provider> {
    providers::table
        .filter(providers::key.eq(key))
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()?
        .map(to_domain)
        .ok_or(StoreError::NotFound)
}

pub fn key_exists(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        providers::table.filter(providers::key.eq(key)),
    ))
    .get_result(conn)
}

/// Creates a provider under `key`, or under a key derived from its name.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    key: Option<RecordKey>,
    data: &ProviderData,
) -> StoreResult<Provider> {
    super::write(conn, |conn| {
        let name = || data.name.clone();
        let key = super::keys::new_key(conn, key, key_exists, name, keys_from!(providers))?;
        insert(conn, &key, data, false)?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Provider,
            key.as_str(),
            AuditAction::Created,
            None::<&ProviderData>,
            Some(data),
        )?;
        find(conn, key.as_str())
    })
}

pub(super) fn insert(
    conn: &mut DbConnection,
    key: &RecordKey,
    data: &ProviderData,
    archived: bool,
) -> QueryResult<i64> {
    let created_at = now();
    let row = NewProviderRow {
        key: key.as_str(),
        columns: changes(data),
        archived,
        created_at,
    };
    let id = diesel::insert_into(providers::table)
        .values(&row)
        .returning(providers::id)
        .get_result(conn)?;
    super::catalogue_changed(conn, super::Touched::Provider(key.as_str()))?;
    Ok(id)
}

/// Saves a provider's form over `base`, the version the editor opened;
/// when someone saved in between nothing is written and the caller learns
/// the version now current.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    data: &ProviderData,
    base: i32,
) -> StoreResult<Provider> {
    super::write(conn, |conn| {
        let before = find(conn, key)?;
        let updated = diesel::update(
            providers::table
                .filter(providers::key.eq(key))
                .filter(providers::version.eq(base)),
        )
        .set((
            &changes(data),
            providers::version.eq(providers::version + 1),
        ))
        .execute(conn)?;
        if updated == 0 {
            let current = find(conn, key)?;
            return Err(StoreError::Conflict {
                latest: current.version,
            });
        }
        super::catalogue_changed(conn, super::Touched::Provider(key))?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Provider,
            key,
            AuditAction::Changed,
            Some(&before.data),
            Some(data),
        )?;
        find(conn, key)
    })
}

/// Archiving takes a provider out of listings without deleting anything.
pub fn set_archived(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    archived: bool,
) -> StoreResult<()> {
    set_archived!(
        providers,
        AuditedRecord::Provider,
        super::Touched::Provider,
        conn,
        actor,
        key,
        archived
    )
}

/// Creates or updates a provider by key, as an import does. Returns whether it was new.
pub fn upsert(
    conn: &mut DbConnection,
    key: &RecordKey,
    data: &ProviderData,
    archived: bool,
) -> QueryResult<bool> {
    let updated = diesel::update(providers::table.filter(providers::key.eq(key.as_str())))
        .set((
            &changes(data),
            providers::archived.eq(archived),
            providers::version.eq(providers::version + 1),
        ))
        .execute(conn)?;
    if updated > 0 {
        super::catalogue_changed(conn, super::Touched::Provider(key.as_str()))?;
        return Ok(false);
    }
    insert(conn, key, data, archived)?;
    Ok(true)
}

/// Every provider, archived ones too, by key: what an export writes.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Provider>> {
    let rows = providers::table
        .order(providers::key)
        .select(ProviderRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(to_domain).collect())
}
