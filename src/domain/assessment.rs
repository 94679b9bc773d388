//! Needs assessments: what a country says it needs, revision by revision.
//!
//! A draft may be incomplete; a submitted assessment holds only complete
//! needs ([`Need`]), so nothing downstream has to ask whether a submitted
//! need has a theme or a priority.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidateArgs, ValidationError};

use super::codes::{Iso3, LanguageCode, RecordKey, ThemeCode};
use super::input::{date, known_languages, known_modalities, parse_date, plain_text};
use super::reference::ReferenceData;
use super::validation::{FieldErrors, invalid};
use super::vocab::{AssessmentStatus, Modality, NeedStatus, Priority, Stage};

/// The most needs one assessment may carry.
pub const MAX_NEEDS: usize = 100;

/// One need as typed in a form row or read from a file: anything may be wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
#[validate(context = ReferenceData)]
pub struct NeedInput {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    #[validate(custom(function = subtheme, use_context))]
    pub theme: String,
    #[serde(default)]
    #[validate(custom(function = priority))]
    pub priority: String,
    #[serde(default)]
    #[validate(custom(function = stage))]
    pub current_stage: String,
    #[serde(default)]
    #[validate(custom(function = stage))]
    pub target_stage: String,
    #[serde(default)]
    #[validate(
        length(max = 5000, message = "may be at most 5000 characters"),
        custom(function = plain_text)
    )]
    pub description: String,
    #[serde(default)]
    #[validate(custom(function = known_modalities))]
    pub modalities: Vec<String>,
    #[serde(default)]
    #[validate(custom(function = known_languages, use_context))]
    pub languages: Vec<String>,
    #[serde(default)]
    #[validate(custom(function = date))]
    pub wanted_by: Option<String>,
    #[serde(default)]
    #[validate(custom(function = need_status))]
    pub status: String,
    #[serde(default)]
    #[validate(
        length(max = 1000, message = "may be at most 1000 characters"),
        custom(function = plain_text)
    )]
    pub withdrawn_reason: Option<String>,
}

fn subtheme(code: &str, reference: &ReferenceData) -> Result<(), ValidationError> {
    match reference.theme(code) {
        _ if code.is_empty() => Ok(()),
        None => Err(invalid("unknown", format!("unknown theme \"{code}\""))),
        Some(theme) if theme.is_parent() => {
            Err(invalid("parent", "choose a sub-theme, not a whole theme"))
        }
        Some(_) => Ok(()),
    }
}

fn priority(code: &str) -> Result<(), ValidationError> {
    if code.is_empty() {
        Ok(())
    } else {
        code.parse::<Priority>()
            .map(|_| ())
            .map_err(|e| invalid("unknown", e.to_string()))
    }
}

fn stage(code: &str) -> Result<(), ValidationError> {
    if code.is_empty() {
        Ok(())
    } else {
        code.parse::<Stage>()
            .map(|_| ())
            .map_err(|_| invalid("stage", "must be a stage from 1 to 5"))
    }
}

fn need_status(code: &str) -> Result<(), ValidationError> {
    if code.is_empty() {
        Ok(())
    } else {
        code.parse::<NeedStatus>()
            .map(|_| ())
            .map_err(|e| invalid("unknown", e.to_string()))
    }
}

