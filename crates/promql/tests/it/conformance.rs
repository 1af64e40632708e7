//! Runs Prometheus's PromQL test scripts (v3.14.0, from `../shared/promqltest/`) and the
//! project's own scripts in `testdata/promql/`, and requires zero failures in the core files.

use std::path::{Path, PathBuf};

use promlite_promql::promqltest::{run_file, FileReport, RunnerOptions};

/// The upstream files whose non-native-histogram evals must all pass.
const CORE_FILES: [&str; 12] = [
    "aggregators",
    "at_modifier",
    "collision",
    "functions",
    "histograms",
    "literals",
    "operators",
    "range_queries",
    "selectors",
    "staleness",
    "subquery",
    "trig_functions",
];

fn scripts_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "test"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn print_report(name: &str, r: &FileReport) {
    println!(
        "{name}: {} passed, {} failed, {} skipped",
        r.passed, r.failed, r.skipped
    );
    for (line, msg) in &r.failures {
        println!("  FAIL line {line}: {msg}");
    }
    if std::env::var_os("PROMQLTEST_SHOW_SKIPS").is_some() {
        for (line, reason) in &r.skips {
            println!("  skip line {line}: {reason}");
        }
    }
}

#[test]
fn upstream_prometheus_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/promqltest/v3.14.0");
    if !dir.is_dir() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let only = std::env::var("PROMQLTEST_ONLY").ok();
    let opts = RunnerOptions::default();
    let mut core_failures = Vec::new();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for path in scripts_in(&dir) {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|x| x == stem))
        {
            continue;
        }
        let r = run_file(&path, &opts);
        print_report(&stem, &r);
        passed += r.passed;
        failed += r.failed;
        skipped += r.skipped;
        if CORE_FILES.contains(&stem.as_str()) && r.failed > 0 {
            core_failures.push(format!("{stem}: {} failed", r.failed));
        }
    }
    println!("total: {passed} passed, {failed} failed, {skipped} skipped");
    assert!(
        core_failures.is_empty(),
        "core files failed: {core_failures:?}"
    );
}

#[test]
fn own_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/promql");
    let files = scripts_in(&dir);
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    let mut failures = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        // `stock_*` scripts run on a default server engine (no experimental features, no
        // delayed name removal); the rest on Prometheus's test engine settings.
        let opts = if name.starts_with("stock_") {
            RunnerOptions::stock()
        } else {
            RunnerOptions::default()
        };
        let r = run_file(&path, &opts);
        print_report(&name, &r);
        assert!(r.passed > 0, "{name}: no eval passed");
        if r.failed > 0 {
            failures.push(name);
        }
    }
    assert!(failures.is_empty(), "failing scripts: {failures:?}");
}
