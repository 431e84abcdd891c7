//! The simulator on the wire (feature `wire`): a front end that decodes requests in each
//! service's real protocol into the simulator's operations and encodes the answers and errors
//! the way AWS does, so a raw `aws-sdk-*` client (or the crate's own SDK adapters, or boto3,
//! the AWS CLI, Terraform) talks to the simulator: in process with no socket
//! ([`SimCloud::http_client`], [`SimCloud::sdk_config`]), or over HTTP ([`Server`]).
//!
//! Served, every operation of the five traits:
//! - **EC2** (EC2 query: form bodies, XML answers with `item` lists, errors in
//!   `<Response><Errors>`): the 44 actions of [`Ec2`](crate::ec2::Ec2), with paging and
//!   filters (`tag:K`, wildcards); the SDK's waiters work.
//! - **EBS direct** (REST-JSON with binary block bodies and checksum headers): StartSnapshot,
//!   PutSnapshotBlock, CompleteSnapshot, ListSnapshotBlocks, ListChangedBlocks, GetSnapshotBlock.
//! - **ELBv2** (awsQuery: form bodies, XML answers with `member` lists, `<ErrorResponse>`): the
//!   operations of [`Elbv2`](crate::elb::Elbv2).
//! - **CloudWatch** in its three protocols: RPC v2 CBOR (the Rust SDK), AWS JSON 1.0 (boto3,
//!   the CLI) and query (older SDKs), with the query-compatible error codes.
//! - **Lambda** (REST-JSON): every operation of [`Lambda`](crate::lambda::Lambda), and
//!   GetFunction. Once a simulator is on the wire, invoking a function with no registered
//!   handler runs a built-in echo handler (the event comes back, the log tail says so).
//!
//! An operation the traits do not have answers the protocol's own unknown-operation error
//! (`InvalidAction`, `UnknownOperationException`), and malformed input the service's validation
//! error: never a panic (each codec has a garbage-input test). Signatures are accepted, not
//! verified. Requests go through the simulator's layers when it is served through them
//! ([`SimCloud::http_client_through`]). Each codec module lists its known differences from
//! AWS (for example: EC2 answers one reservation per instance; Lambda's code locations are
//! `https://sim.invalid/...` addresses that serve nothing).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use aws_facade::sim::SimCloud;
//! let sim = SimCloud::new();
//! // Code written against the raw SDK, unit-tested with the stateful simulator.
//! let ebs = aws_sdk_ebs::Client::new(&sim.sdk_config());
//! let started = ebs.start_snapshot().volume_size(1).send().await?;
//! assert_eq!(started.block_size(), Some(524_288));
//! let e = ebs
//!     .get_snapshot_block()
//!     .snapshot_id("snap-0123456789abcdef0")
//!     .block_index(0)
//!     .block_token("AAAA")
//!     .send()
//!     .await
//!     .unwrap_err();
//! assert!(e.into_service_error().is_resource_not_found_exception());
//! # Ok(()) }
//! ```

mod cloudwatch;
mod ebs;
mod ec2;
mod elb;
mod lambda;
mod server;

pub use server::Server;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;

use super::SimCloud;
use crate::Cloud;
use crate::error::Error;

/// The largest request body the front end reads for most services: one EBS block (512 KiB)
/// with room to spare, and far more than any query or JSON request of the served operations; a
/// larger one is refused with a protocol error before it is read whole.
pub(crate) const MAX_BODY_BYTES: usize = 1 << 20;

/// Lambda's bound: a 50 MB deployment package (Lambda quotas, "Deployment package (.zip file
/// archive) size: 50 MB zipped, for direct upload") as base64 in JSON, about 67 MB.
pub(crate) const MAX_LAMBDA_BODY_BYTES: usize = 70 << 20;

