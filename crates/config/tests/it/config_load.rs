//! Loading whole `prometheus.yml` texts: defaults, inheritance and path resolution.

use std::path::PathBuf;
use std::time::Duration;

use promlite_config::{Config, NameValidationScheme, ScrapeProtocol};

const FULL: &str = r#"
global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels:
    cluster: prod
    region: ${REGION}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['alertmanager:9093']
rule_files:
  - "rules/*.yml"
  - /abs/extra.rules
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
        labels: {env: dev}
  - job_name: node
    scrape_interval: 5s
    metrics_path: /probe
    params:
      module: [http_2xx]
    basic_auth:
      username: prom
      password: s3cret
    tls_config:
      ca_file: certs/ca.pem
    file_sd_configs:
      - files: ['targets/*.json']
    relabel_configs:
      - source_labels: [__address__]
        target_label: instance
remote_write:
  - url: http://mimir:9009/api/v1/push
    queue_config:
      max_shards: 10
storage:
  tsdb:
    out_of_order_time_window: 10m
"#;

fn load_full() -> Config {
    Config::from_yaml_str_with_env(FULL, std::path::Path::new("/etc/prometheus"), &|k| {
        (k == "REGION").then(|| "eu-west".to_string())
    })
    .unwrap()
}

#[test]
fn empty_and_comment_only_files_are_valid() {
    for text in ["", "\n\n", "# nothing here\n", "---\n"] {
        let c = Config::from_yaml_str(text, ".").unwrap();
        assert!(c.scrape_configs.is_empty());
        assert_eq!(c.global.scrape_interval, Duration::from_secs(60));
        assert_eq!(c.global.scrape_timeout, Duration::from_secs(10));
        assert_eq!(c.global.evaluation_interval, Duration::from_secs(60));
    }
}

#[test]
fn globals_are_inherited_and_overridden() {
    let c = load_full();
    let prom = c.scrape_config("prometheus").unwrap();
    assert_eq!(prom.scrape_interval, Duration::from_secs(15));
    assert_eq!(prom.scrape_timeout, Duration::from_secs(10));
    assert_eq!(prom.metrics_path, "/metrics");
    assert_eq!(prom.scheme, "http");
    assert!(prom.honor_timestamps);
    assert_eq!(prom.scrape_protocols, ScrapeProtocol::DEFAULT.to_vec());
    assert_eq!(
        prom.metric_name_validation_scheme,
        NameValidationScheme::Utf8
    );
    assert_eq!(prom.static_configs[0].labels.get("env"), Some("dev"));

    let node = c.scrape_config("node").unwrap();
    assert_eq!(node.scrape_interval, Duration::from_secs(5));
    // The global timeout (10s) is capped at the job's interval.
    assert_eq!(node.scrape_timeout, Duration::from_secs(5));
    assert_eq!(
        node.params,
        vec![("module".to_string(), vec!["http_2xx".to_string()])]
    );
    assert_eq!(c.global.evaluation_interval, Duration::from_secs(30));
}

#[test]
fn relative_paths_join_the_config_directory() {
    let c = load_full();
    assert_eq!(
        c.rule_files,
        vec![
            PathBuf::from("/etc/prometheus/rules/*.yml"),
            PathBuf::from("/abs/extra.rules")
        ]
    );
    let node = c.scrape_config("node").unwrap();
    assert_eq!(
        node.http_client.tls_config.ca_file,
        Some(PathBuf::from("/etc/prometheus/certs/ca.pem"))
    );
    assert_eq!(
        node.file_sd_configs[0].files,
        vec![PathBuf::from("/etc/prometheus/targets/*.json")]
    );
}

#[test]
fn external_labels_expand_environment_variables() {
    let c = load_full();
    assert_eq!(c.global.external_labels.get("region"), Some("eu-west"));
    assert_eq!(c.global.external_labels.get("cluster"), Some("prod"));
}

#[test]
fn alerting_remote_write_and_storage() {
    let c = load_full();
    let am = &c.alerting.alertmanagers[0];
    assert_eq!(am.api_version, "v2");
    assert_eq!(am.timeout, Duration::from_secs(10));
    assert_eq!(
        am.static_configs[0].targets,
        vec!["alertmanager:9093".to_string()]
    );
    let rw = &c.remote_write[0];
    assert_eq!(rw.remote_timeout, Duration::from_secs(30));
    assert_eq!(rw.queue_config.max_shards, 10);
    assert_eq!(rw.queue_config.capacity, 10_000);
    assert!(!rw.http_client.enable_http2);
    assert!(rw.metadata_config.send);
    assert_eq!(
        c.storage.tsdb.out_of_order_time_window,
        Duration::from_secs(600)
    );
    assert_eq!(c.storage.exemplars.max_exemplars, 100_000);
}

#[test]
fn rendered_config_hides_secrets_and_reloads_to_the_same_config() {
    let c = load_full();
    let yaml = c.to_yaml();
    assert!(yaml.contains("password: <secret>"), "{yaml}");
    assert!(!yaml.contains("s3cret"), "{yaml}");
    assert!(yaml.contains("scrape_interval: 15s"), "{yaml}");
    // Re-reading the rendering gives the same config, except for the hidden password.
    let mut again = Config::from_yaml_str(&yaml, "/").unwrap();
    let mut original = c.clone();
    for job in original
        .scrape_configs
        .iter_mut()
        .chain(again.scrape_configs.iter_mut())
    {
        if let Some(b) = job.http_client.basic_auth.as_mut() {
            b.password = None;
        }
        // The rendering states every field: only where a value came from differs.
        job.extra_scrape_metrics_set = false;
    }
    for global in [&mut original.global, &mut again.global] {
        global.extra_scrape_metrics_set = false;
    }
    original.warnings.clear();
    assert_eq!(again.scrape_configs, original.scrape_configs);
    again.warnings.clear();
    assert_eq!(again.global, original.global);
    assert_eq!(again.alerting, original.alerting);
    assert_eq!(again.remote_write, original.remote_write);
    assert_eq!(again.storage, original.storage);
}

#[test]
fn load_file_prefixes_errors_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prometheus.yml");
    std::fs::write(&path, "scrape_configs:\n  - job_name: a\n    foo: 1\n").unwrap();
    let e = Config::load_file(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "parsing YAML file {}: field foo not found in type config.ScrapeConfig (line 3)",
            path.display()
        )
    );
    let missing = Config::load_file(dir.path().join("nope.yml")).unwrap_err();
    assert!(missing.to_string().contains("nope.yml"), "{missing}");
}

#[test]
fn rule_file_globs_resolve_against_the_config_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    for name in ["b.yml", "a.yml", "c.txt"] {
        std::fs::write(dir.path().join("rules").join(name), "groups: []\n").unwrap();
    }
    let path = dir.path().join("prometheus.yml");
    std::fs::write(&path, "rule_files: ['rules/*.yml', 'missing/*.yml']\n").unwrap();
    let c = Config::load_file(&path).unwrap();
    let files = c.rule_file_paths().unwrap();
    assert_eq!(
        files,
        vec![
            dir.path().join("rules/a.yml"),
            dir.path().join("rules/b.yml")
        ]
    );
}
