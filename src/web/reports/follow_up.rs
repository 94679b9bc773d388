//! `/reports/follow-up`, for the secretariat: how providers answer and
//! deliver, how far each country's needs have come, and matches begun per
//! theme and region month by month, as a page with SVG charts (no script)
//! and as CSV, one table at a time, or JSON.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::ReferenceData;
use crate::domain::access::Action;
use crate::reports::csv::{finish, inert, writer};
use crate::reports::follow_up::{FollowUp, Series, follow_up};
use crate::startup::Storage;
use crate::web::error::AppError;
use crate::web::paths::QueryParams;
use crate::web::session::Viewer;
use crate::web::{ok, with_db};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FollowUpParams {
    format: Option<String>,
    table: Option<String>,
}

/// One bar of a chart, in the SVG's own units.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub count: usize,
    pub month: String,
}

/// A chart's height and a bar's width, in the SVG's units.
const CHART_HEIGHT: u32 = 60;
const BAR_WIDTH: u32 = 18;

#[derive(Template)]
#[template(path = "reports/follow_up.html")]
struct FollowUpPage<'a> {
    viewer: &'a Viewer,
    figures: FollowUp,
    reference: &'a ReferenceData,
    /// The largest monthly count of any series: every chart shares it, so
    /// bars compare across charts.
    peak: usize,
}

impl FollowUpPage<'_> {
    fn bars(&self, series: &Series) -> Vec<Bar> {
        let peak = self.peak.max(1);
        series
            .counts
            .iter()
            .zip(&self.figures.months)
            .enumerate()
            .map(|(i, (count, month))| {
                let height = (*count as u32 * CHART_HEIGHT).div_ceil(peak as u32);
                Bar {
                    x: i as u32 * (BAR_WIDTH + 2),
                    y: CHART_HEIGHT - height,
                    height,
                    count: *count,
                    month: month.format("%B %Y").to_string(),
                }
            })
            .collect()
    }

    fn sections(&self) -> [(&'static str, &[Series]); 2] {
        [
            ("By theme", &self.figures.themes),
            ("By region", &self.figures.regions),
        ]
    }

    fn chart_width(&self) -> u32 {
        self.figures.months.len() as u32 * (BAR_WIDTH + 2)
    }

    fn percent(&self, rate: &Option<f64>) -> String {
        rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
    }

    fn days(&self, days: &Option<f64>) -> String {
        days.map_or_else(|| "—".to_owned(), |d| format!("{d:.1}"))
    }

    /// A rate as a bar's width out of 100.
    fn width(&self, rate: &Option<f64>) -> u32 {
        rate.map_or(0, |r| (r * 100.0).round() as u32)
    }

    fn month_label(&self, month: &chrono::NaiveDate) -> String {
        month.format("%b %Y").to_string()
    }
}

fn csv_table(
    figures: &FollowUp,
    table: &str,
    reference: &ReferenceData,
) -> Result<String, AppError> {
    let mut out = writer();
    let fail = AppError::internal;
    let number = |n: &Option<f64>| n.map(|v| format!("{v:.3}")).unwrap_or_default();
    match table {
        "providers" => {
            out.write_record([
                "provider",
                "proposals",
                "accepted",
                "declined",
                "acceptance_rate",
                "median_days_to_answer",
                "offers",
                "completed",
                "met",
                "partly_met",
                "not_met",
                "mean_rating",
            ])
            .map_err(fail)?;
            for p in &figures.providers {
                out.write_record([
                    p.provider.clone(),
                    p.proposals.to_string(),
                    p.accepted.to_string(),
                    p.declined.to_string(),
                    number(&p.acceptance_rate),
                    number(&p.median_days_to_answer),
                    p.offers.to_string(),
                    p.completed.to_string(),
                    p.met.to_string(),
                    p.partly_met.to_string(),
                    p.not_met.to_string(),
                    number(&p.mean_rating),
                ])
                .map_err(fail)?;
            }
        }
        "countries" => {
            out.write_record(["country", "proposed", "in_progress", "met", "country_name"])
                .map_err(fail)?;
            for c in &figures.countries {
                out.write_record([
                    c.country.clone(),
                    c.proposed.to_string(),
                    c.in_progress.to_string(),
                    c.met.to_string(),
                    inert(reference.country_name(&c.country)),
                ])
                .map_err(fail)?;
            }
        }
        "themes" | "regions" => {
            let series = if table == "themes" {
                &figures.themes
            } else {
                &figures.regions
            };
            let mut header = vec!["code".to_owned(), "name".to_owned()];
            header.extend(figures.months.iter().map(|m| m.format("%Y-%m").to_string()));
            out.write_record(&header).map_err(fail)?;
            for s in series {
                let mut row = vec![s.code.clone(), inert(&s.name)];
                row.extend(s.counts.iter().map(ToString::to_string));
                out.write_record(&row).map_err(fail)?;
            }
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "table=: \"{other}\" is not providers, countries, themes or regions"
            )));
        }
    }
    Ok(finish(out))
}

pub async fn follow_up_report(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<FollowUpParams>,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::Broker)?;
    let matches = with_db(&storage, |conn| Ok(db::matches::all_with_history(conn)?)).await?;
    let figures = follow_up(
        &matches,
        &storage.reference,
        chrono::Utc::now().date_naive(),
    );
    match params.format.as_deref().map(str::trim) {
        None | Some("" | "html") => {
            let peak = figures
                .themes
                .iter()
                .chain(&figures.regions)
                .flat_map(|s| s.counts.iter().copied())
                .max()
                .unwrap_or(0);
            ok(&FollowUpPage {
                viewer: &viewer,
                figures,
                reference: &storage.reference,
                peak,
            })
        }
        Some("json") => Ok(HttpResponse::Ok().json(&figures)),
        Some("csv") => {
            let table = params.table.as_deref().unwrap_or("providers").trim();
            let body = csv_table(&figures, table, &storage.reference)?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "content-disposition",
                    format!("attachment; filename=\"follow-up-{table}.csv\""),
                ))
                .body(body))
        }
        Some(other) => Err(AppError::BadRequest(format!(
            "format=: \"{other}\" is not html, csv or json"
        ))),
    }
}
