//! Alertmanagers from `file_sd_configs`: reading Prometheus's target group files (a
//! JSON or YAML list of `{targets: [...], labels: {...}}`, chosen by the file extension)
//! and keeping the last good read of each file when a later read fails, as Prometheus's
//! file discovery does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use promlite_config::FileSdConfig;
use serde::Deserialize;

/// Label every target read from a file carries: the file's path.
pub const META_FILEPATH_LABEL: &str = "__meta_filepath";

/// One target group: its targets and the labels they share (from a file, with
/// `__meta_filepath` added, or from `static_configs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TargetGroup {
    pub targets: Vec<String>,
    pub labels: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// Reads one target group file.
pub(crate) fn read_target_file(path: &Path) -> Result<Vec<TargetGroup>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error reading file {:?}: {e}", path.display().to_string()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let raw: Vec<RawGroup> = match ext {
        "json" => serde_json::from_str(&text).map_err(|e| e.to_string()),
        "yml" | "yaml" => {
            if text.trim().is_empty() {
                Ok(Vec::new())
            } else {
                serde_norway::from_str(&text).map_err(|e| e.to_string())
            }
        }
        _ => {
            return Err(format!(
                "retrieval of target groups failed: unknown file extension for {:?}",
                path.display().to_string()
            ))
        }
    }
    .map_err(|e| format!("error parsing {}: {e}", path.display()))?;
    let file_path = path.display().to_string();
    raw.into_iter()
        .map(|g| {
            for name in g.labels.keys() {
                if !promlite_model::is_valid_label_name(name) {
                    return Err(format!(
                        "{}: {} is not a valid label name",
                        path.display(),
                        promlite_model::go_quote(name)
                    ));
                }
            }
            let mut labels: Vec<(String, String)> = g.labels.into_iter().collect();
            labels.push((META_FILEPATH_LABEL.to_string(), file_path.clone()));
            Ok(TargetGroup {
                targets: g.targets,
                labels,
            })
        })
        .collect()
}

/// The target groups of a set of `file_sd_configs`, refreshed on demand.
#[derive(Debug, Default)]
pub(crate) struct FileDiscovery {
    configs: Vec<FileSdConfig>,
    /// The last good read of every file that matched at the last refresh.
    by_file: BTreeMap<PathBuf, Vec<TargetGroup>>,
}

impl FileDiscovery {
    pub(crate) fn new(configs: Vec<FileSdConfig>) -> FileDiscovery {
        FileDiscovery {
            configs,
            by_file: BTreeMap::new(),
        }
    }

    /// The shortest `refresh_interval` of its configs (`None` without configs).
    pub(crate) fn refresh_interval(&self) -> Option<std::time::Duration> {
        self.configs.iter().map(|c| c.refresh_interval).min()
    }

    /// Re-reads every matching file. A file that fails to read keeps its previous
    /// groups; a file that no longer matches is forgotten.
    pub(crate) fn refresh(&mut self) {
        let mut next = BTreeMap::new();
        for config in &self.configs {
            for path in config.matching_files() {
                match read_target_file(&path) {
                    Ok(groups) => {
                        next.insert(path, groups);
                    }
                    Err(e) => {
                        tracing::error!(err = %e, "Error reading file");
                        if let Some(old) = self.by_file.get(&path) {
                            next.insert(path, old.clone());
                        }
                    }
                }
            }
        }
        self.by_file = next;
    }

    /// Every target group, in file order.
    pub(crate) fn groups(&self) -> impl Iterator<Item = &TargetGroup> {
        self.by_file.values().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_yaml_and_keeps_last_good_read() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("am.json");
        std::fs::write(
            &json,
            r#"[{"targets": ["a:9093", "b:9093"], "labels": {"dc": "x"}}]"#,
        )
        .unwrap();
        let yaml = dir.path().join("am.yml");
        std::fs::write(&yaml, "- targets: ['c:9093']\n").unwrap();
        let groups = read_target_file(&json).unwrap();
        assert_eq!(groups[0].targets, ["a:9093", "b:9093"]);
        assert_eq!(groups[0].labels[0], ("dc".to_string(), "x".to_string()));
        assert_eq!(groups[0].labels[1].0, META_FILEPATH_LABEL);
        assert_eq!(read_target_file(&yaml).unwrap()[0].targets, ["c:9093"]);

        let txt = dir.path().join("am.txt");
        std::fs::write(&txt, "[]").unwrap();
        assert!(read_target_file(&txt)
            .unwrap_err()
            .contains("unknown file extension"));
        let bad_label = dir.path().join("bad.json");
        std::fs::write(&bad_label, r#"[{"targets": [], "labels": {"": "x"}}]"#).unwrap();
        assert!(read_target_file(&bad_label).is_err());

        let mut sd = FileDiscovery::new(vec![FileSdConfig {
            files: vec![dir.path().join("am.*")],
            refresh_interval: std::time::Duration::from_secs(30),
        }]);
        sd.refresh();
        let targets: Vec<&str> = sd
            .groups()
            .flat_map(|g| g.targets.iter().map(String::as_str))
            .collect();
        assert_eq!(targets, ["a:9093", "b:9093", "c:9093"]);
        // A broken write keeps what was read before.
        std::fs::write(&yaml, "- targets: [").unwrap();
        sd.refresh();
        assert_eq!(sd.groups().count(), 2);
        std::fs::remove_file(&yaml).unwrap();
        sd.refresh();
        assert_eq!(sd.groups().count(), 1);
    }
}
