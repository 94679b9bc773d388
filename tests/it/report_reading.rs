//! Reports a coordinator can trust, find and read: the heat map agrees with
//! the gaps report, near misses name every failed condition, every report
//! can be reached from the pages people are on, reasons are in words, each
//! report says when it was computed, CSV opens in a spreadsheet, and pages
//! fit a phone with headings in order.

use crate::common::{Backend, TestApp, find, strings};
use crate::fixtures::NEEDS;
use crate::on_both_backends;

/// Besides [`CATALOGUE`] and [`NEEDS`]: two African offerings on culture
/// sub-themes Senegal did not ask for, a Commonwealth programme for AU
/// members (Brazil is neither), and needs of Senegal, Brazil and Côte
/// d'Ivoire.
const MORE: &str = r#"{
  "offerings": [
    {"key": "africa-education", "provider": "uni", "title": "Cyber security curricula for Africa", "description": "Education",
     "themes": ["culture-skills.education"], "coverage": {"regions": ["002"]}, "status": "active"},
    {"key": "africa-workforce", "provider": "ministry", "title": "Workforce certification for Africa", "description": "Workforce",
     "themes": ["culture-skills.workforce"], "coverage": {"regions": ["002"]}, "status": "active"},
    {"key": "commonwealth-africa", "provider": "uni", "title": "Commonwealth confidence building for Africa", "description": "CBMs",
     "themes": ["international-security.cbms"], "coverage": {"groups": ["AU"]}, "eligibility": {"groups": ["COMMONWEALTH"]}, "status": "active"}
  ],
  "assessments": [
    {"key": "sen-2026", "country": "SEN", "status": "submitted",
     "needs": [{"key": "sen-2026-1", "theme": "culture-skills.awareness", "priority": "high", "current_stage": 1, "target_stage": 3,
                "description": "Awareness raising"}]},
    {"key": "bra-2026", "country": "BRA", "status": "submitted",
     "needs": [{"key": "bra-2026-1", "theme": "international-security.cbms", "priority": "medium", "current_stage": 1, "target_stage": 2,
                "description": "Regional confidence building"}]},
    {"key": "civ-2026", "country": "CIV", "status": "submitted",
     "needs": [{"key": "civ-2026-1", "theme": "cybercrime.judiciary", "priority": "high", "current_stage": 2, "target_stage": 3,
                "description": "Judges"}]}
  ]
}"#;

fn app(backend: Backend) -> TestApp {
    let app = TestApp::with_catalogue(backend);
    app.import(NEEDS);
    app.import(MORE);
    app
}

fn cell<'a>(coverage: &'a serde_json::Value, theme: &str, column: &str) -> &'a serde_json::Value {
    let c = coverage["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["code"] == column)
        .unwrap();
    let row = find(&coverage["rows"], "theme", theme);
    &row["cells"][c]
}

fn the_heat_map_counts_supply_by_the_engines_rules(backend: Backend) {
    let app = app(backend);
    let (_, coverage) = app.get_json("/reports/coverage?format=json");
    let culture = cell(&coverage, "culture-skills", "002");
    assert_eq!(culture["open_needs"], 1, "Senegal's awareness need");
    assert_eq!(
        culture["offerings"], 0,
        "offerings on other sub-themes match nothing asked"
    );
    assert_eq!(culture["matched_needs"], 0);
    let (_, page) = app.get_text("/reports/coverage");
    assert!(
        page.contains("<td class=\"heat-unserved\"><a href=\"/reports/gaps?show=all&amp;theme=culture-skills&amp;region=002\">0 of 1<"),
        "shaded as unserved, saying no need of one has a match"
    );
    let (_, gaps) = app.get_json("/reports/gaps?format=json&theme=culture-skills&region=002");
    let listed: Vec<&str> = strings(&gaps["needs"], "key");
    assert_eq!(listed, ["sen-2026-1"], "the cell's one need is a gap");

    // A served cell lists no gap: Ghana's judiciary need and Côte
    // d'Ivoire's are matched well; Ghana's legislation need weakly or not.
    let cybercrime = cell(&coverage, "cybercrime", "002");
    let open = cybercrime["open_needs"].as_u64().unwrap();
    let served = cybercrime["served_needs"].as_u64().unwrap();
    let (_, gaps) = app.get_json("/reports/gaps?format=json&theme=cybercrime&region=002");
    assert_eq!(
        open - served,
        gaps["needs"].as_array().unwrap().len() as u64,
        "cell and gaps report count alike"
    );
    let csv = app.get("/reports/coverage?format=csv").text().unwrap();
    assert!(csv.contains(
        "culture-skills,002,Africa,1,0,0.00,Cyber security culture and skills,0,0,unserved"
    ));
}

