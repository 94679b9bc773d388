//! The web front: HTML pages and the JSON API over the same store.
//! Handlers parse their input, call one function, and render.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::{self, from_fn};
use actix_web::{
    App, FromRequest, Handler, HttpResponse, HttpServer, Resource, Responder, Route, guard, web,
};
use askama::Template;
use tracing_actix_web::TracingLogger;

use crate::db::DbConnection;
use crate::startup::Storage;

pub mod about;
pub mod accounts;
pub mod api;
pub mod assessment_form;
pub mod assessments;
pub mod audit;
pub mod banner;
pub mod confirm;
pub mod countries;
pub mod csrf;
pub mod edge;
pub mod error;
pub mod feedback;
pub mod filters;
pub mod forms;
pub mod list_entries;
pub mod matches;
pub mod notifications;
pub mod offerings;
pub mod params;
pub mod passwords;
pub mod paths;
pub mod people;
pub mod provider_picker;
pub mod providers;
pub mod reads;
pub mod records;
pub mod register;
pub mod report_cache;
pub mod reports;
pub mod review;
pub mod service;
pub mod session;
pub mod start;
pub mod views;

use error::AppError;
use paths::Answer;
use records::Record;

use crate::domain::{Offering, Provider};

/// Runs a store call on the blocking pool with a pooled connection, inside
/// the request's span, so a slow request can be traced to its queries.
pub async fn with_db<T, F>(storage: &Storage, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = storage.pool.clone();
    let span = tracing::info_span!("store");
    web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(AppError::internal)?;
        work(&mut conn)
    })
    .await
    .map_err(AppError::internal)?
}

/// Room made for a page before it is rendered. A list page is about 35 KB;
/// grown from askama's estimate as it rendered, its buffer was copied four
/// times over.
const PAGE_ROOM: usize = 48 * 1024;

/// Renders a page with a status code.
pub fn render(
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, AppError> {
    let mut body = String::with_capacity(PAGE_ROOM);
    page.render_into(&mut body).map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(body))
}

