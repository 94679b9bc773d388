//! The engine's rules, one test each, and the properties that must hold for
//! every catalogue and need.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;

use super::testing::*;
use super::*;
use crate::domain::offering::Coverage;
use crate::domain::vocab::{IncomeLevel, Modality, Stage};

fn run(offerings: Vec<Offering>, country: &str, need: &Need) -> NeedMatches {
    run_with(offerings, country, need, &HashMap::new())
}

fn run_with(
    offerings: Vec<Offering>,
    country: &str,
    need: &Need,
    engagements: &HashMap<RecordKey, u32>,
) -> NeedMatches {
    let engagements = Engagements::from(engagements.clone());
    let context = Context {
        reference: reference(),
        today: today(),
        engagements: &engagements,
        weights: WEIGHTS,
    };
    context.match_need(
        &Catalogue::new(offerings),
        reference().country(country).unwrap(),
        need,
    )
}

fn keys(found: &NeedMatches) -> Vec<&str> {
    found
        .matches
        .iter()
        .map(|m| m.offered.offering.as_str())
        .collect()
}

#[test]
fn weights_add_up_to_one() {
    let w = WEIGHTS;
    let total = w.theme + w.geography + w.language + w.modality + w.capacity + w.urgency;
    assert!((total - 1.0).abs() < 1e-9);
}

#[test]
fn an_exact_subtheme_ranks_above_a_parent_level_offering() {
    let found = run(
        vec![
            offering("parent", "cybercrime", worldwide()),
            offering("exact", "cybercrime.judiciary", worldwide()),
        ],
        "GHA",
        &need("cybercrime.judiciary"),
    );
    assert_eq!(keys(&found), ["exact", "parent"]);
    assert_eq!(
        found.matches[0].factors[0].reason,
        "offers exactly cybercrime.judiciary"
    );
    assert_eq!(found.matches[1].factors[0].value, 0.5);
}

#[test]
fn other_subthemes_of_the_same_parent_do_not_match() {
    let found = run(
        vec![offering("law", "cybercrime.legislation", worldwide())],
        "GHA",
        &need("cybercrime.judiciary"),
    );
    assert!(found.matches.is_empty() && found.near_misses.is_empty());
}

#[test]
fn a_named_country_ranks_above_a_region_above_a_group_above_global() {
    let r = reference();
    let named = Coverage {
        countries: [r.iso3("GHA").unwrap()].into(),
        ..Coverage::default()
    };
    let west_africa = Coverage {
        regions: [r.region_code("011").unwrap()].into(),
        ..Coverage::default()
    };
    let africa = Coverage {
        regions: [r.region_code("002").unwrap()].into(),
        ..Coverage::default()
    };
    let au = Coverage {
        groups: [r.group_code("AU").unwrap()].into(),
        ..Coverage::default()
    };
    let theme = "cybercrime.judiciary";
    let found = run(
        vec![
            offering("a-global", theme, worldwide()),
            offering("b-au", theme, au),
            offering("c-africa", theme, africa),
            offering("d-west", theme, west_africa),
            offering("e-ghana", theme, named),
        ],
        "GHA",
        &need(theme),
    );
    assert_eq!(
        keys(&found),
        ["e-ghana", "d-west", "c-africa", "b-au", "a-global"]
    );
    assert_eq!(
        found.matches[1].factors[1].reason,
        "covers the intermediate region Western Africa"
    );
}

#[test]
fn a_language_the_country_asked_for_ranks_above_one_it_did_not() {
    let r = reference();
    let mut french = offering("french", "cybercrime.judiciary", worldwide());
    french.data.languages = [r.language_code("fr").unwrap()].into();
    let mut english = offering("english", "cybercrime.judiciary", worldwide());
    english.data.languages = [r.language_code("en").unwrap()].into();
    let mut asking = need("cybercrime.judiciary");
    asking.languages = [r.language_code("fr").unwrap()].into();
    let found = run(vec![english, french], "SEN", &asking);
    assert_eq!(keys(&found), ["french", "english"]);
    assert_eq!(
        found.matches[1].factors[2].reason,
        "works in none of the languages asked for (fr)"
    );
}

