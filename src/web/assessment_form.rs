//! The needs assessment form: a country's focal point writes one assessment
//! with as many needs as it takes, saves drafts, submits and revises. Rows
//! are added and removed by the server, so nothing needs JavaScript; rows
//! post as `needs[0][theme]`.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::assessments::{country_of, load, writable};
use super::banner::{Done, see_other_with};
use super::csrf::CsrfToken;
use super::error::AppError;
use super::forms::{FieldView, Form, Posted, Unsaved};
use super::paths::{CountryPath, KeyPath};
use super::session::Viewer;
use super::views::{Choice, ChoiceGroup, Choices, NeedWords};
use super::{render, see_other, with_db};
use crate::db::PageRequest;
use crate::db::assessments::NeedKeys;
use crate::db::{self, StoreError};
use crate::domain::access::Action;
use crate::domain::assessment::{
    Assessment, AssessmentData, AssessmentInput, Deadlines, DraftNeed, Intent, MAX_NEEDS, NeedInput,
};
use crate::domain::fields::{AssessmentField, FieldPath, NeedField};
use crate::domain::problems::FieldErrors;
use crate::domain::vocab::Vocabulary;
use crate::domain::{
    AssessmentStatus, Country, Modality, Priority, ReferenceData, Stage, Visibility,
};
use crate::interchange::AssessmentRecord;
use crate::startup::Storage;

/// What the person pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pressed {
    SaveDraft,
    /// Continue: check the answers before submitting.
    Check,
    Submit,
    /// Back from the check to the form, at its start or at a need.
    Change(Option<usize>),
    AddNeed,
    RemoveNeed(usize),
}

impl FromStr for Pressed {
    type Err = AppError;

