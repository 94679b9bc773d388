//! The one way tests start capmatch: the real server on port 0 over a fresh
//! database (a SQLite file in a temporary folder, or a new PostgreSQL
//! database when CAPMATCH_TEST_POSTGRES_URL is set), dropped afterwards.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

pub use crate::database::TestDatabase;
use actix_web::dev::ServerHandle;
use capmatch::interchange;
use capmatch::startup::{self, DemoData, Storage};
use capmatch::web::ServerSettings;
use reqwest::blocking::{Client, Response};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;

pub const POSTGRES_URL_VAR: &str = "CAPMATCH_TEST_POSTGRES_URL";
/// Set in CI: a PostgreSQL test that cannot run fails instead of skipping.
pub const REQUIRE_POSTGRES_VAR: &str = "CAPMATCH_REQUIRE_POSTGRES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether this backend can run here; PostgreSQL needs the server URL.
    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => {
                let configured = std::env::var(POSTGRES_URL_VAR).is_ok_and(|v| !v.is_empty());
                if !configured && std::env::var(REQUIRE_POSTGRES_VAR).is_ok() {
                    panic!(
                        "{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not: the PostgreSQL tests cannot run"
                    );
                }
                if !configured {
                    eprintln!("skipped: set {POSTGRES_URL_VAR} to run the PostgreSQL variant");
                }
                configured
            }
        }
    }
}

/// Generates one `#[test]` per backend for each named test function, which
/// takes the [`Backend`] to run on.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::common::Backend::Sqlite) } )+
        }
        mod postgres {
            $( #[test] fn $name() {
                if $crate::common::Backend::Postgres.available() {
                    super::$name($crate::common::Backend::Postgres)
                }
            } )+
        }
    };
}

/// The application served on a free port, and a browser-like client with cookies.
pub struct TestApp {
    pub address: String,
    /// The health listener's address, when the test asked for one.
    pub health_address: Option<String>,
    pub client: Visitor,
    pub storage: Storage,
    server: ServerHandle,
    health: Option<ServerHandle>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    mail_worker: Option<capmatch::mail::Worker>,
    mail_dir: tempfile::TempDir,
    // Declared last: the server must stop before its database is dropped.
    pub database: TestDatabase,
}

impl TestApp {
    /// With the demo data, as a first start would have.
    pub fn with_demo(backend: Backend) -> TestApp {
        TestApp::spawn(
            backend,
            DemoData::LoadIntoNewDatabase,
            ServerSettings::default(),
            false,
        )
    }

    /// With reference data and the catalogue fixture.
    pub fn with_catalogue(backend: Backend) -> TestApp {
        let app = TestApp::empty(backend);
        app.import(crate::fixtures::CATALOGUE);
        app
    }

    /// With reference data only.
    pub fn empty(backend: Backend) -> TestApp {
        TestApp::spawn(backend, DemoData::Skip, ServerSettings::default(), false)
    }

    /// With reference data only, served with these settings.
    pub fn with_settings(backend: Backend, settings: ServerSettings) -> TestApp {
        TestApp::spawn(backend, DemoData::Skip, settings, false)
    }

    /// With these settings, and the health checks on a listener of their own.
    pub fn with_health_listener(backend: Backend, settings: ServerSettings) -> TestApp {
        TestApp::spawn(backend, DemoData::Skip, settings, true)
    }

