//! Opening a database for use: migrations, reference data, demo data.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use chrono::NaiveDate;

use crate::accounts::{self, DemoAccount};
use crate::cache::{CatalogueCache, DirectoryCache, VersionGate, Versioned};
use crate::db::{self, DatabaseUrl, DbConnection, Page, Pool, StoreResult};
use crate::domain::ReferenceData;
use crate::domain::Visibility;
use crate::domain::assessment::{Assessment, OpenNeed};
use crate::domain::audit::Actor;
use crate::domain::codes::Iso3;
use crate::matching::{self, Catalogue};
use crate::{demo, demo_matches, interchange, reference_data};

/// A migrated database with its reference data in memory.
#[derive(Clone)]
pub struct Storage {
    pub pool: Pool,
    pub reference: Arc<ReferenceData>,
    pub versions: Arc<VersionGate>,
    pub directory: Arc<DirectoryCache>,
    catalogue: Arc<CatalogueCache>,
    /// Country pages' assessments and open needs, by the assessments'
    /// version (see `web::reads::country`).
    pub country_reads: Arc<Versioned<CountryAssessmentsKey, CountryAssessments>>,
    /// Set while the caches are filled at start.
    warming: Arc<AtomicBool>,
}

/// A page of a country's assessments, and its open needs.
pub type CountryAssessments = (Page<Assessment>, Vec<OpenNeed>);

/// A country's page of assessments as one readership sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountryAssessmentsKey {
    pub country: Iso3,
    pub visible: Vec<Visibility>,
    /// The page's number and size.
    pub page: (i64, i64),
}

impl Storage {
    /// What the engine matches: the cached catalogue and the open needs,
    /// every country's or one's. The pages, the API and the command line all
    /// read them here. Two reads, not one transaction: a report says which
    /// versions it was built from, and a save between them only makes the
    /// next request build it again.
    pub fn engine_inputs(
        &self,
        conn: &mut DbConnection,
        country: Option<&Iso3>,
    ) -> StoreResult<(Arc<Catalogue>, Vec<OpenNeed>)> {
        let catalogue = self.catalogue(conn)?;
        let needs = db::assessments::open_needs(conn, country.map(Iso3::as_str))?;
        Ok((catalogue, needs))
    }

    /// The engine's catalogue as the database holds it now.
    pub fn catalogue(&self, conn: &mut DbConnection) -> StoreResult<Arc<Catalogue>> {
        self.catalogue.current(conn, &self.directory)
    }

    /// Reads the directory into memory and builds the engine's catalogue,
    /// as the first list or report would: at a million offerings that
    /// takes seconds, which nobody should wait for.
    pub fn warm_up(&self, conn: &mut DbConnection) -> StoreResult<()> {
        self.catalogue(conn).map(drop)
    }

    /// [`Storage::warm_up`] on a thread of its own. Until it is done,
    /// [`Storage::is_warming`] says so and `/readyz` answers 503, so a load
    /// balancer sends nobody to an instance that would keep them waiting.
    /// A warm-up that fails is logged; the first requests then read what
    /// they need, as they would without one.
    pub fn warm_up_in_background(&self) -> std::io::Result<()> {
        self.warming.store(true, Ordering::SeqCst);
        let storage = self.clone();
        std::thread::Builder::new()
            .name("warm-up".into())
            .spawn(move || {
                // Cleared however this ends, a panic included: an instance
                // must not say "warming up" for ever.
                struct Done(Arc<AtomicBool>);
                impl Drop for Done {
                    fn drop(&mut self) {
                        self.0.store(false, Ordering::SeqCst);
                    }
                }
                let _done = Done(storage.warming.clone());
                let started = std::time::Instant::now();
                let warmed = storage
                    .pool
                    .get()
                    .map_err(anyhow::Error::from)
                    .and_then(|mut conn| Ok(storage.warm_up(&mut conn)?));
                match warmed {
                    Ok(()) => tracing::info!(
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "warmed up: the directory and the engine's catalogue are in memory"
                    ),
                    Err(e) => tracing::warn!(error = %e, "the warm-up failed"),
                }
            })?;
        Ok(())
    }

    pub fn is_warming(&self) -> bool {
        self.warming.load(Ordering::SeqCst)
    }

    /// What else the engine reads, as of today: the engagements under way
    /// use their offerings' capacity. They are of the matches version read
    /// before them when the version read after them is the same (a save
    /// raises it in the same transaction); of no known version otherwise.
    pub fn today(&self, conn: &mut DbConnection) -> StoreResult<Today> {
        let before = db::data_versions(conn)?.2;
        let engagements = db::matches::engagements(conn)?;
        let after = db::data_versions(conn)?.2;
        Ok(Today {
            reference: self.reference.clone(),
            date: chrono::Utc::now().date_naive(),
            engagements: if before == after {
                matching::Engagements::of_version(engagements, before)
            } else {
                engagements.into()
            },
        })
    }
}

/// The engine's surroundings on one day.
pub struct Today {
    reference: Arc<ReferenceData>,
    date: NaiveDate,
    engagements: matching::Engagements,
}

impl Today {
    pub fn context(&self) -> matching::Context<'_> {
        matching::Context {
            reference: &self.reference,
            today: self.date,
            engagements: &self.engagements,
            weights: matching::WEIGHTS,
        }
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
    open_with_demo_accounts(url, pool_size, demo_data).map(|(storage, _)| storage)
}

/// As [`open`], and the demo accounts made for a new database with their
/// passwords, for the terminal: they are shown once and kept nowhere.
pub fn open_with_demo_accounts(
    url: &DatabaseUrl,
    pool_size: u32,
    demo_data: DemoData,
) -> anyhow::Result<(Storage, Vec<DemoAccount>)> {
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
        let report = interchange::import(
            &mut conn,
            &reference,
            &demo::document()?,
            false,
            &Actor::demo(),
        )
        .map_err(|e| anyhow::anyhow!("demo data did not load: {e}"))?;
        tracing::info!(%report, "demo data loaded");
    }
    let demo_accounts = if is_new && demo_data == DemoData::LoadIntoNewDatabase {
        accounts::add_demo_accounts(&mut conn, &reference)
            .map_err(|e| anyhow::anyhow!("demo accounts were not made: {e:#}"))?
    } else {
        Vec::new()
    };
    let storage = Storage {
        pool,
        reference: Arc::new(reference),
        versions: Arc::default(),
        directory: Arc::default(),
        catalogue: Arc::default(),
        country_reads: Arc::default(),
        warming: Arc::default(),
    };
    if is_new && demo_data == DemoData::LoadIntoNewDatabase {
        let document = demo_matches::document(&storage, &mut conn)?;
        let report = interchange::import(
            &mut conn,
            &storage.reference,
            &document,
            false,
            &Actor::demo(),
        )
        .map_err(|e| anyhow::anyhow!("the demo matches did not load: {e}"))?;
        tracing::info!(%report, "demo matches loaded");
    }
    Ok((storage, demo_accounts))
}

/// The version of the migration that creates the schema: seeing it applied
/// means the database was new.
const FIRST_MIGRATION: &str = "20261123000001";