/// Says in `Retry-After` when a form refused for now (429) may be sent
/// again, as its page says in words.
pub fn retry_after(mut response: HttpResponse, until: chrono::NaiveDateTime) -> HttpResponse {
    let seconds = (until - chrono::Utc::now().naive_utc())
        .num_seconds()
        .max(1);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    response
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

/// GET, and HEAD for the same page without its body (actix-http leaves
/// out the body of an answer to HEAD).
fn read() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// A path and what each method does there. A method the path does not
/// take answers 405 with `Allow`, as actix-web's resources do.
fn at(path: &str) -> Resource {
    web::resource(path)
}

/// The routes of one kind of catalogue record, under its collection:
/// the list, the forms, the record, and archiving and restoring it.
fn catalogue<R, List, ListArgs, New, NewArgs, Show, ShowArgs>(
    list: List,
    new_form: New,
    show: Show,
) -> actix_web::Scope
where
    R: Record + 'static,
    List: Handler<ListArgs>,
    ListArgs: FromRequest + 'static,
    List::Output: Responder + 'static,
    New: Handler<NewArgs>,
    NewArgs: FromRequest + 'static,
    New::Output: Responder + 'static,
    Show: Handler<ShowArgs>,
    ShowArgs: FromRequest + 'static,
    Show::Output: Responder + 'static,
{
    web::scope(R::COLLECTION)
        .service(
            at("")
                .route(read().to(list))
                .route(web::post().to(records::create::<R>)),
        )
        .service(at("/new").route(read().to(new_form)))
        .service(
            at("/{key}")
                .route(read().to(show))
                .route(web::post().to(records::update::<R>)),
        )
        .service(at("/{key}/edit").route(read().to(records::edit_form::<R>)))
        .service(
            at("/{key}/archive")
                .route(read().to(records::archive_form::<R>))
                .route(web::post().to(records::set_archived::<R, true>)),
        )
        .service(at("/{key}/restore").route(web::post().to(records::set_archived::<R, false>)))
}

/// Every route of the application. Each section is a scope: a request is
/// matched against the patterns of its own section only (actix-web tries a
/// section's patterns one by one, a regular expression each).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(at("/").route(read().to(start::index)))
        .service(at("/healthz").route(read().to(service::health)))
        .service(at("/readyz").route(read().to(service::ready)))
        .service(at("/static/style.css").route(read().to(service::stylesheet)))
        .service(at("/static/enhance.js").route(read().to(service::script)))
        .service(at("/accessibility").route(read().to(about::accessibility)))
        .service(at("/privacy").route(read().to(about::privacy)))
        .service(
            at("/report-a-problem")
                .route(read().to(feedback::form))
                .route(web::post().to(feedback::report)),
        )
        .service(
            at("/sign-in")
                .route(read().to(accounts::sign_in_form))
                .route(web::post().to(accounts::sign_in)),
        )
        .service(at("/sign-out").route(web::post().to(accounts::sign_out)))
        .service(
            web::scope("/account")
                .service(at("").route(read().to(accounts::account)))
                .service(at("/password").route(web::post().to(accounts::change_password)))
                .service(at("/tokens").route(web::post().to(accounts::create_token)))
                .service(at("/digest").route(web::post().to(accounts::set_digest)))
                .service(at("/tokens/{id}/revoke").route(web::post().to(accounts::revoke_token))),
        )
        .service(at("/audit").route(read().to(audit::list)))
        .service(
            at("/register")
                .route(read().to(register::form))
                .route(web::post().to(register::apply)),
        )
        .service(
            web::scope("/review")
                .service(at("").route(read().to(review::list)))
                .service(at("/{kind}/{key}/approve").route(web::post().to(review::approve)))
                .service(
                    at("/{kind}/{key}/return").route(web::post().to(review::return_for_changes)),
                ),
        )
        .service(
            web::scope("/notifications")
                .service(at("").route(read().to(notifications::list)))
                .service(at("/read").route(web::post().to(notifications::read_all)))
                .service(at("/{id}/read").route(web::post().to(notifications::open))),
        )
        .service(
            web::scope("/matches")
                .service(
                    at("")
                        .route(read().to(matches::list))
                        .route(web::post().to(matches::opening::create)),
                )
                .service(at("/new").route(read().to(matches::opening::new_form)))
                .service(at("/unmatched").route(read().to(matches::unmatched)))
                .service(
                    at("/{key}")
                        .route(read().to(matches::record::show))
                        .route(web::post().to(matches::record::take_step)),
                )
                .service(at("/{key}/steps/{step}").route(read().to(matches::record::closing_form))),
        )
        .service(
            web::scope("/users")
                .service(at("").route(read().to(people::list)))
                .service(at("/invitations").route(web::post().to(people::invite)))
                .service(at("/{id}/roles/revoke").route(web::post().to(people::revoke_role)))
                .service(at("/{id}/disable").route(web::post().to(people::disable))),
        )
        .service(
            web::scope("/password")
                .service(
                    at("/forgotten")
                        .route(read().to(passwords::forgotten_form))
                        .route(web::post().to(passwords::forgotten)),
                )
                .service(
                    at("/{token}")
                        .route(read().to(passwords::set_password_form))
                        .route(web::post().to(passwords::set_password)),
                ),
        )
        .service(catalogue::<Provider, _, _, _, _, _, _>(
            providers::list,
            records::new_form::<Provider>,
            providers::show,
        ))
        .service(catalogue::<Offering, _, _, _, _, _, _>(
            offerings::list,
            offerings::new_form,
            offerings::show,
        ))
        .service(
            web::scope("/countries")
                .service(at("").route(read().to(countries::list)))
                .service(at("/{iso3}").route(read().to(countries::show)))
                .service(
                    at("/{iso3}/assessments")
                        .route(read().to(countries::assessments))
                        .route(web::post().to(assessment_form::create)),
                )
                .service(at("/{iso3}/assessments/new").route(read().to(assessment_form::new_form))),
        )
        .service(
            web::scope("/assessments")
                .service(
                    at("/{key}")
                        .route(read().to(assessments::show))
                        .route(web::post().to(assessment_form::update)),
                )
                .service(at("/{key}/edit").route(read().to(assessment_form::edit_form)))
                .service(
                    at("/{key}/withdraw")
                        .route(read().to(assessments::withdraw_form))
                        .route(web::post().to(assessments::withdraw)),
                )
                .service(at("/{key}/submitted").route(read().to(assessments::submitted)))
                .service(at("/{key}/visibility").route(web::post().to(assessments::set_visibility)))
                .service(at("/{key}/revisions/{number}").route(read().to(assessments::revision)))
                .service(
                    at("/{key}/needs/{need}/withdraw")
                        .route(read().to(assessments::withdraw_need_form))
                        .route(web::post().to(assessments::withdraw_need)),
                ),
        )
        .service(
            web::scope("/reports")
                .service(at("").route(read().to(reports::index)))
                .service(at("/countries/{iso3}").route(read().to(reports::country)))
                .service(at("/providers/{key}").route(read().to(reports::provider)))
                .service(at("/coverage").route(read().to(reports::coverage)))
                .service(at("/gaps").route(read().to(reports::gaps)))
                .service(at("/allocation").route(read().to(reports::allocation)))
                .service(at("/follow-up").route(read().to(reports::follow_up_report)))
                .service(at("/overlaps").route(read().to(reports::overlaps))),
        )
        .service(
            web::scope("/api/v1")
                .app_data(Answer::Json)
                // The lists first: their patterns are plain strings.
                .service(at("/providers").route(read().to(api::providers)))
                .service(at("/offerings").route(read().to(api::offerings)))
                .service(at("/countries").route(read().to(api::countries)))
                .service(at("/matches").route(read().to(api::matches)))
                .service(at("/providers/{key}").route(read().to(api::provider)))
                .service(at("/offerings/{key}").route(read().to(api::offering)))
                .service(at("/countries/{iso3}").route(read().to(api::country)))
                .service(at("/countries/{iso3}/matches").route(read().to(reports::country_api)))
                .service(at("/matches/{key}").route(read().to(matches::record::show_json)))
                .default_service(web::to(api::not_found)),
        )
        .default_service(web::to(service::not_found));
}

