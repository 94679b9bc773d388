//! Needs assessment queries. Saving appends a revision; nothing here
//! updates or deletes a revision or a need.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;

use super::audit;
use super::models::{
    AssessmentRow, NeedFacet, NeedFacetRow, NeedRow, NewAssessmentRow, RevisionRow, stored_code,
};
use super::schema::{assessment_revisions, assessments, matches, need_facets, needs};
use super::{DbConnection, Page, PageRequest, StoreError, StoreResult, now};
use crate::domain::assessment::{
    Assessment, AssessmentData, AssessmentState, Deadlines, DraftNeed, Need, OpenNeed, Revision,
};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::{Iso3, LanguageCode, RecordKey, ThemeCode};
use crate::domain::lifecycle::{MatchState, Outcome};
use crate::domain::problems::Problems;
use crate::domain::{AssessmentStatus, NeedStatus, Visibility};

/// Keeps the needs no completed match has met, as their focal point said:
/// a met need is no longer open, though its revision still says it is. A
/// macro, as the subquery is correlated with the outer `needs` row.
macro_rules! not_met {
    // Where the outer query has the need's assessment id at hand.
    ($assessment_id:expr) => {
        diesel::dsl::not(diesel::dsl::exists(
            matches::table
                .filter(matches::assessment_id.eq($assessment_id))
                .filter(matches::need_key.eq(needs::key))
                .filter(matches::state.eq(MatchState::Completed))
                .filter(matches::outcome.eq(Outcome::Met)),
        ))
    };
    () => {
        diesel::dsl::not(diesel::dsl::exists(
            matches::table
                .inner_join(super::schema::assessment_revisions::table.on(
                    super::schema::assessment_revisions::assessment_id.eq(matches::assessment_id),
                ))
                .filter(super::schema::assessment_revisions::id.eq(needs::revision_id))
                .filter(matches::need_key.eq(needs::key))
                .filter(matches::state.eq(MatchState::Completed))
                .filter(matches::outcome.eq(Outcome::Met)),
        ))
    };
}

fn to_assessment(row: AssessmentRow, latest: Revision) -> Assessment {
    Assessment {
        id: row.id,
        key: RecordKey::trusted(row.key),
        country: Iso3::trusted(row.country),
        latest,
        created_at: row.created_at,
        visibility: row.visibility,
    }
}

/// Rebuilds one revision from its row, its needs and their facets.
fn to_revision(
    row: RevisionRow,
    need_rows: Vec<NeedRow>,
    facets: &HashMap<i64, Vec<NeedFacetRow>>,
) -> StoreResult<Revision> {
    let drafts: Vec<DraftNeed> = need_rows
        .into_iter()
        .map(|need| {
            let codes = |facet: NeedFacet| {
                facets
                    .get(&need.id)
                    .into_iter()
                    .flatten()
                    .filter(move |f| f.facet == facet)
                    .map(|f| f.code.as_str())
            };
            Ok(DraftNeed {
                key: Some(RecordKey::trusted(need.key)),
                theme: need.theme.map(ThemeCode::trusted),
                priority: need.priority,
                current_stage: need.current_stage,
                target_stage: need.target_stage,
                description: need.description,
                modalities: codes(NeedFacet::Modality)
                    .map(stored_code)
                    .collect::<StoreResult<_>>()?,
                languages: codes(NeedFacet::Language)
                    .map(LanguageCode::trusted)
                    .collect(),
                wanted_by: need.wanted_by,
                status: need.status,
                withdrawn_reason: need.withdrawn_reason,
            })
        })
        .collect::<StoreResult<_>>()?;
    let state = match row.status {
        AssessmentStatus::Draft => AssessmentState::Draft(drafts),
        AssessmentStatus::Submitted => {
            let mut problems = Problems::new();
            let complete: Option<Vec<Need>> = drafts
                .iter()
                .enumerate()
                .map(|(i, d)| d.complete(Deadlines::AsRecorded, i, &mut problems))
                .collect();
            match (problems.is_empty(), complete) {
                (true, Some(complete)) => AssessmentState::Submitted(complete),
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "revision {} holds an incomplete submitted need",
                        row.id
                    )));
                }
            }
        }
        AssessmentStatus::Withdrawn => AssessmentState::Withdrawn {
            reason: row.withdrawn_reason.clone().unwrap_or_default(),
            needs: drafts,
        },
    };
    Ok(Revision {
        number: row.revision,
        data: AssessmentData {
            submitted_by: row.submitted_by,
            contact: row.contact,
            note: row.note,
            state,
        },
        change: row.change_summary,
        created_at: row.created_at,
    })
}

