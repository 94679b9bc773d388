//! Matches in an interchange file: checked as a whole history the
//! lifecycle could have made, then restored, or brought forward when the
//! database holds an earlier part of the same history. A stored history is
//! never rewritten.

use std::collections::BTreeSet;

use super::{Counts, ImportError, MatchEntry};
use crate::db::{self, DbConnection, StoreError};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::{RecordKey, ThemeCode};
use crate::domain::lifecycle::{self, MAX_NOTE, MatchEvent, MatchState};
use crate::domain::reference::ReferenceData;
use crate::domain::rules;

/// A match whose history holds together.
pub(super) struct CheckedMatch {
    key: RecordKey,
    entry: MatchEntry,
    assessment: RecordKey,
    need: RecordKey,
    offering: RecordKey,
    theme: ThemeCode,
    history: Vec<MatchEvent>,
}

/// Checks each match, naming the record and the field of every problem.
pub(super) fn check(
    entries: &[MatchEntry],
    reference: &ReferenceData,
    errors: &mut Vec<ImportError>,
) -> Vec<CheckedMatch> {
    let mut seen = BTreeSet::new();
    let mut checked = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let name = if entry.key.trim().is_empty() {
            format!("match #{}", i + 1)
        } else {
            format!("match \"{}\"", entry.key)
        };
        let before = errors.len();
        let mut error = |field: &str, message: String| {
            errors.push(ImportError {
                record: name.clone(),
                field: field.to_owned(),
                message,
            })
        };
        let mut key_of = |field: &str, text: &str| match RecordKey::parse(text.trim()) {
            Ok(key) => Some(key),
            Err(e) => {
                error(field, e.to_string());
                None
            }
        };
        let key = key_of("key", &entry.key);
        let assessment = key_of("assessment", &entry.assessment);
        let need = key_of("need", &entry.need);
        let offering = key_of("offering", &entry.offering);
        let mut error = |field: &str, message: String| {
            errors.push(ImportError {
                record: name.clone(),
                field: field.to_owned(),
                message,
            })
        };
        if let Some(key) = &key {
            if !seen.insert(key.clone()) {
                error("key", "appears twice in the file".to_owned());
            }
        }
        let theme = reference.theme(entry.theme.trim()).map(|t| t.code.clone());
        if theme.is_none() {
            error("theme", format!("\"{}\" is not a theme code", entry.theme));
        }
        if !(0.0..=1.0).contains(&entry.score) {
            error("score", "must be from 0 to 1".to_owned());
        }
        match (&entry.completion, entry.state) {
            (Some(c), MatchState::Completed) if !(1..=5).contains(&c.rating) => {
                error("completion.rating", "must be from 1 to 5".to_owned())
            }
            (Some(c), _) if c.comment.chars().count() > MAX_NOTE => error(
                "completion.comment",
                format!("may be at most {MAX_NOTE} characters"),
            ),
            (None, MatchState::Completed) => error(
                "completion",
                "a completed match records its outcome".to_owned(),
            ),
            (Some(_), state) if state != MatchState::Completed => error(
                "completion",
                format!("only a completed match has an outcome; this one is {state}"),
            ),
            _ => {}
        }
        match entry.history.first() {
            None => error(
                "history",
                "is empty: a match begins with its first entry".to_owned(),
            ),
            Some(first)
                if first.from.is_some() || first.to != lifecycle::first_state(entry.initiative) =>
            {
                error(
                    "history[0]",
                    format!(
                        "a match {} begins {}",
                        entry.initiative.label().to_lowercase(),
                        lifecycle::first_state(entry.initiative)
                    ),
                )
            }
            Some(_) => {}
        }
        for (n, pair) in entry.history.windows(2).enumerate() {
            let (previous, next) = (&pair[0], &pair[1]);
            if next.from != Some(previous.to) || !lifecycle::leads(previous.to, next.to) {
                error(
                    &format!("history[{}]", n + 1),
                    format!(
                        "{} → {} does not follow {}",
                        next.from.map_or("—", |s| s.code()),
                        next.to,
                        previous.to
                    ),
                );
            }
            if next.at < previous.at {
                error(
                    &format!("history[{}].at", n + 1),
                    "is earlier than the entry before".to_owned(),
                );
            }
        }
        if entry
            .history
            .last()
            .is_some_and(|last| last.to != entry.state)
        {
            error("state", "is not where the history ends".to_owned());
        }
        // As a form's note would be: a note or a name a form could not
        // hold is refused here too, by its place in the file.
        for (n, event) in entry.history.iter().enumerate() {
            if let Err(message) = rules::text(&event.note, MAX_NOTE) {
                error(&format!("history[{n}].note"), message);
            }
            if let Err(message) = rules::required_text(&event.by, 200) {
                error(&format!("history[{n}].by"), message);
            }
        }
        if let Some(Err(message)) = entry
            .completion
            .as_ref()
            .map(|c| rules::text(&c.comment, MAX_NOTE))
        {
            error("completion.comment", message);
        }
        if errors.len() > before {
            continue;
        }
        if let (Some(key), Some(assessment), Some(need), Some(offering), Some(theme)) =
            (key, assessment, need, offering, theme)
        {
            checked.push(CheckedMatch {
                key,
                assessment,
                need,
                offering,
                theme,
                history: entry
                    .history
                    .iter()
                    .map(|e| MatchEvent {
                        at: e.at,
                        actor: e.by.clone(),
                        from: e.from,
                        to: e.to,
                        note: e.note.clone(),
                    })
                    .collect(),
                entry: entry.clone(),
            });
        }
    }
    checked
}

