//! A capacity-aware allocation of open needs to offerings.
//!
//! Each need taken alone would go to its top choice, and the popular
//! offerings would be over-booked. [`allocate`] instead gives each need at
//! most one of its candidate offerings so that no limited offering gets
//! more needs than its free capacity, maximising the sum over the assigned
//! pairs of the need's priority weight ([`PRIORITY_WEIGHTS`]) times the
//! match's score in thousandths. Integers throughout, so the optimum and
//! every comparison are exact.
//!
//! The solver is `pathfinding`'s Kuhn-Munkres (Hungarian) algorithm: a
//! well-kept, pure-Rust crate (MIT/Apache-2.0, no C or cmake) that solves
//! the assignment problem exactly over integer weights and deterministically.
//! Capacity becomes one column per free place of an offering, the standard
//! reduction of this transportation problem to an assignment. The other
//! candidates were an LP (`good_lp` with the pure-Rust `microlp`: floating
//! point, so optimality holds only within a tolerance), `rs-graph`'s network
//! simplex (GPL-3.0, which this MIT project cannot take) and `mcmf` (LEMON in
//! C++, its last release years old). The Hungarian algorithm is cubic and
//! works on a dense matrix, so it only sees what the exact pruning below
//! leaves: the needs that really compete for places, one group of them at a
//! time.
//!
//! # Pruning, and why it keeps the optimum
//!
//! Call an offering *free* when its capacity cannot bind: it is unlimited,
//! or fewer needs can still take it than it has places. For one need, a
//! free candidate is always available, so if the need's best free candidate
//! is worth at least as much as some limited candidate, any optimal
//! allocation giving it that limited candidate can give it the free one
//! instead, losing nothing and freeing a place. So each need keeps only
//! its best free candidate (its *fallback*) and the limited candidates
//! worth more. That lowers how many needs can take each limited offering;
//! one that now has at least as many places as needs that can take it has
//! become free in turn, which may raise other needs' fallbacks. This runs
//! to a fixed point. The limited offerings left are *contested*; a need
//! without a contested candidate simply takes its fallback, and the rest
//! split into groups that share no contested offering, each solved alone.
//!
//! # Ties
//!
//! Among allocations of equal total, the one that leaves the most needs on
//! their own top choice wins, so the page shows as few changes as the
//! capacities force: each pair's value is scaled by one more than the
//! number of needs in its group and the top choice earns 1 more, which can
//! never outweigh a difference of one in the total. What ties remain are
//! broken by the order of the needs and the offerings, the same for the same
//! problem.

use std::collections::VecDeque;

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use serde::Serialize;

use crate::domain::vocab::Priority;

/// How much a need's score counts in the allocation, by its priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriorityWeights {
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

/// The one place the priority weights live. Ratios, not a strict order: a
/// place goes to a high-priority need over a low one unless the low one
/// would lose more than three times as much score without it, so a high
/// need with a good alternative does not leave a low need with none. A
/// strict order (say 1,000,000 : 1,000 : 1) would let a high need take a
/// place for a gain of a thousandth while a low one went unserved. The
/// score's own urgency factor counts priority too, but at a tenth of the
/// score it would rarely decide who gets the last place.
pub const PRIORITY_WEIGHTS: PriorityWeights = PriorityWeights {
    high: 3,
    medium: 2,
    low: 1,
};

impl PriorityWeights {
    pub fn of(&self, priority: Priority) -> u32 {
        match priority {
            Priority::High => self.high,
            Priority::Medium => self.medium,
            Priority::Low => self.low,
        }
    }
}

/// The highest score in thousandths: a score is at most 1.
pub const MAX_SCORE_MILLI: u32 = 1000;

/// The highest priority weight [`allocate`] accepts, so that its integer
/// arithmetic cannot overflow. The lowest is 1: every need counts.
pub const MAX_WEIGHT: u32 = 1000;

/// One candidate offering of a need: its index in [`Problem::capacities`]
/// and the match's score in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Choice {
    pub offering: u32,
    pub score_milli: u32,
}

