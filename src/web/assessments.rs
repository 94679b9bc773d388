//! Needs assessment pages: an assessment with its revisions and what each
//! changed, and withdrawing it or one of its needs. The form is in
//! `assessment_form`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::banner::{Done, see_other_with};
use super::confirm::{ConfirmPage, Reason};
use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::forms::Form;
use super::paths::KeyPath;
use super::session::Viewer;
use super::views::{Choice, Choices, NeedWords};
use super::{render, see_other, with_db};
use crate::db::{self, StoreError};
use crate::domain::access::Action;
use crate::domain::assessment::withdrawal::Change;
use crate::domain::assessment::{
    self, Assessment, AssessmentError, AssessmentState, Need, Revision, RevisionChanges,
    withdrawal_reason,
};
use crate::domain::fields::AssessmentField;
use crate::domain::problems::FieldErrors;
use crate::domain::{AssessmentStatus, Country, NeedStatus, Visibility};
use crate::startup::Storage;

/// A revision with what it changed from the one before.
struct HistoryEntry {
    revision: Revision,
    changes: RevisionChanges,
}

#[derive(Template)]
#[template(path = "assessments/show.html")]
struct ShowPage<'a> {
    viewer: &'a Viewer,
    assessment: Assessment,
    country: &'a Country,
    shown: Revision,
    is_latest: bool,
    history: Vec<HistoryEntry>,
    needs: Vec<crate::domain::assessment::DraftNeed>,
    words: NeedWords<'a>,
    /// The visibility form's token, for those who may write the country's
    /// assessments.
    csrf_token: Option<&'a str>,
    visibilities: Vec<Choice>,
}

impl ShowPage<'_> {
    fn can_withdraw_needs(&self) -> bool {
        self.csrf_token.is_some()
            && self.is_latest
            && matches!(self.shown.data.state, AssessmentState::Submitted(_))
    }

    fn can_edit(&self) -> bool {
        self.csrf_token.is_some()
            && self.is_latest
            && self.shown.data.state.status() != AssessmentStatus::Withdrawn
    }
}

async fn show_page(
    storage: &Storage,
    viewer: &Viewer,
    key: &KeyPath,
    number: Option<i32>,
    csrf: &CsrfToken,
) -> Result<HttpResponse, AppError> {
    let key = key.as_str().to_owned();
    let lookup = key.clone();
    let (assessment, revisions, progress) = with_db(storage, move |conn| {
        let (assessment, revisions) =
            db::assessments::history(conn, &lookup).map_err(missing("assessment", &lookup))?;
        let progress = db::matches::progress(conn, &lookup)?;
        Ok((assessment, revisions, progress))
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
    viewer.may(Action::ReadAssessment(
        &assessment.country,
        assessment.visibility,
    ))?;
    let country = country_of(storage, &assessment)?;
    let csrf_token = viewer
        .allows(Action::WriteAssessment(&assessment.country))
        .then(|| csrf.as_str());
    let is_latest = shown.number == assessment.latest.number;
    let mut needs = shown.data.state.needs();
    if is_latest {
        for need in &mut needs {
            if let Some(p) = need.key.as_ref().and_then(|k| progress.get(k.as_str())) {
                need.status = p.status(need.status);
            }
        }
    }
    let page = ShowPage {
        visibilities: Choices::of::<Visibility>(&[assessment.visibility.code()]),
        viewer,
        is_latest,
        needs,
        shown,
        country,
        assessment,
        history,
        words: NeedWords {
            reference: &storage.reference,
        },
        csrf_token,
    };
    render(StatusCode::OK, &page)
}

pub async fn show(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    show_page(&storage, &viewer, &key, None, &csrf).await
}

#[derive(Template)]
#[template(path = "assessments/submitted.html")]
struct SubmittedPage<'a> {
    viewer: &'a Viewer,
    assessment: Assessment,
    country: &'a Country,
    open_needs: usize,
}

/// `/assessments/{key}/submitted`: the confirmation after submitting, with
/// the reference, who may now read it and where its matches are. An
/// assessment not submitted has nothing to confirm: its own page.
pub async fn submitted(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let assessment = load(&storage, &key).await?;
    viewer.may(Action::ReadAssessment(
        &assessment.country,
        assessment.visibility,
    ))?;
    let AssessmentState::Submitted(needs) = &assessment.latest.data.state else {
        return Ok(see_other(&format!("/assessments/{}", assessment.key)));
    };
    let open_needs = needs
        .iter()
        .filter(|n| n.status == NeedStatus::Open)
        .count();
    let country = country_of(&storage, &assessment)?;
    render(
        StatusCode::OK,
        &SubmittedPage {
            viewer: &viewer,
            country,
            open_needs,
            assessment,
        },
    )
}

pub async fn revision(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner().1;
    let number: i32 = number
        .parse()
        .map_err(|_| AppError::NotFound(format!("Revision {number} of \"{}\"", key.as_str())))?;
    show_page(&storage, &viewer, &key, Some(number), &csrf).await
}

#[derive(Deserialize)]
pub struct Withdrawal {
    #[serde(default)]
    withdrawn_reason: String,
    #[serde(default)]
    revision: String,
}

impl Withdrawal {
    /// The revision the page was opened at.
    fn base(&self) -> Result<i32, AppError> {
        self.revision.trim().parse().map_err(|_| {
            AppError::BadRequest("The form did not say which revision it changes.".into())
        })
    }
}

/// The assessment with `key`, or 404.
pub(super) async fn load(storage: &Storage, key: &KeyPath) -> Result<Assessment, AppError> {
    let key = key.as_str().to_owned();
    with_db(storage, move |conn| {
        db::assessments::find(conn, &key).map_err(missing("assessment", &key))
    })
    .await
}

/// The country of an assessment, from the reference data.
pub(super) fn country_of<'a>(
    storage: &'a Storage,
    assessment: &Assessment,
) -> Result<&'a Country, AppError> {
    storage
        .reference
        .country(assessment.country.as_str())
        .ok_or_else(|| AppError::NotFound(format!("The country \"{}\"", assessment.country)))
}

