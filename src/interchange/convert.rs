//! Records of the file and the domain's input and data: each record reads
//! as the form's input, so the file and the forms go through one parser and
//! report the same problem for the same value. An edit form starts from the
//! record as an export writes it, so the two never disagree on a value.

use super::{
    AssessmentRecord, CoverageRecord, EligibilityRecord, NeedRecord, OfferingRecord, ProviderRecord,
};
use crate::domain::assessment::withdrawal::MAX_REASON;
use crate::domain::assessment::{
    Assessment, AssessmentData, AssessmentInput, Deadlines, DraftNeed, Intent, NeedInput,
};
use crate::domain::codes::Iso3;
use crate::domain::fields::AssessmentField as A;
use crate::domain::offering::{Offering, OfferingInput};
use crate::domain::problems::{FieldErrors, Problems};
use crate::domain::provider::{Provider, ProviderInput};
use crate::domain::reference::ReferenceData;
use crate::domain::{AssessmentStatus, Stage, Visibility, rules};

impl ProviderRecord {
    pub fn to_input(&self) -> ProviderInput {
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

impl<S: AsRef<str>> OfferingRecord<S> {
    pub fn to_input(&self) -> OfferingInput {
        let text = |s: &S| s.as_ref().to_owned();
        let texts = |v: &[S]| v.iter().map(text).collect::<Vec<_>>();
        OfferingInput {
            key: text(&self.key),
            provider: text(&self.provider),
            title: text(&self.title),
            description: text(&self.description),
            themes: texts(&self.themes),
            coverage_global: rules::flag_text(self.coverage.global),
            coverage_countries: texts(&self.coverage.countries),
            coverage_regions: texts(&self.coverage.regions),
            coverage_groups: texts(&self.coverage.groups),
            eligible_groups: texts(&self.eligibility.groups),
            eligible_income_levels: texts(&self.eligibility.income_levels),
            modalities: texts(&self.modalities),
            languages: texts(&self.languages),
            capacity: self.capacity.map(|c| c.to_string()),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            status: text(&self.status),
            version: None,
            provider_search: String::new(),
        }
    }

    /// The same record with each text held as `into` makes it.
    pub fn map<T>(self, into: impl Fn(S) -> T) -> OfferingRecord<T> {
        let all = |v: Vec<S>| v.into_iter().map(&into).collect();
        OfferingRecord {
            key: into(self.key),
            provider: into(self.provider),
            title: into(self.title),
            description: into(self.description),
            themes: all(self.themes),
            coverage: CoverageRecord {
                global: self.coverage.global,
                countries: all(self.coverage.countries),
                regions: all(self.coverage.regions),
                groups: all(self.coverage.groups),
            },
            eligibility: EligibilityRecord {
                groups: all(self.eligibility.groups),
                income_levels: all(self.eligibility.income_levels),
            },
            modalities: all(self.modalities),
            languages: all(self.languages),
            capacity: self.capacity,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            status: into(self.status),
            archived: self.archived,
        }
    }
}

impl OfferingRecord {
    pub fn from_offering(offering: &Offering) -> OfferingRecord {
        OfferingRecord::of(offering).map(str::to_owned)
    }
}

impl<'a> OfferingRecord<&'a str> {
    /// The record of `offering`, its texts borrowed from it.
    pub fn of(offering: &'a Offering) -> OfferingRecord<&'a str> {
        let data = &offering.data;
        fn codes<'a, T: AsRef<str> + 'a>(items: impl IntoIterator<Item = &'a T>) -> Vec<&'a str> {
            items.into_iter().map(AsRef::as_ref).collect()
        }
        OfferingRecord {
            key: offering.key.as_str(),
            provider: data.provider.as_str(),
            title: &data.title,
            description: &data.description,
            themes: codes(&data.themes),
            coverage: CoverageRecord {
                global: data.coverage.global,
                countries: codes(&data.coverage.countries),
                regions: codes(&data.coverage.regions),
                groups: codes(&data.coverage.groups),
            },
            eligibility: EligibilityRecord {
                groups: codes(&data.eligibility.groups),
                income_levels: codes(&data.eligibility.income_levels),
            },
            modalities: codes(&data.modalities),
            languages: codes(&data.languages),
            capacity: data.capacity,
            starts_on: data.starts_on.map(|d| d.to_string()),
            ends_on: data.ends_on.map(|d| d.to_string()),
            status: data.status.code(),
            archived: offering.archived,
        }
    }
}

impl NeedRecord {
    pub fn to_input(&self) -> NeedInput {
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
            visibility: Some(assessment.visibility.code().to_owned()),
            needs: data
                .state
                .needs()
                .iter()
                .map(NeedRecord::from_need)
                .collect(),
        }
    }

    /// The record as the form's input, its needs in file order. A need
    /// without a key gets one from its place in the file, so importing the
    /// same file again finds the same needs.
    pub fn to_input(&self) -> AssessmentInput {
        AssessmentInput {
            submitted_by: self.submitted_by.clone(),
            contact: self.contact.clone(),
            note: self.note.clone(),
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
    }

    /// Checks the record as a whole, by the form's rules and the file's own
    /// (country, status, a reason when withdrawn); a file may hold past
    /// deadlines.
    pub fn parse(&self, reference: &ReferenceData) -> Result<CheckedAssessment, FieldErrors> {
        let mut p = Problems::new();
        let visibility = p.take(
            A::Visibility,
            rules::optional_choice::<Visibility>(self.visibility.as_deref()),
        );
        let country = p.take(
            A::Country,
            reference
                .iso3(self.country.trim())
                .map_err(|e| e.to_string()),
        );
        let status = p.take(
            A::Status,
            rules::choice::<AssessmentStatus>(&self.status, "is required"),
        );
        let intent = match status {
            Some(AssessmentStatus::Submitted) => Intent::Submit(Deadlines::AsRecorded),
            _ => Intent::SaveDraft,
        };
        let data = match self.to_input().parse(reference, intent) {
            Ok(data) => Some(data),
            Err(errors) => {
                p.extend(errors);
                None
            }
        };
        let reason = p.take(
            A::WithdrawnReason,
            rules::optional_text(self.withdrawn_reason.as_deref(), MAX_REASON),
        );
        if status == Some(AssessmentStatus::Withdrawn) && matches!(reason, Some(None)) {
            p.add(A::WithdrawnReason, "is required for a withdrawn assessment");
        }
        p.finish(|| {
            let mut data = data?;
            if let Some(reason) = reason? {
                if status? == AssessmentStatus::Withdrawn {
                    data = data.withdrawn(reason);
                }
            }
            Some(CheckedAssessment {
                country: country?,
                data,
                visibility: visibility?,
            })
        })
    }
}

/// An assessment record that passed every check.
pub struct CheckedAssessment {
    pub country: Iso3,
    pub data: AssessmentData,
    /// Who may read it, when the file says; a new assessment is otherwise
    /// `registered`, an existing one keeps its setting.
    pub visibility: Option<Visibility>,
}
