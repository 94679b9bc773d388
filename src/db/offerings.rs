//! Offering queries. An offering's lists (themes, coverage, eligibility,
//! modalities, languages) live in `offering_facets`, one row per code.

use std::collections::HashMap;

use diesel::prelude::*;

use super::audit;
use super::models::{
    FacetRow, NewOfferingRow, OfferingColumns, OfferingFacet, OfferingRow, stored_code,
};
use super::schema::{offering_facets, offerings, providers};
use super::{DbConnection, MultiBackend, Page, PageRequest, StoreError, StoreResult, now};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::code_set::CodeSet;
use crate::domain::codes::{GroupCode, Iso3, LanguageCode, RecordKey, RegionCode, ThemeCode};
use crate::domain::offering::{Coverage, Eligibility, Offering, OfferingData};

fn facets_of(data: &OfferingData) -> Vec<(OfferingFacet, String)> {
    fn tag<T: ToString>(
        facet: OfferingFacet,
        codes: impl IntoIterator<Item = T>,
    ) -> impl Iterator<Item = (OfferingFacet, String)> {
        codes.into_iter().map(move |c| (facet, c.to_string()))
    }
    tag(OfferingFacet::Theme, &data.themes)
        .chain(tag(
            OfferingFacet::CoverageCountry,
            &data.coverage.countries,
        ))
        .chain(tag(OfferingFacet::CoverageRegion, &data.coverage.regions))
        .chain(tag(OfferingFacet::CoverageGroup, &data.coverage.groups))
        .chain(tag(OfferingFacet::EligibleGroup, &data.eligibility.groups))
        .chain(tag(
            OfferingFacet::EligibleIncome,
            &data.eligibility.income_levels,
        ))
        .chain(tag(OfferingFacet::Modality, &data.modalities))
        .chain(tag(OfferingFacet::Language, &data.languages))
        .collect()
}

/// Rebuilds an offering from its row, its provider and its facet rows.
fn to_domain(
    row: OfferingRow,
    provider_key: String,
    provider_name: String,
    facets: &[FacetRow],
) -> StoreResult<Offering> {
    let codes = |facet: OfferingFacet| {
        facets
            .iter()
            .filter(move |f| f.facet == facet)
            .map(|f| f.code.as_str())
    };
    fn set<T: Ord>(codes: impl Iterator<Item = T>) -> CodeSet<T> {
        codes.collect()
    }
    let columns = row.columns;
    Ok(Offering {
        id: row.id,
        key: RecordKey::trusted(row.key),
        provider_name,
        data: OfferingData {
            provider: RecordKey::trusted(provider_key),
            title: columns.title,
            description: columns.description,
            themes: set(codes(OfferingFacet::Theme).map(ThemeCode::trusted)),
            coverage: Coverage {
                global: columns.coverage_global,
                countries: set(codes(OfferingFacet::CoverageCountry).map(Iso3::trusted)),
                regions: set(codes(OfferingFacet::CoverageRegion).map(RegionCode::trusted)),
                groups: set(codes(OfferingFacet::CoverageGroup).map(GroupCode::trusted)),
            },
            eligibility: Eligibility {
                groups: set(codes(OfferingFacet::EligibleGroup).map(GroupCode::trusted)),
                income_levels: codes(OfferingFacet::EligibleIncome)
                    .map(stored_code)
                    .collect::<StoreResult<_>>()?,
            },
            modalities: codes(OfferingFacet::Modality)
                .map(stored_code)
                .collect::<StoreResult<_>>()?,
            languages: set(codes(OfferingFacet::Language).map(LanguageCode::trusted)),
            capacity: columns
                .capacity
                .map(|c| {
                    u32::try_from(c).map_err(|_| StoreError::Corrupt(format!("a capacity of {c}")))
                })
                .transpose()?,
            starts_on: columns.starts_on,
            ends_on: columns.ends_on,
            status: columns.status,
        },
        archived: row.archived,
        created_at: row.created_at,
        updated_at: columns.updated_at,
        version: row.version,
    })
}

pub(super) type Listed = (OfferingRow, String, String);

