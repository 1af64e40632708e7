//! Against real servers from Debian: VictoriaMetrics (`/usr/bin/victoria-metrics`) and
//! Prometheus 2.42's receiver (`/usr/bin/prometheus --web.enable-remote-write-receiver`).
//! Each test prints why and returns when its binary is absent.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use promlite_model::{Clock, Labels, SystemClock};
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
    let (_vm, port) = start_victoria_metrics(bin, dir.path(), &[]);
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

    // VictoriaMetrics makes fresh samples searchable after a flush; ask for it now.
    let _ = local_client()
        .get(format!("{base}/internal/force_flush"))
        .send()
        .await;
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

/// Starts VictoriaMetrics on a free port with `extra` flags.
fn start_victoria_metrics(bin: &str, data: &Path, extra: &[String]) -> (Server, u16) {
    let port = free_port();
    let server = Server(
        Command::new(bin)
            .arg(format!("-storageDataPath={}", data.join("vm").display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg("-retentionPeriod=100y")
            .arg("-search.disableCache")
            .arg("-search.latencyOffset=0s")
            .arg("-loggerLevel=ERROR")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start victoria-metrics"),
    );
    (server, port)
}

/// Runs `openssl` with `args` in `dir`; false when it is missing or fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A test CA and a server certificate for 127.0.0.1 signed by it, made with the
/// `openssl` command (rustls refuses a self-signed CA certificate as a server's), as
/// `(ca.pem, server.pem, server.key)`; `None` (with a message) when openssl is missing.
fn test_certificates(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let ok = std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .is_ok()
        && openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=promlite test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        )
        && openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
        )
        && openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                "server.ext",
                "-out",
                "server.pem",
            ],
        );
    if !ok {
        println!("skipped: openssl could not make test certificates");
        return None;
    }
    Some((
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn victoria_metrics_over_tls_with_basic_auth() {
    let Some(bin) = binary("/usr/bin/victoria-metrics") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some((ca_file, cert, key)) = test_certificates(dir.path()) else {
        return;
    };
    let (_vm, port) = start_victoria_metrics(
        bin,
        dir.path(),
        &[
            "-tls".into(),
            format!("-tlsCertFile={}", cert.display()),
            format!("-tlsKeyFile={}", key.display()),
            "-httpAuth.username=promlite".into(),
            "-httpAuth.password=pw".into(),
        ],
    );
    let base = format!("https://127.0.0.1:{port}");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca_file).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let mut ready = false;
    for _ in 0..300 {
        let r = client.get(format!("{base}/health")).send().await;
        if r.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "victoria-metrics with TLS never became ready");

    let m = manager();
    let url = format!("{base}/api/v1/write");
    let tls = format!(
        "{FAST_QUEUE}    name: tls\n    basic_auth:\n      username: promlite\n      password: pw\n    tls_config:\n      ca_file: {}\n",
        ca_file.display()
    );
    // Without the CA the handshake fails (a recoverable error: retried, never sent).
    let untrusted = format!("{FAST_QUEUE}    name: untrusted\n    basic_auth:\n      username: promlite\n      password: pw\n");
    // A wrong password is a 401: dropped as failed, not retried.
    let wrong_password = format!(
        "{FAST_QUEUE}    name: wrong\n    basic_auth:\n      username: promlite\n      password: nope\n    tls_config:\n      insecure_skip_verify: true\n"
    );
    m.apply_config(
        &[
            remote(&url, &tls),
            remote(&url, &untrusted),
            remote(&url, &wrong_password),
        ],
        &Labels::empty(),
    )
    .unwrap();
    let now = SystemClock.now_ms();
    m.append(now_samples("promlite_vm_tls_test", 3, now));
    crate::support::wait_until("tls sent, wrong password failed, untrusted retried", || {
        let q = m.metrics().queues;
        q[0].samples_total == 3 && q[2].samples_failed_total == 3 && q[1].samples_retried_total >= 3
    })
    .await;
    let q = m.metrics().queues;
    assert_eq!((q[1].samples_total, q[2].samples_total), (0, 0));
    m.shutdown(Duration::from_millis(300)).await;

    let _ = client
        .get(format!("{base}/internal/force_flush"))
        .basic_auth("promlite", Some("pw"))
        .send()
        .await;
    let mut lines = 0;
    for _ in 0..100 {
        let body = client
            .get(format!("{base}/api/v1/export?match[]=promlite_vm_tls_test"))
            .basic_auth("promlite", Some("pw"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        lines = body.lines().count();
        if lines == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(lines, 3, "three series arrived over TLS");
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
