//! The reference data shipped inside the binary (see data/README.md for the
//! sources and as-of dates), parsed into domain types.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::codes::{GroupCode, Iso3, LanguageCode, RegionCode, ThemeCode};
use crate::domain::reference::{Country, CountryGroup, Language, ReferenceData, Region, Theme};
use crate::domain::vocab::{IncomeLevel, RegionLevel};

const THEMES: &str = include_str!("../data/themes.csv");
const COUNTRIES: &str = include_str!("../data/countries.csv");
const GROUPS: &str = include_str!("../data/groups.csv");
const GROUP_MEMBERS: &str = include_str!("../data/group_members.csv");
const LANGUAGES: &str = include_str!("../data/languages.csv");
/// The organisations behind the demo data.
pub const ACTORS: &str = include_str!("../data/actors.csv");

/// A fingerprint of the shipped files: the database reloads its reference
/// tables when this differs from the one it stored.
pub fn version() -> String {
    // FNV-1a: stable across Rust releases, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [THEMES, COUNTRIES, GROUPS, GROUP_MEMBERS, LANGUAGES]
        .concat()
        .bytes()
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn read<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("data/{name}, record {}", i + 1)))
        .collect()
}

fn non_empty(s: String) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[derive(Deserialize)]
struct ThemeRow {
    code: String,
    parent: String,
    name: String,
    description: String,
    cmm_factors: String,
}

#[derive(Deserialize)]
struct CountryRow {
    iso3: String,
    iso2: String,
    m49: String,
    name_en: String,
    name_fr: String,
    name_es: String,
    independent: String,
    region_code: String,
    region_name: String,
    subregion_code: String,
    subregion_name: String,
    intermediate_code: String,
    intermediate_name: String,
    wb_income: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
struct GroupRow {
    code: String,
    name: String,
    kind: String,
    as_of: NaiveDate,
}

#[derive(Deserialize)]
struct GroupMemberRow {
    group_code: String,
    iso3: String,
}

#[derive(Deserialize)]
struct LanguageRow {
    code: String,
    name_en: String,
}

/// Parses the shipped files. They are part of the build, so a failure here is
/// a packaging bug, reported with the file and record.
pub fn load() -> Result<ReferenceData> {
    let themes = read::<ThemeRow>("themes.csv", THEMES)?
        .into_iter()
        .map(|row| Theme {
            code: ThemeCode::trusted(row.code),
            parent: non_empty(row.parent).map(ThemeCode::trusted),
            name: row.name,
            description: row.description,
            cmm_factors: row
                .cmm_factors
                .split(';')
                .filter_map(|f| non_empty(f.to_owned()))
                .collect(),
        })
        .collect();

    let mut regions: BTreeMap<String, Region> = BTreeMap::new();
    let mut countries = Vec::new();
    for row in read::<CountryRow>("countries.csv", COUNTRIES)? {
        let levels = [
            (
                RegionLevel::Region,
                &row.region_code,
                &row.region_name,
                None,
            ),
            (
                RegionLevel::Subregion,
                &row.subregion_code,
                &row.subregion_name,
                Some(&row.region_code),
            ),
            (
                RegionLevel::Intermediate,
                &row.intermediate_code,
                &row.intermediate_name,
                Some(&row.subregion_code),
            ),
        ];
        for (level, code, name, parent) in levels {
            if !code.is_empty() {
                regions.entry(code.clone()).or_insert_with(|| Region {
                    code: RegionCode::trusted(code.clone()),
                    name: name.clone(),
                    level,
                    parent: parent
                        .filter(|p| !p.is_empty())
                        .cloned()
                        .map(RegionCode::trusted),
                });
            }
        }
        countries.push(Country {
            iso3: Iso3::trusted(row.iso3),
            iso2: row.iso2,
            m49: row.m49,
            name_en: row.name_en,
            name_fr: row.name_fr,
            name_es: row.name_es,
            independent: row.independent == "Y",
            region: non_empty(row.region_code).map(RegionCode::trusted),
            subregion: non_empty(row.subregion_code).map(RegionCode::trusted),
            intermediate: non_empty(row.intermediate_code).map(RegionCode::trusted),
            income_level: IncomeLevel::from_world_bank(&row.wb_income),
            latitude: row.latitude,
            longitude: row.longitude,
        });
    }

    let mut members: BTreeMap<String, BTreeSet<Iso3>> = BTreeMap::new();
    for row in read::<GroupMemberRow>("group_members.csv", GROUP_MEMBERS)? {
        members
            .entry(row.group_code)
            .or_default()
            .insert(Iso3::trusted(row.iso3));
    }
    let groups = read::<GroupRow>("groups.csv", GROUPS)?
        .into_iter()
        .map(|row| CountryGroup {
            members: members.remove(&row.code).unwrap_or_default(),
            code: GroupCode::trusted(row.code),
            name: row.name,
            kind: row.kind,
            as_of: row.as_of,
        })
        .collect();
    anyhow::ensure!(
        members.is_empty(),
        "group_members.csv names unknown groups: {:?}",
        members.keys()
    );

    let languages = read::<LanguageRow>("languages.csv", LANGUAGES)?
        .into_iter()
        .map(|row| Language {
            code: LanguageCode::trusted(row.code),
            name: row.name_en,
        })
        .collect();

    Ok(ReferenceData::new(
        themes,
        regions.into_values().collect(),
        countries,
        groups,
        languages,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_reference_data_is_complete_and_consistent() {
        let reference = load().unwrap();
        assert_eq!(
            reference.themes().iter().filter(|t| t.is_parent()).count(),
            7
        );
        assert!(reference.themes().len() > 30);
        for theme in reference.themes() {
            if let Some(parent) = &theme.parent {
                assert!(
                    reference.theme(parent.as_str()).is_some(),
                    "{} has unknown parent",
                    theme.code
                );
            }
        }
        assert_eq!(reference.countries().len(), 249);
        let ghana = reference.country("GHA").unwrap();
        let path: Vec<_> = ghana.m49_path().map(RegionCode::as_str).collect();
        assert_eq!(path, ["002", "202", "011"]);
        assert_eq!(ghana.income_level, Some(IncomeLevel::LowerMiddle));
        let ghana_groups: Vec<_> = reference
            .groups_of(&ghana.iso3)
            .iter()
            .map(GroupCode::as_str)
            .collect();
        assert!(ghana_groups.contains(&"AU") && ghana_groups.contains(&"COMMONWEALTH"));
        for group in reference.groups() {
            for member in &group.members {
                assert!(
                    reference.country(member.as_str()).is_some(),
                    "{} lists {member}",
                    group.code
                );
            }
        }
        assert_eq!(reference.language("fr").unwrap().name, "French");
        assert_eq!(
            reference
                .region("202")
                .unwrap()
                .parent
                .as_ref()
                .unwrap()
                .as_str(),
            "002"
        );
    }

    #[test]
    fn version_is_stable_for_the_same_files() {
        assert_eq!(version(), version());
        assert_eq!(version().len(), 16);
    }
}
