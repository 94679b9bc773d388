//! From a suggested match to delivered help, through HTTP: a focal point
//! proposes, the provider's editor answers, the focal point chooses, either
//! side starts, the provider reports, the focal point confirms; everyone
//! concerned is told in the application and by mail.

use crate::common::{Backend, TestApp, Visitor, location};
use crate::fixtures::NEEDS;
use crate::on_both_backends;

/// A signed-in person's page, with its status.
pub fn page_as(app: &TestApp, who: &Visitor, path: &str) -> (u16, String) {
    let response = app.get_as(who, path);
    (response.status().as_u16(), response.text().unwrap())
}

/// Proposes (or offers) `offering` for a need of Ghana's; the new match's path.
pub fn open(app: &TestApp, who: &Visitor, need: &str, offering: &str, initiative: &str) -> String {
    let made = app.post_form_as(
        who,
        "/matches",
        &[
            ("assessment", "gha-2026"),
            ("need", need),
            ("offering", offering),
            ("initiative", initiative),
            ("note", "We would like this before the elections"),
        ],
    );
    assert_eq!(made.status(), 303, "{}", made.text().unwrap_or_default());
    location(&made)
}

/// Takes a step on a match as `who`; returns the answer's status.
pub fn step(
    app: &TestApp,
    who: &Visitor,
    path: &str,
    version: i32,
    fields: &[(&str, &str)],
) -> u16 {
    let version = version.to_string();
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    app.post_form_as(who, path, &all).status().as_u16()
}

fn state_of(app: &TestApp, path: &str) -> serde_json::Value {
    app.json(&format!("/api/v1{path}"))
}

