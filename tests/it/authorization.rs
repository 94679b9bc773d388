//! Who may do what, through HTTP: every route that changes something, and
//! its form, asked by every kind of person. A refusal changes nothing.

use crate::common::{Backend, TestApp, Visitor, location};
use crate::on_both_backends;

/// The kinds of person the matrix asks as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    EditorOfThis,
    EditorOfAnother,
    FocalPointOfThis,
    FocalPointOfAnother,
    Secretariat,
    Disabled,
    Expired,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::EditorOfThis,
    Who::EditorOfAnother,
    Who::FocalPointOfThis,
    Who::FocalPointOfAnother,
    Who::Secretariat,
    Who::Disabled,
    Who::Expired,
];

/// What a person asks for: a form (GET) or a write (POST with fields
/// that fail validation, so an allowed person gets 422 and nothing is
/// written, while a refused one is refused whatever the fields).
struct Route {
    method: &'static str,
    path: String,
    fields: Vec<(&'static str, &'static str)>,
    allowed: &'static [Who],
}

fn people(app: &TestApp) -> Vec<(Who, Visitor)> {
    EVERYONE
        .iter()
        .map(|who| {
            let visitor = match who {
                Who::Anonymous => app.anonymous(),
                Who::EditorOfThis => app.person(&["editor:uni"]),
                Who::EditorOfAnother => app.person(&["editor:ministry"]),
                Who::FocalPointOfThis => app.person(&["focal-point:GHA"]),
                Who::FocalPointOfAnother => app.person(&["focal-point:KEN"]),
                Who::Secretariat => app.person(&["secretariat"]),
                Who::Disabled | Who::Expired => app.person(&["secretariat"]),
            };
            (*who, visitor)
        })
        .collect()
}

/// Disables one account and ages another's session past the absolute
/// limit, as the store would find them later.
fn end_sessions(app: &TestApp, disabled: &Visitor, expired: &Visitor) {
    use capmatch::db::schema::{accounts, sessions};
    use diesel::prelude::*;
    app.disable_account(disabled.email());
    let mut conn = app.storage.pool.get().unwrap();
    let long_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::hours(13);
    let account: i64 = accounts::table
        .filter(accounts::email.eq(expired.email()))
        .select(accounts::id)
        .first(&mut conn)
        .unwrap();
    diesel::update(sessions::table.filter(sessions::account_id.eq(account)))
        .set(sessions::created_at.eq(long_ago))
        .execute(&mut conn)
        .unwrap();
}

