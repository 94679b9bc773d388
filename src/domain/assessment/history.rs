//! What changed from one revision of an assessment to the next, in words.

use serde::Serialize;

use super::{AssessmentData, DraftNeed};

/// A field that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// What changed from one revision to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RevisionChanges {
    pub assessment: Vec<FieldChange>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<(String, Vec<FieldChange>)>,
}

impl RevisionChanges {
    pub fn is_empty(&self) -> bool {
        self.assessment.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
    }
}

fn shown<T: ToString>(value: Option<T>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "—".to_owned())
}

fn listed<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if items.is_empty() {
        "—".to_owned()
    } else {
        items.join(", ")
    }
}

/// The fields of a need, in words, for comparing and showing.
fn need_fields(need: &DraftNeed) -> [(&'static str, String); 10] {
    [
        ("theme", shown(need.theme.as_ref())),
        ("priority", shown(need.priority.map(|p| p.label()))),
        (
            "current stage",
            shown(
                need.current_stage
                    .map(|s| format!("{} {}", s.number(), s.label())),
            ),
        ),
        (
            "target stage",
            shown(
                need.target_stage
                    .map(|s| format!("{} {}", s.number(), s.label())),
            ),
        ),
        ("description", need.description.clone()),
        (
            "modalities",
            listed(need.modalities.iter().map(|m| m.label())),
        ),
        ("languages", listed(&need.languages)),
        ("wanted by", shown(need.wanted_by)),
        ("status", need.status.label().to_owned()),
        ("withdrawn because", shown(need.withdrawn_reason.as_ref())),
    ]
}

fn changes_between(
    before: &[(&'static str, String)],
    after: &[(&'static str, String)],
) -> Vec<FieldChange> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, a)| FieldChange {
            field: b.0,
            before: b.1.clone(),
            after: a.1.clone(),
        })
        .collect()
}

/// Compares two revisions: assessment fields, and needs matched by key.
pub fn changes(before: &AssessmentData, after: &AssessmentData) -> RevisionChanges {
    let fields = |d: &AssessmentData| {
        [
            ("status", d.state.status().label().to_owned()),
            ("submitted by", d.submitted_by.clone()),
            ("contact", shown(d.contact.as_ref())),
            ("note", d.note.clone()),
            ("withdrawn because", shown(d.state.withdrawn_reason())),
        ]
    };
    let key_of = |n: &DraftNeed| n.key.as_ref().map(ToString::to_string).unwrap_or_default();
    let (old, new) = (before.state.needs(), after.state.needs());
    let mut result = RevisionChanges {
        assessment: changes_between(&fields(before), &fields(after)),
        ..Default::default()
    };
    for need in &new {
        match old.iter().find(|o| key_of(o) == key_of(need)) {
            None => result.added.push(key_of(need)),
            Some(previous) => {
                let differences = changes_between(&need_fields(previous), &need_fields(need));
                if !differences.is_empty() {
                    result.changed.push((key_of(need), differences));
                }
            }
        }
    }
    result.removed = old
        .iter()
        .filter(|o| !new.iter().any(|n| key_of(n) == key_of(o)))
        .map(key_of)
        .collect();
    result
}
