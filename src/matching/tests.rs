//! The engine's rules, one test each, and the properties that must hold for
//! every catalogue and need.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::domain::codes::LanguageCode;
use crate::domain::offering::OfferingData;
use crate::domain::vocab::{IncomeLevel, Modality, NeedStatus, Stage};
use crate::reference_data;

fn reference() -> &'static ReferenceData {
    static REFERENCE: OnceLock<ReferenceData> = OnceLock::new();
    REFERENCE.get_or_init(|| reference_data::load().unwrap())
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn offering(key: &str, theme: &str, coverage: Coverage) -> Offering {
    let r = reference();
    Offering {
        id: 0,
        key: RecordKey::parse(key).unwrap(),
        provider_name: "Provider".into(),
        data: OfferingData {
            provider: RecordKey::parse("provider").unwrap(),
            title: key.into(),
            description: String::new(),
            themes: [r.theme_code(theme).unwrap()].into(),
            coverage,
            eligibility: Eligibility::default(),
            modalities: BTreeSet::new(),
            languages: BTreeSet::new(),
            capacity: None,
            starts_on: None,
            ends_on: None,
            status: OfferingStatus::Active,
        },
        archived: false,
        created_at: Default::default(),
        updated_at: Default::default(),
    }
}

fn worldwide() -> Coverage {
    Coverage {
        global: true,
        ..Coverage::default()
    }
}

fn need(theme: &str) -> Need {
    Need {
        key: Some(RecordKey::parse("gha-2026-1").unwrap()),
        theme: reference().theme_code(theme).unwrap(),
        priority: Priority::High,
        current_stage: Stage::StartUp,
        target_stage: Stage::Established,
        description: "Judges".into(),
        modalities: BTreeSet::new(),
        languages: BTreeSet::new(),
        wanted_by: None,
        status: NeedStatus::Open,
        withdrawn_reason: None,
    }
}

fn run(offerings: Vec<Offering>, country: &str, need: &Need) -> NeedMatches {
    let engagements = HashMap::new();
    run_with(offerings, country, need, &engagements)
}

fn run_with(
    offerings: Vec<Offering>,
    country: &str,
    need: &Need,
    engagements: &HashMap<RecordKey, u32>,
) -> NeedMatches {
    let context = Context {
        reference: reference(),
        today: today(),
        engagements,
        weights: WEIGHTS,
    };
    context.match_need(
        &Catalogue::new(offerings),
        reference().country(country).unwrap(),
        need,
    )
}

