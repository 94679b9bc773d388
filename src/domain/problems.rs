//! Problems found in input, each at its field, and the small builder that
//! parses a form or a record into domain data while collecting every one
//! of them, so one post or one record names all its problems at once.

use super::fields::FieldPath;

/// One problem, at one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: FieldPath,
    pub message: String,
}

impl FieldError {
    /// The problem as the summary at the top of a page says it.
    pub fn sentence(&self) -> String {
        sentence(&self.path.label(), &self.message)
    }
}

/// Verbs a message may start with to tell people what to do.
const INSTRUCTIONS: &[&str] = &["choose ", "enter ", "say ", "remove ", "use ", "give "];
/// How a message continues the field's label ("Name" … "is required").
const PREDICATES: &[&str] = &[
    "is ",
    "may ",
    "must ",
    "contains ",
    "has ",
    "cannot ",
    "does ",
];

/// A problem as a sentence people read on a page. Rules word problems as
/// what follows the field's name ("is required", "may be at most 200
/// characters"), which files and the API report after the field's path;
/// a page makes them sentences: "Name is required.", "Choose the kind of
/// organisation." A message that is a sentence already is kept.
pub fn sentence(label: &str, message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let said = if let Some(instruction) = message.strip_prefix("is required: ") {
        capitalised(instruction)
    } else if INSTRUCTIONS.iter().any(|v| message.starts_with(v)) {
        capitalised(message)
    } else if PREDICATES.iter().any(|p| message.starts_with(p)) {
        format!("{label} {message}")
    } else if message.starts_with(char::is_uppercase) {
        message.to_owned()
    } else {
        format!("{label}: {message}")
    };
    format!("{said}.")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Problems in the order a person reads the form (by path, and in the
/// order found within one field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
}

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    pub fn add(&mut self, path: impl Into<FieldPath>, message: impl Into<String>) {
        let path = path.into();
        // Kept sorted as they come: the position after every problem at or
        // before this path keeps the order of problems at one field.
        let at = self.errors.partition_point(|e| e.path <= path);
        self.errors.insert(
            at,
            FieldError {
                path,
                message: message.into(),
            },
        );
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.errors.iter()
    }

    /// The messages at one field.
    pub fn at(&self, path: FieldPath) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.path == path)
            .map(|e| e.message.as_str())
            .collect()
    }

    /// The messages at the field whose HTML id is `id` (`name`, `need-0-theme`).
    pub fn messages(&self, id: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.path.id() == id)
            .map(|e| e.message.as_str())
            .collect()
    }

    pub fn has(&self, path: FieldPath) -> bool {
        self.errors.iter().any(|e| e.path == path)
    }

    pub fn extend(&mut self, other: FieldErrors) {
        for error in other.errors {
            self.add(error.path, error.message);
        }
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Parses a form or a record: each field's value through its rule, every
/// problem kept at its field. A value that does not parse is a problem with
/// a message, never dropped or replaced by a default.
///
/// ```ignore
/// let mut p = Problems::new();
/// let name = p.take(ProviderField::Name, rules::required_text(&input.name, 200));
/// let kind = p.take(ProviderField::Kind, rules::choice(&input.kind, "…"));
/// p.finish(|| Some(ProviderData { name: name?, kind: kind?, … }))
/// ```
#[derive(Debug, Default)]
pub struct Problems {
    errors: FieldErrors,
}

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    /// The value, or `None` with the problem kept at `path`.
    pub fn take<T>(&mut self, path: impl Into<FieldPath>, value: Result<T, String>) -> Option<T> {
        match value {
            Ok(value) => Some(value),
            Err(message) => {
                self.errors.add(path, message);
                None
            }
        }
    }

    /// Keeps a problem found by a rule across fields.
    pub fn add(&mut self, path: impl Into<FieldPath>, message: impl Into<String>) {
        self.errors.add(path, message);
    }

    /// Keeps every problem another parse found.
    pub fn extend(&mut self, errors: FieldErrors) {
        self.errors.extend(errors);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The data `build` makes from the parsed values, or every problem.
    /// `build` runs only when nothing was wrong, so each value it takes
    /// with `?` is there.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        self.errors.into_result()?;
        Ok(build().expect("with no problem found, every value parsed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::{AssessmentField, NeedField, ProviderField};

    #[test]
    fn problems_read_as_sentences_on_a_page() {
        assert_eq!(sentence("Name", "is required"), "Name is required.");
        assert_eq!(
            sentence(
                "Kind of organisation",
                "is required: choose the kind of organisation"
            ),
            "Choose the kind of organisation."
        );
        assert_eq!(
            sentence("Themes", "choose at least one theme"),
            "Choose at least one theme."
        );
        assert_eq!(
            sentence("Countries", "unknown country \"XXX\""),
            "Countries: unknown country \"XXX\"."
        );
        assert_eq!(
            sentence("Their name", "The name may be at most 200 characters."),
            "The name may be at most 200 characters."
        );
        let need = FieldError {
            path: FieldPath::Need(1, NeedField::Theme),
            message: "is required: choose the sub-theme".to_owned(),
        };
        assert_eq!(need.sentence(), "Choose the sub-theme.");
    }

    #[test]
    fn problems_stay_in_reading_order_whatever_order_they_are_found_in() {
        let mut errors = FieldErrors::new();
        errors.add(FieldPath::Need(1, NeedField::Theme), "second need");
        errors.add(
            FieldPath::Need(0, NeedField::WantedBy),
            "first need, later field",
        );
        errors.add(AssessmentField::Contact, "contact");
        errors.add(FieldPath::Need(0, NeedField::Theme), "first need");
        errors.add(FieldPath::Need(0, NeedField::Theme), "first need, again");
        let order: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            order,
            [
                "contact",
                "first need",
                "first need, again",
                "first need, later field",
                "second need"
            ]
        );
        assert_eq!(
            errors.messages("need-0-theme"),
            ["first need", "first need, again"]
        );
    }

    #[test]
    fn finish_builds_only_without_problems() {
        let mut p = Problems::new();
        let name = p.take(ProviderField::Name, Ok::<_, String>("C-PROC".to_owned()));
        assert_eq!(p.finish(|| name), Ok("C-PROC".to_owned()));
        let mut p = Problems::new();
        let kind: Option<u8> = p.take(ProviderField::Kind, Err("unknown".into()));
        let errors = p.finish(|| kind).unwrap_err();
        assert_eq!(
            errors.at(FieldPath::Provider(ProviderField::Kind)),
            ["unknown"]
        );
    }
}
