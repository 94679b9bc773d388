//! Problems found in user input, kept per field in the order a person reads
//! the form, so a page can show a summary and a message at each field.

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
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

    /// The messages for one field; templates call this beside each input.
    pub fn messages(&self, field: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// Collects validator's errors, ordered as `field_order` lists the fields.
    /// Struct-level errors name their field in the `field` parameter.
    pub fn from_validation(errors: &ValidationErrors, field_order: &[&str]) -> FieldErrors {
        let mut collected = FieldErrors::new();
        for (field, kind) in errors.errors() {
            if let ValidationErrorsKind::Field(list) = kind {
                for error in list {
                    let field = match (field.as_ref(), error.params.get("field")) {
                        ("__all__", Some(target)) => target.as_str().unwrap_or("form").to_owned(),
                        (name, _) => name.to_owned(),
                    };
                    collected.add(field, message_of(error));
                }
            }
        }
        let position = |field: &str| {
            field_order
                .iter()
                .position(|f| *f == field)
                .unwrap_or(usize::MAX)
        };
        collected.errors.sort_by_key(|e| position(&e.field));
        collected
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.errors.extend(other.errors);
    }
}

fn message_of(error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    match error.code.as_ref() {
        "email" => "is not a valid e-mail address".to_owned(),
        "url" => "is not a valid web address (it should start with https://)".to_owned(),
        "length" => match (error.params.get("min"), error.params.get("max")) {
            (Some(min), Some(max)) if min == 1 => {
                format!("is required and may be at most {max} characters")
            }
            (_, Some(max)) => format!("may be at most {max} characters"),
            (Some(min), None) => format!("must be at least {min} characters"),
            _ => "has the wrong length".to_owned(),
        },
        code => format!("is not valid ({code})"),
    }
}

/// A validator error with a message for people.
pub fn invalid(code: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}
