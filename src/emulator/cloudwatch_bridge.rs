//! Bridges the CloudWatch protocol gap between aws-sdk-cloudwatch and moto (see the
//! [module docs](super)).
//!
//! aws-sdk-cloudwatch speaks Smithy RPC v2 CBOR (`POST /service/GraniteServiceVersion20100801/
//! operation/NAME`, `smithy-protocol: rpc-v2-cbor`, CBOR bodies); moto 5.2 answers that with 404
//! but speaks CloudWatch's AWS JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.NAME`).
//!
//! Rather than a loopback HTTP proxy, the translation runs *inside* the SDK client as its HTTP
//! client ([`CborToJsonHttpClient`], installed with `SdkConfig::http_client`): the SDK still
//! serializes, signs and deserializes exactly as it does against AWS, and the "wire" it talks to
//! converts each request to AWS JSON 1.0, sends it to moto with the SDK's own HTTP client
//! (`aws-smithy-http-client`: hyper with rustls, so `https://` emulators work too, with the
//! SDK's connect and read timeouts and connection reuse), and converts moto's answer back to
//! RPC v2 CBOR. No port, no server task whose lifetime must match a test runtime, and the
//! endpoint URL stays moto's. The library pins no old SDK.
//!
//! Bounded and panic-free on what comes back: an answer body over
//! [`MAX_BODY_BYTES`](super::http::MAX_BODY_BYTES) (by its Content-Length, or as it streams in)
//! is a connector error naming the limit, and any bytes, CBOR or JSON given to the translators
//! give an error, not a panic (fuzzed in `src/emulator/tests.rs`). A request to plain `http://`
//! on a host that is not loopback is refused unless
//! [`ALLOW_PLAINTEXT_ENV`](crate::cloud::plaintext::ALLOW_PLAINTEXT_ENV) is set.
//!
//! JSON carries no types, so the way back needs the CloudWatch shapes: the member tables and
//! the CBOR codec live in `cloudwatch::protocol` (shared with the simulator's wire front end)
//! and are re-exported here.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Headers;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::{Map, Value as Json};

use super::http;

/// The CloudWatch service's Smithy shape id prefix (the `X-Amz-Target` namespace).
pub const TARGET_PREFIX: &str = "GraniteServiceVersion20100801";

pub use crate::cloudwatch::protocol::{
    Cbor, Kind, cbor_to_json, error_to_cbor, json_to_cbor, member_kind, parse_timestamp,
};

/// An AWS JSON error body's code and message (`__type`; `message` or `Message`), if it is one.
pub fn json_error(body: &[u8]) -> Option<(String, String)> {
    let v: Json = serde_json::from_slice(body).ok()?;
    let code = v.get("__type")?.as_str()?.to_string();
    let message = v
        .get("message")
        .or_else(|| v.get("Message"))
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    Some((code, message))
}

// ---------------------------------------------------------------------------------------------
// The request side of the wire

/// A translated request: where to send it, the JSON body and the headers.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonRequest {
    /// Where to POST it: the endpoint's scheme and authority with path `/`
    /// (`http://127.0.0.1:PORT/`).
    pub url: String,
    /// The endpoint's authority, `127.0.0.1:PORT`.
    pub host: String,
    /// The operation, e.g. `PutMetricData`.
    pub operation: String,
    /// Headers to send (Host, Content-Length and Connection are added by the client).
    pub headers: Vec<(String, String)>,
    /// The AWS JSON 1.0 body.
    pub body: Vec<u8>,
}

