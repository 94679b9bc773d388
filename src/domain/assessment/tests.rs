//! The assessment rules, one test each, and what must hold for any input.

use super::*;
use crate::reference_data;
use proptest::prelude::*;

fn need(theme: &str, current: &str, target: &str) -> NeedInput {
    NeedInput {
        theme: theme.into(),
        priority: "high".into(),
        current_stage: current.into(),
        target_stage: target.into(),
        description: "Judges trained on electronic evidence".into(),
        languages: vec!["en".into()],
        wanted_by: Some("2027-06-30".into()),
        ..NeedInput::default()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn submit() -> Intent {
    Intent::Submit(Deadlines::NotBefore(today()))
}

#[test]
fn a_complete_assessment_submits() {
    let reference = reference_data::load().unwrap();
    let input = AssessmentInput {
        needs: vec![need("cybercrime.judiciary", "1", "3"), NeedInput::default()],
        ..Default::default()
    }
    .without_blank_rows();
    let data = input.parse(&reference, submit()).unwrap();
    let AssessmentState::Submitted(needs) = &data.state else {
        panic!("submitted")
    };
    assert_eq!(needs[0].target_stage, Stage::Established);
    assert_eq!(data.open_needs().len(), 1);
}

#[test]
fn a_draft_may_be_incomplete_but_not_wrong() {
    let reference = reference_data::load().unwrap();
    let half = NeedInput {
        theme: "cybercrime.judiciary".into(),
        ..NeedInput::default()
    };
    let input = AssessmentInput {
        needs: vec![half.clone()],
        ..Default::default()
    };
    assert!(matches!(
        input.parse(&reference, Intent::SaveDraft).unwrap().state,
        AssessmentState::Draft(_)
    ));
    let wrong = NeedInput {
        theme: "nonsense".into(),
        current_stage: "9".into(),
        ..half
    };
    let input = AssessmentInput {
        needs: vec![wrong],
        ..Default::default()
    };
    let errors = input.parse(&reference, Intent::SaveDraft).unwrap_err();
    assert_eq!(
        errors.messages("need-0-theme"),
        ["unknown theme \"nonsense\""]
    );
    assert_eq!(
        errors.messages("need-0-current_stage"),
        ["must be a stage from 1 to 5"]
    );
}

#[test]
fn submitting_names_every_missing_or_wrong_field() {
    let reference = reference_data::load().unwrap();
    let backwards = NeedInput {
        wanted_by: Some("2020-01-01".into()),
        ..need("cybercrime.judiciary", "3", "2")
    };
    let parent = need("cybercrime", "1", "2");
    let incomplete = NeedInput {
        description: "Only words".into(),
        ..NeedInput::default()
    };
    let input = AssessmentInput {
        needs: vec![backwards, parent, incomplete],
        ..Default::default()
    };
    let errors = input.parse(&reference, submit()).unwrap_err();
    assert_eq!(
        errors.messages("need-0-target_stage"),
        ["must be above the current stage"]
    );
    assert_eq!(
        errors.messages("need-0-wanted_by"),
        ["must not be in the past"]
    );
    assert_eq!(
        errors.messages("need-1-theme"),
        ["choose a sub-theme, not a whole theme"]
    );
    for field in ["theme", "priority", "current_stage", "target_stage"] {
        assert!(
            !errors.messages(&format!("need-2-{field}")).is_empty(),
            "{field}"
        );
    }
    let empty = AssessmentInput::default();
    assert_eq!(
        empty
            .parse(&reference, submit())
            .unwrap_err()
            .messages("needs"),
        ["add at least one need before submitting"]
    );
    // A file may record deadlines that have passed.
    let past = AssessmentInput {
        needs: vec![NeedInput {
            wanted_by: Some("2020-01-01".into()),
            ..need("cybercrime.judiciary", "1", "2")
        }],
        ..Default::default()
    };
    assert!(
        past.parse(&reference, Intent::Submit(Deadlines::AsRecorded))
            .is_ok()
    );
}

#[test]
fn changes_between_revisions_name_added_removed_and_changed_needs() {
    let reference = reference_data::load().unwrap();
    let keyed = |key: &str, n: NeedInput| NeedInput {
        key: key.into(),
        ..n
    };
    let before = AssessmentInput {
        submitted_by: "Ministry".into(),
        needs: vec![
            keyed("a-1", need("cybercrime.judiciary", "1", "3")),
            keyed("a-2", need("incident-ciip.cert", "1", "2")),
        ],
        ..Default::default()
    };
    let mut after = before.clone();
    after.needs.remove(1);
    after.needs[0].priority = "low".into();
    after
        .needs
        .push(keyed("a-3", need("culture-skills.awareness", "2", "4")));
    after.note = "Revised after the workshop".into();
    let [before, after] = [before, after].map(|i| i.parse(&reference, submit()).unwrap());
    let diff = changes(&before, &after);
    assert_eq!(diff.added, ["a-3"]);
    assert_eq!(diff.removed, ["a-2"]);
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(
        diff.changed[0].1,
        [FieldChange {
            field: "priority",
            before: "High".into(),
            after: "Low".into()
        }]
    );
    assert_eq!(diff.assessment[0].field, "note");
    assert!(changes(&after, &after).is_empty());
}

#[test]
fn withdrawing_a_need_keeps_the_rest() {
    let reference = reference_data::load().unwrap();
    let input = AssessmentInput {
        needs: vec![
            NeedInput {
                key: "a-1".into(),
                ..need("cybercrime.judiciary", "1", "3")
            },
            NeedInput {
                key: "a-2".into(),
                ..need("incident-ciip.cert", "1", "2")
            },
        ],
        ..Default::default()
    };
    let data = input.parse(&reference, submit()).unwrap();
    let after = data
        .with_need_withdrawn("a-1", "met by another donor".into())
        .unwrap();
    assert_eq!(after.open_needs().len(), 1);
    assert!(data.with_need_withdrawn("a-9", "x".into()).is_none());
    assert_eq!(
        after.withdrawn("no longer needed".into()).state.status(),
        AssessmentStatus::Withdrawn
    );
    assert_eq!(
        withdrawal_reason("  "),
        Err("give a reason for withdrawing")
    );
}

proptest! {
    /// Whatever the stages, a need submits only when the target is above the current stage.
    #[test]
    fn submitted_needs_always_aim_higher(current in 0u8..7, target in 0u8..7) {
        let reference = reference_data::load().unwrap();
        let input = AssessmentInput { needs: vec![need("cybercrime.judiciary", &current.to_string(), &target.to_string())], ..Default::default() };
        match input.parse(&reference, submit()) {
            Ok(data) => {
                let AssessmentState::Submitted(needs) = data.state else { panic!("submitted") };
                prop_assert!(needs[0].target_stage > needs[0].current_stage);
                prop_assert!((1..=5).contains(&current) && (1..=5).contains(&target) && target > current);
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }
}

/// How a test makes one field of a need wrong.
type Spoil<'a> = &'a dyn Fn(&mut NeedInput);

proptest! {
    /// Whichever fields of whichever rows are wrong, each is named at its
    /// row and field, and no other: one parse reports them all.
    #[test]
    fn each_wrong_field_of_each_row_is_named_and_no_other(
        contact_wrong in any::<bool>(),
        rows in proptest::collection::vec(proptest::array::uniform5(any::<bool>()), 1..4),
    ) {
        use crate::domain::fields::{AssessmentField, FieldPath, NeedField as N};
        let reference = reference_data::load().unwrap();
        let mut expected = std::collections::BTreeSet::new();
        let mut input = AssessmentInput::default();
        if contact_wrong {
            input.contact = Some("nobody".into());
            expected.insert(FieldPath::from(AssessmentField::Contact));
        }
        for (i, wrong) in rows.iter().enumerate() {
            let mut row = need("cybercrime.judiciary", "1", "3");
            let spoils: [(N, Spoil); 5] = [
                (N::Theme, &|n| n.theme = "cybercrime.nonsense".into()),
                (N::Priority, &|n| n.priority = "urgent".into()),
                (N::CurrentStage, &|n| n.current_stage = "9".into()),
                (N::Languages, &|n| n.languages.push("xx".into())),
                (N::WantedBy, &|n| n.wanted_by = Some("soon".into())),
            ];
            for (spoilt, (field, spoil)) in wrong.iter().zip(spoils) {
                if *spoilt {
                    spoil(&mut row);
                    expected.insert(FieldPath::Need(i, field));
                }
            }
            input.needs.push(row);
        }
        let named: std::collections::BTreeSet<FieldPath> =
            match input.parse(&reference, Intent::Submit(Deadlines::AsRecorded)) {
                Ok(_) => Default::default(),
                Err(errors) => errors.iter().map(|e| e.path).collect(),
            };
        prop_assert_eq!(named, expected);
    }
}

proptest! {
    /// A revision keeps exactly the keys of needs the revision before had;
    /// a row with any other key (an old one, another country's, one made
    /// up) becomes a new need, and no need is dropped.
    #[test]
    fn a_revision_keeps_only_keys_the_one_before_had(
        before_keys in proptest::collection::btree_set(1u8..8, 0..5),
        posted in proptest::collection::vec(proptest::option::of(1u8..12), 0..6),
        submitted in any::<bool>(),
    ) {
        let reference = reference_data::load().unwrap();
        let key = |n: u8| format!("gha-2026-{n}");
        let data = |keys: Vec<Option<u8>>, intent| {
            let needs = keys
                .into_iter()
                .map(|k| NeedInput { key: k.map(key).unwrap_or_default(), ..need("cybercrime.judiciary", "1", "3") })
                .collect();
            AssessmentInput { needs, ..Default::default() }.parse(&reference, intent).unwrap()
        };
        let before = data(before_keys.iter().copied().map(Some).collect(), Intent::SaveDraft);
        // A key posted twice is refused before this rule; each at most once.
        let mut seen = std::collections::BTreeSet::new();
        let posted: Vec<Option<u8>> = posted.into_iter().map(|p| p.filter(|n| seen.insert(*n))).collect();
        let intent = if submitted && !posted.is_empty() { submit() } else { Intent::SaveDraft };
        let revision = data(posted.clone(), intent);
        for earlier in [None, Some(&before)] {
            let kept = revision.clone().revising(earlier).state.needs();
            prop_assert_eq!(kept.len(), posted.len());
            for (need, posted) in kept.iter().zip(&posted) {
                let known = earlier.is_some() && posted.is_some_and(|n| before_keys.contains(&n));
                let expected = posted.filter(|_| known).map(key);
                prop_assert_eq!(need.key.as_ref().map(ToString::to_string), expected);
            }
        }
    }
}