impl NeedInput {
    pub const FIELDS: &'static [&'static str] = &[
        "theme",
        "priority",
        "current_stage",
        "target_stage",
        "description",
        "modalities",
        "languages",
        "wanted_by",
        "status",
        "withdrawn_reason",
    ];

    pub fn normalized(mut self) -> NeedInput {
        for text in [
            &mut self.key,
            &mut self.theme,
            &mut self.priority,
            &mut self.current_stage,
            &mut self.target_stage,
            &mut self.description,
            &mut self.status,
        ] {
            *text = text.trim().to_owned();
        }
        for list in [&mut self.modalities, &mut self.languages] {
            list.iter_mut().for_each(|s| *s = s.trim().to_owned());
            list.retain(|s| !s.is_empty());
        }
        self.wanted_by = self
            .wanted_by
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self.withdrawn_reason = self
            .withdrawn_reason
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self
    }

    /// A row the person left empty (an "add a need" row never filled in).
    /// A need that has a key was saved before, so it is never blank.
    pub fn is_blank(&self) -> bool {
        self.key.is_empty()
            && self.theme.is_empty()
            && self.priority.is_empty()
            && self.current_stage.is_empty()
            && self.target_stage.is_empty()
            && self.description.is_empty()
            && self.modalities.is_empty()
            && self.languages.is_empty()
            && self.wanted_by.is_none()
    }

    pub fn from_draft(need: &DraftNeed) -> NeedInput {
        NeedInput {
            key: need
                .key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            theme: need
                .theme
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            priority: need
                .priority
                .map(|p| p.code().to_owned())
                .unwrap_or_default(),
            current_stage: need
                .current_stage
                .map(|s| s.code().to_owned())
                .unwrap_or_default(),
            target_stage: need
                .target_stage
                .map(|s| s.code().to_owned())
                .unwrap_or_default(),
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

    /// Checks lengths and codes, which hold for drafts too.
    fn parse_draft(
        &self,
        reference: &ReferenceData,
        prefix: &str,
        errors: &mut FieldErrors,
    ) -> Option<DraftNeed> {
        if let Err(found) = self.validate_with_args(reference) {
            for e in FieldErrors::from_validation(&found, Self::FIELDS).iter() {
                errors.add(format!("{prefix}{}", e.field), e.message.clone());
            }
            return None;
        }
        let key = match self.key.as_str() {
            "" => None,
            key => match RecordKey::parse(key) {
                Ok(key) => Some(key),
                Err(e) => {
                    errors.add(format!("{prefix}key"), e.to_string());
                    return None;
                }
            },
        };
        Some(DraftNeed {
            key,
            theme: reference.theme_code(&self.theme).ok(),
            priority: self.priority.parse().ok(),
            current_stage: self.current_stage.parse().ok(),
            target_stage: self.target_stage.parse().ok(),
            description: self.description.clone(),
            modalities: self
                .modalities
                .iter()
                .filter_map(|m| m.parse().ok())
                .collect(),
            languages: self
                .languages
                .iter()
                .filter_map(|l| reference.language_code(l).ok())
                .collect(),
            wanted_by: self.wanted_by.as_deref().and_then(parse_date),
            status: self.status.parse().unwrap_or(NeedStatus::Open),
            withdrawn_reason: self.withdrawn_reason.clone(),
        })
    }
}

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
    pub modalities: BTreeSet<Modality>,
    pub languages: BTreeSet<LanguageCode>,
    pub wanted_by: Option<NaiveDate>,
    pub status: NeedStatus,
    pub withdrawn_reason: Option<String>,
}

/// A complete need: what a submitted assessment holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    pub key: Option<RecordKey>,
    pub theme: ThemeCode,
    pub priority: Priority,
    pub current_stage: Stage,
    pub target_stage: Stage,
    pub description: String,
    pub modalities: BTreeSet<Modality>,
    pub languages: BTreeSet<LanguageCode>,
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
    /// A complete need, or what is missing or wrong, under `prefix`.
    pub fn complete(
        &self,
        deadlines: Deadlines,
        prefix: &str,
        errors: &mut FieldErrors,
    ) -> Option<Need> {
        let before = errors.len();
        let mut require = |present: bool, field: &str, message: &str| {
            if !present {
                errors.add(format!("{prefix}{field}"), message);
            }
        };
        require(
            self.theme.is_some(),
            "theme",
            "is required: choose the sub-theme",
        );
        require(self.priority.is_some(), "priority", "is required");
        require(self.current_stage.is_some(), "current_stage", "is required");
        require(self.target_stage.is_some(), "target_stage", "is required");
        require(
            !self.description.is_empty(),
            "description",
            "is required: say what is needed",
        );
        if let (Some(current), Some(target)) = (self.current_stage, self.target_stage) {
            if target <= current {
                errors.add(
                    format!("{prefix}target_stage"),
                    "must be above the current stage",
                );
            }
        }
        if let (Some(wanted_by), Deadlines::NotBefore(today)) = (self.wanted_by, deadlines) {
            if wanted_by < today {
                errors.add(format!("{prefix}wanted_by"), "must not be in the past");
            }
        }
        if errors.len() > before {
            return None;
        }
        Some(Need {
            key: self.key.clone(),
            theme: self.theme.clone()?,
            priority: self.priority?,
            current_stage: self.current_stage?,
            target_stage: self.target_stage?,
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

/// An assessment as a form or a file gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
pub struct AssessmentInput {
    #[serde(default)]
    #[validate(
        length(max = 200, message = "may be at most 200 characters"),
        custom(function = plain_text)
    )]
    pub submitted_by: String,
    #[serde(default)]
    #[validate(
        length(max = 254, message = "may be at most 254 characters"),
        email(message = "is not a valid e-mail address"),
        custom(function = plain_text)
    )]
    pub contact: Option<String>,
    #[serde(default)]
    #[validate(
        length(max = 5000, message = "may be at most 5000 characters"),
        custom(function = plain_text)
    )]
    pub note: String,
    #[serde(default)]
    pub needs: Vec<NeedInput>,
}

