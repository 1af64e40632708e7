//! Relabeling: `relabel_configs`, `metric_relabel_configs`, `write_relabel_configs` and
//! `alert_relabel_configs`, with Prometheus's defaults, validation messages and semantics.
//!
//! [`process`] applies a list of steps to a label set; `None` means the set was dropped.

mod expand;
mod md5;
mod process;

use std::fmt;

pub use process::{process, process_builder};

use crate::yaml::fields::{as_seq, as_string, as_string_list, Fields, Result};
use crate::yaml::Node;
use crate::{ConfigError, NameValidationScheme, SourceLine};

/// What a relabel step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelabelAction {
    Replace,
    Keep,
    Drop,
    KeepEqual,
    DropEqual,
    HashMod,
    LabelMap,
    LabelDrop,
    LabelKeep,
    Lowercase,
    Uppercase,
}

impl RelabelAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RelabelAction::Replace => "replace",
            RelabelAction::Keep => "keep",
            RelabelAction::Drop => "drop",
            RelabelAction::KeepEqual => "keepequal",
            RelabelAction::DropEqual => "dropequal",
            RelabelAction::HashMod => "hashmod",
            RelabelAction::LabelMap => "labelmap",
            RelabelAction::LabelDrop => "labeldrop",
            RelabelAction::LabelKeep => "labelkeep",
            RelabelAction::Lowercase => "lowercase",
            RelabelAction::Uppercase => "uppercase",
        }
    }

    /// Parses an action name, case-insensitively as Prometheus does.
    pub fn parse(text: &str) -> Option<RelabelAction> {
        let lower = text.to_lowercase();
        [
            RelabelAction::Replace,
            RelabelAction::Keep,
            RelabelAction::Drop,
            RelabelAction::KeepEqual,
            RelabelAction::DropEqual,
            RelabelAction::HashMod,
            RelabelAction::LabelMap,
            RelabelAction::LabelDrop,
            RelabelAction::LabelKeep,
            RelabelAction::Lowercase,
            RelabelAction::Uppercase,
        ]
        .into_iter()
        .find(|a| a.as_str() == lower)
    }
}

impl fmt::Display for RelabelAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A relabel regex: the pattern as written, compiled anchored (`^(?s:...)$`) with Go's
/// semantics. Equality compares the pattern text.
#[derive(Clone)]
pub struct RelabelRegex {
    pattern: String,
    compiled: regex::Regex,
}

impl RelabelRegex {
    /// Compiles `pattern`; the error is Go-shaped (`error parsing regexp: ...`).
    pub fn new(pattern: &str) -> std::result::Result<RelabelRegex, String> {
        Ok(RelabelRegex {
            pattern: pattern.to_string(),
            compiled: crate::go_regex::compile_anchored(pattern)?,
        })
    }

    /// The default `(.*)`.
    pub fn match_all() -> RelabelRegex {
        RelabelRegex::new(DEFAULT_REGEX).expect("the default relabel regex compiles")
    }

    /// The pattern as written in the config.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }

    /// The compiled, anchored regex.
    pub fn regex(&self) -> &regex::Regex {
        &self.compiled
    }
}

impl PartialEq for RelabelRegex {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}
impl Eq for RelabelRegex {}

impl fmt::Debug for RelabelRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.pattern)
    }
}

pub(crate) const DEFAULT_SEPARATOR: &str = ";";
pub(crate) const DEFAULT_REGEX: &str = "(.*)";
pub(crate) const DEFAULT_REPLACEMENT: &str = "$1";

/// One relabel step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelabelConfig {
    pub source_labels: Vec<String>,
    pub separator: String,
    pub regex: RelabelRegex,
    pub modulus: u64,
    pub target_label: String,
    pub replacement: String,
    pub action: RelabelAction,
    /// Which label names `replace` may write (set from the owning section).
    pub name_validation: NameValidationScheme,
    /// Whether `regex` was written explicitly (Prometheus refuses any explicit regex for
    /// `keepequal`/`dropequal`, even `(.*)`).
    pub regex_explicit: bool,
    /// Line of the step in the config file.
    pub line: SourceLine,
}