impl Choice {
    /// The engine's order: higher score first, then the lower index (the
    /// catalogue's key order). `Greater` means `self` comes first.
    fn ranks(&self, other: &Choice) -> std::cmp::Ordering {
        self.score_milli
            .cmp(&other.score_milli)
            .then(other.offering.cmp(&self.offering))
    }
}

/// One need: its priority weight and its candidate offerings, in any order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NeedChoices {
    pub weight: u32,
    pub choices: Vec<Choice>,
}

impl NeedChoices {
    /// The need's own top choice, capacity aside: the highest score, then
    /// the lowest index, as the engine ranks.
    pub fn top_choice(&self) -> Option<Choice> {
        self.choices.iter().copied().max_by(|a, b| a.ranks(b))
    }
}

/// What to allocate: the needs, and each offering's free capacity by index
/// (`None` when not limited; `Some(0)` when fully booked).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problem {
    pub needs: Vec<NeedChoices>,
    pub capacities: Vec<Option<u32>>,
}

/// How much of the problem needed the solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Effort {
    /// Needs left with at least one contested candidate after pruning.
    pub contested_needs: usize,
    /// Limited offerings that more needs could take than they have places.
    pub contested_offerings: usize,
    /// Groups of needs solved one at a time.
    pub groups: usize,
    /// Needs in the largest group.
    pub largest_group: usize,
}

/// The allocation: for each need, in the problem's order, the offering it
/// is given if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub offerings: Vec<Option<u32>>,
    /// The sum of weight × score in thousandths over the assigned needs.
    pub objective: u64,
    pub effort: Effort,
}

impl Problem {
    /// The sum of weight × score over the needs given an offering, whether
    /// or not the capacities allow it.
    pub fn objective(&self, offerings: &[Option<u32>]) -> u64 {
        self.needs
            .iter()
            .zip(offerings)
            .filter_map(|(need, given)| {
                let given = (*given)?;
                let score = need
                    .choices
                    .iter()
                    .filter(|c| c.offering == given)
                    .map(|c| c.score_milli)
                    .max()?;
                Some(u64::from(need.weight) * u64::from(score))
            })
            .sum()
    }

    /// The limited offerings given to more needs than their free capacity,
    /// in index order, each with how many needs it is given to.
    pub fn overbooked(&self, offerings: &[Option<u32>]) -> Vec<(u32, u32)> {
        let mut given = vec![0u32; self.capacities.len()];
        for o in offerings.iter().flatten() {
            given[*o as usize] += 1;
        }
        given
            .into_iter()
            .enumerate()
            .filter_map(|(o, n)| {
                let free = self.capacities[o]?;
                (n > free).then_some((o as u32, n))
            })
            .collect()
    }

    /// Each need's top choice, capacities aside: what the allocation is
    /// compared with.
    pub fn top_choices(&self) -> Vec<Option<u32>> {
        self.needs
            .iter()
            .map(|n| n.top_choice().map(|c| c.offering))
            .collect()
    }
}

/// Keeps, of one need's candidates as they come, only those the allocation
/// or the need's top choice can use: the best unlimited one and the limited
/// ones ranked before it. By the argument in the module's notes, a limited
/// candidate ranked after the best unlimited one is never needed (it is not
/// the top choice either), and neither is another unlimited one. Saves
/// holding the engine's thousand matches per need.
pub struct Shortlist<'a> {
    capacities: &'a [Option<u32>],
    best_unlimited: Option<Choice>,
    limited: Vec<Choice>,
}

impl<'a> Shortlist<'a> {
    pub fn new(capacities: &'a [Option<u32>]) -> Shortlist<'a> {
        Shortlist {
            capacities,
            best_unlimited: None,
            limited: Vec::new(),
        }
    }

    pub fn offer(&mut self, choice: Choice) {
        let beats_best = |c: &Choice, best: Option<Choice>| {
            best.is_none_or(|b| c.ranks(&b) == std::cmp::Ordering::Greater)
        };
        if self.capacities[choice.offering as usize].is_none() {
            if beats_best(&choice, self.best_unlimited) {
                self.best_unlimited = Some(choice);
            }
        } else if beats_best(&choice, self.best_unlimited) {
            self.limited.push(choice);
        }
    }

    /// The kept candidates, in the order they came, the unlimited one last.
    pub fn finish(self) -> Vec<Choice> {
        let best = self.best_unlimited;
        let mut kept: Vec<Choice> = self
            .limited
            .into_iter()
            .filter(|c| best.is_none_or(|b| c.ranks(&b) == std::cmp::Ordering::Greater))
            .collect();
        kept.extend(best);
        kept
    }
}

/// What a candidate is worth to its need in the allocation: the score,
/// then whether it is the need's top choice (see "Ties" in the module's
/// notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Worth {
    score_milli: u32,
    top: bool,
}

