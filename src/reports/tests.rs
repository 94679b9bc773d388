//! The reports agree with the engine and with each other: a coverage cell
//! counts what the gaps report lists, by the same rules.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::overlaps::{SHOWN_OFFERINGS, SHOWN_PROVIDERS};
use super::*;
use crate::domain::codes::{Iso3, RecordKey};
use crate::domain::offering::Coverage;
use crate::matching::testing::*;
use crate::matching::{Catalogue, WEIGHTS};

fn open_need(country: &str, index: usize, mut need: crate::domain::assessment::Need) -> OpenNeed {
    let key = format!("{}-2026", country.to_ascii_lowercase());
    need.key = Some(RecordKey::parse(&format!("{key}-{index}")).unwrap());
    OpenNeed {
        country: reference().iso3(country).unwrap(),
        assessment: RecordKey::parse(&key).unwrap(),
        need,
        visibility: crate::domain::Visibility::Public,
    }
}

/// Everything on one page.
fn whole() -> Paging {
    Paging::new(1, usize::MAX)
}

fn with_context<T>(run: impl FnOnce(&Context) -> T) -> T {
    let engagements = crate::matching::Engagements::default();
    run(&Context {
        reference: reference(),
        today: today(),
        engagements: &engagements,
        weights: WEIGHTS,
    })
}

fn cell<'a>(report: &'a CoverageReport, theme: &str, column: &str) -> &'a Cell {
    let row = report
        .rows
        .iter()
        .find(|r| r.theme.as_str() == theme)
        .unwrap();
    let c = report
        .columns
        .iter()
        .position(|c| c.code == column)
        .unwrap();
    &row.cells[c]
}

/// The case a coordinator saw: Senegal asks for awareness raising; the two
/// offerings for Africa on the same theme are on other sub-themes.
#[test]
fn offerings_on_other_subthemes_do_not_serve_a_cell() {
    let r = reference();
    let africa = Coverage {
        regions: [r.region_code("002").unwrap()].into(),
        ..Coverage::default()
    };
    let catalogue = Catalogue::new(vec![
        offering("education", "culture-skills.education", africa.clone()),
        offering("workforce", "culture-skills.workforce", africa),
    ]);
    let needs = vec![open_need("SEN", 1, need("culture-skills.awareness"))];
    let (report, gaps) = with_context(|context| {
        (
            coverage(context, &catalogue, needs.clone(), Columns::Regions),
            gaps(context, &catalogue, needs, 3, whole()).page,
        )
    });
    let africa = cell(&report, "culture-skills", "002");
    assert_eq!(
        (africa.open_needs, africa.matched_needs, africa.offerings),
        (1, 0, 0)
    );
    assert_eq!(africa.shade(), Shade::Unserved);
    assert_eq!(gaps.len(), 1);
}

#[test]
fn a_cell_counts_each_offering_once_and_only_for_needs_it_matches() {
    let r = reference();
    let africa = Coverage {
        regions: [r.region_code("002").unwrap()].into(),
        ..Coverage::default()
    };
    let catalogue = Catalogue::new(vec![
        offering("judges", "cybercrime.judiciary", worldwide()),
        offering("all-cybercrime", "cybercrime", africa),
        offering("law", "cybercrime.legislation", worldwide()),
    ]);
    let needs = vec![
        open_need("GHA", 1, need("cybercrime.judiciary")),
        open_need("SEN", 1, need("cybercrime.judiciary")),
        open_need("KEN", 1, need("cybercrime.international-cooperation")),
    ];
    let report = with_context(|context| coverage(context, &catalogue, needs, Columns::Regions));
    let africa = cell(&report, "cybercrime", "002");
    // judges and all-cybercrime match the judiciary needs; all-cybercrime
    // also Kenya's; law matches nothing asked.
    assert_eq!(
        (
            africa.open_needs,
            africa.matched_needs,
            africa.served_needs,
            africa.offerings
        ),
        (3, 3, 3, 2)
    );
    assert_eq!(africa.ratio, Some(0.67));
    assert_eq!(africa.shade(), Shade::Served);
    assert_eq!(cell(&report, "cybercrime", "150").shade(), Shade::NoNeeds);
}

