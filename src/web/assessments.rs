//! Needs assessment pages and forms: a country's focal point writes one
//! assessment with as many needs as it takes, saves drafts, submits, revises
//! and withdraws. Rows are added and removed by the server, so nothing needs
//! JavaScript.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::extract::HtmlForm;
use super::views::{Choice, ChoiceGroup, Choices};
use super::{render, see_other, with_db};
use crate::db::{self, StoreError};
use crate::domain::assessment::{
    self, Assessment, AssessmentInput, AssessmentState, Deadlines, Intent, MAX_NEEDS, NeedInput,
    Revision, RevisionChanges,
};
use crate::domain::{
    AssessmentStatus, Country, FieldErrors, Modality, Priority, ReferenceData, Stage,
};
use crate::startup::Storage;

/// What the person pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    SaveDraft,
    Submit,
    AddNeed,
    RemoveNeed(usize),
}

/// The assessment form as posted: `submitted_by`, `contact`, `note`,
/// `revision`, `action`, and `need-{i}-{field}` for each row.
struct PostedForm {
    input: AssessmentInput,
    base_revision: Option<i32>,
    action: Action,
}

impl PostedForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Result<PostedForm, AppError> {
        let bad = |what: &str| AppError::BadRequest(format!("The form could not be read: {what}."));
        let mut input = AssessmentInput::default();
        let mut rows: BTreeMap<usize, NeedInput> = BTreeMap::new();
        let mut base_revision = None;
        let mut action = Action::SaveDraft;
        for (name, value) in pairs {
            match name.as_str() {
                "submitted_by" => input.submitted_by = value,
                "contact" => input.contact = Some(value),
                "note" => input.note = value,
                "revision" => base_revision = Some(value.parse().map_err(|_| bad("revision"))?),
                "action" => {
                    action = match value.as_str() {
                        "save-draft" => Action::SaveDraft,
                        "submit" => Action::Submit,
                        "add-need" => Action::AddNeed,
                        other => match other
                            .strip_prefix("remove-need-")
                            .and_then(|i| i.parse().ok())
                        {
                            Some(index) => Action::RemoveNeed(index),
                            None => return Err(bad("unknown action")),
                        },
                    }
                }
                "csrf_token" => {}
                other => {
                    let Some((index, field)) = other
                        .strip_prefix("need-")
                        .and_then(|rest| rest.split_once('-'))
                    else {
                        continue; // browsers send nothing else; ignore what we do not know
                    };
                    let index: usize = index.parse().map_err(|_| bad("need row"))?;
                    if index >= MAX_NEEDS * 2 {
                        return Err(bad("too many need rows"));
                    }
                    let row = rows.entry(index).or_default();
                    match field {
                        "key" => row.key = value,
                        "theme" => row.theme = value,
                        "priority" => row.priority = value,
                        "current_stage" => row.current_stage = value,
                        "target_stage" => row.target_stage = value,
                        "description" => row.description = value,
                        "modalities" => row.modalities.push(value),
                        "languages" => row.languages.push(value),
                        "wanted_by" => row.wanted_by = Some(value),
                        "status" => row.status = value,
                        "withdrawn_reason" => row.withdrawn_reason = Some(value),
                        _ => {}
                    }
                }
            }
        }
        input.needs = rows.into_values().collect();
        Ok(PostedForm {
            input,
            base_revision,
            action,
        })
    }
}

/// One need row of the form, with its choices marked and its errors.
struct NeedRow {
    index: usize,
    input: NeedInput,
    themes: Vec<ChoiceGroup>,
    priorities: Vec<Choice>,
    current_stages: Vec<Choice>,
    target_stages: Vec<Choice>,
    modalities: Vec<Choice>,
    languages: Vec<Choice>,
    errors: BTreeMap<String, Vec<String>>,
}

impl NeedRow {
    fn errors_for(&self, field: &str) -> &[String] {
        self.errors.get(field).map(Vec::as_slice).unwrap_or(&[])
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
            chosen: s.code() == chosen,
        })
        .collect()
}

