//! The engine at the scale the targets name: 50,000 offerings, 20 needs in
//! each of the independent countries. `cargo bench --bench matching`.

use capmatch::matching::{Catalogue, Context, WEIGHTS};
use capmatch::reports;
use capmatch::synthetic::{Settings, in_memory, partly_booked};
use criterion::{Criterion, criterion_group, criterion_main};

fn engine(c: &mut Criterion) {
    let reference = capmatch::reference_data::load().expect("shipped reference data");
    let (offerings, needs) = in_memory(&reference, &Settings::TARGETS);
    let catalogue = Catalogue::new(offerings.clone());
    let engagements = capmatch::matching::Engagements::default();
    let context = Context {
        reference: &reference,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        engagements: &engagements,
        weights: WEIGHTS,
    };
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    let scale = format!("{} needs x {} offerings", needs.len(), catalogue.len());
    group.bench_function(format!("full re-match, every match ranked: {scale}"), |b| {
        b.iter(|| {
            reports::rank_needs(
                &context,
                &catalogue,
                needs.clone(),
                None,
                |_, _, ranking| ranking.match_count(),
            )
        })
    });
    group.bench_function(
        format!("full re-match, best 10 kept per need: {scale}"),
        |b| {
            b.iter(|| {
                reports::rank_needs(
                    &context,
                    &catalogue,
                    needs.clone(),
                    Some(10),
                    |_, _, ranking| ranking.match_count(),
                )
            })
        },
    );
    // As a request sees it once matches are under way: part of every
    // limited offering booked, the engagements read afresh each time.
    let booked = partly_booked(&catalogue);
    group.bench_function(
        format!("full re-match, best 10 kept, limited offerings partly booked: {scale}"),
        |b| {
            b.iter(|| {
                let engagements = capmatch::matching::Engagements::from(booked.clone());
                let context = Context {
                    engagements: &engagements,
                    ..context
                };
                reports::rank_needs(
                    &context,
                    &catalogue,
                    needs.clone(),
                    Some(10),
                    |_, _, ranking| ranking.match_count(),
                )
            })
        },
    );
    let ghana: Vec<_> = needs
        .iter()
        .filter(|n| n.country.as_str() == "GHA")
        .cloned()
        .collect();
    group.bench_function("one country's report, best 10 explained", |b| {
        b.iter(|| reports::match_needs(&context, &catalogue, ghana.clone(), Some(10)))
    });
    group.bench_function(format!("coverage report by region: {scale}"), |b| {
        b.iter(|| {
            reports::coverage(
                &context,
                &catalogue,
                needs.clone(),
                reports::Columns::Regions,
            )
        })
    });
    group.bench_function(format!("gaps report, first page: {scale}"), |b| {
        b.iter(|| {
            reports::gaps(
                &context,
                &catalogue,
                needs.clone(),
                3,
                reports::Paging::new(1, 25),
            )
        })
    });
    group.bench_function(format!("overlaps report, first page: {scale}"), |b| {
        b.iter(|| {
            reports::overlaps(
                &context,
                &catalogue,
                needs.clone(),
                reports::Paging::new(1, 25),
            )
        })
    });
    group.bench_function("index 50,000 offerings", |b| {
        b.iter(|| Catalogue::new(offerings.clone()))
    });
    // What a save costs the engine: one offering edited in place, and one
    // new one, which moves every later offering up.
    let mut edited = offerings[offerings.len() / 2].clone();
    edited.data.title = "Edited".into();
    let mut new = edited.clone();
    new.key = capmatch::domain::codes::RecordKey::parse("synthetic-offering-new").unwrap();
    for (name, offering) in [("an edit", edited), ("a new offering", new)] {
        let moved = vec![(offering.key.clone(), Some(std::sync::Arc::new(offering)))];
        group.bench_function(format!("change 50,000 offerings by {name}"), |b| {
            b.iter(|| catalogue.changed(moved.clone()))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
