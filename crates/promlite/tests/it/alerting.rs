//! Rules and Alertmanager end to end: promlite with the seeds' alert rules (an error
//! ratio of rates, a `histogram_quantile` latency rule, `up == 0`; short windows and
//! `for` so the test runs in seconds) scrapes a target whose counters the test drives,
//! and notifies Debian's real Alertmanager. Each alert reaches Alertmanager's
//! `GET /api/v2/alerts` with its labels and rendered annotations, then resolves;
//! `/api/v1/rules`, `/api/v1/alerts` and `ALERTS` agree. Skipped with a message when
//! Alertmanager is not installed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::support::daemons::{self, Daemon};
use crate::support::{eventually, http, Promlite, Reply, Start, TargetServer, Workspace};

const WAIT: Duration = Duration::from_secs(30);

const RULES: &str = r#"groups:
  - name: app-alerts
    interval: 1s
    rules:
      - record: job:requests:rate5s
        expr: sum by (job) (rate(requests_total[5s]))
      - alert: HighErrorRate
        expr: rate(errors_total[5s]) / rate(requests_total[5s]) > 0.05
        for: 2s
        labels:
          severity: critical
        annotations:
          summary: "High error rate on {{ $labels.instance }}"
          description: "Error rate is {{ $value | humanizePercentage }} (threshold: 5%)"
      - alert: SlowAPIResponses
        expr: histogram_quantile(0.95, sum(rate(request_duration_seconds_bucket[5s])) by (le)) > 1
        for: 2s
        labels:
          severity: warning
        annotations:
          description: "P95 latency is {{ $value | humanizeDuration }} (threshold: 1s)"
      - alert: InstanceDown
        expr: up == 0
        for: 2s
        labels:
          severity: critical
        annotations:
          summary: "Instance {{ $labels.instance }} down"
          description: "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 2 seconds"
"#;

/// The application the test drives: every scrape adds 100 requests, 20 of them errors
/// while `failing`, and 100 latency observations, above 1 s while `slow`.
#[derive(Default)]
struct App {
    failing: AtomicBool,
    slow: AtomicBool,
    requests: AtomicU64,
    errors: AtomicU64,
    fast_observations: AtomicU64,
    slow_observations: AtomicU64,
}

impl App {
    fn scrape(&self) -> Reply {
        let requests = self.requests.fetch_add(100, Ordering::SeqCst) + 100;
        let errors = if self.failing.load(Ordering::SeqCst) {
            self.errors.fetch_add(20, Ordering::SeqCst) + 20
        } else {
            self.errors.load(Ordering::SeqCst)
        };
        let (fast, slow) = if self.slow.load(Ordering::SeqCst) {
            (
                self.fast_observations.load(Ordering::SeqCst),
                self.slow_observations.fetch_add(100, Ordering::SeqCst) + 100,
            )
        } else {
            (
                self.fast_observations.fetch_add(100, Ordering::SeqCst) + 100,
                self.slow_observations.load(Ordering::SeqCst),
            )
        };
        let all = fast + slow;
        Reply::text(format!(
            "# TYPE requests_total counter\nrequests_total {requests}\n\
             # TYPE errors_total counter\nerrors_total {errors}\n\
             # TYPE request_duration_seconds histogram\n\
             request_duration_seconds_bucket{{le=\"0.1\"}} {fast}\n\
             request_duration_seconds_bucket{{le=\"0.5\"}} {fast}\n\
             request_duration_seconds_bucket{{le=\"1\"}} {fast}\n\
             request_duration_seconds_bucket{{le=\"2.5\"}} {all}\n\
             request_duration_seconds_bucket{{le=\"+Inf\"}} {all}\n\
             request_duration_seconds_sum {}\n\
             request_duration_seconds_count {all}\n",
            fast as f64 * 0.05 + slow as f64 * 2.0
        ))
    }
}

fn am_alerts(am: &Daemon) -> Result<Vec<Value>, String> {
    let r = http::get(&am.addr, "/api/v2/alerts")?;
    if r.status != 200 {
        return Err(format!("status {}: {}", r.status, r.text()));
    }
    Ok(r.json().as_array().cloned().unwrap_or_default())
}

fn find<'a>(alerts: &'a [Value], name: &str) -> Option<&'a Value> {
    alerts.iter().find(|a| a["labels"]["alertname"] == name)
}

