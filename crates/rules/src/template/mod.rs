//! Go `text/template` for alert labels and annotations, matching Prometheus's output
//! byte for byte: the engine (lexer, parser, executor), Go's `fmt` and `time`
//! formatting, and Prometheus's template functions.
//!
//! ```
//! use promlite_rules::template::{expand_alert_text, AlertTemplateData};
//! let mut data = AlertTemplateData::default();
//! data.labels.insert("instance".into(), "db-1:9100".into());
//! data.value = 0.0512;
//! let out = expand_alert_text(
//!     "HighErrors",
//!     "{{ $labels.instance | stripPort }} at {{ $value | humanizePercentage }}",
//!     &data,
//!     0,
//!     None,
//!     "http://localhost:9090/",
//! );
//! assert_eq!(out, "db-1 at 5.12%");
//! ```

mod ast;
mod builtins;
mod exec;
mod funcs;
mod gofmt;
mod gotime;
mod lex;
mod literals;
mod parse;
mod prom_funcs;
mod value;

use std::sync::Arc;

pub use funcs::{FuncEnv, TemplateQuerier};
pub use gofmt::{format_float, sprintf};
pub use value::{AlertTemplateData, QuerySample, Value};

pub(crate) use gotime::duration_string;
pub(crate) use prom_funcs::query_escape;

/// `strfmt.DateTime` JSON text of a time in ms: RFC 3339 with milliseconds, UTC; `None`
/// is Go's zero time.
pub fn format_time_rfc3339_millis(ms: Option<i64>) -> String {
    match ms {
        None => "0001-01-01T00:00:00.000Z".to_string(),
        Some(ms) => {
            gotime::format_layout(i128::from(ms) * 1_000_000, "2006-01-02T15:04:05.000Z07:00")
        }
    }
}

/// Go's `time.RFC3339Nano` text of a time in ms (what `/api/v1/rules` shows).
pub fn format_time_rfc3339_nano(ms: i64) -> String {
    gotime::format_layout(
        i128::from(ms) * 1_000_000,
        "2006-01-02T15:04:05.999999999Z07:00",
    )
}

/// The variables Prometheus defines before every alert label and annotation template.
pub const ALERT_TEMPLATE_HEADER: &str = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// A template that failed to parse or to execute. `Display` is Prometheus's text
/// (`error parsing template NAME: template: NAME:1: ...`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("error parsing template {name}: {message}")]
    Parse { name: String, message: String },
    #[error("error executing template {name}: {message}")]
    Execute { name: String, message: String },
}

impl TemplateError {
    /// The message without Prometheus's `error parsing/executing template NAME: ` prefix
    /// (what `promtool check rules` prints).
    pub fn message(&self) -> &str {
        match self {
            TemplateError::Parse { message, .. } | TemplateError::Execute { message, .. } => {
                message
            }
        }
    }
}

/// A parsed template, ready to execute many times.
#[derive(Clone, Debug)]
pub struct Template {
    set: Arc<parse::TemplateSet>,
}

impl Template {
    /// Parses `text` as template `name` with Prometheus's function set.
    pub fn parse(name: &str, text: &str) -> Result<Template, TemplateError> {
        parse::parse(name, text, &funcs::has_function)
            .map(|set| Template { set: Arc::new(set) })
            .map_err(|message| TemplateError::Parse {
                name: name.to_string(),
                message,
            })
    }

    /// Parses an alert label or annotation the way Prometheus does: behind
    /// [`ALERT_TEMPLATE_HEADER`], named `__alert_<alertname>`.
    pub fn parse_alert(alert_name: &str, text: &str) -> Result<Template, TemplateError> {
        Template::parse(
            &format!("__alert_{alert_name}"),
            &format!("{ALERT_TEMPLATE_HEADER}{text}"),
        )
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.set.name
    }

    /// Executes the template with `data` as dot.
    pub fn execute(&self, data: Value, env: &FuncEnv<'_>) -> Result<String, TemplateError> {
        exec::execute(&self.set, env, data).map_err(|message| TemplateError::Execute {
            name: self.set.name.clone(),
            message,
        })
    }

    /// Expands an alert template; a failure yields Prometheus's
    /// `<error expanding template: ...>` text instead of an error.
    pub fn expand_alert(&self, data: &AlertTemplateData, env: &FuncEnv<'_>) -> String {
        match self.execute(Value::Alert(Arc::new(data.clone())), env) {
            Ok(s) => s,
            Err(e) => format!("<error expanding template: {e}>"),
        }
    }
}

/// Parses and expands one alert label or annotation value, as Prometheus does on every
/// evaluation: errors become `<error expanding template: ...>`.
pub fn expand_alert_text(
    alert_name: &str,
    text: &str,
    data: &AlertTemplateData,
    timestamp_ms: i64,
    querier: Option<&dyn TemplateQuerier>,
    external_url: &str,
) -> String {
    let env = FuncEnv {
        querier,
        timestamp_ms,
        external_url,
    };
    match Template::parse_alert(alert_name, text) {
        Ok(t) => t.expand_alert(data, &env),
        Err(e) => format!("<error expanding template: {e}>"),
    }
}

/// Checks that an alert label or annotation parses (what `promtool check rules` does);
/// the error is Go's parse message.
pub fn check_alert_template(alert_name: &str, text: &str) -> Result<(), String> {
    Template::parse_alert(alert_name, text)
        .map(|_| ())
        .map_err(|e| e.message().to_string())
}

#[cfg(test)]
mod tests;
