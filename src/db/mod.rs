//! Storage: one connection type over SQLite and PostgreSQL, the pool, the
//! migrations, and the queries per aggregate. All SQL lives under this module.

use std::fmt;
use std::time::Duration;

use anyhow::Context;
use chrono::Timelike;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The keys in `$table` that a key derived from a base could collide
/// with (the base itself, or the base with a suffix), as a [`keys::KeysFrom`].
/// A macro, not a function: the query is the same for every table with a
/// `key` column, and diesel's types differ per table. Used inside `db`,
/// where diesel's prelude is in scope.
macro_rules! keys_from {
    ($table:ident) => {
        |conn: &mut $crate::db::DbConnection, base: &str| -> diesel::QueryResult<Vec<String>> {
            $table::table
                .filter(
                    $table::key
                        .eq(base)
                        .or($table::key.like($crate::db::keys::suffixed(base))),
                )
                .select($table::key)
                .load(conn)
        }
    };
}

/// Keeps the rows of `$table` (providers or offerings) that are published:
/// no review holds them (see `reviews`). A macro, as the subquery is
/// correlated with each table's own `key`.
macro_rules! published {
    ($table:ident, $kind:literal) => {
        diesel::dsl::not(diesel::dsl::exists(
            $crate::db::schema::reviews::table
                .filter($crate::db::schema::reviews::record_kind.eq($kind))
                .filter($crate::db::schema::reviews::record_key.eq($table::key)),
        ))
    };
}

/// Archives or restores the row of `$table` with `key`, raising its
/// version, and says so in the audit log: the same statements for
/// providers and offerings. A row already so is left as it is: no entry,
/// and no new version to make an editor's open form out of date.
macro_rules! set_archived {
    ($table:ident, $record:expr, $touched:path, $conn:expr, $actor:expr, $key:expr, $archived:expr) => {
        $crate::db::write($conn, |conn| {
            let updated = diesel::update(
                $table::table
                    .filter($table::key.eq($key))
                    .filter($table::archived.ne($archived)),
            )
            .set((
                $table::archived.eq($archived),
                $table::updated_at.eq($crate::db::now()),
                $table::version.eq($table::version + 1),
            ))
            .execute(conn)?;
            if updated == 0 {
                let exists: bool = diesel::select(diesel::dsl::exists(
                    $table::table.filter($table::key.eq($key)),
                ))
                .get_result(conn)?;
                return if exists {
                    Ok(())
                } else {
                    Err($crate::db::StoreError::NotFound)
                };
            }
            $crate::db::catalogue_changed(conn, $touched($key))?;
            let action = if $archived {
                $crate::domain::audit::AuditAction::Archived
            } else {
                $crate::domain::audit::AuditAction::Restored
            };
            $crate::db::audit::append(
                conn,
                $actor,
                $record,
                $key,
                action,
                None::<&()>,
                None::<&()>,
            )
        })
    };
}

/// Inserts `rows` (a slice of insertable rows) into `table` in one
/// statement. The multi-backend connection cannot say a multi-row insert,
/// so each backend's connection does; an empty slice inserts nothing.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if rows.is_empty() {
            Ok(0)
        } else {
            let insert = diesel::insert_into($table).values(rows);
            match $conn {
                $crate::db::DbConnection::Postgres(pg) => insert.execute(pg),
                $crate::db::DbConnection::Sqlite(sqlite) => insert.execute(sqlite),
            }
        }
    }};
}
pub(crate) use insert_rows;

pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod directory;
mod keys;
pub mod matches;
pub mod models;
pub mod notifications;
pub mod offerings;
pub mod outbox;
pub mod providers;
mod query_log;
pub mod reference;
pub mod reviews;
pub mod schema;
pub mod unmatched;

