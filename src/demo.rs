//! Demo data: every organisation in data/actors.csv as a provider with one
//! offering that reflects its row (themes, coverage, eligibility). Built as
//! an interchange document, so it goes through the same checks as any import.

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::interchange::{
    CoverageRecord, Document, EligibilityRecord, OfferingRecord, ProviderRecord,
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
        let _ = reference_data::load().unwrap();
    }
}
