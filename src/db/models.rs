//! Rows as the tables hold them, and their conversion to domain types.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    countries, country_group_members, country_groups, languages, offering_facets, offerings,
    providers, regions, themes,
};
use crate::domain::Visibility;
use crate::domain::vocab::{
    AssessmentStatus, IncomeLevel, NeedStatus, OfferingStatus, Priority, ProviderKind, RegionLevel,
    Stage, vocabulary,
};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = themes, treat_none_as_null = true)]
pub struct ThemeRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub description: String,
    pub cmm_factors: String,
    pub position: i32,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = regions, treat_none_as_null = true)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = countries, treat_none_as_null = true)]
pub struct CountryRow {
    pub iso3: String,
    pub iso2: String,
    pub m49: String,
    pub name_en: String,
    pub name_fr: String,
    pub name_es: String,
    pub independent: bool,
    pub region_code: Option<String>,
    pub subregion_code: Option<String>,
    pub intermediate_code: Option<String>,
    pub income_level: Option<IncomeLevel>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = country_groups, treat_none_as_null = true)]
pub struct CountryGroupRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub as_of: NaiveDate,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = country_group_members)]
pub struct GroupMemberRow {
    pub group_code: String,
    pub iso3: String,
}

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = languages, treat_none_as_null = true)]
pub struct LanguageRow {
    pub code: String,
    pub name: String,
}

/// A provider's row: its key and the columns its form or import writes,
/// with what the store keeps itself.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = providers)]
pub struct ProviderRow {
    pub id: i64,
    pub key: String,
    #[diesel(embed)]
    pub columns: ProviderColumns,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

/// The columns a provider's form or import writes.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = providers, treat_none_as_null = true)]
pub struct ProviderColumns {
    pub name: String,
    pub kind: ProviderKind,
    pub hq_country: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub description: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = providers)]
pub struct NewProviderRow<'a> {
    pub key: &'a str,
    #[diesel(embed)]
    pub columns: ProviderColumns,
    pub archived: bool,
    pub created_at: NaiveDateTime,
}

/// An offering's row: its key and the columns its form or import writes,
/// with what the store keeps itself.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offerings)]
pub struct OfferingRow {
    pub id: i64,
    pub key: String,
    #[diesel(embed)]
    pub columns: OfferingColumns,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

/// The columns an offering's form or import writes.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = offerings, treat_none_as_null = true)]
pub struct OfferingColumns {
    pub provider_id: i64,
    pub title: String,
    pub description: String,
    pub coverage_global: bool,
    pub capacity: Option<i32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: OfferingStatus,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = offerings)]
pub struct NewOfferingRow<'a> {
    pub key: &'a str,
    #[diesel(embed)]
    pub columns: OfferingColumns,
    pub archived: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offering_facets)]
pub struct FacetRow {
    pub offering_id: i64,
    pub facet: OfferingFacet,
    pub code: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::assessments)]
pub struct AssessmentRow {
    pub id: i64,
    pub key: String,
    pub country: String,
    pub latest_revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub visibility: Visibility,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = super::schema::assessments)]
pub struct NewAssessmentRow<'a> {
    pub key: &'a str,
    pub country: &'a str,
    pub latest_revision: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::assessment_revisions)]
pub struct RevisionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub assessment_id: i64,
    pub revision: i32,
    pub status: AssessmentStatus,
    pub submitted_by: String,
    pub contact: Option<String>,
    pub note: String,
    pub withdrawn_reason: Option<String>,
    pub change_summary: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::needs)]
pub struct NeedRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub revision_id: i64,
    pub position: i32,
    pub key: String,
    pub theme: Option<String>,
    pub priority: Option<Priority>,
    pub current_stage: Option<Stage>,
    pub target_stage: Option<Stage>,
    pub description: String,
    pub wanted_by: Option<NaiveDate>,
    pub status: NeedStatus,
    pub withdrawn_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::need_facets)]
pub struct NeedFacetRow {
    pub need_id: i64,
    pub facet: NeedFacet,
    pub code: String,
}

vocabulary! {
    /// Which of an offering's lists a row of `offering_facets` belongs to.
    OfferingFacet, "offering facet" {
        Theme => ("theme", "theme"),
        CoverageCountry => ("coverage-country", "country covered"),
        CoverageRegion => ("coverage-region", "region covered"),
        CoverageGroup => ("coverage-group", "group covered"),
        EligibleGroup => ("eligible-group", "eligible group"),
        EligibleIncome => ("eligible-income", "eligible income level"),
        Modality => ("modality", "modality"),
        Language => ("language", "language"),
    }
}

vocabulary! {
    /// Which of a need's lists a row of `need_facets` belongs to.
    NeedFacet, "need facet" {
        Modality => ("modality", "modality"),
        Language => ("language", "language"),
    }
}

/// Reads a vocabulary code held in a facet's `code` column, whose type
/// depends on the facet, so the column itself cannot be typed.
pub fn stored_code<T>(code: &str) -> Result<T, super::StoreError>
where
    T: std::str::FromStr<Err = crate::domain::vocab::UnknownCode>,
{
    code.parse()
        .map_err(|e: crate::domain::vocab::UnknownCode| super::StoreError::Corrupt(e.to_string()))
}
