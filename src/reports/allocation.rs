//! The allocation report: the open needs given to offerings within every
//! offering's free capacity ([`crate::matching::allocation`]), beside each
//! need's own top choice, so the secretariat sees what capacity changes and
//! can propose from the allocation a row at a time.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::domain::Priority;
use crate::domain::assessment::{OpenNeed, by_urgency};
use crate::domain::codes::{Iso3, RecordKey, ThemeCode};
use crate::matching::allocation::{
    Choice, Effort, NeedChoices, PRIORITY_WEIGHTS, Problem, Shortlist, allocate,
};
use crate::matching::{Candidate, Catalogue, Context, Offered};

/// An offering a need is given or would choose, with the match's score:
/// keys for tools, titles for people, as the engine's matches have them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    #[serde(flatten)]
    pub offered: Offered,
    pub score: f64,
}

/// One open need: its own top choice and what the allocation gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationRow {
    pub country: Iso3,
    pub assessment: RecordKey,
    pub need: String,
    pub theme: ThemeCode,
    pub priority: Priority,
    /// The need's best match taken alone, capacity aside.
    pub top_choice: Option<Placed>,
    /// What the allocation gives it; `None` when every candidate is full.
    pub allocated: Option<Placed>,
    /// Whether the allocation differs from the top choice.
    pub changed: bool,
}

/// The allocation's figures beside those of every need at its top choice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationTotals {
    pub needs: usize,
    /// Needs the allocation gives an offering.
    pub assigned: usize,
    /// Needs given something other than their top choice, or nothing.
    pub changed: usize,
    /// The sum of priority weight × score over the allocation.
    pub objective: f64,
    /// The same with every need at its top choice, counting the places the
    /// over-booked offerings do not have: what capacity costs, at most.
    pub top_choice_objective: f64,
    /// Offerings the top choices give more needs than they have free places.
    pub overbooked_offerings: usize,
    /// Needs the top choices put beyond those places.
    pub overbooked_needs: usize,
    /// How much of the problem needed the solver.
    pub effort: Effort,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocationReport {
    /// Changed rows first, then most urgent first (as [`by_urgency`]).
    pub rows: Vec<AllocationRow>,
    pub totals: AllocationTotals,
}

/// Each offering's free capacity: its capacity less the engagements under
/// way, never below 0; `None` when not limited. By catalogue index.
pub fn free_capacities(context: &Context, catalogue: &Catalogue) -> Vec<Option<u32>> {
    catalogue
        .offerings()
        .map(|o| {
            o.data.capacity.map(|capacity| {
                let engaged = context.engagements.get(&o.key).unwrap_or(0);
                capacity.saturating_sub(engaged)
            })
        })
        .collect()
}

/// The allocation problem of `needs`, in their order: each need's matches
/// (shortlisted, see [`Shortlist`]) weighted by its priority, and every
/// offering's free capacity. A need of a country the reference data does
/// not know has no candidates. Countries are matched in parallel, each
/// with its view of the catalogue built once.
pub fn problem(context: &Context, catalogue: &Catalogue, needs: &[OpenNeed]) -> Problem {
    let capacities = free_capacities(context, catalogue);
    let mut by_country: BTreeMap<&Iso3, Vec<usize>> = BTreeMap::new();
    for (position, open) in needs.iter().enumerate() {
        by_country.entry(&open.country).or_default().push(position);
    }
    let reference = context.reference;
    let found: Vec<(usize, Vec<Choice>)> = by_country
        .into_par_iter()
        .flat_map_iter(|(iso3, positions)| {
            let country = reference.country(iso3.as_str());
            let view = country.map(|c| catalogue.view(c, reference, context.today));
            let capacities = &capacities;
            positions.into_iter().map(move |position| {
                let Some(view) = view.as_ref() else {
                    return (position, Vec::new());
                };
                let mut list = Shortlist::new(capacities);
                context.candidates(catalogue, view, &needs[position].need, |i, c| {
                    if let Candidate::Match { score_milli } = c {
                        list.offer(Choice {
                            offering: i,
                            // A score is at most 1: 1,000 thousandths.
                            score_milli: u32::try_from(score_milli).unwrap_or(u32::MAX),
                        });
                    }
                });
                (position, list.finish())
            })
        })
        .collect();
    let mut problem = Problem {
        needs: needs
            .iter()
            .map(|open| NeedChoices {
                weight: PRIORITY_WEIGHTS.of(open.need.priority),
                choices: Vec::new(),
            })
            .collect(),
        capacities,
    };
    for (position, choices) in found {
        problem.needs[position].choices = choices;
    }
    problem
}

