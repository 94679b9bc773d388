//! Nothing a request sends takes the service down, and no edit is lost
//! silently: hostile values in every form and address, paged reports,
//! health under load, edits that cross, HTTP details, time-outs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use capmatch::web::{ServerSettings, Site};
use diesel::Connection;
use diesel::connection::InstrumentationEvent;
use reqwest::Method;

use crate::common::{Backend, TestApp, assert_answers, header, location, pairs};
use crate::fixtures::{ASSESSMENTS, NEEDS};
use crate::on_both_backends;

/// Values no field should choke on; the first ones hold control characters
/// that nothing may store.
const CONTROL: &[&str] = &["\0", "a\0b", "\u{1}", "line\u{1b}[31mred", "\u{7f}"];
/// The fields people type text into.
const FREE_TEXT: &[&str] = &[
    "name",
    "description",
    "title",
    "website",
    "email",
    "submitted_by",
    "contact",
    "note",
    "needs[0][description]",
    "withdrawn_reason",
];
const HOSTILE: &[&str] = &[
    "'; DROP TABLE providers; --",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "../../../etc/passwd",
    "\r\nSet-Cookie: stolen=1",
    "\u{202e}evil\u{202c}",
    "\u{feff}",
    "99999999999999999999999",
    "-1",
    "NaN",
    "%00",
    "😀 Côte d'Ivoire",
];

fn versions(app: &TestApp) -> (i64, i64, i64) {
    let mut conn = app.storage.pool.get().unwrap();
    capmatch::db::data_versions(&mut conn).unwrap()
}

/// A valid post to each form, field by field, so one field at a time can be
/// replaced by a hostile value.
fn forms() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "/providers",
            vec![
                ("key", ""),
                ("name", "Hostile test"),
                ("kind", "academia"),
                ("hq_country", "GHA"),
                ("website", "https://example.org"),
                ("email", "a@example.org"),
                ("description", "Text"),
            ],
        ),
        (
            "/providers/uni",
            vec![
                ("version", "1"),
                ("name", "Cyber Institute"),
                ("kind", "academia"),
                ("description", "Research"),
            ],
        ),
        (
            "/offerings",
            vec![
                ("provider", "uni"),
                ("title", "Hostile offering"),
                ("description", "Text"),
                ("themes", "cybercrime.judiciary"),
                ("coverage_global", "on"),
                ("modalities", "training"),
                ("languages", "en"),
                ("capacity", "3"),
                ("starts_on", "2026-01-01"),
                ("status", "active"),
            ],
        ),
        (
            "/countries/GHA/assessments",
            vec![
                ("action", "submit"),
                ("submitted_by", "Ministry"),
                ("contact", "a@example.org"),
                ("note", "Note"),
                ("needs[0][theme]", "cybercrime.judiciary"),
                ("needs[0][priority]", "high"),
                ("needs[0][current_stage]", "1"),
                ("needs[0][target_stage]", "3"),
                ("needs[0][description]", "Judges"),
                ("needs[0][wanted_by]", "2099-01-01"),
            ],
        ),
        (
            "/assessments/gha-2026/withdraw",
            vec![("revision", "1"), ("withdrawn_reason", "No longer needed")],
        ),
    ]
}

fn hostile_values_in_every_form_field_never_give_a_5xx(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    for (path, fields) in forms() {
        for (i, (name, _)) in fields.iter().enumerate() {
            for value in CONTROL.iter().chain(HOSTILE) {
                let mut post = fields.clone();
                post[i] = (name, value);
                let before = versions(&app);
                let response = app.post_form(path, &post);
                let status = response.status().as_u16();
                let body = response.text().unwrap();
                assert!(status < 500, "{path} {name}={value:?}: {status}");
                if status != 303 {
                    assert_eq!(versions(&app), before, "{path} {name}={value:?} wrote");
                }
                if CONTROL.contains(value) {
                    assert_ne!(status, 303, "{path} {name}={value:?} was saved");
                    if FREE_TEXT.contains(name) && status == 422 {
                        assert!(
                            body.contains("control character"),
                            "{path} {name}={value:?}: the message names the problem"
                        );
                    }
                }
            }
        }
    }
}