/// The assessment, once the person is known to be one who may write its
/// country's assessments: asked before anything posted is looked at.
pub(super) async fn writable(
    storage: &Storage,
    viewer: &Viewer,
    key: &KeyPath,
) -> Result<Assessment, AppError> {
    let assessment = load(storage, key).await?;
    viewer.may(Action::WriteAssessment(&assessment.country))?;
    Ok(assessment)
}

/// What is withdrawn: the whole assessment, or one of its needs.
enum Withdrawn<'a> {
    Assessment,
    Need(&'a Need),
}

/// The page that asks before a withdrawal, with the reason it needs.
fn withdrawal_page<'a>(
    storage: &Storage,
    viewer: &'a Viewer,
    csrf: &'a CsrfToken,
    assessment: &Assessment,
    withdrawn: Withdrawn<'_>,
) -> ConfirmPage<'a> {
    let path = format!("/assessments/{}", assessment.key);
    let (heading, consequences, action, button) = match withdrawn {
        Withdrawn::Assessment => (
            format!("Withdraw the needs assessment {}?", assessment.key),
            vec![
                "A withdrawn assessment is no longer matched, and its needs leave the lists of open needs.".to_owned(),
                "It cannot be revised or submitted again afterwards: the country starts a new assessment instead. Its revisions stay readable, with the reason you give.".to_owned(),
            ],
            format!("{path}/withdraw"),
            "Withdraw the assessment",
        ),
        Withdrawn::Need(need) => {
            let key = need.key.as_ref().map_or("", |k| k.as_str());
            (
                format!(
                    "Withdraw the need for {} ({key})?",
                    storage.reference.theme_name(need.theme.as_str())
                ),
                vec![
                    "A withdrawn need is no longer matched. The rest of the assessment stays as it is.".to_owned(),
                    "It cannot be taken back: to ask for the help again, add it as a new need when revising the assessment.".to_owned(),
                ],
                format!("{path}/needs/{key}/withdraw"),
                "Withdraw the need",
            )
        }
    };
    ConfirmPage {
        viewer,
        heading,
        consequences,
        action,
        carried: vec![("revision", assessment.latest.number.to_string())],
        reason: Some(Reason::new(
            AssessmentField::WithdrawnReason,
            "Reason for withdrawing",
            "Readers of the assessment see it in its history.",
            assessment::withdrawal::MAX_REASON,
        )),
        button: button.to_owned(),
        back: path,
        errors: FieldErrors::new(),
        csrf_token: csrf.as_str(),
    }
}

/// What a withdrawal is asked for: the assessment, or one of its needs.
enum Target {
    Assessment,
    Need(String),
}

impl Target {
    /// What the page asking before it shows, when the domain allows it.
    fn asked<'a>(&self, assessment: &'a Assessment) -> Result<Withdrawn<'a>, AssessmentError> {
        Ok(match self {
            Target::Assessment => {
                assessment.may_withdraw()?;
                Withdrawn::Assessment
            }
            Target::Need(need) => Withdrawn::Need(assessment.withdrawable_need(need)?),
        })
    }
}

