//! What needs found, kept between reports. After an offering is saved,
//! every country's report is built again; most of its needs cannot find
//! anything new, as a need finds only offerings on its theme or that
//! theme's parent. The catalogue says when those last changed
//! ([`Catalogue::changed_for`]), so a need's matches are kept until then,
//! on the same day and with the same engagements under way.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDate;

use crate::domain::assessment::{Need, OpenNeed};
use crate::domain::codes::Iso3;
use crate::matching::{Catalogue, Context, NeedMatches};

/// A need as a report asks about it.
#[derive(PartialEq, Eq, Hash)]
struct Asked {
    country: Iso3,
    need: Need,
    limit: Option<usize>,
}

/// What the matches a need found were worked out from.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Basis {
    /// The catalogue that last changed what the need could find.
    changed: u64,
    today: NaiveDate,
    /// The matches version of the engagements the context holds.
    engagements: i64,
}

/// Needs' matches, each with what it was worked out from.
#[derive(Default)]
pub struct NeedMemo {
    kept: Mutex<HashMap<Asked, (Basis, NeedMatches)>>,
}

impl NeedMemo {
    /// Needs kept at most: a page of every country's report (about 4,000
    /// needs, a few kilobytes each in memory); past that the memo starts
    /// afresh.
    const KEPT: usize = 5_000;

    pub fn len(&self) -> usize {
        self.kept.lock().map(|kept| kept.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the need's result is worked out from, when all of it is known.
    fn basis(context: &Context, catalogue: &Catalogue, need: &Need) -> Option<Basis> {
        Some(Basis {
            changed: catalogue.changed_for(&need.theme, context.reference),
            today: context.today,
            engagements: context.engagements.version()?,
        })
    }

    fn asked(open: &OpenNeed, limit: Option<usize>) -> Asked {
        Asked {
            country: open.country.clone(),
            need: open.need.clone(),
            limit,
        }
    }

    /// What `open` found when nothing it could find has changed since.
    pub(super) fn get(
        &self,
        context: &Context,
        catalogue: &Catalogue,
        open: &OpenNeed,
        limit: Option<usize>,
    ) -> Option<NeedMatches> {
        let basis = Self::basis(context, catalogue, &open.need)?;
        let kept = self.kept.lock().ok()?;
        kept.get(&Self::asked(open, limit))
            .filter(|(kept_basis, _)| *kept_basis == basis)
            .map(|(_, found)| found.clone())
    }

    pub(super) fn put(
        &self,
        context: &Context,
        catalogue: &Catalogue,
        open: &OpenNeed,
        limit: Option<usize>,
        found: &NeedMatches,
    ) {
        let Some(basis) = Self::basis(context, catalogue, &open.need) else {
            return;
        };
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= NeedMemo::KEPT {
                kept.clear();
            }
            kept.insert(Self::asked(open, limit), (basis, found.clone()));
        }
    }
}
