//! The notifier against a fake Alertmanager on 127.0.0.1 that records POSTs.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use parking_lot::Mutex;
use promlite_config::{AlertingConfig, AlertmanagerConfig, RelabelConfig, StaticConfig};
use promlite_model::Labels;
use promlite_rules::{AlertSender, Notifier, NotifierAlert, NotifierOptions};

pub(crate) type Received = Arc<Mutex<Vec<serde_json::Value>>>;

pub(crate) async fn fake_alertmanager() -> (String, Received) {
    let received: Received = Arc::default();
    let r = received.clone();
    let app = Router::new().route(
        "/prefix/api/v2/alerts",
        post(move |body: String| {
            let r = r.clone();
            async move {
                r.lock().push(serde_json::from_str(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr.to_string(), received)
}

pub(crate) fn alert(name: &str, ends_at: Option<i64>) -> NotifierAlert {
    NotifierAlert {
        labels: Labels::from_pairs([("alertname", name), ("severity", "page")]),
        annotations: vec![("summary".into(), format!("{name} is bad"))],
        starts_at: Some(1_700_000_000_000),
        ends_at,
        generator_url: "http://prom/graph".into(),
    }
}

pub(crate) fn config(addr: &str, relabel: Vec<RelabelConfig>) -> AlertingConfig {
    AlertingConfig {
        alert_relabel_configs: relabel,
        alertmanagers: vec![AlertmanagerConfig {
            static_configs: vec![StaticConfig {
                targets: vec![addr.to_string()],
                labels: Labels::empty(),
                line: Default::default(),
            }],
            path_prefix: "/prefix".into(),
            ..AlertmanagerConfig::default()
        }],
    }
}

pub(crate) async fn wait_for(received: &Received, n: usize) {
    for _ in 0..200 {
        if received.lock().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "fake Alertmanager got {} posts, wanted {n}",
        received.lock().len()
    );
}

#[tokio::test]
async fn sends_relabels_and_counts() {
    let (addr, received) = fake_alertmanager().await;
    let notifier = Notifier::new(NotifierOptions::default());
    let drop_info = promlite_config::Config::from_yaml_str(
        "alerting:\n  alert_relabel_configs:\n    - source_labels: [severity]\n      regex: info\n      action: drop\n",
        ".",
    )
    .unwrap()
    .alerting
    .alert_relabel_configs;
    notifier
        .apply_config(
            &config(&addr, drop_info),
            &Labels::from_pairs([("cluster", "eu1")]),
        )
        .unwrap();
    let runner = notifier.clone();
    let task = tokio::spawn(async move { runner.run().await });

    let mut info = alert("Info", None);
    info.labels = Labels::from_pairs([("alertname", "Info"), ("severity", "info")]);
    notifier.send(vec![alert("Down", None), info]);
    wait_for(&received, 1).await;
    // Resolution is sent with endsAt.
    notifier.send(vec![alert("Down", Some(1_700_000_060_000))]);
    wait_for(&received, 2).await;
    {
        let got = received.lock();
        let first = got[0].as_array().unwrap();
        assert_eq!(first.len(), 1, "the info alert is dropped by relabeling");
        assert_eq!(first[0]["labels"]["cluster"], "eu1");
        assert_eq!(first[0]["labels"]["alertname"], "Down");
        assert_eq!(first[0]["annotations"]["summary"], "Down is bad");
        assert_eq!(first[0]["startsAt"], "2023-11-14T22:13:20.000Z");
        assert_eq!(first[0]["endsAt"], "0001-01-01T00:00:00.000Z");
        assert_eq!(first[0]["generatorURL"], "http://prom/graph");
        assert_eq!(got[1][0]["endsAt"], "2023-11-14T22:14:20.000Z");
    }
    let m = notifier.metrics();
    let url = format!("http://{addr}/prefix/api/v2/alerts");
    assert_eq!(notifier.alertmanager_urls(), vec![url.clone()]);
    assert_eq!(m.per_alertmanager[&url].sent_total, 2);
    assert_eq!(m.alertmanagers_discovered, 1);
    assert_eq!(m.dropped_total, 0);
    notifier.stop();
    task.await.unwrap();
}

#[tokio::test]
async fn full_queue_drops_oldest_and_unreachable_counts_errors() {
    let notifier = Notifier::new(NotifierOptions {
        queue_capacity: 3,
        max_batch_size: 256,
        ..NotifierOptions::default()
    });
    // Nothing listens on this port (bound then closed).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    notifier
        .apply_config(&config(&addr, Vec::new()), &Labels::empty())
        .unwrap();
    notifier.send((0..5).map(|i| alert(&format!("A{i}"), None)).collect());
    let m = notifier.metrics();
    assert_eq!(m.dropped_total, 2);
    assert_eq!(m.queue_length, 3);
    assert_eq!(m.queue_capacity, 3);
    let runner = notifier.clone();
    let task = tokio::spawn(async move { runner.run().await });
    for _ in 0..300 {
        if notifier.metrics().queue_length == 0 && notifier.metrics().dropped_total == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let m = notifier.metrics();
    let url = format!("http://{addr}/prefix/api/v2/alerts");
    assert_eq!(m.per_alertmanager[&url].errors_total, 3);
    assert_eq!(
        m.dropped_total, 5,
        "alerts no Alertmanager took are dropped"
    );
    notifier.stop();
    task.await.unwrap();
}