/// What the person asked for: keep it as a draft, or submit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    SaveDraft,
    Submit(Deadlines),
}

/// The form field of need `index`'s `field`, as forms and error lists name it.
pub fn need_field(index: usize, field: &str) -> String {
    format!("need-{index}-{field}")
}

impl AssessmentInput {
    pub const FIELDS: &'static [&'static str] = &["submitted_by", "contact", "note", "needs"];

    pub fn normalized(mut self) -> AssessmentInput {
        self.submitted_by = self.submitted_by.trim().to_owned();
        self.contact = self
            .contact
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        self.note = self.note.trim().to_owned();
        self.needs = self.needs.into_iter().map(NeedInput::normalized).collect();
        self
    }

    /// Drops the rows a person added but never filled in. For forms only:
    /// in a file every need is meant, and errors must keep their positions.
    pub fn without_blank_rows(mut self) -> AssessmentInput {
        self.needs.retain(|n| !n.is_blank());
        self
    }

    pub fn from_data(data: &AssessmentData) -> AssessmentInput {
        AssessmentInput {
            submitted_by: data.submitted_by.clone(),
            contact: data.contact.clone(),
            note: data.note.clone(),
            needs: data
                .state
                .needs()
                .iter()
                .map(NeedInput::from_draft)
                .collect(),
        }
    }

    /// Parses as a draft (lengths and codes) or for submission (every need
    /// complete, target above current, no past deadline, at least one need).
    /// Errors are named by form field (`need-0-theme`). Call on normalized input.
    pub fn parse(
        &self,
        reference: &ReferenceData,
        intent: Intent,
    ) -> Result<AssessmentData, FieldErrors> {
        let mut errors = match self.validate() {
            Ok(()) => FieldErrors::new(),
            Err(found) => FieldErrors::from_validation(&found, Self::FIELDS),
        };
        if self.needs.len() > MAX_NEEDS {
            errors.add(
                "needs",
                format!("an assessment may hold at most {MAX_NEEDS} needs"),
            );
        }
        let drafts: Vec<Option<DraftNeed>> = self
            .needs
            .iter()
            .enumerate()
            .map(|(i, need)| need.parse_draft(reference, &need_field(i, ""), &mut errors))
            .collect();
        let mut seen = BTreeSet::new();
        for (i, need) in drafts.iter().enumerate() {
            if let Some(key) = need.as_ref().and_then(|n| n.key.as_ref()) {
                if !seen.insert(key.clone()) {
                    errors.add(need_field(i, "key"), "appears twice in the assessment");
                }
            }
        }
        let state = match intent {
            Intent::SaveDraft => AssessmentState::Draft(drafts.into_iter().flatten().collect()),
            Intent::Submit(deadlines) => {
                if self.needs.is_empty() {
                    errors.add("needs", "add at least one need before submitting");
                }
                let complete = drafts
                    .iter()
                    .enumerate()
                    .filter_map(|(i, need)| {
                        need.as_ref()?
                            .complete(deadlines, &need_field(i, ""), &mut errors)
                    })
                    .collect();
                AssessmentState::Submitted(complete)
            }
        };
        errors.into_result()?;
        Ok(AssessmentData {
            submitted_by: self.submitted_by.clone(),
            contact: self.contact.clone(),
            note: self.note.clone(),
            state,
        })
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
}

/// An open need of a submitted assessment, with where it comes from: what
/// the matching engine works on.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenNeed {
    pub country: Iso3,
    pub assessment: RecordKey,
    pub need: Need,
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

/// The longest reason a withdrawal may give.
pub const MAX_REASON: usize = 1000;

