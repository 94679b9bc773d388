//! One match's page: the need, the offering, the engine's score and
//! reasons when it began, where it stands, the steps this reader may take,
//! and its whole history. A step posts to the match itself.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::waiting_words;
use crate::db::{self, StoreError};
use crate::domain::assessment::{AssessmentState, Need};
use crate::domain::fields::MatchField;
use crate::domain::lifecycle::{self, MatchEvent, MatchRecord, MoveInput, Outcome, Step};
use crate::domain::problems::FieldErrors;
use crate::domain::{Offering, ReferenceData};
use crate::interchange::MatchEntry;
use crate::matches::{self, MatchError};
use crate::startup::Storage;
use crate::web::banner::{Done, see_other_with};
use crate::web::confirm::{ConfirmPage, Reason};
use crate::web::csrf::CsrfToken;
use crate::web::error::AppError;
use crate::web::forms::{FieldView, Form};
use crate::web::paths::KeyPath;
use crate::web::session::Viewer;
use crate::web::views::{Choice, Choices};
use crate::web::{Site, render, with_db};

/// A match with what its page shows besides it.
struct Loaded {
    record: MatchRecord,
    history: Vec<MatchEvent>,
    /// The need as its assessment holds it now; `None` once a revision
    /// removed it.
    need: Option<Need>,
    offering: Option<Offering>,
}

