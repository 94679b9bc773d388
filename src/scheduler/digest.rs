//! The weekly digest: for each subscriber whose week is up, the needs
//! submitted since their last digest that their providers' offerings match
//! and that they may read. Drafted outside the sweep's transaction (it runs
//! the engine, once per new need however many subscribers), sent inside it.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::notifications::{self, Notice};
use crate::db::{self, DbConnection};
use crate::domain::access::{Person, Readership};
use crate::domain::assessment::OpenNeed;
use crate::domain::lifecycle::DIGEST_EVERY;
use crate::matches::MatchError;
use crate::startup::Storage;

/// A digest ready to go, for a subscriber whose week is up; `lines` is
/// empty when nothing new came.
pub struct Draft {
    person: Person,
    since: NaiveDateTime,
    lines: Vec<String>,
}

/// The digests due at `now`.
pub fn drafts(
    storage: &Storage,
    conn: &mut DbConnection,
    now: NaiveDateTime,
    open: &[OpenNeed],
    first: &HashMap<(String, String), NaiveDateTime>,
    link: &dyn Fn(&str) -> String,
) -> Result<Vec<Draft>, MatchError> {
    let due = db::accounts::digests_due(conn, now - DIGEST_EVERY)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let earliest = due
        .iter()
        .map(|(_, last)| last.unwrap_or(now - DIGEST_EVERY))
        .min()
        .unwrap_or(now - DIGEST_EVERY);
    let submitted = |need: &OpenNeed| {
        let key = need.need.key.as_ref()?;
        first
            .get(&(need.assessment.to_string(), key.to_string()))
            .copied()
    };
    // Each need new to any subscriber, matched once.
    let catalogue = storage.catalogue(conn)?;
    let today = storage.today(conn)?;
    let context = today.context();
    // Each need with when it was first submitted and the offerings (and
    // their providers) that match it.
    type Matched<'a> = (&'a OpenNeed, NaiveDateTime, Vec<(String, String)>);
    let mut matched: Vec<Matched> = Vec::new();
    for need in open {
        let Some(at) = submitted(need).filter(|at| *at > earliest && *at <= now) else {
            continue;
        };
        let Some(country) = storage.reference.country(need.country.as_str()) else {
            continue;
        };
        let offerings = context
            .match_need(&catalogue, country, &need.need)
            .matches
            .iter()
            .map(|m| {
                (
                    m.offered.offering.to_string(),
                    m.offered.provider.to_string(),
                )
            })
            .collect();
        matched.push((need, at, offerings));
    }
    Ok(due
        .into_iter()
        .map(|(person, last)| {
            let since = last.unwrap_or(now - DIGEST_EVERY);
            let readership = Readership::of(Some(&person));
            let providers: Vec<String> = person.providers().map(ToString::to_string).collect();
            let lines = matched
                .iter()
                .filter(|(need, at, _)| {
                    *at > since && readership.reads(&need.country, need.visibility)
                })
                .filter_map(|(need, _, offerings)| {
                    let yours: Vec<&str> = offerings
                        .iter()
                        .filter(|(_, provider)| providers.contains(provider))
                        .map(|(offering, _)| offering.as_str())
                        .collect();
                    let key = need.need.key.as_ref()?;
                    (!yours.is_empty()).then(|| {
                        format!(
                            "- {}: {} ({} priority), need {key}; your offerings {}: {}",
                            storage.reference.country_name(need.country.as_str()),
                            storage.reference.theme_name(need.need.theme.as_str()),
                            need.need.priority.label().to_lowercase(),
                            yours.join(", "),
                            link(&format!("/reports/countries/{}#need-{key}", need.country)),
                        )
                    })
                })
                .collect();
            Draft {
                person,
                since,
                lines,
            }
        })
        .collect())
}

/// Sends the drafts whose week is still up (another instance may have sent
/// them since they were drafted); returns how many went out. A week with
/// nothing new sends nothing, and starts a new week.
pub fn send(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    drafts: &[Draft],
    link: &dyn Fn(&str) -> String,
) -> Result<usize, MatchError> {
    let mut sent = 0;
    for draft in drafts {
        if !db::accounts::mark_digest_sent(conn, draft.person.account, now - DIGEST_EVERY, now)?
            || draft.lines.is_empty()
        {
            continue;
        }
        let notice = Notice {
            subject: format!("{} new need(s) your offerings match", draft.lines.len()),
            body: format!(
                "Needs submitted since {} that your providers' offerings match:\n\n{}\n\nOffer help from each need's match report. To stop this digest, untick it on your account page.",
                draft.since.format("%Y-%m-%d"),
                draft.lines.join("\n")
            ),
            link: "/matches?waiting=me".to_owned(),
        };
        notifications::tell(conn, std::slice::from_ref(&draft.person), &notice, link)?;
        sent += 1;
    }
    Ok(sent)
}
