//! Databases for tests: empty ones, for tests of what a first start does,
//! and prepared ones — migrated, with reference data and, if asked, demo
//! data — copied from a template made once per build, since migrating takes
//! longer than most tests. Whatever a killed run left behind is swept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use capmatch::db::DatabaseUrl;
use capmatch::startup::{self, DemoData};
use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::Rng;

use crate::common::{Backend, POSTGRES_URL_VAR};

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// Test databases older than this are a killed run's, and are dropped.
const ABANDONED_AFTER_SECS: u64 = 3600;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Names this build of the tests: a template made by another build may hold
/// another schema, so templates are per build.
fn build_fingerprint() -> String {
    let exe = std::env::current_exe().expect("the test binary");
    let meta = std::fs::metadata(&exe).expect("the test binary's metadata");
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", modified % (1 << 40), meta.len() % (1 << 24))
}

fn contents(demo: DemoData) -> &'static str {
    match demo {
        DemoData::LoadIntoNewDatabase => "demo",
        DemoData::Skip => "reference",
    }
}

/// The server URL with another database name.
fn with_database(admin_url: &str, name: &str) -> String {
    match admin_url.rfind('/') {
        Some(slash)
            if admin_url[..slash].contains("://") && slash > admin_url.find("://").unwrap() + 2 =>
        {
            let query = admin_url[slash..]
                .find('?')
                .map(|q| &admin_url[slash + q..])
                .unwrap_or("");
            format!("{}/{name}{query}", &admin_url[..slash])
        }
        _ => {
            panic!("{POSTGRES_URL_VAR} must look like postgres://user:password@host:port/database")
        }
    }
}

fn admin_url() -> String {
    std::env::var(POSTGRES_URL_VAR).expect("checked by Backend::available")
}

fn admin() -> PgConnection {
    PgConnection::establish(&admin_url()).expect("connect to the test PostgreSQL server")
}

fn execute(conn: &mut PgConnection, sql: &str) -> diesel::QueryResult<usize> {
    diesel::sql_query(sql).execute(conn)
}

impl TestDatabase {
    /// An empty database: nothing in it, not even the schema.
    pub fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let path = dir.path().join("capmatch.db");
                TestDatabase {
                    url: DatabaseUrl::Sqlite(path.display().to_string()),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => TestDatabase::postgres(None),
        }
    }

    /// A migrated database with the reference data, and the demo data when
    /// asked: a copy of a template.
    pub fn prepared(backend: Backend, demo: DemoData) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let template = sqlite_template(demo);
                let dir = tempfile::tempdir().expect("temporary folder");
                let path = dir.path().join("capmatch.db");
                std::fs::copy(&template, &path).expect("copy the template database");
                TestDatabase {
                    url: DatabaseUrl::Sqlite(path.display().to_string()),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => TestDatabase::postgres(Some(&postgres_template(demo))),
        }
    }

    fn postgres(template: Option<&str>) -> TestDatabase {
        let admin_url = admin_url();
        let name = format!(
            "capmatch_test_{}_{:08x}",
            now_secs(),
            rand::rng().random::<u32>()
        );
        let mut admin = admin();
        let copy = template.map_or(String::new(), |t| format!(" TEMPLATE {t}"));
        // A template is briefly "being accessed" while another copy of it
        // is made; try again rather than fail.
        let mut attempts = 0;
        while let Err(error) = execute(&mut admin, &format!("CREATE DATABASE {name}{copy}")) {
            attempts += 1;
            assert!(
                attempts < 50 && error.to_string().contains("being accessed"),
                "create test database: {error}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        TestDatabase {
            url: DatabaseUrl::Postgres(with_database(&admin_url, &name)),
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// The URL as the command line takes it.
    pub fn cli_url(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => path.clone(),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = execute(
                    &mut admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                );
            }
        }
    }
}

/// Opens a new database the way the application does (migrations,
/// reference data, demo data), then closes every connection to it.
fn prepare(url: &DatabaseUrl, demo: DemoData) {
    let storage = startup::open(url, 1, demo).expect("prepare a template database");
    drop(storage);
}

