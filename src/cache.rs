//! What each instance keeps in memory between requests, and how it stays
//! as fresh as the database. The database's version counters say when
//! something changed; every request reads them (or shares a reading that
//! began after it arrived), so no instance serves data older than what was
//! saved before the request came, wherever it was saved.

use std::collections::VecDeque;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use foldhash::{HashMap, HashMapExt};
use tokio::sync::watch;

use crate::db::{self, DataVersions, DbConnection, StoreResult};
use crate::directory::Directory;
use crate::domain::codes::RecordKey;
use crate::domain::offering::Offering;
use crate::matching::Catalogue;

/// The database's data versions, read once for however many requests
/// arrive meanwhile. A request may use a reading only if it began after
/// the request arrived: then every save committed before the request is
/// in it. Under load, each reading serves all the requests that came
/// during the one before, so readings cost one round trip at a time
/// rather than one per request.
///
/// A request that finds a fresh enough reading takes it without waiting;
/// the others wait for the next one together, all woken when it is
/// published (a lock handed from waiter to waiter made every request of
/// both workers queue behind each other).
pub struct VersionGate {
    last: watch::Sender<Option<(Instant, DataVersions)>>,
    /// Whether a request is reading the versions now.
    reading: AtomicBool,
}

impl Default for VersionGate {
    fn default() -> VersionGate {
        VersionGate {
            last: watch::Sender::new(None),
            reading: AtomicBool::new(false),
        }
    }
}

impl VersionGate {
    /// The versions as of now or later; `read` reads them from the database.
    pub async fn current<E, Fut>(&self, read: impl FnOnce() -> Fut) -> Result<DataVersions, E>
    where
        Fut: Future<Output = Result<DataVersions, E>>,
    {
        let arrived = Instant::now();
        let mut published = self.last.subscribe();
        loop {
            if let Some((began, versions)) = *published.borrow_and_update() {
                if began >= arrived {
                    return Ok(versions);
                }
            }
            let ours = self
                .reading
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
            if ours {
                let mut turn = ReadingTurn {
                    gate: self,
                    read: None,
                };
                let began = Instant::now();
                let versions = read().await?;
                turn.read = Some((began, versions));
                return Ok(versions);
            }
            // The sender lives as long as the gate: this only waits.
            let _ = published.changed().await;
        }
    }
}

/// A request's turn to read the versions. However it ends (read, failed,
/// or dropped with its request), the turn is given up and every waiting
/// request woken: to take the reading, or to read themselves.
struct ReadingTurn<'a> {
    gate: &'a VersionGate,
    read: Option<(Instant, DataVersions)>,
}

impl Drop for ReadingTurn<'_> {
    fn drop(&mut self) {
        // Given up before waking anyone, so a woken request that needs a
        // newer reading can take the next turn.
        self.gate.reading.store(false, Ordering::Release);
        let read = self.read.take();
        self.gate.last.send_modify(|last| {
            if read.is_some() {
                *last = read;
            }
        });
    }
}

/// The directory in memory at a catalogue version.
struct Loaded {
    version: i64,
    directory: Directory,
    /// The offerings (id and key) each catch-up moved, by the version it
    /// caught up to: every move after version `moves_from`. The engine's
    /// catalogue follows the directory by them.
    moves: VecDeque<(i64, Vec<(i64, RecordKey)>)>,
    moves_from: i64,
}

impl Loaded {
    /// Enough catch-ups for a catalogue in use to follow; one further
    /// behind is built whole.
    const MOVES_KEPT: usize = 64;

    fn whole(version: i64, directory: Directory) -> Loaded {
        Loaded {
            version,
            directory,
            moves: VecDeque::new(),
            moves_from: version,
        }
    }

    fn moved(&mut self, version: i64, offerings: Vec<(i64, RecordKey)>) {
        if self.moves.len() == Self::MOVES_KEPT {
            if let Some((dropped, _)) = self.moves.pop_front() {
                self.moves_from = dropped;
            }
        }
        self.moves.push_back((version, offerings));
    }

    /// What the engine's catalogue is made from now: the catalogue `held`
    /// (at the version it names) and the offerings that moved since, when
    /// they are known; all the offerings otherwise.
    fn matchable(&self, held: Option<&(i64, Arc<Catalogue>)>) -> Matchable {
        match held.filter(|(since, _)| *since >= self.moves_from) {
            // An offering moved twice is looked up twice, as it is now
            // both times; the catalogue takes each key once.
            Some((since, held)) => Matchable::Moved {
                held: held.clone(),
                moved: (self.moves.iter())
                    .filter(|(version, _)| version > since)
                    .flat_map(|(_, offerings)| offerings)
                    .map(|(id, key)| (key.clone(), self.directory.matchable_offering(*id)))
                    .collect(),
            },
            None => Matchable::All(self.directory.matchable()),
        }
    }
}

