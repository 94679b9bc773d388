//! Provider pages, and what the record handlers need to edit a provider.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::csrf::CsrfToken;
use super::error::AppError;
use super::filters::{FilterForm, FilterOptions};
use super::forms::FieldView;
use super::params::CatalogueParams;
use super::paths::{KeyPath, QueryParams};
use super::records::{Record, RecordForm, Store};
use super::session::Viewer;
use super::views::{Choice, Choices, Pagination};
use super::{ok, reads, render};
use crate::db::reviews::Review;
use crate::db::{self, PageRequest};
use crate::directory::ProviderSummary;
use crate::domain::access::Action;
use crate::domain::audit::AuditedRecord;
use crate::domain::codes::{Keyed, RecordKey};
use crate::domain::fields::ProviderField;
use crate::domain::problems::FieldErrors;
use crate::domain::{
    FieldPath, Offering, Provider, ProviderData, ProviderInput, ProviderKind, ReferenceData,
};
use crate::interchange::ProviderRecord;
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "providers/list.html")]
struct ListPage<'a> {
    viewer: &'a Viewer,
    providers: Vec<ProviderSummary>,
    filters: FilterForm<'a>,
    pagination: Pagination,
    reference: &'a ReferenceData,
}

pub async fn list(
    storage: web::Data<Storage>,
    options: web::Data<FilterOptions>,
    viewer: Viewer,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let listing = reads::providers_listing(&storage, &params).await?;
    ok(&ListPage {
        viewer: &viewer,
        pagination: Pagination::new("/providers", &params, &listing.found),
        filters: FilterForm::new("/providers", &params, &options, listing.languages),
        providers: listing.found.items,
        reference: &storage.reference,
    })
}

#[derive(Template)]
#[template(path = "providers/show.html")]
struct ShowPage<'a> {
    viewer: &'a Viewer,
    review: Option<Review>,
    provider: Provider,
    offerings: Vec<Offering>,
    pagination: Pagination,
    reference: &'a ReferenceData,
    /// The archive form's token, for those who may archive it.
    csrf_token: Option<&'a str>,
}

impl ShowPage<'_> {
    fn may_add_offerings(&self) -> bool {
        self.viewer.allows(Action::AddOffering(&self.provider.key))
    }
}

pub async fn show(
    storage: web::Data<Storage>,
    KeyPath(key): KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let page = PageRequest::new(params.page_number());
    let (reviewed, offerings) = reads::provider(&storage, &viewer, &key, page).await?;
    let provider = reviewed.record;
    let csrf_token = viewer
        .allows(Action::EditProvider(&provider.key))
        .then(|| csrf.as_str());
    ok(&ShowPage {
        viewer: &viewer,
        review: reviewed.review,
        pagination: Pagination::new(
            &format!("/providers/{}", provider.key),
            &CatalogueParams::default(),
            &offerings,
        ),
        provider,
        offerings: offerings.items,
        reference: &storage.reference,
        csrf_token,
    })
}

#[derive(Template)]
#[template(path = "providers/form.html")]
struct FormPage<'a> {
    viewer: &'a Viewer,
    form: RecordForm<'a, Provider>,
    kinds: Vec<Choice>,
    countries: Vec<Choice>,
}

impl FormPage<'_> {
    fn field(&self, field: ProviderField) -> FieldView {
        self.form.field(field)
    }
}

impl Record for Provider {
    type Input = ProviderInput;
    type Data = ProviderData;
    const NOUN: &'static str = "provider";
    const AUDITED: AuditedRecord = AuditedRecord::Provider;
    const COLLECTION: &'static str = "/providers";
    const FIELDS: &'static [FieldPath] = ProviderField::PATHS;
    const KEY: FieldPath = FieldPath::Provider(ProviderField::Key);
    const ARCHIVING_MEANS: &'static str = "An archived provider no longer appears in lists.";
    const STORE: Store<Provider> = Store {
        find: db::providers::find,
        create: db::providers::create,
        update: db::providers::update,
        set_archived: db::providers::set_archived,
    };

    fn key(&self) -> &RecordKey {
        &self.key
    }

    fn archived(&self) -> bool {
        self.archived
    }

    fn actions<'a>(existing: Option<&'a Provider>, _: Option<&'a RecordKey>) -> Vec<Action<'a>> {
        match existing {
            None => vec![Action::AddProvider],
            Some(provider) => vec![Action::EditProvider(&provider.key)],
        }
    }

    fn input(&self) -> ProviderInput {
        ProviderInput {
            version: Some(self.version.to_string()),
            ..ProviderRecord::from_provider(self).to_input()
        }
    }

    fn parse(
        input: &ProviderInput,
        reference: &ReferenceData,
    ) -> Result<Keyed<ProviderData>, FieldErrors> {
        input.parse(reference)
    }

    fn posted_version(input: &ProviderInput) -> Option<&str> {
        input.version.as_deref()
    }

    fn set_version(input: &mut ProviderInput, version: i32) {
        input.version = Some(version.to_string());
    }

    fn title(input: &ProviderInput) -> &str {
        &input.name
    }

    async fn render(
        storage: &Storage,
        form: RecordForm<'_, Provider>,
    ) -> Result<HttpResponse, AppError> {
        let choices = Choices {
            reference: &storage.reference,
        };
        let status = form.status;
        let page = FormPage {
            viewer: form.viewer,
            kinds: Choices::of::<ProviderKind>(&[&form.input.kind]),
            countries: choices.countries(form.input.hq_country.as_slice()),
            form,
        };
        render(status, &page)
    }
}
