//! A runner for Prometheus's PromQL test scripts (the `promqltest` language): loads
//! series into a [`MemStorage`], runs every `eval` the way Prometheus's Go runner does
//! (including the `@`-modifier variants and the range-mode cross-check of instant evals),
//! and reports passed, failed and skipped evals per file. Skips always carry a reason
//! (native histograms, start timestamps, experimental syntax promlite lacks) and never
//! count as passes.

mod at_rewrite;
mod check;
mod script;
pub mod series;

use std::path::Path;
use std::time::Duration;

use promlite_model::{matches_all, Labels, Matcher};
use promlite_promql_parser::{parse_with, Expr, ParseOptions};
use promlite_storage::{Appendable, MemStorage};
use regex::Regex;

use crate::engine::Engine;
use crate::options::{EngineOptions, QueryControl};
use crate::value::{QueryResult, Value, VectorElement};
use script::{Command, EvalCmd, EvalTime, Expected};
use series::SeqValue;

/// How the runner evaluates.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    /// The engine settings; the default is Prometheus's test engine: 5 m lookback, 10,000
    /// max samples, 100 s timeout, 1 m subquery step, experimental functions and delayed
    /// name removal on.
    pub engine: EngineOptions,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            engine: EngineOptions {
                lookback_delta_ms: 5 * 60 * 1000,
                max_samples: 10_000,
                timeout: Duration::from_secs(100),
                enable_experimental_functions: true,
                default_subquery_step_ms: 60 * 1000,
                enable_delayed_name_removal: true,
            },
        }
    }
}

impl RunnerOptions {
    /// A stock Prometheus engine as the server runs it by default: experimental functions
    /// off and metric names dropped right away (no delayed name removal), with the test
    /// engine's limits.
    pub fn stock() -> RunnerOptions {
        let mut o = RunnerOptions::default();
        o.engine.enable_experimental_functions = false;
        o.engine.enable_delayed_name_removal = false;
        o
    }
}

/// The outcome of one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileReport {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// `(line, message)` of every failure.
    pub failures: Vec<(usize, String)>,
    /// `(line, reason)` of every skipped eval.
    pub skips: Vec<(usize, String)>,
}

/// Runs a script file.
pub fn run_file(path: impl AsRef<Path>, opts: &RunnerOptions) -> FileReport {
    match std::fs::read_to_string(path.as_ref()) {
        Ok(text) => run_str(&text, opts),
        Err(e) => FileReport {
            failed: 1,
            failures: vec![(0, format!("reading {}: {e}", path.as_ref().display()))],
            ..FileReport::default()
        },
    }
}