/// Which needs of a revision to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NeedsLoaded {
    All,
    /// Only the open ones: what matching reads. The revision then holds
    /// just those, which is all its callers look at.
    Open,
}

/// Loads revisions with their needs, in three queries whatever their number.
fn load_revisions(
    conn: &mut DbConnection,
    rows: Vec<RevisionRow>,
    which: NeedsLoaded,
) -> StoreResult<Vec<Revision>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut need_rows: HashMap<i64, Vec<NeedRow>> = HashMap::new();
    let mut facets: HashMap<i64, Vec<NeedFacetRow>> = HashMap::new();
    for chunk in ids.chunks(10_000) {
        let mut query = needs::table
            .filter(needs::revision_id.eq_any(chunk))
            .order((needs::revision_id, needs::position))
            .select(NeedRow::as_select())
            .into_boxed();
        if which == NeedsLoaded::Open {
            query = query
                .filter(needs::status.eq(NeedStatus::Open))
                .filter(not_met!());
        }
        let loaded: Vec<NeedRow> = query.load(conn)?;
        let need_ids: Vec<i64> = loaded.iter().map(|n| n.id).collect();
        for need_chunk in need_ids.chunks(10_000) {
            for facet in need_facets::table
                .filter(need_facets::need_id.eq_any(need_chunk))
                .select(NeedFacetRow::as_select())
                .load(conn)?
            {
                facets.entry(facet.need_id).or_default().push(facet);
            }
        }
        for need in loaded {
            need_rows.entry(need.revision_id).or_default().push(need);
        }
    }
    rows.into_iter()
        .map(|row| {
            let needs = need_rows.remove(&row.id).unwrap_or_default();
            to_revision(row, needs, &facets)
        })
        .collect()
}

fn row_by_key(conn: &mut DbConnection, key: &str) -> StoreResult<AssessmentRow> {
    assessments::table
        .filter(assessments::key.eq(key))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

fn revision_rows(
    conn: &mut DbConnection,
    assessment_id: i64,
    number: Option<i32>,
) -> QueryResult<Vec<RevisionRow>> {
    let mut query = assessment_revisions::table
        .filter(assessment_revisions::assessment_id.eq(assessment_id))
        .order(assessment_revisions::revision)
        .select(RevisionRow::as_select())
        .into_boxed();
    if let Some(number) = number {
        query = query.filter(assessment_revisions::revision.eq(number));
    }
    query.load(conn)
}

/// An assessment with its latest revision.
pub fn find(conn: &mut DbConnection, key: &str) -> StoreResult<Assessment> {
    let row = row_by_key(conn, key)?;
    let latest = revision_rows(conn, row.id, Some(row.latest_revision))?;
    let latest = load_revisions(conn, latest, NeedsLoaded::All)?
        .pop()
        .ok_or(StoreError::Corrupt(format!("{key} has no latest revision")))?;
    Ok(to_assessment(row, latest))
}

/// An assessment with every revision, oldest first.
pub fn history(conn: &mut DbConnection, key: &str) -> StoreResult<(Assessment, Vec<Revision>)> {
    let row = row_by_key(conn, key)?;
    let rows = revision_rows(conn, row.id, None)?;
    let revisions = load_revisions(conn, rows, NeedsLoaded::All)?;
    let latest = revisions
        .iter()
        .find(|r| r.number == row.latest_revision)
        .cloned()
        .ok_or(StoreError::Corrupt(format!("{key} has no latest revision")))?;
    Ok((to_assessment(row, latest), revisions))
}

/// Assessments joined to their latest revision: one row each.
type WithLatestRevision =
    diesel::dsl::InnerJoinOn<assessments::table, assessment_revisions::table, LatestRevisionOn>;

/// How an assessment finds its latest revision.
type LatestRevisionOn = diesel::dsl::And<
    diesel::dsl::Eq<assessment_revisions::assessment_id, assessments::id>,
    diesel::dsl::Eq<assessment_revisions::revision, assessments::latest_revision>,
>;

fn latest_revision_on() -> LatestRevisionOn {
    assessment_revisions::assessment_id
        .eq(assessments::id)
        .and(assessment_revisions::revision.eq(assessments::latest_revision))
}

fn with_latest_revision() -> WithLatestRevision {
    assessments::table.inner_join(assessment_revisions::table.on(latest_revision_on()))
}

/// Fails when an assessment (of `country`, or any) has no latest revision:
/// the lists and the export join assessments to their latest revision, and
/// such an assessment would otherwise be left out without a word.
fn check_latest_revisions(conn: &mut DbConnection, country: Option<&str>) -> StoreResult<()> {
    let mut query = assessments::table
        .left_join(assessment_revisions::table.on(latest_revision_on()))
        .filter(assessment_revisions::id.is_null())
        .select(assessments::key)
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(assessments::country.eq(country.to_owned()));
    }
    let orphans: Vec<String> = query.limit(10).load(conn)?;
    if orphans.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "no latest revision for {}",
            orphans.join(", ")
        )))
    }
}

