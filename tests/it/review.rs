//! Review before publishing: what an editor adds waits, unseen by the
//! public and the engine, until the secretariat approves it or returns it
//! with a comment; what the secretariat adds is published at once.

use crate::common::{Backend, TestApp, location};
use crate::fixtures::NEW_OFFERING;
use crate::on_both_backends;

fn an_editors_offering_waits_for_the_secretariat(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::visibility::ASSESSMENTS);
    app.add_account("kofi@example.org", &["editor:uni"]);
    let editor = app.person(&["editor:uni"]);
    let added = app.post_form_as(&editor, "/offerings", &NEW_OFFERING);
    assert_eq!(added.status(), 303);
    let path = location(&added);
    let key = path.trim_start_matches("/offerings/").to_owned();
    // Unseen by the public, the lists, the API and the engine.
    let nobody = app.anonymous();
    assert_eq!(app.get_as(&nobody, &path).status(), 404);
    assert_eq!(app.get_as(&nobody, &format!("/api/v1{path}")).status(), 404);
    for list in [
        "/offerings?q=forensics",
        "/api/v1/offerings?q=forensics",
        "/reports/countries/GHA?format=json",
    ] {
        let text = app.text_as(&nobody, list);
        assert!(
            !text.contains(&key),
            "{list} lists a record waiting for review"
        );
    }
    let other_editor = app.person(&["editor:ministry"]);
    assert_eq!(app.get_as(&other_editor, &path).status(), 404);
    // Its editors see it, and where it stands.
    let own = app.text_as(&editor, &path);
    assert!(own.contains("Waiting for review"));
    let provider = app.text_as(&editor, "/providers/uni");
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
    let own = app.text_as(&editor, &path);
    assert!(own.contains("Returned for changes") && own.contains("Say which countries it serves"));
    let told = app.text_as(&editor, "/notifications");
    assert!(
        told.contains("returned it for changes") && told.contains("Your offering"),
        "told in the application too"
    );
    // The editor changes it: it waits again, and is approved.
    let mut changed = NEW_OFFERING.to_vec();
    changed.push(("version", "1"));
    changed[2] = ("description", "A week in Accra, for West Africa");
    assert_eq!(app.post_form_as(&editor, &path, &changed).status(), 303);
    assert!(app.text_as(&editor, &path).contains("Waiting for review"));
    let approved = app.post_form(&format!("/review/offerings/{key}/approve"), &[]);
    assert_eq!(location(&approved), "/review");
    assert_eq!(app.get_as(&nobody, &path).status(), 200);
    let report = app.text_as(&nobody, "/reports/countries/GHA?format=json");
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
    assert_eq!(app.get_as(&editor, "/review").status(), 403);
    let log = app.page(&format!("/audit?record=offering&key={key}"));
    assert!(log.contains("returned for changes") && log.contains("approved and published"));
}

fn what_the_secretariat_adds_is_published_at_once(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let added = app.post_form("/offerings", &NEW_OFFERING);
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