/// What the storage holds besides float samples, for deciding skips.
#[derive(Default)]
struct LoadedState {
    storage: MemStorage,
    /// Series carrying native histograms (not stored).
    histogram_series: Vec<Labels>,
    /// Series with start timestamps (ignored).
    start_timestamp_series: Vec<Labels>,
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// Runs a script given as text.
pub fn run_str(text: &str, opts: &RunnerOptions) -> FileReport {
    let engine = Engine::new(opts.engine.clone());
    let mut report = FileReport::default();
    let mut state = LoadedState::default();
    for cmd in script::parse_script(text) {
        match cmd {
            Command::Clear => state = LoadedState::default(),
            Command::Invalid(line, msg) => {
                report.failed += 1;
                report.failures.push((line, msg));
            }
            Command::Load {
                line,
                interval,
                with_nhcb,
                series,
                start_timestamp_series,
            } => {
                if let Err(e) = load(&mut state, interval, with_nhcb, &series) {
                    report.failed += 1;
                    report.failures.push((line, format!("load failed: {e}")));
                }
                state.start_timestamp_series.extend(start_timestamp_series);
            }
            Command::Eval(cmd) => match run_eval(&engine, &state, &cmd) {
                Outcome::Pass => report.passed += 1,
                Outcome::Fail(msg) => {
                    report.failed += 1;
                    report
                        .failures
                        .push((cmd.line, format!("{}: {msg}", cmd.expr)));
                }
                Outcome::Skip(reason) => {
                    report.skipped += 1;
                    report.skips.push((cmd.line, reason));
                }
            },
        }
    }
    report
}

fn load(
    state: &mut LoadedState,
    interval: i64,
    with_nhcb: bool,
    series: &[script::LoadSeries],
) -> Result<(), String> {
    let mut app = state.storage.appender();
    for s in series {
        let mut has_histograms = false;
        for (i, v) in s.values.iter().enumerate() {
            let t = i as i64 * interval;
            match v {
                SeqValue::Float(f) => {
                    app.append(None, &s.labels, t, *f)
                        .map_err(|e| format!("{}: {e}", s.labels))?;
                }
                SeqValue::Histogram => has_histograms = true,
                SeqValue::Omitted => {}
            }
        }
        if has_histograms {
            state.histogram_series.push(s.labels.clone());
        }
        if with_nhcb {
            if let Some(base) = nhcb_series(&s.labels) {
                state.histogram_series.push(base);
            }
        }
    }
    app.commit().map_err(|e| e.to_string())
}

/// The native histogram `load_with_nhcb` derives from a classic histogram series.
fn nhcb_series(l: &Labels) -> Option<Labels> {
    let name = l.metric_name()?;
    let base = ["_bucket", "_count", "_sum"]
        .iter()
        .find_map(|s| name.strip_suffix(s))?;
    let mut b = l.builder();
    b.set("__name__", base).del("le");
    Some(b.build())
}

/// Calls `f` on `e` and every expression below it.
fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::MatrixSelector(_) | Expr::VectorSelector(_) | Expr::Number(_) | Expr::String(_) => {}
        Expr::Subquery(s) => walk(&s.expr, f),
        Expr::Call(c) => c.args.iter().for_each(|a| walk(a, f)),
        Expr::Aggregate(a) => {
            walk(&a.expr, f);
            if let Some(p) = &a.param {
                walk(p, f);
            }
        }
        Expr::Binary(b) => {
            walk(&b.lhs, f);
            walk(&b.rhs, f);
        }
        Expr::Unary(u) => walk(&u.expr, f),
        Expr::Paren(p) => walk(&p.expr, f),
    }
}

/// Why an eval cannot run on promlite, if it cannot.
fn skip_reason(state: &LoadedState, cmd: &EvalCmd, expr: &Expr) -> Option<String> {
    if let Expected::Series(s) = &cmd.expected {
        if s.iter().any(|e| e.values.contains(&SeqValue::Histogram)) {
            return Some("native histograms (expected histogram values)".into());
        }
    }
    let mut names = Vec::new();
    let mut sels: Vec<Vec<Matcher>> = Vec::new();
    walk(expr, &mut |e| match e {
        Expr::Call(c) => names.push(c.func.name),
        Expr::VectorSelector(vs) => sels.push(vs.matchers.clone()),
        Expr::MatrixSelector(ms) => sels.push(ms.vs.matchers.clone()),
        _ => {}
    });
    for unsupported in ["start_timestamp"] {
        if names.contains(&unsupported) {
            return Some(format!(
                "experimental function {unsupported}() is not implemented"
            ));
        }
    }
    let touches = |set: &[Labels]| sels.iter().any(|m| set.iter().any(|l| matches_all(l, m)));
    if touches(&state.histogram_series) {
        return Some("native histograms (selects histogram series)".into());
    }
    if touches(&state.start_timestamp_series) {
        return Some("start timestamps (selects series loaded with @st)".into());
    }
    None
}

fn run_eval(engine: &Engine, state: &LoadedState, cmd: &EvalCmd) -> Outcome {
    let parse_opts = if engine.options().enable_experimental_functions {
        ParseOptions::all_experimental()
    } else {
        ParseOptions::default()
    };
    let expr = match parse_with(&cmd.expr, &parse_opts) {
        Ok(e) => e,
        Err(e) => {
            return match &cmd.fail {
                // Parse errors surface as query errors (bad_data) at the API.
                Some(p) if p.matches(&e.to_string()) => Outcome::Pass,
                _ => Outcome::Fail(format!("parse error: {e}")),
            };
        }
    };
    if let Some(reason) = skip_reason(state, cmd, &expr) {
        return Outcome::Skip(reason);
    }
    let result = match cmd.time {
        EvalTime::Range { start, end, step } => {
            run_range(engine, state, cmd, &expr, start, end, step)
        }
        EvalTime::Instant(t) => run_instant_all(engine, state, cmd, &expr, t),
    };
    match result {
        Ok(()) => Outcome::Pass,
        Err(msg) => Outcome::Fail(msg),
    }
}

