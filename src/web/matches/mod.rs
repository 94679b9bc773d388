//! Matches: the list with its filters (as a page, CSV and JSON), one
//! match's page with the steps its reader may take (`record`), and
//! proposing or offering (`opening`).

pub mod opening;
pub mod record;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::error::AppError;
use super::params::{Format, page_number};
use super::paths::QueryParams;
use super::session::Viewer;
use super::views::{Choice, Choices, Pagination};
use super::{ok, with_db};
use crate::db::matches::{MatchFilter, Waiting};
use crate::db::{self, PageRequest};
use crate::domain::ReferenceData;
use crate::domain::codes::RecordKey;
use crate::domain::lifecycle::{MatchReadership, MatchRecord, MatchState};
use crate::domain::order::{MatchOrder, UnmatchedOrder};
use crate::domain::vocab::Vocabulary;
use crate::interchange::MatchEntry;
use crate::reports::csv::{finish, inert, writer};
use crate::startup::Storage;

const PER_PAGE: i64 = 25;
const PER_FILE: i64 = 1_000;
const PER_UNMATCHED: i64 = 50;

/// The list's query string, as typed: each filter is checked once, in
/// [`MatchParams::filter`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MatchParams {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub theme: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub waiting: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sort: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The choices of the "waiting on" filter.
const WAITING: &[(&str, &str)] = &[
    ("me", "Me"),
    ("provider", "The provider"),
    ("requester", "The requesting country"),
    ("secretariat", "The secretariat (unanswered for 28 days)"),
];

impl MatchParams {
    fn given(text: &str) -> Option<&str> {
        Some(text.trim()).filter(|t| !t.is_empty())
    }

    pub fn format(&self) -> Result<Format, AppError> {
        Format::parse(self.format.as_deref().map(str::trim))
    }

    fn page_number(&self) -> i64 {
        page_number(self.page.as_deref())
    }

    /// The filter the parameters ask for; `viewer` is who "me" is.
    pub fn filter(
        &self,
        reference: &ReferenceData,
        viewer: &Viewer,
    ) -> Result<MatchFilter, AppError> {
        let bad = |name: &str, message: String| AppError::BadRequest(format!("{name}=: {message}"));
        let state = Self::given(&self.state)
            .map(str::parse::<MatchState>)
            .transpose()
            .map_err(|e| bad("state", e.to_string()))?;
        let country = Self::given(&self.country)
            .map(|c| reference.iso3(&c.to_ascii_uppercase()))
            .transpose()
            .map_err(|e| bad("country", e.to_string()))?;
        let provider = Self::given(&self.provider)
            .map(RecordKey::parse)
            .transpose()
            .map_err(|e| bad("provider", e.to_string()))?;
        let theme = Self::given(&self.theme)
            .map(|t| {
                reference
                    .theme(t)
                    .map(|theme| theme.code.clone())
                    .ok_or_else(|| format!("\"{t}\" is not a theme or sub-theme code"))
            })
            .transpose()
            .map_err(|e| bad("theme", e))?;
        let waiting = match Self::given(&self.waiting) {
            None => None,
            Some("provider") => Some(Waiting::Provider),
            Some("requester") => Some(Waiting::Requester),
            Some("secretariat") => Some(Waiting::Secretariat),
            Some("me") => Some(match viewer.person() {
                Some(person) if person.is_secretariat() => Waiting::Secretariat,
                Some(person) => Waiting::Reader {
                    providers: person.providers().cloned().collect(),
                    countries: person.countries().cloned().collect(),
                },
                None => Waiting::Reader {
                    providers: Vec::new(),
                    countries: Vec::new(),
                },
            }),
            Some(other) => {
                return Err(bad(
                    "waiting",
                    format!("\"{other}\" is not me, provider, requester or secretariat"),
                ));
            }
        };
        let order = Self::given(&self.sort)
            .map(str::parse::<MatchOrder>)
            .transpose()
            .map_err(|e| bad("sort", e.to_string()))?
            .unwrap_or_default();
        Ok(MatchFilter {
            order,
            state,
            country,
            provider,
            theme,
            waiting,
            need: None,
        })
    }

    /// The list at page `number` in `format`, under `base` (the page's
    /// address, or the API's).
    fn link(&self, base: &str, number: i64, format: Option<&str>) -> String {
        let params = MatchParams {
            page: (number > 1).then(|| number.to_string()),
            format: format.map(str::to_owned),
            ..self.clone()
        };
        let query = serde_qs::to_string(&params).unwrap_or_default();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }
}

/// The matches a viewer may read, as the list's filter selects them.
pub async fn find(
    storage: &Storage,
    viewer: &Viewer,
    filter: MatchFilter,
    page: PageRequest,
) -> Result<db::Page<MatchRecord>, AppError> {
    let reader = MatchReadership::of(viewer.person());
    with_db(storage, move |conn| {
        Ok(db::matches::list(conn, &filter, &reader, page)?)
    })
    .await
}

