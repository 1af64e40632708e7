//! The Prometheus configuration fields promlite knows about but does not implement.
//!
//! Loading a file that uses one fails with `field <name> is not supported by promlite
//! (line N)`, instead of silently ignoring something the user relies on. The README lists
//! this table; keep the two in step.

/// One Prometheus field promlite refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedField {
    /// The YAML key, e.g. `kubernetes_sd_configs`.
    pub name: &'static str,
    /// Where the key may appear, as Prometheus's Go type names (`config.ScrapeConfig`).
    pub within: &'static [&'static str],
    /// Why, or what to use instead (shown after the error when present).
    pub hint: Option<&'static str>,
}

const SD_OWNERS: &[&str] = &["config.ScrapeConfig", "config.AlertmanagerConfig"];
const HTTP_CLIENT_OWNERS: &[&str] = &[
    "config.ScrapeConfig",
    "config.AlertmanagerConfig",
    "config.RemoteWriteConfig",
    "config.RemoteReadConfig",
];

macro_rules! sd {
    ($($name:literal),* $(,)?) => {
        [$(UnsupportedField { name: $name, within: SD_OWNERS, hint: None }),*]
    };
}

const SERVICE_DISCOVERY: [UnsupportedField; 35] = sd![
    "aws_sd_configs",
    "azure_sd_configs",
    "consul_sd_configs",
    "digitalocean_sd_configs",
    "dns_sd_configs",
    "docker_sd_configs",
    "dockerswarm_sd_configs",
    "ec2_sd_configs",
    "ecs_sd_configs",
    "elasticache_sd_configs",
    "eureka_sd_configs",
    "gce_sd_configs",
    "hetzner_sd_configs",
    "http_sd_configs",
    "ionos_sd_configs",
    "kubernetes_sd_configs",
    "kuma_sd_configs",
    "lightsail_sd_configs",
    "linode_sd_configs",
    "marathon_sd_configs",
    "msk_sd_configs",
    "nerve_sd_configs",
    "nomad_sd_configs",
    "oci_sd_configs",
    "openstack_sd_configs",
    "outscale_sd_configs",
    "ovhcloud_sd_configs",
    "puppetdb_sd_configs",
    "rds_sd_configs",
    "scaleway_sd_configs",
    "serverset_sd_configs",
    "stackit_sd_configs",
    "triton_sd_configs",
    "uyuni_sd_configs",
    "vultr_sd_configs",
];

const NATIVE_HISTOGRAMS_HINT: Option<&str> =
    Some("only `false` is supported: promlite stores classic histograms");

const OTHERS: [UnsupportedField; 18] = [
    UnsupportedField {
        name: "scrape_native_histograms",
        within: &["config.GlobalConfig", "config.ScrapeConfig"],
        hint: NATIVE_HISTOGRAMS_HINT,
    },
    UnsupportedField {
        name: "convert_classic_histograms_to_nhcb",
        within: &["config.GlobalConfig", "config.ScrapeConfig"],
        hint: NATIVE_HISTOGRAMS_HINT,
    },
    UnsupportedField {
        name: "oauth2",
        within: HTTP_CLIENT_OWNERS,
        hint: None,
    },
    UnsupportedField {
        name: "proxy_url",
        within: HTTP_CLIENT_OWNERS,
        hint: None,
    },
    UnsupportedField {
        name: "no_proxy",
        within: HTTP_CLIENT_OWNERS,
        hint: None,
    },
    UnsupportedField {
        name: "proxy_from_environment",
        within: HTTP_CLIENT_OWNERS,
        hint: None,
    },
    UnsupportedField {
        name: "proxy_connect_header",
        within: HTTP_CLIENT_OWNERS,
        hint: None,
    },
    UnsupportedField {
        name: "http_headers",
        within: HTTP_CLIENT_OWNERS,
        hint: None,
    },
    UnsupportedField {
        name: "sigv4",
        within: &["config.AlertmanagerConfig", "config.RemoteWriteConfig"],
        hint: None,
    },
    UnsupportedField {
        name: "azuread",
        within: &["config.RemoteWriteConfig"],
        hint: None,
    },
    UnsupportedField {
        name: "google_iam",
        within: &["config.RemoteWriteConfig"],
        hint: None,
    },
    UnsupportedField {
        name: "scrape_config_files",
        within: &["config.Config"],
        hint: Some("put the scrape configs in prometheus.yml"),
    },
    UnsupportedField {
        name: "tracing",
        within: &["config.Config"],
        hint: None,
    },
    UnsupportedField {
        name: "otlp",
        within: &["config.Config"],
        hint: Some("promlite has no OTLP receiver"),
    },
    // Command-line flags that people put into the file (Prometheus refuses them too).
    UnsupportedField {
        name: "path",
        within: &["config.TSDBConfig"],
        hint: Some("the data directory is set with the --storage.tsdb.path flag"),
    },
    UnsupportedField {
        name: "retention.time",
        within: &["config.TSDBConfig"],
        hint: Some(
            "use the --storage.tsdb.retention.time flag, or `retention:` with a nested `time:` key",
        ),
    },
    UnsupportedField {
        name: "retention.size",
        within: &["config.TSDBConfig"],
        hint: Some(
            "use the --storage.tsdb.retention.size flag, or `retention:` with a nested `size:` key",
        ),
    },
    UnsupportedField {
        name: "chunk_encoding",
        within: &["config.TSDBConfig"],
        hint: None,
    },
];

/// Every Prometheus field promlite refuses, with where it may appear.
pub static UNSUPPORTED_FIELDS: &[&[UnsupportedField]] = &[&SERVICE_DISCOVERY, &OTHERS];

/// Iterates [`UNSUPPORTED_FIELDS`] flat.
pub fn unsupported_fields() -> impl Iterator<Item = &'static UnsupportedField> {
    UNSUPPORTED_FIELDS.iter().flat_map(|group| group.iter())
}

/// The entry for `key` inside the Go type `type_name`, if promlite refuses it there.
pub(crate) fn lookup(type_name: &str, key: &str) -> Option<&'static UnsupportedField> {
    unsupported_fields().find(|f| f.name == key && f.within.contains(&type_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_respect_the_owner_type() {
        assert!(lookup("config.ScrapeConfig", "kubernetes_sd_configs").is_some());
        assert!(lookup("config.AlertmanagerConfig", "consul_sd_configs").is_some());
        assert!(lookup("config.GlobalConfig", "kubernetes_sd_configs").is_none());
        assert!(lookup("config.ScrapeConfig", "no_such_field").is_none());
        let names: Vec<&str> = unsupported_fields().map(|f| f.name).collect();
        let mut dedup = names.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(names.len(), dedup.len(), "duplicate entries");
    }
}
