//! The list pages' query parameters as people type them, and their
//! reading into the domain's [`CatalogueFilter`]. What `country=`,
//! `region=` and `group=` mean is decided here, once, for pages and API alike.

use serde::{Deserialize, Serialize};

use super::error::AppError;

use crate::domain::catalogue::{CatalogueFilter, EligibleCountry, FilterError};
use crate::domain::reference::ReferenceData;
use crate::domain::vocab::UnknownCode;

/// What a list or a report answers as: `format=html` (or none), `csv` or
/// `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Csv,
    Json,
}

impl Format {
    /// `format=` as given; anything else is a bad request that names it.
    pub fn parse(given: Option<&str>) -> Result<Format, AppError> {
        match given.unwrap_or("html") {
            "html" | "" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(AppError::BadRequest(format!(
                "format=: \"{other}\" is not html, csv or json"
            ))),
        }
    }

    /// The `format=` a link carries to keep answering as this; none for HTML.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Format::Html => None,
            Format::Csv => Some("csv"),
            Format::Json => Some("json"),
        }
    }
}

/// The list pages' query parameters, unchecked. Blank means "no filter".
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct CatalogueParams {
    #[serde(default, skip_serializing_if = "blank")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub theme: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub modality: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub sort: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    pub page: Option<String>,
}