/// A match in a list, as a person reads it.
pub struct Line {
    pub record: MatchRecord,
    pub country_name: String,
    pub theme_name: String,
}

impl Line {
    fn of(record: MatchRecord, reference: &ReferenceData) -> Line {
        Line {
            country_name: reference.country_name(record.country.as_str()).to_owned(),
            theme_name: reference.theme_name(record.theme.as_str()).to_owned(),
            record,
        }
    }

    pub fn waiting_on(&self) -> String {
        waiting_words(&self.record)
    }

    pub fn since(&self) -> String {
        self.record.state_since.format("%Y-%m-%d").to_string()
    }
}

/// Whose move a match waits for, in words.
pub fn waiting_words(record: &MatchRecord) -> String {
    if record.escalated && record.state == MatchState::Proposed {
        return "the provider (the secretariat was told)".to_owned();
    }
    match (record.state.waiting_on(), record.state) {
        (Some(side), _) => side.label().to_owned(),
        (None, MatchState::Selected) => "either side, to start".to_owned(),
        (None, _) => "nobody".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "matches/list.html")]
struct ListPage<'a> {
    viewer: &'a Viewer,
    params: MatchParams,
    lines: Vec<Line>,
    pagination: Pagination,
    states: Vec<Choice>,
    waiting: Vec<Choice>,
    orders: Vec<Choice>,
    countries: Vec<Choice>,
    themes: Vec<super::views::ChoiceGroup>,
    csv: String,
    json: String,
}

fn csv(lines: &[Line]) -> Result<String, AppError> {
    let mut out = writer();
    out.write_record([
        "key",
        "country",
        "assessment",
        "need",
        "theme",
        "offering",
        "provider",
        "initiative",
        "state",
        "waiting_on",
        "since",
        "score",
        "outcome",
        "rating",
        "country_name",
        "theme_name",
    ])
    .map_err(AppError::internal)?;
    for line in lines {
        let r = &line.record;
        out.write_record([
            r.key.to_string(),
            r.country.to_string(),
            r.assessment.to_string(),
            r.need.to_string(),
            r.theme.to_string(),
            r.offering.to_string(),
            r.provider.to_string(),
            r.initiative.code().to_owned(),
            r.state.code().to_owned(),
            r.state.waiting_on().map_or("", |s| s.code()).to_owned(),
            line.since(),
            format!("{:.3}", r.score),
            r.completion
                .as_ref()
                .map_or("", |c| c.outcome.code())
                .to_owned(),
            r.completion
                .as_ref()
                .map_or(String::new(), |c| c.rating.to_string()),
            inert(&line.country_name),
            inert(&line.theme_name),
        ])
        .map_err(AppError::internal)?;
    }
    Ok(finish(out))
}

#[derive(Serialize)]
struct ListDocument {
    total: i64,
    page: i64,
    per_page: i64,
    page_count: i64,
    items: Vec<MatchEntry>,
}

/// `GET /matches`: everyone signed in lists the matches they may read.
pub async fn list(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<MatchParams>,
) -> Result<HttpResponse, AppError> {
    answer(&storage, &viewer, params, "/matches").await
}

/// The list under `base`, whose links stay under it.
pub async fn answer(
    storage: &Storage,
    viewer: &Viewer,
    params: MatchParams,
    base: &str,
) -> Result<HttpResponse, AppError> {
    viewer.may(crate::domain::access::Action::ReadMatches)?;
    let format = params.format()?;
    let filter = params.filter(&storage.reference, viewer)?;
    let per_page = if format == Format::Html {
        PER_PAGE
    } else {
        PER_FILE
    };
    let found = find(
        storage,
        viewer,
        filter,
        PageRequest::sized(params.page_number(), per_page),
    )
    .await?;
    let code = format.code();
    let pagination = Pagination::of(found.number, found.page_count(), found.total, |n| {
        params.link(base, n, code)
    });
    let next_link = |response: &mut actix_web::HttpResponseBuilder| {
        if let Some(next) = &pagination.next {
            response.insert_header(("link", format!("<{next}>; rel=\"next\"")));
        }
    };
    match format {
        Format::Json => {
            let keys: Vec<String> = found.items.iter().map(|m| m.key.to_string()).collect();
            let mut histories = with_db(storage, move |conn| {
                Ok(db::matches::histories(conn, &keys)?)
            })
            .await?;
            let document = ListDocument {
                total: found.total,
                page: found.number,
                per_page: found.per_page,
                page_count: found.page_count(),
                items: found
                    .items
                    .iter()
                    .map(|record| {
                        let events = histories.remove(record.key.as_str()).unwrap_or_default();
                        let entry = MatchEntry::of(record, &events);
                        if crate::matches::reads_notes(record, viewer.person()) {
                            entry
                        } else {
                            entry.without_notes()
                        }
                    })
                    .collect(),
            };
            let mut response = HttpResponse::Ok();
            next_link(&mut response);
            Ok(response.json(document))
        }
        Format::Csv => {
            let lines: Vec<Line> = found
                .items
                .into_iter()
                .map(|r| Line::of(r, &storage.reference))
                .collect();
            let mut response = HttpResponse::Ok();
            response
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "content-disposition",
                    "attachment; filename=\"matches.csv\"",
                ));
            next_link(&mut response);
            Ok(response.body(csv(&lines)?))
        }
        Format::Html => {
            let choices = Choices {
                reference: &storage.reference,
            };
            let lines = found
                .items
                .into_iter()
                .map(|r| Line::of(r, &storage.reference))
                .collect();
            ok(&ListPage {
                viewer,
                states: Choices::of::<MatchState>(&[params.state.trim()]),
                waiting: WAITING
                    .iter()
                    .map(|(code, label)| Choice {
                        value: (*code).to_owned(),
                        label: (*label).to_owned(),
                        chosen: params.waiting.trim() == *code,
                    })
                    .collect(),
                orders: Choices::of::<MatchOrder>(&[params.sort.trim()]),
                countries: choices.countries(&[params.country.trim().to_ascii_uppercase()]),
                themes: choices.themes(&[params.theme.trim().to_owned()]),
                csv: params.link(base, 1, Some("csv")),
                json: params.link(base, 1, Some("json")),
                lines,
                pagination,
                params,
            })
        }
    }
}