fn near_misses_name_every_condition_they_fail(backend: Backend) {
    let app = app(backend);
    let (_, brazil) = app.get_json("/reports/countries/BRA?format=json");
    let misses = brazil["needs"][0]["near_misses"].as_array().unwrap();
    let found: Vec<(&str, &str, &str)> = misses
        .iter()
        .map(|m| {
            (
                m["offering"].as_str().unwrap(),
                m["failed"].as_str().unwrap(),
                m["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "commonwealth-only",
                "eligibility",
                "eligible only for members of COMMONWEALTH"
            ),
            (
                "commonwealth-africa",
                "coverage",
                "offered to members of AU only; eligible only for members of COMMONWEALTH"
            ),
        ],
        "one failed condition before two"
    );
    let (_, page) = app.get_text("/reports/countries/BRA");
    assert!(page.contains(
        "Commonwealth confidence building for Africa</a> (Cyber Institute). Not offered in Brazil: offered to members of African Union only. Brazil may not take part: only members of Commonwealth of Nations may."
    ));
    let csv = app.get("/reports/countries/BRA?format=csv").text().unwrap();
    assert!(csv.contains("near-miss,,commonwealth-africa,"));
    assert!(csv.contains(",coverage eligibility,"), "{csv}");
}

fn every_report_can_be_found_from_where_people_are(backend: Backend) {
    let app = app(backend);
    let (_, country) = app.get_text("/countries/GHA");
    assert!(country.contains("href=\"/reports/countries/GHA\""));
    let (_, assessment) = app.get_text("/assessments/gha-2026");
    assert!(assessment.contains("href=\"/reports/countries/GHA\""));
    let (_, provider) = app.get_text("/providers/ministry");
    assert!(provider.contains("href=\"/reports/providers/ministry\""));
    let (_, provider_report) = app.get_text("/reports/providers/ministry");
    assert!(provider_report.contains("href=\"/reports/countries/GHA\""));

    let index = app.page("/reports");
    for iso3 in ["GHA", "NER", "SEN", "BRA", "CIV"] {
        assert!(
            index.contains(&format!("href=\"/reports/countries/{iso3}\"")),
            "{iso3} has open needs"
        );
    }
    assert!(index.contains("Ghana</a> <span class=\"muted\">3 open needs</span>"));
    assert!(
        !index.contains("/reports/countries/KEN"),
        "a draft has no open needs"
    );
    assert!(index.contains("href=\"/reports/providers/ministry\""));
    assert!(index.contains("href=\"/reports/providers/uni\""));

    let (_, found) = app.get_text("/reports?q=niger");
    assert!(found.contains("/reports/countries/NER"));
    assert!(!found.contains("/reports/countries/GHA"));
    let (_, found) = app.get_text("/reports?q=cote");
    assert!(
        found.contains("/reports/countries/CIV"),
        "accents folded: cote finds Côte d'Ivoire"
    );
    let (_, found) = app.get_text("/reports?q=ministry");
    assert!(found.contains("/reports/providers/ministry"));
    assert!(!found.contains("/reports/providers/uni\""));
    assert!(found.contains("No country with open needs matches “ministry”."));
    let (_, hostile) = app.get_text("/reports?q=%3Cscript%3Ealert(1)%3C/script%3E");
    assert!(!hostile.contains("<script>alert"), "the search is escaped");
}

fn reports_speak_in_names_and_keep_codes_for_tools(backend: Backend) {
    let app = app(backend);
    let (_, page) = app.get_text("/reports/countries/GHA");
    for words in [
        "Works on Prosecutors and judges, the sub-theme asked for",
        "Offered worldwide",
        "Works in English, as asked",
        "Provides training, as preferred",
        "No limit on how many engagements it takes on",
        "High priority, to climb from stage 1 (start-up) to 3 (established)",
        "Open to every country",
        "Works on all of Cybercrime, which includes Prosecutors and judges",
        "Offered across Africa",
    ] {
        assert!(page.contains(words), "{words}");
    }
    for engineering in [
        "cybercrime.judiciary",
        "× 0.",
        "(en)",
        "geography 1",
        "offers exactly",
    ] {
        assert!(
            !page.contains(engineering),
            "{engineering} is not for people"
        );
    }
    let (_, overlaps) = app.get_text("/reports/overlaps");
    assert!(overlaps.contains(">Cybercrime programme for Africa</a>"));
    assert!(overlaps.contains(">West African cybercrime law</a>"));
    assert!(!overlaps.contains(">africa-cybercrime</a>"));

    let (_, json) = app.get_json("/reports/countries/GHA?format=json");
    assert_eq!(
        json["needs"][0]["matches"][0]["factors"][0]["reason"],
        "offers exactly cybercrime.judiciary",
        "the JSON keeps its codes"
    );
    let body = app.get("/reports/countries/GHA?format=csv").text().unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[column("theme")], "cybercrime.judiciary");
    assert_eq!(&row[column("theme_name")], "Prosecutors and judges");
    assert_eq!(&row[column("country")], "GHA");
    assert_eq!(&row[column("country_name")], "Ghana");
}

