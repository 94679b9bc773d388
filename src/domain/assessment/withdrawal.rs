//! Withdrawing an assessment or one of its needs, and revising one: the
//! rules a withdrawal or a revision must meet, whoever asks.

use super::{Assessment, AssessmentData, AssessmentState, Need, NeedStatus};
use crate::domain::codes::RecordKey;
use crate::domain::rules;
use crate::domain::vocab::AssessmentStatus;

/// The longest reason a withdrawal may give.
pub const MAX_REASON: usize = 1000;

/// A reason for withdrawing, trimmed and bounded.
pub fn withdrawal_reason(text: &str) -> Result<String, &'static str> {
    let reason = text.trim();
    if reason.is_empty() {
        Err("give a reason for withdrawing")
    } else if reason.chars().count() > MAX_REASON {
        Err("the reason may be at most 1000 characters")
    } else if rules::has_control_characters(reason.as_bytes()) {
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
}

/// Why an assessment cannot be changed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessmentError {
    #[error("The assessment is already withdrawn.")]
    AlreadyWithdrawn,
    #[error("A withdrawn assessment cannot be revised.")]
    WithdrawnCannotBeRevised,
    #[error("Needs are withdrawn from a submitted assessment only.")]
    NeedsOnlyFromSubmitted,
    #[error("The need \"{0}\" was not found")]
    NoSuchNeed(String),
    #[error("The need \"{0}\" is already withdrawn.")]
    NeedAlreadyWithdrawn(String),
}

/// A new revision's content and what it did, in words for the history.
pub struct Change {
    pub data: AssessmentData,
    pub summary: String,
}

impl Assessment {
    /// Whether the latest revision may be revised, and its status if so:
    /// withdrawn assessments are kept as they are.
    pub fn revisable(&self) -> Result<AssessmentStatus, AssessmentError> {
        match self.latest.data.state.status() {
            AssessmentStatus::Withdrawn => Err(AssessmentError::WithdrawnCannotBeRevised),
            status => Ok(status),
        }
    }

    /// Whether the assessment may be withdrawn: once.
    pub fn may_withdraw(&self) -> Result<(), AssessmentError> {
        if self.latest.data.state.status() == AssessmentStatus::Withdrawn {
            return Err(AssessmentError::AlreadyWithdrawn);
        }
        Ok(())
    }

    /// The need `need`, when it may be withdrawn: from a submitted
    /// assessment, once.
    pub fn withdrawable_need(&self, need: &str) -> Result<&Need, AssessmentError> {
        let AssessmentState::Submitted(needs) = &self.latest.data.state else {
            return Err(AssessmentError::NeedsOnlyFromSubmitted);
        };
        let found = needs
            .iter()
            .find(|n| n.key.as_ref().is_some_and(|k| k.as_str() == need))
            .ok_or_else(|| AssessmentError::NoSuchNeed(need.to_owned()))?;
        if found.status == NeedStatus::Withdrawn {
            return Err(AssessmentError::NeedAlreadyWithdrawn(need.to_owned()));
        }
        Ok(found)
    }

    /// The assessment withdrawn for `reason` (already checked by
    /// [`withdrawal_reason`]).
    pub fn withdraw(&self, reason: String) -> Result<Change, AssessmentError> {
        self.may_withdraw()?;
        Ok(Change {
            summary: format!("withdrawn: {reason}"),
            data: self.latest.data.withdrawn(reason),
        })
    }

    /// The assessment with need `need` withdrawn for `reason`.
    pub fn withdraw_need(&self, need: &str, reason: String) -> Result<Change, AssessmentError> {
        self.withdrawable_need(need)?;
        let summary = format!("need {need} withdrawn: {reason}");
        let data = self
            .latest
            .data
            .with_need_withdrawn(need, reason)
            .ok_or_else(|| AssessmentError::NoSuchNeed(need.to_owned()))?;
        Ok(Change { data, summary })
    }
}
