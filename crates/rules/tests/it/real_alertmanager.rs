//! Against the real Alertmanager (Debian's `/usr/bin/prometheus-alertmanager`; skipped
//! with a message when absent): a rule fires, the notifier posts it, Alertmanager's
//! `GET /api/v2/alerts` shows it with its labels and rendered annotations, then it
//! resolves and Alertmanager drops it. A second instance requires TLS client
//! certificates. Each Alertmanager is killed when its guard drops, also on panic.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use promlite_config::{AlertingConfig, AlertmanagerConfig, GlobalConfig, StaticConfig};
use promlite_model::{Clock, Labels, ManualClock, SystemClock};
use promlite_promql::{Engine, EngineOptions};
use promlite_rules::template::format_time_rfc3339_millis;
use promlite_rules::{
    AlertSender, Notifier, NotifierOptions, RuleManager, RuleManagerDeps, RuleManagerOptions,
};
use promlite_storage::{Appendable, MemStorage};
use serde_json::Value;

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// A running Alertmanager; dropping it kills the process.
struct AlertmanagerProcess {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:<port>` or `https://...`.
    base_url: String,
    address: String,
}

impl Drop for AlertmanagerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl AlertmanagerProcess {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("am.log")).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn tls_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules/tls")
}

/// Starts Alertmanager with one receiver and `group_wait: 1s`, clustering off; with
/// `tls`, its web server requires a client certificate signed by the test CA.
fn start_alertmanager(tls: bool) -> AlertmanagerProcess {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: default\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: default\n",
    )
    .unwrap();
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.path().join("am.log")).unwrap();
    let mut cmd = Command::new(ALERTMANAGER);
    cmd.arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg("--cluster.listen-address=")
        .arg(format!("--web.listen-address={address}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    if tls {
        let t = tls_dir();
        let web = dir.path().join("web.yml");
        std::fs::write(
            &web,
            format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: {}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
                t.join("server.crt").display(),
                t.join("server.key").display(),
                t.join("ca.crt").display()
            ),
        )
        .unwrap();
        cmd.arg(format!("--web.config.file={}", web.display()));
    }
    let child = cmd.spawn().unwrap();
    let scheme = if tls { "https" } else { "http" };
    AlertmanagerProcess {
        child,
        dir,
        base_url: format!("{scheme}://{address}"),
        address,
    }
}