fn a_proposal_goes_from_request_to_delivered_help(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let focal = app.person(&["focal-point:GHA"]);
    let editor = app.person(&["editor:ministry"]);

    // The country report offers the focal point to propose, the editor to offer.
    let (_, report) = page_as(&app, &focal, "/reports/countries/GHA");
    assert!(
        report.contains("need=gha-2026-1&amp;offering=global-judiciary&amp;initiative=requested")
    );
    let (_, report) = page_as(&app, &editor, "/reports/countries/GHA");
    assert!(report.contains("offering=global-judiciary&amp;initiative=offered"));
    assert!(!report.contains("initiative=requested"));
    let (status, form) = page_as(
        &app,
        &focal,
        "/matches/new?assessment=gha-2026&need=gha-2026-1&offering=global-judiciary&initiative=requested",
    );
    assert_eq!(status, 200);
    assert!(form.contains("Judges and electronic evidence") && form.contains("Score"));

    let path = open(&app, &focal, "gha-2026-1", "global-judiciary", "requested");
    assert_eq!(state_of(&app, &path)["state"], "proposed");

    // The editor is told in the application and by mail.
    let (_, home) = page_as(&app, &editor, "/");
    assert!(
        home.contains("Notifications <span class=\"count\">1"),
        "{home}"
    );
    let mail = app.wait_for_mail(editor.email(), 1);
    assert!(
        mail.contains(&path) && mail.contains("before the elections"),
        "{mail}"
    );
    let (_, waiting) = page_as(&app, &editor, "/matches?waiting=me");
    assert!(waiting.contains(&path), "waiting for the editor's answer");
    let (_, waiting) = page_as(&app, &focal, "/matches?waiting=me");
    assert!(!waiting.contains(&path), "not waiting for the focal point");

    // Each side takes only its own steps, and only when the state allows.
    assert_eq!(step(&app, &focal, &path, 1, &[("step", "accept")]), 403);
    assert_eq!(step(&app, &editor, &path, 1, &[("step", "select")]), 403);
    assert_eq!(step(&app, &editor, &path, 1, &[("step", "decline")]), 422);
    assert_eq!(step(&app, &editor, &path, 1, &[("step", "accept")]), 303);
    assert_eq!(
        step(&app, &editor, &path, 1, &[("step", "accept")]),
        409,
        "a page opened before the change"
    );
    assert_eq!(step(&app, &editor, &path, 2, &[("step", "accept")]), 409);
    // A step the state allows, from a page opened before the last change.
    let stale = app.post_form_as(
        &editor,
        &path,
        &[
            ("version", "1"),
            ("step", "cancel"),
            ("note", "Changed our minds"),
        ],
    );
    assert_eq!(stale.status(), 409);
    assert!(stale.text().unwrap().contains("Someone changed this match"));
    assert!(app.wait_for_mail(focal.email(), 1).contains("Accepted"));
    // Opening a notification marks it read and goes to its page; someone
    // else's opens nothing.
    let (_, notes) = page_as(&app, &focal, "/notifications");
    let id: String = notes
        .split("action=\"/notifications/")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .find(|id| !id.is_empty())
        .unwrap();
    let opened = app.post_form_as(&editor, &format!("/notifications/{id}/read"), &[]);
    assert_eq!(opened.status(), 404, "another person's notification");
    let opened = app.post_form_as(&focal, &format!("/notifications/{id}/read"), &[]);
    assert_eq!(location(&opened), path);
    let (_, home) = page_as(&app, &focal, "/");
    assert!(!home.contains("class=\"count\""), "nothing unread: {home}");

    assert_eq!(step(&app, &focal, &path, 2, &[("step", "select")]), 303);
    assert_eq!(step(&app, &focal, &path, 3, &[("step", "start")]), 303);
    let (_, assessment) = page_as(&app, &focal, "/assessments/gha-2026");
    assert!(
        assessment.contains("In progress"),
        "the need follows its match"
    );
    assert_eq!(
        step(&app, &focal, &path, 4, &[("step", "report-delivery")]),
        403
    );
    assert_eq!(
        step(&app, &editor, &path, 4, &[("step", "report-delivery")]),
        303
    );

    // Confirming names every missing part and keeps what was typed.
    let confirm = app.post_form_as(
        &focal,
        &path,
        &[
            ("version", "5"),
            ("step", "confirm"),
            ("comment", "Judges <b>trained</b>"),
        ],
    );
    assert_eq!(confirm.status(), 422);
    let page = confirm.text().unwrap();
    assert!(page.contains("Choose whether the need was met") && page.contains("Choose a rating"));
    assert!(
        page.contains("Judges &#60;b&#62;trained"),
        "input kept, escaped: {page}"
    );
    let confirmed = step(
        &app,
        &focal,
        &path,
        5,
        &[
            ("step", "confirm"),
            ("outcome", "met"),
            ("rating", "5"),
            ("comment", "Judges trained"),
        ],
    );
    assert_eq!(confirmed, 303);
    let done = state_of(&app, &path);
    assert_eq!(done["state"], "completed");
    assert_eq!(done["completion"]["outcome"], "met");
    let states: Vec<&str> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "proposed",
            "accepted",
            "selected",
            "in-delivery",
            "delivered",
            "completed"
        ]
    );

    // A met need is no longer open: the engine no longer matches it.
    let report = app.json("/reports/countries/GHA?format=json");
    let keys: Vec<&str> = report["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["key"].as_str().unwrap())
        .collect();
    assert!(!keys.contains(&"gha-2026-1"), "{keys:?}");
    let (_, assessment) = page_as(&app, &focal, "/assessments/gha-2026");
    assert!(assessment.contains("<code>gha-2026-1</code> <span class=\"badge\">Met</span>"));
    // A met need is matched no more, even by asking directly.
    let again = app.post_form_as(
        &focal,
        "/matches",
        &[
            ("assessment", "gha-2026"),
            ("need", "gha-2026-1"),
            ("offering", "africa-cybercrime"),
            ("initiative", "requested"),
        ],
    );
    assert_eq!(again.status(), 409);
    assert!(again.text().unwrap().contains("no longer open"));
    // Everything is in the audit log and on the page.
    let log = app.page(&format!(
        "/audit?record=match&key={}",
        &path["/matches/".len()..]
    ));
    assert_eq!(log.matches("<td data-label=\"What\">").count(), 6, "{log}");
    let (_, shown) = page_as(&app, &editor, &path);
    assert!(shown.contains("Delivery reported → Completed") && shown.contains("rated 5 of 5"));
}