    fn spawn(
        backend: Backend,
        demo: DemoData,
        settings: ServerSettings,
        health_listener: bool,
    ) -> TestApp {
        let settings = ServerSettings {
            workers: Some(1),
            ..settings
        };
        // A client on plain HTTP cannot send back the cookies of a site
        // said to be on HTTPS, so nobody is signed in there.
        let https = settings.site.https();
        let database = TestDatabase::prepared(backend, demo);
        let storage = startup::open(&database.url, 4, demo).expect("open the test database");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let mut settings = settings;
        settings.site.address = listener.local_addr().unwrap().to_string();
        let mail_dir = tempfile::tempdir().expect("a mail folder");
        let mailer = capmatch::mail::Mailer::new(
            &capmatch::mail::Delivery::Files(mail_dir.path().to_owned()),
            "capmatch <capmatch@test.example>",
        )
        .expect("a mailer");
        let mail_worker = capmatch::mail::start_worker(
            storage.pool.clone(),
            mailer,
            std::time::Duration::from_millis(50),
        )
        .expect("the mail worker starts");
        let health = health_listener.then(|| TcpListener::bind("127.0.0.1:0").expect("bind"));
        let health_address = health
            .as_ref()
            .map(|l| format!("http://{}", l.local_addr().unwrap()));
        let (sender, receiver) = mpsc::channel();
        let served = storage.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let health = match health {
                    Some(listener) => {
                        let server = capmatch::web::health_server(listener, served.clone())?;
                        let handle = server.handle();
                        actix_web::rt::spawn(server);
                        Some(handle)
                    }
                    None => None,
                };
                let server = capmatch::web::server(listener, served, settings)?;
                sender
                    .send((server.handle(), health))
                    .expect("test is waiting");
                server.await
            })
        });
        let (server, health) = receiver.recv().expect("server started");
        let client = Visitor::new();
        let mut app = TestApp {
            address,
            health_address,
            client,
            storage,
            server,
            health,
            thread: Some(thread),
            mail_worker: Some(mail_worker),
            mail_dir,
            database,
        };
        if !https {
            app.client = app.person(&["secretariat"]);
        }
        app
    }

    /// A second instance of the service on the same database, with a pool
    /// and caches of its own, as behind a load balancer.
    pub fn another_instance(&self) -> Instance {
        let storage = startup::open(&self.database.url, 2, DemoData::Skip).expect("open again");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let (sender, receiver) = mpsc::channel();
        let settings = ServerSettings {
            workers: Some(1),
            ..ServerSettings::default()
        };
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = capmatch::web::server(listener, storage, settings)?;
                sender.send(server.handle()).expect("test is waiting");
                server.await
            })
        });
        Instance {
            address,
            server: receiver.recv().expect("server started"),
            thread: Some(thread),
        }
    }

    /// The mail delivered to `email` so far, oldest first, as files, with
    /// quoted-printable soft line breaks (long lines, such as links) undone.
    pub fn mail_to(&self, email: &str) -> Vec<String> {
        let mut found: Vec<(std::time::SystemTime, String)> =
            std::fs::read_dir(self.mail_dir.path())
                .unwrap()
                .filter_map(|entry| {
                    let entry = entry.ok()?;
                    let text = std::fs::read_to_string(entry.path())
                        .ok()?
                        .replace("=\r\n", "")
                        .replace("=3D", "=");
                    let modified = entry.metadata().ok()?.modified().ok()?;
                    text.lines()
                        .any(|l| l.eq_ignore_ascii_case(&format!("To: {email}")))
                        .then_some((modified, text))
                })
                .collect();
        found.sort();
        found.into_iter().map(|(_, text)| text).collect()
    }

    /// Waits (up to five seconds) for the `n`th message to `email`.
    pub fn wait_for_mail(&self, email: &str, n: usize) -> String {
        for _ in 0..100 {
            if let Some(mail) = self.mail_to(email).into_iter().nth(n - 1) {
                return mail;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let held: Vec<String> = std::fs::read_dir(self.mail_dir.path())
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect();
        panic!("no message {n} to {email} arrived; the mail folder holds {held:?}");
    }

    /// A browser with nobody signed in.
    pub fn anonymous(&self) -> Visitor {
        Visitor::new()
    }

    /// A browser signed in to a new account holding `roles`
    /// (`secretariat`, `editor:KEY`, `focal-point:ISO3`).
    pub fn person(&self, roles: &[&str]) -> Visitor {
        let email = format!(
            "person-{}@test.example",
            ACCOUNTS.fetch_add(1, Ordering::Relaxed)
        );
        self.add_account(&email, roles);
        let visitor = Visitor::new().with_credentials(&email, PASSWORD);
        visitor.sign_in(self);
        visitor
    }

    /// Makes an account with [`PASSWORD`] and these roles.
    pub fn add_account(&self, email: &str, roles: &[&str]) {
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        let mut conn = self.storage.pool.get().unwrap();
        capmatch::accounts::add(
            &mut conn,
            &self.storage.reference,
            &capmatch::domain::audit::Actor::command_line(),
            capmatch::accounts::NewAccount {
                email,
                name: None,
                roles: &roles,
                password: Some(capmatch::domain::password::Password::new(PASSWORD)),
            },
        )
        .expect("the test account is made");
    }

    /// Disables the account at `email`, as the command line does.
    pub fn disable_account(&self, email: &str) {
        let mut conn = self.storage.pool.get().unwrap();
        let address = capmatch::domain::access::EmailAddress::parse(email).unwrap();
        capmatch::db::accounts::disable(
            &mut conn,
            &capmatch::domain::audit::Actor::command_line(),
            &address,
        )
        .expect("the account is disabled");
    }

    /// Posts the sign-in form as `visitor`.
    pub fn sign_in_as(&self, visitor: &Visitor, email: &str, password: &str) -> Response {
        self.post_form_as(
            visitor,
            "/sign-in",
            &[("email", email), ("password", password)],
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().expect("GET")
    }

    /// `GET path` as another visitor.
    pub fn get_as(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().expect("GET")
    }

    /// The text `path` answers another visitor, whatever its status.
    pub fn text_as(&self, client: &Client, path: &str) -> String {
        self.get_as(client, path).text().unwrap()
    }

    pub fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path);
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    }

    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path);
        let status = response.status().as_u16();
        (status, response.json().expect("a JSON body"))
    }

    /// A page that must answer 200, as text.
    pub fn page(&self, path: &str) -> String {
        self.answer(path, 200)
    }

    /// What `path` answers, which must be `status`, as text.
    pub fn answer(&self, path: &str, status: u16) -> String {
        let (answered, body) = self.get_text(path);
        assert_eq!(answered, status, "{path}");
        body
    }

    /// A JSON document that must answer 200.
    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get_json(path);
        assert_eq!(status, 200, "{path}");
        body
    }

    /// Posts a form as a browser would, with the visitor's CSRF token.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_as(&self.client, path, fields)
    }

    /// Posts as another visitor (another browser, with its own cookies).
    pub fn post_form_as(&self, visitor: &Visitor, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = visitor.csrf_token(self);
        let mut pairs: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        pairs.extend_from_slice(fields);
        self.post_raw_as(visitor, path, &pairs)
    }

    pub fn post_raw(&self, path: &str, pairs: &[(&str, &str)]) -> Response {
        self.post_raw_as(&self.client, path, pairs)
    }

    /// Posts exactly these pairs as `client`, with no token added.
    pub fn post_raw_as(&self, client: &Client, path: &str, pairs: &[(&str, &str)]) -> Response {
        let body = serde_html_form::to_string(pairs).unwrap();
        client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .expect("POST")
    }

    /// A second browser, with cookies of its own, of another person who
    /// may change everything (the secretariat).
    pub fn another_visitor(&self) -> Visitor {
        self.person(&["secretariat"])
    }

    /// Loads an interchange document directly, for tests that need fixtures.
    pub fn import(&self, json: &str) {
        let document = interchange::parse(json).expect("fixture parses");
        let mut conn = self.storage.pool.get().unwrap();
        interchange::import(
            &mut conn,
            &self.storage.reference,
            &document,
            false,
            &capmatch::domain::audit::Actor::command_line(),
        )
        .expect("fixture imports");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.mail_worker.take());
        let handle = self.server.clone();
        let health = self.health.clone();
        actix_web::rt::System::new().block_on(async move {
            if let Some(health) = health {
                health.stop(false).await;
            }
            handle.stop(false).await;
        });
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Another instance of the service, stopped when dropped.
pub struct Instance {
    pub address: String,
    server: ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let handle = self.server.clone();
        actix_web::rt::System::new().block_on(async move { handle.stop(false).await });
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A browser on the site's pages: a client that keeps its own cookies,
/// says its requests come from the site (`Sec-Fetch-Site`), and does not
/// follow redirects, so tests see where a post sends it.
pub struct Visitor {
    client: Client,
    jar: Arc<Jar>,
    credentials: Option<(String, String)>,
}

/// The password of every test account.
pub const PASSWORD: &str = "amber kettle orbit 4 lanterns";
static ACCOUNTS: AtomicUsize = AtomicUsize::new(1);

impl Visitor {
    fn new() -> Visitor {
        let jar = Arc::new(Jar::default());
        // As a browser says of a request made from one of the site's pages.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "sec-fetch-site",
            reqwest::header::HeaderValue::from_static("same-origin"),
        );
        let client = Client::builder()
            .default_headers(headers)
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .unwrap();
        Visitor {
            client,
            jar,
            credentials: None,
        }
    }

