//! Proposing a need to an offering, or offering help on a need: a page that
//! shows the pairing with the engine's score and asks for a note, and the
//! post that makes the match.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::record::refused;
use crate::domain::codes::RecordKey;
use crate::domain::fields::MatchField;
use crate::domain::lifecycle::{self, Initiative};
use crate::domain::problems::FieldErrors;
use crate::matches::{self, Opening, Prepared};
use crate::startup::Storage;
use crate::web::banner::{Done, see_other_with};
use crate::web::error::AppError;
use crate::web::forms::{FieldView, Form};
use crate::web::paths::QueryParams;
use crate::web::session::Viewer;
use crate::web::{Site, render, with_db};

/// The pairing asked for, as the links to the page and its form carry it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OpeningParams {
    assessment: String,
    need: String,
    offering: String,
    initiative: String,
    #[serde(skip_serializing)]
    note: String,
}

impl OpeningParams {
    fn opening(&self) -> Result<Opening, AppError> {
        let key = |name: &str, value: &str| {
            RecordKey::parse(value.trim()).map_err(|_| {
                AppError::BadRequest(format!("{name}: \"{value}\" is not a record's key"))
            })
        };
        Ok(Opening {
            assessment: key("assessment", &self.assessment)?,
            need: key("need", &self.need)?,
            offering: key("offering", &self.offering)?,
            initiative: self
                .initiative
                .trim()
                .parse::<Initiative>()
                .map_err(|_| AppError::BadRequest("initiative: say requested or offered".into()))?,
            note: self.note.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "matches/new.html")]
struct NewPage<'a> {
    viewer: &'a Viewer,
    params: OpeningParams,
    opening: Opening,
    prepared: Prepared,
    errors: FieldErrors,
    csrf_token: &'a str,
    reference: &'a crate::domain::ReferenceData,
}

impl NewPage<'_> {
    fn note(&self) -> FieldView {
        FieldView::new(MatchField::Note, &self.errors)
    }

    fn offers(&self) -> bool {
        self.opening.initiative == Initiative::Offered
    }
}

async fn new_page(
    storage: &Storage,
    viewer: &Viewer,
    params: OpeningParams,
    errors: FieldErrors,
    csrf_token: &str,
) -> Result<HttpResponse, AppError> {
    let person = viewer.signed_in()?.clone();
    let opening = params.opening()?;
    let shared = storage.clone();
    let asked = opening.clone();
    let prepared = with_db(storage, move |conn| {
        matches::prepare(&shared, conn, &person, &asked)
            .map_err(|e| refused(e, asked.need.as_str()))
    })
    .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &NewPage {
            viewer,
            params,
            opening,
            prepared,
            errors,
            csrf_token,
            reference: &storage.reference,
        },
    )
}

/// `GET /matches/new?assessment=…&need=…&offering=…&initiative=…`.
pub async fn new_form(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<OpeningParams>,
) -> Result<HttpResponse, AppError> {
    new_page(
        &storage,
        &viewer,
        params,
        FieldErrors::new(),
        viewer.csrf_token(),
    )
    .await
}

/// `POST /matches`: proposes or offers, then shows the new match.
pub async fn create(
    storage: web::Data<Storage>,
    site: web::Data<Site>,
    viewer: Viewer,
    posted: Form<OpeningParams>,
) -> Result<HttpResponse, AppError> {
    let params = posted.verified()?;
    let person = viewer.signed_in()?.clone();
    let mut opening = params.opening()?;
    opening.note = match lifecycle::opening_note(&params.note) {
        Ok(note) => note,
        Err(errors) => {
            return new_page(&storage, &viewer, params, errors, viewer.csrf_token()).await;
        }
    };
    let shared = storage.clone();
    let key = with_db(&storage, move |conn| {
        matches::open(&shared, conn, &person, &opening, &|path| site.link(path))
            .map_err(|e| refused(e, opening.need.as_str()))
    })
    .await?;
    Ok(see_other_with(
        &format!("/matches/{key}"),
        Done::MatchOpened,
    ))
}