fn an_offer_starts_accepted_and_the_focal_point_chooses_among_offers(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let focal = app.person(&["focal-point:GHA"]);
    let uni = app.person(&["editor:uni"]);
    let ministry = app.person(&["editor:ministry"]);
    let offered = open(&app, &uni, "gha-2026-2", "west-africa-law", "offered");
    assert_eq!(state_of(&app, &offered)["state"], "accepted");
    assert!(
        app.wait_for_mail(focal.email(), 1)
            .contains("Offer of help")
    );
    // The editor may offer only its own provider's offerings.
    let refused = app.post_form_as(
        &uni,
        "/matches",
        &[
            ("assessment", "gha-2026"),
            ("need", "gha-2026-2"),
            ("offering", "africa-cybercrime"),
            ("initiative", "offered"),
        ],
    );
    assert_eq!(refused.status(), 403);
    let second = open(
        &app,
        &ministry,
        "gha-2026-2",
        "africa-cybercrime",
        "offered",
    );
    // One open match per need and offering.
    let again = app.post_form_as(
        &focal,
        "/matches",
        &[
            ("assessment", "gha-2026"),
            ("need", "gha-2026-2"),
            ("offering", "africa-cybercrime"),
            ("initiative", "requested"),
        ],
    );
    assert_eq!(again.status(), 409);
    // The focal point sees both offers waiting and chooses one.
    let (_, waiting) = page_as(&app, &focal, "/matches?waiting=me");
    assert!(waiting.contains(&offered) && waiting.contains(&second));
    assert_eq!(step(&app, &focal, &offered, 1, &[("step", "select")]), 303);
    assert_eq!(
        step(
            &app,
            &focal,
            &second,
            1,
            &[("step", "not-select"), ("note", "One is enough")]
        ),
        303
    );
    assert_eq!(state_of(&app, &second)["state"], "not-selected");
    // Cancelling needs a reason, and either side may.
    assert_eq!(step(&app, &uni, &offered, 2, &[("step", "cancel")]), 422);
    assert_eq!(
        step(
            &app,
            &uni,
            &offered,
            2,
            &[("step", "cancel"), ("note", "Funding ended")]
        ),
        303
    );
    assert_eq!(step(&app, &focal, &offered, 3, &[("step", "start")]), 409);
    // A list in every format, filtered.
    let csv = app
        .get("/matches?state=cancelled&format=csv")
        .text()
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("west-africa-law"));
    let json = app.json("/matches?provider=ministry&format=json");
    assert_eq!(json["total"], 1);
    assert_eq!(
        app.json("/matches?theme=cybercrime&format=json")["total"],
        2
    );
    assert_eq!(app.json("/matches?country=NER&format=json")["total"], 0);
    assert_eq!(app.get("/matches?state=lost").status(), 400);
}

