//! The interchange file: what `capmatch import` reads and `capmatch export`
//! writes (format in DESIGN.md). Records are keyed by `key`: importing the
//! same file twice changes nothing the second time, and an import with any
//! error writes nothing.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::db::{self, DbConnection, StoreError};
use crate::domain::assessment::{
    Assessment, AssessmentData, AssessmentInput, AssessmentState, Deadlines, DraftNeed, Intent,
    NeedInput,
};
use crate::domain::codes::Iso3;
use crate::domain::codes::RecordKey;
use crate::domain::offering::{Offering, OfferingInput};
use crate::domain::provider::{Provider, ProviderInput};
use crate::domain::reference::ReferenceData;
use crate::domain::{AssessmentStatus, FieldErrors, OfferingData, ProviderData, Stage};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default)]
    pub providers: Vec<ProviderRecord>,
    #[serde(default)]
    pub offerings: Vec<OfferingRecord>,
    #[serde(default)]
    pub assessments: Vec<AssessmentRecord>,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRecord {
    #[serde(default)]
    pub global: bool,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRecord {
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub income_levels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferingRecord {
    pub key: String,
    pub provider: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub coverage: CoverageRecord,
    #[serde(default)]
    pub eligibility: EligibilityRecord,
    #[serde(default)]
    pub modalities: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub capacity: Option<u32>,
    #[serde(default)]
    pub starts_on: Option<String>,
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default = "active")]
    pub status: String,
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

impl NeedRecord {
    pub(crate) fn to_input(&self) -> NeedInput {
        NeedInput {
            key: self.key.clone(),
            theme: self.theme.clone().unwrap_or_default(),
            priority: self.priority.clone().unwrap_or_default(),
            current_stage: self
                .current_stage
                .map(|s| s.to_string())
                .unwrap_or_default(),
            target_stage: self.target_stage.map(|s| s.to_string()).unwrap_or_default(),
            description: self.description.clone(),
            modalities: self.modalities.clone(),
            languages: self.languages.clone(),
            wanted_by: self.wanted_by.clone(),
            status: self.status.clone(),
            withdrawn_reason: self.withdrawn_reason.clone(),
        }
    }

    fn from_need(need: &DraftNeed) -> NeedRecord {
        NeedRecord {
            key: need
                .key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            theme: need.theme.as_ref().map(ToString::to_string),
            priority: need.priority.map(|p| p.code().to_owned()),
            current_stage: need.current_stage.map(Stage::number),
            target_stage: need.target_stage.map(Stage::number),
            description: need.description.clone(),
            modalities: need
                .modalities
                .iter()
                .map(|m| m.code().to_owned())
                .collect(),
            languages: need.languages.iter().map(ToString::to_string).collect(),
            wanted_by: need.wanted_by.map(|d| d.to_string()),
            status: need.status.code().to_owned(),
            withdrawn_reason: need.withdrawn_reason.clone(),
        }
    }
}

impl AssessmentRecord {
    pub fn from_assessment(assessment: &Assessment) -> AssessmentRecord {
        let data = &assessment.latest.data;
        AssessmentRecord {
            key: assessment.key.to_string(),
            country: assessment.country.to_string(),
            status: data.state.status().code().to_owned(),
            submitted_by: data.submitted_by.clone(),
            contact: data.contact.clone(),
            note: data.note.clone(),
            withdrawn_reason: data.state.withdrawn_reason().map(str::to_owned),
            needs: data
                .state
                .needs()
                .iter()
                .map(NeedRecord::from_need)
                .collect(),
        }
    }

    /// Checks the record as a whole; a file may hold past deadlines.
    fn parse(&self, reference: &ReferenceData) -> Result<(Iso3, AssessmentData), FieldErrors> {
        let mut errors = FieldErrors::new();
        let country = reference
            .iso3(&self.country)
            .map_err(|e| errors.add("country", e.to_string()))
            .ok();
        let input = AssessmentInput {
            submitted_by: self.submitted_by.clone(),
            contact: self.contact.clone(),
            note: self.note.clone(),
            // A need without a key gets one from its place in the file, so
            // importing the same file again finds the same needs.
            needs: self
                .needs
                .iter()
                .enumerate()
                .map(|(i, need)| {
                    let mut input = need.to_input();
                    if input.key.trim().is_empty() {
                        input.key = format!("{}-{}", self.key.trim(), i + 1);
                    }
                    input
                })
                .collect(),
        }
        .normalized();
        let status = self
            .status
            .parse::<AssessmentStatus>()
            .map_err(|e| errors.add("status", e.to_string()))
            .ok();
        let intent = match status {
            Some(AssessmentStatus::Submitted) => Intent::Submit(Deadlines::AsRecorded),
            _ => Intent::SaveDraft,
        };
        let parsed = input
            .parse(reference, intent)
            .map_err(|found| errors.extend(found))
            .ok();
        let reason = self
            .withdrawn_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if status == Some(AssessmentStatus::Withdrawn) && reason.is_none() {
            errors.add("withdrawn_reason", "is required for a withdrawn assessment");
        }
        errors.clone().into_result()?;
        let (Some(country), Some(mut data)) = (country, parsed) else {
            return Err(errors);
        };
        if let (Some(AssessmentStatus::Withdrawn), Some(reason)) = (status, reason) {
            data.state = AssessmentState::Withdrawn {
                reason: reason.to_owned(),
                needs: data.state.needs(),
            };
        }
        Ok((country, data))
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn active() -> String {
    "active".to_owned()
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
        )
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

/// A document whose every record is valid, ready to write.
struct CheckedDocument {
    providers: Vec<(RecordKey, ProviderData, bool)>,
    offerings: Vec<(RecordKey, OfferingData, bool)>,
    assessments: Vec<(RecordKey, (Iso3, AssessmentData), bool)>,
}

impl ProviderRecord {
    fn to_input(&self) -> ProviderInput {
        ProviderInput {
            key: self.key.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            hq_country: self.hq_country.clone(),
            website: self.website.clone(),
            email: self.email.clone(),
            description: self.description.clone(),
            version: None,
        }
    }

    pub fn from_provider(provider: &Provider) -> ProviderRecord {
        let data = &provider.data;
        ProviderRecord {
            key: provider.key.to_string(),
            name: data.name.clone(),
            kind: data.kind.code().to_owned(),
            hq_country: data.hq_country.as_ref().map(ToString::to_string),
            website: data.website.clone(),
            email: data.email.clone(),
            description: data.description.clone(),
            archived: provider.archived,
        }
    }
}

impl OfferingRecord {
    pub(crate) fn to_input(&self) -> OfferingInput {
        OfferingInput {
            key: self.key.clone(),
            provider: self.provider.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            themes: self.themes.clone(),
            coverage_global: self.coverage.global,
            coverage_countries: self.coverage.countries.clone(),
            coverage_regions: self.coverage.regions.clone(),
            coverage_groups: self.coverage.groups.clone(),
            eligible_groups: self.eligibility.groups.clone(),
            eligible_income_levels: self.eligibility.income_levels.clone(),
            modalities: self.modalities.clone(),
            languages: self.languages.clone(),
            capacity: self.capacity.map(|c| c.to_string()),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            status: self.status.clone(),
            version: None,
        }
    }

    pub fn from_offering(offering: &Offering) -> OfferingRecord {
        let data = &offering.data;
        fn strings<T: ToString>(items: impl IntoIterator<Item = T>) -> Vec<String> {
            items.into_iter().map(|i| i.to_string()).collect()
        }
        OfferingRecord {
            key: offering.key.to_string(),
            provider: data.provider.to_string(),
            title: data.title.clone(),
            description: data.description.clone(),
            themes: strings(&data.themes),
            coverage: CoverageRecord {
                global: data.coverage.global,
                countries: strings(&data.coverage.countries),
                regions: strings(&data.coverage.regions),
                groups: strings(&data.coverage.groups),
            },
            eligibility: EligibilityRecord {
                groups: strings(&data.eligibility.groups),
                income_levels: strings(&data.eligibility.income_levels),
            },
            modalities: strings(&data.modalities),
            languages: strings(&data.languages),
            capacity: data.capacity,
            starts_on: data.starts_on.map(|d| d.to_string()),
            ends_on: data.ends_on.map(|d| d.to_string()),
            status: data.status.code().to_owned(),
            archived: offering.archived,
        }
    }
}

/// The file's name for a form field ("coverage_countries" is "coverage.countries").
fn file_field(field: &str) -> String {
    // A need's form field "need-2-theme" is "needs[2].theme" in the file.
    if let Some((index, name)) = field
        .strip_prefix("need-")
        .and_then(|rest| rest.split_once('-'))
    {
        return format!("needs[{index}].{name}");
    }
    match field {
        "coverage_global" => "coverage.global".to_owned(),
        "coverage_countries" => "coverage.countries".to_owned(),
        "coverage_regions" => "coverage.regions".to_owned(),
        "coverage_groups" => "coverage.groups".to_owned(),
        "eligible_groups" => "eligibility.groups".to_owned(),
        "eligible_income_levels" => "eligibility.income_levels".to_owned(),
        other => other.to_owned(),
    }
}

fn record_name(kind: &str, index: usize, key: &str) -> String {
    if key.trim().is_empty() {
        format!("{kind} #{}", index + 1)
    } else {
        format!("{kind} \"{key}\"")
    }
}

/// Checks every record, collecting every problem rather than stopping at the first.
fn check(
    document: &Document,
    reference: &ReferenceData,
) -> Result<CheckedDocument, Vec<ImportError>> {
    let mut errors = Vec::new();
    let providers = check_records(
        "provider",
        &document.providers,
        |r| (&r.key, r.archived),
        |r| r.to_input().normalized().parse(reference),
        &mut errors,
    );
    let offerings = check_records(
        "offering",
        &document.offerings,
        |r| (&r.key, r.archived),
        |r| r.to_input().normalized().parse(reference),
        &mut errors,
    );
    let assessments = check_records(
        "assessment",
        &document.assessments,
        |r| (&r.key, false),
        |r| r.parse(reference),
        &mut errors,
    );
    if errors.is_empty() {
        Ok(CheckedDocument {
            providers,
            offerings,
            assessments,
        })
    } else {
        Err(errors)
    }
}

/// Checks one list of records: keys well formed and unique in the file, and
/// every field valid. Problems go to `errors`, under the file's field names.
fn check_records<R, D>(
    kind: &str,
    records: &[R],
    key_and_archived: impl Fn(&R) -> (&String, bool),
    parse: impl Fn(&R) -> Result<D, crate::domain::FieldErrors>,
    errors: &mut Vec<ImportError>,
) -> Vec<(RecordKey, D, bool)> {
    let mut checked = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in records.iter().enumerate() {
        let (key, archived) = key_and_archived(record);
        let name = record_name(kind, i, key);
        let mut error = |field: &str, message: String| {
            errors.push(ImportError {
                record: name.clone(),
                field: file_field(field),
                message,
            })
        };
        let key = RecordKey::parse(key.trim());
        match &key {
            Err(e) => error("key", e.to_string()),
            Ok(key) if !seen.insert(key.clone()) => {
                error("key", "appears twice in the file".to_owned())
            }
            Ok(_) => {}
        }
        match (key, parse(record)) {
            (Ok(key), Ok(data)) => checked.push((key, data, archived)),
            (_, Ok(_)) => {}
            // The key was checked above, under the file's rule (required).
            (_, Err(field_errors)) => field_errors
                .iter()
                .filter(|e| e.field != "key")
                .for_each(|e| error(&e.field, e.message.clone())),
        }
    }
    checked
}

/// Imports a document in one transaction: everything or nothing. With
/// `dry_run` the transaction is rolled back and the report says what would change.
pub fn import(
    conn: &mut DbConnection,
    reference: &ReferenceData,
    document: &Document,
    dry_run: bool,
) -> Result<ImportReport, ImportFailure> {
    let checked = check(document, reference).map_err(ImportFailure::Invalid)?;
    let mut report = ImportReport {
        dry_run,
        ..ImportReport::default()
    };
    let outcome = db::write::<_, TransactionAbort>(conn, |conn| {
        for (key, data, archived) in &checked.providers {
            let counts = &mut report.providers;
            match db::providers::find(conn, key.as_str()) {
                Ok(existing) if existing.data == *data && existing.archived == *archived => {
                    counts.unchanged += 1
                }
                Ok(_) => {
                    db::providers::upsert(conn, key, data, *archived)?;
                    counts.updated += 1;
                }
                Err(StoreError::NotFound) => {
                    db::providers::upsert(conn, key, data, *archived)?;
                    counts.created += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut problems = Vec::new();
        for (key, data, archived) in &checked.offerings {
            let counts = &mut report.offerings;
            let existing = match db::offerings::find(conn, key.as_str()) {
                Ok(existing) => Some(existing),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            if existing
                .as_ref()
                .is_some_and(|o| o.data == *data && o.archived == *archived)
            {
                counts.unchanged += 1;
                continue;
            }
            match db::offerings::upsert(conn, key, data, *archived) {
                Ok(true) => counts.created += 1,
                Ok(false) => counts.updated += 1,
                Err(StoreError::UnknownProvider(provider)) => problems.push(ImportError {
                    record: format!("offering \"{key}\""),
                    field: "provider".to_owned(),
                    message: format!(
                        "no provider has the key \"{provider}\" in the file or the database"
                    ),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        for (key, (country, data), _) in &checked.assessments {
            let counts = &mut report.assessments;
            match db::assessments::upsert(conn, key, country, data) {
                Ok(None) => counts.unchanged += 1,
                Ok(Some(true)) => counts.created += 1,
                Ok(Some(false)) => counts.updated += 1,
                Err(StoreError::KeyTaken(_)) => problems.push(ImportError {
                    record: format!("assessment \"{key}\""),
                    field: "country".to_owned(),
                    message: "the key belongs to another country's assessment".to_owned(),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        if !problems.is_empty() {
            return Err(TransactionAbort::Invalid(problems));
        }
        if dry_run {
            Err(TransactionAbort::DryRun)
        } else {
            Ok(())
        }
    });
    match outcome {
        Ok(()) | Err(TransactionAbort::DryRun) => Ok(report),
        Err(TransactionAbort::Invalid(problems)) => Err(ImportFailure::Invalid(problems)),
        Err(TransactionAbort::Store(e)) => Err(ImportFailure::Store(e)),
    }
}

/// Ends the import transaction with a rollback.
enum TransactionAbort {
    DryRun,
    Invalid(Vec<ImportError>),
    Store(StoreError),
}

impl From<diesel::result::Error> for TransactionAbort {
    fn from(e: diesel::result::Error) -> Self {
        TransactionAbort::Store(e.into())
    }
}

impl From<StoreError> for TransactionAbort {
    fn from(e: StoreError) -> Self {
        TransactionAbort::Store(e)
    }
}

/// Everything in the directory, archived records too, in key order.
pub fn export(conn: &mut DbConnection) -> Result<Document, StoreError> {
    Ok(Document {
        providers: db::providers::all(conn)?
            .iter()
            .map(ProviderRecord::from_provider)
            .collect(),
        offerings: db::offerings::all(conn)?
            .iter()
            .map(OfferingRecord::from_offering)
            .collect(),
        assessments: db::assessments::all(conn)?
            .iter()
            .map(AssessmentRecord::from_assessment)
            .collect(),
    })
}

/// The document as the file holds it: pretty JSON with a final newline.
pub fn to_json(document: &Document) -> String {
    let mut json = serde_json::to_string_pretty(document).expect("a document always serialises");
    json.push('\n');
    json
}
