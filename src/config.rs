//! Settings from the command line and the environment.

use clap::{Args, Parser, Subcommand};

/// capmatch: a directory of cyber capacity building and the matching of
/// countries' needs to it.
#[derive(Debug, Parser)]
#[command(name = "capmatch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Serve options, used when no command is given (`capmatch` alone serves).
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// A SQLite file path, or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "capmatch.db"
    )]
    pub database: String,
}

/// Where links written outside a page point: in mail, or printed by a
/// command.
#[derive(Debug, Clone, Args)]
pub struct LinkArgs {
    /// The address people reach the site at, for the links it writes.
    #[arg(
        long,
        env = "CAPMATCH_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "CAPMATCH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Do not load demo data into a new database.
    #[arg(long)]
    pub no_demo: bool,
    /// Database connections per instance.
    #[arg(long, env = "CAPMATCH_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "CAPMATCH_WORKERS")]
    pub workers: Option<usize>,
    /// Open connections kept at most; more wait to be accepted. Lowered to
    /// what the process's open-file limit allows.
    #[arg(long, env = "CAPMATCH_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Also answer /healthz and /readyz on this address, with a worker of
    /// their own, so health checks never wait behind busy connections.
    #[arg(long, env = "CAPMATCH_HEALTH_BIND")]
    pub health_bind: Option<String>,
    /// The address people reach the site at, such as
    /// https://capmatch.example.org (behind a TLS-terminating proxy). An
    /// https address makes cookies Secure.
    #[arg(long, env = "CAPMATCH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Requests come through a proxy that appends the client's address to
    /// X-Forwarded-For: sign-in throttling then counts that address, not
    /// the proxy's. Leave off when clients reach the server directly, or
    /// they could name any address they like.
    #[arg(long, env = "CAPMATCH_BEHIND_PROXY")]
    pub behind_proxy: bool,
    /// Deliver mail to this SMTP server (smtp://user:password@host:587, or
    /// smtps://…); without it, mail is written as .eml files to --mail-dir.
    #[arg(long, env = "CAPMATCH_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Where mail goes as .eml files when no SMTP server is given.
    #[arg(long, env = "CAPMATCH_MAIL_DIR", default_value = "mail")]
    pub mail_dir: std::path::PathBuf,
    /// The sender of capmatch's mail.
    #[arg(
        long,
        env = "CAPMATCH_MAIL_FROM",
        default_value = "capmatch <capmatch@localhost>"
    )]
    pub mail_from: String,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default).
    Serve(ServeArgs),
    /// Create or upgrade the database schema and reference data.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Import an interchange file: all of it, or nothing.
    Import {
        /// The JSON file to read.
        file: std::path::PathBuf,
        /// Check the file and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Export the directory as an interchange file (to standard output without FILE).
    Export {
        file: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Match open needs to offerings: one country's report, or a summary of all.
    Match {
        /// The country (ISO 3166 alpha-3) whose needs to match.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        country: Option<String>,
        /// Re-match every country's open needs and print a summary.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Matches and near misses per need (all when not given).
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Send what the lifecycle's clock says is due: reminders of
    /// unanswered proposals, their escalation to the secretariat, and the
    /// unmatched needs list. `capmatch serve` does this every minute too.
    Notify {
        /// Sweep once and exit, rather than every minute.
        #[arg(long)]
        once: bool,
        /// The time to sweep as of (UTC, as 2026-12-31T09:00:00), instead
        /// of now: for tests and for catching up.
        #[arg(long)]
        now: Option<chrono::NaiveDateTime>,
        #[command(flatten)]
        links: LinkArgs,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Make, list and disable accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill the database with generated data for benchmarks and load tests.
    Seed {
        /// How many offerings to generate (from one provider per ten offerings).
        #[arg(long)]
        synthetic: usize,
        /// Needs in each independent country's assessment.
        #[arg(long, default_value_t = 20)]
        needs_per_country: usize,
        /// The random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Make an account. Without --password-stdin, prints a single-use link
    /// to choose the password.
    Add {
        /// The person's e-mail address: the account's name for signing in.
        email: String,
        /// The name shown on pages (default: the address before the @).
        #[arg(long)]
        name: Option<String>,
        /// secretariat, editor:PROVIDER_KEY or focal-point:ISO3; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        links: LinkArgs,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List the accounts and their roles.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Disable an account: its sessions end at once, everywhere.
    Disable {
        email: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}
