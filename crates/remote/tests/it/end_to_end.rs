//! Sender → HTTP → receiver → `MemStorage`, through a real socket.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use promlite_model::{Labels, Matcher, SystemClock, STALE_NAN};
use promlite_remote::{Fanout, RemoteWriteReceiver};
use promlite_storage::{collect_samples, Appendable, MemStorage, Queryable, SelectHints};

use crate::support::{labels, manager, remote, wait_until, FAST_QUEUE};

async fn write(
    State(r): State<Arc<RemoteWriteReceiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (axum::http::StatusCode, String) {
    let resp = r.handle(&headers, &body);
    (resp.status, resp.body)
}

async fn start_receiver(db: MemStorage) -> String {
    let r = Arc::new(RemoteWriteReceiver::new(
        Arc::new(db),
        Arc::new(SystemClock),
    ));
    let app = Router::new()
        .route("/api/v1/write", post(write))
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/api/v1/write")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_appended_locally_arrive_in_the_remote_storage() {
    let remote_db = MemStorage::new();
    let url = start_receiver(remote_db.clone()).await;
    let m = manager();
    let extra = format!("{FAST_QUEUE}      max_samples_per_send: 100\n      min_shards: 3\n");
    m.apply_config(&[remote(&url, &extra)], &labels(&[("cluster", "edge")]))
        .unwrap();
    let local = MemStorage::new();
    let fanout = Fanout::new(local.clone(), m.clone());
    let now = 1_700_000_000_000;
    for step in 0..10 {
        let mut app = fanout.appender();
        for s in 0..50 {
            let l = labels(&[("__name__", "e2e"), ("series", &s.to_string())]);
            let v = if step == 9 && s == 0 {
                STALE_NAN
            } else {
                step as f64
            };
            app.append(None, &l, now + step * 1000, v).unwrap();
        }
        app.commit().unwrap();
    }
    wait_until("500 samples remotely", || remote_db.num_samples() == 500).await;
    assert_eq!(local.num_samples(), 500);
    let q = remote_db.querier(i64::MIN, i64::MAX).unwrap();
    let set = q
        .select(
            &[Matcher::equal("series", "0")],
            &SelectHints::range(i64::MIN, i64::MAX),
        )
        .unwrap();
    let got = collect_samples(set, i64::MIN, i64::MAX).unwrap();
    assert_eq!(got.len(), 1);
    let (l, samples): &(Labels, _) = &got[0];
    assert_eq!(
        l.to_string(),
        r#"{__name__="e2e", cluster="edge", series="0"}"#
    );
    assert_eq!(samples.len(), 10);
    assert!(
        promlite_model::is_stale_nan(samples[9].v),
        "stale markers survive the trip"
    );
    let qm = m.metrics().queues.remove(0);
    assert_eq!(qm.shards, 3);
    wait_until("counters settle", || {
        m.metrics().queues[0].samples_total == 500
    })
    .await;
    m.shutdown(Duration::from_secs(2)).await;
}
