//! Accounts through HTTP: signing in and out, sessions that end everywhere,
//! throttled guessing, single-use links, changing one's password.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::common::{Backend, PASSWORD, TestApp, Visitor, header, location};
use crate::on_both_backends;

const NOT_SIGNED_IN: &str = "The e-mail address or the password is not right";

fn signed_in(app: &TestApp, visitor: &Visitor) -> bool {
    app.get_as(visitor, "/account").status() == 200
}

fn signing_in_starts_a_new_session_and_signing_out_ends_it(backend: Backend) {
    let app = TestApp::empty(backend);
    app.add_account("ama@example.org", &["focal-point:GHA"]);
    let visitor = app.anonymous();
    let anonymous_token = visitor.csrf_token(&app);
    let answer = app.post_form_as(
        &visitor,
        "/sign-in?next=%2Fcountries%2FGHA",
        &[("email", "AMA@example.org"), ("password", PASSWORD)],
    );
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), "/countries/GHA", "back where they were");
    let cookie = header(&answer, "set-cookie");
    assert!(cookie.starts_with("capmatch_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain HTTP here");
    let session = visitor.cookie(&app, "capmatch_session").unwrap();
    // Once signed in, forms carry the session's token, not the visitor's
    // earlier one, and pages are not kept by caches.
    let token = visitor.csrf_token(&app);
    assert_ne!(token, anonymous_token);
    let account = app.get_as(&visitor, "/account");
    assert_eq!(header(&account, "cache-control"), "no-store");
    assert!(account.text().unwrap().contains("A focal point of GHA"));
    let stale = app.post_raw_as(
        &visitor,
        "/sign-out",
        &[("csrf_token", anonymous_token.as_str())],
    );
    assert_eq!(stale.status(), 403, "the old token is not the session's");

    // Signing in again makes a new session id.
    let again = app.sign_in_as(&visitor, "ama@example.org", PASSWORD);
    assert_eq!(again.status(), 303);
    let second = visitor.cookie(&app, "capmatch_session").unwrap();
    assert_ne!(second, session);

    let out = app.post_form_as(&visitor, "/sign-out", &[]);
    assert_eq!((out.status().as_u16(), location(&out)), (303, "/".into()));
    assert!(!signed_in(&app, &visitor));
    // The ended session's id opens nothing, from any browser.
    for id in [session, second] {
        let replay = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url("/account"))
            .header("cookie", format!("capmatch_session={id}"))
            .send()
            .unwrap();
        assert_eq!(replay.status(), 303);
        assert!(location(&replay).starts_with("/sign-in"));
    }
    // Only paths on this site are followed after signing in.
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let answer = app.post_form_as(
            &visitor,
            "/sign-in",
            &[
                ("email", "ama@example.org"),
                ("password", PASSWORD),
                ("next", next),
            ],
        );
        assert_eq!(location(&answer), "/", "{next}");
    }
}

fn a_failed_sign_in_never_says_which_part_was_wrong(backend: Backend) {
    let app = TestApp::empty(backend);
    app.add_account("ama@example.org", &["focal-point:GHA"]);
    let typed = "the-password-typed-here";
    let wrong_password = app.sign_in_as(&app.anonymous(), "ama@example.org", typed);
    let no_account = app.sign_in_as(&app.anonymous(), "kofi@example.org", typed);
    let not_an_address = app.sign_in_as(&app.anonymous(), "kofi", typed);
    let mut pages = Vec::new();
    for (answer, email) in [
        (wrong_password, "ama@example.org"),
        (no_account, "kofi@example.org"),
        (not_an_address, "kofi"),
    ] {
        assert_eq!(answer.status(), 422);
        assert!(
            header(&answer, "set-cookie").is_empty()
                || !header(&answer, "set-cookie").contains("session")
        );
        let page = answer.text().unwrap();
        assert!(page.contains(NOT_SIGNED_IN), "{page}");
        assert!(
            page.contains(&format!("value=\"{email}\"")),
            "the address is kept"
        );
        assert!(!page.contains(typed), "the password is never shown back");
        assert!(page.contains("<title>Error: Sign in"));
        let token = crate::common::token_in(&page);
        pages.push(page.replace(email, "").replace(&token, ""));
    }
    assert_eq!(pages[0], pages[1], "an unknown address reads the same");
    // A disabled account cannot sign in, and is not told apart either.
    app.disable_account("ama@example.org");
    let disabled = app.sign_in_as(&app.anonymous(), "ama@example.org", PASSWORD);
    assert_eq!(disabled.status(), 422);
    assert!(disabled.text().unwrap().contains(NOT_SIGNED_IN));
}