/// Loads the facets of `rows` in one query and assembles the offerings.
pub(super) fn assemble(conn: &mut DbConnection, rows: Vec<Listed>) -> StoreResult<Vec<Offering>> {
    let ids: Vec<i64> = rows.iter().map(|(row, _, _)| row.id).collect();
    let mut facets: HashMap<i64, Vec<FacetRow>> = HashMap::new();
    // Chunked: SQLite caps bound parameters per statement.
    for chunk in ids.chunks(10_000) {
        let loaded: Vec<FacetRow> = offering_facets::table
            .filter(offering_facets::offering_id.eq_any(chunk))
            .select(FacetRow::as_select())
            .load(conn)?;
        for row in loaded {
            facets.entry(row.offering_id).or_default().push(row);
        }
    }
    rows.into_iter()
        .map(|(row, key, name)| {
            let facets = facets.remove(&row.id).unwrap_or_default();
            to_domain(row, key, name, &facets)
        })
        .collect()
}

pub(super) fn listed_columns() -> (
    diesel::dsl::AsSelect<OfferingRow, MultiBackend>,
    providers::key,
    providers::name,
) {
    (OfferingRow::as_select(), providers::key, providers::name)
}

pub fn find(conn: &mut DbConnection, key: &str) -> StoreResult<Offering> {
    let row: Option<Listed> = offerings::table
        .inner_join(providers::table)
        .filter(offerings::key.eq(key))
        .select(listed_columns())
        .first(conn)
        .optional()?;
    let row = row.ok_or(StoreError::NotFound)?;
    Ok(assemble(conn, vec![row])?.remove(0))
}

pub fn key_exists(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        offerings::table.filter(offerings::key.eq(key)),
    ))
    .get_result(conn)
}

fn provider_id(conn: &mut DbConnection, key: &RecordKey) -> StoreResult<i64> {
    providers::table
        .filter(providers::key.eq(key.as_str()))
        .select(providers::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::UnknownProvider(key.to_string()))
}

fn changes(data: &OfferingData, provider_id: i64) -> StoreResult<OfferingColumns> {
    // Parsing bounds a capacity far below the column's limit.
    let capacity = data
        .capacity
        .map(|c| i32::try_from(c).map_err(|_| StoreError::Corrupt(format!("a capacity of {c}"))))
        .transpose()?;
    Ok(OfferingColumns {
        provider_id,
        title: data.title.clone(),
        description: data.description.clone(),
        coverage_global: data.coverage.global,
        capacity,
        starts_on: data.starts_on,
        ends_on: data.ends_on,
        status: data.status,
        updated_at: now(),
    })
}

/// Every write to an offering replaces its facets, so this is where the
/// catalogue's version moves.
fn replace_facets(
    conn: &mut DbConnection,
    offering: (i64, &str),
    data: &OfferingData,
) -> QueryResult<()> {
    let (offering_id, key) = offering;
    super::catalogue_changed(conn, super::Touched::Offering(key))?;
    diesel::delete(offering_facets::table.filter(offering_facets::offering_id.eq(offering_id)))
        .execute(conn)?;
    let rows: Vec<FacetRow> = facets_of(data)
        .into_iter()
        .map(|(facet, code)| FacetRow {
            offering_id,
            facet,
            code,
        })
        .collect();
    // In one statement, which an import of thousands feels.
    super::insert_rows!(conn, offering_facets::table, &rows[..])?;
    Ok(())
}

fn insert(
    conn: &mut DbConnection,
    key: &RecordKey,
    data: &OfferingData,
    archived: bool,
) -> StoreResult<i64> {
    let provider_id = provider_id(conn, &data.provider)?;
    let row = NewOfferingRow {
        key: key.as_str(),
        columns: changes(data, provider_id)?,
        archived,
        created_at: now(),
    };
    let id = diesel::insert_into(offerings::table)
        .values(&row)
        .returning(offerings::id)
        .get_result(conn)?;
    replace_facets(conn, (id, key.as_str()), data)?;
    Ok(id)
}

