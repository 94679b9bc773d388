//! The form and the file are read by one parser: for any values, a record
//! posted as a form (encoded as a browser does, read as the server does)
//! and the same record in an import file get the same problems, at the
//! same fields, with the same words.

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::import::check;
use super::{Document, parse};
use crate::domain::assessment::{AssessmentInput, Deadlines, Intent};
use crate::domain::problems::FieldErrors;
use crate::domain::{OfferingInput, ProviderInput, ReferenceData};
use crate::reference_data;

/// A problem as both fronts name it: the field's path in the file, and the message.
type Problem = (String, String);

/// A form body as a browser encodes it, read as the server reads it.
fn posted<T: DeserializeOwned>(pairs: &[(String, String)]) -> T {
    let body = serde_html_form::to_string(pairs).unwrap();
    crate::web::forms::parser().deserialize_str(&body).unwrap()
}

fn from_form(parsed: Result<(), FieldErrors>) -> Vec<Problem> {
    let mut problems: Vec<Problem> = match parsed {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| (e.path.file_path(), e.message.clone()))
            .collect(),
    };
    problems.sort();
    problems
}

fn from_file(document: serde_json::Value, reference: &ReferenceData) -> Vec<Problem> {
    let document: Document = parse(&document.to_string()).expect("the file is well formed");
    let mut problems: Vec<Problem> = match check(&document, reference) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
    };
    problems.sort();
    problems
}

/// Pairs for a form control that takes several values.
fn repeated(name: &str, values: &[String]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| (name.to_owned(), v.clone()))
        .collect()
}

/// A value that is often right and otherwise anything of the pattern.
fn mostly(right: &'static str, pattern: &'static str) -> BoxedStrategy<String> {
    prop_oneof![Just(right.to_owned()), pattern].boxed()
}

