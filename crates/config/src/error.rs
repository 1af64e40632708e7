//! `ConfigError`: the one error type of the config crate, with the line it points at.
//!
//! Messages follow Prometheus's wording where Prometheus has one; promlite adds the line
//! number (` (line 12)`) that Prometheus often leaves out, because users of a drop-in
//! replacement need to find the field quickly.

use std::fmt;
use std::path::PathBuf;

use promlite_model::go_quote;

/// Everything that can go wrong loading `prometheus.yml` or a rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {message}", path.display())]
    Read { path: PathBuf, message: String },

    /// An error inside a configuration file, prefixed as Prometheus does.
    #[error("parsing YAML file {}: {source}", path.display())]
    ConfigFile {
        path: PathBuf,
        source: Box<ConfigError>,
    },

    /// An error inside a rule file, prefixed with the file name as promtool does.
    #[error("{}: {source}", path.display())]
    RuleFile {
        path: PathBuf,
        source: Box<ConfigError>,
    },

    /// The text is not well-formed YAML.
    #[error("yaml: {message}{}", AtLine(Some(*line)))]
    Syntax { message: String, line: usize },

    /// A field Prometheus knows that promlite does not implement (see
    /// [`crate::UNSUPPORTED_FIELDS`]).
    #[error("field {field} is not supported by promlite{}{}", AtLine(*line), Hint(hint))]
    Unsupported {
        field: String,
        line: Option<usize>,
        hint: Option<String>,
    },

    /// Unknown fields, values of the wrong type and failed validation.
    #[error("{message}{}", AtLine(*line))]
    Invalid {
        message: String,
        line: Option<usize>,
    },

    /// A structural problem with one rule, worded as `promtool check rules` does:
    /// `12:7: group "g", rule 2, "HighLatency": invalid field 'for' in recording rule`.
    #[error(
        "{line}:{column}: group {}, rule {rule_number}, {}: {message}",
        go_quote(group),
        go_quote(rule_name)
    )]
    Rule {
        group: String,
        /// 1-based position of the rule in its group.
        rule_number: usize,
        rule_name: String,
        message: String,
        line: usize,
        column: usize,
    },
}

struct AtLine(Option<usize>);

impl fmt::Display for AtLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // Line 0 means "position unknown" (see `yaml::parse`'s libyaml fallback).
            Some(line) if line > 0 => write!(f, " (line {line})"),
            _ => Ok(()),
        }
    }
}

struct Hint<'a>(&'a Option<String>);

impl fmt::Display for Hint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(hint) => write!(f, ": {hint}"),
            None => Ok(()),
        }
    }
}

impl ConfigError {
    /// A validation error with an optional line.
    pub fn invalid(message: impl Into<String>, line: Option<usize>) -> ConfigError {
        ConfigError::Invalid {
            message: message.into(),
            line,
        }
    }

    /// The line (1-based) the error points at, when known.
    pub fn line(&self) -> Option<usize> {
        let line = match self {
            ConfigError::Read { .. } => None,
            ConfigError::ConfigFile { source, .. } | ConfigError::RuleFile { source, .. } => {
                source.line()
            }
            ConfigError::Syntax { line, .. } | ConfigError::Rule { line, .. } => Some(*line),
            ConfigError::Unsupported { line, .. } | ConfigError::Invalid { line, .. } => *line,
        };
        line.filter(|l| *l > 0)
    }

    /// The field name when this error says a field is not supported by promlite.
    pub fn unsupported_field(&self) -> Option<&str> {
        match self {
            ConfigError::ConfigFile { source, .. } | ConfigError::RuleFile { source, .. } => {
                source.unsupported_field()
            }
            ConfigError::Unsupported { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The error without the file prefix.
    pub fn innermost(&self) -> &ConfigError {
        match self {
            ConfigError::ConfigFile { source, .. } | ConfigError::RuleFile { source, .. } => {
                source.innermost()
            }
            other => other,
        }
    }

    pub(crate) fn in_config_file(self, path: PathBuf) -> ConfigError {
        ConfigError::ConfigFile {
            path,
            source: Box::new(self),
        }
    }

    pub(crate) fn in_rule_file(self, path: PathBuf) -> ConfigError {
        ConfigError::RuleFile {
            path,
            source: Box::new(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_line_and_file() {
        let e = ConfigError::invalid("field foo not found in type config.ScrapeConfig", Some(7));
        assert_eq!(
            e.to_string(),
            "field foo not found in type config.ScrapeConfig (line 7)"
        );
        let e = e.in_config_file(PathBuf::from("p.yml"));
        assert_eq!(
            e.to_string(),
            "parsing YAML file p.yml: field foo not found in type config.ScrapeConfig (line 7)"
        );
        assert_eq!(e.line(), Some(7));
        let u = ConfigError::Unsupported {
            field: "kubernetes_sd_configs".into(),
            line: Some(12),
            hint: None,
        };
        assert_eq!(
            u.to_string(),
            "field kubernetes_sd_configs is not supported by promlite (line 12)"
        );
        assert_eq!(u.unsupported_field(), Some("kubernetes_sd_configs"));
        let r = ConfigError::Rule {
            group: "g".into(),
            rule_number: 2,
            rule_name: "X".into(),
            message: "one of 'record' or 'alert' must be set".into(),
            line: 5,
            column: 7,
        };
        assert_eq!(
            r.to_string(),
            r#"5:7: group "g", rule 2, "X": one of 'record' or 'alert' must be set"#
        );
    }
}