fn worth(choice: Choice, top: Option<Choice>) -> Worth {
    Worth {
        score_milli: choice.score_milli,
        top: top.is_some_and(|t| t.offering == choice.offering),
    }
}

/// What pruning leaves of one need.
#[derive(Debug, Clone, Default)]
struct Pruned {
    top: Option<Choice>,
    /// The best free candidate.
    fallback: Option<Choice>,
    /// The limited candidates worth more than the fallback, not yet free.
    kept: Vec<Choice>,
}

/// Whether a need could gain by taking `choice` instead of its fallback:
/// only such limited candidates are kept.
fn gains(choice: Choice, top: Option<Choice>, fallback: Option<Choice>) -> bool {
    fallback.is_none_or(|f| worth(choice, top) > worth(f, top))
}

/// The allocation that maximises the sum of weight × score within every
/// offering's free capacity (see the module's notes for how, and how ties
/// break). The same problem gives the same allocation.
///
/// # Panics
///
/// If a choice names an offering outside [`Problem::capacities`], a score
/// is above [`MAX_SCORE_MILLI`] or a weight is 0 or above [`MAX_WEIGHT`].
pub fn allocate(problem: &Problem) -> Assignment {
    let capacities = &problem.capacities;
    for need in &problem.needs {
        assert!(
            (1..=MAX_WEIGHT).contains(&need.weight),
            "a priority weight of {}, not between 1 and {MAX_WEIGHT}",
            need.weight
        );
        for c in &need.choices {
            assert!(
                (c.offering as usize) < capacities.len(),
                "a choice of offering {} beyond the {} capacities",
                c.offering,
                capacities.len()
            );
            assert!(
                c.score_milli <= MAX_SCORE_MILLI,
                "a score above {MAX_SCORE_MILLI} thousandths"
            );
        }
    }
    let (pruned, contested) = prune(problem);
    let mut offerings: Vec<Option<u32>> = pruned
        .iter()
        .map(|p| p.fallback.map(|f| f.offering))
        .collect();
    let groups = groups(&pruned, capacities.len());
    let effort = Effort {
        contested_needs: groups.iter().map(Vec::len).sum(),
        contested_offerings: contested,
        groups: groups.len(),
        largest_group: groups.iter().map(Vec::len).max().unwrap_or(0),
    };
    for group in &groups {
        for (need, given) in solve_group(problem, &pruned, group) {
            offerings[need] = given;
        }
    }
    Assignment {
        objective: problem.objective(&offerings),
        offerings,
        effort,
    }
}

