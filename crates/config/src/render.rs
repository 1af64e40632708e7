//! The effective configuration as YAML, for `/api/v1/status/config`: defaults filled in,
//! fields in Prometheus's order, zero values left out where Prometheus leaves them out,
//! and every secret shown as `<secret>`.

use std::path::Path;
use std::time::Duration;

use serde_norway::{Mapping, Value};

use crate::{
    format_base2_bytes, format_duration, AlertmanagerConfig, Config, FileSdConfig,
    HttpClientConfig, RelabelConfig, RemoteReadConfig, RemoteWriteConfig, ScrapeConfig,
    ScrapeProtocol, StaticConfig,
};

const SECRET: &str = "<secret>";

struct Map(Mapping);

impl Map {
    fn new() -> Map {
        Map(Mapping::new())
    }
    fn put(&mut self, key: &str, value: Value) {
        self.0.insert(Value::String(key.to_string()), value);
    }
    fn str(&mut self, key: &str, value: &str) {
        self.put(key, Value::String(value.to_string()));
    }
    fn str_nonempty(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.str(key, value);
        }
    }
    fn path(&mut self, key: &str, value: &Option<std::path::PathBuf>) {
        if let Some(p) = value {
            self.str(key, &p.to_string_lossy());
        }
    }
    fn bool(&mut self, key: &str, value: bool) {
        self.put(key, Value::Bool(value));
    }
    fn uint_nonzero(&mut self, key: &str, value: u64) {
        if value != 0 {
            self.put(key, Value::Number(value.into()));
        }
    }
    fn dur(&mut self, key: &str, value: Duration) {
        self.str(key, &format_duration(value));
    }
    fn list(&mut self, key: &str, items: Vec<Value>) {
        if !items.is_empty() {
            self.put(key, Value::Sequence(items));
        }
    }
    fn strings(&mut self, key: &str, items: &[String]) {
        self.list(
            key,
            items.iter().map(|s| Value::String(s.clone())).collect(),
        );
    }
    fn map_nonempty(&mut self, key: &str, m: Map) {
        if !m.0.is_empty() {
            self.put(key, Value::Mapping(m.0));
        }
    }
    fn pairs(&mut self, key: &str, pairs: impl Iterator<Item = (String, String)>) {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.str(&k, &v);
        }
        self.map_nonempty(key, m);
    }
    fn value(self) -> Value {
        Value::Mapping(self.0)
    }
}

fn protocols(list: &[ScrapeProtocol]) -> Vec<Value> {
    list.iter()
        .map(|p| Value::String(p.as_str().to_string()))
        .collect()
}

fn http_client(m: &mut Map, c: &HttpClientConfig) {
    if let Some(b) = &c.basic_auth {
        let mut a = Map::new();
        a.str_nonempty("username", &b.username);
        a.path("username_file", &b.username_file);
        if b.password.is_some() {
            a.str("password", SECRET);
        }
        a.path("password_file", &b.password_file);
        m.put("basic_auth", a.value());
    }
    if let Some(auth) = &c.authorization {
        let mut a = Map::new();
        a.str("type", &auth.auth_type);
        if auth.credentials.is_some() {
            a.str("credentials", SECRET);
        }
        a.path("credentials_file", &auth.credentials_file);
        m.put("authorization", a.value());
    }
    let t = &c.tls_config;
    let mut tls = Map::new();
    if t.ca.is_some() {
        tls.str("ca", t.ca.as_deref().unwrap_or_default());
    }
    if t.cert.is_some() {
        tls.str("cert", t.cert.as_deref().unwrap_or_default());
    }
    if t.key.is_some() {
        tls.str("key", SECRET);
    }
    tls.path("ca_file", &t.ca_file);
    tls.path("cert_file", &t.cert_file);
    tls.path("key_file", &t.key_file);
    if let Some(s) = &t.server_name {
        tls.str("server_name", s);
    }
    if !tls.0.is_empty()
        || t.insecure_skip_verify
        || t.min_version.is_some()
        || t.max_version.is_some()
    {
        tls.bool("insecure_skip_verify", t.insecure_skip_verify);
    }
    if let Some(v) = t.min_version {
        tls.str("min_version", v.as_str());
    }
    if let Some(v) = t.max_version {
        tls.str("max_version", v.as_str());
    }
    m.map_nonempty("tls_config", tls);
    m.bool("follow_redirects", c.follow_redirects);
    m.bool("enable_http2", c.enable_http2);
}

fn relabel(steps: &[RelabelConfig]) -> Vec<Value> {
    steps
        .iter()
        .map(|s| {
            let mut m = Map::new();
            m.strings("source_labels", &s.source_labels);
            m.str("separator", &s.separator);
            if s.regex_explicit || s.regex.as_str() != crate::relabel::DEFAULT_REGEX {
                m.str("regex", s.regex.as_str());
            }
            m.uint_nonzero("modulus", s.modulus);
            m.str_nonempty("target_label", &s.target_label);
            m.str("replacement", &s.replacement);
            m.str("action", s.action.as_str());
            m.value()
        })
        .collect()
}