    fn from_str(value: &str) -> Result<Pressed, AppError> {
        match value {
            "" | "save-draft" => Ok(Pressed::SaveDraft),
            "check" => Ok(Pressed::Check),
            "submit" => Ok(Pressed::Submit),
            "change" => Ok(Pressed::Change(None)),
            "add-need" => Ok(Pressed::AddNeed),
            other => {
                let row = |prefix| other.strip_prefix(prefix).and_then(|i| i.parse().ok());
                row("remove-need-")
                    .map(Pressed::RemoveNeed)
                    .or_else(|| row("change-need-").map(|i| Pressed::Change(Some(i))))
                    .ok_or_else(|| {
                        AppError::BadRequest("The form could not be read: unknown action.".into())
                    })
            }
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
    /// Where the keyboard lands: the row just added, the one after a
    /// removed row, or the one to change.
    focused: bool,
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

/// Where the keyboard lands when the form comes back without problems
/// (with problems, it lands on their summary).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Focus {
    #[default]
    Top,
    /// The assessment's own fields.
    About,
    Need(usize),
}

fn need_rows(
    needs: &[NeedInput],
    errors: &FieldErrors,
    reference: &ReferenceData,
    focus: Focus,
) -> Vec<NeedRow> {
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
                focused: focus == Focus::Need(index),
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

/// How many of a country's latest assessments the new form looks through
/// for one in progress.
const IN_PROGRESS_SHOWN: i64 = 10;

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
    focus_about: bool,
    in_progress: Vec<Assessment>,
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
    focus: Focus,
    /// The country's drafts and submitted assessments, when starting a new
    /// one: most countries mean to continue or revise one of them.
    in_progress: Vec<Assessment>,
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
        rows: need_rows(&input.needs, &state.errors, &storage.reference, state.focus),
        input,
        errors: state.errors,
        base_revision,
        can_save_draft,
        conflict: state.conflict,
        resubmit: state.resubmit,
        assessment_key,
        focus_about: state.focus == Focus::About,
        in_progress: state.in_progress,
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
    let iso3 = country.iso3.clone();
    let in_progress = with_db(&storage, move |conn| {
        let recent = db::assessments::of_country(
            conn,
            iso3.as_str(),
            Visibility::all(),
            PageRequest::sized(1, IN_PROGRESS_SHOWN),
        )?;
        Ok(recent
            .items
            .into_iter()
            .filter(|a| a.latest.data.state.status() != AssessmentStatus::Withdrawn)
            .collect())
    })
    .await?;
    form_page(
        &storage,
        &viewer,
        &country,
        &Target::New,
        FormState {
            in_progress,
            ..FormState::default()
        },
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

pub async fn edit_form(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let assessment = writable(&storage, &viewer, &key).await?;
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
        country,
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
    save(&storage, &viewer, country, target, action, posted, &csrf).await
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
        Pressed::AddNeed | Pressed::RemoveNeed(_) | Pressed::Change(_) => {
            let focus = match action {
                Pressed::AddNeed => {
                    if input.needs.len() < MAX_NEEDS {
                        input.needs.push(NeedInput::default());
                    }
                    Focus::Need(input.needs.len().saturating_sub(1))
                }
                Pressed::RemoveNeed(index) => {
                    if index < input.needs.len() {
                        input.needs.remove(index);
                    }
                    // The row that took its place, or the one before it;
                    // an emptied form gets a blank row 0.
                    Focus::Need(index.min(input.needs.len().saturating_sub(1)))
                }
                Pressed::Change(Some(index)) => Focus::Need(index),
                _ => Focus::About,
            };
            let state = FormState {
                input,
                focus,
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
        Pressed::SaveDraft | Pressed::Check | Pressed::Submit => {
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
    if action == Pressed::Check {
        return check_page(storage, viewer, country, &target, input, data, csrf);
    }
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
            None => {
                db::assessments::create(conn, &actor, &iso3, None, &data, NeedKeys::Checked, change)
            }
            Some((key, base)) => {
                db::assessments::revise(conn, &actor, key, *base, &data, NeedKeys::Checked, change)
            }
        })
    })
    .await?;
    match saved {
        // A submission is confirmed on a page of its own; a draft goes
        // back to the assessment.
        Ok(assessment) => Ok(match intent {
            Intent::Submit(_) => see_other(&format!("/assessments/{}/submitted", assessment.key)),
            Intent::SaveDraft => see_other_with(
                &format!("/assessments/{}", assessment.key),
                Done::DraftSaved,
            ),
        }),
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

/// The answers as they will be submitted, each section with a way back to
/// change it. The form's input rides along in hidden fields, so nothing is
/// kept on the server until the person submits.
#[derive(Template)]
#[template(path = "assessments/check.html")]
struct CheckPage<'a> {
    viewer: &'a Viewer,
    heading: String,
    action: String,
    country: &'a Country,
    data: AssessmentData,
    needs: Vec<DraftNeed>,
    /// Every control of the form as posted, by name.
    carried: Vec<(String, String)>,
    base_revision: Option<i32>,
    words: NeedWords<'a>,
    csrf_token: &'a str,
}

fn check_page(
    storage: &Storage,
    viewer: &Viewer,
    country: &Country,
    target: &Target,
    input: AssessmentInput,
    data: AssessmentData,
    csrf: &CsrfToken,
) -> Result<HttpResponse, AppError> {
    let (heading, action, base_revision) = match target {
        Target::New => (
            format!("Check the needs assessment for {}", country.name_en),
            format!("/countries/{}/assessments", country.iso3),
            None,
        ),
        Target::Existing { key, base, .. } => (
            format!("Check revision of needs assessment {key}"),
            format!("/assessments/{key}"),
            Some(*base),
        ),
    };
    let page = CheckPage {
        viewer,
        heading,
        action,
        country,
        needs: data.state.needs(),
        data,
        carried: carried(&input)?,
        base_revision,
        words: NeedWords {
            reference: &storage.reference,
        },
        csrf_token: csrf.as_str(),
    };
    render(StatusCode::OK, &page)
}

/// The form's input as controls named as the form reads them back
/// (`needs[0][theme]`, `needs[0][modalities][1]`), so the check page posts
/// back exactly what the form held.
fn carried(input: &AssessmentInput) -> Result<Vec<(String, String)>, AppError> {
    let encoded = serde_qs::to_string(input)
        .map_err(|e| AppError::internal(format!("an assessment's input did not encode: {e}")))?;
    Ok(form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[a-z0-9 &=%\\[\\]éü+]{0,12}"
    }

    fn need() -> impl Strategy<Value = NeedInput> {
        (
            (text(), text(), text(), text(), text(), text()),
            (
                prop::collection::vec(text(), 0..3),
                prop::collection::vec(text(), 0..3),
                prop::option::of(text()),
                text(),
                prop::option::of(text()),
            ),
        )
            .prop_map(
                |(
                    (key, theme, priority, current_stage, target_stage, description),
                    (modalities, languages, wanted_by, status, withdrawn_reason),
                )| NeedInput {
                    key,
                    theme,
                    priority,
                    current_stage,
                    target_stage,
                    description,
                    modalities,
                    languages,
                    wanted_by,
                    status,
                    withdrawn_reason,
                },
            )
    }

    proptest! {
        /// What the check page carries is read back as the form posted
        /// it, whatever was typed.
        #[test]
        fn the_check_page_posts_back_what_the_form_held(
            submitted_by in text(),
            contact in prop::option::of(text()),
            note in text(),
            needs in prop::collection::vec(need(), 0..4),
        ) {
            let input = AssessmentInput { submitted_by, contact, note, needs };
            let posted: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(carried(&input).unwrap())
                .finish();
            let read: AssessmentInput = crate::web::forms::parser()
                .deserialize_str(&posted)
                .unwrap();
            prop_assert_eq!(read, input);
        }
    }
}