fn need_rows(needs: &[NeedInput], errors: &FieldErrors, reference: &ReferenceData) -> Vec<NeedRow> {
    let choices = Choices { reference };
    needs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let prefix = assessment::need_field(index, "");
            let mut row_errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for e in errors.iter() {
                if let Some(field) = e.field.strip_prefix(&prefix) {
                    row_errors
                        .entry(field.to_owned())
                        .or_default()
                        .push(e.message.clone());
                }
            }
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
                priorities: Priority::ALL
                    .iter()
                    .map(|p| Choice {
                        value: p.code().to_owned(),
                        label: p.label().to_owned(),
                        chosen: p.code() == input.priority,
                    })
                    .collect(),
                current_stages: stage_choices(&input.current_stage),
                target_stages: stage_choices(&input.target_stage),
                modalities: Choices::modalities(&input.modalities),
                languages: choices.languages(&input.languages),
                errors: row_errors,
                input: input.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "assessments/form.html")]
struct FormPage<'a> {
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
    assessment_key: Option<String>,
    csrf_token: &'a str,
}

impl FormPage<'_> {
    fn field_label(&self, field: &str) -> String {
        match field {
            "submitted_by" => "Submitted by".to_owned(),
            "contact" => "Contact e-mail".to_owned(),
            "note" => "Note".to_owned(),
            "needs" => "Needs".to_owned(),
            other => match other
                .strip_prefix("need-")
                .and_then(|rest| rest.split_once('-'))
            {
                Some((index, field)) => {
                    let number = index.parse::<usize>().map_or(0, |i| i + 1);
                    format!("Need {number}, {}", field.replace('_', " "))
                }
                None => "Form".to_owned(),
            },
        }
    }
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

struct FormState {
    input: AssessmentInput,
    errors: FieldErrors,
    conflict: Option<i32>,
}

fn form_page(
    storage: &Storage,
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
        assessment_key,
        csrf_token: csrf.as_str(),
    };
    render(status, &page)
}

fn country_of<'a>(storage: &'a Storage, iso3: &str) -> Result<&'a Country, AppError> {
    let iso3 = iso3.to_ascii_uppercase();
    storage
        .reference
        .country(&iso3)
        .ok_or_else(|| AppError::NotFound(format!("The country \"{iso3}\"")))
}

pub async fn new_form(
    storage: web::Data<Storage>,
    iso3: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let country = country_of(&storage, &iso3)?;
    let state = FormState {
        input: AssessmentInput::default(),
        errors: FieldErrors::new(),
        conflict: None,
    };
    form_page(
        &storage,
        country,
        &Target::New,
        state,
        &csrf,
        StatusCode::OK,
    )
}

pub async fn create(
    storage: web::Data<Storage>,
    iso3: web::Path<String>,
    csrf: CsrfToken,
    form: HtmlForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let country = country_of(&storage, &iso3)?;
    let posted = PostedForm::from_pairs(form.into_inner())?;
    save(&storage, country, Target::New, posted, &csrf).await
}

pub async fn edit_form(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let assessment = load(&storage, &key).await?;
    let country = country_of(&storage, assessment.country.as_str())?;
    let target = editable(&assessment)?;
    let state = FormState {
        input: AssessmentInput::from_data(&assessment.latest.data),
        errors: FieldErrors::new(),
        conflict: None,
    };
    form_page(&storage, country, &target, state, &csrf, StatusCode::OK)
}

pub async fn update(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
    form: HtmlForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let assessment = load(&storage, &key).await?;
    let country = country_of(&storage, assessment.country.as_str())?;
    let posted = PostedForm::from_pairs(form.into_inner())?;
    let Target::Existing { status, .. } = editable(&assessment)? else {
        unreachable!("an existing assessment")
    };
    // The revision the editor opened, not the latest: that is how a
    // concurrent save is noticed.
    let base = posted.base_revision.ok_or_else(|| {
        AppError::BadRequest("The form did not say which revision it revises.".into())
    })?;
    save(
        &storage,
        country,
        Target::Existing { key, base, status },
        posted,
        &csrf,
    )
    .await
}

/// Withdrawn assessments are kept as they are.
fn editable(assessment: &Assessment) -> Result<Target, AppError> {
    match assessment.latest.data.state.status() {
        AssessmentStatus::Withdrawn => Err(AppError::Conflict(
            "A withdrawn assessment cannot be revised.".into(),
        )),
        status => Ok(Target::Existing {
            key: assessment.key.to_string(),
            base: assessment.latest.number,
            status,
        }),
    }
}

async fn load(storage: &Storage, key: &str) -> Result<Assessment, AppError> {
    let key = key.to_owned();
    with_db(storage, move |conn| {
        db::assessments::find(conn, &key).map_err(missing("assessment", &key))
    })
    .await
}

