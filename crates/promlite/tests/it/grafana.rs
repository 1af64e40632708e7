//! The requests Grafana's Prometheus data source and curl users send, over the socket:
//! POST forms for queries, labels and series, gzip-compressed answers, label values
//! with `match[]`, metadata, exemplars, and curl's unencoded `{`, `"` in the URL.

use std::io::Read;
use std::time::Duration;

use serde_json::Value;

use crate::support::http::{self, encode};
use crate::support::{Promlite, Reply, Start, TargetServer, Workspace};

fn success(r: &http::Response) -> Value {
    let v = r.json();
    assert_eq!(v["status"], "success", "{}: {}", r.status, r.text());
    v["data"].clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn grafana_and_curl_requests() {
    let target = TargetServer::start();
    target.set(
        "/metrics",
        Reply::text("# HELP app_requests_total Requests served.\n# TYPE app_requests_total counter\napp_requests_total{code=\"200\"} 10\napp_requests_total{code=\"500\"} 1\n"),
    );
    let ws = Workspace::new();
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs: [{{targets: [\"{}\"]}}]\n",
        target.addr
    );
    let p = Promlite::start(&ws, Start::config(&config));
    p.wait_for_series("app_requests_total", Duration::from_secs(20));
    let now = Promlite::value(&p.query("timestamp(up)")[0]).ceil();
    let (start, end) = (now - 3600.0, now);
    let form = [("Content-Type", "application/x-www-form-urlencoded")];

    // Health check of the data source.
    assert_eq!(
        success(&p.get("/api/v1/status/buildinfo"))["version"],
        "3.14.0"
    );

    // Instant and range queries as POST forms; the range answer gzip-compressed.
    let body = format!(
        "query={}&time={end}",
        encode("sum by (code) (app_requests_total)")
    );
    let r = http::request(&p.addr, "POST", "/api/v1/query", &form, body.as_bytes()).expect("POST");
    assert_eq!(success(&r)["result"].as_array().map(Vec::len), Some(2));
    let body = format!(
        "query={}&start={start}&end={end}&step=15",
        encode("rate(app_requests_total[1m])")
    );
    let headers = [form[0], ("Accept-Encoding", "gzip")];
    let r = http::request(
        &p.addr,
        "POST",
        "/api/v1/query_range",
        &headers,
        body.as_bytes(),
    )
    .expect("POST");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-encoding"),
        Some("gzip"),
        "{:?}",
        r.headers
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut text)
        .expect("gunzip");
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["status"], "success");
    assert_eq!(v["data"]["resultType"], "matrix");

    // Label names and values for the query editor.
    let body = format!("start={start}&end={end}");
    let r = http::request(&p.addr, "POST", "/api/v1/labels", &form, body.as_bytes()).expect("POST");
    let names = strings(&success(&r));
    for n in ["__name__", "code", "instance", "job"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    let r = p.get(&format!(
        "/api/v1/label/__name__/values?start={start}&end={end}"
    ));
    let metrics = strings(&success(&r));
    assert!(
        metrics.contains(&"app_requests_total".to_string()) && metrics.contains(&"up".to_string())
    );
    let r = p.get(&format!(
        "/api/v1/label/code/values?match%5B%5D={}",
        encode("app_requests_total")
    ));
    assert_eq!(strings(&success(&r)), ["200", "500"]);
    let body = format!(
        "match%5B%5D={}&start={start}&end={end}",
        encode("app_requests_total{code=\"500\"}")
    );
    let r = http::request(&p.addr, "POST", "/api/v1/series", &form, body.as_bytes()).expect("POST");
    let series = success(&r);
    assert_eq!(series.as_array().map(Vec::len), Some(1), "{series}");
    assert_eq!(series[0]["code"], "500");

    // Metadata for the metrics browser; exemplars (none here) answer an empty list.
    let md = success(&p.get("/api/v1/metadata?metric=app_requests_total"));
    assert_eq!(md["app_requests_total"][0]["help"], "Requests served.");
    let body = format!(
        "query={}&start={start}&end={end}",
        encode("app_requests_total")
    );
    let r = http::request(
        &p.addr,
        "POST",
        "/api/v1/query_exemplars",
        &form,
        body.as_bytes(),
    )
    .expect("POST");
    assert_eq!(success(&r), serde_json::json!([]));

    // curl "http://host/api/v1/query?query=up{job="app"}" sends the braces and quotes raw.
    let r = http::get(&p.addr, "/api/v1/query?query=up{job=\"app\"}").expect("GET");
    let result = success(&r)["result"].clone();
    assert_eq!(result[0]["metric"]["job"], "app", "{result}");
    // A syntax error: bad_data with Prometheus's message.
    let r = p.get(&format!("/api/v1/query?query={}", encode("sum(")));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorType"], "bad_data");
}