/// How the site is reached, as far as the server needs to know.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The address people use, such as `https://capmatch.example.org`, when
    /// it differs from the address the server listens on (behind a proxy).
    pub public_url: Option<String>,
    /// Whether requests come through a proxy that appends the client's
    /// address to `X-Forwarded-For`; only then is that header believed.
    pub behind_proxy: bool,
    /// The address the server listens on, for links in mail when no public
    /// address is given (never a request's `Host`, which a client chooses).
    pub address: String,
}

impl Site {
    /// Whether people reach the site over HTTPS: then cookies are `Secure`.
    /// capmatch knows it only from the public URL it is given, never from a
    /// request header a client could forge.
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.to_ascii_lowercase().starts_with("https://"))
    }

    /// The full address of a page on the site, for mail.
    pub fn link(&self, path: &str) -> String {
        let base = match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.address),
        };
        format!("{base}{path}")
    }
}

/// The server's settings besides the storage.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub site: Site,
    /// HTTP worker threads; one per core when `None`.
    pub workers: Option<usize>,
    /// Open connections the instance keeps at most, across its workers;
    /// more wait to be accepted.
    pub max_connections: usize,
    /// How long a form's body may take to arrive.
    pub body_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> ServerSettings {
        ServerSettings {
            site: Site::default(),
            workers: None,
            max_connections: 1_000,
            body_timeout: forms::BODY_TIMEOUT,
        }
    }
}

/// Time to receive a request's headers; slower clients get 408.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an idle kept-alive connection stays open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The security headers every answer carries.
fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'; \
             object-src 'none'; base-uri 'none'",
        ))
}

/// The HTTP server on an already-bound listener (port 0 in tests).
pub fn server(
    listener: TcpListener,
    storage: Storage,
    settings: ServerSettings,
) -> std::io::Result<Server> {
    let storage = web::Data::new(storage);
    let site = web::Data::new(settings.site.clone());
    let reports = web::Data::new(report_cache::ReportCache::default());
    let filter_options = web::Data::new(filters::FilterOptions::new(storage.reference.clone()));
    let list_entries = web::Data::new(list_entries::ListEntries::default());
    let workers = settings
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let body_timeout = settings.body_timeout;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(storage.clone())
            .app_data(site.clone())
            .app_data(reports.clone())
            .app_data(filter_options.clone())
            .app_data(list_entries.clone())
            .app_data(web::PayloadConfig::new(forms::FORM_LIMIT))
            .app_data(forms::BodyTimeout(body_timeout))
            .wrap(from_fn(csrf::issue_token))
            .wrap(from_fn(session::identify))
            .wrap(from_fn(banner::carry))
            .wrap(from_fn(edge::refuse_control_characters))
            .wrap(security_headers())
            .wrap(middleware::Compress::default())
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
            .configure(routes)
    })
    .workers(workers)
    .max_connections((settings.max_connections / workers).max(1))
    .client_request_timeout(HEADER_TIMEOUT)
    .keep_alive(KEEP_ALIVE)
    .listen(listener)?;
    Ok(server.run())
}

/// Connections the health listener keeps at most.
const HEALTH_CONNECTIONS: usize = 64;

/// `/healthz` and `/readyz` on a listener of their own, with a worker of
/// their own: a load balancer's probes there never queue behind the
/// connections the main listener holds, however many or slow its clients.
pub fn health_server(listener: TcpListener, storage: Storage) -> std::io::Result<Server> {
    let storage = web::Data::new(storage);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(storage.clone())
            .service(at("/healthz").route(read().to(service::health)))
            .service(at("/readyz").route(read().to(service::ready)))
    })
    .workers(1)
    .max_connections(HEALTH_CONNECTIONS)
    .client_request_timeout(HEADER_TIMEOUT)
    .listen(listener)?;
    Ok(server.run())
}
