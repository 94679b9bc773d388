//! Every report on both backends: the country report's JSON contract, CSV
//! with hostile text, a country with no needs, a need with no match, gaps,
//! overlaps, coverage and the provider report.

use std::collections::BTreeSet;

use crate::common::{Backend, TestApp, find, header, strings};
use crate::fixtures::NEEDS;
use crate::on_both_backends;

fn app(backend: Backend) -> TestApp {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    app
}

fn object_keys(value: &serde_json::Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn the_country_report_json_follows_the_contract(backend: Backend) {
    let app = app(backend);
    let report = app.json("/reports/countries/GHA?format=json");
    assert_eq!(object_keys(&report), BTreeSet::from(["country", "needs"]));
    assert_eq!(report["country"], "GHA");
    let needs = report["needs"].as_array().unwrap();
    let order: Vec<&str> = needs.iter().map(|n| n["key"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        ["gha-2026-1", "gha-2026-2", "gha-2026-3"],
        "highest priority first"
    );
    let judiciary = &needs[0];
    assert_eq!(
        object_keys(judiciary),
        BTreeSet::from(["key", "theme", "priority", "matches", "near_misses"])
    );
    assert_eq!(judiciary["theme"], "cybercrime.judiciary");
    assert_eq!(judiciary["priority"], "high");
    let matches = judiciary["matches"].as_array().unwrap();
    let ranked: Vec<&str> = matches
        .iter()
        .map(|m| m["offering"].as_str().unwrap())
        .collect();
    assert_eq!(
        ranked,
        ["global-judiciary", "africa-cybercrime"],
        "exact sub-theme first; drafts never match"
    );
    let best = &matches[0];
    assert_eq!(
        object_keys(best),
        BTreeSet::from(["offering", "provider", "score", "factors"])
    );
    assert_eq!(best["provider"], "ministry");
    assert!(best["score"].as_f64().unwrap() > matches[1]["score"].as_f64().unwrap());
    let factor = &best["factors"][0];
    assert_eq!(
        object_keys(factor),
        BTreeSet::from(["name", "weight", "value", "reason"])
    );
    assert_eq!(factor["name"], "theme");
    assert_eq!(factor["weight"], 0.3);
    assert_eq!(factor["value"], 1.0);
    assert_eq!(factor["reason"], "offers exactly cybercrime.judiciary");
    assert_eq!(
        needs[2]["matches"],
        serde_json::json!([]),
        "a need with no match"
    );

    let (_, niger) = app.get_json("/reports/countries/NER?format=json");
    let miss = &niger["needs"][0]["near_misses"][0];
    assert_eq!(
        object_keys(miss),
        BTreeSet::from(["offering", "provider", "failed", "reason"])
    );
    assert_eq!(miss["offering"], "commonwealth-only");
    assert_eq!(miss["failed"], "eligibility");
    assert_eq!(miss["reason"], "eligible only for members of COMMONWEALTH");

    let (_, api) = app.get_json("/api/v1/countries/GHA/matches");
    assert_eq!(api, report, "the API serves the same document");
}

fn the_country_report_page_explains_and_escapes(backend: Backend) {
    let app = app(backend);
    let page = app.page("/reports/countries/GHA");
    assert!(page.contains("How matches are scored"), "weights shown");
    assert!(page.contains("<code>geography</code></td><td data-label=\"Weight\">0.25</td>"));
    assert!(page.contains("Works on Prosecutors and judges, the sub-theme asked for"));
    assert!(page.contains("No offering meets every condition for this need."));
    assert!(!page.contains("<script>alert"), "need text escaped");
    let (_, france) = app.get_text("/reports/countries/FRA");
    assert!(france.contains("France has no open needs in a submitted assessment."));
    let (_, json) = app.get_json("/reports/countries/FRA?format=json");
    assert_eq!(json, serde_json::json!({"country": "FRA", "needs": []}));
    let (_, kenya) = app.get_json("/reports/countries/KEN?format=json");
    assert_eq!(
        kenya["needs"],
        serde_json::json!([]),
        "draft needs are not open needs"
    );
    assert_eq!(app.get("/reports/countries/XXX").status(), 404);
    assert_eq!(app.get("/reports/countries/GHA?format=pdf").status(), 400);
    assert_eq!(app.get("/reports/countries/GHA?limit=lots").status(), 400);
}

fn csv_has_a_header_and_survives_hostile_text(backend: Backend) {
    let app = app(backend);
    let response = app.get("/reports/countries/GHA?format=csv");
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/csv"));
    let body = response.text().unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        &header[..6],
        [
            "country",
            "assessment",
            "need",
            "theme",
            "priority",
            "need_description"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every row has every column"
    );
    let legislation = rows.iter().find(|r| &r[2] == "gha-2026-2").unwrap();
    assert_eq!(
        &legislation[5],
        "'=HYPERLINK(\"http://evil\"), a \"quoted\" comma,\nand a new line <script>alert(1)</script>",
        "quoted, kept whole, and inert as a formula"
    );
    let gap = rows.iter().find(|r| &r[2] == "gha-2026-3").unwrap();
    assert_eq!(&gap[6], "none");
}

fn gaps_list_needs_nobody_serves_well(backend: Backend) {
    let app = app(backend);
    let gaps = app.json("/reports/gaps?format=json");
    let keys: Vec<&str> = strings(&gaps["needs"], "key");
    assert!(keys.contains(&"gha-2026-3"), "no match at all");
    assert!(keys.contains(&"ner-2026-1"), "only a near miss");
    assert!(!keys.contains(&"gha-2026-1"), "well served");
    let niger = find(&gaps["needs"], "key", "ner-2026-1");
    assert_eq!(niger["near_misses"][0]["offering"], "commonwealth-only");
    let (_, page) = app.get_text("/reports/gaps");
    assert!(page.contains("Vulnerability disclosure"));
    let (_, africa) =
        app.get_json("/reports/gaps?format=json&show=all&theme=cybercrime&region=011");
    let keys: Vec<&str> = strings(&africa["needs"], "key");
    assert_eq!(
        keys,
        ["gha-2026-1", "gha-2026-2"],
        "a coverage cell's needs"
    );
    assert_eq!(app.get("/reports/gaps?theme=nonsense").status(), 400);
}

fn overlaps_show_providers_converging_on_a_need(backend: Backend) {
    let app = app(backend);
    let json = app.json("/reports/overlaps?format=json");
    let overlaps = json["overlaps"].as_array().unwrap();
    assert_eq!(overlaps.len(), 1, "{json}");
    assert_eq!(overlaps[0]["country"], "GHA");
    assert_eq!(overlaps[0]["theme"], "cybercrime.legislation");
    let providers: Vec<&str> = strings(&overlaps[0]["providers"], "provider");
    assert_eq!(
        providers,
        ["uni", "ministry"],
        "the best match first: uni's offering is on the exact sub-theme"
    );
    assert_eq!(overlaps[0]["provider_count"], 2);
    assert_eq!(overlaps[0]["offering_count"], 2);
    let (_, page) = app.get_text("/reports/overlaps");
    assert!(page.contains("<h2>1 overlap</h2>"));
    let csv = app.get("/reports/overlaps?format=csv").text().unwrap();
    let csv = csv
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    assert!(csv.starts_with("country,theme,needs,providers,provider,provider_name,offerings,"));
}

fn coverage_sets_supply_against_demand(backend: Backend) {
    let app = app(backend);
    let json = app.json("/reports/coverage?format=json");
    let columns: Vec<&str> = strings(&json["columns"], "code");
    assert_eq!(columns.len(), 5);
    let africa = columns.iter().position(|c| *c == "002").unwrap();
    let cybercrime = find(&json["rows"], "theme", "cybercrime");
    let cell = &cybercrime["cells"][africa];
    assert_eq!(
        cell["open_needs"], 2,
        "Ghana's judiciary and legislation needs"
    );
    // Active offerings on cybercrime reaching some African country: global-judiciary, africa-cybercrime, west-africa-law.
    assert_eq!(cell["offerings"], 3);
    assert_eq!(cell["ratio"], 1.5);
    let (_, groups) = app.get_json("/reports/coverage?format=json&columns=groups");
    assert_eq!(groups["columns"].as_array().unwrap().len(), 9);
    let (_, page) = app.get_text("/reports/coverage?columns=subregions");
    assert!(page.contains("class=\"heat-"));
    assert!(
        page.contains("href=\"/reports/gaps?show=all&amp;theme=cybercrime&amp;region=202\""),
        "cells link to their needs"
    );
    assert_eq!(app.get("/reports/coverage?columns=planets").status(), 400);
}

fn the_provider_report_lists_needs_by_country_and_near_misses(backend: Backend) {
    let app = app(backend);
    let json = app.json("/reports/providers/ministry?format=json");
    let countries: Vec<&str> = strings(&json["countries"], "country");
    assert_eq!(countries, ["GHA", "NER"]);
    let niger = &json["countries"][1]["needs"][0];
    assert_eq!(niger["matches"], serde_json::json!([]));
    assert_eq!(
        niger["near_misses"][0]["reason"],
        "eligible only for members of COMMONWEALTH"
    );
    let (_, page) = app.get_text("/reports/providers/ministry");
    assert!(page.contains("<h2>Ghana</h2>") && page.contains("<h2>Niger</h2>"));
    assert_eq!(app.get("/reports/providers/nobody").status(), 404);
}

fn reports_follow_changes_to_the_catalogue(backend: Backend) {
    let app = app(backend);
    let (_, before) = app.get_json("/reports/countries/GHA?format=json");
    assert_eq!(
        before["needs"][0]["matches"][0]["offering"],
        "global-judiciary"
    );
    assert_eq!(
        app.post_form("/offerings/global-judiciary/archive", &[])
            .status(),
        303
    );
    let (_, after) = app.get_json("/reports/countries/GHA?format=json");
    assert_eq!(
        after["needs"][0]["matches"][0]["offering"], "africa-cybercrime",
        "archived offerings are never matched"
    );
    // New needs show at once too: cached reports follow the assessments.
    let (_, france) = app.get_json("/reports/countries/FRA?format=json");
    assert_eq!(france["needs"], serde_json::json!([]));
    app.import(r#"{"assessments": [{"key": "fra-2026", "country": "FRA", "needs": [{"key": "fra-2026-1",
        "theme": "cybercrime.legislation", "priority": "high", "current_stage": 2, "target_stage": 4, "description": "Law"}]}]}"#);
    let (_, france) = app.get_json("/reports/countries/FRA?format=json");
    assert_eq!(france["needs"][0]["matches"][0]["offering"], "eu-law");
}

