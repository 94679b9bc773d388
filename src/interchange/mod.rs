//! The interchange file: what `capmatch import` reads and `capmatch export`
//! writes (format in DESIGN.md). Records are keyed by `key`: importing the
//! same file twice changes nothing the second time, and an import with any
//! error writes nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::{
    Completion, Initiative, MatchEvent, MatchRecord, MatchState, RecordedFactor,
};

use crate::db::StoreError;

mod convert;
mod import;
mod matches;
#[cfg(test)]
mod tests;

pub use import::{export, import};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Document {
    pub providers: Vec<ProviderRecord>,
    pub offerings: Vec<OfferingRecord>,
    pub assessments: Vec<AssessmentRecord>,
    /// Matches with their whole history, so a backup restores the process
    /// too. Absent from older files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<MatchEntry>,
}

/// A match as files and the API carry it: records named by their keys,
/// never by database ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchEntry {
    pub key: String,
    pub country: String,
    pub assessment: String,
    pub need: String,
    pub theme: String,
    pub offering: String,
    /// The offering's provider; written for readers, not read back.
    #[serde(default)]
    pub provider: String,
    pub initiative: Initiative,
    pub state: MatchState,
    /// The engine's score and factors when the match began.
    pub score: f64,
    #[serde(default)]
    pub factors: Vec<RecordedFactor>,
    #[serde(default)]
    pub completion: Option<Completion>,
    pub history: Vec<MatchEventEntry>,
}

/// One change of a match's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchEventEntry {
    /// UTC, as `2026-11-24T10:00:00`.
    pub at: chrono::NaiveDateTime,
    pub by: String,
    pub from: Option<MatchState>,
    pub to: MatchState,
    #[serde(default)]
    pub note: String,
}

impl MatchEntry {
    /// The match as a reader who is not one of its parties may see it:
    /// where it stands and when, without what the parties wrote.
    pub fn without_notes(mut self) -> MatchEntry {
        for event in &mut self.history {
            event.note.clear();
        }
        if let Some(completion) = &mut self.completion {
            completion.comment.clear();
        }
        self
    }

    pub fn of(record: &MatchRecord, history: &[MatchEvent]) -> MatchEntry {
        MatchEntry {
            key: record.key.to_string(),
            country: record.country.to_string(),
            assessment: record.assessment.to_string(),
            need: record.need.to_string(),
            theme: record.theme.to_string(),
            offering: record.offering.to_string(),
            provider: record.provider.to_string(),
            initiative: record.initiative,
            state: record.state,
            score: record.score,
            factors: record.factors.clone(),
            completion: record.completion.clone(),
            history: history
                .iter()
                .map(|e| MatchEventEntry {
                    at: e.at,
                    by: e.actor.clone(),
                    from: e.from,
                    to: e.to,
                    note: e.note.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderRecord {
    pub key: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub hq_country: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
}

// The offering's records hold their texts as `S`: `String` when a file
// is read, `&str` borrowed from the offering when one is written out, so
// that an API page of offerings copies none of their texts.

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoverageRecord<S = String> {
    pub global: bool,
    pub countries: Vec<S>,
    pub regions: Vec<S>,
    pub groups: Vec<S>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EligibilityRecord<S = String> {
    pub groups: Vec<S>,
    pub income_levels: Vec<S>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    bound(deserialize = "S: Deserialize<'de> + Default + From<&'static str>")
)]
pub struct OfferingRecord<S = String> {
    pub key: S,
    pub provider: S,
    pub title: S,
    #[serde(default)]
    pub description: S,
    #[serde(default)]
    pub themes: Vec<S>,
    #[serde(default)]
    pub coverage: CoverageRecord<S>,
    #[serde(default)]
    pub eligibility: EligibilityRecord<S>,
    #[serde(default)]
    pub modalities: Vec<S>,
    #[serde(default)]
    pub languages: Vec<S>,
    #[serde(default)]
    pub capacity: Option<u32>,
    #[serde(default)]
    pub starts_on: Option<String>,
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default = "active")]
    pub status: S,
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentRecord {
    pub key: String,
    pub country: String,
    #[serde(default = "submitted")]
    pub status: String,
    #[serde(default)]
    pub submitted_by: String,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Required when the status is `withdrawn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_reason: Option<String>,
    /// Who may read it: `public`, `registered` or `restricted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(default)]
    pub needs: Vec<NeedRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedRecord {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub current_stage: Option<u8>,
    #[serde(default)]
    pub target_stage: Option<u8>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub modalities: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub wanted_by: Option<String>,
    #[serde(default = "open")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_reason: Option<String>,
}

fn submitted() -> String {
    "submitted".to_owned()
}

fn open() -> String {
    "open".to_owned()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn active<S: From<&'static str>>() -> S {
    S::from("active")
}

/// One problem in a file, naming the record and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub record: String,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.record, self.message)
        } else {
            write!(f, "{}, field {}: {}", self.record, self.field, self.message)
        }
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("the file is not a capmatch interchange document: {0}")]
    Unreadable(String),
    #[error("{} problem(s) in the file; nothing was imported", .0.len())]
    Invalid(Vec<ImportError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did (or, with a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub providers: Counts,
    pub offerings: Counts,
    pub assessments: Counts,
    pub matches: Counts,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        let line = |c: &Counts| {
            format!(
                "{} created, {} updated, {} unchanged",
                c.created, c.updated, c.unchanged
            )
        };
        write!(
            f,
            "{verb} providers: {}; offerings: {}; assessments: {}",
            line(&self.providers),
            line(&self.offerings),
            line(&self.assessments)
        )?;
        // Files from before matches existed, and most imports, hold none.
        if self.matches != Counts::default() {
            write!(f, "; matches: {}", line(&self.matches))?;
        }
        Ok(())
    }
}

/// Reads a document, naming where in the file anything is wrong.
pub fn parse(json: &str) -> Result<Document, ImportFailure> {
    let deserializer = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ImportFailure::Unreadable(inner.to_string())
        } else {
            ImportFailure::Unreadable(format!("at {path}: {inner}"))
        }
    })
}

/// The document as the file holds it: pretty JSON with a final newline.
pub fn to_json(document: &Document) -> String {
    let mut json = serde_json::to_string_pretty(document).expect("a document always serialises");
    json.push('\n');
    json
}
