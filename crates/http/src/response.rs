//! `ApiReply`: the success side of Prometheus's JSON envelope,
//! `{"status":"success","data":...,"warnings":[...],"infos":[...]}`, or an empty
//! `204 No Content` for endpoints that return nothing.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;

use crate::error::ApiError;
use crate::json::JsonWriter;

/// Prometheus shows at most this many warnings (and infos), then a count of the rest.
const MAX_ANNOTATIONS: usize = 10;

/// A successful API answer.
#[derive(Debug)]
pub enum ApiReply {
    /// `data` is already-encoded JSON.
    Data {
        data: Vec<u8>,
        warnings: Vec<String>,
        infos: Vec<String>,
    },
    /// HTTP 204 with no body (deletions, `query_exemplars` without selectors).
    NoContent,
}

impl ApiReply {
    /// Wraps encoded JSON data.
    pub fn raw(data: Vec<u8>) -> ApiReply {
        ApiReply::Data {
            data,
            warnings: Vec::new(),
            infos: Vec::new(),
        }
    }

    /// Serializes `data` with Go's JSON conventions.
    pub fn serde<T: Serialize + ?Sized>(data: &T) -> Result<ApiReply, ApiError> {
        let bytes = crate::json::to_go_json(data)
            .map_err(|e| ApiError::internal(format!("error marshaling response: {e}")))?;
        Ok(ApiReply::raw(bytes))
    }

    /// Adds warnings (e.g. `results truncated due to limit`).
    pub fn with_warnings(mut self, more: impl IntoIterator<Item = String>) -> ApiReply {
        if let ApiReply::Data { warnings, .. } = &mut self {
            warnings.extend(more);
        }
        self
    }

    /// Adds info annotations.
    pub fn with_infos(mut self, more: impl IntoIterator<Item = String>) -> ApiReply {
        if let ApiReply::Data { infos, .. } = &mut self {
            infos.extend(more);
        }
        self
    }

    /// The full envelope bytes (`None` for 204).
    pub fn to_json(&self) -> Option<Vec<u8>> {
        let ApiReply::Data {
            data,
            warnings,
            infos,
        } = self
        else {
            return None;
        };
        let mut w = JsonWriter::with_capacity(data.len() + 64);
        w.raw(r#"{"status":"success","data":"#);
        w.buf.extend_from_slice(data);
        write_annotations(&mut w, "warnings", warnings, "warning");
        write_annotations(&mut w, "infos", infos, "info");
        w.byte(b'}');
        Some(w.into_bytes())
    }
}

fn write_annotations(w: &mut JsonWriter, key: &str, items: &[String], what: &str) {
    if items.is_empty() {
        return;
    }
    w.byte(b',');
    w.key(key);
    w.byte(b'[');
    for (i, s) in items.iter().take(MAX_ANNOTATIONS).enumerate() {
        if i > 0 {
            w.byte(b',');
        }
        w.string(s);
    }
    if items.len() > MAX_ANNOTATIONS {
        w.byte(b',');
        w.string(&format!(
            "{} more {what} annotations omitted",
            items.len() - MAX_ANNOTATIONS
        ));
    }
    w.byte(b']');
}

impl IntoResponse for ApiReply {
    fn into_response(self) -> Response {
        match self.to_json() {
            None => StatusCode::NO_CONTENT.into_response(),
            Some(body) => {
                let mut resp = (StatusCode::OK, body).into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                resp
            }
        }
    }
}

/// What API handlers return.
pub type ApiResult = Result<ApiReply, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_layout() {
        let r = ApiReply::raw(b"[]".to_vec());
        assert_eq!(
            String::from_utf8(r.to_json().unwrap()).unwrap(),
            r#"{"status":"success","data":[]}"#
        );
        let r = ApiReply::raw(b"1".to_vec())
            .with_warnings(["w".to_string()])
            .with_infos(["i".to_string()]);
        assert_eq!(
            String::from_utf8(r.to_json().unwrap()).unwrap(),
            r#"{"status":"success","data":1,"warnings":["w"],"infos":["i"]}"#
        );
        assert!(ApiReply::NoContent.to_json().is_none());
    }

    #[test]
    fn annotations_are_capped_like_prometheus() {
        let r = ApiReply::raw(b"1".to_vec()).with_warnings((0..12).map(|i| i.to_string()));
        let s = String::from_utf8(r.to_json().unwrap()).unwrap();
        assert!(
            s.ends_with(r#""8","9","2 more warning annotations omitted"]}"#),
            "{s}"
        );
    }
}
