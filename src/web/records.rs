//! Providers and offerings are edited alike, so one set of handlers serves
//! both: a form to add one and a form to edit one; a save that comes back
//! 422 with every problem at its field, 409 with what differs when someone
//! else saved first, or 403 with everything typed when the form's token was
//! lost; archive and restore. What differs between the two is [`Record`].

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::banner::{Done, see_other_with};
use super::confirm::ConfirmPage;
use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::forms::{Confirmation, FieldView, Form, Posted, Unsaved};
use super::paths::KeyPath;
use super::session::Viewer;
use super::views::Conflict;
use super::with_db;
use crate::db::{self, DbConnection, StoreError, StoreResult};
use crate::domain::access::Action;
use crate::domain::audit::{Actor, AuditedRecord};
use crate::domain::codes::{Keyed, RecordKey};
use crate::domain::problems::FieldErrors;
use crate::domain::{FieldPath, ReferenceData};
use crate::startup::Storage;

/// What an editable record of the directory brings to the handlers.
pub trait Record: Sized + Send + 'static {
    /// Its form's input, as posted.
    type Input: DeserializeOwned + Serialize + Default + Send + 'static;
    /// Its data, as the store saves it.
    type Data: Send + 'static;
    /// What it is called: "provider".
    const NOUN: &'static str;
    /// What the audit log and the review list call it.
    const AUDITED: AuditedRecord;
    /// Where its list is: "/providers".
    const COLLECTION: &'static str;
    /// Its form's fields, in reading order.
    const FIELDS: &'static [FieldPath];
    /// The field a taken key is reported at.
    const KEY: FieldPath;
    /// What archiving one means, for the page that asks before it.
    const ARCHIVING_MEANS: &'static str;
    /// The field naming the record's provider, for one that has one.
    const PROVIDER: Option<FieldPath> = None;

    fn key(&self) -> &RecordKey;
    fn archived(&self) -> bool;
    /// The form's input for editing this record.
    fn input(&self) -> Self::Input;
    fn parse(
        input: &Self::Input,
        reference: &ReferenceData,
    ) -> Result<Keyed<Self::Data>, FieldErrors>;
    /// The version the form was opened at, as posted.
    fn posted_version(input: &Self::Input) -> Option<&str>;
    fn set_version(input: &mut Self::Input, version: i32);
    /// The name an edit page's heading uses.
    fn title(input: &Self::Input) -> &str;

    /// Its queries.
    const STORE: Store<Self>;

    /// The provider a post names for the record, for a record that has one,
    /// read before anything else in the post is checked.
    fn provider_named(_input: &Self::Input) -> Option<RecordKey> {
        None
    }

    /// What a person asks permission for to add one (`existing` is `None`)
    /// or to change `existing`, and with `provider` the provider a post
    /// names for it: an offering moved to another provider also needs that
    /// one.
    fn actions<'a>(existing: Option<&'a Self>, provider: Option<&'a RecordKey>) -> Vec<Action<'a>>;

    /// Renders its form page around what every record's form has.
    fn render(
        storage: &Storage,
        form: RecordForm<'_, Self>,
    ) -> impl Future<Output = Result<HttpResponse, AppError>>;
}

/// The queries the handlers run for one kind of record.
pub struct Store<R: Record> {
    pub find: fn(&mut DbConnection, &str) -> StoreResult<R>,
    pub create: fn(&mut DbConnection, &Actor, Option<RecordKey>, &R::Data) -> StoreResult<R>,
    /// Saves over a base version; a conflict when another save came first.
    pub update: fn(&mut DbConnection, &Actor, &str, &R::Data, i32) -> StoreResult<R>,
    pub set_archived: fn(&mut DbConnection, &Actor, &str, bool) -> StoreResult<()>,
}

/// Which record a form edits: a new one, or an existing one by key.
#[derive(Debug, Clone)]
pub enum FormTarget {
    New,
    Existing(RecordKey),
}

/// What every record's form page shows.
pub struct RecordForm<'a, R: Record> {
    pub viewer: &'a Viewer,
    pub target: FormTarget,
    pub input: R::Input,
    pub errors: FieldErrors,
    /// Someone else saved the record while this form was open.
    pub conflict: Option<Conflict>,
    /// Why the form came back unsaved, when it did.
    pub resubmit: Option<Unsaved>,
    pub csrf_token: &'a str,
    pub status: StatusCode,
}

impl<R: Record> RecordForm<'_, R> {
    pub fn creating(&self) -> bool {
        matches!(self.target, FormTarget::New)
    }

    pub fn heading(&self) -> String {
        match &self.target {
            FormTarget::New => {
                let article = if R::NOUN.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!("Add {article} {}", R::NOUN)
            }
            FormTarget::Existing(_) => format!("Edit {}", R::title(&self.input)),
        }
    }

    /// Where the form posts, and where "Cancel" goes.
    pub fn action(&self) -> String {
        match &self.target {
            FormTarget::New => R::COLLECTION.to_owned(),
            FormTarget::Existing(key) => format!("{}/{key}", R::COLLECTION),
        }
    }

    pub fn field(&self, path: impl Into<FieldPath>) -> FieldView {
        FieldView::new(path, &self.errors)
    }

    pub fn noun(&self) -> &'static str {
        R::NOUN
    }
}

