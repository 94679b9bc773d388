//! Offering pages and forms.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::extract::{Confirmation, HtmlForm, QueryParams};
use super::views::{Choice, ChoiceGroup, Choices, Conflict, FilterForm, Pagination};
use super::{Archivable, FormTarget, base_version, ok, render, see_other, set_archived, with_db};
use crate::db::{self, PageRequest, StoreError};
use crate::domain::catalogue::CatalogueParams;
use crate::domain::{FieldErrors, Offering, OfferingInput, ReferenceData};
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "offerings/list.html")]
struct ListPage<'a> {
    offerings: Vec<Offering>,
    filters: FilterForm,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

pub async fn list(
    storage: web::Data<Storage>,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let filter = params
        .resolve(&storage.reference)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let page = PageRequest::new(params.page_number());
    let found = with_db(&storage, move |conn| {
        Ok(db::offerings::search(conn, &filter, page)?)
    })
    .await?;
    ok(&ListPage {
        pagination: Pagination::new("/offerings", &params, &found),
        filters: FilterForm::new("/offerings", &params, &storage.reference),
        offerings: found.items,
        reference: &storage.reference,
    })
}

#[derive(Template)]
#[template(path = "offerings/show.html")]
struct ShowPage<'a> {
    offering: Offering,
    reference: &'a ReferenceData,
    csrf_token: &'a str,
}

impl ShowPage<'_> {
    fn eligibility_sentence(&self) -> String {
        let sentence = self.offering.data.eligibility.describe();
        let mut chars = sentence.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".")
            .unwrap_or_default()
    }
}

pub async fn show(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let offering = with_db(&storage, move |conn| {
        db::offerings::find(conn, &key).map_err(missing("offering", &key))
    })
    .await?;
    ok(&ShowPage {
        offering,
        reference: &storage.reference,
        csrf_token: csrf.as_str(),
    })
}

#[derive(Template)]
#[template(path = "offerings/form.html")]
struct FormPage<'a> {
    heading: String,
    action: String,
    cancel: String,
    creating: bool,
    input: OfferingInput,
    errors: FieldErrors,
    conflict: Option<Conflict>,
    providers: Vec<Choice>,
    themes: Vec<ChoiceGroup>,
    coverage_countries: Vec<Choice>,
    coverage_regions: Vec<ChoiceGroup>,
    coverage_groups: Vec<Choice>,
    eligible_groups: Vec<Choice>,
    income_levels: Vec<Choice>,
    modalities: Vec<Choice>,
    languages: Vec<Choice>,
    statuses: Vec<Choice>,
    csrf_token: &'a str,
}

/// What the offering form calls each field.
fn label_of(field: &str) -> &'static str {
    match field {
        "key" => "Key",
        "provider" => "Provider",
        "title" => "Title",
        "description" => "Description",
        "themes" => "Themes",
        "coverage" => "Where it is offered",
        "coverage_countries" => "Countries",
        "coverage_regions" => "M49 regions",
        "coverage_groups" => "Country groups",
        "eligible_groups" => "Members of",
        "eligible_income_levels" => "Income levels",
        "modalities" => "Modalities",
        "languages" => "Languages",
        "capacity" => "Capacity",
        "starts_on" => "Starts on",
        "ends_on" => "Ends on",
        "status" => "Status",
        _ => "Form",
    }
}

impl FormPage<'_> {
    fn field_label(&self, field: &str) -> &'static str {
        label_of(field)
    }
}

