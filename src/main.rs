//! The `capmatch` command: serve, migrate, import, export.

use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use capmatch::config::{Cli, Command, ServeArgs};
use capmatch::db::DatabaseUrl;
use capmatch::interchange::{self, ImportFailure};
use capmatch::startup::{self, DemoData};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Migrate { db }) => migrate(&DatabaseUrl::parse(&db.database)),
        Some(Command::Import { file, dry_run, db }) => import(&DatabaseUrl::parse(&db.database), &file, dry_run),
        Some(Command::Export { file, db }) => export(&DatabaseUrl::parse(&db.database), file.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("capmatch: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&args.db.database);
    let demo = if args.no_demo { DemoData::Skip } else { DemoData::LoadIntoNewDatabase };
    let storage = startup::open(&url, args.pool_size, demo)?;
    let listener = TcpListener::bind(&args.bind).with_context(|| format!("cannot listen on {}", args.bind))?;
    tracing::info!(address = %listener.local_addr()?, database = %url, "serving capmatch");
    actix_web::rt::System::new().block_on(async move { capmatch::web::server(listener, storage, args.workers)?.await })?;
    Ok(())
}

fn migrate(url: &DatabaseUrl) -> anyhow::Result<()> {
    startup::open(url, 1, DemoData::Skip)?;
    println!("{url} is up to date");
    Ok(())
}

fn import(url: &DatabaseUrl, file: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let document = interchange::parse(&json).with_context(|| format!("{} was not imported", file.display()))?;
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let mut conn = storage.pool.get()?;
    match interchange::import(&mut conn, &storage.reference, &document, dry_run) {
        Ok(report) => {
            println!("{report}");
            Ok(())
        }
        Err(ImportFailure::Invalid(errors)) => {
            for error in &errors {
                eprintln!("{}: {error}", file.display());
            }
            anyhow::bail!("{} problem(s) in {}; nothing was imported", errors.len(), file.display())
        }
        Err(other) => Err(other.into()),
    }
}

fn export(url: &DatabaseUrl, file: Option<&std::path::Path>) -> anyhow::Result<()> {
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let mut conn = storage.pool.get()?;
    let json = interchange::to_json(&interchange::export(&mut conn)?);
    match file {
        Some(path) => std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(json.as_bytes())?,
    }
    Ok(())
}
