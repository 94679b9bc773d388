//! The fields of every record, each said once: the name its form control
//! and its HTML id carry, its label, its hint, and its path in an
//! interchange record. A problem found in input is keyed by a [`FieldPath`],
//! so the form shows it at its field and an import names the file's path
//! for the same problem.

/// Declares one record's fields in reading order: `Variant => (name,
/// label, path in the file, hint)`, with `""` for no hint, and `optional`
/// last for a field that may be left blank (its label says so). With `in
/// FieldPath::X`, also the fields' paths, as `PATHS`.
macro_rules! fields {
    (@optional optional) => { true };
    (@optional) => { false };
    ($(#[$meta:meta])* $name:ident in FieldPath::$wrap:ident {
        $($variant:ident => ($form:literal, $label:literal, $file:literal, $hint:literal $(, $opt:ident)?)),+ $(,)?
    }) => {
        fields! { $(#[$meta])* $name { $($variant => ($form, $label, $file, $hint $(, $opt)?)),+ } }

        impl $name {
            /// Every field's path, in reading order.
            pub const PATHS: &'static [FieldPath] = &[$(FieldPath::$wrap($name::$variant)),+];
        }
    };
    ($(#[$meta:meta])* $name:ident {
        $($variant:ident => ($form:literal, $label:literal, $file:literal, $hint:literal $(, $opt:ident)?)),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The form control's name and HTML id.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $form),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Where the field sits in an interchange record.
            pub fn file_path(self) -> &'static str {
                match self { $($name::$variant => $file),+ }
            }

            pub fn hint(self) -> Option<&'static str> {
                match self { $($name::$variant => Some($hint).filter(|h| !h.is_empty())),+ }
            }

            /// Whether the field may be left blank.
            pub fn optional(self) -> bool {
                match self { $($name::$variant => fields!(@optional $($opt)?)),+ }
            }
        }
    };
}

fields! {
    /// A provider's fields.
    ProviderField in FieldPath::Provider {
        Key => ("key", "Key", "key",
            "Lower-case letters, digits and hyphens, used in addresses and imports. Left blank, one is made from the name.", optional),
        Name => ("name", "Name", "name", ""),
        Kind => ("kind", "Kind of organisation", "kind", ""),
        HqCountry => ("hq_country", "Headquarters country", "hq_country", "", optional),
        Website => ("website", "Website", "website", "", optional),
        Email => ("email", "Contact e-mail", "email", "", optional),
        Description => ("description", "Description", "description", "", optional),
    }
}

fields! {
    /// An offering's fields. `Coverage` is the whole "where" fieldset, for
    /// the rule that it names some place.
    OfferingField in FieldPath::Offering {
        Key => ("key", "Key", "key",
            "Lower-case letters, digits and hyphens. Left blank, one is made from the provider and title.", optional),
        Provider => ("provider", "Provider", "provider", ""),
        Title => ("title", "Title", "title", ""),
        Description => ("description", "Description", "description", ""),
        Themes => ("themes", "Themes", "themes",
            "Choose the sub-themes the offering serves, or a whole theme when it serves all of them."),
        Coverage => ("coverage", "Where it is offered", "coverage", ""),
        CoverageGlobal => ("coverage_global", "Worldwide", "coverage.global", ""),
        CoverageCountries => ("coverage_countries", "Countries", "coverage.countries", ""),
        CoverageRegions => ("coverage_regions", "M49 regions", "coverage.regions", ""),
        CoverageGroups => ("coverage_groups", "Country groups", "coverage.groups", ""),
        EligibleGroups => ("eligible_groups", "Members of", "eligibility.groups", "", optional),
        EligibleIncomeLevels => ("eligible_income_levels", "Income levels (World Bank)", "eligibility.income_levels", "", optional),
        Modalities => ("modalities", "Modalities", "modalities", "", optional),
        Languages => ("languages", "Languages", "languages", "", optional),
        Capacity => ("capacity", "Capacity (engagements at once)", "capacity",
            "Leave blank when not limited.", optional),
        StartsOn => ("starts_on", "Starts on", "starts_on", "", optional),
        EndsOn => ("ends_on", "Ends on", "ends_on", "", optional),
        Status => ("status", "Status", "status", ""),
    }
}

fields! {
    /// A needs assessment's own fields; its needs are [`NeedField`]s.
    /// `Key`, `Country`, `Status` and `WithdrawnReason` are the file's: the
    /// form takes them from the address and the buttons.
    AssessmentField in FieldPath::Assessment {
        Key => ("key", "Key", "key", ""),
        Country => ("country", "Country", "country", ""),
        Status => ("status", "Status", "status", ""),
        SubmittedBy => ("submitted_by", "Submitted by", "submitted_by",
            "The focal point or office submitting the assessment."),
        Contact => ("contact", "Contact e-mail", "contact", "", optional),
        Note => ("note", "Note", "note", "", optional),
        WithdrawnReason => ("withdrawn_reason", "Reason for withdrawing", "withdrawn_reason", ""),
        Visibility => ("visibility", "Who may read it", "visibility", ""),
        Needs => ("needs", "Needs", "needs", ""),
    }
}

