//! CSV forms of the reports: a header row, one row per match or near miss,
//! quoted by the csv crate, and text cells that a spreadsheet would run as a
//! formula made inert. Codes stay in their columns for tools; names follow
//! in columns of their own, for people.

use super::{NeedReport, Overlap};
use crate::domain::ReferenceData;

/// Excel reads a CSV file as UTF-8 only when it starts with a byte-order
/// mark; without one "Côte d'Ivoire" opens garbled. Other tools skip it.
const UTF8_BOM: &str = "\u{feff}";

/// A cell a spreadsheet would read as a formula gets a leading apostrophe.
pub(crate) fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

pub(crate) fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(UTF8_BOM.as_bytes().to_vec())
}

pub(crate) fn finish(writer: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Needs with their matches and near misses, one line each.
pub fn needs(reports: &[NeedReport], reference: &ReferenceData) -> String {
    let mut out = writer();
    let _ = out.write_record([
        "country",
        "assessment",
        "need",
        "theme",
        "priority",
        "need_description",
        "kind",
        "rank",
        "offering",
        "offering_title",
        "provider",
        "provider_name",
        "score",
        "failed",
        "reason",
        "country_name",
        "theme_name",
    ]);
    for report in reports {
        let need = [
            report.open.country.to_string(),
            report.open.assessment.to_string(),
            report.key.clone(),
            report.theme.to_string(),
            report.priority.code().to_owned(),
            inert(&report.open.need.description),
        ];
        let names = [
            reference
                .country_name(report.open.country.as_str())
                .to_owned(),
            reference.theme_name(report.theme.as_str()).to_owned(),
        ];
        let mut line = |row: [String; 9]| {
            let _ = out.write_record(need.iter().chain(&row).chain(&names));
        };
        if report.matches.is_empty() && report.near_misses.is_empty() {
            line(["none", "", "", "", "", "", "", "", ""].map(str::to_owned));
        }
        for (rank, m) in report.matches.iter().enumerate() {
            let reasons: Vec<String> = m
                .factors
                .iter()
                .map(|f| format!("{}: {}", f.name, f.reason))
                .collect();
            line([
                "match".to_owned(),
                (rank + 1).to_string(),
                m.offered.offering.to_string(),
                inert(&m.offered.title),
                m.offered.provider.to_string(),
                inert(&m.offered.provider_name),
                format!("{:.3}", m.score),
                String::new(),
                inert(&reasons.join("; ")),
            ]);
        }
        for miss in &report.near_misses {
            let failed: Vec<&str> = miss.failed.iter().map(|c| c.code()).collect();
            line([
                "near-miss".to_owned(),
                String::new(),
                miss.offered.offering.to_string(),
                inert(&miss.offered.title),
                miss.offered.provider.to_string(),
                inert(&miss.offered.provider_name),
                String::new(),
                failed.join(" "),
                inert(&miss.reason),
            ]);
        }
    }
    finish(out)
}

pub fn overlaps(found: &[Overlap], reference: &ReferenceData) -> String {
    let mut out = writer();
    let _ = out.write_record([
        "country",
        "theme",
        "needs",
        "providers",
        "provider",
        "provider_name",
        "offerings",
        "country_name",
        "theme_name",
        "offering_titles",
    ]);
    for overlap in found {
        for provider in &overlap.providers {
            let keys: Vec<&str> = provider.offerings.iter().map(|o| o.key.as_str()).collect();
            let titles: Vec<&str> = provider
                .offerings
                .iter()
                .map(|o| o.title.as_str())
                .collect();
            let _ = out.write_record([
                overlap.country.to_string(),
                overlap.theme.to_string(),
                overlap.needs.join(" "),
                overlap.provider_count.to_string(),
                provider.provider.to_string(),
                inert(&provider.name),
                keys.join(" "),
                reference.country_name(overlap.country.as_str()).to_owned(),
                reference.theme_name(overlap.theme.as_str()).to_owned(),
                // One title per line: titles may hold commas and spaces.
                inert(&titles.join("\n")),
            ]);
        }
    }
    finish(out)
}

pub fn coverage(report: &super::CoverageReport) -> String {
    let mut out = writer();
    let _ = out.write_record([
        "theme",
        "column",
        "column_name",
        "open_needs",
        "offerings",
        "ratio",
        "theme_name",
        "matched_needs",
        "served_needs",
        "shade",
    ]);
    for row in &report.rows {
        for (column, cell) in report.columns.iter().zip(&row.cells) {
            let _ = out.write_record([
                row.theme.to_string(),
                column.code.clone(),
                column.name.clone(),
                cell.open_needs.to_string(),
                cell.offerings.to_string(),
                cell.ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
                row.name.clone(),
                cell.matched_needs.to_string(),
                cell.served_needs.to_string(),
                cell.shade().code().to_owned(),
            ]);
        }
    }
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert_and_plain_text_is_kept() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            inert("Judges' training, \"advanced\""),
            "Judges' training, \"advanced\""
        );
    }
}
