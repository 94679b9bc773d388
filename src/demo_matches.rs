//! The demo's matches: one in every state of the lifecycle, between the
//! demo's needs and offerings, made by the demo's people over the past
//! weeks, so a newcomer sees the whole process. They are restored as an
//! interchange file would restore them (no mail goes out), with the
//! engine's real scores and reasons.

use anyhow::Context as _;
use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{self, DbConnection};
use crate::domain::access::{EmailAddress, Person, Role};
use crate::domain::codes::RecordKey;
use crate::domain::lifecycle::{Completion, Initiative, MatchState, Outcome, first_state};
use crate::interchange::{Document, MatchEntry, MatchEventEntry};
use crate::matches::{self, Opening};
use crate::startup::Storage;

// The demo's people, as a match's history names them.
const SECRETARIAT: &str = "Demo Secretariat";
const EDITOR: &str = "Demo Editor";
const GHANA: &str = "Demo Focal Point Ghana";
const KENYA: &str = "Demo Focal Point Kenya";

/// One demo match: the need, the offering, who began it and how, how many
/// days ago, and each later step as (state, by, days later, note).
struct Story {
    assessment: &'static str,
    need: &'static str,
    offering: &'static str,
    initiative: Initiative,
    by: &'static str,
    days_ago: i64,
    note: &'static str,
    steps: &'static [(MatchState, &'static str, i64, &'static str)],
    completion: Option<(Outcome, u8, &'static str)>,
}

const STORIES: &[Story] = &[
    Story {
        assessment: "ken-2026",
        need: "ken-2026-2",
        offering: "undp-programme",
        initiative: Initiative::Requested,
        by: KENYA,
        days_ago: 3,
        note: "Could UNDP support the strategy's costed action plan?",
        steps: &[],
        completion: None,
    },
    Story {
        assessment: "gha-2026",
        need: "gha-2026-2",
        offering: "eu-cbb-programme",
        initiative: Initiative::Requested,
        by: GHANA,
        days_ago: 35,
        note: "We are setting up the national CERT this year.",
        steps: &[],
        completion: None,
    },
    Story {
        assessment: "sen-2026",
        need: "sen-2026-1",
        offering: "coe-cproc-programme",
        initiative: Initiative::Requested,
        by: KENYA,
        days_ago: 12,
        note: "Senegal is a Budapest Convention party and would like help aligning its procedural law.",
        steps: &[(
            MatchState::Accepted,
            EDITOR,
            4,
            "GLACY-e can take this on from next quarter.",
        )],
        completion: None,
    },
    Story {
        assessment: "fji-2026",
        need: "fji-2026-1",
        offering: "oxford-gcscc-programme",
        initiative: Initiative::Offered,
        by: EDITOR,
        days_ago: 20,
        note: "A CMM review would give the strategy its baseline.",
        steps: &[(
            MatchState::Selected,
            SECRETARIAT,
            6,
            "Selected with Fiji's agreement.",
        )],
        completion: None,
    },
    Story {
        assessment: "gha-2026",
        need: "gha-2026-1",
        offering: "coe-cproc-programme",
        initiative: Initiative::Requested,
        by: GHANA,
        days_ago: 60,
        note: "Judges of the High Court first.",
        steps: &[
            (MatchState::Accepted, EDITOR, 5, ""),
            (MatchState::Selected, GHANA, 9, ""),
            (
                MatchState::InDelivery,
                EDITOR,
                20,
                "First course in Accra in the spring.",
            ),
        ],
        completion: None,
    },
    Story {
        assessment: "gha-2026",
        need: "gha-2026-1",
        offering: "unodc-programme",
        initiative: Initiative::Offered,
        by: SECRETARIAT,
        days_ago: 55,
        note: "UNODC offers its judicial training as well.",
        steps: &[(
            MatchState::NotSelected,
            GHANA,
            10,
            "The Council of Europe's course covers it.",
        )],
        completion: None,
    },
    Story {
        assessment: "jam-2026",
        need: "jam-2026-1",
        offering: "coe-cproc-programme",
        initiative: Initiative::Requested,
        by: SECRETARIAT,
        days_ago: 90,
        note: "Jamaica asked at the regional meeting.",
        steps: &[
            (MatchState::Accepted, EDITOR, 3, ""),
            (MatchState::Selected, SECRETARIAT, 8, ""),
            (MatchState::InDelivery, EDITOR, 15, ""),
            (
                MatchState::Delivered,
                EDITOR,
                80,
                "Mutual legal assistance workshop held.",
            ),
        ],
        completion: None,
    },
    Story {
        assessment: "col-2026",
        need: "col-2026-1",
        offering: "interpol-igci-programme",
        initiative: Initiative::Requested,
        by: SECRETARIAT,
        days_ago: 150,
        note: "",
        steps: &[
            (MatchState::Accepted, SECRETARIAT, 7, ""),
            (MatchState::Selected, SECRETARIAT, 14, ""),
            (MatchState::InDelivery, SECRETARIAT, 30, ""),
            (MatchState::Delivered, SECRETARIAT, 120, ""),
            (MatchState::Completed, SECRETARIAT, 130, ""),
        ],
        completion: Some((
            Outcome::PartlyMet,
            4,
            "Investigators trained; the digital forensics lab still lacks equipment.",
        )),
    },
    Story {
        assessment: "fji-2026",
        need: "fji-2026-2",
        offering: "itu-programme",
        initiative: Initiative::Requested,
        by: SECRETARIAT,
        days_ago: 200,
        note: "",
        steps: &[
            (MatchState::Accepted, SECRETARIAT, 10, ""),
            (MatchState::Selected, SECRETARIAT, 20, ""),
            (MatchState::InDelivery, SECRETARIAT, 30, ""),
            (MatchState::Delivered, SECRETARIAT, 150, ""),
            (MatchState::Completed, SECRETARIAT, 160, ""),
        ],
        completion: Some((Outcome::Met, 5, "Outer islands connected.")),
    },
    Story {
        assessment: "idn-2026",
        need: "idn-2026-1",
        offering: "apcert-programme",
        initiative: Initiative::Requested,
        by: SECRETARIAT,
        days_ago: 40,
        note: "",
        steps: &[(
            MatchState::Declined,
            SECRETARIAT,
            9,
            "APCERT has no trainers free this year.",
        )],
        completion: None,
    },
    Story {
        assessment: "ukr-2026",
        need: "ukr-2026-2",
        offering: "ict4peace-programme",
        initiative: Initiative::Requested,
        by: SECRETARIAT,
        days_ago: 70,
        note: "",
        steps: &[
            (MatchState::Accepted, SECRETARIAT, 6, ""),
            (
                MatchState::Cancelled,
                SECRETARIAT,
                25,
                "The funding for the dialogue was withdrawn.",
            ),
        ],
        completion: None,
    },
];

/// The demo's matches as an interchange document, scored by the engine as
/// the catalogue and needs stand now.
pub fn document(storage: &Storage, conn: &mut DbConnection) -> anyhow::Result<Document> {
    // The engine's view, as the secretariat (who may make any match) sees it.
    let broker = Person {
        account: 0,
        email: EmailAddress::trusted("secretariat@capmatch.example"),
        name: SECRETARIAT.to_owned(),
        roles: vec![Role::Secretariat],
    };
    let now = db::now();
    let mut matches = Vec::with_capacity(STORIES.len());
    for story in STORIES {
        let key = |text: &str| RecordKey::parse(text).with_context(|| format!("demo key {text}"));
        let opening = Opening {
            assessment: key(story.assessment)?,
            need: key(story.need)?,
            offering: key(story.offering)?,
            initiative: story.initiative,
            note: story.note.to_owned(),
        };
        let prepared = matches::prepare(storage, conn, &broker, &opening)
            .with_context(|| format!("the demo match of {} and {}", story.need, story.offering))?;
        let began: NaiveDateTime = now - TimeDelta::days(story.days_ago);
        let first = first_state(story.initiative);
        let mut history = vec![MatchEventEntry {
            at: began,
            by: story.by.to_owned(),
            from: None,
            to: first,
            note: story.note.to_owned(),
        }];
        for (to, by, after, note) in story.steps {
            let from = history.last().map(|e| e.to);
            history.push(MatchEventEntry {
                at: began + TimeDelta::days(*after),
                by: (*by).to_owned(),
                from,
                to: *to,
                note: (*note).to_owned(),
            });
        }
        matches.push(MatchEntry {
            key: format!("{}-{}", story.need, story.offering),
            country: prepared.country.iso3.to_string(),
            assessment: story.assessment.to_owned(),
            need: story.need.to_owned(),
            theme: prepared.need.theme.to_string(),
            offering: story.offering.to_owned(),
            provider: prepared.offering.data.provider.to_string(),
            initiative: story.initiative,
            state: history.last().map_or(first, |e| e.to),
            score: prepared.score,
            factors: prepared.factors,
            completion: story
                .completion
                .map(|(outcome, rating, comment)| Completion {
                    outcome,
                    rating,
                    comment: comment.to_owned(),
                }),
            history,
        });
    }
    Ok(Document {
        matches,
        ..Document::default()
    })
}