/// Checks an error against the expected failure, if any.
fn expect_failure(cmd: &EvalCmd, r: &crate::Result<QueryResult>) -> Option<Result<(), String>> {
    match (&cmd.fail, r) {
        (Some(p), Err(e)) => Some(if p.matches(&e.to_string()) {
            Ok(())
        } else {
            Err(format!("expected error matching {p} but got: {e}"))
        }),
        (Some(_), Ok(_)) => Some(Err("expected an error but got none".into())),
        (None, Err(e)) => Some(Err(format!("error evaluating query: {e}"))),
        (None, Ok(_)) => None,
    }
}

fn run_range(
    engine: &Engine,
    state: &LoadedState,
    cmd: &EvalCmd,
    expr: &Expr,
    start: i64,
    end: i64,
    step: i64,
) -> Result<(), String> {
    let r = engine.range_query(&state.storage, expr, start, end, step, &QueryControl::new());
    if let Some(outcome) = expect_failure(cmd, &r) {
        return outcome;
    }
    let Ok(r) = r else {
        return Err("unreachable".into());
    };
    check::check_annotations(cmd, &r)?;
    match &r.value {
        Value::Matrix(m) => check::compare_matrix(cmd, m, start, end, step),
        other => Err(format!("range query returned a {}", other.type_name())),
    }
}

fn run_instant_all(
    engine: &Engine,
    state: &LoadedState,
    cmd: &EvalCmd,
    expr: &Expr,
    t: i64,
) -> Result<(), String> {
    run_instant(engine, state, cmd, expr, t).map_err(|e| format!("at {t}ms: {e}"))?;
    if let Some(pinned) = at_rewrite::pin_to(expr, t) {
        for vt in at_rewrite::variant_times(t) {
            run_instant(engine, state, cmd, &pinned, vt)
                .map_err(|e| format!("with @ {t}ms evaluated at {vt}ms: {e}"))?;
        }
    }
    Ok(())
}

fn query_context_functions() -> Regex {
    Regex::new(r"(start|end|range|step)\(\)").expect("constant pattern compiles")
}

fn run_instant(
    engine: &Engine,
    state: &LoadedState,
    cmd: &EvalCmd,
    expr: &Expr,
    t: i64,
) -> Result<(), String> {
    let r = engine.instant_query(&state.storage, expr, t, &QueryControl::new());
    if let Some(outcome) = expect_failure(cmd, &r) {
        return outcome;
    }
    let Ok(r) = r else {
        return Err("unreachable".into());
    };
    check::check_annotations(cmd, &r)?;
    check::compare_instant(cmd, &r.value)?;
    if cmd.exclude_from_range_query || query_context_functions().is_match(&cmd.expr) {
        return Ok(());
    }
    let rr = engine
        .range_query(
            &state.storage,
            expr,
            t - 60_000,
            t + 60_000,
            60_000,
            &QueryControl::new(),
        )
        .map_err(|e| format!("error in range mode: {e}"))?;
    if cmd.ordered {
        return Ok(());
    }
    let m = match &rr.value {
        Value::Matrix(m) => m,
        other => return Err(format!("range mode returned a {}", other.type_name())),
    };
    check::check_sorted(m)?;
    let at_t: Vec<VectorElement> = m
        .iter()
        .filter_map(|s| {
            s.samples.iter().find(|p| p.t == t).map(|p| VectorElement {
                labels: s.labels.clone(),
                t,
                v: p.v,
            })
        })
        .collect();
    let mid = match r.value {
        Value::Scalar { .. } => Value::Scalar {
            t,
            v: at_t.first().map(|e| e.v).unwrap_or(f64::NAN),
        },
        _ => Value::Vector(at_t),
    };
    check::compare_instant(cmd, &mid).map_err(|e| format!("range mode: {e}"))
}
