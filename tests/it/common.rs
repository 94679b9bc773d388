//! The one way tests start capmatch: the real server on port 0 over a fresh
//! database (a SQLite file in a temporary folder, or a new PostgreSQL
//! database when CAPMATCH_TEST_POSTGRES_URL is set), dropped afterwards.

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread::JoinHandle;

pub use crate::database::TestDatabase;
use actix_web::dev::ServerHandle;
use capmatch::interchange;
use capmatch::startup::{self, DemoData, Storage};
use capmatch::web::ServerSettings;
use reqwest::blocking::{Client, Response};
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
    pub client: Client,
    pub storage: Storage,
    server: ServerHandle,
    health: Option<ServerHandle>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
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
        let database = TestDatabase::prepared(backend, demo);
        let storage = startup::open(&database.url, 4, demo).expect("open the test database");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let address = format!("http://{}", listener.local_addr().unwrap());
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
        let client = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        TestApp {
            address,
            health_address,
            client,
            storage,
            server,
            health,
            thread: Some(thread),
            database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().expect("GET")
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

    /// A visitor's CSRF token, as a form page carries it.
    fn csrf_token_of(&self, client: &Client) -> String {
        let page = client
            .get(self.url("/providers/new"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = page.find(marker).expect("forms carry a CSRF token") + marker.len();
        page[start..start + 64].to_owned()
    }

    /// Posts a form as a browser would, with the visitor's CSRF token.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_as(&self.client, path, fields)
    }

    /// Posts as another visitor (another browser, with its own cookies).
    pub fn post_form_as(&self, client: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token_of(client);
        let mut pairs: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        pairs.extend_from_slice(fields);
        self.post_raw_as(client, path, &pairs)
    }

    pub fn post_raw(&self, path: &str, pairs: &[(&str, &str)]) -> Response {
        self.post_raw_as(&self.client, path, pairs)
    }

    fn post_raw_as(&self, client: &Client, path: &str, pairs: &[(&str, &str)]) -> Response {
        let body = serde_html_form::to_string(pairs).unwrap();
        client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .expect("POST")
    }

    /// A second browser, with cookies of its own.
    pub fn another_visitor(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    /// Loads an interchange document directly, for tests that need fixtures.
    pub fn import(&self, json: &str) {
        let document = interchange::parse(json).expect("fixture parses");
        let mut conn = self.storage.pool.get().unwrap();
        interchange::import(&mut conn, &self.storage.reference, &document, false)
            .expect("fixture imports");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
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

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}