#[test]
fn an_offering_at_capacity_ranks_below_one_with_room() {
    let mut full = offering("a-full", "cybercrime.judiciary", worldwide());
    full.data.capacity = Some(3);
    let mut room = offering("b-room", "cybercrime.judiciary", worldwide());
    room.data.capacity = Some(3);
    let engagements: HashMap<RecordKey, u32> =
        [(full.key.clone(), 3), (room.key.clone(), 1)].into();
    let found = run_with(
        vec![full, room],
        "GHA",
        &need("cybercrime.judiciary"),
        &engagements,
    );
    assert_eq!(keys(&found), ["b-room", "a-full"]);
    assert_eq!(
        found.matches[1].factors[4].reason,
        "at capacity (3 of 3 engagements under way)"
    );
    assert_eq!(found.matches[0].factors[4].value, 0.667);
}

#[test]
fn ended_archived_paused_and_future_offerings_never_match() {
    let theme = "cybercrime.judiciary";
    let mut ended = offering("ended", theme, worldwide());
    ended.data.ends_on = NaiveDate::from_ymd_opt(2026, 1, 1);
    let mut archived = offering("archived", theme, worldwide());
    archived.archived = true;
    let mut paused = offering("paused", theme, worldwide());
    paused.data.status = OfferingStatus::Paused;
    let mut future = offering("future", theme, worldwide());
    future.data.starts_on = NaiveDate::from_ymd_opt(2027, 1, 1);
    let mut last_day = offering("last-day", theme, worldwide());
    last_day.data.ends_on = Some(today());
    let found = run(
        vec![ended, archived, paused, future, last_day],
        "GHA",
        &need(theme),
    );
    assert_eq!(keys(&found), ["last-day"]);
    assert!(
        found.near_misses.is_empty(),
        "inactive offerings are not near misses either"
    );
}

