//! External daemons from Debian packages, started on free ports and killed by a guard:
//! `prometheus-node-exporter`, `prometheus-alertmanager` and `prometheus` itself. Each starter returns `None`
//! (and the test prints that it was skipped) when the binary is not installed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::http;
use super::server::{eventually, free_port, Workspace};

pub const NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";
pub const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
pub const PROMETHEUS: &str = "/usr/bin/prometheus";

/// A running daemon; dropping it kills the process.
pub struct Daemon {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    log_path: std::path::PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

fn skip_if_absent(binary: &str, test: &str) -> bool {
    if Path::new(binary).exists() {
        false
    } else {
        println!("skipped {test}: {binary} is not installed");
        true
    }
}

/// Starts `binary` with `args(addr)` until `ready_path` answers 200 (a port lost to a
/// race is retried).
fn start(
    ws: &Workspace,
    name: &str,
    binary: &str,
    args: impl Fn(&str) -> Vec<String>,
    ready_path: &str,
) -> Daemon {
    for attempt in 0..5 {
        let addr = format!("127.0.0.1:{}", free_port());
        let log_path = ws.path(&format!("{name}-{attempt}.log"));
        let log = std::fs::File::create(&log_path).expect("create log");
        let child = Command::new(binary)
            .args(args(&addr))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .expect("spawn daemon");
        let mut d = Daemon {
            child,
            addr,
            log_path,
        };
        let log_for_context = d.log_path.clone();
        let ready = eventually(
            &format!("{name} ready"),
            Duration::from_secs(20),
            || std::fs::read_to_string(&log_for_context).unwrap_or_default(),
            || {
                if let Ok(Some(status)) = d.child.try_wait() {
                    return Ok(Err(status));
                }
                match http::get(&d.addr, ready_path) {
                    Ok(r) if r.status == 200 => Ok(Ok(())),
                    Ok(r) => Err(format!("status {}", r.status)),
                    Err(e) => Err(e),
                }
            },
        );
        match ready {
            Ok(()) => return d,
            Err(status) if d.log().contains("address already in use") => {
                let _ = status;
                continue;
            }
            Err(status) => panic!("{name} exited with {status}:\n{}", d.log()),
        }
    }
    panic!("{name} could not bind a port in 5 attempts");
}

/// Debian's node exporter on a free port, or `None` when not installed.
pub fn node_exporter(ws: &Workspace, test: &str) -> Option<Daemon> {
    if skip_if_absent(NODE_EXPORTER, test) {
        return None;
    }
    Some(start(
        ws,
        "node_exporter",
        NODE_EXPORTER,
        |addr| vec![format!("--web.listen-address={addr}")],
        "/metrics",
    ))
}

/// Debian's Alertmanager with one receiver, `group_wait: 1s` and clustering off, or
/// `None` when not installed.
pub fn alertmanager(ws: &Workspace, test: &str) -> Option<Daemon> {
    if skip_if_absent(ALERTMANAGER, test) {
        return None;
    }
    let config = ws.write(
        "alertmanager.yml",
        "route:\n  receiver: default\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: default\n",
    );
    let storage = ws.path("alertmanager-data");
    Some(start(
        ws,
        "alertmanager",
        ALERTMANAGER,
        |addr| {
            vec![
                format!("--config.file={}", config.display()),
                format!("--storage.path={}", storage.display()),
                format!("--web.listen-address={addr}"),
                "--cluster.listen-address=".to_string(),
            ]
        },
        "/-/ready",
    ))
}

/// Debian's Prometheus (2.x) with `config` (written to `prometheus-real.yml`) and the
/// remote write receiver on, or `None` when not installed.
pub fn prometheus(ws: &Workspace, test: &str, config: &str) -> Option<Daemon> {
    if skip_if_absent(PROMETHEUS, test) {
        return None;
    }
    let config = ws.write("prometheus-real.yml", config);
    let storage = ws.path("prometheus-data");
    Some(start(
        ws,
        "prometheus",
        PROMETHEUS,
        |addr| {
            vec![
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", storage.display()),
                format!("--web.listen-address={addr}"),
                "--web.enable-remote-write-receiver".to_string(),
            ]
        },
        "/-/ready",
    ))
}