async fn load(storage: &Storage, viewer: &Viewer, key: &KeyPath) -> Result<Loaded, AppError> {
    viewer.may(crate::domain::access::Action::ReadMatches)?;
    let key = key.as_str().to_owned();
    let person = viewer.person().cloned();
    with_db(storage, move |conn| {
        let not_found = || AppError::NotFound(format!("The match \"{key}\""));
        let record = db::matches::find(conn, &key).map_err(|e| match e {
            StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
        // A match a reader may not read is not there for them.
        if !person
            .as_ref()
            .is_some_and(|p| matches::may_read(&record, p))
        {
            return Err(not_found());
        }
        let history = db::matches::history(conn, &key)?;
        let need = match db::assessments::find(conn, record.assessment.as_str()) {
            Ok(assessment) => match assessment.latest.data.state {
                AssessmentState::Submitted(needs) => needs
                    .into_iter()
                    .find(|n| n.key.as_ref() == Some(&record.need)),
                _ => None,
            },
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
        let offering = match db::offerings::find(conn, record.offering.as_str()) {
            Ok(offering) => Some(offering),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
        Ok(Loaded {
            record,
            history,
            need,
            offering,
        })
    })
    .await
}

/// A step the reader may take, as its form shows it.
pub struct StepForm {
    pub step: Step,
    pub needs_reason: bool,
    pub confirms: bool,
    /// Asked for on a page of its own: the match's page links to it.
    pub asks_first: bool,
}

#[derive(Template)]
#[template(path = "matches/show.html")]
struct ShowPage<'a> {
    viewer: &'a Viewer,
    loaded: Loaded,
    reference: &'a ReferenceData,
    steps: Vec<StepForm>,
    /// The step whose form came back with problems, and what was typed.
    posted: Option<MoveInput>,
    errors: FieldErrors,
    outcomes: Vec<Choice>,
    csrf_token: &'a str,
}

impl ShowPage<'_> {
    fn field(&self, field: MatchField) -> FieldView {
        FieldView::new(field, &self.errors)
    }

    /// What was typed into `step`'s form, when it came back.
    fn typed(&self, step: &Step, field: MatchField) -> &str {
        match &self.posted {
            Some(input) if input.step == step.code() => match field {
                MatchField::Note => &input.note,
                MatchField::Outcome => &input.outcome,
                MatchField::Rating => &input.rating,
                MatchField::Comment => &input.comment,
            },
            _ => "",
        }
    }

    /// The note's id: the field's own in the form that came back with
    /// problems (the error summary links to it), one per step elsewhere.
    fn note_id(&self, step: &Step) -> String {
        let id = FieldView::new(MatchField::Note, &self.errors).id();
        if self.shows_errors(step) {
            id
        } else {
            format!("{id}-{}", step.code())
        }
    }

    /// Problems belong to the form that was sent, not to every form.
    fn shows_errors(&self, step: &Step) -> bool {
        self.posted.as_ref().is_some_and(|i| i.step == step.code())
    }

    /// Whether this reader reads what the parties wrote.
    fn reads_notes(&self) -> bool {
        matches::reads_notes(&self.loaded.record, self.viewer.person())
    }

    fn waiting_on(&self) -> String {
        waiting_words(&self.loaded.record)
    }

    fn when(&self, at: &chrono::NaiveDateTime) -> String {
        at.format("%Y-%m-%d %H:%M").to_string()
    }

    fn country_name(&self) -> &str {
        self.reference
            .country_name(self.loaded.record.country.as_str())
    }

    fn theme_name(&self) -> &str {
        self.reference.theme_name(self.loaded.record.theme.as_str())
    }
}

async fn show_page(
    storage: &Storage,
    viewer: &Viewer,
    key: &KeyPath,
    posted: Option<(MoveInput, FieldErrors)>,
) -> Result<HttpResponse, AppError> {
    let loaded = load(storage, viewer, key).await?;
    let sides = loaded.record.sides_of(viewer.person());
    let steps = loaded
        .record
        .steps_for(sides)
        .into_iter()
        .map(|step| StepForm {
            step,
            needs_reason: step.needs_reason(),
            confirms: step == Step::Confirm,
            asks_first: step.closes_unmet(),
        })
        .collect();
    let (posted, errors) = match posted {
        Some((input, errors)) => (Some(input), errors),
        None => (None, FieldErrors::new()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chosen_outcome = posted.as_ref().map_or("", |p| p.outcome.as_str());
    let page = ShowPage {
        viewer,
        loaded,
        reference: &storage.reference,
        steps,
        outcomes: Choices::of::<Outcome>(&[chosen_outcome]),
        posted,
        errors,
        csrf_token: viewer.csrf_token(),
    };
    render(status, &page)
}

/// `GET /matches/{key}`.
pub async fn show(
    storage: web::Data<Storage>,
    viewer: Viewer,
    key: KeyPath,
) -> Result<HttpResponse, AppError> {
    show_page(&storage, &viewer, &key, None).await
}

/// The page that asks before a step that closes the match unmet, with
/// the reason or note the step takes.
fn closing_page<'a>(
    storage: &Storage,
    viewer: &'a Viewer,
    loaded: &Loaded,
    step: Step,
    csrf_token: &'a str,
) -> ConfirmPage<'a> {
    let record = &loaded.record;
    let path = format!("/matches/{}", record.key);
    let what = format!(
        "{}'s need for {}",
        storage.reference.country_name(record.country.as_str()),
        storage.reference.theme_name(record.theme.as_str())
    );
    let offering = loaded
        .offering
        .as_ref()
        .map_or(record.offering.to_string(), |o| {
            format!("“{}”", o.data.title)
        });
    let (heading, button) = match step {
        Step::Decline => (format!("Decline {what}?"), "Decline the match"),
        Step::NotSelect => (
            format!("Not select {offering} for {what}?"),
            "Do not select this offering",
        ),
        Step::Cancel => (
            format!("Cancel the match of {what} and {offering}?"),
            "Cancel the match",
        ),
        other => (
            format!("{} the match of {what} and {offering}?", other.label()),
            other.label(),
        ),
    };
    let label = if step.needs_reason() {
        "Reason"
    } else {
        "Note (optional)"
    };
    let reason = Reason::new(
        MatchField::Note,
        label,
        "The other side reads it, and so does the secretariat.",
        lifecycle::MAX_NOTE,
    );
    ConfirmPage {
        viewer,
        heading,
        consequences: vec![
            format!(
                "This closes the match for good: no step reopens it. Its history stays, and the other side is told that it was {}.",
                step.done_word()
            ),
            "The need itself is not withdrawn: other offers can still take it up.".to_owned(),
        ],
        action: path.clone(),
        carried: vec![
            ("version", record.version.to_string()),
            ("step", step.code().to_owned()),
        ],
        reason: Some(reason),
        button: button.to_owned(),
        back: path,
        errors: FieldErrors::new(),
        csrf_token,
    }
}

/// `GET /matches/{key}/steps/{step}`: asks before a step that closes the
/// match unmet. Other steps are taken from the match's page at once.
pub async fn closing_form(
    storage: web::Data<Storage>,
    viewer: Viewer,
    key: KeyPath,
    path: web::Path<(String, String)>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner().1;
    let step =
        closing_step(&code).ok_or_else(|| AppError::NotFound(format!("The step \"{code}\"")))?;
    let loaded = load(&storage, &viewer, &key).await?;
    let sides = loaded.record.sides_of(viewer.person());
    lifecycle::next(loaded.record.state, sides, step)
        .map_err(|refusal| refused(MatchError::Refused(refusal), key.as_str()))?;
    closing_page(&storage, &viewer, &loaded, step, csrf.as_str()).show()
}

/// `GET /api/v1/matches/{key}`: the match as the interchange file holds it.
pub async fn show_json(
    storage: web::Data<Storage>,
    viewer: Viewer,
    key: KeyPath,
) -> Result<HttpResponse, crate::web::error::ApiError> {
    let loaded = load(&storage, &viewer, &key).await?;
    let entry = MatchEntry::of(&loaded.record, &loaded.history);
    let entry = if matches::reads_notes(&loaded.record, viewer.person()) {
        entry
    } else {
        entry.without_notes()
    };
    Ok(HttpResponse::Ok().json(entry))
}

/// A step as its form posts it: what `MoveInput` reads, and the version
/// of the match the page showed.
#[derive(Debug, Deserialize)]
pub struct StepPost {
    #[serde(flatten)]
    input: MoveInput,
    #[serde(default)]
    version: String,
}

/// `POST /matches/{key}`: takes a step.
pub async fn take_step(
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    key: KeyPath,
    csrf: CsrfToken,
    posted: Form<StepPost>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    viewer.may(crate::domain::access::Action::ReadMatches)?;
    let version: i32 = form.version.trim().parse().map_err(|_| {
        AppError::BadRequest("The form did not say which version of the match it answers.".into())
    })?;
    let person = viewer.signed_in()?.clone();
    let shared = storage.clone();
    let lookup = key.as_str().to_owned();
    let input = form.input.clone();
    let taken = with_db(&storage, move |conn| {
        Ok(matches::take_step(
            &shared,
            conn,
            &person,
            &lookup,
            version,
            &input,
            &|path| site.link(path),
        ))
    })
    .await?;
    match taken {
        Ok(step) => Ok(see_other_with(
            &format!("/matches/{}", key.as_str()),
            Done::Moved(step),
        )),
        Err(MatchError::Invalid(Some(errors))) => match closing_step(&form.input.step) {
            Some(step) => {
                let loaded = load(&storage, &viewer, &key).await?;
                closing_page(&storage, &viewer, &loaded, step, csrf.as_str())
                    .again(&form.input.note, errors)
            }
            None => show_page(&storage, &viewer, &key, Some((form.input, errors))).await,
        },
        Err(error) => Err(refused(error, key.as_str())),
    }
}

/// The step `code` names, when it is one asked for on a page of its own.
fn closing_step(code: &str) -> Option<Step> {
    code.trim()
        .parse::<Step>()
        .ok()
        .filter(|s| s.closes_unmet())
}

/// A refused match change as the page answers it.
pub fn refused(error: MatchError, key: &str) -> AppError {
    use crate::domain::lifecycle::Refusal;
    match error {
        MatchError::Refused(Refusal::NotYourPart(who)) => AppError::Forbidden(who.to_owned()),
        MatchError::Refused(refusal @ Refusal::NotNow { .. }) => {
            AppError::Conflict(format!("{refusal} Nothing was changed."))
        }
        MatchError::AlreadyOpen(existing) => AppError::Conflict(format!(
            "This need and this offering already make an open match: {existing}. Nothing was changed."
        )),
        MatchError::DoesNotFit(why) => AppError::Conflict(format!(
            "The offering does not fit the need: {why} Nothing was changed."
        )),
        MatchError::NeedNotOpen(need) => AppError::Conflict(format!(
            "The need \"{need}\" is no longer open, so it cannot be matched."
        )),
        MatchError::NotFound => AppError::NotFound(format!("The match or need \"{key}\"")),
        MatchError::Invalid(_) => {
            AppError::BadRequest("The form did not say which step to take.".into())
        }
        MatchError::Store(StoreError::Conflict { latest }) => AppError::Conflict(format!(
            "Someone changed this match since you opened it (it is now at version {latest}). Nothing was changed."
        )),
        MatchError::Store(other) => other.into(),
    }
}