fn reports_say_when_they_were_computed_and_print_whole(backend: Backend) {
    let app = app(backend);
    for path in [
        "/reports/countries/GHA",
        "/reports/providers/ministry",
        "/reports/coverage",
        "/reports/gaps",
        "/reports/overlaps",
    ] {
        let page = app.page(path);
        assert!(
            page.contains("<p class=\"provenance\">Computed on "),
            "{path}"
        );
        assert!(page.contains(" from catalogue version "), "{path}");
        assert!(!page.contains("<details"), "{path}: nothing printed hides");
        assert!(
            page.contains("<p class=\"screen-only\">Download as <a href=\"?"),
            "{path}: links that mean nothing on paper are not printed"
        );
    }
    let (_, country) = app.get_text("/reports/countries/GHA");
    assert!(country.contains("<section class=\"weights\" id=\"how-matches-are-scored\""));
    let css = app.get("/static/style.css").text().unwrap();
    let print = &css[css.find("@media print").unwrap()..];
    assert!(print.contains(".screen-only"));
    assert!(
        !css.contains(".need-report { break-inside: avoid"),
        "a long need may break across pages"
    );

    for path in [
        "/reports/countries/CIV?format=csv",
        "/reports/gaps?format=csv",
        "/reports/overlaps?format=csv",
        "/reports/coverage?format=csv",
    ] {
        let bytes = app.get(path).bytes().unwrap();
        assert!(
            bytes.starts_with("\u{feff}".as_bytes()),
            "{path}: a UTF-8 byte-order mark, so Excel reads accents"
        );
    }
    let civ = app
        .get("/reports/countries/CIV?format=csv")
        .bytes()
        .unwrap();
    let text = std::str::from_utf8(&civ).unwrap();
    assert!(text.contains(",Côte d'Ivoire,"));
}

/// Heading levels in page order.
fn headings(page: &str) -> Vec<u8> {
    page.match_indices("<h")
        .filter_map(|(i, _)| {
            let level = page.as_bytes().get(i + 2)?;
            let after = page.as_bytes().get(i + 3)?;
            ((b'1'..=b'6').contains(level) && (*after == b'>' || *after == b' '))
                .then_some(level - b'0')
        })
        .collect()
}

fn pages_fit_a_phone_and_keep_headings_in_order(backend: Backend) {
    let app = app(backend);
    for path in [
        "/reports",
        "/reports/countries/GHA",
        "/reports/providers/ministry",
        "/reports/coverage",
        "/reports/gaps",
        "/reports/overlaps",
        "/countries/GHA",
        "/providers",
        "/offerings",
    ] {
        let page = app.page(path);
        let levels = headings(&page);
        assert_eq!(levels.first(), Some(&1), "{path}");
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "{path}: h{} after h{}",
                pair[1],
                pair[0]
            );
        }
        for (i, _) in page.match_indices("<table") {
            let tag = &page[i..i + page[i..].find('>').unwrap()];
            let opened = page[..i].rfind("<div class=\"table-scroll\"");
            let scrolls = opened.is_some() && opened > page[..i].rfind("</div>");
            assert!(
                tag.contains("reflow") || scrolls,
                "{path}: {tag} neither reflows nor scrolls in its own box"
            );
        }
    }
    let (_, coverage) = app.get_text("/reports/coverage");
    let cells: Vec<&str> = coverage
        .split("<td class=\"heat-")
        .skip(1)
        .map(|rest| &rest[..rest.find("</td>").unwrap()])
        .collect();
    assert!(!cells.is_empty());
    for cell in cells {
        assert!(!cell.contains("aria-label"), "its name is its text: {cell}");
        if let Some(link) = cell.find("<a ") {
            let text = &cell[link + cell[link..].find('>').unwrap() + 1..];
            assert!(
                text.starts_with(|c: char| c.is_ascii_digit()),
                "the link's name starts with the count it shows: {cell}"
            );
        }
    }
}

/// WCAG's contrast ratio of two `#rrggbb` colours.
fn contrast(a: &str, b: &str) -> f64 {
    let luminance = |hex: &str| {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    };
    let (l1, l2) = (luminance(a), luminance(b));
    (l1.max(l2) + 0.05) / (l1.min(l2) + 0.05)
}

fn the_focus_ring_stands_out(backend: Backend) {
    let app = TestApp::empty(backend);
    let css = app.get("/static/style.css").text().unwrap();
    let start = css.find("--focus: ").unwrap() + "--focus: ".len();
    let focus = &css[start..start + 7];
    assert!(contrast(focus, "#ffffff") >= 3.0, "{focus} against white");
    assert!(css.contains("a:focus, input:focus, select:focus, textarea:focus, button:focus"));
    assert!(css.contains("outline: 3px solid var(--focus)"));
    assert!(
        contrast("#f9a825", "#ffffff") < 3.0,
        "the old amber ring, which this test would refuse"
    );
}

on_both_backends!(
    the_heat_map_counts_supply_by_the_engines_rules,
    near_misses_name_every_condition_they_fail,
    every_report_can_be_found_from_where_people_are,
    reports_speak_in_names_and_keep_codes_for_tools,
    reports_say_when_they_were_computed_and_print_whole,
    pages_fit_a_phone_and_keep_headings_in_order,
    the_focus_ring_stands_out,
);
