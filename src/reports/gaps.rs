//! The gaps report: open needs nobody serves, or serves only weakly.

use super::{NeedReport, Paged, Paging, rank_needs};
use crate::domain::assessment::{OpenNeed, by_urgency};
use crate::matching::{Catalogue, Context, WEAK_SCORE};

/// `/reports/gaps`: one page of the open needs nobody serves or serves only
/// weakly, most urgent first, with their best `shown` matches and near
/// misses. Judged by the ranking, not by what is shown, so showing fewer
/// never makes a need look unserved; only the page is explained.
pub fn gaps(
    context: &Context,
    catalogue: &Catalogue,
    mut needs: Vec<OpenNeed>,
    shown: usize,
    paging: Paging,
) -> Paged<Vec<NeedReport>> {
    by_urgency(&mut needs);
    let listed: Vec<_> = rank_needs(
        context,
        catalogue,
        needs,
        Some(shown.max(1)),
        |open, country, ranking| (open, country, ranking),
    )
    .into_iter()
    .filter(|(_, _, ranking)| ranking.best_score().is_none_or(|s| s < WEAK_SCORE))
    .collect();
    let total = listed.len();
    let page = paging
        .take(listed)
        .into_iter()
        .map(|(open, country, ranking)| {
            let found = context.explain(catalogue, country, &open.need, &ranking, Some(shown));
            NeedReport::new(open, found)
        })
        .collect();
    Paged {
        page,
        total,
        paging,
    }
}
