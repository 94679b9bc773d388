//! Banners after a change ("Offering added"): the answer to a good post
//! names what happened, and the next page shows it once.
//!
//! It travels in a short-lived cookie, not in the session or the address:
//! it works on every instance without shared state, a reload or a shared
//! link shows no stale banner, and the record's address stays its own.
//! The cookie holds a code from a closed list, so a banner never shows
//! text a visitor could have put there.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};

use super::Site;
use super::paths::record_page;
use crate::domain::audit::AuditedRecord;
use crate::domain::codes::RecordKey;
use crate::domain::lifecycle::Step;

/// What a change did, as its banner says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// A provider or an offering added by the secretariat: listed at once.
    Added(AuditedRecord),
    /// Added by anyone else: the secretariat reviews it first.
    AddedForReview(AuditedRecord),
    Saved(AuditedRecord),
    Archived(AuditedRecord),
    Restored(AuditedRecord),
    DraftSaved,
    AssessmentWithdrawn,
    NeedWithdrawn,
    VisibilitySaved,
    MatchOpened,
    /// A step taken on a match.
    Moved(Step),
    Approved,
    Returned,
    Invited,
    Granted,
    AlreadyHeld,
    Revoked,
    Disabled,
    PasswordChanged,
    AllRead,
    ProblemReported,
}

/// The records whose banners name them.
const DIRECTORY: [AuditedRecord; 2] = [AuditedRecord::Provider, AuditedRecord::Offering];

const FIXED: [Done; 15] = [
    Done::DraftSaved,
    Done::AssessmentWithdrawn,
    Done::NeedWithdrawn,
    Done::VisibilitySaved,
    Done::MatchOpened,
    Done::Approved,
    Done::Returned,
    Done::Invited,
    Done::Granted,
    Done::AlreadyHeld,
    Done::Revoked,
    Done::Disabled,
    Done::PasswordChanged,
    Done::AllRead,
    Done::ProblemReported,
];

/// An action the banner offers that takes the change back, posted to the
/// page's own address followed by `path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undo {
    pub path: &'static str,
    pub label: &'static str,
}

impl Done {
    /// Every change a banner can name.
    pub fn all() -> impl Iterator<Item = Done> {
        let per_record: [fn(AuditedRecord) -> Done; 5] = [
            Done::Added,
            Done::AddedForReview,
            Done::Saved,
            Done::Archived,
            Done::Restored,
        ];
        per_record
            .into_iter()
            .flat_map(|made| DIRECTORY.into_iter().map(made))
            .chain(FIXED)
            .chain(Step::ALL.iter().copied().map(Done::Moved))
    }

    /// Its code in the cookie.
    pub fn code(self) -> String {
        let of = |record: AuditedRecord, what: &str| format!("{}-{what}", record.code());
        match self {
            Done::Added(r) => of(r, "added"),
            Done::AddedForReview(r) => of(r, "added-for-review"),
            Done::Saved(r) => of(r, "saved"),
            Done::Archived(r) => of(r, "archived"),
            Done::Restored(r) => of(r, "restored"),
            Done::DraftSaved => "draft-saved".into(),
            Done::AssessmentWithdrawn => "assessment-withdrawn".into(),
            Done::NeedWithdrawn => "need-withdrawn".into(),
            Done::VisibilitySaved => "visibility-saved".into(),
            Done::MatchOpened => "match-opened".into(),
            Done::Moved(step) => format!("match-{}", step.code()),
            Done::Approved => "approved".into(),
            Done::Returned => "returned".into(),
            Done::Invited => "invited".into(),
            Done::Granted => "granted".into(),
            Done::AlreadyHeld => "already-held".into(),
            Done::Revoked => "revoked".into(),
            Done::Disabled => "disabled".into(),
            Done::PasswordChanged => "password-changed".into(),
            Done::AllRead => "all-read".into(),
            Done::ProblemReported => "problem-reported".into(),
        }
    }

    /// What a code names; `None` for a code that names nothing.
    pub fn parse(code: &str) -> Option<Done> {
        Done::all().find(|n| n.code() == code)
    }

    /// What the banner says.
    pub fn message(self) -> String {
        let noun = |record: AuditedRecord| record.label();
        let lower = |record: AuditedRecord| record.label().to_lowercase();
        match self {
            Done::Added(r) => format!("{} added.", noun(r)),
            Done::AddedForReview(r) => format!(
                "{} added. The secretariat reviews it before it is listed; until then only its editors and the secretariat see it.",
                noun(r)
            ),
            Done::Saved(r) => format!("Changes to the {} saved.", lower(r)),
            Done::Archived(r) => format!("{} archived.", noun(r)),
            Done::Restored(r) => format!("{} restored to listings.", noun(r)),
            Done::DraftSaved => {
                "Draft saved. It is not matched until it is submitted.".into()
            }
            Done::AssessmentWithdrawn => {
                "Needs assessment withdrawn. Its needs are no longer matched.".into()
            }
            Done::NeedWithdrawn => "Need withdrawn. It is no longer matched.".into(),
            Done::VisibilitySaved => "Who may read the assessment has been saved.".into(),
            Done::MatchOpened => {
                "Match begun. The other side has been told and answers here.".into()
            }
            Done::Moved(step) => format!("Match {}.", step.done_word()),
            Done::Approved => "Approved: it is now listed, and its editors have been told.".into(),
            Done::Returned => {
                "Returned to its editors with your comment; it stays unlisted until they change it."
                    .into()
            }
            Done::Invited => {
                "Invitation sent: the link to choose a password works for 7 days.".into()
            }
            Done::Granted => "That person already had an account: they now hold the role too, and have been told by mail.".into(),
            Done::AlreadyHeld => "That person already holds the role: nothing changed.".into(),
            Done::Revoked => "The role has been taken away.".into(),
            Done::Disabled => {
                "The account is disabled: its sessions and API tokens have stopped.".into()
            }
            Done::PasswordChanged => "Your password has been changed. Every other session of your account has been signed out.".into(),
            Done::AllRead => "Every notification is marked as read.".into(),
            Done::ProblemReported => {
                "Thank you: the secretariat has your report of the problem.".into()
            }
        }
    }

