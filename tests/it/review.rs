//! Review before publishing: what an editor adds waits, unseen by the
//! public and the engine, until the secretariat approves it or returns it
//! with a comment; what the secretariat adds is published at once.

use crate::common::{Backend, TestApp, location};
use crate::on_both_backends;

pub const OFFERING: [(&str, &str); 6] = [
    ("provider", "uni"),
    ("title", "Forensics for prosecutors"),
    ("description", "A week in Accra"),
    ("themes", "cybercrime.judiciary"),
    ("coverage_global", "on"),
    ("status", "active"),
];

fn an_editors_offering_waits_for_the_secretariat(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::visibility::ASSESSMENTS);
    app.add_account("kofi@example.org", &["editor:uni"]);
    let editor = app.person(&["editor:uni"]);
    let added = app.post_form_as(&editor, "/offerings", &OFFERING);
    assert_eq!(added.status(), 303);
    let path = location(&added);
    let key = path.trim_start_matches("/offerings/").to_owned();
    // Unseen by the public, the lists, the API and the engine.
    let nobody = app.anonymous();
    assert_eq!(nobody.get(app.url(&path)).send().unwrap().status(), 404);
    assert_eq!(
        nobody
            .get(app.url(&format!("/api/v1{path}")))
            .send()
            .unwrap()
            .status(),
        404
    );
    for list in [
        "/offerings?q=forensics",
        "/api/v1/offerings?q=forensics",
        "/reports/countries/GHA?format=json",
    ] {
        let text = nobody.get(app.url(list)).send().unwrap().text().unwrap();
        assert!(
            !text.contains(&key),
            "{list} lists a record waiting for review"
        );
    }
    let other_editor = app.person(&["editor:ministry"]);
    assert_eq!(
        other_editor.get(app.url(&path)).send().unwrap().status(),
        404
    );
    // Its editors see it, and where it stands.
    let own = editor.get(app.url(&path)).send().unwrap().text().unwrap();
    assert!(own.contains("Waiting for review"));
    let provider = editor
        .get(app.url("/providers/uni"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        provider.contains(&key),
        "listed on its provider's page for its editors"
    );
    // The secretariat returns it with a comment; its editors are told.
    let review = app.page("/review");
    assert!(review.contains(&format!("/offerings/{key}")));
    let blank = app.post_form(
        &format!("/review/offerings/{key}/return"),
        &[("comment", " ")],
    );
    assert_eq!(blank.status(), 422);
    let blank = blank.text().unwrap();
    assert!(
        blank.contains("The comment is required."),
        "a sentence: {blank}"
    );
    let returned = app.post_form(
        &format!("/review/offerings/{key}/return"),
        &[("comment", "Say which countries it serves")],
    );
    assert_eq!(location(&returned), "/review");
    assert!(
        app.page("/review")
            .contains("Returned to its editors with your comment")
    );
    let mail = app.wait_for_mail("kofi@example.org", 1);
    assert!(mail.contains("Say which countries it serves"), "{mail}");
    let own = editor.get(app.url(&path)).send().unwrap().text().unwrap();
    assert!(own.contains("Returned for changes") && own.contains("Say which countries it serves"));
    let told = editor
        .get(app.url("/notifications"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        told.contains("returned it for changes") && told.contains("Your offering"),
        "told in the application too"
    );
    // The editor changes it: it waits again, and is approved.
    let mut changed = OFFERING.to_vec();
    changed.push(("version", "1"));
    changed[2] = ("description", "A week in Accra, for West Africa");
    assert_eq!(app.post_form_as(&editor, &path, &changed).status(), 303);
    assert!(
        editor
            .get(app.url(&path))
            .send()
            .unwrap()
            .text()
            .unwrap()
            .contains("Waiting for review")
    );
    let approved = app.post_form(&format!("/review/offerings/{key}/approve"), &[]);
    assert_eq!(location(&approved), "/review");
    assert_eq!(nobody.get(app.url(&path)).send().unwrap().status(), 200);
    let report = nobody
        .get(app.url("/reports/countries/GHA?format=json"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(report.contains(&key), "matched once published");
    assert!(
        app.wait_for_mail("kofi@example.org", 2)
            .contains("approved")
    );
    assert_eq!(
        app.post_form(&format!("/review/offerings/{key}/approve"), &[])
            .status(),
        404
    );
    // Only the secretariat reviews.
    assert_eq!(editor.get(app.url("/review")).send().unwrap().status(), 403);
    let log = app.page(&format!("/audit?record=offering&key={key}"));
    assert!(log.contains("returned for changes") && log.contains("approved and published"));
}

fn what_the_secretariat_adds_is_published_at_once(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let added = app.post_form("/offerings", &OFFERING);
    let path = location(&added);
    assert_eq!(
        app.anonymous().get(app.url(&path)).send().unwrap().status(),
        200
    );
    assert!(app.page("/review").contains("Nothing is waiting"));
}

on_both_backends!(
    an_editors_offering_waits_for_the_secretariat,
    what_the_secretariat_adds_is_published_at_once,
);
