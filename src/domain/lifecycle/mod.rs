//! The match lifecycle: what happens after the engine suggests an offering
//! for a need. A match moves through its states by steps; each step is
//! taken by one side (the requesting country or the provider), and the
//! secretariat may act for either. [`next`] is the one rule that decides
//! whether a step may be taken by a person now, and what state it leads to.

use chrono::NaiveDateTime;

use super::access::{Person, Readership};
use super::codes::{Iso3, RecordKey, ThemeCode};
use super::fields::{FieldPath, MatchField};
use super::problems::{FieldErrors, Problems};
use super::rules;
use super::vocab::{NeedStatus, Visibility, vocabulary};

vocabulary! {
    /// Where a match stands. The engine's suggestions are not stored: a
    /// match begins when somebody proposes or offers.
    MatchState, "match state" {
        Proposed => ("proposed", "Proposed"),
        Accepted => ("accepted", "Accepted"),
        Declined => ("declined", "Declined"),
        Selected => ("selected", "Selected"),
        NotSelected => ("not-selected", "Not selected"),
        InDelivery => ("in-delivery", "In delivery"),
        Delivered => ("delivered", "Delivery reported"),
        Completed => ("completed", "Completed"),
        Cancelled => ("cancelled", "Cancelled"),
    }
}

vocabulary! {
    /// Something a person does to a match. `Reopen` answers a report of
    /// delivery that the requester does not agree with.
    Step, "step" {
        Accept => ("accept", "Accept"),
        Decline => ("decline", "Decline"),
        Select => ("select", "Select as implementer"),
        NotSelect => ("not-select", "Do not select"),
        Start => ("start", "Start delivery"),
        ReportDelivery => ("report-delivery", "Report delivery complete"),
        Confirm => ("confirm", "Confirm and record the outcome"),
        Reopen => ("reopen", "Delivery is not finished"),
        Cancel => ("cancel", "Cancel"),
    }
}

vocabulary! {
    /// Who began a match: the requester asking a provider, or the
    /// provider offering help.
    Initiative, "initiative" {
        Requested => ("requested", "Proposed by the requester"),
        Offered => ("offered", "Offered by the provider"),
    }
}

vocabulary! {
    /// Whether delivered help met the need, as its focal point says.
    Outcome, "outcome" {
        Met => ("met", "Met"),
        PartlyMet => ("partly-met", "Partly met"),
        NotMet => ("not-met", "Not met"),
    }
}

vocabulary! {
    /// Whose move a match waits for.
    Side, "side" {
        Requester => ("requester", "the requesting country"),
        Provider => ("provider", "the provider"),
    }
}

impl MatchState {
    /// States a match ends in: no step leads out of them.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            MatchState::Declined
                | MatchState::NotSelected
                | MatchState::Completed
                | MatchState::Cancelled
        )
    }

    /// States in which the match holds one of its offering's places.
    pub fn is_engagement(self) -> bool {
        matches!(
            self,
            MatchState::Selected | MatchState::InDelivery | MatchState::Delivered
        )
    }

    /// The side whose move the match waits for; `None` once closed, and
    /// for a selected match, which either side may start.
    pub fn waiting_on(self) -> Option<Side> {
        match self {
            MatchState::Proposed | MatchState::InDelivery => Some(Side::Provider),
            MatchState::Accepted | MatchState::Delivered => Some(Side::Requester),
            _ => None,
        }
    }

    /// Whether a match in this state waits for a move of `side`: its
    /// answer or report, or, once selected, either side starting.
    pub fn waits_for(self, side: Side) -> bool {
        self.waiting_on() == Some(side) || self == MatchState::Selected
    }

    /// The states in which `side` has a move to make, for queries.
    pub fn waiting_for(side: Side) -> Vec<MatchState> {
        MatchState::ALL
            .iter()
            .copied()
            .filter(|s| s.waits_for(side))
            .collect()
    }

    /// The states in which a match is still open, for queries.
    pub fn open_states() -> impl Iterator<Item = MatchState> {
        MatchState::ALL.iter().copied().filter(|s| !s.is_closed())
    }

    /// The states that use capacity, for queries.
    pub fn engagement_states() -> impl Iterator<Item = MatchState> {
        MatchState::ALL
            .iter()
            .copied()
            .filter(|s| s.is_engagement())
    }
}

