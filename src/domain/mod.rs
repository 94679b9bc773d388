//! The domain: plain types and the rules that make them valid. No I/O.

pub mod access;
pub mod assessment;
pub mod audit;
pub mod catalogue;
pub mod code_set;
pub mod codes;
pub mod feedback;
pub mod fields;
pub mod lifecycle;
pub mod offering;
pub mod order;
pub mod password;
pub mod problems;
pub mod provider;
pub mod reference;
pub mod rules;
pub mod secret;
pub mod throttle;
pub mod vocab;
pub mod words;

pub use code_set::CodeSet;
pub use codes::{GroupCode, Iso3, LanguageCode, RecordKey, RegionCode, ThemeCode};
pub use fields::FieldPath;
pub use offering::{Coverage, Eligibility, Offering, OfferingData, OfferingInput, Reach};
pub use problems::{FieldError, FieldErrors};
pub use provider::{Provider, ProviderData, ProviderInput};
pub use reference::{Country, CountryGroup, Language, ReferenceData, Region, Theme};
pub use vocab::{
    AssessmentStatus, IncomeLevel, Modality, NeedStatus, OfferingStatus, Priority, ProviderKind,
    RegionLevel, Stage, Visibility,
};
