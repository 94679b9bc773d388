//! Confidential needs: each assessment's visibility decides who reads its
//! needs, on every page, report, CSV, JSON document and API answer; counts
//! include every need and name none.

use crate::common::{Backend, TestApp, Visitor, location};
use crate::on_both_backends;

/// Three countries' assessments, one at each visibility, each with a need
/// the catalogue fixture serves and a description that marks it.
pub const ASSESSMENTS: &str = r#"{"providers": [], "offerings": [], "assessments": [
  {"key": "gha-2026", "country": "GHA", "visibility": "public", "needs": [
    {"theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1, "target_stage": 3,
     "description": "NEED-OF-GHANA"}]},
  {"key": "ken-2026", "country": "KEN", "visibility": "registered", "needs": [
    {"theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1, "target_stage": 3,
     "description": "NEED-OF-KENYA"}]},
  {"key": "sen-2026", "country": "SEN", "visibility": "restricted", "needs": [
    {"theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1, "target_stage": 3,
     "description": "NEED-OF-SENEGAL"}]}
]}"#;

/// Each country, its need's description (in pages and CSV) and its need's
/// key (in JSON too).
const MARKS: [(&str, &str, &str); 3] = [
    ("GHA", "NEED-OF-GHANA", "gha-2026-1"),
    ("KEN", "NEED-OF-KENYA", "ken-2026-1"),
    ("SEN", "NEED-OF-SENEGAL", "sen-2026-1"),
];

/// Every address that could show a country's needs, in every format.
fn surfaces(iso3: &str, key: &str) -> Vec<String> {
    let mut paths = vec![
        format!("/countries/{iso3}"),
        format!("/countries/{iso3}/assessments"),
        format!("/api/v1/countries/{iso3}"),
        format!("/api/v1/countries/{iso3}/matches"),
        format!("/assessments/{key}"),
        format!("/assessments/{key}/revisions/1"),
    ];
    for format in ["", "?format=csv", "?format=json"] {
        paths.push(format!("/reports/countries/{iso3}{format}"));
        paths.push(format!("/reports/providers/ministry{format}"));
        paths.push(format!("/reports/overlaps{format}"));
    }
    for format in ["", "&format=csv", "&format=json"] {
        paths.push(format!("/reports/gaps?show=all{format}"));
    }
    paths
}

fn body(app: &TestApp, visitor: &Visitor, path: &str) -> (u16, String) {
    let answer = app.get_as(visitor, path);
    (answer.status().as_u16(), answer.text().unwrap())
}

fn each_reader_reads_only_what_the_visibility_allows(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(ASSESSMENTS);
    let readers: Vec<(&str, Visitor, [bool; 3])> = vec![
        ("nobody", app.anonymous(), [true, false, false]),
        (
            "an editor",
            app.person(&["editor:uni"]),
            [true, true, false],
        ),
        (
            "Kenya's focal point",
            app.person(&["focal-point:KEN"]),
            [true, true, false],
        ),
        (
            "Senegal's focal point",
            app.person(&["focal-point:SEN"]),
            [true, true, true],
        ),
        (
            "the secretariat",
            app.person(&["secretariat"]),
            [true, true, true],
        ),
    ];
    for (who, visitor, may) in &readers {
        for (i, (iso3, mark, need)) in MARKS.iter().enumerate() {
            let key = format!("{}-2026", iso3.to_ascii_lowercase());
            for path in surfaces(iso3, &key) {
                let (status, text) = body(&app, visitor, &path);
                // Reports that list other countries' needs are checked for
                // every mark, wherever they are asked from.
                for (j, (_, other, other_need)) in MARKS.iter().enumerate() {
                    if text.contains(other) || text.contains(other_need) {
                        assert!(may[j], "{who} reads {other} at {path}");
                    }
                }
                if path.starts_with("/assessments/") {
                    let expected = match (may[i], *who) {
                        (true, _) => 200,
                        (false, "nobody") => 303,
                        (false, _) => 403,
                    };
                    assert_eq!(status, expected, "{who} at {path}");
                } else {
                    assert_eq!(status, 200, "{who} at {path}");
                }
                let lists_needs = path.starts_with("/assessments/")
                    || path.starts_with(&format!("/reports/countries/{iso3}"));
                if may[i] && lists_needs {
                    assert!(text.contains(need), "{who} reads {need} at {path}");
                    if !path.ends_with("json") {
                        assert!(text.contains(mark), "{who} reads {mark} at {path}");
                    }
                }
            }
        }
    }
}

