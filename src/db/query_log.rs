//! What each connection tells the log about its statements: a slow one as
//! a warning, every one at debug level (`RUST_LOG=capmatch::db=debug`).
//! Lines are written in the span of the work that sent the statement (the
//! request's `store` span), so a slow request can be traced to its query.
//! Only the SQL is written, never the bound values, which hold what people
//! typed.

use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// A statement slower than this is logged as a warning.
pub const SLOW: Duration = Duration::from_millis(250);

pub struct QueryLog {
    slow: Duration,
    started: Option<Instant>,
}

impl QueryLog {
    pub fn new(slow: Duration) -> QueryLog {
        QueryLog {
            slow,
            started: None,
        }
    }
}

/// The statement's SQL without diesel's `-- binds: [...]` suffix.
fn sql_of(query: &dyn std::fmt::Display) -> String {
    let text = query.to_string();
    match text.find(" -- binds: ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

impl Instrumentation for QueryLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let took = self.started.take().map(|s| s.elapsed()).unwrap_or_default();
                let millis = took.as_millis() as u64;
                let failed = error.is_some();
                if took >= self.slow {
                    tracing::warn!(millis, failed, sql = %sql_of(query), "slow statement");
                } else if tracing::enabled!(tracing::Level::DEBUG) {
                    tracing::debug!(millis, failed, sql = %sql_of(query), "statement");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use super::*;
    use crate::telemetry::{Captured, subscriber};

    #[test]
    fn slow_statements_are_logged_with_their_sql_never_their_values() {
        let captured = Captured::default();
        let writer = captured.clone();
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.set_instrumentation(QueryLog::new(Duration::ZERO));
        tracing::subscriber::with_default(subscriber(move || writer.clone(), false), || {
            let span = tracing::info_span!("request", id = 7);
            let _entered = span.enter();
            diesel::select(
                diesel::dsl::sql::<Text>("'x' || ").bind::<Text, _>("secret@example.org"),
            )
            .get_result::<String>(&mut conn)
            .unwrap();
        });
        let log = captured.text();
        assert!(log.contains("slow statement"), "{log}");
        assert!(log.contains("sql=SELECT 'x' || ?"), "{log}");
        assert!(
            log.contains("request{id=7}"),
            "in the request's span: {log}"
        );
        assert!(!log.contains("secret@example.org"), "{log}");
    }

    #[test]
    fn quick_statements_stay_out_of_the_default_log() {
        let captured = Captured::default();
        let writer = captured.clone();
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.set_instrumentation(QueryLog::new(Duration::from_secs(3600)));
        tracing::subscriber::with_default(subscriber(move || writer.clone(), false), || {
            diesel::select(diesel::dsl::sql::<Text>("'x'"))
                .get_result::<String>(&mut conn)
                .unwrap();
        });
        let log = captured.text();
        assert!(!log.contains("slow statement"), "{log}");
    }
}
