//! The rules a value must meet, each a function from what a person typed
//! (or a file held) to a typed value or a message for people. Shared by
//! every form and the interchange file, so the same bad value gets the same
//! message wherever it comes from.

use std::str::FromStr;

use chrono::NaiveDate;
use validator::{ValidateEmail, ValidateUrl};

use super::codes::RecordKey;
use super::vocab::UnknownCode;

/// A rule's verdict: the value, or what is wrong with it.
pub type Checked<T> = Result<T, String>;

/// Whether text holds a character no field of capmatch stores: NUL, the
/// other C0 controls and DEL. Tab, carriage return and line feed are text.
pub fn has_control_characters(text: &[u8]) -> bool {
    text.iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
}

/// Whether `path` is a path on this site: a redirect or a link to it
/// cannot leave it.
pub fn local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.bytes().any(|b| b.is_ascii_control())
}

const CONTROL: &str =
    "contains a control character (such as a NUL byte), which cannot be saved: remove it";

/// Free text that can be stored as it is: PostgreSQL refuses NUL in text,
/// and no other control character belongs in what people type.
fn storable(text: &str) -> Checked<()> {
    if has_control_characters(text.as_bytes()) {
        Err(CONTROL.to_owned())
    } else {
        Ok(())
    }
}

fn at_most(text: &str, max: usize, message: impl FnOnce() -> String) -> Checked<()> {
    if text.chars().count() > max {
        Err(message())
    } else {
        Ok(())
    }
}

/// Text, trimmed, of at most `max` characters; may be empty.
pub fn text(raw: &str, max: usize) -> Checked<String> {
    let text = raw.trim();
    at_most(text, max, || format!("may be at most {max} characters"))?;
    storable(text)?;
    Ok(text.to_owned())
}

/// Text that must be given, of at most `max` characters.
pub fn required_text(raw: &str, max: usize) -> Checked<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("is required".to_owned());
    }
    at_most(text, max, || format!("may be at most {max} characters"))?;
    storable(text)?;
    Ok(text.to_owned())
}

/// Optional text: absent or blank is `None`.
pub fn optional_text(raw: Option<&str>, max: usize) -> Checked<Option<String>> {
    given(raw).map(|t| text(t, max)).transpose()
}

/// The trimmed value when something was given.
fn given(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|t| !t.is_empty())
}

/// An optional e-mail address.
pub fn email(raw: Option<&str>) -> Checked<Option<String>> {
    let Some(address) = given(raw) else {
        return Ok(None);
    };
    at_most(address, 254, || "may be at most 254 characters".to_owned())?;
    storable(address)?;
    if !address.validate_email() {
        return Err("is not a valid e-mail address".to_owned());
    }
    Ok(Some(address.to_owned()))
}

const NOT_A_WEB_ADDRESS: &str = "is not a valid web address (it should start with https://)";

/// An optional web address people can follow: `http` or `https` only, since
/// `javascript:` and other schemes would turn a link into something else.
pub fn web_address(raw: Option<&str>) -> Checked<Option<String>> {
    let Some(url) = given(raw) else {
        return Ok(None);
    };
    at_most(url, 500, || "may be at most 500 characters".to_owned())?;
    storable(url)?;
    let lower = url.to_ascii_lowercase();
    // A bare domain ("www.coe.int/cybercrime") is what people type: it is
    // taken as https. Anything with a scheme of its own keeps it, and is
    // refused unless it is http or https.
    let url = if !lower.contains(':') && lower.contains('.') && !url.contains(char::is_whitespace) {
        format!("https://{url}")
    } else {
        url.to_owned()
    };
    let lower = url.to_ascii_lowercase();
    if !url.as_str().validate_url()
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
    {
        return Err(NOT_A_WEB_ADDRESS.to_owned());
    }
    Ok(Some(url))
}

/// A code of a closed vocabulary that must be chosen.
pub fn choice<T: FromStr<Err = UnknownCode>>(raw: &str, when_missing: &str) -> Checked<T> {
    let code = raw.trim();
    if code.is_empty() {
        return Err(when_missing.to_owned());
    }
    code.parse().map_err(|e: UnknownCode| e.to_string())
}

/// A code of a closed vocabulary, or nothing.
pub fn optional_choice<T: FromStr<Err = UnknownCode>>(raw: Option<&str>) -> Checked<Option<T>> {
    given(raw)
        .map(|code| code.parse().map_err(|e: UnknownCode| e.to_string()))
        .transpose()
}

/// A code the reference data must know, or nothing.
pub fn optional_code<T>(
    raw: Option<&str>,
    lookup: impl Fn(&str) -> Result<T, UnknownCode>,
) -> Checked<Option<T>> {
    given(raw)
        .map(|code| lookup(code).map_err(|e| e.to_string()))
        .transpose()
}

