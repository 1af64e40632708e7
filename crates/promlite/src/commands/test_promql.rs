//! `promlite test promql FILE...`: runs PromQL test scripts and prints per-file and total
//! pass/fail/skip counts; exits non-zero on any failure.

use promlite_promql::promqltest::{run_file, RunnerOptions};

/// Runs the scripts; returns the exit code (1 if any eval failed).
pub fn run(files: &[String], stock_engine: bool, verbose: bool) -> i32 {
    let opts = if stock_engine {
        RunnerOptions::stock()
    } else {
        RunnerOptions::default()
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for file in files {
        let report = run_file(file, &opts);
        println!(
            "{file}: {} passed, {} failed, {} skipped",
            report.passed, report.failed, report.skipped
        );
        for (line, msg) in &report.failures {
            println!("  FAIL {file}:{line}: {msg}");
        }
        if verbose {
            for (line, reason) in &report.skips {
                println!("  SKIP {file}:{line}: {reason}");
            }
        }
        passed += report.passed;
        failed += report.failed;
        skipped += report.skipped;
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    i32::from(failed > 0)
}
