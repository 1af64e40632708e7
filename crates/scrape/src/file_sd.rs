//! File-based service discovery: target groups read from JSON or YAML files matched by
//! `file_sd_configs` patterns, re-read when a file's modification time or size changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use promlite_config::FileSdConfig;
use promlite_model::Labels;

/// A group of targets sharing labels, as discovery produces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetGroup {
    /// One label set per target (at least `__address__`).
    pub targets: Vec<Labels>,
    /// Labels of the whole group.
    pub labels: Labels,
    /// Where the group came from (`file:index`, `static:index`).
    pub source: String,
}

#[derive(serde::Deserialize)]
struct RawGroup {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

/// Reads one file_sd file. The format follows the extension (`.json`, `.yml`, `.yaml`).
pub fn read_target_file(path: &Path) -> Result<Vec<TargetGroup>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let raw: Vec<RawGroup> = match ext {
        "json" => serde_json::from_slice(&bytes).map_err(|e| e.to_string())?,
        "yml" | "yaml" => {
            if bytes.iter().all(|c| c.is_ascii_whitespace()) {
                Vec::new()
            } else {
                serde_norway::from_slice(&bytes).map_err(|e| e.to_string())?
            }
        }
        _ => {
            return Err(format!(
                "retrieval of target groups from {} failed: invalid file extension",
                path.display()
            ))
        }
    };
    let file = path.display().to_string();
    let mut out = Vec::with_capacity(raw.len());
    for (i, g) in raw.into_iter().enumerate() {
        let mut labels: Vec<(String, String)> = g.labels.unwrap_or_default().into_iter().collect();
        if let Some((bad, _)) = labels.iter().find(|(k, _)| k.is_empty()) {
            return Err(format!(
                "{} is not a valid label name",
                promlite_model::go_quote(bad)
            ));
        }
        labels.push(("__meta_filepath".to_string(), file.clone()));
        out.push(TargetGroup {
            targets: g
                .targets
                .into_iter()
                .map(|t| Labels::from_pairs([("__address__", t)]))
                .collect(),
            labels: Labels::from_pairs(labels),
            source: format!("{file}:{i}"),
        });
    }
    Ok(out)
}

#[derive(Clone, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// The last good read of every file of one job's `file_sd_configs`.
#[derive(Default)]
pub(crate) struct FileSdState {
    files: BTreeMap<PathBuf, (FileStamp, Vec<TargetGroup>)>,
    pub(crate) read_errors: u64,
}

impl FileSdState {
    /// Re-reads changed files; returns whether the groups changed. A file that fails to
    /// read keeps its previous groups.
    pub(crate) fn refresh(&mut self, configs: &[FileSdConfig]) -> bool {
        let mut seen: Vec<PathBuf> = Vec::new();
        let mut changed = false;
        for cfg in configs {
            for path in cfg.matching_files() {
                seen.push(path.clone());
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                let stamp = FileStamp {
                    modified: meta.modified().ok(),
                    len: meta.len(),
                };
                if self.files.get(&path).is_some_and(|(s, _)| *s == stamp) {
                    continue;
                }
                match read_target_file(&path) {
                    Ok(groups) => {
                        let same = self.files.get(&path).is_some_and(|(_, g)| *g == groups);
                        self.files.insert(path, (stamp, groups));
                        changed |= !same;
                    }
                    Err(e) => {
                        self.read_errors += 1;
                        tracing::error!(err = %e, "Error reading file");
                    }
                }
            }
        }
        let before = self.files.len();
        self.files.retain(|p, _| seen.contains(p));
        changed || before != self.files.len()
    }

    pub(crate) fn groups(&self) -> impl Iterator<Item = &TargetGroup> {
        self.files.values().flat_map(|(_, g)| g.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_yaml_groups() {
        let dir = std::env::temp_dir().join(format!("promlite-filesd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let json = dir.join("a.json");
        std::fs::write(
            &json,
            r#"[{"targets":["h1:9100","h2:9100"],"labels":{"env":"prod"}}]"#,
        )
        .unwrap();
        let yaml = dir.join("b.yml");
        std::fs::write(&yaml, "- targets: ['h3:80']\n").unwrap();
        let g = read_target_file(&json).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].targets.len(), 2);
        assert_eq!(g[0].labels.get("env"), Some("prod"));
        assert_eq!(
            g[0].labels.get("__meta_filepath"),
            Some(json.display().to_string().as_str())
        );
        let y = read_target_file(&yaml).unwrap();
        assert_eq!(y[0].targets[0].get("__address__"), Some("h3:80"));
        assert!(read_target_file(&dir.join("missing.json")).is_err());
        std::fs::write(dir.join("bad.json"), "{").unwrap();
        assert!(read_target_file(&dir.join("bad.json")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
