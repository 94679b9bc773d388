//! A realistic synthetic directory for benchmarks and load tests: N
//! offerings from N/10 providers, and a submitted assessment with needs for
//! every independent country. The same N and seed give the same data.

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::domain::reference::ReferenceData;
use crate::domain::vocab::{IncomeLevel, Modality, Priority, ProviderKind};
use crate::interchange::{
    AssessmentRecord, CoverageRecord, Document, EligibilityRecord, NeedRecord, OfferingRecord,
    ProviderRecord,
};

/// Languages capacity building is mostly delivered in, most common first.
const LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "ru", "pt", "zh"];

pub struct Settings {
    pub offerings: usize,
    pub needs_per_country: usize,
    pub seed: u64,
}

impl Settings {
    /// The scale the performance targets name: 50,000 offerings and 20
    /// open needs in each independent country.
    pub const TARGETS: Settings = Settings {
        offerings: 50_000,
        needs_per_country: 20,
        seed: 1,
    };
}

fn some<'a, T>(rng: &mut StdRng, items: &'a [T], most: usize) -> Vec<&'a T> {
    let n = rng.random_range(1..=most.min(items.len()).max(1));
    items.choose_multiple(rng, n).collect()
}

pub fn document(reference: &ReferenceData, settings: &Settings) -> Document {
    let mut rng = StdRng::seed_from_u64(settings.seed);
    let countries: Vec<_> = reference
        .countries()
        .iter()
        .filter(|c| c.independent && c.region.is_some())
        .collect();
    let subthemes: Vec<_> = reference
        .themes()
        .iter()
        .filter(|t| !t.is_parent())
        .collect();
    let parents: Vec<_> = reference.parent_themes().collect();
    let regions: Vec<_> = reference.regions().iter().collect();
    let groups: Vec<_> = reference.groups().iter().collect();
    let provider_count = (settings.offerings / 10).max(1);

    let providers: Vec<ProviderRecord> = (0..provider_count)
        .map(|i| ProviderRecord {
            key: format!("synthetic-provider-{i:05}"),
            name: format!("Synthetic provider {i}"),
            kind: ProviderKind::ALL
                .choose(&mut rng)
                .map(|k| k.code())
                .unwrap_or("government")
                .to_owned(),
            hq_country: countries.choose(&mut rng).map(|c| c.iso3.to_string()),
            website: Some(format!("https://provider-{i}.example.org")),
            email: None,
            description: "Synthetic provider for benchmarks".to_owned(),
            archived: false,
        })
        .collect();

    let offerings = (0..settings.offerings)
        .map(|i| {
            // Mostly sub-themes; one in ten covers a whole parent theme.
            let themes: Vec<String> = if rng.random_bool(0.1) {
                vec![
                    parents
                        .choose(&mut rng)
                        .map(|t| t.code.to_string())
                        .unwrap_or_default(),
                ]
            } else {
                some(&mut rng, &subthemes, 3)
                    .iter()
                    .map(|t| t.code.to_string())
                    .collect()
            };
            let mut coverage = CoverageRecord::default();
            match rng.random_range(0..10) {
                0..=2 => coverage.global = true,
                3..=5 => {
                    coverage.regions = some(&mut rng, &regions, 2)
                        .iter()
                        .map(|r| r.code.to_string())
                        .collect();
                }
                6..=7 => {
                    coverage.groups = some(&mut rng, &groups, 2)
                        .iter()
                        .map(|g| g.code.to_string())
                        .collect()
                }
                _ => {
                    coverage.countries = some(&mut rng, &countries, 5)
                        .iter()
                        .map(|c| c.iso3.to_string())
                        .collect()
                }
            }
            let mut eligibility = EligibilityRecord::default();
            match rng.random_range(0..20) {
                0..=2 => {
                    eligibility.income_levels = some(&mut rng, &IncomeLevel::ALL[..3], 2)
                        .iter()
                        .map(|l| l.code().to_owned())
                        .collect()
                }
                3..=4 => {
                    eligibility.groups = vec![
                        groups
                            .choose(&mut rng)
                            .map(|g| g.code.to_string())
                            .unwrap_or_default(),
                    ]
                }
                _ => {}
            }
            let mut languages: Vec<String> = vec!["en".to_owned()];
            if rng.random_bool(0.5) {
                languages.extend(
                    some(&mut rng, &LANGUAGES[1..], 2)
                        .iter()
                        .map(|l| (**l).to_owned()),
                );
            }
            languages.sort();
            languages.dedup();
            OfferingRecord {
                key: format!("synthetic-offering-{i:06}"),
                provider: format!("synthetic-provider-{:05}", i % provider_count),
                title: format!("Synthetic programme {i}"),
                description: "Synthetic offering for benchmarks".to_owned(),
                themes,
                coverage,
                eligibility,
                modalities: some(&mut rng, Modality::ALL, 3)
                    .iter()
                    .map(|m| m.code().to_owned())
                    .collect(),
                languages,
                capacity: rng.random_bool(0.5).then(|| rng.random_range(1..20)),
                starts_on: Some("2026-01-01".to_owned()),
                ends_on: None,
                status: if rng.random_bool(0.9) {
                    "active"
                } else {
                    "paused"
                }
                .to_owned(),
                archived: false,
            }
        })
        .collect();

    let assessments = countries
        .iter()
        .map(|country| {
            let key = format!("{}-synthetic", country.iso3.as_str().to_lowercase());
            let mut themes = subthemes.clone();
            themes.shuffle(&mut rng);
            let needs = (0..settings.needs_per_country)
                .map(|n| {
                    let current = rng.random_range(1..=4u8);
                    NeedRecord {
                        key: format!("{key}-{}", n + 1),
                        theme: Some(themes[n % themes.len()].code.to_string()),
                        priority: Priority::ALL.choose(&mut rng).map(|p| p.code().to_owned()),
                        current_stage: Some(current),
                        target_stage: Some(rng.random_range(current + 1..=5)),
                        description: "Synthetic need".to_owned(),
                        modalities: some(&mut rng, Modality::ALL, 2)
                            .iter()
                            .map(|m| m.code().to_owned())
                            .collect(),
                        languages: vec![
                            LANGUAGES[..3]
                                .choose(&mut rng)
                                .copied()
                                .unwrap_or("en")
                                .to_owned(),
                        ],
                        wanted_by: Some("2099-12-31".to_owned()),
                        status: "open".to_owned(),
                        withdrawn_reason: None,
                    }
                })
                .collect();
            AssessmentRecord {
                key,
                country: country.iso3.to_string(),
                status: "submitted".to_owned(),
                submitted_by: "Synthetic focal point".to_owned(),
                contact: None,
                note: String::new(),
                withdrawn_reason: None,
                // Public, so load tests read every report as anyone would.
                visibility: Some("public".to_owned()),
                needs,
            }
        })
        .collect();
    Document {
        providers,
        offerings,
        assessments,
        matches: Vec::new(),
    }
}

