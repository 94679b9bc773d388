//! Offering pages, and what the record handlers need to edit an offering.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::error::AppError;
use super::filters::{FilterForm, FilterOptions};
use super::forms::FieldView;
use super::list_entries::{ListEntries, ListEntry};
use super::params::CatalogueParams;
use super::paths::{KeyPath, QueryParams};
use super::provider_picker::{self, ProviderPicker};
use super::records::{self, Record, RecordForm, Store};
use super::session::Viewer;
use super::views::{Choice, ChoiceGroup, Choices, Pagination};
use super::{ok, reads, render, with_db};
use crate::db;
use crate::db::reviews::Review;
use crate::domain::access::Action;
use crate::domain::audit::AuditedRecord;
use crate::domain::codes::{Keyed, RecordKey};
use crate::domain::fields::OfferingField;
use crate::domain::problems::FieldErrors;
use crate::domain::{
    FieldPath, IncomeLevel, Modality, Offering, OfferingData, OfferingInput, OfferingStatus,
    ReferenceData,
};
use crate::interchange::OfferingRecord;
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "offerings/list.html")]
struct ListPage<'a> {
    viewer: &'a Viewer,
    offerings: Vec<Arc<ListEntry>>,
    filters: FilterForm<'a>,
    pagination: Pagination,
}

pub async fn list(
    storage: web::Data<Storage>,
    options: web::Data<FilterOptions>,
    entries: web::Data<ListEntries>,
    viewer: Viewer,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    let listing = reads::offerings_listing(&storage, &params).await?;
    ok(&ListPage {
        viewer: &viewer,
        pagination: Pagination::new("/offerings", &params, &listing.found),
        filters: FilterForm::new("/offerings", &params, &options, listing.languages),
        offerings: entries.of(&listing.found.items, &storage.reference),
    })
}

#[derive(Template)]
#[template(path = "offerings/show.html")]
struct ShowPage<'a> {
    viewer: &'a Viewer,
    review: Option<Review>,
    offering: Offering,
    reference: &'a ReferenceData,
    /// The archive form's token, for those who may archive it.
    csrf_token: Option<&'a str>,
    /// Engagements under way: selected and delivering matches.
    engaged: u32,
}

impl ShowPage<'_> {
    fn free(&self) -> Option<u32> {
        self.offering
            .data
            .capacity
            .map(|c| c.saturating_sub(self.engaged))
    }

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
    KeyPath(key): KeyPath,
    viewer: Viewer,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let reviewed = reads::offering(&storage, &viewer, &key).await?;
    let offering = reviewed.record;
    let lookup = offering.key.to_string();
    let engaged = with_db(&storage, move |conn| {
        Ok(db::matches::engaged(conn, &lookup)?)
    })
    .await?;
    let csrf_token = viewer
        .allows(Action::EditOffering(&offering.data.provider))
        .then(|| csrf.as_str());
    ok(&ShowPage {
        viewer: &viewer,
        review: reviewed.review,
        offering,
        reference: &storage.reference,
        csrf_token,
        engaged,
    })
}

#[derive(Deserialize)]
pub struct NewOfferingParams {
    provider: Option<String>,
}

/// The form for a new offering, for the provider `?provider=` names.
pub async fn new_form(
    storage: web::Data<Storage>,
    viewer: Viewer,
    csrf: CsrfToken,
    QueryParams(params): QueryParams<NewOfferingParams>,
) -> Result<HttpResponse, AppError> {
    let input = OfferingInput {
        provider: params.provider.unwrap_or_default(),
        status: "active".to_owned(),
        ..OfferingInput::default()
    };
    records::new_form_with::<Offering>(&storage, &viewer, &csrf, input).await
}

#[derive(Template)]
#[template(path = "offerings/form.html")]
struct FormPage<'a> {
    viewer: &'a Viewer,
    form: RecordForm<'a, Offering>,
    provider_picker: ProviderPicker,
    themes: Vec<ChoiceGroup>,
    coverage_countries: Vec<ChoiceGroup>,
    coverage_regions: Vec<ChoiceGroup>,
    coverage_groups: Vec<ChoiceGroup>,
    eligible_groups: Vec<ChoiceGroup>,
    income_levels: Vec<Choice>,
    modalities: Vec<Choice>,
    languages: Vec<ChoiceGroup>,
    statuses: Vec<Choice>,
}

