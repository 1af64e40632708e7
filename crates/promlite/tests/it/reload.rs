//! Config reloads on the running binary: SIGHUP and `POST /-/reload` (only with
//! `--web.enable-lifecycle`, 403 without) apply a new config without losing data; a bad
//! config is refused, the old one keeps running and
//! `prometheus_config_last_reload_successful` drops to 0.

use std::time::Duration;

use crate::support::{Promlite, Reply, Start, TargetServer, Workspace};

const WAIT: Duration = Duration::from_secs(20);

fn config(target: &str, jobs: &[&str], rule_file: Option<&str>) -> String {
    let mut s = String::from(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n",
    );
    if let Some(f) = rule_file {
        s.push_str(&format!("rule_files: [\"{f}\"]\n"));
    }
    s.push_str("scrape_configs:\n");
    for job in jobs {
        s.push_str(&format!(
            "  - job_name: {job}\n    static_configs: [{{targets: [\"{target}\"]}}]\n"
        ));
    }
    s
}

fn reload_ok(p: &Promlite) -> f64 {
    p.self_metric("prometheus_config_last_reload_successful ")
        .expect("prometheus_config_last_reload_successful")
}

fn runtime_reload_success(p: &Promlite) -> serde_json::Value {
    p.api("/api/v1/status/runtimeinfo")["reloadConfigSuccess"].clone()
}

/// Newest sample timestamp of `up{job}` (seconds).
fn last_up_time(p: &Promlite, job: &str) -> f64 {
    p.query(&format!("timestamp(up{{job=\"{job}\"}})"))
        .first()
        .map(Promlite::value)
        .unwrap_or(0.0)
}

#[test]
fn sighup_and_http_reload_apply_configs_and_refuse_bad_ones() {
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("reload_metric 1\n"));
    let t = target.addr.clone();
    let ws = Workspace::new();
    ws.write(
        "rules.yml",
        "groups:\n  - name: first\n    rules:\n      - record: job:reload_metric:sum\n        expr: sum by (job) (reload_metric)\n",
    );
    let rules = ws.path("rules.yml").display().to_string();
    let p = Promlite::start(
        &ws,
        Start::config(&config(&t, &["a"], Some(&rules))).arg("--web.enable-lifecycle"),
    );
    p.wait_for_series("up{job=\"a\"}", WAIT);
    p.wait_for_series("job:reload_metric:sum", WAIT);
    assert_eq!(reload_ok(&p), 1.0);
    let scrapes_before = Promlite::value(&p.query("count_over_time(up{job=\"a\"}[1h])")[0]);

    // SIGHUP: a new job appears.
    ws.write("prometheus.yml", &config(&t, &["a", "b"], Some(&rules)));
    p.signal(libc::SIGHUP);
    p.wait_for_series("up{job=\"b\"}", WAIT);

    // POST /-/reload: another one, and the rule group changes too.
    ws.write(
        "rules.yml",
        "groups:\n  - name: second\n    rules:\n      - record: job:reload_metric:count\n        expr: count by (job) (reload_metric)\n",
    );
    ws.write(
        "prometheus.yml",
        &config(&t, &["a", "b", "c"], Some(&rules)),
    );
    let r = p.post("/-/reload", "");
    assert_eq!(r.status, 200, "{}", r.text());
    p.wait_for_series("up{job=\"c\"}", WAIT);
    p.wait_for_series("job:reload_metric:count", WAIT);
    let groups = p.api("/api/v1/rules");
    assert_eq!(groups["groups"][0]["name"], "second", "{groups}");
    assert_eq!(reload_ok(&p), 1.0);
    assert_eq!(runtime_reload_success(&p), true);

    // Nothing scraped before the reloads was lost, and job a kept being scraped.
    let since_start = Promlite::value(&p.query("count_over_time(up{job=\"a\"}[1h])")[0]);
    assert!(
        since_start >= scrapes_before,
        "{since_start} < {scrapes_before}"
    );
    p.eventually("job a scraped on", WAIT, || {
        let n = Promlite::value(&p.query("count_over_time(up{job=\"a\"}[1h])")[0]);
        if n > scrapes_before {
            Ok(())
        } else {
            Err(format!("{n} samples"))
        }
    });
    // The removed group's series ends with a staleness marker (two intervals after the
    // reload) but keeps its samples.
    p.eventually("removed rule's series stale", WAIT, || {
        if p.query("job:reload_metric:sum").is_empty() {
            Ok(())
        } else {
            Err("still there".into())
        }
    });
    // One series per job the group saw (a, and b if it was scraped in time).
    assert!(!p
        .query("last_over_time(job:reload_metric:sum{job=\"a\"}[1h])")
        .is_empty());

    // A bad config over HTTP: 500 naming the problem; the old config keeps running.
    ws.write(
        "prometheus.yml",
        &format!(
            "{}    scrape_intervall: 5s\n",
            config(&t, &["a", "b", "c", "d"], None)
        ),
    );
    let r = p.post("/-/reload", "");
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(r.text().contains("scrape_intervall"), "{}", r.text());
    assert_eq!(reload_ok(&p), 0.0);
    assert_eq!(runtime_reload_success(&p), false);
    let before = last_up_time(&p, "c");
    p.eventually("job c still scraped", WAIT, || {
        if last_up_time(&p, "c") > before {
            Ok(())
        } else {
            Err("no new scrape of job c".into())
        }
    });
    assert!(p.query("up{job=\"d\"}").is_empty());
    assert_eq!(p.api("/api/v1/rules")["groups"][0]["name"], "second");

    // A bad rule file is refused too, and the rules keep running.
    ws.write(
        "rules.yml",
        "groups:\n  - name: third\n    rules:\n      - record: x\n        expr: sum(\n",
    );
    ws.write(
        "prometheus.yml",
        &config(&t, &["a", "b", "c"], Some(&rules)),
    );
    p.signal(libc::SIGHUP);
    p.eventually("reload failure after SIGHUP", WAIT, || {
        if reload_ok(&p) == 0.0 {
            Ok(())
        } else {
            Err("still 1".into())
        }
    });
    assert_eq!(p.api("/api/v1/rules")["groups"][0]["name"], "second");

    // Fixed: success again.
    ws.write(
        "rules.yml",
        "groups:\n  - name: second\n    rules:\n      - record: job:reload_metric:count\n        expr: count by (job) (reload_metric)\n",
    );
    p.signal(libc::SIGHUP);
    p.eventually("reload success after fix", WAIT, || {
        if reload_ok(&p) == 1.0 {
            Ok(())
        } else {
            Err("still 0".into())
        }
    });
    assert_eq!(runtime_reload_success(&p), true);
}

