//! Importing a document (all of it, or nothing) and exporting everything.

use std::collections::BTreeSet;

use super::convert::CheckedAssessment;
use super::{
    AssessmentRecord, Document, ImportError, ImportFailure, ImportReport, OfferingRecord,
    ProviderRecord,
};
use crate::db::{self, DbConnection, StoreError};
use crate::domain::audit::{Actor, AuditAction, AuditedRecord};
use crate::domain::codes::RecordKey;
use crate::domain::fields::{AssessmentField, FieldPath, OfferingField, ProviderField};
use crate::domain::problems::FieldErrors;
use crate::domain::reference::ReferenceData;
use crate::domain::{OfferingData, ProviderData};

/// A document whose every record is valid, ready to write.
pub(super) struct CheckedDocument {
    providers: Vec<(RecordKey, ProviderData, bool)>,
    offerings: Vec<(RecordKey, OfferingData, bool)>,
    assessments: Vec<(RecordKey, CheckedAssessment, bool)>,
    matches: Vec<super::matches::CheckedMatch>,
}

fn record_name(kind: &str, index: usize, key: &str) -> String {
    if key.trim().is_empty() {
        format!("{kind} #{}", index + 1)
    } else {
        format!("{kind} \"{key}\"")
    }
}

/// Checks every record, collecting every problem rather than stopping at the first.
pub(super) fn check(
    document: &Document,
    reference: &ReferenceData,
) -> Result<CheckedDocument, Vec<ImportError>> {
    let mut errors = Vec::new();
    let providers = check_records(
        ("provider", ProviderField::Key.into()),
        &document.providers,
        |r| (&r.key, r.archived),
        |r| r.to_input().parse(reference).map(|parsed| parsed.data),
        &mut errors,
    );
    let offerings = check_records(
        ("offering", OfferingField::Key.into()),
        &document.offerings,
        |r| (&r.key, r.archived),
        |r| r.to_input().parse(reference).map(|parsed| parsed.data),
        &mut errors,
    );
    let assessments = check_records(
        ("assessment", AssessmentField::Key.into()),
        &document.assessments,
        |r| (&r.key, false),
        |r| r.parse(reference),
        &mut errors,
    );
    let matches = super::matches::check(&document.matches, reference, &mut errors);
    if errors.is_empty() {
        Ok(CheckedDocument {
            providers,
            offerings,
            assessments,
            matches,
        })
    } else {
        Err(errors)
    }
}

/// Checks one list of records: keys given, well formed and unique in the
/// file, and every field valid. Problems go to `errors`, each naming the
/// record and the field's path in the file.
fn check_records<R, D>(
    (kind, key_path): (&str, FieldPath),
    records: &[R],
    key_and_archived: impl Fn(&R) -> (&String, bool),
    parse: impl Fn(&R) -> Result<D, FieldErrors>,
    errors: &mut Vec<ImportError>,
) -> Vec<(RecordKey, D, bool)> {
    let mut checked = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in records.iter().enumerate() {
        let (key, archived) = key_and_archived(record);
        let name = record_name(kind, i, key);
        let mut error = |path: FieldPath, message: String| {
            errors.push(ImportError {
                record: name.clone(),
                field: path.file_path(),
                message,
            })
        };
        // A file's record must have a key (a form may leave it to be made).
        let key = RecordKey::parse(key.trim());
        match &key {
            Err(e) => error(key_path, e.to_string()),
            Ok(key) if !seen.insert(key.clone()) => {
                error(key_path, "appears twice in the file".to_owned())
            }
            Ok(_) => {}
        }
        match (key, parse(record)) {
            (Ok(key), Ok(data)) => checked.push((key, data, archived)),
            (_, Ok(_)) => {}
            (_, Err(field_errors)) => field_errors
                .iter()
                .filter(|e| e.path != key_path)
                .for_each(|e| error(e.path, e.message.clone())),
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
    actor: &Actor,
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
                Ok(existing) => {
                    db::providers::upsert(conn, key, data, *archived)?;
                    let before = Some(&existing.data);
                    db::audit::append(
                        conn,
                        actor,
                        AuditedRecord::Provider,
                        key.as_str(),
                        AuditAction::Changed,
                        before,
                        Some(data),
                    )?;
                    counts.updated += 1;
                }
                Err(StoreError::NotFound) => {
                    db::providers::upsert(conn, key, data, *archived)?;
                    db::audit::append(
                        conn,
                        actor,
                        AuditedRecord::Provider,
                        key.as_str(),
                        AuditAction::Created,
                        None::<&ProviderData>,
                        Some(data),
                    )?;
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
            let saved = db::offerings::upsert(conn, key, data, *archived);
            if saved.is_ok() {
                let (action, before) = match &existing {
                    Some(o) => (AuditAction::Changed, Some(&o.data)),
                    None => (AuditAction::Created, None),
                };
                db::audit::append(
                    conn,
                    actor,
                    AuditedRecord::Offering,
                    key.as_str(),
                    action,
                    before,
                    Some(data),
                )?;
            }
            match saved {
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
        for (key, checked, _) in &checked.assessments {
            let counts = &mut report.assessments;
            let saved = db::assessments::upsert(conn, actor, key, &checked.country, &checked.data);
            let seen = match (&saved, checked.visibility) {
                (Ok(_), Some(visibility)) => {
                    db::assessments::set_visibility(conn, actor, key.as_str(), visibility)?
                }
                _ => false,
            };
            match saved {
                Ok(None) if seen => counts.updated += 1,
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
        super::matches::import(
            conn,
            actor,
            &checked.matches,
            &mut report.matches,
            &mut problems,
        )?;
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
        matches: db::matches::all_with_history(conn)?
            .iter()
            .map(|(record, history)| super::MatchEntry::of(record, history))
            .collect(),
    })
}
