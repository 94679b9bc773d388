//! A small catalogue whose every offering exercises one filter rule.

/// Offering keys and what they are for:
/// - `global-judiciary`: worldwide, exact sub-theme, training in English
/// - `ghana-cert`: names Ghana only, advisory in French
/// - `africa-cybercrime`: M49 region Africa (002), parent theme
/// - `west-africa-law`: intermediate region Western Africa (011)
/// - `au-strategy`: members of the African Union
/// - `eu-law`: members of the EU
/// - `commonwealth-only`: worldwide but only for COMMONWEALTH members
/// - `low-income-only`: worldwide but only for low-income countries
/// - `archived-global`: worldwide, archived: never listed
/// - `draft-global`: worldwide, status draft
pub const CATALOGUE: &str = r#"{
  "providers": [
    {"key": "ministry", "name": "Ministry of Digital Affairs", "kind": "government", "hq_country": "FRA",
     "website": "https://ministry.example", "email": "cbb@ministry.example", "description": "A government donor"},
    {"key": "uni", "name": "Cyber Institute", "kind": "academia", "hq_country": "GHA", "description": "Research 100% on CERTs"}
  ],
  "offerings": [
    {"key": "global-judiciary", "provider": "ministry", "title": "Judges and electronic evidence", "description": "Training for judges",
     "themes": ["cybercrime.judiciary"], "coverage": {"global": true}, "modalities": ["training"], "languages": ["en"], "status": "active"},
    {"key": "ghana-cert", "provider": "uni", "title": "CERT set-up for Ghana", "description": "National CERT advice",
     "themes": ["incident-ciip.cert"], "coverage": {"countries": ["GHA"]}, "modalities": ["advisory"], "languages": ["fr"], "status": "active"},
    {"key": "africa-cybercrime", "provider": "ministry", "title": "Cybercrime programme for Africa", "description": "All of cybercrime",
     "themes": ["cybercrime"], "coverage": {"regions": ["002"]}, "status": "active"},
    {"key": "west-africa-law", "provider": "uni", "title": "West African cybercrime law", "description": "Legislation",
     "themes": ["cybercrime.legislation"], "coverage": {"regions": ["011"]}, "status": "active"},
    {"key": "au-strategy", "provider": "ministry", "title": "AU strategy support", "description": "Strategies",
     "themes": ["policy-strategy.national-strategy"], "coverage": {"groups": ["AU"]}, "status": "active"},
    {"key": "eu-law", "provider": "ministry", "title": "EU law alignment", "description": "Legislation",
     "themes": ["cybercrime.legislation"], "coverage": {"groups": ["EU"]}, "status": "active"},
    {"key": "commonwealth-only", "provider": "ministry", "title": "Commonwealth exchange", "description": "Exchange",
     "themes": ["international-security.cbms"], "coverage": {"global": true}, "eligibility": {"groups": ["COMMONWEALTH"]}, "status": "active"},
    {"key": "low-income-only", "provider": "uni", "title": "Low income fund", "description": "Funding",
     "themes": ["culture-skills.awareness"], "coverage": {"global": true}, "eligibility": {"income_levels": ["low"]}, "modalities": ["funding"], "status": "active"},
    {"key": "archived-global", "provider": "uni", "title": "Old programme", "description": "Gone",
     "themes": ["cybercrime.judiciary"], "coverage": {"global": true}, "status": "ended", "archived": true},
    {"key": "draft-global", "provider": "uni", "title": "Future programme", "description": "Not yet",
     "themes": ["standards.adoption"], "coverage": {"global": true}, "status": "draft"}
  ]
}"#;

/// Assessments in every state: a draft with an incomplete need, a submitted
/// one with a past deadline and a withdrawn need, and a withdrawn one.
pub const ASSESSMENTS: &str = r#"{
  "assessments": [
    {"key": "gha-2026", "country": "GHA", "status": "submitted", "submitted_by": "Ministry of Communications",
     "contact": "cyber@moc.gov.gh", "note": "First national assessment",
     "needs": [
       {"key": "gha-2026-1", "theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1, "target_stage": 3,
        "description": "Judges trained on electronic evidence", "modalities": ["training"], "languages": ["en"], "wanted_by": "2025-06-30"},
       {"key": "gha-2026-2", "theme": "incident-ciip.cert", "priority": "medium", "current_stage": 2, "target_stage": 4,
        "description": "A national CERT", "status": "withdrawn", "withdrawn_reason": "Funded by the World Bank"}
     ]},
    {"key": "ken-draft", "country": "KEN", "status": "draft",
     "needs": [{"key": "ken-draft-1", "theme": "culture-skills.awareness", "description": "Not finished"}]},
    {"key": "fra-old", "country": "FRA", "status": "withdrawn", "withdrawn_reason": "Entered by mistake",
     "needs": [{"key": "fra-old-1", "theme": "standards.adoption", "priority": "low", "current_stage": 3, "target_stage": 4, "description": "Standards"}]}
  ]
}"#;

/// Needs to match against [`CATALOGUE`]: Ghana's judiciary need is served,
/// its legislation need by two providers (an overlap), its secure-software
/// need by nobody (a gap); Niger's confidence-building need only nearly,
/// through an offering for Commonwealth members.
pub const NEEDS: &str = r#"{
  "assessments": [
    {"key": "gha-2026", "country": "GHA", "status": "submitted", "submitted_by": "Ministry",
     "needs": [
       {"key": "gha-2026-1", "theme": "cybercrime.judiciary", "priority": "high", "current_stage": 1, "target_stage": 3,
        "description": "Judges trained on electronic evidence", "modalities": ["training"], "languages": ["en"], "wanted_by": "2099-06-30"},
       {"key": "gha-2026-2", "theme": "cybercrime.legislation", "priority": "medium", "current_stage": 2, "target_stage": 3,
        "description": "=HYPERLINK(\"http://evil\"), a \"quoted\" comma,\nand a new line <script>alert(1)</script>"},
       {"key": "gha-2026-3", "theme": "standards.secure-software", "priority": "low", "current_stage": 1, "target_stage": 2,
        "description": "Vulnerability disclosure"}
     ]},
    {"key": "ner-2026", "country": "NER", "status": "submitted",
     "needs": [{"key": "ner-2026-1", "theme": "international-security.cbms", "priority": "high", "current_stage": 1, "target_stage": 2,
                "description": "Confidence building"}]},
    {"key": "ken-draft", "country": "KEN", "status": "draft",
     "needs": [{"key": "ken-draft-1", "theme": "cybercrime.judiciary", "description": "Drafts are not matched"}]}
  ]
}"#;

/// The offering form as an editor of `uni` fills it in.
pub const NEW_OFFERING: [(&str, &str); 6] = [
    ("provider", "uni"),
    ("title", "Forensics for prosecutors"),
    ("description", "A week in Accra"),
    ("themes", "cybercrime.judiciary"),
    ("coverage_global", "on"),
    ("status", "active"),
];