/// The coverage map and the gaps report count every need, whoever reads
/// them; the gaps report lists only what the reader may read and says how
/// many it does not list.
fn counts_include_every_need_and_name_none(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(ASSESSMENTS);
    let open_needs = |visitor: &Visitor| {
        let (_, text) = body(&app, visitor, "/reports/coverage?format=json");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row["cells"].as_array().unwrap().iter())
            .map(|cell| cell["open_needs"].as_u64().unwrap())
            .sum::<u64>()
    };
    let nobody = app.anonymous();
    assert_eq!(open_needs(&nobody), open_needs(&app.client));
    let (_, gaps) = body(&app, &nobody, "/reports/gaps?show=all");
    assert!(gaps.contains("3 needs"), "{gaps}");
    assert!(
        gaps.contains("2 of them are counted but not listed"),
        "{gaps}"
    );
    let (_, json) = body(&app, &nobody, "/reports/gaps?show=all&format=json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["not_shown"], 2);
    assert_eq!(json["needs"].as_array().unwrap().len(), 1);
}

/// The focal point decides who may read, on the assessment's page; the
/// change is in the audit log and takes effect at once.
fn the_focal_point_sets_who_may_read(backend: Backend) {
    let app = TestApp::with_catalogue(backend);
    app.import(ASSESSMENTS);
    let nobody = app.anonymous();
    assert_eq!(body(&app, &nobody, "/assessments/ken-2026").0, 303);
    let focal = app.person(&["focal-point:KEN"]);
    let (_, page) = body(&app, &focal, "/assessments/ken-2026");
    assert!(page.contains("Who may read these needs"));
    let other = app.person(&["focal-point:GHA"]);
    let refused = app.post_form_as(
        &other,
        "/assessments/ken-2026/visibility",
        &[("visibility", "public")],
    );
    assert_eq!(refused.status(), 403);
    let made_public = app.post_form_as(
        &focal,
        "/assessments/ken-2026/visibility",
        &[("visibility", "public")],
    );
    assert_eq!(location(&made_public), "/assessments/ken-2026");
    let (status, page) = body(&app, &nobody, "/reports/countries/KEN");
    assert_eq!(status, 200);
    assert!(page.contains("NEED-OF-KENYA"), "public now");
    let bad = app.post_form_as(
        &focal,
        "/assessments/ken-2026/visibility",
        &[("visibility", "everyone")],
    );
    assert_eq!(bad.status(), 400);
    let restricted = app.post_form_as(
        &focal,
        "/assessments/ken-2026/visibility",
        &[("visibility", "restricted")],
    );
    assert_eq!(restricted.status(), 303);
    let editor = app.person(&["editor:uni"]);
    assert!(
        !body(&app, &editor, "/reports/countries/KEN")
            .1
            .contains("NEED-OF-KENYA")
    );
    let log = app.page("/audit?record=assessment&key=ken-2026");
    assert!(
        log.contains(focal.email()) && log.contains("visibility"),
        "{log}"
    );
    // The export keeps it, and a new assessment is for signed-in readers.
    let export = {
        let mut conn = app.storage.pool.get().unwrap();
        capmatch::interchange::to_json(&capmatch::interchange::export(&mut conn).unwrap())
    };
    assert!(export.contains("\"visibility\": \"restricted\""));
    let submitted = crate::assessments::submit_ghana(&app);
    let (_, page) = body(&app, &app.client, &submitted);
    assert!(
        page.contains("Anyone signed in"),
        "registered until decided"
    );
}

on_both_backends!(
    each_reader_reads_only_what_the_visibility_allows,
    counts_include_every_need_and_name_none,
    the_focal_point_sets_who_may_read,
);
