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
use crate::domain::problems::{FieldErrors, sentence};

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

/// A form as posted, and what its `csrf_token` says of where it came from.
pub struct Form<T> {
    value: T,
    token: TokenCheck,
    body: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenCheck {
    /// The token is the visitor's.
    Verified,
    /// It is not, but the browser says the post came from one of the site's
    /// own pages: the visitor's cookie was lost (a browser restart while a
    /// long form was open).
    Lost,
    /// It is not, and nothing says the post came from the site.
    Refused,
}

/// A form whose token was checked, for forms people type into.
#[must_use]
pub enum Posted<T> {
    /// The token is the visitor's: the form may be acted on.
    Verified(T),
    /// The form came from one of the site's own pages but its token is no
    /// longer the visitor's: show it again with everything typed, and write
    /// nothing until it comes back with a good token.
    Unconfirmed(T),
}

/// Why a form came back with everything typed and nothing saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsaved {
    /// Its token was not the visitor's (a browser restart, a new session).
    TokenLost,
    /// Nobody is signed in any more: the session ended while the form was
    /// open.
    SignedOut,
}

impl Unsaved {
    /// Why, in words, for the notice above the form.
    pub fn explanation(&self) -> &'static str {
        match self {
            Unsaved::TokenLost => {
                "We could not confirm that the form came from this browser (its page may have been open since before the browser restarted, or you signed in again). Everything you typed is below: check it and save again."
            }
            Unsaved::SignedOut => {
                "You are not signed in: your session may have ended while the form was open. Sign in in a new tab or window, then come back here and save again. Everything you typed is below."
            }
        }
    }

    pub fn signed_out(&self) -> bool {
        *self == Unsaved::SignedOut
    }
}

/// Whether the browser says a post came from one of the site's own pages:
/// `Sec-Fetch-Site: same-origin`, or, from a browser without fetch
/// metadata, an `Origin` naming the site. A post from another site (or one
/// that says nothing) is never shown back as a form ready to save, which
/// would let that site fill in a form for the visitor to send.
fn from_own_page(req: &HttpRequest) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let Some(origin) = headers
        .get(actix_web::http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return false;
    };
    let authority = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_ascii_lowercase())
    };
    let public_url = req
        .app_data::<actix_web::web::Data<super::Site>>()
        .and_then(|site| site.public_url.clone());
    match public_url {
        Some(url) => authority(&url) == authority(origin),
        None => {
            authority(origin).as_deref() == Some(&req.connection_info().host().to_ascii_lowercase())
        }
    }
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
        match self.token {
            TokenCheck::Verified => Ok(self.value),
            TokenCheck::Lost | TokenCheck::Refused => Err(AppError::CsrfRejected),
        }
    }

    /// The form, verified or, when it came from one of the site's pages
    /// with a token that is no longer the visitor's, unconfirmed; refused
    /// when it came from anywhere else.
    pub fn checked(self) -> Result<Posted<T>, AppError> {
        match self.token {
            TokenCheck::Verified => Ok(Posted::Verified(self.value)),
            TokenCheck::Lost => Ok(Posted::Unconfirmed(self.value)),
            TokenCheck::Refused => Err(AppError::CsrfRejected),
        }
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
        let from_own_page = from_own_page(req);
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
            let token = if visitor.is_some_and(|visitor| visitor.matches(&token.csrf_token)) {
                TokenCheck::Verified
            } else if from_own_page {
                TokenCheck::Lost
            } else {
                TokenCheck::Refused
            };
            Ok(Form { value, token, body })
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
            messages: errors
                .at(path)
                .into_iter()
                .map(|m| sentence(path.short_label(), m))
                .collect(),
            path,
        }
    }

    pub fn path(&self) -> FieldPath {
        self.path
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
        self.path.short_label()
    }

    pub fn hint(&self) -> Option<&'static str> {
        self.path.hint()
    }

    pub fn optional(&self) -> bool {
        self.path.optional()
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