/// The body bound for a request to `path`.
pub(crate) fn body_limit(path: &str) -> usize {
    if is_lambda_path(path) {
        MAX_LAMBDA_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

impl SimCloud {
    /// An HTTP client for the SDK (`Config::builder().http_client(sim.http_client())`) that
    /// serves requests from this simulator in process (see [`sim::wire`](crate::sim::wire)).
    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(WireClient {
            front: Front::of(self.clone()),
        })
    }

    /// [`SimCloud::http_client`], serving every request through `cloud`: this simulator with
    /// layers (`cloud = sim.cloud().layer(Faults::new(7).rate(0.2))`, [`Latency`],
    /// [`Recording`], [`iam::Enforce`](crate::iam::Enforce)), so raw SDK clients meet the
    /// faults, delays and denials too. `cloud`'s retry layer is turned off: the client retries
    /// (one budget). `cloud` must be over this simulator (its account, clock and handlers).
    ///
    /// [`Latency`]: crate::layer::Latency
    /// [`Recording`]: crate::layer::Recording
    pub fn http_client_through(&self, cloud: Cloud) -> SharedHttpClient {
        SharedHttpClient::new(WireClient {
            front: Front::new(self.clone(), cloud),
        })
    }

    /// An SDK configuration for raw clients of this simulator: its region, static test
    /// credentials and [`SimCloud::http_client`] (the SDK's default retries stay on, as in
    /// production code): `aws_sdk_ebs::Client::new(&sim.sdk_config())`.
    pub fn sdk_config(&self) -> aws_types::SdkConfig {
        let creds = aws_credential_types::Credentials::from_keys("AKIDSIMULATOR", "simulator", None);
        aws_types::SdkConfig::builder()
            .behavior_version(aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(self.config().region.clone()))
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
            .http_client(self.http_client())
            .build()
    }
}

/// What the codecs serve from: the simulator (its configuration and clock) and the service
/// handles every operation goes through (the simulator itself, or layers over it). It
/// implements the five service traits by calling those handles.
#[derive(Clone)]
pub(crate) struct Front {
    sim: SimCloud,
    cloud: Cloud,
}

impl std::fmt::Debug for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Front").finish_non_exhaustive()
    }
}

impl Front {
    /// Serves `sim` through `cloud` (retry off) and turns on the echo fallback for Lambda
    /// functions with no registered handler.
    pub(crate) fn new(sim: SimCloud, cloud: Cloud) -> Front {
        sim.lock().lambda.echo_fallback = true;
        Front {
            sim,
            cloud: cloud.with_retry(crate::layer::Retry::none()),
        }
    }

    /// `sim` served directly (its own handles).
    pub(crate) fn of(sim: SimCloud) -> Front {
        let cloud = sim.cloud();
        Front::new(sim, cloud)
    }

    /// The simulator's configuration.
    pub(crate) fn config(&self) -> &crate::sim::SimConfig {
        self.sim.config()
    }

    /// The simulator's wall clock.
    pub(crate) fn wall_clock(&self) -> std::time::SystemTime {
        self.sim.wall_clock()
    }

    /// The simulator itself (for what is not a service operation).
    pub(crate) fn sim(&self) -> &SimCloud {
        &self.sim
    }
}

/// The service handle of type `T` a [`Front`] calls (used by the trait impls that
/// `service_trait!` generates for it).
pub(crate) trait Handle<T: ?Sized> {
    fn handle(&self) -> &T;
}

impl Handle<dyn crate::ec2::Ec2> for Front {
    fn handle(&self) -> &(dyn crate::ec2::Ec2 + 'static) {
        &*self.cloud.ec2
    }
}
impl Handle<dyn crate::ebs::Ebs> for Front {
    fn handle(&self) -> &(dyn crate::ebs::Ebs + 'static) {
        &*self.cloud.ebs
    }
}
impl Handle<dyn crate::elb::Elbv2> for Front {
    fn handle(&self) -> &(dyn crate::elb::Elbv2 + 'static) {
        &*self.cloud.elb
    }
}
impl Handle<dyn crate::cloudwatch::CloudWatch> for Front {
    fn handle(&self) -> &(dyn crate::cloudwatch::CloudWatch + 'static) {
        &*self.cloud.cloudwatch
    }
}
impl Handle<dyn crate::autoscaling::AutoScaling> for Front {
    fn handle(&self) -> &(dyn crate::autoscaling::AutoScaling + 'static) {
        &*self.cloud.autoscaling
    }
}
impl Handle<dyn crate::lambda::Lambda> for Front {
    fn handle(&self) -> &(dyn crate::lambda::Lambda + 'static) {
        &*self.cloud.lambda
    }
}

#[derive(Clone)]
struct WireClient {
    front: Front,
}

impl std::fmt::Debug for WireClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WireClient")
    }
}

impl HttpClient for WireClient {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for WireClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let front = self.front.clone();
        HttpConnectorFuture::new(async move { Ok(serve(&front, request).await) })
    }
}

