//! The closed vocabularies of the domain: each is an enum whose wire form
//! (forms, JSON, database) is the kebab-case code and whose label is for people.

use std::fmt;
use std::str::FromStr;

/// Declares a closed vocabulary: the enum, its codes, labels and parsing.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// What the vocabulary is called, for error messages.
            pub const WHAT: &'static str = $what;
        }

        impl FromStr for $name {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { what: $what, code: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A code that is not in its vocabulary or reference list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{code}\"")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

vocabulary! {
    /// What sort of organisation a provider is.
    ProviderKind, "provider kind" {
        Government => ("government", "Government"),
        Intergovernmental => ("intergovernmental", "Intergovernmental organisation"),
        Academia => ("academia", "Academia"),
        PrivateSector => ("private-sector", "Private sector"),
        CivilSociety => ("civil-society", "Civil society"),
        TechnicalCommunity => ("technical-community", "Technical community"),
    }
}

vocabulary! {
    /// How an offering is delivered.
    Modality, "modality" {
        Training => ("training", "Training"),
        TechnicalAssistance => ("technical-assistance", "Technical assistance"),
        Advisory => ("advisory", "Advisory"),
        Assessment => ("assessment", "Assessment"),
        Funding => ("funding", "Funding"),
        Equipment => ("equipment", "Equipment"),
        Exchange => ("exchange", "Exchange"),
        Exercise => ("exercise", "Exercise"),
        Research => ("research", "Research"),
    }
}

vocabulary! {
    /// The World Bank income classification of a country.
    IncomeLevel, "income level" {
        Low => ("low", "low income"),
        LowerMiddle => ("lower-middle", "lower-middle income"),
        UpperMiddle => ("upper-middle", "upper-middle income"),
        High => ("high", "high income"),
    }
}

impl IncomeLevel {
    /// Reads the World Bank's wording used in countries.csv ("Lower middle").
    pub fn from_world_bank(label: &str) -> Option<IncomeLevel> {
        match label.trim() {
            "Low" => Some(IncomeLevel::Low),
            "Lower middle" => Some(IncomeLevel::LowerMiddle),
            "Upper middle" => Some(IncomeLevel::UpperMiddle),
            "High" => Some(IncomeLevel::High),
            _ => None,
        }
    }
}

vocabulary! {
    /// Where an offering is in its life. Only `active` offerings are matched.
    OfferingStatus, "offering status" {
        Draft => ("draft", "Draft"),
        Active => ("active", "Active"),
        Paused => ("paused", "Paused"),
        Ended => ("ended", "Ended"),
    }
}

vocabulary! {
    /// The level of an M49 region in the UN hierarchy.
    RegionLevel, "region level" {
        Region => ("region", "region"),
        Subregion => ("subregion", "sub-region"),
        Intermediate => ("intermediate", "intermediate region"),
    }
}

vocabulary! {
    /// How urgently a country needs something.
    Priority, "priority" {
        High => ("high", "High"),
        Medium => ("medium", "Medium"),
        Low => ("low", "Low"),
    }
}

vocabulary! {
    /// Where a needs assessment is: drafts are the focal point's own;
    /// submitted ones are matched; withdrawn ones are kept but no longer open.
    AssessmentStatus, "assessment status" {
        Draft => ("draft", "Draft"),
        Submitted => ("submitted", "Submitted"),
        Withdrawn => ("withdrawn", "Withdrawn"),
    }
}

vocabulary! {
    /// Where one need is.
    NeedStatus, "need status" {
        Open => ("open", "Open"),
        InProgress => ("in-progress", "In progress"),
        Met => ("met", "Met"),
        Withdrawn => ("withdrawn", "Withdrawn"),
    }
}

vocabulary! {
    /// The five maturity stages of the Oxford CMM.
    Stage, "maturity stage" {
        StartUp => ("1", "Start-up"),
        Formative => ("2", "Formative"),
        Established => ("3", "Established"),
        Strategic => ("4", "Strategic"),
        Dynamic => ("5", "Dynamic"),
    }
}

impl Stage {
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    pub fn from_number(n: i64) -> Option<Stage> {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Stage::ALL.get(i).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_parsing() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.code().parse::<ProviderKind>(), Ok(*kind));
        }
        for modality in Modality::ALL {
            assert_eq!(modality.code().parse::<Modality>(), Ok(*modality));
        }
        for status in OfferingStatus::ALL {
            assert_eq!(status.code().parse::<OfferingStatus>(), Ok(*status));
        }
    }

    #[test]
    fn stages_are_numbered_one_to_five() {
        assert_eq!(Stage::from_number(1), Some(Stage::StartUp));
        assert_eq!(Stage::from_number(5).map(Stage::number), Some(5));
        assert_eq!(Stage::from_number(0), None);
        assert_eq!(Stage::from_number(6), None);
        assert!(Stage::Formative < Stage::Strategic);
    }

    #[test]
    fn unknown_code_names_the_vocabulary() {
        let err = "ngo".parse::<ProviderKind>().unwrap_err();
        assert_eq!(err.to_string(), "unknown provider kind \"ngo\"");
    }

    #[test]
    fn world_bank_labels_map_to_income_levels() {
        assert_eq!(
            IncomeLevel::from_world_bank("Lower middle"),
            Some(IncomeLevel::LowerMiddle)
        );
        assert_eq!(IncomeLevel::from_world_bank(""), None);
    }
}
