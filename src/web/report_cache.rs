//! Rendered reports, kept while the data they were built from is unchanged.
//! Per instance: every instance checks the database's version counters on
//! each request, so none serves a report older than the data.
//!
//! A report nobody has built yet is built once however many ask for it at
//! the same moment: the first builds, the others wait for it (single
//! flight), so a burst of readers does not rebuild it on every connection.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;

pub use crate::db::DataVersions;
use crate::reports::NeedMemo;

/// A rendered report: what the answer carries.
#[derive(Clone)]
pub struct CachedReport {
    pub content_type: &'static str,
    /// For CSV: the file name a browser saves it under.
    pub download_as: Option<String>,
    /// For CSV and JSON: a `Link` header to the next and previous pages.
    pub link: Option<String>,
    pub body: Bytes,
}

/// The key names the report and the day; the versions say what it read.
#[derive(Default)]
pub struct ReportCache {
    entries: Mutex<HashMap<String, (DataVersions, CachedReport)>>,
    /// The reports being built, each with the turn its builder holds.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// What needs found, for the next build of a report that names them.
    found: NeedMemo,
}

impl ReportCache {
    /// Enough for every country's report in each format; past either bound
    /// the cache starts again rather than tracking what was used least.
    const MAX_ENTRIES: usize = 1024;
    const MAX_BYTES: usize = 64 * 1024 * 1024;
    /// A report larger than this is served but not kept, so one report can
    /// never take the cache's whole budget.
    const MAX_ENTRY_BYTES: usize = 2 * 1024 * 1024;

    pub fn get(&self, key: &str, versions: DataVersions) -> Option<CachedReport> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(built_from, _)| *built_from == versions)
            .map(|(_, report)| report.clone())
    }

    pub fn put(&self, key: String, versions: DataVersions, report: CachedReport) {
        if report.body.len() > Self::MAX_ENTRY_BYTES {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            let bytes: usize = entries.values().map(|(_, r)| r.body.len()).sum();
            if entries.len() >= Self::MAX_ENTRIES || bytes + report.body.len() > Self::MAX_BYTES {
                entries.clear();
            }
            entries.insert(key, (versions, report));
        }
    }

    /// The report kept under `key` for `versions`, or the one `build`
    /// makes. Requests for the same missing report take turns: the first
    /// builds and keeps it, the next find it kept. A build that fails keeps
    /// nothing, and the next in turn builds again.
    pub async fn get_or_build<E, Fut>(
        &self,
        key: String,
        versions: DataVersions,
        build: impl FnOnce() -> Fut,
    ) -> Result<CachedReport, E>
    where
        Fut: Future<Output = Result<CachedReport, E>>,
    {
        if let Some(hit) = self.get(&key, versions) {
            return Ok(hit);
        }
        let flight = self.flight(&key);
        let turn = flight.lock().await;
        let built = match self.get(&key, versions) {
            Some(hit) => Ok(hit),
            None => build().await.inspect(|report| {
                self.put(key.clone(), versions, report.clone());
            }),
        };
        drop(turn);
        self.land(&key, flight);
        built
    }

    /// The turn to build `key`, shared by every request waiting for it.
    fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        flights.entry(key.to_owned()).or_default().clone()
    }

    /// Forgets a finished flight once nobody else waits on it.
    fn land(&self, key: &str, flight: Arc<tokio::sync::Mutex<()>>) {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        // The map's handle and ours: nobody else is waiting.
        if Arc::strong_count(&flight) <= 2 {
            flights.remove(key);
        }
    }

    /// What needs found in the reports built before.
    pub fn found(&self) -> &NeedMemo {
        &self.found
    }

    /// How many bytes the kept reports take.
    pub fn bytes(&self) -> usize {
        self.entries
            .lock()
            .map(|entries| entries.values().map(|(_, r)| r.body.len()).sum())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(bytes: usize) -> CachedReport {
        CachedReport {
            content_type: "text/html",
            download_as: None,
            link: None,
            body: Bytes::from(vec![b'x'; bytes]),
        }
    }

    #[test]
    fn an_oversized_report_is_served_but_never_kept() {
        let cache = ReportCache::default();
        cache.put("small".into(), (1, 1, 1), report(10));
        cache.put(
            "huge".into(),
            (1, 1, 1),
            report(ReportCache::MAX_ENTRY_BYTES + 1),
        );
        assert!(cache.get("huge", (1, 1, 1)).is_none());
        assert!(
            cache.get("small", (1, 1, 1)).is_some(),
            "and it evicts nothing"
        );
        assert_eq!(cache.bytes(), 10);
    }

    #[actix_web::test]
    async fn a_burst_of_requests_for_a_missing_report_builds_it_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = ReportCache::default();
        let builds = AtomicUsize::new(0);
        let build = || async {
            builds.fetch_add(1, Ordering::SeqCst);
            // Long enough for every other request to arrive meanwhile.
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok::<_, ()>(report(10))
        };
        let asked = (0..32).map(|_| cache.get_or_build("coverage".to_owned(), (1, 1, 1), build));
        let answers = futures_util::future::join_all(asked).await;
        assert!(answers.iter().all(Result::is_ok));
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        assert!(
            cache.flights.lock().unwrap().is_empty(),
            "no flight is left behind"
        );
        // New data: built once more.
        let again = (0..8).map(|_| cache.get_or_build("coverage".to_owned(), (2, 1, 1), build));
        futures_util::future::join_all(again).await;
        assert_eq!(builds.load(Ordering::SeqCst), 2);
    }

    #[actix_web::test]
    async fn a_failed_build_keeps_nothing_and_the_next_builds_again() {
        let cache = ReportCache::default();
        let failed = cache
            .get_or_build("gaps".to_owned(), (1, 1, 1), || async {
                Err::<CachedReport, _>("down")
            })
            .await;
        assert!(failed.is_err());
        assert!(cache.get("gaps", (1, 1, 1)).is_none());
        let built = cache
            .get_or_build("gaps".to_owned(), (1, 1, 1), || async {
                Ok::<_, ()>(report(3))
            })
            .await;
        assert_eq!(built.map(|r| r.body.len()), Ok(3));
    }

    #[test]
    fn the_cache_never_holds_more_than_its_budget() {
        let cache = ReportCache::default();
        for i in 0..100 {
            cache.put(
                format!("r{i}"),
                (1, 1, 1),
                report(ReportCache::MAX_ENTRY_BYTES),
            );
            assert!(cache.bytes() <= ReportCache::MAX_BYTES);
        }
        assert!(cache.get("r0", (2, 1, 1)).is_none(), "other versions miss");
    }
}
