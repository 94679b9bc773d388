//! The catalogue's filters as the store runs them: checked codes, and what
//! the geographic ones reach (see `web::params`, which reads them from a
//! query string).

use super::codes::{GroupCode, LanguageCode, ThemeCode};
use super::order::ListOrder;
use super::reference::ReachCodes;
use super::vocab::{IncomeLevel, Modality, OfferingStatus, ProviderKind, UnknownCode};

/// A country an offering must admit: its groups and income level.
#[derive(Debug, Clone, PartialEq)]
pub struct EligibleCountry {
    pub groups: Vec<GroupCode>,
    pub income_level: Option<IncomeLevel>,
}

/// A checked filter over offerings (and over providers through their offerings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogueFilter {
    pub text: Option<String>,
    /// Offerings with any of these themes.
    pub themes: Option<Vec<ThemeCode>>,
    /// Offerings whose coverage is global or names one of the codes, for
    /// each entry: one entry per geographic filter given.
    pub reaches: Vec<ReachCodes>,
    /// Offerings whose eligibility admits this country.
    pub eligible: Option<EligibleCountry>,
    pub provider_kind: Option<ProviderKind>,
    pub modality: Option<Modality>,
    pub language: Option<LanguageCode>,
    pub status: Option<OfferingStatus>,
    /// How the list is ordered; counts ignore it.
    pub order: ListOrder,
}

/// A filter parameter that names nothing we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}=: {source}")]
pub struct FilterError {
    pub parameter: &'static str,
    pub source: UnknownCode,
}

impl CatalogueFilter {
    /// Whether any condition is about offerings (rather than the provider).
    pub fn constrains_offerings(&self) -> bool {
        self.themes.is_some()
            || !self.reaches.is_empty()
            || self.eligible.is_some()
            || self.modality.is_some()
            || self.language.is_some()
            || self.status.is_some()
    }
}