fn blank(value: &Option<String>) -> bool {
    given(value).is_none()
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The page number a query string asks for (`page=3`); anything
/// unreadable, or below 1, means the first page.
pub fn page_number(page: Option<&str>) -> i64 {
    page.and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// The query string of a list that takes nothing but its page.
#[derive(Debug, Default, Deserialize)]
pub struct PageOnly {
    #[serde(default)]
    page: Option<String>,
}

impl PageOnly {
    pub fn number(&self) -> i64 {
        page_number(self.page.as_deref())
    }
}

impl CatalogueParams {
    /// The page number asked for; anything unreadable means the first page.
    pub fn page_number(&self) -> i64 {
        page_number(self.page.as_deref())
    }

    /// The text searched for, trimmed and at most 200 characters; `None`
    /// when blank.
    pub fn text(&self) -> Option<String> {
        given(&self.q).map(|q| q.chars().take(200).collect())
    }

    /// Checks every code and works out what the geographic filters reach:
    /// - `theme=` a parent theme includes its sub-themes;
    /// - `country=` offerings that reach the country (named, through any of
    ///   its M49 regions, a group it belongs to, or globally) and whose
    ///   eligibility it meets;
    /// - `region=` and `group=` offerings that reach at least one of the
    ///   region's countries or the group's members.
    pub fn resolve(&self, reference: &ReferenceData) -> Result<CatalogueFilter, FilterError> {
        let check =
            |parameter: &'static str| move |source: UnknownCode| FilterError { parameter, source };
        let mut filter = CatalogueFilter {
            text: self.text(),
            ..CatalogueFilter::default()
        };
        if let Some(code) = given(&self.theme) {
            let theme = reference.theme_code(code).map_err(check("theme"))?;
            filter.themes = Some(reference.theme_with_subthemes(&theme));
        }
        let mut reaches = Vec::new();
        if let Some(code) = given(&self.country) {
            let iso3 = reference
                .iso3(&code.to_ascii_uppercase())
                .map_err(check("country"))?;
            let country = reference.country(iso3.as_str()).expect("code just checked");
            reaches.push(reference.country_reach(&iso3));
            filter.eligible = Some(EligibleCountry {
                groups: reference.groups_of(&iso3).to_vec(),
                income_level: country.income_level,
            });
        }
        if let Some(code) = given(&self.region) {
            let region = reference.region_code(code).map_err(check("region"))?;
            reaches.push(reference.region_reach(&region));
        }
        if let Some(code) = given(&self.group) {
            let group = reference
                .group_code(&code.to_ascii_uppercase())
                .map_err(check("group"))?;
            reaches.push(reference.group_reach(&group));
        }
        filter.reaches = reaches;
        if let Some(kind) = given(&self.kind) {
            filter.provider_kind = Some(kind.parse().map_err(check("kind"))?);
        }
        if let Some(modality) = given(&self.modality) {
            filter.modality = Some(modality.parse().map_err(check("modality"))?);
        }
        if let Some(language) = given(&self.language) {
            filter.language = Some(
                reference
                    .language_code(language)
                    .map_err(check("language"))?,
            );
        }
        if let Some(status) = given(&self.status) {
            filter.status = Some(status.parse().map_err(check("status"))?);
        }
        if let Some(order) = given(&self.sort) {
            filter.order = order.parse().map_err(check("sort"))?;
        }
        Ok(filter)
    }

    /// The links to `path` with the same filters on another page, for
    /// pagination: the filters are written once for all of a list's links.
    pub fn page_links(&self, path: &str) -> impl Fn(i64) -> String + use<> {
        let filters = CatalogueParams {
            page: None,
            ..self.clone()
        }
        .to_query();
        let start = match filters.as_str() {
            "" => format!("{path}?"),
            filters => format!("{path}?{filters}&"),
        };
        move |page| format!("{start}page={page}")
    }

    /// The filters as a query string, blank ones left out.
    pub fn to_query(&self) -> String {
        let trimmed = |v: &Option<String>| given(v).map(str::to_owned);
        let params = CatalogueParams {
            q: trimmed(&self.q),
            theme: trimmed(&self.theme),
            country: trimmed(&self.country),
            region: trimmed(&self.region),
            group: trimmed(&self.group),
            kind: trimmed(&self.kind),
            modality: trimmed(&self.modality),
            language: trimmed(&self.language),
            status: trimmed(&self.status),
            sort: trimmed(&self.sort),
            page: trimmed(&self.page),
        };
        serde_qs::to_string(&params).unwrap_or_default()
    }

    pub fn is_filtered(&self) -> bool {
        [
            &self.q,
            &self.theme,
            &self.country,
            &self.region,
            &self.group,
            &self.kind,
            &self.modality,
            &self.language,
            &self.status,
        ]
        .into_iter()
        .any(|v| given(v).is_some())
    }

    /// The value of one filter, for keeping it selected in the form.
    pub fn value(&self, name: &str) -> &str {
        let value = match name {
            "q" => &self.q,
            "theme" => &self.theme,
            "country" => &self.country,
            "region" => &self.region,
            "group" => &self.group,
            "kind" => &self.kind,
            "modality" => &self.modality,
            "language" => &self.language,
            "status" => &self.status,
            "sort" => &self.sort,
            _ => &None,
        };
        given(value).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::IncomeLevel;
    use crate::reference_data;
    use proptest::prelude::*;

    proptest! {
        /// Pagination links carry the filters through any text a person types.
        #[test]
        fn query_strings_round_trip(q in proptest::option::of(".{0,40}"), theme in proptest::option::of("[a-z.&=%+ ]{1,20}"), page in 1i64..1000) {
            let params = CatalogueParams { q: q.clone(), theme: theme.clone(), ..Default::default() };
            let link = params.page_links("/offerings")(page);
            let query = link.strip_prefix("/offerings?").unwrap();
            let parsed: CatalogueParams = super::super::forms::parser().deserialize_str(query).unwrap();
            let kept = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
            prop_assert_eq!(kept(&parsed.q), kept(&q));
            prop_assert_eq!(kept(&parsed.theme), kept(&theme));
            prop_assert_eq!(parsed.page_number(), page);
        }
    }

    #[test]
    fn parent_theme_includes_its_subthemes() {
        let reference = reference_data::load().unwrap();
        let params = CatalogueParams {
            theme: Some("cybercrime".into()),
            ..Default::default()
        };
        let themes = params.resolve(&reference).unwrap().themes.unwrap();
        assert_eq!(themes.len(), 5);
        assert!(themes.iter().any(|t| t.as_str() == "cybercrime.judiciary"));
    }

    #[test]
    fn country_filter_reaches_through_regions_and_groups() {
        let reference = reference_data::load().unwrap();
        let params = CatalogueParams {
            country: Some("gha".into()),
            ..Default::default()
        };
        let filter = params.resolve(&reference).unwrap();
        let reach = &filter.reaches[0];
        assert!(reach.countries.iter().any(|c| c.as_str() == "GHA"));
        let regions: Vec<_> = reach.regions.iter().map(|r| r.as_str()).collect();
        assert_eq!(regions, ["002", "011", "202"]);
        assert!(reach.groups.iter().any(|g| g.as_str() == "COMMONWEALTH"));
        assert_eq!(
            filter.eligible.unwrap().income_level,
            Some(IncomeLevel::LowerMiddle)
        );
    }

    #[test]
    fn unknown_codes_name_the_parameter() {
        let reference = reference_data::load().unwrap();
        let params = CatalogueParams {
            region: Some("999".into()),
            ..Default::default()
        };
        let err = params.resolve(&reference).unwrap_err();
        assert_eq!(err.to_string(), "region=: unknown M49 region \"999\"");
    }

    #[test]
    fn query_strings_keep_filters_and_escape_them() {
        let params = CatalogueParams {
            q: Some("a&b c".into()),
            theme: Some("cybercrime".into()),
            ..Default::default()
        };
        assert_eq!(
            params.page_links("/offerings")(3),
            "/offerings?q=a%26b+c&theme=cybercrime&page=3"
        );
        assert_eq!(
            CatalogueParams::default().page_links("/providers")(2),
            "/providers?page=2"
        );
        assert_eq!(
            CatalogueParams {
                page: Some("x".into()),
                ..Default::default()
            }
            .page_number(),
            1
        );
    }
}
