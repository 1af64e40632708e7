//! Notifier: Alertmanagers discovered from `file_sd_configs`, queued alerts sent on
//! shutdown within the drain deadline, and TLS client certificates.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use promlite_config::{AlertingConfig, AlertmanagerConfig, FileSdConfig, Secret};
use promlite_model::Labels;
use promlite_rules::{AlertSender, Notifier, NotifierOptions, META_FILEPATH_LABEL};

use crate::notifier::{alert, config, fake_alertmanager, wait_for};

fn file_sd_config(pattern: PathBuf) -> AlertingConfig {
    AlertingConfig {
        alert_relabel_configs: Vec::new(),
        alertmanagers: vec![AlertmanagerConfig {
            file_sd_configs: vec![FileSdConfig {
                files: vec![pattern],
                refresh_interval: Duration::from_millis(50),
            }],
            path_prefix: "/prefix".into(),
            ..AlertmanagerConfig::default()
        }],
    }
}

#[tokio::test]
async fn alertmanagers_come_from_target_files_and_follow_changes() {
    let (addr, received) = fake_alertmanager().await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("am.json");
    std::fs::write(&json, format!(r#"[{{"targets": ["{addr}"]}}]"#)).unwrap();
    let notifier = Notifier::new(NotifierOptions::default());
    notifier
        .apply_config(&file_sd_config(dir.path().join("*.json")), &Labels::empty())
        .unwrap();
    let url = format!("http://{addr}/prefix/api/v2/alerts");
    assert_eq!(notifier.alertmanager_urls(), std::slice::from_ref(&url));
    assert_eq!(notifier.metrics().alertmanagers_discovered, 1);

    let runner = notifier.clone();
    let task = tokio::spawn(async move { runner.run().await });
    notifier.send(vec![alert("FromFile", None)]);
    wait_for(&received, 1).await;
    assert_eq!(received.lock()[0][0]["labels"]["alertname"], "FromFile");

    // A second file with the same target adds nothing (URLs are deduplicated), a new
    // target is picked up by the periodic refresh.
    std::fs::write(
        dir.path().join("more.json"),
        format!(r#"[{{"targets": ["{addr}", "127.0.0.1:1"]}}]"#),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while notifier.alertmanager_urls().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            notifier.alertmanager_urls()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        notifier.alertmanager_urls(),
        [url, "http://127.0.0.1:1/prefix/api/v2/alerts".to_string()]
    );
    std::fs::remove_file(&json).unwrap();
    std::fs::remove_file(dir.path().join("more.json")).unwrap();
    notifier.refresh_discovery();
    assert!(notifier.alertmanager_urls().is_empty());
    notifier.stop();
    task.await.unwrap();
}

#[tokio::test]
async fn relabeling_sees_the_file_path_label() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("am.yml"), "- targets: ['am-1:9093']\n").unwrap();
    std::fs::write(dir.path().join("other.yml"), "- targets: ['am-2:9093']\n").unwrap();
    let mut cfg = file_sd_config(dir.path().join("*.yml"));
    let relabel = promlite_config::RelabelConfig {
        source_labels: vec![META_FILEPATH_LABEL.into()],
        regex: promlite_config::RelabelRegex::new(".*/am\\.yml").unwrap(),
        action: promlite_config::RelabelAction::Keep,
        ..promlite_config::RelabelConfig::default()
    };
    cfg.alertmanagers[0].relabel_configs = vec![relabel];
    let notifier = Notifier::new(NotifierOptions::default());
    notifier.apply_config(&cfg, &Labels::empty()).unwrap();
    assert_eq!(
        notifier.alertmanager_urls(),
        ["http://am-1:9093/prefix/api/v2/alerts"]
    );
}

#[tokio::test]
async fn shutdown_sends_what_is_queued() {
    let (addr, received) = fake_alertmanager().await;
    let notifier = Notifier::new(NotifierOptions::default());
    notifier
        .apply_config(&config(&addr, Vec::new()), &Labels::empty())
        .unwrap();
    // Queued before run starts; shutdown drains it without a runner.
    notifier.send(vec![alert("A", None), alert("B", None)]);
    notifier.shutdown().await;
    assert_eq!(received.lock().len(), 1);
    assert_eq!(received.lock()[0].as_array().unwrap().len(), 2);
    assert_eq!(notifier.metrics().dropped_total, 0);
    // Nothing is accepted after stop.
    notifier.send(vec![alert("C", None)]);
    assert_eq!(notifier.metrics().queue_length, 0);

    // With a runner: everything sent before shutdown arrives.
    let (addr, received) = fake_alertmanager().await;
    let notifier = Notifier::new(NotifierOptions {
        max_batch_size: 2,
        ..NotifierOptions::default()
    });
    notifier
        .apply_config(&config(&addr, Vec::new()), &Labels::empty())
        .unwrap();
    let runner = notifier.clone();
    let task = tokio::spawn(async move { runner.run().await });
    for i in 0..7 {
        notifier.send(vec![alert(&format!("R{i}"), None)]);
    }
    notifier.shutdown().await;
    task.await.unwrap();
    let total: usize = received
        .lock()
        .iter()
        .map(|b| b.as_array().unwrap().len())
        .sum();
    assert_eq!(total, 7);
}

#[tokio::test]
async fn drain_gives_up_at_its_deadline() {
    // Accepts connections but never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let notifier = Notifier::new(NotifierOptions {
        drain_timeout: Duration::from_millis(300),
        ..NotifierOptions::default()
    });
    notifier
        .apply_config(&config(&addr, Vec::new()), &Labels::empty())
        .unwrap();
    notifier.send(vec![alert("A", None), alert("B", None), alert("C", None)]);
    let started = Instant::now();
    notifier.shutdown().await;
    // Well under the 10s Alertmanager timeout.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(notifier.metrics().dropped_total, 3);
    assert_eq!(notifier.metrics().queue_length, 0);

    // Draining off: dropped at once.
    let notifier = Notifier::new(NotifierOptions {
        drain_on_shutdown: false,
        ..NotifierOptions::default()
    });
    notifier
        .apply_config(&config(&addr, Vec::new()), &Labels::empty())
        .unwrap();
    notifier.send(vec![alert("A", None)]);
    notifier.shutdown().await;
    assert_eq!(notifier.metrics().dropped_total, 1);
}

