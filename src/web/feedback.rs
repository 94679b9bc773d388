//! `/report-a-problem`, linked from every page's footer: anyone, signed in
//! or not, tells the secretariat what went wrong. The report reaches every
//! member of the secretariat as a notification and by mail; the person goes
//! back to the page they were on.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::accounts::client_address;
use super::banner::{Done, see_other_with};
use super::csrf::CsrfToken;
use super::error::AppError;
use super::forms::{FieldView, Form};
use super::session::{Viewer, referring_page};
use super::{Site, render, with_db};
use crate::db;
use crate::db::notifications::Notice;
use crate::domain::feedback::{MAX_PROBLEM, ProblemInput, ProblemReport};
use crate::domain::fields::FeedbackField;
use crate::domain::problems::FieldErrors;
use crate::domain::throttle;
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "feedback.html")]
struct ProblemPage<'a> {
    viewer: &'a Viewer,
    input: ProblemInput,
    errors: FieldErrors,
    max_problem: usize,
    /// When this address may report again, after too many reports.
    wait_until: Option<String>,
    csrf_token: &'a str,
}

impl ProblemPage<'_> {
    fn field(&self, field: FeedbackField) -> FieldView {
        FieldView::new(field, &self.errors)
    }
}

/// The page the person came from, as the form suggests it: the path of a
/// page on this site that linked here.
fn came_from(req: &HttpRequest) -> String {
    referring_page(req.headers())
        .filter(|path| !path.starts_with("/report-a-problem"))
        .unwrap_or_default()
}

pub async fn form(
    req: HttpRequest,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let input = ProblemInput {
        page: came_from(&req),
        reply_to: viewer
            .person()
            .map(|p| p.email.as_str().to_owned())
            .unwrap_or_default(),
        ..ProblemInput::default()
    };
    render(
        StatusCode::OK,
        &ProblemPage {
            viewer: &viewer,
            input,
            errors: FieldErrors::new(),
            max_problem: MAX_PROBLEM,
            wait_until: None,
            csrf_token: csrf.as_str(),
        },
    )
}

/// What the secretariat is told.
fn notice(report: &ProblemReport, viewer: &Viewer) -> Notice {
    let page = report.page.as_deref().unwrap_or("the site");
    let from = match (viewer.person(), &report.reply_to) {
        (_, Some(address)) => format!("Answer to: {}", address.as_str()),
        (Some(person), None) => format!(
            "Reported by {} (no address given for an answer).",
            person.name
        ),
        (None, None) => "No address was given for an answer.".to_owned(),
    };
    Notice {
        subject: format!("Problem reported on {page}"),
        body: format!("{}\n\n{from}", report.problem),
        link: report.page.clone().unwrap_or_else(|| "/".to_owned()),
    }
}

pub async fn report(
    req: HttpRequest,
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    csrf: CsrfToken,
    posted: Form<ProblemInput>,
) -> Result<HttpResponse, AppError> {
    let input = posted.verified()?;
    let again = |input, errors, wait_until, status| {
        render(
            status,
            &ProblemPage {
                viewer: &viewer,
                input,
                errors,
                max_problem: MAX_PROBLEM,
                wait_until,
                csrf_token: csrf.as_str(),
            },
        )
    };
    let report = match input.parse() {
        Ok(report) => report,
        Err(errors) => return again(input, errors, None, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let subject = throttle::sender_subject("report", &client_address(&req, &site));
    let told = notice(&report, &viewer);
    let sent = with_db(&storage, move |conn| {
        if let Some(until) = db::accounts::count_sending(conn, &subject)? {
            return Ok(Err(until));
        }
        let secretariat = db::accounts::secretariat(conn)?;
        db::notifications::tell(conn, &secretariat, &told, &|path| site.link(path))?;
        Ok(Ok(()))
    })
    .await?;
    if let Err(until) = sent {
        let at = until.format("%H:%M UTC").to_string();
        return again(
            input,
            FieldErrors::new(),
            Some(at),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .map(|answer| super::retry_after(answer, until));
    }
    let back = report.page.as_deref().unwrap_or("/");
    Ok(see_other_with(back, Done::ProblemReported))
}
