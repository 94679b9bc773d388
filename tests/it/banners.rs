//! What a person is told after a change: a banner on the next page, once,
//! and for a change that can be taken back, the button that does it.
//! Archiving asks first, on a page of its own.

use crate::common::{Backend, TestApp, location};
use crate::fixtures::NEW_OFFERING;
use crate::on_both_backends;

/// The banner of a page, if it has one.
fn banner(page: &str) -> Option<&str> {
    let at = page.find("<div class=\"banner\"")?;
    Some(&page[at..at + page[at..].find("</div>")?])
}

fn a_save_is_told_once_on_the_page_it_leads_to(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let added = app.post_form("/offerings", &NEW_OFFERING);
    let path = location(&added);
    let page = app.page(&path);
    let told = banner(&page).expect("a banner after adding");
    assert!(told.contains("Offering added."), "{told}");
    assert!(told.contains("role=\"alert\""));
    assert!(
        banner(&app.page(&path)).is_none(),
        "a reload shows it no more"
    );

    // An API call, a stylesheet or a health check in between does not use
    // it up; the next page shows it.
    let mut edited = NEW_OFFERING.to_vec();
    edited.push(("version", "1"));
    assert_eq!(app.post_form(&path, &edited).status(), 303);
    for path in ["/api/v1/offerings", "/static/style.css", "/healthz"] {
        assert_eq!(app.get(path).status(), 200, "{path}");
    }
    let page = app.page(&path);
    assert!(
        banner(&page).is_some_and(|b| b.contains("Changes to the offering saved.")),
        "{page}"
    );

    // What an editor adds waits for review, and the banner says so.
    let editor = app.person(&["editor:uni"]);
    let added = app.post_form_as(&editor, "/offerings", &NEW_OFFERING);
    let page = app.text_as(&editor, &location(&added));
    assert!(
        banner(&page).is_some_and(|b| b.contains("The secretariat reviews it before it is listed")),
        "{page}"
    );
}

fn archiving_is_asked_first_and_the_banner_takes_it_back(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let path = "/offerings/ghana-cert";
    let page = app.page(path);
    assert!(
        page.contains(&format!(
            "<a class=\"button secondary\" href=\"{path}/archive\">Archive</a>"
        )),
        "the record's page links to the question, and archives nothing"
    );
    let asked = app.page(&format!("{path}/archive"));
    assert!(
        asked.contains("<h1>Archive the offering “CERT set-up for Ghana”?</h1>"),
        "{asked}"
    );
    assert!(asked.contains("is never matched"));
    assert!(asked.contains(&format!("action=\"{path}/archive\"")));
    assert!(asked.contains(&format!("<a href=\"{path}\">No, go back</a>")));
    assert!(
        app.page("/offerings").contains("CERT set-up for Ghana"),
        "not yet archived"
    );
    // Nobody else may even ask.
    let other = app.person(&["editor:ministry"]);
    let refused = app.get_as(&other, &format!("{path}/archive"));
    assert_eq!(refused.status(), 403);
    let nobody = app.anonymous();
    let refused = app.get_as(&nobody, &format!("{path}/archive"));
    assert!(location(&refused).starts_with("/sign-in?next="));

    let archived = app.post_form(&format!("{path}/archive"), &[]);
    assert_eq!(location(&archived), path);
    let page = app.page(path);
    let told = banner(&page).expect("a banner after archiving");
    assert!(told.contains("Offering archived."));
    assert!(
        told.contains(&format!("action=\"{path}/restore\"")),
        "{told}"
    );
    assert!(told.contains("Restore to listings"));
    assert!(!app.page("/offerings").contains("CERT set-up for Ghana"));
    // Asking again has nothing to ask: the record's page.
    assert_eq!(location(&app.get(&format!("{path}/archive"))), path);

    let restored = app.post_form(&format!("{path}/restore"), &[]);
    assert_eq!(location(&restored), path);
    let page = app.page(path);
    assert!(banner(&page).is_some_and(|b| b.contains("Offering restored to listings.")));
    assert!(app.page("/offerings").contains("CERT set-up for Ghana"));

    let provider = app.page("/providers/uni/archive");
    assert!(provider.contains("<h1>Archive the provider “Cyber Institute”?</h1>"));
}

fn a_banner_shows_only_what_the_site_wrote(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let url = reqwest::Url::parse(&app.address).unwrap();
    for forged in [
        "<script>alert(1)</script>",
        "offering-archived%00",
        "",
        "x".repeat(5000).as_str(),
    ] {
        let visitor = app.anonymous();
        visitor
            .jar()
            .add_cookie_str(&format!("capmatch_banner={forged}; Path=/"), &url);
        let response = app.get_as(&visitor, "/offerings/ghana-cert");
        assert_eq!(response.status(), 200, "{forged}");
        let page = response.text().unwrap();
        assert!(banner(&page).is_none(), "{forged}");
        assert!(!page.contains("<script>alert"));
    }
    // A code the site writes is shown, wherever the cookie came from; its
    // undo button posts to the page's own record.
    let visitor = app.anonymous();
    visitor
        .jar()
        .add_cookie_str("capmatch_banner=provider-archived; Path=/", &url);
    let page = app.text_as(&visitor, "/providers/uni");
    assert!(banner(&page).is_some_and(|b| b.contains("action=\"/providers/uni/restore\"")));
}

fn an_invitation_is_told_by_banner_too(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let sent = app.post_form(
        "/users/invitations",
        &[
            ("email", "esi@example.org"),
            ("invitee_name", "Esi"),
            ("role", "editor:uni"),
        ],
    );
    assert_eq!(location(&sent), "/users");
    let page = app.page("/users");
    assert!(
        banner(&page).is_some_and(|b| b.contains("Invitation sent")),
        "{page}"
    );
    assert!(banner(&app.page("/users")).is_none());
}

on_both_backends!(
    a_save_is_told_once_on_the_page_it_leads_to,
    archiving_is_asked_first_and_the_banner_takes_it_back,
    a_banner_shows_only_what_the_site_wrote,
    an_invitation_is_told_by_banner_too,
);
