//! What the service writes to its log. Every value is escaped, so nothing a
//! request sends (a line break, a terminal escape sequence) can forge a log
//! line or colour a terminal; colour is used only when the log is a terminal.

use std::borrow::Cow;
use std::fmt;
use std::io::IsTerminal;

use tracing::Subscriber;
use tracing::field::Field;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

/// Logs to standard error, filtered by `RUST_LOG` (default `info`).
pub fn init() {
    let stderr = std::io::stderr;
    let ansi = std::io::stderr().is_terminal();
    // Only fails when a subscriber is already set, as in tests.
    let _ = tracing::subscriber::set_global_default(subscriber(stderr, ansi));
}

/// The subscriber [`init`] installs, writing to `writer`.
pub fn subscriber<W>(writer: W, ansi: bool) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let fields = debug_fn(
        |w: &mut Writer<'_>, field: &Field, value: &dyn fmt::Debug| {
            let text = format!("{value:?}");
            match field.name() {
                "message" => write!(w, "{}", escape(&text)),
                name => write!(w, "{name}={}", escape(&text)),
            }
        },
    )
    .delimited(" ");
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(writer)
        .with_ansi(ansi)
        .fmt_fields(fields)
        .finish()
}

/// The span of each HTTP request. As tracing-actix-web's own, but an
/// address that carries a secret (a single-use link's token) is logged by
/// its route, `/password/{token}`, never as it was asked.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = tracing::field::Empty,
            http.target = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        );
        // Finding the route walks the route table again: only for a span
        // that is kept.
        if !span.is_disabled() {
            let route = request.match_pattern().unwrap_or_else(|| "default".into());
            let target = if route.contains("{token}") {
                route.clone()
            } else {
                request
                    .uri()
                    .path_and_query()
                    .map_or_else(String::new, |p| p.as_str().to_owned())
            };
            span.record("http.route", tracing::field::display(&route));
            span.record("http.target", tracing::field::display(&target));
        }
        span
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Control characters and the Unicode controls that reorder text, written
/// as escapes (`\n`, `\u{1b}`); everything else as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A log written to memory, for tests to read.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[cfg(test)]
impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_cannot_forge_or_colour_log_lines() {
        let captured = Captured::default();
        let writer = captured.clone();
        let hostile = "GHA\r\n2026-11-24T00:00:00Z  INFO forged line\u{1b}[31mred\u{202e}";
        tracing::subscriber::with_default(subscriber(move || writer.clone(), false), || {
            tracing::warn!(query = %hostile, "bad request: {hostile}");
        });
        let log = captured.text();
        assert_eq!(log.matches('\n').count(), 1, "one line: {log}");
        assert!(log.ends_with('\n'));
        assert!(!log.contains('\r') && !log.contains('\u{1b}') && !log.contains('\u{202e}'));
        assert!(
            log.contains("GHA\\r\\n2026-11-24T00:00:00Z  INFO forged line\\u{1b}[31mred\\u{202e}")
        );
        assert!(log.contains("query=GHA\\r\\n"), "{log}");
    }

    #[test]
    fn plain_text_is_left_as_it_is() {
        assert!(matches!(escape("Côte d'Ivoire, 2026"), Cow::Borrowed(_)));
        assert_eq!(escape("a\tb"), "a\\tb");
    }
}
