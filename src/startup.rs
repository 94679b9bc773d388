//! Opening a database for use: migrations, reference data, demo data.

use std::sync::{Arc, RwLock};

use anyhow::Context;

use crate::db::{self, DatabaseUrl, DbConnection, Pool};
use crate::domain::ReferenceData;
use crate::matching::Catalogue;
use crate::{demo, interchange, reference_data};

/// A migrated database with its reference data in memory.
#[derive(Clone)]
pub struct Storage {
    pub pool: Pool,
    pub reference: Arc<ReferenceData>,
    pub catalogue: Arc<CatalogueCache>,
}

/// The matching engine's catalogue, kept in memory and rebuilt when the
/// database's catalogue version moves, so every instance serves what the
/// database holds without reloading it on every request.
#[derive(Default)]
pub struct CatalogueCache {
    cached: RwLock<Option<(i64, Arc<Catalogue>)>>,
}

impl CatalogueCache {
    pub fn current(&self, conn: &mut DbConnection) -> db::StoreResult<Arc<Catalogue>> {
        let version = db::catalogue_version(conn)?;
        if let Ok(cached) = self.cached.read() {
            if let Some((_, catalogue)) =
                cached.as_ref().filter(|(built_at, _)| *built_at == version)
            {
                return Ok(catalogue.clone());
            }
        }
        // Read after the version: a change in between only makes the next
        // request rebuild again, never serve something older.
        let catalogue = Arc::new(Catalogue::new(db::offerings::matchable(conn)?));
        if let Ok(mut cached) = self.cached.write() {
            *cached = Some((version, catalogue.clone()));
        }
        Ok(catalogue)
    }
}

/// What to do with a database that has just been created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoData {
    LoadIntoNewDatabase,
    Skip,
}

/// Connects, migrates, brings the reference tables up to date and, for a new
/// database, loads the demo data unless told not to.
pub fn open(url: &DatabaseUrl, pool_size: u32, demo_data: DemoData) -> anyhow::Result<Storage> {
    let pool = db::connect(url, pool_size)?;
    let mut conn = pool.get().context("no database connection available")?;
    let applied = db::run_migrations(&mut conn)?;
    let is_new = applied.iter().any(|m| m == FIRST_MIGRATION);
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let shipped = reference_data::load()?;
    if db::reference::sync(&mut conn, &shipped, &reference_data::version())? {
        tracing::info!("reference data loaded");
    }
    let reference = db::reference::load(&mut conn)?;
    if is_new && demo_data == DemoData::LoadIntoNewDatabase {
        let report = interchange::import(&mut conn, &reference, &demo::document()?, false)
            .map_err(|e| anyhow::anyhow!("demo data did not load: {e}"))?;
        tracing::info!(%report, "demo data loaded");
    }
    Ok(Storage {
        pool,
        reference: Arc::new(reference),
        catalogue: Arc::new(CatalogueCache::default()),
    })
}

/// The version of the migration that creates the schema: seeing it applied
/// means the database was new.
const FIRST_MIGRATION: &str = "20261123000001";