fn routes(assessment: &str, need: &str, account: i64, pending: &str, proposal: &str) -> Vec<Route> {
    use Who::*;
    let provider_editors: &'static [Who] = &[EditorOfThis, Secretariat];
    let focal_points: &'static [Who] = &[FocalPointOfThis, Secretariat];
    let signed_in: &'static [Who] = &[
        EditorOfThis,
        EditorOfAnother,
        FocalPointOfThis,
        FocalPointOfAnother,
        Secretariat,
    ];
    let get = |path: &str, allowed| Route {
        method: "GET",
        path: path.to_owned(),
        fields: vec![],
        allowed,
    };
    let post = |path: &str, fields: Vec<(&'static str, &'static str)>, allowed| Route {
        method: "POST",
        path: path.to_owned(),
        fields,
        allowed,
    };
    vec![
        get("/providers/new", &[Secretariat]),
        post("/providers", vec![("name", "")], &[Secretariat]),
        get("/providers/uni/edit", provider_editors),
        post(
            "/providers/uni",
            vec![("version", "1"), ("name", "")],
            provider_editors,
        ),
        post("/providers/uni/archive", vec![], provider_editors),
        post("/providers/uni/restore", vec![], provider_editors),
        get(
            "/offerings/new",
            &[EditorOfThis, EditorOfAnother, Secretariat],
        ),
        post(
            "/offerings",
            vec![("provider", "uni"), ("title", "")],
            provider_editors,
        ),
        get("/offerings/ghana-cert/edit", provider_editors),
        post(
            "/offerings/ghana-cert",
            vec![("version", "1"), ("provider", "uni"), ("title", "")],
            provider_editors,
        ),
        post("/offerings/ghana-cert/archive", vec![], provider_editors),
        post("/offerings/ghana-cert/restore", vec![], provider_editors),
        get("/countries/GHA/assessments/new", focal_points),
        post(
            "/countries/GHA/assessments",
            vec![("action", "submit")],
            focal_points,
        ),
        get(&format!("/assessments/{assessment}/edit"), focal_points),
        post(
            &format!("/assessments/{assessment}"),
            vec![("revision", "1"), ("action", "submit")],
            focal_points,
        ),
        post(
            &format!("/assessments/{assessment}/withdraw"),
            vec![("revision", "1"), ("withdrawn_reason", "")],
            focal_points,
        ),
        post(
            &format!("/assessments/{assessment}/needs/{need}/withdraw"),
            vec![("revision", "1"), ("withdrawn_reason", "")],
            focal_points,
        ),
        post(
            &format!("/assessments/{assessment}/visibility"),
            vec![("visibility", "registered")],
            focal_points,
        ),
        get(
            "/users",
            &[
                EditorOfThis,
                EditorOfAnother,
                FocalPointOfThis,
                FocalPointOfAnother,
                Secretariat,
            ],
        ),
        post(
            "/users/invitations",
            vec![("email", ""), ("role", "secretariat")],
            &[
                EditorOfThis,
                EditorOfAnother,
                FocalPointOfThis,
                FocalPointOfAnother,
                Secretariat,
            ],
        ),
        post(
            &format!("/users/{account}/roles/revoke"),
            vec![("role", "focal-point:SEN")],
            &[Secretariat],
        ),
        get("/audit", &[Secretariat]),
        get("/account", signed_in),
        post("/account/tokens", vec![("name", "")], signed_in),
        post("/account/digest", vec![], &[EditorOfThis, EditorOfAnother]),
        post(
            "/account/password",
            vec![("current_password", ""), ("new_password", "")],
            signed_in,
        ),
        post(&format!("/users/{account}/disable"), vec![], &[Secretariat]),
        get("/review", &[Secretariat]),
        post(
            &format!("/review/offerings/{pending}/return"),
            vec![("comment", "")],
            &[Secretariat],
        ),
        post(
            &format!("/review/offerings/{pending}/approve"),
            vec![],
            &[Secretariat],
        ),
        get("/matches", signed_in),
        get(proposal, signed_in),
        get("/matches/unmatched", &[Secretariat]),
        get("/reports/allocation", &[Secretariat]),
        get("/reports/follow-up", &[Secretariat]),
        get(
            &format!(
                "/matches/new?assessment={assessment}&need={assessment}-2&offering=ghana-cert&initiative=requested"
            ),
            focal_points,
        ),
        get(
            &format!(
                "/matches/new?assessment={assessment}&need={assessment}-2&offering=ghana-cert&initiative=offered"
            ),
            provider_editors,
        ),
        post(
            "/matches",
            vec![
                ("assessment", leak(assessment)),
                ("need", leak(&format!("{assessment}-2"))),
                ("offering", "ghana-cert"),
                ("initiative", "requested"),
                ("note", too_long()),
            ],
            focal_points,
        ),
        post(
            "/matches",
            vec![
                ("assessment", leak(assessment)),
                ("need", leak(&format!("{assessment}-2"))),
                ("offering", "ghana-cert"),
                ("initiative", "offered"),
                ("note", too_long()),
            ],
            provider_editors,
        ),
        // Declining needs a reason: the provider's side gets the form back.
        post(
            proposal,
            vec![("version", "1"), ("step", "decline")],
            provider_editors,
        ),
        // Cancelling needs one too, and either side may.
        post(
            proposal,
            vec![("version", "1"), ("step", "cancel")],
            &[EditorOfThis, FocalPointOfThis, Secretariat],
        ),
        get("/notifications", signed_in),
        post("/notifications/read", vec![], signed_in),
    ]
}

