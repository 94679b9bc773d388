//! Matches and their history. The statements here run inside the caller's
//! `db::write` transaction (see `crate::matches`), so a change, its history
//! entry, its audit entry and its notifications commit together.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assessments, match_events, matches, offerings, providers};
use super::{DbConnection, Page, PageRequest, StoreError, StoreResult};
use crate::domain::audit::Actor;
use crate::domain::codes::{Iso3, RecordKey, ThemeCode};
use crate::domain::lifecycle::{
    Completion, Initiative, MatchEvent, MatchReadership, MatchRecord, MatchState, NeedProgress,
    Outcome, RecordedFactor, Side,
};
use crate::domain::order::MatchOrder;
use crate::domain::vocab::Visibility;

/// The columns a [`MatchRecord`] is read from, joined with its need's
/// assessment and its offering's provider.
type Row = (
    (String, String, Iso3Text, Visibility, String, String),
    (String, String, Initiative, MatchState, i32, String),
    (Option<Outcome>, Option<i32>, Option<String>),
    (i32, NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>),
);
type Iso3Text = String;

macro_rules! match_columns {
    () => {
        (
            (
                matches::key,
                assessments::key,
                assessments::country,
                assessments::visibility,
                matches::need_key,
                matches::theme,
            ),
            (
                offerings::key,
                providers::key,
                matches::initiative,
                matches::state,
                matches::score,
                matches::factors,
            ),
            (matches::outcome, matches::rating, matches::outcome_comment),
            (
                matches::version,
                matches::created_at,
                matches::state_since,
                matches::escalated_at,
            ),
        )
    };
}

