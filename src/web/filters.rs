//! The list pages' filter form. Its options (every country, theme and
//! region: over three hundred) are the same on every page but for the one
//! selected in each control, so they are rendered once, when the server
//! starts, and a page only marks its selections. The languages are those
//! the listed offerings are in, rendered again when they change.

use std::fmt;
use std::sync::{Arc, RwLock};

use askama::Template;
use foldhash::{HashMap, HashMapExt};

use super::params::CatalogueParams;
use super::views::{Choice, ChoiceGroup, Choices};
use crate::domain::codes::LanguageCode;
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

/// One control's options, rendered, and where in them each option's start
/// tag closes: a page selects one by its value without searching them.
struct Control {
    html: String,
    closes: HashMap<String, usize>,
}

impl Control {
    fn new(groups: &[ChoiceGroup]) -> Control {
        let html = Options { groups }
            .render()
            .expect("rendering into a string does not fail");
        let mut closes = HashMap::new();
        let mut from = 0;
        for choice in groups.iter().flat_map(|g| &g.choices) {
            let start = OptionStart {
                value: &choice.value,
            }
            .render()
            .expect("rendering into a string does not fail");
            if let Some(at) = html[from..].find(&start) {
                let close = from + at + start.len() - 1;
                closes.entry(choice.value.clone()).or_insert(close);
                from = close;
            }
        }
        Control { html, closes }
    }

    fn ungrouped(choices: Vec<Choice>) -> Control {
        Control::new(&[ChoiceGroup {
            label: String::new(),
            choices,
        }])
    }

    /// The options with the one whose value is `chosen` selected. A value
    /// no option has selects nothing (the list pages refuse one before this).
    fn selecting(&self, chosen: &str) -> Selecting<'_> {
        let close = (!chosen.is_empty())
            .then(|| self.closes.get(chosen))
            .flatten();
        match close {
            Some(&close) => Selecting {
                before: &self.html[..close],
                after: Some(&self.html[close..]),
            },
            None => Selecting {
                before: &self.html,
                after: None,
            },
        }
    }
}

/// A control's options with one selected, written straight into the page.
pub struct Selecting<'a> {
    before: &'a str,
    /// From the selected option's `>` on.
    after: Option<&'a str>,
}

impl fmt::Display for Selecting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.before)?;
        if let Some(after) = self.after {
            f.write_str(" selected")?;
            f.write_str(after)?;
        }
        Ok(())
    }
}

/// The languages the language control offers, and their options. A
/// language no listed offering is in could only find nothing, and the
/// options of all 184 were a fifth of every list page.
struct OfferedLanguages {
    codes: Vec<LanguageCode>,
    control: Control,
}

impl OfferedLanguages {
    /// The options for `codes`, in the reference list's order, and for
    /// `also` if it is a language.
    fn new(reference: &ReferenceData, codes: Vec<LanguageCode>, also: &str) -> OfferedLanguages {
        let choices = Choices { reference }.languages(&[] as &[String]);
        let offered = (choices.into_iter())
            .filter(|c| c.value == also || codes.iter().any(|code| code.as_str() == c.value))
            .collect();
        OfferedLanguages {
            codes,
            control: Control::ungrouped(offered),
        }
    }
}

/// Every control's options, rendered with none selected.
pub struct FilterOptions {
    reference: Arc<ReferenceData>,
    themes: Control,
    countries: Control,
    regions: Control,
    groups: Control,
    kinds: Control,
    modalities: Control,
    statuses: Control,
    orders: Control,
    /// The languages offered when last asked.
    languages: RwLock<Arc<OfferedLanguages>>,
}

impl FilterOptions {
    pub fn new(reference: Arc<ReferenceData>) -> FilterOptions {
        let choices = Choices {
            reference: &reference,
        };
        let none: &[String] = &[];
        FilterOptions {
            themes: Control::new(&choices.themes(none)),
            countries: Control::ungrouped(choices.countries(none)),
            regions: Control::new(&choices.regions(none)),
            groups: Control::ungrouped(choices.groups(none)),
            kinds: Control::ungrouped(Choices::of::<ProviderKind>(none)),
            modalities: Control::ungrouped(Choices::of::<Modality>(none)),
            statuses: Control::ungrouped(Choices::of::<OfferingStatus>(none)),
            orders: Control::ungrouped(Choices::of::<ListOrder>(none)),
            languages: RwLock::new(Arc::new(OfferedLanguages::new(&reference, Vec::new(), ""))),
            reference,
        }
    }

    /// The language options for the languages `offered`, with `chosen`
    /// among them even when no listed offering is in it, so that the form
    /// shows the filter the list applies.
    fn languages(&self, offered: Vec<LanguageCode>, chosen: &str) -> Arc<OfferedLanguages> {
        let held = self
            .languages
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let current = if held.codes == offered {
            held
        } else {
            let fresh = Arc::new(OfferedLanguages::new(&self.reference, offered, ""));
            *self.languages.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
            fresh
        };
        if chosen.is_empty() || current.control.closes.contains_key(chosen) {
            current
        } else {
            Arc::new(OfferedLanguages::new(
                &self.reference,
                current.codes.clone(),
                chosen,
            ))
        }
    }
}