/// What the engine's catalogue is made from (see [`DirectoryCache::matchable`]).
pub enum Matchable {
    All(Vec<Arc<Offering>>),
    /// A catalogue held, and each offering that moved since, by key, as it
    /// is now: `None` when the engine no longer considers it.
    Moved {
        held: Arc<Catalogue>,
        moved: Vec<(RecordKey, Option<Arc<Offering>>)>,
    },
}

/// The directory in memory, brought up to date record by record: after a
/// save it reads only what moved since the version it holds.
#[derive(Default)]
pub struct DirectoryCache {
    loaded: RwLock<Option<Loaded>>,
    /// Held by whoever is catching up, so a burst of requests after a save
    /// reads the changes once.
    turn: Mutex<()>,
}

impl DirectoryCache {
    /// More changed offerings than this are read as a whole new directory:
    /// sorting once beats placing each one in the lists.
    const REBUILD_AFTER: usize = 2_000;

    /// `read` of the directory if it holds catalogue `version` or later;
    /// `read` back, unused, if it holds an older one.
    pub fn read_at<T, R>(&self, version: i64, read: R) -> Result<T, R>
    where
        R: FnOnce(&Directory) -> T,
    {
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        match loaded.as_ref().filter(|l| l.version >= version) {
            Some(l) => Ok(read(&l.directory)),
            None => Err(read),
        }
    }

    /// `read` of the directory at catalogue `version` or later, reading
    /// what moved first when it holds an older one.
    pub fn read<T>(
        &self,
        conn: &mut DbConnection,
        version: i64,
        read: impl FnOnce(&Directory) -> T,
    ) -> StoreResult<T> {
        self.caught_up(conn, version, |loaded| read(&loaded.directory))
    }

    /// What the engine's catalogue at catalogue `version` or later is
    /// made from (see [`Loaded::matchable`]), and the version it is at.
    pub fn matchable(
        &self,
        conn: &mut DbConnection,
        version: i64,
        held: Option<&(i64, Arc<Catalogue>)>,
    ) -> StoreResult<(i64, Matchable)> {
        self.caught_up(conn, version, |loaded| {
            (loaded.version, loaded.matchable(held))
        })
    }

    /// `read` of what is loaded, at catalogue `version` or later.
    fn caught_up<T>(
        &self,
        conn: &mut DbConnection,
        version: i64,
        read: impl FnOnce(&Loaded) -> T,
    ) -> StoreResult<T> {
        self.catch_up(conn, version)?;
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        Ok(read(loaded.as_ref().expect("caught up just now")))
    }

    fn catch_up(&self, conn: &mut DbConnection, version: i64) -> StoreResult<()> {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        let held = self
            .loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|l| l.version);
        if held.is_some_and(|held| held >= version) {
            return Ok(());
        }
        // Whatever is read now holds `version` at least: it was read
        // from the database before this began.
        let changes = db::directory::changes(conn, held)?;
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        match loaded.as_mut() {
            Some(l) if changes.offerings.len() <= Self::REBUILD_AFTER => {
                let moved = changes
                    .offerings
                    .iter()
                    .map(|o| (o.record.id, o.record.key.clone()))
                    .collect();
                l.directory.apply(changes);
                l.version = version;
                l.moved(version, moved);
            }
            _ => {
                drop(loaded);
                // A big change or the first read: built aside, so readers
                // keep the old directory meanwhile.
                let started = Instant::now();
                let directory = match held {
                    None => Directory::new(changes),
                    Some(_) => Directory::new(db::directory::changes(conn, None)?),
                };
                tracing::info!(
                    offerings = directory.offering_count(),
                    index_bytes = directory.index_bytes(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "directory read into memory"
                );
                *self.loaded.write().unwrap_or_else(|e| e.into_inner()) =
                    Some(Loaded::whole(version, directory));
            }
        }
        Ok(())
    }
}

