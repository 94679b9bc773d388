//! The reference data every other record points into: themes, M49 regions,
//! countries, country groups and languages. Loaded once at start; lookups here
//! are how untrusted codes become typed codes.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::NaiveDate;
use foldhash::{HashMap, HashMapExt};

use super::codes::{GroupCode, Iso3, LanguageCode, RegionCode, ThemeCode};
use super::vocab::{IncomeLevel, RegionLevel, UnknownCode};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub code: ThemeCode,
    pub parent: Option<ThemeCode>,
    pub name: String,
    pub description: String,
    pub cmm_factors: Vec<String>,
}

impl Theme {
    pub fn is_parent(&self) -> bool {
        self.parent.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<RegionCode>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    pub iso3: Iso3,
    pub iso2: String,
    pub m49: String,
    pub name_en: String,
    pub name_fr: String,
    pub name_es: String,
    pub independent: bool,
    pub region: Option<RegionCode>,
    pub subregion: Option<RegionCode>,
    pub intermediate: Option<RegionCode>,
    pub income_level: Option<IncomeLevel>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Country {
    /// The country's M49 regions, broadest first.
    pub fn m49_path(&self) -> impl Iterator<Item = &RegionCode> {
        [&self.region, &self.subregion, &self.intermediate]
            .into_iter()
            .flatten()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CountryGroup {
    pub code: GroupCode,
    pub name: String,
    pub kind: String,
    pub as_of: NaiveDate,
    pub members: BTreeSet<Iso3>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Language {
    pub code: LanguageCode,
    pub name: String,
}

/// Everything the application knows about themes, places and languages.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    themes: Vec<Theme>,
    regions: Vec<Region>,
    countries: Vec<Country>,
    groups: Vec<CountryGroup>,
    languages: Vec<Language>,
    theme_index: HashMap<String, usize>,
    region_index: HashMap<String, usize>,
    country_index: HashMap<String, usize>,
    group_index: HashMap<String, usize>,
    language_index: HashMap<String, usize>,
    groups_of_country: HashMap<Iso3, Vec<GroupCode>>,
    /// What a filter by one country, region or group reaches: made once,
    /// as a region or a group reaches a few hundred codes.
    country_reaches: HashMap<Iso3, Arc<ReachCodes>>,
    region_reaches: HashMap<RegionCode, Arc<ReachCodes>>,
    group_reaches: HashMap<GroupCode, Arc<ReachCodes>>,
}

fn index_by<T>(items: &[T], key: impl Fn(&T) -> &str) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (key(item).to_owned(), i))
        .collect()
}

impl ReferenceData {
    /// Builds the indexes. Themes keep their given order (parents before their
    /// children, as in themes.csv); countries, groups and languages are sorted by name.
    pub fn new(
        themes: Vec<Theme>,
        mut regions: Vec<Region>,
        mut countries: Vec<Country>,
        mut groups: Vec<CountryGroup>,
        mut languages: Vec<Language>,
    ) -> ReferenceData {
        regions.sort_by(|a, b| (a.level, &a.name).cmp(&(b.level, &b.name)));
        countries.sort_by(|a, b| a.name_en.cmp(&b.name_en));
        groups.sort_by(|a, b| a.code.cmp(&b.code));
        languages.sort_by(|a, b| a.name.cmp(&b.name));
        let mut groups_of_country: HashMap<Iso3, Vec<GroupCode>> = HashMap::new();
        for group in &groups {
            for member in &group.members {
                groups_of_country
                    .entry(member.clone())
                    .or_default()
                    .push(group.code.clone());
            }
        }
        let mut reference = ReferenceData {
            theme_index: index_by(&themes, |t| t.code.as_str()),
            region_index: index_by(&regions, |r| r.code.as_str()),
            country_index: index_by(&countries, |c| c.iso3.as_str()),
            group_index: index_by(&groups, |g| g.code.as_str()),
            language_index: index_by(&languages, |l| l.code.as_str()),
            themes,
            regions,
            countries,
            groups,
            languages,
            groups_of_country,
            country_reaches: HashMap::new(),
            region_reaches: HashMap::new(),
            group_reaches: HashMap::new(),
        };
        let reach = |place: String, countries: Vec<&Country>| {
            Arc::new(reference.reach_of(place, countries))
        };
        let countries = (reference.countries.iter())
            .map(|c| {
                (
                    c.iso3.clone(),
                    reach(format!("country {}", c.iso3), vec![c]),
                )
            })
            .collect();
        let regions = (reference.regions.iter())
            .map(|r| {
                let countries = reference.countries_in_region(&r.code).collect();
                (
                    r.code.clone(),
                    reach(format!("region {}", r.code), countries),
                )
            })
            .collect();
        let groups = (reference.groups.iter())
            .map(|g| {
                let members = reference.members_of(&g.code).collect();
                (g.code.clone(), reach(format!("group {}", g.code), members))
            })
            .collect();
        reference.country_reaches = countries;
        reference.region_reaches = regions;
        reference.group_reaches = groups;
        reference
    }

    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }
    pub fn groups(&self) -> &[CountryGroup] {
        &self.groups
    }
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    pub fn theme(&self, code: &str) -> Option<&Theme> {
        self.theme_index.get(code).map(|&i| &self.themes[i])
    }
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }
    pub fn country(&self, iso3: &str) -> Option<&Country> {
        self.country_index.get(iso3).map(|&i| &self.countries[i])
    }
    pub fn group(&self, code: &str) -> Option<&CountryGroup> {
        self.group_index.get(code).map(|&i| &self.groups[i])
    }
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.language_index.get(code).map(|&i| &self.languages[i])
    }

    pub fn theme_code(&self, code: &str) -> Result<ThemeCode, UnknownCode> {
        self.theme(code)
            .map(|t| t.code.clone())
            .ok_or_else(|| unknown("theme", code))
    }
    pub fn iso3(&self, code: &str) -> Result<Iso3, UnknownCode> {
        self.country(code)
            .map(|c| c.iso3.clone())
            .ok_or_else(|| unknown("country", code))
    }
    pub fn region_code(&self, code: &str) -> Result<RegionCode, UnknownCode> {
        self.region(code)
            .map(|r| r.code.clone())
            .ok_or_else(|| unknown("M49 region", code))
    }
    pub fn group_code(&self, code: &str) -> Result<GroupCode, UnknownCode> {
        self.group(code)
            .map(|g| g.code.clone())
            .ok_or_else(|| unknown("group", code))
    }
    pub fn language_code(&self, code: &str) -> Result<LanguageCode, UnknownCode> {
        self.language(code)
            .map(|l| l.code.clone())
            .ok_or_else(|| unknown("language", code))
    }

    /// A parent theme and its sub-themes, or a sub-theme alone.
    pub fn theme_with_subthemes(&self, code: &ThemeCode) -> Vec<ThemeCode> {
        let mut codes = vec![code.clone()];
        codes.extend(
            self.themes
                .iter()
                .filter(|t| t.parent.as_ref() == Some(code))
                .map(|t| t.code.clone()),
        );
        codes
    }

    pub fn subthemes_of<'a>(&'a self, parent: &'a ThemeCode) -> impl Iterator<Item = &'a Theme> {
        self.themes
            .iter()
            .filter(move |t| t.parent.as_ref() == Some(parent))
    }

    pub fn parent_themes(&self) -> impl Iterator<Item = &Theme> {
        self.themes.iter().filter(|t| t.is_parent())
    }

    /// The groups a country belongs to, in code order.
    pub fn groups_of(&self, iso3: &Iso3) -> &[GroupCode] {
        self.groups_of_country
            .get(iso3)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The countries whose M49 path contains the region.
    pub fn countries_in_region<'a>(
        &'a self,
        region: &'a RegionCode,
    ) -> impl Iterator<Item = &'a Country> {
        self.countries
            .iter()
            .filter(move |c| c.m49_path().any(|r| r == region))
    }

    pub fn members_of<'a>(&'a self, group: &'a GroupCode) -> impl Iterator<Item = &'a Country> {
        self.group(group.as_str())
            .into_iter()
            .flat_map(|g| g.members.iter())
            .filter_map(|iso3| self.country(iso3.as_str()))
    }

    pub fn country_name<'a>(&'a self, iso3: &'a str) -> &'a str {
        self.country(iso3).map_or(iso3, |c| c.name_en.as_str())
    }
    pub fn region_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.region(code).map_or(code, |r| r.name.as_str())
    }
    pub fn group_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.group(code).map_or(code, |g| g.name.as_str())
    }
    pub fn theme_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.theme(code).map_or(code, |t| t.name.as_str())
    }
    pub fn language_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.language(code).map_or(code, |l| l.name.as_str())
    }

    /// The coverage codes that reach at least one of `countries`: the
    /// countries themselves, every region on their M49 paths and every group
    /// with one of them as a member. Catalogue filters look these up.
    pub fn reach_of<'a>(
        &self,
        place: String,
        countries: impl IntoIterator<Item = &'a Country>,
    ) -> ReachCodes {
        let mut reach = ReachCodes {
            place,
            ..ReachCodes::default()
        };
        for country in countries {
            reach.countries.insert(country.iso3.clone());
            reach.regions.extend(country.m49_path().cloned());
            reach
                .groups
                .extend(self.groups_of(&country.iso3).iter().cloned());
        }
        reach
    }

    /// What a filter by `iso3` reaches (nothing, for a code not known).
    pub fn country_reach(&self, iso3: &Iso3) -> Arc<ReachCodes> {
        self.country_reaches.get(iso3).cloned().unwrap_or_default()
    }

    pub fn region_reach(&self, region: &RegionCode) -> Arc<ReachCodes> {
        self.region_reaches.get(region).cloned().unwrap_or_default()
    }

    pub fn group_reach(&self, group: &GroupCode) -> Arc<ReachCodes> {
        self.group_reaches.get(group).cloned().unwrap_or_default()
    }
}

