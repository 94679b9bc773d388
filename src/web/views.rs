//! Small view models shared by the templates: choices for form controls and
//! the options of the filter form, each already marked as chosen or not.

use std::collections::BTreeSet;

use super::params::CatalogueParams;
use crate::domain::FieldPath;
use crate::domain::vocab::Vocabulary;
use crate::domain::words::capitalised;
use crate::domain::{CodeSet, LanguageCode, Modality, ReferenceData, ThemeCode};

/// One option of a select, checkbox list or radio group.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// Options under a heading (themes under their parent, regions by level).
#[derive(Debug, Clone)]
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

impl ChoiceGroup {
    /// A plain list, as one group without a heading.
    pub fn plain(choices: Vec<Choice>) -> Vec<ChoiceGroup> {
        vec![ChoiceGroup {
            label: String::new(),
            choices,
        }]
    }

    /// What the group says it holds when folded.
    pub fn chosen_labels(&self) -> String {
        chosen_labels(std::slice::from_ref(self))
    }
}

/// What a folded list of choices says it holds: "none chosen", or the
/// labels of the chosen ones.
pub fn chosen_labels(groups: &[ChoiceGroup]) -> String {
    let labels: Vec<&str> = groups
        .iter()
        .flat_map(|g| &g.choices)
        .filter(|c| c.chosen)
        .map(|c| c.label.as_str())
        .collect();
    if labels.is_empty() {
        "none chosen".to_owned()
    } else {
        labels.join(", ")
    }
}

fn choice(value: &str, label: impl Into<String>, chosen: &BTreeSet<&str>) -> Choice {
    Choice {
        value: value.to_owned(),
        label: label.into(),
        chosen: chosen.contains(value),
    }
}

fn chosen_set(values: &[String]) -> BTreeSet<&str> {
    values.iter().map(String::as_str).collect()
}

/// Builds the choices for every control from the reference data.
pub struct Choices<'a> {
    pub reference: &'a ReferenceData,
}

impl Choices<'_> {
    /// Themes grouped under their parents; the parent itself is choosable
    /// ("the whole theme") as the first entry of its group.
    pub fn themes(&self, chosen: &[String]) -> Vec<ChoiceGroup> {
        let chosen = chosen_set(chosen);
        self.reference
            .parent_themes()
            .map(|parent| {
                let mut choices = vec![choice(
                    parent.code.as_str(),
                    format!("{} (whole theme)", parent.name),
                    &chosen,
                )];
                choices.extend(
                    self.reference
                        .subthemes_of(&parent.code)
                        .map(|t| choice(t.code.as_str(), &t.name, &chosen)),
                );
                ChoiceGroup {
                    label: parent.name.clone(),
                    choices,
                }
            })
            .collect()
    }

    pub fn countries(&self, chosen: &[String]) -> Vec<Choice> {
        listed(self.reference.countries(), chosen, |c| {
            (c.iso3.as_str(), c.name_en.clone())
        })
    }

    pub fn regions(&self, chosen: &[String]) -> Vec<ChoiceGroup> {
        let chosen = chosen_set(chosen);
        [
            crate::domain::RegionLevel::Region,
            crate::domain::RegionLevel::Subregion,
            crate::domain::RegionLevel::Intermediate,
        ]
        .into_iter()
        .map(|level| ChoiceGroup {
            label: format!("M49 {}s", level.label()),
            choices: self
                .reference
                .regions()
                .iter()
                .filter(|r| r.level == level)
                .map(|r| choice(r.code.as_str(), format!("{} ({})", r.name, r.code), &chosen))
                .collect(),
        })
        .collect()
    }

    pub fn groups(&self, chosen: &[String]) -> Vec<Choice> {
        listed(self.reference.groups(), chosen, |g| {
            (g.code.as_str(), format!("{} — {}", g.code, g.name))
        })
    }

    pub fn languages(&self, chosen: &[String]) -> Vec<Choice> {
        listed(self.reference.languages(), chosen, |l| {
            (l.code.as_str(), format!("{} ({})", l.name, l.code))
        })
    }

    /// The codes of a closed vocabulary, those in `chosen` selected.
    pub fn of<T: Vocabulary>(chosen: &[impl AsRef<str>]) -> Vec<Choice> {
        listed(T::all(), chosen, |v| (v.code(), capitalised(v.label())))
    }
}

/// A choice for each item, by its code and label; those in `chosen` selected.
fn listed<'a, T>(
    items: &'a [T],
    chosen: &[impl AsRef<str>],
    entry: impl Fn(&'a T) -> (&'a str, String),
) -> Vec<Choice> {
    let chosen: BTreeSet<&str> = chosen.iter().map(AsRef::as_ref).collect();
    items
        .iter()
        .map(|item| {
            let (code, label) = entry(item);
            choice(code, label, &chosen)
        })
        .collect()
}

/// Previous/next links that keep the filters.
pub struct Pagination {
    pub number: i64,
    pub page_count: i64,
    pub total: i64,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The numbered links: the first and last pages, and those near this
    /// one, with a gap for the pages left out.
    pub pages: Vec<PageLink>,
}

/// One numbered link of a list's pages, or a gap between two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageLink {
    Page { number: i64, href: String },
    Gap,
}

/// How many pages either side of the current one get a link of their own.
const NEAR: i64 = 2;