/// A decoded request: method, path, query pairs (percent-decoded), headers and body.
pub(crate) struct WireRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl WireRequest {
    /// A header's value (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An answer to encode: status, headers, body.
pub(crate) struct WireResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl WireResponse {
    /// A JSON answer.
    pub fn json(status: u16, value: &serde_json::Value) -> WireResponse {
        WireResponse {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: Bytes::from(value.to_string()),
        }
    }
}

async fn serve(front: &Front, request: HttpRequest) -> HttpResponse {
    let answer = match decode(request).await {
        Ok(req) => answer(front, &req).await,
        Err(e) => e,
    };
    let mut resp = HttpResponse::new(
        answer.status.try_into().expect("a valid status code"),
        SdkBody::from(answer.body),
    );
    for (k, v) in answer.headers {
        resp.headers_mut().insert(k, v);
    }
    resp.headers_mut().insert("x-amzn-requestid", "sim".to_string());
    resp
}

/// The simulator's answer to one decoded request, whichever way it came (the in-process client
/// or the HTTP [`Server`]).
pub(crate) async fn answer(sim: &Front, req: &WireRequest) -> WireResponse {
    match route(req) {
        Some(Service::Ebs) => ebs::serve(sim, req).await,
        Some(Service::Lambda) => lambda::serve(sim, req).await,
        Some(Service::CloudWatch) => cloudwatch::serve(sim, req).await,
        Some(Service::Ec2) => ec2::serve(sim, req).await,
        Some(Service::Elbv2) => elb::serve(sim, req).await,
        None => unknown_operation(req),
    }
}

/// A request's path and query split, the query's pairs percent-decoded.
pub(crate) fn split_target(path_and_query: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    (percent_decode(path), query)
}

/// The service a request names (for logs), if any.
pub(crate) fn service_name(req: &WireRequest) -> &'static str {
    match route(req) {
        Some(Service::Ebs) => "ebs",
        Some(Service::Lambda) => "lambda",
        Some(Service::CloudWatch) => "cloudwatch",
        Some(Service::Ec2) => "ec2",
        Some(Service::Elbv2) => "elasticloadbalancing",
        None => "unknown",
    }
}

enum Service {
    Ebs,
    Lambda,
    CloudWatch,
    Ec2,
    Elbv2,
}

/// The service a request is for, from what the request itself carries (one endpoint serves all
/// services, as moto's does): the EBS direct APIs' paths start with `/snapshots`; Lambda's
/// REST paths with an API version date (`/2015-03-31/functions`, `/2018-10-31/layers`, ...);
/// CloudWatch is RPC v2 CBOR (`/service/GraniteServiceVersion20100801/operation/NAME`), AWS
/// JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.NAME`) or the query protocol
/// (`Version=2010-08-01` in the form body); EC2 (`Version=2016-11-15`) and ELBv2
/// (`Version=2015-12-01`) speak their query protocols.
fn route(req: &WireRequest) -> Option<Service> {
    let path = req.path.as_str();
    if path == "/snapshots" || path.starts_with("/snapshots/") {
        return Some(Service::Ebs);
    }
    if is_lambda_path(path) {
        return Some(Service::Lambda);
    }
    if path.starts_with("/service/GraniteServiceVersion20100801/")
        || req
            .header("x-amz-target")
            .is_some_and(|t| t.starts_with("GraniteServiceVersion20100801."))
    {
        return Some(Service::CloudWatch);
    }
    match form_value(req, "Version").as_deref() {
        Some("2010-08-01") => Some(Service::CloudWatch),
        Some("2016-11-15") => Some(Service::Ec2),
        Some("2015-12-01") => Some(Service::Elbv2),
        _ => None,
    }
}

