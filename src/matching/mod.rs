//! The matching engine: pure functions over domain types, no database and no
//! HTTP. It reads like the rules in DESIGN.md:
//!
//! A need matches an offering when every hard condition holds:
//! 1. the offering is active and published ([`active`]);
//! 2. one of its themes is the need's theme or that theme's parent ([`theme_fit`]);
//! 3. its coverage reaches the country ([`Coverage::reach`]);
//! 4. the country meets its eligibility conditions ([`Eligibility::admits`]).
//!
//! Among matches the score is the weighted sum of the factors in [`WEIGHTS`].
//! An active offering whose theme fits but whose coverage or eligibility
//! (exactly one of them) does not is a near miss, with the reason.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::assessment::Need;
use crate::domain::codes::{RecordKey, ThemeCode};
use crate::domain::offering::{Coverage, Eligibility, Offering, Reach};
use crate::domain::reference::{Country, ReferenceData};
use crate::domain::vocab::{OfferingStatus, Priority};

mod catalogue;
#[cfg(test)]
mod tests;

pub use catalogue::{Catalogue, CountryView, Ranking};

/// How much each factor counts; they add up to 1, so a score is at most 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub theme: f64,
    pub geography: f64,
    pub language: f64,
    pub modality: f64,
    pub capacity: f64,
    pub urgency: f64,
}

/// The one place the weights live; the report pages show them.
pub const WEIGHTS: Weights = Weights {
    theme: 0.30,
    geography: 0.25,
    language: 0.15,
    modality: 0.10,
    capacity: 0.10,
    urgency: 0.10,
};

impl Weights {
    /// Name, weight and what the factor rewards, for the report pages.
    pub fn explained(&self) -> [(&'static str, f64, &'static str); 6] {
        [
            (
                "theme",
                self.theme,
                "the exact sub-theme (1) above an offering for the whole parent theme (0.5)",
            ),
            (
                "geography",
                self.geography,
                "a named country (1) above its intermediate region (0.85), sub-region (0.7), region (0.55), a group (0.4) and worldwide (0.25)",
            ),
            (
                "language",
                self.language,
                "the share of the languages the country asked for that the offering works in (1 when none were asked for)",
            ),
            (
                "modality",
                self.modality,
                "the share of the preferred modalities the offering provides (1 when none were preferred)",
            ),
            (
                "capacity",
                self.capacity,
                "the share of the offering's capacity still free (1 when not limited; 0 at capacity)",
            ),
            (
                "urgency",
                self.urgency,
                "the need's priority (high 1, medium 0.6, low 0.3) and maturity gap, so urgent needs rank first across a report",
            ),
        ]
    }
}

impl Weights {
    /// The weights in thousandths, in factor order.
    fn milli(&self) -> [u64; 6] {
        [
            self.theme,
            self.geography,
            self.language,
            self.modality,
            self.capacity,
            self.urgency,
        ]
        .map(milli)
    }
}

/// A value between 0 and 1 in thousandths, rounded.
fn milli(value: f64) -> u64 {
    (value * 1000.0 + 0.5) as u64
}

/// The score, in thousandths, of factor values in thousandths: the weighted
/// sum, rounded. Integer arithmetic, so the ranking and the explanation
/// agree to the last digit.
fn score_milli(weights: &[u64; 6], values: [u64; 6]) -> u64 {
    let total: u64 = weights.iter().zip(values).map(|(w, v)| w * v).sum();
    (total + 500) / 1000
}

/// A score below this is a weak match: the gaps report lists such needs.
pub const WEAK_SCORE: f64 = 0.6;

/// One reason a match scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub name: &'static str,
    pub weight: f64,
    pub value: f64,
    pub reason: String,
}

/// An offering that meets every hard condition for a need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub offering: RecordKey,
    pub provider: RecordKey,
    #[serde(skip)]
    pub title: String,
    #[serde(skip)]
    pub provider_name: String,
    pub score: f64,
    pub factors: Vec<Factor>,
}

/// The hard condition a near miss fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    Coverage,
    Eligibility,
}

impl Condition {
    pub fn code(self) -> &'static str {
        match self {
            Condition::Coverage => "coverage",
            Condition::Eligibility => "eligibility",
        }
    }
}

/// An active offering on the need's theme that fails one other condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearMiss {
    pub offering: RecordKey,
    pub provider: RecordKey,
    #[serde(skip)]
    pub title: String,
    #[serde(skip)]
    pub provider_name: String,
    pub failed: Condition,
    pub reason: String,
}

