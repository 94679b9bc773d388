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
    /// The version of the matches whose engagements the context holds.
    engagements: i64,
}

/// Needs' matches, each with what it was worked out from.
#[derive(Default)]
pub struct NeedMemo {
    kept: Mutex<HashMap<Asked, (Basis, NeedMatches)>>,
}

impl NeedMemo {
    /// Needs kept at most: a page of a report for every country, about a
    /// tenth of a megabyte each; past that the memo starts afresh.
    const KEPT: usize = 5_000;

    pub fn len(&self) -> usize {
        self.kept.lock().map(|kept| kept.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The memo as one report consults it: with the engine's context, and
/// the version of the matches its engagements were read at or after.
pub struct Recall<'a> {
    pub memo: &'a NeedMemo,
    pub engagements: i64,
}

impl Recall<'_> {
    fn basis(&self, context: &Context, catalogue: &Catalogue, need: &Need) -> Basis {
        Basis {
            changed: catalogue.changed_for(&need.theme, context.reference),
            today: context.today,
            engagements: self.engagements,
        }
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
        let basis = self.basis(context, catalogue, &open.need);
        let kept = self.memo.kept.lock().ok()?;
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
        let basis = self.basis(context, catalogue, &open.need);
        if let Ok(mut kept) = self.memo.kept.lock() {
            if kept.len() >= NeedMemo::KEPT {
                kept.clear();
            }
            kept.insert(Self::asked(open, limit), (basis, found.clone()));
        }
    }
}
