//! Needs assessments: what a country says it needs, revision by revision.
//!
//! A draft may be incomplete; a submitted assessment holds only complete
//! needs ([`Need`]), so nothing downstream has to ask whether a submitted
//! need has a theme or a priority. The input a form or a file gives is in
//! [`input`], what changed between revisions in [`history`], and the rules
//! for withdrawing and revising in [`withdrawal`].

use super::code_set::CodeSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::codes::{Iso3, LanguageCode, RecordKey, ThemeCode};
use super::fields::{FieldPath, NeedField};
use super::problems::Problems;
use super::vocab::{AssessmentStatus, Modality, NeedStatus, Priority, Stage, Visibility};

pub mod history;
pub mod input;
pub mod withdrawal;

pub use history::{FieldChange, RevisionChanges, changes};
pub use input::{AssessmentInput, Intent, NeedInput};
pub use withdrawal::{AssessmentError, withdrawal_reason};

/// The most needs one assessment may carry.
pub const MAX_NEEDS: usize = 100;

/// A need as a draft may hold it: any of its main fields may still be missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftNeed {
    /// Given by the store when the need is first saved.
    pub key: Option<RecordKey>,
    pub theme: Option<ThemeCode>,
    pub priority: Option<Priority>,
    pub current_stage: Option<Stage>,
    pub target_stage: Option<Stage>,
    pub description: String,
    pub modalities: CodeSet<Modality>,
    pub languages: CodeSet<LanguageCode>,
    pub wanted_by: Option<NaiveDate>,
    pub status: NeedStatus,
    pub withdrawn_reason: Option<String>,
}

/// A complete need: what a submitted assessment holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Need {
    pub key: Option<RecordKey>,
    pub theme: ThemeCode,
    pub priority: Priority,
    pub current_stage: Stage,
    pub target_stage: Stage,
    pub description: String,
    pub modalities: CodeSet<Modality>,
    pub languages: CodeSet<LanguageCode>,
    pub wanted_by: Option<NaiveDate>,
    pub status: NeedStatus,
    pub withdrawn_reason: Option<String>,
}

/// Whether a need's wanted-by date may lie in the past: a person submitting
/// today may not ask for yesterday, but a file of past assessments may hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadlines {
    NotBefore(NaiveDate),
    AsRecorded,
}

impl DraftNeed {
    /// The complete need at position `index`, or what is missing or wrong
    /// kept in `problems`.
    pub fn complete(
        &self,
        deadlines: Deadlines,
        index: usize,
        problems: &mut Problems,
    ) -> Option<Need> {
        let at = |field| FieldPath::Need(index, field);
        let theme = problems.take(
            at(NeedField::Theme),
            self.theme
                .clone()
                .ok_or_else(|| "is required: choose the sub-theme".to_owned()),
        );
        fn required<T>(value: Option<T>) -> Result<T, String> {
            value.ok_or_else(|| "is required".to_owned())
        }
        let priority = problems.take(at(NeedField::Priority), required(self.priority));
        let current = problems.take(at(NeedField::CurrentStage), required(self.current_stage));
        let target = problems.take(at(NeedField::TargetStage), required(self.target_stage));
        if self.description.is_empty() {
            problems.add(
                at(NeedField::Description),
                "is required: say what is needed",
            );
        }
        if let (Some(current), Some(target)) = (current, target) {
            if target <= current {
                problems.add(
                    at(NeedField::TargetStage),
                    "must be above the current stage",
                );
            }
        }
        if let (Some(wanted_by), Deadlines::NotBefore(today)) = (self.wanted_by, deadlines) {
            if wanted_by < today {
                problems.add(at(NeedField::WantedBy), "must not be in the past");
            }
        }
        Some(Need {
            key: self.key.clone(),
            theme: theme?,
            priority: priority?,
            current_stage: current?,
            target_stage: target?,
            description: self.description.clone(),
            modalities: self.modalities.clone(),
            languages: self.languages.clone(),
            wanted_by: self.wanted_by,
            status: self.status,
            withdrawn_reason: self.withdrawn_reason.clone(),
        })
    }
}

