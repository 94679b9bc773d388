//! The command line: import and export round-trip exactly, imports are
//! idempotent and all-or-nothing, and errors name the record and the field.

use std::process::{Command, Output};

use crate::common::{Backend, TestApp, TestDatabase};
use crate::fixtures::{ASSESSMENTS, CATALOGUE, NEEDS};
use crate::on_both_backends;

pub fn capmatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capmatch"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run capmatch")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn export(url: &str) -> String {
    let output = capmatch(&["export", "--database", url]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn export_then_import_round_trips_exactly(backend: Backend) {
    let app = TestApp::with_demo(backend);
    app.import(CATALOGUE); // archived records, drafts and empty lists too
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("directory.json").display().to_string();
    let output = capmatch(&["export", &file, "--database", &app.database.cli_url()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let first = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        first,
        export(&app.database.cli_url()),
        "to a file and to standard output alike"
    );

    let fresh = TestDatabase::create(backend);
    let output = capmatch(&["migrate", "--database", &fresh.cli_url()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = capmatch(&["import", &file, "--database", &fresh.cli_url()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("providers: 26 created"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("matches: 11 created"),
        "the demo's matches and their histories travel too: {}",
        stdout(&output)
    );
    assert_eq!(export(&fresh.cli_url()), first);
}

/// The API answers each offering as the record an export writes, with its
/// provider's name and its address besides: one format, however read.
fn the_api_answers_offerings_as_the_export_writes_them(backend: Backend) {
    let app = TestApp::with_demo(backend);
    app.import(CATALOGUE);
    let exported: serde_json::Value =
        serde_json::from_str(&export(&app.database.cli_url())).unwrap();
    let records = exported["offerings"].as_array().unwrap();
    let listed = app.json("/api/v1/offerings");
    let mut checked = 0;
    for page in 1..=listed["page_count"].as_i64().unwrap() {
        let answer = app.json(&format!("/api/v1/offerings?page={page}"));
        for item in answer["items"].as_array().unwrap() {
            let mut item = item.as_object().unwrap().clone();
            let key = item["key"].as_str().unwrap().to_owned();
            assert_eq!(
                item.remove("url").unwrap(),
                format!("/offerings/{key}").as_str()
            );
            assert!(
                item.remove("provider_name")
                    .unwrap()
                    .as_str()
                    .is_some_and(|n| !n.is_empty())
            );
            let record = records.iter().find(|r| r["key"] == key.as_str()).unwrap();
            assert_eq!(&serde_json::Value::Object(item.clone()), record, "{key}");
            let one = app.json(&format!("/api/v1/offerings/{key}"));
            assert_eq!(one["title"], record["title"]);
            checked += 1;
        }
    }
    assert_eq!(checked, listed["total"].as_i64().unwrap());
    assert!(checked > 20, "more than a page: {checked}");
    // And they carry what the file said, field by field.
    let file: serde_json::Value = serde_json::from_str(CATALOGUE).unwrap();
    for given in file["offerings"].as_array().unwrap() {
        let key = given["key"].as_str().unwrap();
        let (status, answer) = app.get_json(&format!("/api/v1/offerings/{key}"));
        if status == 404 {
            continue; // archived or not yet listed
        }
        for (field, value) in given.as_object().unwrap() {
            match value.as_object() {
                Some(parts) => {
                    for (part, value) in parts {
                        assert_eq!(&answer[field][part], value, "{key}: {field}.{part}");
                    }
                }
                None => assert_eq!(&answer[field], value, "{key}: {field}"),
            }
        }
    }
    // Dates, eligibility and capacity are among what they carry.
    for field in ["starts_on", "capacity"] {
        assert!(records.iter().any(|r| !r[field].is_null()), "{field}");
    }
    assert!(
        records
            .iter()
            .any(|r| !r["eligibility"]["groups"].as_array().unwrap().is_empty())
    );
}

/// A match's history in a file: brought forward when it extends the
/// stored one, refused when it would rewrite it or could not have happened.
fn match_histories_extend_and_are_never_rewritten(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let path = crate::matches::open(
        &app,
        &app.client,
        "gha-2026-1",
        "global-judiciary",
        "requested",
    );
    let dir = tempfile::tempdir().unwrap();
    let url = app.database.cli_url();
    let exported: serde_json::Value = serde_json::from_str(&export(&url)).unwrap();
    let entry = exported["matches"][0].clone();
    assert_eq!(format!("/matches/{}", entry["key"].as_str().unwrap()), path);
    let import = |name: &str, entry: &serde_json::Value| {
        let file = write(
            &dir,
            name,
            &serde_json::json!({"matches": [entry]}).to_string(),
        );
        capmatch(&["import", &file, "--database", &url])
    };
    let same = import("same.json", &entry);
    assert!(
        stdout(&same).contains("matches: 0 created, 0 updated, 1 unchanged"),
        "{}",
        stdout(&same)
    );
    // Accepted later, elsewhere: the history grows by one entry.
    let mut later = entry.clone();
    later["state"] = "accepted".into();
    later["history"].as_array_mut().unwrap().push(serde_json::json!({
        "at": "2099-01-01T10:00:00", "by": "editor@ministry.example", "from": "proposed", "to": "accepted", "note": "Yes"
    }));
    let extended = import("later.json", &later);
    assert!(
        stdout(&extended).contains("matches: 0 created, 1 updated, 0 unchanged"),
        "{}",
        stderr(&extended)
    );
    assert_eq!(app.json(&format!("/api/v1{path}"))["state"], "accepted");
    // The stored history is never rewritten.
    let mut rewritten = later.clone();
    rewritten["history"][0]["note"] = "Something else".into();
    let refused = import("rewritten.json", &rewritten);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("history"), "{}", stderr(&refused));
    // A history the lifecycle could not have made names its entry.
    let mut impossible = entry.clone();
    impossible["key"] = "another".into();
    impossible["state"] = "completed".into();
    impossible["history"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "at": "2099-01-01T10:00:00", "by": "someone", "from": "proposed", "to": "completed"
        }));
    let refused = import("impossible.json", &impossible);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains("history[1]") && message.contains("completion"),
        "{message}"
    );
    assert_eq!(
        app.json(&format!("/api/v1{path}"))["state"],
        "accepted",
        "nothing written"
    );
    // A match of a need the assessment does not have, or with a NUL in a note.
    let mut unknown = entry.clone();
    unknown["key"] = "unknown-need".into();
    unknown["need"] = "gha-2026-9".into();
    let refused = import("unknown.json", &unknown);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("need"), "{}", stderr(&refused));
    let mut nul = entry.clone();
    nul["key"] = "with-nul".into();
    nul["history"][0]["note"] = "a\u{0}b".into();
    let refused = import("nul.json", &nul);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("history[0].note"),
        "{}",
        stderr(&refused)
    );
}

fn a_second_import_changes_nothing(backend: Backend) {
    let database = TestDatabase::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "catalogue.json", CATALOGUE);
    let first = capmatch(&["import", &file, "--database", &database.cli_url()]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        stdout(&first).trim(),
        "imported providers: 2 created, 0 updated, 0 unchanged; offerings: 10 created, 0 updated, 0 unchanged; \
         assessments: 0 created, 0 updated, 0 unchanged"
    );
    let before = export(&database.cli_url());
    let second = capmatch(&["import", &file, "--database", &database.cli_url()]);
    assert_eq!(
        stdout(&second).trim(),
        "imported providers: 0 created, 0 updated, 2 unchanged; offerings: 0 created, 0 updated, 10 unchanged; \
         assessments: 0 created, 0 updated, 0 unchanged"
    );
    assert_eq!(export(&database.cli_url()), before);
    let changed = CATALOGUE.replace("Training for judges", "Training for judges and prosecutors");
    let third = capmatch(&[
        "import",
        &write(&dir, "changed.json", &changed),
        "--database",
        &database.cli_url(),
    ]);
    assert!(
        stdout(&third).contains("offerings: 0 created, 1 updated, 9 unchanged"),
        "{}",
        stdout(&third)
    );
}