/// Translates an SDK request (`uri`, headers, CBOR `body`) to AWS JSON 1.0.
pub fn translate_request(uri: &str, headers: &[(String, String)], body: &[u8]) -> Result<JsonRequest, String> {
    let (scheme, rest) = uri
        .split_once("://")
        .filter(|(s, _)| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
        .ok_or_else(|| format!("only http:// and https:// endpoints are supported, got {uri}"))?;
    let (host, path) = rest.split_once('/').ok_or_else(|| format!("no path in {uri}"))?;
    let operation = path
        .strip_prefix(&format!("service/{TARGET_PREFIX}/operation/"))
        .ok_or_else(|| format!("not an RPC v2 CBOR CloudWatch operation path: /{path}"))?
        .split(['?', '/'])
        .next()
        .unwrap_or_default()
        .to_string();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-encoding") && !v.eq_ignore_ascii_case("identity"))
    {
        return Err("compressed request bodies are not supported; disable request compression".into());
    }
    let json = cbor_to_json(body)?;
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.to_ascii_lowercase().as_str(),
                "content-type" | "content-length" | "smithy-protocol" | "accept" | "host" | "connection"
            )
        })
        .cloned()
        .collect();
    out.push(("X-Amz-Target".into(), format!("{TARGET_PREFIX}.{operation}")));
    out.push(("Content-Type".into(), "application/x-amz-json-1.0".into()));
    let body = serde_json::to_vec(&json).map_err(|e| e.to_string())?;
    out.push(("Content-Length".into(), body.len().to_string()));
    Ok(JsonRequest {
        url: format!("{scheme}://{host}/"),
        host: host.to_string(),
        operation,
        headers: out,
        body,
    })
}

/// A translated response: status, headers and the CBOR body.
#[derive(Debug, Clone, PartialEq)]
pub struct CborResponse {
    /// The HTTP status (moto's, except for non-JSON error bodies: 500).
    pub status: u16,
    /// Headers for the SDK.
    pub headers: Vec<(String, String)>,
    /// The RPC v2 CBOR body.
    pub body: Vec<u8>,
}

/// Translates moto's AWS JSON 1.0 answer to RPC v2 CBOR.
pub fn translate_response(resp: &http::Response) -> CborResponse {
    let mut headers = vec![
        ("content-type".to_string(), "application/cbor".to_string()),
        ("smithy-protocol".to_string(), "rpc-v2-cbor".to_string()),
    ];
    for name in ["x-amzn-requestid", "x-amzn-query-error"] {
        if let Some(v) = resp.header(name) {
            headers.push((name.to_string(), v.to_string()));
        }
    }
    let success = (200..300).contains(&resp.status);
    let (status, body) = if success {
        let parsed = if resp.body.iter().all(u8::is_ascii_whitespace) {
            Ok(Json::Object(Map::new()))
        } else {
            serde_json::from_slice::<Json>(&resp.body).map_err(|e| e.to_string())
        };
        match parsed.and_then(|j| json_to_cbor(&j)) {
            Ok(b) => (resp.status, b),
            Err(e) => (
                500,
                error_to_cbor(
                    "MotoTranslationError",
                    &format!("could not translate moto's answer to CBOR: {e}: {}", resp.text()),
                ),
            ),
        }
    } else {
        match json_error(&resp.body) {
            Some((code, message)) => (resp.status, error_to_cbor(&code, &message)),
            None => (
                500,
                error_to_cbor(
                    "MotoTranslationError",
                    &format!(
                        "moto answered {} with a body that is not an AWS JSON error: {}",
                        resp.status,
                        resp.text().chars().take(300).collect::<String>()
                    ),
                ),
            ),
        }
    };
    CborResponse { status, headers, body }
}

// ---------------------------------------------------------------------------------------------
// The SDK-facing HTTP client

/// An SDK HTTP client that speaks RPC v2 CBOR to the SDK and AWS JSON 1.0 to moto, over the
/// SDK's own HTTP client. Install it with
/// `SdkConfig::builder().http_client(CborToJsonHttpClient::shared())` for CloudWatch only.
#[derive(Debug, Clone)]
pub struct CborToJsonHttpClient {
    inner: SharedHttpClient,
}

impl Default for CborToJsonHttpClient {
    fn default() -> Self {
        Self::over(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https(),
        )
    }
}

