//! The real `promlite` binary as a child process: a scratch directory for its config,
//! data and log, a free port on 127.0.0.1, readiness wait, signals, and a guard that
//! kills it when the test ends (also on panic).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::{self, encode, Response};

/// The binary under test.
pub const PROMLITE: &str = env!("CARGO_BIN_EXE_promlite");

/// A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local address").port()
}

/// Polls `probe` every 100 ms until it returns `Ok`, or panics after `timeout` with the
/// last error and `context()` (typically the server log).
pub fn eventually<T>(
    what: &str,
    timeout: Duration,
    context: impl Fn() -> String,
    mut probe: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(v) => return v,
            Err(e) if Instant::now() >= deadline => {
                panic!(
                    "timed out after {timeout:?} waiting for {what}: {e}\n{}",
                    context()
                )
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// A scratch directory holding config files, the data directory and logs.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `name` (atomically, so a running server never reads half a file).
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        let tmp = self.path(&format!(".{name}.tmp"));
        std::fs::write(&tmp, text).expect("write file");
        std::fs::rename(&tmp, &path).expect("rename file");
        path
    }

    /// The default data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.path("data")
    }
}

/// A running promlite; dropping it kills the process.
pub struct Promlite {
    child: Option<Child>,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    /// The route prefix every request path gets (empty, or e.g. `/prom`).
    pub prefix: String,
    log_path: PathBuf,
}

impl Drop for Promlite {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starting options.
#[derive(Default, Clone)]
pub struct Start {
    /// Written to `prometheus.yml` in the workspace and passed as `--config.file`;
    /// `{{PORT}}` becomes promlite's own port.
    pub config: Option<String>,
    /// The route prefix the server is started with (`--web.external-url` or
    /// `--web.route-prefix`), prepended to every request of the helpers.
    pub prefix: String,
    /// Extra flags.
    pub args: Vec<String>,
}

impl Start {
    pub fn config(text: &str) -> Start {
        Start {
            config: Some(text.to_string()),
            ..Start::default()
        }
    }

    pub fn prefix(mut self, prefix: &str) -> Start {
        self.prefix = prefix.to_string();
        self
    }

