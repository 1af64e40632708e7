//! The Prometheus HTTP API, /metrics, lifecycle endpoints and federation.