#[test]
fn overlaps_name_offerings_by_title_and_serialise_their_keys() {
    let catalogue = Catalogue::new(vec![
        {
            let mut o = offering("a-law", "cybercrime.legislation", worldwide());
            o.data.provider = RecordKey::parse("first").unwrap();
            o.data.title = "Law reform".into();
            o
        },
        {
            let mut o = offering("b-law", "cybercrime.legislation", worldwide());
            o.data.provider = RecordKey::parse("second").unwrap();
            o.data.title = "Legal drafting".into();
            o
        },
    ]);
    let needs = vec![open_need("GHA", 1, need("cybercrime.legislation"))];
    let found = with_context(|context| overlaps(context, &catalogue, needs, whole())).page;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].providers[0].offerings[0].title, "Law reform");
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(
        json["providers"][1]["offerings"],
        serde_json::json!(["b-law"])
    );
}

fn any_needs() -> impl Strategy<Value = Vec<OpenNeed>> {
    proptest::collection::vec((proptest::sample::select(COUNTRIES), any_need()), 0..10).prop_map(
        |needs| {
            needs
                .into_iter()
                .enumerate()
                .map(|(i, (country, need))| open_need(country, i + 1, need))
                .collect()
        },
    )
}

fn any_columns() -> impl Strategy<Value = Columns> {
    proptest::sample::select(&[Columns::Regions, Columns::Subregions, Columns::Groups][..])
}

proptest! {
    /// No cell is shaded as served while it holds a need the gaps report
    /// lists, and each cell's counts are the gaps report's for its theme
    /// and places.
    #[test]
    fn the_coverage_map_and_the_gaps_report_agree(
        offerings in any_catalogue(), needs in any_needs(), kind in any_columns(),
    ) {
        let catalogue = Catalogue::new(offerings);
        let (report, gaps, all) = with_context(|context| (
            coverage(context, &catalogue, needs.clone(), kind),
            gaps(context, &catalogue, needs.clone(), 0, whole()).page,
            match_needs(context, &catalogue, needs.clone(), None),
        ));
        let r = reference();
        for row in &report.rows {
            let family: BTreeSet<ThemeCode> = r.theme_with_subthemes(&row.theme).into_iter().collect();
            for (column, cell) in report.columns.iter().zip(&row.cells) {
                let in_cell = |open: &OpenNeed| family.contains(&open.need.theme) && column.countries.contains(&open.country);
                let listed: Vec<&NeedReport> = gaps.iter().filter(|g| in_cell(&g.open)).collect();
                let unmatched = listed.iter().filter(|g| g.total_matches == 0).count();
                prop_assert_eq!(cell.open_needs, needs.iter().filter(|n| in_cell(n)).count());
                prop_assert_eq!(cell.open_needs - cell.served_needs, listed.len());
                prop_assert_eq!(cell.open_needs - cell.matched_needs, unmatched);
                if cell.shade().is_served() {
                    prop_assert!(listed.is_empty(), "{:?} is shaded served but lists {:?}", cell, listed.iter().map(|g| &g.key).collect::<Vec<_>>());
                }
                let supply: BTreeSet<&RecordKey> = all
                    .iter()
                    .filter(|n| in_cell(&n.open))
                    .flat_map(|n| n.matches.iter().map(|m| &m.offered.offering))
                    .collect();
                prop_assert_eq!(cell.offerings, supply.len());
            }
        }
    }
}

#[test]
fn shades_run_from_no_needs_to_well_served() {
    let shade = |open_needs, matched_needs, served_needs, offerings: usize| {
        Cell {
            open_needs,
            matched_needs,
            served_needs,
            offerings,
            ratio: (open_needs > 0).then(|| offerings as f64 / open_needs as f64),
        }
        .shade()
    };
    assert_eq!(shade(0, 0, 0, 4), Shade::NoNeeds);
    assert_eq!(shade(2, 0, 0, 0), Shade::Unserved);
    assert_eq!(shade(2, 1, 1, 3), Shade::PartlyServed);
    assert_eq!(shade(2, 2, 1, 3), Shade::WeaklyServed);
    assert_eq!(shade(2, 2, 2, 3), Shade::Served);
    assert_eq!(shade(2, 2, 2, 4), Shade::WellServed);
    assert!(Shade::ALL.windows(2).all(|w| w[0] < w[1]));
}

