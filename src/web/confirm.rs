//! A page of its own that asks before a change nothing takes back lightly:
//! archiving a record, withdrawing an assessment or a need, declining,
//! passing over or cancelling a match. It needs no JavaScript: its button
//! posts the change, its link goes back, and a reason the change needs is
//! asked for there and comes back with its problem when missing.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::error::AppError;
use super::forms::FieldView;
use super::render;
use super::session::Viewer;
use crate::domain::FieldPath;
use crate::domain::problems::FieldErrors;

/// The reason a change asks for.
pub struct Reason {
    pub field: FieldView,
    /// What the page calls it, when it is not the field's own label.
    pub label: &'static str,
    pub hint: &'static str,
    /// The most characters it may have.
    pub max: usize,
    pub typed: String,
}

impl Reason {
    pub fn new(
        path: impl Into<FieldPath>,
        label: &'static str,
        hint: &'static str,
        max: usize,
    ) -> Reason {
        Reason {
            field: FieldView::new(path, &FieldErrors::new()),
            label,
            hint,
            max,
            typed: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage<'a> {
    pub viewer: &'a Viewer,
    /// The question: "Archive the offering “CERT basics”?"
    pub heading: String,
    /// What the change does, and whether it can be taken back.
    pub consequences: Vec<String>,
    /// Where the button posts.
    pub action: String,
    /// What the post carries besides the reason: the version it answers.
    pub carried: Vec<(&'static str, String)>,
    pub reason: Option<Reason>,
    pub button: String,
    /// The page the link goes back to.
    pub back: String,
    pub errors: FieldErrors,
    pub csrf_token: &'a str,
}

impl ConfirmPage<'_> {
    /// The page again with what was typed and its problems (422).
    pub fn again(mut self, typed: &str, errors: FieldErrors) -> Result<HttpResponse, AppError> {
        if let Some(reason) = &mut self.reason {
            reason.field = FieldView::new(reason.field.path(), &errors);
            reason.typed = typed.to_owned();
        }
        self.errors = errors;
        self.show()
    }

    pub fn show(&self) -> Result<HttpResponse, AppError> {
        let status = if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        render(status, self)
    }
}
