//! Registration: an organisation applies with its profile and a first
//! account; it waits for the secretariat, and its applicant becomes its
//! editor when it is approved.

use crate::common::{Backend, TestApp, assert_field_error, location};
use crate::on_both_backends;

const PASSWORD: &str = "amber kettle orbit 4 lanterns";

fn an_organisation_applies_and_its_applicant_becomes_its_editor(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::visibility::ASSESSMENTS);
    let applicant = app.anonymous();
    let applied = app.post_form_as(
        &applicant,
        "/register",
        &[
            ("name", "Cyber Institute of Tamale"),
            ("kind", "academia"),
            ("hq_country", "GHA"),
            ("description", "Training for CERT staff"),
            ("applicant_name", "Abena Owusu"),
            ("applicant_email", "abena@tamale.example"),
        ],
    );
    assert_eq!(location(&applied), "/register?received=1");
    assert!(
        app.page("/register?received=1")
            .contains("Application received")
    );
    let mail = app.wait_for_mail("abena@tamale.example", 1);
    assert!(mail.contains("To confirm that the address is yours"));
    assert!(
        app.wait_for_mail(app.client.email(), 1)
            .contains("applies to be listed")
    );
    let path = "/providers/cyber-institute-of-tamale";
    let report = "/reports/providers/cyber-institute-of-tamale";
    assert_eq!(
        app.anonymous()
            .get(app.url(report))
            .send()
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.anonymous().get(app.url(path)).send().unwrap().status(),
        404,
        "waits"
    );
    // Nobody signs in to the account before choosing its password through
    // the mailed link, so an application in someone else's name opens nothing.
    let abena = app.anonymous();
    assert_eq!(
        app.sign_in_as(&abena, "abena@tamale.example", PASSWORD)
            .status(),
        422
    );
    let word = mail
        .split_whitespace()
        .find(|w| w.contains("/password/"))
        .unwrap();
    let link = &word[word.find("/password/").unwrap()..];
    let chosen = app.post_form_as(&abena, link, &[("new_password", PASSWORD)]);
    assert_eq!(location(&chosen), "/account");
    // The applicant is signed in, but edits nothing until it is approved,
    // and, holding no role, reads no registered needs.
    let kenya = app.text_as(&abena, "/reports/countries/KEN");
    assert!(!kenya.contains("NEED-OF-KENYA"));
    assert_eq!(app.get_as(&abena, &format!("{path}/edit")).status(), 403);
    let approved = app.post_form("/review/providers/cyber-institute-of-tamale/approve", &[]);
    assert_eq!(location(&approved), "/review");
    assert_eq!(
        app.anonymous().get(app.url(path)).send().unwrap().status(),
        200
    );
    assert_eq!(app.get_as(&abena, &format!("{path}/edit")).status(), 200);
    assert!(
        app.wait_for_mail("abena@tamale.example", 2)
            .contains("You are its editor")
    );
}

fn every_problem_of_an_application_is_named(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let refused = app.post_form_as(
        &app.anonymous(),
        "/register",
        &[
            ("name", ""),
            ("kind", ""),
            ("description", "Kept as typed"),
            ("applicant_name", ""),
            ("applicant_email", "nowhere"),
        ],
    );
    assert_eq!(refused.status(), 422);
    let page = refused.text().unwrap();
    assert!(page.contains("Kept as typed"));
    assert_field_error(&page, "name", "is required");
    assert_field_error(&page, "kind", "Choose the kind of organisation.");
    assert_field_error(&page, "applicant_name", "is required");
    assert_field_error(&page, "applicant_email", "is not a valid e-mail address");
    // An address with an account already is answered as any other, so the
    // form cannot tell who has an account; its holder is told by mail, and
    // nothing is written.
    app.add_account("taken@example.org", &["focal-point:GHA"]);
    let taken = app.post_form_as(
        &app.anonymous(),
        "/register",
        &[
            ("name", "Another Institute"),
            ("kind", "academia"),
            ("applicant_name", "Kwame"),
            ("applicant_email", "taken@example.org"),
        ],
    );
    assert_eq!(taken.status(), 303);
    assert_eq!(location(&taken), "/register?received=1");
    let mail = app.wait_for_mail("taken@example.org", 1);
    assert!(
        mail.contains("This address already has an account, so the application was not recorded"),
        "{mail}"
    );
    let listed = app.json("/api/v1/providers?q=another");
    assert_eq!(listed["total"], 0, "nothing was written");
    // A key cannot be chosen: one posted is not taken as given, so no
    // answer depends on whether the address has an account. A disabled
    // account is not written to.
    for email in ["taken@example.org", "free@example.org"] {
        let keyed = app.post_form_as(
            &app.anonymous(),
            "/register",
            &[
                ("key", "uni"),
                ("name", "Another Institute"),
                ("kind", "academia"),
                ("applicant_name", "Kwame"),
                ("applicant_email", email),
            ],
        );
        assert_eq!(location(&keyed), "/register?received=1", "{email}");
    }
    assert_eq!(
        app.json("/api/v1/providers/uni")["name"],
        "Cyber Institute",
        "the listed provider is untouched"
    );
    app.add_account("gone@example.org", &["focal-point:GHA"]);
    app.disable_account("gone@example.org");
    let disabled = app.post_form_as(
        &app.anonymous(),
        "/register",
        &[
            ("name", "A Third Institute"),
            ("kind", "academia"),
            ("applicant_name", "Yaw"),
            ("applicant_email", "gone@example.org"),
        ],
    );
    assert_eq!(location(&disabled), "/register?received=1");
    let queued: i64 = {
        use capmatch::db::schema::outbox;
        use diesel::prelude::*;
        let mut conn = app.storage.pool.get().unwrap();
        outbox::table
            .filter(outbox::recipient.eq("gone@example.org"))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(queued, 0, "a disabled account is not written to");
    let waiting: i64 = {
        use capmatch::db::schema::reviews;
        use diesel::prelude::*;
        let mut conn = app.storage.pool.get().unwrap();
        reviews::table
            .filter(reviews::record_key.like("another-institute%"))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(waiting, 1, "only the free address's application waits");
}

fn applications_from_one_address_are_limited(backend: Backend) {
    let app = TestApp::empty(backend);
    let applicant = app.anonymous();
    let apply = |n: usize| {
        let name = format!("Institute number {n}");
        let email = format!("applicant{n}@example.org");
        app.post_form_as(
            &applicant,
            "/register",
            &[
                ("name", name.as_str()),
                ("kind", "academia"),
                ("applicant_name", "Abena Owusu"),
                ("applicant_email", email.as_str()),
            ],
        )
    };
    for n in 1..=5 {
        assert_eq!(
            location(&apply(n)),
            "/register?received=1",
            "application {n}"
        );
    }
    let held = apply(6);
    assert_eq!(held.status(), 429);
    crate::common::assert_retry_after(&held, 3600);
    let held = held.text().unwrap();
    assert!(held.contains("this one was not sent"), "{held}");
    assert!(
        held.contains("value=\"Institute number 6\""),
        "what was entered is kept"
    );
    let review = app.page("/review");
    assert!(review.contains("institute-number-5"), "{review}");
    assert!(
        !review.contains("institute-number-6"),
        "nothing of the sixth was saved"
    );
}

on_both_backends!(
    applications_from_one_address_are_limited,
    an_organisation_applies_and_its_applicant_becomes_its_editor,
    every_problem_of_an_application_is_named,
);
