//! Proposing, offering and moving matches: the lifecycle's rule, the store,
//! the audit log and the notices, in one transaction each. The pages, the
//! scheduler and the demo data all go through here.

use crate::db::notifications::{self, Notice};
use crate::db::{self, DbConnection, StoreError};
use crate::domain::access::{Person, Readership};
use crate::domain::assessment::{AssessmentState, Need};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::RecordKey;
use crate::domain::lifecycle::{
    self, Initiative, MatchReadership, MatchRecord, MatchState, MoveInput, RecordedFactor, Refusal,
    Sides, Step,
};
use crate::domain::problems::FieldErrors;
use crate::domain::vocab::NeedStatus;
use crate::domain::{Country, Offering, ReferenceData};
use crate::startup::Storage;

mod notices;

use notices::{notice_of_opening, notice_of_step};

/// Why a match could not be made or moved.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// The person's part or the match's state does not allow it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The need and the offering already make an open match: its key.
    #[error("this need and this offering already make an open match")]
    AlreadyOpen(String),
    /// The engine does not match the offering to the need: why, in words.
    #[error("the offering does not fit the need: {0}")]
    DoesNotFit(String),
    /// The need is not an open need of a submitted assessment.
    #[error("the need \"{0}\" is not open for matching")]
    NeedNotOpen(String),
    /// The reader may not read the need, so it is as if it were not there.
    #[error("not found")]
    NotFound,
    /// What was written does not do: every problem at its field, or `None`
    /// when the form named no step it has.
    #[error("the form has problems")]
    Invalid(Option<FieldErrors>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A record not found is, to the person asking, no match or need at all.
fn not_found(error: StoreError) -> MatchError {
    match error {
        StoreError::NotFound => MatchError::NotFound,
        other => other.into(),
    }
}

impl From<diesel::result::Error> for MatchError {
    fn from(error: diesel::result::Error) -> MatchError {
        MatchError::Store(error.into())
    }
}

/// A match someone asks to make.
#[derive(Debug, Clone)]
pub struct Opening {
    pub assessment: RecordKey,
    pub need: RecordKey,
    pub offering: RecordKey,
    pub initiative: Initiative,
    pub note: String,
}

/// The open need an opening names, with its country and visibility.
struct AskedNeed {
    country: Country,
    need: Need,
}

/// The need an opening names, if `person` may read it and it is open:
/// whether it can be read is asked first, so a reader learns nothing of a
/// need they may not read, not even that it exists.
fn asked_need(
    conn: &mut DbConnection,
    reference: &ReferenceData,
    person: &Person,
    opening: &Opening,
) -> Result<AskedNeed, MatchError> {
    let assessment = db::assessments::find(conn, opening.assessment.as_str()).map_err(not_found)?;
    if !Readership::of(Some(person)).reads(&assessment.country, assessment.visibility) {
        return Err(MatchError::NotFound);
    }
    let AssessmentState::Submitted(needs) = &assessment.latest.data.state else {
        return Err(MatchError::NeedNotOpen(opening.need.to_string()));
    };
    let need = needs
        .iter()
        .find(|n| n.key.as_ref() == Some(&opening.need))
        .ok_or(MatchError::NotFound)?;
    // Open as its revision records it, and not met since by a match.
    let progress = db::matches::progress(conn, opening.assessment.as_str())?
        .remove(opening.need.as_str())
        .unwrap_or_default();
    if progress.status(need.status) != NeedStatus::Open
        && progress.status(need.status) != NeedStatus::InProgress
    {
        return Err(MatchError::NeedNotOpen(opening.need.to_string()));
    }
    let country = reference
        .country(assessment.country.as_str())
        .cloned()
        .ok_or(MatchError::NotFound)?;
    Ok(AskedNeed {
        country,
        need: need.clone(),
    })
}

/// A match as it would be made: the need, the offering, the state it
/// starts in, and the engine's score and reasons now.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub country: Country,
    pub need: Need,
    pub offering: Offering,
    pub state: MatchState,
    pub score: f64,
    pub factors: Vec<RecordedFactor>,
}