/// The sides a person acts for on one match: a focal point of its country
/// for the requester, an editor of its offering's provider for the
/// provider, the secretariat for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sides {
    pub requester: bool,
    pub provider: bool,
}

impl Sides {
    pub const NONE: Sides = Sides {
        requester: false,
        provider: false,
    };
    pub const REQUESTER: Sides = Sides {
        requester: true,
        provider: false,
    };
    pub const PROVIDER: Sides = Sides {
        requester: false,
        provider: true,
    };
    pub const BOTH: Sides = Sides {
        requester: true,
        provider: true,
    };

    /// The sides `person` acts for on a match of `country`'s need and
    /// `provider`'s offering.
    pub fn of(person: Option<&Person>, country: &Iso3, provider: &RecordKey) -> Sides {
        person.map_or(Sides::NONE, |p| Sides {
            requester: p.is_secretariat() || p.speaks_for(country),
            provider: p.is_secretariat() || p.edits(provider),
        })
    }

    pub fn any(self) -> bool {
        self.requester || self.provider
    }

    fn holds(self, side: Side) -> bool {
        match side {
            Side::Requester => self.requester,
            Side::Provider => self.provider,
        }
    }
}

/// Which side may take a step: one of them, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taker {
    One(Side),
    Either,
}

impl Step {
    /// What the step did to a match, as a sentence says it: "declined".
    pub fn done_word(self) -> &'static str {
        match self {
            Step::Accept => "accepted",
            Step::Decline => "declined",
            Step::Select => "selected",
            Step::NotSelect => "passed over",
            Step::Start => "started",
            Step::ReportDelivery => "reported as delivered",
            Step::Confirm => "confirmed as completed",
            Step::Reopen => "sent back to delivery",
            Step::Cancel => "cancelled",
        }
    }

    /// Who takes the step, as DESIGN's lifecycle table says.
    pub fn taker(self) -> Taker {
        match self {
            Step::Accept | Step::Decline | Step::ReportDelivery => Taker::One(Side::Provider),
            Step::Select | Step::NotSelect | Step::Confirm | Step::Reopen => {
                Taker::One(Side::Requester)
            }
            Step::Start | Step::Cancel => Taker::Either,
        }
    }

    /// The state the step leads to from `from`, when it may be taken there.
    fn leads(self, from: MatchState) -> Option<MatchState> {
        use MatchState as S;
        match (self, from) {
            (Step::Accept, S::Proposed) => Some(S::Accepted),
            (Step::Decline, S::Proposed) => Some(S::Declined),
            (Step::Select, S::Accepted) => Some(S::Selected),
            (Step::NotSelect, S::Accepted) => Some(S::NotSelected),
            (Step::Start, S::Selected) => Some(S::InDelivery),
            (Step::ReportDelivery, S::InDelivery) => Some(S::Delivered),
            (Step::Confirm, S::Delivered) => Some(S::Completed),
            (Step::Reopen, S::Delivered) => Some(S::InDelivery),
            (Step::Cancel, from) if !from.is_closed() => Some(S::Cancelled),
            _ => None,
        }
    }

    /// Whether the step closes the match without the help being delivered.
    /// Nothing takes it back, so people confirm it on a page of its own.
    pub fn closes_unmet(self) -> bool {
        matches!(self, Step::Decline | Step::NotSelect | Step::Cancel)
    }

    /// Whether the step needs a written reason rather than an optional note.
    pub fn needs_reason(self) -> bool {
        matches!(self, Step::Decline | Step::Cancel | Step::Reopen)
    }

    fn taken_by(self, sides: Sides) -> bool {
        match self.taker() {
            Taker::One(side) => sides.holds(side),
            Taker::Either => sides.any(),
        }
    }

    /// Who may take the step, in words, for the page that refuses it.
    pub fn who_may(self) -> &'static str {
        match self.taker() {
            Taker::One(Side::Requester) => {
                "a focal point of the requesting country or the secretariat"
            }
            Taker::One(Side::Provider) => "an editor of the offering's provider or the secretariat",
            Taker::Either => {
                "a focal point of the requesting country, an editor of the offering's provider or the secretariat"
            }
        }
    }
}