/// A reason for withdrawing, trimmed and bounded.
pub fn withdrawal_reason(text: &str) -> Result<String, &'static str> {
    let reason = text.trim();
    if reason.is_empty() {
        Err("give a reason for withdrawing")
    } else if reason.chars().count() > MAX_REASON {
        Err("the reason may be at most 1000 characters")
    } else if plain_text(reason).is_err() {
        Err(
            "the reason contains a control character (such as a NUL byte), which cannot be saved: remove it",
        )
    } else {
        Ok(reason.to_owned())
    }
}

impl AssessmentData {
    /// The same assessment, withdrawn for `reason`.
    pub fn withdrawn(&self, reason: String) -> AssessmentData {
        AssessmentData {
            state: AssessmentState::Withdrawn {
                reason,
                needs: self.state.needs(),
            },
            ..self.clone()
        }
    }

    /// The same assessment with one need withdrawn, or `None` when it has no
    /// such need.
    pub fn with_need_withdrawn(&self, key: &str, reason: String) -> Option<AssessmentData> {
        let withdraw = |key_of: Option<&RecordKey>,
                        status: &mut NeedStatus,
                        why: &mut Option<String>|
         -> bool {
            if key_of.is_some_and(|k| k.as_str() == key) {
                *status = NeedStatus::Withdrawn;
                *why = Some(reason.clone());
                true
            } else {
                false
            }
        };
        let mut state = self.state.clone();
        let found = match &mut state {
            AssessmentState::Draft(needs) | AssessmentState::Withdrawn { needs, .. } => needs
                .iter_mut()
                .any(|n| withdraw(n.key.as_ref(), &mut n.status, &mut n.withdrawn_reason)),
            AssessmentState::Submitted(needs) => needs
                .iter_mut()
                .any(|n| withdraw(n.key.as_ref(), &mut n.status, &mut n.withdrawn_reason)),
        };
        found.then(|| AssessmentData {
            state,
            ..self.clone()
        })
    }

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
mod tests {
    use super::*;
    use crate::reference_data;
    use proptest::prelude::*;

