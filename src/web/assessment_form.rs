//! The needs assessment form: a country's focal point writes one assessment
//! with as many needs as it takes, saves drafts, submits and revises. Rows
//! are added and removed by the server, so nothing needs JavaScript; rows
//! post as `needs[0][theme]`.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::forms::{FieldView, Form, Posted, Unsaved};
use super::paths::{CountryPath, KeyPath};
use super::session::Viewer;
use super::views::{Choice, ChoiceGroup, Choices};
use super::{render, see_other, with_db};
use crate::db::{self, StoreError};
use crate::domain::access::Action;
use crate::domain::assessment::{
    Assessment, AssessmentInput, Deadlines, Intent, MAX_NEEDS, NeedInput,
};
use crate::domain::fields::{AssessmentField, FieldPath, NeedField};
use crate::domain::problems::FieldErrors;
use crate::domain::{AssessmentStatus, Country, Modality, Priority, ReferenceData, Stage};
use crate::interchange::AssessmentRecord;
use crate::startup::Storage;

/// What the person pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pressed {
    SaveDraft,
    Submit,
    AddNeed,
    RemoveNeed(usize),
}

impl FromStr for Pressed {
    type Err = AppError;

    fn from_str(value: &str) -> Result<Pressed, AppError> {
        match value {
            "" | "save-draft" => Ok(Pressed::SaveDraft),
            "submit" => Ok(Pressed::Submit),
            "add-need" => Ok(Pressed::AddNeed),
            other => other
                .strip_prefix("remove-need-")
                .and_then(|i| i.parse().ok())
                .map(Pressed::RemoveNeed)
                .ok_or_else(|| {
                    AppError::BadRequest("The form could not be read: unknown action.".into())
                }),
        }
    }
}

/// The form's controls besides the assessment itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Controls {
    /// The revision the form was opened at.
    revision: Option<String>,
    action: String,
}

/// One need row of the form, with its choices marked and its problems.
struct NeedRow {
    index: usize,
    input: NeedInput,
    themes: Vec<ChoiceGroup>,
    priorities: Vec<Choice>,
    current_stages: Vec<Choice>,
    target_stages: Vec<Choice>,
    modalities: Vec<Choice>,
    languages: Vec<ChoiceGroup>,
    errors: FieldErrors,
}

impl NeedRow {
    fn field(&self, field: NeedField) -> FieldView {
        FieldView::new(FieldPath::Need(self.index, field), &self.errors)
    }

    fn withdrawn(&self) -> bool {
        self.input.status == "withdrawn"
    }
}

fn stage_choices(chosen: &str) -> Vec<Choice> {
    Stage::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().to_owned(),
            label: format!("{} {}", s.number(), s.label()),
            chosen: s.code() == chosen.trim(),
        })
        .collect()
}

fn need_rows(needs: &[NeedInput], errors: &FieldErrors, reference: &ReferenceData) -> Vec<NeedRow> {
    let choices = Choices { reference };
    let mut by_row = vec![FieldErrors::new(); needs.len()];
    for e in errors.iter() {
        if let FieldPath::Need(i, _) = e.path {
            if let Some(row) = by_row.get_mut(i) {
                row.add(e.path, e.message.clone());
            }
        }
    }
    needs
        .iter()
        .zip(by_row)
        .enumerate()
        .map(|(index, (input, row_errors))| {
            // Sub-themes only: a need names one thing.
            let themes = choices
                .themes(std::slice::from_ref(&input.theme))
                .into_iter()
                .map(|mut group| {
                    group.choices.remove(0);
                    group
                })
                .collect();
            NeedRow {
                index,
                themes,
                priorities: Choices::of::<Priority>(&[input.priority.trim()]),
                current_stages: stage_choices(&input.current_stage),
                target_stages: stage_choices(&input.target_stage),
                modalities: Choices::of::<Modality>(&input.modalities),
                languages: ChoiceGroup::plain(choices.languages(&input.languages)),
                errors: row_errors,
                input: input.clone(),
            }
        })
        .collect()
}

/// Which form: a new assessment for a country, or a revision of one.
enum Target {
    New,
    Existing {
        key: String,
        base: i32,
        status: AssessmentStatus,
    },
}

#[derive(Template)]
#[template(path = "assessments/form.html")]
struct FormPage<'a> {
    viewer: &'a Viewer,
    heading: String,
    action: String,
    cancel: String,
    country: &'a Country,
    input: AssessmentInput,
    rows: Vec<NeedRow>,
    errors: FieldErrors,
    base_revision: Option<i32>,
    /// Submitted assessments are revised by submitting again, never back to draft.
    can_save_draft: bool,
    conflict: Option<i32>,
    resubmit: Option<Unsaved>,
    assessment_key: Option<String>,
    csrf_token: &'a str,
}