/// A need on the unmatched list, as the page shows it.
pub struct UnmatchedLine {
    pub listed: db::unmatched::Unmatched,
    pub country_name: String,
    pub theme_name: String,
    pub priority: crate::domain::Priority,
    pub description: String,
}

/// The unmatched list's query string: its page, and its order (`sort=listed`,
/// the longest waiting first, or `sort=priority`, the highest first).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnmatchedParams {
    page: Option<String>,
    sort: String,
}

#[derive(Template)]
#[template(path = "matches/unmatched.html")]
struct UnmatchedPage<'a> {
    viewer: &'a Viewer,
    lines: Vec<UnmatchedLine>,
    pagination: Pagination,
    /// The orders the list comes in, the one it is in chosen.
    orders: Vec<Choice>,
}

/// `GET /matches/unmatched`: for the secretariat, the submitted needs
/// nobody proposed or offered anything for within 30 days, while they
/// stay open and unmatched.
pub async fn unmatched(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<UnmatchedParams>,
) -> Result<HttpResponse, AppError> {
    viewer.may(crate::domain::access::Action::Broker)?;
    let order = match params.sort.trim() {
        "" => UnmatchedOrder::default(),
        code => code
            .parse::<UnmatchedOrder>()
            .map_err(|e| AppError::BadRequest(format!("sort=: {e}")))?,
    };
    let (listed, open) = with_db(&storage, |conn| {
        Ok((
            db::unmatched::still_unmatched(conn)?,
            db::assessments::open_needs(conn, None)?,
        ))
    })
    .await?;
    let reference = &storage.reference;
    let open: std::collections::HashMap<(&str, &str), &crate::domain::assessment::OpenNeed> = open
        .iter()
        .filter_map(|n| Some(((n.assessment.as_str(), n.need.key.as_ref()?.as_str()), n)))
        .collect();
    let mut lines: Vec<UnmatchedLine> = listed
        .into_iter()
        .filter_map(|listed| {
            let need = *open.get(&(listed.assessment.as_str(), listed.need.as_str()))?;
            Some(UnmatchedLine {
                country_name: reference.country_name(&listed.country).to_owned(),
                theme_name: reference.theme_name(need.need.theme.as_str()).to_owned(),
                priority: need.need.priority,
                description: need.need.description.clone(),
                listed,
            })
        })
        .collect();
    if order == UnmatchedOrder::Priority {
        // Stable: within a priority, the longest waiting first still.
        lines.sort_by_key(|line| line.priority);
    }
    let number = page_number(params.page.as_deref());
    let total = lines.len() as i64;
    let page_count = ((total + PER_UNMATCHED - 1) / PER_UNMATCHED).max(1);
    let lines = lines
        .into_iter()
        .skip(usize::try_from((number - 1).saturating_mul(PER_UNMATCHED)).unwrap_or(usize::MAX))
        .take(PER_UNMATCHED as usize)
        .collect();
    ok(&UnmatchedPage {
        viewer: &viewer,
        lines,
        pagination: Pagination::of(number, page_count, total, |n| match order {
            UnmatchedOrder::Listed => format!("/matches/unmatched?page={n}"),
            other => format!("/matches/unmatched?page={n}&sort={}", other.code()),
        }),
        orders: Choices::of::<UnmatchedOrder>(&[order.code()]),
    })
}
