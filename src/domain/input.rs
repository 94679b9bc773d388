//! Field rules shared by the forms and the import file: each checks one
//! field against its vocabulary or the reference data.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use validator::ValidationError;

use super::codes::RecordKey;
use super::reference::ReferenceData;
use super::validation::invalid;
use super::vocab::{IncomeLevel, Modality, OfferingStatus, UnknownCode};

/// Optional text: absent, null and blank all mean "none".
pub fn blank_as_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(d)?;
    Ok(value.filter(|s| !s.trim().is_empty()))
}

/// A checkbox: present ("on", "true", "1") means ticked, absent means not.
pub fn checkbox<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Tick {
        Bool(bool),
        Text(String),
    }
    Ok(match Tick::deserialize(d)? {
        Tick::Bool(b) => b,
        Tick::Text(s) => matches!(s.as_str(), "on" | "true" | "1" | "yes"),
    })
}

/// A field whose saved value differs from what a form sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub saved: String,
    pub yours: String,
}

/// The fields of a form's two inputs that differ, as text: the fields of
/// `order` first, in that order, then any others. For showing someone what
/// changed when their save met someone else's.
pub fn differences<T: serde::Serialize>(saved: &T, yours: &T, order: &[&str]) -> Vec<Difference> {
    let (Ok(serde_json::Value::Object(saved)), Ok(serde_json::Value::Object(yours))) =
        (serde_json::to_value(saved), serde_json::to_value(yours))
    else {
        return Vec::new();
    };
    let text = |value: Option<&serde_json::Value>| match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        Some(serde_json::Value::Array(items)) if items.is_empty() => "—".to_owned(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    };
    let mut fields: Vec<&str> = order
        .iter()
        .copied()
        .filter(|f| saved.contains_key(*f))
        .collect();
    fields.extend(
        saved
            .keys()
            .map(String::as_str)
            .filter(|k| !order.contains(k)),
    );
    fields
        .into_iter()
        .filter(|f| saved.get(*f) != yours.get(*f))
        .map(|field| Difference {
            field: field.to_owned(),
            saved: text(saved.get(field)),
            yours: text(yours.get(field)),
        })
        .collect()
}

/// Whether text holds a character no field of capmatch stores: NUL, the
/// other C0 controls and DEL. Tab, carriage return and line feed are text.
pub fn has_control_characters(text: &[u8]) -> bool {
    text.iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
}

/// Free text that can be stored as it is: PostgreSQL refuses NUL in text,
/// and no other control character belongs in what people type.
pub fn plain_text(text: &str) -> Result<(), ValidationError> {
    if has_control_characters(text.as_bytes()) {
        Err(invalid(
            "control",
            "contains a control character (such as a NUL byte), which cannot be saved: remove it",
        ))
    } else {
        Ok(())
    }
}

pub fn record_key(key: &str) -> Result<(), ValidationError> {
    if key.is_empty() {
        return Ok(()); // derived from the name when creating
    }
    RecordKey::parse(key)
        .map(|_| ())
        .map_err(|e| invalid("key", e.to_string()))
}

fn each<T>(
    codes: &[String],
    check: impl Fn(&str) -> Result<T, UnknownCode>,
) -> Result<(), ValidationError> {
    let unknown: Vec<String> = codes
        .iter()
        .filter_map(|c| check(c).err())
        .map(|e| e.to_string())
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(invalid("unknown", unknown.join("; ")))
    }
}

pub fn known_country(code: &str, reference: &ReferenceData) -> Result<(), ValidationError> {
    reference
        .iso3(code)
        .map(|_| ())
        .map_err(|e| invalid("unknown", e.to_string()))
}

pub fn known_countries(codes: &[String], reference: &ReferenceData) -> Result<(), ValidationError> {
    each(codes, |c| reference.iso3(c))
}

pub fn known_regions(codes: &[String], reference: &ReferenceData) -> Result<(), ValidationError> {
    each(codes, |c| reference.region_code(c))
}

pub fn known_groups(codes: &[String], reference: &ReferenceData) -> Result<(), ValidationError> {
    each(codes, |c| reference.group_code(c))
}

pub fn known_languages(codes: &[String], reference: &ReferenceData) -> Result<(), ValidationError> {
    each(codes, |c| reference.language_code(c))
}

pub fn known_themes(codes: &[String], reference: &ReferenceData) -> Result<(), ValidationError> {
    if codes.is_empty() {
        return Err(invalid("required", "choose at least one theme"));
    }
    each(codes, |c| reference.theme_code(c))
}

pub fn known_modalities(codes: &[String]) -> Result<(), ValidationError> {
    each(codes, str::parse::<Modality>)
}

pub fn known_income_levels(codes: &[String]) -> Result<(), ValidationError> {
    each(codes, str::parse::<IncomeLevel>)
}

pub fn offering_status(status: &str) -> Result<(), ValidationError> {
    if status.is_empty() {
        return Err(invalid("required", "is required"));
    }
    status
        .parse::<OfferingStatus>()
        .map(|_| ())
        .map_err(|e| invalid("unknown", e.to_string()))
}

pub fn date(text: &str) -> Result<(), ValidationError> {
    parse_date(text)
        .map(|_| ())
        .ok_or_else(|| invalid("date", "is not a date (use YYYY-MM-DD)"))
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Only web addresses people can follow: `javascript:` and other schemes
/// would turn a link on the profile page into something else.
pub fn http_url(url: &str) -> Result<(), ValidationError> {
    let lower = url.to_ascii_lowercase();
    // An address that does not parse at all is the `url` rule's to report.
    if !validator::ValidateUrl::validate_url(&url)
        || lower.starts_with("https://")
        || lower.starts_with("http://")
    {
        Ok(())
    } else {
        Err(invalid(
            "url",
            "is not a valid web address (it should start with https://)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_but_tab_and_line_breaks_are_refused() {
        assert!(has_control_characters(b"a\0b"));
        assert!(has_control_characters(b"\x1b[31m"));
        assert!(has_control_characters(b"\x7f"));
        assert!(!has_control_characters(
            "Côte d'Ivoire\tline\r\nbreak".as_bytes()
        ));
        assert!(plain_text("a\0b").is_err());
        assert!(plain_text("Line one\nline two").is_ok());
    }
}
