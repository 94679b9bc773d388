//! The coverage report: themes × places, open needs against the offerings
//! that match them.

use std::collections::{BTreeMap, BTreeSet};

use fixedbitset::FixedBitSet;
use rayon::prelude::*;
use serde::Serialize;

use crate::domain::assessment::OpenNeed;
use crate::domain::codes::{Iso3, ThemeCode};
use crate::domain::reference::{Country, ReferenceData};
use crate::domain::vocab::RegionLevel;
use crate::matching::{Candidate, Catalogue, Context, WEAK_SCORE};

/// How the coverage report's columns divide the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    Regions,
    Subregions,
    Groups,
}

impl Columns {
    pub fn parse(text: &str) -> Option<Columns> {
        match text {
            "" | "regions" => Some(Columns::Regions),
            "subregions" => Some(Columns::Subregions),
            "groups" => Some(Columns::Groups),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Columns::Regions => "regions",
            Columns::Subregions => "subregions",
            Columns::Groups => "groups",
        }
    }
}

/// One column of the coverage report: a region or a group, and its countries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The query parameter that selects it (`region` or `group`).
    pub parameter: &'static str,
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub(super) countries: BTreeSet<Iso3>,
}

/// One theme in one column's places: its open needs, how many of them the
/// engine matches, and the offerings that match them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cell {
    pub open_needs: usize,
    /// Needs with at least one match.
    pub matched_needs: usize,
    /// Needs whose best match scores at least [`WEAK_SCORE`]: the rest are
    /// what the gaps report lists.
    pub served_needs: usize,
    /// Offerings that match at least one of the cell's needs, by the
    /// engine's own rules.
    pub offerings: usize,
    /// Offerings per open need; `None` where nothing is asked.
    pub ratio: Option<f64>,
}

/// How well a cell is served, from worst to best: the heat map's shades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shade {
    /// Nothing is asked here.
    NoNeeds,
    /// No need has a match.
    Unserved,
    /// Some needs have no match.
    PartlyServed,
    /// Every need has a match, but some only a weak one.
    WeaklyServed,
    /// Every need has a good match.
    Served,
    /// Every need has a good match, and there are two offerings or more per need.
    WellServed,
}

impl Shade {
    pub const ALL: [Shade; 6] = [
        Shade::NoNeeds,
        Shade::Unserved,
        Shade::PartlyServed,
        Shade::WeaklyServed,
        Shade::Served,
        Shade::WellServed,
    ];

    /// Whether every need of the cell has a good match.
    pub fn is_served(self) -> bool {
        self >= Shade::Served
    }

    pub fn code(self) -> &'static str {
        match self {
            Shade::NoNeeds => "none",
            Shade::Unserved => "unserved",
            Shade::PartlyServed => "partly",
            Shade::WeaklyServed => "weak",
            Shade::Served => "served",
            Shade::WellServed => "well",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Shade::NoNeeds => "no open needs",
            Shade::Unserved => "no need has a match",
            Shade::PartlyServed => "some needs have no match",
            Shade::WeaklyServed => "every need has a match, some only a weak one",
            Shade::Served => "every need has a good match",
            Shade::WellServed => "every need has a good match, with two offerings or more per need",
        }
    }
}

