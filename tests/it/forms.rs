//! Creating, editing and archiving through the web forms: good posts
//! redirect, bad ones come back 422 with the input kept and every problem named.

use crate::common::{
    Backend, TestApp, assert_answers, assert_field_error, assert_summary_in_page_order, location,
    pairs, summary_links, token_in,
};
use crate::on_both_backends;

const HOSTILE: &str = "<script>alert(\"x\")</script> & 'quotes' \"double\"";

fn good_provider_post_redirects_to_the_record(backend: Backend) {
    let app = TestApp::empty(backend);
    let response = app.post_form(
        "/providers",
        &[
            ("name", "  Global Forum on Cyber Expertise "),
            ("kind", "intergovernmental"),
            ("hq_country", "NLD"),
            ("website", "https://thegfce.org"),
            ("email", "contact@thegfce.org"),
            ("description", "Coordinates capacity building"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/providers/global-forum-on-cyber-expertise"
    );
    let page = app.page("/providers/global-forum-on-cyber-expertise");
    assert!(
        page.contains("<h1>Global Forum on Cyber Expertise</h1>"),
        "trimmed"
    );
    assert!(page.contains("Netherlands"));
    // The same name again gets the next free key.
    let again = app.post_form(
        "/providers",
        &[
            ("name", "Global Forum on Cyber Expertise"),
            ("kind", "government"),
        ],
    );
    assert_eq!(
        location(&again),
        "/providers/global-forum-on-cyber-expertise-2"
    );
}

fn bad_provider_post_keeps_input_and_names_every_problem(backend: Backend) {
    let app = TestApp::empty(backend);
    let long_name = "n".repeat(201);
    let response = app.post_form(
        "/providers",
        &[
            ("key", "Not A Key"),
            ("name", &long_name),
            ("kind", "ngo"),
            ("hq_country", "XXX"),
            ("website", "javascript:alert(1)"),
            ("email", "not-an-email"),
            ("description", HOSTILE),
        ],
    );
    assert_eq!(response.status(), 422);
    let page = response.text().unwrap();
    assert!(page.contains("6 problems to fix before saving"), "{page}");
    for (field, message) in [
        ("key", "may hold only lower-case letters"),
        ("name", "may be at most 200 characters"),
        ("kind", "unknown provider kind"),
        ("hq_country", "unknown country"),
        ("website", "is not a valid web address"),
        ("email", "is not a valid e-mail address"),
    ] {
        assert_field_error(&page, field, message);
    }
    assert!(
        page.contains(&format!("value=\"{long_name}\"")),
        "name kept"
    );
    assert!(page.contains("value=\"Not A Key\""), "key kept");
    assert!(
        page.contains("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;"),
        "description kept, escaped"
    );
    assert!(!page.contains("<script>alert"));
    let (_, providers) = app.get_json("/api/v1/providers");
    assert_eq!(providers["total"], 0, "nothing saved");
}

fn hostile_text_is_saved_as_typed_and_always_escaped(backend: Backend) {
    let app = TestApp::empty(backend);
    let response = app.post_form(
        "/providers",
        &[
            ("name", HOSTILE),
            ("kind", "civil-society"),
            ("description", HOSTILE),
            ("email", "a@b.org"),
        ],
    );
    assert_eq!(response.status(), 303);
    let path = location(&response);
    assert_eq!(path, "/providers/script-alert-x-script-quotes-double");
    for page in [
        path.clone(),
        "/providers".to_owned(),
        format!("{path}/edit"),
    ] {
        let body = app.page(&page);
        assert!(!body.contains("<script>alert"), "{page}");
        assert!(body.contains("&#60;script&#62;"), "{page}");
    }
    let key = path.trim_start_matches("/providers/");
    let offering = app.post_form(
        "/offerings",
        &[
            ("provider", key),
            ("title", HOSTILE),
            ("description", HOSTILE),
            ("themes", "cybercrime"),
            ("coverage_global", "on"),
            ("status", "active"),
        ],
    );
    assert_eq!(offering.status(), 303);
    let (_, list) = app.get_text("/offerings?q=%3Cscript%3E");
    assert!(list.contains("1 offering match these filters."));
    assert!(!list.contains("<script>alert"));
    let (_, json) = app.get_json(&format!("/api/v1/providers/{key}"));
    assert_eq!(json["name"], HOSTILE, "stored exactly as typed");
}

fn forms_without_the_csrf_token_are_refused(backend: Backend) {
    let app = TestApp::empty(backend);
    let _ = app.get("/providers/new"); // the visitor has a cookie
    let missing = app.post_raw("/providers", &[("name", "Forged"), ("kind", "government")]);
    assert_eq!(missing.status(), 403);
    let wrong = app.post_raw(
        "/providers",
        &[
            ("csrf_token", &"0".repeat(64)),
            ("name", "Forged"),
            ("kind", "government"),
        ],
    );
    assert_eq!(wrong.status(), 403);
    let stranger = reqwest::blocking::Client::new()
        .post(app.url("/providers"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf_token=abc&name=Forged&kind=government")
        .send()
        .unwrap();
    assert_eq!(stranger.status(), 403);
    let (_, providers) = app.get_json("/api/v1/providers");
    assert_eq!(providers["total"], 0);
}

fn editing_a_provider_updates_it_and_a_taken_key_is_refused(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let form = app.page("/providers/uni/edit");
    assert!(form.contains("value=\"Cyber Institute\""));
    assert!(form.contains("<option value=\"GHA\" selected>Ghana</option>"));
    assert!(
        form.contains("<input type=\"hidden\" name=\"version\" value=\"1\">"),
        "the form says which version it edits"
    );
    let response = app.post_form(
        "/providers/uni",
        &[
            ("version", "1"),
            ("name", "Cyber Institute of Accra"),
            ("kind", "academia"),
            ("hq_country", ""),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/providers/uni");
    let (_, json) = app.get_json("/api/v1/providers/uni");
    assert_eq!(json["name"], "Cyber Institute of Accra");
    assert_eq!(json["hq_country"], serde_json::Value::Null, "cleared");
    let taken = app.post_form(
        "/providers",
        &[
            ("key", "ministry"),
            ("name", "Another"),
            ("kind", "government"),
        ],
    );
    assert_answers(taken, 422, "is already used by another provider");
}

fn archiving_takes_records_out_of_listings_without_deleting(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    assert_eq!(
        app.post_form("/offerings/eu-law/archive", &[]).status(),
        303
    );
    let (_, offerings) = app.get_json("/api/v1/offerings?group=EU");
    assert!(
        offerings["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["key"] != "eu-law")
    );
    let (status, page) = app.get_text("/offerings/eu-law");
    assert_eq!(status, 200, "still reachable by its address");
    assert!(page.contains("This offering is archived"));
    // Archiving it again, or restoring what is not archived, changes
    // nothing: no second entry in the log, no new version.
    let version = || {
        let mut conn = app.storage.pool.get().unwrap();
        capmatch::db::offerings::find(&mut conn, "eu-law")
            .unwrap()
            .version
    };
    let archived_at = version();
    assert_eq!(
        app.post_form("/offerings/eu-law/archive", &[]).status(),
        303
    );
    assert_eq!(version(), archived_at);
    let log = app
        .get("/audit?record=offering&key=eu-law&format=csv")
        .text()
        .unwrap();
    assert_eq!(log.matches(",archived,").count(), 1, "{log}");
    assert_eq!(
        app.post_form("/offerings/ghana-cert/restore", &[]).status(),
        303
    );
    let log = app
        .get("/audit?record=offering&key=ghana-cert&format=csv")
        .text()
        .unwrap();
    assert!(!log.contains(",restored,"), "{log}");
    assert_eq!(
        app.post_form("/providers/ministry/archive", &[]).status(),
        303
    );
    let (_, providers) = app.get_json("/api/v1/providers");
    assert_eq!(providers["total"], 1);
    let (_, offerings) = app.get_json("/api/v1/offerings?q=judges");
    assert_eq!(
        offerings["total"], 0,
        "an archived provider's offerings leave the catalogue too"
    );
    assert_eq!(
        app.post_form("/providers/ministry/restore", &[]).status(),
        303
    );
    let (_, providers) = app.get_json("/api/v1/providers");
    assert_eq!(providers["total"], 2);
    assert_eq!(
        app.post_form("/offerings/nothing/archive", &[]).status(),
        404
    );
}

fn offering_form_takes_multi_value_controls(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let form = app.page("/offerings/new?provider=uni");
    assert!(
        form.contains(
            "<input type=\"radio\" name=\"provider\" value=\"uni\" checked> Cyber Institute"
        ),
        "the provider the address names is chosen"
    );
    assert!(
        form.contains("<label for=\"title\">"),
        "labels tied to inputs"
    );
    assert!(
        form.contains("<fieldset id=\"languages\">")
            && form.contains("<legend class=\"visually-hidden\">Languages</legend>"),
        "a long list is a group of checkboxes under a legend"
    );
    assert!(
        form.contains("<span class=\"chosen\">none chosen</span>"),
        "its summary says what is chosen"
    );
    let response = app.post_form(
        "/offerings",
        &[
            ("key", "judges-west-africa"),
            ("provider", "uni"),
            ("title", "Judges' training"),
            ("description", "Electronic evidence for judges"),
            ("themes", "cybercrime.judiciary"),
            ("themes", "cybercrime.legislation"),
            ("coverage_countries", "GHA"),
            ("coverage_countries", "SEN"),
            ("coverage_regions", "011"),
            ("coverage_groups", "AU"),
            ("eligible_groups", "COMMONWEALTH"),
            ("eligible_income_levels", "low"),
            ("eligible_income_levels", "lower-middle"),
            ("modalities", "training"),
            ("modalities", "exchange"),
            ("languages", "en"),
            ("languages", "fr"),
            ("capacity", "4"),
            ("starts_on", "2027-01-01"),
            ("ends_on", "2027-12-31"),
            ("status", "active"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/offerings/judges-west-africa");
    let (_, json) = app.get_json("/api/v1/offerings/judges-west-africa");
    assert_eq!(
        json["themes"],
        serde_json::json!(["cybercrime.judiciary", "cybercrime.legislation"])
    );
    assert_eq!(
        json["coverage"]["countries"],
        serde_json::json!(["GHA", "SEN"])
    );
    assert_eq!(
        json["eligibility"]["income_levels"],
        serde_json::json!(["low", "lower-middle"])
    );
    assert_eq!(json["languages"], serde_json::json!(["en", "fr"]));
    assert_eq!(json["capacity"], 4);
    let (_, page) = app.get_text("/offerings/judges-west-africa");
    assert!(
        page.contains("Ghana, Senegal, Western Africa, members of AU"),
        "{page}"
    );
    assert!(page.contains(
        "Eligible only for members of COMMONWEALTH, or for low or lower-middle income countries."
    ));
    let (_, edit) = app.get_text("/offerings/judges-west-africa/edit");
    assert!(edit.contains("value=\"SEN\" checked> Senegal</label>"));
    assert!(edit.contains("Countries: <span class=\"chosen\">Ghana, Senegal</span>"));
    assert!(edit.contains("value=\"cybercrime.legislation\" checked"));
    assert!(edit.contains("value=\"exchange\" checked"));
    // Editing replaces the lists.
    let response = app.post_form(
        "/offerings/judges-west-africa",
        &[
            ("version", "1"),
            ("provider", "uni"),
            ("title", "Judges' training"),
            ("description", "Now worldwide"),
            ("themes", "cybercrime.judiciary"),
            ("coverage_global", "on"),
            ("status", "paused"),
        ],
    );
    assert_eq!(response.status(), 303);
    let (_, json) = app.get_json("/api/v1/offerings/judges-west-africa");
    assert_eq!(
        json["coverage"],
        serde_json::json!({"global": true, "countries": [], "regions": [], "groups": []})
    );
    assert_eq!(json["languages"], serde_json::json!([]));
    assert_eq!(json["status"], "paused");
}

fn bad_offering_post_keeps_every_choice_and_names_every_problem(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let response = app.post_form(
        "/offerings",
        &[
            ("provider", "uni"),
            ("title", ""),
            ("description", HOSTILE),
            ("coverage_regions", "999"),
            ("eligible_groups", "NOPE"),
            ("eligible_income_levels", "rich"),
            ("modalities", "training"),
            ("modalities", "magic"),
            ("languages", "fr"),
            ("languages", "xx"),
            ("capacity", "0"),
            ("starts_on", "2027-05-01"),
            ("ends_on", "2027-04-30"),
            ("status", "active"),
        ],
    );
    assert_eq!(response.status(), 422);
    let page = response.text().unwrap();
    for field in [
        "title",
        "themes",
        "coverage_regions",
        "eligible_groups",
        "eligible_income_levels",
        "modalities",
        "languages",
        "capacity",
    ] {
        assert_field_error(&page, field, "");
    }
    assert!(page.contains("Choose at least one theme."));
    assert!(page.contains("unknown M49 region &#34;999&#34;"));
    assert!(page.contains("unknown language &#34;xx&#34;"));
    assert!(
        page.contains("value=\"fr\" checked> French (fr)</label>"),
        "choices kept"
    );
    assert!(
        page.contains("Languages (optional): <span class=\"chosen\">French (fr)</span>"),
        "the folded list names what is chosen"
    );
    assert!(page.contains("value=\"training\" checked"));
    assert!(page.contains("value=\"2027-05-01\""));
    assert!(!page.contains("<script>alert"));
    // Cross-field rules are named too, with the fields right or wrong.
    let response = app.post_form(
        "/offerings",
        &[
            ("provider", "uni"),
            ("title", "T"),
            ("description", "D"),
            ("themes", "cybercrime"),
            ("starts_on", "2027-05-01"),
            ("ends_on", "2027-04-30"),
            ("status", "active"),
        ],
    );
    assert_eq!(response.status(), 422);
    let page = response.text().unwrap();
    assert!(page.contains("id=\"ends_on-error\"") && page.contains("must be after the start date"));
    assert!(
        page.contains("id=\"coverage-error\"")
            && page.contains("Choose worldwide, or at least one country")
    );
    let unknown_provider = app.post_form(
        "/offerings",
        &[
            ("provider", "nobody"),
            ("title", "T"),
            ("description", "D"),
            ("themes", "cybercrime"),
            ("coverage_global", "on"),
            ("status", "active"),
        ],
    );
    assert_answers(unknown_provider, 422, "no provider has the key");
    let (_, offerings) = app.get_json("/api/v1/offerings");
    assert_eq!(offerings["total"], 9, "nothing saved");
}

/// The need rows of an assessment form, as `needs[i][field]` pairs.
fn needs(rows: &[&[(&str, &str)]]) -> Fields {
    rows.iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.iter()
                .map(move |(field, value)| (format!("needs[{i}][{field}]"), (*value).to_owned()))
        })
        .collect()
}

/// A post's fields, as owned `(name, value)` pairs.
type Fields = Vec<(String, String)>;
/// Messages expected at fields, by HTML id.
type Expected = Vec<(&'static str, &'static str)>;

fn owned(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Bad posts to each form, with the messages expected at some fields.
fn bad_posts() -> Vec<(&'static str, Fields, Expected)> {
    let mut assessment = owned(&[
        ("action", "submit"),
        ("submitted_by", ""),
        ("contact", "not-an-email"),
    ]);
    assessment.extend(needs(&[
        &[
            ("theme", "cybercrime"),
            ("current_stage", "1"),
            ("target_stage", "3"),
            ("description", "Parent theme"),
        ],
        &[
            ("theme", "incident-ciip.cert"),
            ("priority", "high"),
            ("current_stage", "4"),
            ("target_stage", "2"),
            ("description", "Backwards"),
            ("wanted_by", "2001-01-01"),
        ],
        &[
            ("theme", "culture-skills.awareness"),
            ("priority", "urgent"),
            ("current_stage", "1"),
            ("target_stage", "2"),
            ("description", "Fine"),
            ("languages", "xx"),
        ],
    ]));
    vec![
        (
            "/providers",
            owned(&[
                ("key", "Not A Key"),
                ("name", ""),
                ("kind", "ngo"),
                ("hq_country", "XXX"),
                ("website", "javascript:alert(1)"),
                ("email", "not-an-email"),
            ]),
            vec![
                (
                    "key",
                    "may hold only lower-case letters, digits and hyphens, and must start with a letter or digit",
                ),
                ("name", "Name is required."),
                ("kind", "unknown provider kind \"ngo\""),
                ("hq_country", "unknown country \"XXX\""),
                (
                    "website",
                    "is not a valid web address (it should start with https://)",
                ),
                ("email", "is not a valid e-mail address"),
            ],
        ),
        (
            "/offerings",
            owned(&[
                ("provider", "uni"),
                ("title", ""),
                ("coverage_regions", "999"),
                ("eligible_income_levels", "rich"),
                ("modalities", "training"),
                ("modalities", "magic"),
                ("languages", "xx"),
                ("capacity", "0"),
                ("starts_on", "2027-05-01"),
                ("ends_on", "2027-04-30"),
                ("status", "active"),
            ]),
            vec![
                ("title", "Title is required."),
                ("themes", "Choose at least one theme."),
                ("coverage_regions", "unknown M49 region \"999\""),
                ("eligible_income_levels", "unknown income level \"rich\""),
                ("modalities", "unknown modality \"magic\""),
                ("languages", "unknown language \"xx\""),
                ("ends_on", "must be after the start date"),
            ],
        ),
        (
            "/countries/GHA/assessments",
            assessment,
            vec![
                ("contact", "is not a valid e-mail address"),
                ("need-0-theme", "Choose a sub-theme, not a whole theme."),
                ("need-1-target_stage", "must be above the current stage"),
                ("need-1-wanted_by", "must not be in the past"),
                ("need-2-priority", "unknown priority \"urgent\""),
                ("need-2-languages", "unknown language \"xx\""),
            ],
        ),
    ]
}

/// Every form marks each field in error the same way (message under it,
/// `aria-invalid`, `aria-describedby`), and its summary follows the page.
fn every_problem_is_marked_at_its_field_for_every_reader(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    for (path, fields, expected) in bad_posts() {
        let pairs = pairs(&fields);
        let response = app.post_form(path, &pairs);
        assert_eq!(response.status(), 422, "{path}");
        let page = response.text().unwrap();
        for (id, message) in expected {
            assert_field_error(&page, id, message);
        }
        for id in summary_links(&page) {
            assert!(
                page.contains(&format!("id=\"{id}-error\"")),
                "{path}: {id} has its message"
            );
        }
        assert_summary_in_page_order(&page);
        // The page says it is in error before anything else, and a
        // keyboard or screen reader user lands on the summary.
        assert!(
            page.contains("<title>Error: "),
            "{path}: the title starts with Error:"
        );
        assert!(
            page.contains(r#"class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus"#),
            "{path}: the summary takes focus"
        );
    }
}

/// Good posts to each form, with text that must survive a lost cookie.
fn good_posts() -> Vec<(&'static str, Fields, &'static str)> {
    let mut assessment = owned(&[
        ("action", "submit"),
        ("submitted_by", "Ministry"),
        ("note", "Two hours of typing"),
    ]);
    assessment.extend(needs(&[&[
        ("theme", "cybercrime.judiciary"),
        ("priority", "high"),
        ("current_stage", "1"),
        ("target_stage", "3"),
        (
            "description",
            "Judges trained on electronic evidence, in three regions",
        ),
    ]]));
    vec![
        (
            "/providers",
            owned(&[
                ("name", "Cyber Institute of Tamale"),
                ("kind", "academia"),
                ("description", "Typed at length"),
            ]),
            "Typed at length",
        ),
        (
            "/offerings",
            owned(&crate::fixtures::NEW_OFFERING),
            "A week in Accra",
        ),
        (
            "/countries/GHA/assessments",
            assessment,
            "Judges trained on electronic evidence, in three regions",
        ),
    ]
}

/// A browser restart while a long form was open loses the session: once
/// signed in again, the form's token is not the new session's. The post
/// comes back with everything typed and nothing written, and saving it
/// once more works.
fn a_form_whose_cookie_was_lost_comes_back_with_everything_typed(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    for (path, fields, typed) in good_posts() {
        let mut visitor = app.another_visitor();
        let opened_with = visitor.csrf_token(&app);
        visitor.restart_browser(&app);
        let before = {
            let mut conn = app.storage.pool.get().unwrap();
            capmatch::db::data_versions(&mut conn).unwrap()
        };
        let mut pairs: Vec<(&str, &str)> = vec![("csrf_token", opened_with.as_str())];
        pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let refused = app.post_raw_as(&visitor, path, &pairs);
        assert_eq!(refused.status(), 403, "{path}");
        let page = refused.text().unwrap();
        assert!(
            page.contains("Your changes have not been saved yet"),
            "{path}"
        );
        assert!(page.contains(typed), "{path}: input kept");
        let after = {
            let mut conn = app.storage.pool.get().unwrap();
            capmatch::db::data_versions(&mut conn).unwrap()
        };
        assert_eq!(before, after, "{path}: nothing written");
        // The page came with the new session's token: saving again works.
        let fresh = token_in(&page);
        assert_ne!(fresh, opened_with);
        assert_eq!(
            visitor.csrf_token(&app),
            fresh,
            "the page holds the session's token"
        );
        pairs[0].1 = fresh.as_str();
        let saved = app.post_raw_as(&visitor, path, &pairs);
        assert_eq!(saved.status(), 303, "{path}");
    }
}

/// Another site cannot use the lost-cookie path to fill in a form for a
/// visitor to send: a post with no good token that does not come from the
/// site's own pages is refused outright, with no form and no new cookie.
fn a_post_from_another_site_is_refused_without_the_form(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    for (path, fields, typed) in good_posts() {
        let pairs = pairs(&fields);
        for headers in [
            vec![("sec-fetch-site", "cross-site")],
            vec![("origin", "https://attacker.example")],
            vec![],
        ] {
            let mut request = reqwest::blocking::Client::new()
                .post(app.url(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_html_form::to_string(&pairs).unwrap());
            for (name, value) in &headers {
                request = request.header(*name, *value);
            }
            let refused = request.send().unwrap();
            assert_eq!(refused.status(), 403, "{path} {headers:?}");
            assert!(refused.headers().get("set-cookie").is_none(), "{path}");
            let page = refused.text().unwrap();
            assert!(
                !page.contains(typed),
                "{path} {headers:?}: nothing typed shown"
            );
            assert!(!page.contains("csrf_token"), "{path} {headers:?}: no form");
        }
    }
    // A browser without fetch metadata that names the site is believed.
    let (path, fields, typed) = &good_posts()[0];
    let mut posted = pairs(fields);
    posted.push(("csrf_token", "0"));
    let same = reqwest::blocking::Client::new()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", app.address.as_str())
        .body(serde_html_form::to_string(&posted).unwrap())
        .send()
        .unwrap();
    assert_eq!(same.status(), 403);
    assert!(
        same.text().unwrap().contains(typed),
        "shown again to be saved"
    );
}

/// What people type is taken as they mean it: a bare domain is a web
/// address, and a long title makes a key cut between words.
fn a_bare_domain_and_a_long_title_are_taken_as_meant(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let response = app.post_form(
        "/providers",
        &[
            ("name", "Cyber Institute of the Gulf of Guinea"),
            ("kind", "academia"),
            ("website", "www.ciggu.example/en"),
        ],
    );
    assert_eq!(response.status(), 303);
    let provider = app.json(&format!("/api/v1{}", location(&response)));
    assert_eq!(provider["website"], "https://www.ciggu.example/en");
    let response = app.post_form(
        "/offerings",
        &[
            ("provider", "uni"),
            (
                "title",
                "Judges and prosecutors: a course on electronic evidence, training the trainers",
            ),
            ("description", "A week in Accra"),
            ("themes", "cybercrime.judiciary"),
            ("coverage_global", "on"),
            ("status", "active"),
        ],
    );
    assert_eq!(
        location(&response),
        "/offerings/uni-judges-and-prosecutors-a-course-on-electronic-evidence",
        "cut between words, not inside one"
    );
}

/// Each label says whether the field may be left blank, from the one
/// place the field is declared; required fields say nothing.
fn optional_fields_say_so_in_their_labels(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let page = app.page("/offerings/new");
    for optional in [
        r#"<label for="key">Key (optional)</label>"#,
        r#"<label for="capacity">Capacity (engagements at once) (optional)</label>"#,
        r#"<label for="starts_on">Starts on (optional)</label>"#,
    ] {
        assert!(page.contains(optional), "{optional}");
    }
    for required in [
        r#"<label for="title">Title</label>"#,
        r#"<label for="description">Description</label>"#,
    ] {
        assert!(page.contains(required), "{required}");
    }
    let page = app.page("/providers/new");
    assert!(page.contains(r#"<label for="website">Website (optional)</label>"#));
    assert!(page.contains(r#"<label for="name">Name</label>"#));
}

/// The secretariat may add offerings to any of thousands of providers, so
/// it finds one by name: without scripts, a save with a search typed lists
/// what it finds, keeps everything else typed and saves nothing.
fn the_secretariat_finds_a_provider_by_name_without_scripts(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let partners: Vec<String> = (1..=25)
        .map(|n| format!(r#"{{"key": "partner-{n:02}", "name": "Partner {n:02}", "kind": "civil-society", "description": "One of many"}}"#))
        .collect();
    app.import(&format!(
        r#"{{"providers": [{}], "offerings": []}}"#,
        partners.join(",")
    ));
    let offerings_before = app.json("/api/v1/offerings")["total"].clone();

    let form = app.page("/offerings/new");
    assert!(form.contains(r#"name="provider_search""#), "a search box");
    assert!(
        !form.contains("Ministry of Digital Affairs") && !form.contains("Partner 01"),
        "no list of every provider"
    );

    let mut fields = vec![
        ("provider", ""),
        ("provider_search", "<digital>"),
        ("title", "Judges' training"),
        ("description", "Electronic evidence"),
        ("themes", "cybercrime.judiciary"),
        ("coverage_global", "on"),
        ("modalities", "training"),
        ("languages", "en"),
        ("status", "active"),
    ];
    let nothing = app.post_form("/offerings", &fields);
    assert_eq!(nothing.status(), 422);
    let page = nothing.text().unwrap();
    assert!(
        page.contains("No provider found for “&#60;digital&#62;”."),
        "{page}"
    );
    assert_field_error(&page, "provider", "Choose the provider.");

    fields[1] = ("provider_search", "digital");
    let listed = app.post_form("/offerings", &fields);
    assert_eq!(listed.status(), 422, "a search is not a save");
    let page = listed.text().unwrap();
    assert!(page.contains("Found for “digital”: 1."), "{page}");
    assert!(page.contains(
        r#"<input type="radio" name="provider" value="ministry"> Ministry of Digital Affairs"#
    ));
    assert!(
        page.contains("value=\"Judges&#39; training\""),
        "what was typed is kept"
    );
    assert!(
        page.contains(r#"name="provider_search" aria-describedby"#)
            && !page.contains(r#"value="digital""#),
        "the search box is emptied, so the next save saves"
    );
    assert_eq!(app.json("/api/v1/offerings")["total"], offerings_before);

    fields[0] = ("provider", "ministry");
    fields[1] = ("provider_search", "partner");
    let many = app.post_form("/offerings", &fields);
    assert_eq!(
        many.status(),
        422,
        "a search with a provider chosen still only searches"
    );
    let page = many.text().unwrap();
    assert_field_error(
        &page,
        "provider",
        "Choose one of the providers found for “partner”; nothing is saved until you do.",
    );
    assert!(page.contains(
        "Found for “partner”: 25, of which the first 20 are shown. Type more of the name to narrow it."
    ));
    assert!(
        page.contains(r#"value="ministry" checked> Ministry of Digital Affairs"#)
            && page.contains(r#"value="partner-20">"#)
            && !page.contains(r#"value="partner-21">"#),
        "the chosen provider stays chosen, beside the first 20 found"
    );
    assert_eq!(app.json("/api/v1/offerings")["total"], offerings_before);

    fields[1] = ("provider_search", "");
    let saved = app.post_form("/offerings", &fields);
    assert_eq!(saved.status(), 303);
    let key = location(&saved)
        .trim_start_matches("/offerings/")
        .to_owned();
    assert_eq!(
        app.json(&format!("/api/v1/offerings/{key}"))["provider"],
        "ministry"
    );
}

on_both_backends!(
    a_bare_domain_and_a_long_title_are_taken_as_meant,
    the_secretariat_finds_a_provider_by_name_without_scripts,
    optional_fields_say_so_in_their_labels,
    a_post_from_another_site_is_refused_without_the_form,
    a_form_whose_cookie_was_lost_comes_back_with_everything_typed,
    every_problem_is_marked_at_its_field_for_every_reader,
    good_provider_post_redirects_to_the_record,
    bad_provider_post_keeps_input_and_names_every_problem,
    hostile_text_is_saved_as_typed_and_always_escaped,
    forms_without_the_csrf_token_are_refused,
    editing_a_provider_updates_it_and_a_taken_key_is_refused,
    archiving_takes_records_out_of_listings_without_deleting,
    offering_form_takes_multi_value_controls,
    bad_offering_post_keeps_every_choice_and_names_every_problem,
);