fn engagements_use_their_offerings_capacity(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    app.import(
        r#"{"offerings": [{"key": "one-at-a-time", "provider": "uni", "title": "Judges' mentoring",
            "description": "One court at a time", "themes": ["cybercrime.judiciary"],
            "coverage": {"global": true}, "capacity": 1, "status": "active"}]}"#,
    );
    let factor = |app: &TestApp| -> String {
        let report = app.json("/reports/countries/GHA?format=json&limit=all");
        let need = report["needs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["key"] == "gha-2026-1")
            .unwrap()
            .clone();
        let found = need["matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["offering"] == "one-at-a-time")
            .unwrap()
            .clone();
        found["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "capacity")
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(factor(&app), "1 of 1 engagements free");
    let path = open(
        &app,
        &app.client,
        "gha-2026-1",
        "one-at-a-time",
        "requested",
    );
    for (version, name) in [(1, "accept"), (2, "select")] {
        assert_eq!(
            step(&app, &app.client, &path, version, &[("step", name)]),
            303
        );
    }
    assert_eq!(factor(&app), "at capacity (1 of 1 engagements under way)");
    let page = app.page("/offerings/one-at-a-time");
    assert!(
        page.contains("0 of 1 free"),
        "the offering page shows what is free"
    );
    assert_eq!(
        step(
            &app,
            &app.client,
            &path,
            3,
            &[("step", "cancel"), ("note", "Court closed")]
        ),
        303
    );
    assert_eq!(
        factor(&app),
        "1 of 1 engagements free",
        "cancelled frees it"
    );
}

fn the_allocation_shares_out_a_limited_offering_and_proposes_from_a_row(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    // The best fit for judges' training anywhere, with one place; and a
    // second country asking for it.
    app.import(
        r#"{"offerings": [{"key": "a-one-place", "provider": "uni", "title": "Judges' mentoring",
            "description": "One court at a time", "themes": ["cybercrime.judiciary"],
            "coverage": {"global": true}, "modalities": ["training"], "languages": ["en"],
            "capacity": 1, "status": "active"}],
           "assessments": [{"key": "ken-2026", "country": "KEN", "status": "submitted", "submitted_by": "Ministry",
            "needs": [{"key": "ken-2026-1", "theme": "cybercrime.judiciary", "priority": "low",
              "current_stage": 1, "target_stage": 2, "description": "Judges", "modalities": ["training"], "languages": ["en"]}]}]}"#,
    );
    let report = app.json("/reports/allocation?format=json");
    let rows = report["rows"].as_array().unwrap();
    let row = |need: &str| rows.iter().find(|r| r["need"] == need).unwrap().clone();
    let (ghana, kenya) = (row("gha-2026-1"), row("ken-2026-1"));
    assert_eq!(ghana["top_choice"]["offering"], "a-one-place");
    assert_eq!(kenya["top_choice"]["offering"], "a-one-place");
    assert_eq!(report["totals"]["overbooked_offerings"], 1);
    // One keeps the place; the other is given its next best.
    let (kept, moved) = if ghana["changed"] == true {
        (kenya, ghana)
    } else {
        (ghana, kenya)
    };
    assert_eq!(kept["allocated"]["offering"], "a-one-place");
    assert_eq!(moved["changed"], true);
    assert_ne!(moved["allocated"]["offering"], "a-one-place");
    assert_eq!(report["totals"]["changed"], 1);
    let (assessment, need) = (
        moved["assessment"].as_str().unwrap().to_owned(),
        moved["need"].as_str().unwrap().to_owned(),
    );
    let page = app.page("/reports/allocation");
    assert!(page.contains("Changed:") && page.contains(&format!("name=\"need\" value=\"{need}\"")));
    // One action per row: the row's form proposes, and the need leaves the list.
    let given = moved["allocated"]["offering"].as_str().unwrap().to_owned();
    let proposed = app.post_form(
        "/matches",
        &[
            ("assessment", &assessment),
            ("need", &need),
            ("offering", &given),
            ("initiative", "requested"),
            ("note", "Proposed from the capacity-aware allocation."),
        ],
    );
    assert_eq!(proposed.status(), 303);
    let report = app.json("/reports/allocation?format=json");
    assert!(
        !report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["need"] == need.as_str()),
        "a need someone works on is not allocated again"
    );
    let csv = app.get("/reports/allocation?format=csv").text().unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("top_choice,top_choice_provider")
    );
}

/// A match is read by whoever may read its need, and by the people on
/// either side of it: a focal point may propose a restricted need to a
/// provider, whose editors then read it; other editors do not.
fn matches_are_read_as_their_needs_are_and_by_their_parties(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::visibility::ASSESSMENTS);
    let mut paths = Vec::new();
    for assessment in ["gha-2026", "ken-2026", "sen-2026"] {
        let made = app.post_form(
            "/matches",
            &[
                ("assessment", assessment),
                ("need", &format!("{assessment}-1")),
                ("offering", "global-judiciary"),
                ("initiative", "requested"),
            ],
        );
        assert_eq!(made.status(), 303);
        paths.push(location(&made));
    }
    let readers: Vec<(&str, Visitor, [bool; 3])> = vec![
        (
            "the offering's editor",
            app.person(&["editor:ministry"]),
            [true, true, true],
        ),
        (
            "another editor",
            app.person(&["editor:uni"]),
            [true, true, false],
        ),
        (
            "Senegal's focal point",
            app.person(&["focal-point:SEN"]),
            [true, true, true],
        ),
        (
            "Kenya's focal point",
            app.person(&["focal-point:KEN"]),
            [true, true, false],
        ),
    ];
    for (who, visitor, reads) in &readers {
        let (_, list) = page_as(&app, visitor, "/matches?format=json");
        let listed: serde_json::Value = serde_json::from_str(&list).unwrap();
        assert_eq!(
            listed["total"],
            reads.iter().filter(|r| **r).count(),
            "{who}: {list}"
        );
        for (path, read) in paths.iter().zip(reads) {
            let (status, page) = page_as(&app, visitor, path);
            assert_eq!(status, if *read { 200 } else { 404 }, "{who} {path}");
            let (status, _) = page_as(&app, visitor, &format!("/api/v1{path}"));
            assert_eq!(status, if *read { 200 } else { 404 }, "{who} API {path}");
            if path.contains("sen-2026") && *read {
                assert!(
                    page.contains("NEED-OF-SENEGAL"),
                    "{who} reads the need it was asked about"
                );
            }
        }
        let (_, csv) = page_as(&app, visitor, "/matches?format=csv");
        assert_eq!(csv.contains("sen-2026"), reads[2], "{who}: CSV");
    }
    // Nothing is said of a need one may not read, not even that it exists.
    let other = &readers[1].1;
    for need in ["sen-2026-1", "sen-2026-9"] {
        let (status, _) = page_as(
            &app,
            other,
            &format!(
                "/matches/new?assessment=sen-2026&need={need}&offering=ghana-cert&initiative=offered"
            ),
        );
        assert_eq!(status, 404, "{need}");
    }
    let nobody = app.anonymous();
    let answer = app.get_as(&nobody, "/matches");
    assert_eq!(answer.status(), 303);
    assert_eq!(app.get_as(&nobody, "/api/v1/matches").status(), 401);
    assert_eq!(
        app.get_as(&nobody, &format!("/api/v1{}", paths[0]))
            .status(),
        401
    );
}