/// The engine's catalogue follows each save offering by offering, and a
/// report keeps what a need found only while nothing it could find moved:
/// an offering that arrives, moves to another theme, stops, and whose
/// provider is renamed shows at once in every need it concerns.
fn reports_follow_each_offering_as_it_moves(backend: Backend) {
    let app = app(backend);
    let offered = |need: usize| -> Vec<String> {
        let (_, report) = app.get_json("/reports/countries/GHA?format=json");
        report["needs"][need]["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["offering"].as_str().unwrap().to_owned())
            .collect()
    };
    let (judiciary, legislation, software) = (0, 1, 2);
    assert_eq!(
        offered(judiciary),
        ["global-judiciary", "africa-cybercrime"]
    );
    assert_eq!(
        offered(legislation),
        ["west-africa-law", "africa-cybercrime"]
    );
    assert_eq!(offered(software), Vec::<String>::new());

    let ghana_judges = |theme: &str, status: &str| {
        format!(
            r#"{{"offerings": [{{"key": "ghana-judges", "provider": "uni", "title": "Judges in Ghana",
            "description": "Courts", "themes": ["{theme}"], "coverage": {{"countries": ["GHA"]}}, "modalities": ["training"],
            "languages": ["en"], "status": "{status}"}}]}}"#
        )
    };
    app.import(&ghana_judges("cybercrime.judiciary", "active"));
    assert_eq!(
        offered(judiciary),
        ["ghana-judges", "global-judiciary", "africa-cybercrime"],
        "a new offering naming the country ranks above a worldwide one"
    );
    assert_eq!(
        offered(legislation),
        ["west-africa-law", "africa-cybercrime"]
    );

    app.import(&ghana_judges("standards.secure-software", "active"));
    assert_eq!(
        offered(judiciary),
        ["global-judiciary", "africa-cybercrime"]
    );
    assert_eq!(
        offered(software),
        ["ghana-judges"],
        "moved to another theme"
    );

    app.import(&ghana_judges("standards.secure-software", "paused"));
    assert_eq!(
        offered(software),
        Vec::<String>::new(),
        "paused: not active"
    );

    let (_, page) = app.get_text("/reports/countries/GHA");
    assert!(page.contains("Cyber Institute"));
    app.import(
        r#"{"providers": [{"key": "uni", "name": "Institute of Cyber Studies", "kind": "academia",
        "hq_country": "GHA", "description": "Research 100% on CERTs"}]}"#,
    );
    let (_, page) = app.get_text("/reports/countries/GHA");
    assert!(page.contains("Institute of Cyber Studies") && !page.contains("Cyber Institute"));
}

on_both_backends!(
    the_country_report_json_follows_the_contract,
    the_country_report_page_explains_and_escapes,
    csv_has_a_header_and_survives_hostile_text,
    gaps_list_needs_nobody_serves_well,
    overlaps_show_providers_converging_on_a_need,
    coverage_sets_supply_against_demand,
    the_provider_report_lists_needs_by_country_and_near_misses,
    reports_follow_changes_to_the_catalogue,
    reports_follow_each_offering_as_it_moves,
);