/// Whether `viewer` may add a record (`existing` is `None`) or change
/// `existing`, for the provider a post names when there is one.
fn check<R: Record>(
    viewer: &Viewer,
    existing: Option<&R>,
    provider: Option<&RecordKey>,
) -> Result<(), AppError> {
    R::actions(existing, provider)
        .into_iter()
        .try_for_each(|action| viewer.may(action))
}

fn form<'a, R: Record>(
    viewer: &'a Viewer,
    target: FormTarget,
    input: R::Input,
    csrf: &'a CsrfToken,
) -> RecordForm<'a, R> {
    RecordForm {
        viewer,
        target,
        input,
        errors: FieldErrors::new(),
        conflict: None,
        resubmit: None,
        csrf_token: csrf.as_str(),
        status: StatusCode::OK,
    }
}

/// The form for a new record, starting from `input`.
pub async fn new_form_with<R: Record>(
    storage: &Storage,
    viewer: &Viewer,
    csrf: &CsrfToken,
    input: R::Input,
) -> Result<HttpResponse, AppError> {
    check::<R>(viewer, None, None)?;
    R::render(storage, form::<R>(viewer, FormTarget::New, input, csrf)).await
}

pub async fn new_form<R: Record>(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    new_form_with::<R>(&storage, &viewer, &csrf, R::Input::default()).await
}

pub async fn edit_form<R: Record>(
    storage: web::Data<Storage>,
    KeyPath(key): KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let record = editable::<R>(&storage, &viewer, &key).await?;
    R::render(
        &storage,
        form::<R>(&viewer, FormTarget::Existing(key), record.input(), &csrf),
    )
    .await
}

pub async fn create<R: Record>(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<R::Input>,
) -> Result<HttpResponse, AppError> {
    save::<R>(&storage, &viewer, &csrf, FormTarget::New, posted).await
}

pub async fn update<R: Record>(
    storage: web::Data<Storage>,
    KeyPath(key): KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<R::Input>,
) -> Result<HttpResponse, AppError> {
    save::<R>(&storage, &viewer, &csrf, FormTarget::Existing(key), posted).await
}

async fn find<R: Record>(storage: &Storage, key: &RecordKey) -> Result<R, AppError> {
    let key = key.to_string();
    with_db(storage, move |conn| {
        (R::STORE.find)(conn, &key).map_err(missing(R::NOUN, &key))
    })
    .await
}

/// The record with `key`, once the person is known to be one who may
/// change it.
async fn editable<R: Record>(
    storage: &Storage,
    viewer: &Viewer,
    key: &RecordKey,
) -> Result<R, AppError> {
    let record = find::<R>(storage, key).await?;
    check(viewer, Some(&record), None)?;
    Ok(record)
}

/// The version an edit form says it was opened at. A form without one (an
/// old page, a hand-made post) cannot be checked against other people's
/// saves, so it is refused. (A record that does not exist was answered 404
/// when it was looked up for the permission check.)
fn base_version(posted: Option<&str>) -> Result<i32, AppError> {
    posted.and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::BadRequest(
            "The form did not say which version of the record it edits. Reload it and save again."
                .into(),
        )
    })
}