/// One connection type for both backends, so every query is written once.
/// The derive generates [`MultiBackend`]; the few statements it cannot
/// express (see DESIGN.md) match on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Where the data lives: a `postgres://` URL, or else a SQLite file path.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            DatabaseUrl::Sqlite(path.to_owned())
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Shows the URL without its password, for logs and messages.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite:{path}"),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let credentials = &url[scheme + 3..at];
                    let user = credentials.split(':').next().unwrap_or("");
                    write!(f, "{}{user}:***{}", &url[..scheme + 3], &url[at..])
                }
                _ => f.write_str(url),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Opens connections for the backend the URL names. The derive's own
/// `establish` tries each backend in turn, which hides PostgreSQL's real
/// error and could create a SQLite file named like a URL; this does not.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError)?,
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // Per connection: WAL lets readers run beside the writer; the
                // busy timeout makes writers queue instead of failing.
                // Synchronous FULL syncs the log at every commit, so a save
                // a person was told succeeded survives a power cut; writes
                // here are people saving forms, and the sync costs them
                // milliseconds.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )
                .map_err(r2d2::Error::QueryError)?;
                DbConnection::Sqlite(conn)
            }
        };
        conn.set_instrumentation(query_log::QueryLog::new(query_log::SLOW));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Builds the pool and checks that the database answers.
pub fn connect(url: &DatabaseUrl, max_connections: u32) -> anyhow::Result<Pool> {
    let manager = ConnectionManager { url: url.clone() };
    // Surface the real connection error rather than r2d2's time-out.
    manager
        .connect()
        .with_context(|| format!("cannot open the {} database at {url}", url.backend_name()))?;
    r2d2::Pool::builder()
        .max_size(max_connections)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .with_context(|| format!("cannot open a connection pool to {url}"))
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs the pending migrations of the connection's backend and returns
/// their names. On PostgreSQL an advisory lock keeps several instances that
/// start together from migrating at once.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
        DbConnection::Postgres(conn) => {
            conn.batch_execute("SELECT pg_advisory_lock(7234001)")?;
            let result = conn.run_pending_migrations(POSTGRES_MIGRATIONS).map(names);
            conn.batch_execute("SELECT pg_advisory_unlock(7234001)")?;
            result
        }
    };
    applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}

/// Errors from the store that callers act on; everything else is a fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the key \"{0}\" is already used")]
    KeyTaken(String),
    #[error("no provider has the key \"{0}\"")]
    UnknownProvider(String),
    #[error("an account with the address \"{0}\" already exists")]
    EmailTaken(String),
    #[error("not found")]
    NotFound,
    /// Someone saved the record since the form was opened: `latest` is its
    /// version (an assessment's revision) now.
    #[error("the record changed since it was opened (it is now at version {latest})")]
    Conflict { latest: i32 },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page of a filtered list, with the total the filter selects.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub number: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    pub fn has_previous(&self) -> bool {
        self.number > 1
    }
    pub fn has_next(&self) -> bool {
        self.number < self.page_count()
    }
}

/// Which page of a list to read; numbers start at 1.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub number: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: i64 = 20;

    pub fn new(number: i64) -> PageRequest {
        PageRequest {
            number: number.max(1),
            per_page: Self::DEFAULT_PER_PAGE,
        }
    }

    /// `per_page` items a page instead of the default.
    pub fn sized(number: i64, per_page: i64) -> PageRequest {
        PageRequest {
            number: number.max(1),
            per_page: per_page.max(1),
        }
    }

    pub(crate) fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.per_page)
    }

    /// The page this request asked for, holding `items` of `total`.
    pub(crate) fn holding<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            number: self.number,
            per_page: self.per_page,
        }
    }
}

/// `LIKE` pattern for a case-insensitive substring search of the stored,
/// lower-cased search columns, with the user's own `%`, `_` and `\` taken
/// literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Now, as the store keeps times.
pub fn now() -> chrono::NaiveDateTime {
    // Whole seconds: both backends then store and return the same value.
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(0).unwrap_or(now)
}