/// What the engine found for one need: the explained matches and near
/// misses (all, or the best when a limit was asked for) and how many there are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedMatches {
    pub matches: Vec<Match>,
    pub near_misses: Vec<NearMiss>,
    pub total_matches: usize,
    pub total_near_misses: usize,
}

impl NeedMatches {
    pub fn best_score(&self) -> Option<f64> {
        self.matches.first().map(|m| m.score)
    }
}

/// Condition 1: active, published, and within its active period.
pub fn active(offering: &Offering, today: NaiveDate) -> Result<(), String> {
    let data = &offering.data;
    if offering.archived {
        return Err("archived".to_owned());
    }
    if data.status != OfferingStatus::Active {
        return Err(format!("status is {}", data.status.code()));
    }
    if data.starts_on.is_some_and(|start| start > today) {
        return Err(format!("starts on {}", data.starts_on.unwrap_or(today)));
    }
    if data.ends_on.is_some_and(|end| end < today) {
        return Err(format!("ended on {}", data.ends_on.unwrap_or(today)));
    }
    Ok(())
}

/// How an offering's themes fit a need's sub-theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ThemeFit {
    Exact,
    Parent,
}

/// Condition 2: the need's sub-theme itself, or its parent theme.
pub fn theme_fit(
    offering: &Offering,
    need_theme: &ThemeCode,
    reference: &ReferenceData,
) -> Option<ThemeFit> {
    let themes = &offering.data.themes;
    if themes.contains(need_theme) {
        return Some(ThemeFit::Exact);
    }
    let parent = reference.theme(need_theme.as_str())?.parent.as_ref()?;
    themes.contains(parent).then_some(ThemeFit::Parent)
}

/// To three decimals. Every value here is between 0 and 1, so adding a half
/// and truncating rounds, without the libm call `f64::round` costs in the
/// engine's innermost loop.
fn round(value: f64) -> f64 {
    debug_assert!(value >= 0.0);
    ((value * 1000.0 + 0.5) as u64) as f64 / 1000.0
}

fn share<T: Ord>(
    asked: &std::collections::BTreeSet<T>,
    offered: &std::collections::BTreeSet<T>,
) -> f64 {
    if asked.is_empty() {
        1.0
    } else {
        asked.intersection(offered).count() as f64 / asked.len() as f64
    }
}

/// What the engine needs to know besides the catalogue.
pub struct Context<'a> {
    pub reference: &'a ReferenceData,
    pub today: NaiveDate,
    /// Engagements each offering has under way, against its capacity.
    pub engagements: &'a HashMap<RecordKey, u32>,
    pub weights: Weights,
}

