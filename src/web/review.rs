//! Review before publishing: the secretariat approves the providers and
//! offerings others made, or returns them with a comment; the people they
//! concern are told by mail. It also sees the latest changes to published
//! records.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::banner::{Done, see_other_with};
use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::forms::{Confirmation, Form};
use super::session::Viewer;
use super::{Site, with_db};
use crate::db::audit::{AuditEntry, AuditFilter};
use crate::db::notifications::Notice;
use crate::db::reviews::Review;
use crate::db::{self, DbConnection, PageRequest, StoreResult};
use crate::domain::access::{Action, Person};
use crate::domain::audit::AuditedRecord;
use crate::domain::codes::RecordKey;
use crate::domain::problems::sentence;
use crate::startup::Storage;

/// Recent changes of each kind the page lists.
const RECENT: i64 = 10;
/// The longest comment a return takes.
const MAX_COMMENT: usize = 2_000;

#[derive(Template)]
#[template(path = "review/list.html")]
struct ReviewPage<'a> {
    viewer: &'a Viewer,
    waiting: Vec<Review>,
    recent: Vec<AuditEntry>,
    error: Option<(String, String)>,
    csrf_token: &'a str,
}

/// The page of the record a review is about.
pub fn record_path(review: &Review) -> String {
    // Only providers and offerings are reviewed, and both have a page.
    super::paths::record_page(review.record, &review.key).unwrap_or_default()
}

impl ReviewPage<'_> {
    fn error_for(&self, key: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, m)| m.as_str())
    }
}

async fn page(
    storage: &Storage,
    viewer: &Viewer,
    csrf: &CsrfToken,
    error: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::Review)?;
    let (waiting, recent) = with_db(storage, |conn| {
        let mut recent = Vec::new();
        for record in [AuditedRecord::Provider, AuditedRecord::Offering] {
            let filter = AuditFilter {
                record: Some(record),
                ..AuditFilter::default()
            };
            recent.extend(db::audit::list(conn, &filter, PageRequest::sized(1, RECENT))?.items);
        }
        recent.sort_by_key(|entry| std::cmp::Reverse(entry.id));
        Ok((db::reviews::waiting(conn)?, recent))
    })
    .await?;
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    super::render(
        status,
        &ReviewPage {
            viewer,
            waiting,
            recent,
            error,
            csrf_token: csrf.as_str(),
        },
    )
}

pub async fn list(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    page(&storage, &viewer, &csrf, None).await
}

/// The kind of record an address names: `providers` or `offerings`.
fn record_of(path: &web::Path<(String, String)>) -> Result<AuditedRecord, AppError> {
    match path.0.as_str() {
        "providers" => Ok(AuditedRecord::Provider),
        "offerings" => Ok(AuditedRecord::Offering),
        other => Err(AppError::NotFound(format!(
            "The kind of record \"{other}\""
        ))),
    }
}

/// Whom a decision concerns: the applicant of a new provider, and the
/// editors of the record's provider.
fn concerned(
    conn: &mut DbConnection,
    record: AuditedRecord,
    key: &str,
    applicant: Option<&Person>,
) -> StoreResult<Vec<Person>> {
    let provider = match record {
        AuditedRecord::Offering => db::offerings::find(conn, key)?.data.provider.to_string(),
        _ => key.to_owned(),
    };
    let mut people = db::accounts::editors_of(conn, &provider)?;
    if let Some(applicant) = applicant {
        if !people.iter().any(|p| p.account == applicant.account) {
            people.push(applicant.clone());
        }
    }
    Ok(people)
}

/// The secretariat's decision, for the record's people: in the
/// application and by mail.
fn decision(record: AuditedRecord, key: &str, outcome: String) -> Notice {
    Notice {
        subject: format!(
            "Your {} \"{key}\" on capmatch",
            record.label().to_lowercase()
        ),
        body: outcome,
        link: super::paths::record_page(record, key).unwrap_or_default(),
    }
}

/// Publishes a waiting record; an applicant becomes the provider's editor.
pub async fn approve(
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    posted: Form<Confirmation>,
) -> Result<HttpResponse, AppError> {
    posted.verified()?;
    viewer.may(Action::Review)?;
    let record = record_of(&path)?;
    let key = RecordKey::parse(&path.1)
        .map_err(|_| AppError::NotFound(format!("The record \"{}\"", path.1)))?;
    let actor = viewer.actor()?;
    with_db(&storage, move |conn| {
        db::write(conn, |conn| {
            let review = db::reviews::approve(conn, &actor, record, key.as_str())
                .map_err(missing("record waiting for review", key.as_str()))?;
            let applicant = match (record, review.applicant) {
                (AuditedRecord::Provider, Some(account)) => {
                    Some(db::accounts::make_editor(conn, &actor, account, &key)?)
                }
                _ => None,
            };
            let outcome = format!(
                "The secretariat approved it: it is now published in the directory and matched to countries' needs.{}",
                if applicant.is_some() { " You are its editor: sign in to keep it up to date and add its offerings." } else { "" }
            );
            let people = concerned(conn, record, key.as_str(), applicant.as_ref())?;
            let notice = decision(record, key.as_str(), outcome);
            db::notifications::tell(conn, &people, &notice, &|path| site.link(path))?;
            Ok::<(), AppError>(())
        })
    })
    .await?;
    Ok(see_other_with("/review", Done::Approved))
}

#[derive(Deserialize)]
pub struct ReturnComment {
    #[serde(default)]
    comment: String,
}

/// Returns a waiting record to its editors with a comment.
pub async fn return_for_changes(
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    csrf: CsrfToken,
    path: web::Path<(String, String)>,
    posted: Form<ReturnComment>,
) -> Result<HttpResponse, AppError> {
    let form = posted.verified()?;
    viewer.may(Action::Review)?;
    let record = record_of(&path)?;
    let key = path.1.clone();
    let comment = match crate::domain::rules::required_text(&form.comment, MAX_COMMENT) {
        Ok(comment) => comment,
        Err(message) => {
            let error = Some((key, sentence("The comment", &message)));
            return page(&storage, &viewer, &csrf, error).await;
        }
    };
    let actor = viewer.actor()?;
    with_db(&storage, move |conn| {
        db::write(conn, |conn| {
            let review = db::reviews::return_for_changes(conn, &actor, record, &key, &comment)
                .map_err(missing("record waiting for review", &key))?;
            let applicant = review
                .applicant
                .map(|account| db::accounts::account(conn, account).map(|a| a.person))
                .transpose()?;
            let outcome = format!(
                "The secretariat returned it for changes:\n\n{comment}\n\nChange it on its page and save it: it goes back to the secretariat."
            );
            let people = concerned(conn, record, &key, applicant.as_ref())?;
            let notice = decision(record, &key, outcome);
            db::notifications::tell(conn, &people, &notice, &|path| site.link(path))?;
            Ok::<(), AppError>(())
        })
    })
    .await?;
    Ok(see_other_with("/review", Done::Returned))
}