fn control_characters_in_addresses_are_refused_alike(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    for path in [
        "/providers?q=%00",
        "/offerings?q=a%01b",
        "/providers/%00",
        "/offerings/uni%00",
        "/countries/GH%00",
        "/reports/gaps?theme=%00",
        "/reports?q=%1b%5b31m",
        "/assessments/x%00",
    ] {
        let body = app.answer(path, 400);
        assert!(body.contains("control character"), "{path}");
    }
    let (status, json) = app.get_json("/api/v1/providers?q=%00");
    assert_eq!(status, 400);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("control character")
    );
    assert_eq!(app.get("/providers?q=a%09b").status(), 200, "a tab is text");
    for path in [
        "/providers",
        "/offerings",
        "/reports/gaps",
        "/reports/overlaps",
    ] {
        for value in HOSTILE {
            let query = serde_html_form::to_string([("q", *value), ("theme", *value)]).unwrap();
            let status = app.get(&format!("{path}?{query}")).status().as_u16();
            assert!(status < 500, "{path}?{query}: {status}");
        }
    }
}

fn an_internal_error_says_what_may_not_have_happened(backend: Backend) {
    let app = TestApp::empty(backend);
    let mut conn = app.storage.pool.get().unwrap();
    diesel::RunQueryDsl::execute(diesel::sql_query("DROP TABLE change_counters"), &mut *conn)
        .unwrap();
    drop(conn);
    let page = app.answer("/reports/coverage", 500);
    assert!(page.contains("may not have been done"));
    assert!(!page.contains("Nothing you sent was lost"));
    assert!(!page.contains("backtrace") && !page.contains("change_counters"));
}

/// Needs of Ghana in one assessment, and 120 offerings that all match them.
fn crowded(needs: usize, offerings: usize) -> (String, String) {
    let rows: Vec<String> = (1..=needs)
        .map(|i| {
            format!(
                r#"{{"key": "gha-2026-{i}", "theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1,
                     "target_stage": 3, "description": "Need {i}"}}"#
            )
        })
        .collect();
    let assessment = format!(
        r#"{{"assessments": [{{"key": "gha-2026", "country": "GHA", "status": "submitted", "needs": [{}]}}]}}"#,
        rows.join(",")
    );
    let many: Vec<String> = (1..=offerings)
        .map(|i| {
            format!(
                r#"{{"key": "many-{i:03}", "provider": "uni", "title": "Offering {i}", "description": "x",
                     "themes": ["cybercrime.judiciary"], "coverage": {{"global": true}}, "status": "active"}}"#
            )
        })
        .collect();
    (
        assessment,
        format!(r#"{{"offerings": [{}]}}"#, many.join(",")),
    )
}