fn keys(found: &NeedMatches) -> Vec<&str> {
    found.matches.iter().map(|m| m.offering.as_str()).collect()
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
fn near_misses_say_which_condition_failed_and_why() {
    let r = reference();
    let theme = "cybercrime.judiciary";
    let africa = Coverage {
        regions: [r.region_code("002").unwrap()].into(),
        ..Coverage::default()
    };
    let mut commonwealth = offering("commonwealth", theme, worldwide());
    commonwealth.data.eligibility.groups = [r.group_code("COMMONWEALTH").unwrap()].into();
    let mut both = offering("both", theme, africa.clone());
    both.data.eligibility.income_levels = [IncomeLevel::Low].into();
    let found = run(
        vec![offering("africa", theme, africa), commonwealth, both],
        "FRA",
        &need(theme),
    );
    assert!(found.matches.is_empty());
    let misses: Vec<(&str, Condition, &str)> = found
        .near_misses
        .iter()
        .map(|m| (m.offering.as_str(), m.failed, m.reason.as_str()))
        .collect();
    assert_eq!(
        misses,
        [
            ("africa", Condition::Coverage, "offered in Africa only"),
            (
                "commonwealth",
                Condition::Eligibility,
                "eligible only for members of COMMONWEALTH"
            ),
        ]
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

// Properties over any catalogue and need.

const THEMES: &[&str] = &[
    "cybercrime",
    "cybercrime.judiciary",
    "cybercrime.legislation",
    "incident-ciip",
    "incident-ciip.cert",
];
const SUBTHEMES: &[&str] = &[
    "cybercrime.judiciary",
    "cybercrime.legislation",
    "incident-ciip.cert",
];
const COUNTRIES: &[&str] = &["GHA", "FRA", "NER", "KEN", "BRA", "JPN", "GBR", "IND"];
const REGIONS: &[&str] = &["002", "011", "202", "150", "142", "019", "014"];
const GROUPS: &[&str] = &["AU", "EU", "COMMONWEALTH", "LDC", "OAS"];
const LANGUAGES: &[&str] = &["en", "fr", "es", "ar"];

fn subset(items: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(items, 0..=items.len())
}

prop_compose! {
    fn any_offering(index: usize)(
        theme in proptest::sample::select(THEMES),
        global in any::<bool>(),
        countries in subset(COUNTRIES),
        regions in subset(REGIONS),
        groups in subset(GROUPS),
        eligible_groups in subset(GROUPS),
        incomes in proptest::sample::subsequence(IncomeLevel::ALL, 0..=2),
        modalities in proptest::sample::subsequence(Modality::ALL, 0..=3),
        languages in subset(LANGUAGES),
        capacity in proptest::option::of(1u32..5),
        status in proptest::sample::select(OfferingStatus::ALL),
        archived in proptest::bool::weighted(0.1),
    ) -> Offering {
        let r = reference();
        let coverage = Coverage {
            global,
            countries: countries.iter().map(|c| r.iso3(c).unwrap()).collect(),
            regions: regions.iter().map(|c| r.region_code(c).unwrap()).collect(),
            groups: groups.iter().map(|c| r.group_code(c).unwrap()).collect(),
        };
        let mut o = offering(&format!("offering-{index}"), theme, coverage);
        o.data.eligibility = Eligibility {
            groups: eligible_groups.iter().map(|c| r.group_code(c).unwrap()).collect(),
            income_levels: incomes.into_iter().collect(),
        };
        o.data.modalities = modalities.into_iter().collect();
        o.data.languages = languages.iter().map(|l| r.language_code(l).unwrap()).collect();
        o.data.capacity = capacity;
        o.data.status = status;
        o.archived = archived;
        o
    }
}

fn any_catalogue() -> impl Strategy<Value = Vec<Offering>> {
    (0usize..12).prop_flat_map(|n| (0..n).map(any_offering).collect::<Vec<_>>())
}

prop_compose! {
    fn any_need()(
        theme in proptest::sample::select(SUBTHEMES),
        priority in proptest::sample::select(Priority::ALL),
        stages in (1i64..5).prop_flat_map(|current| (Just(current), current + 1..=5)),
        languages in subset(LANGUAGES),
        modalities in proptest::sample::subsequence(Modality::ALL, 0..=3),
    ) -> Need {
        let r = reference();
        let mut n = need(theme);
        n.priority = priority;
        n.current_stage = Stage::from_number(stages.0).unwrap();
        n.target_stage = Stage::from_number(stages.1).unwrap();
        n.languages = languages.iter().map(|l| r.language_code(l).unwrap()).collect::<BTreeSet<LanguageCode>>();
        n.modalities = modalities.into_iter().collect();
        n
    }
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
            let o = offerings.iter().find(|o| o.key == m.offering).unwrap();
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
    fn a_near_miss_fails_exactly_the_condition_it_names(offerings in any_catalogue(), need in any_need(), country in proptest::sample::select(COUNTRIES)) {
        let r = reference();
        let place = r.country(country).unwrap();
        for miss in run(offerings.clone(), country, &need).near_misses {
            let o = offerings.iter().find(|o| o.key == miss.offering).unwrap();
            prop_assert!(active(o, today()).is_ok());
            prop_assert!(theme_fit(o, &need.theme, r).is_some());
            let reaches = o.data.coverage.reach(place, r).is_some();
            let admitted = o.data.eligibility.admits(place, r);
            match miss.failed {
                Condition::Coverage => prop_assert!(!reaches && admitted),
                Condition::Eligibility => prop_assert!(reaches && !admitted),
            }
        }
    }

    #[test]
    fn improving_one_factor_never_lowers_the_score(
        original in any_offering(0), need in any_need(), country in proptest::sample::select(COUNTRIES), improvement in 0usize..5,
    ) {
        let r = reference();
        let mut better = original.clone();
        match improvement {
            0 => better.data.themes = [need.theme.clone()].into(),
            1 => { better.data.coverage.countries.insert(r.iso3(country).unwrap()); }
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
        let engagements = HashMap::new();
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
