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

use crate::background::{self, Worker};
use crate::db::notifications::{self, Notice};
use crate::db::{self, DbConnection};
use crate::domain::access::Readership;
use crate::domain::assessment::OpenNeed;
use crate::domain::lifecycle::{DIGEST_EVERY, ESCALATE_AFTER, REMIND_AFTER, UNMATCHED_AFTER};
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

/// Sends what is due at `now`.
pub fn sweep(
    storage: &Storage,
    conn: &mut DbConnection,
    now: NaiveDateTime,
    link: &dyn Fn(&str) -> String,
) -> Result<Swept, MatchError> {
    // Read outside the transaction: the open needs, which the engine reads too.
    let open = db::assessments::open_needs(conn, None)?;
    db::write(conn, |conn| {
        let mut swept = Swept::default();
        for key in db::matches::due_reminders(conn, now - REMIND_AFTER)? {
            if db::matches::mark_reminded(conn, &key, now)? {
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
        for key in db::matches::due_escalations(conn, now - ESCALATE_AFTER)? {
            if db::matches::mark_escalated(conn, &key, now)? {
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
        let first = db::unmatched::first_submitted(conn)?;
        let matched = db::matches::needs_with_matches(conn)?;
        let cutoff = now - UNMATCHED_AFTER;
        for need in &open {
            let Some(key) = need.need.key.as_ref() else {
                continue;
            };
            let pair = (need.assessment.to_string(), key.to_string());
            let waited = first.get(&pair).is_some_and(|at| *at <= cutoff);
            if waited
                && !matched.contains(&pair)
                && db::unmatched::list(conn, &pair.0, &pair.1, now)?
            {
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
        swept.digests = send_digests(storage, conn, now, &open, &first, link)?;
        Ok::<_, MatchError>(swept)
    })
}

/// Sends each subscriber whose week is up the needs submitted since their
/// last digest that their providers' offerings match and they may read.
/// A week with nothing new sends nothing, and starts a new week.
fn send_digests(
    storage: &Storage,
    conn: &mut DbConnection,
    now: NaiveDateTime,
    open: &[OpenNeed],
    first: &HashMap<(String, String), NaiveDateTime>,
    link: &dyn Fn(&str) -> String,
) -> Result<usize, MatchError> {
    let due = db::accounts::digests_due(conn, now - DIGEST_EVERY)?;
    if due.is_empty() {
        return Ok(0);
    }
    let catalogue = storage.catalogue.current(conn)?;
    let today = storage.today(conn)?;
    let context = today.context();
    let mut sent = 0;
    for (person, last) in due {
        let since = last.unwrap_or(now - DIGEST_EVERY);
        let readership = Readership::of(Some(&person));
        let mut lines = Vec::new();
        for need in open {
            let Some(key) = need.need.key.as_ref() else {
                continue;
            };
            let submitted = first.get(&(need.assessment.to_string(), key.to_string()));
            if !submitted.is_some_and(|at| *at > since && *at <= now)
                || !readership.reads(&need.country, need.visibility)
            {
                continue;
            }
            let Some(country) = storage.reference.country(need.country.as_str()) else {
                continue;
            };
            let found = context.match_need(&catalogue, country, &need.need);
            let yours: Vec<&str> = found
                .matches
                .iter()
                .filter(|m| person.edits(&m.offered.provider))
                .map(|m| m.offered.offering.as_str())
                .collect();
            if !yours.is_empty() {
                lines.push(format!(
                    "- {}: {} ({} priority), need {}; your offerings {}: {}",
                    country.name_en,
                    storage.reference.theme_name(need.need.theme.as_str()),
                    need.need.priority.label().to_lowercase(),
                    key,
                    yours.join(", "),
                    link(&format!("/reports/countries/{}#need-{key}", country.iso3)),
                ));
            }
        }
        if !db::accounts::mark_digest_sent(conn, person.account, now - DIGEST_EVERY, now)?
            || lines.is_empty()
        {
            continue;
        }
        let notice = Notice {
            subject: format!("{} new need(s) your offerings match", lines.len()),
            body: format!(
                "Needs submitted since {} that your providers' offerings match:\n\n{}\n\nOffer help from each need's match report. To stop this digest, untick it on your account page.",
                since.format("%Y-%m-%d"),
                lines.join("\n")
            ),
            link: "/matches?waiting=me".to_owned(),
        };
        notifications::tell(conn, std::slice::from_ref(&person), &notice, link)?;
        sent += 1;
    }
    Ok(sent)
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