    fn with_credentials(self, email: &str, password: &str) -> Visitor {
        Visitor {
            credentials: Some((email.to_owned(), password.to_owned())),
            ..self
        }
    }

    /// Another browser, signed in to the same account as `visitor`.
    pub fn signed_in_elsewhere(app: &TestApp, visitor: &Visitor) -> Visitor {
        let other = Visitor::new();
        let other = Visitor {
            credentials: visitor.credentials.clone(),
            ..other
        };
        other.sign_in(app);
        other
    }

    /// The address of the visitor's account.
    pub fn email(&self) -> &str {
        &self.credentials.as_ref().expect("an account").0
    }

    /// Signs in with the visitor's own account.
    pub fn sign_in(&self, app: &TestApp) {
        let (email, password) = self.credentials.as_ref().expect("an account");
        let signed_in = app.sign_in_as(self, email, password);
        assert_eq!(signed_in.status(), 303, "{email} signs in");
    }

    /// The CSRF token this visitor's forms carry, as a page with a form
    /// hands it out: the session's once signed in, the cookie's before.
    pub fn csrf_token(&self, app: &TestApp) -> String {
        let page = self
            .client
            .get(app.url("/sign-in"))
            .send()
            .expect("GET")
            .text()
            .unwrap();
        token_in(&page)
    }