fn to_record(row: Row) -> StoreResult<MatchRecord> {
    let (
        (key, assessment, country, visibility, need, theme),
        (offering, provider, initiative, state, score, factors),
        (outcome, rating, comment),
        (version, created_at, state_since, escalated_at),
    ) = row;
    let factors: Vec<RecordedFactor> = serde_json::from_str(&factors)
        .map_err(|e| StoreError::Corrupt(format!("the match {key} has unreadable factors: {e}")))?;
    let completion = match (outcome, rating) {
        (Some(outcome), Some(rating)) => Some(Completion {
            outcome,
            rating: u8::try_from(rating)
                .map_err(|_| StoreError::Corrupt(format!("the match {key} has rating {rating}")))?,
            comment: comment.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(MatchRecord {
        key: RecordKey::trusted(key),
        country: Iso3::trusted(country),
        assessment: RecordKey::trusted(assessment),
        need: RecordKey::trusted(need),
        theme: ThemeCode::trusted(theme),
        offering: RecordKey::trusted(offering),
        provider: RecordKey::trusted(provider),
        visibility,
        initiative,
        state,
        score: f64::from(score) / 1000.0,
        factors,
        completion,
        version,
        created_at,
        state_since,
        escalated: escalated_at.is_some(),
    })
}

/// A match by its key.
pub fn find(conn: &mut DbConnection, key: &str) -> StoreResult<MatchRecord> {
    let row: Row = matches::table
        .inner_join(assessments::table)
        .inner_join(offerings::table.inner_join(providers::table))
        .filter(matches::key.eq(key))
        .select(match_columns!())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    to_record(row)
}

/// One entry of a match's history, as its columns are read.
type EventRow = (
    NaiveDateTime,
    String,
    Option<MatchState>,
    MatchState,
    String,
);

/// The columns an [`EventRow`] is read from.
macro_rules! event_columns {
    () => {
        (
            match_events::at,
            match_events::actor,
            match_events::from_state,
            match_events::to_state,
            match_events::note,
        )
    };
}

fn to_event((at, actor, from, to, note): EventRow) -> MatchEvent {
    MatchEvent {
        at,
        actor,
        from,
        to,
        note,
    }
}

/// A match's history, oldest first.
pub fn history(conn: &mut DbConnection, key: &str) -> StoreResult<Vec<MatchEvent>> {
    Ok(histories(conn, &[key.to_owned()])?
        .remove(key)
        .unwrap_or_default())
}

/// The histories of several matches, oldest entry first, in one query.
pub fn histories(
    conn: &mut DbConnection,
    keys: &[String],
) -> StoreResult<HashMap<String, Vec<MatchEvent>>> {
    let mut found: HashMap<String, Vec<MatchEvent>> = HashMap::new();
    for chunk in keys.chunks(1_000) {
        let rows: Vec<(String, EventRow)> = match_events::table
            .inner_join(matches::table)
            .filter(matches::key.eq_any(chunk))
            .order(match_events::id)
            .select((matches::key, event_columns!()))
            .load(conn)?;
        for (key, row) in rows {
            found.entry(key).or_default().push(to_event(row));
        }
    }
    Ok(found)
}

/// The open match of a need and an offering, if there is one.
pub fn open_between(
    conn: &mut DbConnection,
    assessment: &str,
    need: &str,
    offering: &str,
) -> StoreResult<Option<String>> {
    Ok(matches::table
        .inner_join(assessments::table)
        .inner_join(offerings::table)
        .filter(assessments::key.eq(assessment))
        .filter(matches::need_key.eq(need))
        .filter(offerings::key.eq(offering))
        .filter(matches::state.eq_any(MatchState::open_states()))
        .select(matches::key)
        .first(conn)
        .optional()?)
}

/// A match about to be made.
pub struct NewMatch<'a> {
    pub assessment: &'a RecordKey,
    pub need: &'a RecordKey,
    pub theme: &'a ThemeCode,
    pub offering: &'a RecordKey,
    pub initiative: Initiative,
    pub state: MatchState,
    pub score: f64,
    pub factors: &'a [RecordedFactor],
    pub note: &'a str,
    /// When it was made: now, or the time an imported history says.
    pub at: NaiveDateTime,
}

fn id_of(conn: &mut DbConnection, key: &str) -> StoreResult<i64> {
    matches::table
        .filter(matches::key.eq(key))
        .select(matches::id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// A match's row as it stands now: its state, outcome, version and when
/// it entered its state (new or restored, the rest is `NewMatch`'s).
struct Standing<'a> {
    state: MatchState,
    completion: Option<&'a Completion>,
    version: i32,
    state_since: NaiveDateTime,
}

/// Writes a match's row; returns its id. `NotFound` when its assessment or
/// offering is not stored.
fn insert_row(
    conn: &mut DbConnection,
    key: &RecordKey,
    new: &NewMatch<'_>,
    standing: &Standing<'_>,
) -> StoreResult<i64> {
    let assessment_id: i64 = assessments::table
        .filter(assessments::key.eq(new.assessment.as_str()))
        .select(assessments::id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let offering_id: i64 = offerings::table
        .filter(offerings::key.eq(new.offering.as_str()))
        .select(offerings::id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    let factors = serde_json::to_string(new.factors)
        .map_err(|e| StoreError::Corrupt(format!("factors could not be written: {e}")))?;
    let completion = standing.completion;
    diesel::insert_into(matches::table)
        .values((
            matches::key.eq(key.as_str()),
            matches::assessment_id.eq(assessment_id),
            matches::need_key.eq(new.need.as_str()),
            matches::theme.eq(new.theme.as_str()),
            matches::offering_id.eq(offering_id),
            matches::initiative.eq(new.initiative),
            matches::state.eq(standing.state),
            matches::score.eq(milli(new.score)),
            matches::factors.eq(factors),
            matches::outcome.eq(completion.map(|c| c.outcome)),
            matches::rating.eq(completion.map(|c| i32::from(c.rating))),
            matches::outcome_comment.eq(completion.map(|c| c.comment.as_str())),
            matches::version.eq(standing.version),
            matches::created_at.eq(new.at),
            matches::state_since.eq(standing.state_since),
        ))
        .execute(conn)?;
    super::bump(conn, super::MATCHES_COUNTER)?;
    id_of(conn, key.as_str())
}

/// Inserts a match and the first entry of its history; returns its key.
/// The caller has checked that no open match pairs the two.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    key: Option<RecordKey>,
    new: &NewMatch<'_>,
) -> StoreResult<RecordKey> {
    let key = super::keys::new_key(
        conn,
        key,
        key_exists,
        || format!("{} {}", new.need, new.offering),
        keys_from!(matches),
    )?;
    let standing = Standing {
        state: new.state,
        completion: None,
        version: 1,
        state_since: new.at,
    };
    let id = insert_row(conn, &key, new, &standing)?;
    append_event(conn, id, actor, new.at, None, new.state, new.note)?;
    Ok(key)
}

fn key_exists(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        matches::table.filter(matches::key.eq(key)),
    ))
    .get_result(conn)
}

fn milli(score: f64) -> i32 {
    (score * 1000.0).round() as i32
}

fn append_event(
    conn: &mut DbConnection,
    match_id: i64,
    actor: &Actor,
    at: NaiveDateTime,
    from: Option<MatchState>,
    to: MatchState,
    note: &str,
) -> StoreResult<()> {
    diesel::insert_into(match_events::table)
        .values((
            match_events::match_id.eq(match_id),
            match_events::at.eq(at),
            match_events::account_id.eq(actor.account),
            match_events::actor.eq(&actor.name),
            match_events::from_state.eq(from),
            match_events::to_state.eq(to),
            match_events::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves a match from `from` to `to` if it is still at `version`: someone
/// else's change since is a conflict, and nothing is written.
#[allow(clippy::too_many_arguments)]
pub fn set_state(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    version: i32,
    from: MatchState,
    to: MatchState,
    note: &str,
    completion: Option<&Completion>,
    at: NaiveDateTime,
) -> StoreResult<()> {
    let id = id_of(conn, key)?;
    let updated = diesel::update(
        matches::table
            .filter(matches::id.eq(id))
            .filter(matches::version.eq(version))
            .filter(matches::state.eq(from)),
    )
    .set((
        matches::state.eq(to),
        matches::state_since.eq(at),
        matches::version.eq(matches::version + 1),
        matches::outcome.eq(completion.map(|c| c.outcome)),
        matches::rating.eq(completion.map(|c| i32::from(c.rating))),
        matches::outcome_comment.eq(completion.map(|c| c.comment.as_str())),
    ))
    .execute(conn)?;
    if updated == 0 {
        let latest: i32 = matches::table
            .find(id)
            .select(matches::version)
            .first(conn)?;
        return Err(StoreError::Conflict { latest });
    }
    append_event(conn, id, actor, at, Some(from), to, note)?;
    super::bump(conn, super::MATCHES_COUNTER)?;
    Ok(())
}

/// Engagements under way for each offering that has any: the matches that
/// use its capacity.
pub fn engagements(conn: &mut DbConnection) -> StoreResult<HashMap<RecordKey, u32>> {
    let rows: Vec<(String, i64)> = matches::table
        .inner_join(offerings::table)
        .filter(matches::state.eq_any(MatchState::engagement_states()))
        .group_by(offerings::key)
        .select((offerings::key, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(key, n)| {
            (
                RecordKey::trusted(key),
                u32::try_from(n).unwrap_or(u32::MAX),
            )
        })
        .collect())
}

/// Engagements under way for one offering.
pub fn engaged(conn: &mut DbConnection, offering: &str) -> StoreResult<u32> {
    let n: i64 = matches::table
        .inner_join(offerings::table)
        .filter(offerings::key.eq(offering))
        .filter(matches::state.eq_any(MatchState::engagement_states()))
        .count()
        .get_result(conn)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The progress of every need of an assessment that has matches, by need key.
pub fn progress(
    conn: &mut DbConnection,
    assessment: &str,
) -> StoreResult<HashMap<String, NeedProgress>> {
    let rows: Vec<(String, MatchState, Option<Outcome>)> = matches::table
        .inner_join(assessments::table)
        .filter(assessments::key.eq(assessment))
        .select((matches::need_key, matches::state, matches::outcome))
        .load(conn)?;
    let mut found: HashMap<String, NeedProgress> = HashMap::new();
    for (need, state, outcome) in rows {
        found.entry(need).or_default().record(state, outcome);
    }
    Ok(found)
}

/// Whose move the matches listed wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// Proposals to answer and deliveries to report.
    Provider,
    /// Offers to choose among and deliveries to confirm.
    Requester,
    /// Proposals unanswered so long that the secretariat was told.
    Secretariat,
    /// The reader's own move: as an editor of these providers or a focal
    /// point of these countries.
    Reader {
        providers: Vec<RecordKey>,
        countries: Vec<Iso3>,
    },
}

/// Which matches to list.
#[derive(Debug, Clone, Default)]
pub struct MatchFilter {
    pub state: Option<MatchState>,
    pub country: Option<Iso3>,
    pub provider: Option<RecordKey>,
    /// A sub-theme, or a theme and all its sub-themes.
    pub theme: Option<ThemeCode>,
    pub waiting: Option<Waiting>,
    pub need: Option<(RecordKey, RecordKey)>,
    pub order: MatchOrder,
}

type Boxed<'a> = matches::BoxedQuery<'a, super::MultiBackend>;

/// The ids of the offerings of these providers (keys as strings), as a
/// subquery. A macro: a boxed subquery cannot sit inside the boxed query
/// over both backends.
macro_rules! offerings_of {
    ($providers:expr) => {
        offerings::table
            .filter(
                offerings::provider_id.eq_any(
                    providers::table
                        .filter(providers::key.eq_any($providers))
                        .select(providers::id),
                ),
            )
            .select(offerings::id)
    };
}

/// The matches `filter` selects that `reader` may read, newest change first.
pub fn list(
    conn: &mut DbConnection,
    filter: &MatchFilter,
    reader: &MatchReadership,
    page: PageRequest,
) -> StoreResult<Page<MatchRecord>> {
    let total: i64 = selected(filter, reader).count().get_result(conn)?;
    let ordered = match filter.order {
        MatchOrder::Updated => {
            selected(filter, reader).order((matches::state_since.desc(), matches::id.desc()))
        }
        MatchOrder::Score => {
            selected(filter, reader).order((matches::score.desc(), matches::id.desc()))
        }
    };
    let wanted: Vec<i64> = ordered
        .limit(page.per_page)
        .offset(page.offset())
        .select(matches::id)
        .load(conn)?;
    let rows: Vec<(i64, Row)> = matches::table
        .inner_join(assessments::table)
        .inner_join(offerings::table.inner_join(providers::table))
        .filter(matches::id.eq_any(&wanted))
        .select((matches::id, match_columns!()))
        .load(conn)?;
    let mut by_id: HashMap<i64, Row> = rows.into_iter().collect();
    let items = wanted
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(to_record)
        .collect::<StoreResult<_>>()?;
    Ok(page.holding(items, total))
}

/// The ids of the matches a filter selects for a reader, as a query on
/// `matches` alone (joins are subqueries, so it can be counted and paged).
fn selected(filter: &MatchFilter, reader: &MatchReadership) -> Boxed<'static> {
    let mut query = matches::table.into_boxed();
    if let (everywhere, Some(countries)) = reader.needs.reach() {
        let everywhere: Vec<String> = everywhere.iter().map(|v| v.code().to_owned()).collect();
        let providers: Vec<String> = reader
            .providers
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        query = query.filter(
            matches::assessment_id
                .eq_any(
                    assessments::table
                        .filter(
                            assessments::visibility
                                .eq_any(everywhere)
                                .or(assessments::country.eq_any(countries)),
                        )
                        .select(assessments::id),
                )
                .or(matches::offering_id.eq_any(offerings_of!(providers))),
        );
    }
    if let Some(state) = filter.state {
        query = query.filter(matches::state.eq(state));
    }
    if let Some(country) = &filter.country {
        query = query.filter(
            matches::assessment_id.eq_any(
                assessments::table
                    .filter(assessments::country.eq(country.as_str().to_owned()))
                    .select(assessments::id),
            ),
        );
    }
    if let Some(provider) = &filter.provider {
        query = query
            .filter(matches::offering_id.eq_any(offerings_of!(vec![provider.as_str().to_owned()])));
    }
    if let Some(theme) = &filter.theme {
        let code = theme.as_str().to_owned();
        query = query.filter(
            matches::theme
                .eq(code.clone())
                .or(matches::theme.like(format!("{code}.%"))),
        );
    }
    if let Some((assessment, need)) = &filter.need {
        query = query
            .filter(
                matches::assessment_id.eq_any(
                    assessments::table
                        .filter(assessments::key.eq(assessment.as_str().to_owned()))
                        .select(assessments::id),
                ),
            )
            .filter(matches::need_key.eq(need.as_str().to_owned()));
    }
    match &filter.waiting {
        None => {}
        Some(Waiting::Provider) => {
            query = query.filter(matches::state.eq_any(MatchState::waiting_for(Side::Provider)))
        }
        Some(Waiting::Requester) => {
            query = query.filter(matches::state.eq_any(MatchState::waiting_for(Side::Requester)))
        }
        Some(Waiting::Secretariat) => {
            query = query
                .filter(matches::state.eq(MatchState::Proposed))
                .filter(matches::escalated_at.is_not_null())
        }
        Some(Waiting::Reader {
            providers,
            countries,
        }) => {
            let countries: Vec<String> = countries.iter().map(|c| c.as_str().to_owned()).collect();
            let providers: Vec<String> = providers.iter().map(|p| p.as_str().to_owned()).collect();
            query = query.filter(
                matches::state
                    .eq_any(MatchState::waiting_for(Side::Provider))
                    .and(matches::offering_id.eq_any(offerings_of!(providers)))
                    .or(matches::state
                        .eq_any(MatchState::waiting_for(Side::Requester))
                        .and(
                            matches::assessment_id.eq_any(
                                assessments::table
                                    .filter(assessments::country.eq_any(countries))
                                    .select(assessments::id),
                            ),
                        )),
            )
        }
    }
    query
}

/// Every match, with its history, for the interchange file.
pub fn all_with_history(
    conn: &mut DbConnection,
) -> StoreResult<Vec<(MatchRecord, Vec<MatchEvent>)>> {
    let rows: Vec<(i64, Row)> = matches::table
        .inner_join(assessments::table)
        .inner_join(offerings::table.inner_join(providers::table))
        .order(matches::id)
        .select((matches::id, match_columns!()))
        .load(conn)?;
    // Every entry in one query: an export reads them all.
    let events: Vec<(i64, EventRow)> = match_events::table
        .order(match_events::id)
        .select((match_events::match_id, event_columns!()))
        .load(conn)?;
    let mut by_match: HashMap<i64, Vec<MatchEvent>> = HashMap::new();
    for (id, row) in events {
        by_match.entry(id).or_default().push(to_event(row));
    }
    rows.into_iter()
        .map(|(id, row)| Ok((to_record(row)?, by_match.remove(&id).unwrap_or_default())))
        .collect()
}

/// What the clock does about a proposal left unanswered, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudge {
    /// Its provider is reminded.
    Reminder,
    /// The secretariat is told.
    Escalation,
}

/// The same statements for either nudge, on its own column. A macro, as
/// the two columns are two types to diesel.
macro_rules! nudge {
    (due $column:ident, $conn:expr, $before:expr) => {
        matches::table
            .filter(matches::state.eq(MatchState::Proposed))
            .filter(matches::state_since.le($before))
            .filter(matches::$column.is_null())
            .order(matches::id)
            .select(matches::key)
            .load::<String>($conn)
    };
    (mark $column:ident, $conn:expr, $key:expr, $at:expr) => {
        diesel::update(
            matches::table
                .filter(matches::key.eq($key))
                .filter(matches::$column.is_null()),
        )
        .set(matches::$column.eq($at))
        .execute($conn)
    };
}

/// Proposals unanswered since before `before` not yet given `nudge`.
pub fn due(
    conn: &mut DbConnection,
    nudge: Nudge,
    before: NaiveDateTime,
) -> StoreResult<Vec<String>> {
    Ok(match nudge {
        Nudge::Reminder => nudge!(due reminded_at, conn, before)?,
        Nudge::Escalation => nudge!(due escalated_at, conn, before)?,
    })
}

/// Notes that a proposal was given `nudge`; false if it already was (so
/// each goes out once, whichever instance sends it). Not a change of the
/// match's own: its version stays, so a page opened before keeps working.
pub fn mark(
    conn: &mut DbConnection,
    nudge: Nudge,
    key: &str,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    let updated = match nudge {
        Nudge::Reminder => nudge!(mark reminded_at, conn, key, at)?,
        Nudge::Escalation => nudge!(mark escalated_at, conn, key, at)?,
    };
    if updated == 1 && nudge == Nudge::Escalation {
        // Lists of matches waiting on the secretariat change.
        super::bump(conn, super::MATCHES_COUNTER)?;
    }
    Ok(updated == 1)
}

/// Each (assessment, need) pair that has any match, in any state.
pub fn needs_with_matches(
    conn: &mut DbConnection,
) -> StoreResult<std::collections::HashSet<(String, String)>> {
    let rows: Vec<(String, String)> = matches::table
        .inner_join(assessments::table)
        .select((assessments::key, matches::need_key))
        .distinct()
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A match read from an interchange file: its row as it stands and its
/// whole history, with the times and names the file gives.
pub struct Restored<'a> {
    pub new: NewMatch<'a>,
    pub state: MatchState,
    pub completion: Option<&'a Completion>,
    pub history: &'a [MatchEvent],
}

/// Inserts a match read from a file with its history. The history's
/// people are names only: accounts are not part of the file.
pub fn restore(
    conn: &mut DbConnection,
    key: &RecordKey,
    restored: &Restored<'_>,
) -> StoreResult<()> {
    let Some(last) = restored.history.last() else {
        return Err(StoreError::Corrupt(format!(
            "the match {key} has no history"
        )));
    };
    let standing = Standing {
        state: restored.state,
        completion: restored.completion,
        version: i32::try_from(restored.history.len()).unwrap_or(i32::MAX),
        state_since: last.at,
    };
    let id = insert_row(conn, key, &restored.new, &standing)?;
    for event in restored.history {
        let actor = Actor::named(&event.actor);
        append_event(
            conn,
            id,
            &actor,
            event.at,
            event.from,
            event.to,
            &event.note,
        )?;
    }
    Ok(())
}

/// Brings a stored match forward to a file's later state: `later` are the
/// history's entries after those stored.
pub fn extend(
    conn: &mut DbConnection,
    key: &str,
    state: MatchState,
    completion: Option<&Completion>,
    later: &[MatchEvent],
) -> StoreResult<()> {
    let Some(last) = later.last() else {
        return Ok(());
    };
    let id = id_of(conn, key)?;
    diesel::update(matches::table.find(id))
        .set((
            matches::state.eq(state),
            matches::state_since.eq(last.at),
            matches::version.eq(matches::version + later.len() as i32),
            matches::outcome.eq(completion.map(|c| c.outcome)),
            matches::rating.eq(completion.map(|c| i32::from(c.rating))),
            matches::outcome_comment.eq(completion.map(|c| c.comment.as_str())),
        ))
        .execute(conn)?;
    for event in later {
        append_event(
            conn,
            id,
            &Actor::named(&event.actor),
            event.at,
            event.from,
            event.to,
            &event.note,
        )?;
    }
    super::bump(conn, super::MATCHES_COUNTER)?;
    Ok(())
}

/// Each (assessment, need) pair with an open match: needs someone is
/// already working on.
pub fn needs_with_open_matches(
    conn: &mut DbConnection,
) -> StoreResult<std::collections::HashSet<(String, String)>> {
    let rows: Vec<(String, String)> = matches::table
        .inner_join(assessments::table)
        .filter(matches::state.eq_any(MatchState::open_states()))
        .select((assessments::key, matches::need_key))
        .distinct()
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