/// A note longer than any form takes (2,000 characters).
fn too_long() -> &'static str {
    leak(&"x".repeat(2001))
}

/// A string the route table can hold for the whole test.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn ask(app: &TestApp, visitor: &Visitor, route: &Route) -> reqwest::blocking::Response {
    match route.method {
        "GET" => app.get_as(visitor, &route.path),
        _ => app.post_form_as(visitor, &route.path, &route.fields),
    }
}

/// The directory and the assessments, and how many writes the audit log
/// holds (every write, accounts' too, appends to it).
fn snapshot(app: &TestApp) -> String {
    use capmatch::db::schema::audit_events;
    use diesel::prelude::*;
    let mut conn = app.storage.pool.get().unwrap();
    let writes: i64 = audit_events::table.count().get_result(&mut conn).unwrap();
    let document = capmatch::interchange::export(&mut conn).unwrap();
    format!(
        "{writes} writes\n{}",
        capmatch::interchange::to_json(&document)
    )
}

fn every_write_is_decided_by_role_and_scope(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let submitted = crate::assessments::submit_ghana(&app);
    let assessment = submitted.trim_start_matches("/assessments/").to_owned();
    let need = format!("{assessment}-1");
    let visitors = people(&app);
    let of = |who: Who| &visitors.iter().find(|(w, _)| *w == who).unwrap().1;
    end_sessions(&app, of(Who::Disabled), of(Who::Expired));
    app.add_account("someone@test.example", &["focal-point:SEN"]);
    let account: i64 = {
        use capmatch::db::schema::accounts;
        use diesel::prelude::*;
        let mut conn = app.storage.pool.get().unwrap();
        accounts::table
            .filter(accounts::email.eq("someone@test.example"))
            .select(accounts::id)
            .first(&mut conn)
            .unwrap()
    };
    // An offering an editor added, waiting for review.
    let added = app.post_form_as(
        &app.person(&["editor:uni"]),
        "/offerings",
        &[
            ("provider", "uni"),
            ("title", "Waiting"),
            ("description", "For review"),
            ("themes", "cybercrime.judiciary"),
            ("coverage_global", "on"),
            ("status", "active"),
        ],
    );
    let pending = location(&added)
        .trim_start_matches("/offerings/")
        .to_owned();
    // A proposal of Ghana's CERT need to the institute's CERT offering.
    let proposed = app.post_form(
        "/matches",
        &[
            ("assessment", &assessment),
            ("need", &format!("{assessment}-2")),
            ("offering", "ghana-cert"),
            ("initiative", "requested"),
        ],
    );
    let proposal = location(&proposed);
    assert!(proposal.starts_with("/matches/"), "{proposal}");
    let mut before = snapshot(&app);
    for route in routes(&assessment, &need, account, &pending, &proposal) {
        for (who, visitor) in &visitors {
            let answer = ask(&app, visitor, &route);
            let status = answer.status().as_u16();
            let at = format!("{who:?} {} {}", route.method, route.path);
            if route.allowed.contains(who) {
                assert!(
                    matches!(status, 200 | 303 | 422),
                    "{at}: allowed, answered {status}"
                );
                if status == 303 {
                    assert!(!location(&answer).starts_with("/sign-in"), "{at}");
                }
                // Archiving and restoring do change the record.
                before = snapshot(&app);
                continue;
            }
            match who {
                Who::Anonymous | Who::Disabled | Who::Expired => {
                    assert_eq!(status, 303, "{at}: sent to sign in");
                    let to = location(&answer);
                    assert!(to.starts_with("/sign-in"), "{at}: {to}");
                    if route.method == "GET" {
                        assert!(to.contains("next=%2F"), "{at}: comes back: {to}");
                    }
                }
                _ => {
                    assert_eq!(status, 403, "{at}: refused");
                    let page = answer.text().unwrap();
                    assert!(page.contains("may do this"), "{at}: says who may");
                }
            }
            assert_eq!(snapshot(&app), before, "{at}: nothing changed");
        }
    }
}