fn tls_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules/tls")
}

#[test]
fn client_certificates_are_loaded_or_rejected() {
    let with_tls = |f: &dyn Fn(&mut promlite_config::TlsConfig)| {
        let mut cfg = config("127.0.0.1:9093", Vec::new());
        f(&mut cfg.alertmanagers[0].http_client.tls_config);
        Notifier::new(NotifierOptions::default()).apply_config(&cfg, &Labels::empty())
    };
    let dir = tls_dir();
    with_tls(&|t| {
        t.ca_file = Some(dir.join("ca.crt"));
        t.cert_file = Some(dir.join("client.crt"));
        t.key_file = Some(dir.join("client.key"));
    })
    .unwrap();
    let key = std::fs::read_to_string(dir.join("client.key")).unwrap();
    let cert = std::fs::read_to_string(dir.join("client.crt")).unwrap();
    with_tls(&|t| {
        t.cert = Some(cert.clone());
        t.key = Some(Secret::new(key.clone()));
    })
    .unwrap();
    let err = with_tls(&|t| t.cert_file = Some(dir.join("client.crt"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "client cert and key must be configured together"
    );
    let err = with_tls(&|t| {
        t.cert = Some("not a certificate".into());
        t.key = Some(Secret::new("nor a key"));
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unable to use specified client cert and key"),
        "{err}"
    );
    let err = with_tls(&|t| t.ca_file = Some(dir.join("missing.crt"))).unwrap_err();
    assert!(err.to_string().starts_with("unable to read "), "{err}");
}