impl FormPage<'_> {
    fn field(&self, field: AssessmentField) -> FieldView {
        FieldView::new(field, &self.errors)
    }
}

/// What the form shows besides its target: the input, its problems, and
/// why it came back.
#[derive(Default)]
struct FormState {
    input: AssessmentInput,
    errors: FieldErrors,
    conflict: Option<i32>,
    resubmit: Option<Unsaved>,
}

fn form_page(
    storage: &Storage,
    viewer: &Viewer,
    country: &Country,
    target: &Target,
    state: FormState,
    csrf: &CsrfToken,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut input = state.input;
    if input.needs.is_empty() {
        input.needs.push(NeedInput::default());
    }
    let (heading, action, cancel, base_revision, can_save_draft, assessment_key) = match target {
        Target::New => (
            format!("Needs assessment for {}", country.name_en),
            format!("/countries/{}/assessments", country.iso3),
            format!("/countries/{}", country.iso3),
            None,
            true,
            None,
        ),
        Target::Existing { key, base, status } => (
            format!("Revise needs assessment {key}"),
            format!("/assessments/{key}"),
            format!("/assessments/{key}"),
            Some(*base),
            *status == AssessmentStatus::Draft,
            Some(key.clone()),
        ),
    };
    let page = FormPage {
        viewer,
        heading,
        action,
        cancel,
        country,
        rows: need_rows(&input.needs, &state.errors, &storage.reference),
        input,
        errors: state.errors,
        base_revision,
        can_save_draft,
        conflict: state.conflict,
        resubmit: state.resubmit,
        assessment_key,
        csrf_token: csrf.as_str(),
    };
    render(status, &page)
}

pub async fn new_form(
    storage: web::Data<Storage>,
    CountryPath(country): CountryPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::WriteAssessment(&country.iso3))?;
    form_page(
        &storage,
        &viewer,
        &country,
        &Target::New,
        FormState::default(),
        &csrf,
        StatusCode::OK,
    )
}

pub async fn create(
    storage: web::Data<Storage>,
    CountryPath(country): CountryPath,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<AssessmentInput>,
) -> Result<HttpResponse, AppError> {
    let action = posted.read::<Controls>()?.action.parse()?;
    save(
        &storage,
        &viewer,
        &country,
        Target::New,
        action,
        posted,
        &csrf,
    )
    .await
}

async fn load(storage: &Storage, key: &KeyPath) -> Result<Assessment, AppError> {
    let key = key.as_str().to_owned();
    with_db(storage, move |conn| {
        db::assessments::find(conn, &key).map_err(missing("assessment", &key))
    })
    .await
}

fn country_of(storage: &Storage, assessment: &Assessment) -> Result<Country, AppError> {
    storage
        .reference
        .country(assessment.country.as_str())
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("The country \"{}\"", assessment.country)))
}

pub async fn edit_form(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let assessment = load(&storage, &key).await?;
    viewer.may(Action::WriteAssessment(&assessment.country))?;
    let country = country_of(&storage, &assessment)?;
    let target = Target::Existing {
        key: assessment.key.to_string(),
        base: assessment.latest.number,
        status: assessment.revisable()?,
    };
    let state = FormState {
        input: AssessmentRecord::from_assessment(&assessment).to_input(),
        ..FormState::default()
    };
    form_page(
        &storage,
        &viewer,
        &country,
        &target,
        state,
        &csrf,
        StatusCode::OK,
    )
}

pub async fn update(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<AssessmentInput>,
) -> Result<HttpResponse, AppError> {
    let assessment = load(&storage, &key).await?;
    // Nobody signed in is answered by `save`, which keeps what was typed
    // when the session ended while the form was open.
    if viewer.person().is_some() {
        viewer.may(Action::WriteAssessment(&assessment.country))?;
    }
    let country = country_of(&storage, &assessment)?;
    let status = assessment.revisable()?;
    // The revision the editor opened, not the latest: that is how a
    // concurrent save is noticed.
    let controls: Controls = posted.read()?;
    let base = controls
        .revision
        .as_deref()
        .and_then(|r| r.trim().parse().ok())
        .ok_or_else(|| {
            AppError::BadRequest("The form did not say which revision it revises.".into())
        })?;
    let target = Target::Existing {
        key: assessment.key.to_string(),
        base,
        status,
    };
    let action = controls.action.parse()?;
    save(&storage, &viewer, &country, target, action, posted, &csrf).await
}