/// The matching engine's catalogue: the directory's active offerings,
/// indexed for matching. When the catalogue version moves it follows the
/// directory offering by offering (from memory, not the database), and is
/// built whole only when it fell too far behind.
#[derive(Default)]
pub struct CatalogueCache {
    cached: RwLock<Option<(i64, Arc<Catalogue>)>>,
    /// Held while building, so a burst after a save builds once.
    turn: Mutex<()>,
}

impl CatalogueCache {
    pub fn current(
        &self,
        conn: &mut DbConnection,
        directory: &DirectoryCache,
    ) -> StoreResult<Arc<Catalogue>> {
        let version = db::catalogue_version(conn)?;
        if let Some(hit) = self.at(version) {
            return Ok(hit);
        }
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = self.at(version) {
            return Ok(hit);
        }
        let held = self
            .cached
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let (now, matchable) = directory.matchable(conn, version, held.as_ref())?;
        let started = Instant::now();
        let catalogue = Arc::new(match matchable {
            Matchable::Moved { held, moved } => {
                let count = moved.len();
                let catalogue = held.changed(moved);
                tracing::debug!(
                    moved = count,
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "changed the engine's catalogue"
                );
                catalogue
            }
            Matchable::All(offerings) => {
                let catalogue = Catalogue::shared(offerings);
                tracing::debug!(
                    offerings = catalogue.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "built the engine's catalogue"
                );
                catalogue
            }
        });
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) = Some((now, catalogue.clone()));
        Ok(catalogue)
    }

    /// The catalogue held if it is at `version` or later.
    fn at(&self, version: i64) -> Option<Arc<Catalogue>> {
        let cached = self.cached.read().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|(built_at, _)| *built_at >= version)
            .map(|(_, catalogue)| catalogue.clone())
    }
}

/// Values read from the database, each kept while the version it was
/// read at is current.
pub struct Versioned<K, V> {
    entries: Mutex<HashMap<K, (i64, V)>>,
}

impl<K, V> Default for Versioned<K, V> {
    fn default() -> Self {
        Versioned {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Clone> Versioned<K, V> {
    /// Entries kept at most; past that the next one starts afresh.
    const KEPT: usize = 4096;

    pub fn get(&self, key: &K, version: i64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(read_at, _)| *read_at == version)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, version: i64, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::KEPT {
            entries.clear();
        }
        entries.insert(key, (version, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

    #[actix_web::test]
    async fn a_burst_of_requests_shares_readings_that_began_after_each_arrived() {
        let gate = VersionGate::default();
        let stored = AtomicI64::new(1);
        let readings = AtomicUsize::new(0);
        let read = || async {
            readings.fetch_add(1, Ordering::SeqCst);
            let seen = stored.load(Ordering::SeqCst);
            // Long enough for every other request to arrive meanwhile.
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<_, ()>((seen, 0, 0))
        };
        let asked = (0..32).map(|_| gate.current(read));
        let answers = futures_util::future::join_all(asked).await;
        assert!(answers.iter().all(|a| *a == Ok((1, 0, 0))));
        // The first reading, and one for all who arrived during it.
        assert!(readings.load(Ordering::SeqCst) <= 2, "{readings:?}");
        // A save, then a request: it never gets the reading from before.
        stored.store(2, Ordering::SeqCst);
        assert_eq!(gate.current(read).await, Ok((2, 0, 0)));
    }

    #[actix_web::test]
    async fn a_reading_dropped_with_its_request_leaves_the_next_to_read() {
        use futures_util::FutureExt;
        let gate = VersionGate::default();
        // A request whose reading never ends, dropped while it waits (its
        // client went away), and one waiting behind it.
        let stuck = gate.current(std::future::pending::<Result<DataVersions, ()>>);
        let mut stuck = Box::pin(stuck);
        assert!((&mut stuck).now_or_never().is_none());
        let behind = gate.current(|| async { Ok::<_, ()>((5, 0, 0)) });
        let mut behind = Box::pin(behind);
        assert!((&mut behind).now_or_never().is_none(), "waits its turn");
        drop(stuck);
        let waited = actix_web::rt::time::timeout(std::time::Duration::from_secs(5), behind);
        assert_eq!(waited.await, Ok(Ok((5, 0, 0))));
    }

    #[actix_web::test]
    async fn a_failed_reading_is_not_kept() {
        let gate = VersionGate::default();
        assert_eq!(gate.current(|| async { Err("down") }).await, Err("down"));
        assert_eq!(
            gate.current(|| async { Ok::<_, &str>((3, 0, 0)) }).await,
            Ok((3, 0, 0))
        );
    }
}
