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
//! (or both) does not is a near miss, with a reason for each failed condition.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::assessment::Need;
use crate::domain::codes::{RecordKey, ThemeCode};
use crate::domain::offering::{Offering, Reach};
use crate::domain::reference::{Country, ReferenceData};
use crate::domain::vocab::{OfferingStatus, Priority};

pub mod allocation;
mod catalogue;
mod factors;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use catalogue::{Candidate, Catalogue, CountryView, Ranking};

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

/// One row of the table that explains the score on the report pages.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorHelp {
    /// The factor's name in the JSON documents.
    pub name: &'static str,
    /// What people call it.
    pub label: &'static str,
    pub weight: f64,
    /// What earns the factor its value, with the values the engine uses.
    pub rewards: String,
}

impl Weights {
    /// Every factor's name, weight and what it rewards, in factor order,
    /// from the same tables the engine reads.
    pub fn explained(&self) -> [FactorHelp; 6] {
        let g = factors::GEOGRAPHY;
        let p = |priority| factors::priority_value(priority);
        [
            FactorHelp {
                name: "theme",
                label: "Theme",
                weight: self.theme,
                rewards: format!(
                    "the exact sub-theme ({}) above an offering for the whole parent theme ({})",
                    factors::THEME_EXACT,
                    factors::THEME_PARENT
                ),
            },
            FactorHelp {
                name: "geography",
                label: "Place",
                weight: self.geography,
                rewards: format!(
                    "a named country ({}) above its intermediate region ({}), sub-region ({}), region ({}), a group ({}) and worldwide ({})",
                    g[6], g[5], g[4], g[3], g[2], g[1]
                ),
            },
            FactorHelp {
                name: "language",
                label: "Language",
                weight: self.language,
                rewards: "the share of the languages the country asked for that the offering works in (1 when none were asked for)".to_owned(),
            },
            FactorHelp {
                name: "modality",
                label: "Way of working",
                weight: self.modality,
                rewards: "the share of the preferred modalities the offering provides (1 when none were preferred)".to_owned(),
            },
            FactorHelp {
                name: "capacity",
                label: "Capacity",
                weight: self.capacity,
                rewards: "the share of the offering's capacity still free (1 when not limited; 0 at capacity)".to_owned(),
            },
            FactorHelp {
                name: "urgency",
                label: "Urgency",
                weight: self.urgency,
                rewards: format!(
                    "the need's priority (high {}, medium {}, low {}) and maturity gap, so urgent needs rank first across a report",
                    p(Priority::High),
                    p(Priority::Medium),
                    p(Priority::Low)
                ),
            },
        ]
    }

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
    /// In codes, for tools: "offers exactly cybercrime.judiciary".
    pub reason: String,
    /// In names, for people: "Works on Prosecutors and judges, the sub-theme asked for".
    #[serde(skip)]
    pub explanation: String,
}

/// Which offering a match or a near miss is: keys for tools, names for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offered {
    pub offering: RecordKey,
    pub provider: RecordKey,
    #[serde(skip)]
    pub title: String,
    #[serde(skip)]
    pub provider_name: String,
}

impl Offered {
    fn of(offering: &Offering) -> Offered {
        Offered {
            offering: offering.key.clone(),
            provider: offering.data.provider.clone(),
            title: offering.data.title.clone(),
            provider_name: offering.provider_name.clone(),
        }
    }
}

/// An offering that meets every hard condition for a need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    #[serde(flatten)]
    pub offered: Offered,
    pub score: f64,
    pub factors: Vec<Factor>,
    /// Why the country may take part, in words: a hard condition, not a factor.
    #[serde(skip)]
    pub admission: String,
}

/// A hard condition a near miss fails.
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

/// Which of the conditions after the theme an offering fails for a country.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Failed {
    pub coverage: bool,
    pub eligibility: bool,
}

impl Failed {
    /// The failed conditions, coverage first.
    pub fn conditions(self) -> Vec<Condition> {
        [
            (self.coverage, Condition::Coverage),
            (self.eligibility, Condition::Eligibility),
        ]
        .into_iter()
        .filter_map(|(failed, condition)| failed.then_some(condition))
        .collect()
    }

    pub fn count(self) -> u8 {
        u8::from(self.coverage) + u8::from(self.eligibility)
    }
}

/// An active offering on the need's theme that fails coverage, eligibility
/// or both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearMiss {
    #[serde(flatten)]
    pub offered: Offered,
    /// Every condition that failed, coverage first. DESIGN.md's document has
    /// one code here, so the JSON carries the first; `reason` names them all.
    #[serde(serialize_with = "first_condition")]
    pub failed: Vec<Condition>,
    /// In codes, for tools; one clause per failed condition, joined by "; ".
    pub reason: String,
    /// In names, for people: one sentence per failed condition.
    #[serde(skip)]
    pub explanations: Vec<String>,
}