/// The page numbers a list of `page_count` pages links at page `number`,
/// in order, with `None` for a gap of two or more pages (a gap of one is
/// shown as that page).
fn page_numbers(number: i64, page_count: i64) -> Vec<Option<i64>> {
    let mut wanted: Vec<i64> = [1, page_count]
        .into_iter()
        .chain(number.saturating_sub(NEAR)..=number.saturating_add(NEAR))
        .filter(|n| (1..=page_count).contains(n))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut shown = Vec::new();
    let mut last = 0;
    for n in wanted {
        match n - last {
            1 => {}
            2 => shown.push(Some(last + 1)),
            _ => shown.push(None),
        }
        shown.push(Some(n));
        last = n;
    }
    shown
}

impl Pagination {
    pub fn new<T>(path: &str, params: &CatalogueParams, page: &crate::db::Page<T>) -> Pagination {
        Pagination::of(
            page.number,
            page.page_count(),
            page.total,
            params.page_links(path),
        )
    }

    /// Page `number` of `page_count`, with `link` giving each page's address.
    pub fn of(
        number: i64,
        page_count: i64,
        total: i64,
        link: impl Fn(i64) -> String,
    ) -> Pagination {
        Pagination {
            number,
            page_count,
            total,
            // Past the end, "previous" is the last page there is.
            previous: (number > 1).then(|| link((number - 1).min(page_count))),
            next: (number < page_count).then(|| link(number + 1)),
            pages: page_numbers(number, page_count)
                .into_iter()
                .map(|n| match n {
                    Some(n) => PageLink::Page {
                        number: n,
                        href: link(n),
                    },
                    None => PageLink::Gap,
                })
                .collect(),
        }
    }
}

/// Someone else saved the record while this form was open: the form comes
/// back with the person's input, and this says what differs.
pub struct Conflict {
    /// "provider", "offering".
    pub noun: &'static str,
    /// The version saved now, which the form then edits.
    pub latest: i32,
    /// The record's page.
    pub url: String,
    /// Field label, the saved value, the value in the form.
    pub differences: Vec<(String, String, String)>,
}

impl Conflict {
    /// Compares the saved record's input with the form's, field by field
    /// (`fields`: those the form shows).
    pub fn new<T: serde::Serialize>(
        noun: &'static str,
        latest: i32,
        url: String,
        (saved, yours, fields): (&T, &T, &[FieldPath]),
    ) -> Conflict {
        let (Ok(serde_json::Value::Object(saved)), Ok(serde_json::Value::Object(yours))) =
            (serde_json::to_value(saved), serde_json::to_value(yours))
        else {
            return Conflict {
                noun,
                latest,
                url,
                differences: Vec::new(),
            };
        };
        // Compared as people read them: a blank field and an absent one
        // are the same nothing.
        let differences = fields
            .iter()
            .filter_map(|path| {
                let name = path.control_name();
                let (before, after) = (as_text(saved.get(&name)), as_text(yours.get(&name)));
                (before.trim() != after.trim()).then(|| (path.label(), before, after))
            })
            .collect();
        Conflict {
            noun,
            latest,
            url,
            differences,
        }
    }
}

/// A form value as a person reads it: lists joined, nothing as a dash.
fn as_text(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.is_empty() => "—".to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// How a need's codes read on a page, for the partial that lists a need's
/// facts (`partials/need_facts.html`).
pub struct NeedWords<'a> {
    pub reference: &'a ReferenceData,
}

impl NeedWords<'_> {
    pub fn theme_name(&self, code: &Option<ThemeCode>) -> String {
        code.as_ref().map_or_else(
            || "—".to_owned(),
            |c| self.reference.theme_name(c.as_str()).to_owned(),
        )
    }

    pub fn modality_labels(&self, modalities: &CodeSet<Modality>) -> String {
        listed_or_dash(modalities.iter().map(|m| m.label()))
    }

    pub fn language_names(&self, languages: &CodeSet<LanguageCode>) -> String {
        listed_or_dash(
            languages
                .iter()
                .map(|l| self.reference.language_name(l.as_str())),
        )
    }
}

fn listed_or_dash<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "—".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::page_numbers;
    use proptest::prelude::*;

    #[test]
    fn the_first_last_and_nearby_pages_are_linked_with_gaps_between() {
        assert_eq!(page_numbers(1, 1), [Some(1)]);
        assert_eq!(page_numbers(1, 4), [Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            page_numbers(10, 40),
            [
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(40)
            ]
        );
        assert_eq!(
            page_numbers(4, 9),
            [
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                None,
                Some(9)
            ],
            "a gap of one page is that page"
        );
    }

    #[test]
    fn past_the_last_page_previous_leads_to_the_last() {
        let pagination = super::Pagination::of(99, 3, 50, |n| format!("?page={n}"));
        assert_eq!(pagination.previous.as_deref(), Some("?page=3"));
        assert_eq!(pagination.next, None);
    }

    proptest! {
        #[test]
        fn every_page_is_linked_or_inside_a_gap_of_two_or_more(
            count in 1i64..500,
            number in prop_oneof![1i64..500, any::<i64>()],
        ) {
            let shown = page_numbers(number, count);
            let linked: Vec<i64> = shown.iter().flatten().copied().collect();
            prop_assert!(linked.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(linked.first(), Some(&1));
            prop_assert_eq!(linked.last(), Some(&count));
            prop_assert_eq!(linked.contains(&number), (1..=count).contains(&number));
            prop_assert!(shown.len() <= 9);
            for (i, n) in shown.iter().enumerate() {
                if n.is_none() {
                    let before = shown[i - 1].unwrap();
                    let after = shown[i + 1].unwrap();
                    prop_assert!(after - before > 2, "{:?}", shown);
                } else if let (Some(a), Some(Some(b))) = (n, shown.get(i + 1)) {
                    prop_assert_eq!(b - a, 1, "{:?}", shown);
                }
            }
        }
    }
}
