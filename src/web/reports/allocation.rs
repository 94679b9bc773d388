//! `/reports/allocation`, for the secretariat: open needs nobody is yet
//! working on, given to offerings within every offering's free capacity,
//! beside each need's own top choice, with a proposal a click away on
//! every row.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::answer::{
    Format, Provenance, ReportParams, cached, csv_report, html_report, inputs, json_report,
    link_header, pages_of, run_engine,
};
use crate::db;
use crate::domain::ReferenceData;
use crate::domain::access::Action;
use crate::reports::allocation::{AllocationRow, AllocationTotals};
use crate::reports::csv::{finish, inert, writer};
use crate::reports::{Paged, Paging};
use crate::startup::Storage;
use crate::web::error::AppError;
use crate::web::paths::QueryParams;
use crate::web::report_cache::ReportCache;
use crate::web::session::Viewer;
use crate::web::views::Pagination;
use crate::web::with_db;

const PER_PAGE: usize = 50;
const PER_FILE: usize = 5_000;

#[derive(Template)]
#[template(path = "reports/allocation.html")]
struct AllocationPage<'a> {
    viewer: &'a Viewer,
    rows: Vec<AllocationRow>,
    totals: AllocationTotals,
    pagination: Pagination,
    provenance: Provenance,
    reference: &'a ReferenceData,
    csrf_token: &'a str,
}

fn csv(rows: &[AllocationRow], reference: &ReferenceData) -> String {
    let mut out = writer();
    let _ = out.write_record([
        "country",
        "assessment",
        "need",
        "theme",
        "priority",
        "top_choice",
        "top_choice_provider",
        "top_choice_score",
        "allocated",
        "allocated_provider",
        "allocated_score",
        "changed",
        "country_name",
    ]);
    for row in rows {
        let placed = |p: &Option<crate::reports::allocation::Placed>| match p {
            Some(p) => [
                p.offered.offering.to_string(),
                p.offered.provider.to_string(),
                format!("{:.3}", p.score),
            ],
            None => [String::new(), String::new(), String::new()],
        };
        let [top, top_provider, top_score] = placed(&row.top_choice);
        let [given, given_provider, given_score] = placed(&row.allocated);
        let _ = out.write_record([
            row.country.to_string(),
            row.assessment.to_string(),
            row.need.clone(),
            row.theme.to_string(),
            row.priority.code().to_owned(),
            top,
            top_provider,
            top_score,
            given,
            given_provider,
            given_score,
            row.changed.to_string(),
            inert(reference.country_name(row.country.as_str())),
        ]);
    }
    finish(out)
}

pub async fn allocation(
    storage: web::Data<Storage>,
    viewer: Viewer,
    cache: web::Data<ReportCache>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::Broker)?;
    let format = params.format()?;
    let per_page = if format == Format::Html {
        PER_PAGE
    } else {
        PER_FILE
    };
    let paging = Paging::new(params.paging().number, per_page);
    let key = format!("allocation/{format:?}/{}", paging.number);
    cached(&storage, &cache, &viewer, key, |provenance| async {
        let (catalogue, mut needs) = inputs(&storage, None).await?;
        // A need someone already works on is not the allocation's to give.
        let taken = with_db(&storage, |conn| {
            Ok(db::matches::needs_with_open_matches(conn)?)
        })
        .await?;
        needs.retain(|n| {
            let key = n.need.key.as_ref().map_or("", |k| k.as_str());
            !taken.contains(&(n.assessment.to_string(), key.to_owned()))
        });
        let report = run_engine(&storage, move |context| {
            crate::reports::allocation::report(context, &catalogue, needs)
        })
        .await?;
        let total = report.rows.len();
        let found = Paged {
            page: paging.take(report.rows),
            total,
            paging,
        };
        let pagination = pages_of(&found, &params, "/reports/allocation");
        match format {
            Format::Json => json_report(
                &serde_json::json!({"totals": report.totals, "rows": found.page}),
                link_header(&pagination),
            ),
            Format::Csv => Ok(csv_report(
                "allocation",
                csv(&found.page, &storage.reference),
                link_header(&pagination),
            )),
            Format::Html => html_report(&AllocationPage {
                viewer: &viewer,
                rows: found.page,
                totals: report.totals,
                pagination,
                provenance,
                reference: &storage.reference,
                csrf_token: viewer.csrf_token(),
            }),
        }
    })
    .await
}
