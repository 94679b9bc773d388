//! How the offering form asks for its provider. An editor chooses from a
//! list of the providers they edit, which is short. The secretariat may
//! add offerings to any of thousands, so it finds one by name instead: the
//! providers found are radio buttons under a search box. Without scripts a
//! save with something in the box lists what it finds and saves nothing
//! (see [`search_step`]); /static/enhance.js lists them as one types.

use super::error::AppError;
use super::reads;
use super::session::Viewer;
use super::views::Choice;
use crate::db::PageRequest;
use crate::domain::OfferingInput;
use crate::domain::access::Action;
use crate::domain::catalogue::CatalogueFilter;
use crate::domain::codes::RecordKey;
use crate::domain::fields::OfferingField;
use crate::domain::problems::FieldErrors;
use crate::startup::Storage;

/// Providers found by a search, shown at most.
const SHOWN: i64 = 20;

/// The provider field as the form shows it.
pub struct ProviderPicker {
    /// A search box over radio buttons, instead of a list to choose from.
    pub searching: bool,
    /// What the last save searched for, when it did.
    pub searched: String,
    /// The chosen provider first, then those found; or the person's own.
    pub choices: Vec<Choice>,
    /// How many providers the search found, and how many of them are shown.
    pub found: i64,
    pub shown: i64,
}

impl ProviderPicker {
    /// What the search found, in words, for the line above the choices.
    pub fn outcome(&self) -> String {
        let searched = &self.searched;
        match self.found {
            0 => format!("No provider found for “{searched}”."),
            found if found <= self.shown => format!("Found for “{searched}”: {found}."),
            found => format!(
                "Found for “{searched}”: {found}, of which the first {} are shown. Type more of the name to narrow it.",
                self.shown
            ),
        }
    }
}

/// A save with a provider search typed is a step of choosing the provider,
/// not a save: the form comes back with what the search found.
pub fn search_step(input: &OfferingInput, errors: &mut FieldErrors) {
    let searched = input.provider_search.trim();
    if !searched.is_empty() && !errors.has(OfferingField::Provider.into()) {
        errors.add(
            OfferingField::Provider,
            format!(
                "choose one of the providers found for “{searched}”; nothing is saved until you do"
            ),
        );
    }
}

/// The provider field for `viewer` filling in `input`.
pub async fn picker(
    storage: &Storage,
    viewer: &Viewer,
    input: &OfferingInput,
) -> Result<ProviderPicker, AppError> {
    let chosen = RecordKey::parse(input.provider.trim()).ok();
    // An editor's own providers are few; the secretariat's are all.
    let own: Option<Vec<RecordKey>> = viewer
        .person()
        .filter(|person| !person.is_secretariat())
        .map(|person| person.providers().cloned().collect());
    let searching = own.is_none();
    let searched = input.provider_search.trim().to_owned();
    let (named, found, shown) = {
        let chosen = chosen.clone();
        let searched = searched.clone();
        reads::directory(storage, move |directory| {
            let name = |key: &RecordKey| {
                directory
                    .provider(key)
                    .map(|provider| (key.clone(), provider.data.name.clone()))
            };
            // The chosen one is shown even when it is not listed (waiting
            // for review), by its key.
            let mut named: Vec<(RecordKey, String)> = chosen
                .iter()
                .map(|key| name(key).unwrap_or_else(|| (key.clone(), key.to_string())))
                .collect();
            let (mut found, mut shown) = (0, 0);
            if let Some(own) = own {
                named.extend(own.iter().filter_map(name));
            } else if !searched.is_empty() {
                let filter = CatalogueFilter {
                    text: Some(searched),
                    ..CatalogueFilter::default()
                };
                let page = directory.providers(&filter, PageRequest::sized(1, SHOWN));
                found = page.total;
                shown = page.items.len() as i64;
                named.extend(page.items.into_iter().map(|found| {
                    let provider = found.provider;
                    (provider.key, provider.data.name)
                }));
            }
            (named, found, shown)
        })
        .await?
    };
    let mut choices: Vec<Choice> = Vec::with_capacity(named.len());
    for (key, name) in named {
        let is_chosen = chosen.as_ref() == Some(&key);
        let already = choices.iter().any(|c| c.value == key.as_str());
        // Only the providers the person may add offerings to, and the one
        // the offering has.
        if already || !(is_chosen || viewer.allows(Action::AddOffering(&key))) {
            continue;
        }
        choices.push(Choice {
            value: key.to_string(),
            label: name,
            chosen: is_chosen,
        });
    }
    if !searching {
        choices.sort_by(|a, b| a.label.cmp(&b.label));
    }
    Ok(ProviderPicker {
        searching,
        searched,
        choices,
        found,
        shown,
    })
}