#[test]
fn near_misses_name_every_failed_condition_closest_first() {
    let r = reference();
    let theme = "cybercrime.judiciary";
    let africa = Coverage {
        regions: [r.region_code("002").unwrap()].into(),
        ..Coverage::default()
    };
    let mut commonwealth = offering("commonwealth", theme, worldwide());
    commonwealth.data.eligibility.groups = [r.group_code("COMMONWEALTH").unwrap()].into();
    // A Commonwealth programme for Africa fails both for France.
    let mut both = offering("both", theme, africa.clone());
    both.data.eligibility.groups = [r.group_code("COMMONWEALTH").unwrap()].into();
    let found = run(
        vec![both, offering("africa", theme, africa), commonwealth],
        "FRA",
        &need(theme),
    );
    assert!(found.matches.is_empty());
    assert_eq!(found.total_near_misses, 3);
    let misses: Vec<(&str, &[Condition], &str)> = found
        .near_misses
        .iter()
        .map(|m| {
            (
                m.offered.offering.as_str(),
                m.failed.as_slice(),
                m.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        misses,
        [
            // One failed condition each, in key order; then two.
            (
                "africa",
                &[Condition::Coverage][..],
                "offered in Africa only"
            ),
            (
                "commonwealth",
                &[Condition::Eligibility][..],
                "eligible only for members of COMMONWEALTH"
            ),
            (
                "both",
                &[Condition::Coverage, Condition::Eligibility][..],
                "offered in Africa only; eligible only for members of COMMONWEALTH"
            ),
        ]
    );
    assert_eq!(
        found.near_misses[2].explanations,
        [
            "Not offered in France: offered in Africa only",
            "France may not take part: only members of Commonwealth of Nations may",
        ]
    );
    let json = serde_json::to_value(&found.near_misses[2]).unwrap();
    assert_eq!(
        json["failed"], "coverage",
        "the JSON names the first, as DESIGN.md shows one"
    );
}

#[test]
fn reasons_are_in_codes_for_tools_and_in_names_for_people() {
    let r = reference();
    let west_africa = Coverage {
        regions: [r.region_code("011").unwrap()].into(),
        ..Coverage::default()
    };
    let mut programme = offering("programme", "cybercrime", west_africa);
    programme.data.languages = [r.language_code("en").unwrap()].into();
    programme.data.modalities = [Modality::Training].into();
    programme.data.eligibility.income_levels = [IncomeLevel::LowerMiddle].into();
    programme.data.capacity = Some(5);
    let mut asking = need("cybercrime.judiciary");
    asking.languages = ["en", "fr"].map(|l| r.language_code(l).unwrap()).into();
    asking.modalities = [Modality::Training, Modality::Advisory].into();
    let engagements: HashMap<RecordKey, u32> = [(programme.key.clone(), 2)].into();
    let found = run_with(vec![programme], "GHA", &asking, &engagements);
    let m = &found.matches[0];
    let reasons: Vec<(&str, &str)> = m
        .factors
        .iter()
        .map(|f| (f.reason.as_str(), f.explanation.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "offers the whole theme cybercrime, which includes cybercrime.judiciary",
                "Works on all of Cybercrime, which includes Prosecutors and judges"
            ),
            (
                "covers the intermediate region Western Africa",
                "Offered across Western Africa"
            ),
            (
                "works in 1 of the 2 languages asked for (en)",
                "Works in English: 1 of the 2 languages asked for"
            ),
            (
                "provides 1 of the 2 preferred modalities (training)",
                "Provides training: 1 of the 2 preferred ways of working"
            ),
            ("3 of 5 engagements free", "3 of 5 engagements free"),
            (
                "high priority, from stage 1 to 3",
                "High priority, to climb from stage 1 (start-up) to 3 (established)"
            ),
        ]
    );
    assert_eq!(
        m.admission,
        "Ghana may take part as a lower-middle-income country"
    );
    let open = run(
        vec![offering("open", "cybercrime.judiciary", worldwide())],
        "GHA",
        &need("cybercrime.judiciary"),
    );
    assert_eq!(open.matches[0].admission, "Open to every country");
    assert_eq!(
        open.matches[0].factors[0].explanation,
        "Works on Prosecutors and judges, the sub-theme asked for"
    );
}

#[test]
fn the_help_text_reads_the_engines_own_values() {
    let help = WEIGHTS.explained();
    assert_eq!(
        help.clone().map(|h| h.name),
        [
            "theme",
            "geography",
            "language",
            "modality",
            "capacity",
            "urgency"
        ]
    );
    assert!(
        help[1].rewards.contains("intermediate region (0.85)"),
        "{}",
        help[1].rewards
    );
    assert!(
        help[5].rewards.contains("medium 0.6"),
        "{}",
        help[5].rewards
    );
}

#[test]
fn urgency_follows_priority_and_maturity_gap() {
    let mut urgent = need("cybercrime.judiciary");
    urgent.target_stage = Stage::Dynamic;
    let mut low = need("cybercrime.judiciary");
    low.priority = Priority::Low;
    low.target_stage = Stage::Formative;
    let catalogue = || vec![offering("o", "cybercrime.judiciary", worldwide())];
    let high_score = run(catalogue(), "GHA", &urgent).matches[0].score;
    let low_score = run(catalogue(), "GHA", &low).matches[0].score;
    assert!(high_score > low_score);
    assert_eq!(
        run(catalogue(), "GHA", &urgent).matches[0].factors[5].value,
        1.0
    );
}

proptest! {
    #[test]
    fn the_same_input_always_gives_the_same_output(offerings in any_catalogue(), need in any_need(), country in proptest::sample::select(COUNTRIES)) {
        let first = run(offerings.clone(), country, &need);
        let mut reversed = offerings;
        reversed.reverse();
        prop_assert_eq!(&first, &run(reversed.clone(), country, &need));
        prop_assert_eq!(first, run(reversed, country, &need));
    }

    #[test]
    fn a_match_satisfies_every_hard_condition(offerings in any_catalogue(), need in any_need(), country in proptest::sample::select(COUNTRIES)) {
        let r = reference();
        let place = r.country(country).unwrap();
        let found = run(offerings.clone(), country, &need);
        for m in &found.matches {
            let o = offerings.iter().find(|o| o.key == m.offered.offering).unwrap();
            prop_assert!(active(o, today()).is_ok());
            prop_assert!(theme_fit(o, &need.theme, r).is_some());
            prop_assert!(o.data.coverage.reach(place, r).is_some());
            prop_assert!(o.data.eligibility.admits(place, r));
            prop_assert!((0.0..=1.0).contains(&m.score));
        }
        for pair in found.matches.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score);
        }
    }

    #[test]
    fn a_near_miss_names_exactly_the_conditions_it_fails(offerings in any_catalogue(), need in any_need(), country in proptest::sample::select(COUNTRIES)) {
        let r = reference();
        let place = r.country(country).unwrap();
        let found = run(offerings.clone(), country, &need);
        for miss in &found.near_misses {
            let o = offerings.iter().find(|o| o.key == miss.offered.offering).unwrap();
            prop_assert!(active(o, today()).is_ok());
            prop_assert!(theme_fit(o, &need.theme, r).is_some());
            let failed = Failed {
                coverage: o.data.coverage.reach(place, r).is_none(),
                eligibility: !o.data.eligibility.admits(place, r),
            };
            prop_assert!(failed.count() > 0);
            prop_assert_eq!(&miss.failed, &failed.conditions());
            prop_assert_eq!(miss.explanations.len(), miss.failed.len());
        }
        for pair in found.near_misses.windows(2) {
            prop_assert!(pair[0].failed.len() <= pair[1].failed.len(), "closest first");
        }
    }

    #[test]
    fn every_active_offering_on_the_theme_is_a_match_or_a_near_miss(offerings in any_catalogue(), need in any_need(), country in proptest::sample::select(COUNTRIES)) {
        let r = reference();
        let place = r.country(country).unwrap();
        let found = run(offerings.clone(), country, &need);
        let on_theme: Vec<&Offering> = offerings
            .iter()
            .filter(|o| active(o, today()).is_ok() && theme_fit(o, &need.theme, r).is_some())
            .collect();
        let matching: BTreeSet<&str> = on_theme
            .iter()
            .filter(|o| o.data.coverage.reach(place, r).is_some() && o.data.eligibility.admits(place, r))
            .map(|o| o.key.as_str())
            .collect();
        let matched: BTreeSet<&str> = found.matches.iter().map(|m| m.offered.offering.as_str()).collect();
        prop_assert_eq!(matched, matching);
        prop_assert_eq!(found.total_matches + found.total_near_misses, on_theme.len());
        prop_assert_eq!(found.near_misses.len(), found.total_near_misses);
    }

    #[test]
    fn improving_one_factor_never_lowers_the_score(
        original in any_offering(0), need in any_need(), country in proptest::sample::select(COUNTRIES), improvement in 0usize..5,
    ) {
        let r = reference();
        let mut better = original.clone();
        match improvement {
            0 => better.data.themes = [need.theme.clone()].into(),
            1 => better.data.coverage.countries.extend([r.iso3(country).unwrap()]),
            2 => better.data.languages.extend(need.languages.iter().cloned()),
            3 => better.data.modalities.extend(need.modalities.iter().copied()),
            _ => better.data.capacity = None,
        }
        let before = run(vec![original], country, &need);
        let after = run(vec![better], country, &need);
        if let Some(score) = before.best_score() {
            prop_assert!(after.best_score().is_some_and(|s| s >= score), "{:?} -> {:?}", score, after.best_score());
        }
    }
}