/// Prunes to the fixed point the module's notes describe; returns what is
/// left of each need and how many offerings remain contested.
fn prune(problem: &Problem) -> (Vec<Pruned>, usize) {
    let capacities = &problem.capacities;
    // A fully booked offering can take no need: dropped outright.
    let open = |c: &Choice| capacities[c.offering as usize] != Some(0);
    let mut free: Vec<bool> = capacities.iter().map(Option::is_none).collect();
    let mut pruned: Vec<Pruned> = problem
        .needs
        .iter()
        .map(|need| {
            let top = need.top_choice();
            let fallback = need
                .choices
                .iter()
                .copied()
                .filter(|c| free[c.offering as usize])
                // Among equals, the first in key order.
                .max_by_key(|c| (worth(*c, top), std::cmp::Reverse(c.offering)));
            let kept = need
                .choices
                .iter()
                .copied()
                .filter(|c| !free[c.offering as usize] && open(c) && gains(*c, top, fallback))
                .collect();
            Pruned {
                top,
                fallback,
                kept,
            }
        })
        .collect();

    // Which needs keep each offering; entries go stale as needs drop it.
    let mut demand = vec![0u32; capacities.len()];
    let mut starts = vec![0usize; capacities.len() + 1];
    for p in &pruned {
        for c in &p.kept {
            demand[c.offering as usize] += 1;
        }
    }
    for (o, d) in demand.iter().enumerate() {
        starts[o + 1] = starts[o] + *d as usize;
    }
    let mut wanted_by = vec![0u32; starts[capacities.len()]];
    let mut filled = starts.clone();
    for (i, p) in pruned.iter().enumerate() {
        for c in &p.kept {
            let o = c.offering as usize;
            wanted_by[filled[o]] = i as u32;
            filled[o] += 1;
        }
    }

    let binds = |o: usize, demand: &[u32]| capacities[o].is_some_and(|cap| demand[o] > cap);
    let mut queued = vec![false; capacities.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for o in 0..capacities.len() {
        if !free[o] && capacities[o] != Some(0) && !binds(o, &demand) {
            queued[o] = true;
            queue.push_back(o);
        }
    }
    while let Some(o) = queue.pop_front() {
        free[o] = true;
        for &i in &wanted_by[starts[o]..starts[o + 1]] {
            let p = &mut pruned[i as usize];
            let Some(now_free) = p
                .kept
                .iter()
                .copied()
                .filter(|c| c.offering as usize == o)
                .max_by_key(|c| c.score_milli)
            else {
                continue;
            };
            // Kept, so worth more than the fallback: it is the new one.
            p.fallback = Some(now_free);
            let (top, fallback) = (p.top, p.fallback);
            p.kept.retain(|c| {
                let keep = c.offering as usize != o && gains(*c, top, fallback);
                if !keep && c.offering as usize != o {
                    let other = c.offering as usize;
                    demand[other] -= 1;
                    if !queued[other] && !binds(other, &demand) {
                        queued[other] = true;
                        queue.push_back(other);
                    }
                }
                keep
            });
        }
    }
    let contested = (0..capacities.len())
        .filter(|&o| !free[o] && binds(o, &demand))
        .count();
    (pruned, contested)
}

/// The needs left with contested candidates, in groups that share no
/// contested offering; each group in need order, groups by their first need.
fn groups(pruned: &[Pruned], offering_count: usize) -> Vec<Vec<usize>> {
    // Union-find over the needs; each offering remembers the first need
    // seen to keep it.
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..pruned.len()).collect();
    let mut first_need = vec![usize::MAX; offering_count];
    for (i, p) in pruned.iter().enumerate() {
        for c in &p.kept {
            let o = c.offering as usize;
            if first_need[o] == usize::MAX {
                first_need[o] = i;
            } else {
                let (a, b) = (root(&mut parent, first_need[o]), root(&mut parent, i));
                // The lower need leads, so a group's root is its first need.
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut by_root: Vec<Vec<usize>> = Vec::new();
    let mut slot = vec![usize::MAX; pruned.len()];
    for (i, p) in pruned.iter().enumerate() {
        if p.kept.is_empty() {
            continue;
        }
        let r = root(&mut parent, i);
        if slot[r] == usize::MAX {
            slot[r] = by_root.len();
            by_root.push(Vec::new());
        }
        by_root[slot[r]].push(i);
    }
    by_root
}

/// Solves one group exactly with the Hungarian algorithm; returns each of
/// its needs with the offering it is given.
///
/// Each need's value for a kept candidate is measured against its
/// fallback, which it gets when it gets no place: with the tie-break
/// scaling, `weight × score × (n + 1) + [top choice]`, minus the same for
/// the fallback (0 without one). Kept candidates beat the fallback, so
/// every allowed value is at least 1; a pair not allowed is worth -1 and
/// "no place" 0, so no optimum uses a pair not allowed (swapping it for no
/// place gains 1, and there are enough "no place" columns for every row).
fn solve_group(problem: &Problem, pruned: &[Pruned], group: &[usize]) -> Vec<(usize, Option<u32>)> {
    let scale = group.len() as i64 + 1;
    let value = |i: usize, c: Choice| -> i64 {
        let p = &pruned[i];
        let weight = i64::from(problem.needs[i].weight);
        let of = |c: Choice| {
            let top = p.top.is_some_and(|t| t.offering == c.offering);
            weight * i64::from(c.score_milli) * scale + i64::from(top)
        };
        of(c) - p.fallback.map_or(0, of)
    };
    // The group's contested offerings in index order, and their places.
    let mut offerings: Vec<u32> = group
        .iter()
        .flat_map(|&i| pruned[i].kept.iter().map(|c| c.offering))
        .collect();
    offerings.sort_unstable();
    offerings.dedup();
    let places: Vec<u32> = offerings
        .iter()
        .flat_map(|&o| {
            let cap = problem.capacities[o as usize].unwrap_or(0);
            std::iter::repeat_n(o, cap as usize)
        })
        .collect();
    let column_of = |o: u32| {
        offerings
            .binary_search(&o)
            .expect("every kept offering is listed")
    };
    // Place `k` of offering `offerings[j]` is column `first_place[j] + k`.
    let mut first_place = Vec::with_capacity(offerings.len());
    let mut next = 0usize;
    for &o in &offerings {
        first_place.push(next);
        next += problem.capacities[o as usize].unwrap_or(0) as usize;
    }
    let (n, s) = (group.len(), places.len());
    // The Hungarian algorithm costs rows² × columns: the smaller side
    // becomes the rows, each column of the other side, plus a "no place"
    // column per row.
    let needs_as_rows = n * n * (s + n) <= s * s * (n + s);
    let (rows, columns) = if needs_as_rows {
        (n, s + n)
    } else {
        (s, n + s)
    };
    let mut weights = Matrix::new(rows, columns, -1i64);
    for (row, &i) in group.iter().enumerate() {
        for &c in &pruned[i].kept {
            let j = column_of(c.offering);
            let v = value(i, c);
            let cap = problem.capacities[c.offering as usize].unwrap_or(0) as usize;
            for place in first_place[j]..first_place[j] + cap {
                let (r, col) = if needs_as_rows {
                    (row, place)
                } else {
                    (place, row)
                };
                // An offering listed twice for a need counts at its best.
                weights[(r, col)] = weights[(r, col)].max(v);
            }
        }
    }
    let empty = if needs_as_rows { s } else { n };
    for r in 0..rows {
        for col in empty..columns {
            weights[(r, col)] = 0;
        }
    }
    let (_, chosen) = kuhn_munkres(&weights);
    let mut given: Vec<(usize, Option<u32>)> = group
        .iter()
        .map(|&i| (i, pruned[i].fallback.map(|f| f.offering)))
        .collect();
    let mut assign = |row_need: usize, place: usize, r: usize, col: usize| {
        if weights[(r, col)] > 0 {
            given[row_need].1 = Some(places[place]);
        }
    };
    for (r, &col) in chosen.iter().enumerate() {
        if needs_as_rows {
            if col < s {
                assign(r, col, r, col);
            }
        } else if col < n {
            assign(col, r, r, col);
        }
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn choice(offering: u32, score_milli: u32) -> Choice {
        Choice {
            offering,
            score_milli,
        }
    }

    fn need(weight: u32, choices: &[(u32, u32)]) -> NeedChoices {
        NeedChoices {
            weight,
            choices: choices.iter().map(|&(o, s)| choice(o, s)).collect(),
        }
    }

    /// The best total by trying every allocation: each need takes none or
    /// one of its candidates, within every capacity.
    fn exhaustive_optimum(problem: &Problem) -> u64 {
        fn walk(problem: &Problem, i: usize, used: &mut Vec<u32>, total: u64, best: &mut u64) {
            let Some(need) = problem.needs.get(i) else {
                *best = (*best).max(total);
                return;
            };
            walk(problem, i + 1, used, total, best);
            for c in &need.choices {
                let o = c.offering as usize;
                if problem.capacities[o].is_some_and(|cap| used[o] >= cap) {
                    continue;
                }
                used[o] += 1;
                let gain = u64::from(need.weight) * u64::from(c.score_milli);
                walk(problem, i + 1, used, total + gain, best);
                used[o] -= 1;
            }
        }
        let mut best = 0;
        walk(
            problem,
            0,
            &mut vec![0; problem.capacities.len()],
            0,
            &mut best,
        );
        best
    }

    #[test]
    fn two_needs_wanting_one_place_are_split_by_what_each_would_lose() {
        // Both prefer offering 0, which has one place. The first would lose
        // 300 going to offering 1, the second 100 going to offering 2.
        let problem = Problem {
            needs: vec![
                need(1, &[(0, 900), (1, 600)]),
                need(1, &[(0, 900), (2, 800)]),
            ],
            capacities: vec![Some(1), None, None],
        };
        let assignment = allocate(&problem);
        assert_eq!(assignment.offerings, [Some(0), Some(2)]);
        assert_eq!(assignment.objective, 1700);
        assert_eq!(problem.top_choices(), [Some(0), Some(0)]);
        assert_eq!(problem.overbooked(&problem.top_choices()), [(0, 2)]);
        assert_eq!(problem.objective(&problem.top_choices()), 1800);
    }

    #[test]
    fn priority_weights_decide_the_last_place() {
        // Equal scores and no alternative: the last place goes to the
        // high-priority need, whichever comes first.
        let low = PRIORITY_WEIGHTS.of(Priority::Low);
        let high = PRIORITY_WEIGHTS.of(Priority::High);
        let problem = Problem {
            needs: vec![need(low, &[(0, 700)]), need(high, &[(0, 700)])],
            capacities: vec![Some(1)],
        };
        assert_eq!(allocate(&problem).offerings, [None, Some(0)]);
    }

    #[test]
    fn a_fully_booked_offering_is_never_given_and_an_unlimited_one_always_can_be() {
        let problem = Problem {
            needs: (0..5).map(|_| need(2, &[(0, 990), (1, 500)])).collect(),
            capacities: vec![Some(0), None],
        };
        let assignment = allocate(&problem);
        assert_eq!(assignment.offerings, vec![Some(1); 5]);
        assert_eq!(assignment.effort.contested_needs, 0);
    }

    #[test]
    fn a_need_stays_on_its_top_choice_when_another_is_as_good() {
        // Offering 0 (one place) and offering 1 (unlimited) score the same;
        // offering 0 is the top choice by key order, and there is room.
        let problem = Problem {
            needs: vec![need(1, &[(1, 800), (0, 800)])],
            capacities: vec![Some(1), None],
        };
        assert_eq!(problem.top_choices(), [Some(0)]);
        assert_eq!(allocate(&problem).offerings, [Some(0)]);
    }

    #[test]
    fn the_total_comes_before_keeping_top_choices() {
        // Need 0 has an equally good alternative, need 1 a worse one: need 0
        // leaves its top choice so that need 1 can have it.
        let problem = Problem {
            needs: vec![
                need(1, &[(0, 800), (1, 800)]),
                need(1, &[(0, 800), (2, 600)]),
            ],
            capacities: vec![Some(1), None, None],
        };
        assert_eq!(problem.top_choices(), [Some(0), Some(0)]);
        assert_eq!(allocate(&problem).offerings, [Some(1), Some(0)]);
    }

    #[test]
    fn needs_that_share_no_offering_are_solved_apart() {
        let problem = Problem {
            needs: vec![
                need(1, &[(0, 900), (2, 100)]),
                need(1, &[(1, 900), (2, 100)]),
                need(1, &[(0, 800), (2, 100)]),
                need(1, &[(1, 800), (2, 100)]),
            ],
            capacities: vec![Some(1), Some(1), None],
        };
        let assignment = allocate(&problem);
        assert_eq!(assignment.offerings, [Some(0), Some(1), Some(2), Some(2)]);
        assert_eq!(
            assignment.effort,
            Effort {
                contested_needs: 4,
                contested_offerings: 2,
                groups: 2,
                largest_group: 2,
            }
        );
    }

    #[test]
    fn an_offering_freed_by_pruning_frees_others() {
        // Offering 1 has one place and two needs want it, but need 1 does
        // better at offering 0, which has room for it once need 0 is
        // content with offering 2 (unlimited, better than 0 for need 0).
        let problem = Problem {
            needs: vec![
                need(1, &[(2, 900), (0, 800)]),
                need(1, &[(0, 950), (1, 900)]),
                need(1, &[(1, 700)]),
            ],
            capacities: vec![Some(1), Some(1), None],
        };
        let assignment = allocate(&problem);
        assert_eq!(assignment.offerings, [Some(2), Some(0), Some(1)]);
        assert_eq!(assignment.effort.contested_needs, 0);
    }

    #[test]
    fn empty_problems_allocate_nothing() {
        let assignment = allocate(&Problem::default());
        assert!(assignment.offerings.is_empty());
        assert_eq!(assignment.objective, 0);
        let no_choices = Problem {
            needs: vec![need(1, &[])],
            capacities: vec![Some(3)],
        };
        assert_eq!(allocate(&no_choices).offerings, [None]);
    }

    #[test]
    #[should_panic(expected = "beyond the 1 capacities")]
    fn a_choice_of_an_unknown_offering_is_refused() {
        allocate(&Problem {
            needs: vec![need(1, &[(1, 500)])],
            capacities: vec![None],
        });
    }

    fn any_problem() -> impl Strategy<Value = Problem> {
        (1usize..=4)
            .prop_flat_map(|offerings| {
                let capacity = proptest::option::weighted(0.7, 0u32..3);
                let need = (
                    1u32..=3,
                    proptest::sample::subsequence(
                        (0..offerings as u32).collect::<Vec<_>>(),
                        0..=offerings,
                    ),
                )
                    .prop_flat_map(|(weight, chosen)| {
                        let n = chosen.len();
                        // Few distinct scores, so that ties are common.
                        proptest::collection::vec(
                            proptest::sample::select(&[0u32, 250, 500, 500, 750, 1000][..]),
                            n,
                        )
                        .prop_map(move |scores| NeedChoices {
                            weight,
                            choices: chosen
                                .iter()
                                .zip(scores)
                                .map(|(&o, s)| choice(o, s))
                                .collect(),
                        })
                    });
                (
                    proptest::collection::vec(need, 0..=6),
                    proptest::collection::vec(capacity, offerings),
                )
            })
            .prop_map(|(needs, capacities)| Problem { needs, capacities })
    }

    proptest! {
        // Each case is cheap, and the interesting ones (offerings wanted by
        // more needs than they have places) are a fraction of them.
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn the_allocation_is_optimal_and_within_every_capacity(problem in any_problem()) {
            let assignment = allocate(&problem);
            prop_assert_eq!(assignment.offerings.len(), problem.needs.len());
            for (need, given) in problem.needs.iter().zip(&assignment.offerings) {
                if let Some(o) = given {
                    prop_assert!(need.choices.iter().any(|c| c.offering == *o), "{:?} is not a candidate of {:?}", o, need);
                }
            }
            prop_assert!(problem.overbooked(&assignment.offerings).is_empty());
            prop_assert_eq!(assignment.objective, problem.objective(&assignment.offerings));
            prop_assert_eq!(assignment.objective, exhaustive_optimum(&problem));
            prop_assert_eq!(allocate(&problem), assignment);
        }

        /// Shortlisting each need's candidates changes nothing.
        #[test]
        fn the_shortlist_keeps_the_allocation_and_the_top_choice(problem in any_problem()) {
            let shortlisted = Problem {
                needs: problem
                    .needs
                    .iter()
                    .map(|need| {
                        let mut list = Shortlist::new(&problem.capacities);
                        for c in &need.choices {
                            list.offer(*c);
                        }
                        NeedChoices { weight: need.weight, choices: list.finish() }
                    })
                    .collect(),
                capacities: problem.capacities.clone(),
            };
            prop_assert_eq!(shortlisted.top_choices(), problem.top_choices());
            prop_assert_eq!(allocate(&shortlisted).offerings, allocate(&problem).offerings);
        }
    }
}