impl FormPage<'_> {
    fn field(&self, field: OfferingField) -> FieldView {
        self.form.field(field)
    }
}

impl Record for Offering {
    type Input = OfferingInput;
    type Data = OfferingData;
    const NOUN: &'static str = "offering";
    const AUDITED: AuditedRecord = AuditedRecord::Offering;
    const COLLECTION: &'static str = "/offerings";
    const FIELDS: &'static [FieldPath] = OfferingField::PATHS;
    const KEY: FieldPath = FieldPath::Offering(OfferingField::Key);
    const ARCHIVING_MEANS: &'static str =
        "An archived offering no longer appears in lists and is never matched.";
    const PROVIDER: Option<FieldPath> = Some(FieldPath::Offering(OfferingField::Provider));
    const STORE: Store<Offering> = Store {
        find: db::offerings::find,
        create: db::offerings::create,
        update: db::offerings::update,
        set_archived: db::offerings::set_archived,
    };

    fn key(&self) -> &RecordKey {
        &self.key
    }

    fn archived(&self) -> bool {
        self.archived
    }

    fn provider_named(input: &OfferingInput) -> Option<RecordKey> {
        RecordKey::parse(input.provider.trim()).ok()
    }

    fn actions<'a>(
        existing: Option<&'a Offering>,
        provider: Option<&'a RecordKey>,
    ) -> Vec<Action<'a>> {
        let to = provider.map(Action::AddOffering);
        match existing {
            None => vec![to.unwrap_or(Action::AddOfferings)],
            Some(offering) => std::iter::once(Action::EditOffering(&offering.data.provider))
                .chain(to.filter(|_| provider != Some(&offering.data.provider)))
                .collect(),
        }
    }

    fn input(&self) -> OfferingInput {
        OfferingInput {
            version: Some(self.version.to_string()),
            ..OfferingRecord::of(self).to_input()
        }
    }

    fn parse(
        input: &OfferingInput,
        reference: &ReferenceData,
    ) -> Result<Keyed<OfferingData>, FieldErrors> {
        let parsed = input.parse(reference);
        let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
        provider_picker::search_step(input, &mut errors);
        match parsed {
            Ok(parsed) if errors.is_empty() => Ok(parsed),
            _ => Err(errors),
        }
    }

    fn posted_version(input: &OfferingInput) -> Option<&str> {
        input.version.as_deref()
    }

    fn set_version(input: &mut OfferingInput, version: i32) {
        input.version = Some(version.to_string());
    }

    fn title(input: &OfferingInput) -> &str {
        &input.title
    }

    async fn render(
        storage: &Storage,
        form: RecordForm<'_, Offering>,
    ) -> Result<HttpResponse, AppError> {
        let provider_picker = provider_picker::picker(storage, form.viewer, &form.input).await?;
        let choices = Choices {
            reference: &storage.reference,
        };
        let input = &form.input;
        let status = form.status;
        let page = FormPage {
            viewer: form.viewer,
            provider_picker,
            themes: choices.themes(&input.themes),
            coverage_countries: ChoiceGroup::plain(choices.countries(&input.coverage_countries)),
            coverage_regions: choices.regions(&input.coverage_regions),
            coverage_groups: ChoiceGroup::plain(choices.groups(&input.coverage_groups)),
            eligible_groups: ChoiceGroup::plain(choices.groups(&input.eligible_groups)),
            income_levels: Choices::of::<IncomeLevel>(&input.eligible_income_levels),
            modalities: Choices::of::<Modality>(&input.modalities),
            languages: ChoiceGroup::plain(choices.languages(&input.languages)),
            statuses: Choices::of::<OfferingStatus>(&[&input.status]),
            form,
        };
        render(status, &page)
    }
}
