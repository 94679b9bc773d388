//! The audit log for the secretariat: every write, newest first, filtered
//! by record, person and dates, as a page or CSV.

use std::str::FromStr;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::paths::QueryParams;
use super::session::Viewer;
use super::views::Pagination;
use super::{ok, with_db};
use crate::db::PageRequest;
use crate::db::audit::{AuditEntry, AuditFilter};
use crate::domain::access::Action;
use crate::domain::audit::{AuditedRecord, changed_fields};
use crate::reports::csv::{finish, inert, writer};
use crate::startup::Storage;

/// Entries per page, and per CSV file (the file names its next page in a
/// `Link` header).
const PER_PAGE: i64 = 50;
const PER_CSV: i64 = 5_000;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditParams {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    record: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    actor: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    until: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<String>,
}

fn date(name: &str, text: &str) -> Result<Option<NaiveDate>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            AppError::BadRequest(format!("{name}=: \"{text}\" is not a date (YYYY-MM-DD)"))
        })
}

impl AuditParams {
    fn filter(&self) -> Result<AuditFilter, AppError> {
        let given = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        let record = given(&self.record)
            .map(|r| AuditedRecord::from_str(&r))
            .transpose()
            .map_err(|e| AppError::BadRequest(format!("record=: {e}")))?;
        Ok(AuditFilter {
            record,
            key: given(&self.key),
            actor: given(&self.actor),
            from: date("from", &self.from)?.and_then(|d| d.and_hms_opt(0, 0, 0)),
            // Up to the end of that day.
            until: date("until", &self.until)?
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0)),
        })
    }

    fn page_number(&self) -> i64 {
        super::params::page_number(self.page.as_deref())
    }

    fn link(&self, number: i64) -> String {
        let params = AuditParams {
            page: Some(number.to_string()),
            ..self.clone()
        };
        format!(
            "/audit?{}",
            serde_qs::to_string(&params).unwrap_or_default()
        )
    }
}

/// An entry as the page shows it.
struct Line {
    entry: AuditEntry,
    changed: String,
}

impl Line {
    fn of(entry: AuditEntry) -> Line {
        let changed = match (&entry.before, &entry.after) {
            (Some(before), Some(after)) => changed_fields(before, after).join(", "),
            _ => String::new(),
        };
        Line { entry, changed }
    }

    /// The record's page, for records that have one.
    fn record_path(&self) -> Option<String> {
        super::paths::record_page(self.entry.record, &self.entry.key)
    }

    fn when(&self) -> String {
        self.entry.at.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage<'a> {
    viewer: &'a Viewer,
    params: AuditParams,
    records: &'static [AuditedRecord],
    lines: Vec<Line>,
    pagination: Pagination,
    csv: String,
}

fn csv(lines: &[Line]) -> Result<String, AppError> {
    let mut out = writer();
    out.write_record([
        "at", "actor", "record", "key", "action", "changed", "before", "after",
    ])
    .map_err(AppError::internal)?;
    for line in lines {
        let json =
            |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string).unwrap_or_default();
        let e = &line.entry;
        out.write_record([
            line.when(),
            inert(&e.actor),
            e.record.code().to_owned(),
            inert(&e.key),
            e.action.code().to_owned(),
            line.changed.clone(),
            inert(&json(&e.before)),
            inert(&json(&e.after)),
        ])
        .map_err(AppError::internal)?;
    }
    Ok(finish(out))
}

pub async fn list(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<AuditParams>,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::ReadAudit)?;
    let filter = params.filter()?;
    let as_csv = match params.format.as_deref() {
        None | Some("" | "html") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "format=: \"{other}\" is not html or csv"
            )));
        }
    };
    let per_page = if as_csv { PER_CSV } else { PER_PAGE };
    let page = PageRequest::sized(params.page_number(), per_page);
    let found = with_db(&storage, move |conn| {
        Ok(crate::db::audit::list(conn, &filter, page)?)
    })
    .await?;
    let pagination = Pagination::of(found.number, found.page_count(), found.total, |n| {
        params.link(n)
    });
    let lines: Vec<Line> = found.items.into_iter().map(Line::of).collect();
    if as_csv {
        let mut response = HttpResponse::Ok();
        response
            .content_type("text/csv; charset=utf-8")
            .insert_header(("content-disposition", "attachment; filename=\"audit.csv\""));
        if let Some(next) = &pagination.next {
            response.insert_header(("link", format!("<{next}&format=csv>; rel=\"next\"")));
        }
        return Ok(response.body(csv(&lines)?));
    }
    let csv_link = AuditParams {
        format: Some("csv".to_owned()),
        page: None,
        ..params.clone()
    };
    ok(&AuditPage {
        viewer: &viewer,
        csv: format!(
            "/audit?{}",
            serde_qs::to_string(&csv_link).unwrap_or_default()
        ),
        params,
        records: AuditedRecord::ALL,
        lines,
        pagination,
    })
}
