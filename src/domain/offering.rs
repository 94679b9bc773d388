//! Offerings: what a provider offers, where, to whom and how.

use super::code_set::CodeSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::codes::{GroupCode, Iso3, Keyed, LanguageCode, RecordKey, RegionCode, ThemeCode};
use super::fields::OfferingField as F;
use super::problems::{FieldErrors, Problems};
use super::reference::{Country, ReferenceData};
use super::rules;
use super::vocab::{IncomeLevel, Modality, OfferingStatus, RegionLevel};
use super::words::or_list;

/// Where an offering is delivered: worldwide, or any mix of named countries,
/// M49 regions and country groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub global: bool,
    pub countries: CodeSet<Iso3>,
    pub regions: CodeSet<RegionCode>,
    pub groups: CodeSet<GroupCode>,
}

/// How coverage reaches a country, most precise first: the order is the
/// geographic precision the matching engine rewards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    Country,
    Intermediate(RegionCode),
    Subregion(RegionCode),
    Region(RegionCode),
    Group(GroupCode),
    Global,
}

impl Coverage {
    pub fn is_empty(&self) -> bool {
        !self.global
            && self.countries.is_empty()
            && self.regions.is_empty()
            && self.groups.is_empty()
    }

    /// The most precise way this coverage reaches the country, if any.
    pub fn reach(&self, country: &Country, reference: &ReferenceData) -> Option<Reach> {
        if self.countries.contains(&country.iso3) {
            return Some(Reach::Country);
        }
        let by_level = |level: RegionLevel, code: &Option<RegionCode>| {
            code.as_ref()
                .filter(|c| self.regions.contains(*c))
                .map(|c| (level, c.clone()))
        };
        let region = by_level(RegionLevel::Intermediate, &country.intermediate)
            .or_else(|| by_level(RegionLevel::Subregion, &country.subregion))
            .or_else(|| by_level(RegionLevel::Region, &country.region));
        if let Some((level, code)) = region {
            return Some(match level {
                RegionLevel::Intermediate => Reach::Intermediate(code),
                RegionLevel::Subregion => Reach::Subregion(code),
                RegionLevel::Region => Reach::Region(code),
            });
        }
        if let Some(group) = reference
            .groups_of(&country.iso3)
            .iter()
            .find(|g| self.groups.contains(*g))
        {
            return Some(Reach::Group(group.clone()));
        }
        self.global.then_some(Reach::Global)
    }

    /// "Worldwide", or the places named, in words.
    pub fn describe<'a>(&'a self, reference: &'a ReferenceData) -> CoverageWords<'a> {
        CoverageWords {
            coverage: self,
            reference,
        }
    }
}

/// A coverage in words, written where it is shown: every offering of a
/// list page has one, so no string is made for it.
pub struct CoverageWords<'a> {
    coverage: &'a Coverage,
    reference: &'a ReferenceData,
}

impl std::fmt::Display for CoverageWords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (coverage, reference) = (self.coverage, self.reference);
        if coverage.global {
            return f.write_str("Worldwide");
        }
        let countries = (coverage.countries.iter()).map(|c| reference.country_name(c.as_str()));
        let regions = (coverage.regions.iter()).map(|r| reference.region_name(r.as_str()));
        let mut first = true;
        for name in countries.chain(regions) {
            if !std::mem::take(&mut first) {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        for group in coverage.groups.iter() {
            if !std::mem::take(&mut first) {
                f.write_str(", ")?;
            }
            write!(f, "members of {group}")?;
        }
        if first {
            f.write_str("Nowhere yet")?;
        }
        Ok(())
    }
}

/// Who may take part. No condition means open to every country; otherwise a
/// country is eligible when it meets any one listed condition (a member of
/// one of the groups, or at one of the income levels). "Any one" because the
/// real conditions read that way: "LDCs or low and lower-middle income".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub groups: CodeSet<GroupCode>,
    pub income_levels: CodeSet<IncomeLevel>,
}