fn codes(right: &'static [&'static str], pattern: &'static str) -> BoxedStrategy<Vec<String>> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(right).prop_map(str::to_owned),
            pattern
        ],
        0..3,
    )
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_provider_gets_the_same_problems_from_the_form_and_the_file(
        name in mostly("Cyber Institute", ".{0,12}"),
        kind in mostly("academia", "[a-z-]{0,10}"),
        hq_country in mostly("GHA", "[A-Za-z]{0,4}"),
        website in mostly("https://example.org", ".{0,15}"),
        email in mostly("a@example.org", ".{0,12}"),
        description in ".{0,20}",
    ) {
        let reference = reference_data::load().unwrap();
        let fields = [
            ("key", "uni"), ("name", &name), ("kind", &kind), ("hq_country", &hq_country),
            ("website", &website), ("email", &email), ("description", &description),
        ];
        let pairs: Vec<(String, String)> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let form = from_form(posted::<ProviderInput>(&pairs).parse(&reference).map(|_| ()));
        let record: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        let file = from_file(json!({ "providers": [record] }), &reference);
        prop_assert_eq!(form, file);
    }

    #[test]
    fn an_offering_gets_the_same_problems_from_the_form_and_the_file(
        title in mostly("Judges' training", ".{0,10}"),
        themes in codes(&["cybercrime.judiciary", "cybercrime", "standards"], "[a-z.]{1,10}"),
        global in any::<bool>(),
        countries in codes(&["GHA", "FRA"], "[A-Z]{1,4}"),
        regions in codes(&["002", "150"], "[0-9]{1,4}"),
        groups in codes(&["AU", "LDC"], "[A-Z]{1,4}"),
        income_levels in codes(&["low", "high"], "[a-z-]{1,8}"),
        modalities in codes(&["training", "advisory"], "[a-z-]{1,8}"),
        languages in codes(&["en", "fr"], "[a-z]{1,3}"),
        capacity in proptest::option::of(0u32..200_000),
        starts_on in mostly("2027-01-01", "[0-9-]{0,10}"),
        ends_on in mostly("2027-06-30", "[0-9-]{0,10}"),
        status in mostly("active", "[a-z]{0,8}"),
    ) {
        let reference = reference_data::load().unwrap();
        let single = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        let mut pairs = vec![
            single("key", "judges"), single("provider", "uni"), single("title", &title),
            single("starts_on", &starts_on), single("ends_on", &ends_on), single("status", &status),
            single("capacity", &capacity.map(|c| c.to_string()).unwrap_or_default()),
        ];
        if global {
            pairs.push(single("coverage_global", "on"));
        }
        for (name, values) in [
            ("themes", &themes), ("coverage_countries", &countries), ("coverage_regions", &regions),
            ("coverage_groups", &groups), ("eligible_groups", &groups),
            ("eligible_income_levels", &income_levels), ("modalities", &modalities),
            ("languages", &languages),
        ] {
            pairs.extend(repeated(name, values));
        }
        let form = from_form(posted::<OfferingInput>(&pairs).parse(&reference).map(|_| ()));
        let record = json!({
            "key": "judges", "provider": "uni", "title": title, "themes": themes,
            "coverage": { "global": global, "countries": countries, "regions": regions, "groups": groups },
            "eligibility": { "groups": groups, "income_levels": income_levels },
            "modalities": modalities, "languages": languages, "capacity": capacity,
            "starts_on": starts_on, "ends_on": ends_on, "status": status,
        });
        let file = from_file(json!({ "offerings": [record] }), &reference);
        prop_assert_eq!(form, file);
    }

    #[test]
    fn an_assessment_gets_the_same_problems_from_the_form_and_the_file(
        submitted_by in ".{0,10}",
        contact in mostly("focal@example.org", ".{0,10}"),
        needs in proptest::collection::vec((
            mostly("cybercrime.judiciary", "[a-z.]{1,12}"),
            mostly("high", "[a-z]{0,6}"),
            proptest::option::of(0u8..8),
            proptest::option::of(0u8..8),
            ".{0,10}",
            codes(&["training"], "[a-z]{1,6}"),
            codes(&["en"], "[a-z]{1,3}"),
            mostly("2099-06-30", "[0-9-]{0,10}"),
        ), 0..3),
    ) {
        let reference = reference_data::load().unwrap();
        let mut pairs = vec![
            ("submitted_by".to_owned(), submitted_by.clone()),
            ("contact".to_owned(), contact.clone()),
        ];
        let mut records = Vec::new();
        for (i, (theme, priority, current, target, description, modalities, languages, wanted_by)) in needs.iter().enumerate() {
            let field = |name: &str| format!("needs[{i}][{name}]");
            let stage = |s: &Option<u8>| s.map(|s| s.to_string()).unwrap_or_default();
            pairs.extend([
                (field("theme"), theme.clone()), (field("priority"), priority.clone()),
                (field("current_stage"), stage(current)), (field("target_stage"), stage(target)),
                (field("description"), description.clone()), (field("wanted_by"), wanted_by.clone()),
                (field("status"), "open".to_owned()),
            ]);
            pairs.extend(repeated(&field("modalities"), modalities));
            pairs.extend(repeated(&field("languages"), languages));
            records.push(json!({
                "theme": theme, "priority": priority, "current_stage": current, "target_stage": target,
                "description": description, "modalities": modalities, "languages": languages,
                "wanted_by": wanted_by,
            }));
        }
        // The file records deadlines as they were; the form's own check of
        // past dates is the one rule only forms apply.
        let intent = Intent::Submit(Deadlines::AsRecorded);
        // As the handler does: rows left blank are dropped (none is here).
        let posted = posted::<AssessmentInput>(&pairs).without_blank_rows();
        let form = from_form(posted.parse(&reference, intent).map(|_| ()));
        let record = json!({
            "key": "gha-2026", "country": "GHA", "status": "submitted",
            "submitted_by": submitted_by, "contact": contact, "needs": records,
        });
        let file = from_file(json!({ "assessments": [record] }), &reference);
        prop_assert_eq!(form, file);
    }
}