impl Default for RelabelConfig {
    fn default() -> Self {
        RelabelConfig {
            source_labels: Vec::new(),
            separator: DEFAULT_SEPARATOR.to_string(),
            regex: RelabelRegex::match_all(),
            modulus: 0,
            target_label: String::new(),
            replacement: DEFAULT_REPLACEMENT.to_string(),
            action: RelabelAction::Replace,
            name_validation: NameValidationScheme::Utf8,
            regex_explicit: false,
            line: SourceLine(0),
        }
    }
}

impl RelabelConfig {
    /// Reads one step; `what` names the list in the "empty or null" message.
    pub(crate) fn parse(node: &Node, what: &str) -> Result<RelabelConfig> {
        if node.is_null() {
            return Err(ConfigError::invalid(
                format!("empty or null {what}"),
                Some(node.line),
            ));
        }
        let mut f = Fields::of(node, "relabel.Config")?;
        let mut cfg = RelabelConfig {
            line: SourceLine(node.line),
            ..RelabelConfig::default()
        };
        if let Some(n) = f.get("source_labels") {
            cfg.source_labels = as_string_list(n)?;
            if let Some(bad) = cfg.source_labels.iter().find(|l| l.is_empty()) {
                return Err(ConfigError::invalid(
                    format!(
                        "{} is not a valid label name",
                        promlite_model::go_quote(bad)
                    ),
                    Some(n.line),
                ));
            }
        }
        if let Some(v) = f.string("separator")? {
            cfg.separator = v;
        }
        if f.has("regex") {
            cfg.regex_explicit = true;
            // `regex:` with no value is the empty pattern, as in Prometheus.
            let (pattern, line) = match f.get("regex") {
                Some(n) => (as_string(n)?, n.line),
                None => (String::new(), f.key_line("regex").unwrap_or(f.line)),
            };
            cfg.regex =
                RelabelRegex::new(&pattern).map_err(|m| ConfigError::invalid(m, Some(line)))?;
        }
        if let Some(v) = f.uint("modulus")? {
            cfg.modulus = v;
        }
        if let Some(v) = f.string("target_label")? {
            cfg.target_label = v;
        }
        if f.has("replacement") {
            cfg.replacement = f.string("replacement")?.unwrap_or_default();
        }
        if let Some(n) = f.get("action") {
            let text = as_string(n)?;
            cfg.action = RelabelAction::parse(&text).ok_or_else(|| {
                ConfigError::invalid(
                    format!("unknown relabel action {}", promlite_model::go_quote(&text)),
                    Some(n.line),
                )
            })?;
        }
        f.finish()?;
        Ok(cfg)
    }

    /// Checks the step as Prometheus's `relabel.Config.Validate` does, with its messages.
    pub fn validate(&self) -> std::result::Result<(), String> {
        use RelabelAction::*;
        let a = self.action;
        let scheme = self.name_validation;
        if self.modulus == 0 && a == HashMod {
            return Err("relabel configuration for hashmod requires non-zero modulus".into());
        }
        if matches!(
            a,
            Replace | HashMod | Lowercase | Uppercase | KeepEqual | DropEqual
        ) && self.target_label.is_empty()
        {
            return Err(format!(
                "relabel configuration for {a} action requires 'target_label' value"
            ));
        }
        let invalid_target = || {
            format!(
                "{} is invalid 'target_label' for {a} action",
                promlite_model::go_quote(&self.target_label)
            )
        };
        let has_var = |s: &str| s.contains('$');
        if a == Replace
            && !has_var(&self.target_label)
            && !scheme.is_valid_label_name(&self.target_label)
        {
            return Err(invalid_target());
        }
        if a == Replace
            && has_var(&self.target_label)
            && !valid_name_with_vars(scheme, &self.target_label)
        {
            return Err(invalid_target());
        }
        if matches!(a, Lowercase | Uppercase | KeepEqual | DropEqual) {
            if !scheme.is_valid_label_name(&self.target_label) {
                return Err(invalid_target());
            }
            if self.replacement != DEFAULT_REPLACEMENT {
                return Err(format!("'replacement' can not be set for {a} action"));
            }
        }
        if a == LabelMap && !valid_name_with_vars(scheme, &self.replacement) {
            return Err(format!(
                "{} is invalid 'replacement' for {a} action",
                promlite_model::go_quote(&self.replacement)
            ));
        }
        if a == HashMod && !scheme.is_valid_label_name(&self.target_label) {
            return Err(invalid_target());
        }
        if matches!(a, KeepEqual | DropEqual)
            && (self.regex_explicit
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(format!(
                "{a} action requires only 'source_labels' and `target_label`, and no other fields"
            ));
        }
        if matches!(a, LabelDrop | LabelKeep)
            && (!self.source_labels.is_empty()
                || !self.target_label.is_empty()
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(format!(
                "{a} action requires only 'regex', and no other fields"
            ));
        }
        Ok(())
    }
}

