//! The simulator on the wire (feature `wire`): an HTTP front end that decodes requests in a
//! service's real protocol into the simulator's operations and encodes the answers and errors
//! the way AWS does, so a raw `aws-sdk-*` client (or the crate's own SDK adapters) talks to the
//! simulator, in process, with no socket.
//!
//! Served so far: **the EBS direct APIs** (REST-JSON with binary block bodies and checksum
//! headers): StartSnapshot, PutSnapshotBlock, CompleteSnapshot, ListSnapshotBlocks,
//! ListChangedBlocks and GetSnapshotBlock. A request for another service, or an operation that
//! is not served, is answered `404 UnknownOperationException` (never a panic). Signatures are
//! accepted, not verified.
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

mod ebs;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;

use super::SimCloud;
use crate::error::Error;

/// The largest request body the front end reads: one EBS block (512 KiB) plus room for
/// headers-as-JSON requests; a larger one is refused with a protocol error.
const MAX_BODY_BYTES: usize = 1 << 20;

impl SimCloud {
    /// An HTTP client for the SDK (`Config::builder().http_client(sim.http_client())`) that
    /// serves requests from this simulator in process (see [`sim::wire`](crate::sim::wire)).
    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(WireClient { sim: self.clone() })
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

#[derive(Clone)]
struct WireClient {
    sim: SimCloud,
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
        let sim = self.sim.clone();
        HttpConnectorFuture::new(async move { Ok(serve(&sim, request).await) })
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

async fn serve(sim: &SimCloud, request: HttpRequest) -> HttpResponse {
    let answer = match decode(request).await {
        Ok(req) => match route(&req) {
            Some(Service::Ebs) => ebs::serve(sim, &req).await,
            None => unknown_operation(&req),
        },
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

enum Service {
    Ebs,
}

/// The service a request is for: the EBS direct APIs' paths start with `/snapshots`.
fn route(req: &WireRequest) -> Option<Service> {
    (req.path == "/snapshots" || req.path.starts_with("/snapshots/")).then_some(Service::Ebs)
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
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let method = request.method().to_string();
    // Collected without a copy when the body is one chunk in memory (a block the SDK sends);
    // a body that says it is too large is refused before it is read.
    let body = std::mem::replace(request.body_mut(), SdkBody::empty());
    if let Some(n) = body.content_length().filter(|n| *n > MAX_BODY_BYTES as u64) {
        return Err(error_response(
            413,
            "ValidationException",
            &format!("the request body is {n} bytes, more than {MAX_BODY_BYTES}"),
        ));
    }
    let body = aws_smithy_types::byte_stream::ByteStream::new(body)
        .collect()
        .await
        .map_err(|e| error_response(400, "SerializationException", &format!("unreadable body: {e}")))?
        .into_bytes();
    if body.len() > MAX_BODY_BYTES {
        return Err(error_response(
            413,
            "ValidationException",
            &format!("the request body is {} bytes, more than {MAX_BODY_BYTES}", body.len()),
        ));
    }
    Ok(WireRequest {
        method,
        path: percent_decode(path),
        query,
        headers,
        body,
    })
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