/// Checks that `person` may make the match and that the engine matches the
/// offering to the need, and scores it: what the page asking for a note
/// shows, and what [`open`] saves.
pub fn prepare(
    storage: &Storage,
    conn: &mut DbConnection,
    person: &Person,
    opening: &Opening,
) -> Result<Prepared, MatchError> {
    let asked = asked_need(conn, &storage.reference, person, opening)?;
    let catalogue = storage.catalogue(conn)?;
    let offering = catalogue
        .offerings()
        .find(|o| o.key == opening.offering)
        .ok_or(MatchError::NotFound)?;
    let sides = Sides::of(Some(person), &asked.country.iso3, &offering.data.provider);
    let state = lifecycle::opening(opening.initiative, sides)?;
    let today = storage.today(conn)?;
    let found = today
        .context()
        .match_need(&catalogue, &asked.country, &asked.need);
    let Some(scored) = found
        .matches
        .iter()
        .find(|m| m.offered.offering == opening.offering)
    else {
        let why = found
            .near_misses
            .iter()
            .find(|m| m.offered.offering == opening.offering)
            .map(|m| m.explanations.join(" "))
            .unwrap_or_else(|| "it does not work on the need's theme or is not active".to_owned());
        return Err(MatchError::DoesNotFit(why));
    };
    Ok(Prepared {
        factors: scored
            .factors
            .iter()
            .map(|f| RecordedFactor {
                name: f.name.to_owned(),
                weight: f.weight,
                value: f.value,
                reason: f.explanation.clone(),
            })
            .collect(),
        score: scored.score,
        state,
        offering: Offering::clone(offering),
        country: asked.country,
        need: asked.need,
    })
}

/// Makes a match: a requester's proposal or a provider's offer, with the
/// engine's score and reasons as they stand now. `link` makes a path a full
/// address for mail.
pub fn open(
    storage: &Storage,
    conn: &mut DbConnection,
    person: &Person,
    opening: &Opening,
    link: &dyn Fn(&str) -> String,
) -> Result<RecordKey, MatchError> {
    let actor = Actor::person(person);
    db::write(conn, |conn| {
        // Checked inside the transaction: nothing can change in between.
        let prepared = prepare(storage, conn, person, opening)?;
        if let Some(existing) = db::matches::open_between(
            conn,
            opening.assessment.as_str(),
            opening.need.as_str(),
            opening.offering.as_str(),
        )? {
            return Err(MatchError::AlreadyOpen(existing));
        }
        let key = db::matches::insert(
            conn,
            &Actor::shown(person),
            None,
            &db::matches::NewMatch {
                assessment: &opening.assessment,
                need: &opening.need,
                theme: &prepared.need.theme,
                offering: &opening.offering,
                initiative: opening.initiative,
                state: prepared.state,
                score: prepared.score,
                factors: &prepared.factors,
                note: &opening.note,
                at: db::now(),
            },
        )?;
        let made = db::matches::find(conn, key.as_str())?;
        log(conn, &actor, &made, None, &opening.note)?;
        let notice = notice_of_opening(&made, &storage.reference, person, &opening.note);
        tell_the_others(conn, &made, person, &notice, link)?;
        Ok(key)
    })
}

