//! An assessment as a form or a file gives it, and its parse: as a draft
//! (lengths and codes) or for submission (every need complete).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{AssessmentData, AssessmentState, Deadlines, DraftNeed, MAX_NEEDS};
use crate::domain::codes::ThemeCode;
use crate::domain::fields::{AssessmentField as A, FieldPath, NeedField as N};
use crate::domain::problems::{FieldErrors, Problems};
use crate::domain::reference::ReferenceData;
use crate::domain::rules::{self, Checked};
use crate::domain::vocab::{NeedStatus, Priority, Stage};

/// One need as typed in a form row or read from a file: anything may be wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NeedInput {
    pub key: String,
    pub theme: String,
    pub priority: String,
    pub current_stage: String,
    pub target_stage: String,
    pub description: String,
    pub modalities: Vec<String>,
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wanted_by: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_reason: Option<String>,
}

/// A sub-theme, or nothing yet.
fn subtheme(code: &str, reference: &ReferenceData) -> Checked<Option<ThemeCode>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    match reference.theme(code) {
        None => Err(format!("unknown theme \"{code}\"")),
        Some(theme) if theme.is_parent() => Err("choose a sub-theme, not a whole theme".to_owned()),
        Some(theme) => Ok(Some(theme.code.clone())),
    }
}

/// A maturity stage, or nothing yet.
fn stage(code: &str) -> Checked<Option<Stage>> {
    rules::optional_choice::<Stage>(Some(code))
        .map_err(|_| "must be a stage from 1 to 5".to_owned())
}

impl NeedInput {
    /// A row the person left empty (an "add a need" row never filled in).
    /// A need that has a key was saved before, so it is never blank.
    pub fn is_blank(&self) -> bool {
        let blank = |text: &str| text.trim().is_empty();
        let none = |list: &[String]| list.iter().all(|v| blank(v));
        blank(&self.key)
            && blank(&self.theme)
            && blank(&self.priority)
            && blank(&self.current_stage)
            && blank(&self.target_stage)
            && blank(&self.description)
            && none(&self.modalities)
            && none(&self.languages)
            && self.wanted_by.as_deref().is_none_or(blank)
    }

    /// Need `index` as a draft holds it: lengths and codes, which hold for
    /// drafts too; problems are kept at the need's fields.
    fn parse_draft(
        &self,
        reference: &ReferenceData,
        index: usize,
        p: &mut Problems,
    ) -> Option<DraftNeed> {
        let at = |field| FieldPath::Need(index, field);
        let key = p.take(at(N::Key), rules::optional_key(&self.key));
        let theme = p.take(at(N::Theme), subtheme(&self.theme, reference));
        let priority = p.take(
            at(N::Priority),
            rules::optional_choice::<Priority>(Some(&self.priority)),
        );
        let current_stage = p.take(at(N::CurrentStage), stage(&self.current_stage));
        let target_stage = p.take(at(N::TargetStage), stage(&self.target_stage));
        let description = p.take(at(N::Description), rules::text(&self.description, 5000));
        let modalities = p.take(at(N::Modalities), rules::choices(&self.modalities));
        let languages = p.take(
            at(N::Languages),
            rules::codes(&self.languages, |c| reference.language_code(c)),
        );
        let wanted_by = p.take(
            at(N::WantedBy),
            rules::optional_date(self.wanted_by.as_deref()),
        );
        let status = p.take(
            at(N::Status),
            rules::optional_choice::<NeedStatus>(Some(&self.status)),
        );
        let withdrawn_reason = p.take(
            at(N::WithdrawnReason),
            rules::optional_text(
                self.withdrawn_reason.as_deref(),
                super::withdrawal::MAX_REASON,
            ),
        );
        Some(DraftNeed {
            key: key?,
            theme: theme?,
            priority: priority?,
            current_stage: current_stage?,
            target_stage: target_stage?,
            description: description?,
            modalities: modalities?,
            languages: languages?,
            wanted_by: wanted_by?,
            status: status?.unwrap_or(NeedStatus::Open),
            withdrawn_reason: withdrawn_reason?,
        })
    }
}

/// An assessment as a form or a file gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessmentInput {
    pub submitted_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub note: String,
    pub needs: Vec<NeedInput>,
}

/// What the person asked for: keep it as a draft, or submit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    SaveDraft,
    Submit(Deadlines),
}

impl AssessmentInput {
    /// Drops the rows a person added but never filled in. For forms only:
    /// in a file every need is meant, and errors must keep their positions.
    pub fn without_blank_rows(mut self) -> AssessmentInput {
        self.needs.retain(|n| !n.is_blank());
        self
    }

    /// Parses as a draft (lengths and codes) or for submission (every need
    /// complete, target above current, no past deadline, at least one need),
    /// naming every problem at its field.
    pub fn parse(
        &self,
        reference: &ReferenceData,
        intent: Intent,
    ) -> Result<AssessmentData, FieldErrors> {
        let mut p = Problems::new();
        let submitted_by = p.take(A::SubmittedBy, rules::text(&self.submitted_by, 200));
        let contact = p.take(A::Contact, rules::email(self.contact.as_deref()));
        let note = p.take(A::Note, rules::text(&self.note, 5000));
        if self.needs.len() > MAX_NEEDS {
            p.add(
                A::Needs,
                format!("an assessment may hold at most {MAX_NEEDS} needs"),
            );
        }
        let drafts: Vec<Option<DraftNeed>> = self
            .needs
            .iter()
            .enumerate()
            .map(|(i, need)| need.parse_draft(reference, i, &mut p))
            .collect();
        let mut seen = BTreeSet::new();
        for (i, need) in drafts.iter().enumerate() {
            if let Some(key) = need.as_ref().and_then(|n| n.key.as_ref()) {
                if !seen.insert(key.clone()) {
                    p.add(
                        FieldPath::Need(i, N::Key),
                        "appears twice in the assessment",
                    );
                }
            }
        }
        let state: Option<AssessmentState> = match intent {
            Intent::SaveDraft => drafts
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(AssessmentState::Draft),
            Intent::Submit(deadlines) => {
                if self.needs.is_empty() {
                    p.add(A::Needs, "add at least one need before submitting");
                }
                let complete: Vec<_> = drafts
                    .iter()
                    .enumerate()
                    .map(|(i, need)| need.as_ref()?.complete(deadlines, i, &mut p))
                    .collect();
                complete
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(AssessmentState::Submitted)
            }
        };
        p.finish(|| {
            Some(AssessmentData {
                submitted_by: submitted_by?,
                contact: contact?,
                note: note?,
                state: state?,
            })
        })
    }
}