proptest! {
    /// Keeping the best k gives the first k of the full ranking, and the same totals.
    #[test]
    fn keeping_the_best_k_is_the_head_of_the_full_ranking(
        offerings in any_catalogue(), need in any_need(), country in proptest::sample::select(COUNTRIES), k in 0usize..6,
    ) {
        let engagements = Engagements::default();
        let context = Context { reference: reference(), today: today(), engagements: &engagements, weights: WEIGHTS };
        let catalogue = Catalogue::new(offerings);
        let place = reference().country(country).unwrap();
        let view = catalogue.view(place, reference(), today());
        let full = context.explain(&catalogue, place, &need, &context.rank(&catalogue, &view, &need, None), None);
        let best = context.explain(&catalogue, place, &need, &context.rank(&catalogue, &view, &need, Some(k)), None);
        prop_assert_eq!(&best.matches[..], &full.matches[..k.min(full.matches.len())]);
        prop_assert_eq!(&best.near_misses[..], &full.near_misses[..k.min(full.near_misses.len())]);
        prop_assert_eq!((best.total_matches, best.total_near_misses), (full.total_matches, full.total_near_misses));
    }
}

/// `offerings` with `moves` made, in turn.
fn moved(offerings: &[Offering], moves: &[(usize, Option<Offering>)]) -> Vec<Offering> {
    let mut by_key: std::collections::BTreeMap<String, Offering> = offerings
        .iter()
        .map(|o| (o.key.to_string(), o.clone()))
        .collect();
    for (k, now) in moves {
        let key = format!("offering-{k}");
        match now {
            Some(o) => by_key.insert(key, o.clone()),
            None => by_key.remove(&key),
        };
    }
    by_key.into_values().collect()
}

