//! Every page renders, with the demo data a first start loads.

use crate::common::{Backend, TestApp, header};
use crate::on_both_backends;

fn start_page_health_and_stylesheet(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let home = app.page("/");
    assert!(home.contains("24 providers"), "{home}");
    assert!(home.contains("href=\"#content\""), "skip link");
    assert_eq!(app.get("/healthz").status(), 200);
    let css = app.get("/static/style.css");
    assert_eq!(css.status(), 200);
    assert!(header(&css, "content-type").starts_with("text/css"));
}

fn demo_data_lists_every_actor_with_an_offering(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let (_, providers) = app.get_json("/api/v1/providers");
    assert_eq!(providers["total"], 24);
    assert_eq!(
        providers["items"].as_array().unwrap().len(),
        20,
        "first page of 20"
    );
    let (_, second) = app.get_json("/api/v1/providers?page=2");
    assert_eq!(second["items"].as_array().unwrap().len(), 4);
    for page in [providers, second] {
        for provider in page["items"].as_array().unwrap() {
            assert!(
                provider["offering_count"].as_i64().unwrap() >= 1,
                "{provider}"
            );
        }
    }
    let (_, commonwealth) = app.get_json("/api/v1/offerings/commonwealth-cci-programme");
    assert_eq!(
        commonwealth["coverage"]["groups"],
        serde_json::json!(["COMMONWEALTH"])
    );
    assert_eq!(
        commonwealth["eligibility"]["groups"],
        serde_json::json!(["COMMONWEALTH"])
    );
    let list = app.page("/providers");
    assert!(list.contains("24 providers."), "count shown");
    assert!(list.contains("Page 1 of 2"));
    assert!(list.contains("rel=\"next\""));
    let one = app.page("/providers?q=Council");
    assert!(
        !one.contains("class=\"pagination\""),
        "one page of results has no page links"
    );
}

fn no_demo_starts_with_reference_data_only(backend: Backend) {
    let app = TestApp::empty(backend);
    let (_, providers) = app.get_json("/api/v1/providers");
    assert_eq!(providers["total"], 0);
    let (_, countries) = app.get_json("/api/v1/countries");
    assert_eq!(countries["total"], 249);
}

fn provider_page_shows_profile_and_offerings(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let page = app.page("/providers/coe-cproc");
    assert!(page.contains("Council of Europe Cybercrime Programme Office"));
    assert!(page.contains("Intergovernmental organisation"));
    assert!(page.contains("Romania"), "headquarters by name");
    assert!(page.contains("href=\"/offerings/coe-cproc-programme\""));
}

fn offering_page_says_coverage_and_eligibility_in_words(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let page = app.page("/offerings/undp-programme");
    assert!(page.contains("Worldwide"));
    assert!(
        page.contains(
            "Eligible only for members of LDC, or for low or lower-middle income countries."
        ),
        "{page}"
    );
    assert!(
        page.contains("National cyber security strategy"),
        "theme by name"
    );
    let (_, apcert) = app.get_text("/offerings/apcert-programme");
    assert!(
        apcert.contains("M49 region: Asia (142)") && apcert.contains("M49 region: Oceania (009)"),
        "{apcert}"
    );
    assert!(apcert.contains("Open to every country."));
}

fn country_page_shows_path_groups_income_and_offerings(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let page = app.page("/countries/GHA");
    assert!(page.contains("<h1>Ghana</h1>"));
    assert!(
        page.contains("Africa</a> (002)")
            && page.contains("Sub-Saharan Africa</a> (202)")
            && page.contains("Western Africa</a> (011)")
    );
    assert!(page.contains("Commonwealth of Nations") && page.contains("African Union"));
    assert!(page.contains("lower-middle income"));
    // 14 open worldwide offerings, UNDP and A4AI (income), and the AU, CTO and Commonwealth ones.
    assert!(page.contains("19 offerings reach Ghana"), "{page}");
    let (_, lower_case) = app.get_text("/countries/gha");
    assert!(lower_case.contains("<h1>Ghana</h1>"));
}

