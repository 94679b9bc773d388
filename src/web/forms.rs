//! HTML forms: how a post is read (one pass, by serde, rows as
//! `needs[0][theme]`), how its CSRF token is checked without throwing away
//! what was typed, and how a field is shown (label, hint, problems,
//! control) from its [`FieldPath`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::csrf::CsrfToken;
use super::error::AppError;
use crate::domain::FieldPath;
use crate::domain::problems::FieldErrors;

/// The largest form body accepted: an assessment may hold 100 needs of 5,000
/// characters each, and non-ASCII text triples in a URL-encoded form.
pub const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// The time a form's whole body may take to arrive, unless the server's
/// settings say otherwise. A 4 MiB assessment arrives in under 30 seconds on
/// a slow mobile link; the forms people usually send are a few kilobytes.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the server waits for a form's body (app data).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// The parser for bodies and query strings: brackets for rows
/// (`needs[0][theme]`, percent-encoded as browsers send them), repeated
/// names for the choices of one control.
pub fn parser() -> serde_qs::Config {
    serde_qs::Config::new().use_form_encoding(true).max_depth(3)
}

/// Whether the request says it is an HTML form in UTF-8: the media type
/// compared without regard to case, and a charset, if any, of UTF-8.
fn is_url_encoded_form(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.essence_str()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                && mime
                    .get_param(actix_web::mime::CHARSET)
                    .is_none_or(|charset| charset.as_str().eq_ignore_ascii_case("utf-8"))
        }
        _ => false,
    }
}

/// A form as posted, and whether its `csrf_token` was the visitor's.
pub struct Form<T> {
    value: T,
    verified: bool,
    body: Bytes,
}

impl<T> Form<T> {
    /// Other fields of the same post, such as the button pressed, read into
    /// a type of their own.
    pub fn read<U: DeserializeOwned>(&self) -> Result<U, AppError> {
        parser()
            .deserialize_bytes(&self.body)
            .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}.")))
    }

    /// The form, when its token is the visitor's; refused otherwise. For
    /// forms with nothing typed in them (a confirmation).
    pub fn verified(self) -> Result<T, AppError> {
        if self.verified {
            Ok(self.value)
        } else {
            Err(AppError::CsrfRejected)
        }
    }

    /// The form, and whether its token was the visitor's. A form whose
    /// token was not (the visitor's cookie was lost with a browser restart
    /// while a long form was open) is shown again with everything typed,
    /// and nothing is written until it is sent with a good token.
    pub fn checked(self) -> (T, bool) {
        (self.value, self.verified)
    }
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Form<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = req.extensions().get::<CsrfToken>().cloned();
        let body = Bytes::from_request(req, payload);
        let is_form = is_url_encoded_form(req);
        let timeout = req.app_data::<BodyTimeout>().map_or(BODY_TIMEOUT, |t| t.0);
        Box::pin(async move {
            if !is_form {
                return Err(AppError::UnsupportedMediaType(
                    "Forms must be sent as application/x-www-form-urlencoded, in UTF-8.".into(),
                ));
            }
            // A client that sends its body a byte at a time would otherwise
            // hold its connection for as long as it likes.
            let body: Bytes = actix_web::rt::time::timeout(timeout, body)
                .await
                .map_err(|_| AppError::Timeout)?
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::BadRequest("The form is too large.".into()));
            }
            let unreadable = |e: serde_qs::Error| {
                AppError::BadRequest(format!("The form could not be read: {e}."))
            };
            let token: Token = parser().deserialize_bytes(&body).map_err(unreadable)?;
            let value: T = parser().deserialize_bytes(&body).map_err(unreadable)?;
            let verified = visitor.is_some_and(|visitor| visitor.matches(&token.csrf_token));
            Ok(Form {
                value,
                verified,
                body,
            })
        })
    }
}

/// A form that carries nothing but its CSRF token: a confirmed action.
#[derive(Debug, Deserialize)]
pub struct Confirmation {}