/// Builds assessments from rows joined to their latest revision.
fn assemble(
    conn: &mut DbConnection,
    rows: Vec<(AssessmentRow, RevisionRow)>,
    needs: NeedsLoaded,
) -> StoreResult<Vec<Assessment>> {
    let (rows, revisions): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    let revisions = load_revisions(conn, revisions, needs)?;
    Ok(rows
        .into_iter()
        .zip(revisions)
        .map(|(row, latest)| to_assessment(row, latest))
        .collect())
}

/// One page of a country's assessments kept at one of the `visible`
/// visibilities, the most recently changed first.
pub fn of_country(
    conn: &mut DbConnection,
    iso3: &str,
    visible: &[Visibility],
    page: PageRequest,
) -> StoreResult<Page<Assessment>> {
    let total = assessments::table
        .filter(assessments::country.eq(iso3))
        .filter(assessments::visibility.eq_any(visible))
        .count()
        .get_result(conn)?;
    check_latest_revisions(conn, Some(iso3))?;
    let rows = with_latest_revision()
        .filter(assessments::country.eq(iso3))
        .filter(assessments::visibility.eq_any(visible))
        .order((
            assessments::updated_at.desc(),
            assessments::latest_revision.desc(),
            assessments::key,
        ))
        .limit(page.per_page)
        .offset(page.offset())
        .select((AssessmentRow::as_select(), RevisionRow::as_select()))
        .load(conn)?;
    let items = assemble(conn, rows, NeedsLoaded::All)?;
    Ok(page.holding(items, total))
}

/// Every assessment with its latest revision, by key: what an export writes.
pub fn all(conn: &mut DbConnection) -> StoreResult<Vec<Assessment>> {
    check_latest_revisions(conn, None)?;
    let rows = with_latest_revision()
        .order(assessments::key)
        .select((AssessmentRow::as_select(), RevisionRow::as_select()))
        .load(conn)?;
    assemble(conn, rows, NeedsLoaded::All)
}

pub fn key_exists(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        assessments::table.filter(assessments::key.eq(key)),
    ))
    .get_result(conn)
}

/// Where a save's need keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedKeys {
    /// A person's form: a key stays only where the revision it revises has
    /// it (`AssessmentData::revising`); any other row is a new need.
    Checked,
    /// An interchange file's: its keys are the needs' identities, which the
    /// file's matches name, so an export imported again gives them back.
    AsGiven,
}

impl NeedKeys {
    fn applied<'a>(
        self,
        data: &'a AssessmentData,
        revised: Option<&AssessmentData>,
    ) -> std::borrow::Cow<'a, AssessmentData> {
        match self {
            NeedKeys::Checked => std::borrow::Cow::Owned(data.clone().revising(revised)),
            NeedKeys::AsGiven => std::borrow::Cow::Borrowed(data),
        }
    }
}

/// Creates an assessment at revision 1, under `key` or one made from the
/// country and year ("gha-2026").
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    country: &Iso3,
    key: Option<RecordKey>,
    data: &AssessmentData,
    keys: NeedKeys,
    change: &str,
) -> StoreResult<Assessment> {
    super::write(conn, |conn| {
        let name = || format!("{} {}", country, chrono::Utc::now().format("%Y"));
        let key = super::keys::new_key(conn, key, key_exists, name, keys_from!(assessments))?;
        let at = now();
        let row = NewAssessmentRow {
            key: key.as_str(),
            country: country.as_str(),
            latest_revision: 1,
            created_at: at,
            updated_at: at,
        };
        let id: i64 = diesel::insert_into(assessments::table)
            .values(&row)
            .returning(assessments::id)
            .get_result(conn)?;
        let data = &*keys.applied(data, None);
        append_revision(conn, id, key.as_str(), 1, data, change)?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Assessment,
            key.as_str(),
            AuditAction::Created,
            None::<&AssessmentData>,
            Some(data),
        )?;
        find(conn, key.as_str())
    })
}

