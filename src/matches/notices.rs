//! What a match's notices say: the wording of each change, for the people
//! it concerns, in the application and by mail.

use crate::db::notifications::Notice;
use crate::domain::ReferenceData;
use crate::domain::access::Person;
use crate::domain::lifecycle::{Initiative, MatchRecord, Move};

fn describe(record: &MatchRecord, reference: &ReferenceData) -> String {
    format!(
        "the need {} of {} ({}) and the offering {}",
        record.need,
        reference.country_name(record.country.as_str()),
        reference.theme_name(record.theme.as_str()),
        record.offering,
    )
}

fn with_note(text: String, label: &str, note: &str) -> String {
    if note.is_empty() {
        text
    } else {
        format!("{text}\n\n{label}: {note}")
    }
}

pub(super) fn notice_of_opening(
    record: &MatchRecord,
    reference: &ReferenceData,
    by: &Person,
    note: &str,
) -> Notice {
    let what = describe(record, reference);
    let (subject, body) = match record.initiative {
        Initiative::Requested => (
            format!(
                "Proposal: {} asks for {}",
                reference.country_name(record.country.as_str()),
                record.offering
            ),
            format!(
                "{} proposed {what}. The provider is asked to accept or decline.",
                by.name
            ),
        ),
        Initiative::Offered => (
            format!("Offer of help: {} for {}", record.offering, record.need),
            format!(
                "{} offered help on {what}. The country's focal point may select it as an implementer.",
                by.name
            ),
        ),
    };
    Notice {
        subject,
        body: with_note(body, "Note", note),
        link: format!("/matches/{}", record.key),
    }
}

pub(super) fn notice_of_step(
    record: &MatchRecord,
    reference: &ReferenceData,
    by: &Person,
    step: &Move,
) -> Notice {
    let what = describe(record, reference);
    let mut body = format!(
        "{} moved the match of {what} to \"{}\".",
        by.name,
        record.state.label()
    );
    if let Some(completion) = &record.completion {
        body.push_str(&format!(
            " Outcome: {}; rating {} of 5.",
            completion.outcome.label(),
            completion.rating
        ));
    }
    let label = if step.step.needs_reason() {
        "Reason"
    } else {
        "Note"
    };
    Notice {
        subject: format!("{}: {}", record.state.label(), record.key),
        body: with_note(body, label, &step.note),
        link: format!("/matches/{}", record.key),
    }
}
