//! Providers: organisations that offer capacity building.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::codes::{Iso3, Keyed, RecordKey};
use super::fields::ProviderField as F;
use super::problems::{FieldErrors, Problems};
use super::reference::ReferenceData;
use super::rules;
use super::vocab::ProviderKind;

/// A provider's fields as a person or a file gave them: anything may be
/// wrong. The names are the form's ([`F`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProviderInput {
    /// Only read when creating; blank means "derive one from the name".
    pub key: String,
    pub name: String,
    pub kind: String,
    pub hq_country: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub description: String,
    /// The version an edit form was opened at; not data, and never written.
    #[serde(skip_serializing)]
    pub version: Option<String>,
}

impl ProviderInput {
    /// The key asked for and the provider's data, or every problem at its field.
    pub fn parse(&self, reference: &ReferenceData) -> Result<Keyed<ProviderData>, FieldErrors> {
        let mut p = Problems::new();
        let key = p.take(F::Key, rules::optional_key(&self.key));
        let name = p.take(F::Name, rules::required_text(&self.name, 200));
        let kind = p.take(
            F::Kind,
            rules::choice::<ProviderKind>(
                &self.kind,
                "is required: choose the kind of organisation",
            ),
        );
        let hq_country = p.take(
            F::HqCountry,
            rules::optional_code(self.hq_country.as_deref(), |c| reference.iso3(c)),
        );
        let website = p.take(F::Website, rules::web_address(self.website.as_deref()));
        let email = p.take(F::Email, rules::email(self.email.as_deref()));
        let description = p.take(F::Description, rules::text(&self.description, 5000));
        p.finish(|| {
            Some(Keyed {
                key: key?,
                data: ProviderData {
                    name: name?,
                    kind: kind?,
                    hq_country: hq_country?,
                    website: website?,
                    email: email?,
                    description: description?,
                },
            })
        })
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
    use crate::domain::fields::FieldPath;
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
            let input = ProviderInput { key, name, kind, hq_country: hq, website, email, description, version: None };
            match input.parse(&reference) {
                Ok(parsed) => prop_assert!(!parsed.data.name.is_empty() && parsed.data.name.chars().count() <= 200),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for error in errors.iter() {
                        prop_assert!(matches!(error.path, FieldPath::Provider(_)), "{:?}", error.path);
                    }
                }
            }
        }
    }

    proptest! {
        /// Whichever fields are wrong, each is named and no other.
        #[test]
        fn each_wrong_field_is_named_and_no_other(wrong in proptest::array::uniform6(any::<bool>())) {
            let reference = reference_data::load().unwrap();
            let mut input = input();
            let mut expected = std::collections::BTreeSet::new();
            let mut spoil = |at: usize, field: F, spoil: &mut dyn FnMut(&mut ProviderInput)| {
                if wrong[at] {
                    spoil(&mut input);
                    expected.insert(FieldPath::from(field));
                }
            };
            spoil(0, F::Key, &mut |i| i.key = "Not A Key".into());
            spoil(1, F::Name, &mut |i| i.name = " ".into());
            spoil(2, F::Kind, &mut |i| i.kind = "ngo".into());
            spoil(3, F::HqCountry, &mut |i| i.hq_country = Some("XXX".into()));
            spoil(4, F::Website, &mut |i| i.website = Some("javascript:alert(1)".into()));
            spoil(5, F::Email, &mut |i| i.email = Some("nobody".into()));
            let named: std::collections::BTreeSet<FieldPath> = match input.parse(&reference) {
                Ok(_) => Default::default(),
                Err(errors) => errors.iter().map(|e| e.path).collect(),
            };
            prop_assert_eq!(named, expected);
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
        let data = input().parse(&reference).unwrap().data;
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
        let errors = bad.parse(&reference).unwrap_err();
        let fields: Vec<FieldPath> = errors.iter().map(|e| e.path).collect();
        let every: Vec<FieldPath> = F::ALL.iter().map(|&f| f.into()).collect();
        assert_eq!(fields, every);
        assert_eq!(errors.messages("hq_country"), ["unknown country \"XXX\""]);
    }
}
