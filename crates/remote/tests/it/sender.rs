//! The sender against a fake remote: batching, headers, retries, drops, relabeling,
//! external labels, auth, capacity, reloads, shutdown and metadata.

use std::sync::Arc;
use std::time::Duration;

use promlite_model::{Labels, Metadata, MetricType};
use promlite_remote::{CommittedSample, Fanout, RemoteWriteManager};
use promlite_storage::{Appendable, MemStorage};

use crate::support::{labels, manager, remote, wait_until, FakeRemote, FAST_QUEUE};

fn samples(series: usize, per_series: usize, t0: i64) -> Vec<CommittedSample> {
    let mut out = Vec::new();
    for t in 0..per_series {
        for s in 0..series {
            out.push(CommittedSample {
                labels: labels(&[("__name__", "m"), ("s", &s.to_string())]),
                t: t0 + t as i64,
                v: t as f64,
            });
        }
    }
    out
}

fn queue_metrics(m: &RemoteWriteManager) -> promlite_remote::QueueMetricsSnapshot {
    m.metrics().queues.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_by_size_and_deadline_with_protocol_headers() {
    let fake = FakeRemote::start(&[]).await;
    let m = manager();
    let extra =
        "    queue_config:\n      max_samples_per_send: 10\n      batch_send_deadline: 200ms\n";
    m.apply_config(&[remote(&fake.url, extra)], &Labels::empty())
        .unwrap();
    m.append(samples(5, 5, 1000)); // 25 samples
    fake.wait_for("25 samples", |r| {
        r.iter().map(|x| x.sample_count()).sum::<usize>() == 25
    })
    .await;
    let reqs = fake.requests();
    let sizes: Vec<usize> = reqs.iter().map(|r| r.sample_count()).collect();
    assert_eq!(
        sizes,
        [10, 10, 5],
        "two full batches, then the deadline flushes the rest"
    );
    let r = &reqs[0];
    assert_eq!(r.header("content-encoding"), "snappy");
    assert_eq!(r.header("content-type"), "application/x-protobuf");
    assert_eq!(r.header("x-prometheus-remote-write-version"), "0.1.0");
    assert!(
        r.header("user-agent").starts_with("promlite/"),
        "{}",
        r.header("user-agent")
    );
    // Each series' samples arrive in time order.
    let mut seen: std::collections::HashMap<Vec<u8>, i64> = Default::default();
    for req in &reqs {
        for ts in &req.request.timeseries {
            let key = ts
                .labels
                .iter()
                .flat_map(|l| l.value.clone())
                .collect::<Vec<u8>>();
            for s in &ts.samples {
                let last = seen.insert(key.clone(), s.timestamp).unwrap_or(i64::MIN);
                assert!(s.timestamp > last, "series out of order");
            }
        }
    }
    wait_until("pending drains", || queue_metrics(&m).samples_pending == 0).await;
    let q = queue_metrics(&m);
    assert_eq!(q.samples_total, 25);
    assert_eq!(q.queue_highest_sent_timestamp_seconds, 1.004);
    assert_eq!(m.metrics().highest_timestamp_in_seconds, 1.004);
    assert_eq!(m.metrics().samples_in_total, 25);
    assert!(q.bytes_total > 0);
    assert_eq!(q.shards, 1);
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_server_errors_with_the_same_body() {
    let fake = FakeRemote::start(&[500, 503]).await;
    let m = manager();
    m.apply_config(&[remote(&fake.url, FAST_QUEUE)], &Labels::empty())
        .unwrap();
    m.append(samples(2, 3, 0));
    fake.wait_for("three attempts", |r| r.len() == 3).await;
    let reqs = fake.requests();
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(reqs[1].body, reqs[2].body);
    wait_until("sent", || queue_metrics(&m).samples_total == 6).await;
    let q = queue_metrics(&m);
    assert_eq!(q.samples_retried_total, 12, "6 samples retried twice");
    assert_eq!(q.samples_failed_total, 0);
    assert_eq!(q.samples_pending, 0);
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_drop_the_batch_and_429_retries_only_when_asked() {
    let fake = FakeRemote::start(&[400, 429]).await;
    let m = manager();
    m.apply_config(&[remote(&fake.url, FAST_QUEUE)], &Labels::empty())
        .unwrap();
    m.append(samples(1, 4, 0));
    wait_until("400 counted", || {
        queue_metrics(&m).samples_failed_total == 4
    })
    .await;
    m.append(samples(1, 3, 100));
    wait_until("429 counted", || {
        queue_metrics(&m).samples_failed_total == 7
    })
    .await;
    assert_eq!(fake.requests().len(), 2, "neither was retried");
    assert_eq!(queue_metrics(&m).samples_retried_total, 0);

    let fake = FakeRemote::start(&[429]).await;
    let extra = format!("{FAST_QUEUE}      retry_on_http_429: true\n");
    m.apply_config(&[remote(&fake.url, &extra)], &Labels::empty())
        .unwrap();
    m.append(samples(1, 2, 200));
    wait_until("sent after 429", || queue_metrics(&m).samples_total == 2).await;
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(queue_metrics(&m).samples_retried_total, 2);
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_relabeling_and_external_labels() {
    let fake = FakeRemote::start(&[]).await;
    let m = manager();
    let extra = format!(
        "{FAST_QUEUE}    write_relabel_configs:\n      - source_labels: [__name__]\n        regex: drop_me\n        action: drop\n      - regex: secret\n        action: labeldrop\n"
    );
    let external = labels(&[("cluster", "c1"), ("replica", "a")]);
    m.apply_config(&[remote(&fake.url, &extra)], &external)
        .unwrap();
    m.append(vec![
        CommittedSample {
            labels: labels(&[("__name__", "keep"), ("secret", "x")]),
            t: 1,
            v: 1.0,
        },
        CommittedSample {
            labels: labels(&[("__name__", "drop_me")]),
            t: 1,
            v: 1.0,
        },
        CommittedSample {
            labels: labels(&[("__name__", "own"), ("cluster", "mine")]),
            t: 1,
            v: 2.0,
        },
    ]);
    fake.wait_for("two series", |r| {
        r.iter().map(|x| x.sample_count()).sum::<usize>() == 2
    })
    .await;
    let mut got: Vec<Labels> = fake
        .requests()
        .iter()
        .flat_map(|r| r.request.timeseries.clone())
        .map(|ts| {
            Labels::from_pairs(ts.labels.iter().map(|l| {
                (
                    String::from_utf8(l.name.clone()).unwrap(),
                    String::from_utf8(l.value.clone()).unwrap(),
                )
            }))
        })
        .collect();
    got.sort();
    let want = [
        r#"{__name__="keep", cluster="c1", replica="a"}"#,
        r#"{__name__="own", cluster="mine", replica="a"}"#,
    ];
    assert_eq!(got.iter().map(|l| l.to_string()).collect::<Vec<_>>(), want);
    wait_until("dropped counted", || {
        queue_metrics(&m).samples_dropped_total == 1
    })
    .await;
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_and_custom_headers_are_sent() {
    let fake = FakeRemote::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cr3t\n").unwrap();
    let basic = remote(
        &fake.url,
        &format!("{FAST_QUEUE}    name: basic\n    basic_auth:\n      username: alice\n      password: pw\n    headers:\n      X-Scope-OrgID: tenant-1\n"),
    );
    let bearer = remote(
        &fake.url,
        &format!(
            "{FAST_QUEUE}    name: bearer\n    authorization:\n      credentials_file: {}\n",
            token.display()
        ),
    );
    let m = manager();
    m.apply_config(&[basic, bearer], &Labels::empty()).unwrap();
    m.append(samples(1, 1, 0));
    fake.wait_for("both remotes", |r| r.len() == 2).await;
    let reqs = fake.requests();
    let auths: std::collections::BTreeSet<&str> =
        reqs.iter().map(|r| r.header("authorization")).collect();
    // "alice:pw" in base64.
    assert!(auths.contains("Basic YWxpY2U6cHc="), "{auths:?}");
    assert!(auths.contains("Bearer s3cr3t"), "{auths:?}");
    let with_tenant: Vec<_> = reqs
        .iter()
        .filter(|r| r.header("x-scope-orgid") == "tenant-1")
        .collect();
    assert_eq!(with_tenant.len(), 1);
    assert_eq!(with_tenant[0].header("authorization"), "Basic YWxpY2U6cHc=");
    let names: Vec<String> = m
        .metrics()
        .queues
        .iter()
        .map(|q| q.remote_name.clone())
        .collect();
    assert_eq!(names, ["basic", "bearer"]);
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_remote_bounds_memory_and_shutdown_gives_up_at_the_deadline() {
    // Always 500: nothing is ever sent.
    let fake = FakeRemote::start(&[500; 10_000]).await;
    let m = manager();
    let extra = "    queue_config:\n      capacity: 10\n      max_shards: 2\n      max_samples_per_send: 5\n      batch_send_deadline: 10ms\n      min_backoff: 10ms\n      max_backoff: 10ms\n";
    m.apply_config(&[remote(&fake.url, extra)], &Labels::empty())
        .unwrap();
    for i in 0..10 {
        m.append(samples(1, 8, i * 100));
    }
    let q = queue_metrics(&m);
    assert!(
        q.samples_pending <= 20,
        "pending {} over capacity × max_shards",
        q.samples_pending
    );
    assert_eq!(q.samples_pending + q.samples_dropped_total, 80);
    fake.wait_for("retries", |r| r.len() >= 3).await;
    m.shutdown(Duration::from_millis(200)).await;
    assert!(m.metrics().queues.is_empty());
    // After shutdown nothing is accepted or counted.
    m.append(samples(1, 1, 10_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_flushes_what_is_queued() {
    let fake = FakeRemote::start(&[]).await;
    let m = manager();
    let extra = "    queue_config:\n      batch_send_deadline: 1h\n";
    m.apply_config(&[remote(&fake.url, extra)], &Labels::empty())
        .unwrap();
    m.append(samples(3, 2, 0));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(fake.total_samples(), 0, "the deadline has not passed");
    m.shutdown(Duration::from_secs(5)).await;
    assert_eq!(fake.total_samples(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_keeps_unchanged_queues_and_replaces_changed_ones() {
    let a = FakeRemote::start(&[]).await;
    let b = FakeRemote::start(&[]).await;
    let m = manager();
    let ra = remote(&a.url, &format!("{FAST_QUEUE}    name: a\n"));
    let rb = remote(&b.url, &format!("{FAST_QUEUE}    name: b\n"));
    m.apply_config(&[ra.clone(), rb.clone()], &Labels::empty())
        .unwrap();
    m.append(samples(1, 3, 0));
    wait_until("both sent", || {
        m.metrics().queues.iter().all(|q| q.samples_total == 3)
    })
    .await;

    // Same settings for a, changed for b: a keeps its counters, b starts from zero.
    let mut rb2 = rb.clone();
    rb2.queue_config.max_samples_per_send = 7;
    m.apply_config(&[ra.clone(), rb2], &Labels::empty())
        .unwrap();
    let q = m.metrics().queues;
    assert_eq!((q[0].remote_name.as_str(), q[0].samples_total), ("a", 3));
    assert_eq!((q[1].remote_name.as_str(), q[1].samples_total), ("b", 0));
    assert_eq!(q[1].max_samples_per_send, 7);

    // New external labels change every queue.
    m.apply_config(std::slice::from_ref(&ra), &labels(&[("dc", "x")]))
        .unwrap();
    assert_eq!(m.metrics().queues[0].samples_total, 0);
    m.append(samples(1, 1, 50));
    a.wait_for("external label", |r| {
        r.iter().any(|x| {
            x.request
                .timeseries
                .iter()
                .any(|t| t.labels.iter().any(|l| l.name == b"dc"))
        })
    })
    .await;

    // Duplicates are refused and change nothing.
    let e = m
        .apply_config(&[ra.clone(), ra.clone()], &Labels::empty())
        .unwrap_err();
    assert!(
        e.to_string().contains("duplicate remote write configs"),
        "{e}"
    );
    assert_eq!(m.metrics().queues.len(), 1);
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_forwards_committed_samples_and_metadata_only() {
    let fake = FakeRemote::start(&[]).await;
    let m = manager();
    let extra = format!("{FAST_QUEUE}    metadata_config:\n      send_interval: 100ms\n");
    m.apply_config(&[remote(&fake.url, &extra)], &Labels::empty())
        .unwrap();
    let db = MemStorage::new();
    let fanout = Fanout::new(db.clone(), m.clone());
    let up = labels(&[("__name__", "up"), ("job", "j")]);

    let mut app = fanout.appender();
    app.append(None, &up, 1, 1.0).unwrap();
    app.rollback().unwrap();
    app.append(None, &up, 2, 1.0).unwrap();
    assert!(
        app.append(None, &up, 1, 1.0).is_err(),
        "out of order is refused and not forwarded"
    );
    app.update_metadata(
        &up,
        &Metadata {
            metric_type: MetricType::Gauge,
            help: "Target up.".into(),
            unit: String::new(),
        },
    )
    .unwrap();
    app.commit().unwrap();
    assert_eq!(db.num_samples(), 1);

    fake.wait_for("sample and metadata", |r| {
        r.iter().map(|x| x.sample_count()).sum::<usize>() == 1
            && r.iter().any(|x| !x.request.metadata.is_empty())
    })
    .await;
    let reqs = fake.requests();
    let sample_req = reqs.iter().find(|r| r.sample_count() == 1).unwrap();
    assert_eq!(sample_req.request.timeseries[0].samples[0].timestamp, 2);
    let meta = &reqs
        .iter()
        .find(|r| !r.request.metadata.is_empty())
        .unwrap()
        .request
        .metadata[0];
    assert_eq!(meta.metric_family_name, "up");
    assert_eq!(meta.help, "Target up.");
    assert_eq!(meta.metric_type, 2);
    wait_until("metadata counted", || queue_metrics(&m).metadata_total >= 1).await;
    m.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_remotes_means_nothing_is_buffered() {
    let m = Arc::new(RemoteWriteManager::new(
        tokio::runtime::Handle::current(),
        Arc::new(promlite_model::SystemClock),
    ));
    assert!(!m.is_active());
    let fanout = Fanout::new(MemStorage::new(), m.clone());
    let mut app = fanout.appender();
    app.append(None, &labels(&[("__name__", "x")]), 1, 1.0)
        .unwrap();
    app.commit().unwrap();
    assert_eq!(m.metrics().samples_in_total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_remote_gets_more_shards_and_order_per_series_holds() {
    // 10 samples per request, 10 ms per request: one shard sends ~1000 samples/s.
    let fake = FakeRemote::start_slow(&[], Duration::from_millis(10)).await;
    let m = Arc::new(
        RemoteWriteManager::new(
            tokio::runtime::Handle::current(),
            Arc::new(promlite_model::SystemClock),
        )
        .with_reshard_interval(Duration::from_millis(200)),
    );
    // capacity 500: each shard buffers 500 samples; 500 × 4 shards hold the whole commit.
    let extra = "    queue_config:\n      capacity: 500\n      max_samples_per_send: 10\n      max_shards: 4\n      batch_send_deadline: 20ms\n";
    m.apply_config(&[remote(&fake.url, extra)], &Labels::empty())
        .unwrap();
    assert_eq!(queue_metrics(&m).shards, 1);
    m.append(samples(20, 100, 0)); // 2000 samples, 2 s of work for one shard
    wait_until("resharded to 4", || queue_metrics(&m).shards == 4).await;
    assert_eq!(queue_metrics(&m).shards_desired, 4);
    fake.wait_for("all 2000", |r| {
        r.iter().map(|x| x.sample_count()).sum::<usize>() == 2000
    })
    .await;
    let mut last: std::collections::HashMap<Vec<u8>, i64> = Default::default();
    for req in fake.requests() {
        for ts in &req.request.timeseries {
            let key: Vec<u8> = ts.labels.iter().flat_map(|l| l.value.clone()).collect();
            for s in &ts.samples {
                let prev = last.insert(key.clone(), s.timestamp).unwrap_or(i64::MIN);
                assert!(s.timestamp > prev, "out of order across a reshard");
            }
        }
    }
    assert_eq!(last.len(), 20);
    m.shutdown(Duration::from_secs(1)).await;
}
