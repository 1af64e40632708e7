//! A small client for the Prometheus query API, printing answers the way
//! `promtool query instant|range` does (`metric => value @[timestamp]`).

use std::fmt::Write as _;

use serde_json::Value as Json;

/// Why a client query failed; the text is what promtool prints after `query error: `.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Transport(String),
    #[error("{error_type}: {message}")]
    Api { error_type: String, message: String },
    #[error("unexpected answer: {0}")]
    Decode(String),
}

/// Which query endpoint to call.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientQuery {
    Instant {
        time: Option<String>,
    },
    Range {
        start: Option<String>,
        end: Option<String>,
        step: Option<String>,
    },
}

/// Runs `expr` against the server at `base_url`; returns the answer's `data.result` as
/// JSON (`-o json`) or in promtool's text layout.
pub async fn query(
    base_url: &str,
    expr: &str,
    q: &ClientQuery,
    json_output: bool,
) -> Result<String, ClientError> {
    let base = base_url.trim_end_matches('/');
    let mut form: Vec<(&str, String)> = vec![("query", expr.to_string())];
    let path = match q {
        ClientQuery::Instant { time } => {
            if let Some(t) = time {
                form.push(("time", t.clone()));
            }
            "/api/v1/query"
        }
        ClientQuery::Range { start, end, step } => {
            for (k, v) in [("start", start), ("end", end), ("step", step)] {
                if let Some(v) = v {
                    form.push((k, v.clone()));
                }
            }
            "/api/v1/query_range"
        }
    };
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{base}{path}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let text = resp
        .text()
        .await
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let doc: Json = serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()))?;
    if doc["status"] != "success" {
        return Err(ClientError::Api {
            error_type: doc["errorType"].as_str().unwrap_or("").to_string(),
            message: doc["error"].as_str().unwrap_or("").to_string(),
        });
    }
    let data = &doc["data"];
    if json_output {
        return Ok(go_html_escape(&data["result"].to_string()));
    }
    render(data).ok_or_else(|| ClientError::Decode(data.to_string()))
}

/// Go's `encoding/json` (what promtool prints with) escapes `<`, `>`, `&`, U+2028 and
/// U+2029 in strings; outside strings JSON never holds them, so escaping the whole text
/// is the same.
fn go_html_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn metric_text(m: &Json) -> String {
    let Some(obj) = m.as_object() else {
        return "{}".into();
    };
    let name = obj.get("__name__").and_then(|v| v.as_str()).unwrap_or("");
    let rest: Vec<String> = obj
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}={}", promlite_model::go_quote(v.as_str().unwrap_or(""))))
        .collect();
    format!("{name}{{{}}}", rest.join(", "))
}

fn point_text(p: &Json) -> Option<String> {
    let t = p.get(0)?.as_f64()?;
    let v = p.get(1)?.as_str()?;
    Some(format!("{v} @[{}]", trim_timestamp(t)))
}

/// Go's `model.Time.String()`: seconds with the millisecond fraction, trailing zeros off.
fn trim_timestamp(t: f64) -> String {
    let s = format!("{t:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn render(data: &Json) -> Option<String> {
    let result = &data["result"];
    let mut out = String::new();
    match data["resultType"].as_str()? {
        "vector" => {
            for s in result.as_array()? {
                let _ = writeln!(
                    out,
                    "{} => {}",
                    metric_text(&s["metric"]),
                    point_text(&s["value"])?
                );
            }
        }
        "matrix" => {
            for s in result.as_array()? {
                let _ = writeln!(out, "{} =>", metric_text(&s["metric"]));
                for p in s["values"].as_array()? {
                    let _ = writeln!(out, "{}", point_text(p)?);
                }
            }
        }
        "scalar" => {
            let _ = writeln!(out, "scalar: {}", point_text(result)?);
        }
        "string" => {
            let _ = writeln!(out, "string: {}", point_text(result)?);
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_promtool() {
        let v: Json = serde_json::from_str(
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a","instance":"x:1"},"value":[1795325977.973,"1"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            render(&v).unwrap(),
            "up{instance=\"x:1\", job=\"a\"} => 1 @[1795325977.973]\n"
        );
        let m: Json = serde_json::from_str(
            r#"{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[1795325963,"1"],[1795325978.5,"2"]]}]}"#,
        )
        .unwrap();
        assert_eq!(
            render(&m).unwrap(),
            "{job=\"a\"} =>\n1 @[1795325963]\n2 @[1795325978.5]\n"
        );
        let s: Json =
            serde_json::from_str(r#"{"resultType":"scalar","result":[1795325977.998,"1"]}"#)
                .unwrap();
        assert_eq!(render(&s).unwrap(), "scalar: 1 @[1795325977.998]\n");
    }

    #[test]
    fn json_output_escapes_like_go() {
        let v: Json = serde_json::from_str(r#"{"v":"<a&b>\u2028"}"#).unwrap();
        assert_eq!(
            go_html_escape(&v.to_string()),
            r#"{"v":"\u003ca\u0026b\u003e\u2028"}"#
        );
    }

    #[test]
    fn encodes_form_values() {
        assert_eq!(percent_encode("up{a=\"b c\"}"), "up%7Ba%3D%22b%20c%22%7D");
    }
}
