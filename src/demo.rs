//! Demo data: every organisation in data/actors.csv as a provider with one
//! offering that reflects its row (themes, coverage, eligibility). Built as
//! an interchange document, so it goes through the same checks as any import.

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::interchange::{
    AssessmentRecord, CoverageRecord, Document, EligibilityRecord, NeedRecord, OfferingRecord,
    ProviderRecord,
};
use crate::reference_data::ACTORS;

#[derive(Deserialize)]
struct ActorRow {
    key: String,
    name: String,
    kind: String,
    hq_iso3: String,
    website: String,
    seed_mention: String,
    themes: String,
    coverage: String,
    eligibility: String,
}

/// One demo need: sub-theme, priority, current and target stage, what is
/// needed, preferred modalities and languages.
type DemoNeed = (
    &'static str,
    &'static str,
    u8,
    u8,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

/// Needs assessments of eight countries across regions, at every
/// visibility, written like the needs countries state, so that a new
/// database's reports show matches, near misses, gaps and overlaps.
const ASSESSMENTS: &[(&str, &str, &str, &str, &[DemoNeed])] = &[
    (
        "gha-2026",
        "GHA",
        "public",
        "Cyber Security Authority, Ghana",
        &[
            (
                "cybercrime.judiciary",
                "high",
                1,
                3,
                "Judges and prosecutors trained to handle electronic evidence in cybercrime trials",
                &["training"],
                &["en"],
            ),
            (
                "incident-ciip.cert",
                "high",
                2,
                4,
                "The national CERT's incident handling brought to a 24/7 service",
                &["technical-assistance", "training"],
                &["en"],
            ),
            (
                "culture-skills.awareness",
                "medium",
                1,
                3,
                "A national awareness campaign for small businesses",
                &["advisory"],
                &["en"],
            ),
        ],
    ),
    (
        "sen-2026",
        "SEN",
        "registered",
        "Ministère de la Communication, Sénégal",
        &[
            (
                "cybercrime.legislation",
                "high",
                2,
                3,
                "Cybercrime law aligned with the Budapest and Malabo conventions",
                &["advisory"],
                &["fr"],
            ),
            (
                "culture-skills.awareness",
                "medium",
                1,
                2,
                "Awareness raising for school pupils and teachers",
                &["training"],
                &["fr"],
            ),
        ],
    ),
    (
        "ken-2026",
        "KEN",
        "restricted",
        "National KE-CIRT/CC, Kenya",
        &[
            (
                "incident-ciip.ciip",
                "high",
                1,
                3,
                "Critical information infrastructure identified and its operators' duties set",
                &["advisory", "assessment"],
                &["en"],
            ),
            (
                "policy-strategy.national-strategy",
                "medium",
                2,
                4,
                "The national cybersecurity strategy revised, with an action plan",
                &["advisory"],
                &["en"],
            ),
        ],
    ),
    (
        "idn-2026",
        "IDN",
        "public",
        "Badan Siber dan Sandi Negara, Indonesia",
        &[
            (
                "incident-ciip.cert-cooperation",
                "high",
                2,
                4,
                "Regional CERT cooperation for cross-border incidents",
                &["exchange", "exercise"],
                &["en"],
            ),
            (
                "culture-skills.workforce",
                "medium",
                1,
                3,
                "A cybersecurity workforce framework for the civil service",
                &["training"],
                &["en"],
            ),
        ],
    ),
    (
        "col-2026",
        "COL",
        "public",
        "MinTIC, Colombia",
        &[
            (
                "cybercrime.law-enforcement",
                "high",
                2,
                4,
                "A specialised police cybercrime unit with digital forensics",
                &["training", "equipment"],
                &["es"],
            ),
            (
                "digital-development.data-protection",
                "low",
                2,
                3,
                "The data protection authority's inspection practice",
                &["advisory"],
                &["es"],
            ),
        ],
    ),
    (
        "ukr-2026",
        "UKR",
        "registered",
        "State Service of Special Communications, Ukraine",
        &[
            (
                "standards.infrastructure-resilience",
                "high",
                2,
                4,
                "Energy grid control systems hardened against attack",
                &["technical-assistance", "equipment"],
                &["en"],
            ),
            (
                "international-security.norms",
                "medium",
                3,
                4,
                "Diplomats briefed on the UN framework of responsible state behaviour",
                &["training"],
                &["en"],
            ),
        ],
    ),
    (
        "fji-2026",
        "FJI",
        "public",
        "Ministry of Communications, Fiji",
        &[
            (
                "policy-strategy.national-strategy",
                "high",
                1,
                2,
                "A first national cybersecurity strategy",
                &["advisory"],
                &["en"],
            ),
            (
                "digital-development.affordable-access",
                "medium",
                2,
                3,
                "Affordable rural broadband with security built in",
                &["funding"],
                &["en"],
            ),
        ],
    ),
    (
        "jam-2026",
        "JAM",
        "restricted",
        "Ministry of Science, Energy and Technology, Jamaica",
        &[
            (
                "cybercrime.international-cooperation",
                "medium",
                1,
                3,
                "Mutual legal assistance requests for electronic evidence handled within weeks",
                &["training", "advisory"],
                &["en"],
            ),
            (
                "standards.secure-software",
                "low",
                1,
                2,
                "Secure procurement rules for government software",
                &["advisory"],
                &["en"],
            ),
        ],
    ),
];

/// What each demo offering is called and how it is delivered; the rest comes
/// from the actor's row.
const OFFERINGS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "oxford-gcscc",
        "Cybersecurity capacity maturity reviews",
        &["assessment", "research"],
        &["en"],
    ),
    (
        "undp",
        "National cyber strategy and digital governance support",
        &["advisory", "technical-assistance", "funding"],
        &["en", "fr", "es", "ar"],
    ),
    (
        "coe-cproc",
        "Budapest Convention implementation: legislation, investigators and judges",
        &["training", "advisory"],
        &["en", "fr"],
    ),
    (
        "commonwealth-cci",
        "Commonwealth cybercrime needs assessments and law reform",
        &["assessment", "advisory"],
        &["en"],
    ),
    (
        "wb-korea-gcsc",
        "ICT policy and CERT training programme",
        &["training", "exchange"],
        &["en"],
    ),
    (
        "eu-cbb",
        "EU external cyber capacity building",
        &["technical-assistance", "funding", "training"],
        &["en", "fr"],
    ),
    (
        "arf",
        "ARF cyber confidence building workshops",
        &["exchange", "exercise"],
        &["en"],
    ),
    (
        "osce",
        "OSCE cyber confidence building measures",
        &["exchange", "advisory"],
        &["en", "ru"],
    ),
    (
        "oas-cicte",
        "Inter-American CSIRT development and strategy support",
        &["technical-assistance", "training"],
        &["es", "en"],
    ),
    (
        "au",
        "African CERT community and cyber legislation support",
        &["advisory", "exchange"],
        &["en", "fr", "ar", "pt"],
    ),
    (
        "apcert",
        "APCERT drills and regional CERT cooperation",
        &["exercise", "exchange"],
        &["en"],
    ),
    (
        "meridian",
        "MERIDIAN critical information infrastructure protection exchange",
        &["exchange"],
        &["en"],
    ),
    (
        "wef",
        "Cyber resilience principles workshops",
        &["advisory", "exchange"],
        &["en"],
    ),
    (
        "ict4peace",
        "Norms and confidence building for diplomats",
        &["training", "research"],
        &["en"],
    ),
    (
        "interpol-igci",
        "Cybercrime investigation and cross-border cooperation",
        &["training", "technical-assistance"],
        &["en", "fr", "es", "ar"],
    ),
    (
        "europol-ec3",
        "EC3 cybercrime investigation support",
        &["technical-assistance", "training"],
        &["en"],
    ),
    (
        "unodc",
        "Global Programme on Cybercrime technical assistance",
        &["technical-assistance", "training", "advisory"],
        &["en", "fr", "es"],
    ),
    (
        "g8-247",
        "24/7 high-tech crime points of contact",
        &["exchange"],
        &["en"],
    ),
    (
        "a4ai",
        "Affordable internet policy and regulatory reform",
        &["advisory", "research"],
        &["en", "fr", "es"],
    ),
    (
        "igf",
        "Internet policy principles guidance",
        &["advisory", "exchange"],
        &["en"],
    ),
    (
        "ogp",
        "Open government peer exchange",
        &["exchange", "advisory"],
        &["en", "es", "fr"],
    ),
    (
        "sif",
        "Human rights online: institutional capacity building",
        &["exchange", "training"],
        &["en"],
    ),
    (
        "cto",
        "Commonwealth Cyberspace Policy Framework implementation",
        &["advisory", "training"],
        &["en"],
    ),
    (
        "itu",
        "CIRT establishment and affordable access programme",
        &["assessment", "technical-assistance", "training"],
        &["en", "fr", "es", "ar", "ru", "zh"],
    ),
];

