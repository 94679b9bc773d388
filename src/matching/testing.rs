//! Builders and generators of offerings and needs for the engine's and the
//! reports' tests.

use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;

use crate::domain::CodeSet;
use crate::domain::assessment::Need;
use crate::domain::codes::{LanguageCode, RecordKey};
use crate::domain::offering::{Coverage, Eligibility, Offering, OfferingData};
use crate::domain::reference::ReferenceData;
use crate::domain::vocab::{IncomeLevel, Modality, NeedStatus, OfferingStatus, Priority, Stage};
use crate::reference_data;

pub fn reference() -> &'static ReferenceData {
    static REFERENCE: OnceLock<ReferenceData> = OnceLock::new();
    REFERENCE.get_or_init(|| reference_data::load().unwrap())
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn offering(key: &str, theme: &str, coverage: Coverage) -> Offering {
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
            modalities: CodeSet::new(),
            languages: CodeSet::new(),
            capacity: None,
            starts_on: None,
            ends_on: None,
            status: OfferingStatus::Active,
        },
        archived: false,
        created_at: Default::default(),
        updated_at: Default::default(),
        version: 1,
    }
}

pub fn worldwide() -> Coverage {
    Coverage {
        global: true,
        ..Coverage::default()
    }
}

pub fn need(theme: &str) -> Need {
    Need {
        key: Some(RecordKey::parse("gha-2026-1").unwrap()),
        theme: reference().theme_code(theme).unwrap(),
        priority: Priority::High,
        current_stage: Stage::StartUp,
        target_stage: Stage::Established,
        description: "Judges".into(),
        modalities: CodeSet::new(),
        languages: CodeSet::new(),
        wanted_by: None,
        status: NeedStatus::Open,
        withdrawn_reason: None,
    }
}

pub const THEMES: &[&str] = &[
    "cybercrime",
    "cybercrime.judiciary",
    "cybercrime.legislation",
    "incident-ciip",
    "incident-ciip.cert",
];
pub const SUBTHEMES: &[&str] = &[
    "cybercrime.judiciary",
    "cybercrime.legislation",
    "incident-ciip.cert",
];
pub const COUNTRIES: &[&str] = &["GHA", "FRA", "NER", "KEN", "BRA", "JPN", "GBR", "IND"];
pub const REGIONS: &[&str] = &["002", "011", "202", "150", "142", "019", "014"];
pub const GROUPS: &[&str] = &["AU", "EU", "COMMONWEALTH", "LDC", "OAS"];
pub const LANGUAGES: &[&str] = &["en", "fr", "es", "ar"];

fn subset(items: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(items, 0..=items.len())
}

prop_compose! {
    pub fn any_offering(index: usize)(
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

pub fn any_catalogue() -> impl Strategy<Value = Vec<Offering>> {
    (0usize..12).prop_flat_map(|n| (0..n).map(any_offering).collect::<Vec<_>>())
}

prop_compose! {
    pub fn any_need()(
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
        n.languages = languages.iter().map(|l| r.language_code(l).unwrap()).collect::<CodeSet<LanguageCode>>();
        n.modalities = modalities.into_iter().collect();
        n
    }
}

/// Changes to a catalogue: each a key (of sixteen, so some are new) and
/// the offering under it now, or none.
pub fn any_moves() -> impl Strategy<Value = Vec<(usize, Option<Offering>)>> {
    let one = (0usize..16).prop_flat_map(|k| (Just(k), proptest::option::of(any_offering(k))));
    proptest::collection::vec(one, 0..6)
}

/// The moves as the catalogue takes them.
pub fn changes(
    moves: &[(usize, Option<Offering>)],
) -> Vec<(RecordKey, Option<std::sync::Arc<Offering>>)> {
    moves
        .iter()
        .map(|(k, now)| {
            let key = RecordKey::parse(&format!("offering-{k}")).unwrap();
            (key, now.clone().map(std::sync::Arc::new))
        })
        .collect()
}
