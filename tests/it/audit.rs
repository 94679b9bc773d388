//! The audit log: every write is appended with who, when, which record and
//! what changed; the secretariat reads and filters it; nothing changes it.

use diesel::prelude::*;

use crate::common::{Backend, TestApp, header, location};
use crate::on_both_backends;

fn entries(app: &TestApp) -> i64 {
    use capmatch::db::schema::audit_events;
    let mut conn = app.storage.pool.get().unwrap();
    audit_events::table.count().get_result(&mut conn).unwrap()
}

fn every_write_is_logged_with_who_and_what_changed(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let editor = app.person(&["editor:uni"]);
    let renamed = app.post_form_as(
        &editor,
        "/providers/uni",
        &[
            ("version", "1"),
            ("name", "Cyber Institute of Ghana"),
            ("kind", "academia"),
        ],
    );
    assert_eq!(renamed.status(), 303);
    for action in ["archive", "restore"] {
        let done = app.post_form_as(&editor, &format!("/offerings/ghana-cert/{action}"), &[]);
        assert_eq!(done.status(), 303);
    }
    let submitted = crate::assessments::submit_ghana(&app);
    let assessment = submitted.trim_start_matches("/assessments/");
    let withdrawn = app.post_form(
        &format!("{submitted}/needs/{assessment}-1/withdraw"),
        &[
            ("revision", "1"),
            ("withdrawn_reason", "Funded by another programme"),
        ],
    );
    assert_eq!(withdrawn.status(), 303);
    // A refused write adds nothing.
    let before = entries(&app);
    let refused = app.post_form_as(&editor, "/providers/ministry/archive", &[]);
    assert_eq!(refused.status(), 403);
    assert_eq!(entries(&app), before);

    let log = app.page("/audit");
    let editor_email = editor.email();
    assert!(log.contains(editor_email), "the editor is named");
    assert!(
        log.contains("command line"),
        "the fixture's import is logged"
    );
    let provider = app.page("/audit?record=provider&key=uni");
    assert!(
        provider.contains("Provider <a href=\"/providers/uni\">uni</a>"),
        "{provider}"
    );
    assert!(
        provider.contains("description, hq_country, name"),
        "changed fields: {provider}"
    );
    assert!(
        provider.contains("2 entries"),
        "created by import, renamed: {provider}"
    );
    let offering = app.page(&format!(
        "/audit?record=offering&key=ghana-cert&actor={editor_email}"
    ));
    assert!(offering.contains("archived") && offering.contains("restored"));
    let history = app.page(&format!("/audit?record=assessment&key={assessment}"));
    assert!(
        history.contains("2 entries"),
        "submitted, then a need withdrawn"
    );
    assert!(
        history.contains("Fields changed\">state<"),
        "the withdrawal changed the needs: {history}"
    );
    assert!(
        app.page("/providers/uni")
            .contains("/audit?record=provider&amp;key=uni")
    );

    let csv = app.get("/audit?record=provider&key=uni&format=csv");
    assert_eq!(header(&csv, "content-type"), "text/csv; charset=utf-8");
    let text = csv.text().unwrap();
    assert!(text.starts_with("\u{feff}at,actor,record,key,action,changed,before,after"));
    assert!(
        text.contains("Cyber Institute of Ghana"),
        "the record after the change"
    );
    assert!(text.contains(editor_email));

    // Dates filter by day; a bad one is a clear 400.
    let today = chrono::Utc::now().date_naive();
    assert!(
        app.page(&format!("/audit?from={today}&until={today}"))
            .contains(editor_email)
    );
    assert!(app.page("/audit?until=2000-01-01").contains("0 entries"));
    assert_eq!(app.get("/audit?from=yesterday").status(), 400);
    assert_eq!(app.get("/audit?record=planet").status(), 400);
}

fn only_the_secretariat_reads_the_log(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let editor = app.person(&["editor:uni"]);
    let page = app.get_as(&editor, "/audit");
    assert_eq!(page.status(), 403);
    let anonymous = app.anonymous().get(app.url("/audit")).send().unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(location(&anonymous), "/sign-in?next=%2Faudit");
    let own = app.text_as(&editor, "/providers/uni");
    assert!(
        !own.contains("/audit"),
        "no link for those who may not read it"
    );
}

/// The database itself refuses to change or remove an entry.
fn the_log_is_append_only(backend: Backend) {
    use capmatch::db::schema::audit_events;
    let app = TestApp::with_catalogue(backend);
    assert!(entries(&app) > 0);
    let mut conn = app.storage.pool.get().unwrap();
    let changed = diesel::update(audit_events::table)
        .set(audit_events::actor.eq("someone else"))
        .execute(&mut conn);
    assert!(changed.is_err(), "an update is refused");
    let removed = diesel::delete(audit_events::table).execute(&mut conn);
    assert!(removed.is_err(), "a delete is refused");
    drop(conn);
    assert!(!app.page("/audit").contains("someone else"));
}

on_both_backends!(
    every_write_is_logged_with_who_and_what_changed,
    only_the_secretariat_reads_the_log,
    the_log_is_append_only,
);