    /// How the banner takes the change back, where the domain allows it:
    /// an archived record is restored. Withdrawals and closed matches are
    /// final, so their banners offer nothing.
    pub fn undo(self) -> Option<Undo> {
        match self {
            Done::Archived(_) => Some(Undo {
                path: "/restore",
                label: "Restore to listings",
            }),
            _ => None,
        }
    }
}

/// A banner as a page shows it.
#[derive(Debug, Clone)]
pub struct Banner {
    pub done: Done,
    /// Where the page's undo form posts.
    pub undo: Option<(String, &'static str)>,
}

impl Banner {
    /// The banner on `page`: its undo is offered on the page of the record
    /// the change was made to, where it posts, and nowhere else.
    fn on(done: Done, page: &str) -> Banner {
        let on_record = match done {
            Done::Archived(record) => is_record_page(record, page),
            _ => false,
        };
        Banner {
            done,
            undo: done
                .undo()
                .filter(|_| on_record)
                .map(|undo| (format!("{page}{}", undo.path), undo.label)),
        }
    }
}

/// Whether `page` is the page of one `record`: `/offerings/{key}`.
fn is_record_page(record: AuditedRecord, page: &str) -> bool {
    page.rsplit_once('/').is_some_and(|(_, key)| {
        RecordKey::parse(key).is_ok() && record_page(record, key).as_deref() == Some(page)
    })
}

/// The answer to a good post: 303 to `location`, whose page shows `done`.
pub fn see_other_with(location: &str, done: Done) -> HttpResponse {
    let mut response = super::see_other(location);
    response.extensions_mut().insert(done);
    response
}

/// The cookie's name: over HTTPS with the `__Host-` prefix, as the
/// session's.
fn cookie_name(site: &Site) -> &'static str {
    if site.https() {
        "__Host-capmatch_banner"
    } else {
        "capmatch_banner"
    }
}

/// A banner waits at most this long for its page: a redirect is followed
/// at once, and a banner shown much later would be out of place.
const LIFETIME: time::Duration = time::Duration::minutes(1);

fn cookie(site: &Site, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(site), value)
        .path("/")
        .http_only(true)
        .secure(site.https())
        .same_site(SameSite::Lax)
        .max_age(LIFETIME)
        .finish()
}

/// Whether a request is for a page, which shows a banner: not the API,
/// the health checks or the static files, which must leave it waiting.
fn is_page(req: &ServiceRequest) -> bool {
    let path = req.path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/static/")
        && !matches!(path, "/healthz" | "/readyz")
}

/// Middleware: hands a waiting change to the page as a [`Banner`] and
/// forgets it once a page has been answered; turns a change a handler
/// attached to its answer into the cookie.
pub async fn carry(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let site = super::session::site_of(req.request());
    let name = cookie_name(&site);
    let waiting = is_page(&req).then(|| req.cookie(name)).flatten();
    if let Some(done) = waiting.as_ref().and_then(|c| Done::parse(c.value())) {
        let banner = Banner::on(done, req.path());
        req.extensions_mut().insert(banner);
    }
    let mut response = next.call(req).await?;
    let told = response.response().extensions().get::<Done>().copied();
    if let Some(done) = told {
        response
            .response_mut()
            .add_cookie(&cookie(&site, done.code()))?;
    } else if waiting.is_some() && !response.status().is_redirection() {
        // The page that showed it, or a page that could not: either way it
        // is not shown again. A redirect passes it on to where it leads.
        response
            .response_mut()
            .add_removal_cookie(&cookie(&site, String::new()))?;
        if response.status() == StatusCode::OK {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_done_reads_back_from_its_code_and_no_two_share_one() {
        let all: Vec<Done> = Done::all().collect();
        for done in &all {
            assert_eq!(Done::parse(&done.code()), Some(*done));
            assert!(done.message().ends_with('.'), "{}", done.message());
        }
        let mut codes: Vec<String> = all.iter().map(|n| n.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert_eq!(Done::parse("<script>"), None);
        assert_eq!(Done::parse(""), None);
    }

    #[test]
    fn only_an_archived_record_can_be_taken_back() {
        let banner = Banner::on(
            Done::Archived(AuditedRecord::Offering),
            "/offerings/cert-basics",
        );
        assert_eq!(
            banner.undo,
            Some((
                "/offerings/cert-basics/restore".to_owned(),
                "Restore to listings"
            ))
        );
        for done in Done::all() {
            assert_eq!(
                done.undo().is_some(),
                matches!(done, Done::Archived(_)),
                "{done:?}"
            );
        }
        // Elsewhere the banner tells, and offers nothing to post.
        for page in [
            "/offerings",
            "/providers/uni",
            "//evil.example",
            "/offerings/a/b",
        ] {
            let banner = Banner::on(Done::Archived(AuditedRecord::Offering), page);
            assert_eq!(banner.undo, None, "{page}");
        }
    }
}
