//! Who may do what: the roles a person holds, each with its scope, and the
//! one function that decides whether a person may take an action on a
//! record. Every handler that changes something asks [`permit`]; nothing
//! is decided by which buttons a page shows.

use std::fmt;

use super::codes::{Iso3, RecordKey};
use super::reference::ReferenceData;
use super::rules::{self, Checked};
use super::vocab::Visibility;

/// A role and its scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The coordinating body: every record.
    Secretariat,
    /// Edits one provider and its offerings.
    Editor(RecordKey),
    /// Writes one country's needs assessments.
    FocalPoint(Iso3),
}

impl Role {
    /// Reads a role as the command line and the invitation form write it:
    /// `secretariat`, `editor:PROVIDER_KEY` or `focal-point:ISO3`. Whether
    /// the provider exists is the store's to say.
    pub fn parse(text: &str, reference: &ReferenceData) -> Checked<Role> {
        let text = text.trim();
        match text.split_once(':') {
            None if text == "secretariat" => Ok(Role::Secretariat),
            Some(("editor", key)) => RecordKey::parse(key)
                .map(Role::Editor)
                .map_err(|_| format!("\"{key}\" cannot be a provider's key")),
            Some(("focal-point", iso3)) => reference
                .country(&iso3.to_ascii_uppercase())
                .map(|c| Role::FocalPoint(c.iso3.clone()))
                .ok_or_else(|| format!("\"{iso3}\" is not a country's ISO 3166 alpha-3 code")),
            _ => Err(format!(
                "\"{text}\" is not a role: write secretariat, editor:PROVIDER_KEY or focal-point:ISO3"
            )),
        }
    }

    /// The role as [`Role::parse`] reads it.
    pub fn code(&self) -> String {
        match self {
            Role::Secretariat => "secretariat".to_owned(),
            Role::Editor(provider) => format!("editor:{provider}"),
            Role::FocalPoint(country) => format!("focal-point:{country}"),
        }
    }

