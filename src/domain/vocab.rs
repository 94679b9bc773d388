//! The closed vocabularies of the domain: each is an enum whose wire form
//! (forms, JSON, database) is the kebab-case code and whose label is for
//! people. Like crates.io's `pg_enum!`, the storage mapping is declared with
//! the enum, so no query can read or write a code the enum does not know.

/// Declares a closed vocabulary: the enum, its codes, labels and parsing,
/// and how the database stores it: the code as text, or with `numbered`
/// the variant's position from 1 as an integer. Reading goes through
/// diesel's `FromSql`, so a stored value the code does not know is an
/// error rather than a default.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        vocabulary!(@define Text, $(#[$meta])* $name, $what { $($variant => ($code, $label)),+ });

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok(code.parse::<$name>()?)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.code(), out)
            }
        }
    };
    ($(#[$meta:meta])* $name:ident, $what:literal, numbered { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        vocabulary!(@define Integer, $(#[$meta])* $name, $what { $($variant => ($code, $label)),+ });

        impl $name {
            /// The variant's position from 1, as stored.
            const NUMBERS: &'static [i32] = &[$($name::$variant as i32 + 1),+];

            pub fn number(self) -> u8 {
                self as u8 + 1
            }

            pub fn from_number(n: i64) -> Option<$name> {
                usize::try_from(n)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| $name::ALL.get(i).copied())
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Integer, DB> for $name
        where
            DB: diesel::backend::Backend,
            i32: diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let n = <i32 as diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>>::from_sql(bytes)?;
                Ok($name::from_number(n.into())
                    .ok_or_else(|| $crate::domain::vocab::UnknownCode { what: $what, code: n.to_string() })?)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Integer, DB> for $name
        where
            DB: diesel::backend::Backend,
            i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <i32 as diesel::serialize::ToSql<diesel::sql_types::Integer, DB>>::to_sql(&$name::NUMBERS[*self as usize], out)
            }
        }
    };
    (@define $sql_type:ident, $(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => ($code:literal, $label:literal)),+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::$sql_type)]
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

        impl $crate::domain::vocab::Vocabulary for $name {
            fn all() -> &'static [$name] {
                $name::ALL
            }
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::vocab::UnknownCode;
            fn from_str(s: &str) -> Result<Self, $crate::domain::vocab::UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::domain::vocab::UnknownCode { what: $what, code: s.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.code()
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

pub(crate) use vocabulary;

/// What every closed vocabulary offers, for code that lists any of them
/// (a form's choices).
pub trait Vocabulary: Copy + 'static {
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;

    /// The entry `code` names.
    fn from_code(code: &str) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.code() == code)
    }
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
    Stage, "maturity stage", numbered {
        StartUp => ("1", "Start-up"),
        Formative => ("2", "Formative"),
        Established => ("3", "Established"),
        Strategic => ("4", "Strategic"),
        Dynamic => ("5", "Dynamic"),
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

vocabulary! {
    /// Who may read a needs assessment: chosen by the country's focal point.
    Visibility, "visibility" {
        Public => ("public", "Anyone"),
        Registered => ("registered", "Anyone signed in: providers' editors and the secretariat"),
        Restricted => ("restricted", "Only the country's focal points and the secretariat"),
    }
}