fn discovery(m: &mut Map, statics: &[StaticConfig], files: &[FileSdConfig]) {
    m.list(
        "static_configs",
        statics
            .iter()
            .map(|s| {
                let mut g = Map::new();
                g.strings("targets", &s.targets);
                g.pairs(
                    "labels",
                    s.labels
                        .iter()
                        .map(|l| (l.name.to_string(), l.value.to_string())),
                );
                g.value()
            })
            .collect(),
    );
    m.list(
        "file_sd_configs",
        files
            .iter()
            .map(|f| {
                let mut g = Map::new();
                let names: Vec<String> = f
                    .files
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                g.strings("files", &names);
                g.dur("refresh_interval", f.refresh_interval);
                g.value()
            })
            .collect(),
    );
}

fn scrape(j: &ScrapeConfig) -> Value {
    let mut m = Map::new();
    m.str("job_name", &j.job_name);
    if j.honor_labels {
        m.bool("honor_labels", true);
    }
    m.bool("honor_timestamps", j.honor_timestamps);
    m.bool("track_timestamps_staleness", j.track_timestamps_staleness);
    let mut params = Map::new();
    for (k, vs) in &j.params {
        params.put(
            k,
            Value::Sequence(vs.iter().map(|v| Value::String(v.clone())).collect()),
        );
    }
    m.map_nonempty("params", params);
    m.dur("scrape_interval", j.scrape_interval);
    m.dur("scrape_timeout", j.scrape_timeout);
    m.list("scrape_protocols", protocols(&j.scrape_protocols));
    if let Some(p) = j.fallback_scrape_protocol {
        m.str("fallback_scrape_protocol", p.as_str());
    }
    m.bool(
        "always_scrape_classic_histograms",
        j.always_scrape_classic_histograms,
    );
    m.str("metrics_path", &j.metrics_path);
    m.str("scheme", &j.scheme);
    m.bool("enable_compression", j.enable_compression);
    if j.body_size_limit != 0 {
        m.str("body_size_limit", &format_base2_bytes(j.body_size_limit));
    }
    m.uint_nonzero("sample_limit", j.sample_limit);
    m.uint_nonzero("target_limit", j.target_limit);
    m.uint_nonzero("label_limit", j.label_limit);
    m.uint_nonzero("label_name_length_limit", j.label_name_length_limit);
    m.uint_nonzero("label_value_length_limit", j.label_value_length_limit);
    m.uint_nonzero("keep_dropped_targets", j.keep_dropped_targets);
    m.str(
        "metric_name_validation_scheme",
        j.metric_name_validation_scheme.as_str(),
    );
    m.str(
        "metric_name_escaping_scheme",
        &j.metric_name_escaping_scheme,
    );
    m.bool("extra_scrape_metrics", j.extra_scrape_metrics);
    http_client(&mut m, &j.http_client);
    m.list("relabel_configs", relabel(&j.relabel_configs));
    m.list("metric_relabel_configs", relabel(&j.metric_relabel_configs));
    discovery(&mut m, &j.static_configs, &j.file_sd_configs);
    m.value()
}

fn alertmanager(a: &AlertmanagerConfig) -> Value {
    let mut m = Map::new();
    http_client(&mut m, &a.http_client);
    m.str("scheme", &a.scheme);
    m.str_nonempty("path_prefix", &a.path_prefix);
    m.dur("timeout", a.timeout);
    m.str("api_version", &a.api_version);
    m.list("relabel_configs", relabel(&a.relabel_configs));
    m.list("alert_relabel_configs", relabel(&a.alert_relabel_configs));
    discovery(&mut m, &a.static_configs, &a.file_sd_configs);
    m.value()
}

fn remote_write(r: &RemoteWriteConfig) -> Value {
    let mut m = Map::new();
    m.str("url", &r.url);
    m.dur("remote_timeout", r.remote_timeout);
    m.pairs(
        "headers",
        r.headers
            .iter()
            .map(|(k, _)| (k.clone(), SECRET.to_string())),
    );
    m.list("write_relabel_configs", relabel(&r.write_relabel_configs));
    m.str_nonempty("name", &r.name);
    if r.send_exemplars {
        m.bool("send_exemplars", true);
    }
    if r.send_native_histograms {
        m.bool("send_native_histograms", true);
    }
    if r.round_robin_dns {
        m.bool("round_robin_dns", true);
    }
    m.str("protobuf_message", &r.protobuf_message);
    http_client(&mut m, &r.http_client);
    let q = &r.queue_config;
    let mut qm = Map::new();
    qm.uint_nonzero("capacity", q.capacity);
    qm.uint_nonzero("max_shards", q.max_shards);
    qm.uint_nonzero("min_shards", q.min_shards);
    qm.uint_nonzero("max_samples_per_send", q.max_samples_per_send);
    qm.dur("batch_send_deadline", q.batch_send_deadline);
    qm.dur("min_backoff", q.min_backoff);
    qm.dur("max_backoff", q.max_backoff);
    if q.retry_on_http_429 {
        qm.bool("retry_on_http_429", true);
    }
    if !q.sample_age_limit.is_zero() {
        qm.dur("sample_age_limit", q.sample_age_limit);
    }
    m.put("queue_config", qm.value());
    let md = &r.metadata_config;
    let mut mm = Map::new();
    mm.bool("send", md.send);
    mm.dur("send_interval", md.send_interval);
    mm.uint_nonzero("max_samples_per_send", md.max_samples_per_send);
    m.put("metadata_config", mm.value());
    m.value()
}