impl Eligibility {
    pub fn is_open(&self) -> bool {
        self.groups.is_empty() && self.income_levels.is_empty()
    }

    pub fn admits(&self, country: &Country, reference: &ReferenceData) -> bool {
        self.admits_member_of(reference.groups_of(&country.iso3), country.income_level)
    }

    /// Whether it admits a country that belongs to `groups` and is at
    /// `income_level`: open, or any one condition met.
    pub fn admits_member_of(
        &self,
        groups: &[GroupCode],
        income_level: Option<IncomeLevel>,
    ) -> bool {
        self.is_open()
            || groups.iter().any(|g| self.groups.contains(g))
            || income_level.is_some_and(|level| self.income_levels.contains(&level))
    }

    /// "open to every country", or "eligible only for members of COMMONWEALTH,
    /// or for low or lower-middle income countries".
    pub fn describe(&self) -> String {
        if self.is_open() {
            return "open to every country".to_owned();
        }
        let conditions = self.who(|group| group.as_str());
        format!("eligible only for {}", conditions.join(", or for "))
    }

    /// Who may take part, one phrase per kind of condition: "members of
    /// COMMONWEALTH or LDC", "low or lower-middle income countries"; groups
    /// as `group_name` calls them.
    pub fn who<'a>(&'a self, group_name: impl Fn(&'a GroupCode) -> &'a str) -> Vec<String> {
        let mut who = Vec::new();
        if !self.groups.is_empty() {
            let groups: Vec<&str> = self.groups.iter().map(group_name).collect();
            who.push(format!("members of {}", or_list(&groups)));
        }
        if !self.income_levels.is_empty() {
            let levels: Vec<&str> = self
                .income_levels
                .iter()
                .map(|l| l.label().trim_end_matches(" income"))
                .collect();
            who.push(format!("{} income countries", or_list(&levels)));
        }
        who
    }
}

/// An offering's fields as a person or a file gave them: anything may be
/// wrong. The names are the form's ([`F`]); lists hold the codes chosen.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OfferingInput {
    pub key: String,
    pub provider: String,
    pub title: String,
    pub description: String,
    pub themes: Vec<String>,
    /// A checkbox: `on` when ticked, absent when not.
    pub coverage_global: String,
    pub coverage_countries: Vec<String>,
    pub coverage_regions: Vec<String>,
    pub coverage_groups: Vec<String>,
    pub eligible_groups: Vec<String>,
    pub eligible_income_levels: Vec<String>,
    pub modalities: Vec<String>,
    pub languages: Vec<String>,
    pub capacity: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub status: String,
    /// The version an edit form was opened at; not data, and never written.
    #[serde(skip_serializing)]
    pub version: Option<String>,
    /// What was typed to find a provider by name on the form; not data,
    /// and never written.
    #[serde(skip_serializing)]
    pub provider_search: String,
}

/// The most engagements one offering can sensibly say it takes on at once.
pub const MAX_CAPACITY: u32 = 100_000;

/// Whether any code was chosen in a list.
fn chose_any(codes: &[String]) -> bool {
    codes.iter().any(|c| !c.trim().is_empty())
}

impl OfferingInput {
    /// Whether the worldwide box is ticked, as the form shows it.
    pub fn worldwide(&self) -> bool {
        rules::flag(&self.coverage_global).unwrap_or(false)
    }

