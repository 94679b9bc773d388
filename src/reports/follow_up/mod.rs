//! Follow-up figures for the coordinators: how providers answer proposals
//! and what their engagements achieve, how far each country's needs have
//! come, and how many matches each theme and region began month by month.
//! Pure: built from the matches and their histories.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::ReferenceData;
use crate::domain::lifecycle::{
    Initiative, MatchEvent, MatchRecord, MatchState, NeedProgress, Outcome,
};

/// One provider's answers and results.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProviderFigures {
    pub provider: String,
    /// Proposals its offerings received from requesters.
    pub proposals: usize,
    pub accepted: usize,
    pub declined: usize,
    /// Accepted among those answered; `None` before any answer.
    pub acceptance_rate: Option<f64>,
    /// The median days from a proposal to its answer.
    pub median_days_to_answer: Option<f64>,
    /// Offers of help it made itself.
    pub offers: usize,
    pub completed: usize,
    pub met: usize,
    pub partly_met: usize,
    pub not_met: usize,
    /// The mean rating of its completed engagements.
    pub mean_rating: Option<f64>,
}

/// How far one country's needs have come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CountryFigures {
    pub country: String,
    /// Needs with any match: proposed to, or offered help on.
    pub proposed: usize,
    /// Needs with help being delivered now.
    pub in_progress: usize,
    /// Needs their focal point said delivered help met.
    pub met: usize,
}

/// Matches begun each month, for one theme or region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    /// A parent theme's code, or an M49 region's.
    pub code: String,
    pub name: String,
    /// One count per month of [`FollowUp::months`].
    pub counts: Vec<usize>,
}

impl Series {
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub providers: Vec<ProviderFigures>,
    pub countries: Vec<CountryFigures>,
    /// The first day of each month shown, oldest first.
    pub months: Vec<NaiveDate>,
    pub themes: Vec<Series>,
    pub regions: Vec<Series>,
}

/// How many months the series cover, up to and with the current one.
pub const MONTHS: usize = 12;

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The first days of the `MONTHS` months ending with `today`'s.
fn months_to(today: NaiveDate) -> Vec<NaiveDate> {
    let mut months = vec![first_of_month(today)];
    while months.len() < MONTHS {
        let earliest = months[0];
        let previous = first_of_month(earliest.pred_opt().unwrap_or(earliest));
        months.insert(0, previous);
    }
    months
}

/// The figures for `matches` (each with its history) as of `today`.
pub fn follow_up(
    matches: &[(MatchRecord, Vec<MatchEvent>)],
    reference: &ReferenceData,
    today: NaiveDate,
) -> FollowUp {
    let mut providers: BTreeMap<String, (ProviderFigures, Vec<f64>, Vec<u8>)> = BTreeMap::new();
    // Per country, each need's progress, by (assessment, need).
    type Needs = BTreeMap<(String, String), NeedProgress>;
    let mut needs: BTreeMap<String, Needs> = BTreeMap::new();
    let months = months_to(today);
    let month_of = |date: NaiveDate| months.iter().position(|m| *m == first_of_month(date));
    let mut themes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut regions: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (record, history) in matches {
        let (figures, answer_days, ratings) = providers
            .entry(record.provider.to_string())
            .or_insert_with(|| {
                (
                    ProviderFigures {
                        provider: record.provider.to_string(),
                        ..ProviderFigures::default()
                    },
                    Vec::new(),
                    Vec::new(),
                )
            });
        match record.initiative {
            Initiative::Requested => {
                figures.proposals += 1;
                let proposed = history.iter().find(|e| e.to == MatchState::Proposed);
                let answer = history.iter().find(|e| {
                    e.from == Some(MatchState::Proposed) && e.to != MatchState::Cancelled
                });
                if let (Some(proposed), Some(answer)) = (proposed, answer) {
                    match answer.to {
                        MatchState::Accepted => figures.accepted += 1,
                        _ => figures.declined += 1,
                    }
                    answer_days.push((answer.at - proposed.at).num_seconds() as f64 / 86_400.0);
                }
            }
            Initiative::Offered => figures.offers += 1,
        }
        if let (MatchState::Completed, Some(completion)) = (record.state, &record.completion) {
            figures.completed += 1;
            match completion.outcome {
                Outcome::Met => figures.met += 1,
                Outcome::PartlyMet => figures.partly_met += 1,
                Outcome::NotMet => figures.not_met += 1,
            }
            ratings.push(completion.rating);
        }
        let need = needs
            .entry(record.country.to_string())
            .or_default()
            .entry((record.assessment.to_string(), record.need.to_string()))
            .or_default();
        need.record(record.state, record.completion.as_ref().map(|c| c.outcome));
        if let Some(month) = month_of(record.created_at.date()) {
            let theme = reference
                .theme(record.theme.as_str())
                .and_then(|t| t.parent.clone())
                .map_or_else(|| record.theme.to_string(), |p| p.to_string());
            themes.entry(theme).or_insert_with(|| vec![0; MONTHS])[month] += 1;
            if let Some(region) = reference
                .country(record.country.as_str())
                .and_then(|c| c.region.as_ref())
            {
                regions
                    .entry(region.to_string())
                    .or_insert_with(|| vec![0; MONTHS])[month] += 1;
            }
        }
    }
    let providers = providers
        .into_values()
        .map(|(mut figures, answer_days, ratings)| {
            let answered = figures.accepted + figures.declined;
            figures.acceptance_rate =
                (answered > 0).then(|| figures.accepted as f64 / answered as f64);
            figures.median_days_to_answer = median(answer_days);
            figures.mean_rating = (!ratings.is_empty())
                .then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / ratings.len() as f64);
            figures
        })
        .collect();
    let countries = needs
        .into_iter()
        .map(|(country, needs)| CountryFigures {
            proposed: needs.len(),
            in_progress: needs.values().filter(|p| p.in_delivery && !p.met).count(),
            met: needs.values().filter(|p| p.met).count(),
            country,
        })
        .collect();
    // Every theme and region appears, with zeros where nothing began.
    let parents: BTreeSet<String> = reference
        .parent_themes()
        .map(|t| t.code.to_string())
        .collect();
    let series = |counts: BTreeMap<String, Vec<usize>>,
                  all: BTreeSet<String>,
                  name: &dyn Fn(&str) -> String| {
        all.into_iter()
            .chain(counts.keys().cloned())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .map(|code| Series {
                name: name(&code),
                counts: counts
                    .get(&code)
                    .cloned()
                    .unwrap_or_else(|| vec![0; MONTHS]),
                code,
            })
            .collect()
    };
    let top_regions: BTreeSet<String> = reference
        .regions()
        .iter()
        .filter(|r| r.level == crate::domain::RegionLevel::Region)
        .map(|r| r.code.to_string())
        .collect();
    FollowUp {
        providers,
        countries,
        themes: series(themes, parents, &|code| {
            reference.theme_name(code).to_owned()
        }),
        regions: series(regions, top_regions, &|code| {
            reference.region_name(code).to_owned()
        }),
        months,
    }
}

#[cfg(test)]
mod tests;
