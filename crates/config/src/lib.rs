//! prometheus.yml and rule files as typed structs with Prometheus's defaults and validation, and relabeling.