/// A label name that may contain `$1` / `${name}` references. With UTF-8 names anything
/// non-empty goes; with legacy names only `[a-zA-Z_]` starts plus variables.
fn valid_name_with_vars(scheme: NameValidationScheme, name: &str) -> bool {
    match scheme {
        NameValidationScheme::Utf8 => !name.is_empty(),
        NameValidationScheme::Legacy => legacy_name_with_vars(name),
    }
}

/// Prometheus's `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: a sequence of pieces, each
/// a letter/underscore or a `$var`/`${var}`, followed by word characters.
fn legacy_name_with_vars(name: &str) -> bool {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = name.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if c.is_ascii_alphabetic() || c == b'_' => i += 1,
            b'$' => {
                if b.get(i + 1) == Some(&b'{') {
                    let start = i + 2;
                    let mut j = start;
                    while j < b.len() && is_word(b[j]) {
                        j += 1;
                    }
                    if j == start || b.get(j) != Some(&b'}') {
                        return false;
                    }
                    i = j + 1;
                } else {
                    let start = i + 1;
                    let mut j = start;
                    while j < b.len() && is_word(b[j]) {
                        j += 1;
                    }
                    if j == start {
                        return false;
                    }
                    i = j;
                }
            }
            // Digits may only follow a piece (the trailing \w*), never start the name.
            c if c.is_ascii_digit() && i > 0 => i += 1,
            _ => return false,
        }
    }
    true
}

/// Reads a list of relabel steps. `what` is Prometheus's noun for a null entry
/// (e.g. "target relabeling rule in scrape config").
pub(crate) fn parse_list(node: Option<&Node>, what: &str) -> Result<Vec<RelabelConfig>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    as_seq(node, "[]*relabel.Config")?
        .iter()
        .map(|n| RelabelConfig::parse(n, what))
        .collect()
}

/// Sets the name validation scheme and validates every step, reporting the step's line.
pub(crate) fn validate_list(
    steps: &mut [RelabelConfig],
    scheme: NameValidationScheme,
) -> Result<()> {
    for step in steps {
        step.name_validation = scheme;
        step.validate()
            .map_err(|m| ConfigError::invalid(m, step.line.get()))?;
    }
    Ok(())
}

/// Reads a YAML list of relabel steps (the value of a `relabel_configs:` key), applying
/// defaults and validation with UTF-8 label names. For tests and tools.
///
/// ```
/// use promlite_config::relabel::{parse_relabel_configs, process};
/// use promlite_model::Labels;
/// let steps = parse_relabel_configs("- regex: tmp_.*\n  action: labeldrop\n").unwrap();
/// let out = process(&Labels::from_pairs([("tmp_x", "1"), ("job", "a")]), &steps).unwrap();
/// assert_eq!(out.to_string(), r#"{job="a"}"#);
/// ```
pub fn parse_relabel_configs(text: &str) -> std::result::Result<Vec<RelabelConfig>, ConfigError> {
    let root = crate::yaml::parse(text)?;
    let mut steps = parse_list(root.as_ref(), "relabeling rule")?;
    validate_list(&mut steps, NameValidationScheme::Utf8)?;
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_target_names_with_variables() {
        for ok in ["foo", "_x1", "${1}", "$1", "a${name}b", "${1}_${2}", "x$1"] {
            assert!(legacy_name_with_vars(ok), "{ok}");
        }
        for bad in ["", "1abc", "a-b", "${}", "$", "${1", "a.b"] {
            assert!(!legacy_name_with_vars(bad), "{bad}");
        }
    }

    #[test]
    fn actions_parse_case_insensitively() {
        assert_eq!(
            RelabelAction::parse("LabelMap"),
            Some(RelabelAction::LabelMap)
        );
        assert_eq!(RelabelAction::parse("nope"), None);
    }
}
