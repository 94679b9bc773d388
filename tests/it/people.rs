//! Inviting people: the secretariat to any role, editors and focal points
//! into their own scope; the invitee chooses a password from a mailed link
//! and is signed in. The secretariat takes roles away and disables accounts.

use crate::common::{Backend, TestApp, Visitor, location};
use crate::on_both_backends;

fn link_in(mail: &str) -> String {
    let word = mail
        .split_whitespace()
        .find(|w| w.contains("/password/"))
        .expect("a link");
    word[word.find("/password/").unwrap()..].to_owned()
}

fn invite(app: &TestApp, by: &Visitor, email: &str, role: &str) -> reqwest::blocking::Response {
    app.post_form_as(
        by,
        "/users/invitations",
        &[
            ("email", email),
            ("invitee_name", "Kofi Boateng"),
            ("role", role),
        ],
    )
}

fn an_invitee_chooses_a_password_and_works_in_their_scope(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let sent = invite(&app, &app.client, "kofi@example.org", "editor:uni");
    assert_eq!(location(&sent), "/users");
    let mail = app.wait_for_mail("kofi@example.org", 1);
    assert!(mail.contains("Subject: You are invited to capmatch"));
    assert!(mail.contains("an editor of the provider \"uni\""), "{mail}");
    let kofi = app.anonymous();
    let chosen = app.post_form_as(
        &kofi,
        &link_in(&mail),
        &[("new_password", "violet harbour 9 quiet spoons")],
    );
    assert_eq!(location(&chosen), "/account");
    let saved = app.post_form_as(
        &kofi,
        "/providers/uni",
        &[
            ("version", "1"),
            ("name", "Cyber Institute"),
            ("kind", "academia"),
        ],
    );
    assert_eq!(saved.status(), 303, "signed in as the provider's editor");
    // Kofi invites a colleague to the same provider, not to another.
    assert_eq!(
        location(&invite(&app, &kofi, "esi@example.org", "editor:uni")),
        "/users"
    );
    assert_eq!(
        invite(&app, &kofi, "esi@example.org", "editor:ministry").status(),
        403
    );
    assert_eq!(
        invite(&app, &kofi, "esi@example.org", "secretariat").status(),
        403
    );
    let page = app.text_as(&kofi, "/users");
    assert!(
        page.contains("<option value=\"editor:uni\""),
        "only their own scope is offered"
    );
    assert!(
        !page.contains("Disable account"),
        "no account list for an editor"
    );
    // An existing account is given the role, and told.
    let granted = invite(&app, &app.client, "kofi@example.org", "focal-point:GHA");
    assert_eq!(location(&granted), "/users");
    let told = app.wait_for_mail("kofi@example.org", 2);
    assert!(told.contains("Subject: You have a new role on capmatch"));
    assert!(
        !told.contains("/password/"),
        "no link for an account that has a password"
    );
    // Problems are named at their fields.
    let bad = invite(&app, &app.client, "not an address", "editor:nobody");
    assert_eq!(bad.status(), 422);
    let page = bad.text().unwrap();
    crate::common::assert_field_error(&page, "email", "is not a valid e-mail address");
    crate::common::assert_field_error(&page, "role", "no provider has the key \"nobody\"");
    // Nobody signed in, and people without a role, are turned away.
    assert_eq!(
        app.anonymous()
            .get(app.url("/users"))
            .send()
            .unwrap()
            .status(),
        303
    );
    let focal = app.person(&["focal-point:KEN"]);
    assert_eq!(
        invite(&app, &focal, "x@example.org", "focal-point:GHA").status(),
        403
    );
}

/// The account number the people page gives `email`.
fn account_id(app: &TestApp, email: &str) -> String {
    let page = app.page("/users");
    let marker = format!("{email}</span>");
    let at = page.find(&marker).expect("the account is listed");
    let action = "action=\"/users/";
    let from = at + page[at..].find(action).unwrap() + action.len();
    page[from..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

fn the_secretariat_takes_roles_away_and_disables_accounts(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let editor = app.person(&["editor:uni"]);
    let id = account_id(&app, editor.email());
    // Only the secretariat manages accounts.
    let other = app.person(&["editor:ministry"]);
    let refused = app.post_form_as(
        &other,
        &format!("/users/{id}/roles/revoke"),
        &[("role", "editor:uni")],
    );
    assert_eq!(refused.status(), 403);
    let taken = app.post_form(
        &format!("/users/{id}/roles/revoke"),
        &[("role", "editor:uni")],
    );
    assert_eq!(location(&taken), "/users");
    let edit = app.get_as(&editor, "/providers/uni/edit");
    assert_eq!(edit.status(), 403, "the role is gone at the next request");
    let again = app.post_form(
        &format!("/users/{id}/roles/revoke"),
        &[("role", "editor:uni")],
    );
    assert_eq!(again.status(), 404);
    let disabled = app.post_form(&format!("/users/{id}/disable"), &[]);
    assert_eq!(location(&disabled), "/users");
    assert_eq!(app.get_as(&editor, "/account").status(), 303);
    // The secretariat cannot lock itself out.
    let own = account_id(&app, app.client.email());
    let revoked = app.post_form(
        &format!("/users/{own}/roles/revoke"),
        &[("role", "secretariat")],
    );
    assert_eq!(revoked.status(), 409);
    assert_eq!(
        app.post_form(&format!("/users/{own}/disable"), &[])
            .status(),
        409
    );
    assert!(app.page("/account").contains("The secretariat"));
    let log = app.page(&format!("/audit?record=account&key={}", editor.email()));
    assert!(log.contains("disabled") && log.contains("changed"), "{log}");
}

/// A role taken away takes what it let one read with it, cached or not.
fn a_revoked_role_reads_nothing_more_even_from_the_cache(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::visibility::ASSESSMENTS);
    let focal = app.person(&["focal-point:SEN"]);
    let report = "/reports/countries/SEN?format=json";
    let read = |visitor: &Visitor| app.text_as(visitor, report);
    assert!(read(&focal).contains("sen-2026-1"));
    let id = account_id(&app, focal.email());
    let taken = app.post_form(
        &format!("/users/{id}/roles/revoke"),
        &[("role", "focal-point:SEN")],
    );
    assert_eq!(location(&taken), "/users");
    assert!(!read(&focal).contains("sen-2026-1"));
}

on_both_backends!(
    a_revoked_role_reads_nothing_more_even_from_the_cache,
    an_invitee_chooses_a_password_and_works_in_their_scope,
    the_secretariat_takes_roles_away_and_disables_accounts,
);
