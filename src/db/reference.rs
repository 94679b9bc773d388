//! Reference tables: kept in step with the shipped files, and read back
//! whole at start.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConnection;
use super::models::{
    CountryGroupRow, CountryRow, GroupMemberRow, LanguageRow, RegionRow, ThemeRow,
};
use super::schema::{
    countries, country_group_members, country_groups, languages, reference_meta, regions, themes,
};
use crate::domain::codes::{GroupCode, Iso3, LanguageCode, RegionCode, ThemeCode};
use crate::domain::reference::{Country, CountryGroup, Language, ReferenceData, Region, Theme};

const VERSION_KEY: &str = "reference_version";

/// Writes the shipped reference data into the tables when they hold another
/// version. Rows are updated in place, never deleted, so records that point
/// at a country or theme stay valid. Returns whether anything was written.
pub fn sync(conn: &mut DbConnection, shipped: &ReferenceData, version: &str) -> QueryResult<bool> {
    super::write(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            // Instances starting together take turns; the second sees the new version.
            pg.batch_execute("SELECT pg_advisory_xact_lock(7234002)")?;
        }
        let stored: Option<String> = reference_meta::table
            .find(VERSION_KEY)
            .select(reference_meta::value)
            .first(conn)
            .optional()?;
        if stored.as_deref() == Some(version) {
            return Ok(false);
        }
        for (position, theme) in shipped.themes().iter().enumerate() {
            let row = ThemeRow {
                code: theme.code.to_string(),
                parent_code: theme.parent.as_ref().map(ToString::to_string),
                name: theme.name.clone(),
                description: theme.description.clone(),
                cmm_factors: theme.cmm_factors.join(";"),
                position: i32::try_from(position).unwrap_or(i32::MAX),
            };
            if diesel::update(themes::table.find(&row.code))
                .set(&row)
                .execute(conn)?
                == 0
            {
                diesel::insert_into(themes::table)
                    .values(&row)
                    .execute(conn)?;
            }
        }
        let mut shipped_regions: Vec<&Region> = shipped.regions().iter().collect();
        shipped_regions.sort_by_key(|r| r.level); // parents before children
        for region in shipped_regions {
            let row = RegionRow {
                code: region.code.to_string(),
                name: region.name.clone(),
                level: region.level,
                parent_code: region.parent.as_ref().map(ToString::to_string),
            };
            if diesel::update(regions::table.find(&row.code))
                .set(&row)
                .execute(conn)?
                == 0
            {
                diesel::insert_into(regions::table)
                    .values(&row)
                    .execute(conn)?;
            }
        }
        for country in shipped.countries() {
            let code = |c: &Option<RegionCode>| c.as_ref().map(ToString::to_string);
            let row = CountryRow {
                iso3: country.iso3.to_string(),
                iso2: country.iso2.clone(),
                m49: country.m49.clone(),
                name_en: country.name_en.clone(),
                name_fr: country.name_fr.clone(),
                name_es: country.name_es.clone(),
                independent: country.independent,
                region_code: code(&country.region),
                subregion_code: code(&country.subregion),
                intermediate_code: code(&country.intermediate),
                income_level: country.income_level,
                latitude: country.latitude,
                longitude: country.longitude,
            };
            if diesel::update(countries::table.find(&row.iso3))
                .set(&row)
                .execute(conn)?
                == 0
            {
                diesel::insert_into(countries::table)
                    .values(&row)
                    .execute(conn)?;
            }
        }
        diesel::delete(country_group_members::table).execute(conn)?;
        for group in shipped.groups() {
            let row = CountryGroupRow {
                code: group.code.to_string(),
                name: group.name.clone(),
                kind: group.kind.clone(),
                as_of: group.as_of,
            };
            if diesel::update(country_groups::table.find(&row.code))
                .set(&row)
                .execute(conn)?
                == 0
            {
                diesel::insert_into(country_groups::table)
                    .values(&row)
                    .execute(conn)?;
            }
            for member in &group.members {
                let member = GroupMemberRow {
                    group_code: row.code.clone(),
                    iso3: member.to_string(),
                };
                diesel::insert_into(country_group_members::table)
                    .values(&member)
                    .execute(conn)?;
            }
        }
        for language in shipped.languages() {
            let row = LanguageRow {
                code: language.code.to_string(),
                name: language.name.clone(),
            };
            if diesel::update(languages::table.find(&row.code))
                .set(&row)
                .execute(conn)?
                == 0
            {
                diesel::insert_into(languages::table)
                    .values(&row)
                    .execute(conn)?;
            }
        }
        let updated = diesel::update(reference_meta::table.find(VERSION_KEY))
            .set(reference_meta::value.eq(version))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(reference_meta::table)
                .values((
                    reference_meta::name.eq(VERSION_KEY),
                    reference_meta::value.eq(version),
                ))
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// Reads the reference tables into memory.
pub fn load(conn: &mut DbConnection) -> QueryResult<ReferenceData> {
    let themes = themes::table
        .order(themes::position)
        .select(ThemeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Theme {
            code: ThemeCode::trusted(row.code),
            parent: row.parent_code.map(ThemeCode::trusted),
            name: row.name,
            description: row.description,
            cmm_factors: row
                .cmm_factors
                .split(';')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
        })
        .collect();
    let regions = regions::table
        .select(RegionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Region {
            code: RegionCode::trusted(row.code),
            name: row.name,
            level: row.level,
            parent: row.parent_code.map(RegionCode::trusted),
        })
        .collect();
    let countries = countries::table
        .select(CountryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Country {
            iso3: Iso3::trusted(row.iso3),
            iso2: row.iso2,
            m49: row.m49,
            name_en: row.name_en,
            name_fr: row.name_fr,
            name_es: row.name_es,
            independent: row.independent,
            region: row.region_code.map(RegionCode::trusted),
            subregion: row.subregion_code.map(RegionCode::trusted),
            intermediate: row.intermediate_code.map(RegionCode::trusted),
            income_level: row.income_level,
            latitude: row.latitude,
            longitude: row.longitude,
        })
        .collect();
    let members: Vec<GroupMemberRow> = country_group_members::table
        .select(GroupMemberRow::as_select())
        .load(conn)?;
    let groups = country_groups::table
        .select(CountryGroupRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| CountryGroup {
            members: members
                .iter()
                .filter(|m| m.group_code == row.code)
                .map(|m| Iso3::trusted(&m.iso3))
                .collect(),
            code: GroupCode::trusted(row.code),
            name: row.name,
            kind: row.kind,
            as_of: row.as_of,
        })
        .collect();
    let languages = languages::table
        .select(LanguageRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Language {
            code: LanguageCode::trusted(row.code),
            name: row.name,
        })
        .collect();
    Ok(ReferenceData::new(
        themes, regions, countries, groups, languages,
    ))
}
