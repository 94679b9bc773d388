//! The start page: a way in for each audience, and once signed in, the
//! person's own work.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::error::AppError;
use super::matches::MatchParams;
use super::session::Viewer;
use super::{ok, reads, with_db};
use crate::db::reviews::Review;
use crate::db::{self, Page, PageRequest};
use crate::domain::assessment::Assessment;
use crate::domain::catalogue::CatalogueFilter;
use crate::domain::codes::RecordKey;
use crate::domain::lifecycle::{MatchReadership, MatchRecord};
use crate::domain::{Country, ReferenceData, Theme, Visibility};
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "start.html")]
struct HomePage<'a> {
    viewer: &'a Viewer,
    providers: i64,
    offerings: i64,
    countries: usize,
    themes: Vec<&'a Theme>,
    reference: &'a ReferenceData,
    /// The signed-in person's own work; `None` for a visitor, who is
    /// offered a way in for each audience instead.
    work: Option<Work>,
}

/// Matches listed on the start page; the rest are a link away.
const MATCHES_SHOWN: i64 = 5;
/// Assessments listed per country on the start page.
const ASSESSMENTS_SHOWN: i64 = 5;

/// What waits for a signed-in person: matches for their answer, their
/// countries' assessments, their providers' records under review, and for
/// the secretariat the review queue.
struct Work {
    waiting: Page<MatchRecord>,
    countries: Vec<(Country, Page<Assessment>)>,
    providers: Vec<RecordKey>,
    reviews: Vec<Review>,
    /// Records waiting for the secretariat's review, for the secretariat.
    to_review: Option<i64>,
}

async fn work_of(storage: &Storage, viewer: &Viewer) -> Result<Option<Work>, AppError> {
    let Some(person) = viewer.person().cloned() else {
        return Ok(None);
    };
    let waiting = MatchParams {
        waiting: "me".to_owned(),
        ..MatchParams::default()
    }
    .filter(&storage.reference, viewer)?;
    let countries: Vec<Country> = person
        .countries()
        .filter_map(|c| storage.reference.country(c.as_str()).cloned())
        .collect();
    let visible: Vec<Vec<Visibility>> = countries
        .iter()
        .map(|c| viewer.readership().visible_in(&c.iso3))
        .collect();
    with_db(storage, move |conn| {
        let readership = MatchReadership::of(Some(&person));
        let shown = PageRequest::sized(1, MATCHES_SHOWN);
        let waiting = db::matches::list(conn, &waiting, &readership, shown)?;
        let countries = countries
            .into_iter()
            .zip(visible)
            .map(|(country, visible)| {
                let page = PageRequest::sized(1, ASSESSMENTS_SHOWN);
                let assessments =
                    db::assessments::of_country(conn, country.iso3.as_str(), &visible, page)?;
                Ok((country, assessments))
            })
            .collect::<Result<_, AppError>>()?;
        let providers: Vec<RecordKey> = person.providers().cloned().collect();
        let keys: Vec<String> = providers.iter().map(ToString::to_string).collect();
        let reviews = if keys.is_empty() {
            Vec::new()
        } else {
            db::reviews::of_providers(conn, &keys)?
        };
        let to_review = if person.is_secretariat() {
            Some(db::reviews::pending_count(conn)?)
        } else {
            None
        };
        Ok(Some(Work {
            waiting,
            countries,
            providers,
            reviews,
            to_review,
        }))
    })
    .await
}

/// `/`: the start page. A visitor finds a way in for each audience; a
/// signed-in person finds their own work first.
pub async fn index(storage: web::Data<Storage>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let work = work_of(&storage, &viewer).await?;
    let (providers, offerings) = reads::directory(&storage, |d| {
        let listed = CatalogueFilter::default();
        (d.count_providers(&listed), d.count_offerings(&listed))
    })
    .await?;
    ok(&HomePage {
        viewer: &viewer,
        providers,
        offerings,
        countries: storage.reference.countries().len(),
        themes: storage.reference.parent_themes().collect(),
        reference: &storage.reference,
        work,
    })
}
