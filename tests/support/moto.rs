//! moto server as a test peer: find it, start it on a free loopback port, wait until it answers,
//! serialize the scenarios that share it, and make sure it never outlives the test binary.
//!
//! - Installed by `scripts/install-moto` into `<crate>/.venv` (or point `AWS_FACADE_MOTO_SERVER`
//!   at another `moto_server` inside a virtualenv).
//! - Not installed: every moto test prints a loud `SKIPPING` banner to stderr and returns, unless
//!   `AWS_FACADE_REQUIRE_MOTO=1`, when it panics (CI sets it: a missing moto is a failure there,
//!   never a silent pass). Installed but failing to start is always a failure.
//! - One server per test binary ([`shared`]), started lazily. moto's `/moto-api/reset` is global,
//!   so each scenario holds [`MotoSession`] (a process-wide async mutex) for its whole run and
//!   starts from a reset server.
//! - No process is left behind: moto runs under a tiny Python watchdog that exits the moment
//!   its stdin reaches EOF, and its stdin is a pipe whose write end only this process holds. When
//!   the test binary exits (normally, by panic, or killed with SIGKILL) the kernel closes the pipe
//!   and moto exits. A [`MotoServer`] that is dropped kills its child at once as well.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::http::{self, Response};

/// Set to `1` to turn "moto is not installed" into a test failure instead of a skip.
pub const REQUIRE_ENV: &str = "AWS_FACADE_REQUIRE_MOTO";
/// Optional path of a `moto_server` executable (default `<crate>/.venv/bin/moto_server`).
pub const SERVER_ENV: &str = "AWS_FACADE_MOTO_SERVER";
/// The region the tests use against moto (the one `aws_facade::emulator` addresses).
pub use aws_facade::emulator::REGION;
/// The account moto uses by default.
pub const ACCOUNT_ID: &str = "123456789012";

/// How long moto may take to answer after it is spawned.
const START_DEADLINE: Duration = Duration::from_secs(120);
/// Timeout of one request to `/moto-api/*`.
const API_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs moto's server `main` with a watchdog thread that exits the process when stdin closes.
const WATCHDOG: &str = r#"
import os, sys, threading
def _watch():
    try:
        while sys.stdin.buffer.read(1):
            pass
    finally:
        os._exit(0)
threading.Thread(target=_watch, daemon=True).start()
from moto.server import main
sys.argv[0] = "moto_server"
main(sys.argv[1:])
"#;

/// Where `moto_server` is expected.
pub fn moto_server_path() -> PathBuf {
    match std::env::var_os(SERVER_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server"),
    }
}

/// Whether `moto_server` (and the virtualenv's python next to it) exist.
pub fn installed() -> bool {
    let server = moto_server_path();
    server.is_file() && python_path(&server).is_file()
}

/// Whether `AWS_FACADE_REQUIRE_MOTO=1` is set.
pub fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The virtualenv's python (the one moto was installed with: it holds boto3), or `None` after
/// the skip banner for `test` when it is missing (a panic when `AWS_FACADE_REQUIRE_MOTO=1`).
pub fn venv_python_or_skip(test: &str) -> Option<PathBuf> {
    installed_or_skip(test).then(|| python_path(&moto_server_path()))
}

fn python_path(server: &std::path::Path) -> PathBuf {
    server.with_file_name("python")
}

/// The banner printed when a moto test is skipped.
pub fn skip_banner(test: &str) -> String {
    let line = "=".repeat(78);
    format!(
        "\n{line}\n!!! moto not installed: run scripts/install-moto; SKIPPING {test}\n!!! (looked for {}; \
         set {REQUIRE_ENV}=1 to make this a failure)\n{line}\n",
        moto_server_path().display()
    )
}

/// A running moto server; killed when dropped.
#[derive(Debug)]
pub struct MotoServer {
    child: Mutex<Option<Child>>,
    pid: u32,
    port: u16,
    log: PathBuf,
}

