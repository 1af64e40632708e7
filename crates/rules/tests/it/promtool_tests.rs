//! `promtool test rules` files in `testdata/rules/tests/`: every `*_test.yml` passes,
//! every file in `failing/` fails with exactly the output in its `.golden` file, and,
//! when Debian's `promtool` is installed, both print the same as promtool itself.

use std::path::{Path, PathBuf};

use promlite_rules::{check_rules_files, run_rule_tests, run_rule_tests_with, RuleTestOptions};

fn testdata(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rules")
        .join(sub)
}

/// Files in `dir` whose names end with `suffix`, sorted.
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// The report with `dir/` taken out of paths, as if run from inside `dir`.
fn render_relative(files: &[PathBuf], dir: &Path) -> String {
    let prefix = format!("{}/", dir.display());
    run_rule_tests(files).render().replace(&prefix, "")
}

#[test]
fn passing_test_files_pass() {
    let dir = testdata("tests");
    let files = files_ending(&dir, "_test.yml");
    assert!(files.len() >= 3, "{files:?}");
    let report = run_rule_tests(&files);
    assert!(report.success(), "{}", report.render());
    for f in &report.files {
        assert!(f.warnings.is_empty(), "{f:?}");
    }
}

#[test]
fn failing_test_files_match_their_golden_output() {
    let dir = testdata("tests/failing");
    let files = files_ending(&dir, ".yml");
    assert!(!files.is_empty());
    for file in files {
        let report = run_rule_tests(std::slice::from_ref(&file));
        assert!(!report.success(), "{} passed", file.display());
        let got = render_relative(std::slice::from_ref(&file), &dir);
        let golden = file.with_extension("golden");
        if std::env::var_os("PROMLITE_BLESS").is_some() {
            std::fs::write(&golden, &got).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap();
        assert_eq!(got, want, "{}", golden.display());
    }
}

/// Runs Debian's promtool (if installed) on the same files from inside their directory
/// and compares its combined output with ours.
#[test]
fn output_matches_real_promtool() {
    let promtool = Path::new("/usr/bin/promtool");
    if !promtool.exists() {
        eprintln!("skipped: {} is not installed", promtool.display());
        return;
    }
    for sub in ["tests", "tests/failing"] {
        let dir = testdata(sub);
        let dir = dir.canonicalize().unwrap();
        let mut files = files_ending(&dir, "_test.yml");
        files.extend(files_ending(&dir, "_fail.yml"));
        for file in files {
            // Files using features newer than Debian's promtool say so on their first line.
            let text = std::fs::read_to_string(&file).unwrap();
            if text
                .lines()
                .next()
                .unwrap_or("")
                .contains("newer than Debian's promtool")
            {
                continue;
            }
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{} test rules {name} 2>&1", promtool.display()))
                .current_dir(&dir)
                .output()
                .unwrap();
            let theirs = String::from_utf8_lossy(&out.stdout).to_string();
            let ours = render_relative(std::slice::from_ref(&file), &dir);
            assert_eq!(ours, theirs, "{name}");
            // The same split between stdout and stderr.
            let split = std::process::Command::new(promtool)
                .args(["test", "rules", &name])
                .current_dir(&dir)
                .output()
                .unwrap();
            let mut our_out = Vec::new();
            let mut our_err = Vec::new();
            run_rule_tests(&[dir.join(&name)])
                .write_to(&mut our_out, &mut our_err)
                .unwrap();
            let prefix = format!("{}/", dir.display());
            let strip = |b: &[u8]| String::from_utf8_lossy(b).replace(&prefix, "");
            assert_eq!(strip(&our_out), strip(&split.stdout), "{name} stdout");
            assert_eq!(strip(&our_err), strip(&split.stderr), "{name} stderr");
            assert_eq!(split.status.success(), out.status.success());
        }
    }
}

#[test]
fn seed_rule_files_pass_checks() {
    let dir = testdata("seeds");
    let files = files_ending(&dir, ".yml");
    assert_eq!(files.len(), 6, "{files:?}");
    let report = check_rules_files(&files);
    assert!(report.success(), "{}", report.render());
    let rules: usize = report.files.iter().filter_map(|f| f.rules_found).sum();
    assert_eq!(rules, 19);
}

#[test]
fn run_filter_selects_test_groups_by_name() {
    let file = testdata("tests/failing/expectations_fail.yml");
    let all = run_rule_tests(std::slice::from_ref(&file));
    let opts = RuleTestOptions {
        run: Some(regex::Regex::new("^wrong").unwrap()),
        ..RuleTestOptions::default()
    };
    let named = run_rule_tests_with(std::slice::from_ref(&file), &opts);
    // The unnamed group's two failures are left out.
    assert_eq!(named.files[0].errors.len() + 2, all.files[0].errors.len());
    assert!(named.files[0].errors[0].starts_with("    name: wrong alerts,\n"));
    let (stdout, stderr) = named.render_split();
    assert!(stdout.starts_with("Unit Testing:  "), "{stdout}");
    assert!(
        stderr.starts_with("  FAILED:\n    name: wrong alerts,"),
        "{stderr}"
    );
}

#[test]
fn unreadable_and_malformed_files_fail() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yml");
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "tests:\n  - interval: 1m\n    input_seriess: []\n").unwrap();
    let dup = dir.path().join("dup.yml");
    std::fs::write(&dup, "group_eval_order: [a, b, a]\ntests: []\n").unwrap();
    let nameless = dir.path().join("nameless.yml");
    std::fs::write(
        &nameless,
        "tests:\n  - name: t\n    alert_rule_test:\n      - eval_time: 5m\n",
    )
    .unwrap();
    let report = run_rule_tests(&[&missing, &bad, &dup, &nameless]);
    let errors: Vec<&str> = report.files.iter().map(|f| f.errors[0].as_str()).collect();
    assert_eq!(
        errors[0],
        format!("open {}: no such file or directory", missing.display())
    );
    assert!(
        errors[1].contains("unknown field `input_seriess`"),
        "{}",
        errors[1]
    );
    assert_eq!(errors[2], "group name repeated in evaluation order: a");
    assert_eq!(
        errors[3],
        "an item under alert_rule_test misses required attribute alertname at eval_time 5m (in TestGroup t)"
    );
}

#[test]
fn bad_input_series_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "up",
            "{{schema:0 sum:1 count:1}}",
            "native histograms are not supported",
        ),
        ("up", "1+", "error parsing input series \"up\""),
        ("up{", "1", "error parsing input series \"up{\""),
        ("up", "1 1", ""),
    ];
    for (series, values, want) in cases {
        let file = dir.path().join("t.yml");
        std::fs::write(
            &file,
            format!(
                "tests:\n  - interval: 1m\n    input_series:\n      - series: '{series}'\n        values: '{values}'\n    promql_expr_test:\n      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: up\n            value: 1\n"
            ),
        )
        .unwrap();
        let report = run_rule_tests(&[&file]);
        let errors = &report.files[0].errors;
        if want.is_empty() {
            assert!(errors.is_empty(), "{errors:?}");
        } else {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains(want), "{}", errors[0]);
        }
    }
}