impl Context<'_> {
    /// A match with every factor's value and reason, from the rules themselves.
    fn score(&self, offering: &Offering, need: &Need, fit: ThemeFit, reach: &Reach) -> Match {
        let w = &self.weights;
        let data = &offering.data;
        let reference = self.reference;
        let (theme_value, theme_reason) = match fit {
            ThemeFit::Exact => (1.0, format!("offers exactly {}", need.theme)),
            ThemeFit::Parent => {
                let parent = reference
                    .theme(need.theme.as_str())
                    .and_then(|t| t.parent.clone());
                (
                    0.5,
                    format!(
                        "offers the whole theme {}, which includes {}",
                        parent.map(|p| p.to_string()).unwrap_or_default(),
                        need.theme
                    ),
                )
            }
        };
        let (geo_value, geo_reason) = match reach {
            Reach::Country => (1.0, "names the country".to_owned()),
            Reach::Intermediate(r) => (
                0.85,
                format!(
                    "covers the intermediate region {}",
                    reference.region_name(r.as_str())
                ),
            ),
            Reach::Subregion(r) => (
                0.7,
                format!(
                    "covers the sub-region {}",
                    reference.region_name(r.as_str())
                ),
            ),
            Reach::Region(r) => (
                0.55,
                format!("covers the region {}", reference.region_name(r.as_str())),
            ),
            Reach::Group(g) => (0.4, format!("covers members of {g}")),
            Reach::Global => (0.25, "offered worldwide".to_owned()),
        };
        let language_value = share(&need.languages, &data.languages);
        let language_reason = if need.languages.is_empty() {
            "the need names no language".to_owned()
        } else {
            let offered: Vec<&str> = need
                .languages
                .intersection(&data.languages)
                .map(|l| l.as_str())
                .collect();
            if offered.is_empty() {
                let asked: Vec<&str> = need.languages.iter().map(|l| l.as_str()).collect();
                format!(
                    "works in none of the languages asked for ({})",
                    asked.join(", ")
                )
            } else {
                format!(
                    "works in {} of the {} languages asked for ({})",
                    offered.len(),
                    need.languages.len(),
                    offered.join(", ")
                )
            }
        };
        let modality_value = share(&need.modalities, &data.modalities);
        let modality_reason = if need.modalities.is_empty() {
            "the need prefers no modality".to_owned()
        } else {
            let offered: Vec<&str> = need
                .modalities
                .intersection(&data.modalities)
                .map(|m| m.code())
                .collect();
            format!(
                "provides {} of the {} preferred modalities{}",
                offered.len(),
                need.modalities.len(),
                if offered.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", offered.join(", "))
                }
            )
        };
        let engaged = self.engagements.get(&offering.key).copied();
        let capacity_value = capacity_value(data.capacity, engaged);
        let capacity_reason = match data.capacity {
            None => "capacity not limited".to_owned(),
            Some(capacity) => {
                let free = capacity - engaged.unwrap_or(0).min(capacity);
                if free == 0 {
                    format!("at capacity ({capacity} of {capacity} engagements under way)")
                } else {
                    format!("{free} of {capacity} engagements free")
                }
            }
        };
        let (urgency_value, urgency_reason) = urgency(need);
        let factors = vec![
            Factor {
                name: "theme",
                weight: w.theme,
                value: theme_value,
                reason: theme_reason,
            },
            Factor {
                name: "geography",
                weight: w.geography,
                value: geo_value,
                reason: geo_reason,
            },
            Factor {
                name: "language",
                weight: w.language,
                value: round(language_value),
                reason: language_reason,
            },
            Factor {
                name: "modality",
                weight: w.modality,
                value: round(modality_value),
                reason: modality_reason,
            },
            Factor {
                name: "capacity",
                weight: w.capacity,
                value: round(capacity_value),
                reason: capacity_reason,
            },
            Factor {
                name: "urgency",
                weight: w.urgency,
                value: urgency_value,
                reason: urgency_reason,
            },
        ];
        let values = [0, 1, 2, 3, 4, 5].map(|i| milli(factors[i].value));
        let score = score_milli(&w.milli(), values) as f64 / 1000.0;
        Match {
            offering: offering.key.clone(),
            provider: data.provider.clone(),
            title: data.title.clone(),
            provider_name: offering.provider_name.clone(),
            score,
            factors,
        }
    }
}

/// The share of an offering's capacity still free; 1 when not limited.
fn capacity_value(capacity: Option<u32>, engaged: Option<u32>) -> f64 {
    match capacity {
        None => 1.0,
        Some(capacity) => {
            let free = capacity - engaged.unwrap_or(0).min(capacity);
            f64::from(free) / f64::from(capacity.max(1))
        }
    }
}

/// The need's own weight: its priority, and how far it wants to climb.
fn urgency(need: &Need) -> (f64, String) {
    let priority = match need.priority {
        Priority::High => 1.0,
        Priority::Medium => 0.6,
        Priority::Low => 0.3,
    };
    let gap = f64::from(
        need.target_stage
            .number()
            .saturating_sub(need.current_stage.number()),
    );
    let reason = format!(
        "{} priority, from stage {} to {}",
        need.priority.code(),
        need.current_stage.number(),
        need.target_stage.number()
    );
    (round(0.6 * priority + 0.4 * gap / 4.0), reason)
}

fn near_miss(offering: &Offering, failed: Condition, reason: String) -> NearMiss {
    NearMiss {
        offering: offering.key.clone(),
        provider: offering.data.provider.clone(),
        title: offering.data.title.clone(),
        provider_name: offering.provider_name.clone(),
        failed,
        reason,
    }
}

/// "offered in Africa only", "offered to members of AU only".
fn coverage_reason(coverage: &Coverage, reference: &ReferenceData) -> String {
    let mut places: Vec<&str> = coverage
        .countries
        .iter()
        .map(|c| reference.country_name(c.as_str()))
        .collect();
    places.extend(
        coverage
            .regions
            .iter()
            .map(|r| reference.region_name(r.as_str())),
    );
    let groups: Vec<&str> = coverage.groups.iter().map(|g| g.as_str()).collect();
    match (places.is_empty(), groups.is_empty()) {
        (false, true) => format!("offered in {} only", places.join(", ")),
        (true, false) => format!("offered to members of {} only", groups.join(", ")),
        (false, false) => format!(
            "offered in {} and to members of {} only",
            places.join(", "),
            groups.join(", ")
        ),
        (true, true) => "offered nowhere yet".to_owned(),
    }
}

/// "eligible only for members of COMMONWEALTH".
fn eligibility_reason(eligibility: &Eligibility, _country: &Country) -> String {
    eligibility.describe()
}
