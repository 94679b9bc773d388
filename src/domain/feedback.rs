//! A problem someone reports with the site: what went wrong, where, and
//! where to answer them. Anyone may report one, signed in or not.

use serde::Deserialize;

use super::access::EmailAddress;
use super::fields::FeedbackField;
use super::problems::FieldErrors;
use super::rules;

/// The longest report: a few paragraphs.
pub const MAX_PROBLEM: usize = 4000;
/// The longest page address kept.
const MAX_PAGE: usize = 500;

/// The form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProblemInput {
    pub page: String,
    pub problem: String,
    pub reply_to: String,
}

/// A report, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemReport {
    /// A path on the site, such as `/offerings/cert-basics`.
    pub page: Option<String>,
    pub problem: String,
    pub reply_to: Option<EmailAddress>,
}

/// Whether `page` can be a path on this site, as a person would copy it
/// from the address bar: a link to it cannot leave it.
fn on_this_site(page: &str) -> bool {
    rules::local_path(page) && !page.contains('\\') && !page.chars().any(char::is_whitespace)
}

impl ProblemInput {
    /// The report, or every problem with the form.
    pub fn parse(&self) -> Result<ProblemReport, FieldErrors> {
        let mut errors = FieldErrors::new();
        let page = match self.page.trim() {
            "" => None,
            page if page.chars().count() > MAX_PAGE => {
                errors.add(
                    FeedbackField::Page,
                    format!("may be at most {MAX_PAGE} characters"),
                );
                None
            }
            page if !on_this_site(page) => {
                errors.add(
                    FeedbackField::Page,
                    "must be an address on this site, starting with /, such as /offerings",
                );
                None
            }
            page => Some(page.to_owned()),
        };
        let problem = rules::required_text(&self.problem, MAX_PROBLEM)
            .map_err(|m| errors.add(FeedbackField::Problem, m))
            .ok();
        let reply_to = match self.reply_to.trim() {
            "" => None,
            address => EmailAddress::parse(address)
                .map_err(|m| errors.add(FeedbackField::ReplyTo, m))
                .ok(),
        };
        match problem {
            Some(problem) if errors.is_empty() => Ok(ProblemReport {
                page,
                problem,
                reply_to,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldPath;

    fn input(page: &str, problem: &str, reply_to: &str) -> ProblemInput {
        ProblemInput {
            page: page.into(),
            problem: problem.into(),
            reply_to: reply_to.into(),
        }
    }

    #[test]
    fn a_report_needs_what_went_wrong_and_nothing_else() {
        let report = input(" ", "The map is blank", "").parse().unwrap();
        assert_eq!(report.page, None);
        assert_eq!(report.reply_to, None);
        let report = input("/offerings?q=cert", " Slow ", "Ama@Example.org")
            .parse()
            .unwrap();
        assert_eq!(report.page.as_deref(), Some("/offerings?q=cert"));
        assert_eq!(report.problem, "Slow");
        assert_eq!(report.reply_to.unwrap().as_str(), "ama@example.org");
    }

    #[test]
    fn every_problem_is_named_at_its_field() {
        let errors = input("https://evil.example/", "", "not an address")
            .parse()
            .unwrap_err();
        for field in [
            FeedbackField::Page,
            FeedbackField::Problem,
            FeedbackField::ReplyTo,
        ] {
            assert_eq!(errors.at(FieldPath::Feedback(field)).len(), 1, "{field:?}");
        }
        for page in ["//evil.example", "/a b", "/\\evil", "javascript:alert(1)"] {
            assert!(input(page, "x", "").parse().is_err(), "{page}");
        }
    }
}