async fn form_page(
    storage: &web::Data<Storage>,
    target: &FormTarget,
    input: OfferingInput,
    errors: FieldErrors,
    conflict: Option<Conflict>,
    csrf: &CsrfToken,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let providers = with_db(storage, |conn| Ok(db::providers::names(conn)?)).await?;
    let choices = Choices {
        reference: &storage.reference,
    };
    let (heading, action, cancel, creating) = match target {
        FormTarget::New => (
            "Add an offering".to_owned(),
            "/offerings".to_owned(),
            "/offerings".to_owned(),
            true,
        ),
        FormTarget::Existing(key) => (
            format!("Edit {}", input.title),
            format!("/offerings/{key}"),
            format!("/offerings/{key}"),
            false,
        ),
    };
    let page = FormPage {
        heading,
        action,
        cancel,
        creating,
        providers: providers
            .into_iter()
            .map(|(key, name)| Choice {
                chosen: key == input.provider,
                value: key,
                label: name,
            })
            .collect(),
        themes: choices.themes(&input.themes),
        coverage_countries: choices.countries(&input.coverage_countries),
        coverage_regions: choices.regions(&input.coverage_regions),
        coverage_groups: choices.groups(&input.coverage_groups),
        eligible_groups: choices.groups(&input.eligible_groups),
        income_levels: Choices::income_levels(&input.eligible_income_levels),
        modalities: Choices::modalities(&input.modalities),
        languages: choices.languages(&input.languages),
        statuses: Choices::statuses(&input.status),
        input,
        errors,
        conflict,
        csrf_token: csrf.as_str(),
    };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct NewOfferingParams {
    provider: Option<String>,
}

pub async fn new_form(
    storage: web::Data<Storage>,
    csrf: CsrfToken,
    QueryParams(params): QueryParams<NewOfferingParams>,
) -> Result<HttpResponse, AppError> {
    let input = OfferingInput {
        provider: params.provider.unwrap_or_default(),
        status: "active".to_owned(),
        ..OfferingInput::default()
    };
    form_page(
        &storage,
        &FormTarget::New,
        input,
        FieldErrors::new(),
        None,
        &csrf,
        StatusCode::OK,
    )
    .await
}

pub async fn edit_form(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let lookup = key.clone();
    let offering = with_db(&storage, move |conn| {
        db::offerings::find(conn, &lookup).map_err(missing("offering", &lookup))
    })
    .await?;
    form_page(
        &storage,
        &FormTarget::Existing(key),
        OfferingInput::from_offering(&offering),
        FieldErrors::new(),
        None,
        &csrf,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    storage: web::Data<Storage>,
    csrf: CsrfToken,
    form: HtmlForm<OfferingInput>,
) -> Result<HttpResponse, AppError> {
    save(storage, csrf, FormTarget::New, form.into_inner()).await
}

pub async fn update(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
    form: HtmlForm<OfferingInput>,
) -> Result<HttpResponse, AppError> {
    save(
        storage,
        csrf,
        FormTarget::Existing(key.into_inner()),
        form.into_inner(),
    )
    .await
}

/// Validates the form and creates or updates; a bad form comes back 422
/// with everything the person chose and typed.
async fn save(
    storage: web::Data<Storage>,
    csrf: CsrfToken,
    target: FormTarget,
    input: OfferingInput,
) -> Result<HttpResponse, AppError> {
    let input = input.normalized();
    let data = match input.parse(&storage.reference) {
        Ok(data) => data,
        Err(errors) => {
            return form_page(
                &storage,
                &target,
                input,
                errors,
                None,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let requested_key = crate::domain::RecordKey::parse(&input.key).ok();
    let existing = match target.key() {
        None => None,
        Some(key) => {
            let base = base_version(
                &storage,
                Archivable::Offering,
                key,
                input.version.as_deref(),
            )
            .await?;
            Some((key.to_owned(), base))
        }
    };
    let saved = with_db(&storage, move |conn| {
        Ok(match &existing {
            None => db::offerings::create(conn, requested_key, &data),
            Some((key, base)) => db::offerings::update(conn, key, &data, *base),
        })
    })
    .await?;
    let mut errors = FieldErrors::new();
    match saved {
        Ok(offering) => return Ok(see_other(&format!("/offerings/{}", offering.key))),
        Err(StoreError::Conflict { latest }) => {
            let key = target.key().unwrap_or_default().to_owned();
            let lookup = key.clone();
            let current = with_db(&storage, move |conn| {
                db::offerings::find(conn, &lookup).map_err(missing("offering", &lookup))
            })
            .await?;
            let conflict = Conflict::new(
                "offering",
                latest,
                format!("/offerings/{key}"),
                (
                    &OfferingInput::from_offering(&current),
                    &input,
                    OfferingInput::FIELDS,
                ),
                label_of,
            );
            // The form now edits the latest version: saving again is a
            // deliberate choice to replace it.
            let input = OfferingInput {
                version: Some(latest.to_string()),
                ..input
            };
            return form_page(
                &storage,
                &target,
                input,
                FieldErrors::new(),
                Some(conflict),
                &csrf,
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(StoreError::KeyTaken(key)) => errors.add(
            "key",
            format!("\"{key}\" is already used by another offering; choose another key"),
        ),
        Err(StoreError::UnknownProvider(key)) => {
            errors.add("provider", format!("no provider has the key \"{key}\""))
        }
        Err(StoreError::NotFound) => return Err(AppError::NotFound("The offering".to_owned())),
        Err(other) => return Err(other.into()),
    }
    form_page(
        &storage,
        &target,
        input,
        errors,
        None,
        &csrf,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn archive(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    _confirmed: HtmlForm<Confirmation>,
) -> Result<HttpResponse, AppError> {
    set_archived(&storage, Archivable::Offering, key.into_inner(), true).await
}

pub async fn restore(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    _confirmed: HtmlForm<Confirmation>,
) -> Result<HttpResponse, AppError> {
    set_archived(&storage, Archivable::Offering, key.into_inner(), false).await
}
