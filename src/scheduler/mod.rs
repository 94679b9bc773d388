//! The lifecycle's clock: a proposal unanswered for 14 days reminds its
//! provider once, after 28 days the secretariat is told; a submitted need
//! nobody proposed or offered anything for within 30 days goes on the
//! secretariat's unmatched list. One sweep runs in one transaction that
//! writes take turns on (`db::write`), and each reminder is marked as sent
//! in it, so with several instances each goes out once. `now` is a
//! parameter: tests and `capmatch notify --once --now …` set the clock.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;

mod digest;

use crate::background::{self, Worker};
use crate::db::matches::Nudge;
use crate::db::notifications::{self, Notice};
use crate::db::{self, DbConnection};
use crate::domain::assessment::OpenNeed;
use crate::domain::lifecycle::{ESCALATE_AFTER, REMIND_AFTER, UNMATCHED_AFTER};
use crate::matches::MatchError;
use crate::startup::Storage;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub reminded: usize,
    pub escalated: usize,
    pub unmatched: usize,
    pub digests: usize,
}

impl std::fmt::Display for Swept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} proposal(s) reminded, {} told to the secretariat, {} need(s) listed as unmatched, {} digest(s) sent",
            self.reminded, self.escalated, self.unmatched, self.digests
        )
    }
}

/// Sends what is due at `now`. What takes reading and the engine (which
/// needs waited, what each digest says) is worked out first; the
/// transaction, which holds every instance's writes, only claims and tells.
pub fn sweep(
    storage: &Storage,
    conn: &mut DbConnection,
    now: NaiveDateTime,
    link: &dyn Fn(&str) -> String,
) -> Result<Swept, MatchError> {
    let open = db::assessments::open_needs(conn, None)?;
    let first = db::unmatched::first_submitted(conn)?;
    let waited = unmatched_candidates(conn, &open, &first, now)?;
    let digests = digest::drafts(storage, conn, now, &open, &first, link)?;
    db::write(conn, |conn| {
        let mut swept = Swept::default();
        for key in db::matches::due(conn, Nudge::Reminder, now - REMIND_AFTER)? {
            if db::matches::mark(conn, Nudge::Reminder, &key, now)? {
                let record = db::matches::find(conn, &key)?;
                let editors = db::accounts::editors_of(conn, record.provider.as_str())?;
                let people = if editors.is_empty() {
                    db::accounts::secretariat(conn)?
                } else {
                    editors
                };
                let notice = Notice {
                    subject: format!("Reminder: a proposal waits for your answer ({key})"),
                    body: format!(
                        "{} proposed its need {} to your offering {} on {} and has had no answer. Please accept or decline it; after {} days the secretariat is told.",
                        storage.reference.country_name(record.country.as_str()),
                        record.need,
                        record.offering,
                        record.state_since.format("%Y-%m-%d"),
                        ESCALATE_AFTER.num_days(),
                    ),
                    link: format!("/matches/{key}"),
                };
                notifications::tell(conn, &people, &notice, link)?;
                swept.reminded += 1;
            }
        }
        for key in db::matches::due(conn, Nudge::Escalation, now - ESCALATE_AFTER)? {
            if db::matches::mark(conn, Nudge::Escalation, &key, now)? {
                let record = db::matches::find(conn, &key)?;
                let notice = Notice {
                    subject: format!("Unanswered for {} days: {key}", ESCALATE_AFTER.num_days()),
                    body: format!(
                        "{}'s proposal of its need {} to the offering {} (provider {}) has waited since {} without an answer.",
                        storage.reference.country_name(record.country.as_str()),
                        record.need,
                        record.offering,
                        record.provider,
                        record.state_since.format("%Y-%m-%d"),
                    ),
                    link: format!("/matches/{key}"),
                };
                let secretariat = db::accounts::secretariat(conn)?;
                notifications::tell(conn, &secretariat, &notice, link)?;
                swept.escalated += 1;
            }
        }
        for (assessment, need) in &waited {
            if db::unmatched::list(conn, assessment, need, now)? {
                swept.unmatched += 1;
            }
        }
        if swept.unmatched > 0 {
            let notice = Notice {
                subject: format!(
                    "{} need(s) have had no proposal or offer for {} days",
                    swept.unmatched,
                    UNMATCHED_AFTER.num_days()
                ),
                body: "They are on the list of unmatched needs.".to_owned(),
                link: "/matches/unmatched".to_owned(),
            };
            let secretariat = db::accounts::secretariat(conn)?;
            notifications::tell(conn, &secretariat, &notice, link)?;
        }
        swept.digests = digest::send(conn, now, &digests, link)?;
        Ok::<_, MatchError>(swept)
    })
}

/// The open needs first submitted at least 30 days before `now` that have
/// no match at all, as (assessment, need) keys. A match made after this
/// read only means the list shows the need until its next read, which
/// leaves matched needs out.
fn unmatched_candidates(
    conn: &mut DbConnection,
    open: &[OpenNeed],
    first: &HashMap<(String, String), NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Vec<(String, String)>, MatchError> {
    let matched = db::matches::needs_with_matches(conn)?;
    let cutoff = now - UNMATCHED_AFTER;
    Ok(open
        .iter()
        .filter_map(|need| {
            let pair = (
                need.assessment.to_string(),
                need.need.key.as_ref()?.to_string(),
            );
            let waited = first.get(&pair).is_some_and(|at| *at <= cutoff);
            (waited && !matched.contains(&pair)).then_some(pair)
        })
        .collect())
}

/// Runs [`sweep`] every `period` as of the time it runs, until the worker
/// is dropped.
pub fn start(
    storage: Storage,
    link: impl Fn(&str) -> String + Send + 'static,
    period: Duration,
) -> std::io::Result<Worker> {
    background::every("scheduler", period, move || {
        let now = db::now();
        let swept = storage
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| sweep(&storage, &mut conn, now, &link).map_err(|e| e.to_string()));
        match swept {
            Ok(swept) if swept == Swept::default() => {}
            Ok(swept) => tracing::info!(%swept, "reminders sent"),
            Err(error) => tracing::warn!(%error, "the scheduler could not run"),
        }
    })
}