/// One field as a page shows it: what the field macro in
/// `partials/macros.html` renders around a control.
pub struct FieldView {
    path: FieldPath,
    messages: Vec<String>,
}

impl FieldView {
    pub fn new(path: impl Into<FieldPath>, errors: &FieldErrors) -> FieldView {
        let path = path.into();
        FieldView {
            messages: errors.at(path).into_iter().map(str::to_owned).collect(),
            path,
        }
    }

    pub fn id(&self) -> String {
        self.path.id()
    }

    pub fn name(&self) -> String {
        self.path.control_name()
    }

    pub fn label(&self) -> String {
        self.path.label()
    }

    /// The label without a need's number, inside its own row.
    pub fn short_label(&self) -> &'static str {
        match self.path {
            FieldPath::Provider(f) => f.label(),
            FieldPath::Offering(f) => f.label(),
            FieldPath::Assessment(f) => f.label(),
            FieldPath::Need(_, f) => f.label(),
        }
    }

    pub fn hint(&self) -> Option<&'static str> {
        self.path.hint()
    }

    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    pub fn has_errors(&self) -> bool {
        !self.messages.is_empty()
    }

    /// What describes the control to assistive technology: its hint and its
    /// problems, by id.
    fn described_by(&self) -> Option<String> {
        let id = self.id();
        let ids: Vec<String> = [
            self.hint().map(|_| format!("{id}-hint")),
            self.has_errors().then(|| format!("{id}-error")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// A control's attributes: its id and name, and `aria-invalid` and
    /// `aria-describedby` as its problems and hint call for. Made from field
    /// names and numbers only, so it needs no escaping.
    pub fn attrs(&self) -> String {
        format!(
            r#"id="{}" name="{}"{}"#,
            self.id(),
            self.name(),
            self.aria()
        )
    }

    /// The `aria-…` attributes alone, for a group of checkboxes (its
    /// fieldset) whose boxes carry the name.
    pub fn aria(&self) -> String {
        let mut attrs = String::new();
        if self.has_errors() {
            attrs.push_str(r#" aria-invalid="true""#);
        }
        if let Some(ids) = self.described_by() {
            attrs.push_str(&format!(r#" aria-describedby="{ids}""#));
        }
        attrs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::{NeedField, ProviderField};

    #[test]
    fn a_field_in_error_is_described_by_its_hint_and_its_problem() {
        let mut errors = FieldErrors::new();
        errors.add(ProviderField::Key, "may hold only lower-case letters");
        let key = FieldView::new(ProviderField::Key, &errors);
        assert_eq!(
            key.attrs(),
            r#"id="key" name="key" aria-invalid="true" aria-describedby="key-hint key-error""#
        );
        let name = FieldView::new(ProviderField::Name, &errors);
        assert_eq!(name.attrs(), r#"id="name" name="name""#);
        let theme = FieldView::new(FieldPath::Need(1, NeedField::Theme), &errors);
        assert_eq!(theme.attrs(), r#"id="need-1-theme" name="needs[1][theme]""#);
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        #[serde(default)]
        theme: String,
        #[serde(default)]
        languages: Vec<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Rows {
        #[serde(default)]
        needs: Vec<Row>,
        #[serde(default)]
        themes: Vec<String>,
    }

    #[test]
    fn rows_and_repeated_choices_read_as_browsers_send_them() {
        let body = "needs%5B0%5D%5Btheme%5D=a+b&needs%5B0%5D%5Blanguages%5D=en&needs%5B0%5D%5Blanguages%5D=fr\
                    &needs%5B1%5D%5Btheme%5D=c&themes=x&themes=y&csrf_token=t";
        let rows: Rows = parser().deserialize_str(body).unwrap();
        assert_eq!(
            rows,
            Rows {
                needs: vec![
                    Row {
                        theme: "a b".into(),
                        languages: vec!["en".into(), "fr".into()]
                    },
                    Row {
                        theme: "c".into(),
                        languages: vec![]
                    }
                ],
                themes: vec!["x".into(), "y".into()],
            }
        );
    }
}
