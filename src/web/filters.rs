//! The list pages' filter form. Its options (every country, language,
//! theme and region: over five hundred) are the same on every page but for
//! the one selected in each control, so they are rendered once, when the
//! server starts, and a page only marks its selections.

use std::borrow::Cow;

use askama::Template;

use super::params::CatalogueParams;
use super::views::{Choice, ChoiceGroup, Choices};
use crate::domain::order::ListOrder;
use crate::domain::{Modality, OfferingStatus, ProviderKind, ReferenceData};

/// A control's options, in groups when they have a label.
#[derive(Template)]
#[template(
    source = "{% for group in groups %}{% if !group.label.is_empty() %}<optgroup label=\"{{ group.label }}\">{% endif %}{% for c in group.choices %}<option value=\"{{ c.value }}\">{{ c.label }}</option>{% endfor %}{% if !group.label.is_empty() %}</optgroup>{% endif %}{% endfor %}",
    ext = "html"
)]
struct Options<'a> {
    groups: &'a [ChoiceGroup],
}

/// The start of one option as [`Options`] renders it, to find it by.
#[derive(Template)]
#[template(source = "<option value=\"{{ value }}\">", ext = "html")]
struct OptionStart<'a> {
    value: &'a str,
}

fn rendered(groups: &[ChoiceGroup]) -> String {
    Options { groups }
        .render()
        .expect("rendering into a string does not fail")
}

fn ungrouped(choices: Vec<Choice>) -> String {
    rendered(&[ChoiceGroup {
        label: String::new(),
        choices,
    }])
}

/// Every control's options, rendered with none selected.
pub struct FilterOptions {
    themes: String,
    countries: String,
    regions: String,
    groups: String,
    kinds: String,
    modalities: String,
    languages: String,
    statuses: String,
    orders: String,
}

impl FilterOptions {
    pub fn new(reference: &ReferenceData) -> FilterOptions {
        let choices = Choices { reference };
        let none: &[String] = &[];
        FilterOptions {
            themes: rendered(&choices.themes(none)),
            countries: ungrouped(choices.countries(none)),
            regions: rendered(&choices.regions(none)),
            groups: ungrouped(choices.groups(none)),
            kinds: ungrouped(Choices::of::<ProviderKind>(none)),
            modalities: ungrouped(Choices::of::<Modality>(none)),
            languages: ungrouped(choices.languages(none)),
            statuses: ungrouped(Choices::of::<OfferingStatus>(none)),
            orders: ungrouped(Choices::of::<ListOrder>(none)),
        }
    }
}

/// `options` with the one whose value is `chosen` selected. A value no
/// option has selects nothing (the list pages refuse one before this).
fn selecting<'a>(options: &'a str, chosen: &str) -> Cow<'a, str> {
    if chosen.is_empty() {
        return Cow::Borrowed(options);
    }
    let start = OptionStart { value: chosen }
        .render()
        .expect("rendering into a string does not fail");
    match options.find(&start) {
        None => Cow::Borrowed(options),
        Some(at) => {
            let end = at + start.len() - 1;
            Cow::Owned(format!("{} selected{}", &options[..end], &options[end..]))
        }
    }
}

/// The filter form of the list pages, with the current values selected.
pub struct FilterForm<'a> {
    pub action: &'static str,
    pub q: String,
    pub filtered: bool,
    options: &'a FilterOptions,
    params: &'a CatalogueParams,
}

impl<'a> FilterForm<'a> {
    pub fn new(
        action: &'static str,
        params: &'a CatalogueParams,
        options: &'a FilterOptions,
    ) -> FilterForm<'a> {
        FilterForm {
            action,
            q: params.value("q").to_owned(),
            filtered: params.is_filtered(),
            options,
            params,
        }
    }

    fn chosen(&self, name: &str) -> &str {
        self.params.value(name)
    }

    // Each control's options, already escaped: the templates mark them safe.
    pub fn themes(&self) -> Cow<'_, str> {
        selecting(&self.options.themes, self.chosen("theme"))
    }

    pub fn countries(&self) -> Cow<'_, str> {
        selecting(
            &self.options.countries,
            &self.chosen("country").to_ascii_uppercase(),
        )
    }

    pub fn regions(&self) -> Cow<'_, str> {
        selecting(&self.options.regions, self.chosen("region"))
    }

    pub fn groups(&self) -> Cow<'_, str> {
        selecting(
            &self.options.groups,
            &self.chosen("group").to_ascii_uppercase(),
        )
    }

    pub fn kinds(&self) -> Cow<'_, str> {
        selecting(&self.options.kinds, self.chosen("kind"))
    }

    pub fn modalities(&self) -> Cow<'_, str> {
        selecting(&self.options.modalities, self.chosen("modality"))
    }

    pub fn languages(&self) -> Cow<'_, str> {
        selecting(&self.options.languages, self.chosen("language"))
    }

    pub fn statuses(&self) -> Cow<'_, str> {
        selecting(&self.options.statuses, self.chosen("status"))
    }

    pub fn orders(&self) -> Cow<'_, str> {
        selecting(&self.options.orders, self.chosen("sort"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_data;

    #[test]
    fn marks_only_the_chosen_option_and_escapes_every_label() {
        let reference = reference_data::load().unwrap();
        let options = FilterOptions::new(&reference);
        let countries = selecting(&options.countries, "GHA");
        assert!(countries.contains("<option value=\"GHA\" selected>Ghana</option>"));
        assert_eq!(countries.matches(" selected").count(), 1);
        assert!(!countries.contains("<option value=\"GHAX"));
        assert_eq!(
            selecting(&options.countries, "")
                .matches(" selected")
                .count(),
            0
        );
        assert_eq!(
            selecting(&options.countries, "\"><script>")
                .matches(" selected")
                .count(),
            0
        );
        // Côte d'Ivoire's apostrophe, escaped as askama escapes.
        assert!(options.countries.contains(">Côte d&#39;Ivoire</option>"));
    }
}
