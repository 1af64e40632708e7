//! `RuleManager`: loads rule files into groups, runs each group on its own evaluation
//! slot (from a handed-in clock), keeps alert and staleness state across reloads of
//! unchanged rules as Prometheus does, and answers what `/api/v1/rules` and
//! `/api/v1/alerts` show.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use promlite_config::{GlobalConfig, RuleGroups, RuleKind};
use promlite_model::{SharedClock, STALE_NAN};
use promlite_promql_parser::ParseOptions;
use promlite_storage::{Appendable, Queryable};

use crate::alerting::{AlertingRule, AlertingRuleSpec};
use crate::error::RulesError;
use crate::group::{EvalContext, Group, Rule};
use crate::notifier::AlertSender;
use crate::query::RuleQuerier;
use crate::recording::RecordingRule;

/// Settings from Prometheus's `--rules.*` and `--web.external-url` flags.
#[derive(Clone, Debug)]
pub struct RuleManagerOptions {
    /// `--web.external-url`, without a trailing slash.
    pub external_url: String,
    /// `--rules.alert.resend-delay` (default 1m).
    pub resend_delay: Duration,
    /// `--rules.alert.for-outage-tolerance` (default 1h).
    pub outage_tolerance: Duration,
    /// `--rules.alert.for-grace-period` (default 10m).
    pub for_grace_period: Duration,
    /// The PromQL features rule expressions may use (`--enable-feature=promql-*`), the
    /// same as queries over HTTP.
    pub parse_options: ParseOptions,
}

impl Default for RuleManagerOptions {
    fn default() -> Self {
        RuleManagerOptions {
            external_url: String::new(),
            resend_delay: Duration::from_secs(60),
            outage_tolerance: Duration::from_secs(3600),
            for_grace_period: Duration::from_secs(600),
            parse_options: ParseOptions::default(),
        }
    }
}

/// What the manager reads from, writes to and sends through.
#[derive(Clone)]
pub struct RuleManagerDeps {
    pub clock: SharedClock,
    pub querier: Arc<dyn RuleQuerier>,
    pub appendable: Arc<dyn Appendable>,
    pub queryable: Arc<dyn Queryable>,
    pub sender: Option<Arc<dyn AlertSender>>,
}

impl RuleManagerDeps {
    /// Rules that read and write one storage through `engine`, with no alert sender
    /// (set `sender` afterwards to notify).
    pub fn over_storage<S>(
        storage: Arc<S>,
        engine: promlite_promql::Engine,
        clock: SharedClock,
    ) -> Self
    where
        S: Appendable + Queryable + 'static,
    {
        RuleManagerDeps {
            clock,
            querier: Arc::new(crate::query::EngineQuerier::new(engine, storage.clone())),
            appendable: storage.clone(),
            queryable: storage,
            sender: None,
        }
    }
}

type GroupKey = (String, String);

struct GroupTask {
    group: Arc<Mutex<Group>>,
    stop: Arc<tokio::sync::Notify>,
    stopped: Arc<AtomicBool>,
}

struct Inner {
    opts: RuleManagerOptions,
    deps: RuleManagerDeps,
    groups: Mutex<BTreeMap<GroupKey, GroupTask>>,
    runtime: Mutex<Option<tokio::runtime::Handle>>,
    /// Set after the first successful `apply`: later groups need no restore.
    loaded_once: AtomicBool,
}

/// Manages rule groups. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct RuleManager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RuleManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleManager").finish_non_exhaustive()
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Parses rule files into groups (expressions parsed, templates compiled).
pub(crate) fn load_groups(
    files: &[PathBuf],
    global: &GlobalConfig,
    external_url: &str,
    restored: bool,
    parse_options: &ParseOptions,
) -> Result<Vec<Group>, RulesError> {
    let external_labels: Arc<BTreeMap<String, String>> = Arc::new(
        global
            .external_labels
            .iter()
            .map(|l| (l.name.to_string(), l.value.to_string()))
            .collect(),
    );
    let external_url: Arc<str> = Arc::from(external_url);
    let mut out = Vec::new();
    for file in files {
        let rgs = RuleGroups::load_file(file)
            .map_err(|errs| RulesError::Load(errs.iter().map(|e| e.to_string()).collect()))?;
        let file_name = file.display().to_string();
        for g in &rgs.groups {
            let mut rules = Vec::new();
            for r in &g.rules {
                let expr = promlite_promql_parser::parse_with(&r.expr, parse_options)
                    .map_err(|e| RulesError::Load(vec![format!("{file_name}: {e}")]))?;
                let mut labels: BTreeMap<String, String> = g.labels.iter().cloned().collect();
                labels.extend(r.labels.iter().cloned());
                rules.push(match &r.kind {
                    RuleKind::Recording(name) => {
                        Rule::Recording(RecordingRule::new(name, expr, labels))
                    }
                    RuleKind::Alerting(name) => {
                        let annotations: BTreeMap<String, String> =
                            r.annotations.iter().cloned().collect();
                        Rule::Alerting(AlertingRule::new(AlertingRuleSpec {
                            name,
                            expr,
                            hold_ms: ms(r.for_duration),
                            keep_firing_for_ms: ms(r.keep_firing_for),
                            labels: &labels,
                            annotations: &annotations,
                            external_labels: external_labels.clone(),
                            external_url: external_url.clone(),
                            restored,
                        }))
                    }
                });
            }
            let interval = g.interval.unwrap_or(global.evaluation_interval);
            let offset = g.query_offset.unwrap_or(global.rule_query_offset);
            out.push(Group::new(
                &g.name,
                &file_name,
                ms(interval).max(1),
                g.limit,
                ms(offset),
                rules,
                !restored,
            ));
        }
    }
    Ok(out)
}

