//! Delivering the outbox: to an SMTP server when one is configured,
//! otherwise as `.eml` files in a folder. A worker thread claims due
//! messages, sends each, and records the outcome; failures are retried with
//! back-off (`db::outbox`). Bodies are never logged: they may hold a
//! single-use link.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use crate::background;
pub use crate::background::Worker;
use crate::db::outbox::{self, Claimed, Mail};
use crate::db::{DbConnection, Pool, StoreResult};

/// Where mail goes.
#[derive(Clone)]
pub enum Delivery {
    /// An SMTP server, as `smtp://user:password@host:587` or `smtps://…`.
    Smtp(String),
    /// `.eml` files in this folder.
    Files(PathBuf),
}

/// Shows an SMTP address without its password.
impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivery::Files(dir) => write!(f, "files in {}", dir.display()),
            Delivery::Smtp(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        format!("{}***{}", &url[..scheme + 3], &url[at..])
                    }
                    _ => url.clone(),
                };
                write!(f, "SMTP {shown}")
            }
        }
    }
}

enum Transports {
    Smtp(SmtpTransport),
    Files(FileTransport),
}

/// Sends one message at a time through the configured transport.
pub struct Mailer {
    from: Mailbox,
    transport: Transports,
}

impl Mailer {
    pub fn new(delivery: &Delivery, from: &str) -> anyhow::Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("--mail-from: \"{from}\" is not a mail address"))?;
        let transport = match delivery {
            Delivery::Smtp(url) => Transports::Smtp(
                SmtpTransport::from_url(url)
                    .context("--smtp-url is not an SMTP address")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            Delivery::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot make the mail folder {}", dir.display()))?;
                Transports::Files(FileTransport::new(dir))
            }
        };
        Ok(Mailer { from, transport })
    }

    fn send(&self, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("the recipient is not a mail address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transports::Smtp(smtp) => smtp.send(&message).map(drop).map_err(|e| e.to_string()),
            Transports::Files(files) => files.send(&message).map(drop).map_err(|e| e.to_string()),
        }
    }
}

/// Messages claimed at a time.
const BATCH: i64 = 20;

/// Delivers the messages that are due now; returns how many were sent.
pub fn deliver_due(conn: &mut DbConnection, mailer: &Mailer) -> StoreResult<usize> {
    let claimed: Vec<Claimed> = outbox::claim(conn, BATCH)?;
    let mut sent = 0;
    for message in &claimed {
        match mailer.send(&message.mail) {
            Ok(()) => {
                outbox::delivered(conn, message.id)?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(message = message.id, attempt = message.attempts + 1, %error, "mail not delivered; it will be tried again");
                outbox::failed(conn, message, &error)?;
            }
        }
    }
    Ok(sent)
}

/// Runs delivery on a thread of its own every `every`, until the returned
/// worker is dropped.
pub fn start_worker(pool: Pool, mailer: Mailer, every: Duration) -> std::io::Result<Worker> {
    background::every("mail", every, move || {
        let delivered = pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| deliver_due(&mut conn, &mailer).map_err(|e| e.to_string()));
        match delivered {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "mail delivered"),
            Err(error) => tracing::warn!(%error, "mail delivery could not run"),
        }
    })
}
