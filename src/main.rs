//! The `capmatch` command: serve, migrate, import, export.

use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use capmatch::config::{Cli, Command, OutputFormat, ServeArgs, UserCommand};
use capmatch::db::DatabaseUrl;
use capmatch::domain::audit::Actor;
use capmatch::interchange::{self, ImportFailure};
use capmatch::startup::{self, DemoData};

/// The engine's catalogue and the reports are rebuilt by several threads
/// at once after each save; glibc's allocator kept what they freed in
/// per-thread arenas (175 MB resident after eight edits under load, against
/// 135 MB with jemalloc: BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    capmatch::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Migrate { db }) => migrate(&DatabaseUrl::parse(&db.database)),
        Some(Command::Import { file, dry_run, db }) => {
            import(&DatabaseUrl::parse(&db.database), &file, dry_run)
        }
        Some(Command::Export { file, db }) => {
            export(&DatabaseUrl::parse(&db.database), file.as_deref())
        }
        Some(Command::Match {
            country,
            all: _,
            format,
            limit,
            db,
        }) => {
            let url = DatabaseUrl::parse(&db.database);
            match country {
                Some(country) => match_country(&url, &country, format, limit),
                None => match_all(&url),
            }
        }
        Some(Command::User { command }) => user(command),
        Some(Command::Notify {
            once,
            now,
            links,
            db,
        }) => notify(
            &DatabaseUrl::parse(&db.database),
            once,
            now,
            links.public_url,
        ),
        Some(Command::Seed {
            synthetic,
            needs_per_country,
            seed,
            db,
        }) => seed_database(
            &DatabaseUrl::parse(&db.database),
            synthetic,
            needs_per_country,
            seed,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("capmatch: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How often the outbox is looked at.
const MAIL_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// How often the lifecycle's clock is looked at.
const SCHEDULER_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Sweeps the lifecycle's clock once, or every minute until stopped.
fn notify(
    url: &DatabaseUrl,
    once: bool,
    now: Option<chrono::NaiveDateTime>,
    public_url: String,
) -> anyhow::Result<()> {
    let storage = startup::open(url, 2, DemoData::Skip)?;
    let site = capmatch::web::Site {
        public_url: Some(public_url),
        ..capmatch::web::Site::default()
    };
    if once {
        let now = now.unwrap_or_else(capmatch::db::now);
        let swept =
            capmatch::scheduler::sweep(&storage, &mut *storage.pool.get()?, now, &|path| {
                site.link(path)
            })?;
        println!("{swept}");
        return Ok(());
    }
    anyhow::ensure!(now.is_none(), "--now goes with --once");
    let _scheduler =
        capmatch::scheduler::start(storage, move |path| site.link(path), SCHEDULER_EVERY)?;
    loop {
        std::thread::park();
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&args.db.database);
    let demo = if args.no_demo {
        DemoData::Skip
    } else {
        DemoData::LoadIntoNewDatabase
    };
    let (storage, demo_accounts) = startup::open_with_demo_accounts(&url, args.pool_size, demo)?;
    if !demo_accounts.is_empty() {
        // To the terminal, once: these passwords are kept nowhere else.
        println!("Demo accounts (the passwords are shown only now):");
        for account in &demo_accounts {
            println!("  {account}");
        }
    }
    let listener =
        TcpListener::bind(&args.bind).with_context(|| format!("cannot listen on {}", args.bind))?;
    storage.warm_up_in_background()?;
    let health = match &args.health_bind {
        Some(address) => Some(
            TcpListener::bind(address)
                .with_context(|| format!("cannot listen on {address} for health checks"))?,
        ),
        None => None,
    };
    let settings = capmatch::web::ServerSettings {
        site: capmatch::web::Site {
            public_url: args.public_url,
            behind_proxy: args.behind_proxy,
            address: listener.local_addr()?.to_string(),
        },
        workers: args.workers,
        max_connections: connection_budget(args.max_connections),
        ..capmatch::web::ServerSettings::default()
    };
    let delivery = match &args.smtp_url {
        Some(url) => capmatch::mail::Delivery::Smtp(url.clone()),
        None => capmatch::mail::Delivery::Files(args.mail_dir.clone()),
    };
    let mailer = capmatch::mail::Mailer::new(&delivery, &args.mail_from)?;
    let _mail = capmatch::mail::start_worker(storage.pool.clone(), mailer, MAIL_EVERY)?;
    let site = settings.site.clone();
    let _scheduler = capmatch::scheduler::start(
        storage.clone(),
        move |path| site.link(path),
        SCHEDULER_EVERY,
    )?;
    tracing::info!(
        address = %listener.local_addr()?,
        mail = ?delivery,
        database = %url,
        max_connections = settings.max_connections,
        "serving capmatch"
    );
    actix_web::rt::System::new().block_on(async move {
        if let Some(health) = health {
            tracing::info!(address = %health.local_addr()?, "health checks answered");
            actix_web::rt::spawn(capmatch::web::health_server(health, storage.clone())?);
        }
        capmatch::web::server(listener, storage, settings)?.await
    })?;
    Ok(())
}

/// The connections the server may keep open: what was asked, within the
/// open-file limit (raised to the system's hard limit first), leaving room
/// for database connections and files. Past the limit the server would fail
/// to accept ("Too many open files"); at the budget it only waits.
fn connection_budget(requested: usize) -> usize {
    const RESERVED: u64 = 256;
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let budget = usize::try_from(limit.saturating_sub(RESERVED)).unwrap_or(usize::MAX);
    if requested > budget {
        tracing::warn!(
            requested,
            budget,
            open_file_limit = limit,
            "fewer connections than asked: the open-file limit is low"
        );
    }
    requested.min(budget).max(1)
}

fn migrate(url: &DatabaseUrl) -> anyhow::Result<()> {
    startup::open(url, 1, DemoData::Skip)?;
    println!("{url} is up to date");
    Ok(())
}

fn import(url: &DatabaseUrl, file: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    let json =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let document = interchange::parse(&json)
        .with_context(|| format!("{} was not imported", file.display()))?;
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let mut conn = storage.pool.get()?;
    match interchange::import(
        &mut conn,
        &storage.reference,
        &document,
        dry_run,
        &Actor::command_line(),
    ) {
        Ok(report) => {
            println!("{report}");
            Ok(())
        }
        Err(ImportFailure::Invalid(errors)) => {
            for error in &errors {
                eprintln!("{}: {error}", file.display());
            }
            anyhow::bail!(
                "{} problem(s) in {}; nothing was imported",
                errors.len(),
                file.display()
            )
        }
        Err(other) => Err(other.into()),
    }
}

fn export(url: &DatabaseUrl, file: Option<&std::path::Path>) -> anyhow::Result<()> {
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let mut conn = storage.pool.get()?;
    let json = interchange::to_json(&interchange::export(&mut conn)?);
    match file {
        Some(path) => std::fs::write(path, json)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(json.as_bytes())?,
    }
    Ok(())
}

fn match_country(
    url: &DatabaseUrl,
    country: &str,
    format: OutputFormat,
    limit: Option<usize>,
) -> anyhow::Result<()> {
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let iso3 = storage
        .reference
        .iso3(&country.to_ascii_uppercase())
        .map_err(|e| anyhow::anyhow!("--country: {e}"))?;
    let mut conn = storage.pool.get()?;
    let (catalogue, needs) = storage.engine_inputs(&mut conn, Some(&iso3))?;
    let today = storage.today(&mut conn)?;
    // The command line writes every need on one page: it is not a request
    // that must stay small, and it is how to get every match of a country.
    let report = capmatch::reports::country_report(
        &today.context(),
        &catalogue,
        iso3,
        needs,
        limit,
        capmatch::reports::Paging::new(1, usize::MAX),
        None,
    )
    .page;
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        OutputFormat::Table => {
            if report.needs.is_empty() {
                writeln!(
                    out,
                    "{} has no open needs in a submitted assessment.",
                    report.country
                )?;
            }
            for need in &report.needs {
                writeln!(
                    out,
                    "{}  {}  {} priority  ({} matches)",
                    need.key,
                    need.theme,
                    need.priority.code(),
                    need.total_matches
                )?;
                for (rank, m) in need.matches.iter().enumerate() {
                    writeln!(
                        out,
                        "  {:>3}. {:.3}  {}  ({})",
                        rank + 1,
                        m.score,
                        m.offered.offering,
                        m.offered.provider
                    )?;
                }
                for miss in &need.near_misses {
                    let failed: Vec<&str> = miss.failed.iter().map(|c| c.code()).collect();
                    writeln!(
                        out,
                        "       near miss  {}  ({}): {}: {}",
                        miss.offered.offering,
                        miss.offered.provider,
                        failed.join(" and "),
                        miss.reason
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Re-matches every open need and prints how well each priority is served.
fn match_all(url: &DatabaseUrl) -> anyhow::Result<()> {
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let mut conn = storage.pool.get()?;
    let (catalogue, needs) = storage.engine_inputs(&mut conn, None)?;
    let today = storage.today(&mut conn)?;
    let context = today.context();
    let progress = indicatif::ProgressBar::new(needs.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} needs {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let mut summary: std::collections::BTreeMap<capmatch::domain::Priority, [usize; 4]> =
        Default::default();
    let mut countries = std::collections::BTreeSet::new();
    let mut matches = 0usize;
    let total = needs.len();
    // The summary needs each need's count and best score: keep one.
    capmatch::reports::rank_needs(&context, &catalogue, needs, Some(1), |open, _, ranking| {
        countries.insert(open.country.clone());
        matches += ranking.match_count();
        let row = summary.entry(open.need.priority).or_default();
        row[0] += 1;
        match ranking.best_score() {
            None => row[3] += 1,
            Some(score) if score < capmatch::matching::WEAK_SCORE => row[2] += 1,
            Some(_) => row[1] += 1,
        }
        progress.inc(1);
    });
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    println!(
        "matched {} open needs of {} countries against {} active offerings in {} ms: {} matches",
        total,
        countries.len(),
        catalogue.len(),
        elapsed.as_millis(),
        matches
    );
    println!(
        "{:<8} {:>8} {:>8} {:>8} {:>8}",
        "priority", "needs", "served", "weak", "none"
    );
    for (priority, [total, served, weak, none]) in summary {
        println!(
            "{:<8} {total:>8} {served:>8} {weak:>8} {none:>8}",
            priority.code()
        );
    }
    Ok(())
}

fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            name,
            roles,
            password_stdin,
            links,
            db,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                let line = line.strip_suffix('\n').unwrap_or(&line);
                let line = line.strip_suffix('\r').unwrap_or(line);
                Some(capmatch::domain::password::Password::new(line))
            } else {
                None
            };
            let storage = startup::open(&DatabaseUrl::parse(&db.database), 1, DemoData::Skip)?;
            let added = capmatch::accounts::add(
                &mut *storage.pool.get()?,
                &storage.reference,
                &Actor::command_line(),
                capmatch::accounts::NewAccount {
                    email: &email,
                    name: name.as_deref(),
                    roles: &roles,
                    password,
                },
            )?;
            let roles: Vec<String> = added.person.roles.iter().map(ToString::to_string).collect();
            println!("added {} ({})", added.person.email, roles.join(", "));
            if let Some(path) = added.link_path {
                let site = capmatch::web::Site {
                    public_url: Some(links.public_url),
                    ..capmatch::web::Site::default()
                };
                println!(
                    "To choose a password, open this link within {} days (it works once):\n{}",
                    capmatch::accounts::SET_PASSWORD_LINK_DAYS,
                    site.link(&path)
                );
            }
            Ok(())
        }
        UserCommand::List { db } => {
            let storage = startup::open(&DatabaseUrl::parse(&db.database), 1, DemoData::Skip)?;
            let accounts = capmatch::db::accounts::list(&mut *storage.pool.get()?)?;
            let mut out = std::io::stdout().lock();
            for account in accounts {
                let roles: Vec<String> = account
                    .person
                    .roles
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                let state = match (account.disabled, account.has_password) {
                    (true, _) => "disabled",
                    (false, false) => "no password yet",
                    (false, true) => "active",
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    account.person.email,
                    account.person.name,
                    roles.join(" "),
                    state
                )?;
            }
            Ok(())
        }
        UserCommand::Disable { email, db } => {
            let storage = startup::open(&DatabaseUrl::parse(&db.database), 1, DemoData::Skip)?;
            let address = capmatch::domain::access::EmailAddress::parse(&email)
                .map_err(|e| anyhow::anyhow!("{email}: {e}"))?;
            match capmatch::db::accounts::disable(
                &mut *storage.pool.get()?,
                &Actor::command_line(),
                &address,
            ) {
                Ok(()) => {
                    println!("disabled {address}: its sessions have ended");
                    Ok(())
                }
                Err(capmatch::db::StoreError::NotFound) => {
                    anyhow::bail!("no account has the address {address}")
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

fn seed_database(
    url: &DatabaseUrl,
    offerings: usize,
    needs_per_country: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let storage = startup::open(url, 1, DemoData::Skip)?;
    let settings = capmatch::synthetic::Settings {
        offerings,
        needs_per_country,
        seed,
    };
    let document = capmatch::synthetic::document(&storage.reference, &settings);
    let mut conn = storage.pool.get()?;
    let started = std::time::Instant::now();
    let report = interchange::import(
        &mut conn,
        &storage.reference,
        &document,
        false,
        &Actor::command_line(),
    )
    .map_err(|e| anyhow::anyhow!("synthetic data did not load: {e}"))?;
    println!("{report} in {} s", started.elapsed().as_secs());
    Ok(())
}