    /// The key asked for and the offering's data, or every problem at its field.
    pub fn parse(&self, reference: &ReferenceData) -> Result<Keyed<OfferingData>, FieldErrors> {
        let mut p = Problems::new();
        let key = p.take(F::Key, rules::optional_key(&self.key));
        let provider = p.take(
            F::Provider,
            rules::key(&self.provider, "is required: choose the provider"),
        );
        let title = p.take(F::Title, rules::required_text(&self.title, 200));
        let description = p.take(
            F::Description,
            rules::required_text(&self.description, 5000),
        );
        let themes = p.take(
            F::Themes,
            rules::codes(&self.themes, |c| reference.theme_code(c)).and_then(
                |themes: CodeSet<_>| {
                    if themes.is_empty() {
                        Err("choose at least one theme".to_owned())
                    } else {
                        Ok(themes)
                    }
                },
            ),
        );
        let global = p.take(F::CoverageGlobal, rules::flag(&self.coverage_global));
        let countries = p.take(
            F::CoverageCountries,
            rules::codes(&self.coverage_countries, |c| reference.iso3(c)),
        );
        let regions = p.take(
            F::CoverageRegions,
            rules::codes(&self.coverage_regions, |c| reference.region_code(c)),
        );
        let groups = p.take(
            F::CoverageGroups,
            rules::codes(&self.coverage_groups, |c| reference.group_code(c)),
        );
        let places = [
            &self.coverage_countries,
            &self.coverage_regions,
            &self.coverage_groups,
        ];
        if !global.unwrap_or(false) && !places.iter().any(|codes| chose_any(codes)) {
            p.add(
                F::Coverage,
                "choose worldwide, or at least one country, region or group",
            );
        }
        let eligible_groups = p.take(
            F::EligibleGroups,
            rules::codes(&self.eligible_groups, |c| reference.group_code(c)),
        );
        let income_levels = p.take(
            F::EligibleIncomeLevels,
            rules::choices(&self.eligible_income_levels),
        );
        let modalities = p.take(F::Modalities, rules::choices(&self.modalities));
        let languages = p.take(
            F::Languages,
            rules::codes(&self.languages, |c| reference.language_code(c)),
        );
        let capacity = p.take(
            F::Capacity,
            rules::optional_count(self.capacity.as_deref(), MAX_CAPACITY),
        );
        let starts_on = p.take(F::StartsOn, rules::optional_date(self.starts_on.as_deref()));
        let ends_on = p.take(F::EndsOn, rules::optional_date(self.ends_on.as_deref()));
        if let (Some(Some(starts)), Some(Some(ends))) = (starts_on, ends_on) {
            if ends <= starts {
                p.add(F::EndsOn, "must be after the start date");
            }
        }
        let status = p.take(
            F::Status,
            rules::choice::<OfferingStatus>(&self.status, "is required"),
        );
        p.finish(|| {
            Some(Keyed {
                key: key?,
                data: OfferingData {
                    provider: provider?,
                    title: title?,
                    description: description?,
                    themes: themes?,
                    coverage: Coverage {
                        global: global?,
                        countries: countries?,
                        regions: regions?,
                        groups: groups?,
                    },
                    eligibility: Eligibility {
                        groups: eligible_groups?,
                        income_levels: income_levels?,
                    },
                    modalities: modalities?,
                    languages: languages?,
                    capacity: capacity?,
                    starts_on: starts_on?,
                    ends_on: ends_on?,
                    status: status?,
                },
            })
        })
    }
}

/// An offering's editable fields, valid by construction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferingData {
    pub provider: RecordKey,
    pub title: String,
    pub description: String,
    pub themes: CodeSet<ThemeCode>,
    pub coverage: Coverage,
    pub eligibility: Eligibility,
    pub modalities: CodeSet<Modality>,
    pub languages: CodeSet<LanguageCode>,
    pub capacity: Option<u32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: OfferingStatus,
}