/// A client for the test's own requests (with the client certificate for TLS).
fn api_client() -> reqwest::Client {
    let t = tls_dir();
    let mut pem = std::fs::read(t.join("client.crt")).unwrap();
    pem.extend(std::fs::read(t.join("client.key")).unwrap());
    reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(t.join("ca.crt")).unwrap()).unwrap(),
        )
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn wait_ready(am: &AlertmanagerProcess, client: &reqwest::Client) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = client.get(format!("{}/-/ready", am.base_url)).send().await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "Alertmanager did not become ready:\n{}",
            am.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn alerts(am: &AlertmanagerProcess, client: &reqwest::Client) -> Vec<Value> {
    let text = client
        .get(format!("{}/api/v2/alerts", am.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    body.as_array().cloned().unwrap_or_default()
}

/// Polls `GET /api/v2/alerts` until `pred` holds; returns the last answer.
async fn wait_alerts(
    am: &AlertmanagerProcess,
    client: &reqwest::Client,
    what: &str,
    pred: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = alerts(am, client).await;
        if pred(&got) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "waiting for {what}; Alertmanager shows {got:?}\n{}",
            am.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn am_config(address: &str, tls: bool) -> AlertingConfig {
    let mut am = AlertmanagerConfig {
        static_configs: vec![StaticConfig {
            targets: vec![address.to_string()],
            labels: Labels::empty(),
            line: Default::default(),
        }],
        ..AlertmanagerConfig::default()
    };
    if tls {
        let t = tls_dir();
        am.scheme = "https".into();
        let c = &mut am.http_client.tls_config;
        c.ca_file = Some(t.join("ca.crt"));
        c.cert_file = Some(t.join("client.crt"));
        c.key_file = Some(t.join("client.key"));
    }
    AlertingConfig {
        alert_relabel_configs: Vec::new(),
        alertmanagers: vec![am],
    }
}

const RULES: &str = r#"
groups:
  - name: availability
    interval: 1s
    rules:
      - alert: InstanceDown
        expr: up{job="node"} == 0
        for: 2s
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} is down"
          value: "{{ $value | humanizePercentage }}"
          fleet: '{{ with query "avg(up)" }}{{ . | first | value | humanizePercentage }} of the fleet is up{{ end }}'
"#;

fn append(storage: &MemStorage, instance: &str, t: i64, v: f64) {
    let mut app = storage.appender();
    let labels = Labels::from_pairs([("__name__", "up"), ("job", "node"), ("instance", instance)]);
    app.append(None, &labels, t, v).unwrap();
    app.commit().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_alertmanager_and_resolve() {
    if !Path::new(ALERTMANAGER).exists() {
        eprintln!("skipped: {ALERTMANAGER} is not installed");
        return;
    }
    let am = start_alertmanager(false);
    let client = api_client();
    wait_ready(&am, &client).await;

    let notifier = Arc::new(Notifier::new(NotifierOptions::default()));
    notifier
        .apply_config(
            &am_config(&am.address, false),
            &Labels::from_pairs([("cluster", "test")]),
        )
        .unwrap();
    let runner = notifier.clone();
    let notifier_task = tokio::spawn(async move { runner.run().await });

    // Evaluation times are explicit and lie in the recent past, so that Alertmanager
    // (which compares endsAt with its own clock) sees the resolution as already over.
    let t0 = (SystemClock.now_ms() / 1000 - 30) * 1000;
    let storage = Arc::new(MemStorage::new());
    append(&storage, "host-1:9100", t0 - 1000, 0.0);
    append(&storage, "host-2:9100", t0 - 1000, 1.0);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let sender: Arc<dyn AlertSender> = notifier.clone();
    let manager = RuleManager::new(
        RuleManagerOptions {
            external_url: "http://promlite.test:9090".into(),
            ..RuleManagerOptions::default()
        },
        RuleManagerDeps {
            sender: Some(sender),
            ..RuleManagerDeps::over_storage(
                storage.clone(),
                Engine::new(EngineOptions::default()),
                ManualClock::new(t0),
            )
        },
    );
    manager.apply(&[rules], &GlobalConfig::default()).unwrap();
    manager.restore_for_state_at(t0);

    // Pending for two evaluations: nothing is sent.
    manager.eval_all_at(t0);
    manager.eval_all_at(t0 + 1000);
    assert_eq!(notifier.metrics().per_alertmanager.len(), 0);
    assert!(alerts(&am, &client).await.is_empty());

    // Fires at t0+2s and is posted.
    manager.eval_all_at(t0 + 2000);
    let got = wait_alerts(&am, &client, "the firing alert", |a| !a.is_empty()).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let alert = &got[0];
    assert_eq!(
        alert["labels"],
        serde_json::json!({
            "alertname": "InstanceDown",
            "cluster": "test",
            "instance": "host-1:9100",
            "job": "node",
            "severity": "page",
        })
    );
    assert_eq!(
        alert["annotations"],
        serde_json::json!({
            "summary": "host-1:9100 is down",
            "value": "0%",
            "fleet": "50% of the fleet is up",
        })
    );
    assert_eq!(
        alert["startsAt"],
        format_time_rfc3339_millis(Some(t0 + 2000))
    );
    assert_eq!(
        alert["generatorURL"],
        "http://promlite.test:9090/graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0&g0.tab=1"
    );
    let state = alert["status"]["state"].as_str().unwrap_or("").to_string();
    assert!(
        matches!(state.as_str(), "active" | "unprocessed"),
        "{state}"
    );

    // Back up: the resolution (endsAt = t0+3s, in the past) makes it disappear.
    append(&storage, "host-1:9100", t0 + 2500, 1.0);
    manager.eval_all_at(t0 + 3000);
    wait_alerts(&am, &client, "the alert to resolve", |a| a.is_empty()).await;

    notifier.shutdown().await;
    notifier_task.await.unwrap();
    let m = notifier.metrics();
    let url = format!("http://{}/api/v2/alerts", am.address);
    assert_eq!(m.per_alertmanager[&url].sent_total, 2);
    assert_eq!(m.per_alertmanager[&url].errors_total, 0);
    assert_eq!(m.dropped_total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_are_presented_to_alertmanager() {
    if !Path::new(ALERTMANAGER).exists() {
        eprintln!("skipped: {ALERTMANAGER} is not installed");
        return;
    }
    let am = start_alertmanager(true);
    let client = api_client();
    wait_ready(&am, &client).await;
    let now = SystemClock.now_ms();
    let alert = promlite_rules::NotifierAlert {
        labels: Labels::from_pairs([("alertname", "OverTls")]),
        annotations: Vec::new(),
        starts_at: Some(now),
        ends_at: Some(now + 600_000),
        generator_url: "http://promlite.test/graph".into(),
    };

    // With the client certificate the alert gets through.
    let notifier = Notifier::new(NotifierOptions::default());
    notifier
        .apply_config(&am_config(&am.address, true), &Labels::empty())
        .unwrap();
    notifier.send(vec![alert.clone()]);
    notifier.shutdown().await;
    let url = format!("https://{}/api/v2/alerts", am.address);
    assert_eq!(notifier.metrics().per_alertmanager[&url].sent_total, 1);
    let got = wait_alerts(&am, &client, "the TLS alert", |a| !a.is_empty()).await;
    assert_eq!(got[0]["labels"]["alertname"], "OverTls");

    // Without it the handshake fails and the alert is counted as an error.
    let mut config = am_config(&am.address, true);
    let tls = &mut config.alertmanagers[0].http_client.tls_config;
    tls.cert_file = None;
    tls.key_file = None;
    let notifier = Notifier::new(NotifierOptions::default());
    notifier.apply_config(&config, &Labels::empty()).unwrap();
    notifier.send(vec![alert]);
    notifier.shutdown().await;
    let m = notifier.metrics();
    assert_eq!(m.per_alertmanager[&url].errors_total, 1);
    assert_eq!(m.dropped_total, 1);
}
