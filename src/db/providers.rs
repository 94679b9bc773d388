//! Provider queries.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::audit;
use super::models::{NewProviderRow, ProviderColumns, ProviderRow};
use super::offerings;
use super::schema::{offerings as offering_table, providers};
use super::{
    DbConnection, MultiBackend, Page, PageRequest, StoreError, StoreResult, contains_pattern, now,
};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::catalogue::CatalogueFilter;
use crate::domain::codes::{Iso3, RecordKey};
use crate::domain::order::ListOrder;
use crate::domain::provider::{Provider, ProviderData};

/// A provider in a list, with how many of its offerings are listed.
#[derive(Debug, Clone)]
pub struct ProviderSummary {
    pub provider: Provider,
    pub offering_count: i64,
}

fn to_domain(row: ProviderRow) -> Provider {
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
        search_name: data.name.to_lowercase(),
        search_text: format!("{}\n{}", data.name, data.description).to_lowercase(),
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
    super::catalogue_changed(conn)?;
    diesel::insert_into(providers::table)
        .values(&row)
        .returning(providers::id)
        .get_result(conn)
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
        super::catalogue_changed(conn)?;
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
    super::catalogue_changed(conn)?;
    let updated = diesel::update(providers::table.filter(providers::key.eq(key.as_str())))
        .set((
            &changes(data),
            providers::archived.eq(archived),
            providers::version.eq(providers::version + 1),
        ))
        .execute(conn)?;
    if updated > 0 {
        return Ok(false);
    }
    insert(conn, key, data, archived)?;
    Ok(true)
}

/// Providers the filter selects. Offering-level conditions pick the providers
/// with a listed offering that meets them: `with_offerings` holds their ids,
/// read first because the multi-backend connection cannot nest a boxed query.
fn filtered<'a>(
    filter: &'a CatalogueFilter,
    with_offerings: Option<Vec<i64>>,
) -> providers::BoxedQuery<'a, MultiBackend> {
    let mut query = providers::table
        .filter(providers::archived.eq(false))
        .filter(published!(providers, "provider"))
        .into_boxed();
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(text);
        query = query.filter(providers::search_text.like(pattern).escape('\\'));
    }
    if let Some(kind) = filter.provider_kind {
        query = query.filter(providers::kind.eq(kind));
    }
    if let Some(ids) = with_offerings {
        query = query.filter(providers::id.eq_any(ids));
    }
    query
}

/// The ids of the providers with a listed offering that meets the filter's
/// offering-level conditions, or `None` when it sets none.
fn with_offerings(
    conn: &mut DbConnection,
    filter: &CatalogueFilter,
) -> QueryResult<Option<Vec<i64>>> {
    if !filter.constrains_offerings() {
        return Ok(None);
    }
    let offering_filter = CatalogueFilter {
        text: None,
        provider_kind: None,
        ..filter.clone()
    };
    offerings::filtered(offering_filter)
        .select(offering_table::provider_id)
        .distinct()
        .load(conn)
        .map(Some)
}

/// How many providers the filter selects.
pub fn count(conn: &mut DbConnection, filter: &CatalogueFilter) -> QueryResult<i64> {
    let with_offerings = with_offerings(conn, filter)?;
    filtered(filter, with_offerings).count().get_result(conn)
}

/// One page of the providers the filter selects, in its order.
pub fn search(
    conn: &mut DbConnection,
    filter: &CatalogueFilter,
    page: PageRequest,
) -> QueryResult<Page<ProviderSummary>> {
    let with_offerings = with_offerings(conn, filter)?;
    let total = filtered(filter, with_offerings.clone())
        .count()
        .get_result(conn)?;
    let ordered = match filter.order {
        ListOrder::Name => {
            filtered(filter, with_offerings).order((providers::name, providers::key))
        }
        ListOrder::Updated => {
            filtered(filter, with_offerings).order((providers::updated_at.desc(), providers::key))
        }
    };
    let rows: Vec<ProviderRow> = ordered
        .limit(page.per_page)
        .offset(page.offset())
        .select(ProviderRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts: HashMap<i64, i64> = offering_table::table
        .filter(offering_table::provider_id.eq_any(&ids))
        .filter(offering_table::archived.eq(false))
        .filter(published!(offering_table, "offering"))
        .group_by(offering_table::provider_id)
        .select((offering_table::provider_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let items = rows
        .into_iter()
        .map(|row| ProviderSummary {
            offering_count: counts.get(&row.id).copied().unwrap_or(0),
            provider: to_domain(row),
        })
        .collect();
    Ok(page.holding(items, total))
}

/// Every provider, archived ones too, by key: what an export writes.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Provider>> {
    let rows = providers::table
        .order(providers::key)
        .select(ProviderRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(to_domain).collect())
}

/// Keys and names of the listed providers, by name: the offering form's choices.
pub fn names(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    providers::table
        .filter(providers::archived.eq(false))
        .filter(published!(providers, "provider"))
        .order((providers::name, providers::key))
        .select((providers::key, providers::name))
        .load(conn)
}