/// Concatenates every page of a report, checking each page's size and total.
fn every_page<T: Clone>(
    per_page: usize,
    run: impl Fn(Paging) -> Paged<Vec<T>>,
) -> Result<(Vec<T>, usize), TestCaseError> {
    let first = run(Paging::new(1, per_page));
    let total = first.total;
    let mut items = Vec::new();
    for number in 1..=first.page_count() {
        let page = run(Paging::new(number, per_page));
        prop_assert!(page.page.len() <= per_page);
        prop_assert_eq!(page.total, total);
        prop_assert_eq!(page.has_next(), number < first.page_count());
        items.extend(page.page);
    }
    Ok((items, total))
}

proptest! {
    /// Pages cut a report without losing or repeating anything.
    #[test]
    fn pages_together_are_the_whole_report(
        offerings in any_catalogue(), needs in any_needs(), per_page in 1usize..4,
    ) {
        let catalogue = Catalogue::new(offerings);
        with_context(|context| {
            let whole_gaps = gaps(context, &catalogue, needs.clone(), 3, whole());
            let (paged, total) = every_page(per_page, |p| gaps(context, &catalogue, needs.clone(), 3, p))?;
            prop_assert_eq!(total, whole_gaps.total);
            prop_assert_eq!(paged, whole_gaps.page);

            let whole_needs = needs_page(context, &catalogue, needs.clone(), Some(2), whole(), None);
            let (paged, _) = every_page(per_page, |p| needs_page(context, &catalogue, needs.clone(), Some(2), p, None))?;
            prop_assert_eq!(paged, whole_needs.page);

            let whole_overlaps = overlaps(context, &catalogue, needs.clone(), whole());
            let (paged, _) = every_page(per_page, |p| overlaps(context, &catalogue, needs.clone(), p))?;
            prop_assert_eq!(&paged, &whole_overlaps.page);

            // Each overlap counts what the engine matches for its cell, and
            // every cell that several providers serve is one.
            let all = match_needs(context, &catalogue, needs.clone(), None);
            let mut cells: BTreeMap<(Iso3, ThemeCode), (BTreeSet<RecordKey>, BTreeSet<RecordKey>)> = BTreeMap::new();
            for report in &all {
                let cell = cells.entry((report.open.country.clone(), report.theme.clone())).or_default();
                cell.0.extend(report.matches.iter().map(|m| m.offered.provider.clone()));
                cell.1.extend(report.matches.iter().map(|m| m.offered.offering.clone()));
            }
            let crowded = cells.values().filter(|(providers, _)| providers.len() >= 2).count();
            prop_assert_eq!(whole_overlaps.total, crowded);
            for overlap in &whole_overlaps.page {
                let (providers, offerings) = &cells[&(overlap.country.clone(), overlap.theme.clone())];
                prop_assert_eq!(overlap.provider_count, providers.len());
                prop_assert_eq!(overlap.offering_count, offerings.len());
                prop_assert!(overlap.providers.len() <= SHOWN_PROVIDERS.min(providers.len()));
                prop_assert!(overlap.providers.iter().all(|p| p.offerings.len() <= SHOWN_OFFERINGS));
            }
            Ok(())
        })?;
    }
}

proptest! {
    /// A report that recalls what its needs found, while the catalogue
    /// changes offering by offering under it, says what one working out
    /// every need says.
    #[test]
    fn recalled_needs_say_what_needs_worked_out_say(
        offerings in any_catalogue(), needs in any_needs(), moves in proptest::collection::vec(any_moves(), 1..4), limit in proptest::option::of(1usize..4),
    ) {
        let memo = NeedMemo::default();
        let mut catalogue = Catalogue::new(offerings);
        let engagements = crate::matching::Engagements::of_version(Default::default(), 1);
        let context = Context { reference: reference(), today: today(), engagements: &engagements, weights: WEIGHTS };
        for step in std::iter::once(None).chain(moves.iter().map(Some)) {
            if let Some(moves) = step {
                catalogue = catalogue.changed(changes(moves));
            }
            let recalled = needs_page(&context, &catalogue, needs.clone(), limit, whole(), Some(&memo));
            let worked_out = needs_page(&context, &catalogue, needs.clone(), limit, whole(), None);
            prop_assert_eq!(recalled, worked_out);
        }
        prop_assert_eq!(memo.is_empty(), needs.is_empty());
        // Engagements of no known version: nothing is kept or recalled.
        let unknown = NeedMemo::default();
        with_context(|context| needs_page(context, &catalogue, needs.clone(), limit, whole(), Some(&unknown)));
        prop_assert!(unknown.is_empty());
    }
}