fn first_condition<S: serde::Serializer>(failed: &[Condition], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(failed.first().map_or("", |c| c.code()))
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

/// Engagements under way per offering. The engine looks one up for every
/// limited candidate of every need, so beside the map by key it keeps a
/// table by catalogue position, built on first use for the catalogue in
/// hand: hashing keys there made a report five times slower.
#[derive(Debug, Default)]
pub struct Engagements {
    by_key: HashMap<RecordKey, u32>,
    by_index: std::sync::OnceLock<(u64, Vec<u32>)>,
    /// The matches version they are of, when known.
    version: Option<i64>,
}

impl From<HashMap<RecordKey, u32>> for Engagements {
    fn from(by_key: HashMap<RecordKey, u32>) -> Engagements {
        Engagements {
            by_key,
            by_index: std::sync::OnceLock::new(),
            version: None,
        }
    }
}

impl Engagements {
    /// Engagements known to be those of matches version `version`.
    pub fn of_version(by_key: HashMap<RecordKey, u32>, version: i64) -> Engagements {
        Engagements {
            version: Some(version),
            ..Engagements::from(by_key)
        }
    }

    /// The matches version these are of, when known: what lets a report
    /// keep a need's matches (see `reports::NeedMemo`).
    pub fn version(&self) -> Option<i64> {
        self.version
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// The engagements of one offering, by its key.
    pub fn get(&self, offering: &RecordKey) -> Option<u32> {
        self.by_key.get(offering).copied()
    }

    /// The engagements of the offering at `index` in `catalogue`.
    pub(crate) fn at(&self, catalogue: &Catalogue, index: usize) -> Option<u32> {
        if self.by_key.is_empty() {
            return None;
        }
        // The table is the first catalogue's; another (never in practice)
        // is looked up by key.
        let identity = catalogue.id();
        let (built_for, table) = self.by_index.get_or_init(|| {
            let table = catalogue
                .offerings()
                .map(|o| self.by_key.get(&o.key).copied().unwrap_or(0))
                .collect();
            (identity, table)
        });
        if *built_for == identity {
            table.get(index).copied().filter(|n| *n > 0)
        } else {
            self.get(&catalogue.offering(index).key)
        }
    }
}

/// What the engine needs to know besides the catalogue.
pub struct Context<'a> {
    pub reference: &'a ReferenceData,
    pub today: NaiveDate,
    /// Engagements each offering has under way, against its capacity.
    pub engagements: &'a Engagements,
    pub weights: Weights,
}

impl Context<'_> {
    /// A match with every factor's value and reason, from the rules themselves.
    fn score(
        &self,
        offering: &Offering,
        country: &Country,
        need: &Need,
        fit: ThemeFit,
        reach: &Reach,
    ) -> Match {
        let w = &self.weights;
        let data = &offering.data;
        let reference = self.reference;
        let engaged = self.engagements.get(&offering.key);
        let assessed = [
            (
                "theme",
                w.theme,
                factors::theme(fit, &need.theme, reference),
            ),
            (
                "geography",
                w.geography,
                factors::geography(reach, country, reference),
            ),
            (
                "language",
                w.language,
                factors::language(&need.languages, &data.languages, reference),
            ),
            (
                "modality",
                w.modality,
                factors::modality(&need.modalities, &data.modalities),
            ),
            (
                "capacity",
                w.capacity,
                factors::capacity(data.capacity, engaged),
            ),
            ("urgency", w.urgency, factors::urgency(need)),
        ];
        let values = assessed.each_ref().map(|(_, _, a)| milli(a.value));
        let score = score_milli(&w.milli(), values) as f64 / 1000.0;
        Match {
            offered: Offered::of(offering),
            score,
            factors: assessed
                .into_iter()
                .map(|(name, weight, a)| Factor {
                    name,
                    weight,
                    value: a.value,
                    reason: a.reason,
                    explanation: a.explanation,
                })
                .collect(),
            admission: factors::admission(&data.eligibility, country, reference),
        }
    }

    /// A near miss with the reason for every condition it fails.
    fn near_miss(&self, offering: &Offering, country: &Country, failed: Failed) -> NearMiss {
        let data = &offering.data;
        let (reasons, explanations): (Vec<String>, Vec<String>) = failed
            .conditions()
            .into_iter()
            .map(|condition| match condition {
                Condition::Coverage => {
                    factors::coverage_miss(&data.coverage, country, self.reference)
                }
                Condition::Eligibility => {
                    factors::eligibility_miss(&data.eligibility, country, self.reference)
                }
            })
            .unzip();
        NearMiss {
            offered: Offered::of(offering),
            failed: failed.conditions(),
            reason: reasons.join("; "),
            explanations,
        }
    }
}
