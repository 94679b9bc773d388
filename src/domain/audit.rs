//! The audit log's words: who made a change, to what kind of record, and
//! what kind of change it was. The store appends an entry in the same
//! transaction as every write.

use super::access::Person;
use super::vocab::vocabulary;

/// Who made a change: an account, or the command line (imports, `user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account: Option<i64>,
    /// The account's address, or what else made the change.
    pub name: String,
}

impl Actor {
    pub fn person(person: &Person) -> Actor {
        Actor {
            account: Some(person.account),
            name: person.email.to_string(),
        }
    }

    /// A person as the people they work with see them in a match's
    /// history: by name. Their address stays in the audit log.
    pub fn shown(person: &Person) -> Actor {
        Actor {
            account: Some(person.account),
            name: person.name.clone(),
        }
    }

    /// A change made on the server's command line.
    pub fn command_line() -> Actor {
        Actor {
            account: None,
            name: "command line".to_owned(),
        }
    }

    /// Someone applying through the registration form, before their
    /// account exists.
    pub fn applicant(email: &str) -> Actor {
        Actor {
            account: None,
            name: format!("registration by {email}"),
        }
    }

    /// Someone named in a history read from a file, whose account the file
    /// does not carry.
    pub fn named(name: &str) -> Actor {
        Actor {
            account: None,
            name: name.to_owned(),
        }
    }

    /// The demo data of a new database.
    pub fn demo() -> Actor {
        Actor {
            account: None,
            name: "demo data".to_owned(),
        }
    }
}

vocabulary! {
    /// The kinds of record the log names.
    AuditedRecord, "audited record" {
        Provider => ("provider", "Provider"),
        Offering => ("offering", "Offering"),
        Assessment => ("assessment", "Needs assessment"),
        Account => ("account", "Account"),
        Match => ("match", "Match"),
    }
}

vocabulary! {
    /// What a change did.
    AuditAction, "audit action" {
        Created => ("created", "created"),
        Changed => ("changed", "changed"),
        Archived => ("archived", "archived"),
        Restored => ("restored", "restored"),
        PasswordSet => ("password-set", "password set"),
        Disabled => ("disabled", "disabled"),
        TokenCreated => ("token-created", "API token created"),
        TokenRevoked => ("token-revoked", "API token revoked"),
        Approved => ("approved", "approved and published"),
        Returned => ("returned", "returned for changes"),
    }
}

/// The top-level fields whose values differ between two JSON objects, in
/// the order of `after`'s keys (alphabetical), then those only in
/// `before`: what a change changed, for the log's page.
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut fields: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    fields.extend(before.keys().filter(|k| !after.contains_key(*k)).cloned());
    fields
}

vocabulary! {
    /// Where a record made by anyone but the secretariat stands.
    ReviewState, "review state" {
        Pending => ("pending", "Waiting for review"),
        Returned => ("returned", "Returned for changes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_names_the_fields_it_changed() {
        let before = json!({"name": "A", "kind": "academia", "website": "https://a.example"});
        let after = json!({"name": "B", "kind": "academia", "email": "x@a.example"});
        assert_eq!(
            changed_fields(&before, &after),
            ["email", "name", "website"]
        );
        assert!(changed_fields(&after, &after).is_empty());
        assert!(changed_fields(&json!(null), &after).is_empty());
    }
}