/// Writes the checked matches inside the import's transaction; problems
/// only the database can find (an unknown need, a rewritten history) go
/// to `problems`.
pub(super) fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    checked: &[CheckedMatch],
    counts: &mut Counts,
    problems: &mut Vec<ImportError>,
) -> Result<(), StoreError> {
    for m in checked {
        let problem = |field: &str, message: String| ImportError {
            record: format!("match \"{}\"", m.key),
            field: field.to_owned(),
            message,
        };
        let stored = match db::matches::find(conn, m.key.as_str()) {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        };
        let completion = m.entry.completion.as_ref();
        let Some(stored) = stored else {
            // The need must be the assessment's, in the country the file says.
            match db::assessments::find(conn, m.assessment.as_str()) {
                Ok(assessment) => {
                    if assessment.country.as_str() != m.entry.country.trim() {
                        problems.push(problem(
                            "country",
                            format!("the assessment is {}'s", assessment.country),
                        ));
                        continue;
                    }
                    let needs = assessment.latest.data.state.needs();
                    if !needs.iter().any(|n| n.key.as_ref() == Some(&m.need)) {
                        problems.push(problem(
                            "need",
                            "is not a need of the assessment's latest revision".to_owned(),
                        ));
                        continue;
                    }
                }
                Err(StoreError::NotFound) => {
                    problems.push(problem(
                        "assessment",
                        "names an assessment in neither the file nor the database".to_owned(),
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            }
            if !m.entry.state.is_closed() {
                if let Some(open) = db::matches::open_between(
                    conn,
                    m.assessment.as_str(),
                    m.need.as_str(),
                    m.offering.as_str(),
                )? {
                    problems.push(problem(
                        "state",
                        format!("the need and the offering already make the open match \"{open}\""),
                    ));
                    continue;
                }
            }
            let restored = db::matches::Restored {
                new: db::matches::NewMatch {
                    assessment: &m.assessment,
                    need: &m.need,
                    theme: &m.theme,
                    offering: &m.offering,
                    initiative: m.entry.initiative,
                    state: m.entry.state,
                    score: m.entry.score,
                    factors: &m.entry.factors,
                    note: "",
                    at: m.history[0].at,
                },
                state: m.entry.state,
                completion,
                history: &m.history,
            };
            match db::matches::restore(conn, &m.key, &restored) {
                Ok(()) => {}
                Err(StoreError::NotFound) => {
                    problems.push(problem(
                        "offering",
                        "names an offering in neither the file nor the database".to_owned(),
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            }
            db::audit::append(
                conn,
                actor,
                AuditedRecord::Match,
                m.key.as_str(),
                AuditAction::Created,
                None::<&()>,
                Some(&m.entry),
            )?;
            counts.created += 1;
            continue;
        };
        let history = db::matches::history(conn, m.key.as_str())?;
        let same_pair = stored.assessment == m.assessment
            && stored.need == m.need
            && stored.offering == m.offering;
        if !same_pair
            || history.len() > m.history.len()
            || m.history[..history.len()] != history[..]
        {
            problems.push(problem(
                "history",
                "differs from the match's stored history, which is never rewritten".to_owned(),
            ));
            continue;
        }
        if history.len() == m.history.len() {
            counts.unchanged += 1;
            continue;
        }
        db::matches::extend(
            conn,
            m.key.as_str(),
            m.entry.state,
            completion,
            &m.history[history.len()..],
        )?;
        db::audit::append(
            conn,
            actor,
            AuditedRecord::Match,
            m.key.as_str(),
            AuditAction::Changed,
            None::<&()>,
            Some(&m.entry),
        )?;
        counts.updated += 1;
    }
    Ok(())
}