    pub fn arg(mut self, a: &str) -> Start {
        self.args.push(a.to_string());
        self
    }
}

impl Promlite {
    /// Starts promlite on `ws` (data in `ws/data`) and waits until `/-/ready` answers 200.
    /// A port lost to another process between choosing and binding is retried.
    pub fn start(ws: &Workspace, opts: Start) -> Promlite {
        for attempt in 0..5 {
            let port = free_port();
            let addr = format!("127.0.0.1:{port}");
            let config = opts.config.as_deref().map(|text| {
                ws.write(
                    "prometheus.yml",
                    &text.replace("{{PORT}}", &port.to_string()),
                )
            });
            let log_path = ws.path(&format!("promlite-{port}-{attempt}.log"));
            let log = std::fs::File::create(&log_path).expect("create log");
            let mut cmd = Command::new(PROMLITE);
            cmd.arg(format!("--web.listen-address={addr}"))
                .arg(format!("--storage.tsdb.path={}", ws.data_dir().display()))
                .args(&opts.args)
                .current_dir(ws.dir.path())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log"))
                .stderr(log);
            if let Some(c) = &config {
                cmd.arg(format!("--config.file={}", c.display()));
            }
            let child = cmd.spawn().expect("spawn promlite");
            let mut p = Promlite {
                child: Some(child),
                addr,
                prefix: opts.prefix.clone(),
                log_path,
            };
            match p.wait_ready() {
                Ok(()) => return p,
                Err(log) if log.contains("listening on") => continue,
                Err(log) => panic!("promlite did not start:\n{log}"),
            }
        }
        panic!("promlite could not bind a port in 5 attempts");
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("exited with {status}:\n{}", self.log()));
                }
            }
            if let Ok(r) = http::get(&self.addr, &format!("{}/-/ready", self.prefix)) {
                if r.status == 200 {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(format!("not ready after 30 s:\n{}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }

    /// Sends a signal (`libc::SIGHUP`, `libc::SIGTERM`, ...).
    pub fn signal(&self, sig: i32) {
        let pid = self.pid();
        assert!(pid > 0, "promlite is not running");
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
    }

    /// SIGTERM, then waits (at most 30 s) for a clean exit.
    pub fn terminate(self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait_exit(Duration::from_secs(30))
    }

    /// Waits for the process to exit by itself (killing it after `timeout`).
    pub fn wait_exit(mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("promlite did not exit within {timeout:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET <prefix><path>`.
    pub fn get(&self, path: &str) -> Response {
        let full = format!("{}{path}", self.prefix);
        http::get(&self.addr, &full).unwrap_or_else(|e| panic!("GET {full}: {e}\n{}", self.log()))
    }

    /// `POST <prefix><path>` with a form body.
    pub fn post(&self, path: &str, form: &str) -> Response {
        let full = format!("{}{path}", self.prefix);
        http::post_form(&self.addr, &full, form)
            .unwrap_or_else(|e| panic!("POST {full}: {e}\n{}", self.log()))
    }

    /// `GET path` whose JSON envelope must say `success`; returns `data`.
    pub fn api(&self, path: &str) -> Value {
        let r = self.get(path);
        let v = r.json();
        assert_eq!(
            v["status"],
            "success",
            "GET {path} -> {}: {}",
            r.status,
            r.text()
        );
        v["data"].clone()
    }

    /// An instant query at the server's now; returns `data.result`.
    pub fn query(&self, q: &str) -> Vec<Value> {
        let data = self.api(&format!("/api/v1/query?query={}", encode(q)));
        data["result"].as_array().cloned().unwrap_or_default()
    }

    /// Polls `probe` (with this server's log as context on timeout).
    pub fn eventually<T>(
        &self,
        what: &str,
        timeout: Duration,
        probe: impl FnMut() -> Result<T, String>,
    ) -> T {
        eventually(what, timeout, || self.log(), probe)
    }

    /// Waits until `q` returns at least one series; returns them.
    pub fn wait_for_series(&self, q: &str, timeout: Duration) -> Vec<Value> {
        self.eventually(&format!("series of {q}"), timeout, || {
            let r = self.query(q);
            if r.is_empty() {
                Err(format!("{q} returned nothing"))
            } else {
                Ok(r)
            }
        })
    }

    /// The value of a vector element (`"value": [t, "v"]`) as f64.
    pub fn value(el: &Value) -> f64 {
        el["value"][1]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no value in {el}"))
    }

    /// The first sample of `/metrics` whose line starts with `prefix` (name and labels).
    pub fn self_metric(&self, prefix: &str) -> Option<f64> {
        let text = self.get("/metrics").text();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }
}

/// Starts promlite as [`Promlite::start`] does but expects it to refuse to run: waits
/// (at most 15 s) for it to exit and returns its exit code and output.
pub fn start_expecting_exit(ws: &Workspace, opts: Start) -> (i32, String) {
    let config = opts
        .config
        .as_deref()
        .map(|text| ws.write("prometheus.yml", text));
    let mut cmd = Command::new(PROMLITE);
    cmd.arg("--web.listen-address=127.0.0.1:0")
        .arg(format!("--storage.tsdb.path={}", ws.data_dir().display()))
        .args(&opts.args)
        .current_dir(ws.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(c) = &config {
        cmd.arg(format!("--config.file={}", c.display()));
    }
    let mut child = cmd.spawn().expect("spawn promlite");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if child.try_wait().expect("wait").is_some() {
            let out = child.wait_with_output().expect("output");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return (out.status.code().unwrap_or(-1), text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("promlite kept running with {:?}", opts.args);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `promlite <args>` to completion; returns (exit code, stdout, stderr).
pub fn run_tool(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(PROMLITE)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("run promlite");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `promlite tsdb import openmetrics FILE --storage.tsdb.path <ws data dir> EXTRA...`
/// in the workspace; returns (exit code, stdout, stderr).
pub fn import_openmetrics(ws: &Workspace, file: &Path, extra: &[&str]) -> (i32, String, String) {
    let data = ws.data_dir();
    let mut args = vec![
        "tsdb",
        "import",
        "openmetrics",
        file.to_str().expect("path"),
        "--storage.tsdb.path",
        data.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    run_tool(&args, &ws.path(""))
}

/// The repository's `testdata/`.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}
