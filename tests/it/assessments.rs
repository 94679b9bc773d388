//! Needs assessments through the forms: drafts, submission, bad submissions
//! that keep every row, revisions with their history, withdrawal, and two
//! people saving the same assessment at once.

use crate::common::{
    Backend, TestApp, assert_answers, assert_field_error, location, pairs, strings, submitted,
};
use crate::on_both_backends;

const HOSTILE: &str = "<script>alert(\"x\")</script> & 'quotes'";

/// The fields of need row `i`.
pub fn need(
    i: usize,
    theme: &str,
    priority: &str,
    current: &str,
    target: &str,
    description: &str,
) -> Vec<(String, String)> {
    let field = |name: &str| format!("needs[{i}][{name}]");
    vec![
        (field("theme"), theme.to_owned()),
        (field("priority"), priority.to_owned()),
        (field("current_stage"), current.to_owned()),
        (field("target_stage"), target.to_owned()),
        (field("description"), description.to_owned()),
        (field("modalities"), "training".to_owned()),
        (field("languages"), "en".to_owned()),
        (field("languages"), "fr".to_owned()),
        (field("wanted_by"), "2099-06-30".to_owned()),
    ]
}

pub fn post(
    app: &TestApp,
    path: &str,
    action: &str,
    extra: &[(&str, &str)],
    rows: &[Vec<(String, String)>],
) -> reqwest::blocking::Response {
    let mut fields: Vec<(&str, &str)> = vec![("action", action)];
    fields.extend_from_slice(extra);
    for row in rows {
        fields.extend(row.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    app.post_form(path, &fields)
}

/// Submits a two-need assessment for Ghana and returns its address.
pub fn submit_ghana(app: &TestApp) -> String {
    let response = post(
        app,
        "/countries/GHA/assessments",
        "submit",
        &[
            ("submitted_by", "Ministry of Communications"),
            ("contact", "cyber@moc.gov.gh"),
        ],
        &[
            need(
                0,
                "cybercrime.judiciary",
                "low",
                "1",
                "3",
                "Judges trained on electronic evidence",
            ),
            need(1, "incident-ciip.cert", "high", "2", "4", "A national CERT"),
        ],
    );
    assert_eq!(response.status(), 303);
    submitted(&response)
}

fn a_draft_may_be_incomplete_and_rows_come_and_go_without_javascript(backend: Backend) {
    let app = TestApp::empty(backend);
    let form = app.page("/countries/GHA/assessments/new");
    assert!(form.contains("<label for=\"need-0-theme\">Sub-theme</label>"));
    assert!(!form.contains("need-1-theme"), "one row to start with");
    let typed = need(0, "cybercrime.judiciary", "", "", "", "Half-written");
    let added = post(
        &app,
        "/countries/GHA/assessments",
        "add-need",
        &[("note", "Kept")],
        std::slice::from_ref(&typed),
    );
    assert_eq!(added.status(), 200);
    let page = added.text().unwrap();
    assert!(page.contains("id=\"need-1-theme\""), "a second row");
    assert!(
        page.contains(">Half-written</textarea>") && page.contains(">Kept</textarea>"),
        "input kept"
    );
    let mut second = need(1, "incident-ciip.cert", "", "", "", "Second");
    second.retain(|(k, _)| !k.ends_with("wanted_by"));
    let removed = post(
        &app,
        "/countries/GHA/assessments",
        "remove-need-0",
        &[],
        &[typed, second],
    );
    let page = removed.text().unwrap();
    assert!(
        !page.contains("Half-written") && page.contains(">Second</textarea>"),
        "first row removed"
    );
    let saved = post(
        &app,
        "/countries/GHA/assessments",
        "save-draft",
        &[],
        &[need(0, "cybercrime.judiciary", "", "", "", "")],
    );
    assert_eq!(saved.status(), 303);
    let path = location(&saved);
    assert!(path.starts_with("/assessments/gha-"), "{path}");
    let (_, page) = app.get_text(&path);
    assert!(page.contains("<span class=\"badge\">Draft</span>"));
    assert!(page.contains("Prosecutors and judges"));
    let (_, country) = app.get_json("/api/v1/countries/GHA");
    assert_eq!(country["assessments"][0]["status"], "draft");
    assert_eq!(
        country["assessments"][0]["needs"][0]["priority"],
        serde_json::Value::Null
    );
    // Codes are checked even in drafts.
    let wrong = post(
        &app,
        "/countries/GHA/assessments",
        "save-draft",
        &[],
        &[need(0, "nonsense", "urgent", "0", "9", "x")],
    );
    assert_eq!(wrong.status(), 422);
}

fn a_submitted_assessment_lists_its_open_needs_by_priority(backend: Backend) {
    let app = TestApp::empty(backend);
    let path = submit_ghana(&app);
    let (_, page) = app.get_text(&path);
    assert!(page.contains("<span class=\"badge\">Submitted</span>"));
    assert!(page.contains("Ministry of Communications"));
    let (_, country) = app.get_text("/countries/GHA");
    let high = country.find("A national CERT").unwrap();
    let low = country
        .find("Judges trained on electronic evidence")
        .unwrap();
    assert!(high < low, "high priority first");
    assert!(country.contains(&format!("href=\"{path}\"")));
    let (_, json) = app.get_json("/api/v1/countries/GHA");
    let needs = &json["assessments"][0]["needs"];
    assert_eq!(needs[0]["current_stage"], 1);
    assert_eq!(needs[0]["target_stage"], 3);
    assert_eq!(needs[0]["languages"], serde_json::json!(["en", "fr"]));
    assert_eq!(
        needs[1]["key"],
        format!("{}-2", path.trim_start_matches("/assessments/"))
    );
}

fn a_bad_submission_keeps_every_row_and_names_every_problem(backend: Backend) {
    let app = TestApp::empty(backend);
    let mut past = need(1, "incident-ciip.cert", "high", "4", "2", HOSTILE);
    past.retain(|(k, _)| !k.ends_with("wanted_by"));
    past.push(("needs[1][wanted_by]".into(), "2001-01-01".into()));
    let response = post(
        &app,
        "/countries/GHA/assessments",
        "submit",
        &[("submitted_by", HOSTILE), ("contact", "not-an-email")],
        &[
            need(0, "cybercrime", "", "1", "3", "Parent theme, no priority"),
            past,
            need(2, "culture-skills.awareness", "medium", "1", "2", "Fine"),
        ],
    );
    assert_eq!(response.status(), 422);
    let page = response.text().unwrap();
    for (field, message) in [
        ("contact", "is not a valid e-mail address"),
        ("need-0-theme", "Choose a sub-theme, not a whole theme."),
        ("need-1-target_stage", "must be above the current stage"),
        ("need-1-wanted_by", "must not be in the past"),
    ] {
        assert_field_error(&page, field, message);
    }
    assert!(
        page.contains(">Parent theme, no priority</textarea>") && page.contains(">Fine</textarea>"),
        "rows kept"
    );
    assert!(page.contains("value=\"2001-01-01\""));
    assert!(page.contains("<option value=\"4\" selected>4 Strategic</option>"));
    assert!(!page.contains("<script>alert"), "escaped");
    let (_, json) = app.get_json("/api/v1/countries/GHA");
    assert_eq!(json["assessments"], serde_json::json!([]), "nothing saved");
    let empty = post(&app, "/countries/GHA/assessments", "submit", &[], &[]);
    assert_answers(empty, 422, "add at least one need before submitting");
}

fn revising_keeps_earlier_revisions_and_shows_what_changed(backend: Backend) {
    let app = TestApp::empty(backend);
    let path = submit_ghana(&app);
    let key = path.trim_start_matches("/assessments/").to_owned();
    let form = app.page(&format!("{path}/edit"));
    assert!(form.contains("name=\"revision\" value=\"1\""));
    assert!(form.contains(&format!("name=\"needs[1][key]\" value=\"{key}-2\"")));
    // Drop the judges need, lower the CERT's priority, add awareness.
    let mut cert = need(
        0,
        "incident-ciip.cert",
        "medium",
        "2",
        "4",
        "A national CERT",
    );
    cert.push(("needs[0][key]".into(), format!("{key}-2")));
    let response = post(
        &app,
        &path,
        "submit",
        &[
            ("revision", "1"),
            ("submitted_by", "Ministry of Communications"),
            ("contact", "cyber@moc.gov.gh"),
        ],
        &[
            cert,
            need(
                1,
                "culture-skills.awareness",
                "high",
                "1",
                "2",
                "Awareness campaign",
            ),
        ],
    );
    assert_eq!(response.status(), 303);
    let (_, latest) = app.get_text(&path);
    assert!(latest.contains("revision 2 of 2"));
    assert!(
        latest.contains(&format!("Need <code>{key}-3</code> added")),
        "{latest}"
    );
    assert!(latest.contains(&format!("Need <code>{key}-1</code> removed")));
    assert!(latest.contains(&format!(
        "Need <code>{key}-2</code> changed: priority “High” → “Medium”"
    )));
    let first = app.page(&format!("{path}/revisions/1"));
    assert!(first.contains("This is an earlier revision"));
    assert!(
        first.contains("Judges trained on electronic evidence"),
        "the old revision is intact"
    );
    assert!(!first.contains("Awareness campaign"));
    assert_eq!(app.get(&format!("{path}/revisions/9")).status(), 404);
    assert_eq!(app.get(&format!("{path}/revisions/x")).status(), 404);
    assert_eq!(app.get("/assessments/nothing").status(), 404);
}

fn withdrawing_needs_and_assessments_is_asked_first_and_takes_a_reason(backend: Backend) {
    let app = TestApp::empty(backend);
    let path = submit_ghana(&app);
    let key = path.trim_start_matches("/assessments/").to_owned();
    let need_path = format!("{path}/needs/{key}-1/withdraw");
    // The assessment's page links to a page that asks first; it withdraws
    // nothing by being opened.
    let (_, page) = app.get_text(&path);
    assert!(page.contains(&format!("href=\"{need_path}\"")), "{page}");
    assert!(page.contains(&format!("href=\"{path}/withdraw\"")));
    let asked = app.page(&need_path);
    assert!(asked.contains("<h1>Withdraw the need for "), "{asked}");
    assert!(asked.contains("It cannot be taken back"));
    assert!(asked.contains("name=\"revision\" value=\"1\""));
    assert!(asked.contains(&format!("<a href=\"{path}\">No, go back</a>")));
    assert!(
        app.page(&path)
            .contains("<span class=\"badge\">Open</span>")
    );
    // A missing reason comes back on that page, as a sentence at its field.
    let no_reason = app.post_form(&need_path, &[("revision", "1"), ("withdrawn_reason", " ")]);
    assert_eq!(no_reason.status(), 422);
    let page = no_reason.text().unwrap();
    assert!(
        page.contains("<title>Error: Withdraw the need for "),
        "{page}"
    );
    assert_field_error(&page, "withdrawn_reason", "Give a reason for withdrawing.");
    assert!(page.contains(&format!("action=\"{need_path}\"")));
    let withdrawn = app.post_form(
        &need_path,
        &[("revision", "1"), ("withdrawn_reason", HOSTILE)],
    );
    assert_eq!(location(&withdrawn), path);
    let (_, page) = app.get_text(&path);
    assert!(
        page.contains("Need withdrawn. It is no longer matched."),
        "the banner"
    );
    assert!(page.contains("<span class=\"badge\">Withdrawn</span>"));
    assert!(page.contains("&#60;script&#62;") && !page.contains("<script>alert"));
    assert!(!app.page(&path).contains("Need withdrawn."), "shown once");
    assert_eq!(
        app.get(&need_path).status(),
        409,
        "a need is withdrawn once"
    );
    let again = app.post_form(
        &need_path,
        &[("revision", "2"), ("withdrawn_reason", "Twice")],
    );
    assert_eq!(again.status(), 409);
    let (_, country) = app.get_text("/countries/GHA");
    assert!(
        !country.contains("Judges trained on electronic evidence"),
        "no longer an open need"
    );
    assert!(country.contains("A national CERT"));
    assert!(
        app.page(&format!("{path}/withdraw"))
            .contains("<h1>Withdraw the needs assessment")
    );
    let stale = app.post_form(
        &format!("{path}/withdraw"),
        &[("revision", "1"), ("withdrawn_reason", "Duplicate")],
    );
    assert_eq!(stale.status(), 409, "revision 1 is no longer the latest");
    let done = app.post_form(
        &format!("{path}/withdraw"),
        &[
            ("revision", "2"),
            ("withdrawn_reason", "Replaced by the 2027 assessment"),
        ],
    );
    assert_eq!(done.status(), 303);
    let (_, page) = app.get_text(&path);
    assert!(page.contains("Needs assessment withdrawn."));
    assert!(page.contains("Withdrawn: Replaced by the 2027 assessment"));
    assert!(!page.contains("/withdraw\""), "nothing is left to withdraw");
    assert_eq!(app.get(&format!("{path}/edit")).status(), 409);
    assert_eq!(
        app.get(&format!("{path}/withdraw")).status(),
        409,
        "once is all"
    );
    assert_eq!(app.get(&need_path).status(), 409);
    let (_, country) = app.get_text("/countries/GHA");
    assert!(country.contains("No open needs."));
}

fn the_second_of_two_concurrent_saves_is_told_and_nothing_is_lost(backend: Backend) {
    let app = TestApp::empty(backend);
    let path = submit_ghana(&app);
    let key = path.trim_start_matches("/assessments/").to_owned();
    let second_person = app.another_visitor();
    let keyed = |i: usize, n: usize, priority: &str, description: &str| {
        let mut row = need(i, "cybercrime.judiciary", priority, "1", "3", description);
        row.push((format!("needs[{i}][key]"), format!("{key}-{n}")));
        row
    };
    // Both opened revision 1. The first saves.
    let first = post(
        &app,
        &path,
        "submit",
        &[("revision", "1")],
        &[keyed(0, 1, "high", "First person's words")],
    );
    assert_eq!(first.status(), 303);
    // The second saves on top of revision 1 too.
    let mut fields: Vec<(String, String)> = vec![
        ("action".into(), "submit".into()),
        ("revision".into(), "1".into()),
    ];
    fields.extend(keyed(0, 1, "low", "Second person's words"));
    let borrowed = pairs(&fields);
    let second = app.post_form_as(&second_person, &path, &borrowed);
    assert_eq!(second.status(), 409);
    let page = second.text().unwrap();
    assert!(page.contains("Someone else saved this assessment while you were editing"));
    assert!(
        page.contains(">Second person&#39;s words</textarea>"),
        "their input is kept"
    );
    assert!(
        page.contains("name=\"revision\" value=\"2\""),
        "now based on the latest"
    );
    let (_, latest) = app.get_text(&path);
    assert!(
        latest.contains("First person&#39;s words") && latest.contains("revision 2 of 2"),
        "the first save stands"
    );
    // Saving again, knowingly, makes the second person's the next revision.
    let mut fields: Vec<(String, String)> = vec![
        ("action".into(), "submit".into()),
        ("revision".into(), "2".into()),
    ];
    fields.extend(keyed(0, 1, "low", "Second person's words"));
    let borrowed = pairs(&fields);
    assert_eq!(
        app.post_form_as(&second_person, &path, &borrowed).status(),
        303
    );
    let (_, second_revision) = app.get_text(&format!("{path}/revisions/2"));
    assert!(
        second_revision.contains("First person&#39;s words"),
        "still in the history"
    );
}

fn hostile_text_is_kept_as_typed_and_escaped_everywhere_it_shows(backend: Backend) {
    let app = TestApp::empty(backend);
    let response = post(
        &app,
        "/countries/GHA/assessments",
        "submit",
        &[("submitted_by", HOSTILE), ("note", HOSTILE)],
        &[need(0, "cybercrime.judiciary", "high", "1", "3", HOSTILE)],
    );
    assert_eq!(response.status(), 303);
    let path = submitted(&response);
    for page in [
        path.clone(),
        format!("{path}/revisions/1"),
        format!("{path}/edit"),
        "/countries/GHA".to_owned(),
    ] {
        let (status, body) = app.get_text(&page);
        assert_eq!(status, 200, "{page}");
        assert!(!body.contains("<script>alert"), "{page}");
        assert!(
            body.contains(
                "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;"
            ),
            "{page}"
        );
    }
    let (_, json) = app.get_json("/api/v1/countries/GHA");
    assert_eq!(
        json["assessments"][0]["note"], HOSTILE,
        "stored exactly as typed"
    );
}

/// A need's key is its identity, which its matches and history hang on:
/// a posted row keeps one only where the revision it revises has a need so
/// keyed. A removed need's key, another country's, or one made up gives a
/// new need with a key of its own.
fn a_posted_row_cannot_take_another_needs_key(backend: Backend) {
    let app = TestApp::empty(backend);
    let path = submit_ghana(&app);
    let key = path.trim_start_matches("/assessments/").to_owned();
    let keyed = |i: usize, need_key: &str, description: &str| {
        let mut row = need(i, "cybercrime.judiciary", "high", "1", "3", description);
        row.push((format!("needs[{i}][key]"), need_key.to_owned()));
        row
    };
    let first = format!("{key}-1");
    let removed = format!("{key}-2");
    let without_second = post(
        &app,
        &path,
        "submit",
        &[("revision", "1")],
        &[keyed(0, &first, "Judges")],
    );
    assert_eq!(without_second.status(), 303);
    let forged = post(
        &app,
        &path,
        "submit",
        &[("revision", "2")],
        &[
            keyed(0, &first, "Judges"),
            keyed(1, &removed, "A different need in the removed need's place"),
            keyed(2, "ken-2026-1", "Under another country's key"),
        ],
    );
    assert_eq!(forged.status(), 303);
    let (_, json) = app.get_json("/api/v1/countries/GHA");
    let needs = &json["assessments"][0]["needs"];
    assert_eq!(
        strings(needs, "key"),
        [first, format!("{key}-3"), format!("{key}-4")],
        "new needs, with keys of their own"
    );
    assert_eq!(
        strings(needs, "description")[1],
        "A different need in the removed need's place"
    );
}

/// A file's need keys are the needs' identities, which its matches name:
/// imported as given, gaps and all, and the same file again changes nothing.
fn a_files_need_keys_are_kept_as_given(backend: Backend) {
    let app = TestApp::empty(backend);
    let gapped = crate::fixtures::ASSESSMENTS.replace("gha-2026-1", "gha-2026-7");
    let revision = || {
        let mut conn = app.storage.pool.get().unwrap();
        capmatch::db::assessments::find(&mut conn, "gha-2026")
            .unwrap()
            .latest
            .number
    };
    for _ in 0..2 {
        app.import(&gapped);
        let (_, json) = app.get_json("/api/v1/countries/GHA");
        assert_eq!(
            strings(&json["assessments"][0]["needs"], "key"),
            ["gha-2026-7", "gha-2026-2"]
        );
        assert_eq!(revision(), 1, "imported again, nothing changes");
    }
}

fn posted_keys_and_revisions_cannot_break_an_assessment(backend: Backend) {
    let app = TestApp::empty(backend);
    let path = submit_ghana(&app);
    let key = path.trim_start_matches("/assessments/").to_owned();
    // A row that invents the key the next new need would get, beside a new row.
    let mut kept = need(0, "cybercrime.judiciary", "high", "1", "3", "Judges");
    kept.push(("needs[0][key]".into(), format!("{key}-1")));
    let mut invented = need(1, "incident-ciip.cert", "high", "1", "3", "Invented key");
    invented.push(("needs[1][key]".into(), format!("{key}-3")));
    let fresh = need(2, "culture-skills.awareness", "low", "1", "2", "New row");
    let response = post(
        &app,
        &path,
        "submit",
        &[("revision", "1")],
        &[kept, invented, fresh],
    );
    assert_eq!(response.status(), 303);
    let (_, json) = app.get_json("/api/v1/countries/GHA");
    let keys: Vec<&str> = strings(&json["assessments"][0]["needs"], "key");
    assert_eq!(
        keys,
        [format!("{key}-1"), format!("{key}-3"), format!("{key}-4")],
        "the new row skips every key in use"
    );
    let mut row = need(0, "cybercrime.judiciary", "high", "1", "3", "Judges");
    row.push(("needs[0][key]".into(), format!("{key}-1")));
    let overflow = post(&app, &path, "submit", &[("revision", "2147483647")], &[row]);
    assert_eq!(
        overflow.status(),
        409,
        "no revision follows the largest number"
    );
    let overflow = app.post_form(
        &format!("{path}/withdraw"),
        &[("revision", "2147483647"), ("withdrawn_reason", "overflow")],
    );
    assert_eq!(overflow.status(), 409);
    assert_eq!(
        app.post_form(
            &format!("{path}/withdraw"),
            &[("revision", "2"), ("withdrawn_reason", "Done")]
        )
        .status(),
        303
    );
    assert_eq!(
        app.post_form(
            &format!("{path}/withdraw"),
            &[("revision", "3"), ("withdrawn_reason", "Again")]
        )
        .status(),
        409
    );
    let need_path = format!("{path}/needs/{key}-1/withdraw");
    assert_eq!(
        app.post_form(
            &need_path,
            &[("revision", "3"), ("withdrawn_reason", "Late")]
        )
        .status(),
        409
    );
}

fn assessments_saved_at_the_same_time_are_all_kept(backend: Backend) {
    let app = TestApp::empty(backend);
    let results: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let app = &app;
                scope.spawn(move || {
                    let visitor = app.another_visitor();
                    let row = need(
                        0,
                        "cybercrime.judiciary",
                        "high",
                        "1",
                        "3",
                        &format!("Need {i}"),
                    );
                    let mut fields: Vec<(&str, &str)> = vec![("action", "submit")];
                    fields.extend(row.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    app.post_form_as(&visitor, "/countries/KEN/assessments", &fields)
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.iter().all(|s| *s == 303), "{results:?}");
    let (_, json) = app.get_json("/api/v1/countries/KEN");
    assert_eq!(json["assessments"].as_array().unwrap().len(), 8);
}

/// The hidden fields of a page's form, as a browser would post them.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    // As a browser reads attribute values: every character reference.
    let unescaped = |text: &str| {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let (reference, after) = rest[at + 1..].split_once(';').unwrap();
            out.push(match reference {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                number => char::from_u32(number.trim_start_matches('#').parse().unwrap()).unwrap(),
            });
            rest = after;
        }
        out + rest
    };
    page.split(r#"<input type="hidden" name=""#)
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once(r#"" value=""#).unwrap();
            let value = rest.split_once('"').unwrap().0;
            (unescaped(name), unescaped(value))
        })
        .collect()
}

/// Continue shows every answer before anything is saved; each can be
/// changed with the keyboard landing on it; submitting from the check
/// saves exactly what was typed and confirms it on a page of its own.
fn answers_are_checked_before_submitting_and_the_submission_confirmed(backend: Backend) {
    let app = TestApp::empty(backend);
    let form = app.page("/countries/GHA/assessments/new");
    let in_form = form.split(r#"<form class="record""#).nth(1).unwrap();
    let first_button = in_form.split("<button").nth(1).unwrap();
    assert!(
        first_button.contains(r#"value="check""#),
        "Enter in a field continues to the check: {first_button}"
    );
    assert!(
        form.contains("Stages of the Cybersecurity Capacity Maturity Model: 1 start-up"),
        "the maturity stages are explained at the field"
    );
    let rows = [
        need(0, "cybercrime.judiciary", "high", "1", "3", HOSTILE),
        need(1, "incident-ciip.cert", "low", "2", "4", "A national CERT"),
    ];
    let check = post(
        &app,
        "/countries/GHA/assessments",
        "check",
        &[("submitted_by", "Ministry of Communications")],
        &rows,
    );
    assert_eq!(check.status(), 200);
    let page = check.text().unwrap();
    assert!(page.contains("<h1>Check the needs assessment for Ghana</h1>"));
    assert!(page.contains("Prosecutors and judges") && page.contains("1 Start-up"));
    assert!(!page.contains("<script>alert") && page.contains(&crate::common::escaped(HOSTILE)));
    assert!(
        app.json("/api/v1/countries/GHA")["assessments"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing is saved by the check"
    );
    let carried = hidden_fields(&page);
    let with = |action: &str| {
        let mut fields: Vec<(&str, &str)> = carried
            .iter()
            .filter(|(name, _)| name != "csrf_token")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        fields.push(("action", action));
        app.post_form("/countries/GHA/assessments", &fields)
    };
    // Change need 2: the form comes back as typed, focus on that need.
    let change = with("change-need-1");
    assert_eq!(change.status(), 200);
    let form = change.text().unwrap();
    assert!(form.contains(r#"id="need-1-theme" name="needs[1][theme]" autofocus"#));
    assert!(form.contains(">A national CERT</textarea>"));
    assert_eq!(form.matches(" autofocus").count(), 1);
    let change = with("change").text().unwrap();
    assert!(change.contains(r#"value="Ministry of Communications" maxlength="200" autofocus"#));
    // Submit from the check.
    let response = with("submit");
    assert_eq!(response.status(), 303);
    let path = submitted(&response);
    let country = app.json("/api/v1/countries/GHA");
    let json = &country["assessments"][0];
    assert_eq!(json["status"], "submitted");
    assert_eq!(json["needs"][0]["description"], HOSTILE, "saved as typed");
    assert_eq!(
        json["needs"][1]["languages"],
        serde_json::json!(["en", "fr"])
    );
    let confirmation = app.page(&format!("{path}/submitted"));
    let key = path.trim_start_matches("/assessments/");
    assert!(confirmation.contains(&format!("Your reference<br><strong>{key}</strong>")));
    assert!(confirmation.contains("2 open needs"));
    assert!(confirmation.contains(r#"<a href="/reports/countries/GHA">"#));
    assert!(confirmation.contains("Who may read it:"));
    // A check with problems is the form with them, not the check.
    let bad = post(
        &app,
        "/countries/GHA/assessments",
        "check",
        &[],
        &[need(0, "cybercrime.judiciary", "", "1", "3", "")],
    );
    assert_eq!(bad.status(), 422);
    assert_field_error(&bad.text().unwrap(), "need-0-priority", "");
    // Nobody who may not read it is shown the confirmation.
    let stranger = app.anonymous();
    let restricted = app.post_form(
        &format!("{path}/visibility"),
        &[("visibility", "restricted")],
    );
    assert_eq!(restricted.status(), 303);
    let answer = app.get_as(&stranger, &format!("{path}/submitted"));
    assert_eq!(answer.status(), 303, "sent to sign in");
    assert!(location(&answer).starts_with("/sign-in"));
}

/// After adding a row the keyboard is on it; after removing one, on the
/// row that took its place. A country with an assessment under way is
/// told so when it starts another.
fn focus_follows_rows_and_a_second_assessment_is_warned_of(backend: Backend) {
    let app = TestApp::empty(backend);
    let typed = need(0, "cybercrime.judiciary", "", "", "", "First");
    let added = post(
        &app,
        "/countries/GHA/assessments",
        "add-need",
        &[],
        std::slice::from_ref(&typed),
    );
    let page = added.text().unwrap();
    assert!(page.contains(r#"id="need-1-theme" name="needs[1][theme]" autofocus"#));
    let second = need(1, "incident-ciip.cert", "", "", "", "Second");
    let third = need(2, "incident-ciip.cert", "", "", "", "Third");
    let removed = post(
        &app,
        "/countries/GHA/assessments",
        "remove-need-1",
        &[],
        &[typed.clone(), second, third],
    )
    .text()
    .unwrap();
    assert!(removed.contains(r#"id="need-1-theme" name="needs[1][theme]" autofocus"#));
    assert!(removed.contains(">Third</textarea>") && !removed.contains(">Second</textarea>"));
    let form = app.page("/countries/GHA/assessments/new");
    assert!(!form.contains("under way"));
    let draft = post(
        &app,
        "/countries/GHA/assessments",
        "save-draft",
        &[],
        &[typed],
    );
    let path = location(&draft);
    let form = app.page("/countries/GHA/assessments/new");
    assert!(form.contains("Ghana already has an assessment under way"));
    assert!(form.contains(&format!(r#"<a href="{path}/edit">continue this draft</a>"#)));
    // A revision asks for every need in full, and says so.
    let submitted_path = submit_ghana(&app);
    let revise = app.page(&format!("{submitted_path}/edit"));
    assert!(!revise.contains("A draft may be incomplete"));
    assert!(revise.contains("you check your answers before the revision is submitted"));
}

on_both_backends!(
    a_files_need_keys_are_kept_as_given,
    a_posted_row_cannot_take_another_needs_key,
    posted_keys_and_revisions_cannot_break_an_assessment,
    answers_are_checked_before_submitting_and_the_submission_confirmed,
    focus_follows_rows_and_a_second_assessment_is_warned_of,
    assessments_saved_at_the_same_time_are_all_kept,
    hostile_text_is_kept_as_typed_and_escaped_everywhere_it_shows,
    a_draft_may_be_incomplete_and_rows_come_and_go_without_javascript,
    a_submitted_assessment_lists_its_open_needs_by_priority,
    a_bad_submission_keeps_every_row_and_names_every_problem,
    revising_keeps_earlier_revisions_and_shows_what_changed,
    withdrawing_needs_and_assessments_is_asked_first_and_takes_a_reason,
    the_second_of_two_concurrent_saves_is_told_and_nothing_is_lost,
);