    fn need(theme: &str, current: &str, target: &str) -> NeedInput {
        NeedInput {
            theme: theme.into(),
            priority: "high".into(),
            current_stage: current.into(),
            target_stage: target.into(),
            description: "Judges trained on electronic evidence".into(),
            languages: vec!["en".into()],
            wanted_by: Some("2027-06-30".into()),
            ..NeedInput::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn submit() -> Intent {
        Intent::Submit(Deadlines::NotBefore(today()))
    }

    #[test]
    fn a_complete_assessment_submits() {
        let reference = reference_data::load().unwrap();
        let input = AssessmentInput {
            needs: vec![need("cybercrime.judiciary", "1", "3"), NeedInput::default()],
            ..Default::default()
        }
        .normalized()
        .without_blank_rows();
        let data = input.parse(&reference, submit()).unwrap();
        let AssessmentState::Submitted(needs) = &data.state else {
            panic!("submitted")
        };
        assert_eq!(needs[0].target_stage, Stage::Established);
        assert_eq!(data.open_needs().len(), 1);
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_wrong() {
        let reference = reference_data::load().unwrap();
        let half = NeedInput {
            theme: "cybercrime.judiciary".into(),
            ..NeedInput::default()
        };
        let input = AssessmentInput {
            needs: vec![half.clone()],
            ..Default::default()
        }
        .normalized();
        assert!(matches!(
            input.parse(&reference, Intent::SaveDraft).unwrap().state,
            AssessmentState::Draft(_)
        ));
        let wrong = NeedInput {
            theme: "nonsense".into(),
            current_stage: "9".into(),
            ..half
        };
        let input = AssessmentInput {
            needs: vec![wrong],
            ..Default::default()
        }
        .normalized();
        let errors = input.parse(&reference, Intent::SaveDraft).unwrap_err();
        assert_eq!(
            errors.messages("need-0-theme"),
            ["unknown theme \"nonsense\""]
        );
        assert_eq!(
            errors.messages("need-0-current_stage"),
            ["must be a stage from 1 to 5"]
        );
    }

    #[test]
    fn submitting_names_every_missing_or_wrong_field() {
        let reference = reference_data::load().unwrap();
        let backwards = NeedInput {
            wanted_by: Some("2020-01-01".into()),
            ..need("cybercrime.judiciary", "3", "2")
        };
        let parent = need("cybercrime", "1", "2");
        let incomplete = NeedInput {
            description: "Only words".into(),
            ..NeedInput::default()
        };
        let input = AssessmentInput {
            needs: vec![backwards, parent, incomplete],
            ..Default::default()
        }
        .normalized();
        let errors = input.parse(&reference, submit()).unwrap_err();
        assert_eq!(
            errors.messages("need-0-target_stage"),
            ["must be above the current stage"]
        );
        assert_eq!(
            errors.messages("need-0-wanted_by"),
            ["must not be in the past"]
        );
        assert_eq!(
            errors.messages("need-1-theme"),
            ["choose a sub-theme, not a whole theme"]
        );
        for field in ["theme", "priority", "current_stage", "target_stage"] {
            assert!(errors.has(&format!("need-2-{field}")), "{field}");
        }
        let empty = AssessmentInput::default().normalized();
        assert_eq!(
            empty
                .parse(&reference, submit())
                .unwrap_err()
                .messages("needs"),
            ["add at least one need before submitting"]
        );
        // A file may record deadlines that have passed.
        let past = AssessmentInput {
            needs: vec![NeedInput {
                wanted_by: Some("2020-01-01".into()),
                ..need("cybercrime.judiciary", "1", "2")
            }],
            ..Default::default()
        };
        assert!(
            past.normalized()
                .parse(&reference, Intent::Submit(Deadlines::AsRecorded))
                .is_ok()
        );
    }

    #[test]
    fn changes_between_revisions_name_added_removed_and_changed_needs() {
        let reference = reference_data::load().unwrap();
        let keyed = |key: &str, n: NeedInput| NeedInput {
            key: key.into(),
            ..n
        };
        let before = AssessmentInput {
            submitted_by: "Ministry".into(),
            needs: vec![
                keyed("a-1", need("cybercrime.judiciary", "1", "3")),
                keyed("a-2", need("incident-ciip.cert", "1", "2")),
            ],
            ..Default::default()
        };
        let mut after = before.clone();
        after.needs.remove(1);
        after.needs[0].priority = "low".into();
        after
            .needs
            .push(keyed("a-3", need("culture-skills.awareness", "2", "4")));
        after.note = "Revised after the workshop".into();
        let [before, after] =
            [before, after].map(|i| i.normalized().parse(&reference, submit()).unwrap());
        let diff = changes(&before, &after);
        assert_eq!(diff.added, ["a-3"]);
        assert_eq!(diff.removed, ["a-2"]);
        assert_eq!(diff.changed.len(), 1);
        assert_eq!(
            diff.changed[0].1,
            [FieldChange {
                field: "priority",
                before: "High".into(),
                after: "Low".into()
            }]
        );
        assert_eq!(diff.assessment[0].field, "note");
        assert!(changes(&after, &after).is_empty());
    }

    #[test]
    fn withdrawing_a_need_keeps_the_rest() {
        let reference = reference_data::load().unwrap();
        let input = AssessmentInput {
            needs: vec![
                NeedInput {
                    key: "a-1".into(),
                    ..need("cybercrime.judiciary", "1", "3")
                },
                NeedInput {
                    key: "a-2".into(),
                    ..need("incident-ciip.cert", "1", "2")
                },
            ],
            ..Default::default()
        };
        let data = input.normalized().parse(&reference, submit()).unwrap();
        let after = data
            .with_need_withdrawn("a-1", "met by another donor".into())
            .unwrap();
        assert_eq!(after.open_needs().len(), 1);
        assert!(data.with_need_withdrawn("a-9", "x".into()).is_none());
        assert_eq!(
            after.withdrawn("no longer needed".into()).state.status(),
            AssessmentStatus::Withdrawn
        );
        assert_eq!(
            withdrawal_reason("  "),
            Err("give a reason for withdrawing")
        );
    }

    proptest! {
        /// Whatever the stages, a need submits only when the target is above the current stage.
        #[test]
        fn submitted_needs_always_aim_higher(current in 0u8..7, target in 0u8..7) {
            let reference = reference_data::load().unwrap();
            let input = AssessmentInput { needs: vec![need("cybercrime.judiciary", &current.to_string(), &target.to_string())], ..Default::default() };
            match input.normalized().parse(&reference, submit()) {
                Ok(data) => {
                    let AssessmentState::Submitted(needs) = data.state else { panic!("submitted") };
                    prop_assert!(needs[0].target_stage > needs[0].current_stage);
                    prop_assert!((1..=5).contains(&current) && (1..=5).contains(&target) && target > current);
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }
}
