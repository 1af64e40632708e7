//! Golden files: each `testdata/config/errors/<name>.yml` must fail to load with exactly
//! the message in `<name>.error`. Set `PROMLITE_BLESS=1` to rewrite the `.error` files,
//! then review the diff.

use std::path::{Path, PathBuf};

use promlite_config::Config;

pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

pub fn blessing() -> bool {
    std::env::var_os("PROMLITE_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file, or rewrites it when blessing.
pub fn check_golden(path: &Path, actual: &str) -> Result<(), String> {
    if blessing() {
        std::fs::write(path, actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e} (run with PROMLITE_BLESS=1 to create it)",
            path.display()
        )
    })?;
    if expected != actual {
        return Err(format!(
            "{}:\n  expected: {expected:?}\n  actual:   {actual:?}",
            path.display()
        ));
    }
    Ok(())
}

pub fn yml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn config_error_messages_match_golden_files() {
    let dir = testdata().join("config/errors");
    let files = yml_files(&dir);
    assert!(files.len() >= 30, "only {} error cases", files.len());
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let actual = match Config::from_yaml_str(&text, "/etc/prometheus") {
            Ok(_) => "<loaded without error>".to_string(),
            Err(e) => format!("{e}\n"),
        };
        if let Err(m) = check_golden(&file.with_extension("error"), &actual) {
            failures.push(m);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
