//! `promlite check config|rules`: validation with `promtool check`'s output and exit codes.

use std::path::Path;

use promlite_config::Config;

/// Refuses to start when a named file is missing, before checking any, as promtool's
/// flag parser does (`promlite: error: path 'x.yml' does not exist, try --help`).
pub fn require_existing(files: &[String]) -> anyhow::Result<()> {
    match files.iter().find(|f| !Path::new(f).exists()) {
        Some(missing) => anyhow::bail!("path '{missing}' does not exist, try --help"),
        None => Ok(()),
    }
}

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
    let mut failed = false;
    // promtool prints "Checking" and the blank line after each file on stdout, and
    // only the FAILED block on stderr.
    for f in &report.files {
        println!("Checking {}", f.path);
        if f.errors.is_empty() {
            println!("  SUCCESS: {} rules found", f.rules_found.unwrap_or(0));
        } else {
            failed = true;
            eprintln!("  FAILED:");
            for e in &f.errors {
                eprintln!("{e}");
            }
        }
        println!();
    }
    if failed {
        Err(())
    } else {
        Ok(())
    }
}