/// A Lambda REST path: `/YYYY-MM-DD/` then the resource.
fn is_lambda_path(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() > 12
        && b[0] == b'/'
        && b[11] == b'/'
        && b[1..11].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// The pairs of an `application/x-www-form-urlencoded` body (the query protocols), `+` as a
/// space and `%XX` escapes decoded.
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// One value of a form body (or of the URL's query, where a query-protocol client may put it).
fn form_value(req: &WireRequest, name: &str) -> Option<String> {
    if let Some(v) = req.query(name) {
        return Some(v.to_string());
    }
    let form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    form.then(|| {
        form_pairs(&req.body)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    })
    .flatten()
}

fn unknown_operation(req: &WireRequest) -> WireResponse {
    error_response(
        404,
        "UnknownOperationException",
        &format!("the simulator serves no operation at {} {}", req.method, req.path),
    )
}

/// An error answer in the REST-JSON shape: the type in `x-amzn-ErrorType`, the message in the
/// body.
pub(crate) fn error_response(status: u16, code: &str, message: &str) -> WireResponse {
    let mut r = WireResponse::json(status, &serde_json::json!({"Message": message, "message": message}));
    r.headers.push(("x-amzn-errortype", code.to_string()));
    r
}

/// The crate's error as the service would answer it: a request the crate's own checks refuse
/// is the service's `ValidationException`; an API error keeps its code.
pub(crate) fn error_from(e: &Error, status_of: fn(&str) -> u16) -> WireResponse {
    match e {
        Error::Validation { field, rule } => error_response(400, "ValidationException", &format!("{field}: {rule}")),
        other => match other.api_error() {
            Some(api) => error_response(status_of(&api.code), &api.code, &api.message),
            None => error_response(500, "InternalServerException", &other.to_string()),
        },
    }
}

async fn decode(mut request: HttpRequest) -> Result<WireRequest, WireResponse> {
    let uri = request.uri().to_string();
    // The URI is absolute (`https://ebs.us-east-1.amazonaws.com/snapshots?..`) or a path.
    let path_and_query = match uri.find("://") {
        Some(i) => uri[i + 3..].find('/').map_or("/", |p| &uri[i + 3 + p..]),
        None => uri.as_str(),
    };
    let (path, query) = split_target(path_and_query);
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let method = request.method().to_string();
    // Collected without a copy when the body is one chunk in memory (a block the SDK sends);
    // a body that says it is too large is refused before it is read.
    let body = std::mem::replace(request.body_mut(), SdkBody::empty());
    let limit = body_limit(&path);
    if let Some(n) = body.content_length().filter(|n| *n > limit as u64) {
        return Err(too_large(limit, n));
    }
    let body = aws_smithy_types::byte_stream::ByteStream::new(body)
        .collect()
        .await
        .map_err(|e| error_response(400, "SerializationException", &format!("unreadable body: {e}")))?
        .into_bytes();
    if body.len() > limit {
        return Err(too_large(limit, body.len() as u64));
    }
    Ok(WireRequest {
        method,
        path,
        query,
        headers,
        body,
    })
}

/// The answer to a body over `limit` bytes (`n`, or more): Lambda's `RequestTooLargeException`
/// (413), the status every service gives it.
pub(crate) fn too_large(limit: usize, n: u64) -> WireResponse {
    error_response(
        413,
        "RequestTooLargeException",
        &format!("the request body is {n} bytes or more, more than the {limit} this endpoint reads"),
    )
}

/// `%XX` escapes decoded (the SDK escapes everything outside the unreserved set, `+` and `=`
/// of block tokens included); an invalid escape is kept as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Shared by the JSON and query codecs: typed reads of a decoded input, the query protocols'
// `Name.member.N` pairs as a JSON tree, and XML answers written from JSON.

/// Typed reads of one decoded input (a JSON object; for the query protocols, the tree of
/// [`query_to_json`], whose scalars are all strings: numbers and booleans are read from either).
#[derive(Clone, Copy)]
pub(crate) struct Input<'a>(pub &'a serde_json::Value);

/// A malformed or out-of-range member, as a service's own error code.
pub(crate) type Refuse = fn(String) -> Error;