fields! {
    /// One need's fields.
    NeedField {
        Key => ("key", "Key", "key", ""),
        Theme => ("theme", "Sub-theme", "theme", ""),
        Priority => ("priority", "Priority", "priority", ""),
        CurrentStage => ("current_stage", "Current maturity stage", "current_stage",
            "Stages of the Cybersecurity Capacity Maturity Model: 1 start-up (nothing, or only ad hoc steps), 2 formative (first steps, not yet organised), 3 established (in place and working), 4 strategic (resources chosen by priority), 5 dynamic (revised as circumstances change)."),
        TargetStage => ("target_stage", "Target maturity stage", "target_stage",
            "The stage the help should bring it to: above the current one."),
        Description => ("description", "What is needed", "description", ""),
        Modalities => ("modalities", "Preferred modalities", "modalities", "", optional),
        Languages => ("languages", "Languages", "languages", "", optional),
        WantedBy => ("wanted_by", "Wanted by", "wanted_by", "", optional),
        Status => ("status", "Status", "status", ""),
        WithdrawnReason => ("withdrawn_reason", "Withdrawn because", "withdrawn_reason", ""),
    }
}

fields! {
    /// The fields of the sign-in, password and account forms. They have no
    /// place in an interchange file; the third name is the form's.
    AccountField in FieldPath::Account {
        Email => ("email", "E-mail address", "email", ""),
        Password => ("password", "Password", "password", ""),
        CurrentPassword => ("current_password", "Current password", "current_password", ""),
        NewPassword => ("new_password", "New password", "new_password",
            "At least 12 characters. A few words that do not belong together are easy to remember and hard to guess."),
        TokenName => ("name", "Name of the token", "name",
            "What the token is for, such as \"monthly report script\"."),
        ApplicantName => ("applicant_name", "Your name", "applicant_name", ""),
        ApplicantEmail => ("applicant_email", "Your e-mail address", "applicant_email",
            "You sign in with it, and we write to it about the application."),
        InviteeName => ("invitee_name", "Their name", "invitee_name",
            "As it should appear on pages. Left blank, the address before the @ is used.", optional),
        Role => ("role", "Role", "role",
            "secretariat, editor:PROVIDER_KEY (such as editor:coe-cproc) or focal-point:ISO3 (such as focal-point:GHA)."),
    }
}

fields! {
    /// The fields of a match's forms: proposing, answering, confirming.
    MatchField in FieldPath::Match {
        Note => ("note", "Note", "note", ""),
        Outcome => ("outcome", "Was the need met?", "completion.outcome", ""),
        Rating => ("rating", "Rating", "completion.rating", "1 (poor) to 5 (excellent)."),
        Comment => ("comment", "Comment", "completion.comment", "", optional),
    }
}

fields! {
    /// The fields of the form that reports a problem with the site.
    FeedbackField in FieldPath::Feedback {
        Page => ("page", "Page", "page",
            "The address of the page where it happened, such as /offerings.", optional),
        Problem => ("problem", "What went wrong", "problem",
            "What you were doing and what happened. Leave out passwords and other people's personal data."),
        ReplyTo => ("reply_to", "Your e-mail address", "reply_to",
            "For an answer. The secretariat uses it for nothing else.", optional),
    }
}

/// Where a value sits: a field of a record, or a field of one of an
/// assessment's needs. Ordered as a person reads the form, so problems
/// sorted by path are listed in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldPath {
    Provider(ProviderField),
    Offering(OfferingField),
    Assessment(AssessmentField),
    /// Need `.0` (from 0) of an assessment.
    Need(usize, NeedField),
    Account(AccountField),
    Match(MatchField),
    Feedback(FeedbackField),
}

impl From<MatchField> for FieldPath {
    fn from(field: MatchField) -> FieldPath {
        FieldPath::Match(field)
    }
}

impl From<FeedbackField> for FieldPath {
    fn from(field: FeedbackField) -> FieldPath {
        FieldPath::Feedback(field)
    }
}

impl From<AccountField> for FieldPath {
    fn from(field: AccountField) -> FieldPath {
        FieldPath::Account(field)
    }
}

impl From<ProviderField> for FieldPath {
    fn from(field: ProviderField) -> FieldPath {
        FieldPath::Provider(field)
    }
}

impl From<OfferingField> for FieldPath {
    fn from(field: OfferingField) -> FieldPath {
        FieldPath::Offering(field)
    }
}

impl From<AssessmentField> for FieldPath {
    fn from(field: AssessmentField) -> FieldPath {
        FieldPath::Assessment(field)
    }
}

impl FieldPath {
    /// The HTML id of the field's control: `name`, `need-2-theme`.
    pub fn id(self) -> String {
        match self {
            FieldPath::Need(index, field) => format!("need-{index}-{}", field.name()),
            other => other.own_name().to_owned(),
        }
    }

