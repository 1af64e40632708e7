//! Rule files: `groups:` of recording and alerting rules, with the structural checks of
//! `promtool check rules` and the line of every rule and expression.
//!
//! The PromQL in `expr` is kept as text with its line: parsing it (and the templates in
//! labels and annotations) is the rules crate's job, which has the parser.

mod validate;

use std::path::Path;
use std::time::Duration;

use crate::yaml::fields::{as_seq, as_string, Fields};
use crate::yaml::Node;
use crate::{ConfigError, NameValidationScheme, SourceLine};

/// A rule file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleGroups {
    pub groups: Vec<RuleGroup>,
}

/// One group: rules evaluated in order every `interval`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup {
    pub name: String,
    /// `None` = the global `evaluation_interval`.
    pub interval: Option<Duration>,
    /// `None` = the global `rule_query_offset`.
    pub query_offset: Option<Duration>,
    /// Maximum alerts / series a rule may produce; 0 = no limit.
    pub limit: u64,
    /// Labels added to every rule's output, in file order.
    pub labels: Vec<(String, String)>,
    pub rules: Vec<Rule>,
    pub line: SourceLine,
    pub column: usize,
}

/// Whether a rule records a series or fires an alert, with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleKind {
    /// `record: <metric name>`.
    Recording(String),
    /// `alert: <alert name>`.
    Alerting(String),
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub kind: RuleKind,
    /// The PromQL expression, unparsed.
    pub expr: String,
    /// Where the expression text starts (the line after `expr: |` for block scalars).
    pub expr_line: SourceLine,
    /// `for:` (alerting rules only); zero = fire at once.
    pub for_duration: Duration,
    /// `keep_firing_for:` (alerting rules only).
    pub keep_firing_for: Duration,
    /// In file order; values may be templates (alerting rules).
    pub labels: Vec<(String, String)>,
    /// In file order; values are templates.
    pub annotations: Vec<(String, String)>,
    /// The line of the rule (its first key).
    pub line: SourceLine,
    pub column: usize,
}

impl Rule {
    /// The `record` or `alert` name.
    pub fn name(&self) -> &str {
        match &self.kind {
            RuleKind::Recording(n) | RuleKind::Alerting(n) => n,
        }
    }

    pub fn is_alerting(&self) -> bool {
        matches!(self.kind, RuleKind::Alerting(_))
    }
}

/// A rule as written, before the checks decide what it is.
pub(crate) struct RawRule {
    pub record: Option<(String, usize, usize)>,
    pub alert: Option<(String, usize, usize)>,
    pub expr: Option<(String, usize, usize)>,
    pub for_duration: Duration,
    pub keep_firing_for: Duration,
    pub labels: Vec<(String, String, usize)>,
    pub annotations: Vec<(String, String, usize)>,
    pub line: usize,
    pub column: usize,
}

pub(crate) struct RawGroup {
    pub name: String,
    pub interval: Option<Duration>,
    pub query_offset: Option<Duration>,
    pub limit: u64,
    pub labels: Vec<(String, String, usize)>,
    pub rules: Vec<RawRule>,
    pub line: usize,
    pub column: usize,
}

fn positioned(node: &Node) -> Result<(String, usize, usize), ConfigError> {
    Ok((as_string(node)?, node.line, node.column))
}

fn parse_rule(node: &Node) -> Result<RawRule, ConfigError> {
    let mut f = Fields::of(node, "rulefmt.Rule")?;
    let rule = RawRule {
        record: f.get("record").map(positioned).transpose()?,
        alert: f.get("alert").map(positioned).transpose()?,
        expr: f.get("expr").map(positioned).transpose()?,
        for_duration: f.duration("for")?.unwrap_or_default(),
        keep_firing_for: f.duration("keep_firing_for")?.unwrap_or_default(),
        labels: f.string_map("labels")?,
        annotations: f.string_map("annotations")?,
        line: node.line,
        column: node.column,
    };
    f.finish()?;
    Ok(rule)
}

fn parse_group(node: &Node) -> Result<RawGroup, ConfigError> {
    let mut f = Fields::of(node, "rulefmt.RuleGroup")?;
    let mut g = RawGroup {
        name: f.string("name")?.unwrap_or_default(),
        interval: f.duration("interval")?.filter(|d| !d.is_zero()),
        query_offset: f.duration("query_offset")?,
        limit: f.uint("limit")?.unwrap_or(0),
        labels: f.string_map("labels")?,
        rules: Vec::new(),
        line: node.line,
        column: node.column,
    };
    if let Some(rules) = f.get("rules") {
        for r in as_seq(rules, "[]rulefmt.Rule")? {
            g.rules.push(parse_rule(r)?);
        }
    }
    f.finish()?;
    Ok(g)
}

fn parse_document(text: &str) -> Result<Vec<RawGroup>, ConfigError> {
    let Some(root) = crate::yaml::parse(text)? else {
        return Ok(Vec::new());
    };
    let mut f = Fields::of(&root, "rulefmt.RuleGroups")?;
    let mut groups = Vec::new();
    if let Some(list) = f.get("groups") {
        for g in as_seq(list, "[]rulefmt.RuleGroup")? {
            groups.push(parse_group(g)?);
        }
    }
    f.finish()?;
    Ok(groups)
}

impl RuleGroups {
    /// Parses and checks rule file text with UTF-8 names (Prometheus 3's default). All
    /// problems are returned, as `promtool check rules` lists them.
    pub fn from_yaml_str(text: &str) -> Result<RuleGroups, Vec<ConfigError>> {
        RuleGroups::from_yaml_str_with_scheme(text, NameValidationScheme::Utf8)
    }

    /// Like [`RuleGroups::from_yaml_str`] with a given name validation scheme.
    pub fn from_yaml_str_with_scheme(
        text: &str,
        scheme: NameValidationScheme,
    ) -> Result<RuleGroups, Vec<ConfigError>> {
        let raw = parse_document(text).map_err(|e| vec![e])?;
        validate::check(raw, scheme)
    }

    /// Reads and checks a rule file; each error is prefixed with the file name.
    pub fn load_file(path: impl AsRef<Path>) -> Result<RuleGroups, Vec<ConfigError>> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![ConfigError::Read {
                path: path.to_path_buf(),
                message: e.to_string(),
            }]
        })?;
        RuleGroups::from_yaml_str(&text).map_err(|errs| {
            errs.into_iter()
                .map(|e| e.in_rule_file(path.to_path_buf()))
                .collect()
        })
    }

    /// Every rule of every group, in file order.
    pub fn rules(&self) -> impl Iterator<Item = (&RuleGroup, &Rule)> {
        self.groups
            .iter()
            .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
    }
}