    /// Forgets the visitor's cookies, as a browser restart can, and signs
    /// in again: a new session, with a new token.
    pub fn restart_browser(&mut self, app: &TestApp) {
        let credentials = self.credentials.take();
        *self = Visitor::new();
        self.credentials = credentials;
        if self.credentials.is_some() {
            self.sign_in(app);
        }
    }

    /// The visitor's cookies, to plant one as another site or a hand-made
    /// request could.
    pub fn jar(&self) -> &Jar {
        &self.jar
    }

    /// The value of a cookie the visitor holds.
    pub fn cookie(&self, app: &TestApp, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&app.address).unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }
}

impl std::ops::Deref for Visitor {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// The value of a form's hidden CSRF field.
pub fn token_in(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("the form carries a token") + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// A 429 says in `Retry-After` how many seconds to wait: at least one,
/// at most `most`.
pub fn assert_retry_after(response: &Response, most: i64) {
    let seconds: i64 = header(response, "retry-after")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=most).contains(&seconds), "Retry-After: {seconds}");
}

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The assessment a submission saved: the post is answered by its
/// confirmation page, `/assessments/{key}/submitted`.
pub fn submitted(response: &Response) -> String {
    let at = location(response);
    at.strip_suffix("/submitted")
        .unwrap_or_else(|| panic!("a submission is confirmed on a page of its own, not at {at:?}"))
        .to_owned()
}

/// Text as the templates escape it.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The opening tag of the element whose HTML id is `id`.
fn element<'p>(page: &'p str, id: &str) -> Option<&'p str> {
    let at = page.find(&format!(" id=\"{id}\""))?;
    let start = page[..at].rfind('<')?;
    let end = at + page[at..].find('>')?;
    Some(&page[start..=end])
}

/// The ids the form page's error summary links to, in its order.
pub fn summary_links(page: &str) -> Vec<String> {
    let Some(start) = page.find("class=\"error-summary\"") else {
        return Vec::new();
    };
    let summary = &page[start..start + page[start..].find("</div>").unwrap()];
    summary
        .split("<a href=\"#")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

/// Asserts that a form page names `message` at the field whose HTML id is
/// `id` as every reader meets it: under the field, in the error summary
/// linking to the field, and on the control for screen readers.
pub fn assert_field_error(page: &str, id: &str, message: &str) {
    let message = escaped(message);
    let marker = format!("id=\"{id}-error\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no message under {id}"));
    let under = &page[at..at + page[at..].find("</p>").unwrap()];
    assert!(under.contains(&message), "{id}: {message} not in {under}");
    assert!(
        summary_links(page).iter().any(|link| link == id),
        "the summary links to {id}"
    );
    let control = element(page, id).unwrap_or_else(|| panic!("no element with id {id}"));
    assert!(
        control.contains("aria-invalid=\"true\""),
        "{id} is marked invalid: {control}"
    );
    let described = control
        .split("aria-describedby=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{id} is described by its message: {control}"));
    assert!(
        described.split(' ').any(|d| d == format!("{id}-error")),
        "{id} is described by {id}-error: {control}"
    );
}

/// Asserts that the error summary lists its problems in the order their
/// fields come on the page.
pub fn assert_summary_in_page_order(page: &str) {
    let links = summary_links(page);
    assert!(!links.is_empty(), "the page has an error summary");
    let positions: Vec<usize> = links
        .iter()
        .map(|id| {
            page.find(&format!(" id=\"{id}\""))
                .unwrap_or_else(|| panic!("the summary links to {id}, which the page lacks"))
        })
        .collect();
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    assert_eq!(positions, sorted, "summary {links:?} follows the page");
}

/// The text `field` of every item of a JSON array.
pub fn strings<'a>(array: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item[field].as_str().expect("a string"))
        .collect()
}

/// A response's header as text, empty when absent.
pub fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The item of a JSON array whose `field` equals `value`.
pub fn find<'a>(
    array: &'a serde_json::Value,
    field: &str,
    value: impl PartialEq<serde_json::Value> + std::fmt::Debug,
) -> &'a serde_json::Value {
    array
        .as_array()
        .expect("an array")
        .iter()
        .find(|item| value == item[field])
        .unwrap_or_else(|| panic!("no item with {field} {value:?}"))
}

/// Asserts that a response has `status` and says `text`.
pub fn assert_answers(response: Response, status: u16, text: &str) {
    assert_eq!(response.status(), status);
    let body = response.text().unwrap();
    assert!(body.contains(text), "{text:?} not in {body}");
}

/// Owned form fields as the pairs a post takes.
pub fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}