/// A change and its notices are one transaction: when the notice cannot
/// be written, the change is not made either, and nothing is half sent.
fn a_change_and_its_notices_commit_together(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let editor = app.person(&["editor:ministry"]);
    let path = open(
        &app,
        &app.client,
        "gha-2026-1",
        "global-judiciary",
        "requested",
    );
    {
        // The outbox refuses every new message, as a full disk would.
        use diesel::connection::SimpleConnection;
        let mut conn = app.storage.pool.get().unwrap();
        let sql = match backend {
            Backend::Sqlite => {
                "CREATE TRIGGER outbox_down BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox down'); END;"
            }
            Backend::Postgres => {
                "CREATE FUNCTION outbox_down() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$ LANGUAGE plpgsql; \
                                  CREATE TRIGGER outbox_down BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_down();"
            }
        };
        conn.batch_execute(sql).unwrap();
    }
    assert_eq!(step(&app, &editor, &path, 1, &[("step", "accept")]), 500);
    let after = app.json(&format!("/api/v1{path}"));
    assert_eq!(after["state"], "proposed", "the change was not made");
    assert_eq!(after["history"].as_array().unwrap().len(), 1);
    let (_, notes) = page_as(&app, &app.client, "/notifications");
    assert!(
        !notes.contains("Accepted:"),
        "no notice of a change that did not happen"
    );
    {
        use diesel::connection::SimpleConnection;
        let mut conn = app.storage.pool.get().unwrap();
        conn.batch_execute("DROP TRIGGER outbox_down ON outbox")
            .or_else(|_| conn.batch_execute("DROP TRIGGER outbox_down"))
            .unwrap();
    }
    assert_eq!(step(&app, &editor, &path, 1, &[("step", "accept")]), 303);
    assert_eq!(app.json(&format!("/api/v1{path}"))["state"], "accepted");
    let (_, told) = page_as(&app, &editor, "/notifications");
    assert!(
        told.contains("Proposal:") && !told.contains("Accepted:"),
        "told of the proposal, not of what the editor did"
    );
    let (_, told) = page_as(&app, &app.client, "/notifications");
    assert_eq!(told.matches("New</span> Accepted:").count(), 1, "told once");
}

