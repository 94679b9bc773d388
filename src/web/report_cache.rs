//! Rendered reports, kept while the data they were built from is unchanged.
//! Per instance: every instance checks the database's version counters on
//! each request, so none serves a report older than the data.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;

/// The catalogue's, the assessments' and the matches' versions (see
/// `db::data_versions`).
pub type DataVersions = (i64, i64, i64);

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