/// Turns actors.csv's coverage column ("global", "group:AU", "region:142;region:009").
fn coverage(text: &str) -> CoverageRecord {
    let mut coverage = CoverageRecord::default();
    for part in text.split(';').map(str::trim) {
        match part.split_once(':') {
            Some(("group", code)) => coverage.groups.push(code.to_owned()),
            Some(("region", code)) => coverage.regions.push(code.to_owned()),
            Some(("country", code)) => coverage.countries.push(code.to_owned()),
            _ if part == "global" => coverage.global = true,
            _ => {}
        }
    }
    coverage
}

/// Turns actors.csv's eligibility column into conditions. Conditions the
/// reference data cannot express (parties to the Budapest Convention) stay in
/// the offering's description instead of becoming a wrong hard condition.
fn eligibility(text: &str) -> (EligibilityRecord, Option<String>) {
    let mut eligibility = EligibilityRecord::default();
    let text = text.trim();
    if text.is_empty() {
        return (eligibility, None);
    }
    if let Some(group) = text.strip_prefix("group:") {
        eligibility.groups.push(group.to_owned());
        return (eligibility, None);
    }
    if text.contains("LDC") {
        eligibility.groups.push("LDC".to_owned());
    }
    if text.contains("low") {
        eligibility.income_levels.push("low".to_owned());
    }
    if text.contains("lower-middle") {
        eligibility.income_levels.push("lower-middle".to_owned());
    }
    let unstructured = eligibility.groups.is_empty() && eligibility.income_levels.is_empty();
    (
        eligibility,
        unstructured.then(|| format!("Open to {text}.")),
    )
}