impl<'a> Input<'a> {
    /// The member `k` (absent, or `null`: `None`).
    pub fn get(self, k: &str) -> Option<Input<'a>> {
        self.0.get(k).filter(|v| !v.is_null()).map(Input)
    }
    /// A text member.
    pub fn str(self, k: &str) -> Option<&'a str> {
        self.0.get(k).and_then(serde_json::Value::as_str)
    }
    /// A text member, as an owned string.
    pub fn string(self, k: &str) -> Option<String> {
        self.str(k).map(str::to_string)
    }
    /// A required text member (`missing` builds the service's error).
    pub fn required(self, k: &str, missing: Refuse) -> Result<&'a str, Error> {
        self.str(k)
            .ok_or_else(|| missing(format!("The parameter {k} is required.")))
    }
    /// A number member: a JSON number or a decimal string.
    pub fn num<T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>>(
        self,
        k: &str,
        bad: Refuse,
    ) -> Result<Option<T>, Error> {
        let Some(v) = self.0.get(k).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let out = match v {
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|u| T::try_from(u).ok())
                .or_else(|| n.as_i64().and_then(|i| T::try_from(i).ok())),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        };
        out.map(Some)
            .ok_or_else(|| bad(format!("The value {v} of {k} is not a valid integer in range.")))
    }
    /// A double member: a JSON number or a string (`NaN`, `Infinity` included).
    pub fn f64(self, k: &str, bad: Refuse) -> Result<Option<f64>, Error> {
        match self.0.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => Ok(n.as_f64()),
            Some(serde_json::Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| bad(format!("The value {s:?} of {k} is not a number."))),
            Some(v) => Err(bad(format!("The value {v} of {k} is not a number."))),
        }
    }
    /// A boolean member: a JSON boolean or `true`/`false`.
    pub fn bool(self, k: &str, bad: Refuse) -> Result<Option<bool>, Error> {
        match self.0.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Bool(b)) => Ok(Some(*b)),
            Some(serde_json::Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(serde_json::Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(v) => Err(bad(format!("The value {v} of {k} is not a boolean."))),
        }
    }
    /// A timestamp member: epoch seconds (JSON, CBOR) or ISO 8601 text (query).
    pub fn time(self, k: &str, bad: Refuse) -> Result<Option<std::time::SystemTime>, Error> {
        let secs = match self.0.get(k) {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => crate::cloudwatch::protocol::parse_timestamp(s).ok(),
            Some(_) => None,
        };
        let secs = secs
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e11)
            .ok_or_else(|| bad(format!("The value of {k} is not a valid timestamp.")))?;
        Ok(Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(secs)))
    }
    /// A list member's items (absent, or the query protocol's empty `Name=`: none).
    pub fn list(self, k: &str) -> Vec<Input<'a>> {
        match self.0.get(k) {
            Some(serde_json::Value::Array(items)) => items.iter().map(Input).collect(),
            _ => Vec::new(),
        }
    }
    /// A list of strings.
    pub fn strings(self, k: &str) -> Vec<String> {
        self.list(k)
            .into_iter()
            .filter_map(|v| v.0.as_str().map(str::to_string))
            .collect()
    }
    /// `[{Key, Value}]` tags.
    pub fn tags(self, k: &str) -> crate::Tags {
        self.list(k)
            .into_iter()
            .filter_map(|t| Some((t.string("Key")?, t.str("Value").unwrap_or_default().to_string())))
            .collect()
    }
}

/// The query protocols' flattened pairs as a JSON tree: `A.member.2.B=x` (awsQuery) and `A.2.B=x`
/// (EC2) both give `{"A": [_, {"B": "x"}]}`, lists ordered by their 1-based indexes (a map's
/// `A.entry.N.key` / `.value` pairs are a list of `{key, value}`). Every scalar stays a string.
/// `Action` and `Version` are left out.
pub(crate) fn query_to_json(pairs: &[(String, String)]) -> serde_json::Value {
    use std::collections::BTreeMap;
    enum Node {
        Leaf(String),
        Branch(BTreeMap<String, Node>),
    }
    fn insert(node: &mut BTreeMap<String, Node>, path: &[&str], value: &str) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            node.insert((*first).to_string(), Node::Leaf(value.to_string()));
            return;
        }
        let child = node
            .entry((*first).to_string())
            .or_insert_with(|| Node::Branch(BTreeMap::new()));
        if let Node::Leaf(_) = child {
            *child = Node::Branch(BTreeMap::new());
        }
        if let Node::Branch(m) = child {
            insert(m, rest, value);
        }
    }
    fn to_json(node: Node) -> serde_json::Value {
        match node {
            Node::Leaf(s) => serde_json::Value::String(s),
            Node::Branch(m) => {
                let numeric = !m.is_empty() && m.keys().all(|k| k.parse::<u32>().is_ok());
                if numeric {
                    let mut items: Vec<(u32, Node)> =
                        m.into_iter().map(|(k, v)| (k.parse().unwrap_or_default(), v)).collect();
                    items.sort_by_key(|(i, _)| *i);
                    serde_json::Value::Array(items.into_iter().map(|(_, v)| to_json(v)).collect())
                } else {
                    serde_json::Value::Object(m.into_iter().map(|(k, v)| (k, to_json(v))).collect())
                }
            }
        }
    }
    let mut root = BTreeMap::new();
    for (k, v) in pairs {
        if k == "Action" || k == "Version" {
            continue;
        }
        let segments: Vec<&str> = k.split('.').collect();
        // `member` / `entry` before an index only mark a list (or map) in awsQuery.
        let path: Vec<&str> = segments
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                !((**s == "member" || **s == "entry") && segments.get(i + 1).is_some_and(|n| n.parse::<u32>().is_ok()))
            })
            .map(|(_, s)| *s)
            .collect();
        insert(&mut root, &path, v);
    }
    to_json(Node::Branch(root))
}

