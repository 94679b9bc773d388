//! The capacity-aware allocation at the scale the targets name: 50,000
//! offerings (half of them limited to 1–19 engagements, as the synthetic
//! directory makes them) and 20 open needs in each of the 197 independent
//! countries. `cargo bench --bench allocation`.
//!
//! The synthetic directory records no engagements, so every limited
//! offering has all its places free. A second case books part of each
//! limited offering, deterministically (offering `i` with capacity `c` has
//! `(7 i) mod (c + 1)` engagements under way), so free capacity runs from
//! none to all, and the engine's capacity factor sees it too.

use capmatch::matching::allocation::allocate;
use capmatch::matching::{Catalogue, Context, Engagements, WEIGHTS};
use capmatch::reports::allocation;
use capmatch::synthetic::{Settings, in_memory, partly_booked};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let reference = capmatch::reference_data::load().expect("shipped reference data");
    let (offerings, needs) = in_memory(&reference, &Settings::TARGETS);
    let catalogue = Catalogue::new(offerings);
    let limited = catalogue
        .offerings()
        .filter(|o| o.data.capacity.is_some())
        .count();
    let none = Engagements::default();
    let booked = Engagements::from(partly_booked(&catalogue));
    let mut group = c.benchmark_group("allocation");
    group.sample_size(10);
    for (case, engagements) in [("no engagements", &none), ("partly booked", &booked)] {
        let context = Context {
            reference: &reference,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            engagements,
            weights: WEIGHTS,
        };
        let problem = allocation::problem(&context, &catalogue, &needs);
        let report = allocation::report(&context, &catalogue, needs.clone());
        let t = &report.totals;
        eprintln!(
            "{case}: {} needs x {} offerings ({limited} limited); shortlisted candidates {}; \
             assigned {}, changed {}; objective {} against {} for the top choices, which \
             over-book {} offerings by {} needs; solver: {:?}",
            needs.len(),
            catalogue.len(),
            problem.needs.iter().map(|n| n.choices.len()).sum::<usize>(),
            t.assigned,
            t.changed,
            t.objective,
            t.top_choice_objective,
            t.overbooked_offerings,
            t.overbooked_needs,
            t.effort,
        );
        group.bench_function(format!("whole report ({case})"), |b| {
            b.iter(|| allocation::report(&context, &catalogue, needs.clone()))
        });
        group.bench_function(format!("problem from the engine ({case})"), |b| {
            b.iter(|| allocation::problem(&context, &catalogue, &needs))
        });
        group.bench_function(format!("solve alone ({case})"), |b| {
            b.iter(|| allocate(&problem))
        });
    }
    // The solver under more contention than the data has: the problem of
    // the first case with every limited offering down to one place. (Which
    // candidates are shortlisted depends only on which offerings are
    // limited, so the shortlist stays exact.)
    let context = Context {
        reference: &reference,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        engagements: &none,
        weights: WEIGHTS,
    };
    let mut tight = allocation::problem(&context, &catalogue, &needs);
    for capacity in tight.capacities.iter_mut().flatten() {
        *capacity = 1;
    }
    let assignment = allocate(&tight);
    eprintln!(
        "one place each: objective {} against {} for the top choices; solver: {:?}",
        assignment.objective,
        tight.objective(&tight.top_choices()),
        assignment.effort
    );
    group.bench_function(
        "solve alone (every limited offering down to one place)",
        |b| b.iter(|| allocate(&tight)),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