/// Codes a list may hold, as a set: every unknown one is named, not only
/// the first.
pub fn codes<T: Ord, Set: FromIterator<T>>(
    raw: &[String],
    lookup: impl Fn(&str) -> Result<T, UnknownCode>,
) -> Checked<Set> {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for code in raw.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match lookup(code) {
            Ok(value) => known.push(value),
            Err(e) => unknown.push(e.to_string()),
        }
    }
    if unknown.is_empty() {
        Ok(known.into_iter().collect())
    } else {
        Err(unknown.join("; "))
    }
}

/// Codes of a closed vocabulary.
pub fn choices<T: Ord + FromStr<Err = UnknownCode>, Set: FromIterator<T>>(
    raw: &[String],
) -> Checked<Set> {
    codes(raw, str::parse)
}

/// A checkbox: absent or blank is not ticked; `on` (what browsers send),
/// `true`, `yes` or `1` is. Anything else is a mistake, not a "no".
pub fn flag(raw: &str) -> Checked<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" | "off" => Ok(false),
        "on" | "true" | "yes" | "1" => Ok(true),
        _ => Err("is not a yes or a no".to_owned()),
    }
}

/// How [`flag`] reads a yes or a no.
pub fn flag_text(value: bool) -> String {
    if value { "on" } else { "" }.to_owned()
}

/// A date as forms and files write it, or nothing.
pub fn optional_date(raw: Option<&str>) -> Checked<Option<NaiveDate>> {
    given(raw)
        .map(|text| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| "is not a date (use YYYY-MM-DD)".to_owned())
        })
        .transpose()
}

/// A record key that may be left blank (one is made from the name).
pub fn optional_key(raw: &str) -> Checked<Option<RecordKey>> {
    given(Some(raw))
        .map(|key| RecordKey::parse(key).map_err(|e| e.to_string()))
        .transpose()
}

/// A record key that must be given.
pub fn key(raw: &str, when_missing: &str) -> Checked<RecordKey> {
    optional_key(raw)?.ok_or_else(|| when_missing.to_owned())
}

/// A whole number from 1 to `max`, or nothing.
pub fn optional_count(raw: Option<&str>, max: u32) -> Checked<Option<u32>> {
    given(raw)
        .map(|text| match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(format!("must be a whole number from 1 to {max}")),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::ProviderKind;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn controls_but_tab_and_line_breaks_are_refused() {
        assert!(has_control_characters(b"a\0b"));
        assert!(has_control_characters(b"\x1b[31m"));
        assert!(has_control_characters(b"\x7f"));
        assert!(!has_control_characters(
            "Côte d'Ivoire\tline\r\nbreak".as_bytes()
        ));
        assert_eq!(text("a\0b", 10), Err(CONTROL.to_owned()));
        assert_eq!(
            text(" Line one\nline two ", 100),
            Ok("Line one\nline two".to_owned())
        );
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        assert_eq!(
            required_text(&"é".repeat(200), 200).map(|t| t.len()),
            Ok(400)
        );
        assert_eq!(
            required_text(&"é".repeat(201), 200),
            Err("may be at most 200 characters".to_owned())
        );
        assert!(required_text("   ", 200).is_err());
    }

    #[test]
    fn web_addresses_are_http_or_https() {
        assert_eq!(
            web_address(Some("https://www.coe.int/cybercrime")),
            Ok(Some("https://www.coe.int/cybercrime".to_owned()))
        );
        assert_eq!(web_address(Some(" ")), Ok(None));
        assert_eq!(
            web_address(Some("www.coe.int/cybercrime")),
            Ok(Some("https://www.coe.int/cybercrime".to_owned())),
            "a bare domain is taken as https"
        );
        for bad in [
            "javascript:alert(1)",
            "not a url",
            "ftp://example.org",
            "nodot",
            "a b.org",
        ] {
            assert_eq!(
                web_address(Some(bad)),
                Err(NOT_A_WEB_ADDRESS.to_owned()),
                "{bad}"
            );
        }
    }

    #[test]
    fn lists_name_every_unknown_code() {
        let found: Checked<BTreeSet<ProviderKind>> =
            choices(&["academia".into(), "ngo".into(), "club".into()]);
        assert_eq!(
            found,
            Err("unknown provider kind \"ngo\"; unknown provider kind \"club\"".to_owned())
        );
    }

    proptest! {
        /// Whatever is typed, a rule gives a value or a message; it never panics.
        #[test]
        fn any_text_is_a_value_or_a_message(raw in ".{0,300}") {
            let _ = text(&raw, 200);
            let _ = required_text(&raw, 200);
            let _ = email(Some(&raw));
            let _ = web_address(Some(&raw));
            let _ = optional_date(Some(&raw));
            let _ = optional_key(&raw);
            let _ = optional_count(Some(&raw), 100);
            let _ = choice::<ProviderKind>(&raw, "choose");
        }

        /// A value that passes a text rule is storable and within bounds.
        #[test]
        fn accepted_text_is_storable(raw in ".{0,300}") {
            if let Ok(value) = required_text(&raw, 200) {
                prop_assert!(!value.is_empty() && value.chars().count() <= 200);
                prop_assert!(!has_control_characters(value.as_bytes()));
                prop_assert_eq!(value.trim(), value.as_str());
            }
        }
    }
}