fn country_list_filters_and_paginates(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let page = app.page("/countries");
    assert!(page.contains("249 countries."));
    assert!(page.contains("Page 1 of 5"));
    // Numbered: the pages near this one and the last, a gap between.
    assert!(page.contains("<a href=\"/countries?page=1\" aria-current=\"page\">1</a>"));
    assert!(page.contains("aria-label=\"Page 3\">3</a>"));
    assert!(
        page.contains("aria-label=\"Page 4\""),
        "a gap of one is shown as its page"
    );
    // Each country says how many open needs it has, linking its report.
    let ghana = app.page("/countries?q=ghana");
    assert!(ghana.contains("<th scope=\"col\">Open needs</th>"));
    assert!(
        ghana.contains("<a href=\"/reports/countries/GHA\">"),
        "{ghana}"
    );
    let france = app.page("/countries?q=france");
    assert!(france.contains("<span class=\"muted\">none</span>"));
    let middle = app.page("/countries?page=3");
    for n in 1..=5 {
        assert!(
            middle.contains(&format!(">{n}</a></li>")),
            "page {n} of 5 linked"
        );
    }
    let (_, eu) = app.get_json("/api/v1/countries?group=EU");
    assert_eq!(eu["total"], 27);
    let (_, africa) = app.get_json("/api/v1/countries?region=002");
    assert!(
        africa["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["region"]["code"] == "002")
    );
    let (_, ghana) = app.get_json("/api/v1/countries?q=ghana");
    assert_eq!(ghana["items"][0]["iso3"], "GHA");
    let (_, country) = app.get_json("/api/v1/countries/GHA");
    assert_eq!(country["income_level"], "lower-middle");
    assert_eq!(country["intermediate_region"]["code"], "011");
    assert_eq!(country["offerings_reaching"], 19);
}

fn unknown_records_and_pages_answer_404(backend: Backend) {
    let app = TestApp::with_demo(backend);
    for path in [
        "/providers/nobody",
        "/providers/nobody/edit",
        "/offerings/nothing",
        "/offerings/nothing/edit",
        "/countries/XXX",
        "/countries/%3Cscript%3E",
        "/providers/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/no/such/page",
    ] {
        let body = app.answer(path, 404);
        assert!(body.contains("Not Found"), "error page for {path}");
        assert!(!body.contains("<script>alert"), "escaped: {path}");
    }
    for path in [
        "/api/v1/providers/nobody",
        "/api/v1/offerings/nothing",
        "/api/v1/countries/XXX",
        "/api/v1/nothing",
    ] {
        let (status, body) = app.get_json(path);
        assert_eq!(status, 404, "{path}");
        assert!(body["error"].is_string());
    }
    let response = app.post_form("/providers/nobody", &[("name", "X"), ("kind", "academia")]);
    assert_eq!(response.status(), 404);
}

fn bad_filters_answer_400_not_500(backend: Backend) {
    let app = TestApp::with_demo(backend);
    for path in [
        "/offerings?theme=nonsense",
        "/offerings?country=ZZZ",
        "/offerings?region=999",
        "/providers?kind=%3Cb%3E",
        "/offerings?modality=x&language=xx",
        "/countries?group=NOPE",
    ] {
        let body = app.answer(path, 400);
        assert!(!body.contains("<b>"), "escaped");
    }
    let (status, body) = app.get_json("/api/v1/offerings?theme=nonsense");
    assert_eq!(status, 400);
    assert_eq!(body["error"], "theme=: unknown theme \"nonsense\"");
    // An unreadable page number is the first page, not an error.
    assert_eq!(app.get("/offerings?page=abc").status(), 200);
    assert_eq!(
        app.get("/offerings?page=99999999999999999999").status(),
        200
    );
    assert_eq!(app.get("/offerings?page=9223372036854775807").status(), 200);
    assert_eq!(app.get("/countries?page=9223372036854775807").status(), 200);
}

/// Every page links the accessibility statement and the privacy notice,
/// which anyone may read.
fn every_page_links_the_accessibility_statement_and_the_privacy_notice(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let nobody = app.anonymous();
    for path in ["/", "/providers", "/offerings/ghana-cert"] {
        let page = app.text_as(&nobody, path);
        assert!(
            page.contains("href=\"/accessibility\"")
                && page.contains("href=\"/privacy\"")
                && page.contains("href=\"/report-a-problem\""),
            "{path}"
        );
    }
    let statement = app.get_as(&nobody, "/accessibility");
    assert_eq!(statement.status(), 200);
    assert!(statement.text().unwrap().contains("(WCAG) 2.2"));
    let notice = app.get_as(&nobody, "/privacy");
    assert_eq!(notice.status(), 200);
    assert!(notice.text().unwrap().contains("argon2id"));
}

fn the_start_page_offers_each_audience_a_way_in_and_each_person_their_work(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::fixtures::NEEDS);
    let visitor = app.anonymous();
    let page = app.text_as(&visitor, "/");
    for way_in in [
        "<h2>I offer capacity building</h2>",
        "<h2>I represent a country</h2>",
        "<h2>I coordinate</h2>",
        "href=\"/register\"",
    ] {
        assert!(page.contains(way_in), "{way_in}");
    }
    assert!(!page.contains("Your work"));
    // A focal point finds their country's assessments and how to start one.
    let focal = app.person(&["focal-point:GHA"]);
    let page = app.text_as(&focal, "/");
    assert!(page.contains("<h1>Your work</h1>"), "{page}");
    assert!(page.contains("<h2>Needs assessments of Ghana</h2>"));
    assert!(page.contains("href=\"/assessments/gha-2026\""));
    assert!(page.contains("href=\"/countries/GHA/assessments/new\""));
    assert!(page.contains("No match waits for your answer."));
    // A proposal waits for the provider's editor, on their start page.
    let editor = app.person(&["editor:ministry"]);
    let path = crate::matches::open(&app, &focal, "gha-2026-1", "global-judiciary", "requested");
    let page = app.text_as(&editor, "/");
    assert!(
        page.contains(&format!("<a href=\"{path}\">Ghana, ")),
        "{page}"
    );
    assert!(page.contains("unread notification"));
    assert!(!page.contains("Needs assessments of"), "not a focal point");
    // What an editor adds waits for review: on their page and the secretariat's.
    let uni = app.person(&["editor:uni"]);
    let added = app.post_form_as(&uni, "/offerings", &crate::fixtures::NEW_OFFERING);
    let offering = crate::common::location(&added);
    let page = app.text_as(&uni, "/");
    assert!(page.contains(&format!("<a href=\"{offering}\">")), "{page}");
    assert!(page.contains("Waiting for review"));
    assert!(!page.contains(&path), "a match of another provider");
    let page = app.page("/");
    assert!(page.contains("1 record waits for review"), "{page}");
}