/// Appends a revision on top of `base`, the revision the editor opened. When
/// someone saved in between, nothing is written and the caller is told which
/// revision is now the latest.
pub fn revise(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    base: i32,
    data: &AssessmentData,
    keys: NeedKeys,
    change: &str,
) -> StoreResult<Assessment> {
    super::write(conn, |conn| {
        let row = row_by_key(conn, key)?;
        // A base that is not the latest revision (or not a revision at all) conflicts.
        let next = base.checked_add(1).filter(|_| base == row.latest_revision);
        let Some(next) = next else {
            return Err(StoreError::Conflict {
                latest: row.latest_revision,
            });
        };
        let before = find(conn, key)?;
        let data = &*keys.applied(data, Some(&before.latest.data));
        // The compare-and-set is the lock: of two saves on the same base, one updates no row.
        let claimed = diesel::update(
            assessments::table
                .filter(assessments::id.eq(row.id))
                .filter(assessments::latest_revision.eq(base)),
        )
        .set((
            assessments::latest_revision.eq(next),
            assessments::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if claimed == 0 {
            return Err(StoreError::Conflict {
                latest: row.latest_revision,
            });
        }
        append_revision(conn, row.id, key, next, data, change)?;
        audit::append(
            conn,
            actor,
            AuditedRecord::Assessment,
            key,
            AuditAction::Changed,
            Some(&before.latest.data),
            Some(data),
        )?;
        find(conn, key)
    })
}

/// Sets who may read an assessment; the audit log keeps the change.
/// Returns whether it changed.
pub fn set_visibility(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &str,
    visibility: Visibility,
) -> StoreResult<bool> {
    super::write(conn, |conn| {
        let row = row_by_key(conn, key)?;
        if row.visibility == visibility {
            return Ok(false);
        }
        diesel::update(assessments::table.find(row.id))
            .set(assessments::visibility.eq(visibility))
            .execute(conn)?;
        super::assessments_changed(conn)?;
        let logged = |v: Visibility| serde_json::json!({ "visibility": v });
        audit::append(
            conn,
            actor,
            AuditedRecord::Assessment,
            key,
            AuditAction::Changed,
            Some(&logged(row.visibility)),
            Some(&logged(visibility)),
        )?;
        Ok(true)
    })
}

/// Creates or revises an assessment to match `data`, as an import does.
/// Returns `None` when it already matched, else whether it was new.
pub fn upsert(
    conn: &mut DbConnection,
    actor: &Actor,
    key: &RecordKey,
    country: &Iso3,
    data: &AssessmentData,
) -> StoreResult<Option<bool>> {
    match find(conn, key.as_str()) {
        Ok(existing) if existing.country == *country && existing.latest.data == *data => Ok(None),
        Ok(existing) if existing.country != *country => Err(StoreError::KeyTaken(key.to_string())),
        Ok(existing) => revise(
            conn,
            actor,
            key.as_str(),
            existing.latest.number,
            data,
            NeedKeys::AsGiven,
            "imported",
        )
        .map(|_| Some(false)),
        Err(StoreError::NotFound) => create(
            conn,
            actor,
            country,
            Some(key.clone()),
            data,
            NeedKeys::AsGiven,
            "imported",
        )
        .map(|_| Some(true)),
        Err(e) => Err(e),
    }
}

/// Every need key this assessment has used, in any revision: new needs get
/// keys above them all ("gha-2026-4"), so a removed need's key is never
/// given to another.
fn used_need_keys(conn: &mut DbConnection, assessment_id: i64) -> QueryResult<BTreeSet<String>> {
    let used: Vec<String> = needs::table
        .inner_join(assessment_revisions::table)
        .filter(assessment_revisions::assessment_id.eq(assessment_id))
        .select(needs::key)
        .load(conn)?;
    Ok(used.into_iter().collect())
}

fn append_revision(
    conn: &mut DbConnection,
    assessment_id: i64,
    assessment_key: &str,
    number: i32,
    data: &AssessmentData,
    change: &str,
) -> StoreResult<()> {
    super::assessments_changed(conn)?;
    let row = RevisionRow {
        id: 0,
        assessment_id,
        revision: number,
        status: data.state.status(),
        submitted_by: data.submitted_by.clone(),
        contact: data.contact.clone(),
        note: data.note.clone(),
        withdrawn_reason: data.state.withdrawn_reason().map(str::to_owned),
        change_summary: change.to_owned(),
        created_at: now(),
    };
    let revision_id: i64 = diesel::insert_into(assessment_revisions::table)
        .values(&row)
        .returning(assessment_revisions::id)
        .get_result(conn)?;
    let needs = data.state.needs();
    // Taken: every key in the history, and every key this revision names.
    let mut taken = used_need_keys(conn, assessment_id)?;
    taken.extend(
        needs
            .iter()
            .filter_map(|n| n.key.as_ref().map(ToString::to_string)),
    );
    let prefix = format!("{assessment_key}-");
    let mut next: u64 = taken
        .iter()
        .filter_map(|k| k.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    for (position, need) in needs.iter().enumerate() {
        let key = match &need.key {
            Some(key) => key.to_string(),
            None => loop {
                next = next.saturating_add(1);
                let candidate = format!("{assessment_key}-{next}");
                if !taken.contains(&candidate) {
                    taken.insert(candidate.clone());
                    break candidate;
                }
            },
        };
        let row = NeedRow {
            id: 0,
            revision_id,
            position: i32::try_from(position).unwrap_or(i32::MAX),
            key,
            theme: need.theme.as_ref().map(ToString::to_string),
            priority: need.priority,
            current_stage: need.current_stage,
            target_stage: need.target_stage,
            description: need.description.clone(),
            wanted_by: need.wanted_by,
            status: need.status,
            withdrawn_reason: need.withdrawn_reason.clone(),
        };
        let need_id: i64 = diesel::insert_into(needs::table)
            .values(&row)
            .returning(needs::id)
            .get_result(conn)?;
        let codes = need
            .modalities
            .iter()
            .map(|m| (NeedFacet::Modality, m.code().to_owned()))
            .chain(
                need.languages
                    .iter()
                    .map(|l| (NeedFacet::Language, l.to_string())),
            );
        let rows: Vec<NeedFacetRow> = codes
            .map(|(facet, code)| NeedFacetRow {
                need_id,
                facet,
                code,
            })
            .collect();
        super::insert_rows!(conn, need_facets::table, &rows[..])?;
    }
    Ok(())
}

/// The open needs of every submitted assessment, or of one country's:
/// only latest revisions that are submitted, and only their open needs,
/// are read.
pub fn open_needs(conn: &mut DbConnection, country: Option<&str>) -> StoreResult<Vec<OpenNeed>> {
    let mut query = with_latest_revision()
        .filter(assessment_revisions::status.eq(AssessmentStatus::Submitted))
        .order(assessments::key)
        .select((AssessmentRow::as_select(), RevisionRow::as_select()))
        .into_boxed();
    if let Some(country) = country {
        query = query.filter(assessments::country.eq(country.to_owned()));
    }
    let rows = query.load(conn)?;
    Ok(assemble(conn, rows, NeedsLoaded::Open)?
        .into_iter()
        .flat_map(|a| {
            let (country, assessment, visibility) =
                (a.country.clone(), a.key.clone(), a.visibility);
            a.latest
                .data
                .open_needs()
                .into_iter()
                .cloned()
                .map(move |need| OpenNeed {
                    country: country.clone(),
                    assessment: assessment.clone(),
                    need,
                    visibility,
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

/// How many open needs each country has in its submitted assessments, for
/// the countries that have any; counted in SQL, by country code.
pub fn open_need_counts(conn: &mut DbConnection) -> QueryResult<Vec<(Iso3, i64)>> {
    use diesel::dsl::count_star;
    let counts: Vec<(String, i64)> = assessments::table
        .inner_join(
            assessment_revisions::table.on(assessment_revisions::assessment_id
                .eq(assessments::id)
                .and(assessment_revisions::revision.eq(assessments::latest_revision))),
        )
        .inner_join(needs::table.on(needs::revision_id.eq(assessment_revisions::id)))
        .filter(assessment_revisions::status.eq(AssessmentStatus::Submitted))
        .filter(needs::status.eq(NeedStatus::Open))
        .filter(not_met!(assessments::id))
        .group_by(assessments::country)
        .select((assessments::country, count_star()))
        .order(assessments::country)
        .load(conn)?;
    Ok(counts
        .into_iter()
        .map(|(iso3, count)| (Iso3::trusted(iso3), count))
        .collect())
}