    /// The name the form control posts under: `name`, `needs[2][theme]`.
    pub fn control_name(self) -> String {
        match self {
            FieldPath::Need(index, field) => format!("needs[{index}][{}]", field.name()),
            other => other.own_name().to_owned(),
        }
    }

    /// What people call the field: "Name", "Need 3: Sub-theme".
    pub fn label(self) -> String {
        match self {
            FieldPath::Need(index, field) => format!("Need {}: {}", index + 1, field.label()),
            other => other.short_label().to_owned(),
        }
    }

    /// The label without a need's number, for inside its own row.
    pub fn short_label(self) -> &'static str {
        match self {
            FieldPath::Provider(f) => f.label(),
            FieldPath::Offering(f) => f.label(),
            FieldPath::Assessment(f) => f.label(),
            FieldPath::Need(_, f) => f.label(),
            FieldPath::Account(f) => f.label(),
            FieldPath::Match(f) => f.label(),
            FieldPath::Feedback(f) => f.label(),
        }
    }

    /// The field's path in an interchange record: `coverage.regions`,
    /// `needs[2].theme`.
    pub fn file_path(self) -> String {
        match self {
            FieldPath::Provider(f) => f.file_path().to_owned(),
            FieldPath::Offering(f) => f.file_path().to_owned(),
            FieldPath::Assessment(f) => f.file_path().to_owned(),
            FieldPath::Need(index, field) => format!("needs[{index}].{}", field.file_path()),
            FieldPath::Account(f) => f.file_path().to_owned(),
            FieldPath::Match(f) => f.file_path().to_owned(),
            FieldPath::Feedback(f) => f.file_path().to_owned(),
        }
    }

    /// Whether the field may be left blank.
    pub fn optional(self) -> bool {
        match self {
            FieldPath::Provider(f) => f.optional(),
            FieldPath::Offering(f) => f.optional(),
            FieldPath::Assessment(f) => f.optional(),
            FieldPath::Need(_, f) => f.optional(),
            FieldPath::Account(f) => f.optional(),
            FieldPath::Match(f) => f.optional(),
            FieldPath::Feedback(f) => f.optional(),
        }
    }

    pub fn hint(self) -> Option<&'static str> {
        match self {
            FieldPath::Provider(f) => f.hint(),
            FieldPath::Offering(f) => f.hint(),
            FieldPath::Assessment(f) => f.hint(),
            FieldPath::Need(_, f) => f.hint(),
            FieldPath::Account(f) => f.hint(),
            FieldPath::Match(f) => f.hint(),
            FieldPath::Feedback(f) => f.hint(),
        }
    }

    fn own_name(self) -> &'static str {
        match self {
            FieldPath::Provider(f) => f.name(),
            FieldPath::Offering(f) => f.name(),
            FieldPath::Assessment(f) => f.name(),
            FieldPath::Need(_, f) => f.name(),
            FieldPath::Account(f) => f.name(),
            FieldPath::Match(f) => f.name(),
            FieldPath::Feedback(f) => f.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_need_field_has_an_id_a_control_name_a_label_and_a_file_path() {
        let path = FieldPath::Need(2, NeedField::TargetStage);
        assert_eq!(path.id(), "need-2-target_stage");
        assert_eq!(path.control_name(), "needs[2][target_stage]");
        assert_eq!(path.label(), "Need 3: Target maturity stage");
        assert_eq!(path.file_path(), "needs[2].target_stage");
        let coverage = FieldPath::from(OfferingField::CoverageRegions);
        assert_eq!(
            (coverage.id(), coverage.file_path()),
            ("coverage_regions".to_owned(), "coverage.regions".to_owned())
        );
    }

    #[test]
    fn paths_sort_in_reading_order() {
        let mut paths = vec![
            FieldPath::Need(1, NeedField::Theme),
            FieldPath::Need(0, NeedField::WantedBy),
            FieldPath::Assessment(AssessmentField::Needs),
            FieldPath::Need(0, NeedField::Theme),
            FieldPath::Assessment(AssessmentField::SubmittedBy),
        ];
        paths.sort();
        assert_eq!(
            paths,
            [
                FieldPath::Assessment(AssessmentField::SubmittedBy),
                FieldPath::Assessment(AssessmentField::Needs),
                FieldPath::Need(0, NeedField::Theme),
                FieldPath::Need(0, NeedField::WantedBy),
                FieldPath::Need(1, NeedField::Theme),
            ]
        );
    }

    #[test]
    fn names_ids_and_file_paths_are_unique_within_a_record() {
        fn unique(items: impl Iterator<Item = &'static str>) -> bool {
            let items: Vec<_> = items.collect();
            items.iter().collect::<BTreeSet<_>>().len() == items.len()
        }
        assert!(unique(ProviderField::ALL.iter().map(|f| f.name())));
        assert!(unique(OfferingField::ALL.iter().map(|f| f.name())));
        assert!(unique(OfferingField::ALL.iter().map(|f| f.file_path())));
        assert!(unique(AssessmentField::ALL.iter().map(|f| f.name())));
        assert!(unique(NeedField::ALL.iter().map(|f| f.name())));
    }
}