/// How a query-protocol answer is written as XML.
pub(crate) struct XmlStyle {
    /// The element around each list item: `member` (awsQuery) or `item` (EC2).
    pub item: &'static str,
    /// Whether the member named so holds timestamps (written as ISO 8601).
    pub is_timestamp: fn(&str) -> bool,
    /// Whether the member named so is a map (written as `entry` / `key` / `value`).
    pub is_map: fn(&str) -> bool,
}

/// Writes the members of JSON object `v` as XML elements into `out`.
pub(crate) fn write_xml(out: &mut String, v: &serde_json::Value, style: &XmlStyle) {
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            write_member(out, k, v, style, (style.is_timestamp)(k));
        }
    }
}

fn write_member(out: &mut String, k: &str, v: &serde_json::Value, style: &XmlStyle, timestamp: bool) {
    use serde_json::Value as J;
    out.push('<');
    out.push_str(k);
    out.push('>');
    match v {
        J::Null => {}
        J::Array(items) => {
            for item in items {
                write_member(out, style.item, item, style, timestamp);
            }
        }
        J::Object(m) if (style.is_map)(k) => {
            for (key, value) in m {
                out.push_str("<entry><key>");
                escape_into(out, key);
                out.push_str("</key>");
                write_member(out, "value", value, style, false);
                out.push_str("</entry>");
            }
        }
        J::Object(_) => write_xml(out, v, style),
        J::Number(n) if timestamp => {
            let secs = n.as_f64().unwrap_or_default();
            let t = aws_smithy_types::DateTime::from_secs_f64(secs);
            out.push_str(&t.fmt(aws_smithy_types::date_time::Format::DateTime).unwrap_or_default());
        }
        J::Number(n) => out.push_str(&n.to_string()),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::String(s) => escape_into(out, s),
    }
    out.push_str("</");
    out.push_str(k);
    out.push('>');
}

/// An awsQuery answer (CloudWatch's query protocol, ELBv2):
/// `<OpResponse xmlns=..><OpResult>members</OpResult><ResponseMetadata>..`. The Result element
/// is left out for an empty output when `empty_result` is false (CloudWatch writes none for
/// operations without output; ELBv2 always writes one).
pub(crate) fn query_answer(
    operation: &str,
    xmlns: &str,
    output: &serde_json::Value,
    style: &XmlStyle,
    empty_result: bool,
) -> WireResponse {
    let mut xml = format!("<{operation}Response xmlns=\"{xmlns}\">");
    if empty_result || output.as_object().is_some_and(|m| !m.is_empty()) {
        xml.push_str(&format!("<{operation}Result>"));
        write_xml(&mut xml, output, style);
        xml.push_str(&format!("</{operation}Result>"));
    }
    xml.push_str(&format!(
        "<ResponseMetadata><RequestId>sim</RequestId></ResponseMetadata></{operation}Response>"
    ));
    WireResponse {
        status: 200,
        headers: vec![("content-type", "text/xml".into())],
        body: Bytes::from(xml),
    }
}

/// An awsQuery error: `<ErrorResponse xmlns=..><Error><Type>Sender|Receiver</Type><Code>..
/// </Code><Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`.
pub(crate) fn query_error(xmlns: &str, status: u16, code: &str, message: &str) -> WireResponse {
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let mut xml = format!("<ErrorResponse xmlns=\"{xmlns}\"><Error><Type>{fault}</Type><Code>");
    escape_into(&mut xml, code);
    xml.push_str("</Code><Message>");
    escape_into(&mut xml, message);
    xml.push_str("</Message></Error><RequestId>sim</RequestId></ErrorResponse>");
    WireResponse {
        status,
        headers: vec![("content-type", "text/xml".into())],
        body: Bytes::from(xml),
    }
}

/// XML text escaping (the five predefined entities; control characters other than tab, newline
/// and carriage return, which XML 1.0 cannot carry, become `&#xFFFD;`).
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push_str("&#xFFFD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_decoded_and_bad_ones_kept() {
        assert_eq!(percent_decode("a%2Fb%3D%3D"), "a/b==");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("plain"), "plain");
    }
}
