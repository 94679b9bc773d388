//! Providers: organisations that offer capacity building.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidateArgs, ValidationError};

use super::codes::{Iso3, RecordKey};
use super::input::{blank_as_none, http_url, known_country, plain_text, record_key};
use super::reference::ReferenceData;
use super::validation::{FieldErrors, invalid};
use super::vocab::ProviderKind;

/// A provider's fields as a person or a file gave them: anything may be wrong.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate)]
#[validate(context = ReferenceData)]
pub struct ProviderInput {
    /// Only read when creating; blank means "derive one from the name".
    #[serde(default)]
    #[validate(custom(function = record_key))]
    pub key: String,
    #[serde(default)]
    #[validate(
        length(
            min = 1,
            max = 200,
            message = "is required and may be at most 200 characters"
        ),
        custom(function = plain_text)
    )]
    pub name: String,
    #[serde(default)]
    #[validate(custom(function = provider_kind))]
    pub kind: String,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[validate(custom(function = known_country, use_context))]
    pub hq_country: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[validate(
        length(max = 500, message = "may be at most 500 characters"),
        url(message = "is not a valid web address (it should start with https://)"),
        custom(function = http_url),
        custom(function = plain_text)
    )]
    pub website: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    #[validate(
        length(max = 254, message = "may be at most 254 characters"),
        email(message = "is not a valid e-mail address"),
        custom(function = plain_text)
    )]
    pub email: Option<String>,
    #[serde(default)]
    #[validate(
        length(max = 5000, message = "may be at most 5000 characters"),
        custom(function = plain_text)
    )]
    pub description: String,
    /// The version an edit form was opened at; not data, and never written.
    #[serde(default, skip_serializing)]
    pub version: Option<String>,
}

fn provider_kind(kind: &str) -> Result<(), ValidationError> {
    if kind.is_empty() {
        return Err(invalid(
            "required",
            "is required: choose the kind of organisation",
        ));
    }
    kind.parse::<ProviderKind>()
        .map(|_| ())
        .map_err(|e| invalid("unknown", e.to_string()))
}

impl ProviderInput {
    /// The form's fields in reading order.
    pub const FIELDS: &'static [&'static str] = &[
        "key",
        "name",
        "kind",
        "hq_country",
        "website",
        "email",
        "description",
    ];

    /// Trims what people type; blank optional fields become absent.
    pub fn normalized(mut self) -> ProviderInput {
        self.key = self.key.trim().to_owned();
        self.name = self.name.trim().to_owned();
        self.kind = self.kind.trim().to_owned();
        self.hq_country = self
            .hq_country
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self.website = self
            .website
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self.email = self
            .email
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self.description = self.description.trim().to_owned();
        self
    }

    /// Validates and turns the input into a provider's data, or says what is
    /// wrong with each field. Call on normalized input.
    pub fn parse(&self, reference: &ReferenceData) -> Result<ProviderData, FieldErrors> {
        self.validate_with_args(reference)
            .map_err(|errors| FieldErrors::from_validation(&errors, Self::FIELDS))?;
        // Validation above guarantees every conversion below succeeds.
        let invariant = |what: &str| -> FieldErrors {
            let mut errors = FieldErrors::new();
            errors.add(what, "is not valid");
            errors
        };
        Ok(ProviderData {
            name: self.name.clone(),
            kind: self.kind.parse().map_err(|_| invariant("kind"))?,
            hq_country: match &self.hq_country {
                Some(code) => Some(reference.iso3(code).map_err(|_| invariant("hq_country"))?),
                None => None,
            },
            website: self.website.clone(),
            email: self.email.clone(),
            description: self.description.clone(),
        })
    }

    /// The requested key, if one was given.
    pub fn requested_key(&self) -> Option<RecordKey> {
        RecordKey::parse(&self.key).ok()
    }

    pub fn from_provider(provider: &Provider) -> ProviderInput {
        let data = &provider.data;
        ProviderInput {
            key: provider.key.to_string(),
            name: data.name.clone(),
            kind: data.kind.code().to_owned(),
            hq_country: data.hq_country.as_ref().map(ToString::to_string),
            website: data.website.clone(),
            email: data.email.clone(),
            description: data.description.clone(),
            version: Some(provider.version.to_string()),
        }
    }
}

/// A provider's editable fields, valid by construction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderData {
    pub name: String,
    pub kind: ProviderKind,
    pub hq_country: Option<Iso3>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub description: String,
}

/// A provider as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub id: i64,
    pub key: RecordKey,
    pub data: ProviderData,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Raised by every write; a form names the version it edits.
    pub version: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_data;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is typed, parsing answers (never panics), and every
        /// problem names a field of the form.
        #[test]
        fn any_input_parses_or_names_form_fields(
            key in ".{0,70}", name in ".{0,210}", kind in "[a-z-]{0,25}", hq in proptest::option::of("[A-Z]{0,4}"),
            website in proptest::option::of(".{0,40}"), email in proptest::option::of(".{0,40}"), description in ".{0,100}",
        ) {
            let reference = reference_data::load().unwrap();
            let input = ProviderInput { key, name, kind, hq_country: hq, website, email, description, version: None }.normalized();
            match input.parse(&reference) {
                Ok(data) => prop_assert!(!data.name.is_empty() && data.name.chars().count() <= 200),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for error in errors.iter() {
                        prop_assert!(ProviderInput::FIELDS.contains(&error.field.as_str()), "{}", error.field);
                    }
                }
            }
        }
    }

    fn input() -> ProviderInput {
        ProviderInput {
            key: String::new(),
            name: "Council of Europe C-PROC".into(),
            kind: "intergovernmental".into(),
            hq_country: Some("ROU".into()),
            website: Some("https://www.coe.int/cybercrime".into()),
            email: Some("cybercrime@coe.int".into()),
            description: "Capacity building on cybercrime".into(),
            version: None,
        }
    }

    #[test]
    fn a_complete_provider_parses() {
        let reference = reference_data::load().unwrap();
        let data = input().normalized().parse(&reference).unwrap();
        assert_eq!(data.kind, ProviderKind::Intergovernmental);
        assert_eq!(data.hq_country.unwrap().as_str(), "ROU");
    }

    #[test]
    fn every_bad_field_is_named_in_form_order() {
        let reference = reference_data::load().unwrap();
        let bad = ProviderInput {
            key: "Bad Key".into(),
            name: " ".into(),
            kind: "ngo".into(),
            hq_country: Some("XXX".into()),
            website: Some("not a url".into()),
            email: Some("nobody".into()),
            description: "x".repeat(5001),
            version: None,
        };
        let errors = bad.normalized().parse(&reference).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ProviderInput::FIELDS);
        assert_eq!(errors.messages("hq_country"), ["unknown country \"XXX\""]);
    }
}
