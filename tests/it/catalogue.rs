//! The catalogue filters, alone and combined, through the JSON API and the
//! pages, and the store's `country=` query against the domain's own rule.

use std::collections::BTreeSet;

use capmatch::db::{self, PageRequest};
use capmatch::web::params::CatalogueParams;

use crate::common::{Backend, TestApp, escaped, location};
use crate::fixtures::CATALOGUE;
use crate::on_both_backends;

fn keys(app: &TestApp, query: &str) -> BTreeSet<String> {
    let (status, body) = app.get_json(&format!("/api/v1/offerings?{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Worldwide offerings open to every country, listed under every place filter.
const OPEN_WORLDWIDE: [&str; 2] = ["global-judiciary", "draft-global"];

fn with(extra: &[&'static str]) -> BTreeSet<String> {
    set(&[&OPEN_WORLDWIDE[..], extra].concat())
}

fn country_filter_follows_coverage_and_eligibility(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    // Ghana: named, its region, intermediate region, AU, and Commonwealth eligibility.
    assert_eq!(
        keys(&app, "country=GHA"),
        with(&[
            "ghana-cert",
            "africa-cybercrime",
            "west-africa-law",
            "au-strategy",
            "commonwealth-only"
        ])
    );
    // France: the EU only; fails Commonwealth and low-income eligibility.
    assert_eq!(keys(&app, "country=FRA"), with(&["eu-law"]));
    // Niger is low income, in West Africa and the AU, not in the Commonwealth.
    assert_eq!(
        keys(&app, "country=ner"),
        with(&[
            "africa-cybercrime",
            "west-africa-law",
            "au-strategy",
            "low-income-only"
        ])
    );
}

fn theme_filter_includes_subthemes_of_a_parent(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    assert_eq!(
        keys(&app, "theme=cybercrime"),
        set(&[
            "global-judiciary",
            "africa-cybercrime",
            "west-africa-law",
            "eu-law"
        ])
    );
    assert_eq!(
        keys(&app, "theme=cybercrime.legislation"),
        set(&["west-africa-law", "eu-law"])
    );
}

fn region_and_group_filters_reach_any_of_their_countries(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let worldwide = ["commonwealth-only", "low-income-only"];
    assert_eq!(
        keys(&app, "region=011"),
        with(
            &[
                &worldwide[..],
                &[
                    "ghana-cert",
                    "africa-cybercrime",
                    "west-africa-law",
                    "au-strategy"
                ]
            ]
            .concat()
        )
    );
    assert_eq!(
        keys(&app, "group=EU"),
        with(&[&worldwide[..], &["eu-law"]].concat())
    );
    assert_eq!(
        keys(&app, "region=150&group=AU"),
        with(&worldwide),
        "Europe and AU share no country"
    );
}

fn other_filters_and_combinations(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    assert_eq!(
        keys(&app, "kind=academia"),
        set(&[
            "ghana-cert",
            "west-africa-law",
            "low-income-only",
            "draft-global"
        ])
    );
    assert_eq!(keys(&app, "modality=advisory"), set(&["ghana-cert"]));
    assert_eq!(keys(&app, "language=fr"), set(&["ghana-cert"]));
    assert_eq!(keys(&app, "status=draft"), set(&["draft-global"]));
    assert_eq!(
        keys(&app, "q=JUDGES"),
        set(&["global-judiciary"]),
        "case-insensitive"
    );
    assert_eq!(
        keys(&app, "q=cyber%20institute"),
        set(&[
            "ghana-cert",
            "west-africa-law",
            "low-income-only",
            "draft-global"
        ]),
        "provider name"
    );
    assert_eq!(
        keys(&app, "q=%25"),
        set(&[]),
        "a literal percent sign, not a wildcard"
    );
    assert_eq!(
        keys(&app, "country=GHA&theme=cybercrime"),
        set(&["global-judiciary", "africa-cybercrime", "west-africa-law"])
    );
    assert_eq!(
        keys(&app, "country=GHA&theme=cybercrime&kind=academia&q=law"),
        set(&["west-africa-law"])
    );
    assert!(
        !keys(&app, "").contains("archived-global"),
        "archived offerings are never listed"
    );

    let providers = |query: &str| -> BTreeSet<String> {
        let (_, body) = app.get_json(&format!("/api/v1/providers?{query}"));
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(providers("kind=academia"), set(&["uni"]));
    assert_eq!(
        providers("language=fr"),
        set(&["uni"]),
        "through its offerings"
    );
    assert_eq!(
        providers("group=EU&theme=cybercrime.legislation"),
        set(&["ministry"])
    );
    assert_eq!(
        providers("q=100%25"),
        set(&["uni"]),
        "description text, percent literal"
    );
    assert_eq!(providers("country=FRA&kind=academia"), set(&["uni"]));

    // Case folds by Unicode rules on both backends, not SQLite's ASCII-only lower().
    app.import(r#"{"providers": [{"key": "ecole", "name": "École Numérique de Dakar", "kind": "academia"}]}"#);
    assert_eq!(
        providers("q=%C3%A9cole"),
        set(&["ecole"]),
        "école finds École"
    );
    assert_eq!(
        providers("q=%C3%89COLE%20NUM%C3%89RIQUE"),
        set(&["ecole"]),
        "ÉCOLE NUMÉRIQUE too"
    );
}

fn pages_show_counts_and_keep_filters_across_pages(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let many: Vec<String> = (0..25)
        .map(|i| {
            format!(
                r#"{{"key": "extra-{i:02}", "provider": "uni", "title": "Extra {i:02}", "description": "More",
                   "themes": ["standards.adoption"], "coverage": {{"countries": ["KEN"]}}, "status": "active"}}"#
            )
        })
        .collect();
    app.import(&format!(r#"{{"offerings": [{}]}}"#, many.join(",")));
    let first = app.page("/offerings?theme=standards.adoption&country=KEN");
    assert!(
        first.contains("26 offerings match these filters."),
        "25 extra and the draft"
    );
    assert!(first.contains("Page 1 of 2"));
    assert!(
        first.contains("href=\"/offerings?theme=standards.adoption&#38;country=KEN&#38;page=2\""),
        "{first}"
    );
    let (_, second) = app.get_json("/api/v1/offerings?theme=standards.adoption&country=KEN&page=2");
    assert_eq!(second["items"].as_array().unwrap().len(), 6);
    assert_eq!(second["page_count"], 2);
    assert!(
        first.contains("<option value=\"KEN\" selected>Kenya</option>"),
        "filter kept"
    );
}

/// For every country, the directory's `country=` answer, read from the
/// store, is exactly the offerings the domain rules say reach and admit it.
fn country_filter_agrees_with_the_domain_rule_for_every_country(backend: Backend) {
    let app = TestApp::with_demo(backend);
    app.import(CATALOGUE);
    let reference = &app.storage.reference;
    let mut conn = app.storage.pool.get().unwrap();
    let everything = PageRequest {
        number: 1,
        per_page: 1000,
    };
    let version = db::catalogue_version(&mut conn).unwrap();
    let directory = &app.storage.directory;
    let listed = directory
        .read(&mut conn, version, |d| {
            d.offerings(&Default::default(), everything)
        })
        .unwrap()
        .items;
    for country in reference.countries() {
        let params = CatalogueParams {
            country: Some(country.iso3.to_string()),
            ..Default::default()
        };
        let filter = params.resolve(reference).unwrap();
        let found: BTreeSet<String> = directory
            .read(&mut conn, version, |d| d.offerings(&filter, everything))
            .unwrap()
            .items
            .iter()
            .map(|o| o.key.to_string())
            .collect();
        let expected: BTreeSet<String> = listed
            .iter()
            .filter(|o| {
                o.data.coverage.reach(country, reference).is_some()
                    && o.data.eligibility.admits(country, reference)
            })
            .map(|o| o.key.to_string())
            .collect();
        assert_eq!(found, expected, "{}", country.iso3);
    }
}

fn lists_sort_by_name_or_by_last_change(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let titles = |path: &str| -> Vec<String> {
        app.json(path)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_name = titles("/api/v1/offerings");
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted, "by title unless asked otherwise");
    assert_eq!(titles("/api/v1/offerings?sort=name"), by_name);
    // The offering changed last comes first when sorted by change (the
    // import's changes are made older: times are kept in whole seconds).
    {
        use diesel::RunQueryDsl;
        let mut conn = app.storage.pool.get().unwrap();
        // Behind the application's back, so it says what moved as the
        // application's writes do: instances reload what has moved.
        for statement in [
            "UPDATE change_counters SET value = value + 1 WHERE name = 'catalogue'",
            "UPDATE offerings SET updated_at = '2020-01-01 00:00:00', \
             changed_in = (SELECT value FROM change_counters WHERE name = 'catalogue')",
        ] {
            diesel::sql_query(statement).execute(&mut *conn).unwrap();
        }
    }
    let mut edited = crate::fixtures::NEW_OFFERING.to_vec();
    edited.push(("version", "1"));
    assert_eq!(
        app.post_form("/offerings/west-africa-law", &edited)
            .status(),
        303
    );
    let by_change = titles("/api/v1/offerings?sort=updated");
    assert_eq!(by_change[0], "Forensics for prosecutors");
    assert_eq!(by_change.len(), by_name.len());
    let page = app.page("/offerings?sort=updated");
    assert!(page.contains("<option value=\"updated\" selected>Recently updated</option>"));
    assert_eq!(app.get("/offerings?sort=bogus").status(), 400);
    let providers = app.json("/api/v1/providers?sort=updated");
    assert!(providers["items"].as_array().is_some_and(|p| !p.is_empty()));
}

fn matches_sort_by_score(backend: Backend) {
    let app = TestApp::with_demo(backend);
    let scores: Vec<f64> = app.json("/api/v1/matches?sort=score")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert!(scores.len() > 1);
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let page = app.page("/matches?sort=score");
    assert!(page.contains("<option value=\"score\" selected>Highest score</option>"));
    assert!(page.contains("<th scope=\"col\">Score</th>"));
    assert_eq!(app.get("/matches?sort=worst").status(), 400);
}

/// Each instance keeps the directory in memory; a save on one is listed by
/// another at its next request, the record that moved and nothing else
/// read again.
fn a_save_on_one_instance_is_listed_by_another_at_its_next_request(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let other = app.another_instance();
    let elsewhere = reqwest::blocking::Client::new();
    let json = |path: &str| -> serde_json::Value {
        elsewhere
            .get(other.url(path))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let total = |path: &str| json(path)["total"].as_i64().unwrap();
    let listed = total("/api/v1/offerings");
    assert_eq!(total("/api/v1/offerings?q=forensics"), 0);
    // Added on one instance: listed on the other.
    let added = app.post_form("/offerings", &crate::fixtures::NEW_OFFERING);
    assert_eq!(added.status(), 303);
    assert_eq!(total("/api/v1/offerings?q=forensics"), 1);
    assert_eq!(total("/api/v1/offerings"), listed + 1);
    // Archived on one: gone from the other's lists and counts.
    let archived = app.post_form("/offerings/ghana-cert/archive", &[]);
    assert_eq!(archived.status(), 303);
    assert_eq!(total("/api/v1/offerings?q=cert%20set-up"), 0);
    assert_eq!(total("/api/v1/offerings"), listed);
    // A provider renamed: its offerings are found by its new name, and it
    // counts its listed offerings.
    app.import(
        r#"{"providers": [{"key": "uni", "name": "Institute of Forensic Computing",
            "kind": "academia", "hq_country": "GHA", "description": "Research"}]}"#,
    );
    let by_name = json("/api/v1/offerings?q=forensic%20computing");
    let mut found: Vec<&str> = by_name["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    found.sort_unstable();
    let forensics = location(&added);
    let forensics = forensics.trim_start_matches("/offerings/");
    let mut expected = vec![
        "draft-global",
        "low-income-only",
        "west-africa-law",
        forensics,
    ];
    expected.sort_unstable();
    assert_eq!(found, expected);
    let providers = json("/api/v1/providers?q=forensic%20computing");
    assert_eq!(providers["total"], 1);
    assert_eq!(providers["items"][0]["offering_count"], 4);
}

/// The language filter offers the languages listed offerings are in, as
/// they change; one waiting for review adds none; a language chosen from
/// elsewhere stays chosen.
fn the_language_filter_offers_the_languages_listed_offerings_are_in(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let offered = |path: &str| -> Vec<String> {
        let (status, page) = app.get_text(path);
        assert_eq!(status, 200, "{path}");
        let control = page
            .split("<select id=\"f-language\" name=\"language\">")
            .nth(1)
            .and_then(|rest| rest.split("</select>").next())
            .unwrap_or_else(|| panic!("{path} has no language filter"));
        control
            .split("<option value=\"")
            .skip(2)
            .map(|option| {
                let (value, rest) = option.split_once('"').unwrap();
                let marked = if rest.starts_with(" selected") {
                    "*"
                } else {
                    ""
                };
                format!("{value}{marked}")
            })
            .collect()
    };
    assert_eq!(offered("/offerings"), ["en", "fr"]);
    assert_eq!(offered("/providers"), ["en", "fr"]);
    app.import(
        r#"{"offerings": [{"key": "swahili-cert", "provider": "uni", "title": "CERT in Swahili",
            "description": "Advice", "themes": ["incident-ciip.cert"], "coverage": {"global": true},
            "languages": ["sw"], "status": "active"}]}"#,
    );
    assert_eq!(offered("/offerings"), ["en", "fr", "sw"]);
    // The only offering in French archived: French is no longer offered,
    // but a list already filtered by it shows that filter.
    let archived = app.post_form("/offerings/ghana-cert/archive", &[]);
    assert_eq!(archived.status(), 303);
    assert_eq!(offered("/offerings"), ["en", "sw"]);
    assert_eq!(offered("/providers?language=fr"), ["en", "fr*", "sw"]);
    assert_eq!(offered("/offerings?language=sw"), ["en", "sw*"]);
    // An editor's offering waiting for review is not listed, nor its language.
    let editor = app.person(&["editor:uni"]);
    let mut waiting = crate::fixtures::NEW_OFFERING.to_vec();
    waiting.push(("languages", "pt"));
    assert_eq!(
        app.post_form_as(&editor, "/offerings", &waiting).status(),
        303
    );
    assert_eq!(offered("/offerings"), ["en", "sw"]);
}

/// The list pages keep each offering's entry as rendered (`web::list_entries`):
/// one changed, or whose provider was renamed, is shown as it now is, on
/// every list and on every instance, and escaped like the rest of the page.
fn a_list_shows_each_offering_as_it_now_is(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    let other = app.another_instance();
    let elsewhere = reqwest::blocking::Client::new();
    let lists = [
        "/offerings",
        "/offerings?country=GHA&theme=incident-ciip",
        "/countries/GHA",
    ];
    let pages = || -> Vec<String> {
        let mut pages: Vec<String> = lists.iter().map(|path| app.page(path)).collect();
        pages.extend(lists.iter().map(|path| {
            let answer = elsewhere.get(other.url(path)).send().unwrap();
            assert_eq!(answer.status(), 200, "{path}");
            answer.text().unwrap()
        }));
        pages
    };
    for page in pages() {
        assert!(page.contains(">CERT set-up for Ghana</a>"));
        assert!(page.contains(">Cyber Institute</a>"));
    }
    let title = r#"CERT set-up for Ghana <b>& "partners"</b>"#;
    let name = "Cyber Institute <i>of Accra</i>";
    app.import(&format!(
        r#"{{"providers": [{{"key": "uni", "name": "{}", "kind": "academia",
              "hq_country": "GHA", "description": "Research"}}],
            "offerings": [{{"key": "ghana-cert", "provider": "uni", "title": "{}",
              "description": "National CERT advice", "themes": ["incident-ciip.cert"],
              "coverage": {{"countries": ["GHA"]}}, "modalities": ["advisory"],
              "languages": ["fr"], "status": "active"}}]}}"#,
        name,
        title.replace('"', "\\\""),
    ));
    for (page, path) in pages().iter().zip(lists.iter().chain(&lists)) {
        assert!(page.contains(&format!(">{}</a>", escaped(title))), "{path}");
        assert!(page.contains(&format!(">{}</a>", escaped(name))), "{path}");
        assert!(!page.contains("<b>") && !page.contains("<i>"), "{path}");
        // The offerings the provider's rename moved with it, too.
        if !path.contains("theme") {
            assert!(
                page.contains(">West African cybercrime law</a></h")
                    && page.matches(&format!(">{}</a>", escaped(name))).count() >= 2,
                "{path}"
            );
        }
    }
}

on_both_backends!(
    a_list_shows_each_offering_as_it_now_is,
    the_language_filter_offers_the_languages_listed_offerings_are_in,
    a_save_on_one_instance_is_listed_by_another_at_its_next_request,
    lists_sort_by_name_or_by_last_change,
    matches_sort_by_score,
    country_filter_follows_coverage_and_eligibility,
    theme_filter_includes_subthemes_of_a_parent,
    region_and_group_filters_reach_any_of_their_countries,
    other_filters_and_combinations,
    pages_show_counts_and_keep_filters_across_pages,
    country_filter_agrees_with_the_domain_rule_for_every_country,
);
