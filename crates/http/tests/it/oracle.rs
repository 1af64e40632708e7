//! The differential oracle's API requests (`../shared/oracle/queries.py`, family
//! `api`: series, labels, label values and malformed requests) must get the status and
//! `errorType` Prometheus gives them. Skipped with a message when the shared folder or
//! python3 is not there.

use std::path::PathBuf;
use std::process::Command;

use crate::support::*;

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle")
}

/// The oracle's `fmt_time`: whole seconds without a fraction, else up to 3 decimals.
fn fmt_time(v: &serde_json::Value) -> String {
    let x = v.as_f64().unwrap_or(0.0);
    if x == x.trunc() {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `(path, params)` exactly as the oracle's `request()` builds them.
fn request_of(q: &serde_json::Value) -> (String, Vec<(String, String)>) {
    let kind = q["kind"].as_str().unwrap_or_default();
    let pairs: Vec<(String, String)> = if let Some(params) = q["params"].as_array() {
        params
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap_or_default().to_string(),
                    p[1].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    } else {
        let mut pairs: Vec<(String, String)> = q["match"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|s| {
                        (
                            "match[]".to_string(),
                            s.as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !q["start"].is_null() {
            pairs.push(("start".into(), fmt_time(&q["start"])));
            pairs.push(("end".into(), fmt_time(&q["end"])));
        }
        pairs
    };
    let path = match kind {
        "instant" => "/api/v1/query".to_string(),
        "range" => "/api/v1/query_range".to_string(),
        "series" => "/api/v1/series".to_string(),
        "labels" => "/api/v1/labels".to_string(),
        _ => format!(
            "/api/v1/label/{}/values",
            q["name"].as_str().unwrap_or_default()
        ),
    };
    (path, pairs)
}

#[tokio::test]
async fn oracle_api_requests_get_prometheus_statuses() {
    let dir = oracle_dir();
    if !dir.join("queries.py").exists() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let out = match Command::new("python3")
        .arg("queries.py")
        .arg("--seed")
        .arg("1")
        .current_dir(&dir)
        .output()
    {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => {
            eprintln!(
                "skipped: queries.py failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: python3 not available: {e}");
            return;
        }
    };
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out).expect("queries.py prints JSON");
    let api: Vec<&serde_json::Value> = all.iter().filter(|q| q["family"] == "api").collect();
    assert_eq!(api.len(), 53, "the oracle's API family changed size");
    let app = fixture_router();
    let (mut ok, mut errors) = (0, 0);
    for q in api {
        let (path, pairs) = request_of(q);
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let a = match q["method"].as_str() {
            Some("POST") => post(&app, &path, &refs).await,
            _ => get(&app, &path, &refs).await,
        };
        let what = format!("{} {} {:?}", q["method"], path, pairs);
        if q["group"] == "errors" {
            assert_eq!(
                a.error_type(),
                (400, "bad_data".to_string()),
                "{what}: {}",
                a.body
            );
            errors += 1;
        } else {
            assert_eq!(a.status.as_u16(), 200, "{what}: {}", a.body);
            let j = a.json();
            assert_eq!(j["status"], "success", "{what}");
            assert!(j["data"].is_array(), "{what}: {}", a.body);
            ok += 1;
        }
    }
    assert_eq!((ok, errors), (41, 12));
}