/// The synthetic directory as the engine sees it, without a database: the
/// offerings and the open needs, for benchmarks.
pub fn in_memory(
    reference: &ReferenceData,
    settings: &Settings,
) -> (
    Vec<crate::domain::Offering>,
    Vec<crate::domain::assessment::OpenNeed>,
) {
    let document = document(reference, settings);
    let names: std::collections::HashMap<&str, &str> = document
        .providers
        .iter()
        .map(|p| (p.key.as_str(), p.name.as_str()))
        .collect();
    let offerings = document
        .offerings
        .iter()
        .enumerate()
        .filter_map(|(i, record)| {
            let data = record.to_input().parse(reference).ok()?.data;
            Some(crate::domain::Offering {
                id: i as i64,
                key: crate::domain::RecordKey::parse(&record.key).ok()?,
                provider_name: names
                    .get(record.provider.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
                data,
                archived: record.archived,
                created_at: Default::default(),
                updated_at: Default::default(),
                version: 1,
            })
        })
        .collect();
    let needs = document
        .assessments
        .iter()
        .flat_map(|assessment| {
            let country = reference.iso3(&assessment.country).ok();
            let key = crate::domain::RecordKey::parse(&assessment.key).ok();
            assessment.needs.iter().filter_map(move |record| {
                let draft = record.to_input();
                let input = crate::domain::assessment::AssessmentInput {
                    needs: vec![draft],
                    ..Default::default()
                };
                let intent = crate::domain::assessment::Intent::Submit(
                    crate::domain::assessment::Deadlines::AsRecorded,
                );
                let data = input.parse(reference, intent).ok()?;
                let need = data.open_needs().first().copied()?.clone();
                Some(crate::domain::assessment::OpenNeed {
                    country: country.clone()?,
                    assessment: key.clone()?,
                    need,
                    visibility: crate::domain::Visibility::Public,
                })
            })
        })
        .collect();
    (offerings, needs)
}

/// Engagements under way for part of each limited offering, the same every
/// time: offering `i` with capacity `c` has `(7 i) mod (c + 1)`, so free
/// places run from none to all. The synthetic directory records none.
pub fn partly_booked(
    catalogue: &crate::matching::Catalogue,
) -> std::collections::HashMap<crate::domain::RecordKey, u32> {
    catalogue
        .offerings()
        .enumerate()
        .filter_map(|(i, o)| {
            let capacity = o.data.capacity?;
            Some((o.key.clone(), (7 * i as u32) % (capacity + 1)))
        })
        .collect()
}