/// An editor saves their own provider and adds an offering to it; a focal
/// point submits their country's assessment: the permitted writes succeed.
fn permitted_people_save(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let editor = app.person(&["editor:uni"]);
    let saved = app.post_form_as(
        &editor,
        "/providers/uni",
        &[
            ("version", "1"),
            ("name", "Cyber Institute of Ghana"),
            ("kind", "academia"),
        ],
    );
    assert_eq!(location(&saved), "/providers/uni");
    let added = app.post_form_as(&editor, "/offerings", &crate::fixtures::NEW_OFFERING);
    assert_eq!(added.status(), 303);
    // Moving the new offering to a provider the editor does not edit is
    // refused, and it stays where it was.
    let key = location(&added)
        .trim_start_matches("/offerings/")
        .to_owned();
    let moved = app.post_form_as(
        &editor,
        &format!("/offerings/{key}"),
        &[
            ("version", "1"),
            ("provider", "ministry"),
            ("title", "Forensics for prosecutors"),
            ("description", "A week in Accra"),
            ("themes", "cybercrime.judiciary"),
            ("coverage_global", "on"),
            ("status", "active"),
        ],
    );
    assert_eq!(moved.status(), 403);
    assert_eq!(
        app.json(&format!("/api/v1/offerings/{key}"))["provider"],
        "uni"
    );
    // The offering form lists only the providers the editor may add to.
    let form = app.text_as(&editor, "/offerings/new");
    assert!(form.contains("value=\"uni\""));
    assert!(
        !form.contains("value=\"ministry\""),
        "no other provider offered"
    );

    let focal = app.person(&["focal-point:GHA"]);
    let submitted = crate::assessments::post(
        &app,
        "/countries/GHA/assessments",
        "submit",
        &[("submitted_by", "Ministry")],
        &[crate::assessments::need(
            0,
            "cybercrime.judiciary",
            "high",
            "1",
            "3",
            "Judges trained",
        )],
    );
    assert_eq!(submitted.status(), 303, "the secretariat submits");
    let row = crate::assessments::need(0, "cybercrime.judiciary", "high", "1", "3", "Judges");
    let mut fields = vec![("action", "submit"), ("submitted_by", "Ministry")];
    fields.extend(crate::common::pairs(&row));
    let own = app.post_form_as(&focal, "/countries/GHA/assessments", &fields);
    assert_eq!(own.status(), 303, "the focal point submits");
}

/// Pages offer only what the person may do.
fn pages_offer_only_what_the_person_may_do(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let editor = app.person(&["editor:uni"]);
    let page = |visitor: &Visitor, path: &str| app.text_as(visitor, path);
    let own = page(&editor, "/providers/uni");
    assert!(own.contains("Edit provider") && own.contains("Add an offering"));
    let other = page(&editor, "/providers/ministry");
    assert!(!other.contains("Edit provider") && !other.contains("/archive"));
    let anonymous = app.anonymous();
    for path in ["/providers/uni", "/offerings/ghana-cert", "/countries/GHA"] {
        let shown = app.get_as(&anonymous, path);
        assert!(
            shown.headers().get("set-cookie").is_none(),
            "{path}: no form, no cookie"
        );
        let shown = shown.text().unwrap();
        assert!(!shown.contains("csrf_token"), "{path}: no form for nobody");
        assert!(!shown.contains("Start a needs assessment"), "{path}");
        assert!(
            shown.contains("href=\"/sign-in\""),
            "{path}: a way to sign in"
        );
    }
    let focal = app.person(&["focal-point:GHA"]);
    assert!(page(&focal, "/countries/GHA").contains("Start a needs assessment"));
    assert!(!page(&focal, "/countries/KEN").contains("Start a needs assessment"));
}

on_both_backends!(
    every_write_is_decided_by_role_and_scope,
    permitted_people_save,
    pages_offer_only_what_the_person_may_do,
);