/// Why a step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The person acts for neither side the step needs: who may, in words.
    #[error("Only {0} may do this.")]
    NotYourPart(&'static str),
    /// The match's state does not allow the step.
    #[error("This match is {state}: it cannot be {doing} now.", state = .state.label().to_lowercase(), doing = .step.done_word())]
    NotNow { state: MatchState, step: Step },
}

/// The state `step` leads to from `state` when taken by a person acting
/// for `sides`. The person's part is judged before the state, so somebody
/// with no part learns nothing about where the match stands.
pub fn next(state: MatchState, sides: Sides, step: Step) -> Result<MatchState, Refusal> {
    if !step.taken_by(sides) {
        return Err(Refusal::NotYourPart(step.who_may()));
    }
    step.leads(state).ok_or(Refusal::NotNow { state, step })
}

/// Whether some step leads from `from` to `to`: a history read from a
/// file must be one the lifecycle could have made.
pub fn leads(from: MatchState, to: MatchState) -> bool {
    Step::ALL.iter().any(|step| step.leads(from) == Some(to))
}

/// The state a new match starts in when begun this way.
pub fn first_state(initiative: Initiative) -> MatchState {
    match initiative {
        Initiative::Requested => MatchState::Proposed,
        Initiative::Offered => MatchState::Accepted,
    }
}

/// The state a new match starts in: a requester's proposal waits for the
/// provider; a provider's own offer is accepted already.
pub fn opening(initiative: Initiative, sides: Sides) -> Result<MatchState, Refusal> {
    match initiative {
        Initiative::Requested if sides.requester => Ok(MatchState::Proposed),
        Initiative::Offered if sides.provider => Ok(MatchState::Accepted),
        Initiative::Requested => Err(Refusal::NotYourPart(
            "a focal point of the need's country or the secretariat",
        )),
        Initiative::Offered => Err(Refusal::NotYourPart(
            "an editor of the offering's provider or the secretariat",
        )),
    }
}

/// What a focal point records when confirming delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Completion {
    pub outcome: Outcome,
    /// 1 (poor) to 5 (excellent).
    pub rating: u8,
    pub comment: String,
}

/// A step with what the person wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub step: Step,
    pub note: String,
    pub completion: Option<Completion>,
}

/// A step as posted by the match page's forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct MoveInput {
    pub step: String,
    pub note: String,
    pub outcome: String,
    pub rating: String,
    pub comment: String,
}

/// A note or reason's length: enough for a paragraph.
pub const MAX_NOTE: usize = 2000;

impl MoveInput {
    /// The step with its note, every problem named at its field. An
    /// unknown step is not a field's problem: the form sends one of its
    /// buttons, so it is `Err(None)`.
    pub fn parse(&self) -> Result<Move, Option<FieldErrors>> {
        let step: Step = self.step.trim().parse().map_err(|_| None)?;
        let mut p = Problems::new();
        let note = if step.needs_reason() {
            p.take(
                MatchField::Note,
                rules::required_text(&self.note, MAX_NOTE)
                    .map_err(|_| format!("give a reason (at most {MAX_NOTE} characters)")),
            )
        } else {
            p.take(MatchField::Note, rules::text(&self.note, MAX_NOTE))
        };
        let completion = if step == Step::Confirm {
            let outcome = p.take(
                MatchField::Outcome,
                rules::choice::<Outcome>(&self.outcome, "choose whether the need was met"),
            );
            let rating = p.take(
                MatchField::Rating,
                match self.rating.trim().parse::<u8>() {
                    Ok(n) if (1..=5).contains(&n) => Ok(n),
                    _ => Err("choose a rating from 1 to 5".to_owned()),
                },
            );
            let comment = p.take(MatchField::Comment, rules::text(&self.comment, MAX_NOTE));
            Some((outcome, rating, comment))
        } else {
            None
        };
        p.finish(|| {
            Some(Move {
                step,
                note: note?,
                completion: match completion {
                    Some((outcome, rating, comment)) => Some(Completion {
                        outcome: outcome?,
                        rating: rating?,
                        comment: comment?,
                    }),
                    None => None,
                },
            })
        })
        .map_err(Some)
    }
}

/// The note a proposal or an offer carries.
pub fn opening_note(raw: &str) -> Result<String, FieldErrors> {
    let mut p = Problems::new();
    let note = p.take(MatchField::Note, rules::text(raw, MAX_NOTE));
    p.finish(|| note)
}