impl RuleManager {
    pub fn new(opts: RuleManagerOptions, deps: RuleManagerDeps) -> RuleManager {
        RuleManager {
            inner: Arc::new(Inner {
                opts,
                deps,
                groups: Mutex::new(BTreeMap::new()),
                runtime: Mutex::new(None),
                loaded_once: AtomicBool::new(false),
            }),
        }
    }

    /// Loads `rule_files` and replaces the running groups. Unchanged groups keep running
    /// untouched; changed ones take over the alerts and series of their predecessors;
    /// removed ones stop and mark their series stale. On error nothing changes.
    pub fn apply(&self, rule_files: &[PathBuf], global: &GlobalConfig) -> Result<(), RulesError> {
        let restored = self.inner.loaded_once.load(Ordering::SeqCst);
        let new_groups = load_groups(
            rule_files,
            global,
            &self.inner.opts.external_url,
            restored,
            &self.inner.opts.parse_options,
        )?;
        self.inner.loaded_once.store(true, Ordering::SeqCst);
        let mut groups = self.inner.groups.lock();
        let mut old = std::mem::take(&mut *groups);
        let runtime = self.inner.runtime.lock().clone();
        for mut g in new_groups {
            let key = (g.file.clone(), g.name.clone());
            if let Some(task) = old.remove(&key) {
                let same = task.group.lock().same_definition(&g);
                if same {
                    groups.insert(key, task);
                    continue;
                }
                stop_task(&task);
                g.copy_state(&task.group.lock());
            }
            let task = GroupTask {
                group: Arc::new(Mutex::new(g)),
                stop: Arc::new(tokio::sync::Notify::new()),
                stopped: Arc::new(AtomicBool::new(false)),
            };
            if let Some(rt) = &runtime {
                self.spawn_group(rt, &task);
            }
            groups.insert(key, task);
        }
        for (_, task) in old {
            stop_task(&task);
            self.mark_removed_stale(&task, runtime.as_ref());
        }
        Ok(())
    }

    /// Starts evaluating every group on `runtime`; later `apply`s start their groups too.
    pub fn start(&self, runtime: &tokio::runtime::Handle) {
        *self.inner.runtime.lock() = Some(runtime.clone());
        for task in self.inner.groups.lock().values() {
            self.spawn_group(runtime, task);
        }
    }

    /// Stops every group.
    pub fn stop(&self) {
        *self.inner.runtime.lock() = None;
        for task in self.inner.groups.lock().values() {
            stop_task(task);
        }
    }

    /// Evaluates every group once at `ts` (ms), in file and name order. For tests and
    /// tools that drive time themselves.
    pub fn eval_all_at(&self, ts: i64) {
        let tasks: Vec<_> = self
            .inner
            .groups
            .lock()
            .values()
            .map(|t| t.group.clone())
            .collect();
        for g in tasks {
            eval_group(&self.inner, &g, ts, 0);
        }
    }

    /// Restores `for` state of every group that needs it, at `ts`.
    pub fn restore_for_state_at(&self, ts: i64) {
        for task in self.inner.groups.lock().values() {
            restore_group(&self.inner, &task.group, ts);
        }
    }

    pub(crate) fn with_groups<T>(&self, f: impl FnOnce(Vec<&Group>) -> T) -> T {
        let groups = self.inner.groups.lock();
        let locked: Vec<_> = groups.values().map(|t| t.group.lock()).collect();
        f(locked.iter().map(|g| &**g).collect())
    }

    fn spawn_group(&self, rt: &tokio::runtime::Handle, task: &GroupTask) {
        let inner = self.inner.clone();
        let group = task.group.clone();
        let stop = task.stop.clone();
        let stopped = task.stopped.clone();
        rt.spawn(async move { run_group(inner, group, stop, stopped).await });
    }

