//! The web front: HTML pages and the JSON API over the same store.
//! Handlers parse their input, call one function, and render.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::{self, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use askama::Template;
use tracing_actix_web::TracingLogger;

use crate::db::DbConnection;
use crate::startup::Storage;

pub mod api;
pub mod assessments;
pub mod countries;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod home;
pub mod offerings;
pub mod providers;
pub mod reports;
pub mod views;

use error::AppError;

/// Runs a store call on the blocking pool with a pooled connection.
pub async fn with_db<T, F>(storage: &Storage, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = storage.pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(AppError::internal)?;
        work(&mut conn)
    })
    .await
    .map_err(AppError::internal)?
}

/// Renders a page with a status code.
pub fn render(
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, AppError> {
    let body = page.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(body))
}

pub fn ok(page: &impl Template) -> Result<HttpResponse, AppError> {
    render(actix_web::http::StatusCode::OK, page)
}

/// The answer to a good form post: 303 to the record.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Which record a form edits: a new one, or an existing one by key.
pub enum FormTarget {
    New,
    Existing(String),
}

impl FormTarget {
    pub fn key(&self) -> Option<&str> {
        match self {
            FormTarget::New => None,
            FormTarget::Existing(key) => Some(key),
        }
    }
}

/// The records that can be archived and restored.
#[derive(Debug, Clone, Copy)]
pub enum Archivable {
    Provider,
    Offering,
}

/// Archives or restores a record, then shows it.
pub async fn set_archived(
    storage: &Storage,
    what: Archivable,
    key: String,
    archived: bool,
) -> Result<HttpResponse, AppError> {
    let lookup = key.clone();
    with_db(storage, move |conn| {
        let outcome = match what {
            Archivable::Provider => crate::db::providers::set_archived(conn, &lookup, archived),
            Archivable::Offering => crate::db::offerings::set_archived(conn, &lookup, archived),
        };
        outcome.map_err(error::missing(what.noun(), &lookup))
    })
    .await?;
    Ok(see_other(&format!("/{}s/{key}", what.noun())))
}

impl Archivable {
    fn noun(self) -> &'static str {
        match self {
            Archivable::Provider => "provider",
            Archivable::Offering => "offering",
        }
    }
}

/// Every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::index))
        .route("/healthz", web::get().to(home::health))
        .route("/static/style.css", web::get().to(home::stylesheet))
        .service(
            web::scope("/providers")
                .route("", web::get().to(providers::list))
                .route("", web::post().to(providers::create))
                .route("/new", web::get().to(providers::new_form))
                .route("/{key}", web::get().to(providers::show))
                .route("/{key}", web::post().to(providers::update))
                .route("/{key}/edit", web::get().to(providers::edit_form))
                .route("/{key}/archive", web::post().to(providers::archive))
                .route("/{key}/restore", web::post().to(providers::restore)),
        )
        .service(
            web::scope("/offerings")
                .route("", web::get().to(offerings::list))
                .route("", web::post().to(offerings::create))
                .route("/new", web::get().to(offerings::new_form))
                .route("/{key}", web::get().to(offerings::show))
                .route("/{key}", web::post().to(offerings::update))
                .route("/{key}/edit", web::get().to(offerings::edit_form))
                .route("/{key}/archive", web::post().to(offerings::archive))
                .route("/{key}/restore", web::post().to(offerings::restore)),
        )
        .service(
            web::scope("/countries")
                .route("", web::get().to(countries::list))
                .route("/{iso3}", web::get().to(countries::show))
                .route("/{iso3}/assessments", web::post().to(assessments::create))
                .route(
                    "/{iso3}/assessments/new",
                    web::get().to(assessments::new_form),
                ),
        )
        .service(
            web::scope("/assessments")
                .route("/{key}", web::get().to(assessments::show))
                .route("/{key}", web::post().to(assessments::update))
                .route("/{key}/edit", web::get().to(assessments::edit_form))
                .route("/{key}/withdraw", web::post().to(assessments::withdraw))
                .route(
                    "/{key}/revisions/{number}",
                    web::get().to(assessments::revision),
                )
                .route(
                    "/{key}/needs/{need}/withdraw",
                    web::post().to(assessments::withdraw_need),
                ),
        )
        .service(
            web::scope("/reports")
                .route("", web::get().to(reports::index))
                .route("/countries/{iso3}", web::get().to(reports::country))
                .route("/providers/{key}", web::get().to(reports::provider))
                .route("/coverage", web::get().to(reports::coverage))
                .route("/gaps", web::get().to(reports::gaps))
                .route("/overlaps", web::get().to(reports::overlaps)),
        )
        .service(
            web::scope("/api/v1")
                .route(
                    "/countries/{iso3}/matches",
                    web::get().to(reports::country_api),
                )
                .route("/providers", web::get().to(api::providers))
                .route("/providers/{key}", web::get().to(api::provider))
                .route("/offerings", web::get().to(api::offerings))
                .route("/offerings/{key}", web::get().to(api::offering))
                .route("/countries", web::get().to(api::countries))
                .route("/countries/{iso3}", web::get().to(api::country))
                .default_service(web::to(api::not_found)),
        )
        .default_service(web::to(home::not_found));
}

/// The HTTP server on an already-bound listener (port 0 in tests).
pub fn server(
    listener: TcpListener,
    storage: Storage,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let storage = web::Data::new(storage);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(storage.clone())
            .app_data(web::PayloadConfig::new(extract::FORM_LIMIT))
            .wrap(from_fn(csrf::issue_token))
            .wrap(
                middleware::DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::X_FRAME_OPTIONS, "DENY"))
                    .add((header::REFERRER_POLICY, "same-origin"))
                    .add((
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
                    )),
            )
            .wrap(middleware::Compress::default())
            .wrap(TracingLogger::default())
            .configure(routes)
    })
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