/// A factor of the engine's score as it stood when the match began.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordedFactor {
    pub name: String,
    pub weight: f64,
    pub value: f64,
    pub reason: String,
}

/// One change of a match's state, kept for ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchEvent {
    pub at: NaiveDateTime,
    /// Who made it, as the audit log names them.
    pub actor: String,
    pub from: Option<MatchState>,
    pub to: MatchState,
    pub note: String,
}

/// A need paired with an offering, and where the pairing stands.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRecord {
    pub key: RecordKey,
    pub country: Iso3,
    pub assessment: RecordKey,
    pub need: RecordKey,
    pub theme: ThemeCode,
    pub offering: RecordKey,
    pub provider: RecordKey,
    /// Who may read the need, as its assessment says.
    pub visibility: Visibility,
    pub initiative: Initiative,
    pub state: MatchState,
    /// The engine's score and reasons when the match began.
    pub score: f64,
    pub factors: Vec<RecordedFactor>,
    pub completion: Option<Completion>,
    /// Raised by every change; a form posts the version it was opened at.
    pub version: i32,
    pub created_at: NaiveDateTime,
    /// When the match entered its current state.
    pub state_since: NaiveDateTime,
    /// Set once a proposal has waited so long that the secretariat steps in.
    pub escalated: bool,
}

impl MatchRecord {
    /// The sides a person acts for on this match.
    pub fn sides_of(&self, person: Option<&Person>) -> Sides {
        Sides::of(person, &self.country, &self.provider)
    }

    /// The steps a person acting for `sides` may take now, in page order.
    pub fn steps_for(&self, sides: Sides) -> Vec<Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(|step| next(self.state, sides, *step).is_ok())
            .collect()
    }
}

/// Who reads which matches: whoever may read a match's need, and the
/// editors of its offering's provider (a focal point may propose a
/// restricted need to a provider, whose editors must then read it). The
/// country's focal points and the secretariat read its need already. The
/// one statement of this rule: pages ask [`MatchReadership::reads`], the
/// store's list query takes its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchReadership {
    pub needs: Readership,
    pub providers: Vec<RecordKey>,
}

impl MatchReadership {
    pub fn of(person: Option<&Person>) -> MatchReadership {
        MatchReadership {
            needs: Readership::of(person),
            providers: person
                .map(|p| p.providers().cloned().collect())
                .unwrap_or_default(),
        }
    }

    pub fn reads(&self, record: &MatchRecord) -> bool {
        self.needs.reads(&record.country, record.visibility)
            || self.providers.contains(&record.provider)
    }
}

/// The field a step's problem is shown at.
pub fn field(field: MatchField) -> FieldPath {
    FieldPath::Match(field)
}

/// How far help on one need has come, from its matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NeedProgress {
    /// A match of it is being delivered.
    pub in_delivery: bool,
    /// Its focal point confirmed that delivered help met it.
    pub met: bool,
}

impl NeedProgress {
    /// Takes one of the need's matches into account.
    pub fn record(&mut self, state: MatchState, outcome: Option<Outcome>) {
        self.in_delivery |= matches!(state, MatchState::InDelivery | MatchState::Delivered);
        self.met |= state == MatchState::Completed && outcome == Some(Outcome::Met);
    }

    /// The need's status as its matches carry it forward from the one its
    /// revision records: an open need is in progress while help is being
    /// delivered, and met once its focal point says so.
    pub fn status(self, recorded: NeedStatus) -> NeedStatus {
        match recorded {
            NeedStatus::Open if self.met => NeedStatus::Met,
            NeedStatus::Open if self.in_delivery => NeedStatus::InProgress,
            other => other,
        }
    }
}

/// How long a proposal may wait for its provider's answer before they are
/// reminded, and before the secretariat is told.
pub const REMIND_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(14);
pub const ESCALATE_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(28);
/// How long a submitted need may wait with nobody proposing or offering
/// before the secretariat's unmatched list shows it.
pub const UNMATCHED_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(30);
/// How often a subscriber's digest of new needs goes out.
pub const DIGEST_EVERY: chrono::TimeDelta = chrono::TimeDelta::days(7);

#[cfg(test)]
mod tests;