fn unknown(what: &'static str, code: &str) -> UnknownCode {
    UnknownCode {
        what,
        code: code.to_owned(),
    }
}

/// Coverage codes through which an offering reaches a set of countries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachCodes {
    /// The place whose countries these reach ("region 002"): it decides
    /// the rest, so it alone is hashed, and a filter's key stays cheap.
    pub place: String,
    pub countries: BTreeSet<Iso3>,
    pub regions: BTreeSet<RegionCode>,
    pub groups: BTreeSet<GroupCode>,
}

impl Hash for ReachCodes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.place.hash(state);
    }
}

impl ReferenceData {
    /// Countries whose English, French or Spanish name or code contains
    /// `text`, within a region and a group when given; by English name.
    pub fn search_countries(
        &self,
        text: Option<&str>,
        region: Option<&RegionCode>,
        group: Option<&GroupCode>,
    ) -> Vec<&Country> {
        // Accents folded on both sides: "cote" finds Côte d'Ivoire.
        let fold = |text: &str| deunicode::deunicode(text).to_lowercase();
        let text = text.map(fold);
        self.countries
            .iter()
            .filter(|c| {
                text.as_deref().is_none_or(|t| {
                    [
                        c.name_en.as_str(),
                        c.name_fr.as_str(),
                        c.name_es.as_str(),
                        c.iso3.as_str(),
                    ]
                    .iter()
                    .any(|name| fold(name).contains(t))
                })
            })
            .filter(|c| region.is_none_or(|r| c.m49_path().any(|p| p == r)))
            .filter(|c| group.is_none_or(|g| self.groups_of(&c.iso3).contains(g)))
            .collect()
    }
}