pub fn document() -> Result<Document> {
    let mut document = Document::default();
    let mut reader = csv::Reader::from_reader(ACTORS.as_bytes());
    for (i, row) in reader.deserialize::<ActorRow>().enumerate() {
        let row = row.with_context(|| format!("data/actors.csv, record {}", i + 1))?;
        let &(_, title, modalities, languages) = OFFERINGS
            .iter()
            .find(|(key, ..)| *key == row.key)
            .with_context(|| format!("no demo offering is described for actor {}", row.key))?;
        let (eligibility, condition) = eligibility(&row.eligibility);
        let description = match condition {
            Some(condition) => format!("{} {condition}", row.seed_mention),
            None => format!("{}.", row.seed_mention.trim_end_matches('.')),
        };
        let none_if_blank = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        document.offerings.push(OfferingRecord {
            key: format!("{}-programme", row.key),
            provider: row.key.clone(),
            title: title.to_owned(),
            description,
            themes: row.themes.split(';').map(|t| t.trim().to_owned()).collect(),
            coverage: coverage(&row.coverage),
            eligibility,
            modalities: modalities.iter().map(|m| (*m).to_owned()).collect(),
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            capacity: Some(2 + (i as u32 * 7) % 9),
            starts_on: Some("2026-01-01".to_owned()),
            ends_on: None,
            status: "active".to_owned(),
            archived: false,
        });
        document.providers.push(ProviderRecord {
            key: row.key,
            name: row.name,
            kind: row.kind,
            hq_country: none_if_blank(&row.hq_iso3),
            website: none_if_blank(&row.website),
            email: None,
            description: row.seed_mention,
            archived: false,
        });
    }
    document.assessments = ASSESSMENTS
        .iter()
        .map(
            |&(key, country, visibility, submitted_by, needs)| AssessmentRecord {
                key: key.to_owned(),
                country: country.to_owned(),
                status: "submitted".to_owned(),
                submitted_by: submitted_by.to_owned(),
                contact: None,
                note: String::new(),
                withdrawn_reason: None,
                visibility: Some(visibility.to_owned()),
                needs: needs
                    .iter()
                    .map(
                        |&(
                            theme,
                            priority,
                            current,
                            target,
                            description,
                            modalities,
                            languages,
                        )| {
                            NeedRecord {
                                key: String::new(),
                                theme: Some(theme.to_owned()),
                                priority: Some(priority.to_owned()),
                                current_stage: Some(current),
                                target_stage: Some(target),
                                description: description.to_owned(),
                                modalities: modalities.iter().map(|m| (*m).to_owned()).collect(),
                                languages: languages.iter().map(|l| (*l).to_owned()).collect(),
                                wanted_by: None,
                                status: "open".to_owned(),
                                withdrawn_reason: None,
                            }
                        },
                    )
                    .collect(),
            },
        )
        .collect();
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_data;

    #[test]
    fn every_actor_becomes_a_provider_with_an_offering() {
        let document = document().unwrap();
        assert_eq!(document.providers.len(), OFFERINGS.len());
        assert_eq!(document.offerings.len(), document.providers.len());
        let undp = document
            .offerings
            .iter()
            .find(|o| o.provider == "undp")
            .unwrap();
        assert_eq!(undp.eligibility.groups, ["LDC"]);
        assert_eq!(undp.eligibility.income_levels, ["low", "lower-middle"]);
        let apcert = document
            .offerings
            .iter()
            .find(|o| o.provider == "apcert")
            .unwrap();
        assert_eq!(apcert.coverage.regions, ["142", "009"]);
        let coe = document
            .offerings
            .iter()
            .find(|o| o.provider == "coe-cproc")
            .unwrap();
        assert!(coe.coverage.global && coe.description.contains("Budapest Convention"));
        let reference = reference_data::load().unwrap();
        // The assessments are valid as the import checks them, at every
        // visibility.
        let visibilities: std::collections::BTreeSet<_> = document
            .assessments
            .iter()
            .map(|a| a.visibility.clone())
            .collect();
        assert_eq!(visibilities.len(), 3);
        for assessment in &document.assessments {
            assert!(assessment.parse(&reference).is_ok(), "{}", assessment.key);
        }
    }
}