impl MotoServer {
    /// Starts a server on a free port and waits until it answers (a few attempts, in case the
    /// port is taken between choosing and binding it).
    pub fn start() -> Result<MotoServer, String> {
        let mut errors = Vec::new();
        for _ in 0..3 {
            match Self::start_once() {
                Ok(s) => return Ok(s),
                Err(e) => errors.push(e),
            }
        }
        Err(errors.join("\n---\n"))
    }

    fn start_once() -> Result<MotoServer, String> {
        let server = moto_server_path();
        if !installed() {
            return Err(format!("{} not found", server.display()));
        }
        let port = free_port()?;
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{port}.log"));
        let log_file = std::fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(python_path(&server))
            .arg("-c")
            .arg(WATCHDOG)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", server.display()))?;
        let me = MotoServer {
            pid: child.id(),
            child: Mutex::new(Some(child)),
            port,
            log,
        };
        me.wait_ready()?;
        Ok(me)
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + START_DEADLINE;
        let mut last = String::new();
        while Instant::now() < deadline {
            if !self.is_alive() {
                return Err(format!("moto_server exited during start-up:\n{}", self.log_tail()));
            }
            match http::send_blocking("GET", &self.host(), "/moto-api/", &[], b"", Duration::from_secs(2)) {
                Ok(r) if r.status == 200 => return Ok(()),
                Ok(r) => last = format!("status {}", r.status),
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.stop();
        Err(format!(
            "moto_server did not answer on {} within {START_DEADLINE:?} (last: {last}):\n{}",
            self.url(),
            self.log_tail()
        ))
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`, the endpoint URL for SDK clients.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id of the server.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Where the server's output goes.
    pub fn log_path(&self) -> &std::path::Path {
        &self.log
    }

    /// The last lines of the server's output.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Whether the process is still running.
    pub fn is_alive(&self) -> bool {
        let mut guard = self.child.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server and reaps it (idempotent).
    pub fn stop(&self) {
        let mut guard = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut c) = guard.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Closes the pipe the watchdog reads (what the kernel does when this process exits); the
    /// server then exits by itself.
    pub fn close_watchdog_pipe(&self) {
        let mut guard = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = guard.as_mut() {
            drop(c.stdin.take());
        }
    }

    /// Sends a request to the server.
    pub async fn request(&self, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Response {
        http::send(method, &self.host(), path, headers, body, API_TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("moto request {method} {path} failed: {e}\n{}", self.log_tail()))
    }

    /// `POST /moto-api/reset`: forgets every resource in every service, account and region.
    pub async fn reset(&self) {
        let r = self.request("POST", "/moto-api/reset", &[], b"").await;
        assert_eq!(r.status, 200, "moto reset answered {}: {}", r.status, r.text());
    }

    /// `POST /moto-api/config` `{"lambda": {"use_docker": false}}`: Invoke then echoes the
    /// payload instead of running the function in Docker. Send before creating functions.
    pub async fn lambda_without_docker(&self) {
        let body = br#"{"lambda": {"use_docker": false}}"#;
        let headers = [("Content-Type".to_string(), "application/json".to_string())];
        let r = self.request("POST", "/moto-api/config", &headers, body).await;
        assert!(
            r.status == 200 || r.status == 201,
            "moto config answered {}: {}",
            r.status,
            r.text()
        );
    }

    /// Creates an IAM role that Lambda may assume (through moto's IAM query API) and returns
    /// its ARN.
    pub async fn create_lambda_role(&self, name: &str) -> String {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let body = format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={}&AssumeRolePolicyDocument={}",
            urlencode(name),
            urlencode(policy)
        );
        let r = self.query("iam", &body).await;
        assert_eq!(r.status, 200, "IAM CreateRole answered {}: {}", r.status, r.text());
        let text = r.text();
        xml_value(&text, "Arn").unwrap_or_else(|| panic!("no <Arn> in CreateRole answer: {text}"))
    }

    /// Requests an ACM certificate for `domain` (through moto's ACM JSON API; ELBv2 listeners
    /// refuse certificates ACM does not have) and returns its ARN.
    pub async fn request_certificate(&self, domain: &str) -> String {
        let headers = [
            ("Content-Type".to_string(), "application/x-amz-json-1.1".to_string()),
            (
                "X-Amz-Target".to_string(),
                "CertificateManager.RequestCertificate".to_string(),
            ),
            ("Authorization".to_string(), fake_authorization("acm")),
        ];
        let body = format!(r#"{{"DomainName":"{domain}"}}"#);
        let r = self.request("POST", "/", &headers, body.as_bytes()).await;
        assert_eq!(
            r.status,
            200,
            "ACM RequestCertificate answered {}: {}",
            r.status,
            r.text()
        );
        let v: serde_json::Value = serde_json::from_str(&r.text()).expect("ACM answers JSON");
        v["CertificateArn"]
            .as_str()
            .unwrap_or_else(|| panic!("no CertificateArn in {v}"))
            .to_string()
    }

    /// A query-protocol request (`Action=...&Version=...`) to `service` (routed by moto through
    /// the credential scope of the Authorization header).
    pub async fn query(&self, service: &str, form_body: &str) -> Response {
        let headers = [
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            ),
            ("Authorization".to_string(), fake_authorization(service)),
        ];
        self.request("POST", "/", &headers, form_body.as_bytes()).await
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A SigV4-looking Authorization header naming `service` (moto routes by it; it checks no
/// signature).
pub fn fake_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/{service}/aws4_request, SignedHeaders=host, \
         Signature=0000000000000000000000000000000000000000000000000000000000000000"
    )
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of the first `<tag>...</tag>` in `xml`.
pub fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..start + len].to_string())
}

static SHARED: OnceLock<Result<MotoServer, String>> = OnceLock::new();

/// The test binary's shared server, started on first use. `None` (after a loud banner on
/// stderr) when moto is not installed, unless `AWS_FACADE_REQUIRE_MOTO=1` (then it panics).
/// Panics if moto is installed but does not start.
pub fn shared() -> Option<&'static MotoServer> {
    if !installed_or_skip(std::thread::current().name().unwrap_or("this test")) {
        return None;
    }
    Some(start_shared())
}

/// Whether moto is installed; if not, panics when it is required, else prints the banner for
/// `test`. The banner goes straight to the process's stderr: libtest's capture (which hides
/// `eprintln!` of passing tests) must not swallow a skip.
fn installed_or_skip(test: &str) -> bool {
    if installed() {
        return true;
    }
    if required() {
        panic!(
            "moto not installed but {REQUIRE_ENV}=1: run scripts/install-moto (looked for {})",
            moto_server_path().display()
        );
    }
    use std::io::Write;
    let _ = std::io::stderr().write_all(skip_banner(test).as_bytes());
    false
}

/// Starts the shared server once (blocking); panics if it does not start.
fn start_shared() -> &'static MotoServer {
    match SHARED.get_or_init(MotoServer::start) {
        Ok(s) => s,
        Err(e) => panic!("moto is installed but did not start: {e}"),
    }
}

/// Held by a scenario for its whole run: no other scenario of this binary touches moto meanwhile.
static SCENARIO_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Exclusive use of the shared server, which was reset when the session began.
#[derive(Debug)]
pub struct MotoSession {
    /// The server.
    pub server: &'static MotoServer,
    _exclusive: tokio::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for MotoSession {
    type Target = MotoServer;
    fn deref(&self) -> &MotoServer {
        self.server
    }
}

/// Waits for exclusive use of the shared server, resets it and returns the session; `None` when
/// moto is not installed and not required (see [`shared`]).
pub async fn session() -> Option<MotoSession> {
    if !installed_or_skip(std::thread::current().name().unwrap_or("this test")) {
        return None;
    }
    // Start-up blocks (seconds, once per binary); keep it off the runtime's thread.
    let server = tokio::task::spawn_blocking(start_shared)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let guard = SCENARIO_LOCK.lock().await;
    server.reset().await;
    Some(MotoSession {
        server,
        _exclusive: guard,
    })
}