/// Takes the step a form asks for on a match opened at `version`; returns
/// the step taken. In this order: the person's part and the match's state
/// (so a refused person learns nothing from the form), what they wrote,
/// then whether the match changed since the page was opened.
pub fn take_step(
    storage: &Storage,
    conn: &mut DbConnection,
    person: &Person,
    key: &str,
    version: i32,
    input: &MoveInput,
    link: &dyn Fn(&str) -> String,
) -> Result<Step, MatchError> {
    let actor = Actor::person(person);
    db::write(conn, |conn| {
        let current = db::matches::find(conn, key).map_err(not_found)?;
        let sides = current.sides_of(Some(person));
        if !may_read(&current, person) {
            return Err(MatchError::NotFound);
        }
        let asked: Step = input
            .step
            .trim()
            .parse()
            .map_err(|_| MatchError::Invalid(None))?;
        lifecycle::next(current.state, sides, asked)?;
        let step = input.parse().map_err(MatchError::Invalid)?;
        let to = lifecycle::next(current.state, sides, step.step)?;
        if current.version != version {
            return Err(StoreError::Conflict {
                latest: current.version,
            }
            .into());
        }
        let completion = step
            .completion
            .as_ref()
            .filter(|_| step.step == Step::Confirm);
        db::matches::set_state(
            conn,
            &Actor::shown(person),
            key,
            version,
            current.state,
            to,
            &step.note,
            completion,
            db::now(),
        )?;
        let moved = db::matches::find(conn, key)?;
        log(conn, &actor, &moved, Some(&current), &step.note)?;
        let notice = notice_of_step(&moved, &storage.reference, person, &step);
        tell_the_others(conn, &moved, person, &notice, link)?;
        Ok(step.step)
    })
}

/// Whether a person may read a match: whoever may read its need, and the
/// people on either side of it (a focal point may propose a restricted
/// need to a provider, whose editors must then read it). What the parties
/// wrote to each other is theirs: see [`reads_notes`].
pub fn may_read(record: &MatchRecord, person: &Person) -> bool {
    MatchReadership::of(Some(person)).reads(record)
}

/// Whether a person reads what the parties wrote (notes, reasons, the
/// outcome's comment): the parties themselves and the secretariat.
pub fn reads_notes(record: &MatchRecord, person: Option<&Person>) -> bool {
    record.sides_of(person).any()
}

fn log(
    conn: &mut DbConnection,
    actor: &Actor,
    after: &MatchRecord,
    before: Option<&MatchRecord>,
    note: &str,
) -> Result<(), MatchError> {
    let snapshot = |m: &MatchRecord| {
        serde_json::json!({
            "need": format!("{}/{}", m.assessment, m.need),
            "offering": m.offering.as_str(),
            "state": m.state.code(),
            "completion": m.completion,
        })
    };
    let mut after_json = snapshot(after);
    after_json["note"] = serde_json::Value::String(note.to_owned());
    db::audit::append(
        conn,
        actor,
        AuditedRecord::Match,
        after.key.as_str(),
        if before.is_some() {
            AuditAction::Changed
        } else {
            AuditAction::Created
        },
        before.map(snapshot).as_ref(),
        Some(&after_json),
    )?;
    Ok(())
}

/// Tells the people on both sides of a match, except the one who acted;
/// when a side has nobody to tell, the secretariat hears in its place.
fn tell_the_others(
    conn: &mut DbConnection,
    record: &MatchRecord,
    actor: &Person,
    notice: &Notice,
    link: &dyn Fn(&str) -> String,
) -> Result<(), MatchError> {
    let people = concerned(conn, record)?
        .into_iter()
        .filter(|p| p.account != actor.account)
        .collect::<Vec<_>>();
    notifications::tell(conn, &people, notice, link)?;
    Ok(())
}

/// The focal points of the match's country and the editors of its
/// offering's provider; the secretariat for a side with nobody.
pub fn concerned(conn: &mut DbConnection, record: &MatchRecord) -> Result<Vec<Person>, MatchError> {
    let mut requesters = db::accounts::focal_points_of(conn, record.country.as_str())?;
    let mut providers = db::accounts::editors_of(conn, record.provider.as_str())?;
    if requesters.is_empty() || providers.is_empty() {
        requesters.extend(db::accounts::secretariat(conn)?);
    }
    requesters.append(&mut providers);
    Ok(requesters)
}