fn record_pages_say_where_they_sit(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(crate::fixtures::NEEDS);
    let trail = |page: &str| -> Vec<String> {
        let at = page
            .find("<nav class=\"breadcrumbs\"")
            .expect("breadcrumbs");
        let nav = &page[at..at + page[at..].find("</nav>").unwrap()];
        nav.split("<li")
            .skip(1)
            .map(|li| {
                let text: String = li
                    .split('>')
                    .skip(1)
                    .map(|p| p.split('<').next().unwrap_or(""))
                    .collect();
                text
            })
            .collect()
    };
    assert_eq!(
        trail(&app.page("/offerings/global-judiciary")),
        [
            "Providers",
            "Ministry of Digital Affairs",
            "Judges and electronic evidence"
        ]
    );
    assert_eq!(trail(&app.page("/countries/GHA")), ["Countries", "Ghana"]);
    assert_eq!(
        trail(&app.page("/assessments/gha-2026")),
        ["Countries", "Ghana", "gha-2026"]
    );
    let withdrawn = app.post_form(
        "/assessments/gha-2026/needs/gha-2026-1/withdraw",
        &[("revision", "1"), ("withdrawn_reason", "Funded elsewhere")],
    );
    assert_eq!(withdrawn.status(), 303);
    let earlier = app.page("/assessments/gha-2026/revisions/1");
    assert_eq!(
        trail(&earlier),
        ["Countries", "Ghana", "gha-2026", "Revision 1"]
    );
    assert!(earlier.contains("<li aria-current=\"page\">Revision 1</li>"));
    assert!(earlier.contains("<li><a href=\"/assessments/gha-2026\">gha-2026</a></li>"));
    assert_eq!(
        trail(&app.page("/reports/countries/GHA")),
        ["Reports", "Ghana"]
    );
}