fn repeated_failures_slow_down_then_lock_on_every_instance(backend: Backend) {
    use capmatch::domain::throttle::{self, PER_EMAIL};
    let app = TestApp::empty(backend);
    app.add_account("ama@example.org", &["focal-point:GHA"]);
    let guesser = app.anonymous();
    for _ in 0..PER_EMAIL.slow_after {
        let started = Instant::now();
        let answer = app.sign_in_as(&guesser, "ama@example.org", "a wrong guess");
        assert_eq!(answer.status(), 422);
        assert!(started.elapsed() < Duration::from_secs(1), "no wait yet");
    }
    let started = Instant::now();
    let slowed = app.sign_in_as(&guesser, "ama@example.org", "a wrong guess");
    assert_eq!(slowed.status(), 422);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "answers slow down"
    );
    // The rest of the failures up to the lock, counted as the store counts
    // them (waiting out every delay would take half a minute).
    {
        let mut conn = app.storage.pool.get().unwrap();
        let subject = throttle::email_subject("ama@example.org");
        while capmatch::db::accounts::failures(&mut conn, &subject)
            .unwrap()
            .is_none_or(|f| f.locked_until.is_none())
        {
            capmatch::db::accounts::record_failure(&mut conn, &subject, &PER_EMAIL).unwrap();
        }
    }
    // Locked: even the right password is not checked, on this instance or
    // another, while another address signs in as usual.
    let locked = app.sign_in_as(&app.anonymous(), "ama@example.org", PASSWORD);
    assert_eq!(locked.status(), 429);
    crate::common::assert_retry_after(&locked, PER_EMAIL.lock_for.num_seconds());
    assert!(locked.text().unwrap().contains("Sign-in is paused"));
    let other = app.another_instance();
    let elsewhere = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = elsewhere
        .get(other.url("/sign-in"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let token = crate::common::token_in(&page);
    let answer = elsewhere
        .post(other.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(
            serde_html_form::to_string([
                ("csrf_token", token.as_str()),
                ("email", "ama@example.org"),
                ("password", PASSWORD),
            ])
            .unwrap(),
        )
        .send()
        .unwrap();
    assert_eq!(answer.status(), 429, "locked on every instance");
    app.add_account("kofi@example.org", &["focal-point:GHA"]);
    let kofi = app.sign_in_as(&app.anonymous(), "kofi@example.org", PASSWORD);
    assert_eq!(kofi.status(), 303);
}

/// Attempts sent at once are counted one after another: a burst gets no
/// more tries than the lock allows.
fn a_burst_of_guesses_gets_no_more_tries_than_the_lock_allows(backend: Backend) {
    use capmatch::domain::throttle::PER_EMAIL;
    let app = TestApp::empty(backend);
    app.add_account("ama@example.org", &["focal-point:GHA"]);
    let burst = PER_EMAIL.lock_after as usize + 5;
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..burst)
            .map(|_| {
                let app = &app;
                scope.spawn(move || {
                    let guesser = app.anonymous();
                    app.sign_in_as(&guesser, "ama@example.org", "a wrong guess")
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 422).count();
    assert_eq!(checked, PER_EMAIL.lock_after as usize, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5);
}

fn a_link_sets_a_password_once_and_expires(backend: Backend) {
    let app = TestApp::empty(backend);
    let add = |email: &str| {
        let mut conn = app.storage.pool.get().unwrap();
        capmatch::accounts::add(
            &mut conn,
            &app.storage.reference,
            &capmatch::domain::audit::Actor::command_line(),
            capmatch::accounts::NewAccount {
                email,
                name: Some("Kofi Boateng"),
                roles: &["editor:uni".to_owned()],
                password: None,
            },
        )
    };
    assert!(add("kofi@example.org").is_err(), "no such provider yet");
    app.import(crate::fixtures::CATALOGUE);
    let link = add("kofi@example.org").unwrap().link_path.unwrap();
    let token = link.trim_start_matches("/password/").to_owned();
    let visitor = app.anonymous();
    let page = app.get_as(&visitor, &link);
    assert_eq!(page.status(), 200);
    let page = page.text().unwrap();
    assert!(page.contains("kofi@example.org"));
    assert!(!page.contains(&token), "the page does not hold the token");
    let weak = app.post_form_as(&visitor, &link, &[("new_password", "kofiboateng1")]);
    assert_eq!(weak.status(), 422);
    assert!(weak.text().unwrap().contains("Choose a password"));
    let chosen = app.post_form_as(&visitor, &link, &[("new_password", PASSWORD)]);
    assert_eq!(
        (chosen.status().as_u16(), location(&chosen)),
        (303, "/account".into())
    );
    assert!(signed_in(&app, &visitor), "signed in by choosing it");
    let again = app.anonymous();
    assert_eq!(app.get_as(&again, &link).status(), 410, "once");
    let reused = app.post_form_as(
        &again,
        &link,
        &[("new_password", "another long passphrase here")],
    );
    assert_eq!(reused.status(), 410);
    assert_eq!(
        app.sign_in_as(&again, "kofi@example.org", PASSWORD)
            .status(),
        303
    );
    // An unused link stops working when it expires.
    let late = add("ama@example.org").unwrap().link_path.unwrap();
    {
        use capmatch::db::schema::account_links;
        let mut conn = app.storage.pool.get().unwrap();
        diesel::update(account_links::table.filter(account_links::used_at.is_null()))
            .set(
                account_links::expires_at
                    .eq(chrono::Utc::now().naive_utc() - chrono::TimeDelta::hours(1)),
            )
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(
        app.anonymous().get(app.url(&late)).send().unwrap().status(),
        410
    );
    for made_up in ["/password/abc", &format!("/password/{}", "0".repeat(64))] {
        assert_eq!(
            app.anonymous()
                .get(app.url(made_up))
                .send()
                .unwrap()
                .status(),
            410
        );
    }
}

fn disabling_an_account_ends_its_sessions_on_every_instance(backend: Backend) {
    let app = TestApp::empty(backend);
    let person = app.person(&["focal-point:GHA"]);
    let other = app.another_instance();
    let on_other = |visitor: &Visitor| {
        visitor
            .get(other.url("/account"))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(on_other(&person), 200, "the session is known everywhere");
    app.disable_account(person.email());
    assert!(!signed_in(&app, &person));
    assert_eq!(on_other(&person), 303);
}

fn changing_ones_password_ends_the_other_sessions(backend: Backend) {
    let app = TestApp::empty(backend);
    let here = app.person(&["focal-point:GHA"]);
    let there = Visitor::signed_in_elsewhere(&app, &here);
    assert!(signed_in(&app, &there));
    let made = app.post_form_as(&here, "/account/tokens", &[("name", "script")]);
    let token = shown_token(&made.text().unwrap());
    let api = || {
        reqwest::blocking::Client::new()
            .get(app.url("/api/v1/countries/GHA"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(api(), 200);
    let wrong = app.post_form_as(
        &here,
        "/account/password",
        &[
            ("current_password", "not it"),
            ("new_password", "violet harbour 9 quiet spoons"),
        ],
    );
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .unwrap()
            .contains("Enter your current password")
    );
    let changed = app.post_form_as(
        &here,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "violet harbour 9 quiet spoons"),
        ],
    );
    assert_eq!(location(&changed), "/account");
    let told = app.text_as(&here, "/account");
    assert!(
        told.contains("Your password has been changed. Every other session"),
        "the banner says what else changed: {told}"
    );
    assert!(signed_in(&app, &here), "this session goes on");
    assert!(!signed_in(&app, &there), "the other one ended");
    assert_eq!(
        api(),
        401,
        "so did the API tokens the old password could make"
    );
    assert_eq!(
        app.sign_in_as(&app.anonymous(), here.email(), PASSWORD)
            .status(),
        422
    );
    let new = app.sign_in_as(
        &app.anonymous(),
        here.email(),
        "violet harbour 9 quiet spoons",
    );
    assert_eq!(new.status(), 303);
}

/// A personal token reads the API with its person's rights, is shown once,
/// and stops working when revoked or when its account is disabled.
fn api_tokens_read_with_their_persons_rights(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::visibility::ASSESSMENTS);
    let focal = app.person(&["focal-point:SEN"]);
    let made = app.post_form_as(&focal, "/account/tokens", &[("name", "monthly script")]);
    assert_eq!(made.status(), 200);
    assert_eq!(header(&made, "cache-control"), "no-store");
    let token = shown_token(&made.text().unwrap());
    assert!(!signed_in_page(&app, &focal).contains(&token), "shown once");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let api = |token: &str, path: &str| {
        client
            .get(app.url(path))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .unwrap()
    };
    let matches = "/api/v1/countries/SEN/matches";
    let anonymous = app
        .anonymous()
        .get(app.url(matches))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!anonymous.contains("sen-2026-1"), "restricted");
    let read = api(&token, matches);
    assert_eq!(read.status(), 200);
    assert_eq!(
        header(&read, "cache-control"),
        "no-store",
        "what a token reads is kept by no cache"
    );
    assert!(
        read.headers().get("set-cookie").is_none(),
        "a token starts no session"
    );
    assert!(
        read.text().unwrap().contains("sen-2026-1"),
        "read with the focal point's rights"
    );
    // Only the API takes tokens.
    assert_eq!(api(&token, "/assessments/sen-2026").status(), 303);
    for bad in ["not-a-token", &"0".repeat(64)] {
        let refused = api(bad, matches);
        assert_eq!(refused.status(), 401);
        assert!(refused.text().unwrap().contains("\"error\""));
    }
    let listed = signed_in_page(&app, &focal);
    assert!(listed.contains("monthly script") && listed.contains("last used"));
    let id_at = listed.find("/account/tokens/").unwrap() + "/account/tokens/".len();
    let id: String = listed[id_at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let other = app.person(&["focal-point:SEN"]);
    let not_theirs = app.post_form_as(&other, &format!("/account/tokens/{id}/revoke"), &[]);
    assert_eq!(not_theirs.status(), 404, "only one's own tokens");
    assert_eq!(api(&token, matches).status(), 200);
    let revoked = app.post_form_as(&focal, &format!("/account/tokens/{id}/revoke"), &[]);
    assert_eq!(location(&revoked), "/account");
    assert_eq!(api(&token, matches).status(), 401);
    // A disabled account's tokens stop working too.
    let made = app.post_form_as(&other, "/account/tokens", &[("name", "second")]);
    let second = shown_token(&made.text().unwrap());
    assert_eq!(api(&second, matches).status(), 200);
    app.disable_account(other.email());
    assert_eq!(api(&second, matches).status(), 401);
    let blank = app.post_form_as(&focal, "/account/tokens", &[("name", " ")]);
    assert_eq!(blank.status(), 422);
}

/// A forgotten password is reset through a mailed single-use link; the
/// form answers the same for an address without an account.
fn a_forgotten_password_is_reset_by_a_mailed_link(backend: Backend) {
    use capmatch::db::schema::outbox;
    let app = TestApp::empty(backend);
    app.add_account("ama@example.org", &["focal-point:GHA"]);
    let ask = |email: &str| {
        let answer = app.post_form_as(&app.anonymous(), "/password/forgotten", &[("email", email)]);
        assert_eq!(answer.status(), 200);
        answer.text().unwrap()
    };
    let known = ask("Ama@example.org");
    assert!(known.contains("Check your e-mail"));
    assert_eq!(
        known,
        ask("nobody@example.org"),
        "the same answer for any address"
    );
    let mail = app.wait_for_mail("ama@example.org", 1);
    assert!(
        mail.contains("Subject: Reset your capmatch password"),
        "{mail}"
    );
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/password/"))
        .expect("a link");
    let path = &link[link.find("/password/").unwrap()..];
    assert!(
        link.starts_with(&app.address),
        "links name the server, never a Host header"
    );
    // Asking again at once sends nothing more.
    ask("ama@example.org");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(app.mail_to("ama@example.org").len(), 1);
    let visitor = app.anonymous();
    assert_eq!(app.get_as(&visitor, path).status(), 200);
    let chosen = app.post_form_as(
        &visitor,
        path,
        &[("new_password", "violet harbour 9 quiet spoons")],
    );
    assert_eq!(location(&chosen), "/account");
    assert!(signed_in(&app, &visitor));
    assert_eq!(
        app.anonymous().get(app.url(path)).send().unwrap().status(),
        410
    );
    let again = app.sign_in_as(
        &app.anonymous(),
        "ama@example.org",
        "violet harbour 9 quiet spoons",
    );
    assert_eq!(again.status(), 303);
    // Delivered mail keeps no link in the database.
    let mut conn = app.storage.pool.get().unwrap();
    let bodies: Vec<String> = outbox::table
        .filter(outbox::sent_at.is_not_null())
        .select(outbox::body)
        .load(&mut conn)
        .unwrap();
    assert!(!bodies.is_empty() && bodies.iter().all(String::is_empty));
    let bad = app.post_form_as(
        &app.anonymous(),
        "/password/forgotten",
        &[("email", "not an address")],
    );
    assert_eq!(bad.status(), 422);
}

/// The token an account page shows once.
fn shown_token(page: &str) -> String {
    let marker = "<code class=\"token\">";
    let start = page.find(marker).expect("the token is shown") + marker.len();
    page[start..start + page[start..].find('<').unwrap()].to_owned()
}

fn signed_in_page(app: &TestApp, visitor: &Visitor) -> String {
    app.text_as(visitor, "/account")
}

/// A stolen session cannot guess the current password: wrong guesses on
/// the account page count as failed sign-ins do, and lock both.
fn guessing_the_current_password_is_throttled_too(backend: Backend) {
    use capmatch::domain::throttle::PER_EMAIL;
    let app = TestApp::empty(backend);
    let person = app.person(&["focal-point:GHA"]);
    let change = |current: &str| {
        app.post_form_as(
            &person,
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", "violet harbour 9 quiet spoons"),
            ],
        )
    };
    for _ in 0..PER_EMAIL.lock_after {
        assert_eq!(change("a wrong guess").status(), 422);
    }
    let locked = change(PASSWORD);
    assert_eq!(locked.status(), 429);
    crate::common::assert_retry_after(&locked, PER_EMAIL.lock_for.num_seconds());
    assert!(locked.text().unwrap().contains("Too many wrong passwords"));
    let sign_in = app.sign_in_as(&app.anonymous(), person.email(), PASSWORD);
    assert_eq!(
        sign_in.status(),
        429,
        "the same address is paused for sign-in"
    );
}

on_both_backends!(
    guessing_the_current_password_is_throttled_too,
    a_burst_of_guesses_gets_no_more_tries_than_the_lock_allows,
    a_forgotten_password_is_reset_by_a_mailed_link,
    api_tokens_read_with_their_persons_rights,
    signing_in_starts_a_new_session_and_signing_out_ends_it,
    a_failed_sign_in_never_says_which_part_was_wrong,
    repeated_failures_slow_down_then_lock_on_every_instance,
    a_link_sets_a_password_once_and_expires,
    disabling_an_account_ends_its_sessions_on_every_instance,
    changing_ones_password_ends_the_other_sessions,
);