fn remote_read(r: &RemoteReadConfig) -> Value {
    let mut m = Map::new();
    m.str("url", &r.url);
    m.dur("remote_timeout", r.remote_timeout);
    m.uint_nonzero("chunked_read_limit", r.chunked_read_limit);
    m.pairs(
        "headers",
        r.headers
            .iter()
            .map(|(k, _)| (k.clone(), SECRET.to_string())),
    );
    if r.read_recent {
        m.bool("read_recent", true);
    }
    m.str_nonempty("name", &r.name);
    http_client(&mut m, &r.http_client);
    m.pairs("required_matchers", r.required_matchers.iter().cloned());
    if r.filter_external_labels {
        m.bool("filter_external_labels", true);
    }
    m.value()
}

fn path_list(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| Path::new(p).to_string_lossy().into_owned())
        .collect()
}

impl Config {
    /// The effective configuration as YAML, secrets replaced by `<secret>`.
    pub fn to_yaml(&self) -> String {
        let g = &self.global;
        let mut gm = Map::new();
        gm.dur("scrape_interval", g.scrape_interval);
        gm.dur("scrape_timeout", g.scrape_timeout);
        if let Some(p) = &g.scrape_protocols {
            gm.list("scrape_protocols", protocols(p));
        }
        gm.dur("evaluation_interval", g.evaluation_interval);
        if !g.rule_query_offset.is_zero() {
            gm.dur("rule_query_offset", g.rule_query_offset);
        }
        gm.path("query_log_file", &g.query_log_file);
        gm.path("scrape_failure_log_file", &g.scrape_failure_log_file);
        gm.pairs(
            "external_labels",
            g.external_labels
                .iter()
                .map(|l| (l.name.to_string(), l.value.to_string())),
        );
        if g.body_size_limit != 0 {
            gm.str("body_size_limit", &format_base2_bytes(g.body_size_limit));
        }
        gm.uint_nonzero("sample_limit", g.sample_limit);
        gm.uint_nonzero("target_limit", g.target_limit);
        gm.uint_nonzero("label_limit", g.label_limit);
        gm.uint_nonzero("label_name_length_limit", g.label_name_length_limit);
        gm.uint_nonzero("label_value_length_limit", g.label_value_length_limit);
        gm.uint_nonzero("keep_dropped_targets", g.keep_dropped_targets);
        gm.str(
            "metric_name_validation_scheme",
            g.metric_name_validation_scheme.as_str(),
        );
        if let Some(s) = &g.metric_name_escaping_scheme {
            gm.str("metric_name_escaping_scheme", s);
        }

        let mut root = Map::new();
        root.put("global", gm.value());
        let mut alerting = Map::new();
        alerting.list(
            "alert_relabel_configs",
            relabel(&self.alerting.alert_relabel_configs),
        );
        alerting.list(
            "alertmanagers",
            self.alerting
                .alertmanagers
                .iter()
                .map(alertmanager)
                .collect(),
        );
        root.map_nonempty("alerting", alerting);
        root.strings("rule_files", &path_list(&self.rule_files));
        root.list(
            "scrape_configs",
            self.scrape_configs.iter().map(scrape).collect(),
        );
        let mut storage = Map::new();
        let t = &self.storage.tsdb;
        let mut tsdb = Map::new();
        if !t.out_of_order_time_window.is_zero() {
            tsdb.dur("out_of_order_time_window", t.out_of_order_time_window);
        }
        let mut retention = Map::new();
        if let Some(d) = t.retention.time {
            retention.dur("time", d);
        }
        if let Some(s) = t.retention.size {
            retention.str("size", &format_base2_bytes(s));
        }
        if let Some(p) = t.retention.percentage {
            retention.put("percentage", Value::Number(p.into()));
        }
        tsdb.map_nonempty("retention", retention);
        storage.map_nonempty("tsdb", tsdb);
        let mut ex = Map::new();
        ex.put(
            "max_exemplars",
            Value::Number(self.storage.exemplars.max_exemplars.into()),
        );
        storage.put("exemplars", ex.value());
        root.put("storage", storage.value());
        root.list(
            "remote_write",
            self.remote_write.iter().map(remote_write).collect(),
        );
        root.list(
            "remote_read",
            self.remote_read.iter().map(remote_read).collect(),
        );
        serde_norway::to_string(&root.value())
            .unwrap_or_else(|e| format!("<error creating config string: {e}>"))
    }
}