/// Runs `work` in a transaction that writes, one writer at a time: writes
/// here are people saving forms and imports, and taking turns makes every
/// read-then-write (a free key, the next revision) safe on both backends.
/// On SQLite the write lock is taken first (a write statement that changes
/// nothing): a transaction that reads and then writes could otherwise fail
/// with "database is locked" without waiting out the busy timeout. On
/// PostgreSQL a transaction-scoped advisory lock does the same across all
/// instances.
pub fn write<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    diesel::Connection::transaction(conn, |conn| {
        match conn {
            DbConnection::Sqlite(sqlite) => {
                sqlite.batch_execute("UPDATE change_counters SET value = value WHERE name = ''")?
            }
            DbConnection::Postgres(pg) => {
                pg.batch_execute("SELECT pg_advisory_xact_lock(7234003)")?
            }
        }
        work(conn)
    })
}

const CATALOGUE_COUNTER: &str = "catalogue";
const ASSESSMENTS_COUNTER: &str = "assessments";
const MATCHES_COUNTER: &str = "matches";

fn bump(conn: &mut DbConnection, counter: &str) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    use schema::change_counters::dsl::{change_counters, name, value};
    diesel::update(change_counters.filter(name.eq(counter)))
        .set(value.eq(value + 1))
        .execute(conn)?;
    Ok(())
}

/// The provider or offering a write to the catalogue touched, by key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Touched<'a> {
    Provider(&'a str),
    Offering(&'a str),
}

impl<'a> Touched<'a> {
    /// What a review of `record` touches: reviews hold providers and offerings.
    fn reviewed(record: crate::domain::audit::AuditedRecord, key: &'a str) -> Option<Touched<'a>> {
        use crate::domain::audit::AuditedRecord;
        match record {
            AuditedRecord::Provider => Some(Touched::Provider(key)),
            AuditedRecord::Offering => Some(Touched::Offering(key)),
            _ => None,
        }
    }
}

/// Records that the catalogue changed, and which record moved with it, so
/// a directory in memory reloads that record alone (`directory::changes`).
/// Called in the same transaction as every write to providers, offerings
/// and their reviews, after the record's row exists.
fn catalogue_changed(conn: &mut DbConnection, touched: Touched) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    use schema::change_counters::dsl::{change_counters, name, value};
    use schema::{offerings, providers};
    // Writes take turns (`write`), so versions follow the order of commits.
    let version: i64 = diesel::update(change_counters.filter(name.eq(CATALOGUE_COUNTER)))
        .set(value.eq(value + 1))
        .returning(value)
        .get_result(conn)?;
    match touched {
        Touched::Provider(key) => diesel::update(providers::table.filter(providers::key.eq(key)))
            .set(providers::changed_in.eq(version))
            .execute(conn)?,
        Touched::Offering(key) => diesel::update(offerings::table.filter(offerings::key.eq(key)))
            .set(offerings::changed_in.eq(version))
            .execute(conn)?,
    };
    Ok(())
}

/// Records that an assessment changed; called with every new revision.
fn assessments_changed(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    bump(conn, ASSESSMENTS_COUNTER)
}

/// The catalogue's, the assessments' and the matches' versions.
pub type DataVersions = (i64, i64, i64);

/// The versions of the catalogue, the assessments and the matches (whose
/// engagements use capacity), read together: what a cached report was
/// built from.
pub fn data_versions(conn: &mut DbConnection) -> diesel::QueryResult<DataVersions> {
    use diesel::prelude::*;
    use schema::change_counters::dsl::{change_counters, name, value};
    let rows: Vec<(String, i64)> = change_counters.select((name, value)).load(conn)?;
    let of = |counter: &str| {
        rows.iter()
            .find(|(n, _)| n == counter)
            .map_or(0, |(_, v)| *v)
    };
    Ok((
        of(CATALOGUE_COUNTER),
        of(ASSESSMENTS_COUNTER),
        of(MATCHES_COUNTER),
    ))
}

/// The catalogue's version: it grows with every change.
pub fn catalogue_version(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    use schema::change_counters::dsl::{change_counters, name, value};
    change_counters
        .filter(name.eq(CATALOGUE_COUNTER))
        .select(value)
        .first(conn)
}

/// A trivial round trip, for the health check.
pub fn ping(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}
