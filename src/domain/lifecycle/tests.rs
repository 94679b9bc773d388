use super::*;

/// DESIGN's lifecycle table, written out: from, step, to, and who takes it
/// ("R" requester, "P" provider, "E" either). Everything not listed is
/// refused.
const TABLE: &[(MatchState, Step, MatchState, &str)] = {
    use MatchState as S;
    &[
        (S::Proposed, Step::Accept, S::Accepted, "P"),
        (S::Proposed, Step::Decline, S::Declined, "P"),
        (S::Accepted, Step::Select, S::Selected, "R"),
        (S::Accepted, Step::NotSelect, S::NotSelected, "R"),
        (S::Selected, Step::Start, S::InDelivery, "E"),
        (S::InDelivery, Step::ReportDelivery, S::Delivered, "P"),
        (S::Delivered, Step::Confirm, S::Completed, "R"),
        (S::Delivered, Step::Reopen, S::InDelivery, "R"),
        (S::Proposed, Step::Cancel, S::Cancelled, "E"),
        (S::Accepted, Step::Cancel, S::Cancelled, "E"),
        (S::Selected, Step::Cancel, S::Cancelled, "E"),
        (S::InDelivery, Step::Cancel, S::Cancelled, "E"),
        (S::Delivered, Step::Cancel, S::Cancelled, "E"),
    ]
};

const PEOPLE: [(&str, Sides); 4] = [
    ("nobody's", Sides::NONE),
    ("requester", Sides::REQUESTER),
    ("provider", Sides::PROVIDER),
    ("secretariat", Sides::BOTH),
];

fn takes(who: &str, sides: Sides) -> bool {
    match who {
        "R" => sides.requester,
        "P" => sides.provider,
        _ => sides.any(),
    }
}

#[test]
fn every_state_step_and_person_is_decided_as_the_table_says() {
    let mut checked = 0;
    for &state in MatchState::ALL {
        for &step in Step::ALL {
            for (name, sides) in PEOPLE {
                let row = TABLE.iter().find(|(f, s, _, _)| *f == state && *s == step);
                let got = next(state, sides, step);
                let expected = match row {
                    Some((_, _, to, who)) if takes(who, sides) => Ok(*to),
                    _ if !takes(
                        match step.taker() {
                            Taker::One(Side::Requester) => "R",
                            Taker::One(Side::Provider) => "P",
                            Taker::Either => "E",
                        },
                        sides,
                    ) =>
                    {
                        Err(Refusal::NotYourPart(step.who_may()))
                    }
                    _ => Err(Refusal::NotNow { state, step }),
                };
                assert_eq!(got, expected, "{step} from {state} by the {name} side");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 9 * 9 * 4);
}

#[test]
fn the_table_names_who_takes_each_step_as_the_step_does() {
    for (_, step, _, who) in TABLE {
        let expected = match *who {
            "R" => Taker::One(Side::Requester),
            "P" => Taker::One(Side::Provider),
            _ => Taker::Either,
        };
        assert_eq!(step.taker(), expected, "{step}");
    }
}

#[test]
fn closed_states_lead_nowhere_and_open_ones_can_always_be_cancelled() {
    for &state in MatchState::ALL {
        let ways_out = Step::ALL
            .iter()
            .filter(|s| next(state, Sides::BOTH, **s).is_ok())
            .count();
        if state.is_closed() {
            assert_eq!(ways_out, 0, "{state}");
        } else {
            assert!(
                next(state, Sides::REQUESTER, Step::Cancel).is_ok(),
                "{state}"
            );
            assert!(
                next(state, Sides::PROVIDER, Step::Cancel).is_ok(),
                "{state}"
            );
        }
    }
}

#[test]
fn exactly_the_steps_into_a_closed_state_short_of_completion_close_a_match_unmet() {
    for step in Step::ALL {
        let ends = TABLE
            .iter()
            .filter(|(_, s, _, _)| s == step)
            .all(|(_, _, to, _)| to.is_closed() && *to != MatchState::Completed);
        assert_eq!(step.closes_unmet(), ends, "{step:?}");
    }
}

#[test]
fn a_match_starts_proposed_when_asked_for_and_accepted_when_offered() {
    assert_eq!(
        opening(Initiative::Requested, Sides::REQUESTER),
        Ok(MatchState::Proposed)
    );
    assert_eq!(
        opening(Initiative::Offered, Sides::PROVIDER),
        Ok(MatchState::Accepted)
    );
    assert!(opening(Initiative::Requested, Sides::PROVIDER).is_err());
    assert!(opening(Initiative::Offered, Sides::REQUESTER).is_err());
    assert!(opening(Initiative::Offered, Sides::NONE).is_err());
    for initiative in Initiative::ALL {
        assert!(opening(*initiative, Sides::BOTH).is_ok());
    }
}

#[test]
fn engagements_are_the_selected_and_delivering_states() {
    let engaged: Vec<MatchState> = MatchState::engagement_states().collect();
    assert_eq!(
        engaged,
        [
            MatchState::Selected,
            MatchState::InDelivery,
            MatchState::Delivered
        ]
    );
    assert!(engaged.iter().all(|s| !s.is_closed()));
}

#[test]
fn a_refusal_says_where_the_match_stands() {
    let refusal = next(MatchState::Declined, Sides::BOTH, Step::Accept).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "This match is declined: it cannot be accepted now."
    );
}

fn input(step: &str) -> MoveInput {
    MoveInput {
        step: step.to_owned(),
        ..MoveInput::default()
    }
}

#[test]
fn a_decline_needs_a_reason_and_an_accept_does_not() {
    let errors = input("decline").parse().unwrap_err().unwrap();
    assert_eq!(errors.at(field(MatchField::Note)).len(), 1);
    let accepted = input("accept").parse().unwrap();
    assert_eq!((accepted.step, accepted.note.as_str()), (Step::Accept, ""));
    assert_eq!(input("jump").parse(), Err(None));
}

#[test]
fn confirming_names_every_missing_part_of_the_outcome() {
    let errors = input("confirm").parse().unwrap_err().unwrap();
    assert_eq!(errors.at(field(MatchField::Outcome)).len(), 1);
    assert_eq!(errors.at(field(MatchField::Rating)).len(), 1);
    let confirmed = MoveInput {
        outcome: "partly-met".into(),
        rating: "4".into(),
        comment: " Useful ".into(),
        ..input("confirm")
    }
    .parse()
    .unwrap();
    assert_eq!(
        confirmed.completion,
        Some(Completion {
            outcome: Outcome::PartlyMet,
            rating: 4,
            comment: "Useful".into()
        })
    );
    let six = MoveInput {
        outcome: "met".into(),
        rating: "6".into(),
        ..input("confirm")
    };
    assert!(
        six.parse()
            .unwrap_err()
            .unwrap()
            .has(field(MatchField::Rating))
    );
}

#[test]
fn a_match_waits_for_the_side_whose_move_it_is() {
    assert!(MatchState::Proposed.waits_for(Side::Provider));
    assert!(!MatchState::Proposed.waits_for(Side::Requester));
    assert!(MatchState::Delivered.waits_for(Side::Requester));
    assert!(
        MatchState::Selected.waits_for(Side::Requester)
            && MatchState::Selected.waits_for(Side::Provider)
    );
    for state in MatchState::ALL.iter().filter(|s| s.is_closed()) {
        assert!(!state.waits_for(Side::Provider) && !state.waits_for(Side::Requester));
    }
}