fn every_answer(catalogue: &Catalogue, need: &Need) -> Vec<NeedMatches> {
    let engagements = Engagements::from(HashMap::from([(
        RecordKey::parse("offering-3").unwrap(),
        2,
    )]));
    let context = Context {
        reference: reference(),
        today: today(),
        engagements: &engagements,
        weights: WEIGHTS,
    };
    COUNTRIES
        .iter()
        .map(|c| context.match_need(catalogue, reference().country(c).unwrap(), need))
        .collect()
}

proptest! {
    /// A catalogue changed offering by offering, twice, answers every need
    /// in every country as one built whole from the same offerings.
    #[test]
    fn a_changed_catalogue_answers_as_one_built_whole(
        offerings in any_catalogue(), first in any_moves(), second in any_moves(), need in any_need(),
    ) {
        let changed = Catalogue::new(offerings.clone())
            .changed(changes(&first))
            .changed(changes(&second));
        let whole = Catalogue::new(moved(&moved(&offerings, &first), &second));
        let keys = |c: &Catalogue| c.offerings().map(|o| o.key.to_string()).collect::<Vec<_>>();
        prop_assert_eq!(keys(&changed), keys(&whole));
        prop_assert_eq!(every_answer(&changed, &need), every_answer(&whole, &need));
    }

    /// While no offering on a need's theme or its parent moved, the
    /// catalogue says so, and what the need finds is the same: what lets
    /// a report keep a need's matches across changes.
    #[test]
    fn a_need_finds_the_same_while_nothing_on_its_themes_moved(
        offerings in any_catalogue(), moves in any_moves(), need in any_need(),
    ) {
        let before = Catalogue::new(offerings);
        let after = before.changed(changes(&moves));
        // Each key's last move is the one that counts.
        let last: HashMap<usize, &Option<Offering>> = moves.iter().map(|(k, now)| (*k, now)).collect();
        let touched = last.iter().any(|(k, now)| {
            let key = format!("offering-{k}");
            let was = before.offerings().find(|o| o.key.as_str() == key).map(|o| &**o);
            was.into_iter().chain(now.as_ref()).any(|o| {
                o.data.themes.iter().any(|t| theme_fit_code(t, &need.theme))
            })
        });
        let same = after.changed_for(&need.theme, reference()) == before.changed_for(&need.theme, reference());
        prop_assert_eq!(same, !touched);
        if same {
            prop_assert_eq!(every_answer(&after, &need), every_answer(&before, &need));
        }
    }
}

/// Whether an offering on `offered` is one a need on `asked` considers:
/// the theme itself or its parent.
fn theme_fit_code(offered: &ThemeCode, asked: &ThemeCode) -> bool {
    let parent = reference()
        .theme(asked.as_str())
        .and_then(|t| t.parent.as_ref());
    offered == asked || Some(offered) == parent
}
