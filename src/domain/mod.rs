//! The domain: plain types and the rules that make them valid. No I/O.

pub mod assessment;
pub mod catalogue;
pub mod codes;
pub mod input;
pub mod offering;
pub mod provider;
pub mod reference;
pub mod validation;
pub mod vocab;

pub use codes::{GroupCode, Iso3, LanguageCode, RecordKey, RegionCode, ThemeCode};
pub use offering::{Coverage, Eligibility, Offering, OfferingData, OfferingInput, Reach};
pub use provider::{Provider, ProviderData, ProviderInput};
pub use reference::{Country, CountryGroup, Language, ReferenceData, Region, Theme};
pub use validation::{FieldError, FieldErrors};
pub use vocab::{
    AssessmentStatus, IncomeLevel, Modality, NeedStatus, OfferingStatus, Priority, ProviderKind,
    RegionLevel, Stage,
};