fn reports_come_a_page_at_a_time(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let (assessment, offerings) = crowded(30, 120);
    app.import(&offerings);
    app.import(&assessment);

    let response = app.get("/reports/countries/GHA?format=json&limit=all");
    let link = header(&response, "link");
    let first: serde_json::Value = response.json().unwrap();
    let needs = first["needs"].as_array().unwrap();
    assert_eq!(needs.len(), 25, "25 needs a page");
    assert_eq!(
        needs[0]["matches"].as_array().unwrap().len(),
        100,
        "limit=all is at most 100 matches a need"
    );
    assert!(
        link.contains("page=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    let next = &link[1..link.find('>').unwrap()];
    let second: serde_json::Value = app.get(next).json().unwrap();
    assert_eq!(second["needs"].as_array().unwrap().len(), 5);
    assert_eq!(
        second.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["country", "needs"],
        "the document keeps its shape"
    );
    let (_, api) = app.get_json("/api/v1/countries/GHA/matches");
    assert_eq!(api["needs"].as_array().unwrap().len(), 25);
    assert_eq!(api["needs"][0]["matches"].as_array().unwrap().len(), 100);

    let (_, page) = app.get_text("/reports/countries/GHA");
    assert!(page.contains("Page 1 of 2"));
    assert!(page.contains("rel=\"next\""));
    let (_, gaps) = app.get_text("/reports/gaps?show=all");
    assert!(gaps.contains("<h2>30 needs</h2>") && gaps.contains("Page 1 of 2"));
    let csv = app.get("/reports/gaps?show=all&format=csv&page=2");
    assert!(header(&csv, "link").contains("rel=\"prev\""));
    let (_, overlaps) = app.get_json("/reports/overlaps?format=json");
    for overlap in overlaps["overlaps"].as_array().unwrap() {
        assert!(overlap["providers"].as_array().unwrap().len() <= 5);
    }
}

fn country_pages_list_assessments_a_page_at_a_time(backend: Backend) {
    let app = TestApp::empty(backend);
    let many: Vec<String> = (1..=25)
        .map(|i| {
            format!(
                r#"{{"key": "gha-draft-{i:02}", "country": "GHA", "status": "draft", "needs": []}}"#
            )
        })
        .collect();
    app.import(&format!(r#"{{"assessments": [{}]}}"#, many.join(",")));
    let (_, page) = app.get_text("/countries/GHA");
    assert_eq!(page.matches("href=\"/assessments/gha-draft-").count(), 10);
    assert!(page.contains("All 25 assessments of Ghana"));
    let list = app.page("/countries/GHA/assessments?page=2");
    assert_eq!(list.matches("href=\"/assessments/gha-draft-").count(), 5);
    let response = app.get("/api/v1/countries/GHA");
    assert!(header(&response, "link").contains("page=2"));
    let json: serde_json::Value = response.json().unwrap();
    assert_eq!(json["assessments_total"], 25);
    assert_eq!(json["assessments"].as_array().unwrap().len(), 20);
}

/// Two people open the same edit form; the second save is refused.
fn edits_that_cross_answer_409_and_keep_the_input(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let other = app.another_visitor();
    let first = app.post_form(
        "/providers/uni",
        &[
            ("version", "1"),
            ("name", "Cyber Institute of Accra"),
            ("kind", "academia"),
        ],
    );
    assert_eq!(first.status(), 303);
    let before = versions(&app);
    let second = app.post_form_as(
        &other,
        "/providers/uni",
        &[
            ("version", "1"),
            ("name", "Cyber Institute of Kumasi"),
            ("kind", "academia"),
            ("description", "Written by the second editor"),
            // As a browser sends the fields left blank.
            ("website", ""),
            ("email", ""),
        ],
    );
    assert_eq!(second.status(), 409);
    let page = second.text().unwrap();
    assert!(page.contains("Someone else saved this provider while you were editing"));
    assert!(
        page.contains("value=\"Cyber Institute of Kumasi\""),
        "input kept"
    );
    assert!(page.contains("Written by the second editor"));
    assert!(
        page.contains("<td data-label=\"Field\">Name</td><td data-label=\"Saved\">Cyber Institute of Accra</td><td data-label=\"Yours\">Cyber Institute of Kumasi</td>"),
        "what differs"
    );
    assert!(
        !page.contains("<td data-label=\"Saved\">—</td><td data-label=\"Yours\">—</td>"),
        "a field blank on both sides does not differ"
    );
    assert!(
        !page.contains("<td data-label=\"Field\">Key</td>"),
        "the edit form shows no key"
    );
    assert!(page.contains("<input type=\"hidden\" name=\"version\" value=\"2\">"));
    assert_eq!(versions(&app), before, "nothing written");
    let (_, json) = app.get_json("/api/v1/providers/uni");
    assert_eq!(json["name"], "Cyber Institute of Accra");
    // Saving again, now over version 2, is a deliberate choice.
    let again = app.post_form_as(
        &other,
        "/providers/uni",
        &[
            ("version", "2"),
            ("name", "Cyber Institute of Kumasi"),
            ("kind", "academia"),
        ],
    );
    assert_eq!(again.status(), 303);
    assert_eq!(location(&again), "/providers/uni");

    let offering = |title: &str, version: &str| {
        vec![
            ("version", version.to_owned()),
            ("provider", "ministry".to_owned()),
            ("title", title.to_owned()),
            ("description", "Training for judges".to_owned()),
            ("themes", "cybercrime.judiciary".to_owned()),
            ("coverage_global", "on".to_owned()),
            ("status", "active".to_owned()),
        ]
    };
    let post = |client: &crate::common::Visitor, fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.post_form_as(client, "/offerings/global-judiciary", &pairs)
    };
    assert_eq!(
        post(&app.client, offering("Judges, first", "1")).status(),
        303
    );
    let refused = post(&other, offering("Judges, second", "1"));
    assert_answers(refused, 409, "Someone else saved this offering");
    let (_, json) = app.get_json("/api/v1/offerings/global-judiciary");
    assert_eq!(json["title"], "Judges, first");
    // A post without a version cannot be checked, so it is refused.
    let unchecked = app.post_form(
        "/providers/uni",
        &[("name", "No version"), ("kind", "academia")],
    );
    assert_eq!(unchecked.status(), 400);
}

fn head_and_wrong_methods_answer_as_http_says(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    for path in [
        "/healthz",
        "/",
        "/providers",
        "/providers/uni",
        "/reports/coverage",
    ] {
        let response = app.client.head(app.url(path)).send().unwrap();
        assert_eq!(response.status(), 200, "HEAD {path}");
        assert!(
            response.bytes().unwrap().is_empty(),
            "no body for HEAD {path}"
        );
    }
    let request =
        |method: Method, path: &str| app.client.request(method, app.url(path)).send().unwrap();
    let refused = request(Method::DELETE, "/providers");
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "GET, HEAD, POST");
    let refused = request(Method::PUT, "/healthz");
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "GET, HEAD");
    assert_eq!(request(Method::POST, "/reports/gaps").status(), 405);
    assert_eq!(request(Method::GET, "/no/such/page").status(), 404);
}

fn forms_are_read_as_browsers_send_them(backend: Backend) {
    let app = TestApp::empty(backend);
    let token = {
        let form = app.get("/providers/new").text().unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = form.find(marker).unwrap() + marker.len();
        form[start..start + 64].to_owned()
    };
    let post = |content_type: &str| {
        app.client
            .post(app.url("/providers"))
            .header("content-type", content_type)
            .body(format!(
                "csrf_token={token}&name=Content+type+test&kind=academia"
            ))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        post("Application/X-WWW-Form-Urlencoded; Charset=UTF-8"),
        303
    );
    assert_eq!(
        post("application/x-www-form-urlencoded; charset=iso-8859-1"),
        415
    );
    assert_eq!(post("text/plain"), 415);
}

fn headers_protect_forms_and_let_caches_keep_the_rest(backend: Backend) {
    let app = TestApp::empty(backend);
    let form = app.anonymous().get(app.url("/sign-in")).send().unwrap();
    assert_eq!(form.headers()["cache-control"], "no-store");
    let cookie = header(&form, "set-cookie");
    assert!(cookie.starts_with("capmatch_csrf="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains("Secure"), "plain HTTP here");
    let csp = header(&form, "content-security-policy");
    assert!(
        csp.contains("object-src 'none'") && csp.contains("base-uri 'none'"),
        "{csp}"
    );
    let css = app
        .anonymous()
        .get(app.url("/static/style.css"))
        .send()
        .unwrap();
    assert!(css.headers().get("set-cookie").is_none());
    assert!(header(&css, "cache-control").starts_with("public"));
    let report = app
        .anonymous()
        .get(app.url("/reports/coverage"))
        .send()
        .unwrap();
    assert!(
        report.headers().get("set-cookie").is_none(),
        "no form, no cookie"
    );

    let secure = TestApp::with_settings(
        backend,
        ServerSettings {
            site: Site {
                public_url: Some("https://capmatch.example.org".into()),
                behind_proxy: false,
                address: String::new(),
            },
            ..ServerSettings::default()
        },
    );
    let form = secure
        .anonymous()
        .get(secure.url("/sign-in"))
        .send()
        .unwrap();
    let cookie = header(&form, "set-cookie");
    assert!(cookie.starts_with("__Host-capmatch_csrf="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/"));
    assert!(!cookie.contains("Domain"));
}

fn health_answers_while_the_database_is_busy(backend: Backend) {
    let app = TestApp::empty(backend);
    // Every connection of the pool (4 in tests) is taken.
    let held: Vec<_> = (0..4).map(|_| app.storage.pool.get().unwrap()).collect();
    let started = Instant::now();
    assert_eq!(app.get("/healthz").status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "liveness waits for nothing"
    );
    assert_eq!(
        app.get("/readyz").status(),
        503,
        "readiness needs a connection"
    );
    drop(held);
    assert_eq!(app.get("/readyz").status(), 200);
}

/// `capmatch serve` warms up before it is ready: the directory and the
/// engine's catalogue are read in the background, and `/readyz` says
/// "warming up" until they are in memory.
fn readiness_waits_for_the_warm_up(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    assert_eq!(app.get("/readyz").status(), 200, "nothing to warm up");
    // The warm-up waits for a connection while every one is taken.
    let held: Vec<_> = (0..4).map(|_| app.storage.pool.get().unwrap()).collect();
    app.storage.warm_up_in_background().unwrap();
    assert_eq!(app.get_text("/readyz"), (503, "warming up".to_owned()));
    assert_eq!(app.get("/healthz").status(), 200, "alive meanwhile");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.storage.is_warming() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(app.get_text("/readyz"), (200, "ready".to_owned()));
    // In memory: read without asking the database to catch up.
    let version = capmatch::db::data_versions(&mut app.storage.pool.get().unwrap())
        .unwrap()
        .0;
    let listed = app
        .storage
        .directory
        .read_at(version, |d| d.offering_count());
    assert!(matches!(listed, Ok(n) if n > 0));
}

fn a_slow_body_is_timed_out(backend: Backend) {
    let app = TestApp::with_settings(
        backend,
        ServerSettings {
            body_timeout: Duration::from_secs(1),
            ..ServerSettings::default()
        },
    );
    let address = app.address.trim_start_matches("http://");
    let mut slow = TcpStream::connect(address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        slow,
        "POST /providers HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=Slo"
    )
    .unwrap();
    assert_eq!(
        app.get("/healthz").status(),
        200,
        "others are served meanwhile"
    );
    let started = Instant::now();
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

fn health_checks_have_a_listener_that_never_queues(backend: Backend) {
    let app = TestApp::with_health_listener(
        backend,
        ServerSettings {
            max_connections: 1,
            ..ServerSettings::default()
        },
    );
    // The main listener's one connection is held by a client that says
    // nothing: the next connection there waits to be accepted.
    let address = app.address.trim_start_matches("http://");
    let _idle = TcpStream::connect(address).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let quick = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(
        quick.get(app.url("/healthz")).send().is_err(),
        "the main listener is full"
    );
    let health = app.health_address.as_deref().unwrap();
    let started = Instant::now();
    let answer = quick.get(format!("{health}/healthz")).send().unwrap();
    assert_eq!(answer.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        quick
            .get(format!("{health}/readyz"))
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        quick
            .get(format!("{health}/providers"))
            .send()
            .unwrap()
            .status(),
        404,
        "only the health checks there"
    );
}

/// Counts the statements a connection sends.
fn counting(conn: &mut capmatch::db::DbConnection) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    count
}

fn a_free_key_costs_the_same_for_the_hundredth_duplicate(backend: Backend) {
    let app = TestApp::empty(backend);
    let mut conn = app.storage.pool.get().unwrap();
    let data = capmatch::domain::ProviderInput {
        name: "Same Name".into(),
        kind: "academia".into(),
        ..Default::default()
    }
    .parse(&app.storage.reference)
    .unwrap()
    .data;
    let count = counting(&mut conn);
    let mut statements = Vec::new();
    for _ in 0..100 {
        let before = count.load(Ordering::Relaxed);
        let actor = capmatch::domain::audit::Actor::command_line();
        capmatch::db::providers::create(&mut conn, &actor, None, &data).unwrap();
        statements.push(count.load(Ordering::Relaxed) - before);
    }
    assert_eq!(
        statements[1], statements[99],
        "one query for the key, however many duplicates: {statements:?}"
    );
    let (_, json) = app.get_json("/api/v1/providers/same-name-100");
    assert_eq!(json["name"], "Same Name");
}

/// An error and its causes, as the log shows them.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// A stored code the program does not know (a bad migration, a hand edit)
/// is an error naming the code, never read as some default.
fn unknown_stored_codes_are_errors_not_defaults(backend: Backend) {
    use diesel::RunQueryDsl;
    let app = TestApp::with_demo(backend);
    app.import(ASSESSMENTS);
    let mut conn = app.storage.pool.get().unwrap();
    for sql in [
        "UPDATE providers SET kind = 'ngo'",
        "UPDATE offering_facets SET code = code || '-by-telepathy' WHERE facet = 'modality'",
        "UPDATE needs SET current_stage = 9 WHERE current_stage IS NOT NULL",
    ] {
        let changed = diesel::sql_query(sql).execute(&mut *conn).unwrap();
        assert!(changed > 0, "{sql} changed nothing");
    }
    let error = causes(&capmatch::db::providers::all(&mut conn).unwrap_err());
    assert!(error.contains("unknown provider kind \"ngo\""), "{error}");
    let error = causes(&capmatch::db::offerings::all(&mut conn).unwrap_err());
    assert!(
        error.contains("unknown modality \"") && error.contains("-by-telepathy\""),
        "{error}"
    );
    let error = causes(&capmatch::db::assessments::all(&mut conn).unwrap_err());
    assert!(error.contains("unknown maturity stage \"9\""), "{error}");
    diesel::sql_query("UPDATE offering_facets SET facet = 'mood-' || facet WHERE facet = 'theme'")
        .execute(&mut *conn)
        .unwrap();
    let error = causes(&capmatch::db::offerings::all(&mut conn).unwrap_err());
    assert!(
        error.contains("unknown offering facet \"mood-theme\""),
        "{error}"
    );
    // A person sees the error page, not a provider of the wrong kind.
    let body = app.answer("/providers", 500);
    assert!(
        !body.contains("\"ngo\""),
        "the stored value stays in the log"
    );
}

/// A post with more need rows than anyone could mean is refused before a
/// page holding all of them is built (each row carries every theme).
fn an_assessment_form_with_thousands_of_rows_is_refused(backend: Backend) {
    let app = TestApp::empty(backend);
    let rows: Vec<(String, String)> = (0..201)
        .map(|i| (format!("needs[{i}][description]"), "x".to_owned()))
        .collect();
    for action in ["add-need", "submit"] {
        let mut fields = pairs(&rows);
        fields.push(("action", action));
        let refused = app.post_form("/countries/GHA/assessments", &fields);
        assert_eq!(refused.status(), 400, "{action}");
        assert!(refused.text().unwrap().contains("201 need rows"));
    }
    let mut fields = pairs(&rows[..200]);
    fields.push(("action", "save-draft"));
    let page = app.post_form("/countries/GHA/assessments", &fields);
    assert_eq!(
        page.status(),
        422,
        "200 rows are read, and too many needs named"
    );
    assert!(page.text().unwrap().contains("may hold at most 100 needs"));
}

/// An assessment whose latest revision is missing is an error in the lists
/// and the export, not left out of them.
fn an_assessment_without_its_latest_revision_is_never_left_out(backend: Backend) {
    use diesel::RunQueryDsl;
    let app = TestApp::empty(backend);
    app.import(ASSESSMENTS);
    let mut conn = app.storage.pool.get().unwrap();
    diesel::sql_query("UPDATE assessments SET latest_revision = 99 WHERE key = 'gha-2026'")
        .execute(&mut *conn)
        .unwrap();
    let error = capmatch::db::assessments::all(&mut conn).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no latest revision for gha-2026"),
        "{error}"
    );
    let page = capmatch::db::PageRequest::new(1);
    assert!(
        capmatch::db::assessments::of_country(
            &mut conn,
            "GHA",
            capmatch::domain::Visibility::ALL,
            page
        )
        .is_err()
    );
    assert!(
        capmatch::db::assessments::of_country(
            &mut conn,
            "KEN",
            capmatch::domain::Visibility::ALL,
            page
        )
        .is_ok()
    );
}

on_both_backends!(
    an_assessment_without_its_latest_revision_is_never_left_out,
    an_assessment_form_with_thousands_of_rows_is_refused,
    unknown_stored_codes_are_errors_not_defaults,
    hostile_values_in_every_form_field_never_give_a_5xx,
    control_characters_in_addresses_are_refused_alike,
    an_internal_error_says_what_may_not_have_happened,
    reports_come_a_page_at_a_time,
    country_pages_list_assessments_a_page_at_a_time,
    edits_that_cross_answer_409_and_keep_the_input,
    head_and_wrong_methods_answer_as_http_says,
    forms_are_read_as_browsers_send_them,
    headers_protect_forms_and_let_caches_keep_the_rest,
    health_answers_while_the_database_is_busy,
    readiness_waits_for_the_warm_up,
    health_checks_have_a_listener_that_never_queues,
    a_slow_body_is_timed_out,
    a_free_key_costs_the_same_for_the_hundredth_duplicate,
);