/// The SQLite template for this build, made on first use: in the folder
/// Cargo gives integration tests, written under a temporary name and renamed
/// so a half-made template is never copied.
fn sqlite_template(demo: DemoData) -> PathBuf {
    static TEMPLATES: OnceLock<Mutex<HashMap<&'static str, PathBuf>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(Default::default);
    let mut made = templates.lock().unwrap_or_else(|e| e.into_inner());
    let kind = contents(demo);
    if let Some(path) = made.get(kind) {
        return path.clone();
    }
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let fingerprint = build_fingerprint();
    let path = folder.join(format!("capmatch-template-{fingerprint}-{kind}.db"));
    if !path.exists() {
        sweep_sqlite(folder, &fingerprint);
        let making = folder.join(format!(
            "capmatch-making-{}-{:08x}.db",
            std::process::id(),
            rand::rng().random::<u32>()
        ));
        prepare(&DatabaseUrl::Sqlite(making.display().to_string()), demo);
        std::fs::rename(&making, &path).expect("put the template in place");
    }
    made.insert(kind, path.clone());
    path
}

/// Removes other builds' SQLite templates and half-made ones.
fn sweep_sqlite(folder: &Path, fingerprint: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale_template = name.starts_with("capmatch-template-") && !name.contains(fingerprint);
        let abandoned = name.starts_with("capmatch-making-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age.as_secs() > ABANDONED_AFTER_SECS);
        if stale_template || abandoned {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Named {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// The PostgreSQL template database for this build, made on first use
/// under an advisory lock, so test runs starting together make it once.
fn postgres_template(demo: DemoData) -> String {
    static TEMPLATES: OnceLock<Mutex<HashMap<&'static str, String>>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(Default::default);
    let mut made = templates.lock().unwrap_or_else(|e| e.into_inner());
    let kind = contents(demo);
    if let Some(name) = made.get(kind) {
        return name.clone();
    }
    let fingerprint = build_fingerprint();
    // Named with the time it was made, so a sweep can tell an abandoned
    // template from one another checkout is using now.
    let ours = format!("_{fingerprint}_{kind}");
    let mut admin = admin();
    execute(&mut admin, "SELECT pg_advisory_lock(7234004)").expect("lock");
    let existing: Vec<Named> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'capmatch\\_t%'")
            .load(&mut admin)
            .expect("list databases");
    let found = existing
        .iter()
        .find(|d| d.datname.starts_with("capmatch_tpl_") && d.datname.ends_with(&ours));
    let name = match found {
        Some(database) => database.datname.clone(),
        None => format!("capmatch_tpl_{}{ours}", now_secs()),
    };
    if found.is_none() {
        sweep_postgres(&mut admin, &existing);
        let making = format!("{name}_making");
        let _ = execute(&mut admin, &format!("DROP DATABASE IF EXISTS {making}"));
        execute(&mut admin, &format!("CREATE DATABASE {making}")).expect("create a template");
        prepare(
            &DatabaseUrl::Postgres(with_database(&admin_url(), &making)),
            demo,
        );
        execute(
            &mut admin,
            &format!("ALTER DATABASE {making} RENAME TO {name}"),
        )
        .expect("put the template in place");
    }
    execute(&mut admin, "SELECT pg_advisory_unlock(7234004)").expect("unlock");
    made.insert(kind, name.clone());
    name
}

/// Drops templates and test databases made over an hour ago: what earlier
/// builds and killed runs left. Newer ones may be another checkout's, in use.
fn sweep_postgres(admin: &mut PgConnection, existing: &[Named]) {
    let cutoff = now_secs().saturating_sub(ABANDONED_AFTER_SECS);
    for database in existing {
        let name = &database.datname;
        let made = ["capmatch_tpl_", "capmatch_test_"]
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        // A template named without its time is from an older test build.
        let stale = match made {
            Some(made) => made < cutoff,
            None => name.starts_with("capmatch_tpl_"),
        };
        if stale {
            let _ = execute(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}