/// Adds or removes a row, or validates and saves: a draft, a submission, or
/// a new revision. Bad input and concurrent saves come back with every row
/// as the person typed it.
async fn save(
    storage: &Storage,
    country: &Country,
    target: Target,
    posted: PostedForm,
    csrf: &CsrfToken,
) -> Result<HttpResponse, AppError> {
    let PostedForm {
        mut input, action, ..
    } = posted;
    let intent = match action {
        Action::AddNeed | Action::RemoveNeed(_) => {
            match action {
                Action::AddNeed if input.needs.len() < MAX_NEEDS => {
                    input.needs.push(NeedInput::default())
                }
                Action::RemoveNeed(index) if index < input.needs.len() => {
                    input.needs.remove(index);
                }
                _ => {}
            }
            let state = FormState {
                input,
                errors: FieldErrors::new(),
                conflict: None,
            };
            return form_page(storage, country, &target, state, csrf, StatusCode::OK);
        }
        Action::SaveDraft
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
        Action::SaveDraft | Action::Submit => {
            Intent::Submit(Deadlines::NotBefore(chrono::Utc::now().date_naive()))
        }
    };
    let input = input.normalized().without_blank_rows();
    let data = match input.parse(&storage.reference, intent) {
        Ok(data) => data,
        Err(errors) => {
            let state = FormState {
                input,
                errors,
                conflict: None,
            };
            return form_page(
                storage,
                country,
                &target,
                state,
                csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
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
    let saved = with_db(storage, move |conn| {
        Ok(match &existing {
            None => db::assessments::create(conn, &iso3, None, &data, change),
            Some((key, base)) => db::assessments::revise(conn, key, *base, &data, change),
        })
    })
    .await?;
    match saved {
        Ok(assessment) => Ok(see_other(&format!("/assessments/{}", assessment.key))),
        Err(StoreError::Conflict { latest }) => {
            let Target::Existing { key, status, .. } = target else {
                unreachable!("only revisions conflict")
            };
            // Theirs is kept in the form, now based on the latest revision,
            // so saving again is a deliberate choice made knowing the other.
            let state = FormState {
                input,
                errors: FieldErrors::new(),
                conflict: Some(latest),
            };
            form_page(
                storage,
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

/// A revision with what it changed from the one before.
struct HistoryEntry {
    revision: Revision,
    changes: RevisionChanges,
}

#[derive(Template)]
#[template(path = "assessments/show.html")]
struct ShowPage<'a> {
    assessment: Assessment,
    country: &'a Country,
    shown: Revision,
    is_latest: bool,
    history: Vec<HistoryEntry>,
    needs: Vec<crate::domain::assessment::DraftNeed>,
    withdraw_error: Option<(String, String)>,
    reference: &'a ReferenceData,
    csrf_token: &'a str,
}

impl ShowPage<'_> {
    fn can_withdraw_needs(&self) -> bool {
        self.is_latest && matches!(self.shown.data.state, AssessmentState::Submitted(_))
    }

    fn can_edit(&self) -> bool {
        self.is_latest && self.shown.data.state.status() != AssessmentStatus::Withdrawn
    }

    fn theme_name(&self, code: &Option<crate::domain::ThemeCode>) -> String {
        code.as_ref().map_or_else(
            || "—".to_owned(),
            |c| self.reference.theme_name(c.as_str()).to_owned(),
        )
    }

    fn error_for(&self, target: &str) -> Option<&str> {
        self.withdraw_error
            .as_ref()
            .filter(|(t, _)| t == target)
            .map(|(_, m)| m.as_str())
    }

    fn modality_labels(&self, modalities: &std::collections::BTreeSet<Modality>) -> String {
        let labels: Vec<&str> = modalities.iter().map(|m| m.label()).collect();
        if labels.is_empty() {
            "—".to_owned()
        } else {
            labels.join(", ")
        }
    }

    fn language_names(
        &self,
        languages: &std::collections::BTreeSet<crate::domain::LanguageCode>,
    ) -> String {
        let names: Vec<&str> = languages
            .iter()
            .map(|l| self.reference.language_name(l.as_str()))
            .collect();
        if names.is_empty() {
            "—".to_owned()
        } else {
            names.join(", ")
        }
    }
}

async fn show_page(
    storage: &Storage,
    key: String,
    number: Option<i32>,
    withdraw_error: Option<(String, String)>,
    csrf: &CsrfToken,
) -> Result<HttpResponse, AppError> {
    let lookup = key.clone();
    let (assessment, revisions) = with_db(storage, move |conn| {
        db::assessments::history(conn, &lookup).map_err(missing("assessment", &lookup))
    })
    .await?;
    let shown = match number {
        None => assessment.latest.clone(),
        Some(n) => revisions
            .iter()
            .find(|r| r.number == n)
            .cloned()
            .ok_or_else(|| {
                AppError::NotFound(format!("Revision {n} of the assessment \"{key}\""))
            })?,
    };
    let mut history: Vec<HistoryEntry> = revisions
        .iter()
        .enumerate()
        .map(|(i, revision)| HistoryEntry {
            changes: match i.checked_sub(1).and_then(|p| revisions.get(p)) {
                Some(previous) => assessment::changes(&previous.data, &revision.data),
                None => RevisionChanges::default(),
            },
            revision: revision.clone(),
        })
        .collect();
    history.reverse(); // latest first
    let country = country_of(storage, assessment.country.as_str())?;
    let status = if withdraw_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ShowPage {
        is_latest: shown.number == assessment.latest.number,
        needs: shown.data.state.needs(),
        shown,
        country,
        assessment,
        history,
        withdraw_error,
        reference: &storage.reference,
        csrf_token: csrf.as_str(),
    };
    render(status, &page)
}

pub async fn show(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    show_page(&storage, key.into_inner(), None, None, &csrf).await
}

pub async fn revision(
    storage: web::Data<Storage>,
    path: web::Path<(String, String)>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let (key, number) = path.into_inner();
    let number: i32 = number
        .parse()
        .map_err(|_| AppError::NotFound(format!("Revision {number} of \"{key}\"")))?;
    show_page(&storage, key, Some(number), None, &csrf).await
}

#[derive(Deserialize)]
pub struct Withdrawal {
    #[serde(default)]
    reason: String,
    revision: i32,
}

pub async fn withdraw(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
    form: HtmlForm<Withdrawal>,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let Withdrawal { reason, revision } = form.into_inner();
    let reason = match assessment::withdrawal_reason(&reason) {
        Ok(reason) => reason,
        Err(message) => {
            return show_page(
                &storage,
                key,
                None,
                Some(("assessment".into(), message.into())),
                &csrf,
            )
            .await;
        }
    };
    let lookup = key.clone();
    with_db(&storage, move |conn| {
        let current =
            db::assessments::find(conn, &lookup).map_err(missing("assessment", &lookup))?;
        if current.latest.data.state.status() == AssessmentStatus::Withdrawn {
            return Err(AppError::Conflict(
                "The assessment is already withdrawn.".into(),
            ));
        }
        let change = format!("withdrawn: {reason}");
        db::assessments::revise(
            conn,
            &lookup,
            revision,
            &current.latest.data.withdrawn(reason),
            &change,
        )
        .map_err(conflict)
    })
    .await?;
    Ok(see_other(&format!("/assessments/{key}")))
}

pub async fn withdraw_need(
    storage: web::Data<Storage>,
    path: web::Path<(String, String)>,
    csrf: CsrfToken,
    form: HtmlForm<Withdrawal>,
) -> Result<HttpResponse, AppError> {
    let (key, need) = path.into_inner();
    let Withdrawal { reason, revision } = form.into_inner();
    let reason = match assessment::withdrawal_reason(&reason) {
        Ok(reason) => reason,
        Err(message) => {
            return show_page(&storage, key, None, Some((need, message.into())), &csrf).await;
        }
    };
    let lookup = key.clone();
    with_db(&storage, move |conn| {
        let current =
            db::assessments::find(conn, &lookup).map_err(missing("assessment", &lookup))?;
        if current.latest.data.state.status() != AssessmentStatus::Submitted {
            return Err(AppError::Conflict(
                "Needs are withdrawn from a submitted assessment only.".into(),
            ));
        }
        let change = format!("need {need} withdrawn: {reason}");
        let data = current
            .latest
            .data
            .with_need_withdrawn(&need, reason)
            .ok_or_else(|| AppError::NotFound(format!("The need \"{need}\"")))?;
        db::assessments::revise(conn, &lookup, revision, &data, &change).map_err(conflict)
    })
    .await?;
    Ok(see_other(&format!("/assessments/{key}")))
}

fn conflict(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { latest } => AppError::Conflict(format!(
            "The assessment changed since you opened it: it is now at revision {latest}, so nothing was withdrawn."
        )),
        other => other.into(),
    }
}
