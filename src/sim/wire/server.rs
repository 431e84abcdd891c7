//! The simulator over HTTP: one endpoint for all five services (as moto's), for clients in any
//! language (boto3, the AWS CLI, Terraform) and for SDK clients in other processes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{Front, WireRequest, WireResponse};
use crate::sim::SimCloud;

/// How long [`Server::shutdown`] lets requests in flight finish before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The simulator served over HTTP/1.1 on a local socket: every service's real protocol on one
/// endpoint (requests are routed by what they carry: path, `X-Amz-Target`, the query
/// protocols' `Version`), so `AWS_ENDPOINT_URL=http://127.0.0.1:PORT` points any AWS client at
/// it.
///
/// - **Signatures** are accepted, not verified; any credentials do.
/// - **Clock:** the simulator's lifecycles, metric periods and alarm evaluation run on tokio's
///   clock, in real time here; [`SimConfig::clock_speed`](crate::sim::SimConfig::clock_speed)
///   speeds them up (at 60, an instance that boots in 30 s is running after half a second and
///   a 60-second alarm period passes in one).
/// - **Control endpoints** (not AWS's): `POST /sim-api/reset` replaces the simulator with a
///   fresh one of the same configuration (moto's `/moto-api/reset`); `GET /sim-api/inventory`
///   lists what exists, as text.
/// - **Bounds:** request bodies over 1 MiB (Lambda: 70 MiB, a 50 MB package in base64) are
///   answered 413 without being read whole; headers
///   must arrive within 30 s; a malformed request is the protocol's error, never a panic.
/// - **Logs:** each request is logged through `tracing` (target `aws_facade::sim::wire`, level
///   INFO: method, path, service, status, elapsed), never its headers or body.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use aws_facade::sim::{SimCloud, wire::Server};
/// let server = Server::bind(SimCloud::new(), "127.0.0.1:0").await?;
/// // Any client: here the raw SDK's, over a socket (the SDK's own HTTP client).
/// let ebs = aws_sdk_ebs::Client::new(&server.sdk_config());
/// let started = ebs.start_snapshot().volume_size(1).send().await?;
/// assert_eq!(started.block_size(), Some(524_288));
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    sim: Arc<RwLock<Front>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds `addr` (e.g. `127.0.0.1:4566`; port 0 takes a free one) and serves `sim` from a
    /// task on the current tokio runtime until [`Server::shutdown`].
    pub async fn bind(sim: SimCloud, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let sim = Arc::new(RwLock::new(Front::of(sim)));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, sim.clone(), stopped));
        tracing::info!(target: "aws_facade::sim::wire", %addr, "simulator listening");
        Ok(Server { addr, sim, stop, task })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL for clients: `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An SDK configuration for clients of this server over its socket: the simulator's
    /// region, static test credentials, [`Server::endpoint_url`] for every service, and the
    /// SDK's default HTTP client.
    pub fn sdk_config(&self) -> aws_types::SdkConfig {
        let sim = self.sim();
        let creds = aws_credential_types::Credentials::from_keys("AKIDSIMULATOR", "simulator", None);
        aws_types::SdkConfig::builder()
            .behavior_version(aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(sim.config().region.clone()))
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
            .endpoint_url(self.endpoint_url())
            .build()
    }

    /// The simulator it serves now (a handle: state changes show through it; after a reset,
    /// call again for the new one).
    pub fn sim(&self) -> SimCloud {
        self.sim.read().unwrap_or_else(|e| e.into_inner()).sim().clone()
    }

    /// Replaces the simulator with a fresh one of the same configuration (what
    /// `POST /sim-api/reset` does).
    pub fn reset(&self) {
        reset(&self.sim);
    }

    /// Stops accepting connections, lets requests in flight finish (up to 10 s), and returns
    /// when every connection is closed.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        tracing::info!(target: "aws_facade::sim::wire", addr = %self.addr, "simulator stopped");
    }
}

/// Resolves when the server is told to stop (or its handle is gone).
async fn stop_signal(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await.map(|_| ());
}

fn reset(sim: &RwLock<Front>) {
    let mut guard = sim.write().unwrap_or_else(|e| e.into_inner());
    let fresh = SimCloud::with_config(guard.config().clone());
    *guard = Front::of(fresh);
}

async fn accept_loop(listener: TcpListener, sim: Arc<RwLock<Front>>, mut stopped: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                let sim = sim.clone();
                let mut stopped = stopped.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(sim.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(30))
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop_signal(&mut stopped) => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
            _ = stop_signal(&mut stopped) => break,
            // Reap finished connections as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        connections.abort_all();
    }
}

async fn handle(sim: Arc<RwLock<Front>>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = req.method().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
    let (path, query) = super::split_target(&target);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = super::body_limit(&path);
    let body = match declared {
        Some(n) if n > limit as u64 => Err(super::too_large(limit, n)),
        _ => match Limited::new(req.into_body(), limit).collect().await {
            Ok(b) => Ok(b.to_bytes()),
            Err(_) => Err(super::too_large(limit, limit as u64 + 1)),
        },
    };
    let path_for_log = path.clone();
    let (service, answer) = match body {
        Err(e) => ("unknown", e),
        Ok(body) => {
            let wire = WireRequest {
                method: method.clone(),
                path,
                query,
                headers,
                body,
            };
            match control(&sim, &wire) {
                Some(r) => ("sim-api", r),
                None => {
                    let current = sim.read().unwrap_or_else(|e| e.into_inner()).clone();
                    (super::service_name(&wire), super::answer(&current, &wire).await)
                }
            }
        }
    };
    tracing::info!(
        target: "aws_facade::sim::wire",
        method,
        path = path_for_log,
        service,
        status = answer.status,
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    let mut resp = Response::new(Full::new(answer.body));
    *resp.status_mut() = hyper::StatusCode::from_u16(answer.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in answer.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp.headers_mut()
        .insert("x-amzn-requestid", hyper::header::HeaderValue::from_static("sim"));
    Ok(resp)
}

/// The control endpoints under `/sim-api/` (not AWS's).
fn control(sim: &RwLock<Front>, req: &WireRequest) -> Option<WireResponse> {
    let text = |status: u16, body: String| WireResponse {
        status,
        headers: vec![("content-type", "text/plain; charset=utf-8".into())],
        body: Bytes::from(body),
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/sim-api/reset") => {
            reset(sim);
            Some(text(200, "reset\n".into()))
        }
        ("GET", "/sim-api/inventory") => {
            let inventory = sim.read().unwrap_or_else(|e| e.into_inner()).sim().inventory();
            Some(text(200, format!("{inventory}\n")))
        }
        (_, p) if p.starts_with("/sim-api/") => Some(text(404, format!("no control endpoint {} {p}\n", req.method))),
        _ => None,
    }
}
