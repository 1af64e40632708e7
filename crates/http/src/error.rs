//! `ApiError`: the crate's one error type. It carries Prometheus's `errorType` and
//! message and renders as Prometheus's error envelope with the matching HTTP status.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use crate::json::JsonWriter;

/// Prometheus's API error classes (`errorType` in the JSON envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Malformed parameters, parse and type errors: HTTP 400.
    BadData,
    /// Errors while evaluating a query: HTTP 422.
    Execution,
    /// The query ran out of time: HTTP 503.
    Timeout,
    /// The query was canceled (the client went away): HTTP 499, as Prometheus.
    Canceled,
    /// A storage or server failure: HTTP 500.
    Internal,
    /// The feature is switched off or the storage is not ready: HTTP 500, because
    /// Prometheus's status mapping has no case for it and falls back to 500.
    Unavailable,
    /// HTTP 404.
    NotFound,
    /// HTTP 406.
    NotAcceptable,
}

impl ErrorType {
    /// The `errorType` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::BadData => "bad_data",
            ErrorType::Execution => "execution",
            ErrorType::Timeout => "timeout",
            ErrorType::Canceled => "canceled",
            ErrorType::Internal => "internal",
            ErrorType::Unavailable => "unavailable",
            ErrorType::NotFound => "not_found",
            ErrorType::NotAcceptable => "not_acceptable",
        }
    }

    /// Parses an `errorType` string (as the PromQL engine reports it).
    pub fn from_name(s: &str) -> Option<ErrorType> {
        Some(match s {
            "bad_data" => ErrorType::BadData,
            "execution" => ErrorType::Execution,
            "timeout" => ErrorType::Timeout,
            "canceled" => ErrorType::Canceled,
            "internal" => ErrorType::Internal,
            "unavailable" => ErrorType::Unavailable,
            "not_found" => ErrorType::NotFound,
            "not_acceptable" => ErrorType::NotAcceptable,
            _ => return None,
        })
    }

    /// The HTTP status Prometheus answers with (its `getDefaultErrorCode`).
    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::BadData => StatusCode::BAD_REQUEST,
            ErrorType::Execution => StatusCode::UNPROCESSABLE_ENTITY,
            // nginx's "client closed request", which Prometheus uses too.
            ErrorType::Canceled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
            ErrorType::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ErrorType::Internal | ErrorType::Unavailable => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::NotFound => StatusCode::NOT_FOUND,
            ErrorType::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
        }
    }
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API error: `{"status":"error","errorType":...,"error":...}` with its status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ApiError {
    pub kind: ErrorType,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
        }
    }

    pub fn bad_data(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::BadData, message)
    }

    pub fn execution(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::Execution, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::Internal, message)
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorType::Unavailable, message)
    }

    /// Prometheus's `invalidParamError`: `invalid parameter "name": <why>` (bad_data).
    pub fn invalid_param(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::bad_data(format!(
            "invalid parameter {}: {why}",
            crate::params::go_q(name)
        ))
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON envelope bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::with_capacity(64 + self.message.len());
        w.raw(r#"{"status":"error","errorType":"#);
        w.string(self.kind.as_str());
        w.raw(r#","error":"#);
        w.string(&self.message);
        w.byte(b'}');
        w.into_bytes()
    }
}

/// Maps a storage failure the way Prometheus's `returnAPIError` does.
impl From<promlite_storage::StorageError> for ApiError {
    fn from(e: promlite_storage::StorageError) -> ApiError {
        use promlite_storage::StorageError;
        match e {
            StorageError::Canceled => ApiError::new(ErrorType::Canceled, e.to_string()),
            StorageError::Closed => ApiError::unavailable(e.to_string()),
            _ => ApiError::internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.kind.status(), self.to_json()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_prometheus() {
        assert_eq!(ErrorType::BadData.status().as_u16(), 400);
        assert_eq!(ErrorType::Execution.status().as_u16(), 422);
        assert_eq!(ErrorType::Canceled.status().as_u16(), 499);
        assert_eq!(ErrorType::Timeout.status().as_u16(), 503);
        assert_eq!(ErrorType::Unavailable.status().as_u16(), 500);
        assert_eq!(ErrorType::Internal.status().as_u16(), 500);
        assert_eq!(ErrorType::NotFound.status().as_u16(), 404);
        for t in [
            ErrorType::BadData,
            ErrorType::Timeout,
            ErrorType::NotAcceptable,
        ] {
            assert_eq!(ErrorType::from_name(t.as_str()), Some(t));
        }
    }

    #[test]
    fn envelope_is_prometheus_shaped() {
        let e = ApiError::invalid_param("start", "cannot parse \"x\" to a valid timestamp");
        assert_eq!(
            String::from_utf8(e.to_json()).unwrap(),
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": cannot parse \"x\" to a valid timestamp"}"#
        );
    }
}