/// An offering as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Offering {
    pub id: i64,
    pub key: RecordKey,
    pub provider_name: String,
    pub data: OfferingData,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Raised by every write; a form names the version it edits.
    pub version: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_data;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn reference() -> ReferenceData {
        reference_data::load().unwrap()
    }

    #[test]
    fn a_coverage_reads_as_its_places_by_name() {
        let reference = reference();
        let words = |c: &Coverage| c.describe(&reference).to_string();
        let mut coverage = Coverage::default();
        assert_eq!(words(&coverage), "Nowhere yet");
        coverage.countries = [Iso3::trusted("GHA"), Iso3::trusted("KEN")]
            .into_iter()
            .collect();
        coverage.regions = [RegionCode::trusted("002")].into_iter().collect();
        coverage.groups = [GroupCode::trusted("AU")].into_iter().collect();
        assert_eq!(words(&coverage), "Ghana, Kenya, Africa, members of AU");
        coverage.countries = CodeSet::default();
        coverage.regions = CodeSet::default();
        assert_eq!(words(&coverage), "members of AU");
        coverage.global = true;
        assert_eq!(words(&coverage), "Worldwide");
    }

    fn input() -> OfferingInput {
        OfferingInput {
            provider: "coe-cproc".into(),
            title: "Judges' training".into(),
            description: "Training on electronic evidence".into(),
            themes: vec!["cybercrime.judiciary".into()],
            coverage_regions: vec!["002".into()],
            status: "active".into(),
            ..OfferingInput::default()
        }
    }

    #[test]
    fn a_complete_offering_parses() {
        let data = input().parse(&reference()).unwrap().data;
        assert_eq!(data.status, OfferingStatus::Active);
        assert!(data.coverage.regions.iter().any(|r| r.as_str() == "002"));
    }

    #[test]
    fn end_date_must_follow_start_date() {
        let bad = OfferingInput {
            starts_on: Some("2026-05-01".into()),
            ends_on: Some("2026-04-30".into()),
            ..input()
        };
        let errors = bad.parse(&reference()).unwrap_err();
        assert_eq!(errors.messages("ends_on"), ["must be after the start date"]);
    }

    #[test]
    fn coverage_and_themes_are_required_and_codes_checked() {
        let bad = OfferingInput {
            themes: vec![],
            coverage_regions: vec![],
            languages: vec!["xx".into()],
            modalities: vec!["magic".into()],
            capacity: Some("0".into()),
            ..input()
        };
        let errors = bad.parse(&reference()).unwrap_err();
        for field in ["themes", "coverage", "languages", "modalities", "capacity"] {
            assert!(
                !errors.messages(field).is_empty(),
                "no error for {field}: {errors:?}"
            );
        }
    }

    #[test]
    fn coverage_reaches_by_the_most_precise_route() {
        let reference = reference();
        let ghana = reference.country("GHA").unwrap();
        let coverage = Coverage {
            global: true,
            regions: [
                reference.region_code("002").unwrap(),
                reference.region_code("011").unwrap(),
            ]
            .into(),
            groups: [reference.group_code("AU").unwrap()].into(),
            ..Coverage::default()
        };
        assert_eq!(
            coverage.reach(ghana, &reference),
            Some(Reach::Intermediate(reference.region_code("011").unwrap()))
        );
        let france = reference.country("FRA").unwrap();
        assert_eq!(coverage.reach(france, &reference), Some(Reach::Global));
        let african_union = Coverage {
            groups: [reference.group_code("AU").unwrap()].into(),
            ..Coverage::default()
        };
        assert_eq!(african_union.reach(france, &reference), None);
    }

    #[test]
    fn eligibility_admits_on_any_one_condition() {
        let reference = reference();
        let eligibility = Eligibility {
            groups: [reference.group_code("LDC").unwrap()].into(),
            income_levels: [IncomeLevel::Low, IncomeLevel::LowerMiddle].into(),
        };
        assert!(eligibility.admits(reference.country("GHA").unwrap(), &reference)); // lower-middle
        assert!(!eligibility.admits(reference.country("FRA").unwrap(), &reference));
        assert_eq!(
            eligibility.describe(),
            "eligible only for members of LDC, or for low or lower-middle income countries"
        );
        assert!(Eligibility::default().admits(reference.country("FRA").unwrap(), &reference));
    }

    proptest! {
        /// Whichever fields are wrong, each is named and no other.
        #[test]
        fn each_wrong_field_is_named_and_no_other(wrong in proptest::array::uniform9(any::<bool>())) {
            use crate::domain::fields::{FieldPath, OfferingField as F};
            let reference = reference();
            let mut input = input();
            let mut expected = std::collections::BTreeSet::new();
            let mut spoil = |at: usize, field: F, spoil: &mut dyn FnMut(&mut OfferingInput)| {
                if wrong[at] {
                    spoil(&mut input);
                    expected.insert(FieldPath::from(field));
                }
            };
            spoil(0, F::Title, &mut |i| i.title = String::new());
            spoil(1, F::Themes, &mut |i| i.themes.push("cybercrime.nonsense".into()));
            spoil(2, F::CoverageRegions, &mut |i| i.coverage_regions.push("999".into()));
            spoil(3, F::EligibleIncomeLevels, &mut |i| i.eligible_income_levels = vec!["rich".into()]);
            spoil(4, F::Modalities, &mut |i| i.modalities = vec!["training".into(), "magic".into()]);
            spoil(5, F::Languages, &mut |i| i.languages = vec!["xx".into()]);
            spoil(6, F::Capacity, &mut |i| i.capacity = Some("lots".into()));
            spoil(7, F::StartsOn, &mut |i| i.starts_on = Some("someday".into()));
            spoil(8, F::Status, &mut |i| i.status = "sleeping".into());
            let named: std::collections::BTreeSet<FieldPath> = match input.parse(&reference) {
                Ok(_) => Default::default(),
                Err(errors) => errors.iter().map(|e| e.path).collect(),
            };
            prop_assert_eq!(named, expected);
        }

        /// Every code given is kept or named as unknown: none is dropped.
        #[test]
        fn no_code_is_dropped(
            modalities in proptest::collection::vec(prop_oneof![
                proptest::sample::select(Modality::ALL.iter().map(|m| m.code().to_owned()).collect::<Vec<_>>()),
                "[a-z]{1,8}",
            ], 0..6),
            languages in proptest::collection::vec(prop_oneof![
                proptest::sample::select(vec!["en".to_owned(), "fr".to_owned(), "ar".to_owned()]),
                "[a-z]{2}",
            ], 0..6),
        ) {
            let reference = reference();
            let input = OfferingInput { modalities: modalities.clone(), languages: languages.clone(), ..input() };
            match input.parse(&reference) {
                Ok(parsed) => {
                    let given = |codes: &[String]| codes.iter().cloned().collect::<BTreeSet<String>>();
                    let kept: BTreeSet<String> = parsed.data.modalities.iter().map(|m| m.code().to_owned()).collect();
                    prop_assert_eq!(kept, given(&modalities));
                    let kept: BTreeSet<String> = parsed.data.languages.iter().map(|l| l.to_string()).collect();
                    prop_assert_eq!(kept, given(&languages));
                }
                Err(errors) => {
                    for code in modalities.iter().filter(|c| c.parse::<Modality>().is_err()) {
                        let named = errors.messages("modalities").iter().any(|m| m.contains(&format!("\"{code}\"")));
                        prop_assert!(named, "{} not named in {:?}", code, errors);
                    }
                    for code in languages.iter().filter(|c| reference.language(c).is_none()) {
                        let named = errors.messages("languages").iter().any(|m| m.contains(&format!("\"{code}\"")));
                        prop_assert!(named, "{} not named in {:?}", code, errors);
                    }
                }
            }
        }

        /// Adding places to a coverage never takes a country out of its reach.
        #[test]
        fn wider_coverage_never_reaches_fewer_countries(
            country_idx in 0usize..249, extra_region_idx in 0usize..30, global in any::<bool>()
        ) {
            let reference = reference();
            let country = &reference.countries()[country_idx % reference.countries().len()];
            let narrow = Coverage { global, ..Coverage::default() };
            let mut wide = narrow.clone();
            let region = &reference.regions()[extra_region_idx % reference.regions().len()];
            wide.regions.extend([region.code.clone()]);
            if narrow.reach(country, &reference).is_some() {
                prop_assert!(wide.reach(country, &reference).is_some());
            }
            if let Some(reach) = narrow.reach(country, &reference) {
                prop_assert!(wide.reach(country, &reference).unwrap() <= reach);
            }
        }
    }
}
