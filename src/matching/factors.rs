//! The factors of a score, one function each. A factor gives its value, the
//! reason tools read (codes, as DESIGN.md's JSON shows: "offers exactly
//! cybercrime.judiciary") and the explanation people read (names: "Works on
//! Prosecutors and judges, the sub-theme asked for"). The values live in the
//! tables here, which the engine, its fast path and the help text all read.

use super::ThemeFit;
use crate::domain::CodeSet;
use crate::domain::assessment::Need;
use crate::domain::codes::{LanguageCode, ThemeCode};
use crate::domain::offering::{Coverage, Eligibility, Reach};
use crate::domain::reference::{Country, ReferenceData};
use crate::domain::vocab::{Modality, Priority};
use crate::domain::words::{and_list, capitalised};

/// One factor assessed for one match.
pub(super) struct Assessed {
    pub value: f64,
    pub reason: String,
    pub explanation: String,
}

/// Theme precision: the exact sub-theme, or the whole parent theme.
pub(super) const THEME_EXACT: f64 = 1.0;
pub(super) const THEME_PARENT: f64 = 0.5;

/// Geographic precision by reach level ([`reach_level`]): not reached,
/// worldwide, group, region, sub-region, intermediate region, named country.
pub(super) const GEOGRAPHY: [f64; 7] = [0.0, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0];

/// The index into [`GEOGRAPHY`] of a way coverage reaches a country.
pub(super) fn reach_level(reach: &Reach) -> usize {
    match reach {
        Reach::Global => 1,
        Reach::Group(_) => 2,
        Reach::Region(_) => 3,
        Reach::Subregion(_) => 4,
        Reach::Intermediate(_) => 5,
        Reach::Country => 6,
    }
}

/// How much a need's priority counts in its urgency.
pub(super) fn priority_value(priority: Priority) -> f64 {
    match priority {
        Priority::High => 1.0,
        Priority::Medium => 0.6,
        Priority::Low => 0.3,
    }
}

/// To three decimals. Every value here is between 0 and 1, so adding a half
/// and truncating rounds, without the libm call `f64::round` costs in the
/// engine's innermost loop.
pub(super) fn round(value: f64) -> f64 {
    debug_assert!(value >= 0.0);
    ((value * 1000.0 + 0.5) as u64) as f64 / 1000.0
}

/// The share of what was asked that is offered; 1 when nothing was asked.
pub(super) fn share<T: Ord>(asked: &CodeSet<T>, offered: &CodeSet<T>) -> f64 {
    if asked.is_empty() {
        1.0
    } else {
        asked.intersection(offered).count() as f64 / asked.len() as f64
    }
}

/// The share of an offering's capacity still free; 1 when not limited.
pub(super) fn capacity_value(capacity: Option<u32>, engaged: Option<u32>) -> f64 {
    match capacity {
        None => 1.0,
        Some(capacity) => {
            let free = capacity - engaged.unwrap_or(0).min(capacity);
            f64::from(free) / f64::from(capacity.max(1))
        }
    }
}

/// The need's own weight: its priority, and how far it wants to climb.
pub(super) fn urgency_value(need: &Need) -> f64 {
    let gap = f64::from(
        need.target_stage
            .number()
            .saturating_sub(need.current_stage.number()),
    );
    round(0.6 * priority_value(need.priority) + 0.4 * gap / 4.0)
}

pub(super) fn theme(fit: ThemeFit, need_theme: &ThemeCode, reference: &ReferenceData) -> Assessed {
    let name = reference.theme_name(need_theme.as_str());
    match fit {
        ThemeFit::Exact => Assessed {
            value: THEME_EXACT,
            reason: format!("offers exactly {need_theme}"),
            explanation: format!("Works on {name}, the sub-theme asked for"),
        },
        ThemeFit::Parent => {
            let parent = reference
                .theme(need_theme.as_str())
                .and_then(|t| t.parent.as_ref());
            let code = parent.map(ThemeCode::as_str).unwrap_or_default();
            Assessed {
                value: THEME_PARENT,
                reason: format!("offers the whole theme {code}, which includes {need_theme}"),
                explanation: format!(
                    "Works on all of {}, which includes {name}",
                    reference.theme_name(code)
                ),
            }
        }
    }
}