/// The follow-up figures of the demo's matches, as a page with charts, CSV
/// and JSON, for the secretariat.
fn follow_up_figures_count_the_demos_matches(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let figures = app.json("/reports/follow-up?format=json");
    let provider = |key: &str| {
        figures["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["provider"] == key)
            .unwrap()
            .clone()
    };
    // The Council of Europe accepted Ghana's, Senegal's and Jamaica's
    // proposals after 5, 4 and 3 days.
    let coe = provider("coe-cproc");
    assert_eq!(
        (coe["proposals"].as_u64(), coe["accepted"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(coe["acceptance_rate"], 1.0);
    assert_eq!(coe["median_days_to_answer"], 4.0);
    assert_eq!(provider("apcert")["acceptance_rate"], 0.0);
    let itu = provider("itu");
    assert_eq!(
        (itu["completed"].as_u64(), itu["met"].as_u64()),
        (Some(1), Some(1))
    );
    let fiji = figures["countries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["country"] == "FJI")
        .unwrap()
        .clone();
    assert_eq!(
        (fiji["proposed"].as_u64(), fiji["met"].as_u64()),
        (Some(2), Some(1))
    );
    let charted: u64 = figures["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["counts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap())
        })
        .sum();
    assert_eq!(
        charted, 11,
        "every demo match began within the last 12 months"
    );
    let page = app.page("/reports/follow-up");
    assert!(page.contains("<svg") && page.contains("role=\"img\"") && !page.contains("<script>"));
    let csv = app
        .get("/reports/follow-up?format=csv&table=regions")
        .text()
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("\u{feff}code,name,"),
        "{csv}"
    );
    assert_eq!(
        app.get("/reports/follow-up?format=csv&table=people")
            .status(),
        400
    );
}

fn closing_a_match_unmet_is_asked_first_on_a_page_of_its_own(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let focal = app.person(&["focal-point:GHA"]);
    let editor = app.person(&["editor:ministry"]);
    let path = open(&app, &focal, "gha-2026-1", "global-judiciary", "requested");
    let (_, page) = page_as(&app, &focal, &path);
    assert!(page.contains("Match begun."), "the banner after proposing");
    let decline = format!("{path}/steps/decline");
    let (_, page) = page_as(&app, &editor, &path);
    assert!(page.contains(&format!("href=\"{decline}\"")), "{page}");
    assert!(
        !page.contains("name=\"step\" value=\"decline\""),
        "the match's page declines nothing itself"
    );
    let (status, asked) = page_as(&app, &editor, &decline);
    assert_eq!(status, 200);
    assert!(asked.contains("<h1>Decline Ghana"), "{asked}");
    assert!(asked.contains("no step reopens it"));
    assert!(
        asked.contains(">Decline the match</button>"),
        "the button says what it does"
    );
    assert!(asked.contains("name=\"step\" value=\"decline\""));
    assert!(asked.contains("name=\"version\" value=\"1\""));
    assert!(asked.contains(&format!("<a href=\"{path}\">No, go back</a>")));
    // Only who may take the step is asked; other steps need no page.
    assert_eq!(page_as(&app, &focal, &decline).0, 403);
    assert_eq!(
        page_as(&app, &editor, &format!("{path}/steps/accept")).0,
        404
    );
    assert_eq!(
        page_as(&app, &editor, &format!("{path}/steps/%3Cb%3E")).0,
        404
    );
    assert_eq!(
        page_as(&app, &focal, &format!("{path}/steps/not-select")).0,
        409
    );
    // Without its reason it comes back to that page, with the problem.
    let bare = app.post_form_as(&editor, &path, &[("version", "1"), ("step", "decline")]);
    assert_eq!(bare.status(), 422);
    let bare = bare.text().unwrap();
    assert!(bare.contains("<title>Error: Decline Ghana"), "{bare}");
    crate::common::assert_field_error(&bare, "note", "Give a reason (at most 2000 characters).");
    let declined = app.post_form_as(
        &editor,
        &path,
        &[
            ("version", "1"),
            ("step", "decline"),
            ("note", "No judges' trainers free"),
        ],
    );
    assert_eq!(location(&declined), path);
    let (_, page) = page_as(&app, &editor, &path);
    assert!(page.contains("Match declined."), "{page}");
    assert_eq!(state_of(&app, &path)["state"], "declined");
    assert_eq!(page_as(&app, &editor, &decline).0, 409, "closed already");
    // Cancelling, open to either side, is asked the same way.
    let path = open(&app, &focal, "gha-2026-1", "global-judiciary", "requested");
    let (status, asked) = page_as(&app, &focal, &format!("{path}/steps/cancel"));
    assert_eq!(status, 200);
    assert!(asked.contains("<h1>Cancel the match of Ghana"), "{asked}");
}

on_both_backends!(
    closing_a_match_unmet_is_asked_first_on_a_page_of_its_own,
    a_proposal_goes_from_request_to_delivered_help,
    an_offer_starts_accepted_and_the_focal_point_chooses_among_offers,
    engagements_use_their_offerings_capacity,
    the_allocation_shares_out_a_limited_offering_and_proposes_from_a_row,
    matches_are_read_as_their_needs_are_and_by_their_parties,
    a_change_and_its_notices_commit_together,
    follow_up_figures_count_the_demos_matches,
);