/// Adds or removes a row, or checks and saves: a draft, a submission, or a
/// new revision. Bad input, concurrent saves and a lost token come back with
/// every row as the person typed it.
async fn save(
    storage: &Storage,
    viewer: &Viewer,
    country: &Country,
    target: Target,
    action: Pressed,
    posted: Form<AssessmentInput>,
    csrf: &CsrfToken,
) -> Result<HttpResponse, AppError> {
    let (mut input, confirmed) = match posted.checked()? {
        Posted::Verified(input) => (input, true),
        Posted::Unconfirmed(input) => (input, false),
    };
    // A session that ended while the form was open keeps what was typed.
    let signed_out = !confirmed && viewer.person().is_none();
    if !signed_out {
        viewer.may(Action::WriteAssessment(&country.iso3))?;
    }
    // More rows than anyone could mean would only make a huge page.
    if input.needs.len() > 2 * MAX_NEEDS {
        return Err(AppError::BadRequest(format!(
            "The form holds {} need rows; an assessment may hold at most {MAX_NEEDS} needs.",
            input.needs.len()
        )));
    }
    let again = |state, status| form_page(storage, viewer, country, &target, state, csrf, status);
    let intent = match action {
        Pressed::AddNeed | Pressed::RemoveNeed(_) => {
            match action {
                Pressed::AddNeed if input.needs.len() < MAX_NEEDS => {
                    input.needs.push(NeedInput::default())
                }
                Pressed::RemoveNeed(index) if index < input.needs.len() => {
                    input.needs.remove(index);
                }
                _ => {}
            }
            let state = FormState {
                input,
                ..FormState::default()
            };
            return again(state, StatusCode::OK);
        }
        Pressed::SaveDraft
            if matches!(
                target,
                Target::New
                    | Target::Existing {
                        status: AssessmentStatus::Draft,
                        ..
                    }
            ) =>
        {
            Intent::SaveDraft
        }
        Pressed::SaveDraft | Pressed::Submit => {
            Intent::Submit(Deadlines::NotBefore(chrono::Utc::now().date_naive()))
        }
    };
    let input = input.without_blank_rows();
    if !confirmed {
        let state = FormState {
            input,
            resubmit: Some(if signed_out {
                Unsaved::SignedOut
            } else {
                Unsaved::TokenLost
            }),
            ..FormState::default()
        };
        return again(state, StatusCode::FORBIDDEN);
    }
    let data = match input.parse(&storage.reference, intent) {
        Ok(data) => data,
        Err(errors) => {
            let state = FormState {
                input,
                errors,
                ..FormState::default()
            };
            return again(state, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let change = match (&target, intent) {
        (Target::New, Intent::SaveDraft) => "started as a draft",
        (Target::New, Intent::Submit(_)) => "submitted",
        (
            Target::Existing {
                status: AssessmentStatus::Draft,
                ..
            },
            Intent::Submit(_),
        ) => "submitted",
        (Target::Existing { .. }, Intent::SaveDraft) => "draft saved",
        (Target::Existing { .. }, Intent::Submit(_)) => "revised",
    };
    let iso3 = country.iso3.clone();
    let existing = match &target {
        Target::Existing { key, base, .. } => Some((key.clone(), *base)),
        Target::New => None,
    };
    let actor = viewer.actor()?;
    let saved = with_db(storage, move |conn| {
        Ok(match &existing {
            None => db::assessments::create(conn, &actor, &iso3, None, &data, change),
            Some((key, base)) => db::assessments::revise(conn, &actor, key, *base, &data, change),
        })
    })
    .await?;
    match saved {
        Ok(assessment) => Ok(see_other(&format!("/assessments/{}", assessment.key))),
        Err(StoreError::Conflict { latest }) => {
            let Target::Existing { key, status, .. } = target else {
                return Err(AppError::internal(
                    "a new assessment answered a revision conflict",
                ));
            };
            // Theirs is kept in the form, now based on the latest revision,
            // so saving again is a deliberate choice made knowing the other.
            let state = FormState {
                input,
                conflict: Some(latest),
                ..FormState::default()
            };
            form_page(
                storage,
                viewer,
                country,
                &Target::Existing {
                    key,
                    base: latest,
                    status,
                },
                state,
                csrf,
                StatusCode::CONFLICT,
            )
        }
        Err(other) => Err(other.into()),
    }
}