async fn withdrawal_form(
    storage: &Storage,
    key: &KeyPath,
    viewer: &Viewer,
    csrf: &CsrfToken,
    target: Target,
) -> Result<HttpResponse, AppError> {
    let assessment = writable(storage, viewer, key).await?;
    let asked = target.asked(&assessment)?;
    withdrawal_page(storage, viewer, csrf, &assessment, asked).show()
}

/// `GET /assessments/{key}/withdraw`: asks before withdrawing.
pub async fn withdraw_form(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    withdrawal_form(&storage, &key, &viewer, &csrf, Target::Assessment).await
}

/// `GET /assessments/{key}/needs/{need}/withdraw`: asks before withdrawing
/// one need.
pub async fn withdraw_need_form(
    storage: web::Data<Storage>,
    key: KeyPath,
    need: web::Path<(String, String)>,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let target = Target::Need(need.into_inner().1);
    withdrawal_form(&storage, &key, &viewer, &csrf, target).await
}

/// Saves a withdrawal as a new revision over `base`; someone else's save
/// in between is a conflict, and nothing is withdrawn.
async fn save_withdrawal(
    storage: &Storage,
    viewer: &Viewer,
    key: &str,
    base: i32,
    change: Change,
    done: Done,
) -> Result<HttpResponse, AppError> {
    let lookup = key.to_owned();
    let actor = viewer.actor()?;
    with_db(storage, move |conn| {
        let keys = db::assessments::NeedKeys::Checked;
        db::assessments::revise(
            conn,
            &actor,
            &lookup,
            base,
            &change.data,
            keys,
            &change.summary,
        )
        .map_err(conflict)
    })
    .await?;
    Ok(see_other_with(&format!("/assessments/{key}"), done))
}

/// A reason that breaks a rule, at the reason's field.
fn reason_problem(message: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.add(AssessmentField::WithdrawnReason, message);
    errors
}

/// Withdraws what `target` names for the posted reason; a missing reason
/// brings the page that asked back with its problem.
async fn take_withdrawal(
    storage: &Storage,
    key: &KeyPath,
    viewer: &Viewer,
    csrf: &CsrfToken,
    posted: Form<Withdrawal>,
    target: Target,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    let assessment = writable(storage, viewer, key).await?;
    let base = form.base()?;
    let reason = match withdrawal_reason(&form.withdrawn_reason) {
        Ok(reason) => reason,
        Err(message) => {
            let asked = target.asked(&assessment)?;
            return withdrawal_page(storage, viewer, csrf, &assessment, asked)
                .again(&form.withdrawn_reason, reason_problem(message));
        }
    };
    // The assessment just read for the permission: a save since then is
    // caught by `base` when the revision is written.
    let (change, done) = match &target {
        Target::Assessment => (assessment.withdraw(reason)?, Done::AssessmentWithdrawn),
        Target::Need(need) => (assessment.withdraw_need(need, reason)?, Done::NeedWithdrawn),
    };
    save_withdrawal(storage, viewer, key.as_str(), base, change, done).await
}

pub async fn withdraw(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<Withdrawal>,
) -> Result<HttpResponse, AppError> {
    take_withdrawal(&storage, &key, &viewer, &csrf, posted, Target::Assessment).await
}

pub async fn withdraw_need(
    storage: web::Data<Storage>,
    key: KeyPath,
    need: web::Path<(String, String)>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<Withdrawal>,
) -> Result<HttpResponse, AppError> {
    let target = Target::Need(need.into_inner().1);
    take_withdrawal(&storage, &key, &viewer, &csrf, posted, target).await
}

#[derive(Deserialize)]
pub struct VisibilityChoice {
    #[serde(default)]
    visibility: String,
}

/// Sets who may read an assessment: its country's focal points and the
/// secretariat decide.
pub async fn set_visibility(
    storage: web::Data<Storage>,
    key: KeyPath,
    viewer: Viewer,
    posted: Form<VisibilityChoice>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    writable(&storage, &viewer, &key).await?;
    let visibility: Visibility = form.visibility.trim().parse().map_err(|_| {
        AppError::BadRequest("Choose who may read the assessment from the list.".into())
    })?;
    let actor = viewer.actor()?;
    let lookup = key.as_str().to_owned();
    with_db(&storage, move |conn| {
        db::assessments::set_visibility(conn, &actor, &lookup, visibility)
            .map_err(missing("assessment", &lookup))
    })
    .await?;
    let location = format!("/assessments/{}", key.as_str());
    Ok(see_other_with(&location, Done::VisibilitySaved))
}

fn conflict(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict { latest } => AppError::Conflict(format!(
            "The assessment changed since you opened it: it is now at revision {latest}, so nothing was withdrawn."
        )),
        other => other.into(),
    }
}