/// The filter form of the list pages, with the current values selected.
pub struct FilterForm<'a> {
    pub action: &'static str,
    pub q: String,
    pub filtered: bool,
    options: &'a FilterOptions,
    languages: Arc<OfferedLanguages>,
    params: &'a CatalogueParams,
}

impl<'a> FilterForm<'a> {
    /// The form for a list whose listed offerings are in the languages
    /// `offered`.
    pub fn new(
        action: &'static str,
        params: &'a CatalogueParams,
        options: &'a FilterOptions,
        offered: Vec<LanguageCode>,
    ) -> FilterForm<'a> {
        FilterForm {
            action,
            q: params.value("q").to_owned(),
            filtered: params.is_filtered(),
            languages: options.languages(offered, params.value("language")),
            options,
            params,
        }
    }

    fn chosen(&self, name: &str) -> &str {
        self.params.value(name)
    }

    // Each control's options, already escaped: the templates mark them safe.
    pub fn themes(&self) -> Selecting<'_> {
        self.options.themes.selecting(self.chosen("theme"))
    }

    pub fn countries(&self) -> Selecting<'_> {
        self.options
            .countries
            .selecting(&self.chosen("country").to_ascii_uppercase())
    }

    pub fn regions(&self) -> Selecting<'_> {
        self.options.regions.selecting(self.chosen("region"))
    }

    pub fn groups(&self) -> Selecting<'_> {
        self.options
            .groups
            .selecting(&self.chosen("group").to_ascii_uppercase())
    }

    pub fn kinds(&self) -> Selecting<'_> {
        self.options.kinds.selecting(self.chosen("kind"))
    }

    pub fn modalities(&self) -> Selecting<'_> {
        self.options.modalities.selecting(self.chosen("modality"))
    }

    pub fn languages(&self) -> Selecting<'_> {
        self.languages.control.selecting(self.chosen("language"))
    }

    pub fn statuses(&self) -> Selecting<'_> {
        self.options.statuses.selecting(self.chosen("status"))
    }

    pub fn orders(&self) -> Selecting<'_> {
        self.options.orders.selecting(self.chosen("sort"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_data;

    #[test]
    fn marks_only_the_chosen_option_and_escapes_every_label() {
        let reference = Arc::new(reference_data::load().unwrap());
        let options = FilterOptions::new(reference.clone());
        let selecting = |control: &Control, chosen: &str| control.selecting(chosen).to_string();
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
        // Every option of the grouped controls can be chosen, and only it is.
        let none: &[String] = &[];
        let choices = Choices {
            reference: &reference,
        };
        for (control, groups) in [
            (&options.themes, choices.themes(none)),
            (&options.regions, choices.regions(none)),
        ] {
            for choice in groups.iter().flat_map(|g| &g.choices) {
                let page = selecting(control, &choice.value);
                let marked = format!("value=\"{}\" selected>", choice.value);
                assert!(page.contains(&marked), "{marked}");
                assert_eq!(page.matches(" selected").count(), 1);
            }
        }
        // Côte d'Ivoire's apostrophe, escaped as askama escapes.
        assert!(
            options
                .countries
                .html
                .contains(">Côte d&#39;Ivoire</option>")
        );
    }

    #[test]
    fn offers_the_languages_offered_and_the_one_chosen() {
        let reference = Arc::new(reference_data::load().unwrap());
        let options = FilterOptions::new(reference.clone());
        let code = |c: &str| LanguageCode::trusted(c);
        let form = |offered: Vec<LanguageCode>, chosen: &str| {
            let params = CatalogueParams {
                language: Some(chosen.to_owned()),
                ..CatalogueParams::default()
            };
            let form = FilterForm::new("/offerings", &params, &options, offered);
            form.languages().to_string()
        };
        let offered = form(vec![code("en"), code("fr")], "");
        assert_eq!(
            offered,
            "<option value=\"en\">English (en)</option><option value=\"fr\">French (fr)</option>"
        );
        // Kept, and rendered again when the languages change.
        let added = form(vec![code("en"), code("fr"), code("pt")], "fr");
        assert!(added.contains("<option value=\"fr\" selected>French (fr)</option>"));
        assert!(added.contains(">Portuguese (pt)</option>"));
        assert_eq!(added.matches("<option").count(), 3);
        // A language chosen that no listed offering is in stays chosen.
        let chosen = form(vec![code("en")], "sw");
        assert_eq!(
            chosen,
            "<option value=\"en\">English (en)</option><option value=\"sw\" selected>Swahili (macrolanguage) (sw)</option>"
        );
        assert_eq!(form(Vec::new(), ""), "");
    }
}