#[test]
fn alerts_fire_reach_alertmanager_and_resolve() {
    let ws = Workspace::new();
    let Some(am) = daemons::alertmanager(&ws, "alerts_fire_reach_alertmanager_and_resolve") else {
        return;
    };
    let app = Arc::new(App::default());
    let target = TargetServer::start();
    target.set_responder("/metrics", {
        let app = app.clone();
        Arc::new(move || app.scrape())
    });
    let flaky = TargetServer::start();
    flaky.set("/metrics", Reply::text("flaky_metric 1\n"));
    ws.write("rules.yml", RULES);
    let config = format!(
        r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["rules.yml"]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["{}"]
scrape_configs:
  - job_name: app
    static_configs: [{{targets: ["{}"]}}]
  - job_name: flaky
    static_configs: [{{targets: ["{}"]}}]
"#,
        am.addr, target.addr, flaky.addr
    );
    let p = Promlite::start(
        &ws,
        Start::config(&config).arg("--rules.alert.resend-delay=1s"),
    );
    let context = || format!("{}\n--- alertmanager ---\n{}", p.log(), am.log());

    // Healthy: rules evaluate, nothing fires.
    p.wait_for_series("job:requests:rate5s", WAIT);
    let ams = p.api("/api/v1/alertmanagers");
    assert_eq!(
        ams["activeAlertmanagers"][0]["url"],
        format!("http://{}/api/v2/alerts", am.addr)
    );
    assert!(p.api("/api/v1/alerts")["alerts"]
        .as_array()
        .is_some_and(Vec::is_empty));

    // Trouble: errors, slow requests and a target answering 503.
    app.failing.store(true, Ordering::SeqCst);
    app.slow.store(true, Ordering::SeqCst);
    flaky.set(
        "/metrics",
        Reply {
            status: 503,
            ..Reply::text("unavailable\n")
        },
    );
    let fired = eventually(
        "three alerts at Alertmanager with settled values",
        WAIT,
        context,
        || {
            let alerts = am_alerts(&am)?;
            let want = [
                (
                    "HighErrorRate",
                    "description",
                    "Error rate is 20% (threshold: 5%)",
                ),
                (
                    "SlowAPIResponses",
                    "description",
                    "P95 latency is 2.425s (threshold: 1s)",
                ),
                (
                    "InstanceDown",
                    "summary",
                    &format!("Instance {} down", flaky.addr),
                ),
            ];
            for (name, key, text) in want {
                let a = find(&alerts, name).ok_or(format!("no {name} in {alerts:?}"))?;
                if a["annotations"][key] != text {
                    return Err(format!("{name}: {}", a["annotations"]));
                }
            }
            Ok(alerts)
        },
    );
    let errors = find(&fired, "HighErrorRate").expect("HighErrorRate");
    assert_eq!(errors["labels"]["severity"], "critical");
    assert_eq!(errors["labels"]["job"], "app");
    assert_eq!(errors["labels"]["instance"], target.addr.as_str());
    assert_eq!(
        errors["annotations"]["summary"],
        format!("High error rate on {}", target.addr)
    );
    assert_eq!(errors["status"]["state"], "active");
    assert!(
        errors["generatorURL"]
            .as_str()
            .unwrap_or_default()
            .contains("/graph?g0.expr="),
        "{errors}"
    );
    let slow = find(&fired, "SlowAPIResponses").expect("SlowAPIResponses");
    assert_eq!(slow["labels"]["severity"], "warning");
    // sum by (le) drops instance and job.
    assert!(slow["labels"]["instance"].is_null(), "{slow}");
    let down = find(&fired, "InstanceDown").expect("InstanceDown");
    assert_eq!(down["labels"]["job"], "flaky");
    assert_eq!(
        down["annotations"]["description"],
        format!(
            "{} of job flaky has been down for more than 2 seconds",
            flaky.addr
        )
    );

    // promlite's own view agrees.
    let alerts = p.api("/api/v1/alerts")["alerts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let firing: Vec<&Value> = alerts.iter().filter(|a| a["state"] == "firing").collect();
    assert_eq!(firing.len(), 3, "{alerts:?}");
    let rules = p.api("/api/v1/rules?type=alert");
    let group = &rules["groups"][0];
    assert_eq!(group["name"], "app-alerts");
    assert_eq!(group["file"], ws.path("rules.yml").display().to_string());
    for r in group["rules"].as_array().cloned().unwrap_or_default() {
        assert_eq!(r["type"], "alerting", "{r}");
        assert_eq!(r["state"], "firing", "{r}");
        assert_eq!(r["health"], "ok", "{r}");
        assert_eq!(r["duration"], 2, "{r}");
    }
    let series = p.query("ALERTS{alertstate=\"firing\"}");
    assert_eq!(series.len(), 3, "{series:?}");

    // Recovery: every alert resolves and leaves Alertmanager's active list.
    app.failing.store(false, Ordering::SeqCst);
    app.slow.store(false, Ordering::SeqCst);
    flaky.set("/metrics", Reply::text("flaky_metric 1\n"));
    eventually("alerts resolved at Alertmanager", WAIT, context, || {
        let alerts = am_alerts(&am)?;
        if alerts.is_empty() {
            Ok(())
        } else {
            let names: Vec<&Value> = alerts.iter().map(|a| &a["labels"]["alertname"]).collect();
            Err(format!("still active: {names:?}"))
        }
    });
    assert!(p.api("/api/v1/alerts")["alerts"]
        .as_array()
        .is_some_and(Vec::is_empty));
    assert!(p.query("ALERTS").is_empty());
    let rules = p.api("/api/v1/rules?type=alert");
    for r in rules["groups"][0]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        assert_eq!(r["state"], "inactive", "{r}");
    }
    let sent = p
        .self_metric(&format!(
            "prometheus_notifications_sent_total{{alertmanager=\"http://{}/api/v2/alerts\"}}",
            am.addr
        ))
        .expect("notifications sent");
    assert!(sent >= 6.0, "{sent}");
}
