//! Making accounts outside the web: `capmatch user add`, and the demo
//! accounts of a new database.

use std::fmt;

use anyhow::{Context, bail};
use rand::Rng;

use crate::db::accounts::LinkPurpose;
use crate::db::{self, DbConnection, StoreError};
use crate::domain::ReferenceData;
use crate::domain::access::{EmailAddress, Person, Role};
use crate::domain::audit::Actor;
use crate::domain::password::{NewPassword, Password};
use crate::domain::secret::Secret;

/// How long a printed link to set a first password works.
pub const SET_PASSWORD_LINK_DAYS: i64 = 7;

/// What to make an account with.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub roles: &'a [String],
    /// The password, or `None` to make a single-use link for choosing one.
    pub password: Option<Password>,
}

/// An account just made, and the link to set its password if it has none.
pub struct Added {
    pub person: Person,
    /// The path of the link (`/password/…`), to be put after the site's address.
    pub link_path: Option<String>,
}

/// `typed` as a new password for the person with this name and address: the
/// rules of [`NewPassword::parse`], with their own words as the words it
/// must not be made of.
pub fn new_password(
    typed: &Password,
    name: &str,
    email: &EmailAddress,
) -> Result<NewPassword, String> {
    let words = personal_words(name, email);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    NewPassword::parse(typed, &words)
}

/// Words of a person's name and address that a password must not be made of.
fn personal_words(name: &str, email: &EmailAddress) -> Vec<String> {
    name.split_whitespace()
        .map(str::to_lowercase)
        .chain(
            email
                .as_str()
                .split(['@', '.', '-', '_', '+'])
                .filter(|w| w.len() > 2)
                .map(str::to_owned),
        )
        .collect()
}

/// Checks everything first (address, roles, password), then makes the
/// account with its roles, and a link when no password was given.
pub fn add(
    conn: &mut DbConnection,
    reference: &ReferenceData,
    actor: &Actor,
    new: NewAccount<'_>,
) -> anyhow::Result<Added> {
    let email =
        EmailAddress::parse(new.email).map_err(|e| anyhow::anyhow!("{}: {e}", new.email))?;
    let name = new
        .name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default())
        .to_owned();
    if new.roles.is_empty() {
        bail!("give at least one --role: secretariat, editor:PROVIDER_KEY or focal-point:ISO3");
    }
    let roles = new
        .roles
        .iter()
        .map(|r| Role::parse(r, reference).map_err(|e| anyhow::anyhow!("--role {r}: {e}")))
        .collect::<anyhow::Result<Vec<Role>>>()?;
    let hash = match &new.password {
        Some(password) => Some(
            new_password(password, &name, &email)
                .map_err(|e| anyhow::anyhow!(e))?
                .hash(),
        ),
        None => None,
    };
    let person = db::accounts::create(conn, actor, &email, &name, hash.as_deref(), &roles)
        .map_err(|e| match e {
            StoreError::UnknownProvider(key) => {
                anyhow::anyhow!("--role editor:{key}: no provider has the key \"{key}\"")
            }
            other => anyhow::Error::from(other),
        })?;
    let link_path = match hash {
        Some(_) => None,
        None => {
            let token = Secret::generate();
            let expires =
                chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(SET_PASSWORD_LINK_DAYS);
            db::accounts::create_link(
                conn,
                person.account,
                &token.hash(),
                LinkPurpose::SetPassword,
                expires,
            )
            .context("cannot make the link to set the password")?;
            Some(format!("/password/{}", token.expose()))
        }
    };
    Ok(Added { person, link_path })
}

/// A demo account and its password, printed once when the demo is loaded.
pub struct DemoAccount {
    pub email: String,
    pub roles: Vec<String>,
    pub password: Password,
}

impl fmt::Display for DemoAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<34} {:<26} {}",
            self.email,
            self.password.expose(),
            self.roles.join(", ")
        )
    }
}

/// Twenty random letters and digits in groups: about 100 bits, nothing a
/// guesser tries, and easy to copy.
fn random_password() -> Password {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let text: String = (0..20)
        .map(|i| {
            let c = char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]);
            if i > 0 && i % 5 == 0 {
                format!("-{c}")
            } else {
                c.to_string()
            }
        })
        .collect();
    Password::new(text)
}

/// The demo's people: the secretariat, an editor of a few providers, and
/// focal points of a few countries, each with a random password.
pub fn add_demo_accounts(
    conn: &mut DbConnection,
    reference: &ReferenceData,
) -> anyhow::Result<Vec<DemoAccount>> {
    let people: &[(&str, &str, &[&str])] = &[
        (
            "secretariat@capmatch.example",
            "Demo Secretariat",
            &["secretariat"],
        ),
        (
            "editor@capmatch.example",
            "Demo Editor",
            &["editor:coe-cproc", "editor:oxford-gcscc", "editor:undp"],
        ),
        (
            "focal-point.gha@capmatch.example",
            "Demo Focal Point Ghana",
            &["focal-point:GHA"],
        ),
        (
            "focal-point.ken@capmatch.example",
            "Demo Focal Point Kenya",
            &["focal-point:KEN", "focal-point:SEN"],
        ),
    ];
    people
        .iter()
        .map(|(email, name, roles)| {
            let password = random_password();
            let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
            add(
                conn,
                reference,
                &Actor::demo(),
                NewAccount {
                    email,
                    name: Some(name),
                    roles: &roles,
                    password: Some(password.clone()),
                },
            )?;
            Ok(DemoAccount {
                email: (*email).to_owned(),
                roles,
                password,
            })
        })
        .collect()
}