    /// After a group is removed, waits two intervals (so renamed rules can take over
    /// their series) and marks its series stale.
    fn mark_removed_stale(&self, task: &GroupTask, runtime: Option<&tokio::runtime::Handle>) {
        let (series, interval, offset) = {
            let g = task.group.lock();
            (g.all_previous_series(), g.interval_ms, g.query_offset_ms)
        };
        if series.is_empty() {
            return;
        }
        let inner = self.inner.clone();
        // Stamped with the removal time, not the write time, as Prometheus does: the
        // series ends where the group stopped even though the marker comes later.
        let t = inner.deps.clock.now_ms() - offset;
        let write = move || {
            let mut app = inner.deps.appendable.appender();
            for s in &series {
                let _ = app.append(None, s, t, STALE_NAN);
            }
            let _ = app.commit();
        };
        match runtime {
            Some(rt) => {
                let wait = Duration::from_millis(u64::try_from(2 * interval).unwrap_or(0));
                rt.spawn(async move {
                    tokio::time::sleep(wait).await;
                    write();
                });
            }
            None => write(),
        }
    }
}

fn stop_task(task: &GroupTask) {
    task.stopped.store(true, Ordering::SeqCst);
    task.stop.notify_one();
}

/// Evaluates `group` at `ts`; `missed` iterations were skipped before this one.
fn eval_group(inner: &Inner, group: &Mutex<Group>, ts: i64, missed: u64) {
    let clock = inner.deps.clock.clone();
    let now = move || clock.now_ms();
    let ctx = EvalContext {
        querier: inner.deps.querier.as_ref(),
        appendable: inner.deps.appendable.as_ref(),
        sender: inner.deps.sender.as_deref(),
        external_url: &inner.opts.external_url,
        resend_delay_ms: ms(inner.opts.resend_delay),
        now_ms: &now,
    };
    let mut g = group.lock();
    g.counters.iterations += 1 + missed;
    g.counters.iterations_missed += missed;
    g.eval(ts, &ctx);
}

fn restore_group(inner: &Inner, group: &Mutex<Group>, ts: i64) {
    let mut g = group.lock();
    if g.should_restore {
        g.restore_for_state(
            ts,
            inner.deps.queryable.as_ref(),
            ms(inner.opts.outage_tolerance),
            ms(inner.opts.for_grace_period),
        );
    }
}

/// Sleeps until the clock reads `target_ms`; false if asked to stop first.
async fn sleep_until(
    inner: &Inner,
    target_ms: i64,
    stop: &tokio::sync::Notify,
    stopped: &AtomicBool,
) -> bool {
    loop {
        if stopped.load(Ordering::SeqCst) {
            return false;
        }
        let now = inner.deps.clock.now_ms();
        if now >= target_ms {
            return true;
        }
        // Re-read the clock at least every second, so a clock that jumps is followed.
        let wait = Duration::from_millis(u64::try_from((target_ms - now).min(1000)).unwrap_or(0));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.notified() => return false,
        }
    }
}

async fn run_blocking(
    inner: &Arc<Inner>,
    group: &Arc<Mutex<Group>>,
    ts: i64,
    missed: u64,
    restore: bool,
) {
    let (inner, group) = (inner.clone(), group.clone());
    let _ = tokio::task::spawn_blocking(move || {
        eval_group(&inner, &group, ts, missed);
        if restore {
            let now = inner.deps.clock.now_ms();
            restore_group(&inner, &group, now);
        }
    })
    .await;
}

/// A group's evaluation loop: first slot after now, then every interval, skipping
/// missed slots; `for` state is restored after the second evaluation.
async fn run_group(
    inner: Arc<Inner>,
    group: Arc<Mutex<Group>>,
    stop: Arc<tokio::sync::Notify>,
    stopped: Arc<AtomicBool>,
) {
    let (interval, mut ts, mut restore) = {
        let g = group.lock();
        let now = inner.deps.clock.now_ms();
        (
            g.interval_ms,
            g.eval_timestamp(now) + g.interval_ms,
            g.should_restore,
        )
    };
    if !sleep_until(&inner, ts, &stop, &stopped).await {
        return;
    }
    run_blocking(&inner, &group, ts, 0, false).await;
    loop {
        if !sleep_until(&inner, ts + interval, &stop, &stopped).await {
            return;
        }
        let now = inner.deps.clock.now_ms();
        let missed = ((now - ts) / interval - 1).max(0);
        ts += (missed + 1) * interval;
        run_blocking(
            &inner,
            &group,
            ts,
            u64::try_from(missed).unwrap_or(0),
            restore,
        )
        .await;
        restore = false;
    }
}

/// Expands `rule_files` globs relative to nothing (the config crate already made them
/// absolute): every matching file, sorted.
pub fn expand_rule_file_patterns(patterns: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in patterns {
        let text = p.display().to_string();
        if !text.contains(['*', '?', '[']) {
            out.push(p.clone());
            continue;
        }
        let dir = p.parent().unwrap_or(Path::new("."));
        let pattern = p
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| glob_match(&pattern, &e.file_name().to_string_lossy()))
            .map(|e| e.path())
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

/// Shell-style `*` and `?` matching of one path component.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}
