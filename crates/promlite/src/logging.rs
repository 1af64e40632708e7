//! Logging setup for the binary: `--log.level` and `--log.format=logfmt|json` as
//! Prometheus 3 prints them (`time=... level=INFO msg="..." key=value`).

use std::fmt::Write as _;

use promlite_model::{Clock, SystemClock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber. Errors name the bad flag value.
pub fn init(level: &str, format: &str) -> anyhow::Result<()> {
    let level = match level {
        "debug" => Level::DEBUG,
        "info" => Level::INFO,
        "warn" => Level::WARN,
        "error" => Level::ERROR,
        other => anyhow::bail!("unrecognized log level {other:?} (debug, info, warn, error)"),
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    match format {
        "logfmt" => builder.event_format(Logfmt).try_init(),
        "json" => builder.json().flatten_event(true).try_init(),
        other => anyhow::bail!("unrecognized log format {other:?} (logfmt, json)"),
    }
    .map_err(|e| anyhow::anyhow!("installing the logger: {e}"))
}

/// One line per event: `time=<RFC3339 ms UTC> level=<LEVEL> source=<target> msg="..." k=v`.
struct Logfmt;

impl<S, N> FormatEvent<S, N> for Logfmt
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let now = chrono::DateTime::from_timestamp_millis(SystemClock.now_ms()).unwrap_or_default();
        let meta = event.metadata();
        let mut fields = LogfmtFields::default();
        event.record(&mut fields);
        write!(
            writer,
            "time={} level={} source={} msg={}",
            now.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            meta.level(),
            meta.target(),
            logfmt_value(&fields.message)
        )?;
        writer.write_str(&fields.rest)?;
        writeln!(writer)
    }
}

#[derive(Default)]
struct LogfmtFields {
    message: String,
    rest: String,
}

impl Visit for LogfmtFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.push(field, text);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.to_string());
    }
}

impl LogfmtFields {
    fn push(&mut self, field: &Field, text: String) {
        if field.name() == "message" {
            self.message = text;
        } else {
            let _ = write!(self.rest, " {}={}", field.name(), logfmt_value(&text));
        }
    }
}

/// Quotes a value when logfmt needs it (spaces, quotes, `=`, empty).
fn logfmt_value(v: &str) -> String {
    if v.is_empty() || v.contains(|c: char| c == ' ' || c == '"' || c == '=' || c.is_control()) {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_quotes_only_when_needed() {
        assert_eq!(logfmt_value("plain"), "plain");
        assert_eq!(logfmt_value("two words"), "\"two words\"");
        assert_eq!(logfmt_value(""), "\"\"");
        assert_eq!(logfmt_value("a=b"), "\"a=b\"");
    }
}
