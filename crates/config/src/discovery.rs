//! The two service discoveries promlite implements: `static_configs` (targets written in
//! the file) and `file_sd_configs` (targets read from JSON/YAML files, re-read on change).

use std::path::{Path, PathBuf};
use std::time::Duration;

use promlite_model::Labels;

use crate::http_client::join_dir;
use crate::yaml::fields::{as_seq, as_string_list, as_string_map, Fields, Result};
use crate::yaml::Node;
use crate::{ConfigError, SourceLine};

/// One `static_configs` entry: targets (`host:port`) sharing a set of labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticConfig {
    pub targets: Vec<String>,
    pub labels: Labels,
    /// Line of the entry in the config file.
    pub line: SourceLine,
}

/// One `file_sd_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSdConfig {
    /// File patterns (a `*` is allowed in the last path element), joined with the config
    /// file's directory.
    pub files: Vec<PathBuf>,
    /// Default 5m.
    pub refresh_interval: Duration,
}

impl FileSdConfig {
    /// The files the patterns match now, sorted per pattern, in pattern order.
    pub fn matching_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for pattern in &self.files {
            let Some(text) = pattern.to_str() else {
                continue;
            };
            if let Ok(paths) = glob::glob(text) {
                let mut found: Vec<PathBuf> = paths.filter_map(|p| p.ok()).collect();
                found.sort();
                out.extend(found);
            }
        }
        out
    }
}

/// Parses a target group's labels (used by `static_configs` here and by file SD
/// readers in the scrape crate).
pub(crate) fn parse_target_labels(node: Option<&Node>) -> Result<Labels> {
    let Some(node) = node else {
        return Ok(Labels::empty());
    };
    let pairs = as_string_map(node, "model.LabelSet")?;
    for (name, _, line) in &pairs {
        if name.is_empty() {
            return Err(ConfigError::invalid(
                format!(
                    "{} is not a valid label name",
                    promlite_model::go_quote(name)
                ),
                Some(*line),
            ));
        }
    }
    Ok(Labels::from_pairs(
        pairs.into_iter().map(|(k, v, _)| (k, v)),
    ))
}

pub(crate) fn parse_static_configs(node: Option<&Node>) -> Result<Vec<StaticConfig>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in as_seq(node, "discovery.StaticConfig")? {
        if item.is_null() {
            return Err(ConfigError::invalid(
                "empty or null section in static_configs",
                Some(item.line),
            ));
        }
        let mut f = Fields::of(item, "targetgroup.Group")?;
        let targets = match f.get("targets") {
            Some(n) => as_string_list(n)?,
            None => Vec::new(),
        };
        let labels = parse_target_labels(f.get("labels"))?;
        f.finish()?;
        out.push(StaticConfig {
            targets,
            labels,
            line: SourceLine(item.line),
        });
    }
    Ok(out)
}

/// `^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$`: a `*` only in the last element,
/// and a JSON or YAML extension.
fn valid_file_sd_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "json" | "yml" | "yaml" | "JSON" | "YML" | "YAML") {
        return false;
    }
    match stem.find('*') {
        None => true,
        Some(star) => !stem[star + 1..].contains('/'),
    }
}

pub(crate) fn parse_file_sd_configs(
    node: Option<&Node>,
    base_dir: &Path,
) -> Result<Vec<FileSdConfig>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in as_seq(node, "[]*file.SDConfig")? {
        if item.is_null() {
            return Err(ConfigError::invalid(
                "empty or null section in file_sd_configs",
                Some(item.line),
            ));
        }
        let mut f = Fields::of(item, "file.SDConfig")?;
        let files_node = f.get("files");
        let files = match files_node {
            Some(n) => as_string_list(n)?,
            None => Vec::new(),
        };
        let refresh_interval = f
            .duration("refresh_interval")?
            .unwrap_or(Duration::from_secs(300));
        f.finish()?;
        if files.is_empty() {
            return Err(ConfigError::invalid(
                "file service discovery config must contain at least one path name",
                Some(item.line),
            ));
        }
        for name in &files {
            if !valid_file_sd_name(name) {
                return Err(ConfigError::invalid(
                    format!(
                        "path name {} is not valid for file discovery",
                        promlite_model::go_quote(name)
                    ),
                    files_node.map(|n| n.line),
                ));
            }
        }
        out.push(FileSdConfig {
            files: files.iter().map(|f| join_dir(base_dir, f)).collect(),
            refresh_interval,
        });
    }
    Ok(out)
}

/// Prometheus refuses URLs in static targets (unless relabeling could fix them up):
/// `"http://x:80/metrics" is not a valid hostname`.
pub(crate) fn check_static_targets(configs: &[StaticConfig]) -> Result<()> {
    for sc in configs {
        for t in &sc.targets {
            if t.contains('/') {
                return Err(ConfigError::invalid(
                    format!("{} is not a valid hostname", promlite_model::go_quote(t)),
                    sc.line.get(),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sd_names() {
        for ok in [
            "targets.json",
            "dir/*.yml",
            "/etc/x/*_nodes.YAML",
            "a.yaml",
            "a*b*.json",
        ] {
            assert!(valid_file_sd_name(ok), "{ok}");
        }
        for bad in [
            "targets.txt",
            "*/x.json",
            "dir/*/x.yml",
            "noext",
            "x*.y/z.json",
        ] {
            assert!(!valid_file_sd_name(bad), "{bad}");
        }
    }
}
