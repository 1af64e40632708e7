//! `promlite check config|rules`: validation with `promtool check`'s output and exit codes.

use std::path::Path;

use promlite_config::Config;

/// Checks config files and the rule files they reference; returns the exit code
/// (0 when every file is valid, 1 otherwise), printing like `promtool check config`.
pub fn check_config(files: &[String]) -> i32 {
    let mut failed = false;
    for file in files {
        println!("Checking {file}");
        match check_one_config(file) {
            Ok(rule_files) => {
                if rule_files.is_empty() {
                    println!("  SUCCESS: 0 rule files found");
                } else {
                    println!("  SUCCESS: {} rule files found", rule_files.len());
                }
                println!(" SUCCESS: {file} is valid prometheus config file syntax");
                println!();
                for rf in rule_files {
                    if check_one_rules_file(&rf).is_err() {
                        failed = true;
                    }
                }
            }
            Err(e) => {
                eprintln!("  FAILED: {e}");
                println!();
                failed = true;
            }
        }
    }
    i32::from(failed)
}

fn check_one_config(file: &str) -> Result<Vec<String>, String> {
    if !Path::new(file).exists() {
        return Err(format!("path {file:?} does not exist"));
    }
    let cfg = Config::load_file(file).map_err(|e| e.to_string())?;
    let paths = cfg.rule_file_paths().map_err(|e| e.to_string())?;
    Ok(paths.into_iter().map(|p| p.display().to_string()).collect())
}

/// Checks rule files; returns the exit code, printing like `promtool check rules`.
pub fn check_rules(files: &[String]) -> i32 {
    let mut failed = false;
    for file in files {
        if check_one_rules_file(file).is_err() {
            failed = true;
        }
    }
    i32::from(failed)
}

fn check_one_rules_file(file: &str) -> Result<(), ()> {
    let report = promlite_rules::check_rules_files(&[file]);
    // promtool prints FAILED blocks on stderr and the rest on stdout.
    let text = report.render();
    if report.success() {
        print!("{text}");
        Ok(())
    } else {
        eprint!("{text}");
        Err(())
    }
}
