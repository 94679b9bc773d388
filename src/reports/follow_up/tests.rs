use chrono::{NaiveDateTime, TimeDelta};
use proptest::prelude::*;

use super::*;
use crate::domain::codes::{Iso3, RecordKey, ThemeCode};
use crate::domain::lifecycle::{Completion, first_state, leads};
use crate::domain::vocab::Visibility;
use crate::matching::testing::reference;

fn at(day: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        + TimeDelta::days(day)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// A match of `need` in `country` with `provider`, taking `path` of
/// (state, day) from its first state, begun on `begun`.
fn story(
    provider: &str,
    country: &str,
    need: &str,
    initiative: Initiative,
    begun: i64,
    path: &[(MatchState, i64)],
    completion: Option<(Outcome, u8)>,
) -> (MatchRecord, Vec<MatchEvent>) {
    let mut history = vec![MatchEvent {
        at: at(begun),
        actor: "someone".into(),
        from: None,
        to: first_state(initiative),
        note: String::new(),
    }];
    for (to, day) in path {
        let from = history.last().unwrap().to;
        history.push(MatchEvent {
            at: at(*day),
            actor: "someone".into(),
            from: Some(from),
            to: *to,
            note: String::new(),
        });
    }
    let last = history.last().unwrap();
    let record = MatchRecord {
        key: RecordKey::parse(&format!("{need}-{provider}")).unwrap(),
        country: Iso3::trusted(country),
        assessment: RecordKey::parse(&format!("{}-2026", country.to_lowercase())).unwrap(),
        need: RecordKey::parse(need).unwrap(),
        theme: ThemeCode::trusted("cybercrime.judiciary"),
        offering: RecordKey::parse(&format!("{provider}-programme")).unwrap(),
        provider: RecordKey::parse(provider).unwrap(),
        visibility: Visibility::Public,
        initiative,
        state: last.to,
        score: 0.8,
        factors: Vec::new(),
        completion: completion.map(|(outcome, rating)| Completion {
            outcome,
            rating,
            comment: String::new(),
        }),
        version: history.len() as i32,
        created_at: at(begun),
        state_since: last.at,
        escalated: false,
    };
    (record, history)
}

use MatchState as S;

#[test]
fn a_provider_is_judged_by_the_proposals_it_answered() {
    let matches = vec![
        story(
            "unodc",
            "GHA",
            "gha-1",
            Initiative::Requested,
            0,
            &[(S::Accepted, 2)],
            None,
        ),
        story(
            "unodc",
            "KEN",
            "ken-1",
            Initiative::Requested,
            0,
            &[(S::Declined, 4)],
            None,
        ),
        story("unodc", "SEN", "sen-1", Initiative::Requested, 0, &[], None),
        story(
            "unodc",
            "SEN",
            "sen-2",
            Initiative::Requested,
            0,
            &[(S::Cancelled, 1)],
            None,
        ),
        story("unodc", "FJI", "fji-1", Initiative::Offered, 0, &[], None),
    ];
    let figures = follow_up(&matches, reference(), today());
    let unodc = &figures.providers[0];
    assert_eq!(
        (
            unodc.proposals,
            unodc.accepted,
            unodc.declined,
            unodc.offers
        ),
        (4, 1, 1, 1)
    );
    assert_eq!(unodc.acceptance_rate, Some(0.5));
    assert_eq!(
        unodc.median_days_to_answer,
        Some(3.0),
        "a withdrawn proposal was never answered"
    );
}

#[test]
fn a_country_counts_needs_not_matches() {
    let delivered = [(S::Accepted, 1), (S::Selected, 2), (S::InDelivery, 3)];
    let done = [
        (S::Accepted, 1),
        (S::Selected, 2),
        (S::InDelivery, 3),
        (S::Delivered, 4),
        (S::Completed, 5),
    ];
    let matches = vec![
        story(
            "coe",
            "GHA",
            "gha-1",
            Initiative::Requested,
            0,
            &delivered,
            None,
        ),
        story(
            "unodc",
            "GHA",
            "gha-1",
            Initiative::Requested,
            0,
            &delivered,
            None,
        ),
        story(
            "itu",
            "GHA",
            "gha-2",
            Initiative::Requested,
            0,
            &done,
            Some((Outcome::Met, 5)),
        ),
        story(
            "itu",
            "GHA",
            "gha-3",
            Initiative::Requested,
            0,
            &done,
            Some((Outcome::NotMet, 2)),
        ),
    ];
    let figures = follow_up(&matches, reference(), today());
    assert_eq!(
        figures.countries,
        [CountryFigures {
            country: "GHA".into(),
            proposed: 3,
            in_progress: 1,
            met: 1
        }]
    );
    let itu = figures
        .providers
        .iter()
        .find(|p| p.provider == "itu")
        .unwrap();
    assert_eq!((itu.completed, itu.met, itu.not_met), (2, 1, 1));
    assert_eq!(itu.mean_rating, Some(3.5));
}

#[test]
fn matches_are_counted_in_the_month_they_began_within_a_year() {
    let matches = vec![
        story("coe", "GHA", "gha-1", Initiative::Requested, 0, &[], None),
        story("coe", "GHA", "gha-2", Initiative::Requested, -40, &[], None),
        story(
            "coe",
            "GHA",
            "gha-3",
            Initiative::Requested,
            -400,
            &[],
            None,
        ),
    ];
    let figures = follow_up(&matches, reference(), today());
    assert_eq!(figures.months.len(), MONTHS);
    assert_eq!(
        figures.months[MONTHS - 1],
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    );
    assert_eq!(
        figures.months[0],
        NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
    );
    let cybercrime = figures
        .themes
        .iter()
        .find(|s| s.code == "cybercrime")
        .unwrap();
    assert_eq!(cybercrime.counts[MONTHS - 1], 1);
    assert_eq!(cybercrime.counts[MONTHS - 3], 1, "22 September");
    assert_eq!(
        cybercrime.total(),
        2,
        "a match begun 400 days ago is older than the chart"
    );
    let africa = figures.regions.iter().find(|s| s.code == "002").unwrap();
    assert_eq!(africa.total(), 2);
    assert_eq!(
        figures.themes.len(),
        reference().parent_themes().count(),
        "every theme, zeros too"
    );
}

/// A history the lifecycle could make: from the first state, steps that lead on.
fn any_story() -> impl Strategy<Value = (MatchRecord, Vec<MatchEvent>)> {
    (
        prop::sample::select(vec!["coe", "unodc", "itu"]),
        prop::sample::select(vec!["GHA", "KEN", "FJI"]),
        prop::sample::select(vec!["n-1", "n-2"]),
        prop::sample::select(vec![Initiative::Requested, Initiative::Offered]),
        -500i64..0,
        prop::collection::vec((0usize..9, 0i64..30), 0..6),
        prop::sample::select(vec![Outcome::Met, Outcome::PartlyMet, Outcome::NotMet]),
    )
        .prop_map(
            |(provider, country, need, initiative, begun, moves, outcome)| {
                let mut state = first_state(initiative);
                let mut day = begun;
                let mut path = Vec::new();
                for (pick, wait) in moves {
                    let next: Vec<MatchState> = MatchState::ALL
                        .iter()
                        .copied()
                        .filter(|to| leads(state, *to))
                        .collect();
                    if next.is_empty() {
                        break;
                    }
                    state = next[pick % next.len()];
                    day += wait;
                    path.push((state, day));
                }
                let completion = (state == S::Completed).then_some((outcome, 3));
                story(
                    provider, country, need, initiative, begun, &path, completion,
                )
            },
        )
}

proptest! {
    #[test]
    fn figures_stay_within_what_happened(matches in prop::collection::vec(any_story(), 0..20)) {
        let figures = follow_up(&matches, reference(), today());
        let proposals: usize = figures.providers.iter().map(|p| p.proposals + p.offers).sum();
        prop_assert_eq!(proposals, matches.len());
        for p in &figures.providers {
            prop_assert!(p.accepted + p.declined <= p.proposals);
            prop_assert!(p.acceptance_rate.is_none_or(|r| (0.0..=1.0).contains(&r)));
            prop_assert!(p.median_days_to_answer.is_none_or(|d| d >= 0.0));
            prop_assert_eq!(p.met + p.partly_met + p.not_met, p.completed);
        }
        for c in &figures.countries {
            prop_assert!(c.in_progress + c.met <= c.proposed);
        }
        let charted: usize = figures.themes.iter().map(Series::total).sum();
        prop_assert!(charted <= matches.len());
        prop_assert_eq!(charted, figures.regions.iter().map(Series::total).sum::<usize>());
    }
}