fn anyone_can_report_a_problem_to_the_secretariat(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.add_account("sec@example.org", &["secretariat"]);
    let nobody = app.anonymous();
    // The form suggests the page the person came from.
    let form = nobody
        .get(app.url("/report-a-problem"))
        .header("referer", app.url("/offerings/ghana-cert"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(form.contains("value=\"/offerings/ghana-cert\""), "{form}");
    assert!(form.contains("<label for=\"reply_to\">Your e-mail address (optional)</label>"));
    let post = |fields: &[(&str, &str)]| app.post_form_as(&nobody, "/report-a-problem", fields);
    let bad = post(&[
        ("page", "https://evil.example/"),
        ("problem", " "),
        ("reply_to", "nope"),
    ]);
    assert_eq!(bad.status(), 422);
    let bad = bad.text().unwrap();
    crate::common::assert_field_error(&bad, "problem", "What went wrong is required.");
    crate::common::assert_field_error(&bad, "page", "Page must be an address on this site");
    assert!(
        bad.contains("value=\"https://evil.example/\""),
        "what was typed is kept"
    );
    let sent = post(&[
        ("page", "/offerings/ghana-cert"),
        ("problem", "The <b>map</b> is blank"),
        ("reply_to", "ama@example.org"),
    ]);
    assert_eq!(crate::common::location(&sent), "/offerings/ghana-cert");
    let back = app.text_as(&nobody, "/offerings/ghana-cert");
    assert!(back.contains("the secretariat has your report"), "{back}");
    let mail = app.wait_for_mail("sec@example.org", 1);
    assert!(
        mail.contains("Subject: Problem reported on /offerings/ghana-cert"),
        "{mail}"
    );
    assert!(mail.contains("Answer to: ama@example.org"));
    let notes = app.page("/notifications");
    assert!(
        notes.contains("The &#60;b&#62;map&#60;/b&#62; is blank"),
        "escaped: {notes}"
    );
    // A few reports an hour from one address reach the secretariat; more wait.
    for n in 2..=5 {
        let sent = post(&[("problem", &format!("Report {n}"))]);
        assert_eq!(sent.status(), 303, "report {n}");
    }
    let held = post(&[("problem", "Report 6")]);
    assert_eq!(held.status(), 429);
    crate::common::assert_retry_after(&held, 3600);
    let held = held.text().unwrap();
    assert!(held.contains("this one was not sent"), "{held}");
    assert!(
        held.contains(">Report 6</textarea>"),
        "what was typed is kept"
    );
    app.wait_for_mail("sec@example.org", 5);
    assert!(!app.page("/notifications").contains("Report 6"));
}

on_both_backends!(
    anyone_can_report_a_problem_to_the_secretariat,
    record_pages_say_where_they_sit,
    the_start_page_offers_each_audience_a_way_in_and_each_person_their_work,
    every_page_links_the_accessibility_statement_and_the_privacy_notice,
    start_page_health_and_stylesheet,
    demo_data_lists_every_actor_with_an_offering,
    no_demo_starts_with_reference_data_only,
    provider_page_shows_profile_and_offerings,
    offering_page_says_coverage_and_eligibility_in_words,
    country_page_shows_path_groups_income_and_offerings,
    country_list_filters_and_paginates,
    unknown_records_and_pages_answer_404,
    bad_filters_answer_400_not_500,
);

/// SQLite runs with the settings the design asks of every connection.
#[test]
fn sqlite_connections_use_wal_full_sync_foreign_keys_and_a_busy_timeout() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let app = TestApp::empty(Backend::Sqlite);
    let mut conn = app.storage.pool.get().unwrap();
    let mut read = |pragma: &str| -> String {
        diesel::sql_query(format!("SELECT CAST({pragma} AS TEXT) AS value"))
            .get_result::<Setting>(&mut *conn)
            .unwrap()
            .value
    };
    assert_eq!(
        read("(SELECT journal_mode FROM pragma_journal_mode)"),
        "wal"
    );
    assert_eq!(read("(SELECT foreign_keys FROM pragma_foreign_keys)"), "1");
    assert_eq!(read("(SELECT timeout FROM pragma_busy_timeout)"), "5000");
    assert_eq!(
        read("(SELECT synchronous FROM pragma_synchronous)"),
        "2",
        "FULL: an acknowledged save survives a power cut"
    );
}