impl Cell {
    pub fn shade(&self) -> Shade {
        if self.open_needs == 0 {
            Shade::NoNeeds
        } else if self.matched_needs == 0 {
            Shade::Unserved
        } else if self.matched_needs < self.open_needs {
            Shade::PartlyServed
        } else if self.served_needs < self.open_needs {
            Shade::WeaklyServed
        } else if self.ratio.is_some_and(|r| r >= 2.0) {
            Shade::WellServed
        } else {
            Shade::Served
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    pub theme: ThemeCode,
    pub name: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub columns: Vec<Column>,
    pub rows: Vec<CoverageRow>,
}

fn columns(reference: &ReferenceData, kind: Columns) -> Vec<Column> {
    let column =
        |parameter, code: &str, name: &str, countries: &mut dyn Iterator<Item = &Country>| Column {
            parameter,
            code: code.to_owned(),
            name: name.to_owned(),
            countries: countries.map(|c| c.iso3.clone()).collect(),
        };
    let of_region = |level: RegionLevel| {
        reference
            .regions()
            .iter()
            .filter(|r| r.level == level)
            .map(|r| {
                let countries = &mut reference.countries_in_region(&r.code);
                column("region", r.code.as_str(), &r.name, countries)
            })
            .collect()
    };
    match kind {
        Columns::Regions => of_region(RegionLevel::Region),
        Columns::Subregions => of_region(RegionLevel::Subregion),
        Columns::Groups => reference
            .groups()
            .iter()
            .map(|g| {
                column(
                    "group",
                    g.code.as_str(),
                    &g.name,
                    &mut reference.members_of(&g.code),
                )
            })
            .collect(),
    }
}

/// What one country's needs on one theme add to the cells of its columns.
struct CountryTally {
    row: usize,
    open_needs: usize,
    matched_needs: usize,
    served_needs: usize,
    /// The offerings that match at least one of these needs.
    offerings: FixedBitSet,
}

/// Countries tallied at once: bounds the memory of the tallies waiting to
/// be merged to this many countries' matched offerings.
const COUNTRIES_AT_ONCE: usize = 32;

/// Themes × places: the open needs of each parent theme (with its
/// sub-themes) in each column's countries, how many the engine matches and
/// serves well, and the offerings that match them. A cell is counted by the
/// same rules as the gaps report, so the two never disagree.
pub fn coverage(
    context: &Context,
    catalogue: &Catalogue,
    needs: Vec<OpenNeed>,
    kind: Columns,
) -> CoverageReport {
    let reference = context.reference;
    let columns = columns(reference, kind);
    let parents: Vec<&crate::domain::Theme> = reference.parent_themes().collect();
    let row_of = |theme: &ThemeCode| -> Option<usize> {
        let parent = reference
            .theme(theme.as_str())
            .map(|t| t.parent.as_ref().unwrap_or(&t.code))?;
        parents.iter().position(|p| &p.code == parent)
    };
    let mut by_country: BTreeMap<Iso3, Vec<OpenNeed>> = BTreeMap::new();
    for open in needs {
        by_country
            .entry(open.country.clone())
            .or_default()
            .push(open);
    }
    let mut cells = vec![vec![Cell::default(); columns.len()]; parents.len()];
    let mut supply =
        vec![vec![FixedBitSet::with_capacity(catalogue.len()); columns.len()]; parents.len()];
    let by_country: Vec<(Iso3, Vec<OpenNeed>)> = by_country.into_iter().collect();
    for chunk in by_country.chunks(COUNTRIES_AT_ONCE) {
        let tallies: Vec<(&Iso3, Vec<CountryTally>)> = chunk
            .par_iter()
            .filter_map(|(iso3, needs)| {
                let country = reference.country(iso3.as_str())?;
                let view = catalogue.view(country, reference, context.today);
                let mut rows: BTreeMap<usize, CountryTally> = BTreeMap::new();
                for open in needs {
                    let Some(row) = row_of(&open.need.theme) else {
                        continue;
                    };
                    let tally = rows.entry(row).or_insert_with(|| CountryTally {
                        row,
                        open_needs: 0,
                        matched_needs: 0,
                        served_needs: 0,
                        offerings: FixedBitSet::with_capacity(catalogue.len()),
                    });
                    let mut best: Option<u64> = None;
                    context.candidates(catalogue, &view, &open.need, |i, candidate| {
                        if let Candidate::Match { score_milli } = candidate {
                            tally.offerings.insert(i as usize);
                            best = best.max(Some(score_milli));
                        }
                    });
                    tally.open_needs += 1;
                    if let Some(best) = best {
                        tally.matched_needs += 1;
                        if best as f64 / 1000.0 >= WEAK_SCORE {
                            tally.served_needs += 1;
                        }
                    }
                }
                Some((iso3, rows.into_values().collect()))
            })
            .collect();
        for (iso3, tallies) in tallies {
            for (c, column) in columns.iter().enumerate() {
                if !column.countries.contains(iso3) {
                    continue;
                }
                for tally in &tallies {
                    let cell = &mut cells[tally.row][c];
                    cell.open_needs += tally.open_needs;
                    cell.matched_needs += tally.matched_needs;
                    cell.served_needs += tally.served_needs;
                    supply[tally.row][c].union_with(&tally.offerings);
                }
            }
        }
    }
    let rows = parents
        .iter()
        .zip(cells)
        .zip(supply)
        .map(|((parent, cells), supply)| CoverageRow {
            theme: parent.code.clone(),
            name: parent.name.clone(),
            cells: cells
                .into_iter()
                .zip(supply)
                .map(|(cell, offerings)| {
                    let offerings = offerings.count_ones(..);
                    Cell {
                        offerings,
                        ratio: (cell.open_needs > 0).then(|| {
                            (offerings as f64 / cell.open_needs as f64 * 100.0).round() / 100.0
                        }),
                        ..cell
                    }
                })
                .collect(),
        })
        .collect();
    CoverageReport { columns, rows }
}
