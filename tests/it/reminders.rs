//! The lifecycle's clock, with the time set by `capmatch notify --once
//! --now`: nothing sleeps. A proposal unanswered for 14 days reminds its
//! provider once, after 28 days the secretariat is told; a need nobody
//! acted on for 30 days goes on the secretariat's unmatched list.

use chrono::{NaiveDateTime, TimeDelta};

use crate::cli::{capmatch, stderr, stdout};
use crate::common::{Backend, TestApp};
use crate::fixtures::NEEDS;
use crate::matches::{open, page_as};
use crate::on_both_backends;

fn notify_at(app: &TestApp, at: NaiveDateTime) -> String {
    let at = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let output = capmatch(&[
        "notify",
        "--once",
        "--now",
        &at,
        "--database",
        &app.database.cli_url(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

fn days_from_now(days: i64) -> NaiveDateTime {
    chrono::Utc::now().naive_utc() + TimeDelta::days(days)
}

fn an_unanswered_proposal_reminds_once_then_goes_to_the_secretariat(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let focal = app.person(&["focal-point:GHA"]);
    let editor = app.person(&["editor:ministry"]);
    let path = open(&app, &focal, "gha-2026-1", "global-judiciary", "requested");
    assert!(notify_at(&app, days_from_now(13)).starts_with("0 proposal(s) reminded"));
    assert!(notify_at(&app, days_from_now(15)).starts_with("1 proposal(s) reminded"));
    assert!(
        notify_at(&app, days_from_now(16)).starts_with("0 proposal(s) reminded"),
        "a reminder goes out once"
    );
    let mail = app.wait_for_mail(editor.email(), 2);
    assert!(mail.contains("Reminder") && mail.contains(&path), "{mail}");
    let (_, notes) = page_as(&app, &editor, "/notifications");
    assert!(notes.contains("Reminder: a proposal waits for your answer"));
    // Not yet the secretariat's.
    assert_eq!(
        app.json("/matches?waiting=secretariat&format=json")["total"],
        0
    );
    // Two instances sweeping at the same moment send it once between them:
    // two sweeps, each with its own connection, released together.
    let at = days_from_now(29);
    let start = std::sync::Barrier::new(2);
    let sweep = || {
        let mut conn = app.storage.pool.get().unwrap();
        start.wait();
        capmatch::scheduler::sweep(&app.storage, &mut conn, at, &|path| path.to_owned()).unwrap()
    };
    let (first, second) = std::thread::scope(|s| {
        let one = s.spawn(sweep);
        let two = s.spawn(sweep);
        (one.join().unwrap(), two.join().unwrap())
    });
    assert_eq!(first.escalated + second.escalated, 1, "{first} / {second}");
    assert_eq!(
        app.json("/matches?waiting=secretariat&format=json")["total"],
        1
    );
    let secretariat = app.client.email().to_owned();
    let mail = app.wait_for_mail(&secretariat, 1);
    assert!(mail.contains("Unanswered for 28 days"), "{mail}");
    // An answer ends the wait.
    let accepted = app.post_form_as(&editor, &path, &[("version", "1"), ("step", "accept")]);
    assert_eq!(accepted.status(), 303);
    assert_eq!(
        app.json("/matches?waiting=secretariat&format=json")["total"],
        0
    );
}

fn needs_nobody_acted_on_for_thirty_days_are_listed_for_the_secretariat(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    let focal = app.person(&["focal-point:GHA"]);
    open(&app, &focal, "gha-2026-1", "global-judiciary", "requested");
    assert!(notify_at(&app, days_from_now(29)).contains("0 need(s) listed as unmatched,"));
    let swept = notify_at(&app, days_from_now(31));
    // Ghana's other two open needs and Niger's; the proposed one is not.
    assert!(swept.contains("3 need(s) listed as unmatched,"), "{swept}");
    assert!(notify_at(&app, days_from_now(32)).contains("0 need(s) listed as unmatched,"));
    let list = app.page("/matches/unmatched");
    for need in ["gha-2026-2", "gha-2026-3", "ner-2026-1"] {
        assert!(list.contains(&format!("need {need}")), "{need} listed");
    }
    assert!(!list.contains("need gha-2026-1<"));
    // The highest priority first, when asked.
    let priorities = |page: &str| -> Vec<String> {
        page.split("data-label=\"Priority\">")
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap().to_owned())
            .collect()
    };
    let ranked = priorities(&app.page("/matches/unmatched?sort=priority"));
    let rank = |p: &String| {
        ["High", "Medium", "Low"]
            .iter()
            .position(|r| r == p)
            .unwrap()
    };
    assert_eq!(ranked.len(), 3);
    assert!(
        ranked.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{ranked:?}"
    );
    assert_eq!(app.get("/matches/unmatched?sort=soonest").status(), 400);
    // Proposing takes a need off the list.
    open(&app, &focal, "gha-2026-2", "west-africa-law", "requested");
    let list = app.page("/matches/unmatched");
    assert!(!list.contains("need gha-2026-2<") && list.contains("need gha-2026-3<"));
    // It is the secretariat's list.
    assert_eq!(page_as(&app, &focal, "/matches/unmatched").0, 403);
}

fn subscribers_get_a_weekly_digest_of_new_needs_their_offerings_match(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let subscriber = app.person(&["editor:uni"]);
    let other = app.person(&["editor:ministry"]);
    let (_, account) = page_as(&app, &subscriber, "/account");
    assert!(account.contains("Weekly digest"));
    let saved = app.post_form_as(&subscriber, "/account/digest", &[("weekly_digest", "on")]);
    assert_eq!(saved.status(), 303);
    let (_, account) = page_as(&app, &subscriber, "/account");
    assert!(account.contains("name=\"weekly_digest\" checked"));
    app.import(NEEDS);
    let swept = notify_at(&app, days_from_now(1));
    assert!(swept.contains("1 digest(s) sent"), "{swept}");
    let mail = app.wait_for_mail(subscriber.email(), 1);
    assert!(
        mail.contains("gha-2026-2") && mail.contains("west-africa-law"),
        "{mail}"
    );
    assert!(
        !mail.contains("gha-2026-1"),
        "a need only the ministry's offering matches"
    );
    assert!(app.mail_to(other.email()).is_empty(), "not subscribed");
    assert!(
        notify_at(&app, days_from_now(2)).contains("0 digest(s) sent"),
        "once a week"
    );
    assert!(
        notify_at(&app, days_from_now(9)).contains("0 digest(s) sent"),
        "nothing new, nothing sent"
    );
}

on_both_backends!(
    subscribers_get_a_weekly_digest_of_new_needs_their_offerings_match,
    an_unanswered_proposal_reminds_once_then_goes_to_the_secretariat,
    needs_nobody_acted_on_for_thirty_days_are_listed_for_the_secretariat,
);
