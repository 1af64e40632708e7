//! `promtool test rules`: unit tests of rule files written in Prometheus's test file
//! format (`rule_files`, `evaluation_interval`, `group_eval_order`, `tests:` with
//! `input_series`, `alert_rule_test` and `promql_expr_test`), run with promtool's
//! semantics and reported with its wording and layout.
//!
//! ```no_run
//! let report = promlite_rules::run_rule_tests(&["alerts_test.yml"]);
//! print!("{}", report.render());
//! std::process::exit(if report.success() { 0 } else { 1 });
//! ```

mod file;
mod format;
mod run;

use std::collections::HashMap;
use std::path::Path;

use promlite_promql::EngineOptions;

use file::{parse_test_file, resolve_rule_files};
use run::{run_test_group, FileSettings};

/// Settings of a run (promtool's `test rules` flags).
#[derive(Clone, Debug)]
pub struct RuleTestOptions {
    /// `--run`: only test groups whose `name` matches (unnamed groups match only a
    /// pattern that matches the empty string).
    pub run: Option<regex::Regex>,
    /// The engine the rules and expressions run on. The default is promtool's test
    /// engine: 5m lookback, 10,000 max samples, 100s timeout, no experimental functions.
    pub engine: EngineOptions,
}

impl Default for RuleTestOptions {
    fn default() -> Self {
        RuleTestOptions {
            run: None,
            engine: EngineOptions {
                lookback_delta_ms: 5 * 60 * 1000,
                max_samples: 10_000,
                timeout: std::time::Duration::from_secs(100),
                enable_experimental_functions: false,
                default_subquery_step_ms: 60 * 1000,
                enable_delayed_name_removal: false,
            },
        }
    }
}

/// The outcome of one test file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTestFileResult {
    /// The path as given.
    pub path: String,
    /// `  WARNING: ...` lines (rule file patterns that matched nothing).
    pub warnings: Vec<String>,
    /// One message per failure, as promtool prints them; empty when the file passed.
    pub errors: Vec<String>,
}

/// The outcome of a run over several files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleTestReport {
    pub files: Vec<RuleTestFileResult>,
}

impl RuleTestReport {
    /// Whether every file passed (promtool exits 0).
    pub fn success(&self) -> bool {
        self.files.iter().all(|f| f.errors.is_empty())
    }

    /// The report as pieces of text in promtool's order, each for stdout (`false`) or
    /// stderr (`true`).
    fn chunks(&self) -> Vec<(bool, String)> {
        let mut out = Vec::new();
        for f in &self.files {
            out.push((false, format!("Unit Testing:  {}\n", f.path)));
            for w in &f.warnings {
                out.push((true, format!("{w}\n")));
            }
            if f.errors.is_empty() {
                out.push((false, "  SUCCESS\n".to_string()));
            } else {
                out.push((true, "  FAILED:\n".to_string()));
                for e in &f.errors {
                    out.push((true, format!("{e}\n")));
                    out.push((false, "\n".to_string()));
                }
            }
            out.push((false, "\n".to_string()));
        }
        out
    }

    /// Writes the report as promtool does: progress and `SUCCESS` to `stdout`,
    /// warnings and failures to `stderr`, interleaved in promtool's order.
    pub fn write_to(
        &self,
        stdout: &mut dyn std::io::Write,
        stderr: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        for (to_stderr, text) in self.chunks() {
            if to_stderr {
                stderr.write_all(text.as_bytes())?;
                stderr.flush()?;
            } else {
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
            }
        }
        Ok(())
    }

    /// What promtool writes to stdout and to stderr, separately.
    pub fn render_split(&self) -> (String, String) {
        let (mut out, mut err) = (String::new(), String::new());
        for (to_stderr, text) in self.chunks() {
            if to_stderr {
                err.push_str(&text);
            } else {
                out.push_str(&text);
            }
        }
        (out, err)
    }

    /// The report as promtool prints it with stdout and stderr going to one terminal.
    pub fn render(&self) -> String {
        self.chunks().into_iter().map(|(_, text)| text).collect()
    }
}

/// Runs rule unit test files like `promtool test rules FILE...`.
pub fn run_rule_tests(paths: &[impl AsRef<Path>]) -> RuleTestReport {
    run_rule_tests_with(paths, &RuleTestOptions::default())
}

/// [`run_rule_tests`] with options.
pub fn run_rule_tests_with(paths: &[impl AsRef<Path>], opts: &RuleTestOptions) -> RuleTestReport {
    RuleTestReport {
        files: paths
            .iter()
            .map(|p| run_test_file(p.as_ref(), opts))
            .collect(),
    }
}

/// Go's text for a failed `os.ReadFile`.
fn read_error(path: &Path, e: &std::io::Error) -> String {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("open {}: {reason}", path.display())
}

fn run_test_file(path: &Path, opts: &RuleTestOptions) -> RuleTestFileResult {
    let mut result = RuleTestFileResult {
        path: path.display().to_string(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            result.errors.push(read_error(path, &e));
            return result;
        }
    };
    let test_file = match parse_test_file(&text) {
        Ok(f) => f,
        Err(e) => {
            result.errors.push(e);
            return result;
        }
    };
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let rule_files = match resolve_rule_files(base_dir, &test_file.rule_files) {
        Ok((files, warnings)) => {
            result.warnings = warnings;
            files
        }
        Err(e) => {
            result.errors.push(e);
            return result;
        }
    };
    let eval_interval_ms = if test_file.evaluation_interval.0 > 0 {
        test_file.evaluation_interval.0
    } else {
        60_000
    };
    let mut group_order = HashMap::new();
    for (i, name) in test_file.group_eval_order.iter().enumerate() {
        if group_order.insert(name.clone(), i).is_some() {
            result
                .errors
                .push(format!("group name repeated in evaluation order: {name}"));
            return result;
        }
    }
    let settings = FileSettings {
        rule_files: &rule_files,
        eval_interval_ms,
        group_order: &group_order,
        engine: &opts.engine,
    };
    for tg in &test_file.tests {
        if opts.run.as_ref().is_some_and(|re| !re.is_match(&tg.name)) {
            continue;
        }
        result.errors.extend(run_test_group(tg, &settings));
    }
    result
}
