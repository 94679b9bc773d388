//! Provider pages and forms.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::csrf::CsrfToken;
use super::error::{AppError, missing};
use super::extract::{Confirmation, HtmlForm, QueryParams};
use super::views::{Choice, Choices, Conflict, FilterForm, Pagination};
use super::{Archivable, FormTarget, base_version, ok, render, see_other, set_archived, with_db};
use crate::db::providers::ProviderSummary;
use crate::db::{self, PageRequest, StoreError};
use crate::domain::catalogue::CatalogueParams;
use crate::domain::{FieldErrors, Offering, Provider, ProviderInput, ReferenceData};
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "providers/list.html")]
struct ListPage<'a> {
    providers: Vec<ProviderSummary>,
    filters: FilterForm,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

impl ListPage<'_> {
    fn country_name<'b>(&'b self, iso3: &'b str) -> &'b str {
        self.reference.country_name(iso3)
    }
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
        Ok(db::providers::search(conn, &filter, page)?)
    })
    .await?;
    ok(&ListPage {
        pagination: Pagination::new("/providers", &params, &found),
        filters: FilterForm::new("/providers", &params, &storage.reference),
        providers: found.items,
        reference: &storage.reference,
    })
}

#[derive(Template)]
#[template(path = "providers/show.html")]
struct ShowPage<'a> {
    provider: Provider,
    offerings: Vec<Offering>,
    pagination: Pagination,
    reference: &'a ReferenceData,
    csrf_token: &'a str,
}

impl ShowPage<'_> {
    fn country_name<'b>(&'b self, iso3: &'b str) -> &'b str {
        self.reference.country_name(iso3)
    }
}

pub async fn show(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let page = PageRequest::new(params.page_number());
    let (provider, offerings) = with_db(&storage, move |conn| {
        let provider = db::providers::find(conn, &key).map_err(missing("provider", &key))?;
        let offerings = db::offerings::of_provider(conn, provider.id, page)?;
        Ok((provider, offerings))
    })
    .await?;
    let only_page = CatalogueParams::default();
    ok(&ShowPage {
        pagination: Pagination::new(
            &format!("/providers/{}", provider.key),
            &only_page,
            &offerings,
        ),
        provider,
        offerings: offerings.items,
        reference: &storage.reference,
        csrf_token: csrf.as_str(),
    })
}

#[derive(Template)]
#[template(path = "providers/form.html")]
struct FormPage<'a> {
    heading: String,
    action: String,
    cancel: String,
    creating: bool,
    input: ProviderInput,
    errors: FieldErrors,
    conflict: Option<Conflict>,
    kinds: Vec<Choice>,
    countries: Vec<Choice>,
    csrf_token: &'a str,
}

/// What the provider form calls each field.
fn label_of(field: &str) -> &'static str {
    match field {
        "key" => "Key",
        "name" => "Name",
        "kind" => "Kind of organisation",
        "hq_country" => "Headquarters country",
        "website" => "Website",
        "email" => "Contact e-mail",
        "description" => "Description",
        _ => "Form",
    }
}

impl FormPage<'_> {
    fn field_label(&self, field: &str) -> &'static str {
        label_of(field)
    }
}

fn form_page(
    storage: &Storage,
    target: &FormTarget,
    input: ProviderInput,
    errors: FieldErrors,
    conflict: Option<Conflict>,
    csrf: &CsrfToken,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let choices = Choices {
        reference: &storage.reference,
    };
    let (heading, action, cancel, creating) = match target {
        FormTarget::New => (
            "Add a provider".to_owned(),
            "/providers".to_owned(),
            "/providers".to_owned(),
            true,
        ),
        FormTarget::Existing(key) => (
            format!("Edit {}", input.name),
            format!("/providers/{key}"),
            format!("/providers/{key}"),
            false,
        ),
    };
    let page = FormPage {
        heading,
        action,
        cancel,
        creating,
        kinds: Choices::provider_kinds(&input.kind),
        countries: choices.countries(input.hq_country.as_slice()),
        input,
        errors,
        conflict,
        csrf_token: csrf.as_str(),
    };
    render(status, &page)
}

pub async fn new_form(
    storage: web::Data<Storage>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    form_page(
        &storage,
        &FormTarget::New,
        ProviderInput::default(),
        FieldErrors::new(),
        None,
        &csrf,
        StatusCode::OK,
    )
}

pub async fn edit_form(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let lookup = key.clone();
    let provider = with_db(&storage, move |conn| {
        db::providers::find(conn, &lookup).map_err(missing("provider", &lookup))
    })
    .await?;
    form_page(
        &storage,
        &FormTarget::Existing(key),
        ProviderInput::from_provider(&provider),
        FieldErrors::new(),
        None,
        &csrf,
        StatusCode::OK,
    )
}

pub async fn create(
    storage: web::Data<Storage>,
    csrf: CsrfToken,
    form: HtmlForm<ProviderInput>,
) -> Result<HttpResponse, AppError> {
    save(storage, csrf, FormTarget::New, form.into_inner()).await
}

pub async fn update(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    csrf: CsrfToken,
    form: HtmlForm<ProviderInput>,
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
/// with everything the person typed.
async fn save(
    storage: web::Data<Storage>,
    csrf: CsrfToken,
    target: FormTarget,
    input: ProviderInput,
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
            );
        }
    };
    let requested_key = input.requested_key();
    let existing = match target.key() {
        None => None,
        Some(key) => {
            let base = base_version(
                &storage,
                Archivable::Provider,
                key,
                input.version.as_deref(),
            )
            .await?;
            Some((key.to_owned(), base))
        }
    };
    let saved = with_db(&storage, move |conn| {
        Ok(match &existing {
            None => db::providers::create(conn, requested_key, &data),
            Some((key, base)) => db::providers::update(conn, key, &data, *base),
        })
    })
    .await?;
    match saved {
        Ok(provider) => Ok(see_other(&format!("/providers/{}", provider.key))),
        Err(StoreError::Conflict { latest }) => {
            let key = target.key().unwrap_or_default().to_owned();
            let lookup = key.clone();
            let current = with_db(&storage, move |conn| {
                db::providers::find(conn, &lookup).map_err(missing("provider", &lookup))
            })
            .await?;
            let conflict = Conflict::new(
                "provider",
                latest,
                format!("/providers/{key}"),
                (
                    &ProviderInput::from_provider(&current),
                    &input,
                    ProviderInput::FIELDS,
                ),
                label_of,
            );
            // The form now edits the latest version: saving again is a
            // deliberate choice to replace it.
            let input = ProviderInput {
                version: Some(latest.to_string()),
                ..input
            };
            form_page(
                &storage,
                &target,
                input,
                FieldErrors::new(),
                Some(conflict),
                &csrf,
                StatusCode::CONFLICT,
            )
        }
        Err(StoreError::KeyTaken(key)) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "key",
                format!("\"{key}\" is already used by another provider; choose another key"),
            );
            form_page(
                &storage,
                &target,
                input,
                errors,
                None,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(StoreError::NotFound) => Err(AppError::NotFound("The provider".to_owned())),
        Err(other) => Err(other.into()),
    }
}

pub async fn archive(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    _confirmed: HtmlForm<Confirmation>,
) -> Result<HttpResponse, AppError> {
    set_archived(&storage, Archivable::Provider, key.into_inner(), true).await
}

pub async fn restore(
    storage: web::Data<Storage>,
    key: web::Path<String>,
    _confirmed: HtmlForm<Confirmation>,
) -> Result<HttpResponse, AppError> {
    set_archived(&storage, Archivable::Provider, key.into_inner(), false).await
}