/// Checks and saves a form: 303 to the record, or the form again with the
/// input kept and what is wrong, what differs, or why it was not saved.
async fn save<R: Record>(
    storage: &Storage,
    viewer: &Viewer,
    csrf: &CsrfToken,
    target: FormTarget,
    posted: Form<R::Input>,
) -> Result<HttpResponse, AppError> {
    let checked = posted.checked()?;
    // Who may is asked before anything posted is looked at, and again with
    // what the post would save.
    let existing = match &target {
        FormTarget::New => None,
        FormTarget::Existing(key) => Some(find::<R>(storage, key).await?),
    };
    let again = |input, errors, status| RecordForm {
        viewer,
        target: target.clone(),
        input,
        errors,
        conflict: None,
        resubmit: None,
        csrf_token: csrf.as_str(),
        status,
    };
    let mut input = match checked {
        Posted::Verified(input) => {
            check(
                viewer,
                existing.as_ref(),
                R::provider_named(&input).as_ref(),
            )?;
            input
        }
        Posted::Unconfirmed(input) => {
            // A session that ended while the form was open: keep what was
            // typed rather than send the person away to sign in.
            let why = if viewer.person().is_none() {
                Unsaved::SignedOut
            } else {
                check(viewer, existing.as_ref(), None)?;
                Unsaved::TokenLost
            };
            let page = RecordForm {
                resubmit: Some(why),
                ..again(input, FieldErrors::new(), StatusCode::FORBIDDEN)
            };
            return R::render(storage, page).await;
        }
    };
    let parsed = match R::parse(&input, &storage.reference) {
        Ok(parsed) => parsed,
        Err(errors) => {
            return R::render(
                storage,
                again(input, errors, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await;
        }
    };
    let existing = match &target {
        FormTarget::New => None,
        FormTarget::Existing(key) => {
            Some((key.to_string(), base_version(R::posted_version(&input))?))
        }
    };
    let actor = viewer.actor()?;
    // What anyone but the secretariat makes waits for review; what they
    // change after it was returned goes back to it.
    let reviewed = !viewer.allows(Action::Review);
    let saved = with_db(storage, move |conn| {
        Ok(match &existing {
            None => db::write(conn, |conn| {
                let made = (R::STORE.create)(conn, &actor, parsed.key, &parsed.data)?;
                if reviewed {
                    db::reviews::hold(conn, R::AUDITED, made.key().as_str(), None)?;
                }
                Ok(made)
            }),
            Some((key, base)) => db::write(conn, |conn| {
                let saved = (R::STORE.update)(conn, &actor, key, &parsed.data, *base)?;
                if reviewed {
                    db::reviews::resubmit(conn, R::AUDITED, key)?;
                }
                Ok(saved)
            }),
        })
    })
    .await?;
    let mut errors = FieldErrors::new();
    match saved {
        Ok(record) => {
            let done = match (&target, reviewed) {
                (FormTarget::New, false) => Done::Added(R::AUDITED),
                (FormTarget::New, true) => Done::AddedForReview(R::AUDITED),
                (FormTarget::Existing(_), _) => Done::Saved(R::AUDITED),
            };
            let location = format!("{}/{}", R::COLLECTION, record.key());
            return Ok(see_other_with(&location, done));
        }
        Err(StoreError::Conflict { latest }) => {
            let FormTarget::Existing(key) = &target else {
                return Err(AppError::internal(
                    "a new record answered a version conflict",
                ));
            };
            let current = find::<R>(storage, key).await?;
            // An edit form does not show the key.
            let shown: Vec<FieldPath> =
                R::FIELDS.iter().copied().filter(|f| *f != R::KEY).collect();
            let conflict = Conflict::new(
                R::NOUN,
                latest,
                format!("{}/{key}", R::COLLECTION),
                (&current.input(), &input, &shown),
            );
            // The form now edits the latest version: saving again is a
            // deliberate choice to replace it.
            R::set_version(&mut input, latest);
            let page = RecordForm {
                conflict: Some(conflict),
                ..again(input, errors, StatusCode::CONFLICT)
            };
            return R::render(storage, page).await;
        }
        Err(StoreError::KeyTaken(key)) => errors.add(
            R::KEY,
            format!(
                "\"{key}\" is already used by another {}; choose another key",
                R::NOUN
            ),
        ),
        Err(StoreError::UnknownProvider(key)) => match R::PROVIDER {
            Some(field) => errors.add(field, format!("no provider has the key \"{key}\"")),
            None => return Err(StoreError::UnknownProvider(key).into()),
        },
        Err(StoreError::NotFound) => {
            return Err(AppError::NotFound(format!("The {}", R::NOUN)));
        }
        Err(other) => return Err(other.into()),
    }
    R::render(
        storage,
        again(input, errors, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await
}

/// `GET /{collection}/{key}/archive`: asks before archiving. A record
/// already archived has nothing to ask: its page.
pub async fn archive_form<R: Record>(
    storage: web::Data<Storage>,
    KeyPath(key): KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let record = editable::<R>(&storage, &viewer, &key).await?;
    let path = format!("{}/{key}", R::COLLECTION);
    if R::archived(&record) {
        return Ok(super::see_other(&path));
    }
    ConfirmPage {
        viewer: &viewer,
        heading: format!("Archive the {} “{}”?", R::NOUN, R::title(&record.input())),
        consequences: vec![
            R::ARCHIVING_MEANS.to_owned(),
            "Its page and its history stay, and it can be restored to the lists at any time."
                .to_owned(),
        ],
        action: format!("{path}/archive"),
        carried: Vec::new(),
        reason: None,
        button: format!("Archive the {}", R::NOUN),
        back: path,
        errors: FieldErrors::new(),
        csrf_token: csrf.as_str(),
    }
    .show()
}

/// Archives a record (`ARCHIVED`) or restores it, then shows it.
pub async fn set_archived<R: Record, const ARCHIVED: bool>(
    storage: web::Data<Storage>,
    KeyPath(key): KeyPath,
    viewer: Viewer,
    confirmed: Form<Confirmation>,
) -> Result<HttpResponse, AppError> {
    confirmed.verified()?;
    editable::<R>(&storage, &viewer, &key).await?;
    let actor = viewer.actor()?;
    let lookup = key.to_string();
    with_db(&storage, move |conn| {
        (R::STORE.set_archived)(conn, &actor, &lookup, ARCHIVED).map_err(missing(R::NOUN, &lookup))
    })
    .await?;
    let done = if ARCHIVED {
        Done::Archived(R::AUDITED)
    } else {
        Done::Restored(R::AUDITED)
    };
    Ok(see_other_with(&format!("{}/{key}", R::COLLECTION), done))
}