/// Creates an offering under `key`, or under a key derived from its title.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    key: Option<RecordKey>,
    data: &OfferingData,
) -> StoreResult<Offering> {
    super::write(conn, |conn| {
        let name = || format!("{} {}", data.provider, data.title);
        let key = super::keys::new_key(conn, key, key_exists, name, keys_from!(offerings))?;
        insert(conn, &key, data, false)?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Offering,
            key.as_str(),
            AuditAction::Created,
            None::<&OfferingData>,
            Some(data),
        )?;
        find(conn, key.as_str())
    })
}

/// Saves an offering's form over `base`, the version the editor opened;
/// when someone saved in between nothing is written and the caller learns
/// the version now current.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    data: &OfferingData,
    base: i32,
) -> StoreResult<Offering> {
    super::write(conn, |conn| {
        let provider_id = provider_id(conn, &data.provider)?;
        let (id, version): (i64, i32) = offerings::table
            .filter(offerings::key.eq(key))
            .select((offerings::id, offerings::version))
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        // Writes take turns (`super::write`), so the version read is current.
        if version != base {
            return Err(StoreError::Conflict { latest: version });
        }
        let before = find(conn, key)?;
        diesel::update(offerings::table.find(id))
            .set((
                &changes(data, provider_id)?,
                offerings::version.eq(offerings::version + 1),
            ))
            .execute(conn)?;
        replace_facets(conn, (id, key), data)?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Offering,
            key,
            AuditAction::Changed,
            Some(&before.data),
            Some(data),
        )?;
        find(conn, key)
    })
}

/// Archiving takes an offering out of listings and matching without deleting it.
pub fn set_archived(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    archived: bool,
) -> StoreResult<()> {
    set_archived!(
        offerings,
        AuditedRecord::Offering,
        super::Touched::Offering,
        conn,
        actor,
        key,
        archived
    )
}

/// Creates or updates an offering by key, as an import does. Returns whether it was new.
pub fn upsert(
    conn: &mut DbConnection,
    key: &RecordKey,
    data: &OfferingData,
    archived: bool,
) -> StoreResult<bool> {
    let existing: Option<i64> = offerings::table
        .filter(offerings::key.eq(key.as_str()))
        .select(offerings::id)
        .first(conn)
        .optional()?;
    match existing {
        Some(id) => {
            let provider_id = provider_id(conn, &data.provider)?;
            diesel::update(offerings::table.find(id))
                .set((
                    &changes(data, provider_id)?,
                    offerings::archived.eq(archived),
                    offerings::version.eq(offerings::version + 1),
                ))
                .execute(conn)?;
            replace_facets(conn, (id, key.as_str()), data)?;
            Ok(false)
        }
        None => {
            insert(conn, key, data, archived)?;
            Ok(true)
        }
    }
}

/// One page of a provider's offerings for its profile page, archived ones
/// last, by title.
pub fn of_provider(
    conn: &mut DbConnection,
    provider_id: i64,
    published_only: bool,
    page: PageRequest,
) -> StoreResult<Page<Offering>> {
    let mut counted = offerings::table
        .filter(offerings::provider_id.eq(provider_id))
        .into_boxed();
    let mut listed = offerings::table
        .inner_join(providers::table)
        .filter(offerings::provider_id.eq(provider_id))
        .into_boxed();
    if published_only {
        counted = counted.filter(published!(offerings, "offering"));
        listed = listed.filter(published!(offerings, "offering"));
    }
    let total = counted.count().get_result(conn)?;
    let rows: Vec<Listed> = listed
        .order((offerings::archived, offerings::title, offerings::key))
        .limit(page.per_page)
        .offset(page.offset())
        .select(listed_columns())
        .load(conn)?;
    let items = assemble(conn, rows)?;
    Ok(page.holding(items, total))
}

/// Every offering, archived ones too, by key: what an export writes.
pub fn all(conn: &mut DbConnection) -> StoreResult<Vec<Offering>> {
    let rows: Vec<Listed> = offerings::table
        .inner_join(providers::table)
        .order(offerings::key)
        .select(listed_columns())
        .load(conn)?;
    assemble(conn, rows)
}