impl Need {
    pub fn as_draft(&self) -> DraftNeed {
        DraftNeed {
            key: self.key.clone(),
            theme: Some(self.theme.clone()),
            priority: Some(self.priority),
            current_stage: Some(self.current_stage),
            target_stage: Some(self.target_stage),
            description: self.description.clone(),
            modalities: self.modalities.clone(),
            languages: self.languages.clone(),
            wanted_by: self.wanted_by,
            status: self.status,
            withdrawn_reason: self.withdrawn_reason.clone(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status == NeedStatus::Open
    }
}

/// An assessment's needs, as its status allows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AssessmentState {
    Draft(Vec<DraftNeed>),
    Submitted(Vec<Need>),
    /// Withdrawn with a reason; its needs are kept as they were.
    Withdrawn {
        reason: String,
        needs: Vec<DraftNeed>,
    },
}

impl AssessmentState {
    pub fn status(&self) -> AssessmentStatus {
        match self {
            AssessmentState::Draft(_) => AssessmentStatus::Draft,
            AssessmentState::Submitted(_) => AssessmentStatus::Submitted,
            AssessmentState::Withdrawn { .. } => AssessmentStatus::Withdrawn,
        }
    }

    /// Every need, complete or not, in order.
    pub fn needs(&self) -> Vec<DraftNeed> {
        match self {
            AssessmentState::Draft(needs) | AssessmentState::Withdrawn { needs, .. } => {
                needs.clone()
            }
            AssessmentState::Submitted(needs) => needs.iter().map(Need::as_draft).collect(),
        }
    }

    pub fn withdrawn_reason(&self) -> Option<&str> {
        match self {
            AssessmentState::Withdrawn { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// What a revision says: who, how to reach them, a note, and the needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentData {
    pub submitted_by: String,
    pub contact: Option<String>,
    pub note: String,
    pub state: AssessmentState,
}

impl AssessmentData {
    /// This data as the next revision after `before` (none for a new
    /// assessment). A need keeps its key only where `before` has a need so
    /// keyed; any other row is a new need, keyed by the store. A key is a
    /// need's identity, which its matches and history hang on: a form may
    /// only carry the keys of the revision it revises, never a removed
    /// need's, another country's or a made-up one.
    pub fn revising(mut self, before: Option<&AssessmentData>) -> AssessmentData {
        let known: std::collections::HashSet<RecordKey> = before
            .map(|b| b.state.needs().into_iter().filter_map(|n| n.key).collect())
            .unwrap_or_default();
        let forget_unknown = |key: &mut Option<RecordKey>| {
            if key.as_ref().is_some_and(|k| !known.contains(k)) {
                *key = None;
            }
        };
        match &mut self.state {
            AssessmentState::Draft(needs) | AssessmentState::Withdrawn { needs, .. } => {
                needs.iter_mut().for_each(|n| forget_unknown(&mut n.key));
            }
            AssessmentState::Submitted(needs) => {
                needs.iter_mut().for_each(|n| forget_unknown(&mut n.key));
            }
        }
        self
    }
}

/// One revision of an assessment, as stored: never changed once written.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: i32,
    pub data: AssessmentData,
    /// What this revision did, in words ("submitted", "withdrew need gha-2026-2: met by the EU").
    pub change: String,
    pub created_at: NaiveDateTime,
}

/// An assessment with its latest revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub id: i64,
    pub key: RecordKey,
    pub country: Iso3,
    pub latest: Revision,
    pub created_at: NaiveDateTime,
    /// Who may read it: the assessment's own setting, not a revision's.
    pub visibility: Visibility,
}

/// An open need of a submitted assessment, with where it comes from: what
/// the matching engine works on.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenNeed {
    pub country: Iso3,
    pub assessment: RecordKey,
    pub need: Need,
    /// Who may read it, as its assessment says.
    pub visibility: Visibility,
}

impl OpenNeed {
    /// The need's key as reports write it: empty for a need without one.
    pub fn key_text(&self) -> String {
        self.need
            .key
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// Orders open needs most urgent first: highest priority, then the
/// soonest wanted-by date (needs without one last), then key.
pub fn by_urgency(needs: &mut [OpenNeed]) {
    needs.sort_by(|a, b| {
        let order = |n: &OpenNeed| {
            (
                n.need.priority,
                n.need.wanted_by.is_none(),
                n.need.wanted_by,
                n.need.key.clone(),
            )
        };
        order(a).cmp(&order(b))
    });
}

impl AssessmentData {
    /// The open needs of a submitted assessment, highest priority first.
    pub fn open_needs(&self) -> Vec<&Need> {
        let mut open: Vec<&Need> = match &self.state {
            AssessmentState::Submitted(needs) => needs.iter().filter(|n| n.is_open()).collect(),
            _ => Vec::new(),
        };
        open.sort_by_key(|n| n.priority);
        open
    }
}

#[cfg(test)]
mod tests;
