//! Against real servers from Debian: VictoriaMetrics (`/usr/bin/victoria-metrics`) and
//! Prometheus 2.42's receiver (`/usr/bin/prometheus --web.enable-remote-write-receiver`).
//! Each test prints why and returns when its binary is absent.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use promlite_model::{Clock, SystemClock};
use promlite_remote::prompb::{labels_to_proto, Sample, TimeSeries, WriteRequest};
use promlite_remote::{encode_write_request, CommittedSample, RemoteWriteReceiver};
use promlite_storage::MemStorage;

use crate::support::{free_port, labels, manager, remote, FAST_QUEUE};

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn binary(path: &str) -> Option<&str> {
    if Path::new(path).exists() {
        Some(path)
    } else {
        println!("skipped: {path} is not installed");
        None
    }
}

/// A client that ignores proxy settings from the environment (the servers are local).
fn local_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client")
}

async fn wait_ready(url: &str) {
    let client = local_client();
    for _ in 0..300 {
        if let Ok(r) = client.get(url).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never became ready");
}

/// Polls `url` (GET) until `accept(body)` holds, up to 20 s; returns the last body.
async fn poll_until(url: &str, accept: impl Fn(&str) -> bool) -> String {
    let client = local_client();
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(url).send().await {
            last = r.text().await.unwrap_or_default();
            if accept(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("condition never held for {url}; last answer: {last}");
}

fn now_samples(name: &str, n: usize, now: i64) -> Vec<CommittedSample> {
    (0..n)
        .map(|i| CommittedSample {
            labels: labels(&[("__name__", name), ("i", &i.to_string())]),
            t: now - 1000 * (n - i) as i64,
            v: i as f64 * 1.5,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victoria_metrics_accepts_our_remote_write() {
    let Some(bin) = binary("/usr/bin/victoria-metrics") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _vm = Server(
        Command::new(bin)
            .arg(format!("-storageDataPath={}", dir.path().display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg("-retentionPeriod=100y")
            .arg("-search.disableCache")
            .arg("-search.latencyOffset=0s")
            .arg("-loggerLevel=ERROR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start victoria-metrics"),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/health")).await;

    let m = manager();
    let extra = format!("{FAST_QUEUE}    name: vm\n");
    m.apply_config(
        &[remote(&format!("{base}/api/v1/write"), &extra)],
        &labels(&[("cluster", "test")]),
    )
    .unwrap();
    let now = SystemClock.now_ms();
    m.append(now_samples("promlite_vm_test", 20, now));
    m.shutdown(Duration::from_secs(10)).await;

    let export = format!("{base}/api/v1/export?match[]=promlite_vm_test");
    let body = poll_until(&export, |b| b.lines().count() == 20).await;
    // Each line is one series: {"metric":{...},"values":[...],"timestamps":[...]}.
    let mut seen = 0;
    for line in body.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["metric"]["cluster"], "test");
        let i: usize = v["metric"]["i"].as_str().unwrap().parse().unwrap();
        assert_eq!(v["values"][0].as_f64().unwrap(), i as f64 * 1.5);
        assert_eq!(
            v["timestamps"][0].as_i64().unwrap(),
            now - 1000 * (20 - i) as i64
        );
        seen += 1;
    }
    assert_eq!(seen, 20);
}

fn raw_request(name: &str, samples: &[(i64, f64)]) -> Vec<u8> {
    encode_write_request(&WriteRequest {
        timeseries: vec![TimeSeries {
            labels: labels_to_proto(&labels(&[("__name__", name)])),
            samples: samples
                .iter()
                .map(|&(timestamp, value)| Sample { value, timestamp })
                .collect(),
            ..TimeSeries::default()
        }],
        metadata: vec![],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_receiver_accepts_our_remote_write_and_answers_like_ours() {
    let Some(bin) = binary("/usr/bin/prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("prometheus.yml");
    std::fs::write(&cfg, "global:\n  scrape_interval: 1h\n").unwrap();
    let port = free_port();
    let _prom = Server(
        Command::new(bin)
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-remote-write-receiver")
            .arg("--log.level=error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/-/ready")).await;

    let m = manager();
    m.apply_config(
        &[remote(&format!("{base}/api/v1/write"), FAST_QUEUE)],
        &labels(&[("cluster", "p")]),
    )
    .unwrap();
    let now = SystemClock.now_ms();
    m.append(now_samples("promlite_prom_test", 5, now));
    m.shutdown(Duration::from_secs(10)).await;
    let q = format!(
        "{base}/api/v1/query?query=count(promlite_prom_test%7Bcluster%3D%22p%22%7D)&time={}",
        now as f64 / 1000.0
    );
    poll_until(&q, |b| b.contains(r#""value":["#) && b.contains(r#","5"]"#)).await;

    // The same bad requests get the same answers from Prometheus and from us.
    let ours = RemoteWriteReceiver::new(Arc::new(MemStorage::new()), Arc::new(SystemClock));
    let client = local_client();
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-protobuf"),
    );
    headers.insert("content-encoding", HeaderValue::from_static("snappy"));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("in order", raw_request("cmp", &[(now - 2000, 1.0)])),
        ("out of order", raw_request("cmp", &[(now - 5000, 1.0)])),
        ("duplicate", raw_request("cmp", &[(now - 2000, 9.0)])),
    ];
    // Not compared: a sample more than 10 minutes ahead is `out of bounds` (400) since
    // Prometheus 3 (its `maxAheadTime`), which promlite follows; Debian's 2.42 accepts it.
    for (what, body) in cases {
        let theirs = client
            .post(format!("{base}/api/v1/write"))
            .header("content-type", "application/x-protobuf")
            .header("content-encoding", "snappy")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = theirs.status().as_u16();
        let text = theirs.text().await.unwrap();
        let mine = ours.handle(&headers, &body);
        println!(
            "{what}: prometheus {status} {text:?}, promlite {} {:?}",
            mine.status, mine.body
        );
        assert_eq!(mine.status.as_u16(), status, "{what}");
        if status != 204 {
            assert_eq!(mine.body, text, "{what}");
        }
    }
}