fn an_import_with_one_error_writes_nothing(backend: Backend) {
    let database = TestDatabase::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let bad = CATALOGUE
        .replace(r#""regions": ["011"]"#, r#""regions": ["999"]"#)
        .replace(r#""email": "cbb@ministry.example""#, r#""email": "nobody""#);
    let output = capmatch(&[
        "import",
        &write(&dir, "bad.json", &bad),
        "--database",
        &database.cli_url(),
    ]);
    assert!(!output.status.success());
    let errors = stderr(&output);
    assert!(
        errors.contains(
            r#"offering "west-africa-law", field coverage.regions: unknown M49 region "999""#
        ),
        "{errors}"
    );
    assert!(
        errors.contains(r#"provider "ministry", field email: is not a valid e-mail address"#),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"));
    assert!(export(&database.cli_url()).contains(r#""providers": []"#));

    // A problem only the database can see rolls back what came before it.
    let orphan = r#"{"providers": [{"key": "p", "name": "P", "kind": "academia"}],
        "offerings": [{"key": "o", "provider": "missing", "title": "T", "description": "D",
                       "themes": ["cybercrime"], "coverage": {"global": true}}]}"#;
    let output = capmatch(&[
        "import",
        &write(&dir, "orphan.json", orphan),
        "--database",
        &database.cli_url(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains(r#"offering "o", field provider: no provider has the key "missing""#),
        "{}",
        stderr(&output)
    );
    assert!(
        export(&database.cli_url()).contains(r#""providers": []"#),
        "provider p rolled back too"
    );

    for (text, expected) in [
        ("not json", "not a capmatch interchange document"),
        (r#"{"providers": [{"key": "p"}]}"#, "providers[0]"),
        (
            r#"{"offerings": [{"key": "o", "provider": "p", "title": "T", "capacity": "many"}]}"#,
            "offerings[0].capacity",
        ),
        (r#"{"surprise": []}"#, "unknown field `surprise`"),
    ] {
        let output = capmatch(&[
            "import",
            &write(&dir, "broken.json", text),
            "--database",
            &database.cli_url(),
        ]);
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains(expected),
            "{text}: {}",
            stderr(&output)
        );
    }
    let duplicate = r#"{"providers": [{"key": "p", "name": "P", "kind": "academia"}, {"key": "p", "name": "Q", "kind": "academia"}]}"#;
    let output = capmatch(&[
        "import",
        &write(&dir, "twice.json", duplicate),
        "--database",
        &database.cli_url(),
    ]);
    assert!(
        stderr(&output).contains(r#"provider "p", field key: appears twice in the file"#),
        "{}",
        stderr(&output)
    );
}

fn a_dry_run_reports_and_writes_nothing(backend: Backend) {
    let database = TestDatabase::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let output = capmatch(&[
        "import",
        &write(&dir, "c.json", CATALOGUE),
        "--dry-run",
        "--database",
        &database.cli_url(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("would import providers: 2 created"));
    assert!(export(&database.cli_url()).contains(r#""offerings": []"#));
}

/// Runs `capmatch serve` on a free port until the test is done with it.
struct Served {
    child: std::process::Child,
    address: String,
}

impl Served {
    fn start(database: &TestDatabase, extra: &[&str]) -> Served {
        Served::start_logging(database, extra, "warn", None)
    }

    /// As `start`, with the log at `level` written to `log`.
    fn start_logging(
        database: &TestDatabase,
        extra: &[&str],
        level: &str,
        log: Option<&std::path::Path>,
    ) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_capmatch"));
        command
            .args(["serve", "--bind", &address, "--workers", "1"])
            .args(extra)
            .env("DATABASE_URL", database.cli_url()) // the environment names the database
            .env("RUST_LOG", level);
        if let Some(log) = log {
            command.stderr(std::fs::File::create(log).unwrap());
            command.stdout(std::fs::File::create(log.with_extension("out")).unwrap());
        }
        let child = command.spawn().expect("start capmatch serve");
        let served = Served {
            child,
            address: format!("http://{address}"),
        };
        for _ in 0..300 {
            if reqwest::blocking::get(format!("{}/healthz", served.address))
                .is_ok_and(|r| r.status() == 200)
            {
                return served;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("capmatch serve did not answer on {}", served.address);
    }

    fn providers(&self) -> i64 {
        let body: serde_json::Value =
            reqwest::blocking::get(format!("{}/api/v1/providers", self.address))
                .unwrap()
                .json()
                .unwrap();
        body["total"].as_i64().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_creates_the_database_with_demo_data_unless_told_not_to(backend: Backend) {
    let with_demo = TestDatabase::create(backend);
    assert_eq!(Served::start(&with_demo, &[]).providers(), 24);
    let without = TestDatabase::create(backend);
    let served = Served::start(&without, &["--no-demo"]);
    assert_eq!(served.providers(), 0);
    drop(served);
    // Demo data is for a new database only: a later start adds none.
    assert_eq!(Served::start(&without, &[]).providers(), 0);
}

fn assessments_round_trip_and_are_checked_like_the_forms(backend: Backend) {
    let database = TestDatabase::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "assessments.json", ASSESSMENTS);
    let output = capmatch(&["import", &file, "--database", &database.cli_url()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("assessments: 3 created, 0 updated, 0 unchanged"),
        "{}",
        stdout(&output)
    );
    let exported = export(&database.cli_url());
    assert!(exported.contains(r#""withdrawn_reason": "Funded by the World Bank""#));
    let again = capmatch(&["import", &file, "--database", &database.cli_url()]);
    assert!(
        stdout(&again).contains("assessments: 0 created, 0 updated, 3 unchanged"),
        "{}",
        stdout(&again)
    );

    let fresh = TestDatabase::create(backend);
    let round = capmatch(&[
        "import",
        &write(&dir, "exported.json", &exported),
        "--database",
        &fresh.cli_url(),
    ]);
    assert!(round.status.success(), "{}", stderr(&round));
    assert_eq!(export(&fresh.cli_url()), exported);

    let changed = ASSESSMENTS.replace("First national assessment", "Revised");
    let revised = capmatch(&[
        "import",
        &write(&dir, "changed.json", &changed),
        "--database",
        &fresh.cli_url(),
    ]);
    assert!(
        stdout(&revised).contains("assessments: 0 created, 1 updated, 2 unchanged"),
        "{}",
        stdout(&revised)
    );

    let bad = ASSESSMENTS
        .replace(
            r#""theme": "cybercrime.judiciary""#,
            r#""theme": "cybercrime""#,
        )
        .replace(
            r#""current_stage": 2, "target_stage": 4"#,
            r#""current_stage": 4, "target_stage": 2"#,
        )
        .replace(r#""country": "KEN""#, r#""country": "XXX""#)
        .replace(r#", "withdrawn_reason": "Entered by mistake""#, "");
    let output = capmatch(&[
        "import",
        &write(&dir, "bad.json", &bad),
        "--database",
        &fresh.cli_url(),
    ]);
    assert!(!output.status.success());
    let errors = stderr(&output);
    for expected in [
        r#"assessment "gha-2026", field needs[0].theme: choose a sub-theme, not a whole theme"#,
        r#"assessment "gha-2026", field needs[1].target_stage: must be above the current stage"#,
        r#"assessment "ken-draft", field country: unknown country "XXX""#,
        r#"assessment "fra-old", field withdrawn_reason: is required for a withdrawn assessment"#,
    ] {
        assert!(errors.contains(expected), "{expected}\n{errors}");
    }
    // Needs without keys get the same keys from their places each time.
    let keyless = r#"{"assessments": [{"key": "sen-2026", "country": "SEN", "needs": [
        {"theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1, "target_stage": 2, "description": "A"},
        {"theme": "nonsense", "priority": "low", "current_stage": 1, "target_stage": 2, "description": "B"}]}]}"#;
    let output = capmatch(&[
        "import",
        &write(&dir, "keyless-bad.json", keyless),
        "--database",
        &fresh.cli_url(),
    ]);
    assert!(
        stderr(&output)
            .contains(r#"assessment "sen-2026", field needs[1].theme: unknown theme "nonsense""#),
        "{}",
        stderr(&output)
    );
    let keyless = keyless.replace("nonsense", "incident-ciip.cert");
    let file = write(&dir, "keyless.json", &keyless);
    let first = capmatch(&["import", &file, "--database", &fresh.cli_url()]);
    assert!(
        stdout(&first).contains("assessments: 1 created"),
        "{}",
        stdout(&first)
    );
    let second = capmatch(&["import", &file, "--database", &fresh.cli_url()]);
    assert!(
        stdout(&second).contains("assessments: 0 created, 0 updated, 1 unchanged"),
        "{}",
        stdout(&second)
    );
    assert!(export(&fresh.cli_url()).contains(r#""key": "sen-2026-2""#));
    assert!(
        export(&fresh.cli_url()).contains("Revised"),
        "the failed import changed nothing"
    );
}

fn match_prints_a_country_report_and_a_summary(backend: Backend) {
    let database = TestDatabase::create(backend);
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("catalogue.json", CATALOGUE), ("needs.json", NEEDS)] {
        let output = capmatch(&[
            "import",
            &write(&dir, name, text),
            "--database",
            &database.cli_url(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let output = capmatch(&[
        "match",
        "--country",
        "GHA",
        "--format",
        "json",
        "--database",
        &database.cli_url(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["country"], "GHA");
    assert_eq!(
        report["needs"][0]["matches"][0]["offering"],
        "global-judiciary"
    );
    let table = capmatch(&[
        "match",
        "--country",
        "ner",
        "--database",
        &database.cli_url(),
    ]);
    assert!(stdout(&table).contains("near miss  commonwealth-only  (ministry): eligibility: eligible only for members of COMMONWEALTH"), "{}", stdout(&table));
    let all = capmatch(&["match", "--all", "--database", &database.cli_url()]);
    assert!(all.status.success(), "{}", stderr(&all));
    assert!(
        stdout(&all).contains("matched 4 open needs of 2 countries against 8 active offerings"),
        "{}",
        stdout(&all)
    );
    let unknown = capmatch(&[
        "match",
        "--country",
        "XXX",
        "--database",
        &database.cli_url(),
    ]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("unknown country \"XXX\""));
}

fn seed_fills_a_database_with_synthetic_data(backend: Backend) {
    let database = TestDatabase::create(backend);
    let output = capmatch(&[
        "seed",
        "--synthetic",
        "100",
        "--needs-per-country",
        "2",
        "--database",
        &database.cli_url(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("providers: 10 created"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("offerings: 100 created"));
    let exported: serde_json::Value = serde_json::from_str(&export(&database.cli_url())).unwrap();
    let assessments = exported["assessments"].as_array().unwrap();
    assert!(assessments.len() >= 190, "every independent country");
    assert!(
        assessments
            .iter()
            .all(|a| a["needs"].as_array().unwrap().len() == 2)
    );
    let summary = capmatch(&["match", "--all", "--database", &database.cli_url()]);
    assert!(
        stdout(&summary).contains(&format!("matched {} open needs", assessments.len() * 2)),
        "{}",
        stdout(&summary)
    );
}

fn capmatch_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_capmatch"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run capmatch");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `capmatch user`: the first secretariat account from the command line,
/// with a password or a printed link; the list; disabling. Signing in,
/// using the link and signing out with the log at its most detailed leaves
/// no password, session id or token in the log or on any page.
fn accounts_come_from_the_command_line_and_secrets_stay_out_of_logs(backend: Backend) {
    let database = TestDatabase::create(backend);
    let url = database.cli_url();
    let password = "amber kettle orbit 4 lanterns";
    let refused = capmatch_with_input(
        &[
            "user",
            "add",
            "boss@example.org",
            "--role",
            "secretariat",
            "--password-stdin",
            "--database",
            &url,
        ],
        "password123456\n",
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("Choose a password"),
        "{}",
        stderr(&refused)
    );
    let added = capmatch_with_input(
        &[
            "user",
            "add",
            "Boss@Example.org",
            "--name",
            "Efua Mensah",
            "--role",
            "secretariat",
            "--password-stdin",
            "--database",
            &url,
        ],
        &format!("{password}\n"),
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("added boss@example.org (secretariat)"));
    let bad_role = capmatch(&[
        "user",
        "add",
        "x@example.org",
        "--role",
        "editor:nobody",
        "--database",
        &url,
    ]);
    assert!(
        stderr(&bad_role).contains("no provider has the key \"nobody\""),
        "{}",
        stderr(&bad_role)
    );
    let linked = capmatch(&[
        "user",
        "add",
        "kofi@example.org",
        "--role",
        "focal-point:GHA",
        "--database",
        &url,
        "--public-url",
        "https://capmatch.example.org/",
    ]);
    let printed = stdout(&linked);
    let link = printed
        .split_whitespace()
        .find(|w| w.starts_with("https://capmatch.example.org/password/"))
        .unwrap_or_else(|| panic!("a link: {printed}"))
        .trim_start_matches("https://capmatch.example.org")
        .to_owned();
    let token = link.trim_start_matches("/password/").to_owned();
    let list = stdout(&capmatch(&["user", "list", "--database", &url]));
    assert!(
        list.contains("boss@example.org\tEfua Mensah\tsecretariat\tactive"),
        "{list}"
    );
    assert!(
        list.contains("kofi@example.org\tkofi\tfocal-point:GHA\tno password yet"),
        "{list}"
    );

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let served = Served::start_logging(&database, &["--no-demo"], "debug", Some(&log));
    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let pages = std::cell::RefCell::new(String::new());
    let get = |path: &str| {
        let page = browser
            .get(format!("{}{path}", served.address))
            .send()
            .unwrap()
            .text()
            .unwrap();
        pages.borrow_mut().push_str(&page);
        page
    };
    let post = |path: &str, fields: &[(&str, &str)], token: &str| {
        let mut pairs = vec![("csrf_token", token)];
        pairs.extend_from_slice(fields);
        browser
            .post(format!("{}{path}", served.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(serde_html_form::to_string(&pairs).unwrap())
            .send()
            .unwrap()
    };
    let form_token = crate::common::token_in(&get(&link));
    let chosen = post(
        &link,
        &[("new_password", "violet harbour 9 quiet spoons")],
        &form_token,
    );
    assert_eq!(chosen.status(), 303);
    let account = get("/account");
    assert!(account.contains("kofi@example.org"));
    let session_token = crate::common::token_in(&account);
    assert_eq!(post("/sign-out", &[], &session_token).status(), 303);
    let sign_in = crate::common::token_in(&get("/sign-in"));
    let wrong = post(
        "/sign-in",
        &[
            ("email", "boss@example.org"),
            ("password", "not the password at all"),
        ],
        &sign_in,
    );
    assert_eq!(wrong.status(), 422);
    pages.borrow_mut().push_str(&wrong.text().unwrap());
    let right = post(
        "/sign-in",
        &[("email", "boss@example.org"), ("password", password)],
        &sign_in,
    );
    assert_eq!(right.status(), 303);
    let session = right
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("capmatch_session=")
        .to_owned();
    get("/account");
    drop(served);

    let disabled = capmatch(&["user", "disable", "BOSS@example.org", "--database", &url]);
    assert!(
        stdout(&disabled).contains("disabled boss@example.org"),
        "{}",
        stderr(&disabled)
    );
    let list = stdout(&capmatch(&["user", "list", "--database", &url]));
    assert!(
        list.contains("boss@example.org\tEfua Mensah\tsecretariat\tdisabled"),
        "{list}"
    );
    let nobody = capmatch(&["user", "disable", "nobody@example.org", "--database", &url]);
    assert!(!nobody.status.success());

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("/password/{token}"),
        "the link is logged by its route"
    );
    for secret in [
        password,
        "violet harbour 9 quiet spoons",
        "not the password at all",
        token.as_str(),
        session.as_str(),
        session_token.as_str(),
    ] {
        assert!(!logged.contains(secret), "the log holds {secret}");
    }
    for secret in [
        password,
        "violet harbour 9 quiet spoons",
        "not the password at all",
        &token,
        &session,
    ] {
        assert!(!pages.borrow().contains(secret), "a page holds {secret}");
    }
}

on_both_backends!(
    the_api_answers_offerings_as_the_export_writes_them,
    match_histories_extend_and_are_never_rewritten,
    accounts_come_from_the_command_line_and_secrets_stay_out_of_logs,
    match_prints_a_country_report_and_a_summary,
    seed_fills_a_database_with_synthetic_data,
    assessments_round_trip_and_are_checked_like_the_forms,
    serve_creates_the_database_with_demo_data_unless_told_not_to,
    export_then_import_round_trips_exactly,
    a_second_import_changes_nothing,
    an_import_with_one_error_writes_nothing,
    a_dry_run_reports_and_writes_nothing,
);