/// `/reports/allocation`: every open need, its top choice and what the
/// allocation gives it, changed rows first, then most urgent first.
pub fn report(
    context: &Context,
    catalogue: &Catalogue,
    mut needs: Vec<OpenNeed>,
) -> AllocationReport {
    by_urgency(&mut needs);
    let problem = problem(context, catalogue, &needs);
    let assignment = allocate(&problem);
    let top_choices = problem.top_choices();
    let placed = |k: usize, offering: Option<u32>| -> Option<Placed> {
        let offering = offering?;
        let score = problem.needs[k]
            .choices
            .iter()
            .filter(|c| c.offering == offering)
            .map(|c| c.score_milli)
            .max()?;
        let o = catalogue.offering(offering as usize);
        Some(Placed {
            offered: Offered {
                offering: o.key.clone(),
                provider: o.data.provider.clone(),
                title: o.data.title.clone(),
                provider_name: o.provider_name.clone(),
            },
            score: f64::from(score) / 1000.0,
        })
    };
    let mut rows: Vec<AllocationRow> = needs
        .into_iter()
        .enumerate()
        .map(|(k, open)| AllocationRow {
            need: open.key_text(),
            theme: open.need.theme.clone(),
            priority: open.need.priority,
            country: open.country,
            assessment: open.assessment,
            top_choice: placed(k, top_choices[k]),
            allocated: placed(k, assignment.offerings[k]),
            changed: top_choices[k] != assignment.offerings[k],
        })
        .collect();
    // Stable: within each part the rows keep the urgency order.
    rows.sort_by_key(|row| !row.changed);
    let overbooked = problem.overbooked(&top_choices);
    let totals = AllocationTotals {
        needs: rows.len(),
        assigned: assignment.offerings.iter().flatten().count(),
        changed: rows.iter().filter(|r| r.changed).count(),
        objective: assignment.objective as f64 / 1000.0,
        top_choice_objective: problem.objective(&top_choices) as f64 / 1000.0,
        overbooked_offerings: overbooked.len(),
        overbooked_needs: overbooked
            .iter()
            .map(|&(o, given)| {
                let free = problem.capacities[o as usize].unwrap_or(given);
                (given - free) as usize
            })
            .sum(),
        effort: assignment.effort,
    };
    AllocationReport { rows, totals }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::domain::offering::Coverage;
    use crate::matching::WEIGHTS;
    use crate::matching::testing::*;

    fn open_need(country: &str, index: usize, priority: Priority) -> OpenNeed {
        let key = format!("{}-2026", country.to_ascii_lowercase());
        let mut need = need("cybercrime.judiciary");
        need.key = Some(RecordKey::parse(&format!("{key}-{index}")).unwrap());
        need.priority = priority;
        OpenNeed {
            country: reference().iso3(country).unwrap(),
            assessment: RecordKey::parse(&key).unwrap(),
            need,
            visibility: crate::domain::Visibility::Public,
        }
    }

    /// A programme naming Ghana and Senegal, with `capacity` places, and a
    /// worldwide one without a limit that fits both needs less well.
    fn catalogue(capacity: u32) -> Catalogue {
        let r = reference();
        let named = Coverage {
            countries: [r.iso3("GHA").unwrap(), r.iso3("SEN").unwrap()].into(),
            ..Coverage::default()
        };
        let mut popular = offering("popular", "cybercrime.judiciary", named);
        popular.data.capacity = Some(capacity);
        Catalogue::new(vec![
            popular,
            offering("worldwide", "cybercrime.judiciary", worldwide()),
        ])
    }

    fn run(catalogue: &Catalogue, engaged: u32, needs: Vec<OpenNeed>) -> AllocationReport {
        let engagements = crate::matching::Engagements::from(HashMap::from([(
            RecordKey::parse("popular").unwrap(),
            engaged,
        )]));
        let context = Context {
            reference: reference(),
            today: today(),
            engagements: &engagements,
            weights: WEIGHTS,
        };
        report(&context, catalogue, needs)
    }

    fn offering_of(placed: &Option<Placed>) -> Option<&str> {
        placed.as_ref().map(|p| p.offered.offering.as_str())
    }

    #[test]
    fn the_last_place_goes_to_the_high_priority_need_and_the_other_row_says_so() {
        // Two places, one engagement under way: one place free.
        let report = run(
            &catalogue(2),
            1,
            vec![
                open_need("SEN", 1, Priority::Low),
                open_need("GHA", 1, Priority::High),
            ],
        );
        let [moved, kept] = &report.rows[..] else {
            panic!("two rows: {:?}", report.rows)
        };
        // The changed row first.
        assert_eq!((moved.need.as_str(), moved.changed), ("sen-2026-1", true));
        assert_eq!(offering_of(&moved.top_choice), Some("popular"));
        assert_eq!(offering_of(&moved.allocated), Some("worldwide"));
        assert_eq!((kept.need.as_str(), kept.changed), ("gha-2026-1", false));
        assert_eq!(offering_of(&kept.allocated), Some("popular"));

        let t = &report.totals;
        assert_eq!(
            (
                t.needs,
                t.assigned,
                t.changed,
                t.overbooked_offerings,
                t.overbooked_needs
            ),
            (2, 2, 1, 1, 1)
        );
        let score = |p: &Option<Placed>| p.as_ref().unwrap().score;
        let weighted = |low: f64, high: f64| {
            f64::from(PRIORITY_WEIGHTS.low) * low + f64::from(PRIORITY_WEIGHTS.high) * high
        };
        let expected = weighted(score(&moved.allocated), score(&kept.allocated));
        assert!((t.objective - expected).abs() < 1e-9, "{t:?}");
        let naive = weighted(score(&moved.top_choice), score(&kept.top_choice));
        assert!((t.top_choice_objective - naive).abs() < 1e-9, "{t:?}");
        assert!(t.objective < t.top_choice_objective);

        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["rows"][0]["allocated"]["offering"], "worldwide");
        assert_eq!(json["rows"][0]["top_choice"]["provider"], "provider");
        assert_eq!(json["totals"]["changed"], 1);
    }

    #[test]
    fn with_room_for_everyone_nothing_changes() {
        let report = run(
            &catalogue(2),
            0,
            vec![
                open_need("SEN", 1, Priority::Low),
                open_need("GHA", 1, Priority::High),
            ],
        );
        assert!(
            report
                .rows
                .iter()
                .all(|r| !r.changed && offering_of(&r.allocated) == Some("popular"))
        );
        // Most urgent first when nothing changed.
        assert_eq!(report.rows[0].need, "gha-2026-1");
        assert_eq!(report.totals.objective, report.totals.top_choice_objective);
        assert_eq!(report.totals.overbooked_offerings, 0);
    }

    #[test]
    fn a_fully_booked_top_choice_is_shown_and_not_given() {
        let report = run(
            &catalogue(2),
            5,
            vec![open_need("GHA", 1, Priority::Medium)],
        );
        let row = &report.rows[0];
        assert_eq!(offering_of(&row.top_choice), Some("popular"));
        assert_eq!(offering_of(&row.allocated), Some("worldwide"));
        assert!(row.changed);
        assert_eq!(report.totals.overbooked_needs, 1);
    }

    #[test]
    fn a_need_without_a_match_is_listed_with_nothing() {
        let mut far = open_need("JPN", 1, Priority::High);
        far.need.theme = reference().theme_code("incident-ciip.cert").unwrap();
        let report = run(&catalogue(2), 0, vec![far]);
        let row = &report.rows[0];
        assert_eq!(
            (&row.top_choice, &row.allocated, row.changed),
            (&None, &None, false)
        );
        assert_eq!((report.totals.needs, report.totals.assigned), (1, 0));
    }
}