pub(super) fn geography(reach: &Reach, country: &Country, reference: &ReferenceData) -> Assessed {
    let value = GEOGRAPHY[reach_level(reach)];
    let (reason, explanation) = match reach {
        Reach::Country => (
            "names the country".to_owned(),
            format!("Offered in {} by name", country.name_en),
        ),
        Reach::Intermediate(r) | Reach::Subregion(r) | Reach::Region(r) => {
            let level = match reach {
                Reach::Intermediate(_) => "intermediate region",
                Reach::Subregion(_) => "sub-region",
                _ => "region",
            };
            let name = reference.region_name(r.as_str());
            (
                format!("covers the {level} {name}"),
                format!("Offered across {name}"),
            )
        }
        Reach::Group(g) => (
            format!("covers members of {g}"),
            format!("Offered to members of {}", reference.group_name(g.as_str())),
        ),
        Reach::Global => (
            "offered worldwide".to_owned(),
            "Offered worldwide".to_owned(),
        ),
    };
    Assessed {
        value,
        reason,
        explanation,
    }
}

pub(super) fn language(
    asked: &CodeSet<LanguageCode>,
    offered: &CodeSet<LanguageCode>,
    reference: &ReferenceData,
) -> Assessed {
    let value = round(share(asked, offered));
    if asked.is_empty() {
        return Assessed {
            value,
            reason: "the need names no language".to_owned(),
            explanation: "No language was asked for".to_owned(),
        };
    }
    let both: Vec<&LanguageCode> = asked.intersection(offered).collect();
    let codes = |items: &[&LanguageCode]| {
        items
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let names = |items: &[&LanguageCode]| -> Vec<String> {
        items
            .iter()
            .map(|l| reference.language_name(l.as_str()).to_owned())
            .collect()
    };
    let asked: Vec<&LanguageCode> = asked.iter().collect();
    let reason = if both.is_empty() {
        format!(
            "works in none of the languages asked for ({})",
            codes(&asked)
        )
    } else {
        format!(
            "works in {} of the {} languages asked for ({})",
            both.len(),
            asked.len(),
            codes(&both)
        )
    };
    Assessed {
        value,
        reason,
        explanation: shared_in_words(
            ("Works in", "languages asked for", "as asked"),
            &names(&asked),
            &names(&both),
        ),
    }
}

pub(super) fn modality(asked: &CodeSet<Modality>, offered: &CodeSet<Modality>) -> Assessed {
    let value = round(share(asked, offered));
    if asked.is_empty() {
        return Assessed {
            value,
            reason: "the need prefers no modality".to_owned(),
            explanation: "No way of working was preferred".to_owned(),
        };
    }
    let both: Vec<Modality> = asked.intersection(offered).copied().collect();
    let labels = |items: &[Modality]| -> Vec<String> {
        items.iter().map(|m| m.label().to_lowercase()).collect()
    };
    let codes: Vec<&str> = both.iter().map(|m| m.code()).collect();
    let reason = format!(
        "provides {} of the {} preferred modalities{}",
        both.len(),
        asked.len(),
        if both.is_empty() {
            String::new()
        } else {
            format!(" ({})", codes.join(", "))
        }
    );
    let asked: Vec<Modality> = asked.iter().copied().collect();
    Assessed {
        value,
        reason,
        explanation: shared_in_words(
            ("Provides", "preferred ways of working", "as preferred"),
            &labels(&asked),
            &labels(&both),
        ),
    }
}

/// How much of what a need asked for an offering has, in words: "Works in
/// English, as asked", "Works in English: 1 of the 2 languages asked for",
/// "Works in none of the languages asked for (French)".
fn shared_in_words(
    (verb, things_asked, as_asked): (&str, &str, &str),
    asked: &[String],
    both: &[String],
) -> String {
    if both.is_empty() {
        format!("{verb} none of the {things_asked} ({})", and_list(asked))
    } else if both.len() == asked.len() {
        format!("{verb} {}, {as_asked}", and_list(both))
    } else {
        format!(
            "{verb} {}: {} of the {} {things_asked}",
            and_list(both),
            both.len(),
            asked.len()
        )
    }
}

pub(super) fn capacity(capacity: Option<u32>, engaged: Option<u32>) -> Assessed {
    let value = round(capacity_value(capacity, engaged));
    let (reason, explanation) = match capacity {
        None => (
            "capacity not limited".to_owned(),
            "No limit on how many engagements it takes on".to_owned(),
        ),
        Some(capacity) => {
            let free = capacity - engaged.unwrap_or(0).min(capacity);
            if free == 0 {
                (
                    format!("at capacity ({capacity} of {capacity} engagements under way)"),
                    format!("Fully booked: {capacity} of {capacity} engagements under way"),
                )
            } else {
                let text = format!("{free} of {capacity} engagements free");
                (text.clone(), capitalised(&text))
            }
        }
    };
    Assessed {
        value,
        reason,
        explanation,
    }
}

pub(super) fn urgency(need: &Need) -> Assessed {
    let (from, to) = (need.current_stage, need.target_stage);
    Assessed {
        value: urgency_value(need),
        reason: format!(
            "{} priority, from stage {} to {}",
            need.priority.code(),
            from.number(),
            to.number()
        ),
        explanation: format!(
            "{} priority, to climb from stage {} ({}) to {} ({})",
            need.priority.label(),
            from.number(),
            from.label().to_lowercase(),
            to.number(),
            to.label().to_lowercase()
        ),
    }
}

/// Why a matched country may take part, in words.
pub(super) fn admission(
    eligibility: &Eligibility,
    country: &Country,
    reference: &ReferenceData,
) -> String {
    if eligibility.is_open() {
        return "Open to every country".to_owned();
    }
    if let Some(group) = reference
        .groups_of(&country.iso3)
        .iter()
        .find(|g| eligibility.groups.contains(*g))
    {
        return format!(
            "{} may take part as a member of {}",
            country.name_en,
            reference.group_name(group.as_str())
        );
    }
    match country
        .income_level
        .filter(|l| eligibility.income_levels.contains(l))
    {
        Some(level) => format!(
            "{} may take part as a {} country",
            country.name_en,
            level.label().replace(' ', "-")
        ),
        // Unreachable for a match; said plainly rather than guessed.
        None => eligibility.describe(),
    }
}

/// A coverage near miss: (reason for tools, explanation for people), as in
/// "offered in Africa only" and "Not offered in France: offered in Africa only".
pub(super) fn coverage_miss(
    coverage: &Coverage,
    country: &Country,
    reference: &ReferenceData,
) -> (String, String) {
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
    let codes: Vec<&str> = coverage.groups.iter().map(|g| g.as_str()).collect();
    let names: Vec<&str> = coverage
        .groups
        .iter()
        .map(|g| reference.group_name(g.as_str()))
        .collect();
    let wording = |groups: &[&str]| match (places.is_empty(), groups.is_empty()) {
        (false, true) => format!("offered in {} only", places.join(", ")),
        (true, false) => format!("offered to members of {} only", groups.join(", ")),
        (false, false) => format!(
            "offered in {} and to members of {} only",
            places.join(", "),
            groups.join(", ")
        ),
        (true, true) => "offered nowhere yet".to_owned(),
    };
    (
        wording(&codes),
        format!("Not offered in {}: {}", country.name_en, wording(&names)),
    )
}

/// An eligibility near miss: (reason for tools, explanation for people), as
/// in "eligible only for members of COMMONWEALTH" and "Niger may not take
/// part: only members of Commonwealth of Nations may".
pub(super) fn eligibility_miss(
    eligibility: &Eligibility,
    country: &Country,
    reference: &ReferenceData,
) -> (String, String) {
    let who = eligibility.who(|g| reference.group_name(g.as_str()));
    (
        eligibility.describe(),
        format!(
            "{} may not take part: only {} may",
            country.name_en,
            who.join(" or ")
        ),
    )
}