    /// The role in words, for pages.
    pub fn describe(&self) -> String {
        match self {
            Role::Secretariat => "the secretariat".to_owned(),
            Role::Editor(provider) => format!("an editor of the provider \"{provider}\""),
            Role::FocalPoint(country) => format!("a focal point of {country}"),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// An account's e-mail address, lower-cased: one address is one account
/// however it is typed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Checked<EmailAddress> {
        match rules::email(Some(raw))? {
            Some(address) => Ok(EmailAddress(address.to_lowercase())),
            None => Err("Enter an e-mail address".to_owned()),
        }
    }

    /// An address as stored, already checked.
    pub(crate) fn trusted(address: impl Into<String>) -> EmailAddress {
        EmailAddress(address.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A session ends after this long without a request…
pub const SESSION_IDLE: chrono::TimeDelta = chrono::TimeDelta::hours(2);
/// …and this long after signing in, however busy.
pub const SESSION_MAX: chrono::TimeDelta = chrono::TimeDelta::hours(12);

/// Whether a session started at `created` and last used at `last_seen` is
/// still good at `now`.
pub fn session_live(
    created: chrono::NaiveDateTime,
    last_seen: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> bool {
    now - last_seen < SESSION_IDLE && now - created < SESSION_MAX
}

/// A signed-in person: the account and the roles it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub account: i64,
    pub email: EmailAddress,
    pub name: String,
    pub roles: Vec<Role>,
}

impl Person {
    pub fn is_secretariat(&self) -> bool {
        self.roles.contains(&Role::Secretariat)
    }

    pub(crate) fn edits(&self, provider: &RecordKey) -> bool {
        self.roles
            .iter()
            .any(|r| matches!(r, Role::Editor(p) if p == provider))
    }

    pub(crate) fn speaks_for(&self, country: &Iso3) -> bool {
        self.roles
            .iter()
            .any(|r| matches!(r, Role::FocalPoint(c) if c == country))
    }

    /// The roles this person may give others: their own scopes.
    pub fn grantable(&self) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|r| !matches!(r, Role::Secretariat))
            .cloned()
            .collect()
    }

    /// The countries this person is a focal point of.
    pub fn countries(&self) -> impl Iterator<Item = &Iso3> {
        self.roles.iter().filter_map(|r| match r {
            Role::FocalPoint(c) => Some(c),
            _ => None,
        })
    }

    /// The providers this person edits.
    pub fn providers(&self) -> impl Iterator<Item = &RecordKey> {
        self.roles.iter().filter_map(|r| match r {
            Role::Editor(p) => Some(p),
            _ => None,
        })
    }
}

/// Whose needs assessments a reader may read, by their visibility: public
/// ones always, registered ones when signed in with a role, restricted ones
/// as a focal point of their country or the secretariat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readership {
    signed_in: bool,
    everything: bool,
    countries: Vec<Iso3>,
}

impl Readership {
    /// What `person` (nobody, when `None`) may read.
    pub fn of(person: Option<&Person>) -> Readership {
        Readership {
            // Registered needs are for the people who work with them: an
            // account with no role (an applicant not yet approved) is not.
            signed_in: person.is_some_and(|p| !p.roles.is_empty()),
            everything: person.is_some_and(Person::is_secretariat),
            countries: person
                .map(|p| {
                    p.roles
                        .iter()
                        .filter_map(|r| match r {
                            Role::FocalPoint(c) => Some(c.clone()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Everything: the command line and the secretariat.
    pub fn everything() -> Readership {
        Readership {
            signed_in: true,
            everything: true,
            countries: Vec::new(),
        }
    }

    /// Whether a need of `country` kept at `visibility` may be read.
    pub fn reads(&self, country: &Iso3, visibility: Visibility) -> bool {
        match visibility {
            Visibility::Public => true,
            Visibility::Registered => self.signed_in,
            Visibility::Restricted => self.everything || self.countries.contains(country),
        }
    }

    /// What this reader reads, as a query asks it: the visibilities read in
    /// every country, and the countries (as codes) whose every need is
    /// read; `None` for every country.
    pub fn reach(&self) -> (Vec<Visibility>, Option<Vec<String>>) {
        if self.everything {
            return (Visibility::ALL.to_vec(), None);
        }
        let mut everywhere = vec![Visibility::Public];
        if self.signed_in {
            everywhere.push(Visibility::Registered);
        }
        let countries = self
            .countries
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        (everywhere, Some(countries))
    }

    /// The visibilities this reader may read for `country`, for a query.
    pub fn visible_in(&self, country: &Iso3) -> Vec<Visibility> {
        Visibility::ALL
            .iter()
            .copied()
            .filter(|v| self.reads(country, *v))
            .collect()
    }
}

/// Something a person asks to do, with the record it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Add a provider to the directory.
    AddProvider,
    /// Edit, archive or restore a provider.
    EditProvider(&'a RecordKey),
    /// Add an offering to this provider, or move one to it.
    AddOffering(&'a RecordKey),
    /// Edit, archive or restore an offering of this provider.
    EditOffering(&'a RecordKey),
    /// Add offerings to some provider: to open the form for a new one.
    AddOfferings,
    /// Start, edit, submit, revise or withdraw this country's assessments.
    WriteAssessment(&'a Iso3),
    /// Read and manage the accounts.
    ManageAccounts,
    /// Read the audit log.
    ReadAudit,
    /// Read an assessment of this country kept at this visibility.
    ReadAssessment(&'a Iso3, Visibility),
    /// Invite someone to this role, or grant it to an account.
    Grant(&'a Role),
    /// See the people page and invite colleagues into one's own scopes.
    InvitePeople,
    /// Approve or return records waiting for review; publish without it.
    Review,
    /// List the matches one may read (their needs' readers and the people
    /// on either side of them).
    ReadMatches,
    /// Read one's own notifications.
    ReadNotifications,
    /// Broker matches across the board: the unmatched needs, the
    /// allocation, proposals the secretariat was told of.
    Broker,
    /// Take the weekly digest of new needs one's offerings match.
    SubscribeDigest,
}

impl Action<'_> {
    /// Who may take the action, in words, for the page that refuses it.
    pub fn who_may(&self) -> String {
        let or_secretariat = |role: Role| format!("{} or the secretariat", role.describe());
        match self {
            Action::AddProvider
            | Action::ManageAccounts
            | Action::ReadAudit
            | Action::Review
            | Action::Broker => "the secretariat".to_owned(),
            Action::ReadMatches => {
                "a provider's editor, a country's focal point or the secretariat".to_owned()
            }
            Action::ReadNotifications => "anyone signed in".to_owned(),
            Action::SubscribeDigest => "a provider's editor".to_owned(),
            Action::EditProvider(provider)
            | Action::AddOffering(provider)
            | Action::EditOffering(provider) => or_secretariat(Role::Editor((*provider).clone())),
            Action::AddOfferings => "an editor of a provider or the secretariat".to_owned(),
            Action::Grant(Role::Secretariat) => "the secretariat".to_owned(),
            Action::Grant(role) => format!("{} or the secretariat", role.describe()),
            Action::InvitePeople => {
                "a provider's editor, a country's focal point or the secretariat".to_owned()
            }
            Action::ReadAssessment(country, visibility) => match visibility {
                Visibility::Public | Visibility::Registered => {
                    "a provider's editor, a focal point or the secretariat".to_owned()
                }
                Visibility::Restricted => or_secretariat(Role::FocalPoint((*country).clone())),
            },
            Action::WriteAssessment(country) => {
                or_secretariat(Role::FocalPoint((*country).clone()))
            }
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody is signed in: signing in may help.
    SignInNeeded,
    /// The person does not hold a role that allows it: who may, in words.
    NotAllowed(String),
}

/// Whether `person` (nobody, when `None`) may take `action`: the one place
/// this is decided.
pub fn permit(person: Option<&Person>, action: Action<'_>) -> Result<(), Refusal> {
    let Some(person) = person else {
        // Reading public needs is the one action nobody signed in may take.
        return match action {
            Action::ReadAssessment(_, Visibility::Public) => Ok(()),
            _ => Err(Refusal::SignInNeeded),
        };
    };
    // The digest lists what one's own offerings match: the secretariat's
    // role gives it none.
    if action == Action::SubscribeDigest {
        return match person.providers().next() {
            Some(_) => Ok(()),
            None => Err(Refusal::NotAllowed(action.who_may())),
        };
    }
    let allowed = person.is_secretariat()
        || match action {
            Action::AddProvider
            | Action::ManageAccounts
            | Action::ReadAudit
            | Action::Review
            | Action::Broker => false,
            Action::ReadMatches => !person.roles.is_empty(),
            Action::ReadNotifications => true,
            Action::SubscribeDigest => false,
            Action::EditProvider(provider)
            | Action::AddOffering(provider)
            | Action::EditOffering(provider) => person.edits(provider),
            Action::AddOfferings => person.providers().next().is_some(),
            Action::WriteAssessment(country) => person.speaks_for(country),
            Action::ReadAssessment(country, visibility) => {
                Readership::of(Some(person)).reads(country, visibility)
            }
            // Editors and focal points bring in colleagues for what they
            // look after themselves.
            Action::Grant(role) => match role {
                Role::Secretariat => false,
                Role::Editor(provider) => person.edits(provider),
                Role::FocalPoint(country) => person.speaks_for(country),
            },
            Action::InvitePeople => !person.roles.is_empty(),
        };
    if allowed {
        Ok(())
    } else {
        Err(Refusal::NotAllowed(action.who_may()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(k: &str) -> RecordKey {
        RecordKey::parse(k).unwrap()
    }

    fn person(roles: Vec<Role>) -> Person {
        Person {
            account: 1,
            email: EmailAddress::trusted("a@example.org"),
            name: "A".into(),
            roles,
        }
    }

    #[test]
    fn roles_read_as_the_command_line_writes_them() {
        let reference = crate::reference_data::load().unwrap();
        assert_eq!(
            Role::parse("secretariat", &reference),
            Ok(Role::Secretariat)
        );
        let editor = Role::parse("editor:coe-cproc", &reference).unwrap();
        assert_eq!(editor, Role::Editor(key("coe-cproc")));
        assert_eq!(editor.code(), "editor:coe-cproc");
        let focal = Role::parse("focal-point:gha", &reference).unwrap();
        assert_eq!(focal.code(), "focal-point:GHA");
        for bad in ["admin", "focal-point:XXX", "editor:Not A Key", "editor", ""] {
            assert!(Role::parse(bad, &reference).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_are_compared_without_case() {
        assert_eq!(
            EmailAddress::parse(" Ama@Example.ORG ").unwrap(),
            EmailAddress::parse("ama@example.org").unwrap()
        );
        assert!(EmailAddress::parse("not an address").is_err());
        assert!(EmailAddress::parse("").is_err());
    }

    #[test]
    fn each_role_reaches_its_own_scope_only() {
        let reference = crate::reference_data::load().unwrap();
        let gha = reference.country("GHA").unwrap().iso3.clone();
        let ken = reference.country("KEN").unwrap().iso3.clone();
        let (mine, theirs) = (key("mine"), key("theirs"));
        let editor = person(vec![Role::Editor(mine.clone())]);
        let focal = person(vec![Role::FocalPoint(gha.clone())]);
        let secretariat = person(vec![Role::Secretariat]);

        assert_eq!(
            permit(None, Action::EditProvider(&mine)),
            Err(Refusal::SignInNeeded)
        );
        assert!(permit(Some(&editor), Action::EditProvider(&mine)).is_ok());
        assert!(permit(Some(&editor), Action::EditOffering(&mine)).is_ok());
        assert!(permit(Some(&editor), Action::AddOffering(&mine)).is_ok());
        assert!(permit(Some(&editor), Action::AddOfferings).is_ok());
        assert!(permit(Some(&editor), Action::EditProvider(&theirs)).is_err());
        assert!(permit(Some(&editor), Action::AddProvider).is_err());
        assert!(permit(Some(&editor), Action::WriteAssessment(&gha)).is_err());

        assert!(permit(Some(&focal), Action::WriteAssessment(&gha)).is_ok());
        assert!(permit(Some(&focal), Action::WriteAssessment(&ken)).is_err());
        assert!(permit(Some(&focal), Action::AddOfferings).is_err());

        for action in [
            Action::AddProvider,
            Action::ManageAccounts,
            Action::EditProvider(&theirs),
            Action::WriteAssessment(&ken),
        ] {
            assert!(permit(Some(&secretariat), action).is_ok());
        }
        assert_eq!(
            permit(Some(&editor), Action::EditProvider(&theirs)),
            Err(Refusal::NotAllowed(
                "an editor of the provider \"theirs\" or the secretariat".into()
            ))
        );
    }

    #[test]
    fn each_reader_reads_what_the_visibility_allows() {
        let reference = crate::reference_data::load().unwrap();
        let gha = reference.country("GHA").unwrap().iso3.clone();
        let ken = reference.country("KEN").unwrap().iso3.clone();
        let focal = person(vec![Role::FocalPoint(gha.clone())]);
        let editor = person(vec![Role::Editor(key("mine"))]);
        let secretariat = person(vec![Role::Secretariat]);
        let nobody = Readership::of(None);
        assert_eq!(nobody.visible_in(&gha), [Visibility::Public]);
        let editor = Readership::of(Some(&editor));
        assert_eq!(
            editor.visible_in(&gha),
            [Visibility::Public, Visibility::Registered]
        );
        let focal = Readership::of(Some(&focal));
        assert_eq!(focal.visible_in(&gha), Visibility::ALL);
        assert_eq!(
            focal.visible_in(&ken),
            [Visibility::Public, Visibility::Registered]
        );
        assert_eq!(
            Readership::of(Some(&secretariat)).visible_in(&ken),
            Visibility::ALL
        );
        assert_eq!(Readership::everything().visible_in(&ken), Visibility::ALL);
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![
            Just(Role::Secretariat),
            "[a-c]".prop_map(|k| Role::Editor(key(&k))),
            prop::sample::select(vec!["GHA", "KEN", "SEN"])
                .prop_map(|c| Role::FocalPoint(Iso3::trusted(c))),
        ]
    }

    proptest! {
        /// A person without the secretariat role is allowed an action on a
        /// record only through a role whose scope is that record; more
        /// roles never take a permission away.
        #[test]
        fn permission_comes_only_from_a_role_in_scope(
            roles in prop::collection::vec(any_role(), 0..4),
            extra in any_role(),
            provider in "[a-c]",
            country in prop::sample::select(vec!["GHA", "KEN", "SEN"]),
        ) {
            let provider = key(&provider);
            let country = Iso3::trusted(country);
            let someone = person(roles.clone());
            let more = person([roles.clone(), vec![extra]].concat());
            let actions = [
                Action::AddProvider,
                Action::EditProvider(&provider),
                Action::AddOffering(&provider),
                Action::EditOffering(&provider),
                Action::AddOfferings,
                Action::WriteAssessment(&country),
                Action::ManageAccounts,
                Action::ReadAudit,
                Action::Review,
            ];
            for action in actions {
                let allowed = permit(Some(&someone), action).is_ok();
                let in_scope = roles.iter().any(|r| match (r, action) {
                    (Role::Secretariat, _) => true,
                    (Role::Editor(p), Action::EditProvider(q) | Action::AddOffering(q) | Action::EditOffering(q)) => p == q,
                    (Role::Editor(_), Action::AddOfferings) => true,
                    (Role::FocalPoint(c), Action::WriteAssessment(d)) => c == d,
                    _ => false,
                });
                prop_assert_eq!(allowed, in_scope, "{:?} {:?}", roles, action);
                if allowed {
                    prop_assert!(permit(Some(&more), action).is_ok());
                }
                prop_assert_eq!(permit(None, action), Err(Refusal::SignInNeeded));
            }
            // Reading: restricted needs only through a role in scope, and
            // nobody signed in reads public needs only.
            for visibility in Visibility::ALL.iter().copied() {
                let read = Action::ReadAssessment(&country, visibility);
                let in_scope = match visibility {
                    Visibility::Public => true,
                    Visibility::Registered => !roles.is_empty(),
                    Visibility::Restricted => roles.iter().any(|r| matches!(r, Role::Secretariat)
                        || matches!(r, Role::FocalPoint(c) if *c == country)),
                };
                prop_assert_eq!(permit(Some(&someone), read).is_ok(), in_scope);
                prop_assert_eq!(permit(None, read).is_ok(), visibility == Visibility::Public);
            }
        }
    }
}