#[test]
fn lifecycle_endpoints_need_the_flag() {
    let ws = Workspace::new();
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("m 1\n"));
    let p = Promlite::start(&ws, Start::config(&config(&target.addr, &["a"], None)));
    let r = p.post("/-/reload", "");
    assert_eq!(r.status, 403);
    assert_eq!(r.text().trim(), "Lifecycle API is not enabled.");
    let r = p.post("/-/quit", "");
    assert_eq!(r.status, 403);
    // Still running.
    assert_eq!(p.get("/-/healthy").status, 200);
}

#[test]
fn concurrent_reloads_leave_one_consistent_config() {
    let target = TargetServer::start();
    target.set("/metrics", Reply::text("m 1\n"));
    let ws = Workspace::new();
    // Version one has many rules and version two one, so loading one takes longer and
    // unserialized reloads would apply their parts in different orders.
    for (v, n) in [("one", 400), ("two", 1)] {
        let mut text = format!("groups:\n  - name: {v}\n    rules:\n");
        for i in 0..n {
            text.push_str(&format!(
                "      - record: r_{v}_{i}\n        expr: sum by (job) (rate(m[5m])) > {i}\n"
            ));
        }
        ws.write(&format!("rules_{v}.yml"), &text);
    }
    let version = |v: &str| {
        let rules = ws.path(&format!("rules_{v}.yml")).display().to_string();
        config(&target.addr, &[v], Some(&rules))
    };
    let p = Promlite::start(
        &ws,
        Start::config(&version("one")).arg("--web.enable-lifecycle"),
    );
    let config_path = ws.path("prometheus.yml");
    std::thread::scope(|s| {
        for thread in 0..6 {
            let (p, ws, config_path, version) = (&p, &ws, &config_path, &version);
            s.spawn(move || {
                for i in 0..6 {
                    let v = if (thread + i) % 2 == 0 { "one" } else { "two" };
                    let tmp = ws.path(&format!(".flip-{thread}"));
                    std::fs::write(&tmp, version(v)).expect("write");
                    std::fs::rename(&tmp, config_path).expect("rename");
                    let r = p.post("/-/reload", "");
                    assert_eq!(r.status, 200, "{}", r.text());
                }
            });
        }
    });
    // Whatever won, the scrape jobs and the rule groups come from the same file.
    let pools = p.api("/api/v1/scrape_pools")["scrapePools"].clone();
    let groups = p.api("/api/v1/rules")["groups"].clone();
    let pool = pools[0].as_str().unwrap_or_default().to_string();
    assert_eq!(pools.as_array().map(Vec::len), Some(1), "{pools}");
    assert_eq!(groups.as_array().map(Vec::len), Some(1), "{groups}");
    assert_eq!(groups[0]["name"], pool.as_str(), "{pools} vs {groups}");
    assert_eq!(reload_ok(&p), 1.0);
}

#[test]
fn a_reload_changes_the_default_subquery_step_to_the_new_evaluation_interval() {
    // `[10m:]` has no step: Prometheus takes the global evaluation interval, so the
    // subquery holds 10m / interval points (vector(1) has a value at every step).
    let points = |p: &Promlite| -> f64 {
        let r = p.query("count_over_time(vector(1)[10m:])");
        assert_eq!(r.len(), 1, "{r:?}");
        Promlite::value(&r[0])
    };
    let global = |interval: &str| format!("global:\n  evaluation_interval: {interval}\n");
    let ws = Workspace::new();
    let p = Promlite::start(
        &ws,
        Start::config(&global("1m")).arg("--web.enable-lifecycle"),
    );
    assert_eq!(points(&p), 10.0);
    ws.write("prometheus.yml", &global("30s"));
    let r = p.post("/-/reload", "");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(points(&p), 20.0);
    // A refused config leaves the step as it was.
    ws.write("prometheus.yml", "global:\n  evaluation_interval: banana\n");
    assert_eq!(p.post("/-/reload", "").status, 500);
    assert_eq!(points(&p), 20.0);
}