impl CborToJsonHttpClient {
    /// The bridge over the SDK's default HTTPS client (hyper and rustls, as aws-sdk-cloudwatch
    /// uses by default), as a [`SharedHttpClient`].
    pub fn shared() -> SharedHttpClient {
        SharedHttpClient::new(Self::default())
    }

    /// The bridge over another HTTP client (a test double, a client with a proxy or custom
    /// TLS roots): it receives the AWS JSON 1.0 requests.
    pub fn over(inner: SharedHttpClient) -> Self {
        CborToJsonHttpClient { inner }
    }
}

impl HttpClient for CborToJsonHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(CborToJsonConnector {
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug, Clone)]
struct CborToJsonConnector {
    inner: SharedHttpConnector,
}

/// Collects an answer's body, refusing one over [`http::MAX_BODY_BYTES`] (by its declared
/// length before reading, or as it streams in; not classified as transient). A
/// failure while reading is an I/O error.
async fn collect_body(headers: &Headers, body: SdkBody) -> Result<Vec<u8>, ConnectorError> {
    let limit = http::MAX_BODY_BYTES;
    let refuse = |n: String| {
        ConnectorError::other(
            format!("moto's answer body ({n} bytes) is larger than the limit of {limit} bytes").into(),
            None,
        )
    };
    if let Some(len) = headers.get("content-length") {
        match len.trim().parse::<u64>() {
            Ok(n) if n > limit as u64 => return Err(refuse(n.to_string())),
            Ok(_) => {}
            Err(_) => {
                return Err(ConnectorError::other(
                    format!("bad content-length {len:?} in moto's answer").into(),
                    None,
                ));
            }
        }
    }
    let mut stream = ByteStream::new(body);
    let mut out = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| ConnectorError::io(Box::new(ReadingAnswer(e))))?
    {
        if chunk.len() > limit - out.len() {
            return Err(refuse(format!("over {}", out.len() + chunk.len())));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A failure while reading moto's answer: says so, and keeps the stream's error (with its own
/// causes) as its source rather than repeating its text.
#[derive(Debug)]
struct ReadingAnswer(aws_smithy_types::byte_stream::error::Error);

impl std::fmt::Display for ReadingAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reading moto's answer")
    }
}

impl std::error::Error for ReadingAnswer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl HttpConnector for CborToJsonConnector {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            let other = |e: String| ConnectorError::other(e.into(), None);
            if let Some(why) =
                crate::cloud::plaintext::refusal(request.uri(), crate::cloud::plaintext::allowed_by_env())
            {
                return Err(other(why));
            }
            let body = request
                .body()
                .bytes()
                .ok_or_else(|| other("streaming request bodies are not supported".into()))?;
            let headers: Vec<(String, String)> = request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let json = translate_request(request.uri(), &headers, body).map_err(other)?;
            // The same request (its extensions stay: connection poisoning, metrics), rewritten.
            request
                .set_uri(json.url.as_str())
                .map_err(|e| other(format!("uri {}: {e}", json.url)))?;
            let mut translated = Headers::new();
            for (k, v) in json.headers {
                translated.try_append(k, v).map_err(|e| other(format!("header: {e}")))?;
            }
            *request.headers_mut() = translated;
            *request.body_mut() = SdkBody::from(json.body);

            let mut resp = inner.call(request).await?;
            let raw = resp.take_body();
            let body = collect_body(resp.headers(), raw).await?;
            let resp = http::Response {
                status: resp.status().as_u16(),
                headers: resp
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body,
            };
            let cbor = translate_response(&resp);
            let status = cbor.status.try_into().map_err(|e| other(format!("status: {e}")))?;
            let mut out = HttpResponse::new(status, SdkBody::from(cbor.body));
            for (k, v) in cbor.headers {
                out.headers_mut()
                    .try_insert(k, v)
                    .map_err(|e| other(format!("header: {e}")))?;
            }
            Ok(out)
        })
    }
}
